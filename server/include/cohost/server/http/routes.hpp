#pragma once
/// \file The list of REST routes the server answers, for documentation checks: a test compares
/// it with `docs/api/openapi.yaml` so the router and the document cannot disagree.
#include <string>
#include <vector>

namespace cohost::server::http {

struct RouteSpec {
    std::string method;         ///< `GET`, `POST`, `PATCH`, `PUT`, `DELETE`
    std::string path_template;  ///< OpenAPI style: `/v1/rooms/{roomId}/stage/{userId}`
};

/// Every route of the API (including `/healthz` and `/v1/realtime`), in registration order.
[[nodiscard]] const std::vector<RouteSpec>& api_routes();

}  // namespace cohost::server::http
