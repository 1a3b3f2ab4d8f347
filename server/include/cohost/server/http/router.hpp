#pragma once
/// \file Request/response values and the path router of the REST API.
///
/// Handlers run on the control thread, synchronously: they read the request, call the service and
/// return a Response. A handler refuses by throwing `rooms::ErrorException`; the router turns it
/// into the JSON error envelope (product.md §8). Any other exception becomes `500 internal`
/// without leaking its text.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cohost/server/http/routes.hpp"
#include "cohost/server/rooms/errors.hpp"

namespace cohost::server::http {

using RawRequest = boost::beast::http::request<boost::beast::http::string_body>;

/// One parsed request. `raw` stays valid for the handler call.
struct Request {
    const RawRequest* raw = nullptr;
    std::string path;                                ///< decoded path, no query
    std::map<std::string, std::string> query;        ///< decoded query parameters (last wins)
    std::map<std::string, std::string> params;       ///< `{name}` captures of the route

    [[nodiscard]] std::string_view header(boost::beast::http::field f) const;
    [[nodiscard]] std::string_view header(std::string_view name) const;
    [[nodiscard]] const std::string& body() const { return raw->body(); }
    [[nodiscard]] boost::beast::http::verb method() const { return raw->method(); }
    /// The route parameter `name` (the router guarantees it exists for the matched route).
    [[nodiscard]] const std::string& param(const std::string& name) const { return params.at(name); }
    /// The query parameter or `fallback`.
    [[nodiscard]] std::string query_or(const std::string& name, std::string fallback = {}) const;
};

struct Response {
    int status = 200;
    std::string body;                                ///< JSON text (or empty)
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;

    [[nodiscard]] static Response json(int status, std::string body);
    /// The error envelope `{"error":{"code","message","details"}}` with the mapped status.
    [[nodiscard]] static Response error(const rooms::Error& e);
};

using Handler = std::function<Response(Request&)>;

class Router {
public:
    /// Registers `handler` for `method` on `path_template` (`/v1/rooms/{roomId}`); the template is
    /// also recorded for `api_routes()`.
    void add(boost::beast::http::verb method, std::string path_template, Handler handler);

    /// Finds the route, fills `req.params`, calls the handler and maps refusals. Unknown path →
    /// 404 not_found; known path, other method → 405 method_not_allowed (with `Allow`).
    [[nodiscard]] Response dispatch(Request& req) const;

    [[nodiscard]] std::vector<RouteSpec> specs() const;

    /// Asked when no route matches the path at all (before the 404): an answer it returns is
    /// sent instead (cohostd: the web app's files). Not asked for a 405.
    using Fallback = std::function<std::optional<Response>(const Request&)>;
    void set_fallback(Fallback fallback) { fallback_ = std::move(fallback); }

private:
    struct Route {
        boost::beast::http::verb method;
        std::string path_template;
        std::vector<std::string> segments;  ///< `{name}` marks a capture
        Handler handler;
    };
    std::vector<Route> routes_;
    Fallback fallback_;
};

/// Splits `target` into a decoded path and query map. Returns false for an undecodable target.
[[nodiscard]] bool parse_target(std::string_view target, std::string& path,
                                std::map<std::string, std::string>& query);

}  // namespace cohost::server::http
