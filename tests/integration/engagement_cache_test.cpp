// The engagement service answers "may this user react / watch / read chat" from memory
// (server/src/app/engagement_viewer_cache.hpp). These tests warm that cache with accepted
// requests first, then change the facts behind it and prove that the very next request sees the
// change: a ban, an unban, a timed ban's end, the room's end. Bearer tokens are also cached
// (token_cache.hpp): the same token keeps working, a tampered one never does.
#include <thread>

#include "cohost/core/time.hpp"
#include "engagement_fixture.hpp"

namespace cohost::it {
namespace {

class EngagementCacheTest : public EngagementFixture {
protected:
    void SetUp() override {
        ServerTest::SetUp();
        open_room("Cache", false);
        other_ = std::make_unique<sdk::ApiClient>(login("olga", "Olga"));
    }

    sdk::ApiResponse react(sdk::ApiClient& api) {
        return api.request("POST", path("/reactions"), json::object{{"reaction", "heart"}});
    }

    sdk::ApiResponse moderate(json::object body) {
        return host_->request("POST", path("/moderation"), std::move(body));
    }

    std::unique_ptr<sdk::ApiClient> other_;
};

TEST_F(EngagementCacheTest, ABanHoldsForTheVeryNextReactionAndAnUnbanToo) {
    // Warm: several accepted reactions and a chat read (the cached "no moderation row" entry).
    for (int i = 0; i < 3; ++i) ASSERT_EQ(react(*viewer_).status, 202);
    ASSERT_EQ(viewer_->request("GET", path("/messages")).status, 200);
    ASSERT_EQ(moderate({{"action", "ban"}, {"userId", "vic"}}).status, 200);
    auto refused = react(*viewer_);
    EXPECT_EQ(refused.status, 403) << refused.raw;
    EXPECT_EQ(refused.error_code(), "banned");
    EXPECT_EQ(viewer_->request("GET", path("/messages")).error_code(), "banned");
    auto rt = realtime(*viewer_);
    rt->subscribe("room:" + room_);
    auto frame = next_non_pong(*rt, 3s);
    ASSERT_TRUE(frame.has_value());
    EXPECT_EQ(str(*frame, "code"), "banned");
    // Another viewer of the same room is not affected.
    EXPECT_EQ(react(*other_).status, 202);
    ASSERT_EQ(moderate({{"action", "unban"}, {"userId", "vic"}}).status, 200);
    EXPECT_EQ(react(*viewer_).status, 202) << "the unban did not hold for the next reaction";
}

TEST_F(EngagementCacheTest, EndingTheRoomRefusesTheVeryNextReaction) {
    ASSERT_EQ(react(*viewer_).status, 202);
    ASSERT_EQ(react(*other_).status, 202);
    host_->stop_room(room_);
    for (auto* api : {viewer_.get(), other_.get()}) {
        auto r = react(*api);
        EXPECT_EQ(r.status, 409) << r.raw;
        EXPECT_EQ(r.error_code(), "room_ended");
    }
    // Reading the chat of an ended room stays allowed.
    EXPECT_EQ(viewer_->request("GET", path("/messages")).status, 200);
}

TEST_F(EngagementCacheTest, ATimedBanEndsByItselfWhileCached) {
    ASSERT_EQ(react(*viewer_).status, 202);
    auto ban = moderate({{"action", "ban"}, {"userId", "vic"}, {"durationSeconds", 1}});
    ASSERT_EQ(ban.status, 200) << ban.raw;
    const auto until = core::parse_iso8601(str(ban.body, "bannedUntil"));
    ASSERT_TRUE(until.has_value());
    // Refusals keep the ban row cached; the deadline is still evaluated at each request.
    if (std::chrono::system_clock::now() < *until - 300ms) {
        EXPECT_EQ(react(*viewer_).error_code(), "banned");
    }
    std::this_thread::sleep_until(std::chrono::system_clock::time_point(*until) + 50ms);
    EXPECT_EQ(react(*viewer_).status, 202) << "the ban did not end at bannedUntil";
}

TEST_F(EngagementCacheTest, ACachedTokenIsNeverMatchedByATamperedOne) {
    ASSERT_EQ(react(*viewer_).status, 202);
    ASSERT_EQ(react(*viewer_).status, 202);  // the second one is a cache hit
    const std::string token = viewer_->token();
    ASSERT_GT(token.size(), 10U);
    // Flip one character of the signature: same header and claims, another key of the cache.
    // (Not the last character: its low bits are padding a lenient decoder may ignore.)
    std::string tampered = token;
    char& c = tampered[tampered.size() - 5];
    c = c == 'A' ? 'B' : 'A';
    sdk::ApiClient forged(url(), tampered);
    auto r = react(forged);
    EXPECT_EQ(r.status, 401) << r.raw;
    EXPECT_EQ(r.error_code(), "unauthenticated");
    // A token of another user with this user's claims is refused too (signature of the claims).
    const auto dot = token.rfind('.');
    sdk::ApiClient swapped(
        url(), token.substr(0, dot) + other_->token().substr(other_->token().rfind('.')));
    EXPECT_EQ(react(swapped).status, 401);
    EXPECT_EQ(react(*viewer_).status, 202);
}

}  // namespace
}  // namespace cohost::it
