// DCEP (RFC 8832) codec. See dcep.hpp.
#include "dcep.hpp"

#include <algorithm>

namespace cohost::media::detail {

namespace {

// boost::system::error_category has a protected non-virtual destructor by design.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class DcepCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "dcep"; }
    std::string message(int ev) const override {
        switch (static_cast<DcepErrc>(ev)) {
            case DcepErrc::Empty: return "empty DCEP message";
            case DcepErrc::UnknownType: return "unknown DCEP message type";
            case DcepErrc::Truncated: return "DATA_CHANNEL_OPEN is truncated";
            case DcepErrc::TrailingBytes: return "DCEP message has trailing bytes";
            case DcepErrc::BadChannelType: return "DATA_CHANNEL_OPEN has an unknown channel type";
            case DcepErrc::TooLarge: return "DATA_CHANNEL_OPEN label or protocol is too long";
        }
        return "unknown DCEP error";
    }
};
#pragma GCC diagnostic pop

constexpr std::size_t kOpenHeader = 12;  // type, channel type, priority(2), reliability(4), lengths(2+2)

std::uint16_t be16(std::span<const std::byte> d, std::size_t at) noexcept {
    return static_cast<std::uint16_t>((std::to_integer<unsigned>(d[at]) << 8) |
                                      std::to_integer<unsigned>(d[at + 1]));
}

std::uint32_t be32(std::span<const std::byte> d, std::size_t at) noexcept {
    return (static_cast<std::uint32_t>(be16(d, at)) << 16) | be16(d, at + 2);
}

void put16(std::vector<std::byte>& out, std::uint16_t v) {
    out.push_back(static_cast<std::byte>(v >> 8));
    out.push_back(static_cast<std::byte>(v & 0xFF));
}

bool valid_type(std::uint8_t t) noexcept {
    switch (t) {
        case 0x00: case 0x80: case 0x01: case 0x81: case 0x02: case 0x82: return true;
        default: return false;
    }
}

}  // namespace

boost::system::error_code make_error_code(DcepErrc e) noexcept {
    static const DcepCategory category;
    return {static_cast<int>(e), category};
}

std::optional<std::uint16_t> DcepOpen::max_retransmits() const noexcept {
    if ((static_cast<std::uint8_t>(channel_type) & 0x7F) != 0x01) return std::nullopt;
    return static_cast<std::uint16_t>(std::min<std::uint32_t>(reliability, 0xFFFF));
}

std::optional<std::uint32_t> DcepOpen::lifetime_ms() const noexcept {
    if ((static_cast<std::uint8_t>(channel_type) & 0x7F) != 0x02) return std::nullopt;
    return reliability;
}

cohost::Result<DcepMessage> parse_dcep(std::span<const std::byte> data) {
    if (data.empty()) return make_error_code(DcepErrc::Empty);
    const auto type = std::to_integer<std::uint8_t>(data[0]);
    if (type == kDcepAck) {
        // RFC 8832 §5.2: the ACK is the type byte alone.
        if (data.size() != 1) return make_error_code(DcepErrc::TrailingBytes);
        return DcepMessage{kDcepAck, std::nullopt};
    }
    if (type != kDcepOpen) return make_error_code(DcepErrc::UnknownType);
    if (data.size() < kOpenHeader) return make_error_code(DcepErrc::Truncated);
    const auto channel_type = std::to_integer<std::uint8_t>(data[1]);
    if (!valid_type(channel_type)) return make_error_code(DcepErrc::BadChannelType);
    const std::size_t label_len = be16(data, 8);
    const std::size_t protocol_len = be16(data, 10);
    const std::size_t need = kOpenHeader + label_len + protocol_len;
    if (data.size() < need) return make_error_code(DcepErrc::Truncated);
    if (data.size() > need) return make_error_code(DcepErrc::TrailingBytes);
    DcepOpen open;
    open.channel_type = static_cast<DcepChannelType>(channel_type);
    open.priority = be16(data, 2);
    open.reliability = be32(data, 4);
    const auto* text = reinterpret_cast<const char*>(data.data());
    open.label.assign(text + kOpenHeader, label_len);
    open.protocol.assign(text + kOpenHeader + label_len, protocol_len);
    return DcepMessage{kDcepOpen, std::move(open)};
}

cohost::Result<std::vector<std::byte>> encode_dcep_open(const DcepOpen& open) {
    if (open.label.size() > 0xFFFF || open.protocol.size() > 0xFFFF) {
        return make_error_code(DcepErrc::TooLarge);
    }
    std::vector<std::byte> out;
    out.reserve(kOpenHeader + open.label.size() + open.protocol.size());
    out.push_back(static_cast<std::byte>(kDcepOpen));
    out.push_back(static_cast<std::byte>(open.channel_type));
    put16(out, open.priority);
    const bool reliable = (static_cast<std::uint8_t>(open.channel_type) & 0x7F) == 0;
    const std::uint32_t reliability = reliable ? 0 : open.reliability;
    put16(out, static_cast<std::uint16_t>(reliability >> 16));
    put16(out, static_cast<std::uint16_t>(reliability & 0xFFFF));
    put16(out, static_cast<std::uint16_t>(open.label.size()));
    put16(out, static_cast<std::uint16_t>(open.protocol.size()));
    for (char c : open.label) out.push_back(static_cast<std::byte>(c));
    for (char c : open.protocol) out.push_back(static_cast<std::byte>(c));
    return out;
}

std::vector<std::byte> encode_dcep_ack() { return {static_cast<std::byte>(kDcepAck)}; }

DcepChannelType dcep_channel_type(bool ordered, bool max_retransmits_set,
                                  bool lifetime_set) noexcept {
    std::uint8_t t = max_retransmits_set ? 0x01 : lifetime_set ? 0x02 : 0x00;
    if (!ordered) t |= 0x80;
    return static_cast<DcepChannelType>(t);
}

}  // namespace cohost::media::detail
