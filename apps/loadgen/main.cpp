// loadgen — load generator for cohostd (loopback only). Subcommands:
//   loadgen lifecycles --url http://127.0.0.1:PORT --connections 64 --duration 20s [--mix both]
//   loadgen fanout --url ... --subscribers 10000 --rate 10 --duration 30s [--server-pid PID]
//                  [--ramp --ramp-step 10000 --ramp-max 100000 --step-duration 15s]
//   loadgen webhooks --url ... --api-key K (--api-secret S | --api-secret-file F)
//                    --rooms 32 --connections 32 --duration 10s [--warmup 2s] [--rate N]
//                    [--server-pid PID]
//   loadgen chat --url ... --subscribers 10000 --rate 50 --posters 8 --duration 30s
//                [--server-pid PID] [--ramp ...]   (fanout with chat messages; chat.hpp)
//   loadgen reactions --url ... --rate 20000 [--users N] --connections 256 --duration 10s
//                     [--server-pid PID]
// Each prints a human summary and then one JSON line (the last line of stdout).
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "chat.hpp"
#include "cohost/core/time.hpp"
#include "fanout.hpp"
#include "lifecycles.hpp"
#include "reactions.hpp"
#include "target.hpp"
#include "webhooks.hpp"

namespace {

using cohost::loadgen::Target;

/// A CLI11 validator for `20s`, `500ms`, `2m`.
struct DurationValidator : CLI::Validator {
    DurationValidator() {
        name_ = "DURATION";
        func_ = [](const std::string& s) -> std::string {
            return cohost::core::parse_duration(s) ? "" : "expected a duration like 20s or 500ms";
        };
    }
};

std::chrono::milliseconds duration_of(const std::string& s) {
    return *cohost::core::parse_duration(s);
}

bool resolve(const std::string& url, Target& out) {
    auto t = cohost::loadgen::parse_target(url);
    if (!t) {
        std::cerr << "loadgen: --url must be http://127.x.y.z:PORT (loopback only): " << url
                  << "\n";
        return false;
    }
    out = *t;
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"cohost load generator (loopback only)"};
    app.require_subcommand(1);
    const DurationValidator duration_check;

    std::string url;
    std::string lc_duration = "20s";
    std::string lc_warmup = "2s";
    std::string mix = "accept";
    cohost::loadgen::LifecycleOptions lc;
    auto* lifecycles =
        app.add_subcommand("lifecycles", "invitation lifecycles over keep-alive HTTP");
    lifecycles->add_option("--url", url, "server base URL")->required();
    lifecycles->add_option("--connections", lc.connections, "HTTP connections (= rooms)")
        ->check(CLI::Range(1, 10000));
    lifecycles->add_option("--duration", lc_duration, "measured window")->check(duration_check);
    lifecycles->add_option("--warmup", lc_warmup, "unmeasured run before the window")
        ->check(duration_check);
    lifecycles->add_option("--mix", mix, "accept | reject | both")
        ->check(CLI::IsMember({"accept", "reject", "both"}));
    lifecycles->add_option("--threads", lc.threads, "io_context threads")->check(CLI::Range(1, 8));
    lifecycles->add_option("--server-pid", lc.server_pid, "cohostd PID for its CPU use");

    cohost::loadgen::FanoutArgs fanout_args;
    auto* fanout = app.add_subcommand("fanout", "realtime fan-out to many WebSocket subscribers");
    cohost::loadgen::add_fanout_options(fanout, fanout_args, duration_check, "PATCH");
    fanout->add_option("--rooms", fanout_args.fanout.rooms, "room topics")
        ->check(CLI::Range(1, 10000));

    cohost::loadgen::WebhookOptions wh;
    std::string wh_duration = "10s";
    std::string wh_warmup = "2s";
    std::string wh_drain = "2s";
    double wh_rate = 0;
    auto* webhooks =
        app.add_subcommand("webhooks", "signed LiveKit webhooks in, stage.updated frames out");
    webhooks->add_option("--url", url, "server base URL")->required();
    webhooks->add_option("--api-key", wh.api_key, "API key (`iss` of the webhook JWT)")->required();
    std::string wh_secret_file;
    auto* secret_opt =
        webhooks->add_option("--api-secret", wh.api_secret, "API secret (signs the webhooks)");
    webhooks
        ->add_option("--api-secret-file", wh_secret_file,
                     "file holding the API secret (keeps it out of argv and logs)")
        ->check(CLI::ExistingFile)
        ->excludes(secret_opt);
    webhooks->add_option("--rooms", wh.rooms, "rooms (one host, one WebSocket each)")
        ->check(CLI::Range(1, 10000));
    webhooks->add_option("--connections", wh.connections, "HTTP senders (at most --rooms)")
        ->check(CLI::Range(1, 10000));
    webhooks->add_option("--duration", wh_duration, "measured window")->check(duration_check);
    webhooks->add_option("--warmup", wh_warmup, "unmeasured run before the window")
        ->check(duration_check);
    webhooks->add_option("--drain", wh_drain, "max wait for late frames")->check(duration_check);
    webhooks->add_option("--rate", wh_rate, "total webhooks/s, open loop (default: closed loop)")
        ->check(CLI::Range(0.1, 1'000'000.0));
    webhooks->add_option("--server-pid", wh.server_pid, "cohostd PID for its CPU use");

    cohost::loadgen::FanoutArgs chat_args;
    auto* chat = cohost::loadgen::add_chat_command(app, chat_args, duration_check);
    cohost::loadgen::ReactionsArgs re_args;
    auto* reactions = cohost::loadgen::add_reactions_command(app, re_args, duration_check);

    CLI11_PARSE(app, argc, argv);

    const std::uint64_t nofile = cohost::loadgen::raise_nofile_limit();
    if (lifecycles->parsed()) {
        if (!resolve(url, lc.target)) {
            return 2;
        }
        lc.duration = duration_of(lc_duration);
        lc.warmup = duration_of(lc_warmup);
        lc.mix = mix == "reject" ? cohost::loadgen::Mix::Reject
                 : mix == "both" ? cohost::loadgen::Mix::Both
                                 : cohost::loadgen::Mix::Accept;
        return cohost::loadgen::run_lifecycles(lc);
    }
    if (webhooks->parsed()) {
        if (!resolve(url, wh.target)) {
            return 2;
        }
        if (!wh_secret_file.empty()) {
            std::ifstream in(wh_secret_file);
            std::getline(in, wh.api_secret);
        }
        if (wh.api_secret.empty()) {
            std::cerr << "loadgen: webhooks needs --api-secret or a non-empty --api-secret-file\n";
            return 2;
        }
        wh.duration = duration_of(wh_duration);
        wh.warmup = duration_of(wh_warmup);
        wh.drain = duration_of(wh_drain);
        if (wh_rate > 0) {
            wh.rate = wh_rate;
        }
        if (wh.connections > wh.rooms) {
            std::cerr << "loadgen: --connections " << wh.connections << " > --rooms " << wh.rooms
                      << ": using " << wh.rooms << " (one sender per room)\n";
            wh.connections = wh.rooms;
        }
        return cohost::loadgen::run_webhooks(wh);
    }
    if (reactions->parsed()) {
        auto& re = re_args.options;
        if (!resolve(re_args.url, re.target)) {
            return 2;
        }
        re.duration = duration_of(re_args.duration);
        re.warmup = duration_of(re_args.warmup);
        re.drain = duration_of(re_args.drain);
        return cohost::loadgen::run_reactions(re);
    }
    if (chat->parsed()) {  // the fan-out scenario with chat messages as the events
        fanout_args = chat_args;
        if (fanout_args.fanout.posters > fanout_args.fanout.users) {
            std::cerr << "loadgen: --posters must not exceed --users\n";
            return 2;
        }
    }
    auto& fo = fanout_args.fanout;
    if (!resolve(fanout_args.url, fo.target)) {
        return 2;
    }
    fo.duration = duration_of(fanout_args.duration);
    fo.step_duration = duration_of(fanout_args.step_duration);
    fo.drain = duration_of(fanout_args.drain);
    const auto most = static_cast<std::uint64_t>(fo.ramp ? fo.ramp_max : fo.subscribers);
    if (most + 64 > nofile) {
        std::cerr << "loadgen: warning: RLIMIT_NOFILE is " << nofile << " (hard limit), fewer than "
                  << most << " subscribers + 64; connections beyond it will fail\n";
    }
    // ~28k ephemeral ports per source address (ip_local_port_range); spread beyond that.
    const int needed = static_cast<int>(most / 25'000) + 1;
    if (fo.source_addrs < needed) {
        std::cerr << "loadgen: using --source-addrs " << needed << " for " << most
                  << " subscribers\n";
        fo.source_addrs = needed;
    }
    return cohost::loadgen::run_fanout(fo);
}
