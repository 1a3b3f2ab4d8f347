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

TEST(RxTime, OnlyADatagramThatReallyWaitedPastTheLimitIsLate) {
    constexpr std::uint64_t kLimit = 500'000;  // 500 ms
    const auto late = [&](std::int64_t waited_ns, std::uint64_t limit) {
        return waited_too_long(kSteady, arrival_us(kSteady, kReal, kReal - waited_ns), limit);
    };
    EXPECT_FALSE(late(1'000'000, kLimit)) << "1 ms in the buffer";
    EXPECT_FALSE(late(500'000'000, kLimit)) << "exactly the limit is not late";
    EXPECT_TRUE(late(500'001'000, kLimit));
    EXPECT_TRUE(late(1'900'000'000, kLimit)) << "a long backlog";
    EXPECT_FALSE(late(1'900'000'000, 0)) << "limit 0: never dropped";
    EXPECT_FALSE(late(3'000'000'000, kLimit)) << "an unbelievable stamp is not a backlog";
    EXPECT_FALSE(waited_too_long(kSteady, arrival_us(kSteady, kReal, 0), 1))
        << "no kernel stamp: read time, never late";
    EXPECT_FALSE(waited_too_long(kSteady, kSteady + 10, 1)) << "arrival after the read";
}

}  // namespace
}  // namespace cohost::media::detail
