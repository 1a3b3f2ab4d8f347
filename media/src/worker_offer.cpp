// Media worker: sessions whose SDP the SFU offers (SessionKind::ParticipantSubscriber: LiveKit's
// two-peer-connection subscriber PC). Sections follow the wanted track list: a wanted track in
// the room gets a sendonly section (bound, so forwarding starts with the offer), a section whose
// track is gone or no longer wanted ends (port 0). One offer at a time (worker_offer.hpp).
#include <algorithm>

#include "cohost/core/log.hpp"
#include "worker.hpp"

namespace cohost::media::detail {

namespace {

ServerOfferUpdate offer_error(int status, std::string code, std::string message) {
    ServerOfferUpdate u;
    u.status = status;
    u.code = std::move(code);
    u.message = std::move(message);
    return u;
}

/// The codec a subscriber of `track` is offered: the publisher's, under the offer's own
/// payload type.
CodecChoice offered_codec(const PublishedTrack& track) {
    CodecChoice c = track.spec.codec;
    switch (c.codec) {
        case VideoCodec::None:
            c.payload_type = kOfferOpusPt;
            break;
        case VideoCodec::Vp8:
            c.payload_type = kOfferVp8Pt;
            break;
        case VideoCodec::H264:
            c.payload_type = kOfferH264Pt;
            break;
    }
    if (c.clock_rate == 0) c.clock_rate = c.codec == VideoCodec::None ? 48000 : 90000;
    return c;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

ServerOfferUpdate Worker::create_subscriber_session(const std::string& room_name,
                                                    const std::string& identity,
                                                    const ParticipantContext& context,
                                                    const std::vector<std::string>& tracks) {
    auto peer =
        new_peer(SessionKind::ParticipantSubscriber, room_name, identity, context.participant_sid);
    peer->offer = std::make_unique<SubscriberOfferState>();
    peer->offer->wanted = tracks;
    peer->data.can_publish_data = false;  // the client sends its data on its publisher PC

    auto& slot = rooms_[room_name];
    if (!slot) {
        slot = std::make_unique<Room>();
        slot->name = room_name;
    }
    Room& room = *slot;
    Peer& ref = *peer;
    by_ufrag_[peer->local_ufrag] = peer.get();
    room.peers.push_back(peer.get());
    peers_[peer->id] = std::move(peer);
    ServerOfferUpdate u = next_server_offer(ref, room);
    if (u.status != 200) {
        remove_peer(ref, false);
        return u;
    }
    u.resource_id = ref.id;
    core::logger("media")->info(
        "media: subscriber session {} for '{}' in room '{}' on worker {} ({} tracks offered)",
        ref.id, identity, room_name, index_, ref.downs.size());
    return u;
}

ServerOfferUpdate Worker::next_server_offer(Peer& peer, Room& room) {
    SubscriberOfferState& st = *peer.offer;
    bool changed = st.offer_id == 0;  // the first offer is always made
    // 1. Sections whose track left the room or is no longer wanted end.
    for (std::size_t i = 0; i < st.slots.size(); ++i) {
        OfferSlot& s = st.slots[i];
        if (!s.active) continue;
        auto d = std::find_if(peer.downs.begin(), peer.downs.end(),
                              [&](const auto& x) { return x->spec.mid == s.mid; });
        const bool keep = d != peer.downs.end() && (*d)->source != nullptr &&
                          contains(st.wanted, (*d)->source->id);
        if (keep) continue;
        if (d != peer.downs.end()) {
            unbind_down(**d, true);
            peer.downs.erase(d);
        }
        s.active = false;
        st.slot_state[i] = {st.offer_id + 1, false};
        changed = true;
    }
    // 2. Wanted tracks not received yet get a section: a recycled one of the same kind (ended
    //    in an offer the client has answered) or a new one at the end.
    for (const std::string& sid : st.wanted) {
        auto t = std::find_if(room.tracks.begin(), room.tracks.end(),
                              [&](const auto& x) { return x->id == sid; });
        if (t == room.tracks.end()) continue;  // not (or no longer) published here
        PublishedTrack& track = **t;
        if (track.owner == nullptr || track.owner->participant_sid == peer.participant_sid)
            continue;
        const bool received = std::any_of(peer.downs.begin(), peer.downs.end(),
                                          [&](const auto& d) { return d->source == &track; });
        if (received) continue;
        std::size_t index = st.slots.size();
        for (std::size_t i = 0; i < st.slots.size(); ++i) {
            if (!st.slots[i].active && st.slots[i].video == track.spec.video &&
                st.slot_state[i].ended_in != 0 && st.slot_state[i].ended_in <= st.answered_id) {
                index = i;
                break;
            }
        }
        if (index == st.slots.size()) {
            st.slots.emplace_back();
            st.slot_state.emplace_back();
        }
        OfferSlot& s = st.slots[index];
        s = OfferSlot{};
        s.mid = std::to_string(st.next_mid++);
        s.video = track.spec.video;
        s.active = true;
        s.stream_id = (track.owner->participant_sid.empty() ? std::string("PA_cohost")
                                                            : track.owner->participant_sid) +
                      "|camera";
        s.track_id = track.id;
        s.ssrc = static_cast<std::uint32_t>(rng_() | 1U);
        s.codec = offered_codec(track);
        st.slot_state[index] = {};
        SubscribeSection spec;
        spec.mid = s.mid;
        spec.video = s.video;
        spec.codec = s.codec;
        // The offer's extension ids; an answer may keep fewer (apply_subscriber_answer).
        if (s.video) {
            spec.ext.abs_send_time = kOfferAbsSendTimeId;
        } else {
            spec.ext.audio_level = kOfferAudioLevelId;
        }
        spec.ssrc = s.ssrc;
        spec.track_id = track.id;
        peer.downs.push_back(std::make_unique<DownTrack>(&peer, std::move(spec)));
        bind_down(*peer.downs.back(), track);
        changed = true;
    }
    ServerOfferUpdate u;
    u.resource_id = peer.id;
    if (!changed) return u;
    ServerOffer offer;
    offer.local = local_transport(peer);
    offer.session_id = peer.sdp_session_id;
    offer.session_version = ++peer.sdp_version;
    offer.data_mid = st.data_mid;
    offer.slots = st.slots;
    auto sdp = build_server_offer(offer);
    if (!sdp) return offer_error(500, "internal", sdp.error.message);
    st.last = std::move(offer);
    st.awaiting_answer = true;
    st.dirty = false;
    u.offer_sdp = std::move(*sdp.value);
    u.offer_id = ++st.offer_id;
    for (const auto& s : st.slots) {
        if (s.active) u.mid_to_track_id.emplace_back(s.mid, s.track_id);
    }
    return u;
}

std::pair<Peer*, Room*> Worker::offer_session(const std::string& room_name, const std::string& id) {
    auto it = peers_.find(id);
    auto room_it = rooms_.find(room_name);
    if (it == peers_.end() || it->second->room != room_name || room_it == rooms_.end() ||
        !it->second->offer || it->second->departed()) {
        return {nullptr, nullptr};
    }
    return {it->second.get(), room_it->second.get()};
}

ServerOfferUpdate Worker::set_subscriber_tracks(const std::string& room_name, const std::string& id,
                                                const std::vector<std::string>& tracks) {
    auto [found, room] = offer_session(room_name, id);
    if (found == nullptr) return offer_error(404, "not_found", "no such subscriber session");
    Peer& peer = *found;
    peer.offer->wanted = tracks;
    if (peer.offer->awaiting_answer) {
        peer.offer->dirty = true;  // offered once the client answered the waiting offer
        ServerOfferUpdate u;
        u.resource_id = id;
        return u;
    }
    return next_server_offer(peer, *room);
}

ServerOfferUpdate Worker::apply_subscriber_answer(const std::string& room_name,
                                                  const std::string& id, const std::string& answer,
                                                  std::uint32_t answer_id) {
    auto [found, found_room] = offer_session(room_name, id);
    if (found == nullptr) return offer_error(404, "not_found", "no such subscriber session");
    Peer& peer = *found;
    Room& room = *found_room;
    SubscriberOfferState& st = *peer.offer;
    if (!st.awaiting_answer) {
        return offer_error(409, "conflict", "no offer is waiting for an answer");
    }
    if (answer_id != 0 && answer_id != st.offer_id) {
        return offer_error(409, "conflict",
                           "the answer is for offer " + std::to_string(answer_id) +
                               ", the waiting offer is " + std::to_string(st.offer_id));
    }
    auto read = read_server_answer(answer, st.last);
    if (!read) return offer_error(400, "invalid_sdp", read.error.message);
    const ServerAnswer& a = *read.value;
    if (peer.dtls && a.remote.ufrag != peer.remote.ufrag) {
        return offer_error(400, "invalid_sdp", "answer: ICE restart is not supported (new ufrag)");
    }
    ServerOfferUpdate u;
    u.resource_id = id;
    if (!peer.dtls) {
        // The transport starts with the first answer: STUN checks from the client were left
        // unanswered until its ufrag was known (worker.cpp on_stun).
        peer.remote = a.remote;
        peer.dtls = std::make_unique<DtlsTransport>(
            cert_, a.sfu_is_dtls_client ? DtlsRole::Client : DtlsRole::Server,
            peer.remote.fingerprint,
            [this, p = &peer](std::span<const std::byte> d) { send_raw(*p, d); });
        peer.dtls->start();
        capture_.session(peer.id, peer.local_ufrag, peer.local_pwd, peer.remote.ufrag);
    }
    for (std::size_t i = 0; i < a.slots.size() && i < st.slots.size(); ++i) {
        OfferSlot& s = st.slots[i];
        if (!s.active || s.mid != a.slots[i].mid) continue;
        auto d = std::find_if(peer.downs.begin(), peer.downs.end(),
                              [&](const auto& x) { return x->spec.mid == s.mid; });
        if (!a.slots[i].accepted) {  // the client refused the section: it ends now
            if (d != peer.downs.end()) {
                unbind_down(**d, false);
                peer.downs.erase(d);
            }
            s.active = false;
            st.slot_state[i] = {st.offer_id, false};
            core::logger("media")->info("media: session {} refused section {} ({})", peer.id, s.mid,
                                        s.track_id);
            continue;
        }
        if (d == peer.downs.end()) continue;
        DownTrack& down = **d;
        const bool first = !st.slot_state[i].answered;
        st.slot_state[i].answered = true;
        down.spec.ext.audio_level = a.slots[i].ext.audio_level;
        down.spec.ext.abs_send_time = a.slots[i].ext.abs_send_time;
        if (down.source) {
            map_extensions(down, *down.source);
            if (first) {
                u.confirmed.push_back(down.source->id);
                if (down.source->spec.video && down.forwarder && peer.connected()) {
                    request_keyframe(*down.source, down.forwarder->target_layer());
                }
            }
        }
    }
    ParticipantContext data_context;
    data_context.can_publish_data = false;
    apply_data_plan(peer, a.data, data_context);  // worker_data.cpp
    st.answered_id = st.offer_id;
    st.awaiting_answer = false;
    // Anything that changed meanwhile (or a track that left) goes into the next offer.
    ServerOfferUpdate next = next_server_offer(peer, room);
    if (next.status != 200) return next;
    u.offer_sdp = std::move(next.offer_sdp);
    u.offer_id = next.offer_id;
    u.mid_to_track_id = std::move(next.mid_to_track_id);
    return u;
}

}  // namespace cohost::media::detail
