// Stage commands (product.md §4): leave, remove, permissions, broadcast credentials check.
#include "domain_detail.hpp"

namespace cohost::server::rooms {

using namespace detail;

namespace {

Error room_ended() { return make_error(Errc::RoomEnded, "the room has ended"); }

// Common gate of the host's commands on another stage member: the member, or the refusal.
Outcome<const StageMember*> cohost_target(const RoomState& s, const Actor& a,
                                          const std::string& user_id, std::string_view what) {
    if (!acts_as_host(s, a)) {
        return make_error(Errc::NotHost, "only the host can " + std::string(what));
    }
    if (s.room.status == RoomStatus::Ended) {
        return room_ended();
    }
    if (user_id == s.room.host_user_id) {
        return make_error(Errc::Forbidden, "not allowed on the host");
    }
    const StageMember* m = s.member(user_id);
    if (m == nullptr) {
        return make_error(Errc::NotFound, "not on stage");
    }
    return m;
}

}  // namespace

Outcome<Decision> leave_stage(const RoomState& s, const Actor& a, TimePoint now) {
    if (s.room.status == RoomStatus::Ended) {
        return room_ended();
    }
    if (!a.user_id.empty() && a.user_id == s.room.host_user_id) {
        return make_error(Errc::Forbidden, "the host stops the room instead of leaving the stage");
    }
    if (s.member(a.user_id) == nullptr) {
        return make_error(Errc::NotOnStage, "not on stage");
    }
    DecisionBuilder b;
    RoomState w = s;
    release_member(b, w, a.user_id, kReasonLeft, now);
    return std::move(b).take();
}

Outcome<MemberDecision> remove_member(const RoomState& s, const Actor& a,
                                      const std::string& user_id, TimePoint now) {
    auto target = cohost_target(s, a, user_id, "remove a co-host");
    if (!target) {
        return target.error();
    }
    StageMember removed = **target;
    DecisionBuilder b;
    RoomState w = s;
    release_member(b, w, user_id, kReasonRemoved, now);
    return MemberDecision{std::move(b).take(), std::move(removed)};
}

Outcome<MemberDecision> set_permissions(const RoomState& s, const Actor& a,
                                        const std::string& user_id, bool can_manage_products,
                                        TimePoint now) {
    auto target = cohost_target(s, a, user_id, "change permissions");
    if (!target) {
        return target.error();
    }
    StageMember m = **target;
    if (m.can_manage_products == can_manage_products) {
        return MemberDecision{{}, std::move(m)};
    }
    m.can_manage_products = can_manage_products;
    DecisionBuilder b;
    b.put_member(m);
    b.emit(member_event(kStageUpdated, s.room, m, "", now));
    return MemberDecision{std::move(b).take(), std::move(m)};
}

Outcome<const StageMember*> check_broadcast(const RoomState& s, const Actor& a) {
    if (s.room.status == RoomStatus::Ended) {
        return room_ended();
    }
    const StageMember* m = s.member(a.user_id);
    if (m == nullptr) {
        return make_error(Errc::NotOnStage, "only stage members may broadcast");
    }
    return m;
}

}  // namespace cohost::server::rooms
