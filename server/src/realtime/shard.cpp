// Fan-out shard: see shard.hpp for the division of work with the control thread and the
// lifetime rule that makes raw session pointers in posted messages safe.
#include "shard.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <algorithm>
#include <exception>

#include "cohost/core/log.hpp"

namespace cohost::server::realtime::detail {

namespace net = boost::asio;
namespace websocket = boost::beast::websocket;

namespace {

spdlog::logger& shard_log() {
    static const std::shared_ptr<spdlog::logger> log = core::logger("ws");
    return *log;
}

}  // namespace

Shard::Shard(net::io_context& control, ControlSink& sink, ShardOptions opts, bool own_thread)
    : control_(control),
      sink_(sink),
      opts_(opts),
      own_(own_thread ? std::make_unique<net::io_context>(1) : nullptr),
      tick_timer_(own_ ? *own_ : control),
      flush_timer_(own_ ? *own_ : control) {
    if (own_) {
        work_.emplace(own_->get_executor());
        thread_ = std::thread([io = own_.get()] {
            for (;;) {
                try {
                    io->run();
                    return;
                } catch (const std::exception& ex) {
                    // A handler threw: the shard keeps serving its other sessions.
                    shard_log().error("realtime shard handler failed: {}", ex.what());
                }
            }
        });
    }
}

Shard::~Shard() { shutdown(); }

template <class F>
void Shard::to_shard(F&& f) {
    // Inline: run now when already on the control thread (the single-threaded hub's order).
    net::dispatch(io(), [token = std::weak_ptr<bool>(alive_), f = std::forward<F>(f)]() mutable {
        if (!token.expired()) {
            f();
        }
    });
}

template <class F>
void Shard::to_control(F&& f) {
    net::dispatch(control_, [token = std::weak_ptr<bool>(alive_), f = std::forward<F>(f)]() mutable {
        if (!token.expired()) {
            f();
        }
    });
}

// ---- control thread -----------------------------------------------------------------------

void Shard::start(std::shared_ptr<WsSession> s, WsSession::Request upgrade) {
    ++live_;
    to_shard([this, s = std::move(s), up = std::move(upgrade)]() mutable {
        if (stopped_) {
            s->detach();
            s->kill();
            return;
        }
        sessions_.insert(s.get());
        s->start(std::move(up), opts_.handshake_timeout);
        arm_tick();
    });
}

void Shard::send(WsSession* s, std::vector<Frame> frames, bool backlog, bool reply) {
    to_shard([s, frames = std::move(frames), backlog, reply]() mutable {
        for (Frame& f : frames) {
            s->send(std::move(f));
        }
        if (backlog) {
            s->mark_backlog();
        }
        if (reply) {
            s->release_reads();
        }
    });
}

void Shard::deliver(std::vector<Delivery> batch) {
    to_shard([this, batch = std::move(batch)] {
        for (const Delivery& d : batch) {
            for (WsSession* s : d.sessions) {
                if (!s->is_open()) {
                    continue;  // closing: its `closed` is on the way to the control thread
                }
                if (s->live_queued() >= opts_.queue_limit) {
                    ++slow_drops_;
                    shard_log().info("ws slow consumer dropped user={} queued={} limit={}",
                                     s->actor().user_id, s->live_queued(), opts_.queue_limit);
                    s->close(websocket::close_code::policy_error, "slow_consumer");
                    continue;
                }
                if (opts_.write_interval.count() <= 0) {
                    s->send(d.frame);
                } else if (s->enqueue(d.frame) && s->mark_for_flush()) {
                    dirty_.push_back(s);
                }
            }
        }
        if (dirty_.empty() || flush_armed_) {
            return;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now - last_flush_ >= opts_.write_interval) {
            flush_dirty();  // quiet until now: no added delay
            return;
        }
        flush_armed_ = true;
        flush_timer_.expires_at(last_flush_ + opts_.write_interval);
        flush_timer_.async_wait(
            [this, token = std::weak_ptr<bool>(alive_)](boost::system::error_code ec) {
                if (token.expired()) {
                    return;
                }
                flush_armed_ = false;
                if (!ec) {
                    flush_dirty();
                }
            });
    });
}

void Shard::flush_dirty() {
    last_flush_ = std::chrono::steady_clock::now();
    std::vector<WsSession*> batch;
    batch.swap(dirty_);
    for (WsSession* s : batch) {
        // Sessions are destroyed only from completion handlers, never inside this loop, and a
        // finished one has left dirty_ (on_session_finished).
        s->flush();
    }
}

void Shard::release(std::shared_ptr<WsSession> s) {
    // Deferred even inline: the caller may be inside one of the session's own handlers.
    net::post(io(), [s = std::move(s)]() mutable { s.reset(); });
}

void Shard::close_all() {
    to_shard([this] {
        const std::vector<WsSession*> all(sessions_.begin(), sessions_.end());
        for (WsSession* s : all) {
            s->close(websocket::close_code::going_away, "server shutting down");
        }
    });
}

void Shard::shutdown() {
    if (stopped_ && !thread_.joinable()) {
        return;
    }
    auto stop = [this] {
        stopped_ = true;
        try {
            tick_timer_.cancel();
            flush_timer_.cancel();
        } catch (const std::exception&) {
            // Cannot fail on a valid timer.
        }
        dirty_.clear();
        const std::vector<WsSession*> all(sessions_.begin(), sessions_.end());
        for (WsSession* s : all) {
            s->detach();  // no upward calls from here on; they finish on their own
            s->kill();
        }
        sessions_.clear();
    };
    if (!own_) {
        stop();
        alive_.reset();
        return;
    }
    net::post(*own_, stop);
    work_.reset();
    if (thread_.joinable()) {
        thread_.join();  // returns once the killed sessions' operations have completed
    }
    alive_.reset();
}

// ---- shard thread -------------------------------------------------------------------------

void Shard::on_session_message(WsSession& s, std::string_view payload, bool binary) {
    ControlSink::Request request;
    if (binary) {
        request = FrameError{rooms::Errc::InvalidArgument, "binary frames are not supported", {}};
    } else if (auto parsed = parse_client_frame(payload)) {
        request = std::move(*parsed);
    } else {
        request = parsed.error();
    }
    s.hold_reads();  // until control's answer is queued (Shard::send)
    to_control([this, ps = &s, r = std::move(request)]() mutable {
        sink_.on_client_frame(*ps, std::move(r));
    });
}

void Shard::on_session_closing(WsSession& s) {
    to_control([this, ps = &s] { sink_.on_session_closed(*ps); });
}

void Shard::on_session_finished(WsSession& s) noexcept {
    sessions_.erase(&s);
    if (s.marked_for_flush()) {
        dirty_.erase(std::remove(dirty_.begin(), dirty_.end(), &s), dirty_.end());
    }
    --live_;
    if (sessions_.empty() && tick_armed_) {
        try {
            tick_timer_.cancel();  // an inline shard lets the control io_context run out of work
        } catch (const std::exception&) {
            // Cannot fail on a valid timer.
        }
    }
}

void Shard::arm_tick() {
    if (tick_armed_ || sessions_.empty() || stopped_) {
        return;
    }
    tick_armed_ = true;
    tick_timer_.expires_after(opts_.tick_period);
    tick_timer_.async_wait([this, token = std::weak_ptr<bool>(alive_)](boost::system::error_code ec) {
        if (!token.expired()) {
            on_tick(ec);
        }
    });
}

void Shard::on_tick(boost::system::error_code ec) {
    tick_armed_ = false;
    if (ec == net::error::operation_aborted) {
        arm_tick();  // cancelled because the shard emptied; re-arms only if it refilled
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    const std::vector<WsSession*> all(sessions_.begin(), sessions_.end());
    for (WsSession* s : all) {
        // Sessions are destroyed only from completion handlers, never inside this loop.
        s->on_tick(now, opts_.keep_alive);
    }
    arm_tick();
}

}  // namespace cohost::server::realtime::detail
