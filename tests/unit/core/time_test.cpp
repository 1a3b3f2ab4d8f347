// ISO 8601 timestamps and config durations (product.md §10).
#include "cohost/core/time.hpp"

#include <gtest/gtest.h>

namespace cohost::core {
namespace {

using namespace std::chrono_literals;

// ---- ISO 8601 ------------------------------------------------------------------------------

TEST(Iso8601, FormatsWithMillisecondsAndZ) {
    EXPECT_EQ(format_iso8601(from_unix_ms(0)), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(format_iso8601(from_unix_ms(1'795'822'800'123)), "2026-11-27T23:40:00.123Z");
    EXPECT_EQ(format_iso8601(from_unix_ms(1'709'208'000'000)), "2024-02-29T12:00:00.000Z");
    EXPECT_EQ(format_iso8601(from_unix_ms(-1)), "1969-12-31T23:59:59.999Z");
}

TEST(Iso8601, ParsesTheProductExample) {
    EXPECT_EQ(parse_iso8601("2026-11-27T23:40:00.123Z"), from_unix_ms(1'795'822'800'123));
}

TEST(Iso8601, ParsesWithoutMilliseconds) {
    EXPECT_EQ(parse_iso8601("2026-11-27T23:40:00Z"), from_unix_ms(1'795'822'800'000));
}

TEST(Iso8601, RoundTrips) {
    for (std::int64_t ms : {std::int64_t{0}, std::int64_t{1}, std::int64_t{999},
                            std::int64_t{951'782'400'000},    // 2000-02-29 (leap century)
                            std::int64_t{1'709'208'000'000},  // 2024-02-29
                            std::int64_t{1'767'225'599'999},  // 2025-12-31T23:59:59.999
                            std::int64_t{1'790'000'000'000}, std::int64_t{4'102'444'800'000},
                            std::int64_t{253'402'300'799'999}}) {  // 9999-12-31T23:59:59.999
        const std::string text = format_iso8601(from_unix_ms(ms));
        EXPECT_EQ(parse_iso8601(text), from_unix_ms(ms)) << text;
        EXPECT_EQ(text.size(), 24u) << text;
    }
}

TEST(Iso8601, AcceptsLeapDays) {
    EXPECT_TRUE(parse_iso8601("2024-02-29T00:00:00.000Z"));
    EXPECT_TRUE(parse_iso8601("2000-02-29T00:00:00.000Z"));
    EXPECT_TRUE(parse_iso8601("2026-12-31T23:59:59.999Z"));
}

class Iso8601Rejects : public testing::TestWithParam<const char*> {};

TEST_P(Iso8601Rejects, Text) { EXPECT_FALSE(parse_iso8601(GetParam())) << GetParam(); }

INSTANTIATE_TEST_SUITE_P(BadDates, Iso8601Rejects,
                         testing::Values("2026-02-30T00:00:00.000Z", "2025-02-29T00:00:00.000Z",
                                         "2100-02-29T00:00:00.000Z", "2026-04-31T00:00:00.000Z",
                                         "2026-13-01T00:00:00.000Z", "2026-00-10T00:00:00.000Z",
                                         "2026-01-00T00:00:00.000Z", "2026-01-32T00:00:00.000Z",
                                         "2026-01-01T24:00:00.000Z", "2026-01-01T23:60:00.000Z",
                                         "2026-01-01T23:59:60.000Z"));

INSTANTIATE_TEST_SUITE_P(
    BadShapes, Iso8601Rejects,
    testing::Values(
        "", "Z", "2026-11-27", "2026-11-27T23:40:00.123",  // missing Z
        "2026-11-27T23:40:00", "2026-11-27T23:40:00.123z", "2026-11-27t23:40:00.123Z",
        "2026-11-27 23:40:00.123Z", "2026-11-27T23:40:00.123+00:00", "2026-11-27T23:40:00+00:00",
        "2026-11-27T23:40:00.12Z", "2026-11-27T23:40:00.1Z", "2026-11-27T23:40:00.1234Z",
        "2026-11-27T23:40:00.Z", "2026-11-27T23:40:00,123Z", "2026-11-27T23:40:00.12aZ",
        "2026-1-27T23:40:00.123Z", "26-11-27T23:40:00.123Z", "+2026-11-27T23:40:00.123Z",
        "-026-11-27T23:40:00.123Z", " 2026-11-27T23:40:00.123Z", "2026-11-27T23:40:00.123Z ",
        "2026-11-27T23:40:00.123ZZ", "2026/11/27T23:40:00.123Z", "2026-11-27T23-40-00.123Z",
        "2026-11-27T2:40:00.1234Z", "2026-+1-27T23:40:00.123Z", "20261127T234000.123Z"));

// ---- durations -------------------------------------------------------------------------------

TEST(Duration, ParsesEveryUnit) {
    EXPECT_EQ(parse_duration("500ms"), 500ms);
    EXPECT_EQ(parse_duration("30s"), 30s);
    EXPECT_EQ(parse_duration("10m"), 10min);
    EXPECT_EQ(parse_duration("4h"), 4h);
    EXPECT_EQ(parse_duration("0s"), 0ms);
    EXPECT_EQ(parse_duration("007s"), 7s);
    EXPECT_EQ(parse_duration("1500ms"), 1500ms);
}

TEST(Duration, LargestValuesAreExact) {
    EXPECT_EQ(parse_duration("999999999999ms"), Duration{999'999'999'999});
    EXPECT_EQ(parse_duration("999999999999h"), Duration{999'999'999'999LL * 3'600'000});
}

TEST(Duration, RejectsOverflow) {
    EXPECT_FALSE(parse_duration("1000000000000ms"));
    EXPECT_FALSE(parse_duration("9223372036854775807ms"));
    EXPECT_FALSE(parse_duration("99999999999999999999h"));
}

class DurationRejects : public testing::TestWithParam<const char*> {};

TEST_P(DurationRejects, Garbage) { EXPECT_FALSE(parse_duration(GetParam())) << GetParam(); }

INSTANTIATE_TEST_SUITE_P(Garbage, DurationRejects,
                         testing::Values("", "s", "ms", "10", "10 s", " 10s", "10s ", "-5s", "+5s",
                                         "1.5s", "10S", "10MS", "10sec", "10d", "10us", "10ns",
                                         "1h30m", "0x10s", "10ms5", "10s\n", "abc",
                                         "\xef\xbc\x91s"));

TEST(Duration, FormatsInTheLargestExactUnit) {
    EXPECT_EQ(format_duration(90s), "90s");
    EXPECT_EQ(format_duration(60s), "1m");
    EXPECT_EQ(format_duration(4h), "4h");
    EXPECT_EQ(format_duration(120min), "2h");
    EXPECT_EQ(format_duration(90min), "90m");
    EXPECT_EQ(format_duration(250ms), "250ms");
    EXPECT_EQ(format_duration(1500ms), "1500ms");
    EXPECT_EQ(format_duration(0ms), "0s");
    EXPECT_EQ(format_duration(Duration{3'600'001}), "3600001ms");
}

TEST(Duration, FormatThenParseRoundTrips) {
    for (const Duration d : {Duration{1}, Duration{999}, Duration{1000}, Duration{61'000},
                             Duration{3'600'000}, Duration{86'400'000}, Duration{123'456'789}}) {
        EXPECT_EQ(parse_duration(format_duration(d)), d) << format_duration(d);
    }
}

// ---- unix helpers ----------------------------------------------------------------------------

TEST(UnixTime, SecondsRoundDown) {
    EXPECT_EQ(to_unix_seconds(from_unix_ms(1'795'822'800'999)), 1'795'822'800);
    EXPECT_EQ(to_unix_seconds(from_unix_ms(-1)), -1);
    EXPECT_EQ(to_unix_ms(from_unix_ms(42)), 42);
}

}  // namespace
}  // namespace cohost::core
