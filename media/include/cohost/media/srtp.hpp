#pragma once
/// \file SRTP/SRTCP protection for one peer (RFC 3711 AES_CM_128_HMAC_SHA1_80; RFC 7714
/// AEAD_AES_128_GCM), on OpenSSL EVP (media/src/srtp_evp.hpp).
///
/// An `SrtpSession` holds two engines built from the keys a `DtlsTransport` exported: an
/// outbound one (our `local` key) that protects everything we send, and an inbound one (the
/// peer's `remote` key) that unprotects everything we receive, each with per-SSRC state created
/// on first use. RTP has a 1,024-packet replay window, SRTCP a 128-index one; the outbound
/// engine allows repeated transmission, so a packet kept in the NACK cache can be protected
/// again with the same sequence number (the payload must be the same, RFC 3711 §9.2). The
/// behaviour, byte for byte, is that of the libsrtp2 configuration this class used before
/// (`ssrc_any_outbound`/`ssrc_any_inbound`, `window_size` 1,024, `allow_repeat_tx` outbound),
/// which tests/unit/media/srtp_evp*_test.cpp keep as the reference.
///
/// All packet functions work in place, never throw, never allocate (a new SSRC adds one state
/// entry), and report failures as `Result` errors of category "srtp".
///
/// Threading: an `SrtpSession` is owned by one media worker thread and is not thread-safe.
/// Different sessions may be used on different threads concurrently.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "cohost/core/result.hpp"
#include "cohost/media/dtls.hpp"

namespace cohost::media {

class SrtpEvp;  // one direction's engine (media/src/srtp_evp.hpp)

/// Why an SRTP operation failed (category "srtp").
enum class SrtpErrc {
    TooShort = 1,    ///< shorter than the header plus the authentication tag/trailer, or `len`
                     ///< larger than the buffer
    BufferTooSmall,  ///< protect: no room for the trailer after `len` bytes
    BadHeader,       ///< not version 2, or the CSRC list or header extension runs past the packet
    Replay,          ///< index already seen or older than the replay window
    AuthFailed,      ///< authentication tag does not verify (tampered, wrong key)
    BadKey,          ///< create: key||salt length does not match the profile
    Failed,          ///< any other failure (OpenSSL initialisation or cipher, allocation)
};
[[nodiscard]] boost::system::error_code make_error_code(SrtpErrc e) noexcept;

/// Outbound + inbound SRTP engines for one peer (see the file comment). Not copyable or
/// movable; hold it by `unique_ptr`.
class SrtpSession {
    struct PrivateTag {};

public:
    /// Largest number of bytes protection adds: the 16-byte GCM tag plus the 4-byte SRTCP
    /// E-flag/index word (RTP adds 16 with GCM, 10 with AES-CM; RTCP 20 and 14). No MKI is used.
    static constexpr std::size_t kMaxTrailer = 16 + 4;

    /// Builds both engines for `keys.profile` with `keys.local` (outbound) and `keys.remote`
    /// (inbound). Errors: BadKey for a wrong key||salt length, Failed when OpenSSL cannot
    /// initialise a cipher. Call on the worker that will own the session.
    [[nodiscard]] static cohost::Result<std::unique_ptr<SrtpSession>> create(
        const SrtpKeyMaterial& keys);

    ~SrtpSession();
    SrtpSession(const SrtpSession&) = delete;
    SrtpSession& operator=(const SrtpSession&) = delete;

    [[nodiscard]] SrtpProfile profile() const noexcept { return profile_; }

    // The four packet functions work in place: `buf` holds a packet of `len` bytes (`len` <=
    // `buf.size()`); protect needs `buf.size() >= len + kMaxTrailer` (strictly: + the trailer
    // of the profile). They return the new length, or an error (TooShort, BufferTooSmall,
    // BadHeader, Replay, AuthFailed, Failed) and then the contents of `buf` are unspecified.

    /// RTP -> SRTP with the local key (encrypts the payload, appends the tag).
    [[nodiscard]] cohost::Result<std::size_t> protect_rtp(std::span<std::byte> buf,
                                                          std::size_t len) noexcept;
    /// SRTP -> RTP with the remote key (verifies the tag and the replay window, decrypts).
    [[nodiscard]] cohost::Result<std::size_t> unprotect_rtp(std::span<std::byte> buf,
                                                            std::size_t len) noexcept;
    /// RTCP compound -> SRTCP with the local key (encrypts after the first 8 bytes, appends the
    /// E-flag/index word and the tag).
    [[nodiscard]] cohost::Result<std::size_t> protect_rtcp(std::span<std::byte> buf,
                                                           std::size_t len) noexcept;
    /// SRTCP -> RTCP compound with the remote key.
    [[nodiscard]] cohost::Result<std::size_t> unprotect_rtcp(std::span<std::byte> buf,
                                                             std::size_t len) noexcept;

    /// Use `create()`; public only for `std::make_unique`.
    explicit SrtpSession(PrivateTag, SrtpProfile profile) noexcept;

private:
    SrtpProfile profile_;
    std::unique_ptr<SrtpEvp> outbound_;
    std::unique_ptr<SrtpEvp> inbound_;
};

}  // namespace cohost::media

template <>
struct boost::system::is_error_code_enum<cohost::media::SrtpErrc> : std::true_type {};
