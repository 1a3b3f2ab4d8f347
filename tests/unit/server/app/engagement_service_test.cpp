// EngagementService over the SQLite store with a manual clock: commands commit rows and events
// together, reactions become one burst per second, viewer counts follow subscriptions.
#include "cohost/server/app/engagement_service.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include "cohost/core/clock.hpp"
#include "cohost/server/app/room_service.hpp"

namespace cohost::server::app {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using rooms::Actor;
using rooms::Errc;

const auto kT0 = core::from_unix_ms(1'790'000'000'000);

class EngagementServiceTest : public ::testing::Test {
protected:
    EngagementServiceTest()
        : store_(store::open_sqlite({":memory:", false})),
          clock_(kT0),
          rooms_(ioc_, *store_, clock_, ServiceOptions{}, [this](const auto& e) { record(e); }),
          svc_(ioc_, *store_, clock_, EngagementOptions{}, [this](const auto& e) { record(e); }) {
        for (const char* u : {"host", "cara", "ann", "bob"}) rooms_.ensure_user(u, u);
        rooms::CreateRoomParams p;
        p.title = "Live";
        room_ = rooms_.create_room(p, "host").room_id;
        published_.clear();
    }

    void record(const std::vector<store::StoredEvent>& events) {
        for (const auto& e : events) published_.push_back(e);
    }

    /// Puts `user` on stage as a co-host (invite + accept through RoomService).
    void add_cohost(const std::string& user) {
        auto reply = rooms_.invite(Actor::user("host"), room_, user, std::nullopt, std::nullopt);
        const auto id = json::parse(reply.body).as_object().at("invitationId").as_string();
        rooms_.respond(Actor::user(user), std::string(id), RoomService::Response::Accept);
    }

    std::vector<std::string> types() const {
        std::vector<std::string> out;
        for (const auto& e : published_) out.push_back(e.type);
        return out;
    }

    template <class F>
    Errc refusal(F&& f) {
        try {
            f();
        } catch (const rooms::ErrorException& e) {
            return e.error.code;
        }
        ADD_FAILURE() << "not refused";
        return Errc::Internal;
    }

    boost::asio::io_context ioc_;
    std::unique_ptr<store::Store> store_;
    core::ManualClock clock_;
    std::vector<store::StoredEvent> published_;
    RoomService rooms_;
    EngagementService svc_;
    std::string room_;
};

TEST_F(EngagementServiceTest, ChatMessageIsStoredAndPublishedWithItsBadge) {
    auto m = svc_.post_message(Actor::user("host"), room_, "welcome");
    EXPECT_GT(m.seq, 0);
    ASSERT_EQ(types(), (std::vector<std::string>{"chat.message"}));
    auto data = json::parse(published_[0].data_json).as_object();
    EXPECT_EQ(data.at("text").as_string(), "welcome");
    EXPECT_EQ(data.at("author").as_object().at("role").as_string(), "host");
    EXPECT_EQ(data.at("author").as_object().at("displayName").as_string(), "host");
    EXPECT_EQ(published_[0].topic, "room:" + room_);
    auto page = svc_.list_messages(Actor::user("ann"), room_, 50, "");
    ASSERT_EQ(page.items.size(), 1U);
    EXPECT_EQ(page.items[0].message_id, m.message_id);
}

TEST_F(EngagementServiceTest, SlowModeUsesTheLastAcceptedPost) {
    rooms::RoomPatch patch;
    patch.slow_mode_seconds = 5;
    rooms_.update_room(Actor::user("host"), room_, patch);
    svc_.post_message(Actor::user("ann"), room_, "one");
    clock_.advance(2s);
    EXPECT_EQ(refusal([&] { svc_.post_message(Actor::user("ann"), room_, "two"); }),
              Errc::SlowMode);
    clock_.advance(3s);  // 5 s after the accepted post; the refused one did not restart it
    EXPECT_NO_THROW(svc_.post_message(Actor::user("ann"), room_, "three"));
    EXPECT_NO_THROW(svc_.post_message(Actor::user("host"), room_, "exempt"));
}

TEST_F(EngagementServiceTest, MuteExpiresAndBanCutsViewerAccess) {
    svc_.moderate(Actor::user("host"), room_, {rooms::ModerationAction::Mute, "ann", 30s});
    EXPECT_EQ(refusal([&] { svc_.post_message(Actor::user("ann"), room_, "x"); }), Errc::Muted);
    clock_.advance(30s);
    EXPECT_NO_THROW(svc_.post_message(Actor::user("ann"), room_, "back"));

    svc_.moderate(Actor::user("host"), room_, {rooms::ModerationAction::Ban, "bob", std::nullopt});
    EXPECT_EQ(refusal([&] { svc_.post_message(Actor::user("bob"), room_, "x"); }), Errc::Banned);
    EXPECT_EQ(refusal([&] { svc_.react(Actor::user("bob"), room_, "heart"); }), Errc::Banned);
    EXPECT_EQ(refusal([&] { (void)svc_.list_messages(Actor::user("bob"), room_, 10, ""); }),
              Errc::Banned);
    auto check = svc_.check_viewer(Actor::user("bob"), room_, false);
    ASSERT_TRUE(check.has_value());
    EXPECT_EQ(check->code, Errc::Banned);
    EXPECT_FALSE(svc_.check_viewer(Actor::user("ann"), room_, false).has_value());
    EXPECT_EQ(refusal([&] {
                  svc_.moderate(Actor::user("host"), room_,
                                {rooms::ModerationAction::Mute, "nobody", 5s});
              }),
              Errc::UserNotFound);
    // Every moderation command was announced in order.
    EXPECT_EQ(types(),
              (std::vector<std::string>{"chat.moderation", "chat.message", "chat.moderation"}));
}

TEST_F(EngagementServiceTest, DeleteByCohostAndRefusalForOtherViewers) {
    add_cohost("cara");
    published_.clear();
    auto m = svc_.post_message(Actor::user("ann"), room_, "spam");
    EXPECT_EQ(refusal([&] { svc_.delete_message(Actor::user("bob"), room_, m.message_id); }),
              Errc::Forbidden);
    svc_.delete_message(Actor::user("cara"), room_, m.message_id);
    EXPECT_EQ(refusal([&] { svc_.delete_message(Actor::user("cara"), room_, m.message_id); }),
              Errc::NotFound);
    EXPECT_TRUE(svc_.list_messages(Actor::user("ann"), room_, 50, "").items.empty());
    EXPECT_EQ(types(), (std::vector<std::string>{"chat.message", "chat.deleted"}));
}

TEST_F(EngagementServiceTest, ThousandReactionsInOneSecondMakeOneBurst) {
    clock_.set(kT0 + 100ms);
    for (int i = 0; i < 1000; ++i) {
        const auto user = "u" + std::to_string(i % 50);  // 20 each: exactly the per-user limit
        svc_.react(Actor::user(user), room_, i % 2 == 0 ? "heart" : "fire");
    }
    EXPECT_EQ(refusal([&] { svc_.react(Actor::user("u0"), room_, "heart"); }), Errc::RateLimited);
    EXPECT_EQ(refusal([&] { svc_.react(Actor::user("ann"), room_, "nope"); }),
              Errc::InvalidArgument);
    svc_.tick();  // same second: nothing yet
    EXPECT_TRUE(published_.empty());
    clock_.set(kT0 + 1s);
    svc_.tick();
    ASSERT_EQ(types(), (std::vector<std::string>{"reactions.burst"}));
    auto data = json::parse(published_[0].data_json).as_object();
    EXPECT_EQ(data.at("counts").as_object().at("heart").as_int64(), 500);
    EXPECT_EQ(data.at("counts").as_object().at("fire").as_int64(), 500);
    EXPECT_EQ(data.at("from").as_string(), core::format_iso8601(kT0));
    EXPECT_EQ(data.at("to").as_string(), core::format_iso8601(kT0 + 1s));
    svc_.tick();
    EXPECT_EQ(published_.size(), 1U);  // nothing new: no empty bursts
    EXPECT_EQ(svc_.stats().reactions, 1000U);
    EXPECT_EQ(svc_.stats().bursts, 1U);
}

TEST_F(EngagementServiceTest, ViewerCountFollowsSubscriptionsOncePerTickOnlyOnChange) {
    add_cohost("cara");
    published_.clear();
    const auto topic = "room:" + room_;
    svc_.on_subscribed(Actor::user("ann"), topic);
    svc_.on_subscribed(Actor::user("ann"), topic);  // a second tab: still one viewer
    svc_.on_subscribed(Actor::user("bob"), topic);
    svc_.on_subscribed(Actor::user("cara"), topic);  // stage members do not count
    svc_.on_subscribed(Actor::backend(), topic);
    svc_.on_subscribed(Actor::user("bob"), "user:bob");
    svc_.tick();
    ASSERT_EQ(types(), (std::vector<std::string>{"viewers.count"}));
    EXPECT_EQ(json::parse(published_.back().data_json).at("count").as_int64(), 2);
    EXPECT_EQ(svc_.viewers(room_).size(), 2U);
    svc_.tick();
    EXPECT_EQ(published_.size(), 1U);  // unchanged: no event
    // Several changes between ticks coalesce into one event.
    svc_.on_unsubscribed(Actor::user("ann"), topic);  // one tab left, ann still watching
    svc_.on_unsubscribed(Actor::user("bob"), topic);
    svc_.on_subscribed(Actor::user("bob"), topic);
    svc_.tick();
    EXPECT_EQ(published_.size(), 1U);
    svc_.on_unsubscribed(Actor::user("ann"), topic);
    svc_.on_unsubscribed(Actor::user("bob"), topic);
    svc_.tick();
    ASSERT_EQ(published_.size(), 2U);
    EXPECT_EQ(json::parse(published_.back().data_json).at("count").as_int64(), 0);
    EXPECT_TRUE(svc_.viewers(room_).empty());
}

TEST_F(EngagementServiceTest, ProductsPinAttributionAndStats) {
    ProductInput in;
    in.name = "Shoe";
    in.url = "https://shop.example/shoe";
    in.price = "19.99";
    in.currency = "USD";
    EXPECT_EQ(refusal([&] { svc_.create_product(Actor::user("host"), in); }), Errc::Forbidden);
    in.product_id = "shoe";
    auto shoe = svc_.create_product(Actor::backend(), in);
    EXPECT_EQ(shoe.price_minor, 1999);
    in.product_id = "hat";
    svc_.create_product(Actor::backend(), in);
    EXPECT_EQ(refusal([&] { svc_.create_product(Actor::backend(), in); }), Errc::Conflict);

    add_cohost("cara");
    published_.clear();
    svc_.set_room_products(Actor::user("host"), room_, {"shoe", "hat"});
    EXPECT_EQ(refusal([&] { svc_.pin(Actor::user("cara"), room_, "shoe"); }), Errc::Forbidden);
    rooms_.set_permissions(Actor::user("host"), room_, "cara", true);
    svc_.pin(Actor::user("cara"), room_, "shoe");
    auto rp = svc_.room_products(room_);
    EXPECT_EQ(rp.pinned_product_id, "shoe");
    // Clicks: counted once per user; credited to host and cara while cara is on stage.
    EXPECT_TRUE(
        svc_.product_event(Actor::user("ann"), room_, "shoe", rooms::ProductEventType::Click));
    EXPECT_FALSE(
        svc_.product_event(Actor::user("ann"), room_, "shoe", rooms::ProductEventType::Click));
    rooms_.leave_stage(Actor::user("cara"), room_);
    EXPECT_TRUE(
        svc_.product_event(Actor::user("bob"), room_, "shoe", rooms::ProductEventType::Click));
    auto stats = svc_.product_stats(Actor::user("host"), room_);
    ASSERT_EQ(stats.size(), 1U);
    EXPECT_EQ(stats[0].clicks, 2);
    ASSERT_EQ(stats[0].by_member.size(), 2U);
    EXPECT_EQ(stats[0].by_member[0].user_id, "cara");
    EXPECT_EQ(stats[0].by_member[0].clicks, 1);
    EXPECT_EQ(stats[0].by_member[1].user_id, "host");
    EXPECT_EQ(stats[0].by_member[1].clicks, 2);
    EXPECT_EQ(refusal([&] { (void)svc_.product_stats(Actor::user("ann"), room_); }), Errc::NotHost);
    // Dropping the pinned product unpins it.
    published_.clear();
    svc_.set_room_products(Actor::user("host"), room_, {"hat"});
    EXPECT_FALSE(svc_.room_products(room_).pinned_product_id.has_value());
    ASSERT_EQ(types(), (std::vector<std::string>{"products.unpinned", "products.updated"}));
    auto updated = json::parse(published_[1].data_json).as_object();
    EXPECT_EQ(updated.at("products").as_array().size(), 1U);
    EXPECT_EQ(updated.at("products").as_array()[0].at("price").as_string(), "19.99");
    EXPECT_TRUE(updated.at("pinnedProductId").is_null());
    // Archived products cannot be tagged.
    ProductInput archive;
    archive.status = rooms::ProductStatus::Archived;
    svc_.update_product(Actor::backend(), "shoe", archive);
    EXPECT_EQ(refusal([&] { svc_.set_room_products(Actor::user("host"), room_, {"shoe"}); }),
              Errc::InvalidArgument);
}

}  // namespace
}  // namespace cohost::server::app
