#pragma once
// Private helper of the blocking clients: each client owns an io_context and turns asynchronous
// Beast/Asio operations into blocking calls with a deadline by running that context on the
// caller's thread until the operation is done. Socket-level timeouts are ours (not Beast's
// tcp_stream timers), so no stale timer can keep `run()` busy after a request completes.
#include <boost/asio/io_context.hpp>
#include <chrono>

namespace cohost::sdk::detail {

using SteadyClock = std::chrono::steady_clock;
using Deadline = SteadyClock::time_point;

[[nodiscard]] inline Deadline deadline_after(std::chrono::milliseconds timeout) {
    return SteadyClock::now() + timeout;
}

/// Runs handlers of `ioc` until `done()` holds or `deadline` passes. Returns `done()`.
/// Never blocks past the deadline; returns early when the context has no work left.
template <class Pred>
bool pump_until(boost::asio::io_context& ioc, Pred done, Deadline deadline) {
    if (ioc.stopped()) {
        ioc.restart();
    }
    while (!done()) {
        if (SteadyClock::now() >= deadline) {
            return false;
        }
        if (ioc.run_one_until(deadline) == 0 && ioc.stopped()) {
            // No outstanding work: nothing can make `done()` true any more.
            ioc.restart();
            return done();
        }
    }
    return true;
}

/// Runs handlers until `done()` holds, however long it takes (used after cancelling an
/// operation, whose handler is then guaranteed to run promptly).
template <class Pred>
void pump_until_done(boost::asio::io_context& ioc, Pred done) {
    if (ioc.stopped()) {
        ioc.restart();
    }
    while (!done()) {
        if (ioc.run_one() == 0) {
            ioc.restart();
            return;
        }
    }
}

}  // namespace cohost::sdk::detail
