// Tests for media/packet_cache.hpp and media/keyframe_limiter.hpp.
#include "cohost/media/packet_cache.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "cohost/media/keyframe_limiter.hpp"

namespace {

using cohost::media::KeyframeLimiter;
using cohost::media::PacketCache;

// A fake "packet" whose bytes encode its sequence number, so a find can check it got the right one.
std::vector<std::byte> bytes_for(std::uint32_t tag, std::size_t size = 8) {
    std::vector<std::byte> v(size);
    for (std::size_t i = 0; i < size; ++i) {
        v[i] = std::byte{static_cast<std::uint8_t>((tag >> (8 * (i % 4))) & 0xFF)};
    }
    return v;
}

bool holds(const PacketCache& cache, std::uint16_t seq, std::uint32_t tag, std::size_t size = 8) {
    auto found = cache.find(seq);
    if (!found) {
        return false;
    }
    auto want = bytes_for(tag, size);
    return found->size() == want.size() &&
           std::equal(found->begin(), found->end(), want.begin(), want.end());
}

TEST(PacketCache, FindsExactSequenceNumbers) {
    PacketCache cache(16, 100);
    for (std::uint16_t s = 100; s < 110; ++s) {
        cache.store(s, bytes_for(s), 0);
    }
    for (std::uint16_t s = 100; s < 110; ++s) {
        EXPECT_TRUE(holds(cache, s, s)) << s;
    }
    EXPECT_FALSE(cache.find(99));
    EXPECT_FALSE(cache.find(110));  // newer than anything stored
    EXPECT_FALSE(cache.find(100 + 16));
}

TEST(PacketCache, EmptyCacheFindsNothing) {
    PacketCache cache(16, 100);
    EXPECT_FALSE(cache.find(0));
    EXPECT_FALSE(cache.find(12345));
}

TEST(PacketCache, RefusesSlotOverwrittenByNewerWrapOfRing) {
    PacketCache cache(16, 100);
    cache.store(5, bytes_for(5), 0);
    cache.store(5 + 16, bytes_for(21), 0);
    EXPECT_FALSE(cache.find(5));
    EXPECT_TRUE(holds(cache, 21, 21));
}

TEST(PacketCache, RefusesPacketFromAnOlderSequenceWrap) {
    // Slot 7 keeps the packet stored as seq 7 while the numbering advances by jumps (never writing
    // that slot) past 65535 to 65544 = seq 8 of the next cycle. Seq 7 now means 65543, not held.
    PacketCache cache(16, 100);
    cache.store(7, bytes_for(7), 0);
    for (std::uint32_t s : {20000U, 40000U, 60000U, 65541U, 65544U}) {
        cache.store(static_cast<std::uint16_t>(s), bytes_for(s), 0);
    }
    EXPECT_FALSE(cache.find(7));
    EXPECT_TRUE(holds(cache, 8, 65544));
    EXPECT_TRUE(holds(cache, 5, 65541));
}

TEST(PacketCache, WorksAcrossSequenceWrap) {
    PacketCache cache(32, 100);
    for (std::uint32_t i = 65530; i < 65546; ++i) {
        cache.store(static_cast<std::uint16_t>(i), bytes_for(i), 0);
    }
    for (std::uint32_t i = 65530; i < 65546; ++i) {
        EXPECT_TRUE(holds(cache, static_cast<std::uint16_t>(i), i)) << i;
    }
}

TEST(PacketCache, IgnoresOversizeAndEmptyPackets) {
    PacketCache cache(16, 100);
    cache.store(1, bytes_for(1, 101), 0);
    EXPECT_FALSE(cache.find(1));
    cache.store(2, {}, 0);
    EXPECT_FALSE(cache.find(2));
    cache.store(3, bytes_for(3, 100), 0);  // exactly max_packet fits
    EXPECT_TRUE(holds(cache, 3, 3, 100));
}

TEST(PacketCache, OversizePacketDoesNotEvictTheHeldOne) {
    PacketCache cache(16, 100);
    cache.store(4, bytes_for(4), 0);
    cache.store(4, bytes_for(99, 200), 0);
    EXPECT_TRUE(holds(cache, 4, 4));
}

TEST(PacketCache, KeepsLateArrivalsAndDuplicates) {
    PacketCache cache(16, 100);
    cache.store(10, bytes_for(10), 0);
    cache.store(8, bytes_for(8), 0);         // reordered
    cache.store(10, bytes_for(1010, 12), 0);  // duplicate replaces
    EXPECT_TRUE(holds(cache, 8, 8));
    EXPECT_TRUE(holds(cache, 10, 1010, 12));
    EXPECT_FALSE(cache.find(9));
}

TEST(PacketCache, IgnoresStragglerOlderThanTheRing) {
    PacketCache cache(16, 100);
    cache.store(100, bytes_for(100), 0);
    cache.store(84, bytes_for(84), 0);  // would take the slot of 100
    EXPECT_TRUE(holds(cache, 100, 100));
    EXPECT_FALSE(cache.find(84));
}

TEST(PacketCache, ResetsWhenTheSenderRestartsItsNumbering) {
    PacketCache cache(16, 100);
    for (std::uint16_t s = 30000; s < 30010; ++s) {
        cache.store(s, bytes_for(s), 0);
    }
    for (std::uint16_t s = 1000; s < 1010; ++s) {
        cache.store(s, bytes_for(s), 0);
    }
    EXPECT_TRUE(holds(cache, 1009, 1009));
    EXPECT_FALSE(cache.find(30009));
}

TEST(PacketCache, RoundsCapacityUpToPowerOfTwo) {
    PacketCache cache(1000, 64);
    EXPECT_EQ(cache.capacity(), 1024U);
    EXPECT_EQ(cache.max_packet(), 64U);
    PacketCache tiny(0, 64);
    EXPECT_EQ(tiny.capacity(), 1U);
    tiny.store(3, bytes_for(3), 0);
    EXPECT_TRUE(holds(tiny, 3, 3));
    tiny.store(4, bytes_for(4), 0);
    EXPECT_FALSE(tiny.find(3));
}

TEST(PacketCache, DefaultCapacityHoldsLastThousandPackets) {
    PacketCache cache;
    for (std::uint32_t i = 0; i < 3000; ++i) {
        cache.store(static_cast<std::uint16_t>(i), bytes_for(i, 1500), 0);
    }
    EXPECT_TRUE(holds(cache, 2999, 2999, 1500));
    EXPECT_TRUE(holds(cache, 3000 - 1024, 3000 - 1024, 1500));
    EXPECT_FALSE(cache.find(3000 - 1025));
}

TEST(PacketCache, FindWithMaxAge) {
    PacketCache cache(16, 100);
    cache.store(1, bytes_for(1), 1'000'000);
    EXPECT_TRUE(cache.find(1, 1'400'000, 500'000));
    EXPECT_FALSE(cache.find(1, 1'600'000, 500'000));
    EXPECT_FALSE(cache.find(2, 1'000'000, 500'000));
}

TEST(PacketCache, ClearForgetsEverything) {
    PacketCache cache(16, 100);
    cache.store(1, bytes_for(1), 0);
    cache.clear();
    EXPECT_FALSE(cache.find(1));
    cache.store(50000, bytes_for(50000), 0);
    EXPECT_TRUE(holds(cache, 50000, 50000));
}

TEST(KeyframeLimiter, AllowsOncePerInterval) {
    KeyframeLimiter limiter;  // 500 ms
    EXPECT_TRUE(limiter.allow(1, 1'000'000));
    EXPECT_FALSE(limiter.allow(1, 1'000'001));
    EXPECT_FALSE(limiter.allow(1, 1'499'999));
    EXPECT_TRUE(limiter.allow(1, 1'500'000));
    EXPECT_FALSE(limiter.allow(1, 1'600'000));
}

TEST(KeyframeLimiter, KeysAreIndependent) {
    KeyframeLimiter limiter(100);
    EXPECT_TRUE(limiter.allow(1, 0));
    EXPECT_TRUE(limiter.allow(2, 0));
    EXPECT_FALSE(limiter.allow(1, 50));
    EXPECT_FALSE(limiter.allow(2, 99));
    EXPECT_TRUE(limiter.allow(2, 100));
}

TEST(KeyframeLimiter, ForgetAllowsAgain) {
    KeyframeLimiter limiter(100);
    EXPECT_TRUE(limiter.allow(7, 0));
    limiter.forget(7);
    EXPECT_TRUE(limiter.allow(7, 1));
    EXPECT_FALSE(limiter.allow(7, 2));
}

TEST(KeyframeLimiter, MoreKeysThanSlotsEvictsTheOldest) {
    KeyframeLimiter limiter(1'000'000);
    for (std::uint32_t k = 0; k < KeyframeLimiter::kSlots; ++k) {
        EXPECT_TRUE(limiter.allow(k, 10 + k));
    }
    // All slots in use: a new key takes the slot of key 0 (requested longest ago).
    EXPECT_TRUE(limiter.allow(1000, 100));
    EXPECT_FALSE(limiter.allow(1000, 101));
    for (std::uint32_t k = 1; k < KeyframeLimiter::kSlots; ++k) {
        EXPECT_FALSE(limiter.allow(k, 200)) << k;  // still limited
    }
    EXPECT_TRUE(limiter.allow(0, 200));  // forgotten, so one early request
}

}  // namespace
