// `GET /metrics`: the Prometheus text exposition of ApiContext::metrics. No token (product.md
// §10: operators restrict it by network; the default listener is loopback). `metrics.enabled:
// false` (or no registry) answers 404 not_found, like an unknown route.
#include "api_routes.hpp"
#include "api_support.hpp"

namespace cohost::server::app::detail {

using boost::beast::http::verb;

void register_metrics_routes(http::Router& r, ApiContext* ctx) {
    r.add(verb::get, "/metrics", [ctx](http::Request&) {
        if (!ctx->config.metrics_enabled || ctx->metrics == nullptr) {
            refuse(rooms::Errc::NotFound, "no such route");
        }
        http::Response res;
        res.status = 200;
        res.body = ctx->metrics->render();
        res.content_type = "text/plain; version=0.0.4; charset=utf-8";
        return res;
    });
}

}  // namespace cohost::server::app::detail
