// build_answer against the real Chromium offers and the OBS sample; build_offer basics.
#include "cohost/wire/sdp_answer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "cohost/wire/sdp.hpp"

namespace sdp = cohost::wire::sdp;

namespace {

sdp::SessionDescription offer_from(const std::string& name) {
    std::ifstream in(std::string(COHOST_TEST_DATA) + "/sdp/" + name, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    auto r = sdp::parse(ss.str());
    EXPECT_TRUE(r) << name << ": " << (r ? "" : r.error().message);
    return r ? *r : sdp::SessionDescription{};
}

sdp::LocalTransport transport() {
    sdp::LocalTransport t;
    t.ice_ufrag = "sfuU";
    t.ice_pwd = "sfuPasswordSfuPassword1";
    t.fingerprint.algorithm = "sha-256";
    for (int i = 0; i < 32; ++i) t.fingerprint.bytes.push_back(static_cast<std::uint8_t>(i * 7));
    t.candidate_address = "203.0.113.10";
    t.candidate_port = 7882;
    return t;
}

sdp::AnswerOptions options() {
    sdp::AnswerOptions o;
    o.transport = transport();
    o.session_id = "42";
    o.session_version = "3";
    return o;
}

/// The answer, checked to serialize into text that parses back to the same model.
sdp::SessionDescription answer(const sdp::SessionDescription& offer,
                               const sdp::AnswerOptions& opts) {
    auto a = sdp::build_answer(offer, opts);
    EXPECT_TRUE(a) << (a ? "" : a.error().message);
    if (!a) return {};
    const std::string text = sdp::serialize(*a);
    auto back = sdp::parse(text);
    EXPECT_TRUE(back) << (back ? "" : back.error().message) << "\n" << text;
    if (back) {
        EXPECT_EQ(*back, *a);
    }
    return *a;
}

std::vector<std::string> encodings(const sdp::MediaSection& m) {
    std::vector<std::string> out;
    for (std::uint8_t pt : m.payload_types) {
        const sdp::RtpMap* r = m.find_rtpmap(pt);
        out.push_back(r ? r->encoding : "?");
    }
    return out;
}

/// Rules every answer section must follow whatever the offer.
void check_common(const sdp::SessionDescription& offer, const sdp::SessionDescription& ans) {
    EXPECT_TRUE(ans.ice_lite);
    ASSERT_FALSE(offer.media.empty());
    ASSERT_EQ(ans.media.size(), offer.media.size());
    for (std::size_t i = 0; i < ans.media.size(); ++i) {
        const auto& o = offer.media[i];
        const auto& a = ans.media[i];
        EXPECT_EQ(a.mid, o.mid) << i;
        EXPECT_EQ(a.kind, o.kind) << i;
        EXPECT_EQ(a.protocol, o.protocol) << i;
        if (a.port == 0) {
            EXPECT_TRUE(a.candidates.empty());
            continue;
        }
        EXPECT_EQ(a.ice_ufrag, "sfuU");
        EXPECT_EQ(a.ice_pwd, "sfuPasswordSfuPassword1");
        ASSERT_EQ(a.fingerprints.size(), 1u);
        EXPECT_EQ(a.fingerprints[0], transport().fingerprint);
        EXPECT_EQ(a.setup, sdp::SetupRole::Passive);  // offers are actpass
        if (a.kind != sdp::MediaKind::Application) {
            EXPECT_TRUE(a.rtcp_mux);
            // Every accepted payload type is one the offer listed, with the offer's rtpmap.
            for (std::uint8_t pt : a.payload_types) {
                ASSERT_NE(o.find_rtpmap(pt), nullptr);
                EXPECT_EQ(*a.find_rtpmap(pt), *o.find_rtpmap(pt));
            }
            for (const auto& e : a.extmaps) {
                const sdp::ExtMap* oe = o.find_extmap(e.uri);
                ASSERT_NE(oe, nullptr) << e.uri;
                EXPECT_EQ(oe->id, e.id);
            }
        }
    }
    // BUNDLE lists exactly the accepted sections; the first carries the only candidate.
    ASSERT_NE(ans.bundle_group(), nullptr);
    std::vector<std::string> accepted;
    for (const auto& a : ans.media) {
        if (a.port != 0) accepted.push_back(*a.mid);
    }
    EXPECT_EQ(ans.bundle_group()->mids, accepted);
    std::size_t candidates = 0;
    for (const auto& a : ans.media) candidates += a.candidates.size();
    EXPECT_EQ(candidates, 1u);
    for (const auto& a : ans.media) {
        if (a.mid == accepted.front()) {
            ASSERT_EQ(a.candidates.size(), 1u);
            EXPECT_EQ(a.candidates[0].address, "203.0.113.10");
            EXPECT_EQ(a.candidates[0].port, 7882);
            EXPECT_EQ(a.candidates[0].type, "host");
            EXPECT_EQ(a.candidates[0].priority, 2130706431u);
            EXPECT_TRUE(a.end_of_candidates);
        }
    }
}

}  // namespace

TEST(SdpAnswer, JoinOfferPlaceholdersInactiveDataAccepted) {
    const auto offer = offer_from("chromium156_join_offer.sdp");
    const auto ans = answer(offer, options());
    ASSERT_EQ(ans.media.size(), offer.media.size());
    ASSERT_NO_FATAL_FAILURE(check_common(offer, ans));
    EXPECT_EQ(ans.origin.session_id, "42");
    EXPECT_EQ(ans.origin.session_version, "3");
    for (std::size_t i = 0; i < 6; ++i) {
        EXPECT_EQ(ans.media[i].port, 9);
        EXPECT_EQ(ans.media[i].direction, sdp::Direction::Inactive)
            << i;  // recvonly, nothing to send
        EXPECT_TRUE(ans.media[i].msids.empty());
    }
    EXPECT_EQ(encodings(ans.media[0]), std::vector<std::string>{"opus"});
    EXPECT_EQ(ans.media[0].payload_types, std::vector<std::uint8_t>{111});
    EXPECT_EQ(ans.media[0].find_fmtp(111)->get("useinbandfec"), "1");  // offer's fmtp echoed
    EXPECT_EQ(encodings(ans.media[3]), (std::vector<std::string>{"VP8", "rtx", "H264", "rtx"}));
    EXPECT_EQ(ans.media[3].payload_types, (std::vector<std::uint8_t>{96, 97, 108, 109}));
    EXPECT_EQ(ans.media[3].find_fmtp(108)->get("profile-level-id"), "42e01f");
    EXPECT_EQ(ans.media[3].find_fmtp(109)->apt(), 108);
    const auto& data = ans.media[6];
    EXPECT_EQ(data.port, 9);
    EXPECT_EQ(data.formats, std::vector<std::string>{"webrtc-datachannel"});
    EXPECT_EQ(data.sctp_port, 5000);
    EXPECT_EQ(data.max_message_size, 262144u);
    EXPECT_EQ(ans.bundle_group()->mids.size(), 7u);
}

TEST(SdpAnswer, RejectsDataWhenAskedAndKeepsItOutOfBundle) {
    const auto offer = offer_from("chromium156_join_offer.sdp");
    auto opts = options();
    opts.accept_data_channels = false;
    const auto ans = answer(offer, opts);
    ASSERT_EQ(ans.media.size(), offer.media.size());
    ASSERT_NO_FATAL_FAILURE(check_common(offer, ans));
    const auto& data = ans.media[6];
    EXPECT_EQ(data.port, 0);
    EXPECT_EQ(data.mid, "6");
    EXPECT_EQ(data.formats, std::vector<std::string>{"webrtc-datachannel"});
    EXPECT_FALSE(data.sctp_port);
    EXPECT_FALSE(data.ice_ufrag);
    EXPECT_EQ(std::count(ans.bundle_group()->mids.begin(), ans.bundle_group()->mids.end(), "6"), 0);
}

TEST(SdpAnswer, SendTracksOnRecvonlySectionsGetMsidAndSsrc) {
    const auto offer = offer_from("chromium156_join_offer.sdp");
    auto opts = options();
    opts.send_tracks.push_back(
        sdp::SendTrack{"3", "PA_alice|camera", "TR_cam", 1111, 2222, "cohost"});
    opts.send_tracks.push_back(
        sdp::SendTrack{"0", "PA_alice|camera", "TR_mic", std::nullopt, std::nullopt, "c"});
    const auto ans = answer(offer, opts);
    ASSERT_EQ(ans.media.size(), offer.media.size());
    ASSERT_NO_FATAL_FAILURE(check_common(offer, ans));
    const auto& v = ans.media[3];
    EXPECT_EQ(v.direction, sdp::Direction::SendOnly);
    ASSERT_EQ(v.msids.size(), 1u);
    EXPECT_EQ(v.msids[0], (sdp::Msid{"PA_alice|camera", "TR_cam"}));
    ASSERT_EQ(v.ssrc_groups.size(), 1u);
    EXPECT_EQ(v.ssrc_groups[0], (sdp::SsrcGroup{"FID", {1111, 2222}}));
    EXPECT_EQ(v.ssrcs.size(), 4u);
    EXPECT_EQ(ans.media[0].direction, sdp::Direction::SendOnly);
    EXPECT_EQ(ans.media[0].msids[0].track_id, "TR_mic");
    EXPECT_TRUE(ans.media[0].ssrcs.empty());
    EXPECT_EQ(ans.media[1].direction, sdp::Direction::Inactive);
}

TEST(SdpAnswer, PublishOfferSimulcastAcceptedAsRecv) {
    const auto offer = offer_from("chromium156_publish_simulcast_offer.sdp");
    const auto ans = answer(offer, options());
    ASSERT_EQ(ans.media.size(), offer.media.size());
    ASSERT_NO_FATAL_FAILURE(check_common(offer, ans));
    const auto& audio = ans.media[7];
    EXPECT_EQ(audio.direction, sdp::Direction::RecvOnly);
    EXPECT_TRUE(audio.msids.empty());
    const auto& v = ans.media[8];
    EXPECT_EQ(v.direction, sdp::Direction::RecvOnly);
    ASSERT_EQ(v.rids.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(v.rids[i].id, offer.media[8].rids[i].id);
        EXPECT_EQ(v.rids[i].direction, sdp::Rid::Dir::Recv);
    }
    ASSERT_TRUE(v.simulcast);
    EXPECT_TRUE(v.simulcast->send.empty());
    EXPECT_EQ(v.simulcast->recv, offer.media[8].simulcast->send);
    // The rid/mid header extensions the SFU needs to demultiplex layers survive.
    for (const char* uri :
         {"urn:ietf:params:rtp-hdrext:sdes:mid", "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
          "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"}) {
        EXPECT_NE(v.find_extmap(uri), nullptr) << uri;
    }
    // Unsupported ones are dropped.
    EXPECT_EQ(v.find_extmap("urn:3gpp:video-orientation"), nullptr);
    EXPECT_EQ(v.find_extmap("http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"), nullptr);
    const std::string text = sdp::serialize(ans);
    EXPECT_NE(text.find("a=simulcast:recv q;h;f\r\n"), std::string::npos);
    EXPECT_NE(text.find("a=rid:q recv\r\n"), std::string::npos);
    EXPECT_NE(text.find("a=ice-lite\r\n"), std::string::npos);
    EXPECT_NE(text.find("a=setup:passive\r\n"), std::string::npos);
}

TEST(SdpAnswer, SimulcastDeclinedByFlag) {
    const auto offer = offer_from("chromium156_publish_simulcast_offer.sdp");
    auto opts = options();
    opts.accept_simulcast = false;
    const auto ans = answer(offer, opts);
    ASSERT_EQ(ans.media.size(), offer.media.size());
    EXPECT_FALSE(ans.media[8].simulcast);
    EXPECT_TRUE(ans.media[8].rids.empty());
}

TEST(SdpAnswer, RtcpFbIntersectedWithSupported) {
    const auto offer = offer_from("chromium156_publish_simulcast_offer.sdp");
    auto opts = options();
    opts.codecs.rtcp_fb = {"nack", "nack pli"};
    const auto ans = answer(offer, opts);
    ASSERT_EQ(ans.media.size(), offer.media.size());
    const auto& v = ans.media[8];
    ASSERT_FALSE(v.rtcp_fbs.empty());
    for (const auto& fb : v.rtcp_fbs) {
        EXPECT_EQ(fb.type, "nack");
        ASSERT_TRUE(fb.payload_type);
        EXPECT_NE(std::find(v.payload_types.begin(), v.payload_types.end(), *fb.payload_type),
                  v.payload_types.end());
    }
    const auto pli = std::count_if(v.rtcp_fbs.begin(), v.rtcp_fbs.end(),
                                   [](const sdp::RtcpFb& f) { return f.subtype == "pli"; });
    EXPECT_EQ(pli, 2);  // VP8 and H.264
}

TEST(SdpAnswer, CodecPolicyFlags) {
    const auto offer = offer_from("chromium156_publish_simulcast_offer.sdp");
    auto opts = options();
    opts.codecs.prefer_h264 = true;
    opts.codecs.rtx = false;
    opts.codecs.audio_red = true;
    auto ans = answer(offer, opts);
    ASSERT_EQ(ans.media.size(), offer.media.size());
    EXPECT_EQ(encodings(ans.media[8]), (std::vector<std::string>{"H264", "VP8"}));
    EXPECT_EQ(encodings(ans.media[7]), (std::vector<std::string>{"red", "opus"}));
    opts = options();
    opts.codecs.vp8 = false;
    opts.codecs.video_red_ulpfec = true;
    ans = answer(offer, opts);
    ASSERT_EQ(ans.media.size(), offer.media.size());
    EXPECT_EQ(encodings(ans.media[8]),
              (std::vector<std::string>{"H264", "rtx", "red", "rtx", "ulpfec"}));
    opts = options();
    opts.codecs.vp8 = false;
    opts.codecs.h264 = false;
    ans = answer(offer, opts);
    ASSERT_EQ(ans.media.size(), offer.media.size());
    EXPECT_EQ(ans.media[8].port, 0);  // no acceptable codec: rejected
    EXPECT_EQ(ans.media[8].payload_types, std::vector<std::uint8_t>{96});
}

TEST(SdpAnswer, ObsWhipOffer) {
    const auto offer = offer_from("obs30_whip_offer.sdp");
    const auto ans = answer(offer, options());
    ASSERT_EQ(ans.media.size(), offer.media.size());
    ASSERT_NO_FATAL_FAILURE(check_common(offer, ans));
    EXPECT_EQ(ans.media[0].direction, sdp::Direction::RecvOnly);
    EXPECT_EQ(ans.media[1].direction, sdp::Direction::RecvOnly);
    EXPECT_EQ(ans.media[0].payload_types, std::vector<std::uint8_t>{111});
    EXPECT_EQ(ans.media[1].payload_types, std::vector<std::uint8_t>{96});
    EXPECT_EQ(ans.media[1].find_fmtp(96)->get("packetization-mode"), "1");
    EXPECT_EQ(ans.media[1].rtcp_fbs.size(), 3u);  // nack, nack pli, goog-remb
    EXPECT_FALSE(ans.media[0].rtcp_rsize);        // not offered
    EXPECT_EQ(ans.groups.size(), 1u);             // LS is not answered
}

TEST(SdpAnswer, DtlsRoleFollowsOffer) {
    auto offer = offer_from("obs30_whip_offer.sdp");
    for (auto& m : offer.media) m.setup = sdp::SetupRole::Passive;
    auto ans = answer(offer, options());
    ASSERT_EQ(ans.media.size(), offer.media.size());
    EXPECT_EQ(ans.media[0].setup, sdp::SetupRole::Active);
    for (auto& m : offer.media) m.setup = sdp::SetupRole::Active;
    ans = answer(offer, options());
    ASSERT_EQ(ans.media.size(), offer.media.size());
    EXPECT_EQ(ans.media[0].setup, sdp::SetupRole::Passive);
    for (auto& m : offer.media) m.setup = sdp::SetupRole::ActPass;
    auto opts = options();
    opts.setup = sdp::SetupRole::Active;
    ans = answer(offer, opts);
    ASSERT_EQ(ans.media.size(), offer.media.size());
    EXPECT_EQ(ans.media[1].setup, sdp::SetupRole::Active);
}

TEST(SdpAnswer, RejectedAndUnbundledSections) {
    auto offer = offer_from("obs30_whip_offer.sdp");
    offer.media[0].port = 0;  // offerer disabled audio
    auto ans = answer(offer, options());
    ASSERT_EQ(ans.media.size(), offer.media.size());
    EXPECT_EQ(ans.media[0].port, 0);
    EXPECT_EQ(ans.bundle_group()->mids, std::vector<std::string>{"1"});
    EXPECT_EQ(ans.media[1].candidates.size(), 1u);  // the tag moved to mid 1

    offer = offer_from("obs30_whip_offer.sdp");
    offer.groups.clear();  // no BUNDLE: one transport serves only the first section
    ans = answer(offer, options());
    ASSERT_EQ(ans.media.size(), offer.media.size());
    EXPECT_EQ(ans.media[0].port, 9);
    EXPECT_EQ(ans.media[1].port, 0);
    EXPECT_TRUE(ans.groups.empty());

    offer = offer_from("obs30_whip_offer.sdp");
    offer.media[1].protocol = "RTP/AVP";  // no DTLS-SRTP
    ans = answer(offer, options());
    ASSERT_EQ(ans.media.size(), offer.media.size());
    EXPECT_EQ(ans.media[1].port, 0);
}

TEST(SdpAnswer, InvalidOffersAndParameters) {
    const auto good = offer_from("obs30_whip_offer.sdp");
    auto expect_fail = [](const sdp::SessionDescription& o, const sdp::AnswerOptions& opts,
                          sdp::Errc code) {
        auto r = sdp::build_answer(o, opts);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, sdp::make_error_code(code)) << r.error().message;
        EXPECT_FALSE(r.error().message.empty());
    };
    auto o = good;
    o.fingerprints.clear();
    expect_fail(o, options(), sdp::Errc::InvalidOffer);
    o = good;
    for (auto& m : o.media) m.ice_pwd.reset();
    expect_fail(o, options(), sdp::Errc::InvalidOffer);
    o = good;
    o.media[0].setup = sdp::SetupRole::HoldConn;
    expect_fail(o, options(), sdp::Errc::InvalidOffer);
    expect_fail(sdp::SessionDescription{}, options(), sdp::Errc::InvalidOffer);

    auto opts = options();
    opts.transport.ice_pwd = "short";
    expect_fail(good, opts, sdp::Errc::InvalidParameters);
    opts = options();
    opts.transport.fingerprint.bytes.resize(20);  // sha-256 needs 32
    expect_fail(good, opts, sdp::Errc::InvalidParameters);
    opts = options();
    opts.transport.candidate_port = 0;
    expect_fail(good, opts, sdp::Errc::InvalidParameters);
    opts = options();
    opts.setup = sdp::SetupRole::ActPass;
    expect_fail(good, opts, sdp::Errc::InvalidParameters);
    opts = options();
    opts.send_tracks.push_back(
        sdp::SendTrack{"0", "has space", "t", std::nullopt, std::nullopt, "c"});
    expect_fail(good, opts, sdp::Errc::InvalidParameters);
    opts = options();
    opts.session_version = "v1";
    expect_fail(good, opts, sdp::Errc::InvalidParameters);
}

TEST(SdpOffer, BuildsSendonlyOfferThatParsesBack) {
    sdp::OfferOptions opts;
    opts.transport = transport();
    opts.session_id = "7";
    sdp::OfferSection audio{sdp::MediaKind::Audio,
                            {"a0", "PA_bob|camera", "TR_a", 10, std::nullopt, "cn"},
                            sdp::default_offer_codecs(sdp::MediaKind::Audio),
                            {{1, std::nullopt, "urn:ietf:params:rtp-hdrext:sdes:mid", ""}}};
    sdp::OfferSection video{sdp::MediaKind::Video,
                            {"v0", "PA_bob|camera", "TR_v", 20, 21, "cn"},
                            sdp::default_offer_codecs(sdp::MediaKind::Video),
                            {}};
    opts.sections = {audio, video};
    opts.data_channel = true;
    auto r = sdp::build_offer(opts);
    ASSERT_TRUE(r) << r.error().message;
    auto back = sdp::parse(sdp::serialize(*r));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, *r);
    ASSERT_EQ(r->media.size(), 3u);
    EXPECT_TRUE(r->ice_lite);
    EXPECT_EQ(r->bundle_group()->mids, (std::vector<std::string>{"a0", "v0", "data"}));
    const auto& v = r->media[1];
    EXPECT_EQ(v.direction, sdp::Direction::SendOnly);
    EXPECT_EQ(v.setup, sdp::SetupRole::ActPass);
    EXPECT_EQ(v.payload_types, (std::vector<std::uint8_t>{96, 97, 102, 103}));
    EXPECT_EQ(v.find_fmtp(103)->apt(), 102);
    EXPECT_EQ(v.msids[0].track_id, "TR_v");
    EXPECT_EQ(v.ssrc_groups[0].ssrcs, (std::vector<std::uint32_t>{20, 21}));
    EXPECT_EQ(r->media[0].candidates.size(), 1u);
    EXPECT_EQ(r->media[2].sctp_port, 5000);

    // The SFU's own answer machinery accepts the offer it generates (as a client would).
    auto ans = sdp::build_answer(*r, options());
    ASSERT_TRUE(ans) << ans.error().message;
    EXPECT_EQ(ans->media[1].direction, sdp::Direction::RecvOnly);

    opts.sections.push_back(video);  // duplicate mid
    EXPECT_FALSE(sdp::build_offer(opts));
    opts.sections = {audio};
    opts.sections[0].codecs.clear();
    EXPECT_FALSE(sdp::build_offer(opts));
}

// tests/data/sdp/cohost_offer_for_chromium.sdp is what build_offer produced for these parameters
// when Chromium 156 accepted it (setRemoteDescription + createAnswer, ontrack fired with stream
// "PA_a|camera" and tracks TR_mic/TR_cam); its answer is chromium156_answer_to_cohost_offer.sdp.
// The golden text guards the offer format that was checked against the browser.
TEST(SdpOffer, MatchesTheOfferChromiumAccepted) {
    sdp::OfferOptions o;
    o.transport = transport();
    o.transport.fingerprint.bytes.assign(32, 0x5A);
    o.sections.push_back({sdp::MediaKind::Audio,
                          {"0", "PA_a|camera", "TR_mic", 10, std::nullopt, "c"},
                          sdp::default_offer_codecs(sdp::MediaKind::Audio),
                          {{4, std::nullopt, "urn:ietf:params:rtp-hdrext:sdes:mid", ""}}});
    o.sections.push_back({sdp::MediaKind::Video,
                          {"1", "PA_a|camera", "TR_cam", 20, 21, "c"},
                          sdp::default_offer_codecs(sdp::MediaKind::Video),
                          {{4, std::nullopt, "urn:ietf:params:rtp-hdrext:sdes:mid", ""}}});
    o.data_channel = true;
    auto r = sdp::build_offer(o);
    ASSERT_TRUE(r) << r.error().message;
    std::ifstream in(std::string(COHOST_TEST_DATA) + "/sdp/cohost_offer_for_chromium.sdp",
                     std::ios::binary);
    std::ostringstream golden;
    golden << in.rdbuf();
    EXPECT_EQ(sdp::serialize(*r), golden.str());

    const auto ans = offer_from("chromium156_answer_to_cohost_offer.sdp");
    ASSERT_EQ(ans.media.size(), 3u);
    EXPECT_EQ(ans.bundle_group()->mids, (std::vector<std::string>{"0", "1", "data"}));
    EXPECT_EQ(ans.media[0].direction, sdp::Direction::RecvOnly);
    EXPECT_EQ(ans.media[1].direction, sdp::Direction::RecvOnly);
    EXPECT_EQ(ans.setup_for(ans.media[0]), sdp::SetupRole::Active);  // browser is the DTLS client
    EXPECT_EQ(ans.media[1].payload_types, (std::vector<std::uint8_t>{96, 97, 102, 103}));
    EXPECT_EQ(ans.media[2].sctp_port, 5000);
}
