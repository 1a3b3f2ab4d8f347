// RTP packet codec: header parsing, padding, RFC 8285 extensions, in-place rewrites, serializer.
#include "cohost/wire/rtp.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cohost/wire/bytes.hpp"

#include "unit/wire/hex.hpp"

namespace cohost::wire::rtp {
namespace {

using testing::hex;

bool fails_with(const auto& result, Errc e) { return result.has_error() && result.error() == e; }

struct Ext {
    int id;
    std::vector<std::byte> data;
    bool operator==(const Ext&) const = default;
};

std::vector<Ext> elements(const PacketView& p, bool* malformed = nullptr) {
    std::vector<Ext> out;
    ExtensionReader r(p);
    Extension e;
    while (r.next(e)) {
        out.push_back({e.id, {e.data.begin(), e.data.end()}});
        EXPECT_EQ(e.data.data(), p.bytes.data() + e.data_offset);
    }
    if (malformed != nullptr) *malformed = r.malformed();
    return out;
}

// V=2, PT 111, seq 0x1234, ts 0x56789abc, SSRC 0xdeadbeef.
constexpr std::string_view kHeader = "80 6f 12 34 56 78 9a bc de ad be ef";

// ----------------------------------------------------------------------------------- parsing

TEST(RtpParse, ReadsTheFixedHeader) {
    auto bytes = hex(std::string(kHeader) + "01 02 03");
    auto p = parse(bytes);
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_FALSE(p->has_padding);
    EXPECT_FALSE(p->has_extension);
    EXPECT_FALSE(p->marker);
    EXPECT_EQ(p->csrc_count, 0);
    EXPECT_EQ(p->payload_type, 111);
    EXPECT_EQ(p->sequence_number, 0x1234);
    EXPECT_EQ(p->timestamp, 0x56789abcU);
    EXPECT_EQ(p->ssrc, 0xdeadbeefU);
    EXPECT_EQ(p->header_size, 12U);
    EXPECT_EQ(p->payload.size(), 3U);
    EXPECT_EQ(p->payload.data(), bytes.data() + 12);
    EXPECT_EQ(p->padding_size, 0);
    EXPECT_EQ(p->extension_form(), ExtensionForm::None);
}

TEST(RtpParse, ReadsMarkerAndCsrcs) {
    auto bytes = hex("82 e0 00 01 00 00 00 02 00 00 00 03 11 11 11 11 22 22 22 22 aa");
    auto p = parse(bytes);
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->marker);
    EXPECT_EQ(p->payload_type, 96);
    ASSERT_EQ(p->csrc_count, 2);
    EXPECT_EQ(p->csrc(0), 0x11111111U);
    EXPECT_EQ(p->csrc(1), 0x22222222U);
    EXPECT_EQ(p->csrc(2), 0U);
    EXPECT_EQ(p->header_size, 20U);
    EXPECT_EQ(p->payload.size(), 1U);
}

TEST(RtpParse, AcceptsAnEmptyPayload) {
    const auto b = hex(kHeader);
    auto p = parse(b);
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->payload.empty());
}

TEST(RtpParse, RejectsShortInputAndBadVersions) {
    const auto full = hex(kHeader);
    for (std::size_t n = 0; n < full.size(); ++n) {
        EXPECT_TRUE(fails_with(parse(std::span(full).first(n)), Errc::TooShort)) << n;
    }
    for (std::uint8_t v : {0x00, 0x40, 0xC0}) {
        auto b = full;
        b[0] = std::byte{v};
        EXPECT_TRUE(fails_with(parse(b), Errc::BadVersion));
    }
}

TEST(RtpParse, RejectsCsrcListPastTheEnd) {
    auto b = hex(std::string(kHeader) + "00 00 00 01 00 00 00");
    b[0] = std::byte{0x82};  // CC = 2 but only 7 bytes follow
    EXPECT_TRUE(fails_with(parse(b), Errc::CsrcOverrun));
    b = hex(kHeader);
    b[0] = std::byte{0x8F};
    EXPECT_TRUE(fails_with(parse(b), Errc::CsrcOverrun));
}

TEST(RtpParse, RejectsExtensionPastTheEnd) {
    auto b = hex(std::string(kHeader) + "be de 00");
    b[0] = std::byte{0x90};
    EXPECT_TRUE(fails_with(parse(b), Errc::ExtensionOverrun));
    b = hex(std::string(kHeader) + "be de 00 02 10 aa 00 00");  // 2 words declared, 1 present
    b[0] = std::byte{0x90};
    EXPECT_TRUE(fails_with(parse(b), Errc::ExtensionOverrun));
}

TEST(RtpParse, RemovesPadding) {
    auto b = hex(std::string(kHeader) + "aa bb 00 00 03");
    b[0] = std::byte{0xA0};
    auto p = parse(b);
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->has_padding);
    EXPECT_EQ(p->padding_size, 3);
    EXPECT_EQ(p->payload.size(), 2U);
    EXPECT_EQ(p->header_size + p->payload.size() + p->padding_size, b.size());
}

TEST(RtpParse, AcceptsPaddingOnlyPackets) {
    auto b = hex(std::string(kHeader) + "00 00 00 04");
    b[0] = std::byte{0xA0};
    auto p = parse(b);
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->payload.empty());
    EXPECT_EQ(p->padding_size, 4);
}

TEST(RtpParse, RejectsInvalidPadding) {
    auto zero = hex(std::string(kHeader) + "aa 00");
    zero[0] = std::byte{0xA0};
    EXPECT_TRUE(fails_with(parse(zero), Errc::PaddingOverrun));
    auto too_long = hex(std::string(kHeader) + "aa 03");
    too_long[0] = std::byte{0xA0};
    EXPECT_TRUE(fails_with(parse(too_long), Errc::PaddingOverrun));
    auto none = hex(kHeader);
    none[0] = std::byte{0xA0};
    EXPECT_TRUE(fails_with(parse(none), Errc::PaddingOverrun));
    // Padding may not reach back into the extension block.
    auto into_ext = hex(std::string(kHeader) + "be de 00 01 10 aa 00 00 05");
    into_ext[0] = std::byte{0xB0};
    EXPECT_TRUE(fails_with(parse(into_ext), Errc::PaddingOverrun));
}

// ----------------------------------------------------------------------------------- extensions

std::vector<std::byte> with_extension(std::string_view block, std::string_view payload = "ff") {
    auto b = hex(std::string(kHeader) + std::string(block) + std::string(payload));
    b[0] |= std::byte{0x10};
    return b;
}

TEST(RtpExtensions, WalksOneByteElementsSkippingPadding) {
    // id 1 len 1 | padding | id 2 len 3 | id 3 len 16 | padding to the word
    auto b = with_extension(
        "be de 00 07  10 aa 00 22 01 02 03  3f 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 00 "
        "00 00 00");
    auto p = parse(b);
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(p->extension_form(), ExtensionForm::OneByte);
    EXPECT_EQ(p->extension_profile, kOneByteProfile);
    EXPECT_EQ(p->extension_data.size(), 28U);
    bool malformed = true;
    auto e = elements(*p, &malformed);
    EXPECT_FALSE(malformed);
    ASSERT_EQ(e.size(), 3U);
    EXPECT_EQ(e[0], (Ext{1, hex("aa")}));
    EXPECT_EQ(e[1], (Ext{2, hex("01 02 03")}));
    EXPECT_EQ(e[2].id, 3);
    EXPECT_EQ(e[2].data.size(), 16U);
    EXPECT_EQ(p->payload.size(), 1U);
    auto found = find_extension(*p, 2);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->data.size(), 3U);
    EXPECT_FALSE(find_extension(*p, 4));
}

TEST(RtpExtensions, OneByteIdFifteenStopsProcessing) {
    auto b = with_extension("be de 00 02  10 aa f3 00 20 bb 00 00");
    auto p = parse(b);
    ASSERT_TRUE(p);
    bool malformed = true;
    auto e = elements(*p, &malformed);
    EXPECT_FALSE(malformed);
    ASSERT_EQ(e.size(), 1U);
    EXPECT_FALSE(find_extension(*p, 2));
}

TEST(RtpExtensions, OneByteMalformedElementsStopTheWalk) {
    // Element runs past the block.
    auto b = with_extension("be de 00 01  10 aa 23 01");
    auto p = parse(b);
    ASSERT_TRUE(p);
    bool malformed = false;
    auto e = elements(*p, &malformed);
    EXPECT_TRUE(malformed);
    EXPECT_EQ(e.size(), 1U);
    // Id 0 with a non-zero length is not padding.
    auto b2 = with_extension("be de 00 01  01 aa 00 00");
    p = parse(b2);
    ASSERT_TRUE(p);
    e = elements(*p, &malformed);
    EXPECT_TRUE(malformed);
    EXPECT_TRUE(e.empty());
}

TEST(RtpExtensions, WalksTwoByteElementsIncludingEmptyOnes) {
    auto b = with_extension("10 03 00 03  01 00 00 ff 02 aa bb  00 00 00 00 00");
    auto p = parse(b);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->extension_form(), ExtensionForm::TwoByte);  // appbits 3
    bool malformed = true;
    auto e = elements(*p, &malformed);
    EXPECT_FALSE(malformed);
    ASSERT_EQ(e.size(), 2U);
    EXPECT_EQ(e[0], (Ext{1, {}}));
    EXPECT_EQ(e[1], (Ext{255, hex("aa bb")}));
}

TEST(RtpExtensions, TwoByteMalformedElementsStopTheWalk) {
    for (std::string_view block : {"10 00 00 01  05 04 aa bb", "10 00 00 01  00 00 00 07"}) {
        auto b = with_extension(block);
        auto p = parse(b);
        ASSERT_TRUE(p);
        bool malformed = false;
        auto e = elements(*p, &malformed);
        EXPECT_TRUE(malformed) << block;
        EXPECT_TRUE(e.empty());
    }
}

TEST(RtpExtensions, OtherProfilesHaveNoElements) {
    auto b = with_extension("ab cd 00 01  10 aa 00 00");
    auto p = parse(b);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->extension_form(), ExtensionForm::Other);
    EXPECT_TRUE(elements(*p).empty());
    EXPECT_FALSE(find_extension(*p, 1));
}

TEST(RtpExtensions, EmptyBlockIsValid) {
    auto b = with_extension("be de 00 00");
    auto p = parse(b);
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->has_extension);
    EXPECT_TRUE(elements(*p).empty());
    EXPECT_EQ(p->header_size, 16U);
}

// ----------------------------------------------------------------------------------- rewrites

TEST(RtpRewrite, SetsHeaderFieldsInPlace) {
    auto b = hex(std::string(kHeader) + "01 02 03");
    const auto before = b;
    EXPECT_TRUE(set_ssrc(b, 0x01020304));
    EXPECT_TRUE(set_payload_type(b, 96));
    EXPECT_TRUE(set_sequence_number(b, 0xFFFF));
    EXPECT_TRUE(set_timestamp(b, 7));
    EXPECT_TRUE(set_marker(b, true));
    auto p = parse(b);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->ssrc, 0x01020304U);
    EXPECT_EQ(p->payload_type, 96);
    EXPECT_TRUE(p->marker);
    EXPECT_EQ(p->sequence_number, 0xFFFF);
    EXPECT_EQ(p->timestamp, 7U);
    EXPECT_TRUE(std::equal(b.begin() + 12, b.end(), before.begin() + 12));
    EXPECT_EQ(b[0], before[0]);
    EXPECT_TRUE(set_marker(b, false));
    EXPECT_TRUE(set_payload_type(b, 127));
    p = parse(b);
    EXPECT_FALSE(p->marker);
    EXPECT_EQ(p->payload_type, 127);
}

TEST(RtpRewrite, RefusesShortPacketsAndBadPayloadTypes) {
    auto b = hex("80 6f 12 34 56 78 9a bc de ad be");
    const auto before = b;
    EXPECT_FALSE(set_ssrc(b, 1));
    EXPECT_FALSE(set_payload_type(b, 1));
    EXPECT_FALSE(set_sequence_number(b, 1));
    EXPECT_FALSE(set_timestamp(b, 1));
    EXPECT_FALSE(set_marker(b, true));
    EXPECT_EQ(b, before);
    auto full = hex(kHeader);
    EXPECT_FALSE(set_payload_type(full, 128));
}

TEST(RtpRewrite, MapsAndStripsOneByteIds) {
    auto b = with_extension("be de 00 02  10 aa 22 01 02 03  00 00");
    ExtensionIdMap ids;
    ids.map(1, 14).map(2, 0);
    ASSERT_TRUE(rewrite_extension_ids(b, ids));
    auto p = parse(b);
    ASSERT_TRUE(p);
    auto e = elements(*p);
    ASSERT_EQ(e.size(), 1U);
    EXPECT_EQ(e[0], (Ext{14, hex("aa")}));
    EXPECT_EQ(p->payload.size(), 1U);
    EXPECT_EQ(p->payload[0], std::byte{0xff});
}

TEST(RtpRewrite, MapsTwoByteIdsBeyondFourteen) {
    auto b = with_extension("10 00 00 02  01 01 aa 02 00 00 00 00");
    ExtensionIdMap ids;
    ids.map(1, 200).map(2, 3);
    ASSERT_TRUE(rewrite_extension_ids(b, ids));
    auto p = parse(b);
    auto e = elements(*p);
    ASSERT_EQ(e.size(), 2U);
    EXPECT_EQ(e[0], (Ext{200, hex("aa")}));
    EXPECT_EQ(e[1], (Ext{3, {}}));
}

TEST(RtpRewrite, LeavesThePacketUntouchedOnError) {
    auto b = with_extension("be de 00 02  10 aa 22 01 02 03  00 00");
    const auto before = b;
    ExtensionIdMap ids;
    ids.map(1, 5).map(2, 15);  // 15 cannot be a one-byte id
    EXPECT_TRUE(fails_with(rewrite_extension_ids(b, ids), Errc::BadExtension));
    EXPECT_EQ(b, before);

    auto bad = with_extension("be de 00 01  10 aa 23 01");
    const auto bad_before = bad;
    EXPECT_TRUE(
        fails_with(rewrite_extension_ids(bad, ExtensionIdMap{}.map(1, 2)), Errc::BadExtension));
    EXPECT_EQ(bad, bad_before);

    auto other = with_extension("ab cd 00 01  10 aa 00 00");
    EXPECT_TRUE(fails_with(rewrite_extension_ids(other, ExtensionIdMap{}), Errc::BadExtension));

    auto garbage = hex("00 01 02");
    EXPECT_TRUE(fails_with(rewrite_extension_ids(garbage, ExtensionIdMap{}), Errc::TooShort));
}

TEST(RtpRewrite, NoExtensionIsANoOp) {
    auto b = hex(std::string(kHeader) + "01");
    const auto before = b;
    EXPECT_TRUE(rewrite_extension_ids(b, ExtensionIdMap{}));
    EXPECT_EQ(b, before);
}

// ----------------------------------------------------------------------------------- serialize

TEST(RtpSerialize, WritesKnownBytes) {
    const auto payload = hex("01 02 03");
    const std::array<std::byte, 1> level{std::byte{0x85}};
    const std::array<ExtensionElement, 1> ext{{{1, level}}};
    Packet pkt;
    pkt.marker = true;
    pkt.payload_type = 111;
    pkt.sequence_number = 0x1234;
    pkt.timestamp = 0x56789abc;
    pkt.ssrc = 0xdeadbeef;
    pkt.extensions = ext;
    pkt.payload = payload;
    std::array<std::byte, 64> out{};
    auto n = serialize(pkt, out);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, serialized_size(pkt));
    EXPECT_EQ(std::vector<std::byte>(out.begin(), out.begin() + static_cast<long>(*n)),
              hex("90 ef 12 34 56 78 9a bc de ad be ef be de 00 01 10 85 00 00 01 02 03"));
}

TEST(RtpSerialize, RoundTripsEveryField) {
    const std::array<std::uint32_t, 3> csrcs{1, 2, 0xffffffff};
    const auto a = hex("aa");
    const auto b = hex("01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10");
    const auto payload = hex("de ad be ef");
    for (int variant = 0; variant < 4; ++variant) {
        std::vector<ExtensionElement> ext{{1, a}, {14, b}};
        Packet pkt;
        pkt.payload_type = 96;
        pkt.sequence_number = 65535;
        pkt.timestamp = 1;
        pkt.ssrc = 42;
        pkt.csrcs = csrcs;
        pkt.payload = payload;
        pkt.padding_size = static_cast<std::uint8_t>(variant * 3);
        ExtensionForm want = ExtensionForm::OneByte;
        if (variant == 1) {
            pkt.force_two_byte = true;
            want = ExtensionForm::TwoByte;
        } else if (variant == 2) {
            ext.push_back({15, a});  // id above 14 needs the two-byte form
            want = ExtensionForm::TwoByte;
        } else if (variant == 3) {
            ext.push_back({2, {}});  // empty value needs the two-byte form
            want = ExtensionForm::TwoByte;
        }
        pkt.extensions = ext;
        std::vector<std::byte> out(serialized_size(pkt));
        auto n = serialize(pkt, out);
        ASSERT_TRUE(n) << variant;
        auto p = parse(out);
        ASSERT_TRUE(p) << variant;
        EXPECT_EQ(p->extension_form(), want);
        EXPECT_EQ(p->payload_type, 96);
        EXPECT_EQ(p->sequence_number, 65535);
        EXPECT_EQ(p->timestamp, 1U);
        EXPECT_EQ(p->ssrc, 42U);
        ASSERT_EQ(p->csrc_count, 3);
        EXPECT_EQ(p->csrc(2), 0xffffffffU);
        EXPECT_EQ(p->padding_size, pkt.padding_size);
        EXPECT_EQ(std::vector<std::byte>(p->payload.begin(), p->payload.end()), payload);
        auto e = elements(*p);
        ASSERT_EQ(e.size(), ext.size());
        for (std::size_t i = 0; i < e.size(); ++i) {
            EXPECT_EQ(e[i].id, ext[i].id);
            EXPECT_TRUE(std::equal(e[i].data.begin(), e[i].data.end(), ext[i].data.begin(),
                                   ext[i].data.end()));
        }
    }
}

TEST(RtpSerialize, OmitsTheExtensionBlockWhenThereAreNoElements) {
    Packet pkt;
    std::array<std::byte, 12> out{};
    auto n = serialize(pkt, out);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 12U);
    EXPECT_EQ(out[0], std::byte{0x80});
}

TEST(RtpSerialize, RejectsInvalidFields) {
    std::array<std::byte, 2048> out{};
    Packet pkt;
    pkt.payload_type = 128;
    EXPECT_TRUE(fails_with(serialize(pkt, out), Errc::BadField));
    EXPECT_EQ(serialized_size(pkt), 0U);
    pkt.payload_type = 0;
    const std::array<std::uint32_t, 16> csrcs{};
    pkt.csrcs = csrcs;
    EXPECT_TRUE(fails_with(serialize(pkt, out), Errc::BadField));
    pkt.csrcs = {};
    const auto a = hex("aa");
    const std::array<ExtensionElement, 1> zero{{{0, a}}};
    pkt.extensions = zero;
    EXPECT_TRUE(fails_with(serialize(pkt, out), Errc::BadExtension));
    EXPECT_EQ(serialized_size(pkt), 0U);
    const std::vector<std::byte> big(256);
    const std::array<ExtensionElement, 1> too_big{{{3, big}}};
    pkt.extensions = too_big;
    EXPECT_TRUE(fails_with(serialize(pkt, out), Errc::BadExtension));
}

TEST(RtpSerialize, ReportsBufferTooSmall) {
    const auto payload = hex("01 02 03 04 05");
    const auto a = hex("aa bb");
    const std::array<ExtensionElement, 1> ext{{{4, a}}};
    Packet pkt;
    pkt.extensions = ext;
    pkt.payload = payload;
    pkt.padding_size = 2;
    const std::size_t size = serialized_size(pkt);
    ASSERT_EQ(size, 12U + 8 + 5 + 2);
    for (std::size_t n = 0; n < size; ++n) {
        std::vector<std::byte> out(n);
        EXPECT_TRUE(fails_with(serialize(pkt, out), Errc::BufferTooSmall)) << n;
    }
}

TEST(RtpErrors, HaveCategoryAndMessages) {
    for (int e = 1; e <= static_cast<int>(Errc::BufferTooSmall); ++e) {
        const auto ec = make_error_code(static_cast<Errc>(e));
        EXPECT_STREQ(ec.category().name(), "rtp");
        EXPECT_NE(ec.message(), "rtp error") << e;
    }
}

}  // namespace
}  // namespace cohost::wire::rtp
