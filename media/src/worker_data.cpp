// Media worker: data channels of LiveKit participants (SCTP over the session's DTLS) and the
// forwarding of the LiveKit DataPackets they carry (worker_data.hpp, data_packet.hpp).
#include <boost/asio/post.hpp>

#include <algorithm>

#include "cohost/core/log.hpp"
#include "data_packet.hpp"
#include "worker.hpp"

namespace cohost::media::detail {

void Worker::apply_data_plan(Peer& peer, const std::optional<DataSection>& section,
                             const ParticipantContext& context) {
    peer.data.can_publish_data = context.can_publish_data;
    peer.data.hidden = context.hidden;
    if (!section) {
        // The offer rejected (or dropped) its data section: its channels are gone.
        peer.data.negotiated = false;
        peer.data.transport.reset();
        peer.data.pending_reliable.clear();
        peer.data.pending_bytes = 0;
        return;
    }
    peer.data.negotiated = true;
    if (!peer.data.transport) {  // a running association keeps the ports it started with
        peer.data.remote_port = section->remote_port;
        peer.data.remote_max_message = section->remote_max_message;
    }
    if (peer.connected()) start_data(peer);
}

void Worker::start_data(Peer& peer) {
    if (!peer.data.negotiated || peer.data.transport || !peer.connected() || !peer.dtls) return;
    SctpOptions options;
    options.local_port = 5000;  // our answer's a=sctp-port (wire::sdp::AnswerOptions default)
    options.remote_port = peer.data.remote_port;
    options.max_message_size = kDataMaxMessageSize;
    // RFC 8841 §6: 0 means the peer accepts any size; our packets never exceed our own cap.
    options.max_send_size = peer.data.remote_max_message == 0
                                ? kMaxDataPacketBytes
                                : static_cast<std::size_t>(peer.data.remote_max_message);
    DataChannelTransport::Callbacks cb;
    Peer* p = &peer;  // the transport belongs to the peer: it never outlives it
    cb.packet = [p](std::span<const std::byte> packet) {
        if (p->dtls && !p->closed) (void)p->dtls->send_data(packet);
    };
    cb.open = [this, p](const DataChannel& ch) { on_data_open(*p, ch); };
    cb.message = [this, p](const DataChannel& ch, bool, std::span<const std::byte> data) {
        on_data_message(*p, ch, data);
    };
    cb.state = [this, p](SctpState s) {
        if (s == SctpState::Connected) {
            core::logger("media")->debug("media: session {} data channels up", p->id);
            // LiveKit's two-PC mode: the server creates the subscriber connection's channels
            // and the client adopts them by label (livekit-protocol.md §5).
            if (p->kind == SessionKind::ParticipantSubscriber) open_server_channels(*p);
        } else if (s == SctpState::Closed) {
            core::logger("media")->debug("media: session {} data channels closed", p->id);
        }
    };
    try {
        peer.data.transport = std::make_unique<DataChannelTransport>(
            options, peer.dtls->role() == DtlsRole::Client, std::move(cb),
            [this](std::function<void()> f) { boost::asio::post(ioc_, std::move(f)); });
    } catch (const std::exception& e) {
        core::logger("media")->warn("media: session {} data channels unavailable: {}", peer.id,
                                    e.what());
        return;
    }
    peer.dtls->set_data_handler([p](std::span<const std::byte> record) {
        if (p->data.transport) p->data.transport->feed(record);
    });
    peer.data.transport->start();
}

void Worker::on_data_open(Peer& peer, const DataChannel& channel) {
    core::logger("media")->debug("media: session {} opened data channel '{}' (stream {})", peer.id,
                                 channel.label, channel.stream);
    if (channel.label == kReliableLabel) flush_pending_data(peer, channel.stream);
}

void Worker::open_server_channels(Peer& peer) {
    auto& t = *peer.data.transport;
    if (t.find(kReliableLabel) == nullptr) {
        if (const auto stream = t.open({std::string(kReliableLabel), "", true, std::nullopt,
                                        std::nullopt})) {
            flush_pending_data(peer, *stream);  // usable at once (RFC 8832 §6)
        }
    }
    if (t.find(kLossyLabel) == nullptr) {
        (void)t.open({std::string(kLossyLabel), "", false, std::uint16_t{0}, std::nullopt});
    }
}

void Worker::flush_pending_data(Peer& peer, std::uint16_t stream) {
    // Reliable packets that arrived before the channel opened go out first, in order.
    auto pending = std::move(peer.data.pending_reliable);
    peer.data.pending_reliable.clear();
    peer.data.pending_bytes = 0;
    for (const auto& bytes : pending) {
        const auto r = peer.data.transport->send(
            stream, std::as_bytes(std::span(bytes->data(), bytes->size())), true);
        if (r == SctpSendResult::Sent) {
            ++stats_.data_out;
        } else {
            ++stats_.data_dropped;
        }
    }
}

void Worker::on_data_message(Peer& peer, const DataChannel& channel,
                             std::span<const std::byte> data) {
    ++stats_.data_in;
    const auto kind = data_kind_of_label(channel.label);
    if (!kind) {
        // `_data_track` (LiveKit data tracks need signalling cohost does not implement) and
        // channels of other names: nothing to forward them to.
        ++stats_.data_dropped;
        return;
    }
    if (peer.departed()) {  // out of its room: nothing it sends is forwarded
        ++stats_.data_dropped;
        return;
    }
    if (!peer.data.can_publish_data) {
        ++stats_.data_refused;
        core::logger("media")->debug(
            "media: data packet from '{}' refused: no canPublishData ({} bytes)", peer.identity,
            data.size());
        return;
    }
    DataSender sender{peer.identity, peer.participant_sid, peer.data.hidden};
    auto route = route_participant_packet(data, *kind, sender, peer.data.last_sequence);
    if (!route) {
        if (route.error() == DataPacketErrc::Malformed) {
            ++stats_.data_malformed;
        } else {
            ++stats_.data_dropped;
        }
        core::logger("media")->debug("media: data packet from '{}' not forwarded: {} ({} bytes)",
                                     peer.identity, route.error().message(), data.size());
        return;
    }
    const auto room = rooms_.find(peer.room);
    if (room == rooms_.end()) return;
    DataDelivery delivery;
    delivery.packet = std::move(route->bytes);
    delivery.lossy = route->kind == DataKind::Lossy;
    delivery.destination_identities = std::move(route->destination_identities);
    delivery.destination_sids = std::move(route->destination_sids);
    deliver_data(*room->second, &peer, delivery);
}

std::size_t Worker::deliver_data(Room& room, const Peer* from, const DataDelivery& delivery) {
    DataRoute route;  // for its addressing rule
    route.destination_identities = delivery.destination_identities;
    route.destination_sids = delivery.destination_sids;
    const auto label = label_of(delivery.lossy ? DataKind::Lossy : DataKind::Reliable);
    // One session per participant. In LiveKit's two-PC mode a participant has two sessions of
    // the same identity (publisher and subscriber connections), either of which may carry
    // channels: the one whose channel is open wins, then the subscriber connection (LiveKit
    // sends there). The sender's own sessions are skipped.
    const auto score = [&](const Peer& p) {
        const bool open = p.data.transport && p.data.transport->find(label) != nullptr;
        return (open ? 2 : 0) + (p.kind == SessionKind::ParticipantSubscriber ? 1 : 0);
    };
    std::vector<Peer*> chosen;
    for (Peer* p : room.peers) {
        if (p->kind != SessionKind::Participant && p->kind != SessionKind::ParticipantSubscriber) {
            continue;
        }
        if (p->closed || (!p->data.negotiated && !p->data.transport)) continue;
        if (from != nullptr && (p == from || p->identity == from->identity)) continue;
        if (!route.addresses(p->identity, p->participant_sid)) continue;
        const auto same = std::find_if(chosen.begin(), chosen.end(),
                                       [&](const Peer* c) { return c->identity == p->identity; });
        if (same == chosen.end()) {
            chosen.push_back(p);
        } else if (score(*p) > score(**same)) {
            *same = p;
        }
    }
    std::shared_ptr<const std::string> bytes;
    std::size_t sent = 0;
    for (Peer* p : chosen) {
        if (!bytes) bytes = std::make_shared<const std::string>(delivery.packet);
        if (send_data_packet(*p, delivery.lossy, bytes)) ++sent;
    }
    return sent;
}

bool Worker::send_data_packet(Peer& peer, bool lossy,
                              const std::shared_ptr<const std::string>& bytes) {
    const auto label = label_of(lossy ? DataKind::Lossy : DataKind::Reliable);
    const DataChannel* ch = peer.data.transport ? peer.data.transport->find(label) : nullptr;
    if (ch != nullptr) {
        const auto r = peer.data.transport->send(
            ch->stream, std::as_bytes(std::span(bytes->data(), bytes->size())), true);
        if (r == SctpSendResult::Sent) {
            ++stats_.data_out;
            return true;
        }
        ++stats_.data_dropped;  // Busy (send buffer full), TooLarge for this peer, failing
        return false;
    }
    if (lossy || peer.data.pending_reliable.size() >= kMaxPendingDataPackets ||
        peer.data.pending_bytes + bytes->size() > kMaxPendingDataBytes) {
        ++stats_.data_dropped;
        return false;
    }
    peer.data.pending_reliable.push_back(bytes);
    peer.data.pending_bytes += bytes->size();
    return true;
}

std::size_t Worker::send_data(const std::string& room_name, const DataDelivery& delivery) {
    const auto room = rooms_.find(room_name);
    if (room == rooms_.end()) return 0;
    return deliver_data(*room->second, nullptr, delivery);
}

bool Worker::set_data_permission(const std::string& room, const std::string& id,
                                 bool can_publish_data) {
    const auto it = peers_.find(id);
    if (it == peers_.end() || it->second->room != room || it->second->departed()) return false;
    it->second->data.can_publish_data = can_publish_data;
    return true;
}

}  // namespace cohost::media::detail
