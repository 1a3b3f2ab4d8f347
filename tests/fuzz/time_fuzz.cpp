// libFuzzer target for the text forms of time (core/include/cohost/core/time.hpp).
//
// Properties, for any input x:
//  * parse_iso8601(x) succeeds ⇒ parse_iso8601(format_iso8601(t)) == t, and the formatted text is
//    x itself when x already had milliseconds (the canonical 24-character form);
//  * parse_duration(x) succeeds ⇒ parse_duration(format_duration(d)) == d, d >= 0;
//  * the first 8 bytes read as a millisecond count, folded into years 0000–9999 (everything
//    format_iso8601 can write in four digits): format then parse gives the same instant.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "cohost/core/time.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace cohost::core;

// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z in Unix milliseconds.
constexpr std::int64_t kMinMs = -62'167'219'200'000;
constexpr std::int64_t kMaxMs = 253'402'300'799'999;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view x = cohost::fuzz::as_text(data, size);

    if (const auto t = parse_iso8601(x)) {
        const std::string text = format_iso8601(*t);
        FUZZ_CHECK(text.size() == 24);
        FUZZ_CHECK(parse_iso8601(text) == t);
        if (x.size() == 24) {
            FUZZ_CHECK(text == x);
        }
    }

    if (const auto d = parse_duration(x)) {
        FUZZ_CHECK(d->count() >= 0);
        FUZZ_CHECK(parse_duration(format_duration(*d)) == d);
    }

    if (size >= 8) {
        std::uint64_t raw = 0;
        std::memcpy(&raw, data, sizeof raw);
        const auto span = static_cast<std::uint64_t>(kMaxMs - kMinMs) + 1;
        const auto ms = kMinMs + static_cast<std::int64_t>(raw % span);
        const TimePoint t = from_unix_ms(ms);
        FUZZ_CHECK(parse_iso8601(format_iso8601(t)) == t);
        // Any duration format_duration writes with at most 12 digits parses back.
        const Duration d{static_cast<std::int64_t>(raw % 1'000'000'000'000)};
        FUZZ_CHECK(parse_duration(format_duration(d)) == d);
    }
    return 0;
}
