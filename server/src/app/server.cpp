#include "cohost/server/app/server.hpp"

#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>

#include "cohost/core/crypto.hpp"
#include "cohost/core/ids.hpp"
#include "cohost/core/log.hpp"
#include "cohost/server/app/api.hpp"
#include "cohost/server/app/auth.hpp"
#include "cohost/server/app/engagement_service.hpp"
#include "cohost/server/app/group_commit.hpp"
#include "cohost/server/app/media_sync.hpp"
#include "cohost/server/livekit/room_service_client.hpp"
#include "cohost/server/app/room_service.hpp"
#include "cohost/server/http/http_server.hpp"
#include "cohost/server/http/static_files.hpp"
#include "cohost/server/realtime/hub.hpp"
#include "cohost/server/store/store.hpp"
#include "../outbox/webhook_sender.hpp"

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

/// The gauges read from the store and the hub when /metrics is scraped.
void register_server_metrics(Metrics& metrics, store::Store& st, realtime::Hub& hub) {
    metrics.gauge("cohost_active_rooms", "Rooms not ended (idle, live or reconnecting).",
                  [&st] { return static_cast<double>(st.active_room_ids().size()); });
    metrics.gauge("cohost_stage_members", "Hosts and co-hosts on the stage of active rooms.",
                  [&st] { return static_cast<double>(st.count_stage_members()); });
    metrics.gauge("cohost_realtime_connections", "Open realtime WebSocket connections.",
                  [&hub] { return static_cast<double>(hub.connection_count()); });
    metrics.counter_fn("cohost_realtime_slow_consumer_drops_total",
                       "Realtime connections closed for falling behind (slow_consumer).",
                       [&hub] { return static_cast<double>(hub.slow_consumer_drops()); });
}

/// Holds committed events until their group-commit batch is durable, then hands them on in
/// commit order (dropped if the batch fails: nobody may hear of a change that was lost).
EventPublisher after_durable(GroupCommit* group, EventPublisher next) {
    if (group == nullptr) return next;
    return [group, next = std::move(next)](const std::vector<store::StoredEvent>& events) {
        group->after_durable([next, events] { next(events); });
    };
}

/// A `chat.moderation` ban also ends the banned user's live subscriptions to the room
/// (docs/engagement.md): each gets an `error` frame `code: banned` for the topic.
void end_banned_subscriptions(realtime::Hub& hub, const std::vector<store::StoredEvent>& events) {
    for (const store::StoredEvent& e : events) {
        if (e.type != "chat.moderation" || !e.topic.starts_with("room:")) continue;
        boost::system::error_code ec;
        const boost::json::value v = boost::json::parse(e.data_json, ec);
        const auto* o = ec ? nullptr : v.if_object();
        if (o == nullptr) continue;
        const auto* action = o->if_contains("action");
        const auto* user = o->if_contains("userId");
        if (action == nullptr || user == nullptr || !action->is_string() || !user->is_string() ||
            action->as_string() != "ban") {
            continue;
        }
        hub.end_subscriptions(std::string(user->as_string()), e.topic,
                              rooms::make_error(rooms::Errc::Banned, "you are banned from this room"));
    }
}

net::ip::tcp::endpoint parse_endpoint(const std::string& addr) {
    const auto colon = addr.rfind(':');
    std::string host = addr.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    if (host == "localhost") host = "127.0.0.1";
    const auto port = static_cast<std::uint16_t>(std::stoi(addr.substr(colon + 1)));
    return {net::ip::make_address(host), port};
}

/// The web app at `/` (http.ui_dir; docs in static_files.hpp). Without a built app, `/` answers a
/// page saying how to build it; `off` serves nothing.
void mount_ui(http::Router& router, const std::string& configured, spdlog::logger& log) {
    if (configured == "off") return;
    std::error_code ec;
    const fs::path exe_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
    const auto dir = http::find_ui_dir(configured, exe_dir);
    if (!dir) {
        if (!configured.empty()) {
            throw ConfigError("http.ui_dir: " + configured + " holds no index.html");
        }
        log.warn("web app not built (web/demo/dist); / explains how to build it");
        router.set_fallback([](const http::Request& req) -> std::optional<http::Response> {
            if (req.method() == boost::beast::http::verb::get && req.path == "/") {
                return http::ui_missing_page();
            }
            return std::nullopt;
        });
        return;
    }
    log.info("web app served at / from {}", dir->string());
    auto files = std::make_shared<http::StaticFiles>(*dir);
    router.set_fallback([files](const http::Request& req) { return files->serve(req); });
}

}  // namespace

struct Server::Impl {
    Config cfg;
    core::SystemClock system_clock;
    const core::Clock& clock;
    net::io_context ioc{1};
    std::string secret;
    bool generated = false;
    /// Declared before everything it reads, so it is destroyed after them.
    std::unique_ptr<Metrics> metrics = std::make_unique<Metrics>();
    std::unique_ptr<store::Store> store;
    /// After `store` (destroyed first, flushing what is open); null when group commit is off.
    std::unique_ptr<GroupCommit> group;
    std::unique_ptr<Authenticator> auth;
    std::unique_ptr<realtime::Hub> hub;
    std::unique_ptr<RoomService> service;
    std::unique_ptr<EngagementService> engagement;  ///< chat, reactions, viewers, products
    std::unique_ptr<MediaSync> media;  ///< webhooks in, RemoveParticipant/DeleteRoom out
    std::unique_ptr<outbox::WebhookSender> webhooks;  ///< outgoing webhooks; null with no URL
    std::unique_ptr<ApiContext> ctx;
    http::Router router;
    std::vector<Server::RouteMount> mounts;  ///< extra routes (cohostd: WHIP/WHEP)
    std::map<std::string, http::HttpServerOptions::UpgradeHandler> upgrades;  ///< (cohostd: /rtc/v1)
    std::vector<std::function<void()>> stop_hooks;
    std::unique_ptr<http::HttpServer> http;
    std::shared_ptr<spdlog::logger> log = core::logger("app");

    Impl(Config c, const core::Clock* clk)
        : cfg(std::move(c)), clock(clk ? *clk : static_cast<const core::Clock&>(system_clock)) {}
};

Server::Server(Config cfg, const core::Clock* clock)
    : impl_(std::make_unique<Impl>(std::move(cfg), clock)) {}

Server::~Server() {
    // First, while everything its held events go to is still alive.
    if (impl_->group) impl_->group->flush_now();
    if (impl_->http) impl_->http->stop();
    if (impl_->hub) impl_->hub->close_all();
    if (impl_->service) impl_->service->stop();
    if (impl_->engagement) impl_->engagement->stop();
    if (impl_->hub) impl_->hub->set_listener(nullptr);
    if (impl_->media) impl_->media->stop();
    if (impl_->webhooks) impl_->webhooks->stop();
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
    if (m.cfg.store_group_commit) {
        m.group = std::make_unique<GroupCommit>(m.ioc, *m.store, m.cfg.store_group_commit_max);
        m.store->set_write_hook([g = m.group.get()] { g->before_write(); });
    }
    m.auth = std::make_unique<Authenticator>(m.cfg.api_key, m.secret, m.clock,
                                             m.cfg.token_cache_size);

    realtime::HubOptions hub_opts;
    hub_opts.queue_limit = m.cfg.realtime_queue_limit;
    hub_opts.ping_interval = m.cfg.realtime_ping_interval;
    hub_opts.idle_timeout = m.cfg.realtime_idle_timeout;
    hub_opts.replay_limit = m.cfg.realtime_retention_events;
    hub_opts.max_connections = m.cfg.realtime_max_connections;
    hub_opts.threads = m.cfg.realtime_threads;
    hub_opts.write_interval = m.cfg.realtime_write_interval;
    // A subscribe reads seqs and replays events: only durable ones may leave the process.
    hub_opts.before_store_read = [g = m.group.get()] {
        if (g != nullptr) g->flush_now();
    };
    store::Store& st = *m.store;
    std::unique_ptr<EngagementService>& engagement = m.engagement;
    m.hub = std::make_unique<realtime::Hub>(
        m.ioc, st,
        [&st, &engagement](const rooms::Actor& a, const std::string& topic) {
            auto refusal = authorize_topic(st, a, topic);
            // A user banned from the room may not (re)subscribe to it (docs/engagement.md).
            if (!refusal && engagement && topic.starts_with("room:")) {
                refusal = engagement->check_viewer(a, topic.substr(5), true);
            }
            return refusal;
        },
        hub_opts);

    ServiceOptions svc;
    svc.policy = m.cfg.policy;
    svc.retention_events = m.cfg.realtime_retention_events;
    svc.retention_age = m.cfg.realtime_retention_age;
    realtime::Hub& hub = *m.hub;
    std::unique_ptr<MediaSync>& media = m.media;
    std::unique_ptr<outbox::WebhookSender>& webhooks = m.webhooks;
    // Pruning keeps what the webhook sender still owes (docs/webhooks.md).
    svc.outbox_hold = [&webhooks] {
        return webhooks ? webhooks->outbox_hold() : store::OutboxHold{};
    };
    const EventPublisher publish = after_durable(
        m.group.get(), [&hub, &media, &webhooks](const std::vector<store::StoredEvent>& events) {
            hub.publish(events);
            end_banned_subscriptions(hub, events);  // after the ban event itself went out
            if (media) media->on_committed(events);  // RemoveParticipant / DeleteRoom
            if (webhooks) webhooks->notify(events);  // outgoing webhooks
        });
    // The engagement service's viewer cache forgets a room as soon as RoomService commits to it
    // (not after durability), so a room's end holds for the very next reaction or chat read.
    const EventPublisher room_publish = [&engagement,
                                         publish](const std::vector<store::StoredEvent>& events) {
        if (engagement) engagement->on_room_changed(events);
        publish(events);
    };
    m.service = std::make_unique<RoomService>(m.ioc, st, m.clock, svc, room_publish);
    EngagementOptions eng;
    eng.policy = m.cfg.engagement;
    eng.viewer_cache_ttl = m.cfg.engagement_viewer_cache_ttl;
    m.engagement = std::make_unique<EngagementService>(m.ioc, st, m.clock, eng, publish);
    hub.set_listener(m.engagement.get());
    m.media =
        make_media_sync(m.ioc, *m.service, st, m.clock, m.metrics.get(), m.cfg, m.cfg.api_key,
                        m.secret);
    m.ctx = std::make_unique<ApiContext>(ApiContext{*m.service, st, *m.auth, m.cfg});
    m.ctx->metrics = m.metrics.get();
    m.ctx->engagement = m.engagement.get();
    register_server_metrics(*m.metrics, st, hub);
    {
        EngagementService* e = m.engagement.get();
        const auto stat = [e](auto field) {
            return [e, field] { return static_cast<double>(e->stats().*field); };
        };
        m.metrics->counter_fn("cohost_chat_messages_total", "Chat messages posted.",
                              stat(&EngagementStats::messages));
        m.metrics->counter_fn("cohost_reactions_total", "Reactions accepted.",
                              stat(&EngagementStats::reactions));
        m.metrics->counter_fn("cohost_reaction_bursts_total", "reactions.burst events emitted.",
                              stat(&EngagementStats::bursts));
        m.metrics->gauge("cohost_viewers", "Users watching rooms (live room subscriptions).",
                         stat(&EngagementStats::viewers));
    }
    if (GroupCommit* g = m.group.get()) {
        m.metrics->counter_fn("cohost_store_group_commits_total",
                              "Group-commit batches flushed (one SQLite transaction each).",
                              [g] { return static_cast<double>(g->batches()); });
        m.metrics->counter_fn("cohost_store_group_commit_writes_total",
                              "Commits made inside group-commit batches.",
                              [g] { return static_cast<double>(g->writes()); });
        m.metrics->counter_fn("cohost_store_group_commit_failures_total",
                              "Group-commit batches that could not be made durable.",
                              [g] { return static_cast<double>(g->failures()); });
    }
    if (!m.cfg.webhook_urls.empty()) {
        outbox::WebhookSenderOptions wh;
        wh.urls = m.cfg.webhook_urls;
        wh.timeout = m.cfg.webhook_timeout;
        wh.retry_initial = m.cfg.webhook_retry_initial;
        wh.retry_max = m.cfg.webhook_retry_max;
        wh.max_backlog_age = m.cfg.webhook_max_backlog_age;
        wh.api_key = m.cfg.api_key;
        wh.api_secret = m.secret;
        m.webhooks = std::make_unique<outbox::WebhookSender>(m.ioc, st, m.clock,
                                                             m.metrics.get(), std::move(wh));
    }
    m.ctx->media = m.media.get();
    register_api_routes(m.router, m.ctx.get());
    mount_ui(m.router, m.cfg.http_ui_dir, *m.log);
    for (auto& mount : m.mounts) mount(m.router, m.secret);

    http::HttpServerOptions http_opts;
    http_opts.max_body_bytes = m.cfg.http_max_body;
    http_opts.gate = m.group.get();
    http_opts.upgrades = m.upgrades;
    http_opts.threads = m.cfg.http_threads;
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
    m.engagement->start();
    if (m.webhooks) m.webhooks->start();
    m.media->start();
    m.log->info("media mode={} livekit_url={} enforcement={}",
                m.cfg.media_mode == MediaMode::Livekit ? "livekit" : "embedded",
                m.cfg.livekit_url.empty() ? "-" : m.cfg.livekit_url, m.media->has_client());
    m.http->listen(parse_endpoint(m.cfg.http_addr));
    if (m.cfg.media_mode == MediaMode::Embedded && !m.upgrades.empty()) {
        // The embedded SFU (cohostd mounted its signalling) serves RoomService on this very
        // port: enforcement calls go there over loopback, the same path as to a LiveKit cluster.
        const auto ep = m.http->local_endpoint();
        livekit::ClientOptions co;
        co.url = "http://" + (ep.address().is_v6() ? "[" + ep.address().to_string() + "]"
                                                   : ep.address().to_string()) +
                 ":" + std::to_string(ep.port());
        co.api_key = m.cfg.livekit_api_key.empty() ? m.cfg.api_key : m.cfg.livekit_api_key;
        co.api_secret = m.cfg.livekit_api_secret.empty() ? m.secret : m.cfg.livekit_api_secret;
        co.timeout = m.cfg.livekit_timeout;
        co.observer = MediaSync::call_observer(m.metrics.get());
        m.media->set_client(livekit::make_twirp_client(m.ioc, std::move(co)));
    }
    m.log->info("listening http={} store={} dev_login={}", m.cfg.http_addr, db_path,
                m.cfg.dev_login_enabled());
}

void Server::add_routes(RouteMount mount) { impl_->mounts.push_back(std::move(mount)); }

net::io_context& Server::io_context() noexcept { return impl_->ioc; }

std::string Server::media_admission(const std::string& room_id, const std::string& identity,
                                    bool can_publish) {
    if (!impl_->service) return {};
    return impl_->service->media_admission(room_id, identity, can_publish);
}

void Server::add_stop_hook(std::function<void()> hook) {
    impl_->stop_hooks.push_back(std::move(hook));
}

void Server::add_upgrade(std::string path, http::HttpServerOptions::UpgradeHandler handler) {
    impl_->upgrades[std::move(path)] = std::move(handler);
}

void Server::run() { impl_->ioc.run(); }

void Server::stop() {
    net::post(impl_->ioc, [this] {
        auto& m = *impl_;
        for (auto& hook : m.stop_hooks) hook();
        if (m.http) m.http->stop();
        if (m.hub) m.hub->close_all();
        if (m.service) m.service->stop();
        if (m.engagement) m.engagement->stop();
        if (m.media) m.media->stop();
        if (m.webhooks) m.webhooks->stop();
        if (m.group) m.group->flush_now();
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
