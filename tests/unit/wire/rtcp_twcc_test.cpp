// Transport-cc feedback (rtcp_twcc.hpp): decoding known packets, every malformed branch, and the
// builder (chunk choice, wraparound, large and negative deltas, rounding, errors).
#include "cohost/wire/rtcp_twcc.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <vector>

#include "cohost/wire/rtcp.hpp"
#include "cohost/wire/rtcp_build.hpp"

namespace rtcp = cohost::wire::rtcp;
using rtcp::RtcpError;
using rtcp::TwccArrival;
using rtcp::TwccPacketStatus;

namespace {

std::vector<std::byte> bytes(std::initializer_list<int> v) {
    std::vector<std::byte> out;
    for (int b : v) out.push_back(static_cast<std::byte>(b));
    return out;
}

// A transport-cc packet from its parts, zero-padded without the P bit (sender 1, media 2).
std::vector<std::byte> twcc(std::uint16_t base, std::uint16_t count, std::uint32_t ref,
                            std::vector<std::uint16_t> chunks, std::vector<int> delta_bytes,
                            std::size_t extra_zeros = 0) {
    std::vector<int> v{0x8f,
                       205,
                       0,
                       0,
                       0,
                       0,
                       0,
                       1,
                       0,
                       0,
                       0,
                       2,
                       base >> 8,
                       base & 0xff,
                       count >> 8,
                       count & 0xff,
                       int(ref >> 16) & 0xff,
                       int(ref >> 8) & 0xff,
                       int(ref) & 0xff,
                       7};
    for (std::uint16_t c : chunks) {
        v.push_back(c >> 8);
        v.push_back(c & 0xff);
    }
    for (int d : delta_bytes) v.push_back(d);
    while (v.size() % 4 != 0) v.push_back(0);
    for (std::size_t i = 0; i < extra_zeros; ++i) v.push_back(0);
    v[3] = int(v.size() / 4 - 1);
    std::vector<std::byte> out;
    for (int b : v) out.push_back(static_cast<std::byte>(b));
    return out;
}

boost::system::error_code parse_error(const std::vector<std::byte>& in) {
    auto r = rtcp::parse(in);
    return r ? boost::system::error_code{} : r.error();
}

std::vector<TwccPacketStatus> statuses(const rtcp::TransportCcView& v) {
    return {v.begin(), v.end()};
}

// Parses a lone transport-cc packet; the view borrows `wire`.
std::optional<rtcp::TransportCcView> view_of(const std::vector<std::byte>& wire) {
    auto c = rtcp::parse(wire);
    EXPECT_TRUE(c) << (c ? "" : c.error().message());
    if (!c || c->packet_count() != 1) return std::nullopt;
    return rtcp::as_transport_cc(*c->begin());
}

std::optional<rtcp::TransportCcView> view_of(std::vector<std::byte>&&) = delete;  // borrows

std::vector<std::byte> build(const rtcp::TransportCcFeedback& fb) {
    std::vector<std::byte> out(70000 * 4);
    auto n = rtcp::serialize(fb, out);
    EXPECT_TRUE(n) << (n ? "" : n.error().message());
    out.resize(n ? *n : 0);
    return out;
}

// The packet chunks of a built packet (status count from the header, chunks until covered).
std::vector<std::uint16_t> chunks_of(const std::vector<std::byte>& wire) {
    auto u16 = [&](std::size_t at) {
        return std::uint16_t((std::to_integer<unsigned>(wire[at]) << 8) |
                             std::to_integer<unsigned>(wire[at + 1]));
    };
    std::uint32_t remaining = u16(14);
    std::vector<std::uint16_t> out;
    for (std::size_t at = 20; remaining > 0; at += 2) {
        const std::uint16_t c = u16(at);
        out.push_back(c);
        const std::uint32_t n = (c & 0x8000) == 0 ? (c & 0x1fff) : ((c & 0x4000) ? 7 : 14);
        remaining -= std::min(n, remaining);
    }
    return out;
}

constexpr std::int64_t kRefUnitUs = 64'000;

}  // namespace

// pion/rtcp transport_layer_cc_test.go "example1": P bit with one padding octet (the way
// libwebrtc pads), one run-length chunk, one small delta.
TEST(RtcpTransportCc, ParsesPionExample1) {
    const auto wire =
        bytes({0xaf, 0xcd, 0x00, 0x05, 0xfa, 0x17, 0xfa, 0x17, 0x43, 0x03, 0x2f, 0xa0,
               0x00, 0x99, 0x00, 0x01, 0x3d, 0xe8, 0x02, 0x17, 0x20, 0x01, 0x94, 0x01});
    auto v = view_of(wire);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->sender_ssrc(), 4195875351u);
    EXPECT_EQ(v->media_ssrc(), 1124282272u);
    EXPECT_EQ(v->base_seq(), 153);
    EXPECT_EQ(v->status_count(), 1);
    EXPECT_EQ(v->reference_time(), 4057090u);
    EXPECT_EQ(v->fb_pkt_count(), 23);
    EXPECT_EQ(v->received_count(), 1u);
    const std::int64_t ref_us = 4057090 * kRefUnitUs;
    EXPECT_EQ(v->reference_time_us(), ref_us);
    EXPECT_EQ(statuses(*v), (std::vector<TwccPacketStatus>{{153, true, 37000, ref_us + 37000}}));
}

// pion/rtcp "example4": a run of seven small deltas, three octets of padding.
TEST(RtcpTransportCc, ParsesPionExample4) {
    const auto wire = bytes({0xaf, 0xcd, 0x00, 0x07, 0xfa, 0x17, 0xfa, 0x17, 0x19, 0x3d, 0xd8,
                             0xbb, 0x00, 0x04, 0x00, 0x07, 0x10, 0x63, 0x6e, 0x01, 0x20, 0x07,
                             0x4c, 0x24, 0x24, 0x10, 0x0c, 0x0c, 0x10, 0x00, 0x00, 0x03});
    auto v = view_of(wire);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->base_seq(), 4);
    EXPECT_EQ(v->reference_time(), 1074030u);
    const auto s = statuses(*v);
    ASSERT_EQ(s.size(), 7u);
    const std::array<std::int32_t, 7> deltas{19000, 9000, 9000, 4000, 3000, 3000, 4000};
    std::int64_t t = 1074030 * kRefUnitUs;
    for (std::size_t i = 0; i < 7; ++i) {
        t += deltas[i];
        EXPECT_EQ(s[i], (TwccPacketStatus{std::uint16_t(4 + i), true, deltas[i], t})) << i;
    }
}

// Hand-written from draft-holmer-01 §3.1: base wraps (65534), a 2-bit vector with a negative and
// a large delta, a run of 10 lost, and a 1-bit vector whose bits past the status count are
// ignored.
TEST(RtcpTransportCc, DecodesAllChunkKindsAcrossSequenceWrap) {
    const auto wire =
        twcc(65534, 20, 1,
             {0xd890,   // 2-bit: recv small, recv large, lost, recv large, small, lost, lost
              0x000a,   // run: 10 x not received
              0xb400},  // 1-bit: 1, 1, 0 (+ a set bit past the count)
             {0x04, 0xff, 0xf8, 0x04, 0x00, 0xff, 0x01, 0x00});
    auto v = view_of(wire);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->received_count(), 6u);
    std::map<std::uint16_t, TwccPacketStatus> got;
    std::uint16_t expected_seq = 65534;
    for (const TwccPacketStatus& s : *v) {
        EXPECT_EQ(s.seq, expected_seq++);
        got[s.seq] = s;
    }
    ASSERT_EQ(got.size(), 20u);
    EXPECT_EQ(got[65534], (TwccPacketStatus{65534, true, 1000, 65000}));
    EXPECT_EQ(got[65535], (TwccPacketStatus{65535, true, -2000, 63000}));
    EXPECT_EQ(got[0], (TwccPacketStatus{0, false, 0, 0}));
    EXPECT_EQ(got[1], (TwccPacketStatus{1, true, 256000, 319000}));
    EXPECT_EQ(got[2], (TwccPacketStatus{2, true, 63750, 382750}));
    for (std::uint16_t seq = 3; seq <= 14; ++seq) EXPECT_FALSE(got[seq].received) << seq;
    EXPECT_EQ(got[15], (TwccPacketStatus{15, true, 250, 383000}));
    EXPECT_EQ(got[16], (TwccPacketStatus{16, true, 0, 383000}));
    EXPECT_FALSE(got[17].received);

    std::array<TwccPacketStatus, 20> out{};
    ASSERT_EQ(*v->decode(out), 20u);
    EXPECT_EQ(out[3], got[1]);
    std::array<TwccPacketStatus, 19> small{};
    EXPECT_EQ(v->decode(small).error(), RtcpError::BufferTooSmall);
}

TEST(RtcpTransportCc, LargeSignedDeltasAtTheLimits) {
    // Run of three large deltas: +8191.75 ms, -8192 ms, 0.
    const auto wire = twcc(10, 3, 200, {0x4003}, {0x7f, 0xff, 0x80, 0x00, 0x00, 0x00});
    auto v = view_of(wire);
    ASSERT_TRUE(v);
    const auto s = statuses(*v);
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0].delta_us, 8191750);
    EXPECT_EQ(s[1].delta_us, -8192000);
    EXPECT_EQ(s[2].delta_us, 0);
    EXPECT_EQ(s[2].arrival_us, 200 * kRefUnitUs - 250);
}

TEST(RtcpTransportCc, RunLongerThanStatusCountIsClamped) {
    // One run of 8191 small-delta symbols, but only 2 packets reported: 2 deltas.
    const auto wire = twcc(0, 2, 0, {0x3fff}, {1, 2});
    auto v = view_of(wire);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->received_count(), 2u);
    EXPECT_EQ(statuses(*v).back().arrival_us, 750);
    // Empty run-length chunks are skipped.
    const auto empty_runs = twcc(0, 1, 0, {0x0000, 0x6000, 0x2001}, {5});
    auto e = view_of(empty_runs);
    ASSERT_TRUE(e);
    EXPECT_EQ(statuses(*e), (std::vector<TwccPacketStatus>{{0, true, 1250, 1250}}));
}

TEST(RtcpTransportCc, RejectsMalformedPackets) {
    // Status count 0 (libwebrtc refuses empty feedback).
    EXPECT_EQ(parse_error(twcc(0, 0, 0, {0x2001}, {1})), RtcpError::MalformedTransportCc);
    // Shorter than the fixed fields.
    EXPECT_EQ(parse_error(bytes({0x8f, 205, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1})),
              RtcpError::MalformedTransportCc);
    // Chunks end before the status count is covered (15 statuses, one 14-symbol chunk).
    EXPECT_EQ(parse_error(twcc(0, 15, 0, {0x8000}, {})), RtcpError::MalformedTransportCc);
    // Deltas truncated: three small deltas announced, two bytes left (one delta + padding).
    EXPECT_EQ(parse_error(twcc(0, 3, 0, {0x2003}, {1})), RtcpError::MalformedTransportCc);
    // A large delta cut in half, the rest hidden by one octet of P-bit padding.
    EXPECT_EQ(parse_error(bytes({0xaf, 205, 0x00, 0x05, 0, 0, 0, 1, 0,    0,    0,    2,
                                 0,    0,   0,    1,    0, 0, 0, 0, 0x40, 0x01, 0x7f, 0x01})),
              RtcpError::MalformedTransportCc);
    // Reserved symbol 3 in a run and in a 2-bit vector.
    EXPECT_EQ(parse_error(twcc(0, 1, 0, {0x6001}, {})), RtcpError::MalformedTransportCc);
    EXPECT_EQ(parse_error(twcc(0, 1, 0, {0xf000}, {})), RtcpError::MalformedTransportCc);
    // A whole word of junk after word-aligned deltas (three bytes of padding would be fine).
    EXPECT_EQ(parse_error(twcc(0, 2, 0, {0x2002}, {1, 2}, 4)), RtcpError::MalformedTransportCc);
    EXPECT_TRUE(rtcp::parse(twcc(0, 3, 0, {0x2003}, {1, 2, 3})));  // 3 bytes of zero padding
    // A reserved symbol past the status count does not matter.
    EXPECT_TRUE(rtcp::parse(twcc(0, 1, 0, {0xd003}, {1})));
}

TEST(RtcpTransportCcBuild, RoundTripsLossWrapAndMixedDeltas) {
    const std::vector<TwccArrival> in{
        {65530, 1'000'000}, {65531, 1'000'100}, {65533, 999'000},  // negative delta
        {2, 1'500'000},                                            // large delta, wraps seq
        {3, 1'500'250},     {40, 9'000'000},                       // +7.5 s
        {41, 1'000'000},                                           // -8 s
    };
    const auto wire = build({0x11, 0x22, 65530, 77, in});
    auto v = view_of(wire);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->sender_ssrc(), 0x11u);
    EXPECT_EQ(v->media_ssrc(), 0x22u);
    EXPECT_EQ(v->base_seq(), 65530);
    EXPECT_EQ(v->fb_pkt_count(), 77);
    EXPECT_EQ(v->status_count(), 48);  // 65530 .. 41
    EXPECT_EQ(v->reference_time(), 1'000'000u / 64'000u);
    std::map<std::uint16_t, std::int64_t> expected;
    for (const TwccArrival& a : in) expected[a.seq] = a.arrival_us / 250 * 250;
    std::size_t received = 0;
    for (const TwccPacketStatus& s : *v) {
        const auto it = expected.find(s.seq);
        ASSERT_EQ(s.received, it != expected.end()) << s.seq;
        if (s.received) {
            EXPECT_EQ(s.arrival_us, it->second) << s.seq;
            ++received;
        }
    }
    EXPECT_EQ(received, in.size());
}

TEST(RtcpTransportCcBuild, ChoosesChunksSensibly) {
    // 20 consecutive small deltas: one run-length chunk.
    std::vector<TwccArrival> run;
    for (std::uint16_t i = 0; i < 20; ++i) run.push_back({i, 1000 * i});
    EXPECT_EQ(chunks_of(build({1, 2, 0, 0, run})), (std::vector<std::uint16_t>{0x2014}));

    // Every other packet lost, small deltas: 1-bit vectors (14 symbols each).
    std::vector<TwccArrival> alternate;
    for (std::uint16_t i = 0; i < 28; i += 2) alternate.push_back({i, 1000 * i});
    EXPECT_EQ(chunks_of(build({1, 2, 0, 0, alternate})),
              (std::vector<std::uint16_t>{0xaaaa, 0xaaaa}));

    // A large delta among losses: a 2-bit vector.
    const std::vector<TwccArrival> mixed{{0, 0}, {2, 200'000}, {3, 200'000}};
    EXPECT_EQ(chunks_of(build({1, 2, 0, 0, mixed})), (std::vector<std::uint16_t>{0xd240}));

    // Seven lost first (a large delta ahead rules out a 1-bit vector): a run-length chunk of
    // seven, then a 2-bit vector for the rest.
    const std::vector<TwccArrival> seven{{7, 0}, {8, 200'000}};
    EXPECT_EQ(chunks_of(build({1, 2, 0, 0, seven})), (std::vector<std::uint16_t>{0x0007, 0xd800}));

    // A long gap: 1-bit vector, a run of not-received, then a final run.
    const std::vector<TwccArrival> gap{{0, 0}, {101, 1000}};
    EXPECT_EQ(chunks_of(build({1, 2, 0, 0, gap})),
              (std::vector<std::uint16_t>{0xa000, 0x0057, 0x2001}));

    // 100 ms apart: the first delta is small (it is relative to the 64 ms reference), then 19
    // large ones: a 2-bit vector of seven, then a run of the remaining 13.
    std::vector<TwccArrival> slow;
    for (std::uint16_t i = 0; i < 20; ++i) slow.push_back({i, 100'000 * i});
    EXPECT_EQ(chunks_of(build({1, 2, 0, 0, slow})), (std::vector<std::uint16_t>{0xdaaa, 0x400d}));
}

TEST(RtcpTransportCcBuild, RoundingDoesNotAccumulate) {
    std::vector<TwccArrival> in;
    for (std::uint16_t i = 0; i < 50; ++i) in.push_back({i, 5'000'000 + 333 * std::int64_t{i}});
    const auto wire = build({1, 2, 0, 0, in});
    auto v = view_of(wire);
    ASSERT_TRUE(v);
    std::size_t i = 0;
    for (const TwccPacketStatus& s : *v) {
        EXPECT_EQ(s.arrival_us, in[i].arrival_us / 250 * 250) << i;
        ++i;
    }
}

TEST(RtcpTransportCcBuild, NegativeArrivalTimesWrapTheReferenceTime) {
    const std::vector<TwccArrival> in{{5, -1000}, {6, -500}};
    const auto wire = build({1, 2, 5, 0, in});
    auto v = view_of(wire);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->reference_time(), (1u << 24) - 1);
    for (const TwccPacketStatus& s : *v) {
        const std::int64_t want = s.seq == 5 ? -1000 : -500;
        EXPECT_EQ((s.arrival_us - want) % rtcp::kReferenceTimeWrapUs, 0) << s.seq;
    }
}

TEST(RtcpTransportCcBuild, MaximumStatusCount) {
    const std::vector<TwccArrival> in{{100, 0}, {98, 1000}};  // offsets 0 and 65534
    const auto wire = build({1, 2, 100, 0, in});
    auto v = view_of(wire);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->status_count(), 65535);
    EXPECT_EQ(v->received_count(), 2u);
    std::size_t n = 0;
    for (const TwccPacketStatus& s : *v) n += s.received ? 1 : 0;
    EXPECT_EQ(n, 2u);
}

TEST(RtcpTransportCcBuild, RejectsBadInput) {
    std::array<std::byte, 256> out{};
    auto err = [&](const std::vector<TwccArrival>& in, std::uint16_t base = 0) {
        auto r = rtcp::serialize(rtcp::TransportCcFeedback{1, 2, base, 0, in}, out);
        return r ? boost::system::error_code{} : r.error();
    };
    EXPECT_EQ(err({}), RtcpError::InvalidArgument);
    EXPECT_EQ(err({{1, 0}, {1, 10}}), RtcpError::InvalidArgument);          // duplicate
    EXPECT_EQ(err({{2, 0}, {1, 10}}), RtcpError::InvalidArgument);          // out of order
    EXPECT_EQ(err({{0, 0}, {65535, 10}}), RtcpError::InvalidArgument);      // count 65536
    EXPECT_EQ(err({{3, 0}}, 4), RtcpError::InvalidArgument);                // before the base
    EXPECT_EQ(err({{0, 0}, {1, 8'192'000}}), RtcpError::DeltaOutOfRange);   // 32768 ticks
    EXPECT_EQ(err({{0, 8'300'000}, {1, 0}}), RtcpError::DeltaOutOfRange);   // -33200 ticks
    EXPECT_EQ(err({{0, 0}, {1, 8'191'999}}), boost::system::error_code{});  // 32767 ticks

    const std::vector<TwccArrival> ok{{0, 0}, {1, 250}};
    const auto full = build({1, 2, 0, 0, ok});
    for (std::size_t size : {std::size_t{0}, std::size_t{19}, std::size_t{21}, full.size() - 1}) {
        auto r =
            rtcp::serialize(rtcp::TransportCcFeedback{1, 2, 0, 0, ok}, std::span(out).first(size));
        EXPECT_EQ(r.error(), RtcpError::BufferTooSmall) << size;
    }
}

TEST(RtcpTransportCcBuild, SitsInsideAStrictCompound) {
    std::array<std::byte, 512> buf{};
    rtcp::CompoundWriter w(buf);
    const std::vector<TwccArrival> in{{7, 100}, {9, 300}};
    ASSERT_TRUE(w.add(rtcp::ReceiverReport{1, {}}));
    ASSERT_TRUE(w.add(rtcp::TransportCcFeedback{1, 2, 7, 0, in}));
    ASSERT_TRUE(w.add(rtcp::Pli{1, 2}));
    auto c = rtcp::parse(w.bytes(), {.require_report_first = true});
    ASSERT_TRUE(c) << c.error().message();
    auto it = c->begin();
    ++it;
    EXPECT_EQ((*it).kind(), rtcp::PacketKind::TransportCc);
    EXPECT_FALSE((*it).has_padding());
    auto v = rtcp::as_transport_cc(*it);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->status_count(), 3);
    EXPECT_FALSE(rtcp::as_transport_cc(*c->begin()));
}
