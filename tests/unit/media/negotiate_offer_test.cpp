// Server offers for LiveKit's two-peer-connection subscriber PC (media/src/negotiate_offer.hpp):
// the layout parsed back with our own SDP parser, refusals, and the reading of answers, over
// Chromium 156's real answer to such an offer (tests/data/sdp/, see its README.md).
#include "negotiate_offer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cohost/wire/sdp.hpp"

namespace cohost::media::detail {
namespace {

namespace sdp = wire::sdp;

const std::filesystem::path kSdpDir =
    std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "data" / "sdp";

std::string fixture(const std::string& name) {
    std::ifstream in(kSdpDir / name, std::ios::binary);
    EXPECT_TRUE(in.good()) << "missing fixture " << (kSdpDir / name);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
    const std::size_t pos = text.find(from);
    EXPECT_NE(pos, std::string::npos) << "text lacks '" << from << "'";
    if (pos != std::string::npos) text.replace(pos, from.size(), to);
    return text;
}

sdp::LocalTransport local() {
    sdp::LocalTransport t;
    t.ice_ufrag = "sfuUfrag";
    t.ice_pwd = "sfuPasswordSfuPassword12";
    t.fingerprint.algorithm = "sha-256";
    t.fingerprint.bytes.assign(32, 0x5A);
    t.candidate_address = "127.0.0.1";
    t.candidate_port = 7882;
    return t;
}

/// An active slot: VP8 (video) or opus (audio), stream "PA_alice|camera".
OfferSlot slot(bool video, std::string mid, std::string track, std::uint32_t ssrc) {
    OfferSlot s;
    s.mid = std::move(mid);
    s.video = video;
    s.active = true;
    s.stream_id = "PA_alice|camera";
    s.track_id = std::move(track);
    s.ssrc = ssrc;
    s.codec.codec = video ? VideoCodec::Vp8 : VideoCodec::None;
    s.codec.payload_type = video ? kOfferVp8Pt : kOfferOpusPt;
    s.codec.clock_rate = video ? 90000 : 48000;
    return s;
}
OfferSlot video_slot(std::string mid, std::string track, std::uint32_t ssrc) {
    return slot(true, std::move(mid), std::move(track), ssrc);
}
OfferSlot audio_slot(std::string mid, std::string track, std::uint32_t ssrc) {
    return slot(false, std::move(mid), std::move(track), ssrc);
}

/// The offer Chromium answered in chromium156_answer_to_subscriber_offer.sdp (same mids, kinds
/// and codecs; transport values are ours, not the captured ones).
ServerOffer captured_offer() {
    ServerOffer o;
    o.local = local();
    o.data_mid = "0";
    o.slots = {video_slot("1", "TR_QHd3otIqIjwY", 3539865385u),
               audio_slot("2", "TR_ntzfVtc2blYQ", 4135419221u)};
    return o;
}

sdp::SessionDescription build_and_parse(const ServerOffer& o) {
    auto text = build_server_offer(o);
    EXPECT_TRUE(text) << text.error.message;
    if (!text) return {};
    auto parsed = sdp::parse(*text.value);
    EXPECT_TRUE(parsed) << parsed.error().message << "\n" << *text.value;
    return parsed ? *parsed : sdp::SessionDescription{};
}

TEST(ServerOffer, DataFirstThenOneSendonlySectionPerTrackWithOneCodecAndSsrc) {
    const auto sd = build_and_parse(captured_offer());
    ASSERT_EQ(sd.media.size(), 3u);
    EXPECT_TRUE(sd.ice_lite);
    ASSERT_NE(sd.bundle_group(), nullptr);
    EXPECT_EQ(sd.bundle_group()->mids, (std::vector<std::string>{"0", "1", "2"}));

    const auto& data = sd.media[0];
    EXPECT_EQ(data.kind, sdp::MediaKind::Application);
    EXPECT_EQ(data.mid, "0");
    EXPECT_EQ(data.sctp_port, 5000);
    EXPECT_EQ(data.max_message_size, kDataMaxMessageSize);
    ASSERT_EQ(data.candidates.size(), 1u) << "the candidate goes in the BUNDLE tag";
    EXPECT_EQ(data.candidates[0].port, 7882);
    EXPECT_TRUE(data.end_of_candidates);

    for (const auto& m : sd.media) {
        EXPECT_EQ(sd.setup_for(m), sdp::SetupRole::ActPass) << "the client picks active";
        EXPECT_EQ(*sd.ice_ufrag_for(m), "sfuUfrag");
        EXPECT_EQ(sd.fingerprints_for(m).size(), 1u);
        if (m.kind == sdp::MediaKind::Application) continue;
        EXPECT_TRUE(m.candidates.empty());
        EXPECT_EQ(m.effective_direction(), sdp::Direction::SendOnly);
        EXPECT_TRUE(m.rtcp_mux);
        ASSERT_EQ(m.payload_types.size(), 1u) << "one codec, no RTX";
        ASSERT_EQ(m.msids.size(), 1u);
        EXPECT_EQ(m.msids[0].stream_id, "PA_alice|camera");
        EXPECT_TRUE(m.ssrc_groups.empty()) << "no FID: no RTX";
        ASSERT_EQ(m.extmaps.size(), 1u) << "only what the forwarder writes";
    }
    const auto& video = sd.media[1];
    EXPECT_EQ(video.kind, sdp::MediaKind::Video);
    EXPECT_EQ(video.payload_types[0], kOfferVp8Pt);
    EXPECT_EQ(video.find_rtpmap(kOfferVp8Pt)->encoding, "VP8");
    EXPECT_EQ(video.msids[0].track_id, "TR_QHd3otIqIjwY");
    EXPECT_EQ(video.ssrcs.front().ssrc, 3539865385u);
    EXPECT_EQ(video.extmaps[0].id, kOfferAbsSendTimeId);
    std::vector<std::string> fb;
    for (const auto& f : video.rtcp_fbs)
        fb.push_back(f.subtype.empty() ? f.type : f.type + " " + f.subtype);
    EXPECT_EQ(fb, (std::vector<std::string>{"nack", "nack pli", "ccm fir", "goog-remb"}));

    const auto& audio = sd.media[2];
    EXPECT_EQ(audio.kind, sdp::MediaKind::Audio);
    EXPECT_EQ(audio.payload_types[0], kOfferOpusPt);
    EXPECT_EQ(audio.find_rtpmap(kOfferOpusPt)->channels, 2);
    EXPECT_EQ(audio.find_fmtp(kOfferOpusPt)->get("useinbandfec"), "1");
    EXPECT_EQ(audio.extmaps[0].id, kOfferAudioLevelId);
    EXPECT_TRUE(audio.rtcp_fbs.empty());
}

TEST(ServerOffer, EndedSectionsStayInPlaceRejectedAndOutOfBundle) {
    ServerOffer o = captured_offer();
    o.slots[0].active = false;  // the video track went away
    o.slots.push_back(video_slot("3", "TR_next", 77));
    const auto sd = build_and_parse(o);
    ASSERT_EQ(sd.media.size(), 4u);
    const auto& ended = sd.media[1];
    EXPECT_EQ(ended.port, 0);
    EXPECT_EQ(ended.mid, "1");
    EXPECT_EQ(ended.kind, sdp::MediaKind::Video);
    EXPECT_EQ(ended.effective_direction(), sdp::Direction::Inactive);
    EXPECT_TRUE(ended.msids.empty());
    EXPECT_TRUE(ended.ssrcs.empty());
    EXPECT_EQ(sd.bundle_group()->mids, (std::vector<std::string>{"0", "2", "3"}));
    EXPECT_EQ(sd.media[3].mid, "3");
    EXPECT_EQ(sd.media[3].msids[0].track_id, "TR_next");
}

TEST(ServerOffer, WithoutDataTheFirstLiveSectionCarriesTheCandidate) {
    ServerOffer o = captured_offer();
    o.data_mid.clear();
    o.slots[0].active = false;
    const auto sd = build_and_parse(o);
    ASSERT_EQ(sd.media.size(), 2u);
    EXPECT_TRUE(sd.media[0].candidates.empty());
    ASSERT_EQ(sd.media[1].candidates.size(), 1u);
    EXPECT_EQ(sd.bundle_group()->mids, (std::vector<std::string>{"2"}));
}

TEST(ServerOffer, H264KeepsThePublishersProfile) {
    ServerOffer o = captured_offer();
    o.slots[0].codec.codec = VideoCodec::H264;
    o.slots[0].codec.payload_type = kOfferH264Pt;
    o.slots[0].codec.fmtp = "42e01f";
    const auto sd = build_and_parse(o);
    const auto& m = sd.media[1];
    ASSERT_EQ(m.payload_types, (std::vector<std::uint8_t>{kOfferH264Pt}));
    const auto* f = m.find_fmtp(kOfferH264Pt);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->packetization_mode(), 1);
    EXPECT_EQ(f->get("profile-level-id"), "42e01f");
}

TEST(ServerOffer, RefusesWhatCannotBeOffered) {
    auto refused = [](const ServerOffer& o, const std::string& what) {
        auto r = build_server_offer(o);
        EXPECT_FALSE(r) << "accepted: " << what;
        if (!r) {
            EXPECT_FALSE(r.error.message.empty());
        }
    };
    ServerOffer o = captured_offer();
    o.slots[1].mid = "1";
    refused(o, "duplicate mid");
    o = captured_offer();
    o.slots[0].mid = "0";
    refused(o, "a media mid equal to the data mid");
    o = captured_offer();
    o.slots[0].mid.clear();
    refused(o, "empty mid");
    o = captured_offer();
    o.slots[0].codec.codec = VideoCodec::None;
    refused(o, "opus on a video section");
    o = captured_offer();
    o.slots[1].codec.codec = VideoCodec::Vp8;
    refused(o, "VP8 on an audio section");
    o = captured_offer();
    o.slots[0].ssrc = 0;
    refused(o, "no SSRC");
    o = captured_offer();
    o.data_mid.clear();
    for (auto& s : o.slots) s.active = false;
    refused(o, "nothing live");
    o = captured_offer();
    o.local.ice_ufrag = "ab";
    refused(o, "ufrag too short");
    o = captured_offer();
    o.slots[0].stream_id = "has space";
    refused(o, "msid with a blank");
}

TEST(ServerOffer, EveryMixOfLiveAndEndedSectionsParsesBack) {
    // All 2^5 live/ended patterns over five alternating slots, with and without data.
    for (int with_data = 0; with_data < 2; ++with_data) {
        for (unsigned mask = 0; mask < 32; ++mask) {
            ServerOffer o;
            o.local = local();
            if (with_data) o.data_mid = "d";
            for (unsigned i = 0; i < 5; ++i) {
                OfferSlot s =
                    i % 2 ? audio_slot(std::to_string(i), "TR_" + std::to_string(i), 100 + i)
                          : video_slot(std::to_string(i), "TR_" + std::to_string(i), 100 + i);
                s.active = (mask >> i) & 1U;
                o.slots.push_back(s);
            }
            auto text = build_server_offer(o);
            if (!with_data && mask == 0) {
                EXPECT_FALSE(text);
                continue;
            }
            ASSERT_TRUE(text) << mask << ": " << text.error.message;
            auto sd = sdp::parse(*text.value);
            ASSERT_TRUE(sd) << mask << ": " << sd.error().message;
            ASSERT_EQ(sd->media.size(), 5u + with_data);
            std::size_t candidates = 0;
            for (std::size_t i = 0; i < sd->media.size(); ++i) {
                candidates += sd->media[i].candidates.size();
                if (with_data && i == 0) continue;
                const unsigned slot = static_cast<unsigned>(i) - with_data;
                EXPECT_EQ(sd->media[i].mid, std::to_string(slot));
                EXPECT_EQ(sd->media[i].port == 0, !((mask >> slot) & 1U));
            }
            EXPECT_EQ(candidates, 1u);
            const auto& bundle = sd->bundle_group()->mids;
            const std::size_t live = static_cast<std::size_t>(std::popcount(mask)) + with_data;
            ASSERT_EQ(bundle.size(), live);
            // The tag (first mid) is the section with the candidate.
            const auto tag = std::find_if(sd->media.begin(), sd->media.end(),
                                          [&](const auto& m) { return m.mid == bundle.front(); });
            EXPECT_EQ(tag->candidates.size(), 1u);
        }
    }
}

TEST(ServerAnswer, ReadsChromiumsAnswer) {
    const ServerOffer o = captured_offer();
    auto r = read_server_answer(fixture("chromium156_answer_to_subscriber_offer.sdp"), o);
    ASSERT_TRUE(r) << r.error.message;
    const ServerAnswer& a = *r.value;
    EXPECT_EQ(a.remote.ufrag, "k+Kd");
    EXPECT_EQ(a.remote.pwd, "cQ33hXjvknGae8TqLfYo8hM+");
    EXPECT_EQ(a.remote.fingerprint.algorithm, "sha-256");
    EXPECT_EQ(a.remote.fingerprint.bytes.size(), 32u);
    EXPECT_FALSE(a.sfu_is_dtls_client) << "Chromium answers a=setup:active";
    ASSERT_TRUE(a.data);
    EXPECT_EQ(a.data->mid, "0");
    EXPECT_EQ(a.data->remote_port, 5000);
    ASSERT_EQ(a.slots.size(), 2u);
    EXPECT_TRUE(a.slots[0].accepted);
    EXPECT_EQ(a.slots[0].ext.abs_send_time, kOfferAbsSendTimeId);
    EXPECT_EQ(a.slots[0].ext.audio_level, 0);
    EXPECT_TRUE(a.slots[1].accepted);
    EXPECT_EQ(a.slots[1].ext.audio_level, kOfferAudioLevelId);
}

TEST(ServerAnswer, ARejectedSectionIsNotAcceptedAndPassiveMakesTheSfuTheDtlsClient) {
    const ServerOffer o = captured_offer();
    std::string answer = fixture("chromium156_answer_to_subscriber_offer.sdp");
    answer = replace_once(answer, "m=audio 9 ", "m=audio 0 ");
    auto r = read_server_answer(answer, o);
    ASSERT_TRUE(r) << r.error.message;
    EXPECT_TRUE(r.value->slots[0].accepted);
    EXPECT_FALSE(r.value->slots[1].accepted);
    // An inactive answer does not receive either.
    answer = replace_once(fixture("chromium156_answer_to_subscriber_offer.sdp"), "a=recvonly",
                          "a=inactive");
    r = read_server_answer(answer, o);
    ASSERT_TRUE(r) << r.error.message;
    EXPECT_FALSE(r.value->slots[0].accepted);
    // Passive: the SFU connects as DTLS client.
    answer = fixture("chromium156_answer_to_subscriber_offer.sdp");
    std::string passive;
    for (std::size_t pos = 0;;) {
        const std::size_t next = answer.find("a=setup:active", pos);
        passive += answer.substr(pos, next - pos);
        if (next == std::string::npos) break;
        passive += "a=setup:passive";
        pos = next + 14;
    }
    r = read_server_answer(passive, o);
    ASSERT_TRUE(r) << r.error.message;
    EXPECT_TRUE(r.value->sfu_is_dtls_client);
}

TEST(ServerAnswer, RefusesAnswersThatDoNotFitTheOffer) {
    const ServerOffer o = captured_offer();
    const std::string good = fixture("chromium156_answer_to_subscriber_offer.sdp");
    auto refused = [&](const std::string& answer, const std::string& what) {
        auto r = read_server_answer(answer, o);
        EXPECT_FALSE(r) << "accepted: " << what;
        if (!r) {
            EXPECT_NE(r.error.message.find("answer"), std::string::npos) << r.error.message;
        }
    };
    refused("not sdp", "garbage");
    refused(replace_once(good, "a=mid:2", "a=mid:7"), "a mid the offer did not have");
    refused(
        replace_once(good, "m=audio 9 UDP/TLS/RTP/SAVPF 111", "m=video 9 UDP/TLS/RTP/SAVPF 111"),
        "a changed media kind");
    refused(replace_once(replace_once(good, "m=video 9 UDP/TLS/RTP/SAVPF 96",
                                      "m=video 9 UDP/TLS/RTP/SAVPF 97"),
                         "a=rtpmap:96 VP8/90000", "a=rtpmap:97 VP8/90000"),
            "a payload type that was not offered");
    std::string actpass;
    for (std::size_t pos = 0;;) {
        const std::size_t next = good.find("a=setup:active", pos);
        actpass += good.substr(pos, next - pos);
        if (next == std::string::npos) break;
        actpass += "a=setup:actpass";
        pos = next + 14;
    }
    refused(actpass, "setup actpass in an answer");
    ServerOffer more = o;
    more.slots.push_back(audio_slot("3", "TR_x", 5));
    auto r = read_server_answer(good, more);
    EXPECT_FALSE(r) << "fewer sections than offered";
    std::string all_rejected = replace_once(good, "m=application 40796 ", "m=application 0 ");
    all_rejected = replace_once(all_rejected, "m=video 9 ", "m=video 0 ");
    all_rejected = replace_once(all_rejected, "m=audio 9 ", "m=audio 0 ");
    refused(all_rejected, "every section rejected");
}

}  // namespace
}  // namespace cohost::media::detail
