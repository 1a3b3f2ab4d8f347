#include "cohost/server/http/http_server.hpp"

#include <algorithm>
#include <array>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "cohost/core/log.hpp"
#include "cohost/server/realtime/hub.hpp"
#include "../realtime/rehome_socket.hpp"
#include "response_bytes.hpp"

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

    /// One HTTP I/O thread (`opts.threads > 0`).
    struct IoThread {
        net::io_context ioc{1};
        std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
        std::thread thread;
    };
    std::vector<std::unique_ptr<IoThread>> io;  ///< empty: sessions run on `ioc`
    std::size_t next_io = 0;                    ///< round robin (accept loop, control thread)
    /// Guards posting back to an I/O thread: once `io_open` is false its io_context may be gone.
    std::mutex io_mu;
    bool io_open = false;

    Impl(net::io_context& i, const Router& r, realtime::Hub& h, UpgradeAuthenticator a,
         HttpServerOptions o)
        : ioc(i), router(r), hub(h), auth(std::move(a)), opts(std::move(o)), acceptor(i) {}

    [[nodiscard]] bool threaded() const noexcept { return !io.empty(); }
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

/// Group commit: holds `resp` until what it reports is durable, and turns it into a 500 when that
/// fails (control thread).
net::awaitable<void> await_durable(HttpServer::Impl& srv, Response& resp) {
    // (Not `if (!co_await ...)` with no co_return after it: g++ 12 miscompiles that shape in a
    // void coroutine — it crashed in tests.)
    const bool durable = co_await srv.opts.gate->wait();
    if (!durable) {
        resp = error_response(rooms::Errc::Internal, "the change could not be saved");
    }
    co_return;
}

[[nodiscard]] bool must_await_durable(const HttpServer::Impl& srv) {
    return srv.opts.gate != nullptr && srv.opts.gate->pending();
}

/// The route's answer, once it is durable (control thread).
net::awaitable<Response> respond(HttpServer::Impl& srv, Request& r) {
    Response resp = srv.router.dispatch(r);
    if (must_await_durable(srv)) co_await await_durable(srv, resp);
    co_return resp;
}

/// A request handed to the control thread and its answer (threaded mode). Owned jointly by the
/// waiting session and the control-side task, so neither outlives what it touches: the control
/// side never holds anything of the I/O thread but this value and an executor it posts to only
/// while the I/O threads run (`Impl::io_open`).
struct Handoff {
    RawRequest raw;
    Request req;
    Response resp;
    net::steady_timer* wake = nullptr;  ///< the session's timer; touched on its I/O thread only
    bool done = false;                  ///< likewise
};

/// Hands the answer back to the waiting session (on its I/O thread), if the I/O threads still run.
void answer(HttpServer::Impl& srv, const std::shared_ptr<Handoff>& h,
            const net::any_io_executor& back) {
    std::lock_guard lock(srv.io_mu);
    if (srv.io_open) {
        net::post(back, [h] {
            h->done = true;
            h->wake->cancel();
        });
    }
}

/// The control side of a handed-off request: the route, then (group commit) the durability wait.
/// A plain posted function; a coroutine only when there is something to wait for.
void control_side(const std::shared_ptr<HttpServer::Impl>& srv, const std::shared_ptr<Handoff>& h,
                  const net::any_io_executor& back) {
    h->req.raw = &h->raw;
    h->resp = srv->router.dispatch(h->req);
    if (must_await_durable(*srv)) {
        net::co_spawn(
            srv->ioc,
            [srv, h, back]() -> net::awaitable<void> {
                co_await await_durable(*srv, h->resp);
                answer(*srv, h, back);
            },
            net::detached);
        return;
    }
    answer(*srv, h, back);
}

/// Runs the route on the control thread and resumes on this session's I/O thread with its answer.
net::awaitable<Response> on_control(std::shared_ptr<HttpServer::Impl> srv, RawRequest raw,
                                    Request r) {
    auto ex = co_await net::this_coro::executor;
    net::steady_timer wake(ex, net::steady_timer::time_point::max());
    auto h = std::make_shared<Handoff>();
    h->raw = std::move(raw);
    h->req = std::move(r);
    h->wake = &wake;
    net::post(srv->ioc, [srv, h, ex] { control_side(srv, h, ex); });
    while (!h->done) {
        auto waited = co_await wake.async_wait(net::as_tuple(net::use_awaitable));
        (void)waited;
    }
    co_return std::move(h->resp);
}

/// A WebSocket upgrade (control thread): a mounted handler by path, else the realtime hub.
net::awaitable<void> handle_upgrade(std::shared_ptr<HttpServer::Impl> srv,
                                    beast::tcp_stream stream, RawRequest req, Request r) {
    r.raw = &req;
    if (auto up = srv->opts.upgrades.find(r.path); up != srv->opts.upgrades.end()) {
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
    srv->hub.accept(std::move(stream), std::move(req), std::move(*actor));
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
            stream.expires_never();
            if (!srv->threaded()) {
                co_await handle_upgrade(srv, std::move(stream), std::move(req), std::move(r));
                co_return;
            }
            // Upgrades run on the control thread: move the connection there (nothing is pending
            // on it now) together with the request, and let this session end. The socket is
            // registered with the control io_context here and used only once the post runs there.
            auto moved = realtime::detail::rehome_socket(std::move(stream), srv->ioc);
            if (!moved) {
                co_return;  // the peer went away (or the control loop refused it): fd closed
            }
            net::post(srv->ioc, [srv, to = std::move(*moved), req = std::move(req),
                                 r = std::move(r)]() mutable {
                net::co_spawn(srv->ioc,
                              handle_upgrade(srv, beast::tcp_stream(std::move(to)), std::move(req),
                                             std::move(r)),
                              net::detached);
            });
            co_return;
        }
        const bool keep = req.keep_alive();
        const unsigned version = req.version();
        Response resp;
        if (srv->threaded()) {
            resp = co_await on_control(srv, std::move(req), std::move(r));
        } else {
            resp = co_await respond(*srv, r);
        }
        beast::error_code wec;
        if (auto bytes = detail::response_bytes(resp, version, keep)) {
            auto wr = co_await net::async_write(stream, net::buffer(*bytes),
                                                net::as_tuple(net::use_awaitable));
            wec = std::get<0>(wr);
        } else {
            auto res = to_beast(resp, version, keep);
            auto wr = co_await bhttp::async_write(stream, res, net::as_tuple(net::use_awaitable));
            wec = std::get<0>(wr);
        }
        if (wec || !keep) {
            beast::error_code ignore;
            stream.socket().shutdown(tcp::socket::shutdown_send, ignore);
            co_return;
        }
    }
}

net::awaitable<void> accept_loop(std::shared_ptr<HttpServer::Impl> srv) {
    for (;;) {
        // Threaded: the connection is opened on the next I/O thread's io_context.
        net::io_context& home =
            srv->threaded() ? srv->io[srv->next_io++ % srv->io.size()]->ioc : srv->ioc;
        auto res = co_await srv->acceptor.async_accept(home, net::as_tuple(net::use_awaitable));
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
        net::co_spawn(home, run_session(srv, std::move(socket)), net::detached);
    }
}

}  // namespace

HttpServer::HttpServer(net::io_context& ioc, const Router& router, realtime::Hub& hub,
                       UpgradeAuthenticator auth, HttpServerOptions opts)
    : impl_(std::make_shared<Impl>(ioc, router, hub, std::move(auth), std::move(opts))) {
    const int n = std::clamp(impl_->opts.threads, 0, 64);
    impl_->io_open = n > 0;
    for (int i = 0; i < n; ++i) {
        auto t = std::make_unique<Impl::IoThread>();
        t->work.emplace(t->ioc.get_executor());
        net::io_context* ctx = &t->ioc;
        t->thread = std::thread([ctx] { ctx->run(); });
        impl_->io.push_back(std::move(t));
    }
}

HttpServer::~HttpServer() {
    stop();
    stop_io_threads();
}

void HttpServer::stop_io_threads() noexcept {
    {
        std::lock_guard lock(impl_->io_mu);
        impl_->io_open = false;  // from now on nothing posts to an I/O thread
    }
    for (auto& t : impl_->io) {
        t->work.reset();
        t->ioc.stop();
    }
    for (auto& t : impl_->io) {
        if (t->thread.joinable()) t->thread.join();
    }
    // Destroying an io_context destroys its sessions (suspended coroutines and their sockets);
    // they hold `impl_` by shared_ptr, which stays valid through this.
    impl_->io.clear();
}

void HttpServer::listen(const tcp::endpoint& ep) {
    impl_->acceptor.open(ep.protocol());
    impl_->acceptor.set_option(net::socket_base::reuse_address(true));
    impl_->acceptor.bind(ep);
    impl_->acceptor.listen(net::socket_base::max_listen_connections);
    net::co_spawn(impl_->ioc, accept_loop(impl_), net::detached);
    impl_->log->debug("http listening on {} io_threads={}", ep.address().to_string(),
                      impl_->io.size());
}

tcp::endpoint HttpServer::local_endpoint() const { return impl_->acceptor.local_endpoint(); }

void HttpServer::stop() {
    beast::error_code ec;
    impl_->acceptor.close(ec);
}

}  // namespace cohost::server::http
