// Parsing real offers/answers (tests/data/sdp/, see its README) and the hand-written OBS sample.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "cohost/wire/sdp.hpp"

namespace sdp = cohost::wire::sdp;

namespace {

std::string load(const std::string& name) {
    std::ifstream in(std::string(COHOST_TEST_DATA) + "/sdp/" + name, std::ios::binary);
    EXPECT_TRUE(in.good()) << name;
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

sdp::SessionDescription parse_file(const std::string& name) {
    const std::string text = load(name);
    EXPECT_NE(text.find("\r\n"), std::string::npos) << name << " must use CRLF";
    auto r = sdp::parse(text);
    EXPECT_TRUE(r.has_value()) << name << ": " << (r ? "" : r.error().message);
    return r ? *r : sdp::SessionDescription{};
}

std::vector<std::string> mids(const sdp::SessionDescription& sd) {
    std::vector<std::string> out;
    for (const auto& m : sd.media) out.push_back(m.mid.value_or("?"));
    return out;
}

const sdp::RtpMap& rtpmap(const sdp::MediaSection& m, std::uint8_t pt) {
    const sdp::RtpMap* r = m.find_rtpmap(pt);
    EXPECT_NE(r, nullptr) << "pt " << int(pt);
    static const sdp::RtpMap kNone{};
    return r ? *r : kNone;
}

}  // namespace

TEST(SdpParse, ChromiumJoinOfferHasThreeAudioThreeVideoRecvonlyAndData) {
    const auto sd = parse_file("chromium156_join_offer.sdp");
    ASSERT_EQ(sd.media.size(), 7u);
    EXPECT_EQ(sd.origin.username, "-");
    EXPECT_EQ(sd.origin.session_id, "4143311803778574215");
    EXPECT_EQ(sd.origin.session_version, "2");
    ASSERT_NE(sd.bundle_group(), nullptr);
    EXPECT_EQ(sd.bundle_group()->mids, mids(sd));
    EXPECT_EQ(mids(sd), (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6"}));
    ASSERT_TRUE(sd.msid_semantic.has_value());
    EXPECT_EQ(sd.msid_semantic->semantic, "WMS");
    EXPECT_TRUE(sd.extmap_allow_mixed);
    EXPECT_FALSE(sd.ice_lite);
    for (std::size_t i = 0; i < 6; ++i) {
        const auto& m = sd.media[i];
        EXPECT_EQ(m.kind, i < 3 ? sdp::MediaKind::Audio : sdp::MediaKind::Video) << i;
        EXPECT_EQ(m.direction, sdp::Direction::RecvOnly) << i;
        EXPECT_EQ(m.protocol, "UDP/TLS/RTP/SAVPF");
        EXPECT_EQ(m.port, 9);
        EXPECT_TRUE(m.rtcp_mux);
        EXPECT_TRUE(m.rtcp_rsize);
        EXPECT_EQ(m.setup, sdp::SetupRole::ActPass);
        EXPECT_TRUE(m.candidates.empty());  // the in-join offer is made before gathering
        ASSERT_EQ(m.fingerprints.size(), 1u);
        EXPECT_EQ(m.fingerprints[0].algorithm, "sha-256");
        ASSERT_EQ(m.fingerprints[0].bytes.size(), 32u);
        EXPECT_EQ(m.fingerprints[0].bytes[0], 0xA3);  // the file's first hex pair
        EXPECT_EQ(sdp::fingerprint_hex(m.fingerprints[0]).substr(0, 5), "A3:13");
        EXPECT_EQ(m.ice_ufrag, sd.media[0].ice_ufrag);
        EXPECT_EQ(m.ice_options, std::vector<std::string>{"trickle"});
        EXPECT_TRUE(m.msids.empty());
        // `a=rtcp:9 IN IP4 0.0.0.0` and `a=rtcp-xr` are not modelled: kept verbatim.
        ASSERT_GE(m.other.size(), 2u);
        EXPECT_EQ(m.other[0].name, "rtcp");
        EXPECT_EQ(m.other[0].value, "9 IN IP4 0.0.0.0");
        ASSERT_FALSE(m.lines.empty());
        EXPECT_EQ(m.lines[0].type, 'c');
    }
    const auto& data = sd.media[6];
    EXPECT_EQ(data.kind, sdp::MediaKind::Application);
    EXPECT_EQ(data.protocol, "UDP/DTLS/SCTP");
    EXPECT_EQ(data.formats, std::vector<std::string>{"webrtc-datachannel"});
    EXPECT_TRUE(data.payload_types.empty());
    EXPECT_EQ(data.sctp_port, 5000);
    EXPECT_EQ(data.max_message_size, 262144u);
}

TEST(SdpParse, ChromiumAudioCodecsAndExtensions) {
    const auto sd = parse_file("chromium156_join_offer.sdp");
    const auto& a = sd.media[0];
    EXPECT_EQ(a.payload_types, (std::vector<std::uint8_t>{111, 63, 9, 0, 8, 13, 110, 126}));
    EXPECT_EQ(rtpmap(a, 111).encoding, "opus");
    EXPECT_EQ(rtpmap(a, 111).clock_rate, 48000u);
    EXPECT_EQ(rtpmap(a, 111).channels, 2);
    EXPECT_EQ(rtpmap(a, 0).encoding, "PCMU");
    EXPECT_FALSE(rtpmap(a, 0).channels.has_value());
    const sdp::Fmtp* opus = a.find_fmtp(111);
    ASSERT_NE(opus, nullptr);
    EXPECT_EQ(opus->get("minptime"), "10");
    EXPECT_EQ(opus->get("useinbandfec"), "1");
    const sdp::Fmtp* red = a.find_fmtp(63);
    ASSERT_NE(red, nullptr);
    ASSERT_EQ(red->params.size(), 1u);
    EXPECT_EQ(red->params[0].key, "");
    EXPECT_EQ(red->params[0].value, "111/111");
    ASSERT_EQ(a.rtcp_fbs.size(), 1u);
    EXPECT_EQ(a.rtcp_fbs[0].payload_type, 111);
    EXPECT_EQ(a.rtcp_fbs[0].type, "transport-cc");
    ASSERT_EQ(a.extmaps.size(), 4u);
    EXPECT_EQ(a.extmaps[0].id, 1);
    EXPECT_EQ(a.extmaps[0].uri, "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
    ASSERT_NE(a.find_extmap("urn:ietf:params:rtp-hdrext:sdes:mid"), nullptr);
    EXPECT_EQ(a.find_extmap("urn:ietf:params:rtp-hdrext:sdes:mid")->id, 4);
}

TEST(SdpParse, ChromiumVideoCodecsRtxAndH264Params) {
    const auto sd = parse_file("chromium156_join_offer.sdp");
    const auto& v = sd.media[3];
    ASSERT_EQ(v.payload_types.size(), 34u);
    EXPECT_EQ(v.payload_types.front(), 96);
    EXPECT_EQ(rtpmap(v, 96).encoding, "VP8");
    EXPECT_EQ(rtpmap(v, 97).encoding, "rtx");
    ASSERT_NE(v.find_fmtp(97), nullptr);
    EXPECT_EQ(v.find_fmtp(97)->apt(), 96);
    // H.264 42e01f packetization-mode=1 is pt 108 in this capture.
    EXPECT_EQ(rtpmap(v, 108).encoding, "H264");
    const sdp::Fmtp* h = v.find_fmtp(108);
    ASSERT_NE(h, nullptr);
    EXPECT_EQ(h->get("profile-level-id"), "42e01f");
    EXPECT_EQ(h->get("packetization-mode"), "1");
    EXPECT_EQ(h->get("PACKETIZATION-MODE"), "1");  // keys compare case-insensitively
    EXPECT_FALSE(h->apt().has_value());
    const auto fb96 = std::count_if(v.rtcp_fbs.begin(), v.rtcp_fbs.end(),
                                    [](const sdp::RtcpFb& f) { return f.payload_type == 96; });
    EXPECT_EQ(fb96, 5);
    const auto pli = std::find_if(v.rtcp_fbs.begin(), v.rtcp_fbs.end(), [](const sdp::RtcpFb& f) {
        return f.payload_type == 96 && f.type == "nack" && f.subtype == "pli";
    });
    EXPECT_NE(pli, v.rtcp_fbs.end());
    EXPECT_EQ(v.extmaps.size(), 11u);
    ASSERT_NE(v.find_extmap("urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"), nullptr);
    EXPECT_EQ(v.find_extmap("urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id")->id, 10);
    EXPECT_FALSE(v.simulcast.has_value());
    EXPECT_TRUE(v.rids.empty());
}

TEST(SdpParse, ChromiumPublishOfferHasSendonlySimulcastSection) {
    const auto sd = parse_file("chromium156_publish_simulcast_offer.sdp");
    ASSERT_EQ(sd.media.size(), 9u);
    const auto& audio = sd.media[7];
    EXPECT_EQ(audio.kind, sdp::MediaKind::Audio);
    EXPECT_EQ(audio.direction, sdp::Direction::SendOnly);
    ASSERT_EQ(audio.msids.size(), 1u);
    EXPECT_FALSE(audio.msids[0].stream_id.empty());
    EXPECT_FALSE(audio.msids[0].track_id.empty());
    ASSERT_EQ(audio.ssrcs.size(), 2u);
    EXPECT_EQ(audio.ssrcs[0].attribute, "cname");
    EXPECT_EQ(audio.ssrcs[1].attribute, "msid");
    EXPECT_EQ(audio.ssrcs[1].value, audio.msids[0].stream_id + " " + audio.msids[0].track_id);

    const auto& video = sd.media[8];
    EXPECT_EQ(video.mid, "8");
    EXPECT_EQ(video.direction, sdp::Direction::SendOnly);
    ASSERT_EQ(video.rids.size(), 3u);
    EXPECT_EQ(video.rids[0].id, "q");
    EXPECT_EQ(video.rids[1].id, "h");
    EXPECT_EQ(video.rids[2].id, "f");
    for (const auto& r : video.rids) {
        EXPECT_EQ(r.direction, sdp::Rid::Dir::Send);
        EXPECT_TRUE(r.restrictions.empty());
    }
    ASSERT_TRUE(video.simulcast.has_value());
    ASSERT_EQ(video.simulcast->send.size(), 3u);
    EXPECT_EQ(video.simulcast->send[0], (std::vector<sdp::SimulcastRid>{{"q", false}}));
    EXPECT_EQ(video.simulcast->send[2], (std::vector<sdp::SimulcastRid>{{"f", false}}));
    EXPECT_TRUE(video.simulcast->recv.empty());
    EXPECT_TRUE(video.ssrcs.empty());  // rid-based simulcast: no a=ssrc for the layers
    EXPECT_NE(video.find_extmap("urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"), nullptr);

    // Gathering had finished: mDNS host candidates in the first section.
    ASSERT_EQ(sd.media[0].candidates.size(), 2u);
    const auto& c = sd.media[0].candidates[0];
    EXPECT_EQ(c.component, 1);
    EXPECT_EQ(c.transport, "udp");
    EXPECT_EQ(c.type, "host");
    EXPECT_NE(c.address.find(".local"), std::string::npos);
    EXPECT_GT(c.port, 0);
    EXPECT_GT(c.priority, 0u);
    ASSERT_EQ(c.extensions.size(), 2u);
    EXPECT_EQ(c.extensions[0], (std::pair<std::string, std::string>{"generation", "0"}));
}

TEST(SdpParse, LibwebrtcAnswersParse) {
    for (const char* name :
         {"chromium156_join_answer_libwebrtc.sdp", "chromium156_publish_audio_answer_libwebrtc.sdp",
          "chromium156_publish_simulcast_answer_libwebrtc.sdp"}) {
        const auto sd = parse_file(name);
        ASSERT_FALSE(sd.media.empty()) << name;
        for (const auto& m : sd.media) {
            EXPECT_EQ(m.setup, sdp::SetupRole::Active) << name;
            EXPECT_EQ(m.fingerprints.size(), 1u) << name;
        }
        // A browser answers the recvonly placeholders inactive and declines to receive simulcast.
        EXPECT_EQ(sd.media[0].direction, sdp::Direction::Inactive) << name;
        EXPECT_FALSE(sd.media.back().simulcast.has_value()) << name;
    }
}

TEST(SdpParse, ObsWhipOfferSessionLevelFingerprintAndCandidates) {
    const auto sd = parse_file("obs30_whip_offer.sdp");
    ASSERT_EQ(sd.media.size(), 2u);
    EXPECT_EQ(sd.origin.username, "rtc");
    ASSERT_EQ(sd.groups.size(), 2u);
    EXPECT_EQ(sd.groups[1].semantics, "LS");
    EXPECT_EQ(sd.bundle_group()->mids, (std::vector<std::string>{"0", "1"}));
    EXPECT_EQ(sd.msid_semantic->ids, std::vector<std::string>{"*"});
    ASSERT_EQ(sd.fingerprints.size(), 1u);
    const auto& a = sd.media[0];
    const auto& v = sd.media[1];
    EXPECT_TRUE(a.fingerprints.empty());
    EXPECT_EQ(sd.fingerprints_for(a).size(), 1u);  // falls back to session level
    EXPECT_EQ(*sd.ice_ufrag_for(v), "Ck3d");
    EXPECT_EQ(sd.setup_for(v), sdp::SetupRole::ActPass);
    EXPECT_EQ(a.direction, sdp::Direction::SendOnly);
    EXPECT_EQ(v.direction, sdp::Direction::SendOnly);
    EXPECT_EQ(a.payload_types, std::vector<std::uint8_t>{111});
    EXPECT_EQ(v.payload_types, std::vector<std::uint8_t>{96});
    EXPECT_EQ(rtpmap(v, 96).encoding, "H264");
    EXPECT_EQ(v.find_fmtp(96)->get("profile-level-id"), "42e01f");
    EXPECT_EQ(a.find_fmtp(111)->get("sprop-stereo"), "1");
    ASSERT_EQ(a.candidates.size(), 2u);
    EXPECT_EQ(a.candidates[0].transport, "UDP");
    EXPECT_EQ(a.candidates[0].address, "192.168.1.20");
    EXPECT_EQ(a.candidates[1].type, "srflx");
    EXPECT_EQ(a.candidates[1].rel_addr, "192.168.1.20");
    EXPECT_EQ(a.candidates[1].rel_port, 52345);
    EXPECT_TRUE(a.end_of_candidates);
    EXPECT_FALSE(v.end_of_candidates);
    EXPECT_EQ(a.msids[0].track_id, "Fh3kT9wQz1Lm7RbC-audio");
    EXPECT_EQ(a.ssrcs[0].ssrc, 1633902184u);
}

TEST(SdpParse, AcceptsLfLineEndsAndBlankLines) {
    std::string text = load("obs30_whip_offer.sdp");
    std::string lf;
    for (char c : text) {
        if (c != '\r') lf.push_back(c);
    }
    auto crlf = sdp::parse(text);
    auto plain = sdp::parse(lf + "\n\n");
    ASSERT_TRUE(crlf && plain);
    EXPECT_EQ(*crlf, *plain);
}

TEST(SdpParse, UnknownAttributesAndLinesAreKept) {
    const std::string text =
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=x y\r\nb=AS:300\r\nt=0 0\r\nr=7d 1h 0 25h\r\n"
        "a=x-custom:hello world\r\na=flag\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 96\r\ni=title\r\na=mid:v\r\na=x-google-flag:conference\r\n"
        "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:* nack\r\na=rtcp-fb:96 ccm tmmbr smaxpr=120\r\n"
        "a=extmap:3/recvonly urn:x attr1 attr2\r\na=ssrc-group:FID 1 2\r\na=ssrc:1 cname:c\r\n";
    auto r = sdp::parse(text);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->session_name, "x y");
    ASSERT_EQ(r->lines.size(), 2u);
    EXPECT_EQ(r->lines[0], (sdp::RawLine{'b', "AS:300"}));
    EXPECT_EQ(r->lines[1].type, 'r');
    ASSERT_EQ(r->other.size(), 2u);
    EXPECT_EQ(r->other[0], (sdp::Attribute{"x-custom", "hello world"}));
    EXPECT_EQ(r->other[1], (sdp::Attribute{"flag", std::nullopt}));
    const auto& m = r->media[0];
    EXPECT_EQ(m.lines, std::vector<sdp::RawLine>{(sdp::RawLine{'i', "title"})});
    EXPECT_EQ(m.other[0].name, "x-google-flag");
    ASSERT_EQ(m.rtcp_fbs.size(), 2u);
    EXPECT_FALSE(m.rtcp_fbs[0].payload_type.has_value());
    EXPECT_EQ(m.rtcp_fbs[1].subtype, "tmmbr smaxpr=120");
    EXPECT_EQ(m.extmaps[0].direction, sdp::Direction::RecvOnly);
    EXPECT_EQ(m.extmaps[0].attributes, "attr1 attr2");
    EXPECT_EQ(m.ssrc_groups[0].semantics, "FID");
    EXPECT_EQ(m.ssrc_groups[0].ssrcs, (std::vector<std::uint32_t>{1, 2}));
    EXPECT_EQ(m.effective_direction(), sdp::Direction::SendRecv);
}

TEST(SdpParse, SimulcastAlternativesPausedAndRidRestrictions) {
    const std::string text =
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:0\r\na=rtpmap:96 VP8/90000\r\n"
        "a=rtpmap:97 H264/90000\r\na=rid:a send pt=96,97;max-width=1280;max-height=720\r\n"
        "a=rid:b send\r\na=rid:c send\r\na=rid:r recv\r\na=simulcast:send a,b;~c recv r\r\n";
    auto r = sdp::parse(text);
    ASSERT_TRUE(r) << r.error().message;
    const auto& m = r->media[0];
    ASSERT_EQ(m.rids.size(), 4u);
    EXPECT_EQ(m.rids[0].restrictions.size(), 3u);
    EXPECT_EQ(m.rids[0].restrictions[0], (sdp::Param{"pt", "96,97"}));
    EXPECT_EQ(m.rids[3].direction, sdp::Rid::Dir::Recv);
    ASSERT_TRUE(m.simulcast);
    ASSERT_EQ(m.simulcast->send.size(), 2u);
    EXPECT_EQ(m.simulcast->send[0], (std::vector<sdp::SimulcastRid>{{"a", false}, {"b", false}}));
    EXPECT_EQ(m.simulcast->send[1], (std::vector<sdp::SimulcastRid>{{"c", true}}));
    EXPECT_EQ(m.simulcast->recv, (std::vector<std::vector<sdp::SimulcastRid>>{{{"r", false}}}));
}

TEST(SdpParse, H264FmtpHelpers) {
    const auto sd = parse_file("chromium156_join_offer.sdp");
    const auto& v = sd.media[3];
    const sdp::Fmtp* cb = v.find_fmtp(108);  // 42e01f, mode 1
    ASSERT_NE(cb, nullptr);
    EXPECT_EQ(cb->packetization_mode(), 1);
    ASSERT_TRUE(cb->profile_level_id());
    EXPECT_EQ(*cb->profile_level_id(), (sdp::Fmtp::ProfileLevelId{0x42, 0xe0, 0x1f}));
    const sdp::Fmtp* main = v.find_fmtp(39);  // 4d001f, mode 0
    ASSERT_NE(main, nullptr);
    EXPECT_EQ(main->packetization_mode(), 0);
    EXPECT_EQ(main->profile_level_id()->profile_idc, 0x4d);
    EXPECT_FALSE(v.find_fmtp(97)->profile_level_id());  // rtx: apt only
    sdp::Fmtp bad{96, {{"profile-level-id", "42e0zz"}, {"packetization-mode", "7"}}};
    EXPECT_FALSE(bad.profile_level_id());
    EXPECT_FALSE(bad.packetization_mode());
}
