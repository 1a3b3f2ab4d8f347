// The stage (product.md §4): leave, remove, permissions, broadcast credentials.
#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace cohost::server::rooms {
namespace {

using namespace test_support;

const TimePoint kNow = kT0 + 2min;

// ---- leave_stage ----------------------------------------------------------------------------

class LeaveStage : public ::testing::TestWithParam<RoomStatus> {};

TEST_P(LeaveStage, CohostLeavesWithReasonLeftInAnyActiveRoom) {
    RoomState s = make_state(GetParam());
    add_cohost(s, "alice", MemberState::Live);
    auto r = leave_stage(s, Actor::user("alice"), kNow);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->removed_members.size(), 1U);
    EXPECT_EQ(r->removed_members[0].user_id, "alice");
    EXPECT_EQ(r->removed_members[0].version, 2);
    EXPECT_TRUE(r->members.empty());
    EXPECT_FALSE(r->room);
    ASSERT_EQ(event_types(*r), std::vector<std::string>{"stage.left"});
    const DomainEvent& e = r->events[0];
    EXPECT_EQ(e.reason, "left");
    EXPECT_EQ(e.topics, std::vector<std::string>{room_topic()});
    EXPECT_EQ(e.subject, DomainEvent::Subject::Member);
    EXPECT_EQ(e.member->user_id, "alice");
    EXPECT_EQ(e.room.status, GetParam());
    EXPECT_EQ(e.at, kNow);
}

INSTANTIATE_TEST_SUITE_P(Active, LeaveStage,
                         ::testing::Values(RoomStatus::Idle, RoomStatus::Live,
                                           RoomStatus::Reconnecting));

TEST(LeaveStageRefusal, HostIsForbiddenToLeave) {
    RoomState s = make_state(RoomStatus::Live);
    EXPECT_EQ(errc(leave_stage(s, host_actor(), kNow)), Errc::Forbidden);
}

TEST(LeaveStageRefusal, ViewerAndAppBackendAreNotOnStage) {
    RoomState s = make_state(RoomStatus::Live);
    EXPECT_EQ(errc(leave_stage(s, Actor::user("viewer"), kNow)), Errc::NotOnStage);
    EXPECT_EQ(errc(leave_stage(s, Actor::backend(), kNow)), Errc::NotOnStage);
}

TEST(LeaveStageRefusal, EndedRoomIsRoomEnded) {
    RoomState s = make_state(RoomStatus::Ended);
    EXPECT_EQ(errc(leave_stage(s, Actor::user("alice"), kNow)), Errc::RoomEnded);
}

TEST(LeaveStageRefusal, LeavingNeverEndsTheRoom) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Live);
    auto r = leave_stage(s, Actor::user("alice"), kNow);
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->room);
    for (const auto& type : event_types(*r)) {
        EXPECT_NE(type, "room.ended");
    }
}

// ---- remove_member --------------------------------------------------------------------------

TEST(RemoveMember, HostRemovesACohostWithReasonRemoved) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Live);
    add_cohost(s, "bob");
    auto r = remove_member(s, host_actor(), "alice", kNow);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->member.user_id, "alice");
    EXPECT_EQ(r->member.state, MemberState::Live);
    ASSERT_EQ(r->decision.removed_members.size(), 1U);
    EXPECT_EQ(r->decision.removed_members[0].user_id, "alice");
    ASSERT_EQ(event_types(r->decision), std::vector<std::string>{"stage.left"});
    EXPECT_EQ(r->decision.events[0].reason, "removed");
    EXPECT_EQ(r->decision.events[0].topics, std::vector<std::string>{room_topic()});
}

TEST(RemoveMember, AppBackendMayRemove) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice");
    EXPECT_TRUE(remove_member(s, Actor::backend(), "alice", kNow).has_value());
}

TEST(RemoveMember, CohostCannotRemoveOthers) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice");
    add_cohost(s, "bob");
    EXPECT_EQ(errc(remove_member(s, Actor::user("bob"), "alice", kNow)), Errc::NotHost);
}

TEST(RemoveMember, RemovingTheHostIsForbidden) {
    RoomState s = make_state(RoomStatus::Live);
    EXPECT_EQ(errc(remove_member(s, host_actor(), kHost, kNow)), Errc::Forbidden);
}

TEST(RemoveMember, UserNotOnStageIsNotFound) {
    RoomState s = make_state(RoomStatus::Live);
    EXPECT_EQ(errc(remove_member(s, host_actor(), "alice", kNow)), Errc::NotFound);
}

TEST(RemoveMember, EndedRoomIsRoomEnded) {
    RoomState s = make_state(RoomStatus::Ended);
    EXPECT_EQ(errc(remove_member(s, host_actor(), "alice", kNow)), Errc::RoomEnded);
}

// ---- set_permissions ------------------------------------------------------------------------

TEST(SetPermissions, GrantsManageProductsAndEmitsStageUpdated) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Live);
    auto r = set_permissions(s, host_actor(), "alice", true, kNow);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->member.can_manage_products);
    ASSERT_EQ(r->decision.members.size(), 1U);
    EXPECT_TRUE(r->decision.members[0].can_manage_products);
    EXPECT_EQ(r->decision.members[0].version, 2);
    EXPECT_EQ(r->decision.members[0].state, MemberState::Live);
    ASSERT_EQ(event_types(r->decision), std::vector<std::string>{"stage.updated"});
    EXPECT_TRUE(r->decision.events[0].member->can_manage_products);
    EXPECT_EQ(r->decision.events[0].topics, std::vector<std::string>{room_topic()});
}

TEST(SetPermissions, RevokesManageProducts) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice").can_manage_products = true;
    auto r = set_permissions(s, host_actor(), "alice", false, kNow);
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->member.can_manage_products);
    EXPECT_EQ(r->decision.events.size(), 1U);
}

TEST(SetPermissions, UnchangedValueReturnsMemberWithEmptyDecision) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice");
    auto r = set_permissions(s, host_actor(), "alice", false, kNow);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->decision.empty());
    EXPECT_EQ(r->member.user_id, "alice");
}

TEST(SetPermissions, AppBackendMaySetPermissions) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice");
    EXPECT_TRUE(set_permissions(s, Actor::backend(), "alice", true, kNow).has_value());
}

TEST(SetPermissions, Refusals) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice");
    EXPECT_EQ(errc(set_permissions(s, Actor::user("alice"), "alice", true, kNow)), Errc::NotHost);
    EXPECT_EQ(errc(set_permissions(s, host_actor(), kHost, false, kNow)), Errc::Forbidden);
    EXPECT_EQ(errc(set_permissions(s, host_actor(), "bob", true, kNow)), Errc::NotFound);
    s.room.status = RoomStatus::Ended;
    EXPECT_EQ(errc(set_permissions(s, host_actor(), "alice", true, kNow)), Errc::RoomEnded);
}

// ---- check_broadcast ------------------------------------------------------------------------

TEST(CheckBroadcast, HostAndCohostsOnStageMayBroadcast) {
    RoomState s = make_state(RoomStatus::Idle);
    add_cohost(s, "alice");
    auto host = check_broadcast(s, host_actor());
    ASSERT_TRUE(host.has_value());
    EXPECT_EQ(*host, &s.stage[0]);
    auto alice = check_broadcast(s, Actor::user("alice"));
    ASSERT_TRUE(alice.has_value());
    EXPECT_EQ((*alice)->user_id, "alice");
}

TEST(CheckBroadcast, OthersAreNotOnStage) {
    RoomState s = make_state(RoomStatus::Live);
    EXPECT_EQ(errc(check_broadcast(s, Actor::user("viewer"))), Errc::NotOnStage);
    EXPECT_EQ(errc(check_broadcast(s, Actor::backend())), Errc::NotOnStage);
}

TEST(CheckBroadcast, EndedRoomIsRoomEnded) {
    RoomState s = make_state(RoomStatus::Ended);
    EXPECT_EQ(errc(check_broadcast(s, host_actor())), Errc::RoomEnded);
}

TEST(CheckBroadcast, ReconnectingCohostKeepsItsSeat) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Reconnecting);
    EXPECT_TRUE(check_broadcast(s, Actor::user("alice")).has_value());
}

}  // namespace
}  // namespace cohost::server::rooms
