// The wire codecs over real Chromium 156 packets captured by cohostd's `media.test_capture_dir`
// hook (tests/data/packets/, see its README.md and capture.mjs), part 2: opus and simulcast VP8
// RTP (extension values with the ids of the captured WHIP offer, the VP8 descriptor, padding
// probes, serialize(parse(x)) == x) and the RTCP compounds of a publisher (SR + SDES) and a WHEP
// player (RR, NACK, PLI), rebuilt byte for byte with the builders. Every file is truncated at
// every length and corrupted in its length/version fields: refused cleanly or parsed consistently.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cohost/wire/bytes.hpp"
#include "cohost/wire/rtcp.hpp"
#include "cohost/wire/rtcp_build.hpp"
#include "cohost/wire/rtp.hpp"
#include "cohost/wire/rtp_codecs.hpp"
#include "cohost/wire/rtp_extensions.hpp"
#include "cohost/wire/sdp.hpp"
#include "unit/wire/captured_packets.hpp"

namespace cohost::wire {
namespace {

using namespace cohost::wire::testing;

// ============================================================================================= RTP

/// Extension ids and mids of the publisher's WHIP offer (the answer keeps the offer's ids).
struct PublisherIds {
    std::uint8_t audio_level, audio_twcc, audio_mid;
    std::uint8_t abs_send_time, video_twcc, video_mid, rid;
    std::string audio_mid_value, video_mid_value;
    std::uint8_t opus_pt = 0, vp8_pt = 0;
};

PublisherIds publisher_ids() {
    const auto offer = load_sdp("whip_offer.sdp");
    const auto& a = section(offer, sdp::MediaKind::Audio);
    const auto& v = section(offer, sdp::MediaKind::Video);
    PublisherIds ids{ext_id(a, kUriAudioLevel),  ext_id(a, kUriTwcc), ext_id(a, kUriMid),
                     ext_id(v, kUriAbsSendTime), ext_id(v, kUriTwcc), ext_id(v, kUriMid),
                     ext_id(v, kUriRid),         a.mid.value_or(""),  v.mid.value_or("")};
    for (const auto& r : a.rtpmaps) {
        if (sdp::iequals(r.encoding, "opus")) ids.opus_pt = r.payload_type;
    }
    for (const auto& r : v.rtpmaps) {
        if (sdp::iequals(r.encoding, "VP8") && ids.vp8_pt == 0) ids.vp8_pt = r.payload_type;
    }
    return ids;
}

std::optional<std::string> sdes_ext(const rtp::PacketView& p, std::uint8_t id) {
    auto e = rtp::find_extension(p, id);
    if (!e) return std::nullopt;
    auto s = rtp::read_sdes_string(e->data);
    return s ? std::optional<std::string>(std::string(*s)) : std::nullopt;
}

TEST(CapturedRtp, ExtensionsAreOnlyThoseTheAnswerAccepted) {
    // Every extension id in a captured packet is one the WHIP answer negotiated for its section.
    const auto answer = load_sdp("whip_answer.sdp");
    const auto ids = publisher_ids();
    for (const auto& name : files_of(PacketKind::Rtp)) {
        const Bytes b = load(name);
        auto p = rtp::parse(b);
        ASSERT_TRUE(p.has_value()) << name << ": " << p.error().message();
        if (!p->has_extension) continue;
        const bool audio = p->payload_type == ids.opus_pt;
        const auto& sec = section(answer, audio ? sdp::MediaKind::Audio : sdp::MediaKind::Video);
        rtp::ExtensionReader r(*p);
        rtp::Extension e;
        int n = 0;
        while (r.next(e)) {
            ++n;
            const bool negotiated = std::any_of(sec.extmaps.begin(), sec.extmaps.end(),
                                                [&](const auto& x) { return x.id == e.id; });
            EXPECT_TRUE(negotiated) << name << ": extension id " << int(e.id);
        }
        EXPECT_FALSE(r.malformed()) << name;
        EXPECT_GT(n, 0) << name;  // Chromium sends no empty extension block
        EXPECT_EQ(p->extension_form(), rtp::ExtensionForm::OneByte) << name;
    }
}

TEST(CapturedRtp, OpusPacketCarriesAudioLevelTwccAndMid) {
    const auto ids = publisher_ids();
    const Bytes b = load("rtp_opus.bin");
    auto p = rtp::parse(b);
    ASSERT_TRUE(p.has_value()) << p.error().message();
    EXPECT_EQ(p->payload_type, ids.opus_pt);
    EXPECT_FALSE(p->has_padding);
    EXPECT_EQ(p->csrc_count, 0);
    EXPECT_FALSE(p->payload.empty());
    EXPECT_EQ(p->header_size + p->payload.size(), b.size());
    auto level = rtp::find_extension(*p, ids.audio_level);
    ASSERT_TRUE(level.has_value());
    auto al = rtp::read_audio_level(level->data);
    ASSERT_TRUE(al.has_value());
    EXPECT_LE(al->level, 127);
    auto twcc = rtp::find_extension(*p, ids.audio_twcc);
    ASSERT_TRUE(twcc.has_value());
    EXPECT_TRUE(rtp::read_transport_cc(twcc->data).has_value());
    EXPECT_EQ(sdes_ext(*p, ids.audio_mid), ids.audio_mid_value);
    // The answer did not accept abs-send-time for audio, and Chromium does not send it.
    EXPECT_FALSE(rtp::find_extension(*p, ids.abs_send_time).has_value());
    // More than a TOC byte (RFC 6716 §3.1): a real frame, not DTX.
    EXPECT_GT(p->payload.size(), 1U);
}

struct LayerCase {
    const char* file;
    const char* rid;
    int width, height;  // from the VP8 keyframe header (RFC 6386 §9.1)
};
const LayerCase kLayers[] = {
    {"rtp_vp8_q_keyframe_start.bin", "q", 320, 180},
    {"rtp_vp8_h_keyframe_start.bin", "h", 640, 360},
    {"rtp_vp8_f_keyframe_start.bin", "f", 1280, 720},
};

TEST(CapturedRtp, SimulcastKeyframeStartsCarryMidRidAndTheLayerSize) {
    const auto ids = publisher_ids();
    std::vector<std::uint32_t> ssrcs;
    for (const auto& c : kLayers) {
        const Bytes b = load(c.file);
        auto p = rtp::parse(b);
        ASSERT_TRUE(p.has_value()) << c.file;
        EXPECT_EQ(p->payload_type, ids.vp8_pt) << c.file;
        EXPECT_EQ(sdes_ext(*p, ids.rid), std::string(c.rid)) << c.file;
        EXPECT_EQ(sdes_ext(*p, ids.video_mid), ids.video_mid_value) << c.file;
        ssrcs.push_back(p->ssrc);
        auto d = rtp::parse_vp8(p->payload);
        ASSERT_TRUE(d.has_value()) << c.file;
        EXPECT_TRUE(d->frame_start()) << c.file;
        EXPECT_TRUE(d->keyframe) << c.file;
        EXPECT_FALSE(d->non_reference) << c.file;
        ASSERT_TRUE(d->picture_id.has_value()) << c.file;
        EXPECT_TRUE(d->picture_id_15bit) << c.file;  // libwebrtc always uses the 15-bit form
        // VP8 keyframe: 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height.
        const auto vp8 = p->payload.subspan(d->size);
        ASSERT_GE(vp8.size(), 10U);
        EXPECT_EQ(u8_at(vp8, 3), 0x9D);
        EXPECT_EQ(u8_at(vp8, 4), 0x01);
        EXPECT_EQ(u8_at(vp8, 5), 0x2A);
        EXPECT_EQ(u8_at(vp8, 6) | ((u8_at(vp8, 7) & 0x3F) << 8), c.width) << c.file;
        EXPECT_EQ(u8_at(vp8, 8) | ((u8_at(vp8, 9) & 0x3F) << 8), c.height) << c.file;
        if (std::string(c.rid) == "q") {
            // From the publisher itself (BWE negotiated): abs-send-time and transport-wide seq.
            auto ast = rtp::find_extension(*p, ids.abs_send_time);
            ASSERT_TRUE(ast.has_value());
            EXPECT_TRUE(rtp::read_abs_send_time(ast->data).has_value());
            auto twcc = rtp::find_extension(*p, ids.video_twcc);
            ASSERT_TRUE(twcc.has_value());
            EXPECT_TRUE(rtp::read_transport_cc(twcc->data).has_value());
        }
    }
    EXPECT_NE(ssrcs[0], ssrcs[1]);
    EXPECT_NE(ssrcs[1], ssrcs[2]);
}

TEST(CapturedRtp, Vp8ContinuationAndDeltaFrame) {
    {
        const Bytes b = load("rtp_vp8_keyframe_continuation.bin");
        auto p = rtp::parse(b);
        ASSERT_TRUE(p.has_value());
        auto d = rtp::parse_vp8(p->payload);
        ASSERT_TRUE(d.has_value());
        EXPECT_FALSE(d->start_of_partition);
        EXPECT_FALSE(d->frame_start());
        EXPECT_FALSE(d->keyframe);  // only a frame start can say "keyframe"
        EXPECT_TRUE(d->picture_id.has_value());
    }
    {
        const Bytes b = load("rtp_vp8_delta_frame.bin");
        auto p = rtp::parse(b);
        ASSERT_TRUE(p.has_value());
        auto d = rtp::parse_vp8(p->payload);
        ASSERT_TRUE(d.has_value());
        EXPECT_TRUE(d->frame_start());
        EXPECT_FALSE(d->keyframe);
        // Inverse key frame bit P = 1 in the VP8 frame tag.
        EXPECT_EQ(u8_at(p->payload, d->size) & 0x01, 1);
    }
}

TEST(CapturedRtp, PaddingProbesAreHeaderAndPaddingOnly) {
    for (const char* name : {"rtp_vp8_padding_probe.bin", "rtp_opus_padding.bin"}) {
        if (!std::filesystem::exists(path_of(name))) continue;  // audio probes: timing-dependent
        const Bytes b = load(name);
        auto p = rtp::parse(b);
        ASSERT_TRUE(p.has_value()) << name;
        EXPECT_TRUE(p->has_padding) << name;
        EXPECT_TRUE(p->payload.empty()) << name;
        EXPECT_EQ(p->padding_size, u8_at(b, b.size() - 1)) << name;
        EXPECT_EQ(p->header_size + p->padding_size, b.size()) << name;
        auto d = rtp::parse_vp8(p->payload);
        ASSERT_FALSE(d.has_value());
        EXPECT_EQ(d.error(), rtp::PayloadErrc::Empty);
    }
    // Video probes are padded to the maximum: count 255.
    auto p = rtp::parse(load("rtp_vp8_padding_probe.bin"));
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->padding_size, 255);
}

/// Rebuilds a parsed packet with `serialize()`; the same extension elements in the same order.
Bytes reserialize(const rtp::PacketView& p) {
    std::vector<rtp::ExtensionElement> ext;
    rtp::ExtensionReader r(p);
    rtp::Extension e;
    while (r.next(e)) ext.push_back({e.id, e.data});
    std::vector<std::uint32_t> csrcs;
    for (std::size_t i = 0; i < p.csrc_count; ++i) csrcs.push_back(p.csrc(i));
    rtp::Packet out{p.marker, p.payload_type, p.sequence_number, p.timestamp,   p.ssrc, csrcs,
                    ext,      false,          p.payload,         p.padding_size};
    Bytes bytes(rtp::serialized_size(out));
    auto n = rtp::serialize(out, bytes);
    EXPECT_TRUE(n.has_value());
    if (n.has_value()) bytes.resize(*n);
    return bytes;
}

TEST(CapturedRtp, SerializeOfParseGivesTheSameBytes) {
    // Chromium packs one-byte elements back to back and zero-pads the block, as serialize()
    // does; its padding bytes are zeros then the count, also as serialize() writes them.
    for (const auto& name : files_of(PacketKind::Rtp)) {
        const Bytes b = load(name);
        auto p = rtp::parse(b);
        ASSERT_TRUE(p.has_value()) << name;
        EXPECT_EQ(reserialize(*p), b) << name;
    }
}

TEST(CapturedRtp, RewritingExtensionIdsInPlace) {
    const auto ids = publisher_ids();
    for (const auto& c : kLayers) {
        Bytes b = load(c.file);
        const Bytes orig = b;
        rtp::ExtensionIdMap identity;
        for (int i = 1; i <= 14; ++i) identity.map(std::uint8_t(i), std::uint8_t(i));
        ASSERT_TRUE(rtp::rewrite_extension_ids(b, identity).has_value());
        EXPECT_EQ(b, orig) << c.file;
        // Strip RID, move MID to id 9: payload unchanged, the MID value readable under 9.
        rtp::ExtensionIdMap map = identity;
        map.map(ids.rid, 0).map(ids.video_mid, 9);
        ASSERT_TRUE(rtp::rewrite_extension_ids(b, map).has_value());
        auto p = rtp::parse(b);
        ASSERT_TRUE(p.has_value());
        EXPECT_FALSE(rtp::find_extension(*p, ids.rid).has_value());
        EXPECT_EQ(sdes_ext(*p, 9), ids.video_mid_value);
        auto before = rtp::parse(orig);
        ASSERT_TRUE(before.has_value());
        EXPECT_TRUE(std::equal(p->payload.begin(), p->payload.end(), before->payload.begin(),
                               before->payload.end()));
    }
}

TEST(CapturedRtp, EveryTruncationIsRefusedOrAConsistentPrefix) {
    for (const auto& name : files_of(PacketKind::Rtp)) {
        const Bytes b = load(name);
        auto full = rtp::parse(b);
        ASSERT_TRUE(full.has_value()) << name;
        for (std::size_t n = 0; n < b.size(); ++n) {
            auto p = rtp::parse(std::span(b).first(n));
            if (n < full->header_size) {
                ASSERT_FALSE(p.has_value()) << name << " prefix " << n;
                continue;
            }
            if (!full->has_padding) {
                // Without padding any cut after the header is a valid, shorter packet.
                ASSERT_TRUE(p.has_value()) << name << " prefix " << n;
                EXPECT_EQ(p->header_size, full->header_size);
                EXPECT_EQ(p->ssrc, full->ssrc);
                EXPECT_EQ(p->sequence_number, full->sequence_number);
                EXPECT_EQ(p->payload.size(), n - full->header_size);
                EXPECT_EQ(p->payload.data(), b.data() + full->header_size);
                continue;
            }
            // With P set the last byte of the cut is read as the count: refused or consistent.
            if (p.has_value()) {
                EXPECT_EQ(p->header_size + p->payload.size() + p->padding_size, n) << name;
                EXPECT_EQ(p->padding_size, u8_at(b, n - 1));
            } else {
                EXPECT_EQ(p.error(), rtp::Errc::PaddingOverrun) << name << " prefix " << n;
            }
        }
    }
}

TEST(CapturedRtp, Vp8DescriptorTruncations) {
    for (const char* name : {"rtp_vp8_q_keyframe_start.bin", "rtp_vp8_keyframe_continuation.bin",
                             "rtp_vp8_delta_frame.bin"}) {
        const Bytes b = load(name);
        auto p = rtp::parse(b);
        ASSERT_TRUE(p.has_value());
        auto full = rtp::parse_vp8(p->payload);
        ASSERT_TRUE(full.has_value());
        for (std::size_t n = 0; n <= p->payload.size(); ++n) {
            auto d = rtp::parse_vp8(p->payload.first(n));
            if (n <= full->size) {
                ASSERT_FALSE(d.has_value()) << name << " payload prefix " << n;
                EXPECT_TRUE(d.error() == rtp::PayloadErrc::Empty ||
                            d.error() == rtp::PayloadErrc::Truncated);
                continue;
            }
            ASSERT_TRUE(d.has_value()) << name << " payload prefix " << n;
            EXPECT_EQ(d->size, full->size);
            EXPECT_EQ(d->picture_id, full->picture_id);
            EXPECT_EQ(d->keyframe, full->keyframe);
        }
    }
}

TEST(CapturedRtp, CorruptedFieldsAreRefused) {
    const Bytes orig = load("rtp_vp8_q_keyframe_start.bin");
    auto full = rtp::parse(orig);
    ASSERT_TRUE(full.has_value());
    ASSERT_EQ(full->csrc_count, 0);  // Chromium sends no CSRCs: the extension block is at 12
    const std::size_t ext_at = rtp::kFixedHeaderSize;
    auto refuse = [](std::span<const std::byte> b, rtp::Errc expected, const char* what) {
        auto p = rtp::parse(b);
        ASSERT_FALSE(p.has_value()) << what;
        EXPECT_EQ(p.error(), expected) << what << ": " << p.error().message();
    };
    for (std::uint8_t v : {0x50, 0x10, 0xD0}) {  // version 1, 0, 3
        Bytes b = orig;
        b[0] = std::byte{v};
        refuse(b, rtp::Errc::BadVersion, "version");
    }
    Bytes b = orig;  // CSRC count 15: 60 bytes of CSRCs in a 40-byte cut
    b[0] |= std::byte{0x0F};
    refuse(std::span(b).first(40), rtp::Errc::CsrcOverrun, "CSRC count");
    b = orig;  // extension length (in words) far past the packet
    store_be16(b.data() + ext_at + 2, 0x4000);
    refuse(b, rtp::Errc::ExtensionOverrun, "extension length");
    b = orig;  // P bit with a padding count of 0
    b[0] |= std::byte{0x20};
    b.back() = std::byte{0};
    refuse(b, rtp::Errc::PaddingOverrun, "padding count 0");
    b = orig;  // the first one-byte element claims 16 bytes, past the end of the block
    b[ext_at + 4] = (b[ext_at + 4] & std::byte{0xF0}) | std::byte{0x0F};
    auto p = rtp::parse(b);
    if (p.has_value()) {
        rtp::ExtensionReader r(*p);
        rtp::Extension e;
        while (r.next(e)) {
        }
        EXPECT_TRUE(r.malformed());
        EXPECT_FALSE(rtp::find_extension(*p, 10).has_value());
    } else {
        EXPECT_EQ(p.error(), rtp::Errc::BadExtension);
    }
}

// ============================================================================================ RTCP

std::vector<std::size_t> packet_boundaries(const Bytes& b) {
    std::vector<std::size_t> ends;
    for (std::size_t at = 0; at + 4 <= b.size();) {
        at += 4 * (std::size_t{load_be16(b.data() + at + 2)} + 1);
        ends.push_back(at);
    }
    return ends;
}

TEST(CapturedRtcp, PublisherSenderReportAndSdes) {
    const Bytes opus_bytes = load("rtp_opus.bin");
    const auto opus = rtp::parse(opus_bytes);
    ASSERT_TRUE(opus.has_value());
    for (const char* name :
         {"rtcp_publisher_sr_sdes_video.bin", "rtcp_publisher_sr_sdes_audio.bin"}) {
        const Bytes b = load(name);
        const bool audio = std::string(name).find("audio") != std::string::npos;
        auto c = rtcp::parse(b, {.require_report_first = true});
        ASSERT_TRUE(c.has_value()) << name << ": " << c.error().message();
        ASSERT_EQ(c->packet_count(), 2U);
        auto it = c->begin();
        auto sr = rtcp::as_sender_report(*it);
        ASSERT_TRUE(sr.has_value()) << name;
        EXPECT_EQ(sr->report_count(), 0U);  // a send-only publisher reports on nothing
        EXPECT_TRUE(sr->extension().empty());
        const auto info = sr->sender_info();
        EXPECT_GT(info.ntp_timestamp >> 32, 3'900'000'000ULL) << "NTP seconds after 2023";
        EXPECT_GT(info.packet_count, 0U);
        EXPECT_GT(info.octet_count, info.packet_count);
        auto sdes = rtcp::as_sdes(*++it);
        ASSERT_TRUE(sdes.has_value()) << name;
        ASSERT_EQ(sdes->chunk_count(), 1U);
        const auto chunk = *sdes->begin();
        EXPECT_EQ(chunk.ssrc(), sr->ssrc());
        auto cname = chunk.cname();
        ASSERT_TRUE(cname.has_value()) << name;
        if (audio) {
            // The audio SSRC is the one of the captured opus packet (same session).
            EXPECT_EQ(sr->ssrc(), opus->ssrc);
            EXPECT_EQ(cname->size(), 16U);
        } else {
            // Chromium 156 sends an empty CNAME item for its simulcast video SSRCs.
            EXPECT_NE(sr->ssrc(), opus->ssrc);
            EXPECT_TRUE(cname->empty());
        }
        // Rebuilt with the builders: the same bytes.
        Bytes out(256);
        rtcp::CompoundWriter w(out);
        ASSERT_TRUE(w.add(rtcp::SenderReport{sr->ssrc(), info, {}}).has_value());
        const rtcp::SdesCname cn{chunk.ssrc(), *cname};
        ASSERT_TRUE(w.add(rtcp::Sdes{std::span(&cn, 1)}).has_value());
        EXPECT_EQ(Bytes(w.bytes().begin(), w.bytes().end()), b) << name;
    }
}

TEST(CapturedRtcp, PlayerReceiverReportsNackAndPli) {
    // Every player compound (which RR-only and PLI compounds a capture holds depends on timing;
    // the RR + NACK one is always there): RR first, then feedback about the SSRC it reports on,
    // and rebuilt byte for byte from the typed views with the builders.
    int nacks = 0;
    for (const auto& name : files_of(PacketKind::Rtcp)) {
        if (!name.starts_with("rtcp_player_")) continue;
        const Bytes b = load(name);
        auto c = rtcp::parse(b, {.require_report_first = true});
        ASSERT_TRUE(c.has_value()) << name << ": " << c.error().message();
        auto it = c->begin();
        auto rr = rtcp::as_receiver_report(*it);
        ASSERT_TRUE(rr.has_value()) << name;
        std::vector<rtcp::ReportBlock> blocks;
        for (std::size_t i = 0; i < rr->report_count(); ++i) {
            blocks.push_back(rr->report_block(i));
            EXPECT_NE(blocks.back().ssrc, 0U) << name;
            EXPECT_GT(blocks.back().extended_highest_seq, 0U) << name;
        }
        Bytes out(256);
        rtcp::CompoundWriter w(out);
        ASSERT_TRUE(w.add(rtcp::ReceiverReport{rr->ssrc(), blocks}).has_value());
        for (++it; it != c->end(); ++it) {
            ASSERT_FALSE(blocks.empty()) << name;
            if (auto nack = rtcp::as_nack(*it)) {
                ++nacks;
                EXPECT_EQ(nack->sender_ssrc(), rr->ssrc()) << name;
                EXPECT_EQ(nack->media_ssrc(), blocks[0].ssrc) << name;
                ASSERT_GE(nack->item_count(), 1U);
                std::vector<std::uint16_t> lost(nack->lost().begin(), nack->lost().end());
                ASSERT_FALSE(lost.empty());
                EXPECT_EQ(lost.front(), nack->item(0).pid);
                ASSERT_TRUE(w.add(rtcp::GenericNack{nack->sender_ssrc(), nack->media_ssrc(), lost})
                                .has_value());
            } else if (auto pli = rtcp::as_pli(*it)) {
                EXPECT_EQ(pli->sender_ssrc(), rr->ssrc()) << name;
                EXPECT_EQ(pli->media_ssrc(), blocks[0].ssrc) << name;
                ASSERT_TRUE(w.add(rtcp::Pli{pli->sender_ssrc(), pli->media_ssrc()}).has_value());
            } else {
                ADD_FAILURE() << name << ": unexpected RTCP packet type "
                              << int((*it).packet_type());
            }
        }
        EXPECT_EQ(Bytes(w.bytes().begin(), w.bytes().end()), b) << name;
    }
    EXPECT_GE(nacks, 1) << "the dropped video RTP must have made the player NACK";
}

TEST(CapturedRtcp, TruncationsParseExactlyAtPacketBoundaries) {
    for (const auto& name : files_of(PacketKind::Rtcp)) {
        const Bytes b = load(name);
        const auto ends = packet_boundaries(b);
        ASSERT_EQ(ends.back(), b.size()) << name;
        for (std::size_t n = 0; n <= b.size(); ++n) {
            auto c = rtcp::parse(std::span(b).first(n));
            const auto at = std::find(ends.begin(), ends.end(), n);
            if (at == ends.end()) {
                ASSERT_FALSE(c.has_value()) << name << " prefix " << n;
                EXPECT_TRUE(c.error() == rtcp::RtcpError::TooShort ||
                            c.error() == rtcp::RtcpError::LengthOverrun)
                    << name << " prefix " << n << ": " << c.error().message();
            } else {
                ASSERT_TRUE(c.has_value()) << name << " prefix " << n;
                EXPECT_EQ(c->packet_count(), std::size_t(at - ends.begin()) + 1);
                std::size_t walked = 0;
                for (auto p : *c) walked += p.bytes().size();
                EXPECT_EQ(walked, n);
            }
        }
    }
}

TEST(CapturedRtcp, CorruptedFieldsAreRefused) {
    const Bytes orig = load("rtcp_player_rr_nack.bin");
    const auto ends = packet_boundaries(orig);
    ASSERT_EQ(ends.size(), 2U);
    auto refuse = [](const Bytes& b, rtcp::RtcpError expected, const char* what) {
        auto c = rtcp::parse(b);
        ASSERT_FALSE(c.has_value()) << what;
        EXPECT_EQ(c.error(), expected) << what << ": " << c.error().message();
    };
    for (std::size_t at : {std::size_t{0}, ends[0]}) {
        Bytes b = orig;
        b[at] = (b[at] & std::byte{0x3F}) | std::byte{0x40};  // version 1
        refuse(b, rtcp::RtcpError::BadVersion, "version");
    }
    {
        Bytes b = orig;  // the last packet's length one word too long
        store_be16(b.data() + ends[0] + 2, std::uint16_t(load_be16(b.data() + ends[0] + 2) + 1));
        refuse(b, rtcp::RtcpError::LengthOverrun, "length + 1");
        b = orig;  // the first packet's one word too long: the next header is read mid-packet
        store_be16(b.data() + 2, std::uint16_t(load_be16(b.data() + 2) + 1));
        EXPECT_FALSE(rtcp::parse(b).has_value());
    }
    {
        Bytes b = orig;  // RR count 2 with room for one block
        b[0] = (b[0] & std::byte{0xE0}) | std::byte{2};
        refuse(b, rtcp::RtcpError::CountMismatch, "report count");
    }
    {
        Bytes b = orig;  // RR length one word shorter: the next header is read inside the block
        store_be16(b.data() + 2, std::uint16_t(load_be16(b.data() + 2) - 1));
        EXPECT_FALSE(rtcp::parse(b).has_value());
    }
    {
        Bytes b = orig;  // P bit on the first packet of the compound
        b[0] = b[0] | std::byte{0x20};
        auto c = rtcp::parse(b);
        ASSERT_FALSE(c.has_value());
        EXPECT_TRUE(c.error() == rtcp::RtcpError::PaddingNotLast ||
                    c.error() == rtcp::RtcpError::BadPadding);
    }
    {
        Bytes b(orig.begin() + static_cast<std::ptrdiff_t>(ends[0]), orig.end());  // NACK alone
        ASSERT_TRUE(rtcp::parse(b).has_value()) << "reduced-size: feedback alone is valid";
        auto strict = rtcp::parse(b, {.require_report_first = true});
        ASSERT_FALSE(strict.has_value());
        EXPECT_EQ(strict.error(), rtcp::RtcpError::FirstNotReport);
        store_be16(b.data() + 2, 1);  // NACK without its FCI
        b.resize(8);
        refuse(b, rtcp::RtcpError::MalformedFeedback, "NACK without FCI");
    }
}

}  // namespace
}  // namespace cohost::wire
