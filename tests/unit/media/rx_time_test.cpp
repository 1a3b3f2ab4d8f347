// Arrival times for transport-cc feedback: the kernel's receive stamp, moved onto the steady
// clock, instead of the moment the worker got round to reading the datagram (rx_time.hpp).
#include "rx_time.hpp"

#include <gtest/gtest.h>

namespace cohost::media::detail {
namespace {

constexpr std::uint64_t kSteady = 5'000'000'000;           // µs
constexpr std::int64_t kReal = 1'800'000'000'000'000'000;  // ns

TEST(RxTime, TheTimeWaitedInTheSocketBufferIsTakenAway) {
    // Read 30 ms after the kernel stamped it: it arrived 30 ms before the read.
    EXPECT_EQ(arrival_us(kSteady, kReal, kReal - 30'000'000), kSteady - 30'000);
    // Sub-microsecond waits round down to the read time.
    EXPECT_EQ(arrival_us(kSteady, kReal, kReal - 999), kSteady);
    EXPECT_EQ(arrival_us(kSteady, kReal, kReal), kSteady);
}

TEST(RxTime, ABurstReadAtOnceKeepsItsSpacing) {
    // Three datagrams 10 ms apart, all read after a 50 ms stall of the worker at nearly the same
    // moment: the arrivals keep their 10 ms spacing instead of collapsing onto one stamp.
    const std::int64_t stamps[] = {kReal - 50'000'000, kReal - 40'000'000, kReal - 30'000'000};
    const std::uint64_t a0 = arrival_us(kSteady, kReal, stamps[0]);
    const std::uint64_t a1 = arrival_us(kSteady + 3, kReal + 3'000, stamps[1]);
    const std::uint64_t a2 = arrival_us(kSteady + 6, kReal + 6'000, stamps[2]);
    EXPECT_EQ(a1 - a0, 10'000u);
    EXPECT_EQ(a2 - a1, 10'000u);
}

TEST(RxTime, AnUnusableStampFallsBackToTheReadTime) {
    EXPECT_EQ(arrival_us(kSteady, kReal, 0), kSteady) << "no stamp";
    EXPECT_EQ(arrival_us(kSteady, kReal, -5), kSteady) << "negative stamp";
    EXPECT_EQ(arrival_us(kSteady, kReal, kReal + 1'000'000), kSteady) << "stamp in the future";
    EXPECT_EQ(arrival_us(kSteady, kReal, kReal - 3'000'000'000), kSteady)
        << "a 3 s wait is a realtime clock step, not a queue";
    EXPECT_EQ(arrival_us(kSteady, kReal, kReal - static_cast<std::int64_t>(kMaxSocketWaitUs) * 1000),
              kSteady - kMaxSocketWaitUs)
        << "the longest believed wait";
    EXPECT_EQ(arrival_us(1'000, kReal, kReal - 5'000'000), 1'000u)
        << "never before the steady clock's epoch";
}

}  // namespace
}  // namespace cohost::media::detail
