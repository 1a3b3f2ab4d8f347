#pragma once
/// \file DTLS 1.2 for the embedded SFU (RFC 6347, DTLS-SRTP RFC 5764, WebRTC RFC 8827).
///
///  - `DtlsCertificate`: one self-signed ECDSA P-256 certificate per process, with the SSL_CTX
///    every transport is created from. Immutable after `generate()`, so any thread may share it.
///  - `DtlsTransport`: the handshake with one peer, run over OpenSSL with a custom BIO instead of
///    a socket: `feed()` takes one received datagram, and every record flight write of OpenSSL
///    leaves through the `SendFn` as one datagram (datagram boundaries are kept both ways). The
///    peer's certificate is accepted whatever its issuer, then its digest is compared with the
///    `a=fingerprint` of the peer's SDP (RFC 8122 §5); a mismatch fails the handshake. Once
///    connected, `srtp_keys()` holds the keys exported with label "EXTRACTOR-dtls_srtp"
///    (RFC 5764 §4.2) for the profile both sides agreed on (AEAD-AES-128-GCM preferred).
///
/// Threading: a `DtlsTransport` is owned and driven by one media worker thread; nothing in it is
/// locked. Retransmission timers: OpenSSL keeps the deadline itself (on the system clock, which
/// is the one part of the DTLS state machine that does not take `now` from the caller); the
/// owner arms its own timer with `next_timeout()` and calls `handle_timeout()` when it fires.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cohost/wire/sdp_model.hpp"

// OpenSSL types, forward-declared so this header does not pull in <openssl/ssl.h>.
struct ssl_st;
struct ssl_ctx_st;
struct x509_st;
struct evp_pkey_st;

namespace cohost::media {

/// The DTLS-SRTP protection profiles the SFU negotiates (RFC 5764 §4.1.2, RFC 7714 §14.2).
enum class SrtpProfile : std::uint8_t {
    AeadAes128Gcm,    ///< SRTP_AEAD_AES_128_GCM: 16-byte key, 12-byte salt, 16-byte tag
    Aes128CmSha1_80,  ///< SRTP_AES128_CM_SHA1_80: 16-byte key, 14-byte salt, 10-byte tag
};

/// Master key length of `profile` in bytes (16 for both).
[[nodiscard]] std::size_t srtp_key_size(SrtpProfile profile) noexcept;
/// Master salt length of `profile` in bytes (12 for GCM, 14 for AES-CM).
[[nodiscard]] std::size_t srtp_salt_size(SrtpProfile profile) noexcept;
/// The profile name as in RFC 5764 / the OpenSSL list ("SRTP_AEAD_AES_128_GCM", ...).
[[nodiscard]] const char* to_string(SrtpProfile profile) noexcept;

/// Keys for one side's sending and receiving: key||salt each (16+12 bytes for GCM, 16+14 for CM).
/// Secret: never log it. `DtlsTransport` wipes its copy when it is destroyed.
struct SrtpKeyMaterial {
    SrtpProfile profile = SrtpProfile::AeadAes128Gcm;
    std::vector<std::uint8_t> local;   ///< what we protect with (our sending direction)
    std::vector<std::uint8_t> remote;  ///< what we unprotect with
};

/// A self-signed ECDSA P-256 certificate and its key, shared (read-only) by every DTLS transport
/// of the process, together with the SSL_CTX the transports are created from (DTLS 1.2 only,
/// ECDHE-ECDSA AEAD suites first, SRTP profiles offered GCM first, no session cache, no
/// renegotiation). Thread-safe after construction: OpenSSL allows `SSL_new` on a shared,
/// unmodified SSL_CTX from any thread.
class DtlsCertificate {
    struct PrivateTag {};

public:
    /// Generates a new key pair and certificate (CN "cohost", valid from a day ago for a year,
    /// random serial). Called once at start-up. Throws std::runtime_error on OpenSSL failure.
    [[nodiscard]] static std::shared_ptr<const DtlsCertificate> generate();

    /// The sha-256 digest of the DER certificate, for the local `a=fingerprint`.
    [[nodiscard]] const cohost::wire::sdp::Fingerprint& fingerprint() const noexcept {
        return fingerprint_;
    }
    /// The digest of the DER certificate under another RFC 8122 hash name ("sha-1", "sha-224",
    /// "sha-256", "sha-384", "sha-512"); empty `bytes` for any other name.
    [[nodiscard]] cohost::wire::sdp::Fingerprint fingerprint(const std::string& algorithm) const;

    /// Use `generate()`; public only so that `std::make_shared` can reach it.
    explicit DtlsCertificate(PrivateTag) noexcept {}
    ~DtlsCertificate();
    DtlsCertificate(const DtlsCertificate&) = delete;
    DtlsCertificate& operator=(const DtlsCertificate&) = delete;

private:
    friend class DtlsTransport;
    [[nodiscard]] ssl_ctx_st* ssl_ctx() const noexcept { return ctx_; }

    x509_st* cert_ = nullptr;
    evp_pkey_st* key_ = nullptr;
    ssl_ctx_st* ctx_ = nullptr;
    cohost::wire::sdp::Fingerprint fingerprint_;
};

/// Which side of the DTLS handshake we are: `a=setup:active` is the client, `passive` the server
/// (RFC 8842 §5).
enum class DtlsRole : std::uint8_t { Client, Server };

/// DTLS 1.2 over OpenSSL for one peer. Not thread-safe: one media worker thread owns it. Neither
/// copyable nor movable (OpenSSL callbacks hold its address).
///
/// Re-entrancy: `SendFn` is called synchronously from inside `start()`, `feed()`,
/// `handle_timeout()` and `close()`; it must not call back into the transport and must not throw
/// (an exception is caught and turned into a failed write, which fails the handshake).
class DtlsTransport {
public:
    enum class State : std::uint8_t { New, Connecting, Connected, Failed, Closed };
    /// Sends one UDP datagram (one call per datagram; the span is valid during the call only).
    using SendFn = std::function<void(std::span<const std::byte> datagram)>;

    /// Tuning that production code leaves at its defaults.
    struct Options {
        /// Largest datagram OpenSSL writes; handshake messages above it are fragmented. At least
        /// 256 (OpenSSL's minimum); 1200 keeps clear of any tunnel on the path.
        std::size_t mtu = 1200;
        /// First retransmission timeout; it doubles on every expiry up to `max_timeout`, and
        /// the handshake fails on the 13th expiry of one flight (OpenSSL's limit). Both are
        /// raised to 20 ms: OpenSSL treats a timer with less than 15 ms left as expired.
        std::chrono::milliseconds initial_timeout{400};
        /// Cap of the doubling (RFC 6347 §4.2.4.1 asks for at least 60 s; tests shorten it).
        std::chrono::milliseconds max_timeout{60'000};
        /// Profiles offered (client) or accepted (server), in order of preference; both sides
        /// use the server's order. Tests set one profile to force it. Must not be empty.
        std::vector<SrtpProfile> srtp_profiles{SrtpProfile::AeadAes128Gcm,
                                               SrtpProfile::Aes128CmSha1_80};
    };

    /// Creates the transport in state New; nothing is sent until `start()`. `expected_remote` is
    /// the peer's `a=fingerprint` (algorithm sha-1, sha-224, sha-256, sha-384 or sha-512; any
    /// other fails the transport at `start()`). Throws std::runtime_error only when OpenSSL
    /// cannot allocate the SSL object.
    DtlsTransport(std::shared_ptr<const DtlsCertificate> cert, DtlsRole role,
                  cohost::wire::sdp::Fingerprint expected_remote, SendFn send);
    /// Same, with non-default options (MTU, initial timeout, SRTP profiles).
    DtlsTransport(std::shared_ptr<const DtlsCertificate> cert, DtlsRole role,
                  cohost::wire::sdp::Fingerprint expected_remote, SendFn send, Options options);
    /// Frees the OpenSSL state without sending anything (call `close()` first for a clean
    /// close_notify) and wipes the exported keys.
    ~DtlsTransport();
    DtlsTransport(const DtlsTransport&) = delete;
    DtlsTransport& operator=(const DtlsTransport&) = delete;

    /// New -> Connecting. Client: sends the ClientHello (and arms the retransmission timer).
    /// Server: waits for it. No effect in any other state.
    void start() noexcept;

    /// Processes one received datagram holding DTLS records (first byte 20..63, RFC 7983).
    /// Drives the handshake (replies leave through `SendFn`); once connected, handles alerts,
    /// retransmitted final flights and application data, which goes to the `DataFn` (one call
    /// per record: an SCTP packet for data channels) or is discarded when none is set.
    /// Invalid records are dropped silently as RFC 6347 §4.1.2.7 says; a fatal alert, a
    /// malformed handshake message or a fingerprint mismatch gives Failed with `error()` set;
    /// a close_notify gives Closed. A server in state New starts implicitly; a client in
    /// state New, and any transport in Failed or Closed, ignores the datagram. Returns the state
    /// after processing.
    State feed(std::span<const std::byte> datagram) noexcept;

    /// Time until `handle_timeout()` should be called (0 when already due), or nullopt when no
    /// retransmission timer runs (not handshaking, or waiting on nothing).
    [[nodiscard]] std::optional<std::chrono::milliseconds> next_timeout() const noexcept;

    /// Retransmits the last flight if its timer has expired (a call before the deadline does
    /// nothing). Too many expiries fail the transport ("handshake timed out").
    void handle_timeout() noexcept;

    /// Receives the application data of each record once connected (RFC 8261: SCTP packets).
    /// Called synchronously from inside `feed()`; it may call `send_data()` but must not
    /// destroy or close the transport, and must not throw.
    using DataFn = std::function<void(std::span<const std::byte> data)>;
    /// Sets (or clears, with an empty function) the application data handler.
    void set_data_handler(DataFn handler) { data_ = std::move(handler); }
    /// Sends `data` as one application data record (one datagram) when Connected. False in any
    /// other state, for an empty or oversized (> 16,384 bytes) record, or when OpenSSL fails.
    bool send_data(std::span<const std::byte> data) noexcept;

    [[nodiscard]] State state() const noexcept { return state_; }
    /// Why the transport Failed (fingerprint mismatch, alert received, timeout, OpenSSL
    /// reason); empty otherwise. Never contains key material.
    [[nodiscard]] const std::string& error() const noexcept { return error_; }
    [[nodiscard]] DtlsRole role() const noexcept { return role_; }
    /// The SRTP keys, valid once Connected (empty vectors before).
    [[nodiscard]] const SrtpKeyMaterial& srtp_keys() const noexcept { return keys_; }

    /// Sends close_notify when Connected, then state Closed (from any state). Idempotent; the
    /// transport ignores everything afterwards.
    void close() noexcept;

private:
    struct Callbacks;  // OpenSSL C callbacks (dtls.cpp)
    friend struct Callbacks;

    void drive_handshake() noexcept;
    void on_handshake_done() noexcept;
    void fail(std::string reason) noexcept;
    [[nodiscard]] std::string openssl_reason(int ret) noexcept;

    std::shared_ptr<const DtlsCertificate> cert_;
    DtlsRole role_;
    cohost::wire::sdp::Fingerprint expected_;
    SendFn send_;
    Options options_;
    ssl_st* ssl_ = nullptr;
    State state_ = State::New;
    std::string error_;
    std::string alert_;  // last alert received (for error())
    bool fingerprint_ok_ = false;
    std::span<const std::byte> inbound_;  // the datagram OpenSSL may read now
    SrtpKeyMaterial keys_;
    DataFn data_;  // application data handler (data channels)
};

}  // namespace cohost::media
