// media_loadgen — load generator for cohostd's embedded SFU (loopback only):
//   media_loadgen --url http://127.0.0.1:PORT --api-key K --api-secret S --room R
//                 --subscribers N --duration 20s --bitrate 1500k --fps 30
//                 [--pacing 2.5] [--threads 1] [--batch 50] [--probes 8] [--server-pid PID]
//                 [--signalling whip|livekit]
// Prints a human summary and then one JSON line (the last line of stdout). bench/RESULTS.md
// ("Media SFU fan-out") has the figures and the commands.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cohost/core/time.hpp"
#include "media_run.hpp"

namespace {

/// "1500k" / "1.5M" / "1500000" -> bits per second; 0 when malformed.
std::uint64_t parse_bitrate(const std::string& s) {
    if (s.empty()) return 0;
    double mult = 1;
    std::string num = s;
    const char last = s.back();
    if (last == 'k' || last == 'K') mult = 1e3;
    if (last == 'm' || last == 'M') mult = 1e6;
    if (mult != 1) num.pop_back();
    try {
        std::size_t used = 0;
        const double v = std::stod(num, &used);
        if (used != num.size() || v <= 0) return 0;
        return static_cast<std::uint64_t>(v * mult);
    } catch (const std::exception&) {
        return 0;
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"cohost media load generator: one publisher + N subscribers (loopback)"};
    cohost::media_loadgen::RunOptions opt;
    std::string duration = "20s";
    std::string warmup = "2500ms";
    std::string bitrate = "1500k";
    app.add_option("--url", opt.url, "cohostd base URL, http://127.0.0.1:PORT")->required();
    app.add_option("--api-key", opt.api_key, "API key (token issuer)")->required();
    app.add_option("--api-secret", opt.api_secret, "API secret (HS256)")->required();
    app.add_option("--room", opt.room, "room name")->capture_default_str();
    app.add_option("--signalling", opt.signalling,
                   "session setup: whip (WHIP/WHEP POSTs) or livekit (/rtc/v1 WebSocket joins)")
        ->check(CLI::IsMember({"whip", "livekit"}))
        ->capture_default_str();
    app.add_option("--subscribers", opt.subscribers, "WHEP subscribers")->capture_default_str();
    app.add_option("--duration", duration, "measurement window")->capture_default_str();
    app.add_option("--warmup", warmup, "wait after the ramp")->capture_default_str();
    app.add_option("--bitrate", bitrate, "video bitrate (1500k, 2M)")->capture_default_str();
    app.add_option("--fps", opt.fps, "video frames per second")->check(CLI::Range(1, 120));
    app.add_option("--keyframe-interval", opt.keyframe_interval_s, "seconds between keyframes")
        ->check(CLI::Range(1, 60));
    app.add_option("--pacing", opt.pacing_factor,
                   "spread a frame's packets at this multiple of the bitrate (0 = bursts)")
        ->capture_default_str();
    app.add_option("--threads", opt.threads, "peer threads")->check(CLI::Range(1, 64));
    app.add_option("--batch", opt.batch, "subscribers per ramp step")->check(CLI::Range(1, 10000));
    app.add_option("--probes", opt.probes, "decrypting subscribers that measure delay");
    app.add_option("--server-pid", opt.server_pid, "cohostd PID (CPU and RSS figures)");
    app.add_option("--loss-limit", opt.loss_limit_percent, "pass/fail loss %")
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    const auto d = cohost::core::parse_duration(duration);
    const auto w = cohost::core::parse_duration(warmup);
    opt.bitrate_bps = parse_bitrate(bitrate);
    if (!d || !w || opt.bitrate_bps == 0) {
        std::cerr << "media_loadgen: bad --duration, --warmup or --bitrate\n";
        return 2;
    }
    opt.duration = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
    opt.warmup = std::chrono::duration_cast<std::chrono::milliseconds>(*w);
    return cohost::media_loadgen::run_media_load(opt);
}
