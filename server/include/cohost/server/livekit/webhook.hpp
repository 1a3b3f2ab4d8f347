#pragma once
/// \file LiveKit-format webhooks, both directions (reference/livekit-protocol.md §3).
///
/// A webhook is a POST with `Content-Type: application/webhook+json` whose `Authorization`
/// header is the raw JWT (no `Bearer `): HS256 with the API secret, `iss` = API key, `nbf`,
/// `exp` (required), and `sha256` = standard base64 (with padding) of SHA-256 over the exact body
/// bytes. Receivers verify before parsing.
#include <chrono>
#include <string>
#include <string_view>

#include "cohost/core/result.hpp"
#include "cohost/core/time.hpp"
#include "cohost/server/livekit/models.hpp"

namespace cohost::server::livekit {

/// Why a received webhook was refused. Every refusal maps to 401 at the HTTP edge, except
/// `malformed_body` (a verified body that is not a WebhookEvent) which maps to 400.
enum class WebhookError {
    missing_authorization = 1,  ///< no header, or a `Bearer ` prefix (LiveKit sends the raw JWT)
    bad_token,                  ///< not a JWT, bad signature, wrong issuer, expired, no `exp`
    missing_hash,               ///< no `sha256` claim
    hash_mismatch,              ///< the body is not the one that was signed
    malformed_body,             ///< signed correctly but not a JSON WebhookEvent
};
[[nodiscard]] boost::system::error_code make_error_code(WebhookError e) noexcept;

struct WebhookVerifyOptions {
    std::string_view api_key;     ///< expected `iss`
    std::string_view api_secret;
    core::TimePoint now;  ///< the receiver's wall clock
    std::chrono::seconds leeway{10};
};

/// Verifies `auth_header` against `body` and parses the WebhookEvent. Never throws; bounded work.
[[nodiscard]] Result<WebhookEvent> verify_webhook(std::string_view body,
                                                  std::string_view auth_header,
                                                  const WebhookVerifyOptions& opts);

/// The `Authorization` value for sending `body`: raw JWT with `iss` = api_key, `nbf` = now,
/// `exp` = now + ttl (LiveKit uses 5 minutes) and `sha256` of `body`. Sign the final bytes and
/// never re-serialize the body afterwards.
[[nodiscard]] std::string sign_webhook(std::string_view body, std::string_view api_key,
                                       std::string_view api_secret, core::TimePoint now,
                                       std::chrono::seconds ttl = std::chrono::minutes(5));

}  // namespace cohost::server::livekit

template <>
struct boost::system::is_error_code_enum<cohost::server::livekit::WebhookError> : std::true_type {};
