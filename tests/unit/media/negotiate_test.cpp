// WHIP/WHEP offer → answer planning (media/src/negotiate.hpp), over the offers captured from
// Chromium 156 and the hand-written OBS 30 WHIP offer in tests/data/sdp/ (see its README.md).
#include "negotiate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cohost/wire/sdp.hpp"

namespace cohost::media::detail {
namespace {

namespace sdp = wire::sdp;

const std::filesystem::path kSdpDir =
    std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "data" / "sdp";

std::string offer_file(const std::string& name) {
    std::ifstream in(kSdpDir / name, std::ios::binary);
    EXPECT_TRUE(in.good()) << "missing fixture " << (kSdpDir / name);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string simulcast_offer() { return offer_file("chromium156_publish_simulcast_offer.sdp"); }
std::string audio_offer() { return offer_file("chromium156_publish_audio_offer.sdp"); }
std::string join_offer() { return offer_file("chromium156_join_offer.sdp"); }
std::string obs_offer() { return offer_file("obs30_whip_offer.sdp"); }

/// Replaces every occurrence; fails the test when `from` is absent (the fixture changed).
std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    std::size_t pos = text.find(from);
    EXPECT_NE(pos, std::string::npos) << "fixture lacks '" << from << "'";
    while (pos != std::string::npos) {
        text.replace(pos, from.size(), to);
        pos = text.find(from, pos + to.size());
    }
    return text;
}

/// Drops every line starting with `prefix`; fails the test when there is none.
std::string without_lines(const std::string& text, const std::string& prefix) {
    std::istringstream in(text);
    std::string out, line;
    std::size_t dropped = 0;
    while (std::getline(in, line)) {
        if (line.rfind(prefix, 0) == 0) {
            ++dropped;
            continue;
        }
        out += line;
        out += '\n';
    }
    EXPECT_GT(dropped, 0U) << "fixture has no line starting with '" << prefix << "'";
    return out;
}

sdp::LocalTransport local() {
    sdp::LocalTransport t;
    t.ice_ufrag = "sfuU";
    t.ice_pwd = "sfuPasswordSfuPassword24";
    t.fingerprint.algorithm = "sha-256";
    t.fingerprint.bytes.assign(32, 0x5A);
    t.candidate_address = "192.0.2.10";
    t.candidate_port = 40000;
    return t;
}

/// The answer text parsed back (limits raised: an answer may be longer than its offer).
sdp::SessionDescription reparse(const std::string& answer) {
    sdp::ParseLimits roomy;
    roomy.max_size *= 2;
    roomy.max_lines *= 2;
    roomy.max_attributes *= 2;
    auto parsed = sdp::parse(answer, roomy);
    EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error().message) << "\n" << answer;
    return parsed ? *parsed : sdp::SessionDescription{};
}

const sdp::MediaSection* by_mid(const sdp::SessionDescription& d, const std::string& mid) {
    for (const auto& m : d.media) {
        if (m.mid == mid) return &m;
    }
    return nullptr;
}

const PublishSection* by_mid(const std::vector<PublishSection>& v, const std::string& mid) {
    for (const auto& s : v) {
        if (s.mid == mid) return &s;
    }
    return nullptr;
}

/// What every answer of the SFU must carry (webrtc-notes.md "SDP the browser insists on").
void expect_sfu_transport(const sdp::SessionDescription& answer) {
    EXPECT_TRUE(answer.ice_lite);
    ASSERT_NE(answer.bundle_group(), nullptr);
    ASSERT_FALSE(answer.bundle_group()->mids.empty());
    std::size_t candidates = 0;
    for (const auto& m : answer.media) {
        if (m.port == 0) continue;
        ASSERT_NE(answer.ice_ufrag_for(m), nullptr);
        EXPECT_EQ(*answer.ice_ufrag_for(m), "sfuU");
        ASSERT_NE(answer.ice_pwd_for(m), nullptr);
        EXPECT_EQ(*answer.ice_pwd_for(m), "sfuPasswordSfuPassword24");
        ASSERT_FALSE(answer.fingerprints_for(m).empty());
        EXPECT_EQ(answer.fingerprints_for(m).front(), local().fingerprint);
        EXPECT_EQ(answer.setup_for(m), sdp::SetupRole::Passive) << "mid " << m.mid.value_or("?");
        EXPECT_TRUE(m.rtcp_mux);
        for (const auto& c : m.candidates) {
            ++candidates;
            EXPECT_EQ(c.address, "192.0.2.10");
            EXPECT_EQ(c.port, 40000);
            EXPECT_EQ(c.type, "host");
        }
        // No RTX: the SFU answers NACKs from its own cache (webrtc-notes.md, libsrtp2).
        for (const auto& map : m.rtpmaps) {
            EXPECT_FALSE(sdp::iequals(map.encoding, "rtx")) << "rtx pt " << int(map.payload_type);
        }
        for (const auto& g : m.ssrc_groups) EXPECT_NE(g.semantics, "FID");
    }
    EXPECT_EQ(candidates, 1U) << "one host candidate, in the BUNDLE-tag section";
    const auto* tag = by_mid(answer, answer.bundle_group()->mids.front());
    ASSERT_NE(tag, nullptr);
    EXPECT_EQ(tag->candidates.size(), 1U);
}

// ---- order_rids ---------------------------------------------------------------------------------

TEST(OrderRids, SortsLivekitNamesLowToHigh) {
    EXPECT_EQ(order_rids({"f", "q", "h"}), (std::vector<std::string>{"q", "h", "f"}));
    EXPECT_EQ(order_rids({"h", "f", "q"}), (std::vector<std::string>{"q", "h", "f"}));
    EXPECT_EQ(order_rids({"f", "h"}), (std::vector<std::string>{"h", "f"}));
    EXPECT_EQ(order_rids({"q"}), (std::vector<std::string>{"q"}));
}

TEST(OrderRids, KeepsTheSimulcastOrderForOtherNames) {
    EXPECT_EQ(order_rids({"hi", "lo", "mid"}), (std::vector<std::string>{"hi", "lo", "mid"}));
    EXPECT_EQ(order_rids({"2", "1", "0"}), (std::vector<std::string>{"2", "1", "0"}));
    // One unknown name among q/h/f: nothing is known about the order, keep the offer's.
    EXPECT_EQ(order_rids({"f", "x", "q"}), (std::vector<std::string>{"f", "x", "q"}));
    // Case matters: livekit-client sends lower case.
    EXPECT_EQ(order_rids({"F", "Q"}), (std::vector<std::string>{"F", "Q"}));
}

TEST(OrderRids, EmptyStaysEmpty) { EXPECT_TRUE(order_rids({}).empty()); }

// ---- plan_publish -------------------------------------------------------------------------------

TEST(NegotiatePublish, ChromiumSimulcastOfferReceivesAudioAndThreeVideoLayers) {
    auto plan = plan_publish(simulcast_offer(), local(), 42);
    ASSERT_TRUE(plan) << plan.error.message;
    // mids 0-5 are recvonly transceivers and 6 is data: only the two sendonly sections publish.
    ASSERT_EQ(plan.value->sections.size(), 2U);
    const auto& audio = plan.value->sections[0];
    const auto& video = plan.value->sections[1];

    EXPECT_EQ(audio.mid, "7");
    EXPECT_FALSE(audio.video);
    EXPECT_TRUE(audio.publish);
    EXPECT_FALSE(audio.send);
    EXPECT_EQ(audio.codec.codec, VideoCodec::None);
    EXPECT_EQ(audio.codec.payload_type, 111);
    EXPECT_EQ(audio.codec.clock_rate, 48000U);
    EXPECT_TRUE(audio.rids.empty());
    EXPECT_EQ(audio.ssrcs, (std::vector<std::uint32_t>{16181713}));
    EXPECT_EQ(audio.msid_stream, "74e60090-6868-4c3c-9565-147857236cd4");
    EXPECT_EQ(audio.msid_track, "2b310eaf-3fb0-4665-a123-6b9aed43c74c");
    EXPECT_EQ(audio.ext.mid, 4);
    EXPECT_EQ(audio.ext.audio_level, 1);
    EXPECT_EQ(audio.ext.transport_cc, 3);
    EXPECT_EQ(audio.ext.abs_send_time, 0) << "abs-send-time is not accepted on audio";
    EXPECT_EQ(audio.ext.rid, 0);

    EXPECT_EQ(video.mid, "8");
    EXPECT_TRUE(video.video);
    EXPECT_TRUE(video.publish);
    EXPECT_EQ(video.codec.codec, VideoCodec::Vp8) << "VP8 is preferred when offered";
    EXPECT_EQ(video.codec.payload_type, 96);
    EXPECT_EQ(video.codec.clock_rate, 90000U);
    EXPECT_EQ(video.rids, (std::vector<std::string>{"q", "h", "f"}));
    EXPECT_TRUE(video.ssrcs.empty()) << "rid simulcast signals no SSRCs";
    EXPECT_EQ(video.msid_track, "c2d2e752-acfe-4797-9520-fedd9f42569b");
    EXPECT_EQ(video.ext.mid, 4);
    EXPECT_EQ(video.ext.rid, 10);
    EXPECT_EQ(video.ext.repaired_rid, 11);
    EXPECT_EQ(video.ext.abs_send_time, 2);
    EXPECT_EQ(video.ext.transport_cc, 3);
    EXPECT_EQ(video.ext.audio_level, 0);

    EXPECT_TRUE(plan.value->transport_cc);
    EXPECT_EQ(plan.value->remote.ufrag, "gzSS");
    EXPECT_EQ(plan.value->remote.pwd, "Xd1Ux68GHwW6PktaIcCYkgxg");
    EXPECT_EQ(plan.value->remote.fingerprint.algorithm, "sha-256");
    ASSERT_EQ(plan.value->remote.fingerprint.bytes.size(), 32U);
    EXPECT_EQ(plan.value->remote.fingerprint.bytes.front(), 0xA3);
    EXPECT_EQ(plan.value->remote.fingerprint.bytes.back(), 0x6B);
}

TEST(NegotiatePublish, ChromiumSimulcastAnswerParsesBackAsAnIceLitePassiveAnswer) {
    auto plan = plan_publish(simulcast_offer(), local(), 42);
    ASSERT_TRUE(plan) << plan.error.message;
    const auto answer = reparse(plan.value->answer_sdp);
    expect_sfu_transport(answer);
    EXPECT_EQ(answer.origin.session_id, "42");
    ASSERT_EQ(answer.media.size(), 9U) << "one answer section per offer section";
    for (int i = 0; i <= 5; ++i) {
        const auto* m = by_mid(answer, std::to_string(i));
        ASSERT_NE(m, nullptr);
        EXPECT_TRUE(m->port == 0 || m->effective_direction() == sdp::Direction::Inactive)
            << "recvonly mid " << i << " has no track to send";
    }
    const auto* data = by_mid(answer, "6");
    ASSERT_NE(data, nullptr);
    EXPECT_EQ(data->port, 0) << "data channels are not accepted on WHIP";
    const auto* audio = by_mid(answer, "7");
    ASSERT_NE(audio, nullptr);
    EXPECT_EQ(audio->effective_direction(), sdp::Direction::RecvOnly);
    const auto* video = by_mid(answer, "8");
    ASSERT_NE(video, nullptr);
    EXPECT_EQ(video->effective_direction(), sdp::Direction::RecvOnly);
    ASSERT_FALSE(video->payload_types.empty());
    EXPECT_EQ(video->payload_types.front(), 96);
    ASSERT_TRUE(video->simulcast.has_value());
    ASSERT_EQ(video->simulcast->recv.size(), 3U);
    EXPECT_EQ(video->rids.size(), 3U);
    for (const auto& r : video->rids) EXPECT_EQ(r.direction, sdp::Rid::Dir::Recv);
    // transport-cc is offered back, so the publisher sends it (and uses it for its BWE).
    EXPECT_NE(video->find_extmap(
                  "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"),
              nullptr);
}

TEST(NegotiatePublish, ChromiumAudioOfferReceivesOneOpusTrack) {
    auto plan = plan_publish(audio_offer(), local(), 7);
    ASSERT_TRUE(plan) << plan.error.message;
    ASSERT_EQ(plan.value->sections.size(), 1U);
    const auto& s = plan.value->sections[0];
    EXPECT_EQ(s.mid, "7");
    EXPECT_FALSE(s.video);
    EXPECT_EQ(s.codec.codec, VideoCodec::None);
    EXPECT_EQ(s.codec.payload_type, 111);
    EXPECT_EQ(s.ssrcs, (std::vector<std::uint32_t>{16181713}));
    EXPECT_EQ(s.msid_track, "2b310eaf-3fb0-4665-a123-6b9aed43c74c");
    EXPECT_TRUE(plan.value->transport_cc);
    expect_sfu_transport(reparse(plan.value->answer_sdp));
}

TEST(NegotiatePublish, ObsOfferReceivesOpusAndH264WithSessionLevelFingerprint) {
    auto plan = plan_publish(obs_offer(), local(), 1);
    ASSERT_TRUE(plan) << plan.error.message;
    ASSERT_EQ(plan.value->sections.size(), 2U);
    const auto& audio = plan.value->sections[0];
    const auto& video = plan.value->sections[1];
    EXPECT_EQ(audio.mid, "0");
    EXPECT_EQ(audio.codec.codec, VideoCodec::None);
    EXPECT_EQ(audio.codec.payload_type, 111);
    EXPECT_EQ(audio.ssrcs, (std::vector<std::uint32_t>{1633902184}));
    EXPECT_EQ(video.mid, "1");
    EXPECT_EQ(video.codec.codec, VideoCodec::H264);
    EXPECT_EQ(video.codec.payload_type, 96) << "the offer's payload type number is kept";
    EXPECT_EQ(video.codec.clock_rate, 90000U);
    EXPECT_EQ(video.codec.fmtp, "42e01f");
    EXPECT_EQ(video.ssrcs, (std::vector<std::uint32_t>{1633902185}));
    EXPECT_TRUE(video.rids.empty());
    EXPECT_EQ(video.msid_stream, "Fh3kT9wQz1Lm7RbC");
    EXPECT_EQ(video.msid_track, "Fh3kT9wQz1Lm7RbC-video");
    EXPECT_EQ(video.ext.mid, 0) << "OBS offers no header extensions";
    // No transport-cc extension offered: the SFU falls back to REMB.
    EXPECT_FALSE(plan.value->transport_cc);
    EXPECT_EQ(plan.value->remote.ufrag, "Ck3d");
    EXPECT_EQ(plan.value->remote.pwd, "x7J0pQ2mVtR9sLwY4bNzKe");
    ASSERT_EQ(plan.value->remote.fingerprint.bytes.size(), 32U);
    EXPECT_EQ(plan.value->remote.fingerprint.bytes.front(), 0x3B);

    const auto answer = reparse(plan.value->answer_sdp);
    expect_sfu_transport(answer);
    const auto* v = by_mid(answer, "1");
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->effective_direction(), sdp::Direction::RecvOnly);
    ASSERT_EQ(v->payload_types.size(), 1U);
    EXPECT_EQ(v->payload_types[0], 96);
}

TEST(NegotiatePublish, H264ProfileIsReadInLowerCase) {
    const auto offer = replace_all(obs_offer(), "profile-level-id=42e01f", "profile-level-id=42E01F");
    auto plan = plan_publish(offer, local(), 1);
    ASSERT_TRUE(plan) << plan.error.message;
    ASSERT_EQ(plan.value->sections.size(), 2U);
    EXPECT_EQ(plan.value->sections[1].codec.fmtp, "42e01f");
}

TEST(NegotiatePublish, TransportCcIsDetectedFromThePublishSectionsExtension) {
    const auto offer = replace_all(
        obs_offer(), "a=rtcp-fb:96 goog-remb\r\n",
        "a=rtcp-fb:96 goog-remb\r\na=rtcp-fb:96 transport-cc\r\n"
        "a=extmap:5 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n");
    auto plan = plan_publish(offer, local(), 1);
    ASSERT_TRUE(plan) << plan.error.message;
    ASSERT_EQ(plan.value->sections.size(), 2U);
    EXPECT_TRUE(plan.value->transport_cc);
    EXPECT_EQ(plan.value->sections[1].ext.transport_cc, 5);
    EXPECT_EQ(plan.value->sections[0].ext.transport_cc, 0);
}

TEST(NegotiatePublish, RidsAreOrderedLowToHighWhateverTheSimulcastOrder) {
    const auto offer = replace_all(simulcast_offer(), "a=simulcast:send q;h;f", "a=simulcast:send f;q;h");
    auto plan = plan_publish(offer, local(), 1);
    ASSERT_TRUE(plan) << plan.error.message;
    const auto* video = by_mid(plan.value->sections, "8");
    ASSERT_NE(video, nullptr);
    EXPECT_EQ(video->rids, (std::vector<std::string>{"q", "h", "f"}));
}

TEST(NegotiatePublish, OtherRidNamesKeepTheSimulcastOrder) {
    auto offer = simulcast_offer();
    offer = replace_all(offer, "a=rid:q send", "a=rid:lo send");
    offer = replace_all(offer, "a=rid:h send", "a=rid:mi send");
    offer = replace_all(offer, "a=rid:f send", "a=rid:hi send");
    offer = replace_all(offer, "a=simulcast:send q;h;f", "a=simulcast:send lo;mi;hi");
    auto plan = plan_publish(offer, local(), 1);
    ASSERT_TRUE(plan) << plan.error.message;
    const auto* video = by_mid(plan.value->sections, "8");
    ASSERT_NE(video, nullptr);
    EXPECT_EQ(video->rids, (std::vector<std::string>{"lo", "mi", "hi"}));
}

TEST(NegotiatePublish, AtMostThreeSimulcastLayersAreKept) {
    auto offer = replace_all(simulcast_offer(), "a=rid:f send\r\n", "a=rid:f send\r\na=rid:x send\r\n");
    offer = replace_all(offer, "a=simulcast:send q;h;f", "a=simulcast:send q;h;f;x");
    auto plan = plan_publish(offer, local(), 1);
    ASSERT_TRUE(plan) << plan.error.message;
    const auto* video = by_mid(plan.value->sections, "8");
    ASSERT_NE(video, nullptr);
    EXPECT_EQ(video->rids.size(), 3U);
    reparse(plan.value->answer_sdp);
}

TEST(NegotiatePublish, TwoByteExtensionIdsAreNotUsed) {
    // The forwarder rewrites one-byte extension ids in place: an id above 14 reads as 0.
    const auto offer = replace_all(simulcast_offer(),
                                   "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
                                   "a=extmap:16 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id");
    auto plan = plan_publish(offer, local(), 1);
    ASSERT_TRUE(plan) << plan.error.message;
    const auto* video = by_mid(plan.value->sections, "8");
    ASSERT_NE(video, nullptr);
    EXPECT_EQ(video->ext.rid, 0);
    EXPECT_EQ(video->ext.mid, 4);
}

TEST(NegotiatePublish, RtxRepairSsrcsAreNotMediaSsrcs) {
    const auto offer = replace_all(
        obs_offer(), "a=ssrc:1633902185 cname:Ks8Xq2VbNp4mT0cL\r\n",
        "a=ssrc-group:FID 1633902185 1633902186\r\na=ssrc:1633902185 cname:Ks8Xq2VbNp4mT0cL\r\n"
        "a=ssrc:1633902186 cname:Ks8Xq2VbNp4mT0cL\r\n");
    auto plan = plan_publish(offer, local(), 1);
    ASSERT_TRUE(plan) << plan.error.message;
    ASSERT_EQ(plan.value->sections.size(), 2U);
    EXPECT_EQ(plan.value->sections[1].ssrcs, (std::vector<std::uint32_t>{1633902185}));
}

TEST(NegotiatePublish, SendrecvSectionsArePublishedAndAnsweredRecvonly) {
    const auto offer = replace_all(obs_offer(), "a=sendonly", "a=sendrecv");
    auto plan = plan_publish(offer, local(), 1);
    ASSERT_TRUE(plan) << plan.error.message;
    EXPECT_EQ(plan.value->sections.size(), 2U);
    const auto answer = reparse(plan.value->answer_sdp);
    for (const auto& m : answer.media) {
        EXPECT_EQ(m.effective_direction(), sdp::Direction::RecvOnly);
    }
}

TEST(NegotiatePublish, RejectedAndUnsupportedSectionsAreLeftOut) {
    // Video with only VP9 (not forwarded): only the audio section publishes.
    auto offer = replace_all(obs_offer(), "a=rtpmap:96 H264/90000", "a=rtpmap:96 VP9/90000");
    auto plan = plan_publish(offer, local(), 1);
    ASSERT_TRUE(plan) << plan.error.message;
    ASSERT_EQ(plan.value->sections.size(), 1U);
    EXPECT_EQ(plan.value->sections[0].mid, "0");
    const auto answer = reparse(plan.value->answer_sdp);
    const auto* v = by_mid(answer, "1");
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->port, 0);

    // Audio rejected by the offerer itself (port 0): only the video section publishes.
    offer = replace_all(obs_offer(), "m=audio 52345", "m=audio 0");
    plan = plan_publish(offer, local(), 1);
    ASSERT_TRUE(plan) << plan.error.message;
    ASSERT_EQ(plan.value->sections.size(), 1U);
    EXPECT_EQ(plan.value->sections[0].mid, "1");

    // An inactive section publishes nothing.
    offer = obs_offer();
    offer.replace(offer.find("a=sendonly"), 10, "a=inactive");
    plan = plan_publish(offer, local(), 1);
    ASSERT_TRUE(plan) << plan.error.message;
    ASSERT_EQ(plan.value->sections.size(), 1U);
    EXPECT_EQ(plan.value->sections[0].mid, "1");
}

TEST(NegotiatePublish, RefusesAnOfferWithNothingToPublish) {
    // livekit-client's join offer: recvonly transceivers and data only.
    auto plan = plan_publish(join_offer(), local(), 1);
    ASSERT_FALSE(plan);
    EXPECT_NE(plan.error.message.find("no audio or video section"), std::string::npos)
        << plan.error.message;

    // Only codecs the SFU cannot forward.
    auto offer = replace_all(obs_offer(), "a=rtpmap:96 H264/90000", "a=rtpmap:96 VP9/90000");
    offer = replace_all(offer, "a=rtpmap:111 opus/48000/2", "a=rtpmap:111 PCMU/8000");
    plan = plan_publish(offer, local(), 1);
    EXPECT_FALSE(plan);
    EXPECT_FALSE(plan.error.message.empty());
}

TEST(NegotiatePublish, RefusesGarbageAndTruncatedOffers) {
    const std::string full = simulcast_offer();
    const std::vector<std::string> bad = {
        "",
        "hello",
        std::string("v=0\r\n\0\0\0", 8),
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n",  // no sections at all
        full.substr(0, 120),                                    // cut before any m= line
        "v=1\r\n" + full.substr(5),                             // wrong version
    };
    for (const auto& offer : bad) {
        const auto plan = plan_publish(offer, local(), 1);
        EXPECT_FALSE(plan) << "accepted: " << offer.substr(0, 60);
        EXPECT_FALSE(plan.error.message.empty());
        EXPECT_LT(plan.error.message.size(), 300U) << "the message must not echo the offer";
    }
}

TEST(NegotiatePublish, RefusesAnOfferWithoutIceCredentialsOrFingerprint) {
    for (const char* prefix : {"a=ice-ufrag", "a=ice-pwd", "a=fingerprint"}) {
        const auto plan = plan_publish(without_lines(obs_offer(), prefix), local(), 1);
        EXPECT_FALSE(plan) << "accepted without " << prefix;
        const auto chromium = plan_publish(without_lines(simulcast_offer(), prefix), local(), 1);
        EXPECT_FALSE(chromium) << "accepted without " << prefix;
    }
}

TEST(NegotiatePublish, RefusesBadLocalParameters) {
    auto bad = local();
    bad.ice_pwd = "short";
    const auto plan = plan_publish(obs_offer(), bad, 1);
    EXPECT_FALSE(plan);
    EXPECT_FALSE(plan.error.message.empty());
}

// ---- plan_subscribe -----------------------------------------------------------------------------

const std::vector<std::uint32_t> kSsrcs = {101, 102, 103, 104, 105, 106, 107, 108};

TEST(NegotiateSubscribe, JoinOfferIsAnsweredSendonlyWithTheGivenSsrcsAndMsid) {
    SubscribeConstraints c;
    c.stream_id = "PA_host|camera";
    auto plan = plan_subscribe(join_offer(), local(), 9, c, kSsrcs);
    ASSERT_TRUE(plan) << plan.error.message;
    ASSERT_EQ(plan.value->sections.size(), 6U);
    for (std::size_t i = 0; i < 6; ++i) {
        const auto& s = plan.value->sections[i];
        EXPECT_EQ(s.mid, std::to_string(i));
        EXPECT_EQ(s.video, i >= 3);
        EXPECT_EQ(s.ssrc, kSsrcs[i]) << "one SSRC per section, in order";
        if (s.video) {
            EXPECT_EQ(s.codec.codec, VideoCodec::Vp8) << "VP8 preferred without a constraint";
            EXPECT_EQ(s.codec.payload_type, 96);
            EXPECT_EQ(s.track_id, "TR_V" + s.mid);
        } else {
            EXPECT_EQ(s.codec.codec, VideoCodec::None);
            EXPECT_EQ(s.codec.payload_type, 111);
            EXPECT_EQ(s.codec.clock_rate, 48000U);
            EXPECT_EQ(s.track_id, "TR_A" + s.mid);
            EXPECT_EQ(s.ext.audio_level, 1);
        }
        EXPECT_EQ(s.ext.rid, 0) << "a subscriber gets one layer, no rid";
    }
    EXPECT_EQ(plan.value->remote.ufrag, "gzSS");

    const auto answer = reparse(plan.value->answer_sdp);
    expect_sfu_transport(answer);
    EXPECT_EQ(answer.origin.session_id, "9");
    for (std::size_t i = 0; i < 6; ++i) {
        const auto* m = by_mid(answer, std::to_string(i));
        ASSERT_NE(m, nullptr);
        EXPECT_EQ(m->effective_direction(), sdp::Direction::SendOnly);
        ASSERT_EQ(m->msids.size(), 1U);
        EXPECT_EQ(m->msids[0].stream_id, "PA_host|camera");
        EXPECT_EQ(m->msids[0].track_id, plan.value->sections[i].track_id);
        ASSERT_FALSE(m->ssrcs.empty());
        for (const auto& a : m->ssrcs) EXPECT_EQ(a.ssrc, kSsrcs[i]);
        EXPECT_TRUE(m->simulcast == std::nullopt);
    }
    const auto* data = by_mid(answer, "6");
    ASSERT_NE(data, nullptr);
    EXPECT_EQ(data->port, 0);
}

TEST(NegotiateSubscribe, H264RoomsAnswerVideoWithH264Only) {
    SubscribeConstraints c;
    c.video_codec = VideoCodec::H264;
    auto plan = plan_subscribe(join_offer(), local(), 1, c, kSsrcs);
    ASSERT_TRUE(plan) << plan.error.message;
    ASSERT_EQ(plan.value->sections.size(), 6U);
    for (const auto& s : plan.value->sections) {
        if (!s.video) continue;
        EXPECT_EQ(s.codec.codec, VideoCodec::H264);
        // Constrained Baseline with packetization-mode=1 (pt 108, 42e01f) beats Baseline (102).
        EXPECT_EQ(s.codec.payload_type, 108);
        EXPECT_EQ(s.codec.fmtp, "42e01f");
    }
    const auto answer = reparse(plan.value->answer_sdp);
    for (const auto& m : answer.media) {
        if (m.kind != sdp::MediaKind::Video || m.port == 0) continue;
        for (const auto& map : m.rtpmaps) EXPECT_TRUE(sdp::iequals(map.encoding, "H264"));
    }
}

TEST(NegotiateSubscribe, Vp8RoomsAnswerVideoWithVp8Only) {
    SubscribeConstraints c;
    c.video_codec = VideoCodec::Vp8;
    auto plan = plan_subscribe(join_offer(), local(), 1, c, kSsrcs);
    ASSERT_TRUE(plan) << plan.error.message;
    const auto answer = reparse(plan.value->answer_sdp);
    std::size_t video = 0;
    for (const auto& m : answer.media) {
        if (m.kind != sdp::MediaKind::Video || m.port == 0) continue;
        ++video;
        for (const auto& map : m.rtpmaps) EXPECT_TRUE(sdp::iequals(map.encoding, "VP8"));
    }
    EXPECT_EQ(video, 3U);
}

/// A minimal WHEP player offer: recvonly audio (opus) and video with the given rtpmap.
std::string whep_offer(const std::string& video_rtpmap, const std::string& direction = "recvonly") {
    return "v=0\r\n"
           "o=- 1 2 IN IP4 127.0.0.1\r\n"
           "s=-\r\n"
           "t=0 0\r\n"
           "a=group:BUNDLE 0 1\r\n"
           "a=fingerprint:sha-256 "
           "3B:8A:91:0C:5E:77:D2:14:A6:0F:C9:3E:51:88:2D:B4:70:1A:E6:93:5C:0D:F2:48:9B:37:A1:C5:6E:02:"
           "DD:84\r\n"
           "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
           "a=mid:0\r\n"
           "a=" + direction + "\r\n"
           "a=rtcp-mux\r\n"
           "a=rtpmap:111 opus/48000/2\r\n"
           "a=setup:actpass\r\n"
           "a=ice-ufrag:Wh3p\r\n"
           "a=ice-pwd:whepwhepwhepwhepwhepwh\r\n"
           "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
           "a=mid:1\r\n"
           "a=" + direction + "\r\n"
           "a=rtcp-mux\r\n"
           "a=rtpmap:96 " + video_rtpmap + "\r\n"
           "a=rtcp-fb:96 nack pli\r\n"
           "a=setup:actpass\r\n"
           "a=ice-ufrag:Wh3p\r\n"
           "a=ice-pwd:whepwhepwhepwhepwhepwh\r\n";
}

TEST(NegotiateSubscribe, H264RoomRefusesVideoToAVp8OnlyPlayer) {
    SubscribeConstraints c;
    c.video_codec = VideoCodec::H264;
    auto plan = plan_subscribe(whep_offer("VP8/90000"), local(), 1, c, {11, 12});
    ASSERT_TRUE(plan) << plan.error.message;
    ASSERT_EQ(plan.value->sections.size(), 1U) << "audio only";
    EXPECT_EQ(plan.value->sections[0].mid, "0");
    EXPECT_EQ(plan.value->sections[0].ssrc, 11U);
    const auto answer = reparse(plan.value->answer_sdp);
    const auto* v = by_mid(answer, "1");
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->port, 0);

    // Without audio there is nothing left to send.
    auto video_only = replace_all(whep_offer("VP8/90000"), "m=audio 9", "m=audio 0");
    plan = plan_subscribe(video_only, local(), 1, c, {11, 12});
    EXPECT_FALSE(plan);
    EXPECT_FALSE(plan.error.message.empty());

    // The same player in a VP8 room (or one whose codec is not known yet) gets video.
    plan = plan_subscribe(whep_offer("VP8/90000"), local(), 1, SubscribeConstraints{}, {11, 12});
    ASSERT_TRUE(plan) << plan.error.message;
    EXPECT_EQ(plan.value->sections.size(), 2U);
}

TEST(NegotiateSubscribe, UnknownRoomCodecAcceptsAnH264OnlyPlayer) {
    const auto offer = whep_offer("H264/90000") +
                       "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n";
    auto plan = plan_subscribe(offer, local(), 1, SubscribeConstraints{}, {11, 12});
    ASSERT_TRUE(plan) << plan.error.message;
    ASSERT_EQ(plan.value->sections.size(), 2U);
    EXPECT_EQ(plan.value->sections[1].codec.codec, VideoCodec::H264);
    EXPECT_EQ(plan.value->sections[1].ssrc, 12U);

    SubscribeConstraints vp8;
    vp8.video_codec = VideoCodec::Vp8;
    plan = plan_subscribe(offer, local(), 1, vp8, {11, 12});
    ASSERT_TRUE(plan) << plan.error.message;
    EXPECT_EQ(plan.value->sections.size(), 1U) << "a VP8 room cannot feed an H.264-only player";
}

TEST(NegotiateSubscribe, SendrecvSectionsAreAnsweredSendonly) {
    // negotiate.hpp: "answers recvonly/sendrecv audio and video sections as sendonly". The SFU
    // never receives on a WHEP session, so answering sendrecv would invite the player to send.
    auto plan = plan_subscribe(whep_offer("VP8/90000", "sendrecv"), local(), 1,
                               SubscribeConstraints{}, {11, 12});
    ASSERT_TRUE(plan) << plan.error.message;
    ASSERT_EQ(plan.value->sections.size(), 2U);
    const auto answer = reparse(plan.value->answer_sdp);
    for (const auto& m : answer.media) {
        EXPECT_EQ(m.effective_direction(), sdp::Direction::SendOnly) << "mid " << *m.mid;
        ASSERT_EQ(m.msids.size(), 1U);
    }
}

TEST(NegotiateSubscribe, FewerSsrcsThanSectionsLeavesTheRestInactive) {
    auto plan = plan_subscribe(join_offer(), local(), 1, SubscribeConstraints{}, {77});
    ASSERT_TRUE(plan) << plan.error.message;
    ASSERT_EQ(plan.value->sections.size(), 1U);
    EXPECT_EQ(plan.value->sections[0].mid, "0");
    EXPECT_EQ(plan.value->sections[0].ssrc, 77U);
    const auto answer = reparse(plan.value->answer_sdp);
    for (int i = 1; i <= 5; ++i) {
        const auto* m = by_mid(answer, std::to_string(i));
        ASSERT_NE(m, nullptr);
        EXPECT_TRUE(m->port == 0 || m->effective_direction() == sdp::Direction::Inactive);
    }

    plan = plan_subscribe(join_offer(), local(), 1, SubscribeConstraints{}, {});
    EXPECT_FALSE(plan) << "no SSRC at all: nothing to send on";
}

TEST(NegotiateSubscribe, RefusesAPublishOnlyOffer) {
    // OBS sends only: no section to send on.
    auto plan = plan_subscribe(obs_offer(), local(), 1, SubscribeConstraints{}, kSsrcs);
    ASSERT_FALSE(plan);
    EXPECT_NE(plan.error.message.find("no recvonly"), std::string::npos) << plan.error.message;
}

TEST(NegotiateSubscribe, RefusesGarbageMissingIceCredentialsAndFingerprint) {
    for (const std::string& offer : {std::string(), std::string("garbage"),
                                    std::string("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n"),
                                    join_offer().substr(0, 300)}) {
        const auto plan = plan_subscribe(offer, local(), 1, SubscribeConstraints{}, kSsrcs);
        EXPECT_FALSE(plan) << "accepted: " << offer.substr(0, 60);
        EXPECT_FALSE(plan.error.message.empty());
    }
    for (const char* prefix : {"a=ice-ufrag", "a=ice-pwd", "a=fingerprint"}) {
        const auto plan = plan_subscribe(without_lines(join_offer(), prefix), local(), 1,
                                         SubscribeConstraints{}, kSsrcs);
        EXPECT_FALSE(plan) << "accepted without " << prefix;
        const auto whep = plan_subscribe(without_lines(whep_offer("VP8/90000"), prefix), local(),
                                         1, SubscribeConstraints{}, kSsrcs);
        EXPECT_FALSE(whep) << "accepted without " << prefix;
    }
}

// ---- inspect_offer / answer_offer (the single-PC path shares them) ------------------------------

TEST(NegotiateInspect, ListsDirectionsAndTrackIdsOfActiveSections) {
    auto inspected = inspect_offer(simulcast_offer());
    ASSERT_TRUE(inspected) << inspected.error.message;
    const auto& sections = inspected.value->sections;
    ASSERT_EQ(sections.size(), 8U) << "mids 0-5, 7, 8 (data is not listed)";
    for (std::size_t i = 0; i < 6; ++i) {
        EXPECT_TRUE(sections[i].client_receives);
        EXPECT_FALSE(sections[i].client_sends);
    }
    EXPECT_EQ(sections[6].mid, "7");
    EXPECT_TRUE(sections[6].client_sends);
    EXPECT_FALSE(sections[6].client_receives);
    EXPECT_EQ(sections[6].msid_track, "2b310eaf-3fb0-4665-a123-6b9aed43c74c");
    EXPECT_TRUE(sections[7].video);
    EXPECT_FALSE(inspect_offer("nonsense"));
    EXPECT_FALSE(inspect_offer(without_lines(obs_offer(), "a=fingerprint")));
}

TEST(NegotiateInspect, AnswerSendsOnNamedSectionsAndReceivesTheRest) {
    auto inspected = inspect_offer(simulcast_offer());
    ASSERT_TRUE(inspected) << inspected.error.message;
    std::vector<sdp::SendTrack> tracks(1);
    tracks[0].mid = "3";
    tracks[0].stream_id = "PA_a|camera";
    tracks[0].track_id = "TR_v";
    tracks[0].ssrc = 555;
    auto plan = answer_offer(*inspected.value, local(), 5, 3, tracks, VideoCodec::H264);
    ASSERT_TRUE(plan) << plan.error.message;
    std::size_t publish = 0, send = 0;
    for (const auto& s : plan.value->sections) {
        publish += s.publish ? 1 : 0;
        send += s.send ? 1 : 0;
        if (s.mid == "3") {
            EXPECT_TRUE(s.send);
            EXPECT_EQ(s.codec.codec, VideoCodec::H264) << "the room's codec is preferred";
        }
    }
    EXPECT_EQ(publish, 2U);
    EXPECT_EQ(send, 1U);
    EXPECT_TRUE(plan.value->transport_cc);
    const auto answer = reparse(plan.value->answer_sdp);
    EXPECT_EQ(answer.origin.session_version, "3");
    expect_sfu_transport(answer);
}

}  // namespace
}  // namespace cohost::media::detail
