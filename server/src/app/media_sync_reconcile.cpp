// The reconciler: repairs what dropped webhooks and failed enforcement calls left behind, by
// comparing the media server's view (ListRooms, ListParticipants) with the stage.
//
// Why it is safe to act on a list that is already old when it arrives: every repair is one of the
// idempotent media facts (or a RemoveParticipant/DeleteRoom that the enforcement would also
// issue), and a room for which a webhook was applied after its list call was issued is skipped
// for the round, so a fresh webhook is never overwritten by an older list.
#include <boost/asio/post.hpp>
#include <unordered_set>

#include "media_sync_impl.hpp"

namespace cohost::server::app {

using livekit::ParticipantInfo;
using livekit::RoomInfo;
using livekit::TwirpError;
using livekit::TwirpResult;

namespace {

/// A member the domain believes has a media connection: publishing (`live`), or camera/mic on.
/// A backstage co-host with both off may never have connected, so its absence proves nothing.
bool thought_connected(const rooms::StageMember& m) {
    return m.state == rooms::MemberState::Live || m.camera_on || m.microphone_on;
}

}  // namespace

bool MediaSync::reconcile_now() { return impl_->start_round(); }

bool MediaSync::reconciling() const noexcept { return impl_->round.has_value(); }

void MediaSync::start() {
    impl_->stopped = false;
    if (impl_->client && impl_->opts.reconcile_interval.count() > 0) {
        // A first round at start-up: webhooks sent while cohostd was down are lost, so the
        // stage is compared with the media server before the first interval passes.
        impl_->start_round();
        impl_->schedule();
    }
}

void MediaSync::Impl::schedule() {
    timer.expires_after(opts.reconcile_interval);
    timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopped) return;
        if (!start_round()) {
            log->debug("reconcile round skipped: the previous one is still in flight");
        }
        schedule();
    });
}

bool MediaSync::Impl::start_round() {
    if (!client || stopped || round) return false;
    round.emplace();
    round->issued = webhook_seq;
    client->list_rooms({}, [this, w = std::weak_ptr<int>(alive)](
                               TwirpResult<std::vector<RoomInfo>> r) {
        if (w.expired()) return;
        on_rooms(std::move(r));
    });
    return true;
}

bool MediaSync::Impl::touched_after(const std::string& room, std::uint64_t issued) const {
    if (!round) return false;
    const auto it = round->touched.find(room);
    return it != round->touched.end() && it->second > issued;
}

void MediaSync::Impl::on_rooms(TwirpResult<std::vector<RoomInfo>> r) {
    if (!round || stopped) return;
    if (r.index() != 0) {
        const TwirpError& err = std::get<TwirpError>(r);
        log->warn("reconcile: ListRooms failed code={} msg={}", err.code, err.msg);
        inc("cohost_reconciler_rounds_total", {{"result", "failed"}});
        round.reset();
        return;
    }
    const auto& media_rooms = std::get<0>(r);
    std::unordered_set<std::string> present;
    for (const auto& info : media_rooms) present.insert(info.name);
    try {
        const auto active = store.active_room_ids();
        const std::unordered_set<std::string> active_set(active.begin(), active.end());
        // Media rooms of cohost rooms that ended: the DeleteRoom was lost. Media rooms cohost does
        // not know are left alone (another application may share the LiveKit project).
        for (const auto& name : present) {
            if (active_set.contains(name) || touched_after(name, round->issued)) continue;
            const auto room = store.get_room(name);
            if (room && room->status == rooms::RoomStatus::Ended) {
                repaired("ended_room_deleted");
                delete_room(name, "reconciler: room ended");
            }
        }
        for (const auto& id : active) {
            if (present.contains(id)) {
                round->queue.push_back(id);
            } else if (!touched_after(id, round->issued)) {
                reconcile_absent(id);
            }
            if (!round) return;  // stopped meanwhile
        }
    } catch (const std::exception& e) {
        log->error("reconcile round failed error={}", e.what());
        inc("cohost_reconciler_rounds_total", {{"result", "failed"}});
        round.reset();
        return;
    }
    round->listing_rooms = false;
    pump();
}

void MediaSync::Impl::pump() {
    if (pumping) return;  // a synchronous answer inside the loop below: the loop continues
    pumping = true;
    while (round && round->in_flight < std::max<std::size_t>(1, opts.reconcile_parallelism) &&
           !round->queue.empty()) {
        std::string room = std::move(round->queue.front());
        round->queue.pop_front();
        ++round->in_flight;
        const std::uint64_t issued = webhook_seq;
        client->list_participants(
            room, [this, w = std::weak_ptr<int>(alive), room,
                   issued](TwirpResult<std::vector<ParticipantInfo>> res) {
                if (w.expired()) return;
                on_participants(room, issued, std::move(res));
            });
    }
    pumping = false;
    if (round && !round->listing_rooms && round->in_flight == 0 && round->queue.empty()) {
        inc("cohost_reconciler_rounds_total", {{"result", "ok"}});
        round.reset();
    }
}

void MediaSync::Impl::on_participants(const std::string& room, std::uint64_t issued,
                                      TwirpResult<std::vector<ParticipantInfo>> r) {
    if (!round || stopped) return;
    --round->in_flight;
    try {
        if (touched_after(room, issued)) {
            log->debug("reconcile: skipping room={} (a webhook arrived meanwhile)", room);
        } else if (r.index() != 0) {
            const TwirpError& err = std::get<TwirpError>(r);
            if (err.not_found()) {
                reconcile_absent(room);
            } else {
                log->warn("reconcile: ListParticipants failed room={} code={} msg={}", room,
                          err.code, err.msg);
            }
        } else {
            reconcile_room(room, std::get<0>(r));
        }
    } catch (const std::exception& e) {
        log->error("reconcile failed room={} error={}", room, e.what());
    }
    pump();
}

void MediaSync::Impl::reconcile_absent(const std::string& room) {
    auto state = store.load_room_state(room);
    if (!state || state->room.status == rooms::RoomStatus::Ended) return;
    if (state->room.status == rooms::RoomStatus::Live) {
        // The media room is gone while the host is thought to be live: room_finished was lost.
        const auto o = apply_logged(room, MediaFact::RoomFinished, {}, rooms::TrackSource::Other);
        if (o == MediaOutcome::Applied) repaired("media_room_gone");
    }
    reconcile_room(room, {});  // nobody can be connected to a room that does not exist
}

void MediaSync::Impl::reconcile_room(const std::string& room,
                                     const std::vector<ParticipantInfo>& participants) {
    auto state = store.load_room_state(room);
    if (!state || state->room.status == rooms::RoomStatus::Ended) return;
    std::unordered_map<std::string, const ParticipantInfo*> present;
    for (const auto& p : participants) {
        if (p.state != "DISCONNECTED") present.emplace(p.identity, &p);
    }
    for (const auto& m : state->stage) {
        const auto it = present.find(m.user_id);
        if (it == present.end()) {
            // (a) a ghost: the domain thinks it is connected, the media server does not know it.
            if (thought_connected(m)) {
                const auto o = apply_logged(room, MediaFact::ParticipantLeft, m.user_id,
                                            rooms::TrackSource::Other);
                if (o == MediaOutcome::Applied) repaired("ghost_left");
            }
        } else if (it->second->state == "ACTIVE") {
            sync_member(room, m, *it->second);
        }
    }
    // (c) publishers that are not on stage (hidden subscribe-only viewers are fine).
    for (const auto& [identity, p] : present) {
        if (state->member(identity) == nullptr && may_publish(*p)) {
            repaired("uninvited");
            remove_uninvited(room, identity);
        }
    }
}

void MediaSync::Impl::sync_member(const std::string& room, const rooms::StageMember& m,
                                  const ParticipantInfo& p) {
    // (b) connected and ACTIVE while the domain says reconnecting: the participant_joined (and
    // its track_published) webhooks were lost. Then bring camera/mic in line with the tracks.
    if (m.state == rooms::MemberState::Reconnecting) {
        const auto o =
            apply_logged(room, MediaFact::ParticipantJoined, m.user_id, rooms::TrackSource::Other);
        if (o == MediaOutcome::Applied) repaired("missed_join");
    }
    bool camera_track = false;
    bool microphone_track = false;
    for (const auto& t : p.tracks) {
        const auto source = track_source(t);
        if (!t.muted) {
            camera_track = camera_track || source == rooms::TrackSource::Camera;
            microphone_track = microphone_track || source == rooms::TrackSource::Microphone;
        }
        const auto fact = t.muted ? MediaFact::TrackUnpublished : MediaFact::TrackPublished;
        const auto o = apply_logged(room, fact, m.user_id, source);
        if (o == MediaOutcome::Applied) repaired(t.muted ? "muted_track" : "missed_track");
    }
    // Flags still on without an unmuted track of that source: a lost track_unpublished.
    if (m.camera_on && !camera_track) {
        const auto o = apply_logged(room, MediaFact::TrackUnpublished, m.user_id,
                                    rooms::TrackSource::Camera);
        if (o == MediaOutcome::Applied) repaired("stale_track");
    }
    if (m.microphone_on && !microphone_track) {
        const auto o = apply_logged(room, MediaFact::TrackUnpublished, m.user_id,
                                    rooms::TrackSource::Microphone);
        if (o == MediaOutcome::Applied) repaired("stale_track");
    }
}

}  // namespace cohost::server::app
