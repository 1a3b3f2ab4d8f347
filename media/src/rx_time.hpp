#pragma once
/// \file Internal to media/: when a datagram really arrived, for transport-cc feedback.
///
/// The publisher's congestion controller (GCC in libwebrtc) reads the arrival times the SFU
/// reports in transport-cc feedback as the network's delay. Stamping a packet when the worker
/// gets round to reading it adds the worker's own scheduling delay: on a busy machine the worker
/// is descheduled, packets queue in the socket buffer, and a burst is then read with one stamp.
/// The sender sees a delay that grows and collapses, calls it overuse, lowers its estimate and
/// switches its top simulcast layer off. So the worker asks the kernel for each datagram's
/// receive time (SO_TIMESTAMPNS, CLOCK_REALTIME) and takes away the time it waited in the socket
/// buffer from the steady-clock reading taken when it was read.
#include <cstdint>

namespace cohost::media::detail {

/// A kernel stamp claiming a longer wait than this is not believed (the realtime clock was
/// stepped between the two readings); the read time is used instead.
inline constexpr std::uint64_t kMaxSocketWaitUs = 2'000'000;

/// Arrival on the steady clock (µs) of a datagram read at `now_steady_us`. `now_real_ns` is the
/// realtime clock read together with it, `stamp_real_ns` the kernel's receive stamp (realtime,
/// 0 when the datagram had none). Without a usable stamp (none, in the future, older than
/// `kMaxSocketWaitUs`) the arrival is `now_steady_us`.
[[nodiscard]] constexpr std::uint64_t arrival_us(std::uint64_t now_steady_us,
                                                 std::int64_t now_real_ns,
                                                 std::int64_t stamp_real_ns) noexcept {
    if (stamp_real_ns <= 0 || stamp_real_ns > now_real_ns) return now_steady_us;
    const auto waited_us = static_cast<std::uint64_t>((now_real_ns - stamp_real_ns) / 1000);
    if (waited_us > kMaxSocketWaitUs || waited_us > now_steady_us) return now_steady_us;
    return now_steady_us - waited_us;
}

/// Whether a datagram that `arrival_us` places at that steady time, read at `now_steady_us`,
/// waited in the socket buffer longer than `limit_us` (0 = no limit). A datagram without a
/// believable kernel stamp never counts as late (its arrival is its read time).
[[nodiscard]] constexpr bool waited_too_long(std::uint64_t now_steady_us, std::uint64_t arrival,
                                             std::uint64_t limit_us) noexcept {
    return limit_us != 0 && arrival < now_steady_us && now_steady_us - arrival > limit_us;
}

}  // namespace cohost::media::detail
