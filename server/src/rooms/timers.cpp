// Deadlines (product.md §2–§4, §10 "Timers fire on time"). Every deadline is derived from stored
// state, so the timer wheel can be rebuilt from the store after a restart.
#include <algorithm>

#include "domain_detail.hpp"

namespace cohost::server::rooms {

using namespace detail;

namespace {

struct RoomDeadline {
    TimePoint at;
    EndReason reason;
};

// The deadlines that end the room, in tie-break order (first listed wins at equal instants).
std::vector<RoomDeadline> room_deadlines(const Room& r, const Policy& p) {
    std::vector<RoomDeadline> out;
    if (r.status == RoomStatus::Ended) {
        return out;
    }
    if (r.live_at) {
        out.push_back({*r.live_at + p.max_duration, EndReason::MaxDuration});
    }
    if (r.status == RoomStatus::Reconnecting && r.reconnecting_since) {
        out.push_back({*r.reconnecting_since + p.host_reconnect_window, EndReason::HostLost});
    }
    if (r.status == RoomStatus::Idle && !r.live_at) {
        out.push_back({r.created_at + p.idle_expiry, EndReason::Expired});
    }
    return out;
}

struct MemberDeadline {
    TimePoint at;
    std::string_view reason;
};

// Only co-hosts have seat timers; the host's loss is the room's reconnect window.
std::optional<MemberDeadline> member_deadline(const StageMember& m, const Policy& p) {
    if (m.role != MemberRole::Cohost) {
        return std::nullopt;
    }
    if (m.state == MemberState::Backstage) {
        return MemberDeadline{m.state_since + p.backstage_timeout, kReasonBackstageTimeout};
    }
    if (m.state == MemberState::Reconnecting) {
        return MemberDeadline{m.state_since + p.cohost_grace, kReasonConnectionLost};
    }
    return std::nullopt;
}

// One due invitation expiry or seat release.
struct DueItem {
    TimePoint at;
    bool is_invitation = false;
    std::string id;  // invitation id or member user id
    std::string_view reason;
};

}  // namespace

std::optional<TimePoint> next_deadline(const RoomState& s, const Policy& policy) {
    if (s.room.status == RoomStatus::Ended) {
        return std::nullopt;
    }
    std::optional<TimePoint> next;
    auto consider = [&](TimePoint t) {
        if (!next || t < *next) {
            next = t;
        }
    };
    for (const RoomDeadline& d : room_deadlines(s.room, policy)) {
        consider(d.at);
    }
    for (const Invitation& inv : s.pending) {
        if (inv.status == InvitationStatus::Pending) {
            consider(inv.expires_at);
        }
    }
    for (const StageMember& m : s.stage) {
        if (auto d = member_deadline(m, policy)) {
            consider(d->at);
        }
    }
    return next;
}

Decision on_timer(const RoomState& s, const Policy& policy, TimePoint now) {
    if (s.room.status == RoomStatus::Ended) {
        return {};
    }
    // When the room's own deadline has passed, items that fell due before it are applied with
    // their own reason; items that would have fallen due later go down with the room
    // (`room_ended`), as they would have if the timer had fired exactly on time.
    std::optional<RoomDeadline> end;
    for (const RoomDeadline& d : room_deadlines(s.room, policy)) {
        if (d.at <= now && (!end || d.at < end->at)) {
            end = d;
        }
    }
    const TimePoint cutoff = end ? end->at : now;

    std::vector<DueItem> due;
    for (const Invitation& inv : s.pending) {
        if (inv.status == InvitationStatus::Pending && inv.expires_at <= cutoff) {
            due.push_back({inv.expires_at, true, inv.invitation_id, {}});
        }
    }
    for (const StageMember& m : s.stage) {
        if (auto d = member_deadline(m, policy); d && d->at <= cutoff) {
            due.push_back({d->at, false, m.user_id, d->reason});
        }
    }
    std::stable_sort(due.begin(), due.end(),
                     [](const DueItem& a, const DueItem& b) { return a.at < b.at; });

    DecisionBuilder b;
    RoomState w = s;
    for (const DueItem& item : due) {
        if (item.is_invitation) {
            expire_invitation(b, w, item.id, now);
        } else {
            release_member(b, w, item.id, item.reason, now);
        }
    }
    if (end) {
        end_room_into(b, w, end->reason, now);
    }
    return std::move(b).take();
}

}  // namespace cohost::server::rooms
