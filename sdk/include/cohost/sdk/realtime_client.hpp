#pragma once
/// \file Blocking client of the realtime WebSocket (`GET /v1/realtime?token=...`, product.md §5,
/// §10).
///
/// Frames are JSON objects. The client sends `subscribe` / `unsubscribe` / `ping`; the server
/// answers `subscribed`, `event`, `error`, `resync_required` and `pong`. Incoming frames are read
/// continuously in the background of every blocking call and queued in arrival order;
/// `next_frame()` hands them out one at a time.
///
/// Threading: not thread-safe; one thread drives a client. All work (reads, writes, the
/// WebSocket's own ping/pong/close control frames) happens on the calling thread inside these
/// calls; between calls nothing runs, which is fine because the server only expects answers to
/// its pings within tens of seconds.
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cohost/sdk/http_client.hpp"

namespace cohost::sdk {

/// The WebSocket upgrade was refused with an HTTP status (e.g. 401 for a bad token).
struct HandshakeError : TransportError {
    int status = 0;
    HandshakeError(int status_, const std::string& what)
        : TransportError(what), status(status_) {}
};

class RealtimeClient {
public:
    /// `base_url` like `http://127.0.0.1:7880` (`ws://` also accepted). Does not connect yet.
    RealtimeClient(std::string_view base_url, std::string token, ClientOptions opts = {});
    ~RealtimeClient();
    RealtimeClient(const RealtimeClient&) = delete;
    RealtimeClient& operator=(const RealtimeClient&) = delete;

    /// Opens the WebSocket (a client that was closed can connect again; frames still queued
    /// from the previous connection are kept). Throws HandshakeError when the server refuses the
    /// upgrade, TransportError on any other failure or after the timeout.
    void connect();
    /// true while the socket is open (false after `close()` or when the server closed it).
    [[nodiscard]] bool is_open() const noexcept;

    /// `{"type":"subscribe","topic":..., "since"?: N}`. Throws TransportError when not open.
    void subscribe(std::string_view topic, std::optional<std::int64_t> since = std::nullopt);
    /// `{"type":"unsubscribe","topic":...}`.
    void unsubscribe(std::string_view topic);
    /// `{"type":"ping"}` (the application-level ping; the answer is a `pong` frame).
    void ping();
    /// Sends `text` as one text frame, unchanged (malformed-frame tests).
    void send_text(std::string_view text);

    /// The next frame, waiting up to `timeout`; nullopt on timeout or when the connection is
    /// closed and nothing is queued. A frame that is not a JSON object is returned as
    /// `{"type":"_unparsed","text":...}`.
    [[nodiscard]] std::optional<boost::json::object> next_frame(std::chrono::milliseconds timeout);
    /// Frames already received and not yet handed out (does not wait, does not read).
    [[nodiscard]] std::size_t queued() const noexcept;

    /// Sends a close frame and waits (bounded) for the server's; then drops the socket.
    /// Idempotent; the destructor calls it.
    void close() noexcept;
    /// Drops the TCP connection without a close handshake (simulates a network loss).
    void drop() noexcept;

    /// Why the connection ended, if it did (e.g. "closed by server: 1008 slow_consumer").
    [[nodiscard]] std::string close_reason() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cohost::sdk
