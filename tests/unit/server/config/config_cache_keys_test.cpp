// The cache keys of issue 7: auth.token_cache_size (verified bearer tokens) and
// engagement.viewer_cache_ttl (room status and bans in memory); 0 turns either off.
#include <gtest/gtest.h>

#include "unit/server/config/config_test_util.hpp"

namespace cohost::server::test {
namespace {

using namespace std::chrono_literals;

TEST(ConfigCacheKeys, DefaultsAreOn) {
    const Config c;
    EXPECT_EQ(c.token_cache_size, 10'000U);
    EXPECT_EQ(c.engagement_viewer_cache_ttl, 2s);
}

TEST(ConfigCacheKeys, ValuesAndZeroFromYamlAndEnvironment) {
    const Config c =
        from_yaml("auth:\n  token_cache_size: 50\nengagement:\n  viewer_cache_ttl: 500ms\n");
    EXPECT_EQ(c.token_cache_size, 50U);
    EXPECT_EQ(c.engagement_viewer_cache_ttl, 500ms);
    const Config off = load_config(
        {}, {{"COHOST_AUTH_TOKEN_CACHE_SIZE", "0"}, {"COHOST_ENGAGEMENT_VIEWER_CACHE_TTL", "0s"}});
    EXPECT_EQ(off.token_cache_size, 0U);
    EXPECT_EQ(off.engagement_viewer_cache_ttl, 0ms);
    EXPECT_EQ(from_yaml("engagement:\n  viewer_cache_ttl: 0\n").engagement_viewer_cache_ttl, 0ms);
}

TEST(ConfigCacheKeys, BadValuesNameTheKey) {
    EXPECT_NE(error_of([] {
                  (void)from_yaml("auth:\n  token_cache_size: -1\n");
              }).find("auth.token_cache_size"),
              std::string::npos);
    EXPECT_NE(error_of([] {
                  (void)from_yaml("engagement:\n  viewer_cache_ttl: soon\n");
              }).find("engagement.viewer_cache_ttl"),
              std::string::npos);
}

}  // namespace
}  // namespace cohost::server::test
