// The hub against the real SQLite store: seqs assigned by commit, replay and retention.
#include "cohost/server/realtime/hub.hpp"
#include "unit/server/realtime/hub_fixture.hpp"

namespace cohost::server::realtime::testing {
namespace {

class HubSqliteTest : public HubFixture {
protected:
    void SetUp() override {
        sqlite = store::open_sqlite({":memory:", false});
        hub_store = sqlite.get();
    }

    // Commits `count` events on `topic` in one transaction, as a command would.
    std::vector<store::StoredEvent> commit(
        const std::string& topic, int count,
        store::TimePoint at = core::from_unix_ms(1'795'000'000'000)) {
        store::Changeset c;
        for (int i = 0; i < count; ++i) {
            c.events.push_back(store::NewEvent{topic, "chat.message", "RM_a", at,
                                               R"({"i": )" + std::to_string(i) + "}"});
        }
        store::CommitResult r = sqlite->commit(c);
        EXPECT_EQ(r.status, store::CommitStatus::Ok);
        return r.events;
    }

    std::unique_ptr<store::Store> sqlite;
};

TEST_F(HubSqliteTest, ReplaysCommittedEventsThenDeliversLiveOnes) {
    start();
    const auto first = commit("room:RM_a", 5);
    ASSERT_EQ(first.size(), 5U);
    Client& c = connect();
    const json::object sub = subscribe(c, "room:RM_a", 2);
    EXPECT_EQ(sub.at("seq").as_int64(), 5);
    EXPECT_EQ(next(c), render_event_frame(first[2]));
    EXPECT_EQ(next(c), render_event_frame(first[3]));
    EXPECT_EQ(next(c), render_event_frame(first[4]));

    hub->publish(first);  // a late publish of the same commit: nothing new
    const auto second = commit("room:RM_a", 1);
    hub->publish(second);
    const json::object live = next_json(c);
    EXPECT_EQ(live.at("seq").as_int64(), 6);
    EXPECT_EQ(live.at("data"), json::parse(R"({"i": 0})"));
    expect_nothing_pending(c);
}

TEST_F(HubSqliteTest, PrunedEventsAnswerResyncRequired) {
    start();
    commit("room:RM_a", 10);
    sqlite->prune_events(core::from_unix_ms(0), 3);  // keeps 8, 9, 10
    ASSERT_EQ(sqlite->oldest_retained_seq("room:RM_a"), 8);

    Client& c = connect();
    EXPECT_EQ(subscribe(c, "room:RM_a", 5).at("seq").as_int64(), 10);
    const json::object resync = next_json(c);
    EXPECT_EQ(resync.at("type"), "resync_required");
    EXPECT_EQ(resync.at("seq").as_int64(), 10);

    Client& d = connect();
    subscribe(d, "room:RM_a", 7);
    EXPECT_EQ(next_json(d).at("seq").as_int64(), 8);
    EXPECT_EQ(next_json(d).at("seq").as_int64(), 9);
    EXPECT_EQ(next_json(d).at("seq").as_int64(), 10);
    expect_nothing_pending(d);
}

}  // namespace
}  // namespace cohost::server::realtime::testing
