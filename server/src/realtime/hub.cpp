// The realtime hub: the session registry, the topic index, the subscribe/replay protocol and
// fan-out. Everything runs on the control thread, so a subscribe handler (read `topic_seq`,
// replay from the store, register) is atomic with respect to publish(): no event can fall between
// the replay and the registration, and the per-subscription seq watermark (topic_index.hpp)
// suppresses an event that was committed before the subscribe but is published after it.
#include "cohost/server/realtime/hub.hpp"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/write.hpp>
#include <exception>
#include <unordered_set>

#include "cohost/core/log.hpp"
#include "frames.hpp"
#include "topic_index.hpp"
#include "ws_session.hpp"

namespace cohost::server::realtime {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
namespace websocket = boost::beast::websocket;
using detail::Frame;
using detail::WsSession;

namespace {

using namespace std::chrono_literals;

constexpr auto kHandshakeTimeout = std::chrono::steady_clock::duration(10s);
constexpr auto kCloseGrace = std::chrono::steady_clock::duration(5s);
constexpr auto kRejectTimeout = std::chrono::seconds(5);
constexpr std::size_t kDefaultMaxFrameBytes = 16 * 1024;
// A client needs a room and its own user topic; the cap bounds per-connection state.
constexpr std::size_t kMaxTopicsPerSession = 100;

Frame make_frame(std::string text) { return std::make_shared<const std::string>(std::move(text)); }

// Answers an upgrade that the hub will not take with 503 and closes the connection.
void reject_unavailable(beast::tcp_stream&& stream, unsigned version) {
    struct Rejection {
        beast::tcp_stream stream;
        http::response<http::string_body> res;
    };
    auto r = std::make_shared<Rejection>(
        Rejection{std::move(stream),
                  http::response<http::string_body>(http::status::service_unavailable, version)});
    r->res.set(http::field::server, "cohost");
    r->res.set(http::field::content_type, "application/json");
    r->res.set(http::field::retry_after, "5");
    r->res.keep_alive(false);
    r->res.body() = R"({"error":{"code":"unavailable","message":"too many realtime connections","details":{}}})";
    r->res.prepare_payload();
    r->stream.expires_after(kRejectTimeout);
    http::async_write(r->stream, r->res, [r](beast::error_code, std::size_t) {
        beast::error_code ignored;
        r->stream.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
        r->stream.close();
    });
}

}  // namespace

struct Hub::Impl final : detail::SessionHost {
    Impl(net::io_context& ioc, store::Store& s, TopicAuthorizer authorize, HubOptions o)
        : store(s),
          authorizer(std::move(authorize)),
          opts(o),
          tick_timer(ioc),
          log(core::logger("ws")) {
        if (opts.max_frame_bytes == 0) {
            opts.max_frame_bytes = kDefaultMaxFrameBytes;
        }
        opts.queue_limit = std::max<std::size_t>(opts.queue_limit, 1);
        opts.replay_limit = std::max(opts.replay_limit, 1);
        keep_alive.ping_interval = opts.ping_interval;
        keep_alive.idle_timeout = opts.idle_timeout;
        keep_alive.handshake_timeout = kHandshakeTimeout;
        keep_alive.close_grace = kCloseGrace;
        if (opts.idle_timeout.count() > 0) {
            keep_alive.close_grace = std::min(keep_alive.close_grace, keep_alive.idle_timeout);
        }
        // Tick often enough to honour the shortest deadline to within a quarter of it.
        auto shortest = keep_alive.close_grace;
        for (auto d : {keep_alive.ping_interval, keep_alive.idle_timeout}) {
            if (d.count() > 0) {
                shortest = std::min(shortest, d);
            }
        }
        tick_period = std::clamp<std::chrono::steady_clock::duration>(shortest / 4, 50ms, 1s);
    }

    ~Impl() {
        cancel_tick();
        for (WsSession* s : snapshot()) {
            s->kill();    // leaves open → subscriptions dropped, listener told
            s->detach();  // the sessions finish on their own, after the hub is gone
        }
        sessions.clear();
    }

    // ---- SessionHost ----------------------------------------------------------------------
    void on_session_message(WsSession& s, std::string_view payload, bool binary) override;
    void on_session_closing(WsSession& s) override;
    void on_session_finished(WsSession& s) noexcept override;

    // ---- protocol -------------------------------------------------------------------------
    void handle_subscribe(WsSession& s, const std::string& topic,
                          std::optional<std::int64_t> since);
    void handle_unsubscribe(WsSession& s, const std::string& topic);
    void send_error(WsSession& s, rooms::Errc code, std::string_view message,
                    std::string_view topic);
    void drop_slow(WsSession& s);

    void arm_tick();
    void cancel_tick() noexcept {
        try {
            tick_timer.cancel();
        } catch (const std::exception&) {
            // Cannot fail on a valid timer; the handler's token check covers the rest.
        }
    }
    void on_tick(beast::error_code ec);
    [[nodiscard]] std::vector<WsSession*> snapshot() const {
        return {sessions.begin(), sessions.end()};
    }

    store::Store& store;
    TopicAuthorizer authorizer;
    HubOptions opts;
    detail::KeepAlive keep_alive;
    std::chrono::steady_clock::duration tick_period{};
    net::steady_timer tick_timer;
    bool tick_armed = false;
    bool shutting_down = false;
    std::shared_ptr<bool> alive = std::make_shared<bool>(true);  // expires with the hub
    std::unordered_set<WsSession*> sessions;  // every session object alive, any state
    detail::TopicIndex topics;
    SubscriptionListener* listener = nullptr;
    std::uint64_t slow_drops = 0;
    std::shared_ptr<spdlog::logger> log;
};

void Hub::Impl::on_session_message(WsSession& s, std::string_view payload, bool binary) {
    if (binary) {
        send_error(s, rooms::Errc::InvalidArgument, "binary frames are not supported", {});
        return;
    }
    auto parsed = detail::parse_client_frame(payload);
    if (!parsed) {
        const detail::FrameError& err = parsed.error();
        send_error(s, err.code, err.message, err.topic);
        return;
    }
    detail::ClientFrame& frame = *parsed;
    switch (frame.kind) {
        case detail::ClientFrame::Kind::Ping:
            s.send(detail::pong_frame());
            return;
        case detail::ClientFrame::Kind::Subscribe:
            handle_subscribe(s, frame.topic, frame.since);
            return;
        case detail::ClientFrame::Kind::Unsubscribe:
            handle_unsubscribe(s, frame.topic);
            return;
    }
}

void Hub::Impl::handle_subscribe(WsSession& s, const std::string& topic,
                                 std::optional<std::int64_t> since) {
    // Everything is read before anything is sent or registered, so a failure (refusal, store
    // error) leaves neither a half replay nor a subscription behind.
    if (s.subscriptions().size() >= kMaxTopicsPerSession && !topics.is_subscribed(s, topic)) {
        send_error(s, rooms::Errc::InvalidArgument,
                   "too many subscriptions on one connection (max " +
                       std::to_string(kMaxTopicsPerSession) + ")",
                   topic);
        return;
    }
    std::vector<Frame> frames;
    std::int64_t seq = 0;
    try {
        if (opts.before_store_read) {
            opts.before_store_read();
        }
        if (auto refusal = authorizer(s.actor(), topic)) {
            send_error(s, refusal->code, refusal->message, topic);
            return;
        }
        seq = store.topic_seq(topic);
        frames.push_back(make_frame(detail::render_subscribed(topic, seq)));
        if (since && *since < seq) {
            const std::int64_t oldest = store.oldest_retained_seq(topic);
            bool resync = oldest == 0 || oldest > *since + 1;
            std::int64_t after = *since;
            while (!resync && after < seq) {
                auto batch = store.events_after(topic, after, opts.replay_limit);
                if (batch.empty() || batch.front().seq != after + 1) {
                    resync = true;  // pruned under our feet: defensive, cannot happen in-thread
                    break;
                }
                for (const store::StoredEvent& e : batch) {
                    if (e.seq > seq) {
                        break;
                    }
                    frames.push_back(make_frame(render_event_frame(e)));
                    after = e.seq;
                }
                if (batch.size() < static_cast<std::size_t>(opts.replay_limit)) {
                    break;
                }
            }
            if (resync) {
                frames.resize(1);  // keep `subscribed`, drop any partial replay
                frames.push_back(make_frame(detail::render_resync_required(topic, seq)));
            }
        }
    } catch (const std::exception& ex) {
        log->warn("ws subscribe failed topic={} error={}", topic, ex.what());
        send_error(s, rooms::Errc::Internal, "could not subscribe, try again", topic);
        return;
    }
    const bool added = topics.add(s, topic, seq);
    const bool replayed = frames.size() > 1;
    for (Frame& f : frames) {
        s.send(std::move(f));
    }
    if (replayed) {
        // The replay may exceed queue_limit on its own (retention allows 1,000 events); the
        // bound applies to live events queued after it. Requests stop being read while the
        // queue is full (ws_session.cpp), so one client cannot stack up replays.
        s.mark_backlog();
    }
    // Told after the frames are queued: a listener that publishes (viewer counts) lands after
    // the replay.
    if (added && listener != nullptr) {
        listener->on_subscribed(s.actor(), topic);
    }
}

void Hub::Impl::handle_unsubscribe(WsSession& s, const std::string& topic) {
    const bool removed = topics.remove(s, topic);
    s.send(make_frame(detail::render_unsubscribed(topic)));
    if (removed && listener != nullptr) {
        listener->on_unsubscribed(s.actor(), topic);
    }
}

void Hub::Impl::send_error(WsSession& s, rooms::Errc code, std::string_view message,
                           std::string_view topic) {
    s.send(make_frame(detail::render_error(rooms::code_string(code), message, topic)));
}

void Hub::Impl::drop_slow(WsSession& s) {
    if (!s.is_open()) {
        return;
    }
    ++slow_drops;
    log->info("ws slow consumer dropped user={} queued={} limit={}", s.actor().user_id,
              s.live_queued(), opts.queue_limit);
    s.close(websocket::close_code::policy_error, "slow_consumer");
}

void Hub::Impl::on_session_closing(WsSession& s) {
    const std::vector<std::string> removed = topics.remove_all(s);
    if (listener != nullptr) {
        for (const std::string& topic : removed) {
            listener->on_unsubscribed(s.actor(), topic);
        }
    }
}

void Hub::Impl::on_session_finished(WsSession& s) noexcept {
    sessions.erase(&s);
    if (sessions.empty() && tick_armed) {
        cancel_tick();  // let the io_context run out of work
    }
}

void Hub::Impl::arm_tick() {
    if (tick_armed || sessions.empty()) {
        return;
    }
    tick_armed = true;
    tick_timer.expires_after(tick_period);
    tick_timer.async_wait([this, token = std::weak_ptr<bool>(alive)](beast::error_code ec) {
        if (token.expired()) {
            return;  // the hub is gone
        }
        on_tick(ec);
    });
}

void Hub::Impl::on_tick(beast::error_code ec) {
    tick_armed = false;
    if (ec == net::error::operation_aborted) {
        arm_tick();  // cancelled because the registry emptied; re-arms only if it refilled
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    for (WsSession* s : snapshot()) {
        // Sessions are destroyed only from completion handlers, never inside this loop.
        s->on_tick(now, keep_alive);
    }
    arm_tick();
}

// ---- Hub -----------------------------------------------------------------------------------

Hub::Hub(net::io_context& ioc, store::Store& store, TopicAuthorizer authorize, HubOptions opts)
    : impl_(std::make_unique<Impl>(ioc, store, std::move(authorize), opts)) {}

Hub::~Hub() = default;

void Hub::accept(beast::tcp_stream stream, http::request<http::string_body> upgrade,
                 rooms::Actor actor) {
    if (impl_->shutting_down ||
        connection_count() >= static_cast<std::size_t>(std::max(impl_->opts.max_connections, 0))) {
        impl_->log->info("ws upgrade refused: {} connections (max {})", connection_count(),
                         impl_->opts.max_connections);
        reject_unavailable(std::move(stream), upgrade.version());
        return;
    }
    auto session =
        std::make_shared<WsSession>(*impl_, std::move(stream), std::move(actor),
                                    impl_->opts.max_frame_bytes, impl_->opts.queue_limit);
    impl_->sessions.insert(session.get());
    session->start(std::move(upgrade), kHandshakeTimeout);
    impl_->arm_tick();
}

void Hub::publish(const std::vector<store::StoredEvent>& events) {
    Impl& im = *impl_;
    std::vector<WsSession*> slow;
    for (const store::StoredEvent& e : events) {
        detail::TopicSlot* slot = im.topics.find(e.topic);
        if (slot == nullptr) {
            continue;  // nobody listening: not even rendered
        }
        Frame frame;
        for (detail::Subscriber& sub : slot->subscribers) {
            if (e.seq <= sub.seq || !sub.session->is_open()) {
                continue;  // already given by the subscribe replay, or closing
            }
            sub.seq = e.seq;
            if (sub.session->live_queued() >= im.opts.queue_limit) {
                slow.push_back(sub.session);
                continue;
            }
            if (!frame) {
                frame = make_frame(render_event_frame(e));
            }
            sub.session->send(frame);
        }
        // Closing edits the topic index (and may call the listener): never while iterating it.
        for (WsSession* s : slow) {
            im.drop_slow(*s);
        }
        slow.clear();
    }
}

void Hub::set_listener(SubscriptionListener* listener) noexcept { impl_->listener = listener; }

void Hub::close_all() {
    impl_->shutting_down = true;
    for (WsSession* s : impl_->snapshot()) {
        s->close(websocket::close_code::going_away, "server shutting down");
    }
}

std::size_t Hub::connection_count() const noexcept { return impl_->sessions.size(); }

std::size_t Hub::subscriber_count(const std::string& topic) const {
    return impl_->topics.subscriber_count(topic);
}

std::uint64_t Hub::slow_consumer_drops() const noexcept { return impl_->slow_drops; }

}  // namespace cohost::server::realtime
