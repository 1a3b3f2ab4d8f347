// SRTP/SRTCP over libsrtp2. See srtp.hpp for the contract.
#include "cohost/media/srtp.hpp"

#include <srtp2/srtp.h>

#include <climits>
#include <cstring>
#include <mutex>
#include <string>

namespace cohost::media {

static_assert(SrtpSession::kMaxTrailer >= SRTP_MAX_TAG_LEN + 4, "SRTCP trailer: tag + index");

namespace {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class SrtpCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "srtp"; }
    std::string message(int ev) const override {
        switch (static_cast<SrtpErrc>(ev)) {
            case SrtpErrc::TooShort:
                return "packet shorter than header and authentication tag";
            case SrtpErrc::BufferTooSmall:
                return "no room for the SRTP trailer";
            case SrtpErrc::BadHeader:
                return "malformed RTP/RTCP header";
            case SrtpErrc::Replay:
                return "replayed or too old packet";
            case SrtpErrc::AuthFailed:
                return "SRTP authentication failed";
            case SrtpErrc::BadKey:
                return "SRTP key length does not match the profile";
            case SrtpErrc::Failed:
                return "libsrtp failure";
        }
        return "srtp error";
    }
};
#pragma GCC diagnostic pop
const SrtpCategory kCategory;

constexpr std::size_t kRtpHeader = 12;  // RFC 3550 §5.1 fixed header
constexpr std::size_t kRtcpHeader = 8;  // RFC 3550 §6.4.1: header + sender SSRC, never encrypted
constexpr std::size_t kSrtcpIndex = 4;  // RFC 3711 §3.4: E flag + 31-bit index

boost::system::error_code err(SrtpErrc e) noexcept { return make_error_code(e); }

SrtpErrc map_status(srtp_err_status_t status) noexcept {
    switch (status) {
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

std::size_t rtp_tag(SrtpProfile p) noexcept { return p == SrtpProfile::AeadAes128Gcm ? 16 : 10; }
std::size_t rtcp_trailer(SrtpProfile p) noexcept { return rtp_tag(p) + kSrtcpIndex; }

srtp_err_status_t init_once() noexcept {
    static std::once_flag once;
    static srtp_err_status_t status = srtp_err_status_init_fail;
    std::call_once(once, [] { status = srtp_init(); });
    return status;
}

/// One libsrtp session with a wildcard policy; nullptr on failure (status in `out`).
srtp_t make_session(SrtpProfile profile, const std::vector<std::uint8_t>& key, srtp_ssrc_type_t dir,
                    srtp_err_status_t& out) noexcept {
    srtp_policy_t policy;
    std::memset(&policy, 0, sizeof policy);
    if (profile == SrtpProfile::AeadAes128Gcm) {
        // RFC 7714 §14.2: AEAD_AES_128_GCM, 16-byte tag, for SRTP and SRTCP alike.
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    } else {
        srtp_crypto_policy_set_rtp_default(&policy.rtp);    // AES-CM-128, HMAC-SHA1-80
        srtp_crypto_policy_set_rtcp_default(&policy.rtcp);  // the same for SRTCP
    }
    policy.ssrc.type = dir;
    policy.ssrc.value = 0;
    // libsrtp copies the key into the session; the cast only satisfies its non-const pointer.
    policy.key = const_cast<unsigned char*>(key.data());
    policy.window_size = 1024;
    policy.allow_repeat_tx = dir == ssrc_any_outbound ? 1 : 0;  // NACK answers from the cache
    policy.next = nullptr;
    srtp_t session = nullptr;
    out = srtp_create(&session, &policy);
    if (out != srtp_err_status_ok) {
        if (session != nullptr) srtp_dealloc(session);
        return nullptr;
    }
    return session;
}

}  // namespace

boost::system::error_code make_error_code(SrtpErrc e) noexcept {
    return {static_cast<int>(e), kCategory};
}

Result<std::unique_ptr<SrtpSession>> SrtpSession::create(const SrtpKeyMaterial& keys) {
    const std::size_t want = srtp_key_size(keys.profile) + srtp_salt_size(keys.profile);
    if (keys.local.size() != want || keys.remote.size() != want) return err(SrtpErrc::BadKey);
    if (init_once() != srtp_err_status_ok) return err(SrtpErrc::Failed);

    auto session = std::make_unique<SrtpSession>(PrivateTag{}, keys.profile);
    srtp_err_status_t status = srtp_err_status_ok;
    session->outbound_ = make_session(keys.profile, keys.local, ssrc_any_outbound, status);
    if (session->outbound_ == nullptr) return err(SrtpErrc::Failed);
    session->inbound_ = make_session(keys.profile, keys.remote, ssrc_any_inbound, status);
    if (session->inbound_ == nullptr) return err(SrtpErrc::Failed);  // ~SrtpSession frees outbound
    return session;
}

SrtpSession::~SrtpSession() {
    if (outbound_ != nullptr) srtp_dealloc(outbound_);
    if (inbound_ != nullptr) srtp_dealloc(inbound_);
}

// The length checks below run before libsrtp sees the packet: libsrtp trusts `len` to lie
// inside the buffer and, when protecting, writes the trailer past it without a bound.

Result<std::size_t> SrtpSession::protect_rtp(std::span<std::byte> buf, std::size_t len) noexcept {
    if (len > buf.size() || len < kRtpHeader) return err(SrtpErrc::TooShort);
    if (buf.size() - len < rtp_tag(profile_)) return err(SrtpErrc::BufferTooSmall);
    if (len > INT_MAX - kMaxTrailer) return err(SrtpErrc::BufferTooSmall);
    if ((std::to_integer<unsigned>(buf[0]) >> 6) != 2) return err(SrtpErrc::BadHeader);
    int n = static_cast<int>(len);
    const srtp_err_status_t status = srtp_protect(outbound_, buf.data(), &n);
    if (status != srtp_err_status_ok) return err(map_status(status));
    return static_cast<std::size_t>(n);
}

Result<std::size_t> SrtpSession::unprotect_rtp(std::span<std::byte> buf, std::size_t len) noexcept {
    if (len > buf.size() || len < kRtpHeader + rtp_tag(profile_)) return err(SrtpErrc::TooShort);
    if (len > INT_MAX) return err(SrtpErrc::TooShort);
    if ((std::to_integer<unsigned>(buf[0]) >> 6) != 2) return err(SrtpErrc::BadHeader);
    int n = static_cast<int>(len);
    const srtp_err_status_t status = srtp_unprotect(inbound_, buf.data(), &n);
    if (status != srtp_err_status_ok) return err(map_status(status));
    return static_cast<std::size_t>(n);
}

Result<std::size_t> SrtpSession::protect_rtcp(std::span<std::byte> buf, std::size_t len) noexcept {
    if (len > buf.size() || len < kRtcpHeader) return err(SrtpErrc::TooShort);
    if (buf.size() - len < rtcp_trailer(profile_)) return err(SrtpErrc::BufferTooSmall);
    if (len > INT_MAX - kMaxTrailer) return err(SrtpErrc::BufferTooSmall);
    if ((std::to_integer<unsigned>(buf[0]) >> 6) != 2) return err(SrtpErrc::BadHeader);
    int n = static_cast<int>(len);
    const srtp_err_status_t status = srtp_protect_rtcp(outbound_, buf.data(), &n);
    if (status != srtp_err_status_ok) return err(map_status(status));
    return static_cast<std::size_t>(n);
}

Result<std::size_t> SrtpSession::unprotect_rtcp(std::span<std::byte> buf,
                                                std::size_t len) noexcept {
    if (len > buf.size() || len < kRtcpHeader + rtcp_trailer(profile_)) {
        return err(SrtpErrc::TooShort);
    }
    if (len > INT_MAX) return err(SrtpErrc::TooShort);
    if ((std::to_integer<unsigned>(buf[0]) >> 6) != 2) return err(SrtpErrc::BadHeader);
    int n = static_cast<int>(len);
    const srtp_err_status_t status = srtp_unprotect_rtcp(inbound_, buf.data(), &n);
    if (status != srtp_err_status_ok) return err(map_status(status));
    return static_cast<std::size_t>(n);
}

}  // namespace cohost::media
