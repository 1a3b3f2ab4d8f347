// Tests for media/forwarder.hpp: packets are real RTP built with wire::rtp::serialize, VP8
// payload descriptors written by hand per RFC 7741 §4.2, H.264 payloads per RFC 6184.
#include "cohost/media/forwarder.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <vector>

#include "cohost/wire/rtp.hpp"

namespace {

namespace rtp = cohost::wire::rtp;
using cohost::media::ForwardResult;
using cohost::media::Forwarder;
using cohost::media::VideoCodec;

constexpr std::uint32_t kSsrc[3] = {0x1111'0000, 0x2222'0000, 0x3333'0000};

std::vector<std::byte> bytes(std::initializer_list<unsigned> list) {
    std::vector<std::byte> v;
    for (unsigned b : list) {
        v.push_back(std::byte{static_cast<std::uint8_t>(b)});
    }
    return v;
}

/// An RTP packet owning its bytes; `view()` parses them.
struct Packet {
    std::vector<std::byte> buf;
    rtp::PacketView view() const {
        auto parsed = rtp::parse(buf);
        EXPECT_TRUE(parsed) << "test packet did not parse";
        return parsed ? *parsed : rtp::PacketView{};
    }
};

Packet make(std::uint32_t ssrc, std::uint16_t seq, std::uint32_t ts,
            const std::vector<std::byte>& payload) {
    rtp::Packet p;
    p.payload_type = 96;
    p.sequence_number = seq;
    p.timestamp = ts;
    p.ssrc = ssrc;
    p.payload = payload;
    Packet out;
    out.buf.resize(rtp::serialized_size(p));
    auto n = rtp::serialize(p, out.buf);
    EXPECT_TRUE(n);
    return out;
}

/// RFC 7741 §4.2 descriptor + a VP8 payload header (§4.3, P bit = !key) + 2 data bytes.
struct Vp8 {
    bool start = true;  // S = 1, PID = 0
    bool key = false;
    std::optional<std::uint16_t> pid;  // picture id
    bool pid7 = false;                 // 7-bit picture id field (M = 0)
    std::optional<std::uint8_t> tl0;
};
std::vector<std::byte> vp8(const Vp8& d) {
    std::vector<std::byte> v;
    auto push = [&v](unsigned b) { v.push_back(std::byte{static_cast<std::uint8_t>(b)}); };
    const bool ext = d.pid || d.tl0;
    push((ext ? 0x80U : 0U) | (d.start ? 0x10U : 0U));
    if (ext) {
        push((d.pid ? 0x80U : 0U) | (d.tl0 ? 0x60U : 0U));  // I, L + T
        if (d.pid) {
            if (d.pid7) {
                push(*d.pid & 0x7FU);
            } else {
                push(0x80U | ((*d.pid >> 8) & 0x7FU));
                push(*d.pid & 0xFFU);
            }
        }
        if (d.tl0) {
            push(*d.tl0);
            push(0x00);  // TID 0, Y 0, KEYIDX 0
        }
    }
    if (d.start) {
        push(d.key ? 0x50U : 0x51U);
    } else {
        push(0xAA);
    }
    push(0x01);
    push(0x02);
    return v;
}

/// One simulated VP8 simulcast layer: its own SSRC, sequence, timestamp base and picture ids.
struct Layer {
    std::uint32_t ssrc;
    std::uint16_t seq;
    std::uint32_t ts;
    std::uint16_t pid;
    std::uint8_t tl0;
    /// Next frame as one packet; advances seq, ts (+3000) and picture id.
    Packet frame(bool key) {
        Packet p = make(ssrc, seq, ts, vp8({true, key, pid, false, tl0}));
        ++seq;
        ts += 3000;
        pid = static_cast<std::uint16_t>((pid + 1) & 0x7FFF);
        ++tl0;
        return p;
    }
};

ForwardResult feed(Forwarder& f, int layer, const Packet& p, std::uint64_t now) {
    return f.on_packet(layer, p.view(), now);
}

// ---------------------------------------------------------------------------------------------

TEST(Forwarder, VideoSendsNothingBeforeFirstKeyframe) {
    Forwarder f(VideoCodec::Vp8, 90000);
    Layer l0{kSsrc[0], 1000, 50000, 300, 10};
    EXPECT_EQ(f.current_layer(), -1);
    EXPECT_TRUE(f.needs_keyframe());
    for (int i = 0; i < 3; ++i) {
        EXPECT_FALSE(feed(f, 0, l0.frame(false), 1000).forward);
        EXPECT_TRUE(f.needs_keyframe());
    }
    auto key = feed(f, 0, l0.frame(true), 2000);
    ASSERT_TRUE(key.forward);
    EXPECT_TRUE(key.switched);
    // The first stream keeps the publisher's numbering.
    EXPECT_EQ(key.sequence, 1003);
    EXPECT_EQ(key.timestamp, 50000U + 3 * 3000);
    EXPECT_EQ(key.vp8_picture_id, 303);
    EXPECT_EQ(key.vp8_tl0_pic_idx, 13);
    EXPECT_EQ(f.current_layer(), 0);
    EXPECT_FALSE(f.needs_keyframe());
    auto next = feed(f, 0, l0.frame(false), 3000);
    ASSERT_TRUE(next.forward);
    EXPECT_FALSE(next.switched);
    EXPECT_EQ(next.sequence, 1004);
    EXPECT_EQ(next.vp8_picture_id, 304);
}

TEST(Forwarder, AudioForwardsEverythingWithZeroOffset) {
    Forwarder f(VideoCodec::None, 48000);
    EXPECT_FALSE(f.needs_keyframe());
    for (std::uint16_t i = 0; i < 5; ++i) {
        auto r = feed(f, 0, make(kSsrc[0], static_cast<std::uint16_t>(700 + i), 9600U * i,
                                 bytes({0xF8, 0xFF, 0xFE})),
                      20'000U * i);
        ASSERT_TRUE(r.forward);
        EXPECT_EQ(r.sequence, 700 + i);
        EXPECT_EQ(r.timestamp, 9600U * i);
        EXPECT_FALSE(r.vp8_picture_id);
    }
    EXPECT_EQ(f.current_layer(), 0);
    EXPECT_FALSE(f.needs_keyframe());
}

TEST(Forwarder, AudioNewPublisherStreamContinues) {
    Forwarder f(VideoCodec::None, 48000);
    const auto opus = bytes({0xF8, 0xFF, 0xFE});
    ASSERT_TRUE(feed(f, 0, make(kSsrc[0], 100, 1000, opus), 0).forward);
    auto last = feed(f, 0, make(kSsrc[0], 101, 1960, opus), 20'000);
    // The publisher restarts: new SSRC, new numbering; 100 ms later.
    auto first = feed(f, 0, make(0xABCD, 40000, 777, opus), 120'000);
    ASSERT_TRUE(first.forward);
    EXPECT_TRUE(first.switched);
    EXPECT_EQ(first.sequence, static_cast<std::uint16_t>(last.sequence + 1));
    EXPECT_EQ(first.timestamp, last.timestamp + 4800);  // 100 ms at 48 kHz
    // A straggler of the old stream must not flip back.
    EXPECT_FALSE(feed(f, 0, make(kSsrc[0], 102, 2920, opus), 121'000).forward);
    auto second = feed(f, 0, make(0xABCD, 40001, 777 + 960, opus), 140'000);
    ASSERT_TRUE(second.forward);
    EXPECT_EQ(second.sequence, static_cast<std::uint16_t>(last.sequence + 2));
    EXPECT_EQ(second.timestamp, last.timestamp + 4800 + 960);
    // The same restart reported as a layer change behaves the same way.
    auto third = feed(f, 1, make(0x5555, 9, 5, opus), 160'000);
    ASSERT_TRUE(third.forward);
    EXPECT_EQ(third.sequence, static_cast<std::uint16_t>(last.sequence + 3));
    EXPECT_EQ(third.timestamp, second.timestamp + 960);
    EXPECT_EQ(f.current_layer(), 1);
}

TEST(Forwarder, SwitchUpAndDownKeepsSequenceTimestampAndPictureIdContinuous) {
    Forwarder f(VideoCodec::Vp8, 90000);
    Layer l0{kSsrc[0], 100, 1'000'000, 5000, 40};
    Layer l2{kSsrc[2], 60000, 3'000'000'000U, 20000, 200};
    std::uint64_t now = 0;
    ForwardResult last = feed(f, 0, l0.frame(true), now);
    ASSERT_TRUE(last.forward);
    for (int i = 0; i < 3; ++i) {
        now += 33'333;
        last = feed(f, 0, l0.frame(false), now);
        ASSERT_TRUE(last.forward);
    }
    f.set_target_layer(2);
    EXPECT_EQ(f.target_layer(), 2);
    EXPECT_TRUE(f.needs_keyframe());
    // Layer 2 delta frames are not a switch point; layer 0 keeps flowing meanwhile.
    EXPECT_FALSE(feed(f, 2, l2.frame(false), now + 1).forward);
    EXPECT_FALSE(feed(f, 1, make(kSsrc[1], 5, 5, vp8({true, true, 1, false, 1})), now + 2).forward);
    now += 33'333;
    last = feed(f, 0, l0.frame(false), now);
    ASSERT_TRUE(last.forward);
    EXPECT_EQ(f.current_layer(), 0);

    now += 33'333;  // 2999.97 ticks later
    auto up = feed(f, 2, l2.frame(true), now);
    ASSERT_TRUE(up.forward);
    EXPECT_TRUE(up.switched);
    EXPECT_EQ(up.sequence, static_cast<std::uint16_t>(last.sequence + 1));
    EXPECT_EQ(up.timestamp, last.timestamp + 2999);
    EXPECT_EQ(up.vp8_picture_id, static_cast<std::uint16_t>(*last.vp8_picture_id + 1));
    EXPECT_EQ(up.vp8_tl0_pic_idx, static_cast<std::uint8_t>(*last.vp8_tl0_pic_idx + 1));
    EXPECT_EQ(f.current_layer(), 2);
    EXPECT_FALSE(f.needs_keyframe());
    // The old layer stops; the new one continues with the same offsets.
    EXPECT_FALSE(feed(f, 0, l0.frame(false), now + 10).forward);
    now += 33'333;
    auto next = feed(f, 2, l2.frame(false), now);
    ASSERT_TRUE(next.forward);
    EXPECT_FALSE(next.switched);
    EXPECT_EQ(next.sequence, static_cast<std::uint16_t>(up.sequence + 1));
    EXPECT_EQ(next.timestamp, up.timestamp + 3000);
    EXPECT_EQ(next.vp8_picture_id, static_cast<std::uint16_t>(*up.vp8_picture_id + 1));

    // Down again: a keyframe on layer 0 after a 200 ms gap.
    f.set_target_layer(0);
    EXPECT_TRUE(f.needs_keyframe());
    l0.frame(false);  // skipped frames of layer 0 in the meantime
    now += 200'000;
    auto down = feed(f, 0, l0.frame(true), now);
    ASSERT_TRUE(down.forward);
    EXPECT_TRUE(down.switched);
    EXPECT_EQ(down.sequence, static_cast<std::uint16_t>(next.sequence + 1));
    EXPECT_EQ(down.timestamp, next.timestamp + 18000);
    EXPECT_EQ(down.vp8_picture_id, static_cast<std::uint16_t>(*next.vp8_picture_id + 1));
    EXPECT_EQ(down.vp8_tl0_pic_idx, static_cast<std::uint8_t>(*next.vp8_tl0_pic_idx + 1));
    EXPECT_FALSE(feed(f, 2, l2.frame(false), now + 1).forward);
}

TEST(Forwarder, MultiPacketKeyframeIsForwardedWhole) {
    Forwarder f(VideoCodec::Vp8, 90000);
    auto a = feed(f, 0, make(kSsrc[0], 10, 900, vp8({true, true, 7, false, 1})), 0);
    auto b = feed(f, 0, make(kSsrc[0], 11, 900, vp8({false, false, 7, false, 1})), 1);
    auto c = feed(f, 0, make(kSsrc[0], 12, 900, vp8({false, false, 7, false, 1})), 2);
    ASSERT_TRUE(a.forward && b.forward && c.forward);
    EXPECT_TRUE(a.switched);
    EXPECT_FALSE(b.switched);
    EXPECT_EQ(b.sequence, 11);
    EXPECT_EQ(c.sequence, 12);
    EXPECT_EQ(c.timestamp, 900U);
    EXPECT_EQ(c.vp8_picture_id, 7);
}

TEST(Forwarder, ReorderedAndDuplicatePacketsKeepTheirMappedNumbers) {
    Forwarder f(VideoCodec::Vp8, 90000);
    Layer l1{kSsrc[1], 20, 100, 50, 0};
    Packet p20 = l1.frame(true);
    Packet p21 = l1.frame(false);
    Packet p22 = l1.frame(false);
    Packet p23 = l1.frame(false);
    f.set_target_layer(1);
    ASSERT_TRUE(feed(f, 1, p20, 0).forward);
    auto r22 = feed(f, 1, p22, 1);
    auto r21 = feed(f, 1, p21, 2);  // late
    auto r22b = feed(f, 1, p22, 3);  // duplicate
    auto r23 = feed(f, 1, p23, 4);
    ASSERT_TRUE(r22.forward && r21.forward && r22b.forward && r23.forward);
    EXPECT_EQ(r21.sequence, 21);
    EXPECT_EQ(r22.sequence, 22);
    EXPECT_EQ(r22b.sequence, 22);
    EXPECT_EQ(r23.sequence, 23);
    EXPECT_EQ(r21.vp8_picture_id, 51);
    EXPECT_EQ(r21.timestamp, 3100U);
    // A late packet does not count as the newest: a switch continues after 23, not 21.
    f.set_target_layer(0);
    Layer l0{kSsrc[0], 9000, 7, 900, 0};
    auto r21c = feed(f, 1, p21, 5);
    EXPECT_EQ(r21c.sequence, 21);
    auto sw = feed(f, 0, l0.frame(true), 40'000);
    ASSERT_TRUE(sw.forward);
    EXPECT_EQ(sw.sequence, 24);
    EXPECT_EQ(sw.vp8_picture_id, 54);  // after 53 (packet 23)
    EXPECT_EQ(sw.timestamp, r23.timestamp + 3599);  // 39,996 us after packet 23 (at 4 us)
}

TEST(Forwarder, DropsPacketsOlderThanTheSwitchPoint) {
    Forwarder f(VideoCodec::Vp8, 90000);
    ASSERT_TRUE(feed(f, 0, make(kSsrc[0], 500, 0, vp8({true, true, 1, false, 1})), 0).forward);
    EXPECT_FALSE(feed(f, 0, make(kSsrc[0], 499, 0, vp8({false, false, 0, false, 0})), 1).forward);
    EXPECT_FALSE(feed(f, 0, make(kSsrc[0], 400, 0, vp8({false, false, 0, false, 0})), 1).forward);
    auto r = feed(f, 0, make(kSsrc[0], 501, 0, vp8({false, false, 1, false, 1})), 2);
    ASSERT_TRUE(r.forward);
    EXPECT_EQ(r.sequence, 501);
}

TEST(Forwarder, SequenceAndTimestampWrapAround) {
    Forwarder f(VideoCodec::Vp8, 90000);
    Layer l0{kSsrc[0], 65533, 0xFFFF'F000U, 0x7FFE, 255};
    Layer l1{kSsrc[1], 65534, 0xFFFF'FFF0U, 100, 0};
    std::uint64_t now = 0;
    ForwardResult last = feed(f, 0, l0.frame(true), now);
    std::vector<std::uint16_t> seqs{last.sequence};
    for (int i = 0; i < 4; ++i) {
        now += 33'333;
        auto r = feed(f, 0, l0.frame(false), now);
        ASSERT_TRUE(r.forward);
        EXPECT_EQ(r.sequence, static_cast<std::uint16_t>(last.sequence + 1));
        EXPECT_EQ(r.timestamp, last.timestamp + 3000);  // wraps past 2^32
        EXPECT_EQ(r.vp8_picture_id, (*last.vp8_picture_id + 1) & 0x7FFF);  // 0x7FFF -> 0
        EXPECT_EQ(r.vp8_tl0_pic_idx, static_cast<std::uint8_t>(*last.vp8_tl0_pic_idx + 1));
        last = r;
    }
    EXPECT_EQ(last.sequence, 1);  // 65533 + 4 wrapped
    EXPECT_LT(last.timestamp, 0x1'0000U);
    f.set_target_layer(1);
    now += 33'333;
    auto sw = feed(f, 1, l1.frame(true), now);  // incoming seq 65534, ts about to wrap
    ASSERT_TRUE(sw.switched);
    EXPECT_EQ(sw.sequence, 2);
    EXPECT_EQ(sw.timestamp, last.timestamp + 2999);
    for (int i = 0; i < 3; ++i) {
        now += 33'333;
        auto r = feed(f, 1, l1.frame(false), now);
        ASSERT_TRUE(r.forward);
        EXPECT_EQ(r.sequence, 3 + i);
        EXPECT_EQ(r.timestamp, sw.timestamp + 3000U * static_cast<std::uint32_t>(i + 1));
    }
    // The out-of-order packet from just before the incoming wrap is still older than the switch.
    EXPECT_FALSE(feed(f, 1, make(kSsrc[1], 65533, 0, vp8({false, false, 99, false, 0})), now).forward);
}

TEST(Forwarder, SevenBitPictureIdsStayContinuousModulo128) {
    Forwarder f(VideoCodec::Vp8, 90000);
    auto a = feed(f, 0, make(kSsrc[0], 1, 0, vp8({true, true, 126, true, std::nullopt})), 0);
    auto b = feed(f, 0, make(kSsrc[0], 2, 3000, vp8({true, false, 127, true, std::nullopt})), 1);
    auto c = feed(f, 0, make(kSsrc[0], 3, 6000, vp8({true, false, 0, true, std::nullopt})), 2);
    ASSERT_TRUE(a.forward && b.forward && c.forward);
    EXPECT_EQ(*a.vp8_picture_id % 128, 126);
    EXPECT_EQ(*b.vp8_picture_id % 128, 127);
    EXPECT_EQ(*c.vp8_picture_id % 128, 0);
    EXPECT_FALSE(c.vp8_tl0_pic_idx);
    f.set_target_layer(1);
    auto d = feed(f, 1, make(kSsrc[1], 50, 0, vp8({true, true, 90, true, std::nullopt})), 3);
    ASSERT_TRUE(d.switched);
    EXPECT_EQ(*d.vp8_picture_id % 128, 1);
}

TEST(Forwarder, NeedsKeyframeUntilSwitched) {
    Forwarder f(VideoCodec::Vp8, 90000);
    Layer l0{kSsrc[0], 1, 1, 1, 1};
    Layer l1{kSsrc[1], 1, 1, 1, 1};
    ASSERT_TRUE(feed(f, 0, l0.frame(true), 0).forward);
    EXPECT_FALSE(f.needs_keyframe());
    f.set_target_layer(1);
    EXPECT_TRUE(f.needs_keyframe());
    EXPECT_TRUE(feed(f, 0, l0.frame(true), 1).forward);  // a keyframe of the current layer
    EXPECT_TRUE(f.needs_keyframe());
    EXPECT_FALSE(feed(f, 1, l1.frame(false), 2).forward);
    EXPECT_TRUE(f.needs_keyframe());
    // Changing its mind back to the current layer: nothing to wait for.
    f.set_target_layer(0);
    EXPECT_FALSE(f.needs_keyframe());
    f.set_target_layer(1);
    EXPECT_TRUE(feed(f, 1, l1.frame(true), 3).switched);
    EXPECT_FALSE(f.needs_keyframe());
    // Out-of-range targets are clamped.
    f.set_target_layer(7);
    EXPECT_EQ(f.target_layer(), 2);
    f.set_target_layer(-3);
    EXPECT_EQ(f.target_layer(), 0);
}

TEST(Forwarder, NewSsrcOnCurrentVideoLayerWaitsForItsKeyframe) {
    Forwarder f(VideoCodec::Vp8, 90000);
    Layer old0{kSsrc[0], 10, 10, 10, 10};
    Layer new0{0x9999, 30000, 5, 600, 3};
    auto last = feed(f, 0, old0.frame(true), 0);
    ASSERT_TRUE(last.forward);
    EXPECT_FALSE(feed(f, 0, new0.frame(false), 1).forward);
    EXPECT_TRUE(f.needs_keyframe());
    auto sw = feed(f, 0, new0.frame(true), 2);
    ASSERT_TRUE(sw.switched);
    EXPECT_EQ(sw.sequence, static_cast<std::uint16_t>(last.sequence + 1));
    EXPECT_EQ(sw.vp8_picture_id, static_cast<std::uint16_t>(*last.vp8_picture_id + 1));
    EXPECT_FALSE(f.needs_keyframe());
    EXPECT_FALSE(feed(f, 0, old0.frame(false), 3).forward);
}

TEST(Forwarder, SourceOfAfterSeveralSwitchesAndWrap) {
    Forwarder f(VideoCodec::Vp8, 90000);
    Layer layers[3] = {{kSsrc[0], 65000, 0, 0, 0},
                       {kSsrc[1], 100, 0, 0, 0},
                       {kSsrc[2], 30000, 0, 0, 0}};
    struct Sent {
        std::uint16_t out;
        int layer;
        std::uint16_t in;
    };
    std::vector<Sent> sent;
    std::uint64_t now = 0;
    int layer = 0;
    // 6 segments of 200 packets each, cycling through the layers; out numbers cross 65535.
    for (int segment = 0; segment < 6; ++segment) {
        f.set_target_layer(layer);
        for (int i = 0; i < 200; ++i) {
            now += 5000;
            const std::uint16_t in_seq = layers[layer].seq;
            auto r = feed(f, layer, layers[layer].frame(i == 0), now);
            ASSERT_TRUE(r.forward);
            sent.push_back({r.sequence, layer, in_seq});
            // Other layers keep sending but are not forwarded.
            for (int other = 0; other < 3; ++other) {
                if (other != layer) {
                    EXPECT_FALSE(feed(f, other, layers[other].frame(false), now).forward);
                }
            }
        }
        layer = (layer + 1) % 3;
    }
    for (std::size_t i = 1; i < sent.size(); ++i) {
        ASSERT_EQ(sent[i].out, static_cast<std::uint16_t>(sent[i - 1].out + 1));
    }
    for (const Sent& s : sent) {
        auto src = f.source_of(s.out);
        ASSERT_TRUE(src) << s.out;
        EXPECT_EQ(src->first, s.layer);
        EXPECT_EQ(src->second, s.in);
    }
    EXPECT_FALSE(f.source_of(static_cast<std::uint16_t>(sent.back().out + 1)));  // not sent yet
    EXPECT_FALSE(f.source_of(static_cast<std::uint16_t>(sent.front().out - 1)));  // before all
}

TEST(Forwarder, SourceOfForgetsSegmentsBeyondHistory) {
    Forwarder f(VideoCodec::Vp8, 90000);
    Layer layers[2] = {{kSsrc[0], 1, 0, 0, 0}, {kSsrc[1], 40000, 0, 0, 0}};
    std::vector<std::uint16_t> first_of_segment;
    for (std::size_t s = 0; s < Forwarder::kSegmentHistory + 2; ++s) {
        const int layer = static_cast<int>(s % 2);
        f.set_target_layer(layer);
        auto r = feed(f, layer, layers[layer].frame(true), s * 1000);
        ASSERT_TRUE(r.switched);
        first_of_segment.push_back(r.sequence);
        ASSERT_TRUE(feed(f, layer, layers[layer].frame(false), s * 1000 + 1).forward);
    }
    EXPECT_FALSE(f.source_of(first_of_segment[0]));
    EXPECT_FALSE(f.source_of(first_of_segment[1]));
    for (std::size_t s = 2; s < first_of_segment.size(); ++s) {
        auto src = f.source_of(first_of_segment[s]);
        ASSERT_TRUE(src) << s;
        EXPECT_EQ(src->first, static_cast<int>(s % 2));
    }
}

TEST(Forwarder, ResendSourceReproducesTheForwardedRewrite) {
    Forwarder f(VideoCodec::Vp8, 90000);
    Layer l0{kSsrc[0], 5, 1234, 77, 9};
    Layer l1{kSsrc[1], 60000, 999'999, 4000, 100};
    Packet k0 = l0.frame(true);
    auto r0 = feed(f, 0, k0, 0);
    f.set_target_layer(1);
    Packet k1 = l1.frame(true);
    auto r1 = feed(f, 1, k1, 50'000);
    ASSERT_TRUE(r0.forward && r1.forward);
    for (auto [packet, result] : {std::pair{&k0, &r0}, std::pair{&k1, &r1}}) {
        auto view = packet->view();
        auto src = f.resend_source(result->sequence);
        ASSERT_TRUE(src);
        EXPECT_EQ(src->ssrc, view.ssrc);
        EXPECT_EQ(src->sequence, view.sequence_number);
        EXPECT_EQ(src->timestamp(view.timestamp), result->timestamp);
    }
    auto src1 = f.resend_source(r1.sequence);
    EXPECT_EQ(src1->vp8_picture_id(4000), *r1.vp8_picture_id);
    EXPECT_EQ(src1->vp8_tl0_pic_idx(100), *r1.vp8_tl0_pic_idx);
    EXPECT_EQ(f.rewrite_timestamp(1, 999'999), r1.timestamp);
    EXPECT_EQ(f.rewrite_timestamp(0, 1234), r0.timestamp);
    EXPECT_FALSE(f.rewrite_timestamp(2, 1));
}

TEST(Forwarder, H264KeyframesFromStapASpsAndFuAStart) {
    Forwarder f(VideoCodec::H264, 90000);
    const auto non_idr = bytes({0x41, 0x9A, 0x00});                  // single NAL, type 1
    const auto fu_idr_middle = bytes({0x7C, 0x05, 0x11, 0x22});      // FU-A, S = 0, type 5
    const auto fu_idr_start = bytes({0x7C, 0x85, 0x11, 0x22});       // FU-A, S = 1, type 5
    const auto stap_sps_pps = bytes({0x78,                           // STAP-A
                                     0x00, 0x04, 0x67, 0x42, 0x00, 0x1F,  // SPS
                                     0x00, 0x02, 0x68, 0xCE});            // PPS
    EXPECT_FALSE(feed(f, 0, make(kSsrc[0], 1, 0, non_idr), 0).forward);
    EXPECT_FALSE(feed(f, 0, make(kSsrc[0], 2, 0, fu_idr_middle), 0).forward);
    auto key = feed(f, 0, make(kSsrc[0], 3, 3000, stap_sps_pps), 0);
    ASSERT_TRUE(key.forward);
    EXPECT_TRUE(key.switched);
    EXPECT_FALSE(key.vp8_picture_id);
    EXPECT_TRUE(feed(f, 0, make(kSsrc[0], 4, 3000, fu_idr_start), 1).forward);
    EXPECT_TRUE(feed(f, 0, make(kSsrc[0], 5, 3000, fu_idr_middle), 2).forward);
    auto last = feed(f, 0, make(kSsrc[0], 6, 6000, non_idr), 33'333);
    ASSERT_TRUE(last.forward);

    f.set_target_layer(1);
    EXPECT_FALSE(feed(f, 1, make(kSsrc[1], 700, 0, non_idr), 40'000).forward);
    EXPECT_FALSE(feed(f, 1, make(kSsrc[1], 701, 0, fu_idr_middle), 40'000).forward);
    auto sw = feed(f, 1, make(kSsrc[1], 702, 90000, fu_idr_start), 66'666);  // IDR without SPS
    ASSERT_TRUE(sw.switched);
    EXPECT_EQ(sw.sequence, 7);
    EXPECT_EQ(sw.timestamp, last.timestamp + 2999);
}

TEST(Forwarder, MalformedPayloadsNeverSwitchButFlowOnCurrentLayer) {
    Forwarder f(VideoCodec::Vp8, 90000);
    const auto truncated = bytes({0x90, 0x80});  // X, S; I set but the picture id is missing
    EXPECT_FALSE(feed(f, 0, make(kSsrc[0], 1, 0, truncated), 0).forward);
    EXPECT_FALSE(feed(f, 0, make(kSsrc[0], 2, 0, {}), 0).forward);  // empty payload
    ASSERT_TRUE(feed(f, 0, make(kSsrc[0], 3, 0, vp8({true, true, 5, false, 5})), 0).forward);
    auto bad = feed(f, 0, make(kSsrc[0], 4, 0, truncated), 1);
    ASSERT_TRUE(bad.forward);  // payload is opaque to the forwarder; only the header is rewritten
    EXPECT_EQ(bad.sequence, 4);
    EXPECT_FALSE(bad.vp8_picture_id);
    auto padding = feed(f, 0, make(kSsrc[0], 5, 0, {}), 2);
    ASSERT_TRUE(padding.forward);
    EXPECT_EQ(padding.sequence, 5);
    // Layers out of range are never forwarded.
    EXPECT_FALSE(feed(f, -1, make(kSsrc[0], 6, 0, vp8({true, true, 6, false, 6})), 3).forward);
    EXPECT_FALSE(feed(f, 3, make(kSsrc[0], 6, 0, vp8({true, true, 6, false, 6})), 3).forward);

    Forwarder h(VideoCodec::H264, 90000);
    EXPECT_FALSE(feed(h, 0, make(kSsrc[0], 1, 0, bytes({0x78, 0x00, 0x09, 0x67})), 0).forward);
    EXPECT_FALSE(feed(h, 0, make(kSsrc[0], 2, 0, bytes({0x7C})), 0).forward);
    EXPECT_TRUE(h.needs_keyframe());
}

TEST(Forwarder, SwitchTimestampAdvancesAtLeastOneTick) {
    Forwarder f(VideoCodec::Vp8, 90000);
    auto a = feed(f, 0, make(kSsrc[0], 1, 100, vp8({true, true, 1, false, 1})), 1000);
    f.set_target_layer(1);
    auto b = feed(f, 1, make(kSsrc[1], 1, 7, vp8({true, true, 1, false, 1})), 1000);  // same µs
    ASSERT_TRUE(b.switched);
    EXPECT_EQ(b.timestamp, a.timestamp + 1);
    f.set_target_layer(2);
    auto c = feed(f, 2, make(kSsrc[2], 1, 7, vp8({true, true, 1, false, 1})), 500);  // clock back
    ASSERT_TRUE(c.switched);
    EXPECT_EQ(c.timestamp, b.timestamp + 1);
}

}  // namespace
