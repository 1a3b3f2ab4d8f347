// Media worker: LiveKit single-peer-connection sessions (SessionKind::Participant). Each client
// offer is answered against the session's current state: sections the client sends on become
// (or stay) published tracks, receive sections keep their SSRC and binding, free receive
// sections are bound to room tracks the participant does not receive yet, and sections the
// offer dropped end what they carried. Binding happens only here, so the answer's msid lines and
// `mid_to_track_id` always describe exactly what is forwarded.
#include <algorithm>

#include "cohost/core/log.hpp"
#include "worker.hpp"

namespace cohost::media::detail {

namespace {

std::string mime_of(const SessionSection& s) {
    switch (s.codec.codec) {
        case VideoCodec::Vp8: return "video/VP8";
        case VideoCodec::H264: return "video/H264";
        case VideoCodec::None: break;
    }
    return "audio/opus";
}

}  // namespace

SessionAnswer Worker::negotiate_participant(Peer& peer, const std::string& offer, Room& room,
                                            const ParticipantContext& context) {
    auto inspected = inspect_offer(offer);
    if (!inspected) {
        SessionAnswer a;
        a.status = 400;
        a.code = "invalid_sdp";
        a.message = inspected.error.message;
        return a;
    }
    const InspectedOffer& in = *inspected.value;
    if (!peer.dtls) {
        peer.remote = in.remote;
    } else if (in.remote.ufrag != peer.remote.ufrag) {
        SessionAnswer a;  // an ICE restart would need a new transport: not supported
        a.status = 400;
        a.code = "invalid_sdp";
        a.message = "offer: ICE restart is not supported (new ufrag)";
        return a;
    }
    SessionAnswer result;
    // 1. Sections this offer no longer sends or receives on end what they carried.
    auto offered = [&](const std::string& mid, bool sends) {
        return std::any_of(in.sections.begin(), in.sections.end(), [&](const OfferedSection& s) {
            return s.mid == mid && (sends ? s.client_sends : s.client_receives);
        });
    };
    for (PublishedTrack* t : std::vector<PublishedTrack*>(peer.tracks)) {
        if (!offered(t->spec.mid, true)) {
            result.unpublished.push_back(t->id);
            unpublish_track(room, *t);
        }
    }
    peer.downs.erase(std::remove_if(peer.downs.begin(), peer.downs.end(),
                                    [&](std::unique_ptr<DownTrack>& d) {
                                        if (offered(d->spec.mid, false)) return false;
                                        unbind_down(*d, false);
                                        return true;
                                    }),
                     peer.downs.end());
    // Manual subscriptions: a section carrying an unsubscribed track is answered inactive.
    const std::vector<std::string>* allowed =
        context.subscribed_tracks ? &*context.subscribed_tracks : nullptr;
    if (allowed) {
        for (auto& d : peer.downs) {
            if (d->source &&
                std::find(allowed->begin(), allowed->end(), d->source->id) == allowed->end()) {
                unbind_down(*d, false);
            }
        }
    }
    // 2. New receive sections get a down track (SSRC now, codec from the answer below).
    for (const auto& s : in.sections) {
        if (!s.client_receives) continue;
        const bool known = std::any_of(peer.downs.begin(), peer.downs.end(),
                                       [&](const auto& d) { return d->spec.mid == s.mid; });
        if (known) continue;
        SubscribeSection spec;
        spec.mid = s.mid;
        spec.video = s.video;
        spec.codec.codec = s.video ? VideoCodec::Vp8 : VideoCodec::None;  // the answer's default
        spec.ssrc = static_cast<std::uint32_t>(rng_() | 1U);
        peer.downs.push_back(std::make_unique<DownTrack>(&peer, std::move(spec)));
    }
    bind_free_slots(peer, room, allowed);
    // 3. Answer: bound receive sections send, with msid "PA_owner|camera TR_track".
    std::vector<wire::sdp::SendTrack> sends;
    for (const auto& d : peer.downs) {
        if (!d->source) continue;
        wire::sdp::SendTrack t;
        t.mid = d->spec.mid;
        const Peer* owner = d->source->owner;
        t.stream_id = (owner && !owner->participant_sid.empty() ? owner->participant_sid
                                                                 : std::string("PA_cohost")) +
                      "|camera";
        t.track_id = d->source->id;
        t.ssrc = d->spec.ssrc;
        sends.push_back(std::move(t));
    }
    auto plan = answer_offer(in, local_transport(peer), peer.sdp_session_id, ++peer.sdp_version,
                             sends, {}, /*accept_data_channels=*/true);
    if (!plan) {
        SessionAnswer a;
        a.status = 400;
        a.code = "invalid_sdp";
        a.message = plan.error.message;
        return a;
    }
    // Stale sections are inactive in this answer: free from now on, under a new SSRC.
    for (auto& d : peer.downs) {
        if (!d->stale) continue;
        d->stale = false;
        d->spec.ssrc = static_cast<std::uint32_t>(rng_() | 1U);
        d->packets = 0;
        d->octets = 0;
    }
    // 4. Apply the answer: new published tracks, codec and extension ids of receive sections.
    for (auto& s : plan.value->sections) {
        if (s.publish) {
            const bool known = std::any_of(peer.tracks.begin(), peer.tracks.end(),
                                           [&](const PublishedTrack* t) { return t->spec.mid == s.mid; });
            if (known) continue;
            auto track = std::make_unique<PublishedTrack>();
            const auto pending = std::find_if(context.pending_tracks.begin(),
                                              context.pending_tracks.end(),
                                              [&](const auto& p) { return p.first == s.msid_track; });
            track->id = pending != context.pending_tracks.end()
                            ? pending->second
                            : "TR_" + std::to_string(next_track_++);
            track->owner = &peer;
            track->layer_count = s.rids.empty() ? 1 : static_cast<int>(s.rids.size());
            for (int i = 0; i < track->layer_count; ++i) {
                if (s.video) track->layers[i].cache = std::make_unique<PacketCache>();
            }
            if (s.rids.empty() && !s.ssrcs.empty()) {
                track->layers[0].ssrc = s.ssrcs.front();
                track->layers[0].known = true;
                peer.ssrc_map[track->layers[0].ssrc] = {track.get(), 0};
            }
            PublishedTrackInfo info;
            info.track_sid = track->id;
            info.cid = pending != context.pending_tracks.end() ? pending->first : s.msid_track;
            info.mid = s.mid;
            info.video = s.video;
            info.layers = track->layer_count;
            info.mime_type = mime_of(s);
            result.published.push_back(std::move(info));
            track->spec = std::move(s);
            peer.tracks.push_back(track.get());
            room.tracks.push_back(std::move(track));
        } else {
            for (auto& d : peer.downs) {
                if (d->spec.mid != s.mid) continue;
                d->spec.codec = s.codec;
                d->spec.ext = s.ext;
                if (d->source) {
                    result.mid_to_track_id.emplace_back(d->spec.mid, d->source->id);
                    // Extension ids may change with an answer; the forwarder (sequence and
                    // timestamp continuity) stays as it is.
                    map_extensions(*d, *d->source);
                }
            }
        }
    }
    if (peer.transport_cc == false) peer.transport_cc = plan.value->transport_cc;
    apply_data_plan(peer, plan.value->data, context);  // worker_data.cpp
    if (!result.published.empty()) bind_subscribers(room);  // WHEP players of this room
    result.answer_sdp = std::move(plan.value->answer_sdp);
    return result;
}

SessionAnswer Worker::renegotiate(const std::string& room_name, const std::string& id,
                                  const std::string& offer, const ParticipantContext& context) {
    auto it = peers_.find(id);
    auto room_it = rooms_.find(room_name);
    if (it == peers_.end() || it->second->room != room_name || room_it == rooms_.end() ||
        it->second->kind != SessionKind::Participant || it->second->departed()) {
        SessionAnswer a;
        a.status = 404;
        a.code = "not_found";
        a.message = "no such session";
        return a;
    }
    SessionAnswer a = negotiate_participant(*it->second, offer, *room_it->second, context);
    a.resource_id = id;
    return a;
}

SectionNeeds Worker::section_needs(const std::string& room_name, const std::string& id,
                                   const std::optional<std::vector<std::string>>& subscribed) {
    SectionNeeds needs;
    auto it = peers_.find(id);
    auto room_it = rooms_.find(room_name);
    if (it == peers_.end() || room_it == rooms_.end() || it->second->departed()) return needs;
    Peer& peer = *it->second;
    int want_audio = 0;
    int want_video = 0;
    for (const auto& t : room_it->second->tracks) {
        if (t->owner == &peer) continue;
        if (subscribed &&
            std::find(subscribed->begin(), subscribed->end(), t->id) == subscribed->end()) {
            continue;
        }
        const bool received = std::any_of(peer.downs.begin(), peer.downs.end(),
                                          [&](const auto& d) { return d->source == t.get(); });
        if (received) continue;
        (t->spec.video ? want_video : want_audio) += 1;
    }
    int free_audio = 0;
    int free_video = 0;
    for (const auto& d : peer.downs) {
        if (!d->source && !d->stale) (d->spec.video ? free_video : free_audio) += 1;
    }
    needs.audio = std::max(0, want_audio - free_audio);
    needs.video = std::max(0, want_video - free_video);
    needs.rebind = want_audio + want_video > 0;
    return needs;
}

}  // namespace cohost::media::detail
