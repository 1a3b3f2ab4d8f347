#pragma once
// The TCP stream under a realtime session's Beast websocket::stream, with a second writer.
//
// Events are written by WsSession itself as pre-framed bytes, several frames per gathered write
// (`async_write_raw`), instead of one Beast `async_write` (one `sendmsg`, one TCP segment) per
// frame: the kernel's per-send cost was ~¾ of the fan-out CPU (bench/RESULTS.md, issue 7).
// Beast keeps writing what it owns: the 101 answer, pings, pongs and close frames. The two
// writers must never interleave bytes on the socket, so this layer serializes them:
//
// - a Beast write (Beast calls `async_write_some` repeatedly for one frame, re-issuing from the
//   completion of a partial write) is started at once unless a raw write is in flight; then it
//   waits, and starts as soon as the raw write completes, before the next raw write;
// - a raw write starts at once unless a Beast write_some is in flight; then it starts after
//   that write_some completes and Beast did not continue its frame. Since `net::async_write`
//   re-issues a partial write synchronously from its completion, "no Beast write_some in flight
//   after Beast's handler returned" means Beast's frame is whole.
//
// Every operation handed to this layer completes (errors included), so the session's lifetime
// rule (kept alive by its pending operations) holds. One thread: the session's executor.
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace cohost::server::realtime::detail {

class GatedStream {
public:
    using executor_type = boost::beast::tcp_stream::executor_type;
    using next_layer_type = boost::beast::tcp_stream;
    /// Completion of a raw write: error and bytes written.
    using RawHandler = std::function<void(boost::beast::error_code, std::size_t)>;

    explicit GatedStream(boost::beast::tcp_stream&& s) : s_(std::move(s)) {}
    GatedStream(GatedStream&&) = delete;  // operations in flight hold `this`

    [[nodiscard]] executor_type get_executor() noexcept { return s_.get_executor(); }
    [[nodiscard]] next_layer_type& next_layer() noexcept { return s_; }
    [[nodiscard]] const next_layer_type& next_layer() const noexcept { return s_; }

    template <class MutableBuffers, class Handler>
    void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
        s_.async_read_some(buffers, std::forward<Handler>(handler));
    }

    /// Beast's writes (handshake answer and control frames).
    template <class ConstBuffers, class Handler>
    void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
        auto op = std::make_unique<BeastWrite<ConstBuffers, std::decay_t<Handler>>>(
            buffers, std::forward<Handler>(handler));
        if (raw_in_flight_) {
            waiting_beast_ = std::move(op);  // Beast has at most one write_some outstanding
            return;
        }
        start_beast(std::move(op));
    }

    /// Writes all of `buffers` (which must stay valid until `done` runs), never interleaved
    /// with Beast's frames. At most one raw write at a time (the caller's rule).
    void async_write_raw(std::vector<boost::asio::const_buffer> buffers, RawHandler done) {
        raw_buffers_ = std::move(buffers);
        raw_done_ = std::move(done);
        if (beast_in_flight_) {
            raw_waiting_ = true;  // started when Beast's frame is whole
            return;
        }
        start_raw();
    }

    /// Withdraws a raw write still waiting for Beast's frame (none of it reached the socket):
    /// its handler runs later with `operation_aborted`. The session calls it when it stops being
    /// open, so no event frame can follow the close frame Beast is about to write. A raw write
    /// already on the socket is not affected (it finishes before Beast's next frame).
    void cancel_waiting_raw() {
        if (!raw_waiting_) return;
        raw_waiting_ = false;
        raw_buffers_.clear();
        RawHandler done = std::move(raw_done_);
        raw_done_ = nullptr;
        boost::asio::post(s_.get_executor(), [done = std::move(done)] {
            done(boost::asio::error::operation_aborted, 0);
        });
    }

private:
    struct PendingWrite {
        virtual ~PendingWrite() = default;
        virtual void start(GatedStream& g) = 0;
    };
    template <class ConstBuffers, class Handler>
    struct BeastWrite final : PendingWrite {
        template <class H>
        BeastWrite(const ConstBuffers& b, H&& h) : buffers(b), handler(std::forward<H>(h)) {}
        void start(GatedStream& g) override {
            g.s_.async_write_some(buffers, [&g, h = std::move(handler)](boost::beast::error_code ec,
                                                                        std::size_t n) mutable {
                g.beast_in_flight_ = false;
                // A waiting raw write keeps the session (and `g`) alive through its handler;
                // without one, `g` may be gone once Beast's handler returns: do not touch it.
                const bool raw_waits = g.raw_waiting_;
                h(ec, n);  // may issue Beast's next write_some (the rest of its frame)
                if (raw_waits && !g.beast_in_flight_) {
                    g.raw_waiting_ = false;
                    g.start_raw();
                }
            });
        }
        ConstBuffers buffers;
        Handler handler;
    };

    void start_beast(std::unique_ptr<PendingWrite> op) {
        beast_in_flight_ = true;
        op->start(*this);  // the op's state now lives in the socket's handler
    }

    void start_raw() {
        raw_in_flight_ = true;
        // The completion owns `done` (and so the session it keeps alive), not this object.
        RawHandler done = std::move(raw_done_);
        raw_done_ = nullptr;
        boost::asio::async_write(
            s_, raw_buffers_,
            [this, done = std::move(done)](boost::beast::error_code ec, std::size_t n) {
                raw_in_flight_ = false;
                raw_buffers_.clear();
                // Beast's waiting frame (a pong, a ping, the close) goes before the next batch.
                if (waiting_beast_) start_beast(std::move(waiting_beast_));
                done(ec, n);
            });
    }

    boost::beast::tcp_stream s_;
    bool beast_in_flight_ = false;  ///< a Beast write_some is on the socket
    bool raw_in_flight_ = false;    ///< a raw write is on the socket
    bool raw_waiting_ = false;      ///< a raw write waits for Beast's frame to finish
    std::unique_ptr<PendingWrite> waiting_beast_;
    std::vector<boost::asio::const_buffer> raw_buffers_;
    RawHandler raw_done_;
};

// Beast's websocket teardown customization points, forwarded to the TCP stream.
inline void teardown(boost::beast::role_type role, GatedStream& s, boost::beast::error_code& ec) {
    using boost::beast::teardown;
    teardown(role, s.next_layer(), ec);
}

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, GatedStream& s, TeardownHandler&& handler) {
    using boost::beast::async_teardown;
    async_teardown(role, s.next_layer(), std::forward<TeardownHandler>(handler));
}

}  // namespace cohost::server::realtime::detail
