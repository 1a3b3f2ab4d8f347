// MediaSync, webhooks in and enforcement out: signed LiveKit webhooks drive the room and stage
// through RoomService, and committed decisions become exactly one RemoveParticipant/DeleteRoom.
#include <boost/beast/http/field.hpp>

#include "cohost/server/app/api.hpp"
#include "unit/server/app/media_sync_fixture.hpp"

namespace cohost::server::app::testing {
namespace {

using rooms::MemberState;
using rooms::RoomStatus;

class MediaSyncWebhooks : public MediaSyncFixture {};

TEST_F(MediaSyncWebhooks, HostTrackPublishedMakesTheRoomLive) {
    const auto room = create_room();
    const auto from = published_.size();
    EXPECT_EQ(hook({"participant_joined", room, "host"}).result, WebhookResult::Applied);
    EXPECT_EQ(state(room).room.status, RoomStatus::Idle);  // connected, not publishing yet
    EXPECT_EQ(hook({"track_published", room, "host", "CAMERA"}).result, WebhookResult::Applied);
    const auto s = state(room);
    EXPECT_EQ(s.room.status, RoomStatus::Live);
    EXPECT_TRUE(s.room.live_at.has_value());
    EXPECT_EQ(s.member("host")->state, MemberState::Live);
    EXPECT_TRUE(s.member("host")->camera_on);
    const auto types = room_events(room, from);
    EXPECT_NE(std::find(types.begin(), types.end(), "room.live"), types.end());
    EXPECT_NE(std::find(types.begin(), types.end(), "stage.live"), types.end());
    EXPECT_EQ(counter("cohost_livekit_webhooks_total",
                      {{"event", "track_published"}, {"result", "applied"}}),
              1);
    EXPECT_EQ(fake_->calls.size(), 0U);  // nothing to enforce
}

TEST_F(MediaSyncWebhooks, HostLeftReconnectsThenTheWindowEndsTheRoomHostLost) {
    const auto room = create_room();
    hook({"track_published", room, "host"});
    hook({"participant_left", room, "host"});
    EXPECT_EQ(state(room).room.status, RoomStatus::Reconnecting);
    EXPECT_EQ(member_state(room, "host"), MemberState::Reconnecting);

    clock_.advance(rooms::Policy{}.host_reconnect_window - 1s);
    service_->run_timers(room);
    settle();
    EXPECT_EQ(state(room).room.status, RoomStatus::Reconnecting);
    EXPECT_EQ(fake_->count("DeleteRoom"), 0);

    clock_.advance(2s);
    service_->run_timers(room);
    settle();
    const auto s = state(room);
    EXPECT_EQ(s.room.status, RoomStatus::Ended);
    EXPECT_EQ(s.room.end_reason, rooms::EndReason::HostLost);
    EXPECT_EQ(fake_->count("DeleteRoom", room), 1);
    EXPECT_EQ(fake_->count("RemoveParticipant"), 0);
}

TEST_F(MediaSyncWebhooks, HostReturningWithinTheWindowGoesLiveAgain) {
    const auto room = create_room();
    hook({"track_published", room, "host"});
    hook({"participant_left", room, "host"});
    hook({"participant_joined", room, "host"});
    EXPECT_EQ(state(room).room.status, RoomStatus::Reconnecting);
    hook({"track_published", room, "host", "MICROPHONE"});
    EXPECT_EQ(state(room).room.status, RoomStatus::Live);
    EXPECT_TRUE(state(room).member("host")->microphone_on);
}

TEST_F(MediaSyncWebhooks, CohostJoinsAndPublishesThenDropsAndIsReleasedAfterTheGrace) {
    const auto room = create_room();
    add_cohost(room, "bob");
    EXPECT_EQ(member_state(room, "bob"), MemberState::Backstage);
    hook({"participant_joined", room, "bob"});
    EXPECT_EQ(member_state(room, "bob"), MemberState::Backstage);
    hook({"track_published", room, "bob", "CAMERA"});
    EXPECT_EQ(member_state(room, "bob"), MemberState::Live);

    hook({"participant_left", room, "bob"});
    EXPECT_EQ(member_state(room, "bob"), MemberState::Reconnecting);
    EXPECT_EQ(fake_->count("RemoveParticipant"), 0);  // the seat is held

    const auto from = published_.size();
    clock_.advance(rooms::Policy{}.cohost_grace + 1s);
    service_->run_timers(room);
    settle();
    EXPECT_FALSE(on_stage(room, "bob"));
    EXPECT_EQ(room_events(room, from), std::vector<std::string>{"stage.left"});
    EXPECT_EQ(fake_->count("RemoveParticipant", room, "bob"), 1);
    EXPECT_EQ(fake_->calls.size(), 1U);
    // Its old media session publishing again is now an uninvited publisher.
    hook({"track_published", room, "bob"});
    EXPECT_EQ(fake_->count("RemoveParticipant", room, "bob"), 2);
    EXPECT_FALSE(on_stage(room, "bob"));
}

TEST_F(MediaSyncWebhooks, ParticipantConnectionAbortedCountsAsLeft) {
    const auto room = create_room();
    add_cohost(room, "bob");
    hook({"track_published", room, "bob"});
    hook({"participant_connection_aborted", room, "bob"});
    EXPECT_EQ(member_state(room, "bob"), MemberState::Reconnecting);
}

TEST_F(MediaSyncWebhooks, TrackUnpublishedTurnsTheSourceOff) {
    const auto room = create_room();
    hook({"track_published", room, "host", "CAMERA"});
    hook({"track_published", room, "host", "MICROPHONE"});
    hook({"track_unpublished", room, "host", "CAMERA"});
    const auto s = state(room);
    EXPECT_FALSE(s.member("host")->camera_on);
    EXPECT_TRUE(s.member("host")->microphone_on);
    EXPECT_EQ(s.room.status, RoomStatus::Live);
}

TEST_F(MediaSyncWebhooks, RoomFinishedWhileLiveIsAHostLoss) {
    const auto room = create_room();
    hook({"track_published", room, "host"});
    hook({"room_finished", room, ""});
    EXPECT_EQ(state(room).room.status, RoomStatus::Reconnecting);
}

TEST_F(MediaSyncWebhooks, RemoveLeaveAndStopEachEnforceExactlyOnce) {
    const auto room = create_room();
    add_cohost(room, "bob");
    add_cohost(room, "carol");
    add_cohost(room, "dave");
    hook({"track_published", room, "host"});
    hook({"track_published", room, "bob"});
    hook({"track_published", room, "carol"});

    service_->remove_member(rooms::Actor::user("host"), room, "bob");
    settle();
    EXPECT_EQ(fake_->count("RemoveParticipant", room, "bob"), 1);

    service_->leave_stage(rooms::Actor::user("carol"), room);
    settle();
    EXPECT_EQ(fake_->count("RemoveParticipant", room, "carol"), 1);
    EXPECT_EQ(fake_->count("RemoveParticipant"), 2);

    // Ending releases dave with reason room_ended: DeleteRoom disconnects him, no removal.
    service_->stop_room(rooms::Actor::user("host"), room);
    settle();
    EXPECT_EQ(fake_->count("DeleteRoom", room), 1);
    EXPECT_EQ(fake_->count("RemoveParticipant"), 2);
    EXPECT_EQ(fake_->calls.size(), 3U);
}

TEST_F(MediaSyncWebhooks, EnforcementFailuresAreCountedAndNotFoundIsSuccess) {
    const auto room = create_room();
    add_cohost(room, "bob");
    add_cohost(room, "carol");
    fake_->enforcement_error = livekit::TwirpError{404, "not_found", "participant not found"};
    service_->remove_member(rooms::Actor::user("host"), room, "bob");
    settle();
    EXPECT_EQ(counter("cohost_livekit_enforcement_failures_total",
                      {{"action", "remove_participant"}}),
              0);
    fake_->enforcement_error = livekit::TwirpError{0, "unavailable", "connection refused"};
    service_->remove_member(rooms::Actor::user("host"), room, "carol");
    settle();
    EXPECT_EQ(counter("cohost_livekit_enforcement_failures_total",
                      {{"action", "remove_participant"}}),
              1);
    EXPECT_EQ(fake_->count("RemoveParticipant"), 2);
}

TEST_F(MediaSyncWebhooks, UninvitedPublisherIsRemovedAndViewersAreLeftAlone) {
    const auto room = create_room();
    EXPECT_EQ(hook({"participant_joined", room, "mallory"}).result, WebhookResult::Applied);
    EXPECT_EQ(fake_->count("RemoveParticipant", room, "mallory"), 1);
    EXPECT_EQ(counter("cohost_livekit_uninvited_removed_total"), 1);

    Hook viewer{"participant_joined", room, "viewer-alice-abc12345"};
    viewer.can_publish = false;
    viewer.hidden = true;
    EXPECT_EQ(hook(viewer).result, WebhookResult::Ignored);
    viewer.event = "participant_left";
    EXPECT_EQ(hook(viewer).result, WebhookResult::Ignored);
    EXPECT_EQ(fake_->count("RemoveParticipant"), 1);
    EXPECT_EQ(counter("cohost_livekit_webhooks_ignored_total", {{"reason", "not_on_stage"}}), 2);

    // Publishing without being on stage, whatever the token said.
    Hook sneaky{"track_published", room, "eve"};
    sneaky.can_publish = false;
    EXPECT_EQ(hook(sneaky).result, WebhookResult::Applied);
    EXPECT_EQ(fake_->count("RemoveParticipant", room, "eve"), 1);
    EXPECT_EQ(counter("cohost_livekit_uninvited_removed_total"), 2);
    EXPECT_EQ(state(room).room.status, RoomStatus::Idle);
}

TEST_F(MediaSyncWebhooks, UnknownAndEndedRoomsAndOtherEventsAreIgnoredAndCounted) {
    EXPECT_EQ(hook({"track_published", "RM_nope", "host"}).result, WebhookResult::Ignored);
    const auto room = create_room();
    EXPECT_EQ(hook({"room_started", room, ""}).result, WebhookResult::Ignored);
    EXPECT_EQ(hook({"egress_started", room, ""}).result, WebhookResult::Ignored);
    service_->stop_room(rooms::Actor::user("host"), room);
    settle();
    EXPECT_EQ(hook({"track_published", room, "host"}).result, WebhookResult::Ignored);
    EXPECT_EQ(state(room).room.status, RoomStatus::Ended);
    EXPECT_EQ(counter("cohost_livekit_webhooks_ignored_total", {{"reason", "unknown_room"}}), 1);
    EXPECT_EQ(counter("cohost_livekit_webhooks_ignored_total", {{"reason", "room_ended"}}), 1);
    EXPECT_EQ(counter("cohost_livekit_webhooks_ignored_total", {{"reason", "event"}}), 2);
    EXPECT_EQ(fake_->count("RemoveParticipant"), 0);  // no removal in unknown/ended rooms
}

TEST_F(MediaSyncWebhooks, DuplicateEventIdsAreAppliedOnce) {
    const auto room = create_room();
    Hook published{"track_published", room, "host"};
    published.id = "EV_pub";
    const std::string body = body_of(published);
    const auto auth = livekit::sign_webhook(body, kKey, kSecret, clock_.now());
    EXPECT_EQ(sync_->receive_webhook("application/webhook+json", body, auth).result,
              WebhookResult::Applied);
    hook({"participant_left", room, "host"});
    ASSERT_EQ(state(room).room.status, RoomStatus::Reconnecting);
    const auto events_before = published_.size();
    // The sender retries the first event (same id): it must not bring the room back to live.
    EXPECT_EQ(sync_->receive_webhook("application/webhook+json", body, auth).result,
              WebhookResult::Duplicate);
    EXPECT_EQ(state(room).room.status, RoomStatus::Reconnecting);
    EXPECT_EQ(published_.size(), events_before);
    EXPECT_EQ(counter("cohost_livekit_webhooks_total",
                      {{"event", "track_published"}, {"result", "duplicate"}}),
              1);
}

TEST_F(MediaSyncWebhooks, TheDedupWindowIsBounded) {
    const auto room = create_room();
    Hook first{"track_published", room, "host"};
    first.id = "EV_first";
    const std::string body = body_of(first);
    const auto auth = livekit::sign_webhook(body, kKey, kSecret, clock_.now());
    ASSERT_EQ(sync_->receive_webhook("application/webhook+json", body, auth).result,
              WebhookResult::Applied);
    for (int i = 0; i < 100; ++i) hook({"room_started", room, ""});  // dedup_size = 100
    // Forgotten: applied again, harmlessly (transitions are idempotent).
    EXPECT_EQ(sync_->receive_webhook("application/webhook+json", body, auth).result,
              WebhookResult::Applied);
    EXPECT_EQ(state(room).room.status, RoomStatus::Live);
}

TEST_F(MediaSyncWebhooks, ForgedExpiredTamperedAndBearerWebhooksAreRefused) {
    const auto room = create_room();
    const auto events_before = published_.size();
    const std::string body = body_of({"track_published", room, "host"});
    const std::string ct = "application/webhook+json";
    const auto good = livekit::sign_webhook(body, kKey, kSecret, clock_.now());
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"wrong secret",
         livekit::sign_webhook(body, kKey, "another-secret-0123456789-abcdefghijklmn",
                               clock_.now())},
        {"wrong key", livekit::sign_webhook(body, "APIother", kSecret, clock_.now())},
        {"expired", livekit::sign_webhook(body, kKey, kSecret, clock_.now() - 10min)},
        {"tampered", livekit::sign_webhook(body_of({"track_published", room, "mallory"}), kKey,
                                           kSecret, clock_.now())},
        {"bearer", "Bearer " + good},
        {"missing", ""},
        {"garbage", "not-a-jwt"},
    };
    for (const auto& [name, auth] : cases) {
        const auto reply = sync_->receive_webhook(ct, body, auth);
        EXPECT_EQ(reply.result, WebhookResult::Unauthorized) << name;
        EXPECT_EQ(reply.event, "unknown") << name;
        EXPECT_EQ(reply.message.find(kSecret), std::string::npos) << name;
    }
    settle();
    EXPECT_EQ(state(room).room.status, RoomStatus::Idle);
    EXPECT_EQ(published_.size(), events_before);
    EXPECT_EQ(counter("cohost_livekit_webhooks_total",
                      {{"event", "unknown"}, {"result", "unauthorized"}}),
              double(cases.size()));
    // The genuine one still works afterwards (refusals are not remembered as seen).
    EXPECT_EQ(sync_->receive_webhook(ct, body, good).result, WebhookResult::Applied);
    EXPECT_EQ(state(room).room.status, RoomStatus::Live);
}

TEST_F(MediaSyncWebhooks, WrongContentTypeAndMalformedBodiesAreRefused) {
    const auto room = create_room();
    const std::string body = body_of({"track_published", room, "host"});
    const auto auth = livekit::sign_webhook(body, kKey, kSecret, clock_.now());
    EXPECT_EQ(sync_->receive_webhook("text/plain", body, auth).result, WebhookResult::Malformed);
    EXPECT_EQ(sync_->receive_webhook("application/json; charset=utf-8", body, auth).result,
              WebhookResult::Applied);
    const std::string bad = R"({"event": 5, "room": "x"})";
    EXPECT_EQ(sync_->receive_webhook("application/webhook+json", bad,
                                     livekit::sign_webhook(bad, kKey, kSecret, clock_.now()))
                  .result,
              WebhookResult::Malformed);
}

TEST_F(MediaSyncWebhooks, EmbeddedModeAppliesWebhooksWithoutCallingTheMediaServer) {
    make_sync(false);
    EXPECT_FALSE(sync_->has_client());
    EXPECT_FALSE(sync_->reconcile_now());
    const auto room = create_room();
    add_cohost(room, "bob");
    EXPECT_EQ(hook({"track_published", room, "host"}).result, WebhookResult::Applied);
    EXPECT_EQ(state(room).room.status, RoomStatus::Live);
    // Nobody to ask to remove an uninvited publisher: ignored (and counted), not "applied".
    EXPECT_EQ(hook({"participant_joined", room, "mallory"}).result, WebhookResult::Ignored);
    EXPECT_EQ(counter("cohost_livekit_uninvited_removed_total"), 0);
    service_->remove_member(rooms::Actor::user("host"), room, "bob");
    service_->stop_room(rooms::Actor::user("host"), room);
    settle();
    EXPECT_EQ(state(room).room.status, RoomStatus::Ended);
}

// ---- the HTTP edge ---------------------------------------------------------------------------

class MediaSyncHttp : public MediaSyncFixture {
protected:
    void SetUp() override {
        MediaSyncFixture::SetUp();
        auth_ = std::make_unique<Authenticator>(kKey, kSecret, clock_);
        ctx_ = std::make_unique<ApiContext>(ApiContext{*service_, *store_, *auth_, config_});
        ctx_->media = sync_.get();
        register_api_routes(router_, ctx_.get());
    }

    http::Response post(const std::string& body, const std::string& authorization,
                        const std::string& content_type = "application/webhook+json") {
        http::RawRequest raw{boost::beast::http::verb::post, "/v1/livekit/webhook", 11};
        raw.set(boost::beast::http::field::content_type, content_type);
        if (!authorization.empty()) raw.set(boost::beast::http::field::authorization, authorization);
        raw.body() = body;
        raw.prepare_payload();
        http::Request req;
        req.raw = &raw;
        req.path = "/v1/livekit/webhook";
        auto res = router_.dispatch(req);
        settle();
        return res;
    }
    static std::string error_code(const http::Response& r) {
        return std::string(json::parse(r.body).at("error").at("code").as_string());
    }

    Config config_;
    std::unique_ptr<Authenticator> auth_;
    std::unique_ptr<ApiContext> ctx_;
    http::Router router_;
};

TEST_F(MediaSyncHttp, AnswersEmptyObjectOnSuccessAnd401WithTheEnvelopeOtherwise) {
    const auto room = create_room();
    const std::string body = body_of({"track_published", room, "host"});
    const auto good = livekit::sign_webhook(body, kKey, kSecret, clock_.now());

    auto r = post(body, "Bearer " + good);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(error_code(r), "unauthenticated");
    EXPECT_EQ(state(room).room.status, RoomStatus::Idle);

    r = post(body, good, "text/plain");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(error_code(r), "invalid_argument");

    r = post(body, good);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "{}");
    EXPECT_EQ(state(room).room.status, RoomStatus::Live);

    r = post(body, good);  // a retry by the sender
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "{}");

    const std::string junk = "[1,2,3]";
    r = post(junk, livekit::sign_webhook(junk, kKey, kSecret, clock_.now()));
    EXPECT_EQ(r.status, 400);
}

TEST_F(MediaSyncHttp, WithoutMediaSyncTheRouteIsNotFound) {
    ctx_->media = nullptr;
    const auto r = post("{}", "x");
    EXPECT_EQ(r.status, 404);
}

}  // namespace
}  // namespace cohost::server::app::testing
