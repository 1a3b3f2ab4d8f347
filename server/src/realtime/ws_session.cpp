// Callbacks rather than coroutines: an idle subscriber is then only its objects (stream, empty
// queue) plus one pending read, with no coroutine frame per connection (the hub targets
// < 20 KiB per idle subscriber at 10,000 subscribers).
#include "ws_session.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/field.hpp>
#include <exception>

#include "cohost/core/log.hpp"

namespace cohost::server::realtime::detail {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;

namespace {

spdlog::logger& ws_log() {
    static const std::shared_ptr<spdlog::logger> log = core::logger("ws");
    return *log;
}

bool is_quiet_end(const beast::error_code& ec) {
    // Not errors: the peer closed cleanly, or we cancelled / closed the socket ourselves.
    return ec == websocket::error::closed || ec == net::error::operation_aborted ||
           ec == beast::error::timeout || ec == net::error::eof ||
           ec == net::error::connection_reset || ec == net::error::bad_descriptor;
}

const std::string& who(const rooms::Actor& a) {
    static const std::string kBackend = "<backend>";
    return a.admin && a.user_id.empty() ? kBackend : a.user_id;
}

}  // namespace

WsSession::WsSession(SessionHost& host, beast::tcp_stream&& stream, rooms::Actor actor,
                     std::size_t max_frame_bytes, std::size_t queue_limit)
    : host_(&host),
      ws_(std::move(stream)),
      buffer_(max_frame_bytes),
      actor_(std::move(actor)),
      queue_limit_(queue_limit) {}

WsSession::~WsSession() {
    // Normally the session left the open state long before (its read failed); this covers an
    // io_context destroyed with the session's operations still pending.
    leave_open();
    if (host_ != nullptr) {
        host_->on_session_finished(*this);
    }
}

void WsSession::start(Request&& upgrade, Clock::duration handshake_timeout) {
    state_since_ = last_received_ = last_ping_ = Clock::now();
    upgrade_ = std::make_unique<Request>(std::move(upgrade));

    // The HTTP layer's deadline on the TCP stream must not fire on a long-lived socket; the
    // websocket's own timeout covers the opening and closing handshakes, and keep-alive is the
    // hub's tick (pings every ping_interval, which Beast's idle pings cannot express).
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = handshake_timeout;
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "cohost"); }));
    ws_.read_message_max(buffer_.max_size());  // over it: Beast fails the read and closes 1009
    ws_.auto_fragment(false);                  // one event = one frame
    ws_.text(true);
    ws_.control_callback([this](websocket::frame_type, beast::string_view) {
        last_received_ = Clock::now();  // pings, pongs and close frames all prove liveness
    });

    ws_.async_accept(*upgrade_,
                     beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
}

void WsSession::on_accept(beast::error_code ec) {
    upgrade_.reset();
    if (ec || state_ != State::Accepting) {
        if (ec && !is_quiet_end(ec)) {
            ws_log().debug("ws handshake failed user={} error={}", who(actor_), ec.message());
        }
        kill();
        return;
    }
    state_ = State::Open;
    state_since_ = last_received_ = last_ping_ = Clock::now();
    do_read();
}

void WsSession::do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
}

void WsSession::on_read(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) {
        if (!is_quiet_end(ec)) {
            ws_log().debug("ws read ended user={} error={}", who(actor_), ec.message());
        }
        // Nothing more can arrive; Beast has already answered a close (or failed with 1009).
        leave_open();
        kill();
        return;
    }
    last_received_ = Clock::now();
    if (state_ == State::Open && host_ != nullptr) {
        const auto data = buffer_.cdata();
        host_->on_session_message(
            *this, std::string_view(static_cast<const char*>(data.data()), data.size()),
            ws_.got_binary());
    }
    // Release the message buffer: an idle subscriber should not hold its largest frame.
    buffer_.consume(buffer_.size());
    buffer_.shrink_to_fit();
    // While closing, Beast's close operation reads on its own until the peer's close frame.
    if (state_ != State::Open) {
        return;
    }
    if (held_ || queued() >= queue_limit_) {
        read_paused_ = true;  // resumed by on_write / release_reads: bounds what requests queue
        return;
    }
    do_read();
}

void WsSession::release_reads() {
    held_ = false;
    if (read_paused_ && state_ == State::Open && queued() < queue_limit_) {
        read_paused_ = false;
        do_read();
    }
}

void WsSession::send(Frame frame) {
    if (enqueue(std::move(frame)) && !writing_) {
        write_next();
    }
}

bool WsSession::enqueue(Frame frame) {
    if (state_ != State::Open) {
        return false;
    }
    queue_.push_back(std::move(frame));
    ++pushed_;
    return true;
}

void WsSession::flush() {
    flush_marked_ = false;
    if (state_ == State::Open && !writing_ && !queue_.empty()) {
        write_next();
    }
}

void WsSession::write_next() {
    writing_ = true;
    // Everything queued now (bounded) leaves in one gathered write: one sendmsg, not one each.
    std::size_t n = 0;
    std::size_t bytes = 0;
    while (n < queue_.size() && n < kMaxBatchFrames &&
           (n == 0 || bytes + queue_[n]->size() <= kMaxBatchBytes)) {
        bytes += queue_[n]->size();
        ++n;
    }
    in_flight_ = n;
    headers_.clear();
    headers_.reserve(n * kMaxFrameHeader);  // no reallocation below: the buffers point into it
    for (std::size_t i = 0; i < n; ++i) append_text_frame_header(headers_, queue_[i]->size());
    std::vector<net::const_buffer> buffers;
    buffers.reserve(2 * n);
    std::size_t at = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t len = text_frame_header_size(queue_[i]->size());
        buffers.emplace_back(headers_.data() + at, len);
        at += len;
        buffers.emplace_back(queue_[i]->data(), queue_[i]->size());
    }
    ws_.next_layer().async_write_raw(
        std::move(buffers), [self = shared_from_this()](beast::error_code ec, std::size_t written) {
            self->on_write(ec, written);
        });
}

void WsSession::on_write(beast::error_code ec, std::size_t /*bytes*/) {
    writing_ = false;
    for (; in_flight_ > 0 && !queue_.empty(); --in_flight_) {
        queue_.pop_front();
        ++popped_;
    }
    in_flight_ = 0;
    if (ec == net::error::operation_aborted && state_ != State::Open) {
        return;  // withdrawn at close (cancel_waiting_raw) or cut by kill(): nothing more to do
    }
    if (ec) {
        if (!is_quiet_end(ec)) {
            ws_log().debug("ws write failed user={} error={}", who(actor_), ec.message());
        }
        leave_open();
        kill();
        return;
    }
    if (state_ != State::Open) {
        return;
    }
    if (!queue_.empty()) {
        write_next();
    }
    if (read_paused_ && !held_ && queued() < queue_limit_) {
        read_paused_ = false;
        do_read();
    }
}

void WsSession::close(websocket::close_code code, std::string_view reason) {
    switch (state_) {
        case State::Accepting:
            kill();
            return;
        case State::Closing:
            return;
        case State::Open:
            break;
    }
    leave_open();
    // Waits for an in-flight write; a peer that never reads is cut off by on_tick's grace.
    ws_.async_close(websocket::close_reason(code, reason),
                    beast::bind_front_handler(&WsSession::on_close, shared_from_this()));
}

void WsSession::on_close(beast::error_code ec) {
    if (ec) {
        kill();
    }
}

void WsSession::kill() noexcept {
    leave_open();
    state_ = State::Closing;
    try {
        beast::get_lowest_layer(ws_).close();
    } catch (const std::exception&) {
        // Closing a socket reports nothing we could act on.
    }
}

void WsSession::on_ping(beast::error_code /*ec*/) {
    pinging_ = false;  // a failed ping means a dead socket, which the read reports
}

void WsSession::on_tick(Clock::time_point now, const KeepAlive& ka) {
    switch (state_) {
        case State::Accepting:
            if (now - state_since_ >= ka.handshake_timeout + ka.close_grace) {
                kill();
            }
            return;
        case State::Closing:
            if (now - state_since_ >= ka.close_grace) {
                kill();
            }
            return;
        case State::Open:
            break;
    }
    if (ka.idle_timeout.count() > 0 && now - last_received_ >= ka.idle_timeout) {
        ws_log().info("ws idle timeout, closing user={}", who(actor_));
        close(websocket::close_code::going_away, "idle_timeout");
        return;
    }
    if (ka.ping_interval.count() > 0 && !pinging_ && now - last_ping_ >= ka.ping_interval) {
        pinging_ = true;
        last_ping_ = now;
        ws_.async_ping({}, beast::bind_front_handler(&WsSession::on_ping, shared_from_this()));
    }
}

void WsSession::leave_open() {
    if (state_ == State::Closing) {
        return;
    }
    state_ = State::Closing;
    state_since_ = Clock::now();
    // A batch not yet on the socket never goes out: nothing may follow the close frame.
    ws_.next_layer().cancel_waiting_raw();
    // Drop queued frames now; those being written must live until their write completes.
    while (queue_.size() > (writing_ ? in_flight_ : 0U)) {
        queue_.pop_back();
    }
    if (host_ != nullptr) {
        host_->on_session_closing(*this);
    }
}

}  // namespace cohost::server::realtime::detail
