// WebRTC data channels over SCTP with DCEP. See data_channel.hpp.
#include "data_channel.hpp"

#include <stdexcept>

#include "dcep.hpp"

namespace cohost::media::detail {

namespace {

constexpr std::byte kEmptyPayload[1] = {std::byte{0}};

SctpSendOptions dcep_options() { return SctpSendOptions{}; }  // ordered, reliable (RFC 8832 §6)

}  // namespace

DataChannelTransport::DataChannelTransport(SctpOptions options, bool dtls_client,
                                           Callbacks callbacks, SctpAssociation::PostFn post)
    : callbacks_(std::move(callbacks)), dtls_client_(dtls_client), max_streams_(options.streams) {
    if (!callbacks_.packet) throw std::invalid_argument("DataChannelTransport: packet function needed");
    SctpAssociation::Callbacks cb;
    cb.send = callbacks_.packet;
    cb.message = [this](std::uint16_t stream, std::uint32_t ppid, std::span<const std::byte> d) {
        on_message(stream, ppid, d);
    };
    cb.state = [this](SctpState s) { on_state(s); };
    cb.stream_reset = [this](std::uint16_t stream) { on_stream_reset(stream); };
    sctp_ = std::make_unique<SctpAssociation>(options, std::move(cb), std::move(post));
}

const DataChannel* DataChannelTransport::find(std::uint16_t stream) const {
    const auto it = channels_.find(stream);
    return it == channels_.end() ? nullptr : &it->second;
}

const DataChannel* DataChannelTransport::find(std::string_view label) const {
    for (const auto& [stream, ch] : channels_) {
        if (ch.label == label && ch.state == DataChannelState::Open) return &ch;
    }
    return nullptr;
}

std::optional<std::uint16_t> DataChannelTransport::open(const DataChannelInit& init) {
    if (sctp_->state() != SctpState::Connected) return std::nullopt;
    std::optional<std::uint16_t> stream;
    for (std::uint32_t s = dtls_client_ ? 0 : 1; s < max_streams_; s += 2) {
        if (channels_.count(static_cast<std::uint16_t>(s)) == 0) {
            stream = static_cast<std::uint16_t>(s);
            break;
        }
    }
    if (!stream) return std::nullopt;
    DcepOpen msg;
    msg.channel_type = dcep_channel_type(init.ordered, init.max_retransmits.has_value(),
                                         init.lifetime_ms.has_value());
    msg.reliability = init.max_retransmits ? *init.max_retransmits
                                           : init.lifetime_ms.value_or(0);
    msg.label = init.label;
    msg.protocol = init.protocol;
    auto bytes = encode_dcep_open(msg);
    if (!bytes) return std::nullopt;
    if (sctp_->send(*stream, kPpidDcep, *bytes, dcep_options()) != SctpSendResult::Sent) {
        return std::nullopt;
    }
    DataChannel ch;
    ch.stream = *stream;
    ch.label = init.label;
    ch.protocol = init.protocol;
    ch.ordered = init.ordered;
    ch.max_retransmits = msg.max_retransmits();
    ch.lifetime_ms = msg.lifetime_ms();
    ch.acked = false;
    channels_[*stream] = std::move(ch);
    return stream;
}

SctpSendResult DataChannelTransport::send(std::uint16_t stream, std::span<const std::byte> data,
                                          bool binary) {
    const auto it = channels_.find(stream);
    if (it == channels_.end() || it->second.state != DataChannelState::Open) {
        return SctpSendResult::NotConnected;
    }
    const DataChannel& ch = it->second;
    SctpSendOptions o;
    o.ordered = ch.ordered || !ch.acked;  // RFC 8832 §6: ordered until the ACK arrives
    o.max_retransmits = ch.max_retransmits;
    o.lifetime_ms = ch.lifetime_ms;
    if (data.empty()) {
        return sctp_->send(stream, binary ? kPpidBinaryEmpty : kPpidStringEmpty, kEmptyPayload, o);
    }
    return sctp_->send(stream, binary ? kPpidBinary : kPpidString, data, o);
}

void DataChannelTransport::close(std::uint16_t stream) {
    const auto it = channels_.find(stream);
    if (it == channels_.end() || it->second.state != DataChannelState::Open) return;
    it->second.state = DataChannelState::Closing;  // until the peer resets its stream too
    (void)sctp_->reset_stream(stream);
    if (callbacks_.closed) callbacks_.closed(it->second);
}

void DataChannelTransport::on_message(std::uint16_t stream, std::uint32_t ppid,
                                      std::span<const std::byte> data) {
    if (ppid == kPpidDcep) {
        on_dcep(stream, data);
        return;
    }
    const auto it = channels_.find(stream);
    if (it == channels_.end() || it->second.state != DataChannelState::Open) {
        ++counters_.unknown_stream;
        return;
    }
    bool binary = false;
    switch (ppid) {
        case kPpidString: break;
        case kPpidBinary: binary = true; break;
        case kPpidStringEmpty: data = {}; break;
        case kPpidBinaryEmpty: binary = true; data = {}; break;
        default:  // 52/54 (deprecated partial messages) and anything unknown
            ++counters_.bad_ppid;
            return;
    }
    if (callbacks_.message) callbacks_.message(it->second, binary, data);
}

void DataChannelTransport::on_dcep(std::uint16_t stream, std::span<const std::byte> data) {
    auto msg = parse_dcep(data);
    if (!msg) {
        ++counters_.dcep_malformed;
        return;
    }
    const auto it = channels_.find(stream);
    if (!msg->open) {  // ACK: valid only for a channel we opened
        if (it == channels_.end() || it->second.remote_opened) {
            ++counters_.dcep_malformed;
            return;
        }
        it->second.acked = true;
        return;
    }
    if (it != channels_.end()) {  // the stream is in use: a broken peer; keep what we have
        ++counters_.dcep_malformed;
        return;
    }
    DataChannel ch;
    ch.stream = stream;
    ch.label = msg->open->label;
    ch.protocol = msg->open->protocol;
    ch.ordered = msg->open->ordered();
    ch.max_retransmits = msg->open->max_retransmits();
    ch.lifetime_ms = msg->open->lifetime_ms();
    ch.remote_opened = true;
    if (sctp_->send(stream, kPpidDcep, encode_dcep_ack(), dcep_options()) != SctpSendResult::Sent) {
        return;  // association failing: the peer's channel never opens
    }
    ++counters_.opened_by_peer;
    const auto& stored = channels_[stream] = std::move(ch);
    if (callbacks_.open) callbacks_.open(stored);
}

void DataChannelTransport::on_stream_reset(std::uint16_t stream) {
    const auto it = channels_.find(stream);
    if (it == channels_.end()) return;
    const DataChannel ch = it->second;
    channels_.erase(it);  // both directions reset (ours now, or earlier by close())
    if (ch.state == DataChannelState::Open) {
        (void)sctp_->reset_stream(stream);  // RFC 8831 §6.7: reset ours in reply
        if (callbacks_.closed) callbacks_.closed(ch);
    }
}

void DataChannelTransport::on_state(SctpState s) {
    if (s == SctpState::Closed) {
        auto closing = std::move(channels_);
        channels_.clear();
        for (auto& [stream, ch] : closing) {
            if (ch.state == DataChannelState::Open && callbacks_.closed) {
                ch.state = DataChannelState::Closed;
                callbacks_.closed(ch);
            }
        }
    }
    if (callbacks_.state) callbacks_.state(s);
}

}  // namespace cohost::media::detail
