// Rooms, media credentials and stage routes (product.md §2, §4, §6, §10).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api_routes.hpp"
#include "api_support.hpp"
#include "cohost/server/app/engagement_service.hpp"

namespace cohost::server::app::detail {

namespace json = boost::json;
using boost::beast::http::verb;
using http::Request;
using http::Response;
using rooms::Errc;

namespace {

/// The LiveKit URL handed out with media credentials: `media.public_url` when set; otherwise in
/// embedded mode `ws://` + the request's `Host` (the address this client reached cohostd on; a
/// missing or malformed Host falls back to `http.addr`), in livekit mode `livekit.url` with its
/// http(s) scheme turned into ws(s).
std::string media_url(const Config& cfg, const http::Request& req) {
    if (!cfg.media_public_url.empty()) return cfg.media_public_url;
    if (cfg.media_mode == MediaMode::Livekit) {
        const std::string& u = cfg.livekit_url;
        if (u.starts_with("https://")) return "wss://" + u.substr(8);
        if (u.starts_with("http://")) return "ws://" + u.substr(7);
        return u;
    }
    const std::string_view host = req.header(boost::beast::http::field::host);
    const bool valid = !host.empty() && host.size() <= 255 &&
                       host.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") ==
                           std::string_view::npos;
    if (valid) return "ws://" + std::string(host);
    std::string addr = cfg.http_addr;
    if (addr.starts_with("0.0.0.0:")) addr = "127.0.0.1:" + addr.substr(8);
    if (addr.starts_with("[::]:")) addr = "[::1]:" + addr.substr(5);
    return "ws://" + addr;
}


constexpr std::size_t kMaxMetadataBytes = 4096;

/// `metadata` must be a JSON object of at most 4 KiB once serialized.
std::optional<std::string> opt_metadata(const json::object& body) {
    const auto* v = body.if_contains("metadata");
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_object()) refuse_field("metadata", "must be a JSON object");
    auto text = json::serialize(*v);
    if (text.size() > kMaxMetadataBytes) refuse_field("metadata", "must be at most 4 KiB");
    return text;
}

json::object stage_json(const rooms::RoomState& s, const UserLookup& users) {
    json::array members;
    for (const auto& m : s.stage) members.push_back(member_json(m, users));
    return {{"roomId", s.room.room_id},
            {"maxCoHosts", s.room.max_cohosts},
            {"members", std::move(members)}};
}

json::object room_page(const store::Page<rooms::Room>& page) {
    json::array rooms;
    for (const auto& r : page.items) rooms.push_back(room_json(r));
    return {{"rooms", std::move(rooms)},
            {"nextCursor", page.next_cursor ? json::value(*page.next_cursor) : nullptr}};
}

std::string display_name(ApiContext& ctx, const std::string& user_id) {
    auto u = ctx.service.find_user(user_id);
    return u ? u->display_name : user_id;
}

json::object credentials_json(const MediaCredentials& c) {
    return {{"url", c.url},
            {"token", c.token},
            {"identity", c.identity},
            {"expiresAt", core::format_iso8601(c.expires_at)}};
}

}  // namespace

void register_room_routes(http::Router& r, ApiContext* ctx) {
    r.add(verb::post, "/v1/rooms", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        auto body = parse_body(req, ctx->config.http_max_json_depth);
        only_fields(body, {"title", "description", "thumbnailUrl", "metadata", "maxCoHosts",
                           "hostUserId"});
        rooms::CreateRoomParams params;
        params.title = req_string(body, "title", 1, 200);
        params.description = opt_string(body, "description", 0, 2000).value_or("");
        params.thumbnail_url = opt_string(body, "thumbnailUrl", 0, 2048).value_or("");
        params.metadata_json = opt_metadata(body).value_or("{}");
        params.max_cohosts = static_cast<int>(opt_int(body, "maxCoHosts", 1, 8).value_or(4));
        std::string host = p.actor.user_id;
        if (p.actor.admin) {
            host = req_string(body, "hostUserId", 1, 128);
            if (!ctx->service.find_user(host)) {
                refuse(Errc::UserNotFound, "host user not found", {{"userId", host}});
            }
        } else if (body.contains("hostUserId")) {
            refuse_field("hostUserId", "only the app backend may create rooms for another user");
        }
        return ok_json(room_json(ctx->service.create_room(params, host)), 201);
    });

    r.add(verb::get, "/v1/rooms", [ctx](Request& req) {
        require_auth(*ctx, req);
        std::optional<rooms::RoomStatus> status;
        if (auto s = req.query_or("status"); !s.empty()) {
            status = rooms::room_status_from(s);
            if (!status) refuse_field("status", "must be idle, live, reconnecting or ended");
        }
        const int limit = page_limit(req);
        try {
            return ok_json(room_page(ctx->store.list_rooms(status, limit, req.query_or("cursor"))));
        } catch (const std::invalid_argument&) {
            refuse_field("cursor", "invalid cursor");
        }
    });

    r.add(verb::get, "/v1/rooms/{roomId}", [ctx](Request& req) {
        require_auth(*ctx, req);
        auto room = ctx->store.get_room(req.param("roomId"));
        if (!room) refuse(Errc::NotFound, "room not found");
        return ok_json(room_json(*room));
    });

    r.add(verb::patch, "/v1/rooms/{roomId}", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        auto body = parse_body(req, ctx->config.http_max_json_depth);
        only_fields(body, {"title", "description", "thumbnailUrl", "metadata", "maxCoHosts",
                           "slowModeSeconds"});
        rooms::RoomPatch patch;
        patch.title = opt_string(body, "title", 1, 200);
        patch.description = opt_string(body, "description", 0, 2000);
        patch.thumbnail_url = opt_string(body, "thumbnailUrl", 0, 2048);
        patch.metadata_json = opt_metadata(body);
        if (auto n = opt_int(body, "maxCoHosts", 1, 8)) patch.max_cohosts = static_cast<int>(*n);
        if (auto n = opt_int(body, "slowModeSeconds", 0, 300)) {
            patch.slow_mode_seconds = static_cast<int>(*n);
        }
        return ok_json(room_json(ctx->service.update_room(p.actor, req.param("roomId"), patch)));
    });

    r.add(verb::post, "/v1/rooms/{roomId}/stop", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        return ok_json(room_json(ctx->service.stop_room(p.actor, req.param("roomId"))));
    });

    r.add(verb::post, "/v1/rooms/{roomId}/broadcast-token", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        auto state = ctx->service.load(req.param("roomId"));
        auto member = rooms::check_broadcast(state, p.actor);
        if (!member) throw rooms::ErrorException(std::move(member.error()));
        const auto& uid = (*member)->user_id;
        auto creds = ctx->auth.mint_broadcast(media_url(ctx->config, req), state.room.room_id, uid,
                                              display_name(*ctx, uid), ctx->config.media_token_ttl);
        return ok_json(credentials_json(creds));
    });

    r.add(verb::post, "/v1/rooms/{roomId}/viewer-token", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        if (p.actor.admin) refuse(Errc::Forbidden, "viewer credentials are per user");
        auto room = ctx->store.get_room(req.param("roomId"));
        if (!room) refuse(Errc::NotFound, "room not found");
        if (room->status == rooms::RoomStatus::Ended) refuse(Errc::RoomEnded, "the room has ended");
        if (ctx->engagement != nullptr) {  // a banned user gets no viewer credentials
            if (auto e = ctx->engagement->check_viewer(p.actor, room->room_id, false)) {
                throw rooms::ErrorException(std::move(*e));
            }
        }
        auto creds = ctx->auth.mint_viewer(media_url(ctx->config, req), room->room_id,
                                           p.actor.user_id, display_name(*ctx, p.actor.user_id),
                                           ctx->config.media_token_ttl);
        return ok_json(credentials_json(creds));
    });
}

void register_stage_routes(http::Router& r, ApiContext* ctx) {
    r.add(verb::get, "/v1/rooms/{roomId}/stage", [ctx](Request& req) {
        require_auth(*ctx, req);
        auto state = ctx->service.load(req.param("roomId"));
        return ok_json(stage_json(state, ctx->service.user_lookup()));
    });

    r.add(verb::post, "/v1/rooms/{roomId}/stage/leave", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        ctx->service.leave_stage(p.actor, req.param("roomId"));
        return ok_json(stage_json(ctx->service.load(req.param("roomId")), ctx->service.user_lookup()));
    });

    r.add(verb::delete_, "/v1/rooms/{roomId}/stage/{userId}", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        ctx->service.remove_member(p.actor, req.param("roomId"), req.param("userId"));
        return ok_json(stage_json(ctx->service.load(req.param("roomId")), ctx->service.user_lookup()));
    });

    r.add(verb::patch, "/v1/rooms/{roomId}/stage/{userId}", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        auto body = parse_body(req, ctx->config.http_max_json_depth);
        only_fields(body, {"permissions"});
        const auto* perms = body.if_contains("permissions");
        if (!perms || !perms->is_object()) refuse_field("permissions", "must be an object");
        only_fields(perms->as_object(), {"canManageProducts"});
        auto can = opt_bool(perms->as_object(), "canManageProducts");
        if (!can) refuse_field("permissions.canManageProducts", "is required");
        auto m = ctx->service.set_permissions(p.actor, req.param("roomId"), req.param("userId"), *can);
        return ok_json(member_json(m, ctx->service.user_lookup()));
    });
}

}  // namespace cohost::server::app::detail
