#include "cohost/server/app/auth.hpp"

#include "cohost/core/ids.hpp"
#include "cohost/core/jwt.hpp"

namespace cohost::server::app {

namespace json = boost::json;
using rooms::Errc;

bool valid_user_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 128 || id.starts_with("viewer-")) {
        return false;
    }
    for (char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '_' || c == '.' || c == '@' || c == '-';
        if (!ok) return false;
    }
    return true;
}

rooms::Outcome<Principal> Authenticator::verify(std::string_view token) const {
    if (token.empty()) {
        return rooms::make_error(Errc::Unauthenticated, "missing token");
    }
    const auto now = clock_.now();
    if (auto hit = cache_->find(token, now)) return std::move(*hit);
    core::TimePoint expires_at{};
    auto p = verify_uncached(token, now, &expires_at);
    // Only accepted tokens are remembered, and never past their own `exp`.
    if (p) cache_->put(token, *p, expires_at, now);
    return p;
}

rooms::Outcome<Principal> Authenticator::verify_uncached(std::string_view token,
                                                         core::TimePoint now,
                                                         core::TimePoint* expires_at) const {
    auto claims = core::jwt::verify_hs256(
        token, core::jwt::VerifyOptions{secret_, key_, now, std::chrono::seconds(10)});
    if (!claims) {
        return rooms::make_error(Errc::Unauthenticated, "invalid token: " + claims.error().message());
    }
    // verify_hs256 guarantees a numeric `exp`. Fractional seconds round down (earlier expiry).
    const double exp_s = core::jwt::numeric_claim(*claims, "exp").value_or(0);
    *expires_at = exp_s >= 9.0e12 ? core::TimePoint::max()
                  : exp_s <= 0    ? core::TimePoint{}
                                  : core::from_unix_ms(static_cast<std::int64_t>(exp_s) * 1000);
    Principal p;
    const auto* sub = claims->if_contains("sub");
    if (sub && sub->is_string() && !sub->as_string().empty()) {
        const std::string_view id = sub->as_string();
        if (!valid_user_id(id)) {
            return rooms::make_error(Errc::Unauthenticated, "invalid token: unusable subject");
        }
        p.actor = rooms::Actor::user(std::string(id));
        if (const auto* name = claims->if_contains("name"); name && name->is_string()) {
            p.display_name = std::string(name->as_string());
        }
        return p;
    }
    // No subject: only the app backend's admin token (roomAdmin without a room) is accepted.
    const auto* video = claims->if_contains("video");
    if (video && video->is_object()) {
        const auto& v = video->as_object();
        const auto* admin = v.if_contains("roomAdmin");
        const auto* room = v.if_contains("room");
        const bool has_room = room && room->is_string() && !room->as_string().empty();
        if (admin && admin->is_bool() && admin->as_bool() && !has_room) {
            p.actor = rooms::Actor::backend();
            return p;
        }
    }
    return rooms::make_error(Errc::Unauthenticated, "invalid token: no subject");
}

namespace {
json::object base_claims(const std::string& key, const std::string& sub, core::TimePoint now,
                         std::chrono::seconds ttl) {
    json::object c;
    c["iss"] = key;
    if (!sub.empty()) c["sub"] = sub;
    c["nbf"] = core::to_unix_seconds(now);
    c["exp"] = core::to_unix_seconds(now) + ttl.count();
    return c;
}
}  // namespace

std::string Authenticator::mint_user_token(const std::string& user_id,
                                           const std::string& display_name,
                                           std::chrono::seconds ttl) const {
    auto c = base_claims(key_, user_id, clock_.now(), ttl);
    c["name"] = display_name;
    return core::jwt::sign_hs256(c, secret_);
}

MediaCredentials Authenticator::mint_broadcast(const std::string& url, const std::string& room,
                                               const std::string& user_id,
                                               const std::string& display_name,
                                               std::chrono::seconds ttl) const {
    const auto now = clock_.now();
    auto c = base_claims(key_, user_id, now, ttl);
    c["name"] = display_name;
    json::object v;
    v["roomJoin"] = true;
    v["room"] = room;
    v["canPublish"] = true;
    v["canSubscribe"] = true;
    v["canPublishData"] = true;
    v["canPublishSources"] = json::array{"camera", "microphone"};
    c["video"] = std::move(v);
    const auto exp = core::from_unix_ms(c["exp"].as_int64() * 1000);
    return {url, core::jwt::sign_hs256(c, secret_), user_id, exp};
}

MediaCredentials Authenticator::mint_viewer(const std::string& url, const std::string& room,
                                            const std::string& user_id,
                                            const std::string& display_name,
                                            std::chrono::seconds ttl) const {
    const auto now = clock_.now();
    const std::string identity = "viewer-" + user_id + "-" + core::new_id("", 8);
    auto c = base_claims(key_, identity, now, ttl);
    c["name"] = display_name;
    json::object v;
    v["roomJoin"] = true;
    v["room"] = room;
    v["canPublish"] = false;
    v["canSubscribe"] = true;
    v["canPublishData"] = false;
    v["hidden"] = true;
    c["video"] = std::move(v);
    const auto exp = core::from_unix_ms(c["exp"].as_int64() * 1000);
    return {url, core::jwt::sign_hs256(c, secret_), identity, exp};
}

}  // namespace cohost::server::app
