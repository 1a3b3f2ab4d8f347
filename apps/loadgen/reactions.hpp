#pragma once
/// \file `loadgen reactions`: reaction ingestion and aggregation (issue 7). Many users post
/// `POST /v1/rooms/{id}/reactions {reaction}` over keep-alive HTTP at a fixed total rate (open
/// loop), while one realtime subscriber on the room's topic collects every `reactions.burst`.
///
/// Reports the accepted (202) rate, 429s and other errors, the POST latency (p50/p99/max), the
/// server's CPU per accepted reaction, and checks the aggregation: exactly one burst per
/// wall-clock second that received reactions, and the sum of all burst counts equal to the
/// number of accepted posts (warm-up included: the subscriber is there from the start).
///
/// The per-user limit (`engagement.reactions_per_user_per_second`, 20 by default, a fixed
/// wall-clock-second window) needs at least rate / 20 users; the default user count is
/// rate / 16 so that the even round-robin spacing leaves headroom and no 429 is expected.
#include <CLI/CLI.hpp>
#include <chrono>
#include <string>

#include "target.hpp"

namespace cohost::loadgen {

struct ReactionsOptions {
    Target target;
    double rate = 20'000;                        ///< reaction posts per second, all users
    int users = 0;                               ///< 0: ceil(rate / 16)
    int connections = 256;                       ///< keep-alive HTTP connections
    int threads = 2;                             ///< io_context threads (senders split evenly)
    std::chrono::milliseconds duration{10'000};  ///< measured window
    std::chrono::milliseconds warmup{2'000};     ///< unmeasured sending before the window
    std::chrono::milliseconds drain{4'000};      ///< max wait for the last bursts
    int server_pid = 0;                          ///< for CPU / RSS (0 = not reported)
};

/// What the `reactions` subcommand's options fill in.
struct ReactionsArgs {
    std::string url;
    ReactionsOptions options;
    std::string duration = "10s";
    std::string warmup = "2s";
    std::string drain = "4s";
};

/// Registers `loadgen reactions` on `app`; its options write into `args`.
CLI::App* add_reactions_command(CLI::App& app, ReactionsArgs& args,
                                const CLI::Validator& duration_check);

/// Runs the scenario, prints a human summary then one JSON line. Returns 0 on a completed run
/// (whatever the figures), 2 when set-up failed.
int run_reactions(const ReactionsOptions& opts);

}  // namespace cohost::loadgen
