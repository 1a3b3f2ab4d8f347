#pragma once
/// \file Authentication of API callers and minting of tokens (product.md §6, §8, §10).
///
/// User tokens are HS256 JWTs signed with the API secret in the exact format of
/// livekit-server-sdk's `AccessToken` (`iss` = API key, `sub` = userId, `name`, `nbf`, `exp`).
/// A token with no `sub` and `video.roomAdmin: true` and no `video.room` is the app backend.
/// Verified tokens are remembered until their `exp` in a bounded cache keyed on the whole token
/// (token_cache.hpp); nothing revokes a token before its `exp` in this server, so a cache hit
/// answers exactly what a fresh verification would (minus the 10 s leeway past `exp`).
/// Thread-safe apart from the clock it reads.
#include <memory>
#include <optional>
#include <string>

#include "cohost/core/clock.hpp"
#include "cohost/server/app/token_cache.hpp"
#include "cohost/server/rooms/domain.hpp"

namespace cohost::server::app {

/// Who a verified token says the caller is.
struct Principal {
    rooms::Actor actor;
    std::string display_name;  ///< the `name` claim (may be empty)
};

/// A LiveKit access token ready to hand to a client.
struct MediaCredentials {
    std::string url;
    std::string token;
    std::string identity;
    core::TimePoint expires_at{};
};

/// `true` when `id` is a valid user id: 1–128 chars of [A-Za-z0-9_.@-], not starting with the
/// reserved viewer prefix `viewer-`.
[[nodiscard]] bool valid_user_id(std::string_view id) noexcept;

class Authenticator {
public:
    /// Default bound of the verified-token cache (`auth.token_cache_size`).
    static constexpr std::size_t kDefaultTokenCacheSize = 10'000;

    /// `token_cache_size`: verified tokens remembered at once (0: verify every time).
    Authenticator(std::string api_key, std::string api_secret, const core::Clock& clock,
                  std::size_t token_cache_size = kDefaultTokenCacheSize)
        : key_(std::move(api_key)),
          secret_(std::move(api_secret)),
          clock_(clock),
          cache_(std::make_unique<TokenCache<Principal>>(token_cache_size)) {}

    /// Verifies a bearer token (10 s leeway, `exp` required). Refusals are `unauthenticated`
    /// with a message that never contains the token. A token verified before and not yet past
    /// its `exp` is answered from the cache.
    [[nodiscard]] rooms::Outcome<Principal> verify(std::string_view token) const;

    /// The verified-token cache (size and hit counters, for tests and metrics).
    [[nodiscard]] const TokenCache<Principal>& token_cache() const noexcept { return *cache_; }

    /// A user token for dev login: `{name, iss, sub, nbf, exp}` valid for `ttl`.
    [[nodiscard]] std::string mint_user_token(const std::string& user_id,
                                              const std::string& display_name,
                                              std::chrono::seconds ttl) const;

    /// Broadcast credentials for a stage member (grants of product.md §10).
    [[nodiscard]] MediaCredentials mint_broadcast(const std::string& url, const std::string& room,
                                                  const std::string& user_id,
                                                  const std::string& display_name,
                                                  std::chrono::seconds ttl) const;
    /// Subscribe-only, hidden credentials with identity `viewer-<userId>-<random>`.
    [[nodiscard]] MediaCredentials mint_viewer(const std::string& url, const std::string& room,
                                               const std::string& user_id,
                                               const std::string& display_name,
                                               std::chrono::seconds ttl) const;

    [[nodiscard]] const std::string& api_key() const noexcept { return key_; }

private:
    std::string key_;
    std::string secret_;
    const core::Clock& clock_;
    std::unique_ptr<TokenCache<Principal>> cache_;  ///< thread-safe; mutated by const verify

    [[nodiscard]] rooms::Outcome<Principal> verify_uncached(std::string_view token,
                                                            core::TimePoint now,
                                                            core::TimePoint* expires_at) const;
};

}  // namespace cohost::server::app
