#include "media_routes.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <chrono>

#include "cohost/core/time.hpp"
#include "cohost/core/log.hpp"
#include "cohost/media/grants.hpp"
#include "cohost/server/livekit/webhook.hpp"

namespace cohost::apps {
namespace {

namespace bhttp = boost::beast::http;
using server::http::Request;
using server::http::Response;

/// RFC 9725 §4.x: browsers call WHIP/WHEP cross-origin.
void add_cors(Response& r) {
    r.headers.emplace_back("Access-Control-Allow-Origin", "*");
    r.headers.emplace_back("Access-Control-Expose-Headers", "Location");
}

Response error(int status, std::string_view code, std::string_view message) {
    boost::json::object err;
    err["code"] = code;
    err["message"] = message;
    boost::json::object env;
    env["error"] = std::move(err);
    Response r = Response::json(status, boost::json::serialize(env));
    if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
    add_cors(r);
    return r;
}

/// Percent-encodes a path segment (RFC 3986 unreserved characters pass through).
std::string encode_segment(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
    }
    return out;
}

struct Front {
    media::MediaServer* media = nullptr;
    std::string api_key;
    std::string api_secret;

    /// The verified grants of the request's bearer token for `room`, or the error response.
    std::variant<media::Grants, Response> authorize(const Request& req, const std::string& room,
                                                    media::SessionKind kind) const {
        const auto token = media::bearer_token(req.header(bhttp::field::authorization));
        auto grants = media::verify_access_token(token, api_key, api_secret,
                                                 std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
        if (!grants) return error(401, "unauthenticated", grants.error().message());
        if (!grants->room_join || grants->room != room) {
            return error(403, "forbidden", "the token does not grant joining this room");
        }
        if (kind == media::SessionKind::Publish && !grants->can_publish) {
            return error(403, "forbidden", "the token does not allow publishing");
        }
        if (kind == media::SessionKind::Subscribe && !grants->can_subscribe) {
            return error(403, "forbidden", "the token does not allow subscribing");
        }
        return std::move(*grants);
    }

    Response create(Request& req, media::SessionKind kind, std::string_view prefix) const {
        const std::string& room = req.param("room");
        auto auth = authorize(req, room, kind);
        if (auto* r = std::get_if<Response>(&auth)) return std::move(*r);
        const auto& grants = std::get<media::Grants>(auth);
        std::string_view type = req.header(bhttp::field::content_type);
        type = type.substr(0, type.find(';'));
        while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
        if (!boost::algorithm::iequals(type, "application/sdp")) {
            return error(415, "unsupported_media_type", "Content-Type must be application/sdp");
        }
        if (req.body().empty()) return error(400, "invalid_sdp", "the request has no SDP offer");
        auto answer = media->create_session(kind, room, grants.identity, req.body());
        if (answer.status != 201) return error(answer.status, answer.code, answer.message);
        Response r;
        r.status = 201;
        r.content_type = "application/sdp";
        r.body = std::move(answer.answer_sdp);
        r.headers.emplace_back("Location", std::string(prefix) + encode_segment(room) + "/" +
                                               answer.resource_id);
        add_cors(r);
        return r;
    }

    Response remove(Request& req, media::SessionKind kind) const {
        const std::string& room = req.param("room");
        auto auth = authorize(req, room, kind);
        if (auto* r = std::get_if<Response>(&auth)) return std::move(*r);
        // Only the session's own kind (no /whip DELETE of a player) and its own user.
        const auto& grants = std::get<media::Grants>(auth);
        if (!media->delete_session(room, req.param("resource"), kind, grants.identity)) {
            return error(404, "not_found", "no such session");
        }
        Response r;
        r.status = 200;
        r.content_type.clear();
        add_cors(r);
        return r;
    }
};

Response preflight(Request&) {
    Response r;
    r.status = 204;
    r.content_type.clear();
    r.headers.emplace_back("Access-Control-Allow-Origin", "*");
    r.headers.emplace_back("Access-Control-Allow-Methods", "POST, DELETE, OPTIONS");
    r.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
    r.headers.emplace_back("Access-Control-Expose-Headers", "Location");
    r.headers.emplace_back("Access-Control-Max-Age", "86400");
    return r;
}

/// `{"resource":"/whep/<room>/<id>","bps":N}` → the room and id of the session.
Response bandwidth_hook(media::MediaServer& media, Request& req) {
    boost::system::error_code ec;
    auto v = boost::json::parse(req.body(), ec);
    if (ec || !v.is_object()) return error(400, "invalid_json", "expected a JSON object");
    const auto& o = v.as_object();
    const auto* res = o.if_contains("resource");
    const auto* bps = o.if_contains("bps");
    if (!res || !res->is_string() || !bps || !(bps->is_int64() || bps->is_uint64()) ||
        (bps->is_int64() && bps->as_int64() < 0)) {
        return error(400, "invalid_argument", "resource (string) and bps (integer >= 0) required");
    }
    std::string path;
    std::map<std::string, std::string> query;
    if (!server::http::parse_target(std::string_view(res->as_string()), path, query) ||
        path.rfind("/whep/", 0) != 0) {
        return error(400, "invalid_argument", "resource must be a /whep/{room}/{id} path");
    }
    const auto rest = path.substr(6);
    const auto slash = rest.rfind('/');
    if (slash == std::string::npos || slash == 0) {
        return error(400, "invalid_argument", "resource must be a /whep/{room}/{id} path");
    }
    const std::uint64_t n = bps->is_uint64() ? bps->as_uint64() : static_cast<std::uint64_t>(bps->as_int64());
    if (!media.set_bandwidth_cap(rest.substr(0, slash), rest.substr(slash + 1), n)) {
        return error(404, "not_found", "no such subscribe session");
    }
    Response r;
    r.status = 204;
    r.content_type.clear();
    return r;
}

}  // namespace

void route_media_webhooks(media::SignalServer& signal, server::http::Router& router,
                          boost::asio::io_context& ioc, std::string api_key,
                          std::string api_secret) {
    signal.set_event_sink([&router, &ioc, key = std::move(api_key),
                           secret = std::move(api_secret)](std::string body) {
        boost::asio::post(ioc, [&router, key, secret, body = std::move(body)] {
            server::http::RawRequest raw{bhttp::verb::post, "/v1/livekit/webhook", 11};
            raw.set(bhttp::field::content_type, "application/webhook+json");
            raw.set(bhttp::field::authorization,
                    server::livekit::sign_webhook(body, key, secret,
                                                  std::chrono::time_point_cast<std::chrono::milliseconds>(
                                                      std::chrono::system_clock::now())));
            raw.body() = body;
            Request req;
            req.raw = &raw;
            req.path = "/v1/livekit/webhook";
            const Response r = router.dispatch(req);
            if (r.status >= 300) {
                core::logger("media")->warn("media: webhook refused by the control plane: {} {}",
                                            r.status, r.body);
            }
        });
    });
}

void mount_signal_routes(server::http::Router& router, media::SignalServer& signal) {
    auto validate = [&signal](Request& req) {
        auto [status, text] = signal.validate(req.query);
        Response r;
        r.status = status;
        r.content_type = "text/plain";
        r.body = std::move(text);
        r.headers.emplace_back("Access-Control-Allow-Origin", "*");
        return r;
    };
    router.add(bhttp::verb::get, "/rtc/v1/validate", validate);
    // The two-peer-connection protocol (`/rtc`, livekit-client `singlePeerConnection: false`).
    router.add(bhttp::verb::get, "/rtc/validate", validate);
    router.add(bhttp::verb::post, "/twirp/livekit.RoomService/{method}", [&signal](Request& req) {
        auto t = signal.twirp(req.param("method"), req.header(bhttp::field::content_type),
                              req.header(bhttp::field::authorization), req.body());
        Response r;
        r.status = t.status;
        r.content_type = std::move(t.content_type);
        r.body = std::move(t.body);
        return r;
    });
}

void mount_media_routes(server::http::Router& router, media::MediaServer& media,
                        const server::Config& cfg, const std::string& api_secret) {
    auto front = std::make_shared<Front>();
    front->media = &media;
    front->api_key = cfg.livekit_api_key.empty() ? cfg.api_key : cfg.livekit_api_key;
    front->api_secret = cfg.livekit_api_secret.empty() ? api_secret : cfg.livekit_api_secret;
    using media::SessionKind;
    router.add(bhttp::verb::post, "/whip/{room}",
               [front](Request& r) { return front->create(r, SessionKind::Publish, "/whip/"); });
    router.add(bhttp::verb::options, "/whip/{room}", preflight);
    router.add(bhttp::verb::delete_, "/whip/{room}/{resource}",
               [front](Request& r) { return front->remove(r, SessionKind::Publish); });
    router.add(bhttp::verb::options, "/whip/{room}/{resource}", preflight);
    router.add(bhttp::verb::post, "/whep/{room}",
               [front](Request& r) { return front->create(r, SessionKind::Subscribe, "/whep/"); });
    router.add(bhttp::verb::options, "/whep/{room}", preflight);
    router.add(bhttp::verb::delete_, "/whep/{room}/{resource}",
               [front](Request& r) { return front->remove(r, SessionKind::Subscribe); });
    router.add(bhttp::verb::options, "/whep/{room}/{resource}", preflight);
    if (cfg.media_test_hooks) {
        router.add(bhttp::verb::post, "/v1/media/test/bandwidth",
                   [&media](Request& r) { return bandwidth_hook(media, r); });
    }
}

}  // namespace cohost::apps
