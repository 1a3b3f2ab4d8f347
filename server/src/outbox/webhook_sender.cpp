// The webhook workers: one coroutine per URL on the control io_context, reading the outbox in id
// order and POSTing one event at a time over a kept-alive Beast connection.
//
// Lifetime: a worker holds a shared_ptr to its Target (socket, timers, queue), so a suspended
// coroutine never points at freed I/O objects. It touches the sender (store, clock, metrics)
// only while `Target::stopped` is false; stop() sets it and cancels every pending operation,
// and the destructor calls stop(). So the sender may be destroyed while workers are suspended.
#include "webhook_sender.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <deque>
#include <random>
#include <stdexcept>

#include "cohost/core/log.hpp"
#include "cohost/server/livekit/webhook.hpp"

namespace cohost::server::outbox {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using std::chrono::steady_clock;

namespace {

constexpr std::string_view kSent = "cohost_webhooks_sent_total";
constexpr std::string_view kBacklog = "cohost_webhooks_backlog";
constexpr std::string_view kLatency = "cohost_webhooks_delivery_seconds";
/// A receiver's answer is read but not used: anything longer is cut off (and still counts).
constexpr std::uint64_t kMaxResponseBody = 64 * 1024;
/// Failures of one URL are logged at most this often (with the count of the ones in between).
constexpr auto kWarnInterval = std::chrono::seconds(30);

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

/// How a request ended; `status` is 0 when no answer arrived.
struct PostResult {
    bool ok = false;
    int status = 0;
    boost::system::error_code ec;
};

}  // namespace

struct WebhookSender::Target {
    Target(net::io_context& ioc, std::string text, HttpUrl parsed)
        : url_text(std::move(text)), url(std::move(parsed)), wake(ioc), retry(ioc), resolver(ioc) {}

    std::string url_text;  ///< as configured: the cursor key (never logged)
    HttpUrl url;
    std::int64_t cursor = 0;    ///< last outbox id handled, as persisted
    std::int64_t read_pos = 0;  ///< last outbox id read into `queue`
    std::deque<store::StoredEvent> queue;
    net::steady_timer wake;   ///< idle wait; notify() cancels it
    net::steady_timer retry;  ///< backoff wait; only stop() cancels it
    tcp::resolver resolver;
    std::optional<beast::tcp_stream> stream;  ///< the kept-alive connection, when open
    beast::flat_buffer buffer;
    bool stopped = false;
    bool idle = false;
    int failures = 0;                   ///< consecutive failures of the front event
    std::int64_t dropped_since_ok = 0;  ///< reported as numDropped on the next delivery
    steady_clock::time_point last_warn{};
    std::uint64_t unlogged = 0;

    void close() {
        if (stream) {
            boost::system::error_code ignored;
            stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
            stream->close();
            stream.reset();
        }
        buffer.clear();
    }
};

struct WebhookSender::Impl {
    net::io_context& ioc;
    store::Store& store;
    const core::Clock& clock;
    app::Metrics* metrics;
    WebhookSenderOptions opts;
    std::vector<std::shared_ptr<Target>> targets;
    std::shared_ptr<spdlog::logger> log = core::logger("webhooks");
    std::mt19937_64 rng{std::random_device{}()};
    bool started = false;
    /// Highest outbox id known durable: rows above it are not read yet.
    std::int64_t durable_id = 0;

    Impl(net::io_context& i, store::Store& s, const core::Clock& c, app::Metrics* m,
         WebhookSenderOptions o)
        : ioc(i), store(s), clock(c), metrics(m), opts(std::move(o)) {}

    void count(std::string_view result) {
        if (metrics) metrics->inc(kSent, {{"result", std::string(result)}});
    }

    void save_cursor(Target& t, std::int64_t id) {
        t.cursor = id;
        try {
            store.put_setting(cursor_key(t.url_text), std::to_string(id));
        } catch (const std::exception& e) {
            // Delivery already happened; a restart may repeat it (at least once).
            log->error("webhook cursor not saved url={} error={}", t.url.redacted, e.what());
        }
    }

    /// Reads the next durable rows into the queue; skipped copies move the cursor. false when
    /// the outbox has no durable row after `read_pos`.
    bool fill(Target& t) {
        if (t.read_pos >= durable_id) return false;
        auto rows = store.events_after_id(t.read_pos, opts.batch);
        const std::int64_t before = t.read_pos;
        for (auto& row : rows) {
            if (row.id > durable_id) break;
            t.read_pos = row.id;
            if (is_delivered_row(row)) t.queue.push_back(std::move(row));
        }
        if (t.read_pos == before) return false;
        if (t.queue.empty()) save_cursor(t, t.read_pos);  // only copies: nothing owed up to here
        return true;
    }

    void warn(Target& t, const store::StoredEvent& e, const PostResult& r) {
        const auto now = steady_clock::now();
        if (t.last_warn != steady_clock::time_point{} && now - t.last_warn < kWarnInterval) {
            ++t.unlogged;
            return;
        }
        const std::string what =
            r.status != 0 ? "status " + std::to_string(r.status) : r.ec.message();
        log->warn("webhook delivery failed url={} event=EV_{} type={} attempt={} error={}{}",
                  t.url.redacted, e.id, e.type, t.failures, what,
                  t.unlogged ? " (" + std::to_string(t.unlogged) + " failures not logged)" : "");
        t.last_warn = now;
        t.unlogged = 0;
    }

    std::chrono::milliseconds backoff(int failures) {
        std::uniform_real_distribution<double> jitter(0.0, 1.0);
        return retry_delay(failures, opts.retry_initial, opts.retry_max, jitter(rng));
    }

    static net::awaitable<PostResult> post(std::shared_ptr<Target> t, std::string body,
                                           std::string authorization,
                                           std::chrono::milliseconds timeout);
    static net::awaitable<void> run(std::shared_ptr<Target> t, Impl* self);
};

net::awaitable<PostResult> WebhookSender::Impl::post(std::shared_ptr<Target> t, std::string body,
                                                     std::string authorization,
                                                     std::chrono::milliseconds timeout) {
    const auto aborted = [] { return PostResult{false, 0, net::error::operation_aborted}; };
    http::request<http::string_body> req{http::verb::post, t->url.target, 11};
    req.set(http::field::host, t->url.host_header);
    req.set(http::field::content_type, "application/webhook+json");
    req.set(http::field::authorization, authorization);  // the raw JWT, as LiveKit sends it
    req.set(http::field::user_agent, "cohost");
    req.keep_alive(true);
    req.body() = std::move(body);
    req.prepare_payload();

    // A kept-alive connection may have been closed by the receiver while idle: a failure before
    // any answer on a reused connection is retried once at once, on a fresh connection.
    for (int pass = 0; pass < 2; ++pass) {
        const bool reused = t->stream.has_value();
        if (!reused) {
            auto resolved = co_await t->resolver.async_resolve(
                t->url.host, std::to_string(t->url.port), use_tuple);
            if (t->stopped) co_return aborted();
            auto& [rec, endpoints] = resolved;
            if (rec) co_return PostResult{false, 0, rec};
            t->stream.emplace(t->resolver.get_executor());
            t->stream->expires_after(timeout);
            auto connected = co_await t->stream->async_connect(endpoints, use_tuple);
            if (t->stopped) co_return aborted();
            auto& [cec, ep] = connected;
            (void)ep;
            if (cec) {
                t->close();
                co_return PostResult{false, 0, cec};
            }
        }
        t->stream->expires_after(timeout);
        auto written = co_await http::async_write(*t->stream, req, use_tuple);
        if (t->stopped) co_return aborted();
        auto& [wec, wn] = written;
        (void)wn;
        if (wec) {
            t->close();
            if (reused && pass == 0) continue;
            co_return PostResult{false, 0, wec};
        }
        http::response_parser<http::string_body> parser;
        parser.body_limit(kMaxResponseBody);
        auto read = co_await http::async_read(*t->stream, t->buffer, parser, use_tuple);
        if (t->stopped) co_return aborted();
        auto& [rdec, rn] = read;
        (void)rn;
        if (rdec) {
            const bool nothing = !parser.got_some();
            t->close();
            if (reused && pass == 0 && nothing && rdec != beast::error::timeout) continue;
            co_return PostResult{false, 0, rdec};
        }
        const auto& res = parser.get();
        const int status = static_cast<int>(res.result_int());
        if (res.keep_alive()) {
            t->stream->expires_never();
        } else {
            t->close();
        }
        co_return PostResult{status >= 200 && status < 300, status, {}};
    }
    co_return PostResult{false, 0, net::error::connection_reset};
}

net::awaitable<void> WebhookSender::Impl::run(std::shared_ptr<Target> t, Impl* self) {
    for (;;) {
        if (t->stopped) co_return;
        if (t->queue.empty()) {
            bool more = false;
            try {
                more = self->fill(*t);
            } catch (const std::exception& e) {
                self->log->error("webhook outbox read failed url={} error={}", t->url.redacted,
                                 e.what());
            }
            if (!more) {
                t->idle = true;
                t->wake.expires_after(self->opts.poll_interval);
                auto waited = co_await t->wake.async_wait(use_tuple);
                (void)waited;
                t->idle = false;
            }
            continue;
        }
        const store::StoredEvent event = t->queue.front();
        const auto now = self->clock.now();
        if (event.at < now - self->opts.max_backlog_age) {
            self->log->warn(
                "webhook event dropped (older than webhooks.max_backlog_age) url={} "
                "event=EV_{} type={}",
                t->url.redacted, event.id, event.type);
            self->count("dropped");
            ++t->dropped_since_ok;
            t->failures = 0;
            t->queue.pop_front();
            self->save_cursor(*t, event.id);
            continue;
        }
        std::string body = render_webhook_body(event, t->dropped_since_ok);
        std::string authorization =
            livekit::sign_webhook(body, self->opts.api_key, self->opts.api_secret, now);
        auto result =
            co_await post(t, std::move(body), std::move(authorization), self->opts.timeout);
        if (t->stopped) co_return;
        if (result.ok) {
            self->count("ok");
            if (self->metrics) {
                const std::chrono::duration<double> latency = self->clock.now() - event.at;
                self->metrics->observe(kLatency, {}, std::max(latency.count(), 0.0));
            }
            if (t->failures > 0) {
                self->log->info("webhook delivery recovered url={} event=EV_{} after={} failures",
                                t->url.redacted, event.id, t->failures);
            }
            t->failures = 0;
            t->dropped_since_ok = 0;
            t->queue.pop_front();
            self->save_cursor(*t, event.id);
            continue;
        }
        ++t->failures;
        self->count("retry");
        self->warn(*t, event, result);
        t->retry.expires_after(self->backoff(t->failures));
        auto waited = co_await t->retry.async_wait(use_tuple);
        (void)waited;
    }
}

WebhookSender::WebhookSender(net::io_context& ioc, store::Store& store, const core::Clock& clock,
                             app::Metrics* metrics, WebhookSenderOptions opts)
    : impl_(std::make_unique<Impl>(ioc, store, clock, metrics, std::move(opts))) {
    for (const auto& text : impl_->opts.urls) {
        auto parsed = parse_http_url(text);
        if (!parsed) {
            throw std::invalid_argument("webhooks.urls: not an http:// URL: " +
                                        text.substr(0, text.find('?')));
        }
        impl_->targets.push_back(std::make_shared<Target>(ioc, text, std::move(*parsed)));
    }
    if (metrics) {
        metrics->describe(kSent, "counter",
                          "Outgoing webhook requests by result: ok (2xx), retry (failed, will be "
                          "retried), dropped (skipped after webhooks.max_backlog_age).");
        for (const char* r : {"ok", "retry", "dropped"}) metrics->inc(kSent, {{"result", r}}, 0);
        metrics->describe(kLatency, "histogram",
                          "Seconds from an event's commit to its 2xx webhook answer.");
        metrics->gauge(kBacklog,
                       "Outbox rows not yet delivered to every webhook URL (0 with no URL).",
                       [this] { return static_cast<double>(backlog()); });
    }
}

WebhookSender::~WebhookSender() {
    stop();
    if (impl_->metrics) impl_->metrics->remove(kBacklog);
}

void WebhookSender::start() {
    auto& m = *impl_;
    if (m.started) return;
    m.started = true;
    const std::int64_t newest = m.store.last_event_id();
    m.durable_id = std::max(m.durable_id, newest);
    for (auto& t : m.targets) {
        if (t->stopped) continue;  // stop() is final
        const auto saved = m.store.get_setting(cursor_key(t->url_text));
        std::int64_t cursor = newest;
        if (saved) {
            try {
                cursor = std::stoll(*saved);
            } catch (const std::exception&) {
                m.log->warn("webhook cursor unreadable, starting after the newest event url={}",
                            t->url.redacted);
            }
        }
        if (!saved) m.store.put_setting(cursor_key(t->url_text), std::to_string(cursor));
        t->cursor = cursor;
        t->read_pos = cursor;
        net::co_spawn(m.ioc, Impl::run(t, &m), net::detached);
    }
    if (!m.targets.empty()) {
        m.log->info("webhooks on urls={} (first cursor {})", m.targets.size(),
                    m.targets.front()->cursor);
    }
}

void WebhookSender::stop() {
    for (auto& t : impl_->targets) {
        t->stopped = true;
        t->wake.cancel();
        t->retry.cancel();
        t->resolver.cancel();
        t->close();
    }
}

void WebhookSender::notify(const std::vector<store::StoredEvent>& events) {
    for (const auto& e : events) impl_->durable_id = std::max(impl_->durable_id, e.id);
    for (auto& t : impl_->targets) {
        if (t->idle) t->wake.cancel();
    }
}

store::OutboxHold WebhookSender::outbox_hold() const {
    store::OutboxHold hold;
    if (impl_->targets.empty()) return hold;
    for (const auto& t : impl_->targets) {
        hold.keep_after_id = std::min(hold.keep_after_id, t->cursor);
    }
    hold.unless_before = impl_->clock.now() - impl_->opts.max_backlog_age;
    return hold;
}

std::int64_t WebhookSender::backlog() const {
    if (impl_->targets.empty()) return 0;
    return impl_->store.count_events_after_id(outbox_hold().keep_after_id);
}

std::int64_t WebhookSender::cursor(std::size_t index) const {
    return impl_->targets.at(index)->cursor;
}

std::string WebhookSender::cursor_key(const std::string& url) { return "webhooks.cursor." + url; }

}  // namespace cohost::server::outbox
