// Transitions driven by media webhooks (product.md §2, §4, §6).
#include <gtest/gtest.h>

#include <functional>

#include "fixtures.hpp"

namespace cohost::server::rooms {
namespace {

using namespace test_support;

const TimePoint kNow = kT0 + 5min;

// ---- track published ------------------------------------------------------------------------

TEST(TrackPublished, HostFirstTrackMakesIdleRoomLive) {
    RoomState s = make_state(RoomStatus::Idle);
    Decision d = on_track_published(s, kHost, TrackSource::Camera, kNow);
    ASSERT_TRUE(d.room.has_value());
    EXPECT_EQ(d.room->status, RoomStatus::Live);
    EXPECT_EQ(d.room->live_at, kNow);
    EXPECT_EQ(d.room->version, s.room.version);
    ASSERT_EQ(d.members.size(), 1U);
    EXPECT_EQ(d.members[0].state, MemberState::Live);
    EXPECT_EQ(d.members[0].state_since, kNow);
    EXPECT_TRUE(d.members[0].camera_on);
    EXPECT_FALSE(d.members[0].microphone_on);
    EXPECT_EQ(event_types(d), (std::vector<std::string>{"room.live", "stage.live"}));
    for (const auto& e : d.events) {
        EXPECT_EQ(e.topics, std::vector<std::string>{room_topic()});
        EXPECT_EQ(e.room.status, RoomStatus::Live);
    }
    EXPECT_EQ(d.events[1].member->user_id, kHost);
    expect_events_at(d, kNow);
}

TEST(TrackPublished, HostSecondTrackOnlyTurnsMicrophoneOn) {
    RoomState s = make_state(RoomStatus::Live);
    s.stage[0].microphone_on = false;
    Decision d = on_track_published(s, kHost, TrackSource::Microphone, kNow);
    EXPECT_FALSE(d.room);
    ASSERT_EQ(d.members.size(), 1U);
    EXPECT_TRUE(d.members[0].microphone_on);
    EXPECT_EQ(d.members[0].state_since, s.stage[0].state_since);
    EXPECT_EQ(event_types(d), std::vector<std::string>{"stage.updated"});
}

TEST(TrackPublished, RepeatedTrackChangesNothing) {
    RoomState s = make_state(RoomStatus::Live);
    EXPECT_TRUE(on_track_published(s, kHost, TrackSource::Camera, kNow).empty());
}

TEST(TrackPublished, HostRepublishingEndsReconnectingAndKeepsFirstLiveAt) {
    RoomState s = make_state(RoomStatus::Reconnecting);
    Decision d = on_track_published(s, kHost, TrackSource::Microphone, kNow);
    ASSERT_TRUE(d.room.has_value());
    EXPECT_EQ(d.room->status, RoomStatus::Live);
    EXPECT_EQ(d.room->live_at, s.room.live_at);
    EXPECT_FALSE(d.room->reconnecting_since);
    EXPECT_EQ(event_types(d), (std::vector<std::string>{"room.live", "stage.live"}));
}

TEST(TrackPublished, OtherSourceMakesLiveWithoutTouchingCameraOrMic) {
    RoomState s = make_state(RoomStatus::Idle);
    Decision d = on_track_published(s, kHost, TrackSource::Other, kNow);
    ASSERT_TRUE(d.room.has_value());
    EXPECT_EQ(d.room->status, RoomStatus::Live);
    ASSERT_EQ(d.members.size(), 1U);
    EXPECT_FALSE(d.members[0].camera_on);
    EXPECT_FALSE(d.members[0].microphone_on);
}

TEST(TrackPublished, BackstageCohostGoesLive) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Backstage);
    Decision d = on_track_published(s, "alice", TrackSource::Camera, kNow);
    EXPECT_FALSE(d.room);
    ASSERT_EQ(d.members.size(), 1U);
    EXPECT_EQ(d.members[0].user_id, "alice");
    EXPECT_EQ(d.members[0].state, MemberState::Live);
    EXPECT_EQ(d.members[0].state_since, kNow);
    EXPECT_TRUE(d.members[0].camera_on);
    EXPECT_EQ(d.members[0].version, 2);
    ASSERT_EQ(event_types(d), std::vector<std::string>{"stage.live"});
    EXPECT_EQ(d.events[0].topics, std::vector<std::string>{room_topic()});
}

TEST(TrackPublished, CohostGoingLiveDoesNotMakeTheRoomLive) {
    RoomState s = make_state(RoomStatus::Idle);
    add_cohost(s, "alice", MemberState::Backstage);
    Decision d = on_track_published(s, "alice", TrackSource::Camera, kNow);
    EXPECT_FALSE(d.room);
    EXPECT_EQ(event_types(d), std::vector<std::string>{"stage.live"});
}

TEST(TrackPublished, ReconnectingCohostGoesLiveAgain) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Reconnecting);
    Decision d = on_track_published(s, "alice", TrackSource::Microphone, kNow);
    ASSERT_EQ(d.members.size(), 1U);
    EXPECT_EQ(d.members[0].state, MemberState::Live);
    EXPECT_TRUE(d.members[0].microphone_on);
    EXPECT_EQ(event_types(d), std::vector<std::string>{"stage.live"});
}

TEST(TrackPublished, LiveCohostAddingMicEmitsStageUpdated) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Live).microphone_on = false;
    Decision d = on_track_published(s, "alice", TrackSource::Microphone, kNow);
    ASSERT_EQ(d.members.size(), 1U);
    EXPECT_TRUE(d.members[0].microphone_on);
    EXPECT_EQ(event_types(d), std::vector<std::string>{"stage.updated"});
}

// ---- track unpublished ----------------------------------------------------------------------

TEST(TrackUnpublished, TurnsCameraOffAndKeepsTheStateLive) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Live);
    Decision d = on_track_unpublished(s, "alice", TrackSource::Camera, kNow);
    ASSERT_EQ(d.members.size(), 1U);
    EXPECT_FALSE(d.members[0].camera_on);
    EXPECT_TRUE(d.members[0].microphone_on);
    EXPECT_EQ(d.members[0].state, MemberState::Live);
    EXPECT_EQ(event_types(d), std::vector<std::string>{"stage.updated"});
}

TEST(TrackUnpublished, HostMuteDoesNotChangeTheRoom) {
    RoomState s = make_state(RoomStatus::Live);
    Decision d = on_track_unpublished(s, kHost, TrackSource::Microphone, kNow);
    EXPECT_FALSE(d.room);
    ASSERT_EQ(d.members.size(), 1U);
    EXPECT_FALSE(d.members[0].microphone_on);
}

TEST(TrackUnpublished, AlreadyOffOrOtherSourceChangesNothing) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Backstage);
    EXPECT_TRUE(on_track_unpublished(s, "alice", TrackSource::Camera, kNow).empty());
    EXPECT_TRUE(on_track_unpublished(s, kHost, TrackSource::Other, kNow).empty());
}

// ---- participant left -----------------------------------------------------------------------

TEST(ParticipantLeft, HostLossPutsALiveRoomIntoReconnecting) {
    RoomState s = make_state(RoomStatus::Live);
    Decision d = on_participant_left(s, kHost, kNow);
    ASSERT_TRUE(d.room.has_value());
    EXPECT_EQ(d.room->status, RoomStatus::Reconnecting);
    EXPECT_EQ(d.room->reconnecting_since, kNow);
    EXPECT_EQ(d.room->live_at, s.room.live_at);
    ASSERT_EQ(d.members.size(), 1U);
    EXPECT_EQ(d.members[0].state, MemberState::Reconnecting);
    EXPECT_EQ(d.members[0].state_since, kNow);
    EXPECT_FALSE(d.members[0].camera_on);
    EXPECT_FALSE(d.members[0].microphone_on);
    EXPECT_EQ(event_types(d),
              (std::vector<std::string>{"room.reconnecting", "stage.reconnecting"}));
    EXPECT_EQ(d.events[1].room.status, RoomStatus::Reconnecting);
}

TEST(ParticipantLeft, HostLeavingAnIdleRoomChangesNothing) {
    RoomState s = make_state(RoomStatus::Idle);
    EXPECT_TRUE(on_participant_left(s, kHost, kNow).empty());
}

TEST(ParticipantLeft, RepeatedHostLossChangesNothing) {
    RoomState s = make_state(RoomStatus::Reconnecting);
    EXPECT_TRUE(on_participant_left(s, kHost, kNow).empty());
}

TEST(ParticipantLeft, LiveCohostStartsItsGracePeriod) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Live);
    Decision d = on_participant_left(s, "alice", kNow);
    EXPECT_FALSE(d.room);
    ASSERT_EQ(d.members.size(), 1U);
    EXPECT_EQ(d.members[0].state, MemberState::Reconnecting);
    EXPECT_EQ(d.members[0].state_since, kNow);
    EXPECT_FALSE(d.members[0].camera_on);
    EXPECT_FALSE(d.members[0].microphone_on);
    EXPECT_EQ(event_types(d), std::vector<std::string>{"stage.reconnecting"});
    EXPECT_TRUE(d.removed_members.empty());
}

TEST(ParticipantLeft, BackstageCohostThatDisconnectsAlsoGetsGrace) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Backstage);
    Decision d = on_participant_left(s, "alice", kNow);
    ASSERT_EQ(d.members.size(), 1U);
    EXPECT_EQ(d.members[0].state, MemberState::Reconnecting);
}

TEST(ParticipantLeft, ReconnectingCohostLeavingAgainChangesNothing) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Reconnecting);
    EXPECT_TRUE(on_participant_left(s, "alice", kNow).empty());
}

// ---- participant joined ---------------------------------------------------------------------

TEST(ParticipantJoined, ReconnectingCohostReturnsBackstage) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Reconnecting);
    Decision d = on_participant_joined(s, "alice", kNow);
    ASSERT_EQ(d.members.size(), 1U);
    EXPECT_EQ(d.members[0].state, MemberState::Backstage);
    EXPECT_EQ(d.members[0].state_since, kNow);
    EXPECT_EQ(event_types(d), std::vector<std::string>{"stage.updated"});
}

TEST(ParticipantJoined, HostRejoinChangesNothingUntilItPublishes) {
    RoomState s = make_state(RoomStatus::Reconnecting);
    EXPECT_TRUE(on_participant_joined(s, kHost, kNow).empty());
    RoomState idle = make_state(RoomStatus::Idle);
    EXPECT_TRUE(on_participant_joined(idle, kHost, kNow).empty());
}

TEST(ParticipantJoined, BackstageOrLiveCohostChangesNothing) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Backstage);
    add_cohost(s, "bob", MemberState::Live);
    EXPECT_TRUE(on_participant_joined(s, "alice", kNow).empty());
    EXPECT_TRUE(on_participant_joined(s, "bob", kNow).empty());
}

TEST(ParticipantJoined, CohostDropAndReturnCycleEndsLive) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Live);
    Decision left = on_participant_left(s, "alice", kNow);
    s.stage[1] = left.members.at(0);
    Decision joined = on_participant_joined(s, "alice", kNow + 5s);
    s.stage[1] = joined.members.at(0);
    Decision published = on_track_published(s, "alice", TrackSource::Camera, kNow + 6s);
    ASSERT_EQ(published.members.size(), 1U);
    EXPECT_EQ(published.members[0].state, MemberState::Live);
    EXPECT_TRUE(published.members[0].camera_on);
}

// ---- ignored inputs -------------------------------------------------------------------------

struct IgnoredCase {
    std::string name;
    std::function<Decision(const RoomState&, const std::string&)> call;
};

class IgnoredMediaEvent : public ::testing::TestWithParam<IgnoredCase> {};

TEST_P(IgnoredMediaEvent, UnknownIdentityGivesEmptyDecision) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Reconnecting);
    EXPECT_TRUE(GetParam().call(s, "viewer-bob-123").empty());
    EXPECT_TRUE(GetParam().call(s, "").empty());
}

TEST_P(IgnoredMediaEvent, EndedRoomGivesEmptyDecision) {
    RoomState s = make_state(RoomStatus::Ended);
    s.stage[0].state = MemberState::Live;  // stale data must not revive an ended room
    s.stage[0].camera_on = true;
    EXPECT_TRUE(GetParam().call(s, kHost).empty());
}

INSTANTIATE_TEST_SUITE_P(
    AllWebhooks, IgnoredMediaEvent,
    ::testing::Values(IgnoredCase{"Joined",
                                  [](const RoomState& s, const std::string& id) {
                                      return on_participant_joined(s, id, kNow);
                                  }},
                      IgnoredCase{"Published",
                                  [](const RoomState& s, const std::string& id) {
                                      return on_track_published(s, id, TrackSource::Microphone,
                                                                kNow);
                                  }},
                      IgnoredCase{"Unpublished",
                                  [](const RoomState& s, const std::string& id) {
                                      return on_track_unpublished(s, id, TrackSource::Camera, kNow);
                                  }},
                      IgnoredCase{"Left",
                                  [](const RoomState& s, const std::string& id) {
                                      return on_participant_left(s, id, kNow);
                                  }}),
    [](const auto& param_info) { return param_info.param.name; });

// ---- media room finished --------------------------------------------------------------------

TEST(MediaRoomFinished, LiveRoomLosesHostAndPublishingCohosts) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Live);
    add_cohost(s, "bob", MemberState::Backstage);
    Decision d = on_media_room_finished(s, kNow);
    ASSERT_TRUE(d.room.has_value());
    EXPECT_EQ(d.room->status, RoomStatus::Reconnecting);
    EXPECT_EQ(d.room->reconnecting_since, kNow);
    EXPECT_EQ(event_types(d), (std::vector<std::string>{"room.reconnecting", "stage.reconnecting",
                                                        "stage.reconnecting"}));
    expect_each_entity_once(d);
    ASSERT_EQ(d.members.size(), 2U);
    EXPECT_EQ(d.members[0].user_id, kHost);
    EXPECT_EQ(d.members[1].user_id, "alice");
    EXPECT_EQ(d.members[1].state, MemberState::Reconnecting);
    EXPECT_EQ(find_member(d.members, "bob"), nullptr);
}

TEST(MediaRoomFinished, IdleRoomWithoutPublishersChangesNothing) {
    RoomState s = make_state(RoomStatus::Idle);
    add_cohost(s, "bob", MemberState::Backstage);
    EXPECT_TRUE(on_media_room_finished(s, kNow).empty());
}

TEST(MediaRoomFinished, ReconnectingRoomKeepsItsWindow) {
    RoomState s = make_state(RoomStatus::Reconnecting);
    EXPECT_TRUE(on_media_room_finished(s, kNow).empty());
}

TEST(MediaRoomFinished, EndedRoomChangesNothing) {
    RoomState s = make_state(RoomStatus::Ended);
    EXPECT_TRUE(on_media_room_finished(s, kNow).empty());
}

}  // namespace
}  // namespace cohost::server::rooms
