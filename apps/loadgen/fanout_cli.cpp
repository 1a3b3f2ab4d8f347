#include "fanout_cli.hpp"

namespace cohost::loadgen {

void add_fanout_options(CLI::App* cmd, FanoutArgs& a, const CLI::Validator& duration_check,
                        const std::string& events) {
    FanoutOptions& fo = a.fanout;
    cmd->add_option("--url", a.url, "server base URL")->required();
    cmd->add_option("--subscribers", fo.subscribers)->check(CLI::Range(1, 1'000'000));
    cmd->add_option("--rate", fo.rate, "events (" + events + ") per second")
        ->check(CLI::Range(0.1, 10000.0));
    cmd->add_option("--duration", a.duration, "publishing window")->check(duration_check);
    cmd->add_option("--connections-per-second", fo.connections_per_second)
        ->check(CLI::Range(1, 1'000'000));
    cmd->add_option("--max-inflight", fo.max_inflight, "connects awaiting `subscribed`")
        ->check(CLI::Range(1, 100'000));
    cmd->add_option("--threads", fo.threads, "io_context threads")->check(CLI::Range(1, 16));
    cmd->add_option("--source-addrs", fo.source_addrs, "bind to 127.0.0.1..127.0.0.N")
        ->check(CLI::Range(1, 250));
    cmd->add_option("--server-pid", fo.server_pid, "cohostd PID for CPU/RSS");
    cmd->add_option("--publishers", fo.publishers,
                    "connections sending " + events + " (one in flight each)")
        ->check(CLI::Range(1, 64));
    cmd->add_option("--users", fo.users, "distinct subscriber users")->check(CLI::Range(1, 100000));
    cmd->add_option("--drain", a.drain, "max wait for late events")->check(duration_check);
    cmd->add_flag("--ramp", fo.ramp, "grow subscribers step by step until p99 > limit");
    cmd->add_option("--ramp-step", fo.ramp_step)->check(CLI::Range(1, 1'000'000));
    cmd->add_option("--ramp-max", fo.ramp_max)->check(CLI::Range(1, 1'000'000));
    cmd->add_option("--step-duration", a.step_duration)->check(duration_check);
    cmd->add_option("--p99-limit-ms", fo.p99_limit_ms)->check(CLI::PositiveNumber);
}

}  // namespace cohost::loadgen
