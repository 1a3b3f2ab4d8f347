#pragma once
/// \file Server: wires the control plane together (store, RoomService, realtime hub, router,
/// HTTP listener) on one `io_context`, the control thread. `cohostd` and the in-process tests use
/// it. Teardown order (docs/lifecycles.md): stop accepting → close WebSockets → cancel timers →
/// drain the io_context → close the store.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>

#include "cohost/core/clock.hpp"
#include "cohost/server/config.hpp"
#include "cohost/server/http/http_server.hpp"
#include "cohost/server/http/router.hpp"

namespace cohost::server::app {

class Server {
public:
    /// `clock` must outlive the server (defaults to the system clock).
    explicit Server(Config cfg, const core::Clock* clock = nullptr);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Creates the data dir, opens and migrates the store, resolves the API secret, re-arms
    /// timers and binds the listener. Throws (ConfigError, StoreError, system_error) on failure.
    void start();
    /// Adds routes that live outside the control plane (the embedded SFU's WHIP/WHEP front end,
    /// mounted by `cohostd`). Call before `start()`; `mount` runs inside `start()`, on the caller,
    /// with the router and the resolved API secret. Its handlers run on the control thread.
    using RouteMount = std::function<void(http::Router& router, const std::string& api_secret)>;
    void add_routes(RouteMount mount);
    /// Adds a WebSocket upgrade path (see HttpServerOptions::upgrades). Call before `start()`.
    void add_upgrade(std::string path, http::HttpServerOptions::UpgradeHandler handler);
    /// Runs `hook` on the control thread when `stop()` begins, before the loop winds down
    /// (cohostd: LiveKit sessions get `leave(SERVER_SHUTDOWN)`).
    void add_stop_hook(std::function<void()> hook);

    /// RoomService::media_admission, for the embedded media server's joins. Call on the control
    /// thread after `start()`; "" (admit) before it.
    [[nodiscard]] std::string media_admission(const std::string& room_id,
                                              const std::string& identity, bool can_publish);

    /// The control thread's io_context (cohostd posts the embedded SFU's webhooks to it).
    [[nodiscard]] boost::asio::io_context& io_context() noexcept;

    /// Runs the control thread on the caller until `stop()`.
    void run();
    /// Thread-safe and async-signal-agnostic (posts to the control thread).
    void stop();

    [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const;
    /// True when `start()` generated a new API secret in the data dir (print it once).
    [[nodiscard]] bool secret_generated() const noexcept;
    [[nodiscard]] const std::string& api_secret() const noexcept;
    [[nodiscard]] const Config& config() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Reads `<data_dir>/api_secret`, or generates 32 random bytes (base64url, 43 chars), writes them
/// with mode 0600 and sets `generated`. Throws std::runtime_error on I/O failure.
[[nodiscard]] std::string load_or_create_secret(const std::string& data_dir, bool& generated);

}  // namespace cohost::server::app
