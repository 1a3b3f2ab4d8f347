// EngagementService's viewer cache (engagement_viewer_cache.hpp) over the SQLite store with a
// manual clock: this process's bans and room ends hold at once, timed bans end while cached,
// another writer's changes are seen within the TTL, TTL 0 reads the store every time.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "cohost/core/clock.hpp"
#include "cohost/server/app/engagement_service.hpp"
#include "cohost/server/app/room_service.hpp"

namespace cohost::server::app {
namespace {

using namespace std::chrono_literals;
using rooms::Actor;
using rooms::Errc;

EngagementOptions with_ttl(std::chrono::milliseconds ttl) {
    EngagementOptions o;
    o.viewer_cache_ttl = ttl;
    return o;
}

class ViewerCacheTest : public ::testing::Test {
protected:
    explicit ViewerCacheTest(std::chrono::milliseconds ttl = 1h)
        : store_(store::open_sqlite({":memory:", false})),
          rooms_(ioc_, *store_, clock_, ServiceOptions{},
                 // As server.cpp wires it: RoomService's commits reach the engagement service.
                 [this](const auto& events) {
                     if (svc_) svc_->on_room_changed(events);
                 }),
          svc_(std::make_unique<EngagementService>(ioc_, *store_, clock_, with_ttl(ttl), nullptr)) {
        for (const char* u : {"host", "vic"}) rooms_.ensure_user(u, u);
        rooms::CreateRoomParams p;
        p.title = "Live";
        room_ = rooms_.create_room(p, "host").room_id;
    }

    /// The refusal code of a reaction by `user`, or nullopt when it was accepted.
    std::optional<Errc> react(const std::string& user) {
        try {
            svc_->react(Actor::user(user), room_, "heart");
            return std::nullopt;
        } catch (const rooms::ErrorException& e) {
            return e.error.code;
        }
    }

    void moderate(rooms::ModerationAction action, std::optional<std::chrono::seconds> d = {}) {
        rooms::ModerationCommand cmd;
        cmd.action = action;
        cmd.target_user_id = "vic";
        cmd.duration = d;
        (void)svc_->moderate(Actor::user("host"), room_, cmd);
    }

    /// A ban written straight into the store, as another process sharing the database would.
    void ban_behind_the_service() {
        store::EngagementChangeset c;
        rooms::Moderation m;
        m.room_id = room_;
        m.user_id = "vic";
        m.banned = true;
        m.updated_at = clock_.now();
        m.updated_by = "host";
        c.moderation.push_back(m);
        ASSERT_EQ(store_->engagement()->commit_engagement(c).status, store::CommitStatus::Ok);
    }

    boost::asio::io_context ioc_;
    std::unique_ptr<store::Store> store_;
    core::ManualClock clock_;
    RoomService rooms_;
    std::unique_ptr<EngagementService> svc_;
    std::string room_;
};

TEST_F(ViewerCacheTest, BanAndUnbanHoldForTheNextReaction) {
    EXPECT_EQ(react("vic"), std::nullopt);
    moderate(rooms::ModerationAction::Ban);
    EXPECT_EQ(react("vic"), Errc::Banned);
    EXPECT_EQ(react("host"), std::nullopt);
    EXPECT_EQ(svc_->check_viewer(Actor::user("vic"), room_, true)->code, Errc::Banned);
    moderate(rooms::ModerationAction::Unban);
    EXPECT_EQ(react("vic"), std::nullopt);
}

TEST_F(ViewerCacheTest, ATimedBanEndsWhileItsRowIsCached) {
    EXPECT_EQ(react("vic"), std::nullopt);
    moderate(rooms::ModerationAction::Ban, 60s);
    EXPECT_EQ(react("vic"), Errc::Banned);
    clock_.advance(59s);
    EXPECT_EQ(react("vic"), Errc::Banned);  // the row is cached (TTL 1 h) and still a ban
    clock_.advance(1s);
    EXPECT_EQ(react("vic"), std::nullopt);  // bannedUntil reached: evaluated at each check
}

TEST_F(ViewerCacheTest, EndingTheRoomRefusesTheNextReaction) {
    EXPECT_EQ(react("vic"), std::nullopt);
    (void)rooms_.stop_room(Actor::user("host"), room_);
    EXPECT_EQ(react("vic"), Errc::RoomEnded);
    EXPECT_EQ(svc_->check_viewer(Actor::user("vic"), room_, true), std::nullopt);
}

TEST_F(ViewerCacheTest, UnknownRoomIsNotFoundAndNotRemembered) {
    EXPECT_EQ(svc_->check_viewer(Actor::user("vic"), "RM_nope", false)->code, Errc::NotFound);
    EXPECT_EQ(svc_->check_viewer(Actor::user("vic"), "RM_nope", false)->code, Errc::NotFound);
}

class ViewerCacheTtlTest : public ViewerCacheTest {
protected:
    ViewerCacheTtlTest() : ViewerCacheTest(2s) {}
};

TEST_F(ViewerCacheTtlTest, AnotherWritersBanIsSeenWithinTheTtl) {
    EXPECT_EQ(react("vic"), std::nullopt);  // caches "no moderation row" at t0
    clock_.advance(1s);
    ban_behind_the_service();
    clock_.advance(1s);  // t0 + ttl: the entry is stale, the store is read
    EXPECT_EQ(react("vic"), Errc::Banned);
}

class ViewerCacheOffTest : public ViewerCacheTest {
protected:
    ViewerCacheOffTest() : ViewerCacheTest(0ms) {}
};

TEST_F(ViewerCacheOffTest, TtlZeroReadsTheStoreEveryTime) {
    EXPECT_EQ(react("vic"), std::nullopt);
    ban_behind_the_service();
    EXPECT_EQ(react("vic"), Errc::Banned);
}

}  // namespace
}  // namespace cohost::server::app
