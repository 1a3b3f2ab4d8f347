#pragma once
// Test helper: a simulated link between two endpoints that speak SCTP packets (two
// SctpAssociations, or two DataChannelTransports), run on one io_context in the test thread.
// Packets cross the link through a post (as a network would), can be dropped by a predicate,
// and usrsctp's timers are driven every 10 ms, from the test thread or from a second thread (the
// path a timer on another media worker takes).
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <span>
#include <thread>
#include <vector>

#include "sctp.hpp"

namespace cohost::media::detail::testing {

class SctpLink {
public:
    /// `timers_on_thread`: drive usrsctp's timers from a separate thread instead of the loop.
    explicit SctpLink(bool timers_on_thread = false) : timer_(ioc_) {
        if (timers_on_thread) {
            ticker_ = std::thread([this] {
                while (!stop_) {
                    SctpAssociation::drive_timers();
                    std::this_thread::sleep_for(std::chrono::milliseconds(10));
                }
            });
        } else {
            arm();
        }
    }
    ~SctpLink() {
        stop_ = true;
        if (ticker_.joinable()) ticker_.join();
    }
    SctpLink(const SctpLink&) = delete;
    SctpLink& operator=(const SctpLink&) = delete;

    boost::asio::io_context& ioc() { return ioc_; }
    /// What the association's owner posts to.
    SctpAssociation::PostFn post() {
        return [this](std::function<void()> f) { boost::asio::post(ioc_, std::move(f)); };
    }
    /// The SendFn of side `from` (0 or 1): delivers to the other side's `deliver` function.
    SctpAssociation::SendFn sender(int from) {
        return [this, from](std::span<const std::byte> packet) {
            ++sent[from];
            if (drop && drop(from, packet)) {
                ++dropped[from];
                return;
            }
            std::vector<std::byte> copy(packet.begin(), packet.end());
            boost::asio::post(ioc_, [this, from, copy = std::move(copy)] {
                if (deliver[1 - from]) deliver[1 - from](copy);
            });
        };
    }
    /// Runs the loop until `done()` or `limit` passes; returns done().
    bool run_until(const std::function<bool()>& done,
                   std::chrono::milliseconds limit = std::chrono::seconds(15)) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!done() && std::chrono::steady_clock::now() < deadline) {
            ioc_.run_one_for(std::chrono::milliseconds(5));
        }
        return done();
    }
    /// Runs the loop for `d` (to let late packets arrive).
    void run_for(std::chrono::milliseconds d) {
        const auto deadline = std::chrono::steady_clock::now() + d;
        while (std::chrono::steady_clock::now() < deadline) {
            ioc_.run_one_for(std::chrono::milliseconds(5));
        }
    }

    std::function<void(std::span<const std::byte>)> deliver[2];
    /// Drops a packet sent by side `from` when it returns true.
    std::function<bool(int from, std::span<const std::byte>)> drop;
    std::size_t sent[2] = {0, 0};
    std::size_t dropped[2] = {0, 0};

private:
    void arm() {
        timer_.expires_after(std::chrono::milliseconds(10));
        timer_.async_wait([this](boost::system::error_code ec) {
            if (ec || stop_) return;
            SctpAssociation::drive_timers();
            arm();
        });
    }

    boost::asio::io_context ioc_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
        ioc_.get_executor()};  // run_one_for waits instead of stopping when idle
    boost::asio::steady_timer timer_;
    std::atomic<bool> stop_{false};
    std::thread ticker_;
};

/// True when `packet` (an SCTP packet: 12-byte common header, then chunks of type, flags,
/// length, padded to 4) carries a DATA (0) or I-DATA (64) chunk: used to drop user messages but
/// not the handshake or SACKs.
inline bool carries_data(std::span<const std::byte> packet) {
    std::size_t at = 12;
    while (at + 4 <= packet.size()) {
        const int type = std::to_integer<int>(packet[at]);
        const std::size_t len = (std::to_integer<std::size_t>(packet[at + 2]) << 8) |
                                std::to_integer<std::size_t>(packet[at + 3]);
        if (type == 0 || type == 64) return true;
        if (len < 4) return false;
        at += (len + 3) & ~std::size_t{3};
    }
    return false;
}

/// Makes `link` drop the first packet side `from` sends that carries user data; `*dropped`
/// turns true then.
inline void drop_first_data(SctpLink& link, int from, bool* dropped) {
    link.drop = [from, dropped](int side, std::span<const std::byte> p) {
        if (side != from || *dropped || !carries_data(p)) return false;
        *dropped = true;
        return true;
    };
}

}  // namespace cohost::media::detail::testing
