#pragma once
/// \file Outgoing webhooks (product.md §5, docs/webhooks.md): every product event in the outbox
/// (the store's `events` table, in global `id` order) is POSTed to every `webhooks.urls` entry,
/// one event per request, signed exactly like a LiveKit webhook so `WebhookReceiver` from any
/// LiveKit server SDK verifies it.
///
/// Delivery is at least once and strictly ordered per URL: each URL has one worker (a coroutine
/// on the control io_context) with at most one request in flight. A failed request (timeout,
/// connection error, non-2xx) is retried — the same event, same body — with exponential backoff
/// and jitter (`webhooks.retry_initial` doubling up to `webhooks.retry_max`) until the event is
/// older than `webhooks.max_backlog_age`; then it is skipped and counted as dropped. The worker's
/// cursor (last outbox id handled) is kept in the store's settings (`webhooks.cursor.<url>`), so a
/// restart resumes where it stopped; a URL seen for the first time starts after the newest event
/// (adding a URL does not replay history).
///
/// Each logical event is delivered once although invitation events are stored once per recipient
/// topic: see `is_delivered_row`.
///
/// Threading: the control thread only, like the store. Nothing blocks: the HTTP client is async
/// Beast; store reads are the same short SQLite calls the request handlers make.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cohost/core/clock.hpp"
#include "cohost/server/app/metrics.hpp"
#include "cohost/server/store/store.hpp"

namespace cohost::server::outbox {

struct WebhookSenderOptions {
    std::vector<std::string> urls;            ///< http:// URLs (config-validated)
    std::chrono::milliseconds timeout{5000};  ///< one request: connect + send + answer
    std::chrono::milliseconds retry_initial{1000};
    std::chrono::milliseconds retry_max{60000};
    std::chrono::milliseconds max_backlog_age{24LL * 3600 * 1000};
    std::string api_key;     ///< the JWT's `iss`
    std::string api_secret;  ///< HS256 key; never logged
    /// How often an idle worker re-reads the outbox without being notified (events committed by
    /// another process); notify() wakes it at once.
    std::chrono::milliseconds poll_interval{5000};
    int batch = 200;  ///< outbox rows read per store query
};

/// An `http://` URL split for the client. `redacted` (scheme, host, port, path; no query) is what
/// logs and metrics may show: a query string may carry the receiver's token.
struct HttpUrl {
    std::string host;  ///< without IPv6 brackets
    std::uint16_t port = 80;
    std::string host_header;  ///< the authority as written (`Host:` header)
    std::string target;       ///< path and query, `/` when empty
    std::string redacted;
};

/// Parses `http://HOST[:PORT][/PATH][?QUERY]`; nullopt for anything else (https, credentials,
/// a fragment, a bad port). Pure.
[[nodiscard]] std::optional<HttpUrl> parse_http_url(std::string_view url);

/// Whether an outbox row is delivered, or is another recipient's copy of a delivered one.
/// The rule (pure, per row, so restarts and partial pruning cannot change the answer):
///  - `room:` rows are delivered;
///  - an `invitation.*` row on a `user:` topic is delivered only from the invitee's topic
///    (`user:` + data.inviteeUserId); the host's copy of the same commit is skipped. Every
///    invitation event is written to the invitee's topic (rooms/domain_support.cpp), so each one
///    is delivered exactly once. A row whose data cannot be read is delivered (a duplicate is
///    better than a loss for an at-least-once consumer);
///  - any other row is delivered.
[[nodiscard]] bool is_delivered_row(const store::StoredEvent& e);

/// The request body for `e`, a valid LiveKit `WebhookEvent` (unknown fields are ignored by
/// `WebhookReceiver`): `{"id":"EV_<id>","event":type,"createdAt":"<unix s>","roomId","topic",
/// "seq","at":ISO 8601 as in realtime frames,"data":{...}}`, plus `"numDropped":n` when events
/// were dropped on this URL since the last delivery.
[[nodiscard]] std::string render_webhook_body(const store::StoredEvent& e,
                                              std::int64_t num_dropped);

/// The delay before retry number `failures` (1 = first retry): `initial * 2^(failures-1)` capped
/// at `max`, then "equal jitter": half of it plus `jitter01` (in [0, 1]) times the other half.
[[nodiscard]] std::chrono::milliseconds retry_delay(int failures, std::chrono::milliseconds initial,
                                                    std::chrono::milliseconds max, double jitter01);

class WebhookSender {
public:
    /// `store`, `clock` and `metrics` (may be nullptr) must outlive the sender. Throws
    /// std::invalid_argument for a URL `parse_http_url` refuses. Does nothing until start().
    WebhookSender(boost::asio::io_context& ioc, store::Store& store, const core::Clock& clock,
                  app::Metrics* metrics, WebhookSenderOptions opts);
    /// Stops (see stop()) and unregisters its gauge.
    ~WebhookSender();
    WebhookSender(const WebhookSender&) = delete;
    WebhookSender& operator=(const WebhookSender&) = delete;

    /// Loads each URL's cursor (or sets it to the newest event for a new URL) and starts one
    /// worker per URL, which first drains what is already in the outbox. Throws StoreError.
    void start();
    /// Cancels timers and in-flight requests; workers finish on their next resumption (the
    /// io_context must run for that, or be destroyed). Undelivered events stay in the outbox.
    /// Final: a stopped sender does not start again (make a new one on the same store).
    void stop();
    /// `events` were committed and are durable (the RoomService publisher chain, in commit
    /// order): wakes idle workers. Workers read only up to the highest id seen here (or the
    /// newest at start()), so a row of a group-commit batch that may still roll back is never
    /// sent. Cheap; called after every commit.
    void notify(const std::vector<store::StoredEvent>& events);

    /// What pruning must keep: rows after the lowest cursor, unless past max_backlog_age. With
    /// no URL, holds nothing.
    [[nodiscard]] store::OutboxHold outbox_hold() const;
    /// Outbox rows after the lowest cursor (0 with no URL): the `cohost_webhooks_backlog` gauge.
    [[nodiscard]] std::int64_t backlog() const;
    /// The last outbox id handled (delivered, skipped or dropped) for `urls[index]`; for tests.
    [[nodiscard]] std::int64_t cursor(std::size_t index) const;

    /// The settings key of a URL's cursor.
    [[nodiscard]] static std::string cursor_key(const std::string& url);

private:
    struct Target;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cohost::server::outbox
