// Authenticator's verified-token cache (token_cache.hpp): a hit needs the exact same token bytes,
// entries end at the token's `exp`, the size is bounded, refusals are never stored.
#include <gtest/gtest.h>

#include <boost/json/object.hpp>

#include "cohost/core/clock.hpp"
#include "cohost/core/jwt.hpp"
#include "cohost/server/app/auth.hpp"

namespace cohost::server::app {
namespace {

using namespace std::chrono_literals;

const std::string kKey = "devkey";
const std::string kSecret = "0123456789abcdef0123456789abcdef-secret";

class TokenCacheAuthTest : public ::testing::Test {
protected:
    core::ManualClock clock_;

    std::string token(const std::string& sub, std::chrono::seconds ttl,
                      const std::string& secret = kSecret) {
        boost::json::object c;
        c["iss"] = kKey;
        c["sub"] = sub;
        c["name"] = sub + " name";
        c["nbf"] = core::to_unix_seconds(clock_.now());
        c["exp"] = core::to_unix_seconds(clock_.now()) + ttl.count();
        return core::jwt::sign_hs256(c, secret);
    }
};

TEST_F(TokenCacheAuthTest, SecondVerificationOfTheSameTokenIsAHit) {
    Authenticator auth(kKey, kSecret, clock_);
    const auto t = token("ann", 1h);
    auto a = auth.verify(t);
    ASSERT_TRUE(a);
    EXPECT_EQ(auth.token_cache().hits(), 0U);
    EXPECT_EQ(auth.token_cache().size(), 1U);
    auto b = auth.verify(t);
    ASSERT_TRUE(b);
    EXPECT_EQ(auth.token_cache().hits(), 1U);
    EXPECT_EQ(b->actor.user_id, "ann");
    EXPECT_EQ(b->display_name, "ann name");
    EXPECT_FALSE(b->actor.admin);
}

TEST_F(TokenCacheAuthTest, EntryEndsAtExpAndTheTokenIsThenVerifiedAgain) {
    Authenticator auth(kKey, kSecret, clock_);
    const auto t = token("ann", 60s);
    ASSERT_TRUE(auth.verify(t));
    clock_.advance(59s);
    ASSERT_TRUE(auth.verify(t));
    EXPECT_EQ(auth.token_cache().hits(), 1U);
    // At exp the entry is no longer used (the 10 s leeway then comes from a real verification).
    clock_.advance(1s);
    ASSERT_TRUE(auth.verify(t));
    EXPECT_EQ(auth.token_cache().hits(), 1U);
    // Past exp + leeway: refused, and the refusal is not cached.
    clock_.advance(11s);
    auto r = auth.verify(t);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, rooms::Errc::Unauthenticated);
    EXPECT_EQ(auth.token_cache().size(), 0U);
    EXPECT_EQ(auth.token_cache().hits(), 1U);
}

TEST_F(TokenCacheAuthTest, TokenWithAnotherSignatureMissesAndIsRefused) {
    Authenticator auth(kKey, kSecret, clock_);
    const auto good = token("ann", 1h);
    ASSERT_TRUE(auth.verify(good));
    // Same header and claims, signature of another secret: a different key, full verification.
    const auto forged = token("ann", 1h, std::string(40, 'x'));
    ASSERT_EQ(forged.substr(0, forged.rfind('.')), good.substr(0, good.rfind('.')));
    ASSERT_NE(forged, good);
    auto r = auth.verify(forged);
    ASSERT_FALSE(r);
    EXPECT_EQ(auth.token_cache().hits(), 0U);
    // A prefix or an extension of a cached token is not a hit either.
    EXPECT_FALSE(auth.verify(good.substr(0, good.size() - 1)));
    EXPECT_FALSE(auth.verify(good + "A"));
    EXPECT_EQ(auth.token_cache().hits(), 0U);
    EXPECT_EQ(auth.token_cache().size(), 1U);  // refusals are never stored
    ASSERT_TRUE(auth.verify(good));
    EXPECT_EQ(auth.token_cache().hits(), 1U);
}

TEST_F(TokenCacheAuthTest, SizeIsBoundedLeastRecentlyUsedGoesFirst) {
    Authenticator auth(kKey, kSecret, clock_, 2);
    const auto a = token("ann", 1h);
    const auto b = token("bob", 1h);
    const auto c = token("cara", 1h);
    ASSERT_TRUE(auth.verify(a));
    ASSERT_TRUE(auth.verify(b));
    ASSERT_TRUE(auth.verify(a));  // hit: a is now the most recent
    ASSERT_TRUE(auth.verify(c));  // evicts b
    EXPECT_EQ(auth.token_cache().size(), 2U);
    const auto hits = auth.token_cache().hits();
    ASSERT_TRUE(auth.verify(a));
    ASSERT_TRUE(auth.verify(c));
    EXPECT_EQ(auth.token_cache().hits(), hits + 2);
    ASSERT_TRUE(auth.verify(b));  // miss, verified again, evicts a
    EXPECT_EQ(auth.token_cache().hits(), hits + 2);
    EXPECT_EQ(auth.token_cache().size(), 2U);
}

TEST_F(TokenCacheAuthTest, CapacityZeroVerifiesEveryTime) {
    Authenticator auth(kKey, kSecret, clock_, 0);
    const auto t = token("ann", 1h);
    ASSERT_TRUE(auth.verify(t));
    ASSERT_TRUE(auth.verify(t));
    EXPECT_EQ(auth.token_cache().hits(), 0U);
    EXPECT_EQ(auth.token_cache().size(), 0U);
}

TEST_F(TokenCacheAuthTest, BackendTokenIsCachedAsBackend) {
    Authenticator auth(kKey, kSecret, clock_);
    boost::json::object c;
    c["iss"] = kKey;
    c["exp"] = core::to_unix_seconds(clock_.now()) + 600;
    c["video"] = boost::json::object{{"roomAdmin", true}};
    const auto t = core::jwt::sign_hs256(c, kSecret);
    ASSERT_TRUE(auth.verify(t));
    auto again = auth.verify(t);
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->actor.admin);
    EXPECT_EQ(auth.token_cache().hits(), 1U);
}

}  // namespace
}  // namespace cohost::server::app
