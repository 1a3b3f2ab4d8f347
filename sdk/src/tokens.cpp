#include "cohost/sdk/tokens.hpp"

#include <boost/json/parse.hpp>
#include <stdexcept>

#include "cohost/core/crypto.hpp"
#include "cohost/core/jwt.hpp"

namespace cohost::sdk {

namespace json = boost::json;

namespace {

json::object decode_segment(std::string_view token, std::size_t index) {
    std::size_t start = 0;
    for (std::size_t i = 0; i < index; ++i) {
        const auto dot = token.find('.', start);
        if (dot == std::string_view::npos) {
            throw std::invalid_argument("not a JWT: missing segment");
        }
        start = dot + 1;
    }
    const auto end = token.find('.', start);
    if (end == std::string_view::npos) {
        throw std::invalid_argument("not a JWT: missing segment");
    }
    const auto raw = core::base64_decode(token.substr(start, end - start));
    if (!raw) {
        throw std::invalid_argument("not a JWT: segment is not base64url");
    }
    boost::system::error_code ec;
    json::value v = json::parse(*raw, ec);
    if (ec || !v.is_object()) {
        throw std::invalid_argument("not a JWT: segment is not a JSON object");
    }
    return std::move(v.as_object());
}

}  // namespace

std::int64_t unix_now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

json::object user_token_claims(const ApiCredentials& creds, std::string_view user_id,
                               std::string_view name, std::chrono::seconds ttl,
                               const std::optional<json::object>& video) {
    const std::int64_t now = unix_now_seconds();
    json::object claims;
    claims["name"] = name;
    if (video) {
        claims["video"] = *video;
    }
    claims["iss"] = creds.api_key;
    claims["exp"] = now + ttl.count();
    claims["nbf"] = now;
    claims["sub"] = user_id;
    return claims;
}

std::string mint_user_token(const ApiCredentials& creds, std::string_view user_id,
                            std::string_view name, std::chrono::seconds ttl,
                            const std::optional<json::object>& video) {
    return core::jwt::sign_hs256(user_token_claims(creds, user_id, name, ttl, video),
                                 creds.api_secret);
}

std::string mint_admin_token(const ApiCredentials& creds, std::chrono::seconds ttl) {
    const std::int64_t now = unix_now_seconds();
    json::object claims;
    claims["video"] = json::object{{"roomAdmin", true}};
    claims["iss"] = creds.api_key;
    claims["exp"] = now + ttl.count();
    claims["nbf"] = now;
    return core::jwt::sign_hs256(claims, creds.api_secret);
}

std::string sign_claims(const json::object& claims, std::string_view api_secret) {
    return core::jwt::sign_hs256(claims, api_secret);
}

json::object decode_token_header(std::string_view token) { return decode_segment(token, 0); }

json::object decode_token_claims(std::string_view token) { return decode_segment(token, 1); }

}  // namespace cohost::sdk
