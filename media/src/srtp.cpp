// SRTP/SRTCP for one peer on the OpenSSL EVP engine (srtp_evp.hpp). See srtp.hpp for the contract.
#include "cohost/media/srtp.hpp"

#include <string>

#include "srtp_evp.hpp"

namespace cohost::media {

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
                return "SRTP cipher failure";
        }
        return "srtp error";
    }
};
#pragma GCC diagnostic pop
const SrtpCategory kCategory;

}  // namespace

boost::system::error_code make_error_code(SrtpErrc e) noexcept {
    return {static_cast<int>(e), kCategory};
}

SrtpSession::SrtpSession(PrivateTag, SrtpProfile profile) noexcept : profile_(profile) {}

SrtpSession::~SrtpSession() = default;

Result<std::unique_ptr<SrtpSession>> SrtpSession::create(const SrtpKeyMaterial& keys) {
    auto outbound = SrtpEvp::create(keys.profile, keys.local, /*allow_repeat_tx=*/true);
    if (!outbound) return outbound.error();
    auto inbound = SrtpEvp::create(keys.profile, keys.remote, /*allow_repeat_tx=*/false);
    if (!inbound) return inbound.error();
    auto session = std::make_unique<SrtpSession>(PrivateTag{}, keys.profile);
    session->outbound_ = std::move(*outbound);
    session->inbound_ = std::move(*inbound);
    return session;
}

Result<std::size_t> SrtpSession::protect_rtp(std::span<std::byte> buf, std::size_t len) noexcept {
    return outbound_->protect_rtp(buf, len);
}

Result<std::size_t> SrtpSession::unprotect_rtp(std::span<std::byte> buf, std::size_t len) noexcept {
    return inbound_->unprotect_rtp(buf, len);
}

Result<std::size_t> SrtpSession::protect_rtcp(std::span<std::byte> buf, std::size_t len) noexcept {
    return outbound_->protect_rtcp(buf, len);
}

Result<std::size_t> SrtpSession::unprotect_rtcp(std::span<std::byte> buf,
                                                std::size_t len) noexcept {
    return inbound_->unprotect_rtcp(buf, len);
}

}  // namespace cohost::media
