// Transitions driven by the media server's webhooks (product.md §2, §4, §6). The media server is
// the only source of truth for "publishing": no client claim moves a room or member to `live`.
//
// Event rule: a change of the room's status emits `room.*`; a change of a member's state emits
// `stage.live` / `stage.reconnecting` (for the host member too, so stage tiles never need to
// infer the host's state from room events); a change of only camera/mic, or a co-host coming
// back from `reconnecting` to `backstage`, emits `stage.updated`.
#include "domain_detail.hpp"

namespace cohost::server::rooms {

using namespace detail;

namespace {

// Sets the flag `source` controls; false when nothing changed (Other controls none).
bool set_flag(StageMember& m, TrackSource source, bool on) {
    bool* flag = nullptr;
    if (source == TrackSource::Camera) {
        flag = &m.camera_on;
    } else if (source == TrackSource::Microphone) {
        flag = &m.microphone_on;
    }
    if (flag == nullptr || *flag == on) {
        return false;
    }
    *flag = on;
    return true;
}

// The member's media participant is gone: the host's loss puts a live room into `reconnecting`
// (the reconnect window runs from now); a co-host's loss holds its seat for the grace period.
void apply_left(DecisionBuilder& b, RoomState& w, StageMember& m, TimePoint now) {
    const bool had_media = m.camera_on || m.microphone_on;
    m.camera_on = false;
    m.microphone_on = false;
    bool state_changed = false;
    if (m.role == MemberRole::Host) {
        if (w.room.status == RoomStatus::Live) {
            w.room.status = RoomStatus::Reconnecting;
            w.room.reconnecting_since = now;
            b.put_room(w.room);
            b.emit(room_event(kRoomReconnecting, w.room, now));
        }
        state_changed = m.state == MemberState::Live;
    } else {
        // A backstage co-host that connected (preview) and dropped also gets the grace period.
        state_changed = m.state == MemberState::Live || m.state == MemberState::Backstage;
    }
    if (state_changed) {
        m.state = MemberState::Reconnecting;
        m.state_since = now;
        b.put_member(m);
        b.emit(member_event(kStageReconnecting, w.room, m, "", now));
    } else if (had_media) {
        b.put_member(m);
        b.emit(member_event(kStageUpdated, w.room, m, "", now));
    }
}

}  // namespace

Decision on_participant_joined(const RoomState& s, const std::string& identity, TimePoint now) {
    const StageMember* found = s.member(identity);
    if (s.room.status == RoomStatus::Ended || found == nullptr) {
        return {};
    }
    // The host's rejoin changes nothing until it publishes. A co-host back from a drop returns to
    // `backstage`: its tracks were unpublished with the drop, so it is not publishing yet; its
    // first track_published makes it `live` again. The backstage timer restarts from now.
    if (found->role != MemberRole::Cohost || found->state != MemberState::Reconnecting) {
        return {};
    }
    StageMember m = *found;
    m.state = MemberState::Backstage;
    m.state_since = now;
    DecisionBuilder b;
    b.put_member(m);
    b.emit(member_event(kStageUpdated, s.room, m, "", now));
    return std::move(b).take();
}

Decision on_track_published(const RoomState& s, const std::string& identity, TrackSource source,
                            TimePoint now) {
    const StageMember* found = s.member(identity);
    if (s.room.status == RoomStatus::Ended || found == nullptr) {
        return {};
    }
    DecisionBuilder b;
    Room room = s.room;
    StageMember m = *found;
    if (m.role == MemberRole::Host &&
        (room.status == RoomStatus::Idle || room.status == RoomStatus::Reconnecting)) {
        room.status = RoomStatus::Live;
        if (!room.live_at) {
            room.live_at = now;  // the first time only: max_duration counts from here
        }
        room.reconnecting_since.reset();
        b.put_room(room);
        b.emit(room_event(kRoomLive, room, now));
    }
    const bool went_live = m.state != MemberState::Live;
    if (went_live) {
        m.state = MemberState::Live;
        m.state_since = now;
    }
    const bool flag_changed = set_flag(m, source, true);
    if (went_live || flag_changed) {
        b.put_member(m);
        b.emit(member_event(went_live ? kStageLive : kStageUpdated, room, m, "", now));
    }
    return std::move(b).take();
}

Decision on_track_unpublished(const RoomState& s, const std::string& identity, TrackSource source,
                              TimePoint now) {
    const StageMember* found = s.member(identity);
    if (s.room.status == RoomStatus::Ended || found == nullptr) {
        return {};
    }
    StageMember m = *found;
    if (!set_flag(m, source, false)) {
        return {};
    }
    DecisionBuilder b;
    b.put_member(m);
    b.emit(member_event(kStageUpdated, s.room, m, "", now));
    return std::move(b).take();
}

Decision on_participant_left(const RoomState& s, const std::string& identity, TimePoint now) {
    const StageMember* found = s.member(identity);
    if (s.room.status == RoomStatus::Ended || found == nullptr) {
        return {};
    }
    DecisionBuilder b;
    RoomState w = s;
    apply_left(b, w, *w.member(identity), now);
    return std::move(b).take();
}

Decision on_media_room_finished(const RoomState& s, TimePoint now) {
    if (s.room.status == RoomStatus::Ended) {
        return {};
    }
    // Every participant is gone. The host is lost if the room was live; co-hosts that were
    // publishing lose their media. Backstage co-hosts keep their backstage timer: they may never
    // have connected, and anyone who did already got a participant_left.
    DecisionBuilder b;
    RoomState w = s;
    for (StageMember& m : w.stage) {
        const bool lost = m.role == MemberRole::Host ? w.room.status == RoomStatus::Live
                                                     : m.state == MemberState::Live;
        if (lost) {
            apply_left(b, w, m, now);
        }
    }
    return std::move(b).take();
}

}  // namespace cohost::server::rooms
