#pragma once
/// \file Minting and inspecting tokens the way an app backend does with a LiveKit server SDK
/// (`AccessToken`, livekit-protocol.md §1): HS256 signed with the API secret, `iss` = API key.
///
/// - a **user token** carries `sub` = userId, `name`, `nbf`, `exp` and optionally a `video` grant;
///   the cohost API accepts it as `Authorization: Bearer` (product.md §8);
/// - an **admin token** carries `video.roomAdmin: true`, no `sub` and no `video.room`: the app
///   backend's identity (product.md §10 "Auth").
///
/// Pure functions; thread-safe.
#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cohost::sdk {

/// The app's API credentials.
struct ApiCredentials {
    std::string api_key;
    std::string api_secret;
};

/// Claims of a user token, in the order livekit-server-sdk emits them:
/// `{"name", "video"?, "iss", "exp", "nbf", "sub"}`. `nbf` is now, `exp` now + `ttl`.
[[nodiscard]] boost::json::object user_token_claims(
    const ApiCredentials& creds, std::string_view user_id, std::string_view name,
    std::chrono::seconds ttl = std::chrono::hours(6),
    const std::optional<boost::json::object>& video = std::nullopt);

/// A signed user token (see user_token_claims).
[[nodiscard]] std::string mint_user_token(
    const ApiCredentials& creds, std::string_view user_id, std::string_view name,
    std::chrono::seconds ttl = std::chrono::hours(6),
    const std::optional<boost::json::object>& video = std::nullopt);

/// A signed app-backend token: `{"video":{"roomAdmin":true},"iss","exp","nbf"}` (10 min TTL by
/// default, as the server SDKs use for API calls).
[[nodiscard]] std::string mint_admin_token(const ApiCredentials& creds,
                                           std::chrono::seconds ttl = std::chrono::minutes(10));

/// Signs arbitrary `claims` with HS256 (tests build odd tokens with it).
[[nodiscard]] std::string sign_claims(const boost::json::object& claims,
                                      std::string_view api_secret);

/// The JSON header of `token` (first segment), without verifying anything.
/// Throws std::invalid_argument when it is not a JWT with JSON object segments.
[[nodiscard]] boost::json::object decode_token_header(std::string_view token);
/// The claims of `token` (second segment), without verifying the signature.
/// Throws std::invalid_argument when it is not a JWT with JSON object segments.
[[nodiscard]] boost::json::object decode_token_claims(std::string_view token);

/// Seconds since the Unix epoch, now (the `nbf`/`exp` clock).
[[nodiscard]] std::int64_t unix_now_seconds();

}  // namespace cohost::sdk
