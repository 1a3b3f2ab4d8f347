#pragma once
// An in-process HTTP(S) server on 127.0.0.1:0 that records each request and answers from a
// script, for the Twirp client tests. Runs on the test's io_context (one thread, the test's).
#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cohost::server::livekit::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

struct RecordedRequest {
    std::string method;
    std::string target;
    std::string host;
    std::string authorization;
    std::string content_type;
    std::string body;
    std::string sni;  ///< TLS server name sent by the client (empty: none, or plain HTTP)
};

struct CannedReply {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body = "{}";
    bool hang = false;  ///< read the request, then never answer (until the server stops)
};

class FakeTwirpServer {
public:
    /// `tls`: serve HTTPS with this context (certificate already loaded); null = HTTP.
    explicit FakeTwirpServer(net::io_context& ioc, net::ssl::context* tls = nullptr)
        : state_(std::make_shared<State>(ioc, tls)) {
        tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
        state_->acceptor.open(ep.protocol());
        state_->acceptor.bind(ep);
        state_->acceptor.listen();
        state_->port = state_->acceptor.local_endpoint().port();
        net::co_spawn(ioc, accept_loop(state_), net::detached);
    }
    ~FakeTwirpServer() { stop(); }
    FakeTwirpServer(const FakeTwirpServer&) = delete;
    FakeTwirpServer& operator=(const FakeTwirpServer&) = delete;

    [[nodiscard]] unsigned short port() const { return state_->port; }
    [[nodiscard]] std::string url(std::string_view scheme = "http") const {
        return std::string(scheme) + "://127.0.0.1:" + std::to_string(port());
    }
    /// Answers in order; once they are used up, fallback().
    void push(CannedReply r) { state_->script.push_back(std::move(r)); }
    void set_fallback(CannedReply r) { state_->fallback = std::move(r); }
    [[nodiscard]] const std::vector<RecordedRequest>& requests() const { return state_->seen; }

    void stop() {
        beast::error_code ignore;
        state_->acceptor.close(ignore);
        for (auto& weak : state_->hangs) {
            if (auto t = weak.lock()) t->cancel();
        }
    }

private:
    struct State {
        State(net::io_context& i, net::ssl::context* t) : ioc(i), tls(t), acceptor(i) {}
        net::io_context& ioc;
        net::ssl::context* tls;
        tcp::acceptor acceptor;
        unsigned short port = 0;
        std::deque<CannedReply> script;
        CannedReply fallback;
        std::vector<RecordedRequest> seen;
        std::vector<std::weak_ptr<net::steady_timer>> hangs;
    };

    template <class Stream>
    static net::awaitable<void> serve(std::shared_ptr<State> st, Stream& stream, std::string sni) {
        beast::flat_buffer buffer;
        bhttp::request<bhttp::string_body> req;
        auto rd = co_await bhttp::async_read(stream, buffer, req, net::as_tuple(net::use_awaitable));
        if (std::get<0>(rd)) co_return;
        st->seen.push_back({std::string(req.method_string()), std::string(req.target()),
                            std::string(req[bhttp::field::host]),
                            std::string(req[bhttp::field::authorization]),
                            std::string(req[bhttp::field::content_type]), req.body(),
                            std::move(sni)});
        CannedReply reply = st->fallback;
        if (!st->script.empty()) {
            reply = std::move(st->script.front());
            st->script.pop_front();
        }
        if (reply.hang) {
            auto timer = std::make_shared<net::steady_timer>(st->ioc,
                                                             net::steady_timer::time_point::max());
            st->hangs.push_back(timer);
            auto waited = co_await timer->async_wait(net::as_tuple(net::use_awaitable));
            (void)waited;
            co_return;
        }
        bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(reply.status), 11};
        if (!reply.content_type.empty()) res.set(bhttp::field::content_type, reply.content_type);
        res.body() = reply.body;
        res.keep_alive(false);
        res.prepare_payload();
        auto wr = co_await bhttp::async_write(stream, res, net::as_tuple(net::use_awaitable));
        (void)wr;
    }

    static net::awaitable<void> session(std::shared_ptr<State> st, tcp::socket socket) {
        if (st->tls == nullptr) {
            beast::tcp_stream stream(std::move(socket));
            co_await serve(st, stream, "");
            beast::error_code ignore;
            stream.socket().shutdown(tcp::socket::shutdown_send, ignore);
            co_return;
        }
        beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *st->tls);
        auto hs = co_await stream.async_handshake(net::ssl::stream_base::server,
                                                  net::as_tuple(net::use_awaitable));
        if (std::get<0>(hs)) co_return;
        const char* name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
        co_await serve(st, stream, name != nullptr ? name : "");
        auto sd = co_await stream.async_shutdown(net::as_tuple(net::use_awaitable));
        (void)sd;
    }

    static net::awaitable<void> accept_loop(std::shared_ptr<State> st) {
        for (;;) {
            auto res = co_await st->acceptor.async_accept(net::as_tuple(net::use_awaitable));
            if (std::get<0>(res)) co_return;
            net::co_spawn(st->ioc, session(st, std::move(std::get<1>(res))), net::detached);
        }
    }

    std::shared_ptr<State> state_;
};

/// Runs `ioc` until `done()` or `limit` passes (a bound, not a timing assertion).
template <class Pred>
bool run_until(net::io_context& ioc, Pred done,
               std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        ioc.run_one_for(std::chrono::milliseconds(20));
        if (ioc.stopped()) ioc.restart();
    }
    return done();
}

}  // namespace cohost::server::livekit::testing
