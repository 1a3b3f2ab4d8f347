// SrtpSession: protect on one session, unprotect on the mirrored one, for both profiles.
#include "cohost/media/srtp.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <vector>

#include "cohost/media/dtls.hpp"

namespace cohost::media {
namespace {

using Bytes = std::vector<std::byte>;

/// Keys for a sender `a` and its mirror `b` (a.local == b.remote and vice versa).
struct Mirrored {
    SrtpKeyMaterial a;
    SrtpKeyMaterial b;
};

Mirrored mirrored_keys(SrtpProfile profile) {
    const std::size_t n = srtp_key_size(profile) + srtp_salt_size(profile);
    Mirrored m;
    m.a.profile = m.b.profile = profile;
    for (std::size_t i = 0; i < n; ++i) {
        m.a.local.push_back(static_cast<std::uint8_t>(i * 7 + 1));
        m.a.remote.push_back(static_cast<std::uint8_t>(i * 13 + 5));
    }
    m.b.local = m.a.remote;
    m.b.remote = m.a.local;
    return m;
}

/// A 12-byte RTP header (PT 96, `seq`, SSRC 0x11223344) and `payload` bytes, with room for the
/// trailer after it.
Bytes rtp_packet(std::uint16_t seq, std::size_t payload = 160) {
    Bytes b(12 + payload + SrtpSession::kMaxTrailer);
    b[0] = std::byte{0x80};
    b[1] = std::byte{96};
    b[2] = static_cast<std::byte>(seq >> 8);
    b[3] = static_cast<std::byte>(seq & 0xFF);
    b[7] = std::byte{0x10};  // timestamp
    b[8] = std::byte{0x11};
    b[9] = std::byte{0x22};
    b[10] = std::byte{0x33};
    b[11] = std::byte{0x44};
    for (std::size_t i = 0; i < payload; ++i) b[12 + i] = static_cast<std::byte>(i);
    return b;
}
constexpr std::size_t rtp_len(std::size_t payload = 160) { return 12 + payload; }

/// A receiver report (RFC 3550 §6.4.2) with one report block: 32 bytes.
Bytes rtcp_rr() {
    Bytes b(32 + SrtpSession::kMaxTrailer);
    b[0] = std::byte{0x81};  // V=2, RC=1
    b[1] = std::byte{201};
    b[3] = std::byte{7};  // length in words - 1
    b[4] = std::byte{0xAA};
    b[8] = std::byte{0x11};
    for (std::size_t i = 12; i < 32; ++i) b[i] = static_cast<std::byte>(i);
    return b;
}

class SrtpBothProfiles : public ::testing::TestWithParam<SrtpProfile> {
protected:
    void SetUp() override {
        const Mirrored m = mirrored_keys(GetParam());
        auto a = SrtpSession::create(m.a);
        auto b = SrtpSession::create(m.b);
        ASSERT_TRUE(a.has_value()) << a.error().message();
        ASSERT_TRUE(b.has_value()) << b.error().message();
        sender = std::move(*a);
        receiver = std::move(*b);
    }
    std::size_t tag() const { return GetParam() == SrtpProfile::AeadAes128Gcm ? 16 : 10; }

    std::unique_ptr<SrtpSession> sender;
    std::unique_ptr<SrtpSession> receiver;
};

TEST_P(SrtpBothProfiles, RtpRoundTrip) {
    EXPECT_EQ(sender->profile(), GetParam());
    const Bytes plain = rtp_packet(1000);
    Bytes buf = plain;
    auto protected_len = sender->protect_rtp(buf, rtp_len());
    ASSERT_TRUE(protected_len.has_value()) << protected_len.error().message();
    EXPECT_EQ(*protected_len, rtp_len() + tag());
    EXPECT_EQ(std::memcmp(buf.data(), plain.data(), 12), 0) << "the header stays clear";
    EXPECT_NE(std::memcmp(buf.data() + 12, plain.data() + 12, 160), 0) << "payload encrypted";

    auto plain_len = receiver->unprotect_rtp(buf, *protected_len);
    ASSERT_TRUE(plain_len.has_value()) << plain_len.error().message();
    EXPECT_EQ(*plain_len, rtp_len());
    EXPECT_EQ(std::memcmp(buf.data(), plain.data(), rtp_len()), 0);
}

TEST_P(SrtpBothProfiles, RtcpRoundTripBothWays) {
    const Bytes plain = rtcp_rr();
    Bytes buf = plain;
    auto protected_len = sender->protect_rtcp(buf, 32);
    ASSERT_TRUE(protected_len.has_value()) << protected_len.error().message();
    EXPECT_EQ(*protected_len, 32 + 4 + tag());
    auto plain_len = receiver->unprotect_rtcp(buf, *protected_len);
    ASSERT_TRUE(plain_len.has_value()) << plain_len.error().message();
    ASSERT_EQ(*plain_len, 32u);
    EXPECT_EQ(std::memcmp(buf.data(), plain.data(), 32), 0);

    // The mirrored direction uses the other key.
    buf = plain;
    auto back = receiver->protect_rtcp(buf, 32);
    ASSERT_TRUE(back.has_value());
    Bytes own = buf;
    auto wrong_way = receiver->unprotect_rtcp(own, *back);
    EXPECT_FALSE(wrong_way.has_value()) << "a session cannot unprotect its own output";
    buf = plain;
    back = receiver->protect_rtcp(buf, 32);
    ASSERT_TRUE(back.has_value());
    EXPECT_TRUE(sender->unprotect_rtcp(buf, *back).has_value());
}

TEST_P(SrtpBothProfiles, TamperedPacketsFailAuthentication) {
    for (const std::size_t at : {std::size_t{2}, std::size_t{40}, rtp_len() + 1}) {
        Bytes buf = rtp_packet(static_cast<std::uint16_t>(2000 + at));
        auto len = sender->protect_rtp(buf, rtp_len());
        ASSERT_TRUE(len.has_value());
        buf[at] ^= std::byte{0x01};  // header, payload, tag
        auto r = receiver->unprotect_rtp(buf, *len);
        ASSERT_FALSE(r.has_value()) << "byte " << at;
        EXPECT_EQ(r.error(), make_error_code(SrtpErrc::AuthFailed)) << r.error().message();
    }
    Bytes rtcp = rtcp_rr();
    auto len = sender->protect_rtcp(rtcp, 32);
    ASSERT_TRUE(len.has_value());
    rtcp[20] ^= std::byte{0x80};
    auto r = receiver->unprotect_rtcp(rtcp, *len);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), make_error_code(SrtpErrc::AuthFailed));
}

TEST_P(SrtpBothProfiles, ReplayedPacketIsRejected) {
    Bytes buf = rtp_packet(3000);
    auto len = sender->protect_rtp(buf, rtp_len());
    ASSERT_TRUE(len.has_value());
    const Bytes wire = buf;
    ASSERT_TRUE(receiver->unprotect_rtp(buf, *len).has_value());
    Bytes again = wire;
    auto r = receiver->unprotect_rtp(again, *len);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), make_error_code(SrtpErrc::Replay)) << r.error().message();

    Bytes rtcp = rtcp_rr();
    auto rl = sender->protect_rtcp(rtcp, 32);
    ASSERT_TRUE(rl.has_value());
    const Bytes rtcp_wire = rtcp;
    ASSERT_TRUE(receiver->unprotect_rtcp(rtcp, *rl).has_value());
    rtcp = rtcp_wire;
    auto rr = receiver->unprotect_rtcp(rtcp, *rl);
    ASSERT_FALSE(rr.has_value());
    EXPECT_EQ(rr.error(), make_error_code(SrtpErrc::Replay));
}

TEST_P(SrtpBothProfiles, ProtectingTheSamePacketTwiceIsAllowedForNackAnswers) {
    const Bytes plain = rtp_packet(4000);
    Bytes first = plain;
    Bytes second = plain;
    auto l1 = sender->protect_rtp(first, rtp_len());
    Bytes newer = rtp_packet(4001);
    ASSERT_TRUE(sender->protect_rtp(newer, rtp_len()).has_value());
    auto l2 = sender->protect_rtp(second, rtp_len());  // a retransmission of 4000
    ASSERT_TRUE(l1.has_value());
    ASSERT_TRUE(l2.has_value()) << l2.error().message();
    EXPECT_EQ(first, second) << "same index, same key: identical output";
    // The receiver takes the first copy and treats the second as the replay it is.
    EXPECT_TRUE(receiver->unprotect_rtp(first, *l1).has_value());
    EXPECT_FALSE(receiver->unprotect_rtp(second, *l2).has_value());
}

TEST_P(SrtpBothProfiles, OutOfOrderWithinTheWindowIsAccepted) {
    std::vector<Bytes> packets;
    std::vector<std::size_t> lens;
    for (std::uint16_t s = 0; s < 5; ++s) {
        packets.push_back(rtp_packet(static_cast<std::uint16_t>(5000 + s)));
        auto l = sender->protect_rtp(packets.back(), rtp_len());
        ASSERT_TRUE(l.has_value());
        lens.push_back(*l);
    }
    for (const std::size_t i : {4u, 0u, 2u, 1u, 3u}) {
        EXPECT_TRUE(receiver->unprotect_rtp(packets[i], lens[i]).has_value()) << i;
    }
}

TEST_P(SrtpBothProfiles, TruncatedAndOversizedInputIsRefused) {
    Bytes buf = rtp_packet(6000);
    auto len = sender->protect_rtp(buf, rtp_len());
    ASSERT_TRUE(len.has_value());
    const auto too_short = make_error_code(SrtpErrc::TooShort);
    // Anything shorter than the header plus the tag.
    for (const std::size_t n : {std::size_t{0}, std::size_t{5}, std::size_t{12}, 12 + tag() - 1}) {
        Bytes copy = buf;
        auto r = receiver->unprotect_rtp(copy, n);
        ASSERT_FALSE(r.has_value()) << n;
        EXPECT_EQ(r.error(), too_short) << n;
    }
    // Cut inside the payload: the tag is read from the wrong place and fails.
    Bytes cut = buf;
    EXPECT_FALSE(receiver->unprotect_rtp(cut, *len - 3).has_value());
    // len past the end of the buffer.
    Bytes copy = buf;
    EXPECT_EQ(receiver->unprotect_rtp(std::span(copy).first(20), 40).error(), too_short);
    EXPECT_EQ(sender->protect_rtp(copy, copy.size() + 1).error(), too_short);
    EXPECT_EQ(sender->protect_rtp(copy, 11).error(), too_short);
    // No room for the tag.
    Bytes exact = rtp_packet(6001);
    EXPECT_EQ(sender->protect_rtp(std::span(exact).first(rtp_len()), rtp_len()).error(),
              make_error_code(SrtpErrc::BufferTooSmall));
    // RTCP: header 8 + index 4 + tag.
    Bytes rtcp = rtcp_rr();
    auto rl = sender->protect_rtcp(rtcp, 32);
    ASSERT_TRUE(rl.has_value());
    EXPECT_EQ(receiver->unprotect_rtcp(rtcp, 8 + 4 + tag() - 1).error(), too_short);
    EXPECT_EQ(sender->protect_rtcp(rtcp, 7).error(), too_short);
    EXPECT_EQ(sender->protect_rtcp(std::span(rtcp).first(32), 32).error(),
              make_error_code(SrtpErrc::BufferTooSmall));
}

TEST_P(SrtpBothProfiles, MalformedHeadersAreRefused) {
    Bytes v1 = rtp_packet(7000);
    v1[0] = std::byte{0x40};  // version 1
    EXPECT_EQ(sender->protect_rtp(v1, rtp_len()).error(), make_error_code(SrtpErrc::BadHeader));
    EXPECT_EQ(receiver->unprotect_rtp(v1, rtp_len()).error(), make_error_code(SrtpErrc::BadHeader));
    Bytes csrc = rtp_packet(7001, 8);
    csrc[0] = std::byte{0x8F};  // 15 CSRCs = 60 bytes in a 20-byte packet
    EXPECT_FALSE(sender->protect_rtp(csrc, rtp_len(8)).has_value());
    Bytes rtcp = rtcp_rr();
    rtcp[0] = std::byte{0x01};
    EXPECT_EQ(sender->protect_rtcp(rtcp, 32).error(), make_error_code(SrtpErrc::BadHeader));
}

INSTANTIATE_TEST_SUITE_P(Profiles, SrtpBothProfiles,
                         ::testing::Values(SrtpProfile::AeadAes128Gcm,
                                           SrtpProfile::Aes128CmSha1_80),
                         [](const auto& param_info) {
                             return param_info.param == SrtpProfile::AeadAes128Gcm ? "Gcm" : "Cm";
                         });

TEST(SrtpSession, CreateRejectsKeysOfTheWrongLength) {
    Mirrored m = mirrored_keys(SrtpProfile::AeadAes128Gcm);
    m.a.profile = SrtpProfile::Aes128CmSha1_80;  // 28-byte keys for a 30-byte profile
    auto r = SrtpSession::create(m.a);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), make_error_code(SrtpErrc::BadKey));
    m = mirrored_keys(SrtpProfile::AeadAes128Gcm);
    m.a.remote.clear();
    EXPECT_FALSE(SrtpSession::create(m.a).has_value());
    EXPECT_EQ(make_error_code(SrtpErrc::Replay).category().name(), std::string("srtp"));
}

TEST(SrtpSession, DifferentKeysDoNotInteroperate) {
    Mirrored m1 = mirrored_keys(SrtpProfile::AeadAes128Gcm);
    Mirrored m2 = mirrored_keys(SrtpProfile::AeadAes128Gcm);
    m2.b.remote[0] ^= 0xFF;
    auto a = SrtpSession::create(m1.a);
    auto b = SrtpSession::create(m2.b);
    ASSERT_TRUE(a.has_value() && b.has_value());
    Bytes buf = rtp_packet(1);
    auto len = (*a)->protect_rtp(buf, rtp_len());
    ASSERT_TRUE(len.has_value());
    EXPECT_EQ((*b)->unprotect_rtp(buf, *len).error(), make_error_code(SrtpErrc::AuthFailed));
}

TEST(SrtpSession, KeysFromADtlsHandshakeInteroperate) {
    std::deque<Bytes> to_server;
    std::deque<Bytes> to_client;
    const auto cc = DtlsCertificate::generate();
    const auto sc = DtlsCertificate::generate();
    DtlsTransport client(
        cc, DtlsRole::Client, sc->fingerprint(),
        [&](std::span<const std::byte> d) { to_server.emplace_back(d.begin(), d.end()); });
    DtlsTransport server(
        sc, DtlsRole::Server, cc->fingerprint(),
        [&](std::span<const std::byte> d) { to_client.emplace_back(d.begin(), d.end()); });
    client.start();
    for (int i = 0; i < 20 && (!to_server.empty() || !to_client.empty()); ++i) {
        for (; !to_server.empty(); to_server.pop_front()) server.feed(to_server.front());
        for (; !to_client.empty(); to_client.pop_front()) client.feed(to_client.front());
    }
    ASSERT_EQ(client.state(), DtlsTransport::State::Connected) << client.error();
    ASSERT_EQ(server.state(), DtlsTransport::State::Connected) << server.error();
    auto c = SrtpSession::create(client.srtp_keys());
    auto s = SrtpSession::create(server.srtp_keys());
    ASSERT_TRUE(c.has_value() && s.has_value());
    EXPECT_EQ((*c)->profile(), SrtpProfile::AeadAes128Gcm);
    for (const bool client_sends : {true, false}) {
        SrtpSession& tx = client_sends ? **c : **s;
        SrtpSession& rx = client_sends ? **s : **c;
        Bytes buf = rtp_packet(client_sends ? 10 : 20);
        const Bytes plain = buf;
        auto len = tx.protect_rtp(buf, rtp_len());
        ASSERT_TRUE(len.has_value());
        auto out = rx.unprotect_rtp(buf, *len);
        ASSERT_TRUE(out.has_value()) << out.error().message();
        EXPECT_EQ(std::memcmp(buf.data(), plain.data(), rtp_len()), 0);
    }
}

}  // namespace
}  // namespace cohost::media
