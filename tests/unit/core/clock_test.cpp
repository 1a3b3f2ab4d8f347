// Injected clocks.
#include "cohost/core/clock.hpp"

#include <gtest/gtest.h>

namespace cohost::core {
namespace {

using namespace std::chrono_literals;

TEST(ManualClock, StartsAtItsDefaultOrGivenInstant) {
    EXPECT_EQ(ManualClock{}.now(), from_unix_ms(1'790'000'000'000));
    EXPECT_EQ(ManualClock{from_unix_ms(42)}.now(), from_unix_ms(42));
}

TEST(ManualClock, MovesOnlyWhenTold) {
    ManualClock clock{from_unix_ms(1000)};
    EXPECT_EQ(clock.now(), clock.now());
    clock.advance(1500ms);
    EXPECT_EQ(clock.now(), from_unix_ms(2500));
    clock.advance(2h);
    EXPECT_EQ(clock.now(), from_unix_ms(2500 + 7'200'000));
    clock.set(from_unix_ms(5));
    EXPECT_EQ(clock.now(), from_unix_ms(5));
}

TEST(ManualClock, WorksThroughTheInterface) {
    ManualClock manual{from_unix_ms(10)};
    const Clock& clock = manual;
    manual.advance(5ms);
    EXPECT_EQ(clock.now(), from_unix_ms(15));
}

TEST(SystemClock, FollowsTheSystemClockInMilliseconds) {
    const SystemClock clock;
    const auto before = std::chrono::floor<Duration>(std::chrono::system_clock::now());
    const TimePoint t = clock.now();
    const auto after = std::chrono::system_clock::now();
    EXPECT_GE(t, before);
    EXPECT_LE(t, after);
    EXPECT_GT(to_unix_ms(t), 1'700'000'000'000);  // sanity: after 2023
}

}  // namespace
}  // namespace cohost::core
