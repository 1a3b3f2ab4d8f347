// Deadlines and the timer (product.md §2–§4, §10 "Timers fire on time").
#include <gtest/gtest.h>

#include <functional>

#include "fixtures.hpp"

namespace cohost::server::rooms {
namespace {

using namespace test_support;

const Policy kPolicy{};

// ---- next_deadline --------------------------------------------------------------------------

TEST(NextDeadline, IdleRoomExpiresADayAfterCreation) {
    RoomState s = make_state(RoomStatus::Idle);
    EXPECT_EQ(next_deadline(s, kPolicy), kT0 + 24h);
}

TEST(NextDeadline, LiveRoomEndsFourHoursAfterLiveAt) {
    RoomState s = make_state(RoomStatus::Live);
    EXPECT_EQ(next_deadline(s, kPolicy), *s.room.live_at + 4h);
}

TEST(NextDeadline, ReconnectingRoomUsesTheReconnectWindow) {
    RoomState s = make_state(RoomStatus::Reconnecting);
    EXPECT_EQ(next_deadline(s, kPolicy), *s.room.reconnecting_since + 180s);
}

TEST(NextDeadline, EndedRoomHasNone) {
    RoomState s = make_state(RoomStatus::Ended);
    add_pending(s, "IN_a", "alice");  // stale data must not schedule anything
    EXPECT_FALSE(next_deadline(s, kPolicy));
}

TEST(NextDeadline, PendingInvitationExpiryComesFirst) {
    RoomState s = make_state(RoomStatus::Live);
    add_pending(s, "IN_a", "alice", kT0 + 5s, 120s);
    add_pending(s, "IN_b", "bob", kT0 + 1s, 60s);
    EXPECT_EQ(next_deadline(s, kPolicy), kT0 + 61s);
}

TEST(NextDeadline, BackstageCohostTimesOutAfterBackstageTimeout) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Backstage, kT0 + 20s);
    EXPECT_EQ(next_deadline(s, kPolicy), kT0 + 320s);
}

TEST(NextDeadline, ReconnectingCohostIsReleasedAfterGrace) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Backstage, kT0 + 20s);
    add_cohost(s, "bob", MemberState::Reconnecting, kT0 + 100s);
    EXPECT_EQ(next_deadline(s, kPolicy), kT0 + 130s);
}

TEST(NextDeadline, LiveCohostHasNoDeadline) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Live, kT0 + 20s);
    EXPECT_EQ(next_deadline(s, kPolicy), *s.room.live_at + 4h);
}

TEST(NextDeadline, FollowsThePolicy) {
    Policy p;
    p.idle_expiry = std::chrono::minutes(5);
    RoomState s = make_state(RoomStatus::Idle);
    EXPECT_EQ(next_deadline(s, p), kT0 + 5min);
}

// ---- on_timer: single deadlines -------------------------------------------------------------

TEST(OnTimer, NothingDueGivesEmptyDecision) {
    RoomState s = make_state(RoomStatus::Live);
    add_pending(s, "IN_a", "alice");
    add_cohost(s, "bob", MemberState::Backstage);
    auto next = next_deadline(s, kPolicy);
    ASSERT_TRUE(next);
    EXPECT_TRUE(on_timer(s, kPolicy, *next - 1ms).empty());
}

TEST(OnTimer, ExpiresAnInvitationAtExpiresAt) {
    RoomState s = make_state(RoomStatus::Live);
    const Invitation& inv = add_pending(s, "IN_a", "alice");
    const TimePoint at = inv.expires_at;
    Decision d = on_timer(s, kPolicy, at);
    ASSERT_EQ(d.invitations.size(), 1U);
    EXPECT_EQ(d.invitations[0].status, InvitationStatus::Expired);
    EXPECT_EQ(d.invitations[0].responded_at, at);
    EXPECT_EQ(d.invitations[0].version, 1);
    EXPECT_FALSE(d.room);
    ASSERT_EQ(event_types(d), std::vector<std::string>{"invitation.expired"});
    EXPECT_EQ(d.events[0].topics, (std::vector<std::string>{"user:host", "user:alice"}));
    EXPECT_EQ(d.events[0].invitation->status, InvitationStatus::Expired);
    expect_events_at(d, at);
}

TEST(OnTimer, ReleasesABackstageCohostWithBackstageTimeout) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Backstage, kT0 + 20s);
    Decision d = on_timer(s, kPolicy, kT0 + 320s);
    ASSERT_EQ(d.removed_members.size(), 1U);
    EXPECT_EQ(d.removed_members[0].user_id, "alice");
    ASSERT_EQ(event_types(d), std::vector<std::string>{"stage.left"});
    EXPECT_EQ(d.events[0].reason, "backstage_timeout");
    EXPECT_EQ(d.events[0].topics, std::vector<std::string>{room_topic()});
}

TEST(OnTimer, ReleasesAReconnectingCohostWithConnectionLost) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Reconnecting, kT0 + 100s);
    Decision d = on_timer(s, kPolicy, kT0 + 130s);
    ASSERT_EQ(d.removed_members.size(), 1U);
    EXPECT_EQ(d.events.at(0).reason, "connection_lost");
    EXPECT_FALSE(d.room);
}

TEST(OnTimer, LiveCohostIsNeverTimedOut) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Live, kT0 + 20s);
    EXPECT_TRUE(on_timer(s, kPolicy, kT0 + 3h).empty());
}

struct RoomEndCase {
    std::string name;
    RoomStatus status;
    std::function<TimePoint(const RoomState&)> due;
    EndReason reason;
};

class OnTimerEndsRoom : public ::testing::TestWithParam<RoomEndCase> {};

TEST_P(OnTimerEndsRoom, WithTheDeadlinesReason) {
    RoomState s = make_state(GetParam().status);
    const TimePoint due = GetParam().due(s);
    EXPECT_EQ(next_deadline(s, kPolicy), due);
    EXPECT_TRUE(on_timer(s, kPolicy, due - 1ms).empty());
    Decision d = on_timer(s, kPolicy, due);
    ASSERT_TRUE(d.room.has_value());
    EXPECT_EQ(d.room->status, RoomStatus::Ended);
    EXPECT_EQ(d.room->end_reason, GetParam().reason);
    EXPECT_EQ(d.room->ended_at, due);
    EXPECT_FALSE(d.room->reconnecting_since);
    EXPECT_EQ(event_types(d).back(), "room.ended");
}

INSTANTIATE_TEST_SUITE_P(
    Deadlines, OnTimerEndsRoom,
    ::testing::Values(
        RoomEndCase{"IdleExpiry", RoomStatus::Idle,
                    [](const RoomState& s) { return s.room.created_at + 24h; }, EndReason::Expired},
        RoomEndCase{"MaxDurationFromLiveAt", RoomStatus::Live,
                    [](const RoomState& s) { return *s.room.live_at + 4h; },
                    EndReason::MaxDuration},
        RoomEndCase{"HostReconnectWindow", RoomStatus::Reconnecting,
                    [](const RoomState& s) { return *s.room.reconnecting_since + 180s; },
                    EndReason::HostLost}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(OnTimer, LiveRoomNeverIdleExpires) {
    RoomState s = make_state(RoomStatus::Live);
    s.room.live_at = kT0 + 23h;
    EXPECT_TRUE(on_timer(s, kPolicy, kT0 + 24h + 1s).empty());
    EXPECT_EQ(next_deadline(s, kPolicy), kT0 + 27h);
}

TEST(OnTimer, MaxDurationAlsoAppliesWhileReconnecting) {
    RoomState s = make_state(RoomStatus::Reconnecting);
    s.room.reconnecting_since = *s.room.live_at + 4h - 10s;
    Decision d = on_timer(s, kPolicy, *s.room.live_at + 4h);
    ASSERT_TRUE(d.room.has_value());
    EXPECT_EQ(d.room->end_reason, EndReason::MaxDuration);
}

TEST(OnTimer, EndedRoomDoesNothing) {
    RoomState s = make_state(RoomStatus::Ended);
    add_pending(s, "IN_a", "alice");
    EXPECT_TRUE(on_timer(s, kPolicy, kT0 + 48h).empty());
}

// ---- on_timer: several deadlines at once ---------------------------------------------------

TEST(OnTimer, HandlesEveryDueItemInDeadlineOrder) {
    RoomState s = make_state(RoomStatus::Live);
    add_pending(s, "IN_late", "carol", kT0 + 60s, 120s);            // due kT0 + 180 s
    add_pending(s, "IN_early", "dave", kT0 + 10s, 60s);             // due kT0 + 70 s
    add_cohost(s, "alice", MemberState::Reconnecting, kT0 + 100s);  // due kT0 + 130 s
    add_cohost(s, "bob", MemberState::Live);
    Decision d = on_timer(s, kPolicy, kT0 + 200s);
    EXPECT_EQ(event_types(d),
              (std::vector<std::string>{"invitation.expired", "stage.left", "invitation.expired"}));
    EXPECT_EQ(d.events[0].invitation->invitation_id, "IN_early");
    EXPECT_EQ(d.events[1].member->user_id, "alice");
    EXPECT_EQ(d.events[2].invitation->invitation_id, "IN_late");
    expect_each_entity_once(d);
    expect_events_at(d, kT0 + 200s);
    EXPECT_EQ(find_member(d.removed_members, "bob"), nullptr);
}

TEST(OnTimer, RoomEndingAfterOtherDeadlinesWritesEachEntityOnce) {
    RoomState s = make_state(RoomStatus::Reconnecting);           // window ends at kT0 + 190 s
    add_pending(s, "IN_a", "alice", kT0 + 5s, 60s);               // expired at kT0 + 65 s
    add_pending(s, "IN_b", "bob", kT0 + 100s, 600s);              // still pending at the end
    add_cohost(s, "carol", MemberState::Backstage, kT0 + 20s);    // due kT0 + 320 s: goes with room
    add_cohost(s, "dave", MemberState::Reconnecting, kT0 + 50s);  // due kT0 + 80 s
    Decision d = on_timer(s, kPolicy, kT0 + 190s);
    expect_each_entity_once(d);
    EXPECT_EQ(event_types(d),
              (std::vector<std::string>{"invitation.expired", "stage.left", "invitation.cancelled",
                                        "stage.left", "room.ended"}));
    EXPECT_EQ(find_invitation(d.invitations, "IN_a")->status, InvitationStatus::Expired);
    EXPECT_EQ(find_invitation(d.invitations, "IN_b")->status, InvitationStatus::Cancelled);
    EXPECT_EQ(find_invitation(d.invitations, "IN_b")->reason, "room_ended");
    EXPECT_EQ(d.events[1].reason, "connection_lost");
    EXPECT_EQ(d.events[3].reason, "room_ended");
    EXPECT_EQ(d.events[3].member->user_id, "carol");
    EXPECT_EQ(d.room->end_reason, EndReason::HostLost);
}

TEST(OnTimer, LateTimerAttributesItemsDueAfterTheRoomEndToTheRoomEnding) {
    // The timer runs long after the room's window closed (e.g. after a restart). An invitation
    // that would have expired after the room ended is cancelled with the room, not expired.
    RoomState s = make_state(RoomStatus::Reconnecting);  // window ends at kT0 + 190 s
    add_pending(s, "IN_a", "alice", kT0 + 100s, 120s);   // due kT0 + 220 s
    Decision d = on_timer(s, kPolicy, kT0 + 1h);
    ASSERT_EQ(d.invitations.size(), 1U);
    EXPECT_EQ(d.invitations[0].status, InvitationStatus::Cancelled);
    EXPECT_EQ(d.invitations[0].reason, "room_ended");
    EXPECT_EQ(d.room->end_reason, EndReason::HostLost);
    EXPECT_EQ(d.room->ended_at, kT0 + 1h);
}

TEST(OnTimer, EarliestRoomDeadlineWinsWhenSeveralPassed) {
    RoomState s = make_state(RoomStatus::Reconnecting);
    s.room.reconnecting_since = *s.room.live_at + 1h;  // window closes long before max duration
    Decision d = on_timer(s, kPolicy, *s.room.live_at + 5h);
    EXPECT_EQ(d.room->end_reason, EndReason::HostLost);
}

// Applies a Decision to the state the way the store would (upserts, deletes, pending list).
void apply(RoomState& s, const Decision& d) {
    if (d.room) {
        s.room = *d.room;
    }
    for (const auto& inv : d.invitations) {
        std::erase_if(s.pending,
                      [&](const auto& x) { return x.invitation_id == inv.invitation_id; });
        if (inv.status == InvitationStatus::Pending) {
            s.pending.push_back(inv);
        }
    }
    for (const auto& m : d.members) {
        if (StageMember* existing = s.member(m.user_id)) {
            *existing = m;
        } else {
            s.stage.push_back(m);
        }
    }
    for (const auto& m : d.removed_members) {
        std::erase_if(s.stage, [&](const auto& x) { return x.user_id == m.user_id; });
    }
}

// ---- timers stay consistent with next_deadline ----------------------------------------------

struct ScenarioCase {
    std::string name;
    std::function<RoomState()> build;
};

class TimerAtNextDeadline : public ::testing::TestWithParam<ScenarioCase> {};

TEST_P(TimerAtNextDeadline, HasWorkToDoAndMovesTheDeadlineForward) {
    RoomState s = GetParam().build();
    auto first = next_deadline(s, kPolicy);
    ASSERT_TRUE(first);
    Decision d = on_timer(s, kPolicy, *first);
    EXPECT_FALSE(d.empty());
    expect_each_entity_once(d);
    apply(s, d);
    auto second = next_deadline(s, kPolicy);
    if (second) {
        EXPECT_GT(*second, *first);
    }
    EXPECT_TRUE(on_timer(s, kPolicy, *first).empty());
}

INSTANTIATE_TEST_SUITE_P(
    Scenarios, TimerAtNextDeadline,
    ::testing::Values(ScenarioCase{"Idle", [] { return make_state(RoomStatus::Idle); }},
                      ScenarioCase{"Live", [] { return make_state(RoomStatus::Live); }},
                      ScenarioCase{"Reconnecting",
                                   [] { return make_state(RoomStatus::Reconnecting); }},
                      ScenarioCase{"Invitation",
                                   [] {
                                       RoomState s = make_state(RoomStatus::Live);
                                       add_pending(s, "IN_a", "alice");
                                       return s;
                                   }},
                      ScenarioCase{"Backstage",
                                   [] {
                                       RoomState s = make_state(RoomStatus::Live);
                                       add_cohost(s, "alice", MemberState::Backstage);
                                       return s;
                                   }},
                      ScenarioCase{"Grace",
                                   [] {
                                       RoomState s = make_state(RoomStatus::Idle);
                                       add_cohost(s, "alice", MemberState::Reconnecting);
                                       return s;
                                   }}),
    [](const auto& param_info) { return param_info.param.name; });

// ---- a lifecycle driven by a ManualClock ----------------------------------------------------

TEST(TimerLifecycle, InviteAcceptIdleBackstageAndExpireDrivenByAManualClock) {
    core::ManualClock clock(kT0);
    auto created =
        create_room(CreateRoomParams{"Show", "", "", "{}", 4}, kRoomId, kHost, clock.now());
    ASSERT_TRUE(created.has_value());
    RoomState s;
    apply(s, *created);

    clock.advance(10s);
    User alice = make_user("alice");
    User bob = make_user("bob");
    auto inv_a = invite(s, host_actor(), &alice, std::nullopt, "IN_a", kPolicy, clock.now());
    ASSERT_TRUE(inv_a.has_value());
    apply(s, inv_a->decision);
    auto inv_b = invite(s, host_actor(), &bob, 30s, "IN_b", kPolicy, clock.now());
    ASSERT_TRUE(inv_b.has_value());
    apply(s, inv_b->decision);
    EXPECT_EQ(next_deadline(s, kPolicy), clock.now() + 30s);

    clock.advance(20s);
    auto accepted = accept(s, inv_a->invitation, Actor::user("alice"), clock.now());
    ASSERT_TRUE(accepted.has_value());
    apply(s, accepted->decision);
    EXPECT_EQ(s.member("alice")->state, MemberState::Backstage);

    clock.advance(10s);  // bob's invitation is due
    Decision expired = on_timer(s, kPolicy, clock.now());
    EXPECT_EQ(event_types(expired), std::vector<std::string>{"invitation.expired"});
    apply(s, expired);
    EXPECT_TRUE(s.pending.empty());
    EXPECT_EQ(next_deadline(s, kPolicy), clock.now() - 10s + 300s);  // alice's backstage timeout

    clock.set(*next_deadline(s, kPolicy));
    Decision released = on_timer(s, kPolicy, clock.now());
    ASSERT_EQ(event_types(released), std::vector<std::string>{"stage.left"});
    EXPECT_EQ(released.events[0].reason, "backstage_timeout");
    apply(s, released);
    EXPECT_EQ(s.cohosts_on_stage(), 0);

    clock.set(s.room.created_at + 24h);
    Decision ended = on_timer(s, kPolicy, clock.now());
    ASSERT_TRUE(ended.room.has_value());
    EXPECT_EQ(ended.room->end_reason, EndReason::Expired);
    apply(s, ended);
    EXPECT_FALSE(next_deadline(s, kPolicy));
}

TEST(TimerLifecycle, HostDropsAndNeverComesBackSoTheRoomEndsHostLost) {
    core::ManualClock clock(kT0);
    RoomState s = make_state(RoomStatus::Idle);
    add_cohost(s, "alice", MemberState::Backstage, kT0);

    clock.advance(1min);
    apply(s, on_track_published(s, kHost, TrackSource::Camera, clock.now()));
    apply(s, on_track_published(s, "alice", TrackSource::Camera, clock.now()));
    ASSERT_EQ(s.room.status, RoomStatus::Live);

    clock.advance(1min);
    apply(s, on_participant_left(s, kHost, clock.now()));
    ASSERT_EQ(s.room.status, RoomStatus::Reconnecting);
    EXPECT_EQ(next_deadline(s, kPolicy), clock.now() + 180s);

    clock.advance(180s);
    Decision d = on_timer(s, kPolicy, clock.now());
    EXPECT_EQ(event_types(d), (std::vector<std::string>{"stage.left", "room.ended"}));
    EXPECT_EQ(d.events[0].reason, "room_ended");
    EXPECT_EQ(d.room->end_reason, EndReason::HostLost);
    const StageMember* host = find_member(d.members, kHost);
    ASSERT_NE(host, nullptr);
    EXPECT_EQ(host->state, MemberState::Offline);
}

}  // namespace
}  // namespace cohost::server::rooms
