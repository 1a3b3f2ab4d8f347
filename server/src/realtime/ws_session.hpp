#pragma once
// One realtime WebSocket connection: the transport half of the hub. It performs the handshake,
// keeps one read pending, writes a bounded queue of shared frames, answers keep-alive ticks, and
// closes. Protocol decisions (what a frame means, who gets which event) belong to the host.
//
// Lifetime (the Beast session shape): a WsSession is a shared_ptr kept alive only by its pending
// asynchronous operations (handshake, read, write, ping, close). It is destroyed when the last one
// completes, and its destructor reports `on_session_finished`, so the host's raw pointer to it is
// valid for exactly as long as the host has it registered. `detach()` cuts the link when the
// host goes first (hub destruction).
//
// Writes: every queued event goes out as pre-framed bytes (header + the shared payload; server
// frames are unmasked and uncompressed, so identical for every subscriber), and all frames queued
// while a write is on the socket leave together in the next gathered write (gated_stream.hpp
// keeps Beast's own control frames from interleaving with them).
//
// Threading: the thread of the session's executor only (a fan-out shard, or the control thread
// with `realtime.threads: 0`). Completion handlers are never invoked from inside an initiating
// call, so no method here re-enters the host except where documented.
#include <algorithm>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "cohost/server/rooms/domain.hpp"
#include "frames.hpp"
#include "gated_stream.hpp"

namespace cohost::server::realtime::detail {

class WsSession;
struct TopicSlot;

/// The hub side of a session. Called on the control thread.
class SessionHost {
public:
    /// A complete message arrived while the session is open. `binary` for binary frames.
    virtual void on_session_message(WsSession& s, std::string_view payload, bool binary) = 0;
    /// The session left the accepting or open state (closing, failed, or closed by the peer):
    /// drop its subscriptions. Called exactly once per session, from a completion handler,
    /// `close()`, `kill()` or `on_tick()`, and never after `detach()`.
    virtual void on_session_closing(WsSession& s) = 0;
    /// The session is being destroyed (all of its operations have completed).
    virtual void on_session_finished(WsSession& s) noexcept = 0;

protected:
    ~SessionHost() = default;
};

/// Keep-alive and shutdown timings applied by `on_tick`. A zero duration disables that check.
struct KeepAlive {
    std::chrono::steady_clock::duration ping_interval{};
    std::chrono::steady_clock::duration idle_timeout{};
    std::chrono::steady_clock::duration close_grace{};  ///< closing → socket closed
    std::chrono::steady_clock::duration handshake_timeout{};
};

class WsSession : public std::enable_shared_from_this<WsSession> {
public:
    using Clock = std::chrono::steady_clock;
    using Request = boost::beast::http::request<boost::beast::http::string_body>;
    enum class State : std::uint8_t { Accepting, Open, Closing };

    /// `queue_limit`: while this many frames are queued the session stops reading requests
    /// (backpressure on a client that sends without reading the answers).
    WsSession(SessionHost& host, boost::beast::tcp_stream&& stream, rooms::Actor actor,
              std::size_t max_frame_bytes, std::size_t queue_limit);
    ~WsSession();
    WsSession(const WsSession&) = delete;
    WsSession& operator=(const WsSession&) = delete;

    /// Answers the upgrade (101) and starts reading. Call once, right after make_shared.
    void start(Request&& upgrade, Clock::duration handshake_timeout);

    /// Queues a frame (no-op unless open) and starts writing if idle. The queue bound is the
    /// caller's check (`queued()`).
    void send(Frame frame);
    /// Queues a frame (no-op unless open) without starting a write: the host calls `flush()`
    /// later (paced delivery, `realtime.write_interval`). Returns whether the session is open.
    bool enqueue(Frame frame);
    /// Starts writing what is queued unless a write is on the socket already (its completion
    /// writes the rest); clears the flush mark.
    void flush();
    /// Marks the session as waiting for the host's next `flush()`; false if it already was.
    bool mark_for_flush() noexcept { return !std::exchange(flush_marked_, true); }
    [[nodiscard]] bool marked_for_flush() const noexcept { return flush_marked_; }
    /// Frames queued, including the one being written.
    [[nodiscard]] std::size_t queued() const noexcept { return queue_.size(); }
    /// Frames queued after the last `mark_backlog()`: what the slow-consumer bound applies to.
    [[nodiscard]] std::size_t live_queued() const noexcept {
        return static_cast<std::size_t>(pushed_ - std::max(popped_, backlog_mark_));
    }
    /// Everything queued so far (a subscribe's replay) is backlog the client asked for: it does
    /// not count against the slow-consumer bound of later live events.
    void mark_backlog() noexcept { backlog_mark_ = pushed_; }

    /// The host is answering the last request elsewhere (another thread): do not read the next
    /// one until `release_reads()`, so requests are answered one at a time and the queue bound
    /// still holds back a client that sends without reading.
    void hold_reads() noexcept { held_ = true; }
    /// The answer to the held request is queued: reading resumes unless the queue is full.
    void release_reads();

    /// Starts the closing handshake with `code` and `reason` (no-op unless open; a session still
    /// in its handshake is closed at the socket). Calls `on_session_closing` before returning.
    void close(boost::beast::websocket::close_code code, std::string_view reason);
    /// Closes the socket now; pending operations complete with errors.
    void kill() noexcept;

    /// Keep-alive sweep, called by the host every tick: pings, idle drop, and the deadline for
    /// handshakes and closing handshakes that do not finish (a peer that stopped reading).
    void on_tick(Clock::time_point now, const KeepAlive& ka);

    /// The host is going away: no further upward calls.
    void detach() noexcept { host_ = nullptr; }

    [[nodiscard]] State state() const noexcept { return state_; }
    [[nodiscard]] bool is_open() const noexcept { return state_ == State::Open; }
    [[nodiscard]] const rooms::Actor& actor() const noexcept { return actor_; }
    /// The topics this session is subscribed to (maintained by TopicIndex).
    [[nodiscard]] std::vector<TopicSlot*>& subscriptions() noexcept { return subscriptions_; }

private:
    void on_accept(boost::beast::error_code ec);
    void do_read();
    void on_read(boost::beast::error_code ec, std::size_t bytes);
    void write_next();
    void on_write(boost::beast::error_code ec, std::size_t bytes);
    void on_ping(boost::beast::error_code ec);
    void on_close(boost::beast::error_code ec);
    void leave_open();

    /// Most frames one gathered write carries (2 iovecs each; IOV_MAX is 1,024).
    static constexpr std::size_t kMaxBatchFrames = 64;
    /// Most payload bytes one gathered write carries (a single larger frame still goes alone).
    static constexpr std::size_t kMaxBatchBytes = 256 * 1024;

    SessionHost* host_;
    /// No permessage-deflate (deflateSupported = false): server frames are never compressed,
    /// so their bytes are header + the shared payload, written by `write_next` directly.
    boost::beast::websocket::stream<GatedStream, /*deflateSupported=*/false> ws_;
    boost::beast::flat_buffer buffer_;  ///< max size = max_frame_bytes; emptied after each read
    std::unique_ptr<Request> upgrade_;  ///< held only until the handshake completes
    std::deque<Frame> queue_;           ///< the first `in_flight_` are being written
    std::size_t in_flight_ = 0;         ///< frames of the write on the socket
    std::string headers_;               ///< the in-flight frames' headers (2–10 bytes each)
    std::vector<TopicSlot*> subscriptions_;
    rooms::Actor actor_;
    std::size_t queue_limit_;
    std::uint64_t pushed_ = 0;         ///< frames ever queued
    std::uint64_t popped_ = 0;         ///< frames written (or dropped) from the front
    std::uint64_t backlog_mark_ = 0;   ///< `pushed_` at the last mark_backlog()
    Clock::time_point last_received_;  ///< any frame, including pongs
    Clock::time_point last_ping_;
    Clock::time_point state_since_;
    State state_ = State::Accepting;
    bool writing_ = false;
    bool pinging_ = false;
    bool read_paused_ = false;  ///< queue full or held: the next read waits
    bool held_ = false;         ///< see hold_reads()
    bool flush_marked_ = false; ///< see mark_for_flush()
};

}  // namespace cohost::server::realtime::detail
