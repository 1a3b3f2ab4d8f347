// Route registration, authentication, and the user/auth routes. Room, invitation and stage routes
// are in api_rooms.cpp.
#include "cohost/server/app/api.hpp"

#include <boost/json/serialize.hpp>

#include "api_routes.hpp"
#include "api_support.hpp"
#include "cohost/server/app/media_sync.hpp"
#include "cohost/server/http/routes.hpp"

namespace cohost::server::app {

namespace json = boost::json;
using boost::beast::http::verb;
using detail::refuse;
using http::Request;
using http::Response;
using rooms::Errc;

rooms::Outcome<Principal> authenticate_request(ApiContext& ctx, Request& req,
                                               bool allow_query_token) {
    std::string_view token;
    const auto authz = req.header(boost::beast::http::field::authorization);
    if (!authz.empty()) {
        if (!authz.starts_with("Bearer ")) {
            return rooms::make_error(Errc::Unauthenticated, "Authorization must be 'Bearer <token>'");
        }
        token = authz.substr(7);
    } else if (allow_query_token) {
        auto it = req.query.find("token");
        if (it != req.query.end()) token = it->second;
    }
    auto p = ctx.auth.verify(token);
    if (p && !p->actor.admin) {
        ctx.service.ensure_user(p->actor.user_id, p->display_name);
    }
    return p;
}

namespace detail {

Principal require_auth(ApiContext& ctx, Request& req) {
    auto p = authenticate_request(ctx, req, false);
    if (!p) throw rooms::ErrorException(std::move(p.error()));
    return std::move(*p);
}

Response ok_json(const json::value& v, int status) {
    return Response::json(status, json::serialize(v));
}

json::object user_page(const store::Page<rooms::User>& page) {
    json::array users;
    for (const auto& u : page.items) users.push_back(user_json(u));
    return {{"users", std::move(users)},
            {"nextCursor", page.next_cursor ? json::value(*page.next_cursor) : nullptr}};
}

}  // namespace detail

namespace {

using detail::ok_json;
using detail::require_auth;

void register_user_routes(http::Router& r, ApiContext* ctx) {
    r.add(verb::get, "/healthz", [](Request&) { return Response::json(200, R"({"status":"ok"})"); });

    r.add(verb::post, "/v1/auth/dev-login", [ctx](Request& req) {
        if (!ctx->config.dev_login_enabled()) refuse(Errc::NotFound, "no such route");
        auto body = detail::parse_body(req, ctx->config.http_max_json_depth);
        detail::only_fields(body, {"userId", "displayName"});
        const auto user_id = detail::req_string(body, "userId", 1, 128);
        if (!valid_user_id(user_id)) {
            detail::refuse_field("userId", "1-128 characters of [A-Za-z0-9_.@-], not 'viewer-…'");
        }
        const auto name = detail::opt_string(body, "displayName", 1, 100).value_or(user_id);
        auto user = ctx->service.ensure_user(user_id, name);
        const auto token = ctx->auth.mint_user_token(user_id, user.display_name,
                                                     ctx->config.user_token_ttl);
        return ok_json(json::object{{"token", token}, {"user", user_json(user)}}, 200);
    });

    r.add(verb::get, "/v1/me", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        if (p.actor.admin) refuse(Errc::Forbidden, "the app backend is not a user");
        auto u = ctx->service.find_user(p.actor.user_id);
        if (!u) refuse(Errc::Internal, "user vanished");
        return ok_json(user_json(*u), 200);
    });

    r.add(verb::get, "/v1/users", [ctx](Request& req) {
        require_auth(*ctx, req);
        const auto query = req.query_or("query");
        if (query.size() > 128) detail::refuse_field("query", "at most 128 characters");
        const int limit = detail::page_limit(req);
        try {
            auto page = ctx->store.search_users(query, limit, req.query_or("cursor"));
            return ok_json(detail::user_page(page), 200);
        } catch (const std::invalid_argument&) {
            detail::refuse_field("cursor", "invalid cursor");
        }
    });

    r.add(verb::put, "/v1/users/{userId}", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        if (!p.actor.admin) refuse(Errc::Forbidden, "only the app backend may create users");
        const auto& user_id = req.param("userId");
        if (!valid_user_id(user_id)) {
            detail::refuse_field("userId", "1-128 characters of [A-Za-z0-9_.@-], not 'viewer-…'");
        }
        auto body = detail::parse_body(req, ctx->config.http_max_json_depth);
        detail::only_fields(body, {"displayName", "avatarUrl"});
        const auto name = detail::req_string(body, "displayName", 1, 100);
        const auto avatar = detail::opt_string(body, "avatarUrl", 0, 2048).value_or("");
        return ok_json(user_json(ctx->service.put_user(user_id, name, avatar)), 200);
    });
}

}  // namespace

void register_api_routes(http::Router& router, ApiContext* ctx) {
    register_user_routes(router, ctx);
    detail::register_room_routes(router, ctx);
    detail::register_invitation_routes(router, ctx);
    detail::register_stage_routes(router, ctx);
    detail::register_engagement_routes(router, ctx);
    detail::register_product_routes(router, ctx);
    detail::register_metrics_routes(router, ctx);
    router.add(verb::post, "/v1/livekit/webhook",
               [ctx](Request& req) { return webhook_response(ctx->media, req); });
    router.add(verb::get, "/v1/realtime", [](Request&) {
        Response r = Response::error(
            rooms::make_error(Errc::InvalidArgument, "this endpoint needs a WebSocket upgrade"));
        r.status = 426;
        r.headers.emplace_back("Upgrade", "websocket");
        return r;
    });
}

}  // namespace cohost::server::app

namespace cohost::server::http {

const std::vector<RouteSpec>& api_routes() {
    static const std::vector<RouteSpec> specs = [] {
        Router r;
        app::register_api_routes(r, nullptr);
        return r.specs();
    }();
    return specs;
}

}  // namespace cohost::server::http
