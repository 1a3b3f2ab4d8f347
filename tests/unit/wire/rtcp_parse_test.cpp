// Compound RTCP validation (wire/include/cohost/wire/rtcp.hpp): framing, padding, compound rules,
// per-type count checks, and every error branch of parse(). Byte vectors are written by hand from
// the RFC 3550 / 4585 / 5104 layouts.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "cohost/wire/rtcp.hpp"

namespace rtcp = cohost::wire::rtcp;
using rtcp::PacketKind;
using rtcp::RtcpError;

namespace {

std::vector<std::byte> bytes(std::initializer_list<int> v) {
    std::vector<std::byte> out;
    for (int b : v) out.push_back(static_cast<std::byte>(b));
    return out;
}

std::vector<std::byte> cat(std::initializer_list<std::vector<std::byte>> parts) {
    std::vector<std::byte> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

boost::system::error_code parse_error(const std::vector<std::byte>& in,
                                      rtcp::ParseOptions options = {}) {
    auto r = rtcp::parse(in, options);
    return r ? boost::system::error_code{} : r.error();
}

std::vector<PacketKind> kinds(const rtcp::CompoundView& c) {
    std::vector<PacketKind> out;
    for (const rtcp::PacketView p : c) out.push_back(p.kind());
    return out;
}

// RR with no report blocks (RFC 3550 §6.4.2), SSRC 0x01020304.
const auto kEmptyRr = bytes({0x80, 201, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04});
// PLI (RFC 4585 §6.3.1): sender 0x0a0b0c0d, media 0x11121314.
const auto kPli = bytes({0x81, 206, 0x00, 0x02, 0x0a, 0x0b, 0x0c, 0x0d, 0x11, 0x12, 0x13, 0x14});
// SDES with one chunk: SSRC 0x01020304, CNAME "ab", END, one byte of padding.
const auto kSdes = bytes(
    {0x81, 202, 0x00, 0x03, 0x01, 0x02, 0x03, 0x04, 0x01, 0x02, 'a', 'b', 0x00, 0x00, 0x00, 0x00});
// BYE for one SSRC, no reason.
const auto kBye = bytes({0x81, 203, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04});

}  // namespace

TEST(RtcpParse, SingleEmptyReceiverReport) {
    auto c = rtcp::parse(kEmptyRr);
    ASSERT_TRUE(c) << c.error().message();
    EXPECT_EQ(c->packet_count(), 1u);
    const rtcp::PacketView p = *c->begin();
    EXPECT_EQ(p.kind(), PacketKind::ReceiverReport);
    EXPECT_EQ(p.packet_type(), 201);
    EXPECT_EQ(p.count_or_format(), 0);
    EXPECT_FALSE(p.has_padding());
    EXPECT_EQ(p.bytes().size(), 8u);
    EXPECT_EQ(p.body().size(), 4u);
    auto rr = rtcp::as_receiver_report(p);
    ASSERT_TRUE(rr);
    EXPECT_EQ(rr->ssrc(), 0x01020304u);
    EXPECT_EQ(rr->report_count(), 0u);
    EXPECT_FALSE(rtcp::as_sender_report(p));
    EXPECT_FALSE(rtcp::as_pli(p));
}

TEST(RtcpParse, CompoundIteratesInWireOrder) {
    const auto in = cat({kEmptyRr, kSdes, kPli, kBye});
    auto c = rtcp::parse(in, {.require_report_first = true});
    ASSERT_TRUE(c) << c.error().message();
    EXPECT_EQ(c->packet_count(), 4u);
    EXPECT_EQ(kinds(*c), (std::vector<PacketKind>{PacketKind::ReceiverReport, PacketKind::Sdes,
                                                  PacketKind::Pli, PacketKind::Bye}));
    std::size_t offset = 0;
    for (const rtcp::PacketView p : *c) {
        EXPECT_EQ(p.bytes().data(), in.data() + offset);  // views into the input, no copy
        offset += p.bytes().size();
    }
    EXPECT_EQ(offset, in.size());
}

TEST(RtcpParse, UnknownTypesAreOtherNotErrors) {
    // APP (204) with name "test" and 4 bytes of data; XR (207) with one empty word; PT 199.
    const auto app = bytes({0x80, 204, 0x00, 0x03, 0, 0, 0, 1, 't', 'e', 's', 't', 1, 2, 3, 4});
    const auto xr = bytes({0x80, 207, 0x00, 0x01, 0, 0, 0, 2});
    const auto odd = bytes({0x9f, 199, 0x00, 0x00});
    // RTPFB FMT 3 (TMMBR) and PSFB FMT 15 that is not REMB are feedback this codec does not decode.
    const auto tmmbr =
        bytes({0x83, 205, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0});
    const auto afb = bytes({0x8f, 206, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 0, 'L', 'N', 'T', 'F'});
    const auto in = cat({app, xr, odd, tmmbr, afb});
    auto c = rtcp::parse(in);
    ASSERT_TRUE(c) << c.error().message();
    const auto k = kinds(*c);
    ASSERT_EQ(k.size(), 5u);
    for (PacketKind kind : k) EXPECT_EQ(kind, PacketKind::Other);
    auto it = c->begin();
    EXPECT_EQ((*it).packet_type(), 204);
    EXPECT_EQ((*it).bytes().size(), app.size());
    ++it;
    EXPECT_EQ((*it).packet_type(), 207);
    ++it;
    EXPECT_EQ((*it).packet_type(), 199);
    EXPECT_EQ((*it).count_or_format(), 31);
    EXPECT_EQ((*it).body().size(), 0u);
}

TEST(RtcpParse, PaddingOnLastPacketIsStripped) {
    // PLI with 4 bytes of padding (P bit, last octet = 4).
    const auto padded = bytes({0xa1, 206, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 4});
    const auto in = cat({kEmptyRr, padded});
    auto c = rtcp::parse(in);
    ASSERT_TRUE(c) << c.error().message();
    auto it = c->begin();
    ++it;
    const rtcp::PacketView p = *it;
    EXPECT_TRUE(p.has_padding());
    EXPECT_EQ(p.bytes().size(), 16u);
    EXPECT_EQ(p.body().size(), 8u);
    EXPECT_EQ(rtcp::as_pli(p)->media_ssrc(), 2u);
}

TEST(RtcpParse, ReducedSizeAcceptedUnlessStrict) {
    EXPECT_TRUE(rtcp::parse(kPli));  // RFC 5506: a lone feedback packet
    EXPECT_EQ(parse_error(kPli, {.require_report_first = true}), RtcpError::FirstNotReport);
    EXPECT_EQ(parse_error(cat({kSdes, kEmptyRr}), {.require_report_first = true}),
              RtcpError::FirstNotReport);
}

TEST(RtcpParse, RejectsEmptyAndShortInput) {
    EXPECT_EQ(parse_error({}), RtcpError::TooShort);
    EXPECT_EQ(parse_error(bytes({0x80, 201, 0x00})), RtcpError::TooShort);
    // A valid packet followed by 1..3 stray bytes.
    for (int extra = 1; extra <= 3; ++extra) {
        auto in = kEmptyRr;
        in.resize(in.size() + static_cast<std::size_t>(extra), std::byte{0x80});
        EXPECT_EQ(parse_error(in), RtcpError::TooShort) << extra;
    }
}

TEST(RtcpParse, RejectsBadVersionAnywhere) {
    for (int v : {0, 1, 3}) {
        auto bad = kEmptyRr;
        bad[0] = static_cast<std::byte>((v << 6) | 0x00);
        EXPECT_EQ(parse_error(bad), RtcpError::BadVersion) << v;
        EXPECT_EQ(parse_error(cat({kEmptyRr, bad})), RtcpError::BadVersion) << v;
    }
}

TEST(RtcpParse, RejectsLengthPastBuffer) {
    auto in = kEmptyRr;
    in[3] = std::byte{0x02};  // claims 12 bytes, has 8
    EXPECT_EQ(parse_error(in), RtcpError::LengthOverrun);
    auto two = cat({kEmptyRr, kPli});
    two[8 + 3] = std::byte{0xff};
    EXPECT_EQ(parse_error(two), RtcpError::LengthOverrun);
    // Truncated datagram: the second packet's last word is missing.
    auto cut = cat({kEmptyRr, kPli});
    cut.erase(cut.end() - 4, cut.end());
    EXPECT_EQ(parse_error(cut), RtcpError::LengthOverrun);
}

TEST(RtcpParse, RejectsBadPaddingCount) {
    // P set, last octet 0.
    EXPECT_EQ(parse_error(bytes({0xa1, 206, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 0})),
              RtcpError::BadPadding);
    // P set, padding (9) longer than the 8-byte body.
    EXPECT_EQ(parse_error(bytes({0xa1, 206, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 9})),
              RtcpError::BadPadding);
    // P set on a header-only packet: no room for a count at all.
    EXPECT_EQ(parse_error(bytes({0xa0, 204, 0x00, 0x00})), RtcpError::BadPadding);
}

TEST(RtcpParse, PaddingOnlyOnLastPacketUnlessAllowed) {
    const auto padded_rr = bytes({0xa0, 201, 0x00, 0x02, 1, 2, 3, 4, 0, 0, 0, 4});
    const auto in = cat({padded_rr, kPli});
    EXPECT_EQ(parse_error(in), RtcpError::PaddingNotLast);
    auto lenient = rtcp::parse(in, {.allow_padding_on_any_packet = true});
    ASSERT_TRUE(lenient) << lenient.error().message();
    EXPECT_EQ(kinds(*lenient),
              (std::vector<PacketKind>{PacketKind::ReceiverReport, PacketKind::Pli}));
    EXPECT_EQ((*lenient->begin()).body().size(), 4u);
}

TEST(RtcpParse, RejectsReportCountsPastLength) {
    // SR with RC=1 but no room for the block.
    auto sr = bytes({0x81, 200, 0x00, 0x06, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0,
                     0,    0,   0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    EXPECT_EQ(parse_error(sr), RtcpError::CountMismatch);
    sr[0] = std::byte{0x80};
    EXPECT_TRUE(rtcp::parse(sr));
    // SR shorter than its sender info.
    EXPECT_EQ(parse_error(bytes({0x80, 200, 0x00, 0x01, 1, 2, 3, 4})), RtcpError::CountMismatch);
    // RR with RC=31 in 8 bytes; RR with no SSRC.
    EXPECT_EQ(parse_error(bytes({0x9f, 201, 0x00, 0x01, 1, 2, 3, 4})), RtcpError::CountMismatch);
    EXPECT_EQ(parse_error(bytes({0x80, 201, 0x00, 0x00})), RtcpError::CountMismatch);
}

TEST(RtcpParse, RejectsMalformedSdes) {
    // SC=2 but one chunk.
    auto two = kSdes;
    two[0] = std::byte{0x82};
    EXPECT_EQ(parse_error(two), RtcpError::MalformedSdes);
    // Item length 9 runs past the packet.
    auto overrun = kSdes;
    overrun[9] = std::byte{9};
    EXPECT_EQ(parse_error(overrun), RtcpError::MalformedSdes);
    // No END octet: the item fills the chunk exactly.
    EXPECT_EQ(parse_error(bytes({0x81, 202, 0x00, 0x02, 1, 2, 3, 4, 0x01, 0x02, 'a', 'b'})),
              RtcpError::MalformedSdes);
    // Chunk without room for its SSRC.
    EXPECT_EQ(parse_error(bytes({0x81, 202, 0x00, 0x00})), RtcpError::MalformedSdes);
    // A second (uncounted) chunk after SC=1.
    EXPECT_EQ(
        parse_error(bytes({0x81, 202, 0x00, 0x04, 1, 2, 3, 4, 0, 0, 0, 0, 5, 6, 7, 8, 0, 0, 0, 0})),
        RtcpError::CountMismatch);
    // SC=0 with an empty body is valid.
    EXPECT_TRUE(rtcp::parse(bytes({0x80, 202, 0x00, 0x00})));
}

TEST(RtcpParse, RejectsMalformedBye) {
    EXPECT_EQ(parse_error(bytes({0x82, 203, 0x00, 0x01, 1, 2, 3, 4})), RtcpError::CountMismatch);
    // Reason length 8 with 3 bytes of text.
    EXPECT_EQ(parse_error(bytes({0x81, 203, 0x00, 0x02, 1, 2, 3, 4, 8, 'a', 'b', 'c'})),
              RtcpError::MalformedBye);
    // Reason "ab" followed by a whole extra word.
    EXPECT_EQ(parse_error(bytes({0x81, 203, 0x00, 0x03, 1, 2, 3, 4, 2, 'a', 'b', 0, 0, 0, 0, 0})),
              RtcpError::MalformedBye);
}

TEST(RtcpParse, RejectsMalformedFeedback) {
    // PLI and NACK shorter than the two SSRCs.
    EXPECT_EQ(parse_error(bytes({0x81, 206, 0x00, 0x01, 0, 0, 0, 1})),
              RtcpError::MalformedFeedback);
    EXPECT_EQ(parse_error(bytes({0x81, 205, 0x00, 0x01, 0, 0, 0, 1})),
              RtcpError::MalformedFeedback);
    // NACK without FCI.
    EXPECT_EQ(parse_error(bytes({0x81, 205, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2})),
              RtcpError::MalformedFeedback);
    // NACK FCI of 2 bytes (the P bit hides the other two).
    EXPECT_EQ(parse_error(bytes({0xa1, 205, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0, 5, 0, 2})),
              RtcpError::MalformedFeedback);
    // FIR with half an entry; FIR without entries.
    EXPECT_EQ(parse_error(bytes({0x84, 206, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9})),
              RtcpError::MalformedFeedback);
    EXPECT_EQ(parse_error(bytes({0x84, 206, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 0})),
              RtcpError::MalformedFeedback);
}

TEST(RtcpParse, RejectsMalformedRemb) {
    // Num SSRC = 2 but one SSRC present.
    EXPECT_EQ(parse_error(bytes({0x8f, 206, 0x00, 0x05, 0,    0,    0,    1,    0, 0, 0, 0,
                                 'R',  'E', 'M',  'B',  0x02, 0x00, 0x00, 0x01, 0, 0, 0, 7})),
              RtcpError::MalformedRemb);
    // Identifier but no bitrate word.
    EXPECT_EQ(
        parse_error(bytes({0x8f, 206, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B'})),
        RtcpError::MalformedRemb);
    // Exponent 63 with a mantissa above 1 overflows 64 bits.
    EXPECT_EQ(parse_error(bytes({0x8f, 206, 0x00, 0x04, 0,   0,   0,    1,    0,    0,
                                 0,    0,   'R',  'E',  'M', 'B', 0x00, 0xfc, 0x00, 0x02})),
              RtcpError::MalformedRemb);
    // Exponent 63 with mantissa 1 is exactly 2^63: valid.
    EXPECT_TRUE(rtcp::parse(bytes({0x8f, 206, 0x00, 0x04, 0,   0,   0,    1,    0,    0,
                                   0,    0,   'R',  'E',  'M', 'B', 0x00, 0xfc, 0x00, 0x01})));
}

TEST(RtcpParse, ErrorCodesHaveRtcpCategory) {
    const boost::system::error_code ec = RtcpError::PaddingNotLast;
    EXPECT_STREQ(ec.category().name(), "rtcp");
    EXPECT_NE(ec.message().find("padding"), std::string::npos);
    for (int e = int(RtcpError::TooShort); e <= int(RtcpError::DeltaOutOfRange); ++e) {
        EXPECT_NE(rtcp::make_error_code(RtcpError(e)).message(), "rtcp error") << e;
    }
}
