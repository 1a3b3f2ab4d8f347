#pragma once
/// \file Wrap-around arithmetic for RTP sequence numbers (16 bit) and timestamps (32 bit):
/// newer-than comparison (RFC 3550 appendix A.1 style, half-range rule), signed distance, and
/// an unwrapper that extends a wrapping counter to 64 bits. Header-only, constexpr, noexcept.
/// An `Unwrapper` is state for one stream; it is not thread-safe (one media worker owns it).
#include <cstdint>
#include <limits>
#include <optional>
#include <type_traits>

namespace cohost::wire::rtp {

/// True when `a` comes after `b` modulo 2^N (N = bits of T). Exactly half the range apart is
/// ambiguous; it is broken by the larger raw value (as libwebrtc does), so that for any a != b
/// exactly one of is_newer(a, b) and is_newer(b, a) holds.
template <class T>
requires std::is_unsigned_v<T>
[[nodiscard]] constexpr bool is_newer(T a, T b) noexcept {
    constexpr T kHalf = static_cast<T>(T{1} << (std::numeric_limits<T>::digits - 1));
    const T diff = static_cast<T>(a - b);
    if (diff == kHalf) return a > b;
    return diff != 0 && diff < kHalf;
}

/// Signed distance `a - b` modulo 2^N, in [-2^(N-1), 2^(N-1)).
template <class T>
requires std::is_unsigned_v<T>
[[nodiscard]] constexpr std::int64_t distance(T a, T b) noexcept {
    constexpr std::int64_t kRange = std::int64_t{1} << std::numeric_limits<T>::digits;
    std::int64_t d = static_cast<std::int64_t>(static_cast<T>(a - b));
    if (d >= kRange / 2) d -= kRange;
    return d;
}

[[nodiscard]] constexpr bool seq_newer(std::uint16_t a, std::uint16_t b) noexcept {
    return is_newer(a, b);
}
[[nodiscard]] constexpr std::int64_t seq_distance(std::uint16_t a, std::uint16_t b) noexcept {
    return distance(a, b);
}
[[nodiscard]] constexpr bool timestamp_newer(std::uint32_t a, std::uint32_t b) noexcept {
    return is_newer(a, b);
}

/// Extends a wrapping counter (uint16_t sequence numbers, uint32_t timestamps) to int64_t: each
/// value is placed at the point nearest to the previous one, so reordering within half the range
/// is handled, in both directions. The first value maps to itself. Values may go below zero if
/// the stream starts with reordered packets just before a wrap.
template <class T>
requires std::is_unsigned_v<T>
class Unwrapper {
public:
    constexpr std::int64_t unwrap(T value) noexcept {
        if (!last_) {
            last_ = value;
            return *last_;
        }
        *last_ += distance(value, static_cast<T>(*last_));
        return *last_;
    }
    /// The last unwrapped value, if any.
    [[nodiscard]] constexpr std::optional<std::int64_t> last() const noexcept { return last_; }
    constexpr void reset() noexcept { last_.reset(); }

private:
    std::optional<std::int64_t> last_;
};

using SequenceUnwrapper = Unwrapper<std::uint16_t>;
using TimestampUnwrapper = Unwrapper<std::uint32_t>;

}  // namespace cohost::wire::rtp
