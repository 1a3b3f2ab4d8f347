// LiveKit webhooks (livekit-protocol.md §3): the receiver checks the raw-JWT `Authorization`
// header, then the body hash, and only then parses the body, exactly as the Node SDK's
// WebhookReceiver does (HS256, iss = key, exp required, 10 s tolerance).
#include "cohost/server/livekit/webhook.hpp"

#include <boost/json/parse.hpp>

#include "cohost/core/crypto.hpp"
#include "cohost/core/jwt.hpp"

namespace cohost::server::livekit {

namespace json = boost::json;

namespace {

// boost::system::error_category has a protected non-virtual destructor by design.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class WebhookCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "livekit.webhook"; }
    std::string message(int ev) const override {
        switch (WebhookError(ev)) {
            case WebhookError::missing_authorization:
                return "missing or non-raw Authorization header";
            case WebhookError::bad_token:
                return "invalid webhook token";
            case WebhookError::missing_hash:
                return "webhook token has no sha256 claim";
            case WebhookError::hash_mismatch:
                return "webhook body does not match the signed hash";
            case WebhookError::malformed_body:
                return "webhook body is not a WebhookEvent";
        }
        return "webhook error";
    }
};
#pragma GCC diagnostic pop
const WebhookCategory kCategory;

/// `Bearer ` in any letter case. LiveKit sends the raw token, and the Node SDK's verifier fails
/// on a prefixed one, so a prefix is refused rather than stripped.
bool has_bearer_prefix(std::string_view h) noexcept {
    constexpr std::string_view kBearer = "bearer ";
    if (h.size() < kBearer.size()) return false;
    for (std::size_t i = 0; i < kBearer.size(); ++i) {
        char c = h[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != kBearer[i]) return false;
    }
    return true;
}

/// §3: standard base64 with padding of SHA-256 over the exact body bytes.
std::string body_hash(std::string_view body) { return core::base64_encode(core::sha256(body)); }

}  // namespace

boost::system::error_code make_error_code(WebhookError e) noexcept { return {int(e), kCategory}; }

Result<WebhookEvent> verify_webhook(std::string_view body, std::string_view auth_header,
                                    const WebhookVerifyOptions& opts) {
    try {
        if (auth_header.empty() || has_bearer_prefix(auth_header)) {
            return WebhookError::missing_authorization;
        }
        // An empty key would make verify_hs256 accept any issuer.
        if (opts.api_key.empty()) {
            return WebhookError::bad_token;
        }
        const core::jwt::VerifyOptions vo{opts.api_secret, opts.api_key, opts.now, opts.leeway};
        auto claims = core::jwt::verify_hs256(auth_header, vo);
        if (!claims) {
            return WebhookError::bad_token;
        }
        const json::value* claimed = claims->if_contains("sha256");
        if (claimed == nullptr || !claimed->is_string()) {
            return WebhookError::missing_hash;
        }
        if (!core::constant_time_equal(body_hash(body), claimed->get_string())) {
            return WebhookError::hash_mismatch;
        }
        json::error_code ec;
        const json::value doc = json::parse(body, ec);
        if (ec) {
            return WebhookError::malformed_body;
        }
        auto event = webhook_event_from_json(doc);
        if (!event) {
            return WebhookError::malformed_body;
        }
        return std::move(*event);
    } catch (...) {
        // Only allocation failure can land here (the parsers return errors); refuse the body.
        return WebhookError::malformed_body;
    }
}

std::string sign_webhook(std::string_view body, std::string_view api_key,
                         std::string_view api_secret, core::TimePoint now,
                         std::chrono::seconds ttl) {
    const std::int64_t nbf = core::to_unix_seconds(now);
    const json::object claims{{"iss", api_key},
                              {"nbf", nbf},
                              {"exp", nbf + static_cast<std::int64_t>(ttl.count())},
                              {"sha256", body_hash(body)}};
    return core::jwt::sign_hs256(claims, api_secret);
}

}  // namespace cohost::server::livekit
