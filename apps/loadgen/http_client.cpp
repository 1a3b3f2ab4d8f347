#include "http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace cohost::loadgen {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

boost::json::value HttpReply::json() const {
    boost::system::error_code parse_ec;
    json::value v = json::parse(body, parse_ec);
    if (parse_ec) {
        return nullptr;
    }
    return v;
}

std::string HttpReply::error_code() const {
    const json::value v = json();
    if (const auto* o = v.if_object()) {
        if (const auto* e = o->if_contains("error"); e != nullptr && e->is_object()) {
            if (const auto* c = e->as_object().if_contains("code");
                c != nullptr && c->is_string()) {
                return std::string(c->as_string());
            }
        }
    }
    return {};
}

std::string HttpReply::error_key() const {
    if (status == 0) {
        return "transport: " + ec.message();
    }
    std::string code = error_code();
    return code.empty() ? std::to_string(status) : std::to_string(status) + " " + code;
}

HttpClient::HttpClient(net::any_io_executor ex, Target target)
    : stream_(std::move(ex)), target_(std::move(target)) {}

void HttpClient::close() noexcept {
    boost::system::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
    buffer_.clear();
    connected_ = false;
}

net::awaitable<HttpReply> HttpClient::request(http::verb verb, std::string target, std::string body,
                                              std::string token, HeaderList headers) {
    HttpReply reply;
    if (!connected_) {
        stream_.expires_after(timeout);
        auto res =
            co_await stream_.async_connect(target_.endpoint, net::as_tuple(net::use_awaitable));
        auto& [ec] = res;
        if (ec) {
            reply.ec = ec;
            close();
            co_return reply;
        }
        stream_.socket().set_option(net::ip::tcp::no_delay(true));
        connected_ = true;
        ++connects_;
    }
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, target_.host_header);
    req.set(http::field::user_agent, "cohost-loadgen");
    if (!token.empty()) {
        req.set(http::field::authorization, "Bearer " + token);
    }
    if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = std::move(body);
    }
    for (auto& [name, value] : headers) {
        req.set(name, std::move(value));
    }
    req.keep_alive(true);
    req.prepare_payload();
    ++requests_;

    stream_.expires_after(timeout);
    auto wres = co_await http::async_write(stream_, req, net::as_tuple(net::use_awaitable));
    auto& [wec, wn] = wres;
    (void)wn;
    if (wec) {
        reply.ec = wec;
        close();
        co_return reply;
    }
    http::response<http::string_body> res;
    auto rres = co_await http::async_read(stream_, buffer_, res, net::as_tuple(net::use_awaitable));
    auto& [rec, rn] = rres;
    (void)rn;
    if (rec) {
        reply.ec = rec;
        close();
        co_return reply;
    }
    reply.status = static_cast<int>(res.result_int());
    reply.body = std::move(res.body());
    if (!res.keep_alive()) {
        close();
    }
    co_return reply;
}

net::awaitable<std::string> dev_login(HttpClient& http, std::string user_id,
                                      std::string display_name, std::string* failure) {
    json::object body{{"userId", user_id}, {"displayName", display_name}};
    HttpReply r =
        co_await http.request(http::verb::post, "/v1/auth/dev-login", json::serialize(body), {});
    if (r.status == 200) {
        const json::value v = r.json();
        if (const auto* o = v.if_object()) {
            if (const auto* t = o->if_contains("token"); t != nullptr && t->is_string()) {
                co_return std::string(t->as_string());
            }
        }
    }
    if (failure != nullptr) {
        *failure = "dev-login " + user_id + ": " + r.error_key();
    }
    co_return std::string{};
}

}  // namespace cohost::loadgen
