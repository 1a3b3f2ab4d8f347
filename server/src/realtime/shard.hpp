#pragma once
// A fan-out shard: the WebSocket sessions of one I/O thread (realtime.threads, docs/threading.md).
//
// The hub's protocol state (topic index, subscriber watermarks, listener calls, store reads) stays
// on the control thread; a shard owns only the sessions' transport: the handshake, reads, the
// bounded write queues, keep-alive and the slow-consumer bound. Control and shard talk by
// posting value messages:
//
//   shard → control  a parsed client frame (or the reason it was refused), in arrival order;
//                    `closed` once per session, after its last request.
//   control → shard  start a session; send frames to one session; deliver an event frame to a
//                    list of sessions; release a session; close all; shut down.
//
// Lifetime: the control side holds a strong reference to every session it registered until it
// has processed that session's `closed`; it then hands the reference back with `release()`.
// Everything control posts to a shard runs in posting order (one io_context, one thread), so a
// raw `WsSession*` in a delivery or send posted before the release is still alive when it runs.
//
// Inline shard (realtime.threads = 0, the unit tests): the shard runs on the control io_context
// and messages in both directions are dispatched (run at once when already on that thread), which
// is exactly the single-threaded hub; only `release()` is always deferred.
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_set>
#include <variant>
#include <vector>

#include "frames.hpp"
#include "ws_session.hpp"

namespace cohost::server::realtime::detail {

/// What a shard reports to the control side. Called on the control thread.
class ControlSink {
public:
    using Request = std::variant<ClientFrame, FrameError>;
    /// A client frame of `s`, parsed (or refused) on the shard. Frames arrive in order.
    virtual void on_client_frame(WsSession& s, Request request) = 0;
    /// `s` left the open (or accepting) state: nothing more will come from it. Exactly once.
    virtual void on_session_closed(WsSession& s) = 0;

protected:
    ~ControlSink() = default;
};

/// One event frame for a set of sessions of one shard.
struct Delivery {
    Frame frame;
    std::vector<WsSession*> sessions;
};

struct ShardOptions {
    std::size_t queue_limit = 1024;  ///< live frames queued per session before it is dropped
    KeepAlive keep_alive;
    std::chrono::steady_clock::duration tick_period{std::chrono::seconds(1)};
    std::chrono::steady_clock::duration handshake_timeout{std::chrono::seconds(10)};
    /// Paced delivery (`realtime.write_interval`; 0 = off): event frames are queued and the
    /// shard's sessions are flushed together at most once per interval, so under a high event
    /// rate each socket gets one gathered write per interval instead of one per event. After a
    /// quiet interval the next event is written at once (no added delay at low rates). Replies
    /// and replays (`send`) are never paced.
    std::chrono::steady_clock::duration write_interval{};
};

class Shard final : public SessionHost {
public:
    /// `own_thread`: run on a new thread with its own io_context; else inline on `control`.
    /// `sink` and `control` must outlive the shard. Construct on the control thread.
    Shard(boost::asio::io_context& control, ControlSink& sink, ShardOptions opts, bool own_thread);
    ~Shard();
    Shard(const Shard&) = delete;
    Shard& operator=(const Shard&) = delete;

    /// The io_context a session of this shard must be created on.
    [[nodiscard]] boost::asio::io_context& io() noexcept { return own_ ? *own_ : control_; }
    [[nodiscard]] bool inline_shard() const noexcept { return !own_; }

    // ---- called on the control thread ---------------------------------------------------
    /// Answers the upgrade and runs `s` (created on `io()`, host = this shard).
    void start(std::shared_ptr<WsSession> s, WsSession::Request upgrade);
    /// Queues `frames` on `s` in order. A `reply` answers the request `s` is holding its reads
    /// for (each forwarded client frame gets exactly one) and lets it read the next; `backlog`
    /// marks the frames as requested history (a replay).
    void send(WsSession* s, std::vector<Frame> frames, bool backlog, bool reply = true);
    /// Queues each delivery's frame on its sessions, in order; a session over the queue bound is
    /// closed as a slow consumer instead.
    void deliver(std::vector<Delivery> batch);
    /// Drops the control side's reference to a closed session (always deferred).
    void release(std::shared_ptr<WsSession> s);
    /// Starts the closing handshake of every session (going away).
    void close_all();
    /// Kills every session, detaches them, and stops and joins the thread. Idempotent.
    void shutdown();

    // ---- any thread ----------------------------------------------------------------------
    [[nodiscard]] std::uint64_t slow_drops() const noexcept { return slow_drops_.load(); }
    [[nodiscard]] std::size_t session_count() const noexcept { return live_.load(); }

private:
    // ---- SessionHost (shard thread) -----------------------------------------------------
    void on_session_message(WsSession& s, std::string_view payload, bool binary) override;
    void on_session_closing(WsSession& s) override;
    void on_session_finished(WsSession& s) noexcept override;

    template <class F>
    void to_shard(F&& f);
    template <class F>
    void to_control(F&& f);
    void arm_tick();
    void on_tick(boost::system::error_code ec);
    /// Paced delivery: flushes every session with queued event frames (shard thread).
    void flush_dirty();

    boost::asio::io_context& control_;
    ControlSink& sink_;
    ShardOptions opts_;
    std::unique_ptr<boost::asio::io_context> own_;  ///< null for an inline shard
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::thread thread_;
    boost::asio::steady_timer tick_timer_;  ///< on io()
    bool tick_armed_ = false;
    boost::asio::steady_timer flush_timer_;  ///< on io(): paced delivery's next flush
    bool flush_armed_ = false;
    std::chrono::steady_clock::time_point last_flush_{};
    std::vector<WsSession*> dirty_;  ///< sessions marked for flush (WsSession::mark_for_flush)
    bool stopped_ = false;
    std::unordered_set<WsSession*> sessions_;  ///< shard thread: every started session alive
    std::atomic<std::size_t> live_{0};
    std::atomic<std::uint64_t> slow_drops_{0};
    /// Expires with the shard: messages still queued on an io_context afterwards do nothing.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cohost::server::realtime::detail
