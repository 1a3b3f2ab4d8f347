// Co-host invitations (product.md §3): invite, accept, reject, cancel, visibility.
#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace cohost::server::rooms {
namespace {

using namespace test_support;

const TimePoint kNow = kT0 + 30s;
const Policy kPolicy{};
const User kAlice = make_user("alice");

Outcome<InvitationDecision> invite_alice(const RoomState& s, const Actor& a = host_actor(),
                                         std::optional<Duration> ttl = std::nullopt) {
    return invite(s, a, &kAlice, ttl, "IN_new", kPolicy, kNow);
}

// ---- invite ---------------------------------------------------------------------------------

TEST(Invite, CreatesPendingInvitationWithDefaultTtl) {
    RoomState s = make_state(RoomStatus::Live);
    auto r = invite_alice(s);
    ASSERT_TRUE(r.has_value());
    const Invitation& inv = r->invitation;
    EXPECT_EQ(inv.invitation_id, "IN_new");
    EXPECT_EQ(inv.room_id, kRoomId);
    EXPECT_EQ(inv.inviter_user_id, kHost);
    EXPECT_EQ(inv.invitee_user_id, "alice");
    EXPECT_EQ(inv.status, InvitationStatus::Pending);
    EXPECT_EQ(inv.created_at, kNow);
    EXPECT_EQ(inv.expires_at, kNow + 120s);
    EXPECT_FALSE(inv.responded_at);
    EXPECT_EQ(inv.version, 0);
    ASSERT_EQ(r->decision.invitations.size(), 1U);
    EXPECT_EQ(r->decision.invitations[0].invitation_id, "IN_new");
    EXPECT_FALSE(r->decision.room);
    EXPECT_TRUE(r->decision.members.empty());
}

TEST(Invite, EmitsInvitationCreatedToHostAndInviteeOnly) {
    RoomState s = make_state(RoomStatus::Live);
    auto r = invite_alice(s);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(event_types(r->decision), std::vector<std::string>{"invitation.created"});
    const DomainEvent& e = r->decision.events[0];
    EXPECT_EQ(e.topics, (std::vector<std::string>{"user:host", "user:alice"}));
    EXPECT_EQ(e.subject, DomainEvent::Subject::Invitation);
    ASSERT_TRUE(e.invitation.has_value());
    EXPECT_EQ(e.invitation->invitation_id, "IN_new");
    EXPECT_EQ(e.at, kNow);
}

TEST(Invite, AppBackendInvitesWithEmptyInviter) {
    RoomState s = make_state();
    auto r = invite_alice(s, Actor::backend());
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->invitation.inviter_user_id, "");
}

TEST(Invite, UsesRequestedTtl) {
    RoomState s = make_state();
    auto r = invite_alice(s, host_actor(), std::chrono::seconds(600));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->invitation.expires_at, kNow + 600s);
}

class InviteTtl : public ::testing::TestWithParam<std::pair<int, bool>> {};

TEST_P(InviteTtl, AcceptsTenToThreeThousandSixHundredSeconds) {
    RoomState s = make_state();
    auto r = invite_alice(s, host_actor(), std::chrono::seconds(GetParam().first));
    if (GetParam().second) {
        EXPECT_TRUE(r.has_value());
    } else {
        ASSERT_TRUE(r.has_error());
        EXPECT_EQ(r.error().code, Errc::InvalidArgument);
        EXPECT_EQ(r.error().details.at("field").as_string(), "expiresInSeconds");
    }
}

INSTANTIATE_TEST_SUITE_P(Bounds, InviteTtl,
                         ::testing::Values(std::pair{0, false}, std::pair{9, false},
                                           std::pair{10, true}, std::pair{3600, true},
                                           std::pair{3601, false}));

class InviteInStatus : public ::testing::TestWithParam<RoomStatus> {};

TEST_P(InviteInStatus, IsAllowedWhileIdleLiveOrReconnecting) {
    RoomState s = make_state(GetParam());
    EXPECT_TRUE(invite_alice(s).has_value());
}

INSTANTIATE_TEST_SUITE_P(Active, InviteInStatus,
                         ::testing::Values(RoomStatus::Idle, RoomStatus::Live,
                                           RoomStatus::Reconnecting));

TEST(Invite, RefusesCohostAndViewerWithNotHost) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "bob", MemberState::Live);
    EXPECT_EQ(errc(invite_alice(s, Actor::user("bob"))), Errc::NotHost);
    EXPECT_EQ(errc(invite_alice(s, Actor::user("viewer"))), Errc::NotHost);
}

TEST(Invite, RefusesInAnEndedRoom) {
    RoomState s = make_state(RoomStatus::Ended);
    EXPECT_EQ(errc(invite_alice(s)), Errc::RoomEnded);
}

TEST(Invite, ChecksNotHostBeforeRoomEnded) {
    RoomState s = make_state(RoomStatus::Ended);
    EXPECT_EQ(errc(invite_alice(s, Actor::user("viewer"))), Errc::NotHost);
}

TEST(Invite, RefusesHostInvitingItself) {
    RoomState s = make_state();
    User host = make_user(kHost);
    auto r = invite(s, host_actor(), &host, std::nullopt, "IN_x", kPolicy, kNow);
    EXPECT_EQ(errc(r), Errc::CannotInviteSelf);
}

TEST(Invite, RefusesAppBackendInvitingTheHost) {
    RoomState s = make_state();
    User host = make_user(kHost);
    auto r = invite(s, Actor::backend(), &host, std::nullopt, "IN_x", kPolicy, kNow);
    EXPECT_EQ(errc(r), Errc::CannotInviteSelf);
}

TEST(Invite, ChecksRoomEndedBeforeCannotInviteSelf) {
    RoomState s = make_state(RoomStatus::Ended);
    User host = make_user(kHost);
    auto r = invite(s, host_actor(), &host, std::nullopt, "IN_x", kPolicy, kNow);
    EXPECT_EQ(errc(r), Errc::RoomEnded);
}

TEST(Invite, RefusesUnknownUser) {
    RoomState s = make_state();
    auto r = invite(s, host_actor(), nullptr, std::nullopt, "IN_x", kPolicy, kNow);
    EXPECT_EQ(errc(r), Errc::UserNotFound);
}

TEST(Invite, RefusesUserAlreadyOnStage) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice");
    EXPECT_EQ(errc(invite_alice(s)), Errc::AlreadyOnStage);
}

TEST(Invite, RefusesSecondPendingInvitationAndNamesTheFirst) {
    RoomState s = make_state(RoomStatus::Live);
    add_pending(s, "IN_first", "alice");
    auto r = invite_alice(s);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code, Errc::AlreadyInvited);
    EXPECT_EQ(r.error().details.at("invitationId").as_string(), "IN_first");
}

TEST(Invite, ChecksAlreadyOnStageBeforeStageFull) {
    RoomState s = make_state(RoomStatus::Live, 1);
    add_cohost(s, "alice");
    EXPECT_EQ(errc(invite_alice(s)), Errc::AlreadyOnStage);
}

TEST(Invite, ChecksAlreadyInvitedBeforeStageFull) {
    RoomState s = make_state(RoomStatus::Live, 1);
    add_pending(s, "IN_first", "alice");
    EXPECT_EQ(errc(invite_alice(s)), Errc::AlreadyInvited);
}

TEST(Invite, RefusesWhenPendingPlusStageReachesMax) {
    RoomState s = make_state(RoomStatus::Live, 2);
    add_cohost(s, "bob");
    add_pending(s, "IN_c", "carol");
    auto r = invite_alice(s);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code, Errc::StageFull);
    EXPECT_EQ(r.error().details.at("maxCoHosts").as_int64(), 2);
}

TEST(Invite, DoesNotCountTheHostTowardsCapacity) {
    RoomState s = make_state(RoomStatus::Live, 1);
    EXPECT_TRUE(invite_alice(s).has_value());
}

TEST(Invite, AllowsTheLastSeat) {
    RoomState s = make_state(RoomStatus::Live, 3);
    add_cohost(s, "bob");
    add_pending(s, "IN_c", "carol");
    EXPECT_TRUE(invite_alice(s).has_value());
}

TEST(Invite, ExpiresAnOverduePendingInvitationOfTheSameInviteeInTheSameDecision) {
    RoomState s = make_state(RoomStatus::Live);
    add_pending(s, "IN_old", "alice", kT0, 10s);  // expired at kT0 + 10 s, timer not yet run
    auto r = invite_alice(s);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(event_types(r->decision),
              (std::vector<std::string>{"invitation.expired", "invitation.created"}));
    expect_each_entity_once(r->decision);
    const Invitation* old = find_invitation(r->decision.invitations, "IN_old");
    ASSERT_NE(old, nullptr);
    EXPECT_EQ(old->status, InvitationStatus::Expired);
    EXPECT_EQ(old->version, 1);
    EXPECT_EQ(r->invitation.invitation_id, "IN_new");
}

TEST(Invite, OverduePendingInvitationsDoNotTakeASeat) {
    RoomState s = make_state(RoomStatus::Live, 1);
    add_pending(s, "IN_old", "bob", kT0, 10s);
    auto r = invite_alice(s);
    ASSERT_TRUE(r.has_value());
    EXPECT_NE(find_invitation(r->decision.invitations, "IN_old"), nullptr);
}

TEST(Invite, ReinvitingAfterARejectionCreatesANewInvitation) {
    RoomState s = make_state(RoomStatus::Live);
    // A rejected invitation is no longer in the pending list the store loads.
    auto r = invite_alice(s);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->invitation.status, InvitationStatus::Pending);
}

// ---- accept ---------------------------------------------------------------------------------

struct AcceptFixture : ::testing::Test {
    RoomState s = make_state(RoomStatus::Live, 2);
    Invitation inv = add_pending(s, "IN_a", "alice");
    Actor alice = Actor::user("alice");
};

using Accept = AcceptFixture;

TEST_F(Accept, ApprovesAndPutsTheInviteeBackstage) {
    auto r = accept(s, inv, alice, kNow);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->invitation.status, InvitationStatus::Approved);
    EXPECT_EQ(r->invitation.responded_at, kNow);
    EXPECT_EQ(r->invitation.version, 1);
    ASSERT_EQ(r->decision.invitations.size(), 1U);
    EXPECT_EQ(r->decision.invitations[0].status, InvitationStatus::Approved);
    ASSERT_EQ(r->decision.members.size(), 1U);
    const StageMember& m = r->decision.members[0];
    EXPECT_EQ(m.user_id, "alice");
    EXPECT_EQ(m.room_id, kRoomId);
    EXPECT_EQ(m.role, MemberRole::Cohost);
    EXPECT_EQ(m.state, MemberState::Backstage);
    EXPECT_FALSE(m.can_manage_products);
    EXPECT_FALSE(m.camera_on);
    EXPECT_FALSE(m.microphone_on);
    EXPECT_EQ(m.joined_at, kNow);
    EXPECT_EQ(m.state_since, kNow);
    EXPECT_EQ(m.invitation_id, "IN_a");
    EXPECT_EQ(m.version, 0);
    EXPECT_FALSE(r->decision.room);
}

TEST_F(Accept, EmitsInvitationAcceptedThenStageJoined) {
    auto r = accept(s, inv, alice, kNow);
    ASSERT_TRUE(r.has_value());
    const Decision& d = r->decision;
    ASSERT_EQ(event_types(d), (std::vector<std::string>{"invitation.accepted", "stage.joined"}));
    EXPECT_EQ(d.events[0].topics, (std::vector<std::string>{"user:host", "user:alice"}));
    EXPECT_EQ(d.events[0].invitation->status, InvitationStatus::Approved);
    EXPECT_EQ(d.events[1].topics, std::vector<std::string>{room_topic()});
    EXPECT_EQ(d.events[1].subject, DomainEvent::Subject::Member);
    EXPECT_EQ(d.events[1].member->user_id, "alice");
    EXPECT_EQ(d.events[1].member->state, MemberState::Backstage);
    expect_events_at(d, kNow);
}

TEST_F(Accept, RefusesAnyoneButTheInviteeWithNotInvitee) {
    EXPECT_EQ(errc(accept(s, inv, host_actor(), kNow)), Errc::NotInvitee);
    EXPECT_EQ(errc(accept(s, inv, Actor::backend(), kNow)), Errc::NotInvitee);
    EXPECT_EQ(errc(accept(s, inv, Actor::user("bob"), kNow)), Errc::NotInvitee);
}

TEST_F(Accept, RepeatByTheInviteeReturnsTheInvitationWithoutChanges) {
    Invitation approved = inv;
    approved.status = InvitationStatus::Approved;
    approved.responded_at = kNow;
    auto r = accept(s, approved, alice, kNow + 5s);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->decision.empty());
    EXPECT_EQ(r->invitation.status, InvitationStatus::Approved);
    EXPECT_EQ(r->invitation.responded_at, kNow);
}

class AcceptNotPending : public ::testing::TestWithParam<InvitationStatus> {};

TEST_P(AcceptNotPending, RefusesWithTheCurrentStatus) {
    RoomState s = make_state(RoomStatus::Live);
    Invitation inv = make_invitation("IN_a", "alice");
    inv.status = GetParam();
    auto r = accept(s, inv, Actor::user("alice"), kNow);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code, Errc::InvitationNotPending);
    EXPECT_EQ(r.error().details.at("status").as_string(), to_string(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Statuses, AcceptNotPending,
                         ::testing::Values(InvitationStatus::Rejected, InvitationStatus::Cancelled,
                                           InvitationStatus::Expired),
                         [](const auto& param_info) {
                             return std::string(to_string(param_info.param));
                         });

TEST_F(Accept, TreatsAPendingInvitationPastExpiresAtAsExpired) {
    auto r = accept(s, inv, alice, inv.expires_at);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code, Errc::InvitationNotPending);
    EXPECT_EQ(r.error().details.at("status").as_string(), "expired");
}

TEST_F(Accept, SucceedsOneMillisecondBeforeExpiresAt) {
    EXPECT_TRUE(accept(s, inv, alice, inv.expires_at - 1ms).has_value());
}

TEST_F(Accept, RefusesWhenCohostsOnStageReachMax) {
    add_cohost(s, "bob");
    add_cohost(s, "carol", MemberState::Live);
    auto r = accept(s, inv, alice, kNow);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code, Errc::StageFull);
    EXPECT_EQ(r.error().details.at("maxCoHosts").as_int64(), 2);
}

TEST_F(Accept, DoesNotCountTheAcceptedInvitationTwice) {
    add_cohost(s, "bob");
    add_pending(s, "IN_c", "carol");  // other pending invitations do not block an accept
    EXPECT_TRUE(accept(s, inv, alice, kNow).has_value());
}

TEST_F(Accept, RefusesInAnEndedRoom) {
    s.room.status = RoomStatus::Ended;
    EXPECT_EQ(errc(accept(s, inv, alice, kNow)), Errc::RoomEnded);
}

TEST_F(Accept, RefusesAnInviteeAlreadyOnStage) {
    add_cohost(s, "alice");
    EXPECT_EQ(errc(accept(s, inv, alice, kNow)), Errc::AlreadyOnStage);
}

// ---- reject ---------------------------------------------------------------------------------

using Reject = AcceptFixture;

TEST_F(Reject, MarksRejectedAndEmitsToHostAndInvitee) {
    auto r = reject(s, inv, alice, kNow);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->invitation.status, InvitationStatus::Rejected);
    EXPECT_EQ(r->invitation.responded_at, kNow);
    ASSERT_EQ(r->decision.invitations.size(), 1U);
    EXPECT_TRUE(r->decision.members.empty());
    ASSERT_EQ(event_types(r->decision), std::vector<std::string>{"invitation.rejected"});
    EXPECT_EQ(r->decision.events[0].topics, (std::vector<std::string>{"user:host", "user:alice"}));
}

TEST_F(Reject, RefusesTheHostWithNotInvitee) {
    EXPECT_EQ(errc(reject(s, inv, host_actor(), kNow)), Errc::NotInvitee);
    EXPECT_EQ(errc(reject(s, inv, Actor::backend(), kNow)), Errc::NotInvitee);
}

TEST_F(Reject, RepeatIsIdempotent) {
    Invitation rejected = inv;
    rejected.status = InvitationStatus::Rejected;
    auto r = reject(s, rejected, alice, kNow);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->decision.empty());
    EXPECT_EQ(r->invitation.status, InvitationStatus::Rejected);
}

TEST_F(Reject, LosesToAnEarlierAccept) {
    Invitation approved = inv;
    approved.status = InvitationStatus::Approved;
    auto r = reject(s, approved, alice, kNow);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code, Errc::InvitationNotPending);
    EXPECT_EQ(r.error().details.at("status").as_string(), "approved");
}

TEST_F(Reject, RefusesAfterExpiresAt) {
    auto r = reject(s, inv, alice, inv.expires_at + 1s);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().details.at("status").as_string(), "expired");
}

TEST_F(Reject, RefusesInAnEndedRoom) {
    s.room.status = RoomStatus::Ended;
    EXPECT_EQ(errc(reject(s, inv, alice, kNow)), Errc::RoomEnded);
}

// ---- cancel ---------------------------------------------------------------------------------

using Cancel = AcceptFixture;

TEST_F(Cancel, HostWithdrawsAPendingInvitation) {
    auto r = cancel(s, inv, host_actor(), kNow);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->invitation.status, InvitationStatus::Cancelled);
    EXPECT_EQ(r->invitation.reason, "cancelled_by_host");
    EXPECT_EQ(r->invitation.responded_at, kNow);
    ASSERT_EQ(event_types(r->decision), std::vector<std::string>{"invitation.cancelled"});
    EXPECT_EQ(r->decision.events[0].topics, (std::vector<std::string>{"user:host", "user:alice"}));
    EXPECT_EQ(r->decision.events[0].invitation->reason, "cancelled_by_host");
}

TEST_F(Cancel, AppBackendMayCancel) {
    EXPECT_TRUE(cancel(s, inv, Actor::backend(), kNow).has_value());
}

TEST_F(Cancel, RefusesInviteeAndOthersWithNotHost) {
    EXPECT_EQ(errc(cancel(s, inv, alice, kNow)), Errc::NotHost);
    EXPECT_EQ(errc(cancel(s, inv, Actor::user("bob"), kNow)), Errc::NotHost);
}

TEST_F(Cancel, RepeatIsIdempotentIncludingARoomEndedCancellation) {
    Invitation cancelled = inv;
    cancelled.status = InvitationStatus::Cancelled;
    cancelled.reason = "room_ended";
    auto r = cancel(s, cancelled, host_actor(), kNow);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->decision.empty());
    EXPECT_EQ(r->invitation.reason, "room_ended");
}

TEST_F(Cancel, LosesToAnEarlierAcceptWithItsStatus) {
    Invitation approved = inv;
    approved.status = InvitationStatus::Approved;
    auto r = cancel(s, approved, host_actor(), kNow);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code, Errc::InvitationNotPending);
    EXPECT_EQ(r.error().details.at("status").as_string(), "approved");
}

TEST_F(Cancel, RefusesAfterExpiresAtAsExpired) {
    auto r = cancel(s, inv, host_actor(), inv.expires_at);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().details.at("status").as_string(), "expired");
}

TEST_F(Cancel, RefusesInAnEndedRoom) {
    s.room.status = RoomStatus::Ended;
    EXPECT_EQ(errc(cancel(s, inv, host_actor(), kNow)), Errc::RoomEnded);
}

TEST(InvitationTopics, AreDeduplicatedWhenInviteeIsTheHost) {
    // Not reachable through invite(); guards the topic rule for data from elsewhere.
    RoomState s = make_state();
    Invitation inv = add_pending(s, "IN_h", kHost);
    auto r = cancel(s, inv, host_actor(), kNow);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->decision.events[0].topics, std::vector<std::string>{"user:host"});
}

// ---- visibility -----------------------------------------------------------------------------

TEST(CanViewInvitation, HostInviteeAndAppBackendSeeItOthersDoNot) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "bob");
    Invitation inv = add_pending(s, "IN_a", "alice");
    EXPECT_TRUE(can_view_invitation(s, inv, host_actor()));
    EXPECT_TRUE(can_view_invitation(s, inv, Actor::user("alice")));
    EXPECT_TRUE(can_view_invitation(s, inv, Actor::backend()));
    EXPECT_FALSE(can_view_invitation(s, inv, Actor::user("bob")));
    EXPECT_FALSE(can_view_invitation(s, inv, Actor::user("viewer")));
    EXPECT_FALSE(can_view_invitation(s, inv, Actor::user("")));
}

// ---- one winner ------------------------------------------------------------------------------

TEST(InvitationRace, OnlyPendingMovesSoTheSecondAnswerLoses) {
    RoomState s = make_state(RoomStatus::Live);
    Invitation inv = add_pending(s, "IN_a", "alice");
    auto accepted = accept(s, inv, Actor::user("alice"), kNow);
    ASSERT_TRUE(accepted.has_value());
    // The host's cancel is re-evaluated against the stored (approved) invitation.
    auto cancelled = cancel(s, accepted->invitation, host_actor(), kNow);
    ASSERT_TRUE(cancelled.has_error());
    EXPECT_EQ(cancelled.error().details.at("status").as_string(), "approved");
    auto rejected = reject(s, accepted->invitation, Actor::user("alice"), kNow);
    EXPECT_EQ(errc(rejected), Errc::InvitationNotPending);
}

}  // namespace
}  // namespace cohost::server::rooms
