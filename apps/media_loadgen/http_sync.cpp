#include "http_sync.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/object.hpp>
#include <ctime>
#include <regex>

#include "cohost/core/jwt.hpp"

namespace cohost::media_loadgen {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

std::optional<HttpSync> HttpSync::for_url(const std::string& url) {
    static const std::regex re(R"(^http://(127\.\d+\.\d+\.\d+|localhost):(\d+)/?$)");
    std::smatch m;
    if (!std::regex_match(url, m, re)) return std::nullopt;
    const std::string host = m[1] == "localhost" ? std::string("127.0.0.1") : m[1].str();
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(host, ec);
    const int port = std::stoi(m[2]);
    if (ec || port <= 0 || port > 65535) return std::nullopt;
    return HttpSync(tcp::endpoint(addr, static_cast<std::uint16_t>(port)),
                    host + ":" + m[2].str());
}

HttpSync::HttpSync(tcp::endpoint ep, std::string host)
    : ioc_(std::make_unique<asio::io_context>()), endpoint_(ep), host_(std::move(host)) {}

HttpSync::~HttpSync() {
    if (socket_) {
        boost::system::error_code ec;
        socket_->close(ec);
    }
}

bool HttpSync::ensure_connected(std::string& error) {
    if (socket_ && socket_->is_open()) return true;
    socket_ = std::make_unique<tcp::socket>(*ioc_);
    boost::system::error_code ec;
    socket_->connect(endpoint_, ec);
    if (ec) {
        error = "connect: " + ec.message();
        socket_.reset();
        return false;
    }
    // Bounded blocking reads/writes: a stuck server must not hang the tool.
    timeval tv{10, 0};
    ::setsockopt(socket_->native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(socket_->native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    socket_->set_option(tcp::no_delay(true), ec);
    buffer_.clear();
    return true;
}

HttpResponse HttpSync::once(http::verb verb, const std::string& target, const std::string& body,
                            const std::string& token, bool& transport_failed) {
    HttpResponse out;
    transport_failed = false;
    if (!ensure_connected(out.error)) {
        transport_failed = true;
        return out;
    }
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, host_);
    req.set(http::field::authorization, "Bearer " + token);
    if (!body.empty()) req.set(http::field::content_type, "application/sdp");
    req.body() = body;
    req.prepare_payload();
    boost::system::error_code ec;
    http::write(*socket_, req, ec);
    http::response<http::string_body> res;
    if (!ec) http::read(*socket_, buffer_, res, ec);
    if (ec) {
        out.error = ec.message();
        transport_failed = true;
        socket_.reset();
        return out;
    }
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    if (auto it = res.find(http::field::location); it != res.end()) {
        out.location = std::string(it->value());
    }
    if (!res.keep_alive()) socket_.reset();
    return out;
}

HttpResponse HttpSync::request(http::verb verb, const std::string& target,
                               const std::string& body, const std::string& token) {
    bool transport_failed = false;
    HttpResponse r = once(verb, target, body, token, transport_failed);
    if (transport_failed) r = once(verb, target, body, token, transport_failed);  // stale keep-alive
    return r;
}

std::string mint_token(const std::string& api_key, const std::string& api_secret,
                       const std::string& identity, const Grant& grant) {
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    boost::json::object video{{"roomJoin", true},
                              {"room", grant.room},
                              {"canPublish", grant.can_publish},
                              {"canSubscribe", grant.can_subscribe}};
    boost::json::object claims{{"iss", api_key},     {"sub", identity},
                               {"nbf", now - 10},    {"exp", now + 3600},
                               {"video", std::move(video)}};
    return core::jwt::sign_hs256(claims, api_secret);
}

}  // namespace cohost::media_loadgen
