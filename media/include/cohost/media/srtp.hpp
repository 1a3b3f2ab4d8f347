#pragma once
/// \file SRTP/SRTCP protection for one peer (RFC 3711; AEAD-AES-128-GCM RFC 7714), over libsrtp2.
///
/// An `SrtpSession` holds two libsrtp sessions built from the keys a `DtlsTransport` exported:
/// an outbound one (`ssrc_any_outbound`, our `local` key) that protects everything we send, and
/// an inbound one (`ssrc_any_inbound`, the peer's `remote` key) that unprotects everything we
/// receive. Both use a 1,024-packet replay window; the outbound one allows repeated
/// transmission (`allow_repeat_tx`), so a packet kept in the NACK cache can be protected again
/// with the same sequence number (the payload must be the same, RFC 3711 §9.2).
///
/// All packet functions work in place, never throw, never allocate (libsrtp allocates once per
/// new SSRC it sees), and report failures as `Result` errors of category "srtp".
///
/// Threading: an `SrtpSession` is owned by one media worker thread and is not thread-safe.
/// Different sessions may be used on different threads concurrently. `srtp_init()` runs once per
/// process on the first `create()`.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "cohost/core/result.hpp"
#include "cohost/media/dtls.hpp"

struct srtp_ctx_t_;  // libsrtp2's session, forward-declared so <srtp2/srtp.h> stays private

namespace cohost::media {

/// Why an SRTP operation failed (category "srtp").
enum class SrtpErrc {
    TooShort = 1,    ///< shorter than the header plus the authentication tag/trailer, or `len`
                     ///< larger than the buffer
    BufferTooSmall,  ///< protect: no room for the trailer after `len` bytes
    BadHeader,       ///< not version 2, or a header libsrtp cannot parse (CSRC/extension overrun)
    Replay,          ///< index already seen or older than the replay window
    AuthFailed,      ///< authentication tag does not verify (tampered, wrong key)
    BadKey,          ///< create: key||salt length does not match the profile
    Failed,          ///< any other libsrtp failure (initialisation, allocation, cipher)
};
[[nodiscard]] boost::system::error_code make_error_code(SrtpErrc e) noexcept;

/// libsrtp2 session pair for one peer (see the file comment). Not copyable or movable; hold it by
/// `unique_ptr`.
class SrtpSession {
    struct PrivateTag {};

public:
    /// Largest number of bytes protection adds: the 16-byte GCM tag plus the 4-byte SRTCP
    /// E-flag/index word (RTP adds 16 with GCM, 10 with AES-CM; RTCP 20 and 14). No MKI is used.
    static constexpr std::size_t kMaxTrailer = 16 + 4;

    /// Builds both libsrtp sessions for `keys.profile` with `keys.local` (outbound) and
    /// `keys.remote` (inbound). Errors: BadKey for a wrong key||salt length, Failed when libsrtp
    /// cannot initialise or allocate. Call on the worker that will own the session.
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
    explicit SrtpSession(PrivateTag, SrtpProfile profile) noexcept : profile_(profile) {}

private:
    SrtpProfile profile_;
    srtp_ctx_t_* outbound_ = nullptr;
    srtp_ctx_t_* inbound_ = nullptr;
};

}  // namespace cohost::media

template <>
struct boost::system::is_error_code_enum<cohost::media::SrtpErrc> : std::true_type {};
