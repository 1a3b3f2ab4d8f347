// The Store contract, event outbox: per-topic seqs (product.md §5, §10), replay, retention.
#include "unit/server/store/store_contract.hpp"

namespace cohost::server::store::testing {
namespace {

template <class F>
class StoreEventsContract : public StoreContractBase<F> {
protected:
    /// Commits `n` events on `topic` (one changeset each), at times `first_at`, +1, +2, ... ms.
    std::vector<StoredEvent> append(const std::string& topic, int n, std::int64_t first_at = 0) {
        std::vector<StoredEvent> out;
        for (int i = 0; i < n; ++i) {
            Changeset c;
            c.events = {make_event(topic, "e" + std::to_string(i), first_at + i)};
            auto events = this->commit_ok(c);
            out.insert(out.end(), events.begin(), events.end());
        }
        return out;
    }

    std::vector<std::int64_t> seqs(const std::string& topic, std::int64_t after = 0) {
        std::vector<std::int64_t> out;
        for (const auto& e : this->store().events_after(topic, after, 10'000)) {
            out.push_back(e.seq);
        }
        return out;
    }
};
TYPED_TEST_SUITE(StoreEventsContract, StoreFactories, FactoryName);

TYPED_TEST(StoreEventsContract, SeqsStartAtOneWithoutGapsWithinAndAcrossCommits) {
    EXPECT_EQ(this->store().topic_seq("room:RM_1"), 0);
    Changeset c;
    c.events = {make_event("room:RM_1"), make_event("room:RM_1"), make_event("room:RM_1")};
    auto first = this->commit_ok(c);
    auto more = this->append("room:RM_1", 2);
    ASSERT_EQ(first.size(), 3u);
    EXPECT_EQ(first[0].seq, 1);
    EXPECT_EQ(first[1].seq, 2);
    EXPECT_EQ(first[2].seq, 3);
    EXPECT_EQ(more[0].seq, 4);
    EXPECT_EQ(more[1].seq, 5);
    EXPECT_EQ(this->store().topic_seq("room:RM_1"), 5);
    EXPECT_EQ(this->seqs("room:RM_1"), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
}

TYPED_TEST(StoreEventsContract, SeqsAreIndependentPerTopic) {
    this->append("room:RM_1", 3);
    auto user = this->append("user:bob", 2);
    this->append("room:RM_1", 1);
    EXPECT_EQ(user[0].seq, 1);
    EXPECT_EQ(user[1].seq, 2);
    EXPECT_EQ(this->store().topic_seq("room:RM_1"), 4);
    EXPECT_EQ(this->store().topic_seq("user:bob"), 2);
    EXPECT_EQ(this->store().topic_seq("user:nobody"), 0);
}

TYPED_TEST(StoreEventsContract, EventIdsIncreaseAcrossTopics) {
    auto a = this->append("room:RM_1", 2);
    auto b = this->append("user:bob", 2);
    EXPECT_LT(a[0].id, a[1].id);
    EXPECT_LT(a[1].id, b[0].id);
    EXPECT_LT(b[0].id, b[1].id);
}

TYPED_TEST(StoreEventsContract, EventsAfterReturnsAscendingPagesWithAllFields) {
    auto written = this->append("room:RM_1", 7, 100);
    this->append("room:RM_2", 3);

    auto page1 = this->store().events_after("room:RM_1", 0, 3);
    ASSERT_EQ(page1.size(), 3u);
    EXPECT_EQ(page1[0].seq, 1);
    EXPECT_EQ(page1[2].seq, 3);
    auto page2 = this->store().events_after("room:RM_1", page1.back().seq, 3);
    ASSERT_EQ(page2.size(), 3u);
    EXPECT_EQ(page2[0].seq, 4);
    auto page3 = this->store().events_after("room:RM_1", page2.back().seq, 3);
    ASSERT_EQ(page3.size(), 1u);
    EXPECT_EQ(page3[0].seq, 7);
    EXPECT_TRUE(this->store().events_after("room:RM_1", 7, 3).empty());
    EXPECT_TRUE(this->store().events_after("room:unknown", 0, 3).empty());

    const StoredEvent& e = page2[1];  // seq 5
    EXPECT_EQ(e.id, written[4].id);
    EXPECT_EQ(e.topic, "room:RM_1");
    EXPECT_EQ(e.type, "e4");
    EXPECT_EQ(e.room_id, "RM_1");
    EXPECT_EQ(e.at, at_ms(104));
    EXPECT_EQ(e.data_json, R"({"n":1})");
}

TYPED_TEST(StoreEventsContract, EventWithEmptyRoomIdRoundTrips) {
    Changeset c;
    c.events = {NewEvent{"user:bob", "invitation.created", "", at_ms(1), "{}"}};
    this->commit_ok(c);
    auto events = this->store().events_after("user:bob", 0, 10);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].room_id, "");
    EXPECT_EQ(events[0].data_json, "{}");
}

TYPED_TEST(StoreEventsContract, PruneKeepsTheNewestPerTopic) {
    this->append("room:RM_1", 10);
    this->append("user:bob", 3);
    EXPECT_EQ(this->store().prune_events(at_ms(-1'000), 4), 6);
    EXPECT_EQ(this->seqs("room:RM_1"), (std::vector<std::int64_t>{7, 8, 9, 10}));
    EXPECT_EQ(this->seqs("user:bob"), (std::vector<std::int64_t>{1, 2, 3}));
    EXPECT_EQ(this->store().oldest_retained_seq("room:RM_1"), 7);
    EXPECT_EQ(this->store().oldest_retained_seq("user:bob"), 1);
    EXPECT_EQ(this->store().prune_events(at_ms(-1'000), 4), 0);
}

TYPED_TEST(StoreEventsContract, PruneDeletesOlderThanCutoffOnAnyTopic) {
    this->append("room:RM_1", 5, 0);  // at 0..4
    this->append("user:bob", 2, 10);  // at 10..11
    EXPECT_EQ(this->store().prune_events(at_ms(3), 1'000), 3);
    EXPECT_EQ(this->seqs("room:RM_1"), (std::vector<std::int64_t>{4, 5}));
    EXPECT_EQ(this->store().oldest_retained_seq("room:RM_1"), 4);
    EXPECT_EQ(this->store().oldest_retained_seq("user:bob"), 1);
    // seq > after still works when the start of the range is gone.
    EXPECT_EQ(this->seqs("room:RM_1", 1), (std::vector<std::int64_t>{4, 5}));
}

TYPED_TEST(StoreEventsContract, SeqsContinueAfterEverythingWasPruned) {
    auto before = this->append("room:RM_1", 3);
    EXPECT_EQ(this->store().prune_events(at_ms(1'000'000), 0), 3);
    EXPECT_EQ(this->store().oldest_retained_seq("room:RM_1"), 0);
    EXPECT_EQ(this->store().topic_seq("room:RM_1"), 3);
    EXPECT_TRUE(this->store().events_after("room:RM_1", 0, 10).empty());

    auto after = this->append("room:RM_1", 1);
    EXPECT_EQ(after[0].seq, 4);
    EXPECT_GT(after[0].id, before.back().id);  // ids are never reused either
    EXPECT_EQ(this->store().oldest_retained_seq("room:RM_1"), 4);
}

TYPED_TEST(StoreEventsContract, OldestRetainedSeqIsZeroForUnknownTopic) {
    EXPECT_EQ(this->store().oldest_retained_seq("room:none"), 0);
}

TYPED_TEST(StoreEventsContract, PruneThenReopenKeepsSeqs) {
    this->append("room:RM_1", 5);
    this->store().prune_events(at_ms(-1), 2);
    if (!this->reopen()) {
        // Only a non-durable factory (`:memory:`) may refuse to reopen; its contract ends here.
        ASSERT_FALSE(TypeParam::kDurable) << "a durable store failed to reopen";
        return;
    }
    EXPECT_EQ(this->store().topic_seq("room:RM_1"), 5);
    EXPECT_EQ(this->store().oldest_retained_seq("room:RM_1"), 4);
    EXPECT_EQ(this->append("room:RM_1", 1)[0].seq, 6);
}

}  // namespace
}  // namespace cohost::server::store::testing
