// Media worker: session setup, binding subscribers to published tracks, teardown
// (docs/lifecycles.md "Media sessions").
#include <algorithm>

#include "cohost/core/log.hpp"
#include "cohost/wire/rtcp_build.hpp"
#include "worker.hpp"

namespace cohost::media::detail {

namespace {

SessionAnswer refuse(int status, std::string code, std::string message) {
    SessionAnswer a;
    a.status = status;
    a.code = std::move(code);
    a.message = std::move(message);
    return a;
}

}  // namespace

SessionAnswer Worker::create_session(SessionKind kind, const std::string& room_name,
                                     const std::string& identity, const std::string& offer,
                                     const ParticipantContext& context) {
    if (kind == SessionKind::ParticipantSubscriber) {  // made by create_subscriber_session
        return refuse(400, "invalid_argument",
                      "a subscriber session is created by the SFU's offer");
    }
    auto peer = new_peer(kind, room_name, identity, context.participant_sid);

    auto& slot = rooms_[room_name];
    const bool new_room = !slot;
    if (new_room) {
        slot = std::make_unique<Room>();
        slot->name = room_name;
    }
    Room& room = *slot;
    SessionAnswer answer =
        kind == SessionKind::Publish     ? create_publisher(*peer, offer, room)
        : kind == SessionKind::Subscribe ? create_subscriber(*peer, offer, room)
                                         : negotiate_participant(*peer, offer, room, context);
    if (answer.status != 201) {
        if (new_room) rooms_.erase(room_name);
        return answer;
    }
    peer->dtls = std::make_unique<DtlsTransport>(
        cert_, DtlsRole::Server, peer->remote.fingerprint,
        [this, p = peer.get()](std::span<const std::byte> d) { send_raw(*p, d); });
    peer->dtls->start();
    answer.resource_id = peer->id;
    capture_.session(peer->id, peer->local_ufrag, peer->local_pwd, peer->remote.ufrag);
    by_ufrag_[peer->local_ufrag] = peer.get();
    room.peers.push_back(peer.get());
    Peer& ref = *peer;
    peers_[peer->id] = std::move(peer);
    if (kind == SessionKind::Publish) bind_subscribers(room);
    static constexpr const char* kKinds[] = {"publish", "subscribe", "participant"};
    core::logger("media")->info(
        "media: {} session {} for '{}' in room '{}' on worker {} ({} tracks in, {} out)",
        kKinds[static_cast<int>(kind)], ref.id, identity, room_name, index_, ref.tracks.size(),
        ref.downs.size());
    return answer;
}

std::unique_ptr<Peer> Worker::new_peer(SessionKind kind, const std::string& room,
                                       const std::string& identity,
                                       const std::string& participant_sid) {
    auto peer = std::make_unique<Peer>();
    peer->kind = kind;
    peer->room = room;
    peer->identity = identity;
    do {
        peer->id = random_token(16);
    } while (peers_.count(peer->id) != 0);
    do {
        peer->local_ufrag = random_token(8);
    } while (by_ufrag_.count(peer->local_ufrag) != 0);
    peer->local_pwd = random_token(24);
    peer->created_us = now_us();
    peer->participant_sid = participant_sid;
    peer->sdp_session_id = rng_() >> 2;
    return peer;
}

wire::sdp::LocalTransport Worker::local_transport(const Peer& peer) const {
    wire::sdp::LocalTransport local;
    local.ice_ufrag = peer.local_ufrag;
    local.ice_pwd = peer.local_pwd;
    local.fingerprint = cert_->fingerprint();
    local.candidate_address = cfg_.public_ip;
    local.candidate_port = port_;
    return local;
}

SessionAnswer Worker::create_publisher(Peer& peer, const std::string& offer, Room& room) {
    const auto local = local_transport(peer);
    auto plan = plan_publish(offer, local, rng_() >> 2);
    if (!plan) return refuse(400, "invalid_sdp", plan.error.message);
    peer.remote = plan.value->remote;
    peer.transport_cc = plan.value->transport_cc;
    for (auto& section : plan.value->sections) {
        auto track = std::make_unique<PublishedTrack>();
        track->id = "TR_" + std::to_string(next_track_++);
        track->owner = &peer;
        track->spec = std::move(section);
        track->layer_count = track->spec.rids.empty() ? 1 : static_cast<int>(track->spec.rids.size());
        for (int i = 0; i < track->layer_count; ++i) {
            if (track->spec.video) track->layers[i].cache = std::make_unique<PacketCache>();
        }
        // Signalled SSRCs (no simulcast): known before the first packet.
        if (track->spec.rids.empty() && !track->spec.ssrcs.empty()) {
            track->layers[0].ssrc = track->spec.ssrcs.front();
            track->layers[0].known = true;
            peer.ssrc_map[track->layers[0].ssrc] = {track.get(), 0};
        }
        peer.tracks.push_back(track.get());
        room.tracks.push_back(std::move(track));
    }
    SessionAnswer a;
    a.answer_sdp = std::move(plan.value->answer_sdp);
    return a;
}

SessionAnswer Worker::create_subscriber(Peer& peer, const std::string& offer, Room& room) {
    const auto local = local_transport(peer);
    SubscribeConstraints constraints;
    for (const auto& t : room.tracks) {
        if (t->spec.video) {
            constraints.video_codec = t->spec.codec.codec;
            break;
        }
    }
    std::vector<std::uint32_t> ssrcs(16);
    for (auto& s : ssrcs) s = static_cast<std::uint32_t>(rng_() | 1U);
    auto plan = plan_subscribe(offer, local, rng_() >> 2, constraints, ssrcs);
    if (!plan) return refuse(400, "invalid_sdp", plan.error.message);
    peer.remote = plan.value->remote;
    for (auto& section : plan.value->sections) {
        auto down = std::make_unique<DownTrack>(&peer, std::move(section));
        peer.downs.push_back(std::move(down));
    }
    bind_free_slots(peer, room);
    SessionAnswer a;
    a.answer_sdp = std::move(plan.value->answer_sdp);
    return a;
}

void Worker::bind_subscribers(Room& room) {
    for (Peer* p : room.peers) {
        if (p->kind == SessionKind::Subscribe && !p->closed) bind_free_slots(*p, room);
    }
}

void Worker::bind_free_slots(Peer& peer, Room& room, const std::vector<std::string>* allowed) {
    // Each unbound section takes the first published track of its kind and codec that this
    // subscriber does not already receive (tracks in publish order).
    for (auto& d : peer.downs) {
        if (d->source || d->stale) continue;
        for (auto& t : room.tracks) {
            const bool taken = std::any_of(peer.downs.begin(), peer.downs.end(),
                                           [&](const auto& o) { return o->source == t.get(); });
            if (allowed && std::find(allowed->begin(), allowed->end(), t->id) == allowed->end()) {
                continue;  // manual subscriptions: not subscribed
            }
            if (!taken && t->owner != &peer && t->spec.video == d->spec.video &&
                t->spec.codec.codec == d->spec.codec.codec) {
                bind_down(*d, *t);
                break;
            }
        }
    }
}

void Worker::bind_down(DownTrack& down, PublishedTrack& track) {
    down.source = &track;
    down.had_source = true;
    down.forwarder = std::make_unique<Forwarder>(track.spec.codec.codec, track.spec.codec.clock_rate);
    down.forwarder->set_target_layer(track.layer_count - 1);
    map_extensions(down, track);
    track.downs.push_back(&down);
    if (track.spec.video) request_keyframe(track, track.layer_count - 1);
}

void Worker::map_extensions(DownTrack& down, const PublishedTrack& track) {
    // Extension ids: keep what the subscriber negotiated (audio level), strip the rest (mid and
    // rid name the publisher's session; transport-cc numbers belong to the publisher's link).
    down.ext_map = wire::rtp::ExtensionIdMap{};
    down.abs_send_time_id = 0;
    if (track.spec.ext.audio_level != 0 && down.spec.ext.audio_level != 0) {
        down.ext_map.map(track.spec.ext.audio_level, down.spec.ext.audio_level);
    }
    if (track.spec.ext.abs_send_time != 0 && down.spec.ext.abs_send_time != 0) {
        down.ext_map.map(track.spec.ext.abs_send_time, down.spec.ext.abs_send_time);
        down.abs_send_time_id = down.spec.ext.abs_send_time;
    }
}

void Worker::unpublish_track(Room& room, PublishedTrack& track) {
    // The track ends for every subscriber (BYE); a WHEP player left with nothing to play is
    // closed (close_notify) so it sees the stream end. Participants learn it from signalling.
    std::vector<Peer*> touched;
    for (DownTrack* d : std::vector<DownTrack*>(track.downs)) {
        touched.push_back(d->peer);
        unbind_down(*d, true);
    }
    if (Peer* owner = track.owner) {
        for (int i = 0; i < track.layer_count; ++i) {
            if (track.layers[i].known) owner->ssrc_map.erase(track.layers[i].ssrc);
        }
        auto& v = owner->tracks;
        v.erase(std::remove(v.begin(), v.end(), &track), v.end());
    }
    for (Peer* s : touched) {
        if (s->kind != SessionKind::Subscribe) continue;
        const bool playing = std::any_of(s->downs.begin(), s->downs.end(),
                                         [](const auto& d) { return d->source != nullptr; });
        if (!playing && s->dtls && !s->closed) {
            s->dtls->close();
            s->closed = true;
        }
    }
    room.tracks.erase(std::remove_if(room.tracks.begin(), room.tracks.end(),
                                     [&](const auto& u) { return u.get() == &track; }),
                      room.tracks.end());
}

void Worker::unbind_down(DownTrack& down, bool send_bye) {
    if (down.source) {
        auto& v = down.source->downs;
        v.erase(std::remove(v.begin(), v.end(), &down), v.end());
        down.source = nullptr;
        down.stale = down.peer->kind == SessionKind::Participant;
    }
    if (send_bye && down.peer->connected()) {
        const std::uint32_t ssrc = down.spec.ssrc;
        std::array<std::byte, kPacketBuffer> buf{};
        wire::rtcp::CompoundWriter w(buf, wire::rtcp::CompoundMode::Rfc3550);
        wire::rtcp::ReceiverReport rr{ssrc, {}};
        wire::rtcp::Bye bye{std::span<const std::uint32_t>(&ssrc, 1), "track ended"};
        if (w.add(rr) && w.add(bye)) send_rtcp(*down.peer, buf, w.size());
    }
}

void Worker::detach_from_room(Peer& peer) {
    auto room_it = rooms_.find(peer.room);
    Room* room = room_it == rooms_.end() ? nullptr : room_it->second.get();
    if (room) {  // first, so nothing below binds this peer again
        auto& v = room->peers;
        v.erase(std::remove(v.begin(), v.end(), &peer), v.end());
    }
    for (auto& d : peer.downs) unbind_down(*d, false);
    if (room) {
        for (PublishedTrack* t : std::vector<PublishedTrack*>(peer.tracks)) unpublish_track(*room, *t);
        bind_subscribers(*room);  // another publisher's tracks may take the freed slots
        if (room->peers.empty()) rooms_.erase(room_it);
    }
}

void Worker::remove_peer(Peer& peer, bool notify) {
    if (!peer.departed()) detach_from_room(peer);  // a departed peer left its room already
    if (notify && peer.dtls && !peer.closed) peer.dtls->close();
    by_ufrag_.erase(peer.local_ufrag);
    if (peer.endpoint) by_endpoint_.erase(key_of(*peer.endpoint));
    core::logger("media")->info("media: session {} ended", peer.id);
    peers_.erase(peer.id);  // destroys peer
}

bool Worker::delete_session(const std::string& room, const std::string& id,
                            std::optional<SessionKind> kind, const std::string& identity) {
    auto it = peers_.find(id);
    if (it == peers_.end() || it->second->room != room) return false;
    if (kind && it->second->kind != *kind) return false;
    if (!identity.empty() && it->second->identity != identity) return false;
    remove_peer(*it->second, true);
    return true;
}

bool Worker::depart_session(const std::string& room, const std::string& id,
                            std::chrono::milliseconds linger) {
    auto it = peers_.find(id);
    if (it == peers_.end() || it->second->room != room) return false;
    Peer& peer = *it->second;
    if (peer.departed()) return true;
    if (!peer.connected() || linger.count() <= 0) {
        remove_peer(peer, true);
        return true;
    }
    detach_from_room(peer);
    peer.depart_deadline_us =
        now_us() + static_cast<std::uint64_t>(
                       std::chrono::duration_cast<std::chrono::microseconds>(linger).count());
    core::logger("media")->info("media: session {} departed; transport closes within {} ms",
                                peer.id, linger.count());
    return true;
}

bool Worker::set_bandwidth_cap(const std::string& room, const std::string& id, std::uint64_t bps) {
    auto it = peers_.find(id);
    if (it == peers_.end() || it->second->room != room ||
        it->second->kind == SessionKind::Publish || it->second->departed())
        return false;
    it->second->bandwidth_cap = bps;
    for (auto& d : it->second->downs) update_layers(*d);
    return true;
}

void Worker::on_connected(Peer& peer) {
    auto srtp = SrtpSession::create(peer.dtls->srtp_keys());
    if (!srtp) {
        core::logger("media")->warn("media: session {} SRTP setup failed: {}", peer.id,
                                    srtp.error().message());
        peer.closed = true;
        return;
    }
    peer.srtp = std::move(*srtp);
    core::logger("media")->info("media: session {} connected", peer.id);
    start_data(peer);  // SCTP for data channels, when negotiated (worker_data.cpp)
    if (connected_) connected_(peer.room, peer.id);
    {
        for (auto& d : peer.downs) {
            if (d->source && d->source->spec.video) {
                request_keyframe(*d->source, d->forwarder->target_layer());
            }
        }
    }
}

}  // namespace cohost::media::detail
