#pragma once
/// \file The HTTP/1.1 listener (Boost.Beast): keep-alive sessions, request size limits, the
/// WebSocket upgrade hand-off to the realtime hub.
///
/// Threads (docs/threading.md "HTTP I/O threads"): with `threads == 0` everything runs on the
/// control io_context. With `threads > 0` the server owns that many I/O threads; each accepted
/// connection lives on one of them (round robin), which reads and parses its requests and writes
/// its responses, while the route handler, the group-commit wait and every WebSocket upgrade
/// still run on the control thread: a request crosses to the control thread as a value (the
/// parsed request) and its response comes back as a value. Handlers therefore stay
/// single-threaded. Destroy a threaded server only once the control io_context no longer runs.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cohost/server/http/response_gate.hpp"
#include "cohost/server/http/router.hpp"
#include "cohost/server/rooms/domain.hpp"

namespace cohost::server::realtime {
class Hub;
}

namespace cohost::server::http {

struct HttpServerOptions {
    std::size_t max_body_bytes = 64 * 1024;  ///< larger bodies get 413 payload_too_large
    std::size_t max_header_bytes = 16 * 1024;
    std::chrono::seconds read_timeout{30};   ///< idle keep-alive connections are closed after this
    /// Optional (must outlive the server): responses wait until the gate says their writes are
    /// durable (group commit); a failed wait turns the response into a 500.
    ResponseGate* gate = nullptr;
    /// WebSocket upgrades on other paths than `/v1/realtime`, by exact path (cohostd: LiveKit
    /// signalling on `/rtc/v1`). The handler takes over the connection: the stream, the request
    /// and its decoded query. It runs on the control thread and must not block.
    using UpgradeHandler = std::function<void(boost::beast::tcp_stream stream, RawRequest request,
                                              std::map<std::string, std::string> query)>;
    std::map<std::string, UpgradeHandler> upgrades;
    /// HTTP I/O threads (`http.threads`); 0 = sessions run on the control io_context.
    int threads = 0;
};

/// Authenticates a realtime upgrade request (token in `?token=` or `Authorization: Bearer`).
using UpgradeAuthenticator = std::function<rooms::Outcome<rooms::Actor>(Request&)>;

class HttpServer {
public:
    /// `router`, `hub` and `auth` must outlive the server.
    HttpServer(boost::asio::io_context& ioc, const Router& router, realtime::Hub& hub,
               UpgradeAuthenticator auth, HttpServerOptions opts);
    ~HttpServer();

    /// Binds and starts accepting. Throws boost::system::system_error when the bind fails.
    void listen(const boost::asio::ip::tcp::endpoint& ep);
    /// The bound endpoint (the real port when listening on port 0).
    [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const;
    /// Stops accepting; open sessions finish their current request and close.
    void stop();

    struct Impl;  ///< private; public only so the session coroutines can name it

private:
    std::shared_ptr<Impl> impl_;
    /// Stops and joins the I/O threads (before `impl_` may go), then frees their io_contexts.
    void stop_io_threads() noexcept;
};

}  // namespace cohost::server::http
