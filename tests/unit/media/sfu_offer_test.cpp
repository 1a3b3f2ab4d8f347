// Server-offered subscriber sessions (LiveKit two peer connections) end to end in one process:
// MediaServer workers on their threads, a Participant publisher and a synthetic subscriber that
// answers the SFU's offers (wire::sdp::build_answer with its own ICE credentials, DTLS active) and
// connects over loopback with real ICE/DTLS/SRTP.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "cohost/media/media_server.hpp"
#include "cohost/media/testkit/synthetic_peer.hpp"
#include "cohost/wire/sdp.hpp"
#include "cohost/wire/sdp_answer.hpp"
#include "unit/media/sfu_fixture.hpp"

namespace cohost::media {
namespace {

using testkit::PeerOptions;
using testkit::SyntheticPeer;
namespace sdp = wire::sdp;

class SfuOfferTest : public test_support::SfuFixture {
protected:
    /// A connected Participant publisher "alice" with tracks TR_cam (video) and TR_mic (audio).
    SyntheticPeer& publisher(std::string* id = nullptr) {
        peers_.push_back(std::make_unique<SyntheticPeer>(ioc_, cert_, PeerOptions{}));
        SyntheticPeer& p = *peers_.back();
        ParticipantContext ctx;
        ctx.participant_sid = "PA_alice";
        ctx.pending_tracks = {{"video", "TR_cam"}, {"audio", "TR_mic"}};
        auto a = server_->create_session(SessionKind::Participant, "r", "alice", p.offer(), ctx);
        EXPECT_EQ(a.status, 201) << a.message;
        if (id) *id = a.resource_id;
        EXPECT_TRUE(p.start(a.answer_sdp));
        EXPECT_TRUE(run_until([&] { return p.connected(); }));
        return p;
    }

    /// The subscriber's answer to `offer`: its own ICE credentials and certificate, DTLS active.
    std::string answer_for(const SyntheticPeer& peer, const std::string& offer) {
        auto o = sdp::parse(offer);
        EXPECT_TRUE(o) << o.error().message;
        auto mine = sdp::parse(peer.offer());
        sdp::AnswerOptions opts;
        opts.transport.ice_ufrag = *mine->ice_ufrag_for(mine->media.front());
        opts.transport.ice_pwd = *mine->ice_pwd_for(mine->media.front());
        opts.transport.fingerprint = mine->fingerprints_for(mine->media.front()).front();
        opts.transport.candidate_address = "127.0.0.1";
        opts.transport.candidate_port = peer.local_port();
        opts.setup = sdp::SetupRole::Active;
        auto a = sdp::build_answer(*o, opts);
        EXPECT_TRUE(a) << a.error().message;
        return sdp::serialize(*a);
    }

    static std::uint64_t packets(const SyntheticPeer& s, std::uint32_t ssrc) {
        auto it = s.streams().find(ssrc);
        return it == s.streams().end() ? 0 : it->second.packets;
    }
};

TEST_F(SfuOfferTest, OffersTracksOneOfferAtATimeAndRecyclesEndedSections) {
    SyntheticPeer& alice = publisher();
    SyntheticPeer bob(ioc_, cert_, {.publish = false});
    ParticipantContext ctx;
    ctx.participant_sid = "PA_bob";
    auto first =
        server_->create_subscriber_session("r", "bob", ctx, {"TR_cam", "TR_mic", "TR_gone"});
    ASSERT_EQ(first.status, 200) << first.message;
    ASSERT_FALSE(first.offer_sdp.empty());
    EXPECT_EQ(first.offer_id, 1u);
    ASSERT_EQ(first.mid_to_track_id.size(), 2u) << "a wanted track not in the room is not offered";
    EXPECT_NE(first.offer_sdp.find("a=msid:PA_alice|camera TR_cam"), std::string::npos);
    EXPECT_TRUE(first.confirmed.empty()) << "nothing is confirmed before an answer";
    const std::string id = first.resource_id;

    // The client starts ICE before its answer arrives: no answer to its checks yet.
    ASSERT_TRUE(bob.start(first.offer_sdp));
    EXPECT_FALSE(run_until([&] { return bob.connected(); }, std::chrono::milliseconds(300)));

    // A change while the first offer waits is held back...
    auto held = server_->set_subscriber_tracks("r", id, {"TR_cam"});
    ASSERT_EQ(held.status, 200);
    EXPECT_TRUE(held.offer_sdp.empty()) << "a second offer while the first waits";
    // ...until the answer, which confirms both tracks and brings the next offer at once.
    auto a1 = server_->apply_subscriber_answer("r", id, answer_for(bob, first.offer_sdp), 1);
    ASSERT_EQ(a1.status, 200) << a1.message;
    std::vector<std::string> confirmed = a1.confirmed;
    std::sort(confirmed.begin(), confirmed.end());
    EXPECT_EQ(confirmed, (std::vector<std::string>{"TR_cam", "TR_mic"}));
    ASSERT_FALSE(a1.offer_sdp.empty());
    EXPECT_EQ(a1.offer_id, 2u);
    auto second = sdp::parse(a1.offer_sdp);
    ASSERT_TRUE(second);
    ASSERT_EQ(second->media.size(), 3u);
    EXPECT_EQ(second->media[2].port, 0) << "the audio section ended in place";
    ASSERT_EQ(a1.mid_to_track_id.size(), 1u);
    EXPECT_EQ(a1.mid_to_track_id[0].second, "TR_cam");

    ASSERT_TRUE(run_until([&] { return bob.connected(); })) << "ICE/DTLS after the answer";
    const std::uint32_t video_ssrc = bob.announced_ssrcs().at(0);
    const std::uint32_t audio_ssrc = bob.announced_ssrcs().at(1);
    alice.send_video_frame(0, true, 3000);
    alice.send_audio();
    ASSERT_TRUE(run_until([&] { return packets(bob, video_ssrc) >= 3; }));
    run_until([] { return false; }, std::chrono::milliseconds(100));
    EXPECT_EQ(packets(bob, audio_ssrc), 0u) << "audio forwarded after its section ended";
    EXPECT_EQ(bob.streams().count(alice.video_ssrc(0)), 0u) << "publisher SSRC leaked";

    auto a2 = server_->apply_subscriber_answer("r", id, answer_for(bob, a1.offer_sdp), 2);
    ASSERT_EQ(a2.status, 200) << a2.message;
    EXPECT_TRUE(a2.offer_sdp.empty());
    EXPECT_TRUE(a2.confirmed.empty()) << "the video was confirmed already";
    EXPECT_EQ(server_->apply_subscriber_answer("r", id, answer_for(bob, a1.offer_sdp), 2).status,
              409)
        << "an answer with no offer waiting";

    // Subscribing to the audio again recycles the ended section with a new mid.
    auto third = server_->set_subscriber_tracks("r", id, {"TR_cam", "TR_mic"});
    ASSERT_EQ(third.status, 200) << third.message;
    ASSERT_EQ(third.offer_id, 3u);
    auto o3 = sdp::parse(third.offer_sdp);
    ASSERT_TRUE(o3);
    ASSERT_EQ(o3->media.size(), 3u) << "no section added: the ended one was reused";
    EXPECT_NE(o3->media[2].port, 0);
    EXPECT_NE(o3->media[2].mid, second->media[2].mid) << "a recycled section gets a new mid";
    EXPECT_EQ(server_->apply_subscriber_answer("r", id, answer_for(bob, third.offer_sdp), 2).status,
              409)
        << "an answer for an older offer";
    auto a3 = server_->apply_subscriber_answer("r", id, answer_for(bob, third.offer_sdp), 3);
    ASSERT_EQ(a3.status, 200) << a3.message;
    EXPECT_EQ(a3.confirmed, (std::vector<std::string>{"TR_mic"}));
    const std::uint32_t new_audio_ssrc = o3->media[2].ssrcs.front().ssrc;
    for (int i = 0; i < 5; ++i) alice.send_audio();
    ASSERT_TRUE(run_until([&] { return packets(bob, new_audio_ssrc) >= 5; }));

    EXPECT_EQ(server_->stats().sessions, 2u);
    EXPECT_EQ(server_->apply_subscriber_answer("r", id, "v=0 garbage", 0).status, 409)
        << "nothing waits for an answer";
}

TEST_F(SfuOfferTest, DepartedTracksEndAndBadInputIsRefused) {
    std::string alice_id;
    publisher(&alice_id);
    SyntheticPeer bob(ioc_, cert_, {.publish = false});
    ParticipantContext ctx;
    ctx.participant_sid = "PA_bob";
    auto first = server_->create_subscriber_session("r", "bob", ctx, {"TR_cam", "TR_mic"});
    ASSERT_EQ(first.status, 200) << first.message;
    const std::string id = first.resource_id;
    auto bad = server_->apply_subscriber_answer("r", id, "not sdp", 1);
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.code, "invalid_sdp");
    EXPECT_EQ(server_->apply_subscriber_answer("r", "nope", "x", 1).status, 404);
    EXPECT_EQ(server_->set_subscriber_tracks("r", "nope", {}).status, 404);
    EXPECT_EQ(server_->set_subscriber_tracks("other-room", id, {}).status, 404);
    EXPECT_EQ(server_->renegotiate("r", id, bob.offer(), ctx).status, 404)
        << "a server-offered session takes no client offers";
    EXPECT_EQ(
        server_->create_session(SessionKind::ParticipantSubscriber, "r", "x", bob.offer()).status,
        400);
    // The bad answer changed nothing: the right one still applies.
    auto a1 = server_->apply_subscriber_answer("r", id, answer_for(bob, first.offer_sdp), 0);
    ASSERT_EQ(a1.status, 200) << a1.message;
    EXPECT_EQ(a1.confirmed.size(), 2u);

    ASSERT_TRUE(server_->delete_session("r", alice_id));
    auto after = server_->set_subscriber_tracks("r", id, {"TR_cam", "TR_mic"});
    ASSERT_EQ(after.status, 200);
    ASSERT_FALSE(after.offer_sdp.empty()) << "the departed tracks' sections must end";
    auto o = sdp::parse(after.offer_sdp);
    ASSERT_TRUE(o);
    EXPECT_EQ(o->media[1].port, 0);
    EXPECT_EQ(o->media[2].port, 0);
    EXPECT_TRUE(after.mid_to_track_id.empty());
    EXPECT_EQ(server_->pinned_rooms(), 1u);
    ASSERT_TRUE(server_->delete_session("r", id));
    EXPECT_EQ(server_->stats().sessions, 0u);
    EXPECT_EQ(server_->pinned_rooms(), 0u) << "an emptied room stays pinned to its worker";
    // A refused first session pins nothing either.
    EXPECT_EQ(server_->create_session(SessionKind::Publish, "refused", "u", "not sdp").status, 400);
    EXPECT_EQ(server_->pinned_rooms(), 0u);
}

}  // namespace
}  // namespace cohost::media
