// Invitation routes (product.md §3, §10).
#include <boost/json/serialize.hpp>

#include "api_routes.hpp"
#include "api_support.hpp"

namespace cohost::server::app::detail {

namespace json = boost::json;
using boost::beast::http::verb;
using http::Request;
using http::Response;
using rooms::Errc;

namespace {

constexpr std::size_t kMaxIdempotencyKey = 255;

std::optional<rooms::InvitationStatus> status_filter(const Request& req) {
    auto s = req.query_or("status");
    if (s.empty()) return std::nullopt;
    auto st = rooms::invitation_status_from(s);
    if (!st) refuse_field("status", "must be pending, approved, rejected, cancelled or expired");
    return st;
}

std::string room_title(ApiContext& ctx, const std::string& room_id) {
    auto room = ctx.store.get_room(room_id);
    return room ? room->title : std::string{};
}

json::object invitation_page(ApiContext& ctx, const store::Page<rooms::Invitation>& page) {
    json::array items;
    auto users = ctx.service.user_lookup();
    for (const auto& inv : page.items) {
        items.push_back(invitation_json(inv, room_title(ctx, inv.room_id), users));
    }
    return {{"invitations", std::move(items)},
            {"nextCursor", page.next_cursor ? json::value(*page.next_cursor) : nullptr}};
}

Response respond_route(ApiContext& ctx, Request& req, RoomService::Response what) {
    auto p = require_auth(ctx, req);
    auto inv = ctx.service.respond(p.actor, req.param("invitationId"), what);
    return ok_json(invitation_json(inv, room_title(ctx, inv.room_id), ctx.service.user_lookup()));
}

}  // namespace

void register_invitation_routes(http::Router& r, ApiContext* ctx) {
    r.add(verb::post, "/v1/rooms/{roomId}/invitations", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        auto body = parse_body(req, ctx->config.http_max_json_depth);
        only_fields(body, {"inviteeUserId", "expiresInSeconds"});
        const auto invitee = req_string(body, "inviteeUserId", 1, 128);
        std::optional<rooms::Duration> ttl;
        if (auto s = opt_int(body, "expiresInSeconds", 1, 1'000'000)) {
            ttl = std::chrono::seconds(*s);
        }
        std::optional<IdempotencyKey> idem;
        if (auto key = req.header("Idempotency-Key"); !key.empty()) {
            if (key.size() > kMaxIdempotencyKey) {
                refuse_field("Idempotency-Key", "at most 255 characters");
            }
            idem = IdempotencyKey{p.actor.user_id, "POST " + req.path, std::string(key)};
        }
        auto reply = ctx->service.invite(p.actor, req.param("roomId"), invitee, ttl, idem);
        return Response::json(reply.status, std::move(reply.body));
    });

    r.add(verb::get, "/v1/rooms/{roomId}/invitations", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        auto room = ctx->store.get_room(req.param("roomId"));
        if (!room) refuse(Errc::NotFound, "room not found");
        if (!p.actor.admin && p.actor.user_id != room->host_user_id) {
            refuse(Errc::NotHost, "only the host sees a room's invitations");
        }
        const auto status = status_filter(req);
        const int limit = page_limit(req);
        try {
            return ok_json(invitation_page(
                *ctx, ctx->store.list_room_invitations(room->room_id, status, limit,
                                                       req.query_or("cursor"))));
        } catch (const std::invalid_argument&) {
            refuse_field("cursor", "invalid cursor");
        }
    });

    r.add(verb::get, "/v1/me/invitations", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        if (p.actor.admin) refuse(Errc::Forbidden, "the app backend has no invitations");
        const auto status = status_filter(req);
        const int limit = page_limit(req);
        try {
            return ok_json(invitation_page(
                *ctx, ctx->store.list_user_invitations(p.actor.user_id, status, limit,
                                                       req.query_or("cursor"))));
        } catch (const std::invalid_argument&) {
            refuse_field("cursor", "invalid cursor");
        }
    });

    r.add(verb::get, "/v1/invitations/{invitationId}", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        auto inv = ctx->service.get_invitation(p.actor, req.param("invitationId"));
        return ok_json(
            invitation_json(inv, room_title(*ctx, inv.room_id), ctx->service.user_lookup()));
    });

    r.add(verb::post, "/v1/invitations/{invitationId}/accept",
          [ctx](Request& req) { return respond_route(*ctx, req, RoomService::Response::Accept); });
    r.add(verb::post, "/v1/invitations/{invitationId}/reject",
          [ctx](Request& req) { return respond_route(*ctx, req, RoomService::Response::Reject); });
    r.add(verb::post, "/v1/invitations/{invitationId}/cancel",
          [ctx](Request& req) { return respond_route(*ctx, req, RoomService::Response::Cancel); });
}

}  // namespace cohost::server::app::detail
