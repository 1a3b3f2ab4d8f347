// media.max_queue_delay: how long a publisher's RTP may wait in a media worker's socket before
// an overloaded worker drops it unread (default 500 ms; 0 = never).
#include <gtest/gtest.h>

#include "unit/server/config/config_test_util.hpp"

namespace cohost::server::test {
namespace {

using namespace std::chrono_literals;

TEST(ConfigMediaQueue, DefaultIsHalfASecond) { EXPECT_EQ(Config{}.media_max_queue_delay, 500ms); }

TEST(ConfigMediaQueue, ValuesAndZeroFromYamlAndEnvironment) {
    EXPECT_EQ(from_yaml("media:\n  max_queue_delay: 200ms\n").media_max_queue_delay, 200ms);
    EXPECT_EQ(from_yaml("media:\n  max_queue_delay: 0\n").media_max_queue_delay, 0ms);
    EXPECT_EQ(load_config({}, {{"COHOST_MEDIA_MAX_QUEUE_DELAY", "2s"}}).media_max_queue_delay,
              2000ms);
    EXPECT_EQ(load_config({}, {{"COHOST_MEDIA_MAX_QUEUE_DELAY", "0s"}}).media_max_queue_delay,
              0ms);
}

TEST(ConfigMediaQueue, ABadValueNamesTheKey) {
    EXPECT_NE(error_of([] {
                  (void)from_yaml("media:\n  max_queue_delay: soon\n");
              }).find("media.max_queue_delay"),
              std::string::npos);
    EXPECT_NE(error_of([] {
                  (void)from_yaml("media:\n  max_queue_delay: -5ms\n");
              }).find("media.max_queue_delay"),
              std::string::npos);
}

}  // namespace
}  // namespace cohost::server::test
