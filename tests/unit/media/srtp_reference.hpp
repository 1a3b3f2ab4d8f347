#pragma once
/// \file Test helpers for the SRTP engine tests: libsrtp2 sessions configured exactly as the
/// pre-EVP srtp.cpp configured them (the reference implementation), random keys, and RTP/RTCP
/// packet builders (CSRCs, one-/two-byte header extensions, padding).
#include <gtest/gtest.h>
#include <srtp2/srtp.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "cohost/media/dtls.hpp"
#include "cohost/media/srtp.hpp"

namespace cohost::media::srtp_test {

using Bytes = std::vector<std::byte>;

/// Parameters and names for a test suite run once per profile.
inline const auto kBothProfiles =
    ::testing::Values(SrtpProfile::AeadAes128Gcm, SrtpProfile::Aes128CmSha1_80);
inline std::string profile_name(const ::testing::TestParamInfo<SrtpProfile>& info) {
    return info.param == SrtpProfile::AeadAes128Gcm ? "Gcm" : "Cm";
}

/// A packet of `len` bytes in `buf`, with room for the SRTP trailer after it.
struct Packet {
    Bytes buf;
    std::size_t len = 0;
};

/// libsrtp's result: status and the new length.
struct LibResult {
    srtp_err_status_t status = srtp_err_status_fail;
    std::size_t len = 0;
};

/// What `SrtpSession` reported for a libsrtp status (srtp.cpp's map_status before the switch).
inline SrtpErrc lib_errc(srtp_err_status_t s) {
    switch (s) {
        case srtp_err_status_replay_fail:
        case srtp_err_status_replay_old:
        case srtp_err_status_pkt_idx_old:
            return SrtpErrc::Replay;
        case srtp_err_status_auth_fail:
            return SrtpErrc::AuthFailed;
        case srtp_err_status_bad_param:
        case srtp_err_status_parse_err:
            return SrtpErrc::BadHeader;
        default:
            return SrtpErrc::Failed;
    }
}

/// One libsrtp session, wildcard SSRC, window 1,024, allow_repeat_tx on the outbound side:
/// the configuration srtp.cpp used. `rtcp_auth_only` makes it send SRTCP with E = 0.
class LibSrtp {
public:
    LibSrtp(SrtpProfile profile, const std::vector<std::uint8_t>& key, bool outbound,
            bool rtcp_auth_only = false) {
        static std::once_flag once;
        std::call_once(once, [] { srtp_init(); });
        srtp_policy_t policy;
        std::memset(&policy, 0, sizeof policy);
        if (profile == SrtpProfile::AeadAes128Gcm) {
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
        } else {
            srtp_crypto_policy_set_rtp_default(&policy.rtp);
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
        }
        if (rtcp_auth_only) policy.rtcp.sec_serv = sec_serv_auth;
        policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
        policy.key = const_cast<unsigned char*>(key.data());
        policy.window_size = 1024;
        policy.allow_repeat_tx = outbound ? 1 : 0;
        status_ = srtp_create(&session_, &policy);
    }
    ~LibSrtp() {
        if (session_ != nullptr) srtp_dealloc(session_);
    }
    LibSrtp(const LibSrtp&) = delete;
    LibSrtp& operator=(const LibSrtp&) = delete;

    [[nodiscard]] bool ok() const { return status_ == srtp_err_status_ok; }
    LibResult protect_rtp(Packet& p) { return run(srtp_protect, p); }
    LibResult unprotect_rtp(Packet& p) { return run(srtp_unprotect, p); }
    LibResult protect_rtcp(Packet& p) { return run(srtp_protect_rtcp, p); }
    LibResult unprotect_rtcp(Packet& p) { return run(srtp_unprotect_rtcp, p); }

private:
    template <typename F>
    LibResult run(F f, Packet& p) {
        int n = static_cast<int>(p.len);
        LibResult r;
        r.status = f(session_, p.buf.data(), &n);
        r.len = static_cast<std::size_t>(n);
        return r;
    }
    srtp_t session_ = nullptr;
    srtp_err_status_t status_ = srtp_err_status_fail;
};

/// A random master key||salt for `profile`.
inline std::vector<std::uint8_t> random_key(SrtpProfile profile, std::mt19937_64& rng) {
    std::vector<std::uint8_t> k(srtp_key_size(profile) + srtp_salt_size(profile));
    for (auto& b : k) b = static_cast<std::uint8_t>(rng());
    return k;
}

/// How an RTP test packet looks.
struct RtpSpec {
    std::uint16_t seq = 0;
    std::uint32_t ssrc = 0x11223344;
    unsigned csrcs = 0;          ///< 0..15 CSRC entries
    int extension = 0;           ///< 0 none, 1 one-byte (0xBEDE), 2 two-byte (0x100x)
    std::size_t payload = 160;   ///< payload bytes (before padding)
    std::uint8_t padding = 0;    ///< RTP padding bytes (P bit set when > 0)
};

inline void put16(Bytes& b, std::size_t at, std::uint32_t v) {
    b[at] = static_cast<std::byte>(v >> 8);
    b[at + 1] = static_cast<std::byte>(v);
}
inline void put32(Bytes& b, std::size_t at, std::uint32_t v) {
    put16(b, at, v >> 16);
    put16(b, at + 2, v & 0xFFFF);
}

/// Appends an RTP header extension block: `profile`, length in words, `body` (a multiple of 4).
inline void append_extension(Bytes& b, std::uint16_t profile,
                             std::initializer_list<std::uint8_t> body) {
    const std::size_t at = b.size();
    b.resize(at + 4);
    put16(b, at, profile);
    put16(b, at + 2, static_cast<std::uint32_t>(body.size() / 4));
    for (const std::uint8_t v : body) b.push_back(static_cast<std::byte>(v));
}

/// An RTP packet per `spec`, random payload, `SrtpSession::kMaxTrailer` spare bytes.
inline Packet rtp_packet(const RtpSpec& spec, std::mt19937_64& rng) {
    Bytes b(12);
    b[0] = static_cast<std::byte>(0x80 | (spec.padding > 0 ? 0x20 : 0) |
                                  (spec.extension != 0 ? 0x10 : 0) | spec.csrcs);
    b[1] = std::byte{96};
    put16(b, 2, spec.seq);
    put32(b, 4, 90000U * spec.seq);
    put32(b, 8, spec.ssrc);
    for (unsigned i = 0; i < spec.csrcs; ++i) {
        b.resize(b.size() + 4);
        put32(b, b.size() - 4, 0xC0000000U + i);
    }
    if (spec.extension == 1) {  // RFC 8285 one-byte: id 1 len 3, id 3 len 1, padding
        append_extension(b, 0xBEDE, {0x12, 0xAA, 0xBB, 0xCC, 0x30, 0x7F, 0, 0});
    } else if (spec.extension == 2) {  // RFC 8285 two-byte: id 5 len 5, id 9 len 0, padding
        append_extension(b, 0x1000, {5, 5, 0xE0, 0xE1, 0xE2, 0xE3, 0xE4, 9, 0, 0, 0, 0});
    }
    for (std::size_t i = 0; i < spec.payload; ++i) b.push_back(static_cast<std::byte>(rng()));
    for (std::uint8_t i = 1; i < spec.padding; ++i) b.push_back(std::byte{0});
    if (spec.padding > 0) b.push_back(static_cast<std::byte>(spec.padding));
    Packet p;
    p.len = b.size();
    b.resize(b.size() + SrtpSession::kMaxTrailer);
    p.buf = std::move(b);
    return p;
}

/// An RTCP compound: a sender report from `ssrc` with one report block, then an SDES CNAME.
inline Packet rtcp_packet(std::uint32_t ssrc, std::mt19937_64& rng) {
    Bytes b(52 + 16);
    b[0] = std::byte{0x81};  // SR, RC = 1: 28 + 24 bytes
    b[1] = std::byte{200};
    put16(b, 2, 12);
    put32(b, 4, ssrc);
    for (std::size_t i = 8; i < 52; ++i) b[i] = static_cast<std::byte>(rng());
    b[52] = std::byte{0x81};  // SDES, one chunk: SSRC, CNAME "abcde", end, pad = 16 bytes
    b[53] = std::byte{202};
    put16(b, 54, 3);
    put32(b, 56, ssrc);
    b[60] = std::byte{1};
    b[61] = std::byte{5};
    for (std::size_t i = 0; i < 5; ++i) b[62 + i] = static_cast<std::byte>('a' + i);
    Packet p;
    p.len = b.size();
    b.resize(b.size() + SrtpSession::kMaxTrailer);
    p.buf = std::move(b);
    return p;
}

/// The first `len` bytes of two packets are equal.
inline bool same(const Packet& a, const Packet& b, std::size_t len) {
    return a.buf.size() >= len && b.buf.size() >= len &&
           std::memcmp(a.buf.data(), b.buf.data(), len) == 0;
}

}  // namespace cohost::media::srtp_test
