#pragma once
/// \file `loadgen fanout`: many realtime subscribers on one room topic, a publisher PATCHing the
/// room at a fixed rate, and publish-to-delivery latency, seq continuity and the server's CPU and
/// RSS. `--ramp` repeats the measurement at growing subscriber counts.
#include <chrono>
#include <cstdint>

#include "publisher.hpp"
#include "target.hpp"

namespace cohost::loadgen {

struct FanoutOptions {
    Target target;
    int subscribers = 10'000;
    double rate = 10;                            ///< events per second (PATCHes)
    std::chrono::milliseconds duration{30'000};  ///< publishing window (single run)
    int connections_per_second = 2'000;          ///< subscriber connect rate
    int max_inflight = 500;                      ///< connects not yet subscribed
    int threads = 2;                             ///< io_context threads for subscribers
    int source_addrs = 1;                        ///< >1: bind to 127.0.0.1 .. 127.0.0.N
    int server_pid = 0;                          ///< for CPU / RSS (0 = not reported)
    int publishers = 4;                          ///< PATCH connections (open loop)
    int rooms = 1;                               ///< topics; subscribers round-robin
    int users = 100;                             ///< distinct subscriber identities
    std::chrono::milliseconds settle{2'000};     ///< idle time before the idle sample
    std::chrono::milliseconds drain{5'000};      ///< max wait for late events
    bool ramp = false;
    int ramp_step = 10'000;
    int ramp_max = 100'000;
    std::chrono::milliseconds step_duration{15'000};
    double p99_limit_ms = 250;  ///< ramp stops above this
    /// `loadgen chat` (chat.hpp): chat messages instead of PATCHes, written in turn by the
    /// first `posters` subscriber users (0: by the host).
    EventKind kind = EventKind::RoomTitle;
    int posters = 0;
};

/// Runs the scenario, prints a human summary (or the ramp table) then one JSON line. Returns the
/// exit code: 0 on a completed run, 2 when set-up failed.
int run_fanout(const FanoutOptions& opts);

}  // namespace cohost::loadgen
