#include "cohost/core/time.hpp"

#include <charconv>
#include <cstdio>
#include <limits>

namespace cohost::core {

std::string format_iso8601(TimePoint t) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(ymd.year()),
                  unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                  int(hms.minutes().count()), int(hms.seconds().count()),
                  int(hms.subseconds().count()));
    return buf;
}

namespace {
bool read_int(std::string_view s, std::size_t pos, std::size_t len, int& out) {
    if (pos + len > s.size()) {
        return false;
    }
    for (std::size_t i = pos; i < pos + len; ++i) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    auto r = std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return r.ec == std::errc{};
}
}  // namespace

std::optional<TimePoint> parse_iso8601(std::string_view s) {
    using namespace std::chrono;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, ms = 0;
    if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s.back() != 'Z') {
        return std::nullopt;
    }
    if (!read_int(s, 0, 4, y) || !read_int(s, 5, 2, mo) || !read_int(s, 8, 2, d) ||
        !read_int(s, 11, 2, h) || !read_int(s, 14, 2, mi) || !read_int(s, 17, 2, se)) {
        return std::nullopt;
    }
    if (s.size() == 24) {
        if (s[19] != '.' || !read_int(s, 20, 3, ms)) {
            return std::nullopt;
        }
    } else if (s.size() != 20) {
        return std::nullopt;
    }
    const year_month_day ymd{year{y}, month{unsigned(mo)}, day{unsigned(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || se > 59) {
        return std::nullopt;
    }
    return TimePoint{sys_days{ymd}.time_since_epoch() + hours{h} + minutes{mi} + seconds{se} +
                     milliseconds{ms}};
}

std::optional<Duration> parse_duration(std::string_view s) {
    std::size_t digits = 0;
    while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') {
        ++digits;
    }
    if (digits == 0 || digits > 12) {
        return std::nullopt;
    }
    std::int64_t n = 0;
    std::from_chars(s.data(), s.data() + digits, n);
    const std::string_view unit = s.substr(digits);
    std::int64_t mult = 0;
    if (unit == "ms") {
        mult = 1;
    } else if (unit == "s") {
        mult = 1000;
    } else if (unit == "m") {
        mult = 60'000;
    } else if (unit == "h") {
        mult = 3'600'000;
    } else {
        return std::nullopt;
    }
    if (n > std::numeric_limits<std::int64_t>::max() / mult) {
        return std::nullopt;
    }
    return Duration{n * mult};
}

std::string format_duration(Duration d) {
    const auto ms = d.count();
    if (ms != 0 && ms % 3'600'000 == 0) {
        return std::to_string(ms / 3'600'000) + "h";
    }
    if (ms != 0 && ms % 60'000 == 0) {
        return std::to_string(ms / 60'000) + "m";
    }
    if (ms % 1000 == 0) {
        return std::to_string(ms / 1000) + "s";
    }
    return std::to_string(ms) + "ms";
}

}  // namespace cohost::core
