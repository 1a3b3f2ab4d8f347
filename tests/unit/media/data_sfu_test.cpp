// LiveKit data channels through the SFU in one process: MediaServer workers on their threads, and
// minimal clients that do what livekit-client does for data (an `m=application` offer, ICE as the
// controlling agent, DTLS client, SCTP, DCEP `_reliable` / `_lossy`, protobuf DataPackets).
// Covers the worker's part (worker_data.cpp): stamping, destinations, permissions, malformed
// packets, SendData, the pending queue. tests/browser/livekit_data.test.mjs does the same with
// Chromium.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cohost/media/dtls.hpp"
#include "cohost/media/media_server.hpp"
#include "cohost/wire/demux.hpp"
#include "cohost/wire/sdp.hpp"
#include "cohost/wire/stun.hpp"
#include "data_channel.hpp"
#include "livekit_models.pb.h"
#include "sfu_fixture.hpp"
#include "worker_data.hpp"

namespace cohost::media {
namespace {

namespace asio = boost::asio;
namespace stun = wire::stun;
using detail::DataChannel;
using detail::DataChannelTransport;

std::string random_token(std::size_t n) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string s(n, 'a');
    for (auto& c : s) c = kAlphabet[rng() % (sizeof kAlphabet - 1)];
    return s;
}

/// A data-only LiveKit-like client on the test's io_context.
class DataPeer {
public:
    struct Got {
        std::string label;
        livekit::DataPacket packet;
    };

    DataPeer(asio::io_context& ioc, std::shared_ptr<const DtlsCertificate> cert)
        : ioc_(ioc), cert_(std::move(cert)), socket_(ioc, asio::ip::udp::endpoint(
                                                              asio::ip::make_address("127.0.0.1"), 0)),
          timer_(ioc), ufrag_(random_token(8)), pwd_(random_token(24)) {}

    std::string offer() const {
        return "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
               "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
               "a=ice-ufrag:" + ufrag_ + "\r\na=ice-pwd:" + pwd_ + "\r\n"
               "a=fingerprint:sha-256 " + wire::sdp::fingerprint_hex(cert_->fingerprint()) +
               "\r\na=setup:actpass\r\na=mid:0\r\na=sctp-port:5000\r\n"
               "a=max-message-size:262144\r\n";
    }

    /// Reads the answer, starts ICE (then DTLS, SCTP, and the two channels).
    bool start(const std::string& answer_sdp) {
        auto answer = wire::sdp::parse(answer_sdp);
        if (!answer) return false;
        for (const auto& m : answer->media) {
            if (m.port == 0) continue;
            if (const auto* u = answer->ice_ufrag_for(m)) remote_ufrag_ = *u;
            if (const auto* p = answer->ice_pwd_for(m)) remote_pwd_ = *p;
            if (!answer->fingerprints_for(m).empty()) remote_fp_ = answer->fingerprints_for(m).front();
            if (!m.candidates.empty()) {
                server_ = asio::ip::udp::endpoint(asio::ip::make_address(m.candidates[0].address),
                                                  m.candidates[0].port);
            }
        }
        dtls_ = std::make_unique<DtlsTransport>(cert_, DtlsRole::Client, remote_fp_,
                                                [this](std::span<const std::byte> d) { send_raw(d); });
        receive();
        tick();
        return server_.port() != 0;
    }

    /// Sends `dp` on the channel with `label`.
    detail::SctpSendResult send(const std::string& label, const std::string& bytes) {
        const DataChannel* ch = data_ ? data_->find(label) : nullptr;
        if (ch == nullptr) return detail::SctpSendResult::NotConnected;
        return data_->send(ch->stream, std::as_bytes(std::span(bytes.data(), bytes.size())), true);
    }
    /// Both channels acknowledged by the SFU (so it has them open too).
    [[nodiscard]] bool ready() const {
        if (!data_) return false;
        const DataChannel* r = data_->find("_reliable");
        const DataChannel* l = data_->find("_lossy");
        return r != nullptr && l != nullptr && r->acked && l->acked;
    }
    [[nodiscard]] bool has_topic(const std::string& topic) const {
        for (const auto& g : got) {
            if (g.packet.has_user() && g.packet.user().topic() == topic) return true;
        }
        return false;
    }

    std::vector<Got> got;

private:
    void send_raw(std::span<const std::byte> d) {
        boost::system::error_code ec;
        socket_.send_to(asio::buffer(d.data(), d.size()), server_, 0, ec);
    }
    void receive() {
        socket_.async_receive(asio::buffer(rx_), [this](boost::system::error_code ec, std::size_t n) {
            if (ec) return;
            on_datagram(std::span<std::byte>(rx_.data(), n));
            receive();
        });
    }
    void tick() {
        // Binding requests keep ICE consent (and nominate); SCTP timers run here too.
        std::array<std::byte, 512> out{};
        stun::TransactionId tid{};
        for (auto& b : tid) b = static_cast<std::byte>(random_token(1)[0]);
        stun::MessageBuilder b(out, stun::kBindingRequest, tid);
        b.add_string(stun::attr::kUsername, remote_ufrag_ + ":" + ufrag_)
            .add_u32(stun::attr::kPriority, 2130706431)
            .add_u64(stun::attr::kIceControlling, 42)
            .add_flag(stun::attr::kUseCandidate)
            .add_message_integrity(remote_pwd_)
            .add_fingerprint();
        if (auto n = b.finish()) send_raw(std::span<const std::byte>(out.data(), *n));
        detail::SctpAssociation::drive_timers();
        timer_.expires_after(std::chrono::milliseconds(50));
        timer_.async_wait([this](boost::system::error_code ec) {
            if (!ec) tick();
        });
    }
    void on_datagram(std::span<std::byte> d) {
        const auto kind = wire::classify(d);
        if (kind == wire::PacketKind::Stun) {
            auto m = stun::parse(d);
            if (m && m->type() == stun::kBindingSuccess && !ice_ok_) {
                ice_ok_ = true;
                dtls_->start();
            }
        } else if (kind == wire::PacketKind::Dtls) {
            const auto before = dtls_->state();
            if (dtls_->feed(d) == DtlsTransport::State::Connected &&
                before != DtlsTransport::State::Connected) {
                start_data();
            }
        }
    }
    void start_data() {
        DataChannelTransport::Callbacks cb;
        cb.packet = [this](std::span<const std::byte> p) { (void)dtls_->send_data(p); };
        cb.message = [this](const DataChannel& ch, bool, std::span<const std::byte> bytes) {
            Got g;
            g.label = ch.label;
            EXPECT_TRUE(g.packet.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
            got.push_back(std::move(g));
        };
        cb.state = [this](detail::SctpState s) {
            if (s != detail::SctpState::Connected) return;
            // livekit-client's channels, in its order.
            data_->open({"_lossy", "", false, 0, std::nullopt});
            data_->open({"_reliable", "", true, std::nullopt, std::nullopt});
        };
        data_ = std::make_unique<DataChannelTransport>(
            detail::SctpOptions{}, true, std::move(cb),
            [this](std::function<void()> f) { asio::post(ioc_, std::move(f)); });
        dtls_->set_data_handler([this](std::span<const std::byte> r) { data_->feed(r); });
        data_->start();
    }

    asio::io_context& ioc_;
    std::shared_ptr<const DtlsCertificate> cert_;
    asio::ip::udp::socket socket_;
    asio::steady_timer timer_;
    asio::ip::udp::endpoint server_;
    std::string ufrag_, pwd_, remote_ufrag_, remote_pwd_;
    wire::sdp::Fingerprint remote_fp_;
    std::unique_ptr<DtlsTransport> dtls_;
    bool ice_ok_ = false;
    std::array<std::byte, 2048> rx_{};
    std::unique_ptr<DataChannelTransport> data_;  // last: its callbacks use the members above
};

std::string user_packet(const std::string& payload, const std::string& topic,
                        std::vector<std::string> to = {}) {
    livekit::DataPacket dp;
    dp.mutable_user()->set_payload(payload);
    dp.mutable_user()->set_topic(topic);
    for (const auto& id : to) dp.add_destination_identities(id);
    return dp.SerializeAsString();
}

class DataSfuTest : public test_support::SfuFixture {
protected:
    // Two workers: rooms on different workers drive usrsctp's timers concurrently.
    void configure(MediaConfig& cfg) override { cfg.workers = 2; }
    void TearDown() override {
        data_peers_.clear();
        SfuFixture::TearDown();
    }
    /// A participant session for `identity` ("PA_<identity>"), connected with both channels up.
    DataPeer& join(const std::string& room, const std::string& identity, bool can_publish_data = true,
                   bool hidden = false, std::string* resource = nullptr) {
        data_peers_.push_back(std::make_unique<DataPeer>(ioc_, cert_));
        DataPeer& p = *data_peers_.back();
        ParticipantContext ctx;
        ctx.participant_sid = "PA_" + identity;
        ctx.can_publish_data = can_publish_data;
        ctx.hidden = hidden;
        auto answer = server_->create_session(SessionKind::Participant, room, identity, p.offer(), ctx);
        EXPECT_EQ(answer.status, 201) << answer.message;
        EXPECT_NE(answer.answer_sdp.find("a=max-message-size:65536"), std::string::npos);
        if (resource) *resource = answer.resource_id;
        EXPECT_TRUE(p.start(answer.answer_sdp));
        EXPECT_TRUE(run_until([&] { return p.ready(); }, std::chrono::seconds(10)))
            << identity << ": channels did not open";
        return p;
    }

    std::vector<std::unique_ptr<DataPeer>> data_peers_;
};

TEST_F(DataSfuTest, PacketsAreStampedAndForwardedOnTheSameKindOfChannel) {
    DataPeer& alice = join("r", "alice");
    DataPeer& bob = join("r", "bob");
    DataPeer& carol = join("r", "carol");
    // A forged identity is overwritten by the SFU.
    livekit::DataPacket dp;
    dp.ParseFromString(user_packet("hello", "chat"));
    dp.set_participant_identity("mallory");
    ASSERT_EQ(alice.send("_reliable", dp.SerializeAsString()), detail::SctpSendResult::Sent);
    ASSERT_EQ(alice.send("_lossy", user_packet("pos", "lossy")), detail::SctpSendResult::Sent);
    ASSERT_TRUE(run_until([&] { return bob.got.size() == 2 && carol.got.size() == 2; }));
    for (DataPeer* p : {&bob, &carol}) {
        const auto& g = p->got[0];
        EXPECT_EQ(g.label, "_reliable");
        EXPECT_EQ(g.packet.participant_identity(), "alice");
        EXPECT_EQ(g.packet.participant_sid(), "PA_alice");
        EXPECT_EQ(g.packet.user().participant_identity(), "alice");
        EXPECT_EQ(g.packet.user().payload(), "hello");
        EXPECT_EQ(g.packet.user().topic(), "chat");
        EXPECT_EQ(g.packet.kind(), livekit::DataPacket::RELIABLE);
        EXPECT_EQ(p->got[1].label, "_lossy");
        EXPECT_EQ(p->got[1].packet.kind(), livekit::DataPacket::LOSSY);
    }
    EXPECT_TRUE(alice.got.empty());  // not echoed to the sender
    const auto s = server_->stats();
    EXPECT_EQ(s.data_in, 2U);
    EXPECT_EQ(s.data_out, 4U);
}

TEST_F(DataSfuTest, DestinationIdentitiesLimitTheReceivers) {
    DataPeer& alice = join("r", "alice");
    DataPeer& bob = join("r", "bob");
    DataPeer& carol = join("r", "carol");
    ASSERT_EQ(alice.send("_reliable", user_packet("psst", "dm", {"bob"})), detail::SctpSendResult::Sent);
    ASSERT_EQ(alice.send("_reliable", user_packet("all", "marker")), detail::SctpSendResult::Sent);
    ASSERT_TRUE(run_until([&] { return bob.has_topic("marker") && carol.has_topic("marker"); }));
    EXPECT_TRUE(bob.has_topic("dm"));
    EXPECT_FALSE(carol.has_topic("dm"));
}

TEST_F(DataSfuTest, WithoutCanPublishDataNothingIsForwarded) {
    std::string alice_id;
    DataPeer& alice = join("r", "alice", true, false, &alice_id);
    DataPeer& bob = join("r", "bob");
    DataPeer& mallory = join("r", "mallory", /*can_publish_data=*/false);
    ASSERT_EQ(mallory.send("_reliable", user_packet("no", "forbidden")), detail::SctpSendResult::Sent);
    // Revoked later (RoomService UpdateParticipant): refused from then on.
    ASSERT_TRUE(server_->set_data_permission("r", alice_id, false));
    EXPECT_FALSE(server_->set_data_permission("r", "nope", false));
    ASSERT_EQ(alice.send("_reliable", user_packet("no", "revoked")), detail::SctpSendResult::Sent);
    ASSERT_EQ(bob.send("_reliable", user_packet("yes", "marker")), detail::SctpSendResult::Sent);
    ASSERT_TRUE(run_until([&] { return alice.has_topic("marker") && mallory.has_topic("marker"); }));
    ASSERT_TRUE(run_until([&] { return server_->stats().data_refused == 2; }));
    EXPECT_TRUE(bob.got.empty());
    EXPECT_FALSE(alice.has_topic("forbidden"));
}

TEST_F(DataSfuTest, HiddenSendersLoseTheirIdentityAndHiddenReceiversGetPackets) {
    DataPeer& alice = join("r", "alice");
    DataPeer& ghost = join("r", "ghost", true, /*hidden=*/true);
    ASSERT_EQ(ghost.send("_reliable", user_packet("boo", "ghost")), detail::SctpSendResult::Sent);
    ASSERT_EQ(alice.send("_reliable", user_packet("hi", "alice")), detail::SctpSendResult::Sent);
    ASSERT_TRUE(run_until([&] { return alice.has_topic("ghost") && ghost.has_topic("alice"); }));
    EXPECT_EQ(alice.got[0].packet.participant_identity(), "");
    EXPECT_EQ(alice.got[0].packet.user().participant_identity(), "");
}

TEST_F(DataSfuTest, MalformedPacketsAreCountedAndDropped) {
    DataPeer& alice = join("r", "alice");
    DataPeer& bob = join("r", "bob");
    ASSERT_EQ(alice.send("_reliable", std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11)),
              detail::SctpSendResult::Sent);
    ASSERT_EQ(alice.send("_reliable", user_packet("ok", "marker")), detail::SctpSendResult::Sent);
    ASSERT_TRUE(run_until([&] { return bob.has_topic("marker"); }));
    EXPECT_EQ(bob.got.size(), 1U);
    EXPECT_EQ(server_->stats().data_malformed, 1U);
}

TEST_F(DataSfuTest, SendDataReachesTheRoomOrItsDestinations) {
    DataPeer& alice = join("r", "alice");
    DataPeer& bob = join("r", "bob");
    join("other", "carol");  // another room (and worker): never addressed
    livekit::DataPacket dp;
    dp.mutable_user()->set_payload("server says");
    dp.mutable_user()->set_topic("announce");
    DataDelivery all;
    all.packet = dp.SerializeAsString();
    EXPECT_EQ(server_->send_data("r", all), 2U);
    DataDelivery to_bob = all;
    to_bob.lossy = true;
    to_bob.destination_sids = {"PA_bob"};
    dp.mutable_user()->set_topic("to-bob");
    to_bob.packet = dp.SerializeAsString();
    EXPECT_EQ(server_->send_data("r", to_bob), 1U);
    EXPECT_EQ(server_->send_data("no-room", all), 0U);
    ASSERT_TRUE(run_until([&] { return alice.has_topic("announce") && bob.has_topic("to-bob"); }));
    EXPECT_FALSE(alice.has_topic("to-bob"));
    EXPECT_EQ(bob.got.back().label, "_lossy");
    EXPECT_TRUE(data_peers_.back()->got.empty());
}

TEST_F(DataSfuTest, ReliablePacketsWaitBoundedForAReceiverThatIsNotConnectedYet) {
    join("r", "alice");
    DataPeer late(ioc_, cert_);
    ParticipantContext ctx;
    ctx.participant_sid = "PA_late";
    auto answer = server_->create_session(SessionKind::Participant, "r", "late", late.offer(), ctx);
    ASSERT_EQ(answer.status, 201) << answer.message;
    livekit::DataPacket dp;
    DataDelivery d;
    d.destination_identities = {"late"};
    std::size_t queued = 0;
    for (int i = 0; i < 70; ++i) {
        dp.mutable_user()->set_topic("q" + std::to_string(i));
        d.packet = dp.SerializeAsString();
        queued += server_->send_data("r", d);
    }
    EXPECT_EQ(queued, detail::kMaxPendingDataPackets);  // the rest are dropped
    d.lossy = true;
    EXPECT_EQ(server_->send_data("r", d), 0U);  // lossy packets do not wait
    // Once it connects and opens `_reliable`, the queue arrives in order.
    ASSERT_TRUE(late.start(answer.answer_sdp));
    ASSERT_TRUE(run_until([&] { return late.got.size() == detail::kMaxPendingDataPackets; }));
    for (std::size_t i = 0; i < late.got.size(); ++i) {
        EXPECT_EQ(late.got[i].packet.user().topic(), "q" + std::to_string(i));
    }
}

}  // namespace
}  // namespace cohost::media
