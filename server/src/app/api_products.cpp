// Product routes: the catalogue (`/v1/products`) and room products, pin, view/click events and
// stats (product.md §7, §10; docs/engagement.md).
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

namespace {

ProductInput product_input(const json::object& body) {
    ProductInput in;
    in.product_id = opt_string(body, "productId", 1, 128);
    in.name = opt_string(body, "name", 1, 200);
    in.url = opt_string(body, "url", 1, 2048);
    in.price = opt_string(body, "price", 1, 32);
    in.currency = opt_string(body, "currency", 3, 3);
    in.image_url = opt_string(body, "imageUrl", 0, 2048);
    if (auto s = opt_string(body, "status", 1, 16)) {
        in.status = rooms::product_status_from(*s);
        if (!in.status) refuse_field("status", "must be active or archived");
    }
    return in;
}

json::object products_page(const store::Page<rooms::Product>& page) {
    json::array products;
    for (const auto& p : page.items) products.push_back(product_json(p));
    return {{"products", std::move(products)},
            {"nextCursor", page.next_cursor ? json::value(*page.next_cursor) : nullptr}};
}

}  // namespace

void register_product_routes(http::Router& r, ApiContext* ctx) {
    r.add(verb::post, "/v1/products", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        if (!p.actor.admin) refuse(Errc::Forbidden, "only the app backend manages the catalogue");
        auto body = parse_body(req, ctx->config.http_max_json_depth);
        only_fields(body, {"productId", "name", "url", "price", "currency", "imageUrl"});
        auto product = engagement(*ctx).create_product(p.actor, product_input(body));
        return ok_json(product_json(product), 201);
    });

    r.add(verb::get, "/v1/products", [ctx](Request& req) {
        require_auth(*ctx, req);
        const auto query = req.query_or("query");
        if (query.size() > 200) refuse_field("query", "at most 200 characters");
        return ok_json(products_page(
            engagement(*ctx).list_products(query, page_limit(req), req.query_or("cursor"))));
    });

    r.add(verb::get, "/v1/products/{productId}", [ctx](Request& req) {
        require_auth(*ctx, req);
        return ok_json(product_json(engagement(*ctx).get_product(req.param("productId"))));
    });

    r.add(verb::patch, "/v1/products/{productId}", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        if (!p.actor.admin) refuse(Errc::Forbidden, "only the app backend manages the catalogue");
        auto body = parse_body(req, ctx->config.http_max_json_depth);
        only_fields(body, {"name", "url", "price", "currency", "imageUrl", "status"});
        auto product =
            engagement(*ctx).update_product(p.actor, req.param("productId"), product_input(body));
        return ok_json(product_json(product));
    });

    auto room_products = [ctx](const rooms::RoomProducts& rp) {
        return ok_json(room_products_json(rp, engagement(*ctx).products_of(rp)));
    };

    r.add(verb::get, "/v1/rooms/{roomId}/products", [ctx, room_products](Request& req) {
        require_auth(*ctx, req);
        return room_products(engagement(*ctx).room_products(req.param("roomId")));
    });

    r.add(verb::put, "/v1/rooms/{roomId}/products", [ctx, room_products](Request& req) {
        auto p = require_auth(*ctx, req);
        auto body = parse_body(req, ctx->config.http_max_json_depth);
        only_fields(body, {"productIds"});
        const auto* v = body.if_contains("productIds");
        if (v == nullptr || !v->is_array()) refuse_field("productIds", "must be an array of ids");
        std::vector<std::string> ids;
        // Bounded before any lookup; the domain answers too_many_products for > max.
        if (v->as_array().size() > 1000) {
            const auto max = engagement(*ctx).policy().max_room_products;
            refuse(Errc::TooManyProducts, "at most " + std::to_string(max) + " products per room",
                   {{"max", max}, {"given", v->as_array().size()}});
        }
        for (const auto& id : v->as_array()) {
            if (!id.is_string() || id.as_string().empty() || id.as_string().size() > 128) {
                refuse_field("productIds", "must hold product ids (strings)");
            }
            ids.emplace_back(id.as_string().c_str(), id.as_string().size());
        }
        return room_products(engagement(*ctx).set_room_products(p.actor, req.param("roomId"), ids));
    });

    r.add(verb::post, "/v1/rooms/{roomId}/products/{productId}/pin",
          [ctx, room_products](Request& req) {
              auto p = require_auth(*ctx, req);
              return room_products(
                  engagement(*ctx).pin(p.actor, req.param("roomId"), req.param("productId")));
          });

    r.add(verb::post, "/v1/rooms/{roomId}/products/unpin", [ctx, room_products](Request& req) {
        auto p = require_auth(*ctx, req);
        return room_products(engagement(*ctx).unpin(p.actor, req.param("roomId")));
    });

    r.add(verb::post, "/v1/rooms/{roomId}/products/{productId}/events", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        auto body = parse_body(req, ctx->config.http_max_json_depth);
        only_fields(body, {"type"});
        const auto type = rooms::product_event_type_from(req_string(body, "type", 1, 16));
        if (!type) refuse_field("type", "must be view or click");
        engagement(*ctx).product_event(p.actor, req.param("roomId"), req.param("productId"), *type);
        return accepted();
    });

    r.add(verb::get, "/v1/rooms/{roomId}/products/stats", [ctx](Request& req) {
        auto p = require_auth(*ctx, req);
        return ok_json(
            product_stats_json(engagement(*ctx).product_stats(p.actor, req.param("roomId"))));
    });
}

}  // namespace cohost::server::app::detail
