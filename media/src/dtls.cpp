// DTLS 1.2 transport over a datagram-preserving custom BIO. See dtls.hpp for the contract.
#include "cohost/media/dtls.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace cohost::media {

namespace {

// RFC 5764 §4.2: the exporter label for DTLS-SRTP keys.
constexpr char kExporterLabel[] = "EXTRACTOR-dtls_srtp";
// OpenSSL 3.0 treats a timer with less than 15 ms left as expired (dtls1_get_timeout), so a
// shorter one would retransmit on every read attempt.
constexpr long long kMinTimerUs = 20'000;
constexpr unsigned int kMaxTimerUs = 600'000'000;  // 10 min: far above any sane setting

const EVP_MD* digest_for(const std::string& algorithm) noexcept {
    // RFC 8122 §5 hash function textual names (lower case in the SDP model).
    if (algorithm == "sha-256") return EVP_sha256();
    if (algorithm == "sha-1") return EVP_sha1();
    if (algorithm == "sha-224") return EVP_sha224();
    if (algorithm == "sha-384") return EVP_sha384();
    if (algorithm == "sha-512") return EVP_sha512();
    return nullptr;
}

/// True when `cert`'s digest under `expected.algorithm` equals `expected.bytes`.
bool fingerprint_matches(X509* cert, const wire::sdp::Fingerprint& expected) noexcept {
    const EVP_MD* md = digest_for(expected.algorithm);
    if (md == nullptr || cert == nullptr) return false;
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (X509_digest(cert, md, out, &len) != 1) return false;
    return len == expected.bytes.size() && CRYPTO_memcmp(out, expected.bytes.data(), len) == 0;
}

}  // namespace

wire::sdp::Fingerprint DtlsCertificate::fingerprint(const std::string& algorithm) const {
    wire::sdp::Fingerprint out;
    out.algorithm = algorithm;
    const EVP_MD* md = digest_for(algorithm);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (md != nullptr && X509_digest(cert_, md, digest, &len) == 1) {
        out.bytes.assign(digest, digest + len);
    }
    return out;
}

namespace {

std::string profile_list(const std::vector<SrtpProfile>& profiles) {
    std::string out;
    for (const SrtpProfile p : profiles) {
        if (!out.empty()) out += ':';
        out += to_string(p);
    }
    return out;
}

}  // namespace

/// The C callbacks OpenSSL calls; nested so they may touch the transport's private state.
struct DtlsTransport::Callbacks {
    static DtlsTransport* from_bio(BIO* bio) noexcept {
        return static_cast<DtlsTransport*>(BIO_get_data(bio));
    }

    // One BIO_write per DTLS record write: OpenSSL writes each record (or the records it packs
    // into one MTU) with one call, so one call is one datagram.
    static int bio_write(BIO* bio, const char* data, int len) noexcept {
        BIO_clear_retry_flags(bio);
        DtlsTransport* self = from_bio(bio);
        if (self == nullptr || len <= 0) return 0;
        try {
            self->send_(
                std::span(reinterpret_cast<const std::byte*>(data), static_cast<std::size_t>(len)));
        } catch (...) {
            return -1;  // dtls.hpp: SendFn must not throw; a throw is a failed write
        }
        return len;
    }

    // Hands OpenSSL the datagram `feed()` is processing, whole, once; then "try again later".
    static int bio_read(BIO* bio, char* out, int len) noexcept {
        BIO_clear_retry_flags(bio);
        DtlsTransport* self = from_bio(bio);
        if (self == nullptr || self->inbound_.empty() || len <= 0) {
            BIO_set_retry_read(bio);
            return -1;
        }
        // A datagram larger than OpenSSL's buffer is truncated, and the record layer drops it.
        const std::size_t n = std::min(self->inbound_.size(), static_cast<std::size_t>(len));
        std::memcpy(out, self->inbound_.data(), n);
        self->inbound_ = {};
        return static_cast<int>(n);
    }

    static long bio_ctrl(BIO*, int cmd, long, void*) noexcept {
        switch (cmd) {
            case BIO_CTRL_FLUSH:
                return 1;
            case BIO_CTRL_PENDING:
            case BIO_CTRL_WPENDING:
            case BIO_CTRL_DGRAM_QUERY_MTU:         // SSL_OP_NO_QUERY_MTU: the MTU is ours
            case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:  // no UDP/IP overhead to subtract
            default:
                return 0;
        }
    }

    static int bio_create(BIO* bio) noexcept {
        BIO_set_init(bio, 1);
        return 1;
    }

    // Accept any issuer (WebRTC certificates are self-signed, RFC 8827 §6.5); the leaf must
    // match the fingerprint from the peer's SDP.
    static int verify(int, X509_STORE_CTX* store) noexcept {
        auto* ssl = static_cast<SSL*>(
            X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
        auto* self = ssl != nullptr ? static_cast<DtlsTransport*>(SSL_get_app_data(ssl)) : nullptr;
        if (self == nullptr) return 0;
        if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;  // only the leaf matters
        if (fingerprint_matches(X509_STORE_CTX_get_current_cert(store), self->expected_)) {
            self->fingerprint_ok_ = true;
            return 1;
        }
        self->fingerprint_ok_ = false;
        if (self->error_.empty()) {
            self->error_ = "peer certificate does not match the " + self->expected_.algorithm +
                           " fingerprint from its SDP";
        }
        X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
        return 0;
    }

    static unsigned int timer(SSL* ssl, unsigned int timer_us) noexcept {
        const auto* self = static_cast<const DtlsTransport*>(SSL_get_app_data(ssl));
        const Options defaults;
        const Options& o = self != nullptr ? self->options_ : defaults;
        const auto to_us = [](std::chrono::milliseconds ms) {
            const long long us = std::chrono::microseconds(ms).count();
            return static_cast<unsigned int>(std::clamp<long long>(us, kMinTimerUs, kMaxTimerUs));
        };
        const unsigned int cap = to_us(o.max_timeout);
        if (timer_us == 0) return std::min(to_us(o.initial_timeout), cap);
        return timer_us >= cap / 2 ? cap : timer_us * 2;  // RFC 6347 §4.2.4.1: double
    }

    static void info(const SSL* ssl, int where, int ret) noexcept {
        if ((where & SSL_CB_ALERT) == 0 || (where & SSL_CB_READ) == 0) return;
        auto* self = static_cast<DtlsTransport*>(SSL_get_app_data(ssl));
        if (self == nullptr) return;
        try {
            self->alert_ = std::string(SSL_alert_type_string_long(ret)) + " alert " +
                           SSL_alert_desc_string_long(ret);
        } catch (...) {  // std::bad_alloc: lose the detail, not the process
        }
    }

    static BIO_METHOD* bio_method() noexcept {
        static BIO_METHOD* const method = [] {
            BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "cohost-dtls");
            if (m == nullptr) return m;
            BIO_meth_set_write(m, &bio_write);
            BIO_meth_set_read(m, &bio_read);
            BIO_meth_set_ctrl(m, &bio_ctrl);
            BIO_meth_set_create(m, &bio_create);
            return m;
        }();  // intentionally never freed: one per process
        return method;
    }
};

DtlsTransport::DtlsTransport(std::shared_ptr<const DtlsCertificate> cert, DtlsRole role,
                             wire::sdp::Fingerprint expected_remote, SendFn send)
    : DtlsTransport(std::move(cert), role, std::move(expected_remote), std::move(send), Options{}) {
}

DtlsTransport::DtlsTransport(std::shared_ptr<const DtlsCertificate> cert, DtlsRole role,
                             wire::sdp::Fingerprint expected_remote, SendFn send, Options options)
    : cert_(std::move(cert)),
      role_(role),
      expected_(std::move(expected_remote)),
      send_(std::move(send)),
      options_(std::move(options)) {
    if (!cert_ || !send_) throw std::invalid_argument("DtlsTransport: certificate and send needed");
    if (options_.srtp_profiles.empty()) throw std::invalid_argument("DtlsTransport: no profile");
    ERR_clear_error();
    BIO_METHOD* method = Callbacks::bio_method();
    ssl_ = SSL_new(cert_->ssl_ctx());
    BIO* bio = method != nullptr ? BIO_new(method) : nullptr;
    if (ssl_ == nullptr || bio == nullptr) {
        BIO_free(bio);
        SSL_free(ssl_);
        ERR_clear_error();
        throw std::runtime_error("DtlsTransport: OpenSSL allocation failed");
    }
    BIO_set_data(bio, this);
    SSL_set_bio(ssl_, bio, bio);  // one reference, owned by ssl_ from here
    SSL_set_app_data(ssl_, this);
    SSL_set_verify(ssl_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, &Callbacks::verify);
    SSL_set_info_callback(ssl_, &Callbacks::info);
    DTLS_set_timer_cb(ssl_, &Callbacks::timer);
    SSL_set_options(ssl_, SSL_OP_NO_QUERY_MTU);
    const long mtu = static_cast<long>(options_.mtu);
    // DTLS_set_link_mtu returns 1, SSL_set_mtu the MTU itself, on success; both 0 below the
    // minimum. SSL_set_tlsext_use_srtp returns 0 on success.
    if (DTLS_set_link_mtu(ssl_, mtu) != 1 || SSL_set_mtu(ssl_, mtu) != mtu ||
        SSL_set_tlsext_use_srtp(ssl_, profile_list(options_.srtp_profiles).c_str()) != 0) {
        SSL_free(ssl_);
        ERR_clear_error();
        throw std::invalid_argument("DtlsTransport: MTU below 256 or bad SRTP profile list");
    }
    // A record never exceeds the MTU (handshake messages are fragmented to it, SCTP packets fit
    // in it), so the write buffer needs no room for a 16 KiB record: ~16 KiB less per session.
    SSL_set_max_send_fragment(ssl_, static_cast<long>(std::max<std::size_t>(options_.mtu, 512)));
    if (role_ == DtlsRole::Client) {
        SSL_set_connect_state(ssl_);
    } else {
        SSL_set_accept_state(ssl_);
    }
}

DtlsTransport::~DtlsTransport() {
    OPENSSL_cleanse(keys_.local.data(), keys_.local.size());
    OPENSSL_cleanse(keys_.remote.data(), keys_.remote.size());
    SSL_free(ssl_);
}

void DtlsTransport::start() noexcept {
    if (state_ != State::New) return;
    state_ = State::Connecting;
    if (digest_for(expected_.algorithm) == nullptr) {
        fail("unsupported fingerprint algorithm '" + expected_.algorithm + "'");
        return;
    }
    if (role_ == DtlsRole::Client) drive_handshake();  // writes the ClientHello
}

DtlsTransport::State DtlsTransport::feed(std::span<const std::byte> datagram) noexcept {
    if (state_ == State::New && role_ == DtlsRole::Server) start();
    if (datagram.empty()) return state_;
    if (state_ == State::Connecting) {
        inbound_ = datagram;
        drive_handshake();
        inbound_ = {};
    } else if (state_ == State::Connected) {
        // Post-handshake records: alerts, a retransmitted final flight of the peer (OpenSSL
        // answers it by resending ours), or application data for the data handler. The buffer
        // holds the largest record (DTLS delivers a record whole or not at all).
        inbound_ = datagram;
        std::array<unsigned char, 16384> scratch;
        int ret = 0;
        for (int i = 0; i < 16; ++i) {
            ERR_clear_error();
            ret = SSL_read(ssl_, scratch.data(), static_cast<int>(scratch.size()));
            if (ret <= 0) break;
            if (data_) {
                data_(std::span(reinterpret_cast<const std::byte*>(scratch.data()),
                                static_cast<std::size_t>(ret)));
                if (state_ != State::Connected) break;
            }
        }
        inbound_ = {};
        if (ret <= 0) {
            const int err = SSL_get_error(ssl_, ret);
            if (err == SSL_ERROR_ZERO_RETURN) {
                state_ = State::Closed;  // RFC 5246 §7.2.1 close_notify
            } else if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
                fail(openssl_reason(ret));
            }
        }
        ERR_clear_error();
    }
    return state_;
}

void DtlsTransport::drive_handshake() noexcept {
    ERR_clear_error();
    const int ret = SSL_do_handshake(ssl_);
    if (ret == 1) {
        on_handshake_done();
        return;
    }
    const int err = SSL_get_error(ssl_, ret);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
    fail(openssl_reason(ret));
}

void DtlsTransport::on_handshake_done() noexcept {
    // The verify callback already checked the leaf; checking again here covers any path that
    // completes without it (there should be none: no session resumption, peer cert required).
    if (!fingerprint_ok_ || !fingerprint_matches(SSL_get0_peer_certificate(ssl_), expected_)) {
        fail("peer certificate does not match the " + expected_.algorithm +
             " fingerprint from its SDP");
        return;
    }
    const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl_);
    if (selected == nullptr) {
        fail("peer negotiated no SRTP profile (use_srtp extension missing)");
        return;
    }
    SrtpProfile profile{};
    if (selected->id == SRTP_AEAD_AES_128_GCM) {
        profile = SrtpProfile::AeadAes128Gcm;
    } else if (selected->id == SRTP_AES128_CM_SHA1_80) {
        profile = SrtpProfile::Aes128CmSha1_80;
    } else {
        fail(std::string("unexpected SRTP profile ") + selected->name);
        return;
    }
    const std::size_t key = srtp_key_size(profile);
    const std::size_t salt = srtp_salt_size(profile);
    std::array<unsigned char, 2 * (16 + 14)> block{};
    const std::size_t total = 2 * (key + salt);
    if (SSL_export_keying_material(ssl_, block.data(), total, kExporterLabel,
                                   sizeof kExporterLabel - 1, nullptr, 0, 0) != 1) {
        fail("SRTP key export failed");
        return;
    }
    // RFC 5764 §4.2: client key | server key | client salt | server salt.
    try {
        std::vector<std::uint8_t> client(block.begin(), block.begin() + static_cast<long>(key));
        client.insert(client.end(), block.begin() + static_cast<long>(2 * key),
                      block.begin() + static_cast<long>(2 * key + salt));
        std::vector<std::uint8_t> server(block.begin() + static_cast<long>(key),
                                         block.begin() + static_cast<long>(2 * key));
        server.insert(server.end(), block.begin() + static_cast<long>(2 * key + salt),
                      block.begin() + static_cast<long>(total));
        keys_.profile = profile;
        keys_.local = role_ == DtlsRole::Client ? std::move(client) : std::move(server);
        keys_.remote = role_ == DtlsRole::Client ? std::move(server) : std::move(client);
    } catch (...) {
        OPENSSL_cleanse(block.data(), block.size());
        fail("out of memory exporting SRTP keys");
        return;
    }
    OPENSSL_cleanse(block.data(), block.size());
    state_ = State::Connected;
}

std::optional<std::chrono::milliseconds> DtlsTransport::next_timeout() const noexcept {
    if (state_ != State::Connecting && state_ != State::Connected) return std::nullopt;
    timeval tv{};
    if (DTLSv1_get_timeout(ssl_, &tv) != 1) return std::nullopt;
    // Round up: firing before OpenSSL's deadline would make handle_timeout() a no-op.
    return std::chrono::milliseconds(static_cast<long long>(tv.tv_sec) * 1000 +
                                     (static_cast<long long>(tv.tv_usec) + 999) / 1000);
}

void DtlsTransport::handle_timeout() noexcept {
    if (state_ != State::Connecting && state_ != State::Connected) return;
    ERR_clear_error();
    if (DTLSv1_handle_timeout(ssl_) < 0) {
        fail(state_ == State::Connecting ? "DTLS handshake timed out" : openssl_reason(-1));
    }
    ERR_clear_error();
}

bool DtlsTransport::send_data(std::span<const std::byte> data) noexcept {
    if (state_ != State::Connected || data.empty() || data.size() > 16384) return false;
    ERR_clear_error();
    const int ret = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
    ERR_clear_error();
    return ret == static_cast<int>(data.size());
}

void DtlsTransport::close() noexcept {
    if (state_ == State::Closed) return;
    if (state_ == State::Connected) {
        ERR_clear_error();
        (void)SSL_shutdown(ssl_);  // writes close_notify; we do not wait for the peer's
        ERR_clear_error();
    }
    state_ = State::Closed;
}

void DtlsTransport::fail(std::string reason) noexcept {
    state_ = State::Failed;
    if (error_.empty()) error_ = std::move(reason);
}

std::string DtlsTransport::openssl_reason(int ret) noexcept {
    try {
        if (!error_.empty()) return error_;  // set by the verify callback
        if (!alert_.empty()) return "peer sent " + alert_;
        if (const unsigned long e = ERR_peek_last_error(); e != 0) {
            const char* reason = ERR_reason_error_string(e);
            ERR_clear_error();
            return std::string("DTLS error: ") + (reason != nullptr ? reason : "unknown");
        }
        return "DTLS error (SSL_get_error " + std::to_string(SSL_get_error(ssl_, ret)) + ")";
    } catch (...) {
        return {};
    }
}

}  // namespace cohost::media
