// Cursor text and LIKE escaping.
//
// A list cursor is "<created_at unix ms>:<id>" of the last item returned. Ordering is
// (created_at DESC, id DESC), so the pair is a strict, stable position even when many rows share
// a millisecond, and rows inserted after the first page never shift later pages. A malformed
// cursor is a client error (std::invalid_argument → `400 invalid_argument`), never "start over":
// restarting would hand the client duplicates it cannot detect.
#include "sqlite_paging.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace cohost::server::store::detail {

namespace {

constexpr int kMaxLimit = 200;

}  // namespace

std::string encode_cursor(core::TimePoint created_at, std::string_view id) {
    std::string out = std::to_string(core::to_unix_ms(created_at));
    out += ':';
    out += id;
    return out;
}

std::optional<TimeCursor> decode_cursor(std::string_view cursor) {
    if (cursor.empty()) {
        return std::nullopt;
    }
    const auto colon = cursor.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == cursor.size()) {
        throw std::invalid_argument("malformed cursor");
    }
    std::int64_t ms = 0;
    const char* first = cursor.data();
    const char* last = cursor.data() + colon;
    const auto [end, ec] = std::from_chars(first, last, ms);
    if (ec != std::errc{} || end != last) {
        throw std::invalid_argument("malformed cursor");
    }
    return TimeCursor{core::from_unix_ms(ms), std::string{cursor.substr(colon + 1)}};
}

std::string like_prefix_pattern(std::string_view prefix) {
    std::string out;
    out.reserve(prefix.size() + 1);
    for (const char c : prefix) {
        if (c == '%' || c == '_' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    out += '%';
    return out;
}

int clamp_limit(int limit) noexcept { return std::clamp(limit, 1, kMaxLimit); }

}  // namespace cohost::server::store::detail
