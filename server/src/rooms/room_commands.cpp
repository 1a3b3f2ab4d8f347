// Room lifecycle commands (product.md §2): create, update, stop, end.
#include <algorithm>

#include "domain_detail.hpp"

namespace cohost::server::rooms {

using namespace detail;

namespace {

// The first invalid field of a patch, in the order of the API's fields.
std::optional<Error> check_patch(const RoomPatch& p) {
    const std::optional<Error> checks[] = {
        p.title ? check_title(*p.title) : std::nullopt,
        p.description ? check_description(*p.description) : std::nullopt,
        p.thumbnail_url ? check_thumbnail_url(*p.thumbnail_url) : std::nullopt,
        p.metadata_json ? check_metadata(*p.metadata_json) : std::nullopt,
        p.max_cohosts ? check_max_cohosts(*p.max_cohosts) : std::nullopt,
        p.slow_mode_seconds ? check_slow_mode(*p.slow_mode_seconds) : std::nullopt,
    };
    for (const auto& err : checks) {
        if (err) {
            return err;
        }
    }
    return std::nullopt;
}

}  // namespace

Outcome<Decision> create_room(const CreateRoomParams& p, const std::string& room_id,
                              const std::string& host_user_id, TimePoint now) {
    if (host_user_id.empty()) {
        return make_error(Errc::Forbidden, "a room needs a host user");
    }
    for (const auto& err : {check_title(p.title), check_description(p.description),
                            check_thumbnail_url(p.thumbnail_url), check_metadata(p.metadata_json),
                            check_max_cohosts(p.max_cohosts)}) {
        if (err) {
            return *err;
        }
    }

    Room room;
    room.room_id = room_id;
    room.title = p.title;
    room.description = p.description;
    room.thumbnail_url = p.thumbnail_url;
    room.metadata_json = p.metadata_json;
    room.host_user_id = host_user_id;
    room.status = RoomStatus::Idle;
    room.max_cohosts = p.max_cohosts;
    room.created_at = now;

    StageMember host;
    host.room_id = room_id;
    host.user_id = host_user_id;
    host.role = MemberRole::Host;
    host.state = MemberState::Offline;
    host.joined_at = now;
    host.state_since = now;

    DecisionBuilder b;
    b.put_room(room);
    b.put_member(host);
    // Announces the room on its topic (seq 1) and to the app backend's webhooks.
    b.emit(room_event(kRoomUpdated, room, now));
    return std::move(b).take();
}

Outcome<Decision> update_room(const RoomState& s, const Actor& a, const RoomPatch& p,
                              TimePoint now) {
    if (!acts_as_host(s, a)) {
        return make_error(Errc::NotHost, "only the host can update the room");
    }
    if (s.room.status == RoomStatus::Ended) {
        return make_error(Errc::RoomEnded, "the room has ended");
    }
    if (auto err = check_patch(p)) {
        return *err;
    }
    if (p.max_cohosts) {
        const int in_use = s.cohosts_on_stage() + static_cast<int>(s.pending.size());
        if (*p.max_cohosts < in_use) {
            boost::json::object details;
            details["maxCoHosts"] = *p.max_cohosts;
            details["coHostsAndPending"] = in_use;
            return make_error(Errc::StageFull,
                              "maxCoHosts cannot be lower than co-hosts on stage plus pending "
                              "invitations",
                              std::move(details));
        }
    }

    Room room = s.room;
    room.title = p.title.value_or(room.title);
    room.description = p.description.value_or(room.description);
    room.thumbnail_url = p.thumbnail_url.value_or(room.thumbnail_url);
    room.metadata_json = p.metadata_json.value_or(room.metadata_json);
    room.max_cohosts = p.max_cohosts.value_or(room.max_cohosts);
    room.slow_mode_seconds = p.slow_mode_seconds.value_or(room.slow_mode_seconds);

    const bool changed = room.title != s.room.title || room.description != s.room.description ||
                         room.thumbnail_url != s.room.thumbnail_url ||
                         room.metadata_json != s.room.metadata_json ||
                         room.max_cohosts != s.room.max_cohosts ||
                         room.slow_mode_seconds != s.room.slow_mode_seconds;
    DecisionBuilder b;
    if (changed) {
        b.put_room(room);
        b.emit(room_event(kRoomUpdated, room, now));
    }
    return std::move(b).take();
}

Outcome<Decision> stop_room(const RoomState& s, const Actor& a, TimePoint now) {
    if (!acts_as_host(s, a)) {
        return make_error(Errc::NotHost, "only the host can stop the room");
    }
    if (s.room.status == RoomStatus::Ended) {
        return make_error(Errc::RoomEnded, "the room has already ended");
    }
    return end_room(s, EndReason::Stopped, now);
}

Decision end_room(const RoomState& s, EndReason reason, TimePoint now) {
    DecisionBuilder b;
    RoomState w = s;
    end_room_into(b, w, reason, now);
    return std::move(b).take();
}

namespace detail {

void end_room_into(DecisionBuilder& b, RoomState& w, EndReason reason, TimePoint now) {
    if (w.room.status == RoomStatus::Ended) {
        return;
    }
    // The room changes first so every event of this ending carries the ended room.
    w.room.status = RoomStatus::Ended;
    w.room.ended_at = now;
    w.room.end_reason = reason;
    w.room.reconnecting_since.reset();
    b.put_room(w.room);

    for (Invitation inv : w.pending) {
        if (inv.status != InvitationStatus::Pending) {
            continue;
        }
        inv.status = InvitationStatus::Cancelled;
        inv.responded_at = now;
        inv.reason = kReasonRoomEnded;
        b.put_invitation(inv);
        b.emit(invitation_event(kInvitationCancelled, w.room, inv, now));
    }
    w.pending.clear();

    std::vector<std::string> cohosts;
    for (const StageMember& m : w.stage) {
        if (m.role == MemberRole::Cohost) {
            cohosts.push_back(m.user_id);
        }
    }
    for (const std::string& user_id : cohosts) {
        release_member(b, w, user_id, kReasonRoomEnded, now);
    }

    // The host stays a stage member of the ended room, offline. No stage.* event: room.ended
    // already tells every subscriber the stage is over.
    for (StageMember& m : w.stage) {
        if (m.role != MemberRole::Host) {
            continue;
        }
        if (m.state != MemberState::Offline || m.camera_on || m.microphone_on) {
            m.state = MemberState::Offline;
            m.state_since = now;
            m.camera_on = false;
            m.microphone_on = false;
            b.put_member(m);
        }
    }
    b.emit(room_event(kRoomEnded, w.room, now));
}

}  // namespace detail

}  // namespace cohost::server::rooms
