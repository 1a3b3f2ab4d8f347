#include "cohost/server/http/router.hpp"

#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include "cohost/core/log.hpp"

namespace cohost::server::http {

namespace beast_http = boost::beast::http;

std::string_view Request::header(beast_http::field f) const {
    auto it = raw->find(f);
    return it == raw->end() ? std::string_view{} : std::string_view(it->value());
}

std::string_view Request::header(std::string_view name) const {
    auto it = raw->find(name);
    return it == raw->end() ? std::string_view{} : std::string_view(it->value());
}

std::string Request::query_or(const std::string& name, std::string fallback) const {
    auto it = query.find(name);
    return it == query.end() ? std::move(fallback) : it->second;
}

Response Response::json(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

Response Response::error(const rooms::Error& e) {
    boost::json::object err;
    err["code"] = rooms::code_string(e.code);
    err["message"] = e.message;
    err["details"] = e.details;
    boost::json::object env;
    env["error"] = std::move(err);
    return json(rooms::http_status(e.code), boost::json::serialize(env));
}

namespace {
std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        auto j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        out.emplace_back(path.substr(i, j - i));
        i = j;
    }
    return out;
}

bool is_capture(const std::string& seg) {
    return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}
}  // namespace

bool parse_target(std::string_view target, std::string& path,
                  std::map<std::string, std::string>& query) {
    auto u = boost::urls::parse_origin_form(target);
    if (!u) {
        return false;
    }
    path = u->path();
    for (auto p : u->params()) {
        query[p.key] = p.value;
    }
    return true;
}

void Router::add(beast_http::verb method, std::string path_template, Handler handler) {
    Route r{method, path_template, split_path(path_template), std::move(handler)};
    routes_.push_back(std::move(r));
}

Response Router::dispatch(Request& req) const {
    const auto segs = split_path(req.path);
    std::vector<std::string> allowed;
    for (const auto& r : routes_) {
        if (r.segments.size() != segs.size()) continue;
        std::map<std::string, std::string> params;
        bool ok = true;
        for (std::size_t i = 0; i < segs.size() && ok; ++i) {
            if (is_capture(r.segments[i])) {
                params[r.segments[i].substr(1, r.segments[i].size() - 2)] = segs[i];
            } else {
                ok = r.segments[i] == segs[i];
            }
        }
        if (!ok) continue;
        if (r.method != req.method()) {
            allowed.emplace_back(beast_http::to_string(r.method));
            continue;
        }
        req.params = std::move(params);
        try {
            return r.handler(req);
        } catch (const rooms::ErrorException& e) {
            return Response::error(e.error);
        } catch (const std::exception& e) {
            // Never echo internals to the client; the log has them.
            core::logger("http")->error("handler failed path={} error={}", req.path, e.what());
            return Response::error(rooms::make_error(rooms::Errc::Internal, "internal error"));
        }
    }
    if (!allowed.empty()) {
        Response r = Response::error(
            rooms::make_error(rooms::Errc::NotFound, "method not allowed on this path"));
        r.status = 405;
        r.body = R"({"error":{"code":"method_not_allowed","message":"method not allowed on this path","details":{}}})";
        std::string allow;
        for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
        r.headers.emplace_back("Allow", allow);
        return r;
    }
    if (fallback_) {
        if (auto r = fallback_(req)) return std::move(*r);
    }
    return Response::error(rooms::make_error(rooms::Errc::NotFound, "no such route"));
}

std::vector<RouteSpec> Router::specs() const {
    std::vector<RouteSpec> out;
    for (const auto& r : routes_) {
        out.push_back({std::string(beast_http::to_string(r.method)), r.path_template});
    }
    return out;
}

}  // namespace cohost::server::http
