#include "cohost/server/http/http_server.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "cohost/core/log.hpp"
#include "cohost/server/realtime/hub.hpp"

namespace cohost::server::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
    net::io_context& ioc;
    const Router& router;
    realtime::Hub& hub;
    UpgradeAuthenticator auth;
    HttpServerOptions opts;
    tcp::acceptor acceptor;
    std::shared_ptr<spdlog::logger> log = core::logger("http");

    Impl(net::io_context& i, const Router& r, realtime::Hub& h, UpgradeAuthenticator a,
         HttpServerOptions o)
        : ioc(i), router(r), hub(h), auth(std::move(a)), opts(o), acceptor(i) {}
};

namespace {

bhttp::response<bhttp::string_body> to_beast(const Response& r, unsigned version, bool keep_alive) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
    res.set(bhttp::field::server, "cohostd");
    if (!r.content_type.empty() && (!r.body.empty() || r.status != 204)) {
        res.set(bhttp::field::content_type, r.content_type);
    }
    for (const auto& [k, v] : r.headers) {
        res.set(k, v);
    }
    res.body() = r.body;
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
}

Response error_response(rooms::Errc code, std::string msg) {
    return Response::error(rooms::make_error(code, std::move(msg)));
}

net::awaitable<void> write_and_close(beast::tcp_stream& stream, const Response& r,
                                     unsigned version) {
    auto res = to_beast(r, version, false);
    auto wr = co_await bhttp::async_write(stream, res, net::as_tuple(net::use_awaitable));
    auto& [wec, wn] = wr;
    (void)wn;
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (wec || ec) {
        co_return;
    }
    // Lingering close: a client may still be sending the body we refused. Closing with unread
    // data makes the kernel answer RST, which can destroy our answer before the client reads
    // it; so read and discard until the client closes, bounded in time and bytes.
    constexpr std::size_t kDrainLimit = 4 * 1024 * 1024;
    std::array<char, 16 * 1024> sink{};
    std::size_t drained = 0;
    stream.expires_after(std::chrono::seconds(2));
    while (drained < kDrainLimit) {
        auto rd = co_await stream.async_read_some(net::buffer(sink),
                                                  net::as_tuple(net::use_awaitable));
        auto& [rec, rn] = rd;
        if (rec) {
            break;
        }
        drained += rn;
    }
}

/// One keep-alive connection. Requests are handled strictly one at a time.
net::awaitable<void> run_session(std::shared_ptr<HttpServer::Impl> srv, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
        bhttp::request_parser<bhttp::string_body> parser;
        parser.body_limit(srv->opts.max_body_bytes);
        parser.header_limit(static_cast<std::uint32_t>(srv->opts.max_header_bytes));
        stream.expires_after(srv->opts.read_timeout);
        auto rd = co_await bhttp::async_read(stream, buffer, parser,
                                             net::as_tuple(net::use_awaitable));
        auto& [ec, n] = rd;
        (void)n;
        if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted ||
            ec == beast::error::timeout || ec == net::error::connection_reset || ec == net::error::eof) {
            co_return;
        }
        if (ec == bhttp::error::body_limit) {
            co_await write_and_close(stream,
                                     error_response(rooms::Errc::PayloadTooLarge,
                                                    "request body exceeds the limit"),
                                     11);
            co_return;
        }
        if (ec == bhttp::error::header_limit) {
            auto r = error_response(rooms::Errc::InvalidArgument, "request headers too large");
            r.status = 431;
            co_await write_and_close(stream, r, 11);
            co_return;
        }
        if (ec) {
            co_await write_and_close(
                stream, error_response(rooms::Errc::InvalidArgument, "malformed HTTP request"),
                11);
            co_return;
        }
        RawRequest req = parser.release();
        Request r;
        r.raw = &req;
        if (!parse_target(req.target(), r.path, r.query)) {
            co_await write_and_close(
                stream, error_response(rooms::Errc::InvalidArgument, "malformed request target"),
                req.version());
            co_return;
        }
        if (beast::websocket::is_upgrade(req)) {
            if (auto up = srv->opts.upgrades.find(r.path); up != srv->opts.upgrades.end()) {
                stream.expires_never();
                up->second(std::move(stream), std::move(req), std::move(r.query));
                co_return;
            }
            if (r.path != "/v1/realtime") {
                co_await write_and_close(
                    stream, error_response(rooms::Errc::NotFound, "no WebSocket on this path"),
                    req.version());
                co_return;
            }
            auto actor = srv->auth(r);
            if (!actor) {
                co_await write_and_close(stream, Response::error(actor.error()), req.version());
                co_return;
            }
            stream.expires_never();
            srv->hub.accept(std::move(stream), std::move(req), std::move(*actor));
            co_return;
        }
        Response resp = srv->router.dispatch(r);
        if (srv->opts.gate != nullptr && srv->opts.gate->pending()) {
            // Group commit: the answer leaves only once what it reports is durable.
            if (!co_await srv->opts.gate->wait()) {
                resp = error_response(rooms::Errc::Internal, "the change could not be saved");
            }
        }
        const bool keep = req.keep_alive();
        auto res = to_beast(resp, req.version(), keep);
        auto wr = co_await bhttp::async_write(stream, res, net::as_tuple(net::use_awaitable));
        auto& [wec, wn] = wr;
        (void)wn;
        if (wec || !keep) {
            beast::error_code ignore;
            stream.socket().shutdown(tcp::socket::shutdown_send, ignore);
            co_return;
        }
    }
}

net::awaitable<void> accept_loop(std::shared_ptr<HttpServer::Impl> srv) {
    for (;;) {
        auto res = co_await srv->acceptor.async_accept(net::as_tuple(net::use_awaitable));
        auto& [ec, socket] = res;
        if (ec == net::error::operation_aborted || !srv->acceptor.is_open()) {
            co_return;
        }
        if (ec) {
            // EMFILE and friends: back off instead of spinning, and log once per back-off.
            srv->log->warn("accept failed error={}; retrying in 100 ms", ec.message());
            net::steady_timer pause(srv->ioc, std::chrono::milliseconds(100));
            auto waited = co_await pause.async_wait(net::as_tuple(net::use_awaitable));
            (void)waited;
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        net::co_spawn(srv->ioc, run_session(srv, std::move(socket)), net::detached);
    }
}

}  // namespace

HttpServer::HttpServer(net::io_context& ioc, const Router& router, realtime::Hub& hub,
                       UpgradeAuthenticator auth, HttpServerOptions opts)
    : impl_(std::make_shared<Impl>(ioc, router, hub, std::move(auth), opts)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::listen(const tcp::endpoint& ep) {
    impl_->acceptor.open(ep.protocol());
    impl_->acceptor.set_option(net::socket_base::reuse_address(true));
    impl_->acceptor.bind(ep);
    impl_->acceptor.listen(net::socket_base::max_listen_connections);
    net::co_spawn(impl_->ioc, accept_loop(impl_), net::detached);
}

tcp::endpoint HttpServer::local_endpoint() const { return impl_->acceptor.local_endpoint(); }

void HttpServer::stop() {
    beast::error_code ec;
    impl_->acceptor.close(ec);
}

}  // namespace cohost::server::http
