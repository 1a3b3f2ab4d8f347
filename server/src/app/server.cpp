#include "cohost/server/app/server.hpp"

#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <fstream>

#include "cohost/core/crypto.hpp"
#include "cohost/core/ids.hpp"
#include "cohost/core/log.hpp"
#include "cohost/server/app/api.hpp"
#include "cohost/server/app/auth.hpp"
#include "cohost/server/app/room_service.hpp"
#include "cohost/server/http/http_server.hpp"
#include "cohost/server/realtime/hub.hpp"
#include "cohost/server/store/store.hpp"

namespace cohost::server::app {

namespace net = boost::asio;
namespace fs = std::filesystem;
using rooms::Errc;

std::string load_or_create_secret(const std::string& data_dir, bool& generated) {
    const fs::path path = fs::path(data_dir) / "api_secret";
    generated = false;
    if (fs::exists(path)) {
        std::ifstream in(path);
        std::string secret;
        std::getline(in, secret);
        if (secret.size() < 32) {
            throw std::runtime_error(path.string() + ": stored API secret is shorter than 32 bytes");
        }
        return secret;
    }
    const std::string secret = core::base64url_encode(core::random_bytes(32));
    {
        std::ofstream out(path, std::ios::trunc);
        if (!out) throw std::runtime_error("cannot write " + path.string());
        out << secret << '\n';
    }
    ::chmod(path.c_str(), 0600);
    generated = true;
    return secret;
}

namespace {

/// `room:{id}` needs an existing room; `user:{id}` only the user itself (or the app backend).
std::optional<rooms::Error> authorize_topic(store::Store& store, const rooms::Actor& a,
                                            const std::string& topic) {
    if (topic.starts_with("room:")) {
        if (!store.get_room(topic.substr(5))) {
            return rooms::make_error(Errc::NotFound, "room not found");
        }
        return std::nullopt;
    }
    if (topic.starts_with("user:")) {
        if (a.admin || topic.substr(5) == a.user_id) return std::nullopt;
        return rooms::make_error(Errc::Forbidden, "you may only subscribe to your own user topic");
    }
    return rooms::make_error(Errc::InvalidArgument, "unknown topic");
}

net::ip::tcp::endpoint parse_endpoint(const std::string& addr) {
    const auto colon = addr.rfind(':');
    std::string host = addr.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    if (host == "localhost") host = "127.0.0.1";
    const auto port = static_cast<std::uint16_t>(std::stoi(addr.substr(colon + 1)));
    return {net::ip::make_address(host), port};
}

}  // namespace

struct Server::Impl {
    Config cfg;
    core::SystemClock system_clock;
    const core::Clock& clock;
    net::io_context ioc{1};
    std::string secret;
    bool generated = false;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<Authenticator> auth;
    std::unique_ptr<realtime::Hub> hub;
    std::unique_ptr<RoomService> service;
    std::unique_ptr<ApiContext> ctx;
    http::Router router;
    std::unique_ptr<http::HttpServer> http;
    std::shared_ptr<spdlog::logger> log = core::logger("app");

    Impl(Config c, const core::Clock* clk)
        : cfg(std::move(c)), clock(clk ? *clk : static_cast<const core::Clock&>(system_clock)) {}
};

Server::Server(Config cfg, const core::Clock* clock)
    : impl_(std::make_unique<Impl>(std::move(cfg), clock)) {}

Server::~Server() {
    if (impl_->http) impl_->http->stop();
    if (impl_->hub) impl_->hub->close_all();
    if (impl_->service) impl_->service->stop();
}

void Server::start() {
    auto& m = *impl_;
    fs::create_directories(m.cfg.data_dir);
    m.secret = m.cfg.api_secret.empty() ? load_or_create_secret(m.cfg.data_dir, m.generated)
                                        : m.cfg.api_secret;
    std::string db_path = (fs::path(m.cfg.data_dir) / "cohost.db").string();
    if (!m.cfg.store_url.empty()) {
        if (!m.cfg.store_url.starts_with("sqlite://")) {
            throw ConfigError("store.url: only sqlite:// is supported in this build");
        }
        db_path = m.cfg.store_url.substr(9);
    }
    m.store = store::open_sqlite({db_path, m.cfg.sqlite_synchronous_full});
    m.auth = std::make_unique<Authenticator>(m.cfg.api_key, m.secret, m.clock);

    realtime::HubOptions hub_opts;
    hub_opts.queue_limit = m.cfg.realtime_queue_limit;
    hub_opts.ping_interval = m.cfg.realtime_ping_interval;
    hub_opts.idle_timeout = m.cfg.realtime_idle_timeout;
    hub_opts.replay_limit = m.cfg.realtime_retention_events;
    hub_opts.max_connections = m.cfg.realtime_max_connections;
    store::Store& st = *m.store;
    m.hub = std::make_unique<realtime::Hub>(
        m.ioc, st,
        [&st](const rooms::Actor& a, const std::string& topic) {
            return authorize_topic(st, a, topic);
        },
        hub_opts);

    ServiceOptions svc;
    svc.policy = m.cfg.policy;
    svc.retention_events = m.cfg.realtime_retention_events;
    svc.retention_age = m.cfg.realtime_retention_age;
    realtime::Hub& hub = *m.hub;
    m.service = std::make_unique<RoomService>(
        m.ioc, st, m.clock, svc,
        [&hub](const std::vector<store::StoredEvent>& events) { hub.publish(events); });
    m.ctx = std::make_unique<ApiContext>(ApiContext{*m.service, st, *m.auth, m.cfg});
    register_api_routes(m.router, m.ctx.get());

    http::HttpServerOptions http_opts;
    http_opts.max_body_bytes = m.cfg.http_max_body;
    ApiContext& ctx = *m.ctx;
    m.http = std::make_unique<http::HttpServer>(
        m.ioc, m.router, hub,
        [&ctx](http::Request& req) -> rooms::Outcome<rooms::Actor> {
            auto p = authenticate_request(ctx, req, true);
            if (!p) return p.error();
            return p->actor;
        },
        http_opts);
    m.service->start();
    m.http->listen(parse_endpoint(m.cfg.http_addr));
    m.log->info("listening http={} store={} dev_login={}", m.cfg.http_addr, db_path,
                m.cfg.dev_login_enabled());
}

void Server::run() { impl_->ioc.run(); }

void Server::stop() {
    net::post(impl_->ioc, [this] {
        auto& m = *impl_;
        if (m.http) m.http->stop();
        if (m.hub) m.hub->close_all();
        if (m.service) m.service->stop();
        // Give sessions a moment to send close frames, then stop the loop for good.
        auto timer = std::make_shared<net::steady_timer>(m.ioc, std::chrono::milliseconds(200));
        timer->async_wait([timer, this](const boost::system::error_code&) { impl_->ioc.stop(); });
    });
}

net::ip::tcp::endpoint Server::local_endpoint() const { return impl_->http->local_endpoint(); }
bool Server::secret_generated() const noexcept { return impl_->generated; }
const std::string& Server::api_secret() const noexcept { return impl_->secret; }
const Config& Server::config() const noexcept { return impl_->cfg; }

}  // namespace cohost::server::app
