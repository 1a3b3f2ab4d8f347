// The realtime hub: the session registry, the topic index, the subscribe/replay protocol and
// fan-out. The protocol runs on the control thread, so a subscribe handler (read `topic_seq`,
// replay from the store, register) is atomic with respect to publish(): no event can fall between
// the replay and the registration, and the per-subscription seq watermark (topic_index.hpp)
// suppresses an event that was committed before the subscribe but is published after it.
// Socket I/O runs on the shards (shard.hpp); what control posts to a shard arrives in order, so
// the replay frames of a subscribe always precede the live events published after it.
#include "cohost/server/realtime/hub.hpp"

#include <algorithm>
#include <boost/beast/http/write.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <exception>
#include <optional>
#include <unordered_map>
#include <variant>

#include "cohost/core/log.hpp"
#include "frames.hpp"
#include "rehome_socket.hpp"
#include "shard.hpp"
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

struct Hub::Impl final : detail::ControlSink {
    Impl(net::io_context& ioc, store::Store& s, TopicAuthorizer authorize, HubOptions o)
        : control(ioc), store(s), authorizer(std::move(authorize)), opts(o), log(core::logger("ws")) {
        if (opts.max_frame_bytes == 0) {
            opts.max_frame_bytes = kDefaultMaxFrameBytes;
        }
        opts.queue_limit = std::max<std::size_t>(opts.queue_limit, 1);
        opts.replay_limit = std::max(opts.replay_limit, 1);
        detail::ShardOptions so;
        so.queue_limit = opts.queue_limit;
        so.write_interval = opts.write_interval;
        so.handshake_timeout = kHandshakeTimeout;
        so.keep_alive.ping_interval = opts.ping_interval;
        so.keep_alive.idle_timeout = opts.idle_timeout;
        so.keep_alive.handshake_timeout = kHandshakeTimeout;
        so.keep_alive.close_grace = kCloseGrace;
        if (opts.idle_timeout.count() > 0) {
            so.keep_alive.close_grace = std::min(so.keep_alive.close_grace, so.keep_alive.idle_timeout);
        }
        // Tick often enough to honour the shortest deadline to within a quarter of it.
        auto shortest = so.keep_alive.close_grace;
        for (auto d : {so.keep_alive.ping_interval, so.keep_alive.idle_timeout}) {
            if (d.count() > 0) {
                shortest = std::min(shortest, d);
            }
        }
        so.tick_period = std::clamp<std::chrono::steady_clock::duration>(shortest / 4, 50ms, 1s);
        const int n = std::clamp(opts.threads, 0, 64);
        for (int i = 0; i < std::max(n, 1); ++i) {
            shards.push_back(std::make_unique<detail::Shard>(ioc, *this, so, n > 0));
        }
    }

    ~Impl() {
        // Subscriptions end with the hub: the listener hears about each one, as on a disconnect.
        for (auto& [s, r] : sessions) {
            const std::vector<std::string> removed = topics.remove_all(*s);
            if (listener != nullptr) {
                for (const std::string& topic : removed) {
                    listener->on_unsubscribed(s->actor(), topic);
                }
            }
        }
        for (auto& shard : shards) {
            shard->shutdown();  // kills and detaches its sessions; joins its thread
        }
        sessions.clear();  // the sessions finish on their own, after the hub is gone
        busy.reset();
    }

    // ---- ControlSink ----------------------------------------------------------------------
    void on_client_frame(WsSession& s, Request request) override;
    void on_session_closed(WsSession& s) override;

    // ---- protocol -------------------------------------------------------------------------
    void handle_subscribe(WsSession& s, const std::string& topic,
                          std::optional<std::int64_t> since);
    void handle_unsubscribe(WsSession& s, const std::string& topic);
    void send_error(WsSession& s, rooms::Errc code, std::string_view message,
                    std::string_view topic);
    void send(WsSession& s, std::vector<Frame> frames, bool backlog = false) {
        if (auto it = sessions.find(&s); it != sessions.end()) {
            it->second.shard->send(&s, std::move(frames), backlog);
        }
    }

    /// A session the control side holds (see shard.hpp "Lifetime").
    struct Registered {
        std::shared_ptr<WsSession> session;
        detail::Shard* shard = nullptr;
        std::size_t shard_index = 0;
    };

    net::io_context& control;
    store::Store& store;
    TopicAuthorizer authorizer;
    HubOptions opts;
    /// With fan-out threads, keeps the control io_context running while sessions are registered
    /// (their `closed` messages are still to come), as their own operations do when inline.
    std::optional<net::executor_work_guard<net::io_context::executor_type>> busy;
    bool shutting_down = false;
    std::size_t next_shard = 0;
    std::vector<std::unique_ptr<detail::Shard>> shards;
    std::unordered_map<WsSession*, Registered> sessions;  // registered, not yet closed
    detail::TopicIndex topics;
    SubscriptionListener* listener = nullptr;
    std::shared_ptr<spdlog::logger> log;
};

void Hub::Impl::on_client_frame(WsSession& s, Request request) {
    if (auto* err = std::get_if<detail::FrameError>(&request)) {
        send_error(s, err->code, err->message, err->topic);
        return;
    }
    detail::ClientFrame& frame = std::get<detail::ClientFrame>(request);
    switch (frame.kind) {
        case detail::ClientFrame::Kind::Ping:
            send(s, {detail::pong_frame()});
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
    const auto reg = sessions.find(&s);
    if (reg == sessions.end()) {
        return;  // closed while the replay was read: nothing to subscribe
    }
    const bool added =
        topics.add(s, static_cast<std::uint32_t>(reg->second.shard_index), topic, seq);
    // The replay may exceed queue_limit on its own (retention allows 1,000 events); the bound
    // applies to live events queued after it. Requests stop being read while the queue is full
    // (ws_session.cpp), so one client cannot stack up replays. The frames reach the shard before
    // any live event published from here on (posting order), which the watermark `seq` filters.
    const bool replayed = frames.size() > 1;
    send(s, std::move(frames), replayed);
    // Told after the frames are queued: a listener that publishes (viewer counts) lands after
    // the replay.
    if (added && listener != nullptr) {
        listener->on_subscribed(s.actor(), topic);
    }
}

void Hub::Impl::handle_unsubscribe(WsSession& s, const std::string& topic) {
    const bool removed = topics.remove(s, topic);
    send(s, {make_frame(detail::render_unsubscribed(topic))});
    if (removed && listener != nullptr) {
        listener->on_unsubscribed(s.actor(), topic);
    }
}

void Hub::Impl::send_error(WsSession& s, rooms::Errc code, std::string_view message,
                           std::string_view topic) {
    send(s, {make_frame(detail::render_error(rooms::code_string(code), message, topic))});
}

void Hub::Impl::on_session_closed(WsSession& s) {
    auto it = sessions.find(&s);
    if (it == sessions.end()) {
        return;  // cannot happen: closed is reported once, for a registered session
    }
    const std::vector<std::string> removed = topics.remove_all(s);
    if (listener != nullptr) {
        for (const std::string& topic : removed) {
            listener->on_unsubscribed(s.actor(), topic);
        }
    }
    Registered r = std::move(it->second);
    sessions.erase(it);
    r.shard->release(std::move(r.session));  // after everything already posted for it
    if (sessions.empty()) {
        busy.reset();
    }
}

// ---- Hub -----------------------------------------------------------------------------------

Hub::Hub(net::io_context& ioc, store::Store& store, TopicAuthorizer authorize, HubOptions opts)
    : impl_(std::make_unique<Impl>(ioc, store, std::move(authorize), opts)) {}

Hub::~Hub() = default;

void Hub::accept(beast::tcp_stream stream, http::request<http::string_body> upgrade,
                 rooms::Actor actor) {
    Impl& im = *impl_;
    if (im.shutting_down ||
        connection_count() >= static_cast<std::size_t>(std::max(im.opts.max_connections, 0))) {
        im.log->info("ws upgrade refused: {} connections (max {})", connection_count(),
                     im.opts.max_connections);
        reject_unavailable(std::move(stream), upgrade.version());
        return;
    }
    const std::size_t index = im.next_shard++ % im.shards.size();
    detail::Shard& shard = *im.shards[index];
    std::shared_ptr<WsSession> session;
    if (shard.inline_shard()) {
        session = std::make_shared<WsSession>(shard, std::move(stream), std::move(actor),
                                              im.opts.max_frame_bytes, im.opts.queue_limit);
    } else {
        // Move the connection to the shard's io_context (no operation is pending on it here).
        auto moved = detail::rehome_socket(std::move(stream), shard.io());
        if (!moved) {
            if (moved.error().step == detail::RehomeStep::Release) {
                im.log->debug("ws upgrade dropped: {}", moved.error().ec.message());
            } else {
                im.log->warn("ws upgrade dropped: cannot move the socket: {}",
                             moved.error().ec.message());
            }
            return;  // the descriptor is closed
        }
        session = std::make_shared<WsSession>(shard, beast::tcp_stream(std::move(*moved)),
                                              std::move(actor), im.opts.max_frame_bytes,
                                              im.opts.queue_limit);
    }
    im.sessions.emplace(session.get(), Impl::Registered{session, &shard, index});
    if (!shard.inline_shard() && !im.busy) {
        im.busy.emplace(im.control.get_executor());
    }
    shard.start(std::move(session), std::move(upgrade));
}

void Hub::publish(const std::vector<store::StoredEvent>& events) {
    Impl& im = *impl_;
    // One batch per shard for the whole call: one post per shard, frames in commit order.
    std::vector<std::vector<detail::Delivery>> batches(im.shards.size());
    for (const store::StoredEvent& e : events) {
        detail::TopicSlot* slot = im.topics.find(e.topic);
        if (slot == nullptr) {
            continue;  // nobody listening: not even rendered
        }
        // One copy of the frame per shard: a shard thread's queue and write completions touch
        // only its own copy's reference count, so two shards never bounce one cache line.
        std::string rendered;
        std::vector<Frame> frames(im.shards.size());
        for (detail::Subscriber& sub : slot->subscribers) {
            if (e.seq <= sub.seq) {
                continue;  // already given by the subscribe replay
            }
            sub.seq = e.seq;
            // Every subscriber is a registered session: on_session_closed removes a session's
            // subscriptions before it unregisters it.
            Frame& frame = frames[sub.shard];
            if (!frame) {
                if (rendered.empty()) {
                    rendered = render_event_frame(e);
                }
                frame = make_frame(std::string(rendered));
            }
            auto& batch = batches[sub.shard];
            if (batch.empty() || batch.back().frame != frame) {
                batch.push_back(detail::Delivery{frame, {}});
                batch.back().sessions.reserve(slot->subscribers.size() / im.shards.size() + 1);
            }
            batch.back().sessions.push_back(sub.session);
        }
    }
    for (std::size_t i = 0; i < batches.size(); ++i) {
        if (!batches[i].empty()) {
            im.shards[i]->deliver(std::move(batches[i]));
        }
    }
}

std::size_t Hub::end_subscriptions(const std::string& user_id, const std::string& topic,
                                   const rooms::Error& refusal) {
    Impl& im = *impl_;
    detail::TopicSlot* slot = im.topics.find(topic);
    if (slot == nullptr) {
        return 0;
    }
    std::vector<WsSession*> ended;
    for (const detail::Subscriber& sub : slot->subscribers) {
        if (!sub.session->actor().admin && sub.session->actor().user_id == user_id) {
            ended.push_back(sub.session);
        }
    }
    for (WsSession* s : ended) {
        im.topics.remove(*s, topic);  // may free `slot`: not used after this loop starts
        if (auto it = im.sessions.find(s); it != im.sessions.end()) {
            it->second.shard->send(
                s, {make_frame(detail::render_error(rooms::code_string(refusal.code),
                                                    refusal.message, topic))},
                /*backlog=*/false, /*reply=*/false);
        }
        if (im.listener != nullptr) {
            im.listener->on_unsubscribed(s->actor(), topic);
        }
    }
    return ended.size();
}

void Hub::set_listener(SubscriptionListener* listener) noexcept { impl_->listener = listener; }

void Hub::close_all() {
    impl_->shutting_down = true;
    for (auto& shard : impl_->shards) {
        shard->close_all();
    }
}

std::size_t Hub::connection_count() const noexcept { return impl_->sessions.size(); }

std::size_t Hub::subscriber_count(const std::string& topic) const {
    return impl_->topics.subscriber_count(topic);
}

std::uint64_t Hub::slow_consumer_drops() const noexcept {
    std::uint64_t n = 0;
    for (const auto& shard : impl_->shards) {
        n += shard->slow_drops();
    }
    return n;
}

}  // namespace cohost::server::realtime
