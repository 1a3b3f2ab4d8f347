// The process-wide DTLS certificate and SSL_CTX. See dtls.hpp for the contract.
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdexcept>
#include <string>

#include "cohost/media/dtls.hpp"

namespace cohost::media {

namespace {

[[noreturn]] void throw_openssl(const char* what) {
    std::string msg = std::string("DTLS certificate: ") + what;
    if (const unsigned long e = ERR_get_error(); e != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        msg += ": ";
        msg += buf;
    }
    ERR_clear_error();
    throw std::runtime_error(msg);
}

void check(int ok, const char* what) {
    if (ok != 1) throw_openssl(what);
}

// RFC 8827 §6.5 needs ECDHE and forward secrecy; our key is ECDSA, so only ECDHE-ECDSA suites
// can be chosen. AEAD first, as Chromium and Firefox order them; the CBC suites stay for old
// peers. TLS 1.3 suites do not apply (DTLS 1.2 only).
constexpr const char* kCipherList =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA";

// RFC 5764 §4.1.2 / RFC 7714 §14.2 names; GCM first (webrtc-notes.md: several times cheaper).
constexpr const char* kSrtpProfiles = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";

}  // namespace

std::size_t srtp_key_size(SrtpProfile) noexcept { return 16; }

std::size_t srtp_salt_size(SrtpProfile profile) noexcept {
    return profile == SrtpProfile::AeadAes128Gcm ? 12 : 14;
}

const char* to_string(SrtpProfile profile) noexcept {
    return profile == SrtpProfile::AeadAes128Gcm ? "SRTP_AEAD_AES_128_GCM"
                                                 : "SRTP_AES128_CM_SHA1_80";
}

std::shared_ptr<const DtlsCertificate> DtlsCertificate::generate() {
    auto self = std::make_shared<DtlsCertificate>(PrivateTag{});
    ERR_clear_error();

    self->key_ = EVP_EC_gen("P-256");
    if (self->key_ == nullptr) throw_openssl("EC P-256 key generation failed");

    self->cert_ = X509_new();
    if (self->cert_ == nullptr) throw_openssl("X509_new failed");
    X509* x = self->cert_;
    check(X509_set_version(x, X509_VERSION_3), "X509_set_version");

    // A random positive 63-bit serial (RFC 5280 §4.1.2.2: at most 20 octets, positive).
    {
        BIGNUM* serial = BN_new();
        if (serial == nullptr) throw_openssl("BN_new");
        const int ok = BN_rand(serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
        const bool set = ok == 1 && BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) != nullptr;
        BN_free(serial);
        if (!set) throw_openssl("serial number");
    }
    // Peers check the fingerprint, not the dates; a day of slack covers clock skew.
    if (X509_gmtime_adj(X509_getm_notBefore(x), -24L * 3600) == nullptr ||
        X509_gmtime_adj(X509_getm_notAfter(x), 365L * 24 * 3600) == nullptr) {
        throw_openssl("validity");
    }
    X509_NAME* name = X509_get_subject_name(x);
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>("cohost"), -1, -1, 0),
          "subject");
    check(X509_set_issuer_name(x, name), "issuer");
    check(X509_set_pubkey(x, self->key_), "X509_set_pubkey");
    if (X509_sign(x, self->key_, EVP_sha256()) <= 0) throw_openssl("X509_sign");

    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    check(X509_digest(x, EVP_sha256(), md, &md_len), "X509_digest");
    self->fingerprint_.algorithm = "sha-256";
    self->fingerprint_.bytes.assign(md, md + md_len);

    self->ctx_ = SSL_CTX_new(DTLS_method());
    if (self->ctx_ == nullptr) throw_openssl("SSL_CTX_new");
    SSL_CTX* ctx = self->ctx_;
    check(static_cast<int>(SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION)), "min version");
    check(static_cast<int>(SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION)), "max version");
    check(SSL_CTX_use_certificate(ctx, x), "SSL_CTX_use_certificate");
    check(SSL_CTX_use_PrivateKey(ctx, self->key_), "SSL_CTX_use_PrivateKey");
    check(SSL_CTX_check_private_key(ctx), "SSL_CTX_check_private_key");
    check(SSL_CTX_set_cipher_list(ctx, kCipherList), "SSL_CTX_set_cipher_list");
    // Inverted convention: 0 is success (webrtc-notes.md).
    if (SSL_CTX_set_tlsext_use_srtp(ctx, kSrtpProfiles) != 0) {
        throw_openssl("SSL_CTX_set_tlsext_use_srtp");
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_read_ahead(ctx, 1);
    return self;
}

DtlsCertificate::~DtlsCertificate() {
    SSL_CTX_free(ctx_);
    X509_free(cert_);
    EVP_PKEY_free(key_);
}

}  // namespace cohost::media
