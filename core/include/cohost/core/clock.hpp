#pragma once
/// \file Injected clocks. Every state machine takes `now` from a Clock (style.md "Time"); nothing
/// in `server/rooms` reads the system clock itself.
#include <atomic>

#include "cohost/core/time.hpp"

namespace cohost::core {

/// Source of the current wall-clock time. Implementations are thread-safe.
class Clock {
public:
    virtual ~Clock() = default;
    [[nodiscard]] virtual TimePoint now() const noexcept = 0;
};

/// The real clock (`std::chrono::system_clock`, truncated to milliseconds).
class SystemClock final : public Clock {
public:
    [[nodiscard]] TimePoint now() const noexcept override;
};

/// A clock that moves only when told to; tests drive timers with it.
class ManualClock final : public Clock {
public:
    explicit ManualClock(TimePoint start = from_unix_ms(1'790'000'000'000)) noexcept
        : now_ms_(to_unix_ms(start)) {}
    [[nodiscard]] TimePoint now() const noexcept override { return from_unix_ms(now_ms_.load()); }
    void set(TimePoint t) noexcept { now_ms_.store(to_unix_ms(t)); }
    void advance(Duration d) noexcept { now_ms_.fetch_add(d.count()); }

private:
    std::atomic<std::int64_t> now_ms_;
};

}  // namespace cohost::core
