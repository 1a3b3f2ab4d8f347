// The reconciler: a round compares ListRooms/ListParticipants with the stage and repairs what
// dropped webhooks left behind, without undoing a webhook that raced with the list.
#include "unit/server/app/media_sync_fixture.hpp"

namespace cohost::server::app::testing {
namespace {

using rooms::MemberState;
using rooms::RoomStatus;

class MediaSyncReconcile : public MediaSyncFixture {
protected:
    /// A live room (host publishing camera) with co-host `bob` live (camera), both known to the
    /// fake media server.
    std::string live_room_with_bob() {
        const auto room = create_room();
        add_cohost(room, "bob");
        hook({"track_published", room, "host"});
        hook({"track_published", room, "bob"});
        fake_->media_rooms = {media_room(room)};
        fake_->participants[room] = {participant("host", {"CAMERA"}),
                                     participant("bob", {"CAMERA"})};
        return room;
    }
    /// Runs one round to completion.
    void round() {
        ASSERT_TRUE(sync_->reconcile_now());
        settle();
        EXPECT_FALSE(sync_->reconciling());
    }
};

TEST_F(MediaSyncReconcile, AgreementChangesNothing) {
    const auto room = live_room_with_bob();
    const auto from = published_.size();
    round();
    EXPECT_EQ(room_events(room, from), std::vector<std::string>{});
    EXPECT_EQ(fake_->count("ListRooms"), 1);
    EXPECT_EQ(fake_->count("ListParticipants", room), 1);
    EXPECT_EQ(fake_->count("RemoveParticipant"), 0);
    EXPECT_EQ(counter("cohost_reconciler_rounds_total", {{"result", "ok"}}), 1);
}

TEST_F(MediaSyncReconcile, RepairsAGhostLiveCohostWhoseLeftWebhookWasDropped) {
    const auto room = live_room_with_bob();
    fake_->participants[room] = {participant("host", {"CAMERA"})};  // bob is gone, no webhook
    round();
    EXPECT_EQ(member_state(room, "bob"), MemberState::Reconnecting);
    EXPECT_EQ(state(room).room.status, RoomStatus::Live);
    EXPECT_EQ(counter("cohost_reconciler_repairs_total", {{"kind", "ghost_left"}}), 1);
    // ... and the grace period then releases the seat with one RemoveParticipant.
    clock_.advance(rooms::Policy{}.cohost_grace + 1s);
    service_->run_timers(room);
    settle();
    EXPECT_FALSE(on_stage(room, "bob"));
    EXPECT_EQ(fake_->count("RemoveParticipant", room, "bob"), 1);
}

TEST_F(MediaSyncReconcile, RemovesAPublisherNotOnStageButNotHiddenViewers) {
    const auto room = live_room_with_bob();
    fake_->participants[room].push_back(participant("mallory", {}, true));
    fake_->participants[room].push_back(participant("trudy", {"CAMERA"}, false));
    fake_->participants[room].push_back(
        participant("viewer-alice-abcd1234", {}, false, /*hidden=*/true));
    round();
    EXPECT_EQ(fake_->count("RemoveParticipant", room, "mallory"), 1);
    EXPECT_EQ(fake_->count("RemoveParticipant", room, "trudy"), 1);
    EXPECT_EQ(fake_->count("RemoveParticipant", room, "viewer-alice-abcd1234"), 0);
    EXPECT_EQ(counter("cohost_reconciler_repairs_total", {{"kind", "uninvited"}}), 2);
    EXPECT_EQ(counter("cohost_livekit_uninvited_removed_total"), 2);
}

TEST_F(MediaSyncReconcile, ReconnectingMemberPresentAndActiveIsBroughtBack) {
    const auto room = live_room_with_bob();
    hook({"participant_left", room, "bob"});
    hook({"participant_left", room, "host"});
    ASSERT_EQ(state(room).room.status, RoomStatus::Reconnecting);
    ASSERT_EQ(member_state(room, "bob"), MemberState::Reconnecting);
    // Both came back (the joined/published webhooks were dropped); bob's mic is muted.
    auto bob = participant("bob", {"CAMERA", "MICROPHONE"});
    bob.tracks[1].muted = true;
    fake_->participants[room] = {participant("host", {"CAMERA", "MICROPHONE"}), bob};
    round();
    const auto s = state(room);
    EXPECT_EQ(s.room.status, RoomStatus::Live);
    EXPECT_EQ(s.member("host")->state, MemberState::Live);
    EXPECT_TRUE(s.member("host")->microphone_on);
    EXPECT_EQ(s.member("bob")->state, MemberState::Live);
    EXPECT_TRUE(s.member("bob")->camera_on);
    EXPECT_FALSE(s.member("bob")->microphone_on);
    EXPECT_EQ(counter("cohost_reconciler_repairs_total", {{"kind", "missed_join"}}), 1);
}

TEST_F(MediaSyncReconcile, ParticipantsStillJoiningAreNotGhosts) {
    const auto room = live_room_with_bob();
    hook({"participant_left", room, "bob"});
    fake_->participants[room] = {participant("host", {"CAMERA"}),
                                 participant("bob", {}, true, false, "JOINING")};
    round();
    EXPECT_EQ(member_state(room, "bob"), MemberState::Reconnecting);  // not ACTIVE yet: wait
    EXPECT_EQ(fake_->count("RemoveParticipant"), 0);
}

TEST_F(MediaSyncReconcile, StaleCameraFlagIsTurnedOff) {
    const auto room = live_room_with_bob();
    fake_->participants[room] = {participant("host", {"CAMERA"}),
                                 participant("bob", {"MICROPHONE"})};
    round();
    const auto s = state(room);
    EXPECT_FALSE(s.member("bob")->camera_on);  // its track_unpublished was lost
    EXPECT_TRUE(s.member("bob")->microphone_on);
    EXPECT_EQ(s.member("bob")->state, MemberState::Live);
}

TEST_F(MediaSyncReconcile, MissingMediaRoomWhileLiveIsAHostLoss) {
    const auto room = live_room_with_bob();
    fake_->media_rooms.clear();  // the room_finished webhook was dropped
    round();
    const auto s = state(room);
    EXPECT_EQ(s.room.status, RoomStatus::Reconnecting);
    EXPECT_EQ(s.member("bob")->state, MemberState::Reconnecting);
    EXPECT_EQ(counter("cohost_reconciler_repairs_total", {{"kind", "media_room_gone"}}), 1);
    EXPECT_EQ(fake_->count("ListParticipants"), 0);
}

TEST_F(MediaSyncReconcile, ListParticipantsNotFoundIsAMissingRoom) {
    const auto room = live_room_with_bob();
    fake_->participants.erase(room);  // listed by ListRooms, gone by ListParticipants
    round();
    EXPECT_EQ(state(room).room.status, RoomStatus::Reconnecting);
}

TEST_F(MediaSyncReconcile, DeletesMediaRoomsOfEndedRoomsButNotUnknownOnes) {
    const auto ended = create_room();
    service_->stop_room(rooms::Actor::user("host"), ended);
    settle();
    ASSERT_EQ(fake_->count("DeleteRoom", ended), 1);  // enforcement (which "failed" here)
    fake_->media_rooms = {media_room(ended), media_room("another-apps-room")};
    round();
    EXPECT_EQ(fake_->count("DeleteRoom", ended), 2);
    EXPECT_EQ(fake_->count("DeleteRoom", "another-apps-room"), 0);
    EXPECT_EQ(fake_->count("ListParticipants"), 0);
    EXPECT_EQ(counter("cohost_reconciler_repairs_total", {{"kind", "ended_room_deleted"}}), 1);
}

TEST_F(MediaSyncReconcile, StartRunsARoundAtOnceBeforeTheFirstInterval) {
    make_sync(true, std::chrono::hours(1));  // the first periodic round is an hour away
    EXPECT_EQ(fake_->count("ListRooms"), 0);
    sync_->start();
    EXPECT_EQ(fake_->count("ListRooms"), 1);  // webhooks missed while down are repaired now
    settle();
    EXPECT_FALSE(sync_->reconciling());
    sync_->stop();
}

TEST_F(MediaSyncReconcile, AWebhookAppliedAfterTheListWasIssuedWinsOverTheList) {
    const auto room = create_room();
    add_cohost(room, "bob");
    hook({"track_published", room, "host"});
    fake_->media_rooms = {media_room(room)};
    fake_->participants[room] = {participant("host", {"CAMERA"})};  // taken before bob publishes
    fake_->hold_participants = true;
    ASSERT_TRUE(sync_->reconcile_now());
    settle();  // ListRooms answered, ListParticipants issued and held
    ASSERT_EQ(fake_->held.size(), 1U);
    EXPECT_FALSE(sync_->reconcile_now());  // at most one round in flight
    hook({"track_published", room, "bob"});  // bob went live after the list was taken
    ASSERT_EQ(member_state(room, "bob"), MemberState::Live);
    fake_->release_held();
    settle();
    EXPECT_FALSE(sync_->reconciling());
    EXPECT_EQ(member_state(room, "bob"), MemberState::Live);  // not turned into a ghost
    EXPECT_EQ(counter("cohost_reconciler_repairs_total", {{"kind", "ghost_left"}}), 0);

    // Control: the same stale list with no webhook in between is acted upon.
    ASSERT_TRUE(sync_->reconcile_now());
    settle();
    fake_->release_held();
    settle();
    EXPECT_EQ(member_state(room, "bob"), MemberState::Reconnecting);
    EXPECT_EQ(counter("cohost_reconciler_repairs_total", {{"kind", "ghost_left"}}), 1);
}

TEST_F(MediaSyncReconcile, AFailedListRoomsEndsTheRoundWithoutChanges) {
    const auto room = live_room_with_bob();
    fake_->media_rooms.clear();  // would look like a lost room_finished...
    fake_->list_rooms_error = livekit::TwirpError{0, "unavailable", "connection refused"};
    round();                     // ...but an error is not an empty list
    EXPECT_EQ(state(room).room.status, RoomStatus::Live);
    EXPECT_EQ(counter("cohost_reconciler_rounds_total", {{"result", "failed"}}), 1);
    EXPECT_EQ(fake_->count("ListParticipants"), 0);
    fake_->list_rooms_error.reset();
    round();  // the next round runs normally
    EXPECT_EQ(state(room).room.status, RoomStatus::Reconnecting);
}

TEST_F(MediaSyncReconcile, StopDropsTheRoundAndLaterAnswersAreIgnored) {
    const auto room = live_room_with_bob();
    fake_->participants[room] = {};  // everyone looks gone
    fake_->hold_participants = true;
    ASSERT_TRUE(sync_->reconcile_now());
    settle();
    sync_->stop();
    fake_->release_held();
    settle();
    EXPECT_EQ(member_state(room, "bob"), MemberState::Live);
    EXPECT_FALSE(sync_->reconcile_now());
}

}  // namespace
}  // namespace cohost::server::app::testing
