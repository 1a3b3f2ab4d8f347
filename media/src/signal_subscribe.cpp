// LiveKit signalling: subscriptions. A participant receives the tracks of the others it is
// subscribed to: all of them with auto-subscribe (the default), else the ones named by
// UpdateSubscription (client) or RoomService UpdateSubscriptions; an explicit choice for a track
// overrides auto-subscribe either way (LiveKit's room.go / UpdateSubscriptions). What changes
// reaches the media plane as a server offer (two peer connections) or as
// `media_sections_requirement`, after which the client's next offer is answered with exactly the
// subscribed tracks (single peer connection).
#include <algorithm>

#include "cohost/core/log.hpp"
#include "signal_impl.hpp"

namespace cohost::media {

std::vector<std::string> SignalServer::Impl::wanted_tracks(const SignalRoom& room,
                                                           const SignalSession& s) const {
    std::vector<std::string> out;
    if (!s.grants.can_subscribe) return out;
    for (const auto& [identity, other] : room.participants) {
        if (other.get() == &s) continue;
        for (const auto& t : other->info.tracks()) {
            const auto o = s.subscriptions.find(t.sid());
            if (o != s.subscriptions.end() ? o->second : s.auto_subscribe) out.push_back(t.sid());
        }
    }
    return out;
}

std::optional<std::vector<std::string>> SignalServer::Impl::subscribed_tracks(
    const SignalRoom& room, const SignalSession& s) const {
    const bool everything = s.grants.can_subscribe && s.auto_subscribe &&
                            std::none_of(s.subscriptions.begin(), s.subscriptions.end(),
                                         [](const auto& kv) { return !kv.second; });
    if (everything) return std::nullopt;  // also WHIP tracks, as before subscriptions existed
    return wanted_tracks(room, s);
}

void SignalServer::Impl::sync_subscriptions(SignalRoom& room,
                                            const std::shared_ptr<SignalSession>& s, bool force) {
    if (!s->joined || s->closing) return;
    if (s->two_pc) {
        if (s->sub_resource.empty()) {
            if (!s->grants.can_subscribe) return;  // no subscriber PC (subscriber_primary false)
            ParticipantContext ctx;
            ctx.participant_sid = s->info.sid();
            ctx.hidden = s->grants.hidden;
            ServerOfferUpdate u = media.create_subscriber_session(room.name, s->info.identity(),
                                                                  ctx, wanted_tracks(room, *s));
            if (u.status != 200) {
                core::logger("signal")->warn("signal: no subscriber connection for '{}': {}",
                                             s->info.identity(), u.message);
                return;
            }
            s->sub_resource = u.resource_id;
            deliver_offer(room, s, u);
            return;
        }
        deliver_offer(
            room, s,
            media.set_subscriber_tracks(room.name, s->sub_resource, wanted_tracks(room, *s)));
        return;
    }
    if (s->resource.empty()) return;  // its first offer is answered with what it subscribes to
    if (!s->grants.can_subscribe && !force) return;
    const SectionNeeds n = media.section_needs(room.name, s->resource, subscribed_tracks(room, *s));
    if (n.audio == 0 && n.video == 0 && !n.rebind && !force) return;
    livekit::SignalResponse r;
    r.mutable_media_sections_requirement()->set_num_audios(static_cast<std::uint32_t>(n.audio));
    r.mutable_media_sections_requirement()->set_num_videos(static_cast<std::uint32_t>(n.video));
    s->send(r);
}

void SignalServer::Impl::update_subscriptions(SignalRoom& room,
                                              const std::shared_ptr<SignalSession>& s,
                                              const std::vector<std::string>& track_sids,
                                              bool subscribe) {
    bool changed = false;
    for (const auto& sid : track_sids) {
        if (sid.empty()) continue;
        auto [it, inserted] = s->subscriptions.try_emplace(sid, subscribe);
        changed = changed || inserted || it->second != subscribe;
        it->second = subscribe;
    }
    core::logger("signal")->debug("signal: '{}' {} {} track(s)", s->info.identity(),
                                  subscribe ? "subscribes to" : "unsubscribes from",
                                  track_sids.size());
    // An unsubscribed track's section must end even though nothing is missing: ask anyway.
    if (changed) sync_subscriptions(room, s, !subscribe);
}

void SignalServer::Impl::report_subscribed(SignalRoom& room,
                                           const std::vector<std::string>& track_sids) {
    for (const auto& sid : track_sids) {
        for (auto& [identity, p] : room.participants) {
            const auto& tracks = p->info.tracks();
            const bool owns =
                std::any_of(tracks.begin(), tracks.end(),
                            [&](const livekit::TrackInfo& t) { return t.sid() == sid; });
            if (!owns) continue;
            if (p->reported_subscribed.insert(sid).second) {
                livekit::SignalResponse r;
                r.mutable_track_subscribed()->set_track_sid(sid);
                p->send(r);
            }
            break;
        }
    }
}

void SignalServer::Impl::emit_departure(const SignalRoom& room, const SignalSession& s) {
    // LiveKit (telemetry ParticipantLeft): a participant whose media never connected did not
    // "leave", its connection was aborted.
    emit(s.active ? "participant_left" : "participant_connection_aborted", room, &s.info, nullptr);
}

}  // namespace cohost::media
