// Typed RTCP views and builders (rtcp.hpp, rtcp_build.hpp): SR, RR, SDES, BYE, NACK, PLI, FIR,
// REMB and compound assembly. Hand-written vectors follow the RFC layouts; the NACK and REMB
// vectors are libwebrtc's own unit-test packets (modules/rtp_rtcp/source/rtcp_packet/
// nack_unittest.cc and remb_unittest.cc), i.e. the bytes Chromium's RTCP writer produces.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "cohost/wire/rtcp.hpp"
#include "cohost/wire/rtcp_build.hpp"

namespace rtcp = cohost::wire::rtcp;
using rtcp::PacketKind;
using rtcp::RtcpError;

namespace {

std::vector<std::byte> bytes(std::initializer_list<int> v) {
    std::vector<std::byte> out;
    for (int b : v) out.push_back(static_cast<std::byte>(b));
    return out;
}

// Parses `in` as a compound of exactly one packet and returns it.
rtcp::PacketView only_packet(const std::vector<std::byte>& in) {
    auto c = rtcp::parse(in);
    EXPECT_TRUE(c) << (c ? "" : c.error().message());
    static const auto kFallback = bytes({0x80, 204, 0, 0});
    if (!c) return *rtcp::parse(kFallback)->begin();  // keeps the test going after a failure
    EXPECT_EQ(c->packet_count(), 1u);
    return *c->begin();
}

// The view borrows its bytes: refuse temporaries.
rtcp::PacketView only_packet(std::vector<std::byte>&&) = delete;

template <class P>
std::vector<std::byte> build(const P& packet) {
    std::vector<std::byte> out(1500);
    auto n = rtcp::serialize(packet, out);
    EXPECT_TRUE(n) << (n ? "" : n.error().message());
    out.resize(n ? *n : 0);
    return out;
}

std::vector<std::uint16_t> lost_of(const rtcp::NackView& nack) {
    std::vector<std::uint16_t> out;
    for (std::uint16_t s : nack.lost()) out.push_back(s);
    return out;
}

// SR from RFC 3550 §6.4.1 with one report block and a 4-byte profile extension.
const auto kSr = bytes({
    0x81, 200,  0x00, 0x0d,                          // V=2 RC=1 PT=200 length=13
    0x11, 0x22, 0x33, 0x44,                          // SSRC of sender
    0xe5, 0xa1, 0xb2, 0xc3, 0x80, 0x00, 0x00, 0x00,  // NTP timestamp
    0x00, 0x01, 0x02, 0x03,                          // RTP timestamp
    0x00, 0x00, 0x00, 0x64,                          // sender's packet count
    0x00, 0x00, 0x27, 0x10,                          // sender's octet count
    0x55, 0x66, 0x77, 0x88,                          // SSRC_1
    0x40, 0xff, 0xff, 0xfe,                          // fraction lost 1/4, cumulative lost -2
    0x00, 0x01, 0x00, 0x05,                          // extended highest sequence number
    0x00, 0x00, 0x00, 0x10,                          // interarrival jitter
    0xb2, 0xc3, 0x80, 0x00,                          // LSR
    0x00, 0x01, 0x00, 0x00,                          // DLSR
    0xde, 0xad, 0xbe, 0xef,                          // profile-specific extension
});

}  // namespace

TEST(RtcpSenderReport, ParsesKnownBytes) {
    const auto p = only_packet(kSr);
    auto sr = rtcp::as_sender_report(p);
    ASSERT_TRUE(sr);
    EXPECT_EQ(sr->ssrc(), 0x11223344u);
    const rtcp::SenderInfo info = sr->sender_info();
    EXPECT_EQ(info.ntp_timestamp, 0xe5a1b2c380000000ull);
    EXPECT_EQ(info.rtp_timestamp, 0x00010203u);
    EXPECT_EQ(info.packet_count, 100u);
    EXPECT_EQ(info.octet_count, 10000u);
    ASSERT_EQ(sr->report_count(), 1u);
    const rtcp::ReportBlock b = sr->report_block(0);
    EXPECT_EQ(b.ssrc, 0x55667788u);
    EXPECT_EQ(b.fraction_lost, 0x40);
    EXPECT_EQ(b.cumulative_lost, -2);
    EXPECT_EQ(b.extended_highest_seq, 0x00010005u);
    EXPECT_EQ(b.jitter, 16u);
    EXPECT_EQ(b.last_sr, 0xb2c38000u);
    EXPECT_EQ(b.delay_since_last_sr, 0x00010000u);
    EXPECT_EQ(sr->report_block(1), rtcp::ReportBlock{});  // out of range: zeroed, no read
    ASSERT_EQ(sr->extension().size(), 4u);
    EXPECT_EQ(sr->extension()[0], std::byte{0xde});
}

TEST(RtcpSenderReport, BuilderRoundTripsAndClampsCumulativeLost) {
    const std::array<rtcp::ReportBlock, 2> blocks{{
        {0x01, 12, 0x7fffff, 70000, 33, 0xaabbccdd, 655},
        {0x02, 0, -9'000'000, 5, 0, 0, 0},  // below -2^23: clamped
    }};
    const rtcp::SenderReport in{0xcafe, {0x0102030405060708ull, 90000, 7, 700}, blocks};
    const auto wire = build(in);
    EXPECT_EQ(wire.size(), 28u + 48u);
    const auto p = only_packet(wire);
    auto sr = rtcp::as_sender_report(p);
    ASSERT_TRUE(sr);
    EXPECT_EQ(sr->ssrc(), 0xcafeu);
    EXPECT_EQ(sr->sender_info(), in.info);
    ASSERT_EQ(sr->report_count(), 2u);
    EXPECT_EQ(sr->report_block(0), blocks[0]);
    rtcp::ReportBlock clamped = blocks[1];
    clamped.cumulative_lost = -0x800000;
    EXPECT_EQ(sr->report_block(1), clamped);
    EXPECT_TRUE(sr->extension().empty());
}

TEST(RtcpReceiverReport, ParsesTwoBlocksAndRoundTrips) {
    std::array<rtcp::ReportBlock, 2> blocks{
        {{0x10, 1, 3, 4, 5, 6, 7}, {0x20, 255, -1, 0, 0, 0, 0}}};
    const auto wire = build(rtcp::ReceiverReport{0x99, blocks});
    // Hand check of the second block's loss fields: fraction 255, cumulative -1 = 0xffffff.
    EXPECT_EQ(wire[4 + 4 + 24 + 4], std::byte{0xff});
    EXPECT_EQ(wire[4 + 4 + 24 + 5], std::byte{0xff});
    EXPECT_EQ(wire[4 + 4 + 24 + 7], std::byte{0xff});
    const auto p = only_packet(wire);
    auto rr = rtcp::as_receiver_report(p);
    ASSERT_TRUE(rr);
    EXPECT_EQ(rr->ssrc(), 0x99u);
    ASSERT_EQ(rr->report_count(), 2u);
    EXPECT_EQ(rr->report_block(0), blocks[0]);
    EXPECT_EQ(rr->report_block(1), blocks[1]);
}

TEST(RtcpReportBuilders, RejectTooManyBlocksAndSmallBuffers) {
    std::vector<rtcp::ReportBlock> many(32);
    std::array<std::byte, 2000> out{};
    EXPECT_EQ(rtcp::serialize(rtcp::ReceiverReport{1, many}, out).error(),
              RtcpError::InvalidArgument);
    EXPECT_EQ(rtcp::serialize(rtcp::SenderReport{1, {}, many}, out).error(),
              RtcpError::InvalidArgument);
    many.resize(31);
    EXPECT_EQ(*rtcp::serialize(rtcp::ReceiverReport{1, many}, out), 8u + 31u * 24u);
    EXPECT_EQ(rtcp::serialize(rtcp::SenderReport{1, {}, {}}, std::span(out).first(27)).error(),
              RtcpError::BufferTooSmall);
    EXPECT_EQ(rtcp::serialize(rtcp::ReceiverReport{1, {}}, std::span(out).first(7)).error(),
              RtcpError::BufferTooSmall);
}

TEST(RtcpSdes, ParsesChunksAndItems) {
    // Two chunks: (1) CNAME "user@host" + NAME "Al" ; (2) TOOL "x" only.
    const auto wire = bytes({
        0x82, 202,  0x00, 0x07,                                     // SC=2, 32 bytes
        0x00, 0x00, 0x00, 0x01,                                     // SSRC 1
        0x01, 0x09, 'u',  's',  'e', 'r', '@', 'h', 'o', 's', 't',  // CNAME
        0x02, 0x02, 'A',  'l',                                      // NAME
        0x00,                                                       // END
        0x00, 0x00, 0x00, 0x02,                                     // SSRC 2
        0x06, 0x01, 'x',  0x00,                                     // TOOL, END
    });
    const auto p = only_packet(wire);
    auto sdes = rtcp::as_sdes(p);
    ASSERT_TRUE(sdes);
    EXPECT_EQ(sdes->chunk_count(), 2u);
    std::vector<std::uint32_t> ssrcs;
    std::vector<std::string> items;
    for (const rtcp::SdesChunkView chunk : *sdes) {
        ssrcs.push_back(chunk.ssrc());
        for (const rtcp::SdesItem item : chunk) {
            items.push_back(std::to_string(item.type) + ":" + std::string(item.value));
        }
    }
    EXPECT_EQ(ssrcs, (std::vector<std::uint32_t>{1, 2}));
    EXPECT_EQ(items, (std::vector<std::string>{"1:user@host", "2:Al", "6:x"}));
    auto it = sdes->begin();
    EXPECT_EQ((*it).cname(), "user@host");
    ++it;
    EXPECT_FALSE((*it).cname());
}

TEST(RtcpSdes, CnameBuilderRoundTripsAllPaddingLengths) {
    // CNAME lengths 0..5 exercise every padding remainder.
    const std::array<rtcp::SdesCname, 6> chunks{
        {{1, ""}, {2, "a"}, {3, "ab"}, {4, "abc"}, {5, "abcd"}, {6, "abcde"}}};
    const auto wire = build(rtcp::Sdes{chunks});
    EXPECT_EQ(wire.size() % 4, 0u);
    const auto p = only_packet(wire);
    auto sdes = rtcp::as_sdes(p);
    ASSERT_TRUE(sdes);
    std::size_t i = 0;
    for (const rtcp::SdesChunkView chunk : *sdes) {
        ASSERT_LT(i, chunks.size());
        EXPECT_EQ(chunk.ssrc(), chunks[i].ssrc);
        EXPECT_EQ(chunk.cname(), chunks[i].cname);
        ++i;
    }
    EXPECT_EQ(i, chunks.size());

    std::array<std::byte, 16> small{};
    EXPECT_EQ(rtcp::serialize(rtcp::Sdes{std::span(chunks).first(2)}, small).error(),
              RtcpError::BufferTooSmall);
    const std::string long_name(256, 'x');
    const rtcp::SdesCname too_long{1, long_name};
    std::array<std::byte, 600> out{};
    EXPECT_EQ(rtcp::serialize(rtcp::Sdes{{&too_long, 1}}, out).error(), RtcpError::InvalidArgument);
}

TEST(RtcpBye, ParsesWithAndWithoutReason) {
    const auto with =
        bytes({0x82, 203, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 2, 5, 'l', 'e', 'a', 'v', 'e', 0, 0});
    auto bye = rtcp::as_bye(only_packet(with));
    ASSERT_TRUE(bye);
    ASSERT_EQ(bye->ssrc_count(), 2u);
    EXPECT_EQ(bye->ssrc(0), 1u);
    EXPECT_EQ(bye->ssrc(1), 2u);
    EXPECT_EQ(bye->ssrc(2), 0u);
    EXPECT_EQ(bye->reason(), "leave");

    const auto plain_wire = bytes({0x81, 203, 0x00, 0x01, 0, 0, 0, 9});
    auto plain = rtcp::as_bye(only_packet(plain_wire));
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->reason());
}

TEST(RtcpBye, BuilderRoundTrips) {
    const std::array<std::uint32_t, 3> ssrcs{7, 8, 9};
    for (std::string_view reason : {"", "x", "done", "shutdown"}) {
        const auto wire = build(rtcp::Bye{ssrcs, reason});
        auto bye = rtcp::as_bye(only_packet(wire));
        ASSERT_TRUE(bye);
        ASSERT_EQ(bye->ssrc_count(), 3u);
        EXPECT_EQ(bye->ssrc(2), 9u);
        if (reason.empty()) {
            EXPECT_FALSE(bye->reason());
        } else {
            EXPECT_EQ(bye->reason(), reason);
        }
    }
    std::array<std::byte, 64> out{};
    const std::vector<std::uint32_t> many(32, 1);
    EXPECT_EQ(rtcp::serialize(rtcp::Bye{many, ""}, out).error(), RtcpError::InvalidArgument);
}

// libwebrtc nack_unittest.cc: kList {0, 1, 3, 8, 16} <-> kPacket.
TEST(RtcpNack, MatchesLibwebrtcVector) {
    const auto packet = bytes({0x81, 205, 0x00, 0x03, 0x12, 0x34, 0x56, 0x78, 0x23, 0x45, 0x67,
                               0x89, 0x00, 0x00, 0x80, 0x85});
    const std::vector<std::uint16_t> list{0, 1, 3, 8, 16};
    auto nack = rtcp::as_nack(only_packet(packet));
    ASSERT_TRUE(nack);
    EXPECT_EQ(nack->sender_ssrc(), 0x12345678u);
    EXPECT_EQ(nack->media_ssrc(), 0x23456789u);
    ASSERT_EQ(nack->item_count(), 1u);
    EXPECT_EQ(nack->item(0), (rtcp::NackItem{0, 0x8085}));
    EXPECT_EQ(lost_of(*nack), list);
    EXPECT_EQ(build(rtcp::GenericNack{0x12345678, 0x23456789, list}), packet);
}

// libwebrtc nack_unittest.cc: kWrapList <-> kWrapPacket (wraps through 65535).
TEST(RtcpNack, MatchesLibwebrtcWrapVector) {
    const auto packet =
        bytes({0x81, 205,  0x00, 0x06, 0x12, 0x34, 0x56, 0x78, 0x23, 0x45, 0x67, 0x89, 0xff, 0xdc,
               0x80, 0x00, 0xff, 0xfe, 0x00, 0x17, 0x00, 0x14, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00});
    const std::vector<std::uint16_t> list{0xffdc, 0xffec, 0xfffe, 0xffff, 0x0000,
                                          0x0001, 0x0003, 0x0014, 0x0064};
    auto nack = rtcp::as_nack(only_packet(packet));
    ASSERT_TRUE(nack);
    EXPECT_EQ(lost_of(*nack), list);
    EXPECT_EQ(build(rtcp::GenericNack{0x12345678, 0x23456789, list}), packet);
}

TEST(RtcpNack, PackingEdgeCases) {
    struct Case {
        std::vector<std::uint16_t> lost;
        std::vector<rtcp::NackItem> items;
    };
    const std::vector<Case> cases{
        {{100}, {{100, 0}}},
        {{0, 16}, {{0, 0x8000}}},                              // 16 after the pid: last BLP bit
        {{0, 17}, {{0, 0}, {17, 0}}},                          // gap > 16: new entry
        {{65535, 0, 15}, {{65535, 0x8001}}},                   // wrap inside one entry
        {{65530, 65535, 10, 11}, {{65530, 0x8010}, {11, 0}}},  // 10 is pid + 16
        {{5, 5, 6, 6}, {{5, 0x0001}}},                         // repeats dropped
        {{9, 3}, {{9, 0}, {3, 0}}},                            // backwards: new entry
    };
    for (const Case& c : cases) {
        const auto wire = build(rtcp::GenericNack{1, 2, c.lost});
        auto nack = rtcp::as_nack(only_packet(wire));
        ASSERT_TRUE(nack);
        ASSERT_EQ(nack->item_count(), c.items.size()) << c.lost.front();
        for (std::size_t i = 0; i < c.items.size(); ++i) EXPECT_EQ(nack->item(i), c.items[i]);
        const auto got = lost_of(*nack);
        EXPECT_EQ(std::set<std::uint16_t>(got.begin(), got.end()),
                  std::set<std::uint16_t>(c.lost.begin(), c.lost.end()));
    }
}

TEST(RtcpNack, UnorderedInputStillReportsEverySequenceNumber) {
    const std::vector<std::uint16_t> lost{1, 25, 13, 12, 9, 27, 29, 65000, 2};
    const auto wire = build(rtcp::GenericNack{1, 2, lost});
    auto nack = rtcp::as_nack(only_packet(wire));
    ASSERT_TRUE(nack);
    const auto got = lost_of(*nack);
    EXPECT_EQ(std::set<std::uint16_t>(got.begin(), got.end()),
              std::set<std::uint16_t>(lost.begin(), lost.end()));
}

TEST(RtcpNack, BuilderErrors) {
    std::array<std::byte, 64> out{};
    EXPECT_EQ(rtcp::serialize(rtcp::GenericNack{1, 2, {}}, out).error(),
              RtcpError::InvalidArgument);
    const std::vector<std::uint16_t> spread{0, 100, 200};  // 3 entries: 24 bytes
    EXPECT_EQ(rtcp::serialize(rtcp::GenericNack{1, 2, spread}, std::span(out).first(23)).error(),
              RtcpError::BufferTooSmall);
    EXPECT_EQ(*rtcp::serialize(rtcp::GenericNack{1, 2, spread}, std::span(out).first(24)), 24u);
}

TEST(RtcpPli, ParsesAndBuilds) {
    const auto wire =
        bytes({0x81, 206, 0x00, 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x01, 0x02, 0x03, 0x04});
    auto pli = rtcp::as_pli(only_packet(wire));
    ASSERT_TRUE(pli);
    EXPECT_EQ(pli->sender_ssrc(), 0xaabbccddu);
    EXPECT_EQ(pli->media_ssrc(), 0x01020304u);
    EXPECT_EQ(build(rtcp::Pli{0xaabbccdd, 0x01020304}), wire);
    std::array<std::byte, 11> small{};
    EXPECT_EQ(rtcp::serialize(rtcp::Pli{1, 2}, small).error(), RtcpError::BufferTooSmall);
}

TEST(RtcpFir, ParsesAndBuilds) {
    const auto wire = bytes({0x84, 206,  0x00, 0x06, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
                             0x00, 0x11, 0x11, 0x11, 0x11, 0x07, 0x00, 0x00, 0x00,  // ssrc, seq 7
                             0x22, 0x22, 0x22, 0x22, 0xff, 0x00, 0x00, 0x00});      // ssrc, seq 255
    auto fir = rtcp::as_fir(only_packet(wire));
    ASSERT_TRUE(fir);
    EXPECT_EQ(fir->sender_ssrc(), 5u);
    EXPECT_EQ(fir->media_ssrc(), 0u);
    ASSERT_EQ(fir->entry_count(), 2u);
    EXPECT_EQ(fir->entry(0), (rtcp::FirEntry{0x11111111, 7}));
    EXPECT_EQ(fir->entry(1), (rtcp::FirEntry{0x22222222, 255}));
    EXPECT_EQ(fir->entry(2), rtcp::FirEntry{});
    const std::array<rtcp::FirEntry, 2> entries{{{0x11111111, 7}, {0x22222222, 255}}};
    EXPECT_EQ(build(rtcp::Fir{5, entries}), wire);
    std::array<std::byte, 64> out{};
    EXPECT_EQ(rtcp::serialize(rtcp::Fir{5, {}}, out).error(), RtcpError::InvalidArgument);
}

// libwebrtc remb_unittest.cc: bitrate 0x3fb93 * 2 = 522022 bps, three SSRCs.
TEST(RtcpRemb, MatchesLibwebrtcVector) {
    const auto packet = bytes({0x8f, 206,  0x00, 0x07, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00,
                               0x00, 'R',  'E',  'M',  'B',  0x03, 0x07, 0xfb, 0x93, 0x23, 0x45,
                               0x67, 0x89, 0x23, 0x45, 0x67, 0x8a, 0x23, 0x45, 0x67, 0x8b});
    const std::array<std::uint32_t, 3> ssrcs{0x23456789, 0x2345678a, 0x2345678b};
    auto remb = rtcp::as_remb(only_packet(packet));
    ASSERT_TRUE(remb);
    EXPECT_EQ(remb->sender_ssrc(), 0x12345678u);
    EXPECT_EQ(remb->bitrate_bps(), 522022u);
    ASSERT_EQ(remb->ssrc_count(), 3u);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(remb->ssrc(i), ssrcs[i]);
    EXPECT_EQ(remb->ssrc(3), 0u);
    EXPECT_EQ(build(rtcp::Remb{0x12345678, 522022, ssrcs}), packet);
}

TEST(RtcpRemb, BitrateEncodingRoundTrips) {
    // Representable values round-trip exactly (libwebrtc's 64-bit case is 0x3fb93 << 30).
    for (std::uint64_t bps :
         {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{0x3ffff}, std::uint64_t{0x40000},
          std::uint64_t{0x3fb93} << 30, std::uint64_t{1} << 63}) {
        const auto wire = build(rtcp::Remb{1, bps, {}});
        auto remb = rtcp::as_remb(only_packet(wire));
        ASSERT_TRUE(remb);
        EXPECT_EQ(remb->bitrate_bps(), bps);
        EXPECT_EQ(remb->ssrc_count(), 0u);
    }
    // Others round down to 18 significant bits.
    const std::uint64_t odd = 0x40001;  // needs 19 bits
    const auto odd_wire = build(rtcp::Remb{1, odd, {}});
    auto remb = rtcp::as_remb(only_packet(odd_wire));
    EXPECT_EQ(remb->bitrate_bps(), 0x40000u);
    const auto max_wire = build(rtcp::Remb{1, UINT64_MAX, {}});
    auto max = rtcp::as_remb(only_packet(max_wire));
    EXPECT_EQ(max->bitrate_bps(), std::uint64_t{0x3ffff} << 46);
    std::array<std::byte, 2000> out{};
    const std::vector<std::uint32_t> many(256, 1);
    EXPECT_EQ(rtcp::serialize(rtcp::Remb{1, 1, many}, out).error(), RtcpError::InvalidArgument);
}

TEST(RtcpCompoundWriter, AssemblesAFullCompound) {
    std::array<std::byte, 1200> buf{};
    rtcp::CompoundWriter w(buf);
    const std::array<rtcp::SdesCname, 1> cname{{{0x1234, "cohost"}}};
    const std::array<std::uint16_t, 2> lost{10, 12};
    ASSERT_TRUE(w.add(rtcp::ReceiverReport{0x1234, {}}));
    ASSERT_TRUE(w.add(rtcp::Sdes{cname}));
    ASSERT_TRUE(w.add(rtcp::Pli{0x1234, 0x5678}));
    ASSERT_TRUE(w.add(rtcp::GenericNack{0x1234, 0x5678, lost}));
    ASSERT_TRUE(w.add(rtcp::Remb{0x1234, 1'000'000, {}}));
    EXPECT_EQ(w.packet_count(), 5u);
    auto c = rtcp::parse(w.bytes(), {.require_report_first = true});
    ASSERT_TRUE(c) << c.error().message();
    std::vector<PacketKind> k;
    for (const rtcp::PacketView p : *c) k.push_back(p.kind());
    EXPECT_EQ(k, (std::vector<PacketKind>{PacketKind::ReceiverReport, PacketKind::Sdes,
                                          PacketKind::Pli, PacketKind::Nack, PacketKind::Remb}));
}

TEST(RtcpCompoundWriter, EnforcesReportFirstOnlyInRfc3550Mode) {
    std::array<std::byte, 64> buf{};
    rtcp::CompoundWriter strict(buf);
    EXPECT_EQ(strict.add(rtcp::Pli{1, 2}).error(), RtcpError::InvalidArgument);
    EXPECT_EQ(strict.size(), 0u);
    rtcp::CompoundWriter reduced(buf, rtcp::CompoundMode::ReducedSize);
    ASSERT_TRUE(reduced.add(rtcp::Pli{1, 2}));
    EXPECT_EQ(reduced.size(), 12u);
}

TEST(RtcpCompoundWriter, FailedAddKeepsEarlierPackets) {
    std::array<std::byte, 20> buf{};
    rtcp::CompoundWriter w(buf);
    ASSERT_TRUE(w.add(rtcp::ReceiverReport{1, {}}));
    ASSERT_TRUE(w.add(rtcp::Pli{1, 2}));
    EXPECT_EQ(w.add(rtcp::Pli{1, 3}).error(), RtcpError::BufferTooSmall);
    EXPECT_EQ(w.size(), 20u);
    EXPECT_EQ(w.packet_count(), 2u);
    EXPECT_TRUE(rtcp::parse(w.bytes()));
}
