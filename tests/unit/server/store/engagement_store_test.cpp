// The engagement tables of the SQLite store (engagement_store.hpp).
#include "cohost/server/store/engagement_store.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "cohost/core/time.hpp"

namespace cohost::server::store {
namespace {

using namespace std::chrono_literals;
const auto kT0 = core::from_unix_ms(1'790'000'000'000);

class EngagementStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = open_sqlite({":memory:", false});
        es_ = store_->engagement();
        ASSERT_NE(es_, nullptr);
        for (const char* id : {"RM_1", "RM_2"}) {
            Changeset c;
            rooms::Room r;
            r.room_id = id;
            r.title = "t";
            r.host_user_id = "host";
            r.created_at = kT0;
            c.room = r;
            ASSERT_EQ(store_->commit(c).status, CommitStatus::Ok);
        }
    }

    rooms::ChatMessage post(const std::string& room, const std::string& id,
                            const std::string& author, core::TimePoint at) {
        EngagementChangeset c;
        c.messages.push_back(
            {id, room, author, rooms::ChatRole::Viewer, "text " + id, at, {}, {}, 0});
        c.events.push_back(NewEvent{"room:" + room, "chat.message", room, at, "{}"});
        auto r = es_->commit_engagement(c);
        EXPECT_EQ(r.status, CommitStatus::Ok);
        EXPECT_EQ(r.events.size(), 1U);
        return r.messages.at(0);
    }

    std::unique_ptr<Store> store_;
    EngagementStore* es_ = nullptr;
};

TEST_F(EngagementStoreTest, MessagesPageBackwardsNewestLast) {
    for (int i = 1; i <= 5; ++i) post("RM_1", "MS_" + std::to_string(i), "ann", kT0 + i * 1s);
    post("RM_2", "MS_other", "ann", kT0);
    auto first = es_->list_messages("RM_1", 2, "");
    ASSERT_EQ(first.items.size(), 2U);
    EXPECT_EQ(first.items[0].message_id, "MS_4");  // oldest first within the page
    EXPECT_EQ(first.items[1].message_id, "MS_5");
    ASSERT_TRUE(first.next_cursor.has_value());
    auto second = es_->list_messages("RM_1", 2, *first.next_cursor);
    ASSERT_EQ(second.items.size(), 2U);
    EXPECT_EQ(second.items[0].message_id, "MS_2");
    auto third = es_->list_messages("RM_1", 2, *second.next_cursor);
    ASSERT_EQ(third.items.size(), 1U);
    EXPECT_EQ(third.items[0].message_id, "MS_1");
    EXPECT_FALSE(third.next_cursor.has_value());
    for (const char* bad : {"x", "-1", "0", "12abc", "99999999999999999999999"}) {
        EXPECT_THROW((void)es_->list_messages("RM_1", 2, bad), std::invalid_argument) << bad;
    }
}

TEST_F(EngagementStoreTest, DeletedMessagesLeaveListsAndDeleteOnce) {
    auto m = post("RM_1", "MS_1", "ann", kT0);
    post("RM_1", "MS_2", "ann", kT0 + 1s);
    m.deleted_at = kT0 + 2s;
    m.deleted_by = "host";
    EngagementChangeset del;
    del.messages.push_back(m);
    EXPECT_EQ(es_->commit_engagement(del).status, CommitStatus::Ok);
    auto page = es_->list_messages("RM_1", 50, "");
    ASSERT_EQ(page.items.size(), 1U);
    EXPECT_EQ(page.items[0].message_id, "MS_2");
    auto stored = es_->get_message("RM_1", "MS_1");
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->deleted_at, kT0 + 2s);
    EXPECT_EQ(stored->deleted_by, "host");
    EXPECT_FALSE(es_->get_message("RM_2", "MS_1").has_value());  // scoped to its room
    // A second delete of the same message loses: nothing written, no event.
    del.events.push_back(NewEvent{"room:RM_1", "chat.deleted", "RM_1", kT0, "{}"});
    EXPECT_EQ(es_->commit_engagement(del).status, CommitStatus::Conflict);
    EXPECT_EQ(store_->topic_seq("room:RM_1"), 2);
    // Slow mode reads the last post, deleted or not.
    EXPECT_EQ(es_->last_message_at("RM_1", "ann"), kT0 + 1s);
    EXPECT_FALSE(es_->last_message_at("RM_1", "bob").has_value());
}

TEST_F(EngagementStoreTest, ModerationCompareAndSet) {
    rooms::Moderation m;
    m.room_id = "RM_1";
    m.user_id = "ann";
    m.muted_until = kT0 + 60s;
    m.updated_at = kT0;
    EngagementChangeset c;
    c.moderation.push_back(m);
    ASSERT_EQ(es_->commit_engagement(c).status, CommitStatus::Ok);
    auto stored = es_->get_moderation("RM_1", "ann");
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->version, 1);
    EXPECT_EQ(stored->muted_until, kT0 + 60s);
    EXPECT_FALSE(stored->banned);
    // A second insert (version 0) clashes; a stale version loses.
    EXPECT_EQ(es_->commit_engagement(c).status, CommitStatus::Conflict);
    stored->banned = true;
    c.moderation = {*stored};
    ASSERT_EQ(es_->commit_engagement(c).status, CommitStatus::Ok);
    EXPECT_EQ(es_->commit_engagement(c).status, CommitStatus::Conflict);
    EXPECT_TRUE(es_->get_moderation("RM_1", "ann")->banned);
    EXPECT_FALSE(es_->get_moderation("RM_2", "ann").has_value());
}

TEST_F(EngagementStoreTest, CatalogueAndRoomProducts) {
    EngagementChangeset c;
    for (int i = 0; i < 3; ++i) {
        rooms::Product p;
        p.product_id = "P" + std::to_string(i);
        p.name = i == 1 ? "Red Shoe" : "Blue hat";
        p.url = "https://x.example";
        p.price_minor = 1999;
        p.currency = "USD";
        p.created_at = p.updated_at = kT0 + i * 1s;
        c.products.push_back(p);
    }
    ASSERT_EQ(es_->commit_engagement(c).status, CommitStatus::Ok);
    auto shoes = es_->list_products("shoe", 50, "");
    ASSERT_EQ(shoes.items.size(), 1U);
    EXPECT_EQ(shoes.items[0].product_id, "P1");
    auto page = es_->list_products("", 2, "");
    ASSERT_EQ(page.items.size(), 2U);
    EXPECT_EQ(page.items[0].product_id, "P2");  // newest first
    auto rest = es_->list_products("", 2, *page.next_cursor);
    ASSERT_EQ(rest.items.size(), 1U);
    EXPECT_EQ(rest.items[0].product_id, "P0");
    EXPECT_EQ(es_->get_products({"P0", "nope", "P2"}).size(), 2U);

    auto rp = es_->get_room_products("RM_1");
    EXPECT_EQ(rp.version, 0);
    EXPECT_TRUE(rp.product_ids.empty());
    rp.product_ids = {"P2", "P0"};
    rp.pinned_product_id = "P0";
    EngagementChangeset put;
    put.room_products = rp;
    ASSERT_EQ(es_->commit_engagement(put).status, CommitStatus::Ok);
    auto stored = es_->get_room_products("RM_1");
    EXPECT_EQ(stored.product_ids, (std::vector<std::string>{"P2", "P0"}));
    EXPECT_EQ(stored.pinned_product_id, "P0");
    EXPECT_EQ(stored.version, 1);
    EXPECT_EQ(es_->commit_engagement(put).status, CommitStatus::Conflict);  // stale version 0
}

TEST_F(EngagementStoreTest, HitsCountOncePerUserProductRoomAndType) {
    auto hit = [&](const std::string& room, const std::string& user, rooms::ProductEventType t,
                   std::vector<std::string> credited) {
        EngagementChangeset c;
        c.hits.push_back({room, "P1", user, t, std::move(credited), kT0});
        auto r = es_->commit_engagement(c);
        EXPECT_EQ(r.status, CommitStatus::Ok);
        return r.hits_counted;
    };
    using T = rooms::ProductEventType;
    EXPECT_EQ(hit("RM_1", "ann", T::View, {"host", "cara"}), 1);
    EXPECT_EQ(hit("RM_1", "ann", T::View, {"host", "cara"}), 0);  // repeat
    EXPECT_EQ(hit("RM_1", "ann", T::Click, {"host", "cara"}), 1);
    EXPECT_EQ(hit("RM_1", "bob", T::View, {"host"}), 1);  // cara left the stage
    EXPECT_EQ(hit("RM_2", "ann", T::View, {"host"}), 1);  // another room
    auto stats = es_->product_stats("RM_1");
    ASSERT_EQ(stats.size(), 1U);
    EXPECT_EQ(stats[0].views, 2);
    EXPECT_EQ(stats[0].clicks, 1);
    ASSERT_EQ(stats[0].by_member.size(), 2U);
    EXPECT_EQ(stats[0].by_member[0].user_id, "cara");
    EXPECT_EQ(stats[0].by_member[0].views, 1);
    EXPECT_EQ(stats[0].by_member[0].clicks, 1);
    EXPECT_EQ(stats[0].by_member[1].user_id, "host");
    EXPECT_EQ(stats[0].by_member[1].views, 2);
    EXPECT_EQ(es_->product_stats("RM_2").at(0).views, 1);
}

TEST_F(EngagementStoreTest, EventsShareTheOutboxSeqWithRoomEvents) {
    Changeset room_event;
    room_event.events.push_back(NewEvent{"room:RM_1", "room.updated", "RM_1", kT0, "{}"});
    ASSERT_EQ(store_->commit(room_event).status, CommitStatus::Ok);
    post("RM_1", "MS_1", "ann", kT0);
    auto events = store_->events_after("room:RM_1", 0, 10);
    ASSERT_EQ(events.size(), 2U);
    EXPECT_EQ(events[1].type, "chat.message");
    EXPECT_EQ(events[1].seq, 2);
}

TEST_F(EngagementStoreTest, BatchedWritesJoinTheOpenBatch) {
    int hooks = 0;
    store_->set_write_hook([&] {
        ++hooks;
        store_->begin_batch();
    });
    post("RM_1", "MS_1", "ann", kT0);
    EXPECT_EQ(hooks, 1);
    EXPECT_TRUE(store_->batch_open());
    store_->flush_batch();
    EXPECT_EQ(es_->list_messages("RM_1", 10, "").items.size(), 1U);
}

}  // namespace
}  // namespace cohost::server::store
