// Paced delivery (realtime.write_interval, shard.hpp): events published one by one faster than the
// interval reach every subscriber whole and in order; a subscriber that goes away with unflushed
// frames, or a hub shut down with a flush pending, is handled; pacing off writes as before.
#include "cohost/server/realtime/hub.hpp"
#include "unit/server/realtime/hub_fixture.hpp"

namespace cohost::server::realtime::testing {
namespace {

class HubPacedTest : public HubFixture, public ::testing::WithParamInterface<int> {
protected:
    HubOptions paced() {
        HubOptions o = test_options();
        o.queue_limit = 1024;
        o.threads = GetParam();
        o.write_interval = std::chrono::milliseconds(30);
        return o;
    }
    void publish_one(int i) {
        hub->publish({store.append("room:RM_a", "x", R"({"i":)" + std::to_string(i) + "}")});
    }
};

TEST_P(HubPacedTest, EventsPublishedOneByOneArriveWholeAndInOrder) {
    start(paced());
    Client& a = connect();
    Client& b = connect();
    subscribe(a, "room:RM_a");
    subscribe(b, "room:RM_a");
    constexpr int kEvents = 300;
    for (int i = 0; i < kEvents; ++i) {
        publish_one(i);
        if (i % 50 == 0) poll();  // let some flushes happen in between
    }
    ASSERT_TRUE(run_until([&] { return (a.frames.size() == kEvents && b.frames.size() == kEvents) ||
                                       a.closed || b.closed; },
                          10s))
        << a.frames.size() << " / " << b.frames.size();
    for (Client* c : {&a, &b}) {
        for (int k = 0; k < kEvents; ++k) {
            const auto v = json::parse(c->frames[static_cast<std::size_t>(k)]).as_object();
            EXPECT_EQ(v.at("seq").as_int64(), k + 1);
            EXPECT_EQ(v.at("data").at("i").as_int64(), k);
        }
    }
    EXPECT_EQ(hub->slow_consumer_drops(), 0U);
}

TEST_P(HubPacedTest, ASubscriberLeavingWithUnflushedFramesDoesNotDisturbTheOthers) {
    start(paced());
    Client& stays = connect();
    Client& leaves = connect();
    subscribe(stays, "room:RM_a");
    subscribe(leaves, "room:RM_a");
    for (int i = 0; i < 20; ++i) publish_one(i);
    beast::error_code ec;
    leaves.ws.next_layer().socket().close(ec);  // gone while frames wait for the next flush
    for (int i = 20; i < 60; ++i) publish_one(i);
    ASSERT_TRUE(run_until([&] { return stays.frames.size() == 60 || stays.closed; }, 10s))
        << stays.frames.size();
    ASSERT_TRUE(run_until([&] { return hub->connection_count() == 1; }, 10s));
    EXPECT_EQ(json::parse(stays.frames.back()).at("seq").as_int64(), 60);
}

TEST_P(HubPacedTest, ShutdownWithAFlushPending) {
    start(paced());
    Client& c = connect();
    subscribe(c, "room:RM_a");
    publish_one(0);
    publish_one(1);  // the second waits for the next flush
    hub.reset();     // the hub (and its shards) go first: nothing may run afterwards
    run_until([&] { return c.closed; }, 3s);
    poll();
    SUCCEED();
}

TEST_P(HubPacedTest, RepliesAreNotHeldBehindPacing) {
    start(paced());
    Client& c = connect();
    subscribe(c, "room:RM_a");
    for (int i = 0; i < 5; ++i) publish_one(i);
    // A subscribe to another topic is answered, and its answer follows the queued events.
    send(c, R"({"type":"subscribe","topic":"room:RM_b"})");
    ASSERT_TRUE(run_until([&] { return c.frames.size() >= 6 || c.closed; }, 5s));
    const auto last = json::parse(c.frames[5]).as_object();
    EXPECT_EQ(last.at("type").as_string(), "subscribed") << c.frames[5];
    for (int k = 0; k < 5; ++k) {
        EXPECT_EQ(json::parse(c.frames[static_cast<std::size_t>(k)]).at("seq").as_int64(), k + 1);
    }
}

INSTANTIATE_TEST_SUITE_P(Shards, HubPacedTest, ::testing::Values(0, 2),
                         [](const ::testing::TestParamInfo<int>& p) {
                             return p.param == 0 ? std::string("inline") : std::string("threads");
                         });

}  // namespace
}  // namespace cohost::server::realtime::testing
