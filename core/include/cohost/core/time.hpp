#pragma once
/// \file Time points, durations and their text forms (product.md §10).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cohost::core {

/// Wall-clock instant with millisecond resolution; the only time type stored or sent on the wire.
using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;
using Duration = std::chrono::milliseconds;

/// Milliseconds since the Unix epoch.
[[nodiscard]] inline std::int64_t to_unix_ms(TimePoint t) noexcept {
    return t.time_since_epoch().count();
}
[[nodiscard]] inline TimePoint from_unix_ms(std::int64_t ms) noexcept {
    return TimePoint{Duration{ms}};
}
/// Whole seconds since the epoch (rounded down), as JWT `exp` and webhook `createdAt` use.
[[nodiscard]] inline std::int64_t to_unix_seconds(TimePoint t) noexcept {
    return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

/// ISO 8601 UTC with milliseconds: `2026-11-27T23:40:00.123Z`.
[[nodiscard]] std::string format_iso8601(TimePoint t);
/// Parses `YYYY-MM-DDTHH:MM:SS[.fff]Z`; nullopt on anything else.
[[nodiscard]] std::optional<TimePoint> parse_iso8601(std::string_view text);

/// Config durations: a non-negative integer followed by a unit `ms`, `s`, `m` or `h` (`500ms`,
/// `30s`, `10m`, `4h`). nullopt on anything else, including overflow.
[[nodiscard]] std::optional<Duration> parse_duration(std::string_view text);
/// Shortest exact text form of `d` in the same units (`90s`, `4h`, `250ms`).
[[nodiscard]] std::string format_duration(Duration d);

}  // namespace cohost::core
