// Twirp client behaviour: error decoding, retries and their limits, timeouts, cancellation on
// destruction, and the observer (room_service_client.hpp).
#include <gtest/gtest.h>

#include "unit/server/livekit/twirp_test_util.hpp"

namespace cohost::server::livekit::testing {
namespace {

class TwirpBehaviour : public ::testing::Test {
protected:
    std::unique_ptr<RoomServiceClient> make(std::function<void(ClientOptions&)> tweak = {}) {
        ClientOptions o = options_for(server.url(), observed);
        if (tweak) tweak(o);
        return make_twirp_client(ioc, std::move(o));
    }

    net::io_context ioc;
    FakeTwirpServer server{ioc};
    std::vector<Observed> observed;
};

TEST_F(TwirpBehaviour, DecodesTwirpJsonErrorWithoutRetrying) {
    server.push({404, "application/json", R"({"code":"not_found","msg":"room not found"})"});
    auto client = make();
    Captured<Empty> cap;
    client->remove_participant("r", "u", cap.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return cap.calls == 1; }));
    ASSERT_FALSE(cap.ok());
    EXPECT_EQ(cap.error().http_status, 404);
    EXPECT_EQ(cap.error().code, "not_found");
    EXPECT_EQ(cap.error().msg, "room not found");
    EXPECT_TRUE(cap.error().not_found());
    EXPECT_EQ(server.requests().size(), 1u);
    ASSERT_EQ(observed.size(), 1u);
    EXPECT_EQ(observed[0].method, "RemoveParticipant");
    EXPECT_EQ(observed[0].outcome, "not_found");
}

TEST_F(TwirpBehaviour, JsonMediaTypeWithParametersIsStillTwirp) {
    server.push({401, "Application/JSON; charset=utf-8",
                 R"({"code":"unauthenticated","msg":"no grant","meta":{"a":"b"}})"});
    auto client = make();
    Captured<Empty> cap;
    client->delete_room("r", cap.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return cap.calls == 1; }));
    EXPECT_EQ(cap.error().code, "unauthenticated");
    EXPECT_EQ(cap.error().msg, "no grant");
    EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(TwirpBehaviour, NonTwirpErrorBodyBecomesTheMessage) {
    server.set_fallback({500, "text/plain", "boom"});
    auto client = make();
    Captured<Empty> cap;
    client->delete_room("r", cap.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return cap.calls == 1; }));
    EXPECT_EQ(cap.error().http_status, 500);
    EXPECT_EQ(cap.error().code, "internal");
    EXPECT_EQ(cap.error().msg, "boom");
    EXPECT_EQ(server.requests().size(), 3u);  // 5xx is retried, max_attempts = 3
    ASSERT_EQ(observed.size(), 1u);
    EXPECT_EQ(observed[0].outcome, "internal");
}

TEST_F(TwirpBehaviour, JsonWithoutCodeFallsBackToStatus) {
    server.push({418, "application/json", R"({"error":"teapot"})"});
    server.push({502, "application/json", "not json"});
    auto client = make([](ClientOptions& o) { o.max_attempts = 1; });
    Captured<Empty> teapot;
    Captured<Empty> gateway;
    client->delete_room("r", teapot.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return teapot.calls == 1; }));
    client->delete_room("r", gateway.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return gateway.calls == 1; }));
    EXPECT_EQ(teapot.error().code, "unknown");
    EXPECT_EQ(teapot.error().msg, R"({"error":"teapot"})");
    EXPECT_EQ(gateway.error().code, "internal");
    EXPECT_EQ(gateway.error().msg, "not json");
}

TEST_F(TwirpBehaviour, LongErrorBodyIsCutAtAUtf8Boundary) {
    std::string body(1023, 'a');
    body += "\xC3\xA9";  // 'é' straddles the 1024-byte limit
    body += std::string(4000, 'b');
    server.push({400, "text/plain", body});
    auto client = make();
    Captured<Empty> cap;
    client->delete_room("r", cap.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return cap.calls == 1; }));
    EXPECT_EQ(cap.error().msg, std::string(1023, 'a'));
}

TEST_F(TwirpBehaviour, RetriesUnavailableThenSucceeds) {
    server.push({503, "text/plain", "starting"});
    server.push({503, "application/json", R"({"code":"unavailable","msg":"busy"})"});
    server.push({200, "application/json", R"({"sid":"RM_1","name":"r"})"});
    auto client = make();
    Captured<RoomInfo> cap;
    client->create_room("r", 0, "", cap.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return cap.calls == 1; }));
    ASSERT_TRUE(cap.ok());
    EXPECT_EQ(cap.value().sid, "RM_1");
    ASSERT_EQ(server.requests().size(), 3u);
    for (const auto& r : server.requests()) EXPECT_EQ(r.body, R"({"name":"r"})");
    ASSERT_EQ(observed.size(), 1u);  // once per call, not per attempt
    EXPECT_EQ(observed[0].outcome, "ok");
}

TEST_F(TwirpBehaviour, RetriesStopAtMaxAttempts) {
    server.set_fallback({503, "application/json", R"({"code":"unavailable","msg":"down"})"});
    auto client = make([](ClientOptions& o) { o.max_attempts = 4; });
    Captured<Empty> cap;
    client->delete_room("r", cap.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return cap.calls == 1; }));
    EXPECT_EQ(cap.error().code, "unavailable");
    EXPECT_EQ(cap.error().http_status, 503);
    EXPECT_EQ(server.requests().size(), 4u);
}

TEST_F(TwirpBehaviour, NeverRetries4xx) {
    server.push({400, "application/json", R"({"code":"invalid_argument","msg":"bad"})"});
    server.push({429, "application/json", R"({"code":"unavailable","msg":"slow down"})"});
    auto client = make();
    Captured<Empty> bad;
    Captured<Empty> limited;
    client->delete_room("r", bad.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return bad.calls == 1; }));
    client->delete_room("r", limited.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return limited.calls == 1; }));
    EXPECT_EQ(bad.error().code, "invalid_argument");
    EXPECT_EQ(limited.error().code, "unavailable");
    EXPECT_EQ(server.requests().size(), 2u);
}

TEST_F(TwirpBehaviour, SendDataIsNeverRetried) {
    server.set_fallback({503, "text/plain", "down"});
    auto client = make();
    Captured<Empty> cap;
    client->send_data("r", "x", true, {}, std::nullopt, cap.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return cap.calls == 1; }));
    EXPECT_EQ(cap.error().code, "unavailable");
    EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(TwirpBehaviour, TimeoutFiresAndIsRetriedABoundedNumberOfTimes) {
    server.set_fallback({.hang = true});
    auto client = make([](ClientOptions& o) {
        o.timeout = std::chrono::milliseconds(100);
        o.max_attempts = 3;
    });
    Captured<Empty> cap;
    client->remove_participant("r", "u", cap.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return cap.calls == 1; }));
    EXPECT_EQ(cap.error().http_status, 0);
    EXPECT_EQ(cap.error().code, "deadline_exceeded");
    EXPECT_EQ(server.requests().size(), 3u);
    ASSERT_EQ(observed.size(), 1u);
    EXPECT_EQ(observed[0].outcome, "deadline_exceeded");
}

TEST_F(TwirpBehaviour, SendDataTimesOutOnce) {
    server.set_fallback({.hang = true});
    auto client = make([](ClientOptions& o) { o.timeout = std::chrono::milliseconds(100); });
    Captured<Empty> cap;
    client->send_data("r", "x", false, {}, std::nullopt, cap.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return cap.calls == 1; }));
    EXPECT_EQ(cap.error().code, "deadline_exceeded");
    EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(TwirpBehaviour, ConnectionRefusedIsUnavailable) {
    // A port that was just free: bind, note it, close.
    unsigned short port = 0;
    {
        tcp::acceptor probe(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
        port = probe.local_endpoint().port();
    }
    std::vector<Observed> seen;
    ClientOptions o = options_for("http://127.0.0.1:" + std::to_string(port), seen);
    o.max_attempts = 2;
    auto client = make_twirp_client(ioc, o);
    Captured<Empty> cap;
    client->delete_room("r", cap.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return cap.calls == 1; }));
    EXPECT_EQ(cap.error().http_status, 0);
    EXPECT_EQ(cap.error().code, "unavailable");
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].outcome, "unavailable");
}

TEST_F(TwirpBehaviour, OversizedAnswerFailsTheAttempt) {
    server.push({200, "application/json", std::string(4 * 1024 * 1024 + 1, ' ')});
    auto client = make([](ClientOptions& o) { o.max_attempts = 1; });
    Captured<Empty> cap;
    client->delete_room("r", cap.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return cap.calls == 1; }));
    EXPECT_EQ(cap.error().code, "unavailable");
}

TEST_F(TwirpBehaviour, CallbackNeverRunsInsideTheCall) {
    auto client = make();
    Captured<Empty> cap;
    client->delete_room("r", cap.cb());
    EXPECT_EQ(cap.calls, 0);
    ASSERT_TRUE(run_until(ioc, [&] { return cap.calls == 1; }));
    ioc.poll();
    EXPECT_EQ(cap.calls, 1);
}

TEST_F(TwirpBehaviour, DestroyingTheClientCancelsACallInFlight) {
    server.set_fallback({.hang = true});
    auto client = make();
    Captured<Empty> cap;
    client->remove_participant("r", "u", cap.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return server.requests().size() == 1; }));
    client.reset();
    EXPECT_EQ(cap.calls, 0);  // not from inside the destructor
    ASSERT_TRUE(run_until(ioc, [&] { return cap.calls == 1; }));
    EXPECT_EQ(cap.error().code, "canceled");
    EXPECT_EQ(cap.error().http_status, 0);
    EXPECT_TRUE(observed.empty());
    ioc.poll();
    EXPECT_EQ(cap.calls, 1);
}

TEST_F(TwirpBehaviour, DestroyingTheClientCancelsABackoffWait) {
    server.set_fallback({503, "text/plain", "down"});
    // The wait is far longer than run_until's bound, so only cancellation can end it in time.
    auto client = make([](ClientOptions& o) {
        o.backoff_initial = std::chrono::minutes(10);
        o.backoff_max = std::chrono::minutes(10);
    });
    Captured<Empty> cap;
    client->delete_room("r", cap.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return server.requests().size() == 1; }));
    // Let the 503 arrive so the call sits in its back-off (if the machine is slow and it has
    // not arrived yet, the call is canceled mid-read instead: same observable result).
    ioc.run_for(std::chrono::milliseconds(300));
    if (ioc.stopped()) ioc.restart();
    client.reset();
    ASSERT_TRUE(run_until(ioc, [&] { return cap.calls == 1; }));
    EXPECT_EQ(cap.error().code, "canceled");
    EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(TwirpBehaviour, DestroyingTheClientBeforeTheCallStarts) {
    auto client = make();
    Captured<Empty> cap;
    client->delete_room("r", cap.cb());
    client.reset();
    ASSERT_TRUE(run_until(ioc, [&] { return cap.calls == 1; }));
    EXPECT_EQ(cap.error().code, "canceled");
    EXPECT_TRUE(server.requests().empty());
}

TEST_F(TwirpBehaviour, CallbackMayDestroyTheClient) {
    auto client = make();
    int calls = 0;
    client->delete_room("r", [&](TwirpResult<Empty> r) {
        EXPECT_EQ(r.index(), 0u);
        ++calls;
        client.reset();
    });
    ASSERT_TRUE(run_until(ioc, [&] { return calls == 1; }));
    EXPECT_EQ(client, nullptr);
    ASSERT_EQ(observed.size(), 1u);
}

TEST_F(TwirpBehaviour, ObserverSeesEveryCallOnce) {
    server.push({200, "application/json", "{}"});
    server.push({404, "application/json", R"({"code":"not_found","msg":"x"})"});
    server.push({200, "application/json", "{}"});
    auto client = make();
    int done = 0;
    auto count = [&done](TwirpResult<Empty>) { ++done; };
    client->delete_room("a", count);
    ASSERT_TRUE(run_until(ioc, [&] { return done == 1; }));
    client->remove_participant("a", "u", count);
    ASSERT_TRUE(run_until(ioc, [&] { return done == 2; }));
    client->send_data("a", "x", true, {}, std::nullopt, count);
    ASSERT_TRUE(run_until(ioc, [&] { return done == 3; }));
    ASSERT_EQ(observed.size(), 3u);
    EXPECT_EQ(observed[0].method, "DeleteRoom");
    EXPECT_EQ(observed[0].outcome, "ok");
    EXPECT_EQ(observed[1].method, "RemoveParticipant");
    EXPECT_EQ(observed[1].outcome, "not_found");
    EXPECT_EQ(observed[2].method, "SendData");
    EXPECT_EQ(observed[2].outcome, "ok");
}

}  // namespace
}  // namespace cohost::server::livekit::testing
