#pragma once
/// \file `loadgen lifecycles`: invitation lifecycles (create + accept + leave, or create + reject)
/// over N keep-alive HTTP/1.1 connections, one room per connection so capacity never limits.
#include <chrono>

#include "target.hpp"

namespace cohost::loadgen {

enum class Mix : std::uint8_t { Accept, Reject, Both };

struct LifecycleOptions {
    Target target;
    int connections = 64;
    std::chrono::milliseconds duration{20'000};  ///< measured window
    std::chrono::milliseconds warmup{2'000};     ///< run but not measured, before the window
    Mix mix = Mix::Accept;
    int threads = 1;  ///< io_context threads (1–2)
    int max_cohosts = 8;
    int server_pid = 0;  ///< for the server's CPU use (0 = not reported)
};

/// Runs the scenario and prints a human summary then one JSON line on stdout. Returns the
/// process exit code (non-zero when set-up failed or no lifecycle completed).
int run_lifecycles(const LifecycleOptions& opts);

}  // namespace cohost::loadgen
