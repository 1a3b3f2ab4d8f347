#pragma once
/// \file Rate limiter for keyframe requests (PLI/FIR) sent to a publisher: `allow()` is true at
/// most once per `min_interval_us` (default 500 ms) per key (e.g. per publisher SSRC), however
/// many subscribers' forwarders report `needs_keyframe()`. A keyframe costs the publisher a burst
/// of bits, and a storm of requests from many subscribers would ruin its bitrate.
///
/// Tiny fixed-size structure (`kSlots` keys, no allocation); when more keys are in use the one
/// requested longest ago is forgotten (at worst that key gets one early request). Header-only,
/// not thread-safe: one media worker owns it. Time is passed in (`now_us`, monotonic).
#include <array>
#include <cstddef>
#include <cstdint>

namespace cohost::media {

class KeyframeLimiter {
public:
    static constexpr std::size_t kSlots = 16;
    static constexpr std::uint64_t kDefaultMinIntervalUs = 500'000;

    explicit constexpr KeyframeLimiter(std::uint64_t min_interval_us = kDefaultMinIntervalUs) noexcept
        : min_interval_us_(min_interval_us) {}

    /// True when no request for `key` was allowed in the last `min_interval_us` (the first
    /// request for a key is always allowed); then records `now_us` as the key's last request.
    [[nodiscard]] constexpr bool allow(std::uint32_t key, std::uint64_t now_us) noexcept {
        Entry* victim = &entries_[0];
        for (Entry& e : entries_) {
            if (e.used && e.key == key) {
                if (now_us >= e.last_us && now_us - e.last_us < min_interval_us_) {
                    return false;
                }
                e.last_us = now_us;
                return true;
            }
            if (!e.used) {
                if (victim->used) {
                    victim = &e;
                }
            } else if (victim->used && e.last_us < victim->last_us) {
                victim = &e;
            }
        }
        *victim = Entry{key, now_us, true};
        return true;
    }

    /// Forgets `key` (its publisher left): the next `allow(key, ...)` is true.
    constexpr void forget(std::uint32_t key) noexcept {
        for (Entry& e : entries_) {
            if (e.used && e.key == key) {
                e.used = false;
            }
        }
    }

    [[nodiscard]] constexpr std::uint64_t min_interval_us() const noexcept {
        return min_interval_us_;
    }

private:
    struct Entry {
        std::uint32_t key = 0;
        std::uint64_t last_us = 0;
        bool used = false;
    };
    std::uint64_t min_interval_us_;
    std::array<Entry, kSlots> entries_{};
};

}  // namespace cohost::media
