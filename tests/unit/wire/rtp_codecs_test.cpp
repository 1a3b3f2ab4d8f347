// RTP helpers: extension values, sequence arithmetic, VP8 descriptor, H.264 keyframes.
#include "cohost/wire/rtp_codecs.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cohost/wire/rtp.hpp"
#include "cohost/wire/rtp_extensions.hpp"
#include "cohost/wire/rtp_sequence.hpp"

#include "unit/wire/hex.hpp"

namespace cohost::wire::rtp {
namespace {

using testing::hex;

bool fails_with(const auto& result, PayloadErrc e) {
    return result.has_error() && result.error() == e;
}

// ----------------------------------------------------------------------------------- extensions

TEST(RtpExtensionValues, AbsSendTime) {
    EXPECT_EQ(read_abs_send_time(hex("12 34 56")), 0x123456U);
    EXPECT_FALSE(read_abs_send_time(hex("12 34")));
    EXPECT_FALSE(read_abs_send_time(hex("12 34 56 78")));
    std::array<std::byte, 3> out{};
    EXPECT_TRUE(write_abs_send_time(out, 0xABCDEF));
    EXPECT_EQ(read_abs_send_time(out), 0xABCDEFU);
    std::array<std::byte, 4> wrong{};
    EXPECT_FALSE(write_abs_send_time(wrong, 1));
    // 6.18 fixed point seconds, wrapping every 64 s.
    EXPECT_EQ(abs_send_time_from_us(0), 0U);
    EXPECT_EQ(abs_send_time_from_us(1'000'000), 1U << 18);
    EXPECT_EQ(abs_send_time_from_us(500'000), 1U << 17);
    EXPECT_EQ(abs_send_time_from_us(63'999'999), 0xFFFFFFU);
    EXPECT_EQ(abs_send_time_from_us(64'000'000), 0U);
    EXPECT_EQ(abs_send_time_from_us(64'000'000ULL * 1'000'000 + 1'000'000), 1U << 18);
}

TEST(RtpExtensionValues, TransportWideSequence) {
    EXPECT_EQ(read_transport_cc(hex("ff fe")), 0xFFFE);
    EXPECT_FALSE(read_transport_cc(hex("ff")));
    std::array<std::byte, 2> out{};
    EXPECT_TRUE(write_transport_cc(out, 513));
    EXPECT_EQ(out[0], std::byte{2});
    EXPECT_EQ(out[1], std::byte{1});
    std::array<std::byte, 3> wrong{};
    EXPECT_FALSE(write_transport_cc(wrong, 1));
}

TEST(RtpExtensionValues, AudioLevel) {
    EXPECT_EQ(read_audio_level(hex("85")), (AudioLevel{true, 5}));
    EXPECT_EQ(read_audio_level(hex("7f")), (AudioLevel{false, 127}));
    EXPECT_FALSE(read_audio_level(hex("")));
    EXPECT_FALSE(read_audio_level(hex("85 00")));
    std::array<std::byte, 1> out{};
    EXPECT_TRUE(write_audio_level(out, {true, 30}));
    EXPECT_EQ(out[0], std::byte{0x9E});
    EXPECT_FALSE(write_audio_level(out, {false, 128}));
}

TEST(RtpExtensionValues, SdesStrings) {
    EXPECT_EQ(read_sdes_string(hex("71")), "q");        // rid "q"
    EXPECT_EQ(read_sdes_string(hex("30 00 00")), "0");  // mid "0", NUL padded
    EXPECT_FALSE(read_sdes_string(hex("")));
    EXPECT_FALSE(read_sdes_string(hex("00")));
    EXPECT_FALSE(read_sdes_string(hex("61 20 62")));  // space
    EXPECT_FALSE(read_sdes_string(hex("61 00 62")));  // NUL inside
    EXPECT_FALSE(read_sdes_string(hex("61 80")));
    const std::vector<std::byte> long_value(256, std::byte{'a'});
    EXPECT_FALSE(read_sdes_string(long_value));
    EXPECT_EQ(read_sdes_string(std::span(long_value).first(255))->size(), 255U);
    ASSERT_TRUE(sdes_string_bytes("h"));
    EXPECT_EQ(sdes_string_bytes("h")->size(), 1U);
    EXPECT_FALSE(sdes_string_bytes(""));
    EXPECT_FALSE(sdes_string_bytes("a b"));
    EXPECT_FALSE(sdes_string_bytes(std::string(256, 'x')));
}

TEST(RtpExtensionValues, RidAndMidRoundTripThroughAPacket) {
    const auto mid = sdes_string_bytes("1");
    const auto rid = sdes_string_bytes("f");
    std::array<std::byte, 3> ast{};
    ASSERT_TRUE(write_abs_send_time(ast, abs_send_time_from_us(2'500'000)));
    const std::array<ExtensionElement, 3> ext{{{4, *mid}, {10, *rid}, {2, ast}}};
    Packet pkt;
    pkt.extensions = ext;
    std::array<std::byte, 64> out{};
    auto n = serialize(pkt, out);
    ASSERT_TRUE(n);
    auto p = parse(std::span(out).first(*n));
    ASSERT_TRUE(p);
    EXPECT_EQ(read_sdes_string(find_extension(*p, 4)->data), "1");
    EXPECT_EQ(read_sdes_string(find_extension(*p, 10)->data), "f");
    EXPECT_EQ(read_abs_send_time(find_extension(*p, 2)->data), abs_send_time_from_us(2'500'000));
    // Rewrite a value in place through data_offset (what the forwarder does for transport-cc).
    const auto e = find_extension(*p, 2);
    ASSERT_TRUE(write_abs_send_time(std::span(out).subspan(e->data_offset, e->data.size()), 7));
    EXPECT_EQ(read_abs_send_time(find_extension(*parse(std::span(out).first(*n)), 2)->data), 7U);
}

// ----------------------------------------------------------------------------------- sequence

TEST(RtpSequence, NewerAcrossTheWrap) {
    EXPECT_TRUE(seq_newer(1, 0));
    EXPECT_FALSE(seq_newer(0, 1));
    EXPECT_TRUE(seq_newer(0, 0xFFFF));
    EXPECT_FALSE(seq_newer(0xFFFF, 0));
    EXPECT_FALSE(seq_newer(5, 5));
    EXPECT_TRUE(seq_newer(0x7FFF, 0));
    EXPECT_TRUE(seq_newer(0x8000, 0));  // exactly half: the larger value wins
    EXPECT_FALSE(seq_newer(0, 0x8000));
    EXPECT_TRUE(timestamp_newer(10, 0xFFFFFFF0U));
    EXPECT_FALSE(timestamp_newer(0xFFFFFFF0U, 10));
}

TEST(RtpSequence, NewerIsAntisymmetricForEveryDistance) {
    for (std::uint16_t b :
         {std::uint16_t{0}, std::uint16_t{1}, std::uint16_t{0x8000}, std::uint16_t{0xFFFF}}) {
        for (std::uint32_t d = 1; d < 65536; ++d) {
            const auto a = static_cast<std::uint16_t>(b + d);
            ASSERT_NE(seq_newer(a, b), seq_newer(b, a)) << a << " " << b;
        }
    }
}

TEST(RtpSequence, SignedDistance) {
    EXPECT_EQ(seq_distance(1, 0xFFFF), 2);
    EXPECT_EQ(seq_distance(0xFFFF, 1), -2);
    EXPECT_EQ(seq_distance(100, 100), 0);
    EXPECT_EQ(seq_distance(0x8000, 0), -32768);
    EXPECT_EQ(distance<std::uint32_t>(5, 0xFFFFFFFFU), 6);
}

TEST(RtpSequence, UnwrapsForwardAndBackwardAcrossWraps) {
    SequenceUnwrapper u;
    EXPECT_FALSE(u.last());
    EXPECT_EQ(u.unwrap(65534), 65534);
    EXPECT_EQ(u.unwrap(65535), 65535);
    EXPECT_EQ(u.unwrap(0), 65536);
    EXPECT_EQ(u.unwrap(65535), 65535);  // late packet
    EXPECT_EQ(u.unwrap(2), 65538);
    EXPECT_EQ(u.last(), 65538);
    // Many wraps in steps below half the range.
    std::int64_t expected = 65538;
    std::uint16_t seq = 2;
    for (int i = 0; i < 10; ++i) {
        seq = static_cast<std::uint16_t>(seq + 30000);
        expected += 30000;
        EXPECT_EQ(u.unwrap(seq), expected);
    }
    u.reset();
    EXPECT_EQ(u.unwrap(0), 0);
    EXPECT_EQ(u.unwrap(65535), -1);
}

TEST(RtpSequence, UnwrapsTimestamps) {
    TimestampUnwrapper u;
    EXPECT_EQ(u.unwrap(0xFFFFFF00U), 0xFFFFFF00LL);
    EXPECT_EQ(u.unwrap(0x100), 0x100000000LL + 0x100);
    EXPECT_EQ(u.unwrap(0xFFFFFFF0U), 0xFFFFFFF0LL);
}

// ----------------------------------------------------------------------------------- VP8

TEST(Vp8Descriptor, MinimalKeyframeStart) {
    auto d = parse_vp8(hex("10 50 01 02"));
    ASSERT_TRUE(d);
    EXPECT_TRUE(d->start_of_partition);
    EXPECT_EQ(d->partition_id, 0);
    EXPECT_TRUE(d->frame_start());
    EXPECT_TRUE(d->keyframe);
    EXPECT_EQ(d->size, 1U);
    EXPECT_FALSE(d->picture_id);
    EXPECT_FALSE(d->tl0_pic_idx);
    EXPECT_FALSE(d->temporal_id);
    EXPECT_FALSE(d->key_idx);
}

TEST(Vp8Descriptor, InterFrameAndContinuationsAreNotKeyframes) {
    EXPECT_FALSE(parse_vp8(hex("10 51"))->keyframe);  // P = 1: inter frame
    EXPECT_FALSE(parse_vp8(hex("00 50"))->keyframe);  // S = 0: continuation
    EXPECT_FALSE(parse_vp8(hex("11 50"))->keyframe);  // PID 1
    EXPECT_TRUE(parse_vp8(hex("30 50"))->non_reference);
}

TEST(Vp8Descriptor, ReadsAllExtensionFields) {
    // X S | I L T K | M + 15-bit picture id 0x1234 | TL0PICIDX 5 | TID 2, Y, KEYIDX 3 | data
    auto d = parse_vp8(hex("90 f0 92 34 05 a3 9d"));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->picture_id, 0x1234);
    EXPECT_TRUE(d->picture_id_15bit);
    EXPECT_EQ(d->tl0_pic_idx, 5);
    EXPECT_EQ(d->temporal_id, 2);
    EXPECT_TRUE(d->layer_sync);
    EXPECT_EQ(d->key_idx, 3);
    EXPECT_EQ(d->size, 6U);
    EXPECT_FALSE(d->keyframe);  // 0x9d has P = 1
}

TEST(Vp8Descriptor, SevenBitPictureIdAndKeyIdxWithoutTid) {
    auto d = parse_vp8(hex("90 90 7f 1f 00"));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->picture_id, 0x7F);
    EXPECT_FALSE(d->picture_id_15bit);
    EXPECT_FALSE(d->temporal_id);
    EXPECT_EQ(d->key_idx, 0x1F);
    EXPECT_TRUE(d->keyframe);
}

TEST(Vp8Descriptor, RejectsEveryTruncation) {
    const auto full = hex("90 f0 92 34 05 a3 9d");
    EXPECT_TRUE(fails_with(parse_vp8({}), PayloadErrc::Empty));
    for (std::size_t n = 1; n < full.size(); ++n) {
        EXPECT_TRUE(fails_with(parse_vp8(std::span(full).first(n)), PayloadErrc::Truncated)) << n;
    }
    EXPECT_TRUE(fails_with(parse_vp8(hex("10")), PayloadErrc::Truncated));
}

TEST(Vp8Descriptor, RewritesPictureIdAndTl0InPlace) {
    auto b = hex("90 f0 92 34 05 a3 9d");
    auto d = parse_vp8(b);
    ASSERT_TRUE(d);
    EXPECT_TRUE(set_vp8_picture_id(b, *d, 0xFFFF));  // keeps 15 bits
    EXPECT_TRUE(set_vp8_tl0_pic_idx(b, *d, 200));
    auto again = parse_vp8(b);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->picture_id, 0x7FFF);
    EXPECT_TRUE(again->picture_id_15bit);
    EXPECT_EQ(again->tl0_pic_idx, 200);
    EXPECT_EQ(again->temporal_id, 2);

    auto s = hex("90 80 05 00");
    auto ds = parse_vp8(s);
    ASSERT_TRUE(ds);
    EXPECT_TRUE(set_vp8_picture_id(s, *ds, 0x1FF));  // 7 bits: 0x7F
    EXPECT_EQ(parse_vp8(s)->picture_id, 0x7F);
    EXPECT_FALSE(set_vp8_tl0_pic_idx(s, *ds, 1));  // no L

    auto plain = hex("10 50");
    auto dp = parse_vp8(plain);
    EXPECT_FALSE(set_vp8_picture_id(plain, *dp, 1));
    EXPECT_FALSE(set_vp8_picture_id(std::span(b).first(2), *d, 1));  // buffer shorter than d
}

// ----------------------------------------------------------------------------------- H.264

TEST(H264, SingleNalUnits) {
    EXPECT_TRUE(parse_h264(hex("65 88 84"))->keyframe());  // IDR
    EXPECT_TRUE(parse_h264(hex("67 42 00 1f"))->has_sps);
    EXPECT_TRUE(parse_h264(hex("68 ce"))->has_pps);
    EXPECT_FALSE(parse_h264(hex("68 ce"))->keyframe());
    EXPECT_FALSE(parse_h264(hex("41 9a"))->keyframe());  // non-IDR slice
    EXPECT_FALSE(parse_h264(hex("06 05"))->keyframe());  // SEI
}

TEST(H264, StapAWithSpsPpsIdr) {
    auto info = parse_h264(hex("78 00 04 67 42 00 1f 00 02 68 ce 00 03 65 88 84"));
    ASSERT_TRUE(info);
    EXPECT_TRUE(info->has_sps);
    EXPECT_TRUE(info->has_pps);
    EXPECT_TRUE(info->has_idr);
    EXPECT_TRUE(info->keyframe());
    auto plain = parse_h264(hex("78 00 02 41 9a 00 02 41 9b"));
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->keyframe());
}

TEST(H264, MalformedStapA) {
    EXPECT_TRUE(fails_with(parse_h264(hex("78")), PayloadErrc::Truncated));
    EXPECT_TRUE(fails_with(parse_h264(hex("78 00")), PayloadErrc::Truncated));
    EXPECT_TRUE(fails_with(parse_h264(hex("78 00 00 65")), PayloadErrc::Truncated));
    EXPECT_TRUE(fails_with(parse_h264(hex("78 00 05 65 88")), PayloadErrc::Truncated));
    EXPECT_TRUE(fails_with(parse_h264(hex("78 00 01 65 00")), PayloadErrc::Truncated));
}

TEST(H264, FuAOnlyTheStartFragmentCounts) {
    EXPECT_TRUE(parse_h264(hex("7c 85 88"))->keyframe());   // S, IDR
    EXPECT_TRUE(parse_h264(hex("7c 87"))->keyframe());      // S, SPS
    EXPECT_FALSE(parse_h264(hex("7c 05 88"))->keyframe());  // middle
    EXPECT_FALSE(parse_h264(hex("7c 45 88"))->keyframe());  // end
    EXPECT_FALSE(parse_h264(hex("7c 81 88"))->keyframe());  // S, non-IDR slice
    EXPECT_TRUE(fails_with(parse_h264(hex("7c")), PayloadErrc::Truncated));
}

TEST(H264, RejectsEmptyAndUnsupportedTypes) {
    EXPECT_TRUE(fails_with(parse_h264({}), PayloadErrc::Empty));
    for (std::uint8_t type : {0, 25, 26, 27, 29, 30, 31}) {
        const std::array<std::byte, 2> p{std::byte{static_cast<std::uint8_t>(0x60 | type)},
                                         std::byte{0}};
        EXPECT_TRUE(fails_with(parse_h264(p), PayloadErrc::Unsupported)) << int{type};
    }
}

TEST(PayloadErrors, HaveCategoryAndMessages) {
    for (int e = 1; e <= static_cast<int>(PayloadErrc::Unsupported); ++e) {
        const auto ec = make_error_code(static_cast<PayloadErrc>(e));
        EXPECT_STREQ(ec.category().name(), "rtp-payload");
        EXPECT_NE(ec.message(), "rtp payload error");
    }
}

}  // namespace
}  // namespace cohost::wire::rtp
