#pragma once
// Shared pieces of the Twirp client tests: client options pointed at a FakeTwirpServer, an
// observer that records, a callback that captures, and the API-token check.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cohost/core/jwt.hpp"
#include "cohost/server/livekit/room_service_client.hpp"
#include "unit/server/livekit/fake_twirp_server.hpp"

namespace cohost::server::livekit::testing {

inline constexpr std::string_view kApiKey = "APIdevkey";
inline constexpr std::string_view kApiSecret = "devsecret-0123456789abcdef0123456789";

struct Observed {
    std::string method;
    std::string outcome;
};

/// A callback that records how often it ran and what it got.
template <class T>
struct Captured {
    int calls = 0;
    std::optional<TwirpResult<T>> result;

    Callback<T> cb() {
        return [this](TwirpResult<T> r) {
            ++calls;
            result = std::move(r);
        };
    }
    [[nodiscard]] bool ok() const { return result && result->index() == 0; }
    [[nodiscard]] const T& value() const { return std::get<0>(*result); }
    [[nodiscard]] const TwirpError& error() const { return std::get<1>(*result); }
};

inline ClientOptions options_for(const std::string& url, std::vector<Observed>& observed) {
    ClientOptions o;
    o.url = url;
    o.api_key = std::string(kApiKey);
    o.api_secret = std::string(kApiSecret);
    o.timeout = std::chrono::seconds(5);
    o.max_attempts = 3;
    o.backoff_initial = std::chrono::milliseconds(1);
    o.backoff_max = std::chrono::milliseconds(4);
    o.observer = [&observed](std::string_view method, std::chrono::nanoseconds,
                             std::string_view outcome) {
        observed.push_back({std::string(method), std::string(outcome)});
    };
    return o;
}

/// Checks the bearer API token of `r` (§1.1: HS256, iss = key, no sub, 10-minute TTL) and
/// returns its `video` grant (null when the token is unusable).
inline boost::json::value check_token(const RecordedRequest& r) {
    constexpr std::string_view kBearer = "Bearer ";
    EXPECT_EQ(r.authorization.substr(0, kBearer.size()), kBearer);
    if (r.authorization.size() <= kBearer.size()) return nullptr;
    const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
    auto claims = core::jwt::verify_hs256(r.authorization.substr(kBearer.size()),
                                          {kApiSecret, kApiKey, now, std::chrono::seconds(10)});
    EXPECT_TRUE(claims) << (claims ? "" : claims.error().message());
    if (!claims) return nullptr;
    EXPECT_EQ(claims->if_contains("sub"), nullptr);
    EXPECT_EQ(claims->at("exp").as_int64() - claims->at("nbf").as_int64(), 600);
    const boost::json::value* video = claims->if_contains("video");
    return video != nullptr ? *video : boost::json::value(nullptr);
}

}  // namespace cohost::server::livekit::testing
