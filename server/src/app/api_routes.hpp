#pragma once
// Shared pieces of the REST handlers (private to server/src/app).
#include <boost/json/value.hpp>

#include "cohost/server/app/api.hpp"

namespace cohost::server::app::detail {

/// Authenticates or throws `unauthenticated`.
Principal require_auth(ApiContext& ctx, http::Request& req);
[[nodiscard]] http::Response ok_json(const boost::json::value& v, int status = 200);
[[nodiscard]] boost::json::object user_page(const store::Page<rooms::User>& page);

void register_room_routes(http::Router& r, ApiContext* ctx);
void register_invitation_routes(http::Router& r, ApiContext* ctx);
void register_stage_routes(http::Router& r, ApiContext* ctx);
/// Chat, moderation, reactions, viewers (api_engagement.cpp) and products (api_products.cpp).
void register_engagement_routes(http::Router& r, ApiContext* ctx);
void register_product_routes(http::Router& r, ApiContext* ctx);
/// The context's engagement service, or `404 not_found` when there is none.
[[nodiscard]] EngagementService& engagement(ApiContext& ctx);
/// `202 Accepted` without a body.
[[nodiscard]] http::Response accepted();
/// `GET /metrics` (api_metrics.cpp).
void register_metrics_routes(http::Router& r, ApiContext* ctx);

}  // namespace cohost::server::app::detail
