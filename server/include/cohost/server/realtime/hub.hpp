#pragma once
/// \file The realtime hub: WebSocket sessions on `GET /v1/realtime`, topic subscriptions with
/// per-topic `seq` and resume, and fan-out of committed events (product.md §5, §10).
///
/// Threading: the protocol (topic index, subscribe and replay, publish, listener calls) runs on
/// the control `io_context` thread. With `threads` > 0 the sessions' socket I/O (handshake,
/// reads, write queues, keep-alive) runs on that many fan-out threads, each with its own
/// io_context; a connection is assigned to one of them round robin when it is accepted, and the
/// two sides exchange posted messages only (server/src/realtime/shard.hpp). With `threads` = 0
/// everything runs on the control thread. The HTTP layer authenticates the upgrade request and
/// then hands the socket over with `accept()`. Every public method is called on the control
/// thread; `slow_consumer_drops` may be read from any thread.
///
/// Fan-out: an event is serialized once into a `shared_ptr<const std::string>` frame and that
/// buffer is queued on every subscribed session. Each session's queue is bounded
/// (`queue_limit` frames); a session that cannot keep up is closed with code 1008 and reason
/// `slow_consumer` rather than buffered forever.
///
/// Resume: `subscribe` with `since: N` replays every retained event with seq > N (read from the
/// store) after the `subscribed` frame and before any live event; if events after N were already
/// pruned the client gets `resync_required` instead and must refetch state over REST.
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cohost/server/rooms/domain.hpp"
#include "cohost/server/store/store.hpp"

namespace cohost::server::realtime {

struct HubOptions {
    std::size_t queue_limit = 1024;                ///< frames queued per session before drop
    std::size_t max_frame_bytes = 16 * 1024;       ///< inbound frame limit
    std::chrono::seconds ping_interval{20};        ///< server pings this often
    std::chrono::seconds idle_timeout{60};         ///< drop a client silent this long
    int replay_limit = 1000;                       ///< events read per store batch during a replay
    int max_connections = 100000;
    /// Fan-out threads (0: socket I/O on the control thread; at most 64).
    int threads = 0;
    /// Paced delivery (`realtime.write_interval`, detail/shard.hpp): 0 = every event written at
    /// once.
    std::chrono::milliseconds write_interval{0};
    /// Called before a subscribe reads the store (seq, replay); group commit flushes here so
    /// only durable events leave the process. Optional.
    std::function<void()> before_store_read;
};

/// Decides whether `actor` may subscribe to `topic`. Returns nullopt to allow, or the refusal
/// (`forbidden` for another user's `user:` topic, `not_found` for an unknown room, `invalid_argument`
/// for a malformed topic). Called on the control thread.
using TopicAuthorizer =
    std::function<std::optional<rooms::Error>(const rooms::Actor& actor, const std::string& topic)>;

/// Observer of subscriptions (engagement uses it to count viewers later). Called on the control
/// thread after a subscription is added or removed (including on disconnect).
struct SubscriptionListener {
    virtual ~SubscriptionListener() = default;
    virtual void on_subscribed(const rooms::Actor& actor, const std::string& topic) = 0;
    virtual void on_unsubscribed(const rooms::Actor& actor, const std::string& topic) = 0;
};

class Hub {
public:
    /// `store` and `authorize` must outlive the hub. Construct and use on the control thread.
    Hub(boost::asio::io_context& ioc, store::Store& store, TopicAuthorizer authorize,
        HubOptions opts);
    ~Hub();
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    /// Takes over an authenticated upgrade request: performs the WebSocket handshake and runs the
    /// session until it closes. Over `max_connections` the upgrade is answered 503.
    void accept(boost::beast::tcp_stream stream,
                boost::beast::http::request<boost::beast::http::string_body> upgrade,
                rooms::Actor actor);

    /// Delivers committed events (in commit order) to current subscribers. Each event is
    /// serialized once.
    void publish(const std::vector<store::StoredEvent>& events);

    /// Ends every subscription of `user_id` to `topic` (a ban): each such session gets an `error`
    /// frame with `refusal` and the topic, then nothing more of the topic; the listener is told.
    /// Returns how many subscriptions ended. The connections stay open.
    std::size_t end_subscriptions(const std::string& user_id, const std::string& topic,
                                  const rooms::Error& refusal);

    /// Optional observer (nullptr to clear); must outlive the hub or be cleared first.
    void set_listener(SubscriptionListener* listener) noexcept;

    /// Closes every session (code 1001 going away); used at shutdown.
    void close_all();

    /// Sessions accepted and not yet closed (a session in its closing handshake may still hold
    /// its socket for up to the close grace).
    [[nodiscard]] std::size_t connection_count() const noexcept;
    [[nodiscard]] std::size_t subscriber_count(const std::string& topic) const;
    /// Sessions dropped for falling behind, since start (for /metrics).
    [[nodiscard]] std::uint64_t slow_consumer_drops() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// The `event` frame for `e`, exactly as sent: {"type":"event","topic","seq","event","at","data"}.
[[nodiscard]] std::string render_event_frame(const store::StoredEvent& e);

}  // namespace cohost::server::realtime
