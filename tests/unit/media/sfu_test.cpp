// The SFU end to end in one process: MediaServer workers on their threads, synthetic peers
// (media/testkit) on a client io_context, real ICE/DTLS/SRTP over loopback UDP.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "cohost/media/media_server.hpp"
#include "cohost/media/testkit/synthetic_peer.hpp"
#include "cohost/wire/sdp.hpp"
#include "cohost/wire/stun.hpp"
#include "unit/media/sfu_fixture.hpp"

namespace cohost::media {
namespace {

using testkit::PeerOptions;
using testkit::SyntheticPeer;

class SfuTest : public test_support::SfuFixture {
protected:
    void configure(MediaConfig& cfg) override {
        cfg.consent_timeout = std::chrono::milliseconds(1500);
    }

    /// A publisher (audio + video) and a subscriber in `room` that has received both tracks.
    std::pair<SyntheticPeer*, SyntheticPeer*> publisher_and_subscriber(const std::string& room,
                                                                      std::string* pub_id) {
        SyntheticPeer& pub = connect(room, {}, pub_id);
        SyntheticPeer& sub = connect(room, {.publish = false});
        pub.send_video_frame(0, true, 1000);
        pub.send_audio();
        EXPECT_TRUE(run_until([&] { return sub.streams().size() == 2; }));
        return {&pub, &sub};
    }

    /// Creates a session for a new peer and connects it; returns the peer and its resource id.
    SyntheticPeer& connect(const std::string& room, PeerOptions opt, std::string* id = nullptr) {
        peers_.push_back(std::make_unique<SyntheticPeer>(ioc_, cert_, opt));
        SyntheticPeer& p = *peers_.back();
        auto answer = server_->create_session(
            opt.publish ? SessionKind::Publish : SessionKind::Subscribe, room, "user", p.offer());
        EXPECT_EQ(answer.status, 201) << answer.message;
        if (id) *id = answer.resource_id;
        EXPECT_TRUE(p.start(answer.answer_sdp));
        EXPECT_TRUE(run_until([&] { return p.connected(); })) << "ICE/DTLS did not connect";
        return p;
    }
};

TEST_F(SfuTest, ForwardsAudioAndVideoToEverySubscriberWithTheirOwnSsrc) {
    SyntheticPeer& pub = connect("r", {});
    SyntheticPeer& a = connect("r", {.publish = false});
    SyntheticPeer& b = connect("r", {.publish = false});
    ASSERT_EQ(a.announced_ssrcs().size(), 2u);
    // The subscribers asked for a keyframe (PLI) for the video they were bound to.
    ASSERT_TRUE(run_until([&] { return !pub.plis_received.empty(); }));
    EXPECT_EQ(pub.plis_received.front(), pub.video_ssrc(0));
    pub.send_video_frame(0, true, 5000);
    for (int i = 0; i < 10; ++i) {
        pub.send_video_frame(0, false, 1500);
        pub.send_audio();
    }
    auto received = [&](SyntheticPeer& s) {
        std::uint64_t n = 0;
        for (auto& [ssrc, st] : s.streams()) n += st.packets;
        return n;
    };
    ASSERT_TRUE(run_until([&] { return received(a) >= 25 && received(b) >= 25; }));
    for (SyntheticPeer* s : {&a, &b}) {
        // 5 keyframe packets + 10 two-packet frames = 25 video; 10 audio.
        ASSERT_EQ(s->streams().size(), 2u);
        for (std::uint32_t ssrc : s->announced_ssrcs()) {
            ASSERT_TRUE(s->streams().count(ssrc)) << "no packets on announced ssrc " << ssrc;
            EXPECT_EQ(s->streams().at(ssrc).gaps, 0u);
        }
        EXPECT_EQ(s->streams().at(s->announced_ssrcs()[0]).packets, 10u);  // audio
        EXPECT_EQ(s->streams().at(s->announced_ssrcs()[1]).packets, 25u);  // video
        EXPECT_EQ(s->streams().count(pub.video_ssrc(0)), 0u) << "publisher SSRC leaked";
    }
    EXPECT_NE(a.announced_ssrcs()[1], b.announced_ssrcs()[1]);
}

TEST_F(SfuTest, NoVideoBeforeAKeyframeThenPliFromSubscriberReachesPublisher) {
    SyntheticPeer& pub = connect("r", {.audio = false});
    SyntheticPeer& sub = connect("r", {.publish = false, .audio = false});
    for (int i = 0; i < 5; ++i) pub.send_video_frame(0, false, 800);
    run_until([] { return false; }, std::chrono::milliseconds(200));
    EXPECT_TRUE(sub.streams().empty()) << "delta frames forwarded before a keyframe";
    pub.send_video_frame(0, true, 800);
    ASSERT_TRUE(run_until([&] { return !sub.streams().empty(); }));
    // A subscriber PLI is relayed to the publisher, after the 500 ms rate limit of the first.
    run_until([] { return false; }, std::chrono::milliseconds(600));
    const auto before = pub.plis_received.size();
    sub.send_pli(sub.announced_ssrcs()[0]);
    ASSERT_TRUE(run_until([&] { return pub.plis_received.size() > before; }));
    EXPECT_EQ(pub.plis_received.back(), pub.video_ssrc(0));
}

TEST_F(SfuTest, NackIsAnsweredFromTheCacheWithTheSameSequenceNumber) {
    SyntheticPeer& pub = connect("r", {.audio = false});
    SyntheticPeer& sub = connect("r", {.publish = false, .audio = false});
    std::vector<std::uint16_t> seqs;
    sub.on_rtp = [&](const wire::rtp::PacketView& p, std::int64_t) {
        seqs.push_back(p.sequence_number);
    };
    // The second packet of the keyframe is "lost" on the way (SRTP would refuse a replay of a
    // packet that did arrive, so the loss must be real for the resend to be accepted).
    int arrivals = 0;
    std::uint16_t dropped = 0;
    sub.drop_incoming = [&](std::uint16_t seq) {
        if (++arrivals != 2) return false;
        dropped = seq;
        return true;
    };
    pub.send_video_frame(0, true, 3000);  // 3 packets
    ASSERT_TRUE(run_until([&] { return seqs.size() == 2; }));
    ASSERT_EQ(sub.streams().at(sub.announced_ssrcs()[0]).gaps, 1u);
    const std::uint16_t lost[] = {dropped};
    sub.send_nack(sub.announced_ssrcs()[0], lost);
    ASSERT_TRUE(run_until([&] { return seqs.size() == 3; }));
    EXPECT_EQ(seqs[2], dropped) << "resent with the sequence number of the lost packet";
    EXPECT_EQ(server_->stats().nack_resent, 1u);
    // A NACK for a number never sent is ignored.
    const std::uint16_t unknown[] = {static_cast<std::uint16_t>(seqs[2] + 100)};
    sub.send_nack(sub.announced_ssrcs()[0], unknown);
    run_until([] { return false; }, std::chrono::milliseconds(200));
    EXPECT_EQ(seqs.size(), 3u);
    EXPECT_EQ(server_->stats().nack_resent, 1u);
}

TEST_F(SfuTest, SimulcastForwardsTheTopLayerAndFollowsTheBandwidthCap) {
    SyntheticPeer& pub = connect("r", {.audio = false, .simulcast_layers = 3});
    std::string sub_id;
    SyntheticPeer& sub = connect("r", {.publish = false, .audio = false}, &sub_id);
    std::vector<std::size_t> sizes;
    sub.on_rtp = [&](const wire::rtp::PacketView& p, std::int64_t) {
        sizes.push_back(p.payload.size());
    };
    // Three layers with distinct packet sizes: q 200, h 500, f 1000 bytes per frame.
    const std::size_t frame[3] = {200, 500, 1000};
    auto send_all = [&](bool key) {
        for (int l = 0; l < 3; ++l) pub.send_video_frame(l, key, frame[l]);
    };
    for (int i = 0; i < 30; ++i) {
        send_all(i % 10 == 0);
        run_until([] { return false; }, std::chrono::milliseconds(33));
    }
    ASSERT_FALSE(sizes.empty());
    EXPECT_EQ(sizes.back(), 5 + 1000u) << "the top layer is forwarded by default";
    // Cap below the f and h layers' bitrate (~240 and ~120 kbps): q is chosen at its next keyframe.
    ASSERT_TRUE(server_->set_bandwidth_cap("r", sub_id, 80'000));
    for (int i = 0; i < 40; ++i) {
        send_all(i % 10 == 0);
        run_until([] { return false; }, std::chrono::milliseconds(33));
    }
    EXPECT_EQ(sizes.back(), 5 + 200u) << "the capped subscriber gets the q layer";
    const auto& st = sub.streams().at(sub.announced_ssrcs()[0]);
    EXPECT_EQ(st.gaps, 0u) << "sequence numbers stay continuous across the switch";
    ASSERT_TRUE(server_->set_bandwidth_cap("r", sub_id, 0));
    for (int i = 0; i < 40; ++i) {
        send_all(i % 10 == 0);
        run_until([] { return false; }, std::chrono::milliseconds(33));
    }
    EXPECT_EQ(sizes.back(), 5 + 1000u) << "back to the top layer once the cap is gone";
    EXPECT_FALSE(server_->set_bandwidth_cap("r", "nope", 1));
}

TEST_F(SfuTest, PublisherLeavingEndsTracksAndClosesIdleSubscribers) {
    std::string pub_id;
    SyntheticPeer& sub = *publisher_and_subscriber("r", &pub_id).second;
    ASSERT_EQ(sub.streams().size(), 2u);
    ASSERT_TRUE(server_->delete_session("r", pub_id));
    ASSERT_TRUE(run_until([&] { return sub.dtls_state() == DtlsTransport::State::Closed; }));
    EXPECT_EQ(sub.byes_received.size(), 2u);
    EXPECT_FALSE(server_->delete_session("r", pub_id)) << "deleted twice";
}

TEST_F(SfuTest, RoomsDoNotLeakIntoEachOther) {
    SyntheticPeer& pub1 = connect("one", {.audio = false});
    SyntheticPeer& pub2 = connect("two", {.audio = false});
    SyntheticPeer& sub1 = connect("one", {.publish = false, .audio = false});
    std::vector<std::size_t> sizes;
    sub1.on_rtp = [&](const wire::rtp::PacketView& p, std::int64_t) {
        sizes.push_back(p.payload.size());
    };
    pub1.send_video_frame(0, true, 300);
    pub2.send_video_frame(0, true, 700);
    run_until([] { return false; }, std::chrono::milliseconds(300));
    ASSERT_EQ(sizes.size(), 1u);
    EXPECT_EQ(sizes[0], 5 + 300u);
}

TEST_F(SfuTest, RefusesBadOffersAndUnknownSessions) {
    auto a = server_->create_session(SessionKind::Publish, "r", "u", "not sdp");
    EXPECT_EQ(a.status, 400);
    EXPECT_EQ(a.code, "invalid_sdp");
    SyntheticPeer recv_only(ioc_, cert_, {.publish = false});
    a = server_->create_session(SessionKind::Publish, "r", "u", recv_only.offer());
    EXPECT_EQ(a.status, 400) << "a recvonly offer has nothing to publish";
    SyntheticPeer send_only(ioc_, cert_, {});
    a = server_->create_session(SessionKind::Subscribe, "r", "u", send_only.offer());
    EXPECT_EQ(a.status, 400) << "a sendonly offer has nothing to receive on";
    EXPECT_FALSE(server_->delete_session("r", "unknown"));
    EXPECT_EQ(server_->stats().sessions, 0u);
}

/// Sends a binding request for `username` keyed with `key` and returns the response type (0 when
/// nothing came back within 300 ms).
std::uint16_t binding(boost::asio::ip::udp::socket& sock, const boost::asio::ip::udp::endpoint& to,
                      const std::string& username, const std::string& key) {
    namespace stun = wire::stun;
    stun::TransactionId tid{};
    tid[0] = std::byte{7};
    std::array<std::byte, 512> out{};
    stun::MessageBuilder b(out, stun::kBindingRequest, tid);
    b.add_string(stun::attr::kUsername, username)
        .add_u32(stun::attr::kPriority, 1)
        .add_u64(stun::attr::kIceControlling, 42)
        .add_message_integrity(key)
        .add_fingerprint();
    sock.send_to(boost::asio::buffer(out.data(), *b.finish()), to);
    std::array<std::byte, 1500> in{};
    boost::asio::ip::udp::endpoint from;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
    while (std::chrono::steady_clock::now() < deadline) {
        boost::system::error_code ec;
        const std::size_t n = sock.receive_from(boost::asio::buffer(in), from, 0, ec);
        if (!ec) {
            auto m = stun::parse(std::span<const std::byte>(in.data(), n));
            return m ? m->type() : 0xFFFF;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return 0;
}

TEST_F(SfuTest, IceLiteAnswersOnlyRightCredentials) {
    SyntheticPeer peer(ioc_, cert_, {});
    auto answer = server_->create_session(SessionKind::Publish, "r", "u", peer.offer());
    ASSERT_EQ(answer.status, 201);
    auto sdp = wire::sdp::parse(answer.answer_sdp);
    ASSERT_TRUE(sdp);
    const auto& m = sdp->media.front();
    const std::string ufrag = *sdp->ice_ufrag_for(m);
    const std::string pwd = *sdp->ice_pwd_for(m);
    const boost::asio::ip::udp::endpoint server(boost::asio::ip::make_address("127.0.0.1"),
                                                m.candidates.front().port);
    // The offer's ufrag is what the peer put after the colon.
    auto offer = wire::sdp::parse(peer.offer());
    const std::string remote = *offer->ice_ufrag_for(offer->media.front());
    boost::asio::ip::udp::socket sock(ioc_, boost::asio::ip::udp::endpoint(
                                                boost::asio::ip::make_address("127.0.0.1"), 0));
    sock.non_blocking(true);
    EXPECT_EQ(binding(sock, server, ufrag + ":" + remote, pwd), wire::stun::kBindingSuccess);
    EXPECT_EQ(binding(sock, server, ufrag + ":" + remote, "wrong-password-xxxxxxxxx"),
              wire::stun::kBindingError);
    EXPECT_EQ(binding(sock, server, ufrag + ":someoneelse", pwd), wire::stun::kBindingError);
    EXPECT_EQ(binding(sock, server, "unknownufrag:" + remote, pwd), 0) << "unknown ufrag: silence";
}

TEST_F(SfuTest, SessionWithoutConsentIsDropped) {
    std::string id;
    SyntheticPeer& pub = connect("r", {}, &id);
    EXPECT_EQ(server_->stats().sessions, 1u);
    pub.close();  // stops its consent checks
    EXPECT_TRUE(run_until([&] { return server_->stats().sessions == 0; },
                          std::chrono::milliseconds(4000)));
    EXPECT_FALSE(server_->delete_session("r", id));
    // A session that never even starts ICE is dropped too.
    SyntheticPeer idle(ioc_, cert_, {});
    ASSERT_EQ(server_->create_session(SessionKind::Publish, "r", "u", idle.offer()).status, 201);
    EXPECT_TRUE(run_until([&] { return server_->stats().sessions == 0; },
                          std::chrono::milliseconds(4000)));
}

TEST_F(SfuTest, ParticipantSessionsPublishAndReceiveOnOneTransport) {
    // LiveKit single-PC sessions: a publisher whose add_track cid matches its msid track id...
    SyntheticPeer alice(ioc_, cert_, {});
    ParticipantContext actx;
    actx.participant_sid = "PA_alice";
    actx.pending_tracks = {{"video", "TR_cam"}};  // SyntheticPeer's msid track ids: audio, video
    auto a = server_->create_session(SessionKind::Participant, "r", "alice", alice.offer(), actx);
    ASSERT_EQ(a.status, 201) << a.message;
    ASSERT_EQ(a.published.size(), 2u);
    EXPECT_TRUE(a.mid_to_track_id.empty());
    const auto cam = std::find_if(a.published.begin(), a.published.end(),
                                  [](const auto& p) { return p.video; });
    EXPECT_EQ(cam->track_sid, "TR_cam");
    EXPECT_EQ(cam->cid, "video");
    EXPECT_EQ(cam->mime_type, "video/VP8");
    ASSERT_TRUE(alice.start(a.answer_sdp));
    ASSERT_TRUE(run_until([&] { return alice.connected(); }));
    // ...and a receiver whose offer has one audio and one video receive section.
    SyntheticPeer bob(ioc_, cert_, {.publish = false});
    ParticipantContext bctx;
    bctx.participant_sid = "PA_bob";
    auto b = server_->create_session(SessionKind::Participant, "r", "bob", bob.offer(), bctx);
    ASSERT_EQ(b.status, 201) << b.message;
    ASSERT_EQ(b.mid_to_track_id.size(), 2u);
    EXPECT_NE(b.answer_sdp.find("a=msid:PA_alice|camera TR_cam"), std::string::npos);
    ASSERT_TRUE(bob.start(b.answer_sdp));
    ASSERT_TRUE(run_until([&] { return bob.connected(); }));
    const auto needs = server_->section_needs("r", b.resource_id);
    EXPECT_EQ(needs.audio + needs.video, 0) << "bob receives everything already";
    alice.send_video_frame(0, true, 1000);
    alice.send_audio();
    ASSERT_TRUE(run_until([&] { return bob.streams().size() == 2; }));
    // Renegotiating with the same offer keeps the bindings and SSRCs.
    auto again = server_->renegotiate("r", b.resource_id, bob.offer(), bctx);
    ASSERT_EQ(again.status, 201) << again.message;
    EXPECT_EQ(again.mid_to_track_id, b.mid_to_track_id);
    // A third participant that offers no receive sections needs two.
    SyntheticPeer carol(ioc_, cert_, {.audio = true, .video = false});
    auto c = server_->create_session(SessionKind::Participant, "r", "carol", carol.offer(), {});
    ASSERT_EQ(c.status, 201);
    const auto cn = server_->section_needs("r", c.resource_id);
    EXPECT_EQ(cn.audio, 1);
    EXPECT_EQ(cn.video, 1);
    EXPECT_EQ(server_->renegotiate("r", "unknown", bob.offer(), bctx).status, 404);
}


TEST_F(SfuTest, DepartedSessionLeavesTheRoomAtOnceButClosesItsTransportLater) {
    // LiveKit signalling departs a participant right after sending it `leave`: its tracks end for
    // everyone now, while its own transport stays up until it closes it (or the linger passes).
    std::string pub_id;
    auto [pub_ptr, sub_ptr] = publisher_and_subscriber("r", &pub_id);
    ASSERT_EQ(sub_ptr->streams().size(), 2u);
    SyntheticPeer& pub = *pub_ptr;
    SyntheticPeer& sub = *sub_ptr;
    ASSERT_TRUE(server_->depart_session("r", pub_id, std::chrono::seconds(60)));
    ASSERT_TRUE(run_until([&] { return sub.dtls_state() == DtlsTransport::State::Closed; }));
    EXPECT_EQ(sub.byes_received.size(), 2u) << "both tracks ended at once";
    run_until([] { return false; }, std::chrono::milliseconds(300));
    EXPECT_EQ(pub.dtls_state(), DtlsTransport::State::Connected) << "transport still up";
    EXPECT_EQ(server_->stats().sessions, 2u);
    EXPECT_TRUE(server_->depart_session("r", pub_id, std::chrono::seconds(60))) << "idempotent";
    // What it still sends reaches nobody: a new subscriber finds no track to bind.
    SyntheticPeer late(ioc_, cert_, {.publish = false});
    auto a = server_->create_session(SessionKind::Subscribe, "r", "late", late.offer());
    if (a.status == 201) {
        ASSERT_TRUE(late.start(a.answer_sdp).has_value());
        ASSERT_TRUE(run_until([&] { return late.connected(); }));
        pub.send_video_frame(0, true, 1000);
        pub.send_audio();
        run_until([] { return false; }, std::chrono::milliseconds(300));
        EXPECT_EQ(late.rtp_packets(), 0u);
        EXPECT_TRUE(server_->delete_session("r", a.resource_id));
    }
    // The departing client closes its connection (close_notify): the session ends then.
    const auto sessions = server_->stats().sessions;
    pub.close();
    EXPECT_TRUE(run_until([&] { return server_->stats().sessions == sessions - 1; }));
    EXPECT_FALSE(server_->depart_session("r", pub_id, std::chrono::seconds(1))) << "gone";
    EXPECT_FALSE(server_->delete_session("r", pub_id)) << "gone";
}

TEST_F(SfuTest, DepartedSessionTransportClosesWhenTheLingerPasses) {
    std::string pub_id;
    SyntheticPeer& pub = connect("r", {}, &pub_id);
    EXPECT_FALSE(server_->depart_session("r", "unknown", std::chrono::seconds(1)));
    EXPECT_FALSE(server_->depart_session("other", pub_id, std::chrono::seconds(1)));
    ASSERT_TRUE(server_->depart_session("r", pub_id, std::chrono::milliseconds(200)));
    EXPECT_TRUE(run_until([&] { return pub.dtls_state() == DtlsTransport::State::Closed; },
                          std::chrono::milliseconds(4000)))
        << "the server sent close_notify";
    EXPECT_TRUE(run_until([&] { return server_->stats().sessions == 0; }));
    EXPECT_EQ(server_->pinned_rooms(), 0u) << "the room was unpinned when it emptied";
}

}  // namespace
}  // namespace cohost::media
