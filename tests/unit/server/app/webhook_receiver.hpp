#pragma once
// An in-process webhook receiver for the sender tests: a Beast HTTP server on 127.0.0.1:0 that
// runs on the test's io_context, verifies each request like LiveKit's WebhookReceiver
// (`livekit::verify_webhook`), records it, and answers as the test says (a status per request
// index, or no answer at all).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cohost/core/clock.hpp"
#include "cohost/server/livekit/webhook.hpp"

namespace cohost::server::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

/// One request as received.
struct ReceivedWebhook {
    std::string target;
    std::string body;
    std::string authorization;
    std::string content_type;
    std::string user_agent;
    bool verified = false;        ///< verify_webhook accepted it
    std::string verify_error;     ///< why not, when not
    livekit::WebhookEvent event;  ///< the parsed event, when verified
    int status = 0;               ///< what we answered (0 = no answer)
};

class WebhookReceiver {
public:
    WebhookReceiver(net::io_context& ioc, std::string api_key, std::string api_secret)
        : state_(std::make_shared<State>(ioc)) {
        state_->api_key = std::move(api_key);
        state_->api_secret = std::move(api_secret);
        net::co_spawn(ioc, accept_loop(state_), net::detached);
    }
    ~WebhookReceiver() { stop(); }
    WebhookReceiver(const WebhookReceiver&) = delete;
    WebhookReceiver& operator=(const WebhookReceiver&) = delete;

    [[nodiscard]] std::string url(const std::string& path = "/hooks") const {
        return "http://127.0.0.1:" + std::to_string(state_->acceptor.local_endpoint().port()) +
               path;
    }
    /// The status for request number `index` (0-based); default 200.
    void set_answer(std::function<int(std::size_t index)> f) { state_->answer = std::move(f); }
    /// Requests with these indices get no answer (the client times out).
    void hang_on(std::set<std::size_t> indices) { state_->hang = std::move(indices); }
    /// Close the connection after each answer (no keep-alive).
    void set_keep_alive(bool on) { state_->keep_alive = on; }

    [[nodiscard]] const std::vector<ReceivedWebhook>& requests() const { return state_->requests; }
    /// The requests answered 2xx, in arrival order.
    [[nodiscard]] std::vector<ReceivedWebhook> accepted() const {
        std::vector<ReceivedWebhook> out;
        for (const auto& r : state_->requests) {
            if (r.status >= 200 && r.status < 300) out.push_back(r);
        }
        return out;
    }
    [[nodiscard]] std::size_t connections() const { return state_->connections; }

    /// Closes the listener and every connection.
    void stop() {
        boost::system::error_code ignored;
        state_->acceptor.close(ignored);
        for (auto& weak : state_->sockets) {
            if (auto s = weak.lock()) s->close(ignored);
        }
    }

private:
    struct State {
        explicit State(net::io_context& ioc)
            : acceptor(ioc, {net::ip::make_address("127.0.0.1"), 0}) {}
        net::ip::tcp::acceptor acceptor;
        std::string api_key, api_secret;
        std::function<int(std::size_t)> answer;
        std::set<std::size_t> hang;
        bool keep_alive = true;
        std::vector<ReceivedWebhook> requests;
        std::vector<std::weak_ptr<net::ip::tcp::socket>> sockets;
        std::size_t connections = 0;
        core::SystemClock clock;
    };

    static net::awaitable<void> accept_loop(std::shared_ptr<State> st) {
        for (;;) {
            auto accepted = co_await st->acceptor.async_accept(net::as_tuple(net::use_awaitable));
            auto& [ec, socket] = accepted;
            if (ec) co_return;
            auto s = std::make_shared<net::ip::tcp::socket>(std::move(socket));
            st->sockets.push_back(s);
            ++st->connections;
            net::co_spawn(st->acceptor.get_executor(), session(st, s), net::detached);
        }
    }

    static net::awaitable<void> session(std::shared_ptr<State> st,
                                        std::shared_ptr<net::ip::tcp::socket> s) {
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            auto read =
                co_await http::async_read(*s, buffer, req, net::as_tuple(net::use_awaitable));
            auto& [rec, rn] = read;
            (void)rn;
            if (rec) co_return;
            ReceivedWebhook got;
            got.target = std::string(req.target());
            got.body = req.body();
            got.authorization = std::string(req[http::field::authorization]);
            got.content_type = std::string(req[http::field::content_type]);
            got.user_agent = std::string(req[http::field::user_agent]);
            livekit::WebhookVerifyOptions vo{st->api_key, st->api_secret, st->clock.now()};
            auto verified = livekit::verify_webhook(got.body, got.authorization, vo);
            got.verified = verified.has_value();
            if (verified) {
                got.event = *verified;
            } else {
                got.verify_error = verified.error().message();
            }
            const std::size_t index = st->requests.size();
            if (st->hang.contains(index)) {
                st->requests.push_back(std::move(got));
                continue;  // the next read ends when the client gives up and closes
            }
            got.status = st->answer ? st->answer(index) : 200;
            http::response<http::string_body> res{static_cast<http::status>(got.status), 11};
            res.keep_alive(st->keep_alive && req.keep_alive());
            res.body() = got.status < 300 ? "ok" : "try again";
            res.prepare_payload();
            st->requests.push_back(std::move(got));
            auto written = co_await http::async_write(*s, res, net::as_tuple(net::use_awaitable));
            auto& [wec, wn] = written;
            (void)wn;
            if (wec || !res.keep_alive()) {
                boost::system::error_code ignored;
                s->shutdown(net::ip::tcp::socket::shutdown_both, ignored);
                s->close(ignored);
                co_return;
            }
        }
    }

    std::shared_ptr<State> state_;
};

}  // namespace cohost::server::testing
