// Realtime hub connection lifecycle: frame limits, slow consumers, keep-alive, connection limit,
// shutdown.
#include "cohost/server/realtime/hub.hpp"
#include "unit/server/realtime/hub_fixture.hpp"

namespace cohost::server::realtime::testing {
namespace {

using HubLifecycleTest = HubFixture;

TEST_F(HubLifecycleTest, OversizeFrameClosesWith1009) {
    HubOptions o = test_options();
    o.max_frame_bytes = 256;
    start(o);
    Client& c = connect();
    send(c, R"({"type":"ping","pad":")" + std::string(200, 'x') + "\"}");  // under: fine
    EXPECT_EQ(next(c), R"({"type":"pong"})");
    send(c, R"({"type":"ping","pad":")" + std::string(1000, 'x') + "\"}");
    ASSERT_TRUE(run_until([&] { return c.closed; }));
    EXPECT_EQ(c.close.code, websocket::close_code::too_big);
    EXPECT_TRUE(run_until([&] { return hub->connection_count() == 0; }));
}

TEST_F(HubLifecycleTest, SlowConsumerIsClosedWith1008AndCounted) {
    HubOptions o = test_options();
    o.queue_limit = 4;
    start(o);
    Client& slow = connect(/*read=*/false);
    send(slow, R"({"type":"subscribe","topic":"room:RM_a"})");
    ASSERT_TRUE(run_until([&] { return hub->subscriber_count("room:RM_a") == 1; }));

    // The client never reads: once the socket buffers are full the queue fills and overflows.
    const std::string big = R"({"blob":")" + std::string(256 * 1024, 'x') + "\"}";
    int published = 0;
    while (hub->slow_consumer_drops() == 0 && published < 400) {
        hub->publish({store.append("room:RM_a", "chat.message", big)});
        ++published;
        // Lets the writes that the socket buffers accept complete (on the fan-out thread when
        // there is one) before the next event is queued.
        run_until([] { return false; }, 2ms);
    }
    ASSERT_EQ(hub->slow_consumer_drops(), 1U) << "published " << published;
    EXPECT_EQ(hub->subscriber_count("room:RM_a"), 0U);               // unsubscribed at once
    hub->publish({store.append("room:RM_a", "chat.message", big)});  // no longer queued
    EXPECT_EQ(hub->slow_consumer_drops(), 1U);

    // When it finally reads: what was in flight, then the close frame.
    slow.start_reader();
    ASSERT_TRUE(run_until([&] { return slow.closed; }, 10s));
    EXPECT_EQ(slow.close.code, websocket::close_code::policy_error);
    EXPECT_EQ(slow.close.reason, "slow_consumer");
    ASSERT_GE(slow.frames.size(), 2U);
    EXPECT_EQ(json::parse(slow.frames.front()).at("type"), "subscribed");
    for (std::size_t k = 1; k < slow.frames.size(); ++k) {  // a prefix, without gaps
        EXPECT_EQ(json::parse(slow.frames[k]).at("seq").as_int64(), static_cast<std::int64_t>(k));
    }
    EXPECT_LT(slow.frames.size(), static_cast<std::size_t>(published) + 1);
    EXPECT_TRUE(run_until([&] { return hub->connection_count() == 0; }));
}

TEST_F(HubLifecycleTest, ConsumerThatKeepsUpIsNotDropped) {
    HubOptions o = test_options();
    o.queue_limit = 4;
    start(o);
    Client& c = connect();
    subscribe(c, "room:RM_a");
    constexpr int kEvents = 300;
    for (int i = 0; i < kEvents; ++i) {
        hub->publish({store.append("room:RM_a", "chat.message", R"({"text":"hi"})")});
        ASSERT_TRUE(run_until([&] { return c.frames.size() == static_cast<std::size_t>(i + 1); }));
    }
    EXPECT_EQ(hub->slow_consumer_drops(), 0U);
    EXPECT_FALSE(c.closed);
}

TEST_F(HubLifecycleTest, ReplayLongerThanTheQueueLimitIsNotASlowConsumer) {
    HubOptions o = test_options();
    o.queue_limit = 4;
    start(o);
    for (int i = 0; i < 50; ++i) {
        store.append("room:RM_a");
    }
    Client& c = connect();
    EXPECT_EQ(subscribe(c, "room:RM_a", 0).at("seq").as_int64(), 50);
    // Live events right behind the replay, before any of it is written.
    hub->publish({store.append("room:RM_a"), store.append("room:RM_a"), store.append("room:RM_a")});
    for (std::int64_t want = 1; want <= 53; ++want) {
        EXPECT_EQ(next_json(c).at("seq").as_int64(), want);
    }
    EXPECT_EQ(hub->slow_consumer_drops(), 0U);
    expect_nothing_pending(c);
}

TEST_F(HubLifecycleTest, RequestsWaitWhileTheQueueIsFull) {
    HubOptions o = test_options();
    o.queue_limit = 4;
    start(o);
    const std::string big = R"({"blob":")" + std::string(1024 * 1024, 'x') + "\"}";
    for (int i = 0; i < 24; ++i) {  // more than the socket buffers hold
        store.append("room:RM_big", "chat.message", big);
    }
    Client& c = connect(/*read=*/false);
    send(c, R"({"type":"subscribe","topic":"room:RM_big","since":0})");
    send(c, R"({"type":"subscribe","topic":"room:RM_b"})");
    ASSERT_TRUE(run_until([&] { return hub->subscriber_count("room:RM_big") == 1; }));
    run_until([] { return false; }, 300ms);
    EXPECT_EQ(hub->subscriber_count("room:RM_b"), 0U);  // not read yet: the queue is full
    EXPECT_EQ(hub->slow_consumer_drops(), 0U);

    c.start_reader();
    ASSERT_TRUE(run_until([&] { return c.frames.size() == 26; }, 10s));
    EXPECT_EQ(hub->subscriber_count("room:RM_b"), 1U);
    EXPECT_EQ(json::parse(c.frames.back()).at("type"), "subscribed");
    EXPECT_EQ(hub->slow_consumer_drops(), 0U);
}

TEST_F(HubLifecycleTest, ServerPingsAndALiveClientStaysConnected) {
    HubOptions o = test_options();
    o.ping_interval = std::chrono::seconds(1);
    o.idle_timeout = std::chrono::seconds(2);
    start(o);
    Client& c = connect();  // its pending read answers pings with pongs (Beast does it)
    int pings = 0;
    c.ws.control_callback([&](websocket::frame_type kind, beast::string_view) {
        if (kind == websocket::frame_type::ping) {
            ++pings;
        }
    });
    subscribe(c, "room:RM_a");
    run_until([] { return false; }, 3500ms);
    EXPECT_GE(pings, 2);
    EXPECT_FALSE(c.closed);
    EXPECT_EQ(hub->subscriber_count("room:RM_a"), 1U);
    c.ws.control_callback();
}

TEST_F(HubLifecycleTest, SilentClientIsDroppedAfterIdleTimeout) {
    HubOptions o = test_options();
    o.ping_interval = std::chrono::seconds(1);
    o.idle_timeout = std::chrono::seconds(2);
    start(o);
    RecordingListener listener;
    hub->set_listener(&listener);
    Client& c = connect(/*read=*/false);  // never reads, so never answers a ping
    send(c, R"({"type":"subscribe","topic":"room:RM_a"})");
    ASSERT_TRUE(run_until([&] { return hub->subscriber_count("room:RM_a") == 1; }));
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(run_until([&] { return hub->subscriber_count("room:RM_a") == 0; }, 5s));
    const auto waited = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(waited, 1900ms);
    EXPECT_EQ(listener.calls.back(), "-U_alice room:RM_a");
    c.start_reader();
    ASSERT_TRUE(run_until([&] { return c.closed; }, 5s));
    EXPECT_EQ(c.close.code, websocket::close_code::going_away);
    EXPECT_EQ(c.close.reason, "idle_timeout");
    EXPECT_TRUE(run_until([&] { return hub->connection_count() == 0; }, 5s));
    hub->set_listener(nullptr);
}

TEST_F(HubLifecycleTest, OverMaxConnectionsTheUpgradeIsAnswered503) {
    HubOptions o = test_options();
    o.max_connections = 1;
    start(o);
    Client& first = connect();
    clients.push_back(std::make_unique<Client>(ioc));
    Client& second = *clients.back();
    websocket::response_type res;
    bool done = false;
    beast::error_code result;
    beast::get_lowest_layer(second.ws).async_connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
            ASSERT_FALSE(ec);
            second.ws.async_handshake(res, "127.0.0.1", "/v1/realtime", [&](beast::error_code ec2) {
                result = ec2;
                done = true;
            });
        });
    ASSERT_TRUE(run_until([&] { return done; }));
    EXPECT_EQ(result, websocket::error::upgrade_declined);
    EXPECT_EQ(res.result_int(), 503U);
    EXPECT_EQ(hub->connection_count(), 1U);
    expect_nothing_pending(first);
}

TEST_F(HubLifecycleTest, CloseAllClosesEverySessionWith1001AndLetsTheLoopFinish) {
    start();
    RecordingListener listener;
    hub->set_listener(&listener);
    Client& a = connect();
    Client& b = connect();
    subscribe(a, "room:RM_a");
    subscribe(b, "room:RM_b");
    Client& silent = connect(/*read=*/false);  // will not answer the close: cut after the grace

    hub->close_all();
    ASSERT_TRUE(run_until([&] { return a.closed && b.closed; }));
    EXPECT_EQ(a.close.code, websocket::close_code::going_away);
    EXPECT_EQ(b.close.code, websocket::close_code::going_away);
    EXPECT_EQ(listener.calls.size(), 4U);

    // Once the acceptor and the client sockets are gone nothing may keep the io_context busy:
    // no session, no keep-alive timer.
    beast::error_code ignored;
    acceptor.close(ignored);
    silent.start_reader();  // reads the close frame, answers it, and is torn down
    const auto t0 = std::chrono::steady_clock::now();
    ioc.restart();
    ioc.run_for(8s);
    EXPECT_TRUE(ioc.stopped());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 7s);
    EXPECT_EQ(hub->connection_count(), 0U);
    EXPECT_TRUE(silent.closed);
    hub->set_listener(nullptr);
}

TEST_F(HubLifecycleTest, AfterCloseAllNewUpgradesAreRefused) {
    start();
    hub->close_all();
    clients.push_back(std::make_unique<Client>(ioc));
    Client& c = *clients.back();
    websocket::response_type res;
    bool done = false;
    beast::get_lowest_layer(c.ws).async_connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
            ASSERT_FALSE(ec);
            c.ws.async_handshake(res, "127.0.0.1", "/v1/realtime",
                                 [&](beast::error_code) { done = true; });
        });
    ASSERT_TRUE(run_until([&] { return done; }));
    EXPECT_EQ(res.result_int(), 503U);
}

TEST_F(HubLifecycleTest, DestroyingTheHubWithLiveSessionsIsSafe) {
    start();
    RecordingListener listener;
    hub->set_listener(&listener);
    Client& c = connect();
    subscribe(c, "room:RM_a");
    hub.reset();  // sessions are cut and finish on their own
    EXPECT_EQ(listener.calls.back(), "-U_alice room:RM_a");
    ASSERT_TRUE(run_until([&] { return c.closed; }));
}

}  // namespace
}  // namespace cohost::server::realtime::testing
