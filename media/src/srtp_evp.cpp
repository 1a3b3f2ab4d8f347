// SRTP/SRTCP on OpenSSL EVP. See srtp_evp.hpp for the contract and the design.
#include "srtp_evp.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>
#include <new>

// SHA1_Init/Update/Final are deprecated in OpenSSL 3 but are the only allocation-free way to
// restart an HMAC from precomputed states (EVP_MAC_init and EVP_MD_CTX_copy_ex duplicate the
// provider context on every packet). They run the same assembly as the EVP digest.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace cohost::media {

namespace {

constexpr std::size_t kRtpHeader = 12;  // RFC 3550 §5.1 fixed header
constexpr std::size_t kRtcpHeader = 8;  // RFC 3550 §6.4.1: header + sender SSRC, never encrypted
constexpr std::size_t kSrtcpIndex = 4;  // RFC 3711 §3.4: E flag + 31-bit index
constexpr std::size_t kKeySize = 16;    // AES-128
constexpr std::size_t kAuthKeySize = 20;
constexpr std::uint32_t kEBit = 0x80000000U;
constexpr std::uint32_t kMaxSrtcpIndex = 0x7FFFFFFFU;

boost::system::error_code err(SrtpErrc e) noexcept { return make_error_code(e); }

std::uint8_t u8(std::span<const std::byte> b, std::size_t at) noexcept {
    return std::to_integer<std::uint8_t>(b[at]);
}
std::uint16_t be16(std::span<const std::byte> b, std::size_t at) noexcept {
    return static_cast<std::uint16_t>((u8(b, at) << 8) | u8(b, at + 1));
}
std::uint32_t be32(std::span<const std::byte> b, std::size_t at) noexcept {
    return (std::uint32_t{u8(b, at)} << 24) | (std::uint32_t{u8(b, at + 1)} << 16) |
           (std::uint32_t{u8(b, at + 2)} << 8) | std::uint32_t{u8(b, at + 3)};
}
void put_be32(std::byte* p, std::uint32_t v) noexcept {
    p[0] = static_cast<std::byte>(v >> 24);
    p[1] = static_cast<std::byte>(v >> 16);
    p[2] = static_cast<std::byte>(v >> 8);
    p[3] = static_cast<std::byte>(v);
}
/// XORs the big-endian `v` into `p[0..n)` (n <= 8).
void xor_be(std::uint8_t* p, std::uint64_t v, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) p[i] ^= static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
}
bool version2(std::span<const std::byte> b) noexcept { return (u8(b, 0) >> 6) == 2; }

/// Size of the RTP header with CSRCs and extension, or 0 when it does not fit in `avail` bytes
/// (libsrtp `srtp_validate_rtp_header`).
std::size_t rtp_header_size(std::span<const std::byte> b, std::size_t avail) noexcept {
    std::size_t n = kRtpHeader + 4 * std::size_t{u8(b, 0) & 0x0FU};
    if ((u8(b, 0) & 0x10U) != 0) {
        if (n + 4 > avail) return 0;
        n += 4 + 4 * std::size_t{be16(b, n + 2)};
    }
    return n <= avail ? n : 0;
}

/// RFC 3711 §4.3.3 AES-CM PRF with r = 0: `out` = AES-CTR keystream under `master_key` from
/// IV = (master salt, zero-padded to 14 bytes, ^ label at byte 7) || 0x0000.
bool kdf(std::span<const std::uint8_t> master_key, std::span<const std::uint8_t> master_salt,
         std::uint8_t label, std::span<std::uint8_t> out) noexcept {
    std::array<std::uint8_t, 16> iv{};
    std::copy(master_salt.begin(), master_salt.end(), iv.begin());
    iv[7] ^= label;
    std::fill(out.begin(), out.end(), std::uint8_t{0});
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    if (ctx == nullptr) return false;
    int n = 0;
    const bool ok =
        EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), nullptr, master_key.data(), iv.data()) == 1 &&
        EVP_EncryptUpdate(ctx, out.data(), &n, out.data(), static_cast<int>(out.size())) == 1 &&
        n == static_cast<int>(out.size());
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

/// HMAC inner/outer SHA-1 states for `key` (RFC 2104).
void hmac_states(std::span<const std::uint8_t> key, SHA_CTX& inner, SHA_CTX& outer) noexcept {
    std::array<std::uint8_t, SHA_CBLOCK> ipad{};
    std::array<std::uint8_t, SHA_CBLOCK> opad{};
    std::copy(key.begin(), key.end(), ipad.begin());
    std::copy(key.begin(), key.end(), opad.begin());
    for (auto& c : ipad) c ^= 0x36;
    for (auto& c : opad) c ^= 0x5c;
    SHA1_Init(&inner);
    SHA1_Update(&inner, ipad.data(), ipad.size());
    SHA1_Init(&outer);
    SHA1_Update(&outer, opad.data(), opad.size());
    OPENSSL_cleanse(ipad.data(), ipad.size());
    OPENSSL_cleanse(opad.data(), opad.size());
}

}  // namespace

SrtpEvp::SrtpEvp(PrivateTag, SrtpProfile profile, bool allow_repeat_tx) noexcept
    : profile_(profile), allow_repeat_tx_(allow_repeat_tx) {}

SrtpEvp::~SrtpEvp() {
    EVP_CIPHER_CTX_free(rtp_.cipher);
    EVP_CIPHER_CTX_free(rtcp_.cipher);
    OPENSSL_cleanse(&rtp_, sizeof rtp_);
    OPENSSL_cleanse(&rtcp_, sizeof rtcp_);
}

Result<std::unique_ptr<SrtpEvp>> SrtpEvp::create(SrtpProfile profile,
                                                 std::span<const std::uint8_t> master,
                                                 bool allow_repeat_tx) {
    const std::size_t salt_size = srtp_salt_size(profile);
    if (srtp_key_size(profile) != kKeySize || master.size() != kKeySize + salt_size) {
        return err(SrtpErrc::BadKey);
    }
    auto self = std::make_unique<SrtpEvp>(PrivateTag{}, profile, allow_repeat_tx);
    const auto key = master.first(kKeySize);
    const auto salt = master.subspan(kKeySize);
    const bool gcm = self->gcm();
    const EVP_CIPHER* cipher = gcm ? EVP_aes_128_gcm() : EVP_aes_128_ctr();
    bool ok = true;
    // Labels (RFC 3711 §4.3.2): 0/1/2 SRTP key/auth/salt, 3/4/5 SRTCP key/auth/salt.
    for (const std::uint8_t base : {std::uint8_t{0}, std::uint8_t{3}}) {
        Keys& k = base == 0 ? self->rtp_ : self->rtcp_;
        std::array<std::uint8_t, kKeySize> session_key{};
        std::array<std::uint8_t, kAuthKeySize> auth_key{};
        ok = ok && kdf(key, salt, base, session_key) &&
             kdf(key, salt, static_cast<std::uint8_t>(base + 2),
                 std::span(k.salt).first(salt_size));
        if (ok && !gcm) {
            ok = kdf(key, salt, static_cast<std::uint8_t>(base + 1), auth_key);
            if (ok) hmac_states(auth_key, k.inner, k.outer);
        }
        k.cipher = EVP_CIPHER_CTX_new();
        ok = ok && k.cipher != nullptr &&
             EVP_CipherInit_ex(k.cipher, cipher, nullptr, session_key.data(), nullptr, 1) == 1;
        OPENSSL_cleanse(session_key.data(), session_key.size());
        OPENSSL_cleanse(auth_key.data(), auth_key.size());
    }
    if (!ok) return err(SrtpErrc::Failed);  // ~SrtpEvp frees what was allocated
    return self;
}

SrtpEvp::Stream* SrtpEvp::find(std::uint32_t ssrc) noexcept {
    const auto it = std::lower_bound(streams_.begin(), streams_.end(), ssrc,
                                     [](const Stream& s, std::uint32_t v) { return s.ssrc < v; });
    return it != streams_.end() && it->ssrc == ssrc ? &*it : nullptr;
}

SrtpEvp::Stream* SrtpEvp::add(std::uint32_t ssrc) noexcept {
    const auto it = std::lower_bound(streams_.begin(), streams_.end(), ssrc,
                                     [](const Stream& s, std::uint32_t v) { return s.ssrc < v; });
    try {
        Stream s;
        s.ssrc = ssrc;
        return &*streams_.insert(it, s);
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}

bool SrtpEvp::init_keys(const Keys& k, std::span<const std::uint8_t> iv, int encrypt) noexcept {
    return EVP_CipherInit_ex(k.cipher, nullptr, nullptr, nullptr, iv.data(), encrypt) == 1;
}

void SrtpEvp::hmac80(const Keys& k, std::span<const std::byte> a, std::span<const std::byte> b,
                     std::byte* out) noexcept {
    std::array<std::uint8_t, SHA_DIGEST_LENGTH> digest{};
    SHA_CTX c = k.inner;
    SHA1_Update(&c, a.data(), a.size());
    SHA1_Update(&c, b.data(), b.size());
    SHA1_Final(digest.data(), &c);
    c = k.outer;
    SHA1_Update(&c, digest.data(), digest.size());
    SHA1_Final(digest.data(), &c);
    std::memcpy(out, digest.data(), 10);
    OPENSSL_cleanse(&c, sizeof c);
}

namespace {

/// Encrypts or decrypts `data` in place with an initialised context (CTR or GCM).
bool crypt(EVP_CIPHER_CTX* ctx, std::span<std::byte> data) noexcept {
    if (data.empty()) return true;
    auto* p = reinterpret_cast<unsigned char*>(data.data());
    int n = 0;
    return EVP_CipherUpdate(ctx, p, &n, p, static_cast<int>(data.size())) == 1 &&
           n == static_cast<int>(data.size());
}

/// Feeds `aad` to an initialised GCM context.
bool aad(EVP_CIPHER_CTX* ctx, std::span<const std::byte> a) noexcept {
    int n = 0;
    return EVP_CipherUpdate(ctx, nullptr, &n, reinterpret_cast<const unsigned char*>(a.data()),
                            static_cast<int>(a.size())) == 1;
}

/// GCM encryption done: writes the 16-byte tag to `tag`.
bool gcm_seal(EVP_CIPHER_CTX* ctx, std::byte* tag) noexcept {
    int n = 0;
    unsigned char dummy[16];
    return EVP_CipherFinal_ex(ctx, dummy, &n) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
}

/// GCM decryption done: true when `tag` (16 bytes) verifies.
bool gcm_open(EVP_CIPHER_CTX* ctx, const std::byte* tag) noexcept {
    std::array<std::byte, 16> t;
    std::memcpy(t.data(), tag, t.size());
    int n = 0;
    unsigned char dummy[16];
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, t.data()) == 1 &&
           EVP_CipherFinal_ex(ctx, dummy, &n) == 1;
}

/// SRTP IV. GCM (RFC 7714 §8.1): 00 00 | SSRC | ROC | SEQ, ^ 12-byte salt. AES-CM (RFC 3711
/// §4.1.1): 00 00 00 00 | SSRC | ROC | SEQ | 00 00, ^ 14-byte salt.
std::array<std::uint8_t, 16> rtp_iv(bool gcm, const std::array<std::uint8_t, 14>& salt,
                                    std::uint32_t ssrc, std::uint64_t index) noexcept {
    std::array<std::uint8_t, 16> iv{};
    std::copy(salt.begin(), salt.end(), iv.begin());
    const std::size_t at = gcm ? 2 : 4;
    xor_be(iv.data() + at, ssrc, 4);
    xor_be(iv.data() + at + 4, index, 6);
    if (gcm) iv[12] = iv[13] = 0;
    return iv;
}

/// SRTCP IV. GCM (RFC 7714 §9.1): 00 00 | SSRC | 00 00 | index, ^ salt. AES-CM (RFC 3711
/// §4.1.1): SSRC at bytes 4-7, index at 10-13, ^ salt.
std::array<std::uint8_t, 16> rtcp_iv(bool gcm, const std::array<std::uint8_t, 14>& salt,
                                     std::uint32_t ssrc, std::uint32_t index) noexcept {
    std::array<std::uint8_t, 16> iv{};
    std::copy(salt.begin(), salt.end(), iv.begin());
    xor_be(iv.data() + (gcm ? 2 : 4), ssrc, 4);
    xor_be(iv.data() + (gcm ? 8 : 10), index, 4);
    if (gcm) iv[12] = iv[13] = 0;
    return iv;
}

}  // namespace

Result<std::size_t> SrtpEvp::protect_rtp(std::span<std::byte> buf, std::size_t len) noexcept {
    if (len > buf.size() || len < kRtpHeader) return err(SrtpErrc::TooShort);
    if (buf.size() - len < tag_size()) return err(SrtpErrc::BufferTooSmall);
    if (len > (1U << 30)) return err(SrtpErrc::BufferTooSmall);
    if (!version2(buf)) return err(SrtpErrc::BadHeader);
    const std::size_t header = rtp_header_size(buf, len);
    if (header == 0) return err(SrtpErrc::BadHeader);
    const std::uint32_t ssrc = be32(buf, 8);
    Stream* s = find(ssrc);
    if (s == nullptr) s = add(ssrc);
    if (s == nullptr) return err(SrtpErrc::Failed);
    std::uint64_t index = 0;
    const std::int64_t delta = s->rtp.estimate(be16(buf, 2), index);
    switch (s->rtp.check(delta)) {
        case srtp_detail::ReplayCheck::Old:
            return err(SrtpErrc::Replay);
        case srtp_detail::ReplayCheck::Seen:
            if (!allow_repeat_tx_) return err(SrtpErrc::Replay);
            break;  // a retransmission: same index, same output, window unchanged
        case srtp_detail::ReplayCheck::Ok:
            s->rtp.add(delta);
            break;
    }
    const auto iv = rtp_iv(gcm(), rtp_.salt, ssrc, index);
    const auto payload = buf.subspan(header, len - header);
    if (gcm()) {
        if (!init_keys(rtp_, iv, 1) || !aad(rtp_.cipher, buf.first(header)) ||
            !crypt(rtp_.cipher, payload) || !gcm_seal(rtp_.cipher, buf.data() + len)) {
            return err(SrtpErrc::Failed);
        }
        return len + 16;
    }
    if (!init_keys(rtp_, iv, 1) || !crypt(rtp_.cipher, payload)) return err(SrtpErrc::Failed);
    std::array<std::byte, 4> roc{};
    put_be32(roc.data(), static_cast<std::uint32_t>(index >> 16));
    hmac80(rtp_, buf.first(len), roc, buf.data() + len);
    return len + 10;
}

Result<std::size_t> SrtpEvp::unprotect_rtp(std::span<std::byte> buf, std::size_t len) noexcept {
    const std::size_t tag = tag_size();
    if (len > buf.size() || len < kRtpHeader + tag) return err(SrtpErrc::TooShort);
    if (len > (1U << 30)) return err(SrtpErrc::TooShort);
    if (!version2(buf)) return err(SrtpErrc::BadHeader);
    const std::size_t body = len - tag;  // header + payload
    const std::size_t header = rtp_header_size(buf, body);
    if (header == 0) return err(SrtpErrc::BadHeader);
    const std::uint32_t ssrc = be32(buf, 8);
    Stream* s = find(ssrc);
    const srtp_detail::RtpReplayWindow fresh;
    const srtp_detail::RtpReplayWindow& window = s != nullptr ? s->rtp : fresh;
    std::uint64_t index = 0;
    const std::int64_t delta = window.estimate(be16(buf, 2), index);
    if (window.check(delta) != srtp_detail::ReplayCheck::Ok) return err(SrtpErrc::Replay);

    const auto iv = rtp_iv(gcm(), rtp_.salt, ssrc, index);
    const auto payload = buf.subspan(header, body - header);
    if (gcm()) {
        if (!init_keys(rtp_, iv, 0) || !aad(rtp_.cipher, buf.first(header)) ||
            !crypt(rtp_.cipher, payload)) {
            return err(SrtpErrc::Failed);
        }
        if (!gcm_open(rtp_.cipher, buf.data() + body)) return err(SrtpErrc::AuthFailed);
    } else {
        std::array<std::byte, 4> roc{};
        put_be32(roc.data(), static_cast<std::uint32_t>(index >> 16));
        std::array<std::byte, 10> want{};
        hmac80(rtp_, buf.first(body), roc, want.data());
        if (CRYPTO_memcmp(want.data(), buf.data() + body, want.size()) != 0) {
            return err(SrtpErrc::AuthFailed);
        }
        if (!init_keys(rtp_, iv, 0) || !crypt(rtp_.cipher, payload)) {
            return err(SrtpErrc::Failed);
        }
    }
    if (s == nullptr) s = add(ssrc);
    if (s == nullptr) return err(SrtpErrc::Failed);
    s->rtp.add(delta);
    return body;
}

Result<std::size_t> SrtpEvp::protect_rtcp(std::span<std::byte> buf, std::size_t len) noexcept {
    const std::size_t trailer = tag_size() + kSrtcpIndex;
    if (len > buf.size() || len < kRtcpHeader) return err(SrtpErrc::TooShort);
    if (buf.size() - len < trailer) return err(SrtpErrc::BufferTooSmall);
    if (len > (1U << 30)) return err(SrtpErrc::BufferTooSmall);
    if (!version2(buf)) return err(SrtpErrc::BadHeader);
    const std::uint32_t ssrc = be32(buf, 4);
    Stream* s = find(ssrc);
    if (s == nullptr) s = add(ssrc);
    if (s == nullptr) return err(SrtpErrc::Failed);
    if (s->rtcp_sent >= kMaxSrtcpIndex) return err(SrtpErrc::Failed);  // key exhausted
    const std::uint32_t index = ++s->rtcp_sent;
    std::array<std::byte, 4> word{};
    put_be32(word.data(), kEBit | index);

    const auto iv = rtcp_iv(gcm(), rtcp_.salt, ssrc, index);
    const auto body = buf.subspan(kRtcpHeader, len - kRtcpHeader);
    if (!init_keys(rtcp_, iv, 1)) return err(SrtpErrc::Failed);
    if (gcm()) {
        // RFC 7714 §9.2: AAD = first 8 bytes || E|index; the tag follows the ciphertext and
        // the E|index word follows the tag.
        if (!aad(rtcp_.cipher, buf.first(kRtcpHeader)) || !aad(rtcp_.cipher, word) ||
            !crypt(rtcp_.cipher, body) || !gcm_seal(rtcp_.cipher, buf.data() + len)) {
            return err(SrtpErrc::Failed);
        }
        std::memcpy(buf.data() + len + 16, word.data(), word.size());
        return len + trailer;
    }
    if (!crypt(rtcp_.cipher, body)) return err(SrtpErrc::Failed);
    std::memcpy(buf.data() + len, word.data(), word.size());
    hmac80(rtcp_, buf.first(len + kSrtcpIndex), {}, buf.data() + len + kSrtcpIndex);
    return len + trailer;
}

Result<std::size_t> SrtpEvp::unprotect_rtcp(std::span<std::byte> buf, std::size_t len) noexcept {
    const std::size_t tag = tag_size();
    if (len > buf.size() || len < kRtcpHeader + kSrtcpIndex + tag) return err(SrtpErrc::TooShort);
    if (len > (1U << 30)) return err(SrtpErrc::TooShort);
    if (!version2(buf)) return err(SrtpErrc::BadHeader);
    const std::size_t plain = len - kSrtcpIndex - tag;  // the RTCP compound's length
    // GCM: ciphertext | tag | E|index. AES-CM: ciphertext | E|index | tag.
    const std::size_t word_at = gcm() ? len - kSrtcpIndex : plain;
    const std::size_t tag_at = gcm() ? plain : len - tag;
    const std::uint32_t word = be32(buf, word_at);
    const bool encrypted = (word & kEBit) != 0;
    const std::uint32_t index = word & kMaxSrtcpIndex;
    const std::uint32_t ssrc = be32(buf, 4);
    Stream* s = find(ssrc);
    const srtp_detail::RtcpReplayWindow fresh;
    const srtp_detail::RtcpReplayWindow& window = s != nullptr ? s->rtcp : fresh;
    if (window.check(index) != srtp_detail::ReplayCheck::Ok) return err(SrtpErrc::Replay);

    const auto iv = rtcp_iv(gcm(), rtcp_.salt, ssrc, index);
    const auto body = buf.subspan(kRtcpHeader, plain - kRtcpHeader);
    if (gcm()) {
        // RFC 7714 §9.3: with E = 0 the whole compound is AAD and nothing is decrypted.
        const std::size_t clear = encrypted ? kRtcpHeader : plain;
        if (!init_keys(rtcp_, iv, 0) || !aad(rtcp_.cipher, buf.first(clear)) ||
            !aad(rtcp_.cipher, buf.subspan(word_at, kSrtcpIndex)) ||
            (encrypted && !crypt(rtcp_.cipher, body))) {
            return err(SrtpErrc::Failed);
        }
        if (!gcm_open(rtcp_.cipher, buf.data() + tag_at)) return err(SrtpErrc::AuthFailed);
    } else {
        std::array<std::byte, 10> want{};
        hmac80(rtcp_, buf.first(plain + kSrtcpIndex), {}, want.data());
        if (CRYPTO_memcmp(want.data(), buf.data() + tag_at, want.size()) != 0) {
            return err(SrtpErrc::AuthFailed);
        }
        if (encrypted && (!init_keys(rtcp_, iv, 0) || !crypt(rtcp_.cipher, body))) {
            return err(SrtpErrc::Failed);
        }
    }
    if (s == nullptr) s = add(ssrc);
    if (s == nullptr) return err(SrtpErrc::Failed);
    s->rtcp.add(index);
    return plain;
}

}  // namespace cohost::media
