#include "cohost/media/grants.hpp"

#include <boost/json.hpp>

#include "cohost/core/jwt.hpp"

namespace cohost::media {
namespace {

// boost's error_category has a protected non-virtual destructor by design.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
struct TokenCategory final : boost::system::error_category {
    const char* name() const noexcept override { return "media-token"; }
    std::string message(int ev) const override {
        switch (static_cast<TokenErrc>(ev)) {
            case TokenErrc::Missing: return "no access token";
            case TokenErrc::Invalid: return "access token is malformed";
            case TokenErrc::Expired: return "access token is expired or not yet valid";
            case TokenErrc::BadSignature: return "access token signature is invalid";
            case TokenErrc::UnknownKey: return "access token was issued by an unknown API key";
            case TokenErrc::NoIdentity: return "access token has no identity (sub)";
            case TokenErrc::BadGrant: return "access token video grant is malformed";
        }
        return "unknown token error";
    }
};
#pragma GCC diagnostic pop

/// Reads an optional bool member; false (and `ok = false`) when present with another type.
bool read_bool(const boost::json::object& o, std::string_view key, bool fallback, bool& ok) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return fallback;
    if (!v->is_bool()) {
        ok = false;
        return fallback;
    }
    return v->as_bool();
}

std::string read_string(const boost::json::object& o, std::string_view key, bool& ok) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return {};
    if (!v->is_string()) {
        ok = false;
        return {};
    }
    return std::string(v->as_string());
}

}  // namespace

boost::system::error_code make_error_code(TokenErrc e) noexcept {
    static const TokenCategory category;
    return {static_cast<int>(e), category};
}

Result<Grants> verify_access_token(std::string_view token, std::string_view api_key,
                                   std::string_view api_secret, core::TimePoint now,
                                   bool require_identity) noexcept {
    if (token.empty()) return make_error_code(TokenErrc::Missing);
    try {
        core::jwt::VerifyOptions opts;
        opts.secret = api_secret;
        opts.issuer = api_key;
        opts.now = now;
        auto claims = core::jwt::verify_hs256(token, opts);
        if (!claims) {
            using core::jwt::JwtError;
            const auto& ec = claims.error();
            if (ec == JwtError::Expired || ec == JwtError::NotYetValid) {
                return make_error_code(TokenErrc::Expired);
            }
            if (ec == JwtError::BadSignature) return make_error_code(TokenErrc::BadSignature);
            if (ec == JwtError::UnknownIssuer) return make_error_code(TokenErrc::UnknownKey);
            return make_error_code(TokenErrc::Invalid);
        }
        bool ok = true;
        Grants g;
        g.identity = read_string(*claims, "sub", ok);
        g.name = read_string(*claims, "name", ok);
        if (!ok) return make_error_code(TokenErrc::Invalid);
        if (g.identity.empty() && require_identity) return make_error_code(TokenErrc::NoIdentity);
        const auto* video = claims->if_contains("video");
        if (video && !video->is_null()) {
            if (!video->is_object()) return make_error_code(TokenErrc::BadGrant);
            const auto& v = video->as_object();
            g.room = read_string(v, "room", ok);
            g.room_join = read_bool(v, "roomJoin", false, ok);
            g.can_publish = read_bool(v, "canPublish", true, ok);
            g.can_subscribe = read_bool(v, "canSubscribe", true, ok);
            g.can_publish_data = read_bool(v, "canPublishData", g.can_publish, ok);
            g.hidden = read_bool(v, "hidden", false, ok);
            g.room_create = read_bool(v, "roomCreate", false, ok);
            g.room_list = read_bool(v, "roomList", false, ok);
            g.room_admin = read_bool(v, "roomAdmin", false, ok);
            if (const auto* s = v.if_contains("canPublishSources"); s && !s->is_null()) {
                if (!s->is_array()) return make_error_code(TokenErrc::BadGrant);
                for (const auto& item : s->as_array()) {
                    if (!item.is_string()) return make_error_code(TokenErrc::BadGrant);
                    g.can_publish_sources.emplace_back(item.as_string());
                }
            }
            if (!ok) return make_error_code(TokenErrc::BadGrant);
        }
        return g;
    } catch (...) {  // allocation failure: refuse rather than throw from noexcept
        return make_error_code(TokenErrc::Invalid);
    }
}

std::string_view bearer_token(std::string_view authorization) noexcept {
    constexpr std::string_view scheme = "bearer ";
    if (authorization.size() <= scheme.size()) return {};
    for (std::size_t i = 0; i < scheme.size(); ++i) {
        const char c = authorization[i];
        const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        if (lower != scheme[i]) return {};
    }
    std::string_view t = authorization.substr(scheme.size());
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    return t;
}

}  // namespace cohost::media
