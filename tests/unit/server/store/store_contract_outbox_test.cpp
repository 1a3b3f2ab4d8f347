// The Store contract, the outbox in global order (the webhook sender's reads), the prune hold
// that keeps undelivered rows, and the counts behind /metrics.
#include "unit/server/store/store_contract.hpp"

namespace cohost::server::store::testing {
namespace {

template <class F>
class StoreOutboxContract : public StoreContractBase<F> {
protected:
    /// One changeset per event, on alternating topics, at times `first_at`, +1, ... ms.
    std::vector<StoredEvent> append_mixed(int n, std::int64_t first_at = 0) {
        std::vector<StoredEvent> out;
        for (int i = 0; i < n; ++i) {
            Changeset c;
            c.events = {make_event(i % 2 == 0 ? "room:RM_1" : "user:bob", "e" + std::to_string(i),
                                   first_at + i)};
            auto events = this->commit_ok(c);
            out.insert(out.end(), events.begin(), events.end());
        }
        return out;
    }

    std::vector<std::int64_t> ids_after(std::int64_t after) {
        std::vector<std::int64_t> out;
        for (const auto& e : this->store().events_after_id(after, 10'000)) {
            out.push_back(e.id);
        }
        return out;
    }
};
TYPED_TEST_SUITE(StoreOutboxContract, StoreFactories, FactoryName);

TYPED_TEST(StoreOutboxContract, EventsAfterIdWalksEveryTopicInIdOrderWithAllFields) {
    EXPECT_TRUE(this->store().events_after_id(0, 10).empty());
    auto written = this->append_mixed(5, 100);

    auto page1 = this->store().events_after_id(0, 2);
    ASSERT_EQ(page1.size(), 2u);
    EXPECT_EQ(page1[0].id, written[0].id);
    EXPECT_EQ(page1[1].id, written[1].id);
    auto page2 = this->store().events_after_id(page1.back().id, 2);
    ASSERT_EQ(page2.size(), 2u);
    EXPECT_EQ(page2[0].id, written[2].id);
    auto page3 = this->store().events_after_id(page2.back().id, 2);
    ASSERT_EQ(page3.size(), 1u);
    EXPECT_TRUE(this->store().events_after_id(page3.back().id, 2).empty());

    const StoredEvent& e = page2[1];  // the 4th event: user:bob, seq 2
    EXPECT_EQ(e.topic, "user:bob");
    EXPECT_EQ(e.seq, 2);
    EXPECT_EQ(e.type, "e3");
    EXPECT_EQ(e.room_id, "RM_1");
    EXPECT_EQ(e.at, at_ms(103));
    EXPECT_EQ(e.data_json, R"({"n":1})");
}

TYPED_TEST(StoreOutboxContract, EventsOfOneCommitHaveAdjacentIds) {
    Changeset c;
    c.events = {make_event("user:host", "invitation.created"),
                make_event("user:bob", "invitation.created")};
    auto events = this->commit_ok(c);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[1].id, events[0].id + 1);
    EXPECT_EQ(this->ids_after(events[0].id - 1),
              (std::vector<std::int64_t>{events[0].id, events[1].id}));
}

TYPED_TEST(StoreOutboxContract, CountAndLastIdFollowTheOutbox) {
    EXPECT_EQ(this->store().last_event_id(), 0);
    EXPECT_EQ(this->store().count_events_after_id(0), 0);
    auto written = this->append_mixed(4);
    EXPECT_EQ(this->store().last_event_id(), written.back().id);
    EXPECT_EQ(this->store().count_events_after_id(0), 4);
    EXPECT_EQ(this->store().count_events_after_id(written[1].id), 2);
    EXPECT_EQ(this->store().count_events_after_id(written.back().id), 0);
    // Pruning everything does not lower the last id.
    EXPECT_EQ(this->store().prune_events(at_ms(1'000'000), 0), 4);
    EXPECT_EQ(this->store().last_event_id(), written.back().id);
    EXPECT_EQ(this->store().count_events_after_id(0), 0);
}

TYPED_TEST(StoreOutboxContract, PruneHoldKeepsRowsAfterTheFloor) {
    auto written = this->append_mixed(6, 0);  // at 0..5
    OutboxHold hold;
    hold.keep_after_id = written[2].id;  // rows 4, 5, 6 not yet delivered
    hold.unless_before = at_ms(-1'000);  // nothing is past the backlog age
    // Realtime retention alone would delete every row.
    EXPECT_EQ(this->store().prune_events(at_ms(1'000), 0, hold), 3);
    EXPECT_EQ(this->ids_after(0),
              (std::vector<std::int64_t>{written[3].id, written[4].id, written[5].id}));
    // The topics' seqs are untouched.
    EXPECT_EQ(this->store().topic_seq("room:RM_1"), 3);
}

TYPED_TEST(StoreOutboxContract, PruneHoldLetsRowsPastTheBacklogAgeGo) {
    auto written = this->append_mixed(6, 0);  // at 0..5
    OutboxHold hold;
    hold.keep_after_id = written[0].id;  // rows 2..6 undelivered
    hold.unless_before = at_ms(3);       // rows at 0, 1, 2 are too old to hold
    EXPECT_EQ(this->store().prune_events(at_ms(1'000), 0, hold), 3);
    EXPECT_EQ(this->ids_after(0),
              (std::vector<std::int64_t>{written[3].id, written[4].id, written[5].id}));
}

TYPED_TEST(StoreOutboxContract, PruneHoldNeverKeepsMoreThanRetentionWould) {
    // A hold only protects: rows retention keeps stay, whatever the floor.
    auto written = this->append_mixed(4, 0);
    OutboxHold hold;
    hold.keep_after_id = 0;
    hold.unless_before = at_ms(1'000'000);
    EXPECT_EQ(this->store().prune_events(at_ms(-1), 1'000, hold), 0);
    EXPECT_EQ(this->ids_after(0).size(), 4u);
    // The two-argument form holds nothing.
    EXPECT_EQ(this->store().prune_events(at_ms(1'000), 0), 4);
    EXPECT_EQ(written.size(), 4u);
}

TYPED_TEST(StoreOutboxContract, CountStageMembersCountsActiveRoomsOnly) {
    EXPECT_EQ(this->store().count_stage_members(), 0);
    Changeset a = room_changeset(make_room("RM_a"));
    a.members = {make_member("RM_a", "host", MemberRole::Host),
                 make_member("RM_a", "bob", MemberRole::Cohost)};
    this->commit_ok(a);
    Room ended = make_room("RM_b");
    ended.status = RoomStatus::Ended;
    ended.ended_at = at_ms(5);
    ended.end_reason = EndReason::Stopped;
    Changeset b = room_changeset(ended);
    b.members = {make_member("RM_b", "host", MemberRole::Host)};
    this->commit_ok(b);
    EXPECT_EQ(this->store().count_stage_members(), 2);
}

TYPED_TEST(StoreOutboxContract, OutboxSurvivesReopen) {
    auto written = this->append_mixed(3);
    if (!this->reopen()) {
        ASSERT_FALSE(TypeParam::kDurable) << "a durable store failed to reopen";
        return;
    }
    EXPECT_EQ(this->store().last_event_id(), written.back().id);
    EXPECT_EQ(this->ids_after(written[0].id),
              (std::vector<std::int64_t>{written[1].id, written[2].id}));
}

}  // namespace
}  // namespace cohost::server::store::testing
