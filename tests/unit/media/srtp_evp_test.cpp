// SrtpEvp (the OpenSSL EVP SRTP engine) against libsrtp2, packet for packet: the same bytes out of
// protect, each unprotects the other's output, both refuse the same tampered, truncated and
// malformed input. Replay and ROC behaviour is compared in srtp_evp_replay_test.cpp.
#include "srtp_evp.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "srtp_reference.hpp"

namespace cohost::media {
namespace {

using namespace srtp_test;

std::unique_ptr<SrtpEvp> evp(SrtpProfile p, const std::vector<std::uint8_t>& key, bool tx) {
    auto r = SrtpEvp::create(p, key, tx);
    if (!r.has_value()) ADD_FAILURE() << r.error().message();
    return r.has_value() ? std::move(*r) : nullptr;
}

/// Both engines, sender and receiver side, on one random key.
struct Engines {
    Engines(SrtpProfile p, std::mt19937_64& rng)
        : key(random_key(p, rng)),
          lib_tx(p, key, true),
          lib_rx(p, key, false),
          evp_tx(evp(p, key, true)),
          evp_rx(evp(p, key, false)) {}
    std::vector<std::uint8_t> key;
    LibSrtp lib_tx;
    LibSrtp lib_rx;
    std::unique_ptr<SrtpEvp> evp_tx;
    std::unique_ptr<SrtpEvp> evp_rx;
};

std::vector<RtpSpec> rtp_variants() {
    std::vector<RtpSpec> v;
    v.push_back({});                                                  // plain, 160 bytes
    v.push_back({.csrcs = 3});                                        // CSRCs
    v.push_back({.csrcs = 15, .payload = 40});                        // all CSRCs
    v.push_back({.extension = 1});                                    // one-byte extension
    v.push_back({.extension = 2, .payload = 1200});                   // two-byte extension
    v.push_back({.csrcs = 2, .extension = 1, .padding = 7});          // everything
    v.push_back({.payload = 33, .padding = 255});                     // big padding
    v.push_back({.payload = 0});                                      // header only
    v.push_back({.payload = 1});                                      // one byte
    v.push_back({.ssrc = 0xDEADBEEF, .extension = 2, .payload = 17}); // second SSRC
    v.push_back({.ssrc = 0, .payload = 64});                          // SSRC 0
    return v;
}

/// Protects `plain` (RTP or RTCP) on both senders and expects the same `want_len` bytes; then
/// unprotects libsrtp's output with EVP and EVP's output with libsrtp, both back to `plain`.
void protect_both_and_cross(Engines& e, const Packet& plain, bool rtcp, std::size_t want_len,
                            const std::string& what) {
    Packet a = plain;
    Packet b = plain;
    const LibResult lr = rtcp ? e.lib_tx.protect_rtcp(a) : e.lib_tx.protect_rtp(a);
    ASSERT_EQ(lr.status, srtp_err_status_ok) << what;
    auto er = rtcp ? e.evp_tx->protect_rtcp(b.buf, b.len) : e.evp_tx->protect_rtp(b.buf, b.len);
    ASSERT_TRUE(er.has_value()) << what << ": " << er.error().message();
    ASSERT_EQ(*er, lr.len) << what;
    ASSERT_EQ(*er, want_len) << what;
    ASSERT_TRUE(same(a, b, lr.len)) << what << ": protect output differs";
    EXPECT_TRUE(same(a, plain, rtcp ? 8 : 12)) << what << ": the header stays clear";
    a.len = b.len = lr.len;

    auto back =
        rtcp ? e.evp_rx->unprotect_rtcp(a.buf, a.len) : e.evp_rx->unprotect_rtp(a.buf, a.len);
    ASSERT_TRUE(back.has_value()) << what << ": " << back.error().message();
    ASSERT_EQ(*back, plain.len) << what;
    EXPECT_TRUE(same(a, plain, plain.len)) << what;
    const LibResult lb = rtcp ? e.lib_rx.unprotect_rtcp(b) : e.lib_rx.unprotect_rtp(b);
    ASSERT_EQ(lb.status, srtp_err_status_ok) << what;
    ASSERT_EQ(lb.len, plain.len) << what;
    EXPECT_TRUE(same(b, plain, plain.len)) << what;
}

class SrtpEvpVsLibsrtp : public ::testing::TestWithParam<SrtpProfile> {
protected:
    std::size_t tag() const { return GetParam() == SrtpProfile::AeadAes128Gcm ? 16 : 10; }
    std::mt19937_64 rng{0x5EED0001};
};

TEST_P(SrtpEvpVsLibsrtp, RtpProtectIsByteIdenticalAndEachUnprotectsTheOther) {
    for (int round = 0; round < 8; ++round) {  // a fresh random key each round
        Engines e(GetParam(), rng);
        ASSERT_TRUE(e.lib_tx.ok() && e.lib_rx.ok() && e.evp_tx && e.evp_rx);
        std::uint16_t seq = static_cast<std::uint16_t>(rng());
        for (RtpSpec spec : rtp_variants()) {
            spec.seq = seq++;
            const Packet plain = rtp_packet(spec, rng);
            protect_both_and_cross(e, plain, false, plain.len + tag(),
                                   "round " + std::to_string(round) + " seq " +
                                       std::to_string(spec.seq));
            if (HasFatalFailure()) return;
        }
        EXPECT_EQ(e.evp_tx->stream_count(), 3u);  // 0x11223344, 0xDEADBEEF, 0
        EXPECT_EQ(e.evp_rx->stream_count(), 3u);
    }
}

TEST_P(SrtpEvpVsLibsrtp, RtcpProtectIsByteIdenticalAndEachUnprotectsTheOther) {
    for (int round = 0; round < 4; ++round) {
        Engines e(GetParam(), rng);
        ASSERT_TRUE(e.lib_tx.ok() && e.lib_rx.ok() && e.evp_tx && e.evp_rx);
        // Several senders interleaved: each SSRC has its own SRTCP index, starting at 1.
        for (int i = 0; i < 30; ++i) {
            const std::uint32_t ssrc = 0xA0000000U + static_cast<std::uint32_t>(i % 3);
            const Packet plain = rtcp_packet(ssrc, rng);
            protect_both_and_cross(e, plain, true, plain.len + tag() + 4,
                                   "round " + std::to_string(round) + " packet " +
                                       std::to_string(i));
            if (HasFatalFailure()) return;
        }
    }
}

TEST_P(SrtpEvpVsLibsrtp, RtcpWithoutEncryptionIsAuthenticatedOnly) {
    // A peer may send SRTCP with E = 0 (RFC 3711 §3.4; GCM: RFC 7714 §9.3). libsrtp accepts it.
    const auto key = random_key(GetParam(), rng);
    LibSrtp auth_only(GetParam(), key, true, /*rtcp_auth_only=*/true);
    auto rx = evp(GetParam(), key, false);
    ASSERT_TRUE(auth_only.ok() && rx);
    for (int i = 0; i < 3; ++i) {
        const Packet plain = rtcp_packet(0x0BADCAFE, rng);
        Packet p = plain;
        const LibResult lr = auth_only.protect_rtcp(p);
        ASSERT_EQ(lr.status, srtp_err_status_ok);
        p.len = lr.len;
        EXPECT_TRUE(same(p, plain, plain.len)) << "not encrypted";
        Packet tampered = p;
        tampered.buf[20] ^= std::byte{1};
        auto bad = rx->unprotect_rtcp(tampered.buf, tampered.len);
        ASSERT_FALSE(bad.has_value());
        EXPECT_EQ(bad.error(), make_error_code(SrtpErrc::AuthFailed));
        auto r = rx->unprotect_rtcp(p.buf, p.len);
        ASSERT_TRUE(r.has_value()) << r.error().message();
        EXPECT_EQ(*r, plain.len);
        EXPECT_TRUE(same(p, plain, plain.len));
    }
}

TEST_P(SrtpEvpVsLibsrtp, EveryTamperedByteIsRefusedLikeLibsrtp) {
    Engines e(GetParam(), rng);
    ASSERT_TRUE(e.lib_tx.ok() && e.lib_rx.ok() && e.evp_tx && e.evp_rx);
    const Packet plain = rtp_packet({.seq = 77, .csrcs = 1, .extension = 1, .payload = 48}, rng);
    Packet wire = plain;
    const LibResult lr = e.lib_tx.protect_rtp(wire);
    ASSERT_EQ(lr.status, srtp_err_status_ok);
    wire.len = lr.len;
    for (std::size_t at = 0; at < wire.len; ++at) {
        for (const std::byte flip : {std::byte{0x01}, std::byte{0x80}}) {
            Packet a = wire;
            a.buf[at] ^= flip;
            Packet b = a;
            const LibResult lib = e.lib_rx.unprotect_rtp(a);
            auto ours = e.evp_rx->unprotect_rtp(b.buf, b.len);
            ASSERT_NE(lib.status, srtp_err_status_ok) << "libsrtp took byte " << at;
            ASSERT_FALSE(ours.has_value()) << "EVP took byte " << at;
            // srtp.cpp checked the version before libsrtp did (libsrtp does not).
            const SrtpErrc want = (std::to_integer<unsigned>(b.buf[0]) >> 6) != 2
                                      ? SrtpErrc::BadHeader
                                      : lib_errc(lib.status);
            EXPECT_EQ(ours.error(), make_error_code(want))
                << "byte " << at << ": " << ours.error().message() << ", libsrtp "
                << static_cast<int>(lib.status);
        }
    }
    EXPECT_EQ(e.evp_rx->stream_count(), 0u) << "nothing authenticated, no stream state";
    Packet good = wire;
    ASSERT_TRUE(e.evp_rx->unprotect_rtp(good.buf, good.len).has_value());
    EXPECT_TRUE(same(good, plain, plain.len));

    const Packet rtcp_plain = rtcp_packet(0x55667788, rng);
    Packet rtcp = rtcp_plain;
    const LibResult rl = e.lib_tx.protect_rtcp(rtcp);
    ASSERT_EQ(rl.status, srtp_err_status_ok);
    rtcp.len = rl.len;
    for (std::size_t at = 0; at < rtcp.len; ++at) {
        Packet a = rtcp;
        a.buf[at] ^= std::byte{0x04};
        Packet b = a;
        const LibResult lib = e.lib_rx.unprotect_rtcp(a);
        auto ours = e.evp_rx->unprotect_rtcp(b.buf, b.len);
        ASSERT_NE(lib.status, srtp_err_status_ok) << "libsrtp took RTCP byte " << at;
        ASSERT_FALSE(ours.has_value()) << "EVP took RTCP byte " << at;
        EXPECT_EQ(ours.error(), make_error_code(lib_errc(lib.status))) << "RTCP byte " << at;
    }
    auto ok = e.evp_rx->unprotect_rtcp(rtcp.buf, rtcp.len);
    ASSERT_TRUE(ok.has_value());
    EXPECT_TRUE(same(rtcp, rtcp_plain, rtcp_plain.len));
}

TEST_P(SrtpEvpVsLibsrtp, TruncatedInputIsRefused) {
    Engines e(GetParam(), rng);
    ASSERT_TRUE(e.evp_tx && e.evp_rx);
    const Packet plain = rtp_packet({.seq = 9, .extension = 2, .payload = 30}, rng);
    Packet wire = plain;
    auto len = e.evp_tx->protect_rtp(wire.buf, wire.len);
    ASSERT_TRUE(len.has_value());
    for (std::size_t n = 0; n < *len; ++n) {
        Packet cut = wire;
        auto r = e.evp_rx->unprotect_rtp(std::span(cut.buf).first(n), n);
        ASSERT_FALSE(r.has_value()) << n;
        if (n < 12 + tag()) {
            EXPECT_EQ(r.error(), make_error_code(SrtpErrc::TooShort)) << n;
        }
    }
    // len beyond the buffer.
    Packet copy = wire;
    EXPECT_EQ(e.evp_rx->unprotect_rtp(std::span(copy.buf).first(*len - 1), *len).error(),
              make_error_code(SrtpErrc::TooShort));
    ASSERT_TRUE(e.evp_rx->unprotect_rtp(wire.buf, *len).has_value());

    Packet rtcp = rtcp_packet(1, rng);
    auto rl = e.evp_tx->protect_rtcp(rtcp.buf, rtcp.len);
    ASSERT_TRUE(rl.has_value());
    for (std::size_t n = 0; n < *rl; ++n) {
        Packet cut = rtcp;
        auto r = e.evp_rx->unprotect_rtcp(cut.buf, n);
        ASSERT_FALSE(r.has_value()) << n;
        if (n < 8 + 4 + tag()) {
            EXPECT_EQ(r.error(), make_error_code(SrtpErrc::TooShort)) << n;
        }
    }
    ASSERT_TRUE(e.evp_rx->unprotect_rtcp(rtcp.buf, *rl).has_value());
}

TEST_P(SrtpEvpVsLibsrtp, ProtectRefusesWhatLibsrtpRefuses) {
    Engines e(GetParam(), rng);
    ASSERT_TRUE(e.lib_tx.ok() && e.evp_tx);
    const auto bad_header = make_error_code(SrtpErrc::BadHeader);
    // 15 CSRCs do not fit in 20 bytes; an extension whose length runs past the packet.
    Packet csrc = rtp_packet({.seq = 1, .payload = 8}, rng);
    csrc.buf[0] = std::byte{0x8F};
    Packet ext = rtp_packet({.seq = 2, .extension = 1, .payload = 0}, rng);
    ext.buf[15] = std::byte{9};  // 9 words of extension, 2 present
    Packet ext_head = rtp_packet({.seq = 3, .payload = 2}, rng);
    ext_head.buf[0] = std::byte{0x90};  // X set, 14 bytes: no room for the extension header
    for (Packet* p : {&csrc, &ext, &ext_head}) {
        Packet a = *p;
        const LibResult lib = e.lib_tx.protect_rtp(a);
        EXPECT_NE(lib.status, srtp_err_status_ok);
        auto ours = e.evp_tx->protect_rtp(p->buf, p->len);
        ASSERT_FALSE(ours.has_value());
        EXPECT_EQ(ours.error(), bad_header);
    }
    Packet v1 = rtp_packet({.seq = 4}, rng);
    v1.buf[0] = std::byte{0x40};
    EXPECT_EQ(e.evp_tx->protect_rtp(v1.buf, v1.len).error(), bad_header);
    EXPECT_EQ(e.evp_tx->unprotect_rtp(v1.buf, v1.len).error(), bad_header);
    Packet rtcp = rtcp_packet(5, rng);
    rtcp.buf[0] = std::byte{0x01};
    EXPECT_EQ(e.evp_tx->protect_rtcp(rtcp.buf, rtcp.len).error(), bad_header);
    // Buffer checks.
    Packet small = rtp_packet({.seq = 6}, rng);
    EXPECT_EQ(e.evp_tx->protect_rtp(std::span(small.buf).first(small.len), small.len).error(),
              make_error_code(SrtpErrc::BufferTooSmall));
    EXPECT_EQ(e.evp_tx->protect_rtp(small.buf, 11).error(), make_error_code(SrtpErrc::TooShort));
    EXPECT_EQ(e.evp_tx->protect_rtp(small.buf, small.buf.size() + 1).error(),
              make_error_code(SrtpErrc::TooShort));
    Packet rsmall = rtcp_packet(7, rng);
    EXPECT_EQ(e.evp_tx->protect_rtcp(std::span(rsmall.buf).first(rsmall.len), rsmall.len).error(),
              make_error_code(SrtpErrc::BufferTooSmall));
    EXPECT_EQ(e.evp_tx->protect_rtcp(rsmall.buf, 7).error(), make_error_code(SrtpErrc::TooShort));
}

TEST_P(SrtpEvpVsLibsrtp, WrongKeyLengthIsBadKey) {
    auto key = random_key(GetParam(), rng);
    key.pop_back();
    auto r = SrtpEvp::create(GetParam(), key, true);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), make_error_code(SrtpErrc::BadKey));
    key.resize(key.size() + 3);
    EXPECT_EQ(SrtpEvp::create(GetParam(), key, false).error(), make_error_code(SrtpErrc::BadKey));
}

TEST_P(SrtpEvpVsLibsrtp, SrtpSessionMatchesLibsrtp) {
    // The public class the worker uses, whichever engine is behind it.
    const auto local = random_key(GetParam(), rng);
    const auto remote = random_key(GetParam(), rng);
    SrtpKeyMaterial keys;
    keys.profile = GetParam();
    keys.local = local;
    keys.remote = remote;
    auto session = SrtpSession::create(keys);
    ASSERT_TRUE(session.has_value());
    LibSrtp lib_tx(GetParam(), local, true);
    LibSrtp peer_tx(GetParam(), remote, true);
    std::uint16_t seq = 65530;  // wraps on the way
    for (RtpSpec spec : rtp_variants()) {
        spec.seq = seq++;
        const Packet plain = rtp_packet(spec, rng);
        Packet a = plain;
        Packet b = plain;
        ASSERT_EQ(lib_tx.protect_rtp(a).status, srtp_err_status_ok);
        auto ours = (*session)->protect_rtp(b.buf, b.len);
        ASSERT_TRUE(ours.has_value());
        EXPECT_TRUE(same(a, b, *ours));
        Packet in = plain;
        const LibResult pr = peer_tx.protect_rtp(in);
        ASSERT_EQ(pr.status, srtp_err_status_ok);
        auto back = (*session)->unprotect_rtp(in.buf, pr.len);
        ASSERT_TRUE(back.has_value()) << back.error().message();
        EXPECT_TRUE(same(in, plain, plain.len));
    }
    const Packet plain = rtcp_packet(42, rng);
    Packet a = plain;
    Packet b = plain;
    const LibResult lr = lib_tx.protect_rtcp(a);
    auto ours = (*session)->protect_rtcp(b.buf, b.len);
    ASSERT_TRUE(ours.has_value());
    EXPECT_EQ(*ours, lr.len);
    EXPECT_TRUE(same(a, b, lr.len));
    Packet in = plain;
    const LibResult pr = peer_tx.protect_rtcp(in);
    auto back = (*session)->unprotect_rtcp(in.buf, pr.len);
    ASSERT_TRUE(back.has_value());
    EXPECT_TRUE(same(in, plain, plain.len));
}

INSTANTIATE_TEST_SUITE_P(Profiles, SrtpEvpVsLibsrtp, kBothProfiles, profile_name);

}  // namespace
}  // namespace cohost::media
