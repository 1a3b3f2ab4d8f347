#pragma once
/// \file SRTP/SRTCP for one master key, on OpenSSL EVP (RFC 3711 AES_CM_128_HMAC_SHA1_80,
/// RFC 7714 AEAD_AES_128_GCM). `SrtpSession` (srtp.hpp) holds two of these: one outbound (our
/// key, `allow_repeat_tx`) and one inbound (the peer's key).
///
/// Why not libsrtp2: Debian's libsrtp2 runs on NSS and keeps cipher contexts per SSRC; at 1,000
/// sessions a protect cost ~4 µs (bench/RESULTS.md, issue 4). Here the session keys are derived
/// once (RFC 3711 §4.3, AES-CM PRF, labels 0-5; RFC 7714 §11 uses the same KDF with the 96-bit
/// salt padded to 112 bits) and each context keeps one `EVP_CIPHER_CTX` for SRTP and one for
/// SRTCP, keyed once; a packet only sets the IV. HMAC-SHA1 starts from precomputed inner/outer
/// SHA-1 states copied by value. Nothing is allocated per packet; a new SSRC adds one entry to a
/// sorted vector (outbound: on first protect; inbound: once its first packet authenticated).
///
/// Behaviour is libsrtp2's as srtp.cpp configured it, checked packet-for-packet against libsrtp2
/// in tests/unit/media/srtp_evp_test.cpp: the same bytes out of protect, the same ROC estimate
/// (RFC 3711 Appendix A), a 1,024-packet RTP replay window and libsrtp's 128-index SRTCP window
/// (srtp_replay.hpp), the first SRTCP index 1, SRTCP packets with E = 0 accepted (authenticated
/// only; GCM: the whole packet is AAD, RFC 7714 §9.3). No MKI, no header-extension encryption.
///
/// Packet functions work in place with the contract of `SrtpSession` (srtp.hpp): they return
/// the new length or an `SrtpErrc` error, never throw; after an error the contents of `buf` are
/// unspecified (GCM decrypts in place before the tag is known to be bad), the replay state is
/// unchanged. Not thread-safe: one owner thread.
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "cohost/core/result.hpp"
#include "cohost/media/dtls.hpp"
#include "cohost/media/srtp.hpp"
#include "srtp_replay.hpp"

namespace cohost::media {

/// One direction of an SRTP session: session keys of one master key||salt, per-SSRC state.
class SrtpEvp {
    struct PrivateTag {};

public:
    /// Derives the session keys of `master` (key||salt, 16 + 12 bytes for GCM, 16 + 14 for
    /// AES-CM) and keys the cipher contexts. `allow_repeat_tx`: protect accepts an index it has
    /// already protected (a NACK answer from the cache, RFC 3711 §9.2); set it for the outbound
    /// direction only. Errors: BadKey for a wrong length, Failed when OpenSSL fails.
    [[nodiscard]] static cohost::Result<std::unique_ptr<SrtpEvp>> create(
        SrtpProfile profile, std::span<const std::uint8_t> master, bool allow_repeat_tx);

    ~SrtpEvp();
    SrtpEvp(const SrtpEvp&) = delete;
    SrtpEvp& operator=(const SrtpEvp&) = delete;

    /// RTP -> SRTP: encrypts the payload (after CSRCs and header extension), appends the tag.
    [[nodiscard]] cohost::Result<std::size_t> protect_rtp(std::span<std::byte> buf,
                                                          std::size_t len) noexcept;
    /// SRTP -> RTP: estimates the index, checks the replay window and the tag, decrypts.
    [[nodiscard]] cohost::Result<std::size_t> unprotect_rtp(std::span<std::byte> buf,
                                                            std::size_t len) noexcept;
    /// RTCP compound -> SRTCP: encrypts after byte 8, appends E|index (next index of the
    /// sender SSRC) and the tag (GCM: tag, then E|index; AES-CM: E|index, then tag).
    [[nodiscard]] cohost::Result<std::size_t> protect_rtcp(std::span<std::byte> buf,
                                                           std::size_t len) noexcept;
    /// SRTCP -> RTCP compound.
    [[nodiscard]] cohost::Result<std::size_t> unprotect_rtcp(std::span<std::byte> buf,
                                                             std::size_t len) noexcept;

    /// Number of SSRCs with state (for tests).
    [[nodiscard]] std::size_t stream_count() const noexcept { return streams_.size(); }

    /// Use `create()`; public only for `std::make_unique`.
    SrtpEvp(PrivateTag, SrtpProfile profile, bool allow_repeat_tx) noexcept;

private:
    /// Per-SSRC state: RTP replay window (and ROC), SRTCP receive window, last SRTCP index sent.
    struct Stream {
        std::uint32_t ssrc = 0;
        std::uint32_t rtcp_sent = 0;
        srtp_detail::RtpReplayWindow rtp;
        srtp_detail::RtcpReplayWindow rtcp;
    };
    /// Keys of one of SRTP / SRTCP: a keyed cipher context, the session salt, HMAC states.
    struct Keys {
        EVP_CIPHER_CTX* cipher = nullptr;
        std::array<std::uint8_t, 14> salt{};  // GCM uses the first 12
        SHA_CTX inner{};                      // AES-CM: SHA-1 after (auth key ^ ipad)
        SHA_CTX outer{};                      // AES-CM: SHA-1 after (auth key ^ opad)
    };

    [[nodiscard]] bool gcm() const noexcept { return profile_ == SrtpProfile::AeadAes128Gcm; }
    [[nodiscard]] std::size_t tag_size() const noexcept { return gcm() ? 16 : 10; }
    [[nodiscard]] Stream* find(std::uint32_t ssrc) noexcept;
    [[nodiscard]] Stream* add(std::uint32_t ssrc) noexcept;  // nullptr when allocation fails
    [[nodiscard]] bool init_keys(const Keys& k, std::span<const std::uint8_t> iv,
                                 int encrypt) noexcept;
    /// HMAC-SHA1-80 of `a` then `b` with the keys `k`, written to `out` (10 bytes).
    static void hmac80(const Keys& k, std::span<const std::byte> a, std::span<const std::byte> b,
                       std::byte* out) noexcept;

    SrtpProfile profile_;
    bool allow_repeat_tx_;
    Keys rtp_;
    Keys rtcp_;
    std::vector<Stream> streams_;  // sorted by ssrc
};

}  // namespace cohost::media
