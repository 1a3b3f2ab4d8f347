#pragma once
/// \file HS256 JSON Web Tokens in the exact shape LiveKit's server SDKs produce (livekit-protocol.md
/// §1): header `{"alg":"HS256"}` (a `typ` is accepted), claims `iss`, `sub`, `nbf`, `exp`, ...
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "cohost/core/result.hpp"
#include "cohost/core/time.hpp"

namespace cohost::core::jwt {

/// Why a token was refused. The messages never include the token or the secret.
enum class JwtError {
    Malformed = 1,    ///< not three base64url segments of JSON objects
    BadAlgorithm,     ///< header `alg` is not HS256
    BadSignature,     ///< HMAC mismatch (wrong secret or tampered)
    MissingExpiry,    ///< no numeric `exp` (both LiveKit verifiers require it)
    Expired,          ///< `exp` + leeway is in the past
    NotYetValid,      ///< `nbf` - leeway is in the future
    UnknownIssuer,    ///< `iss` is not the expected API key
};
[[nodiscard]] boost::system::error_code make_error_code(JwtError e) noexcept;

/// Signs `claims` with HS256 under `secret`. Header is `{"alg":"HS256"}` like livekit-server-sdk.
[[nodiscard]] std::string sign_hs256(const boost::json::object& claims, std::string_view secret);

struct VerifyOptions {
    std::string_view secret;
    std::string_view issuer;                       ///< required `iss`; empty = any
    TimePoint now;
    std::chrono::seconds leeway{10};               ///< product.md §10: clock leeway 10 s
};

/// Verifies signature, algorithm, `iss`, `exp` (required) and `nbf` (optional), and returns the
/// claims. Never throws; bounded work for any input (token length is capped at 8 KiB).
[[nodiscard]] Result<boost::json::object> verify_hs256(std::string_view token,
                                                       const VerifyOptions& opts) noexcept;

/// A numeric claim (`exp`, `nbf`, …) in seconds; JSON numbers of any kind are accepted, anything
/// else (or no such claim) is nullopt.
[[nodiscard]] std::optional<double> numeric_claim(const boost::json::object& claims,
                                                  std::string_view key) noexcept;

}  // namespace cohost::core::jwt

template <>
struct boost::system::is_error_code_enum<cohost::core::jwt::JwtError> : std::true_type {};
