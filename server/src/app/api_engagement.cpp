// Engagement routes: chat, moderation, reactions, viewers (product.md §7, §10; docs/engagement.md).
// Products are in api_products.cpp.
#include <boost/json/serialize.hpp>

#include "api_routes.hpp"
#include "api_support.hpp"
#include "cohost/server/app/engagement_service.hpp"
#include "engagement_json.hpp"

namespace cohost::server::app::detail {

namespace json = boost::json;
using boost::beast::http::verb;
using http::Request;
using http::Response;
using rooms::Errc;

EngagementService& engagement(ApiContext& ctx) {
    if (ctx.engagement == nullptr) refuse(Errc::NotFound, "engagement is not enabled");
    return *ctx.engagement;
}

Response accepted() { return Response::json(202, ""); }

void register_engagement_routes(http::Router& r, ApiContext* ctx) {
    r.add(verb::post, "/v1/rooms/{roomId}/messages", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        auto body = parse_body(req, ctx->config.http_max_json_depth);
        only_fields(body, {"text"});
        // Length in code points is checked by the domain after trimming; this bounds the bytes.
        const auto text =
            req_string(body, "text", 1, engagement(*ctx).policy().max_message_chars * 2);
        auto m = engagement(*ctx).post_message(p.actor, req.param("roomId"), text);
        return ok_json(message_json(m, ctx->service.user_lookup()), 201);
    });

    r.add(verb::get, "/v1/rooms/{roomId}/messages", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        const int limit = page_limit(req);
        auto page = engagement(*ctx).list_messages(p.actor, req.param("roomId"), limit,
                                                   req.query_or("cursor"));
        json::array messages;
        const auto users = ctx->service.user_lookup();
        for (const auto& m : page.items) messages.push_back(message_json(m, users));
        return ok_json(json::object{
            {"messages", std::move(messages)},
            {"nextCursor", page.next_cursor ? json::value(*page.next_cursor) : nullptr}});
    });

    r.add(verb::delete_, "/v1/rooms/{roomId}/messages/{messageId}", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        engagement(*ctx).delete_message(p.actor, req.param("roomId"), req.param("messageId"));
        return ok_json(json::object{{"messageId", req.param("messageId")}, {"deleted", true}});
    });

    r.add(verb::post, "/v1/rooms/{roomId}/moderation", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        auto body = parse_body(req, ctx->config.http_max_json_depth);
        only_fields(body, {"action", "userId", "durationSeconds"});
        const auto action_text = req_string(body, "action", 1, 16);
        const auto action = rooms::moderation_action_from(action_text);
        if (!action) refuse_field("action", "must be mute, unmute, ban or unban");
        rooms::ModerationCommand cmd;
        cmd.action = *action;
        cmd.target_user_id = req_string(body, "userId", 1, 128);
        // The domain checks the upper bound against the policy.
        if (auto secs = opt_int(body, "durationSeconds", 1, 10LL * 365 * 24 * 3600)) {
            cmd.duration = std::chrono::seconds(*secs);
        }
        if ((cmd.action == rooms::ModerationAction::Unmute ||
             cmd.action == rooms::ModerationAction::Unban) &&
            cmd.duration) {
            refuse_field("durationSeconds", "only mute and ban take a duration");
        }
        auto m = engagement(*ctx).moderate(p.actor, req.param("roomId"), cmd);
        auto out = moderation_json(m, m.updated_at);
        out["action"] = action_text;
        return ok_json(out);
    });

    r.add(verb::post, "/v1/rooms/{roomId}/reactions", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        auto body = parse_body(req, ctx->config.http_max_json_depth);
        only_fields(body, {"reaction"});
        const auto reaction = req_string(body, "reaction", 1, 64);
        engagement(*ctx).react(p.actor, req.param("roomId"), reaction);
        return accepted();
    });

    r.add(verb::get, "/v1/rooms/{roomId}/viewers", [ctx](Request& req) {
        require_auth(*ctx, req);
        const auto& room_id = req.param("roomId");
        if (!ctx->store.get_room(room_id)) refuse(Errc::NotFound, "room not found");
        const int limit = page_limit(req);
        const auto cursor = req.query_or("cursor");
        const auto all = engagement(*ctx).viewers(room_id);
        json::array viewers;
        std::optional<std::string> next;
        const auto users = ctx->service.user_lookup();
        for (const auto& v : all) {
            if (!cursor.empty() && v.user_id <= cursor) continue;  // ordered by user id
            if (static_cast<int>(viewers.size()) == limit) {
                next = viewers.back().as_object().at("userId").as_string().c_str();
                break;
            }
            auto u = users(v.user_id);
            viewers.push_back(json::object{{"userId", v.user_id},
                                           {"displayName", u ? u->display_name : v.user_id},
                                           {"since", core::format_iso8601(v.since)}});
        }
        return ok_json(json::object{{"count", all.size()},
                                    {"viewers", std::move(viewers)},
                                    {"nextCursor", next ? json::value(*next) : nullptr}});
    });
}

}  // namespace cohost::server::app::detail
