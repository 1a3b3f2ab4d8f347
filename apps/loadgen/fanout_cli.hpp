#pragma once
/// \file Command-line options shared by `loadgen fanout` and `loadgen chat` (both run
/// `run_fanout`; chat.hpp): one registration, so the two subcommands cannot drift apart.
#include <CLI/CLI.hpp>
#include <string>

#include "fanout.hpp"

namespace cohost::loadgen {

/// What the options fill in; durations stay text until `main` has parsed them.
struct FanoutArgs {
    std::string url;
    FanoutOptions fanout;
    std::string duration = "30s";       ///< publishing window (single run)
    std::string drain = "5s";           ///< max wait for late events
    std::string step_duration = "15s";  ///< per ramp step
};

/// Registers `--url --subscribers --rate --duration --connections-per-second --max-inflight
/// --threads --source-addrs --server-pid --publishers --users --drain --ramp --ramp-step
/// --ramp-max --step-duration --p99-limit-ms` on `cmd`, writing into `args`. `events` names what
/// one published event is in the help texts (e.g. "PATCH", "chat POST").
void add_fanout_options(CLI::App* cmd, FanoutArgs& args, const CLI::Validator& duration_check,
                        const std::string& events);

}  // namespace cohost::loadgen
