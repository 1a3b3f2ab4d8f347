#pragma once
/// \file One media load run: a WHIP publisher sending a VP8-shaped video stream (keyframe every
/// `keyframe_interval`) and opus-sized audio (50 packets/s), N WHEP subscribers ramped in
/// batches (most of them light counting peers, a few decrypting "probes" that measure the
/// forwarding delay), a measurement window, then the results as a human summary and one JSON
/// line on stdout. Peers run on `threads` io_context threads; the calling thread does the session
/// setup (session_setup.hpp: WHIP/WHEP, or LiveKit signalling on a thread of its own) and the
/// bookkeeping. No NACKs or PLIs are answered or sent.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace cohost::media_loadgen {

struct RunOptions {
    std::string url;  ///< http://127.0.0.1:PORT of cohostd
    std::string api_key;
    std::string api_secret;
    std::string room = "bench";
    /// How peers get their answers: "whip" (WHIP/WHEP POSTs) or "livekit" (each peer joins
    /// through the LiveKit `/rtc/v1` WebSocket; livekit_join.hpp). Nothing else differs.
    std::string signalling = "whip";
    std::size_t subscribers = 100;
    std::chrono::milliseconds duration{20'000};  ///< measurement window
    std::chrono::milliseconds warmup{2'500};     ///< after the ramp, before the window
    std::uint64_t bitrate_bps = 1'500'000;       ///< video payload bitrate
    unsigned fps = 30;
    unsigned keyframe_interval_s = 2;
    unsigned keyframe_ratio = 5;  ///< keyframe size / delta frame size
    /// Packets of a frame are spread at this multiple of the bitrate (Chromium's pacer: 2.5);
    /// 0 sends each frame in one burst.
    double pacing_factor = 2.5;
    unsigned threads = 1;         ///< peer io_context threads
    std::size_t batch = 50;       ///< subscribers created per ramp step
    std::size_t probes = 8;       ///< decrypting subscribers, spread over the join order
    int server_pid = 0;           ///< 0: no server CPU/RSS figures
    double loss_limit_percent = 0.5;
};

/// Runs the scenario and prints the results. Returns 0 when the run completed (whatever the
/// loss), 1 when it could not (publisher refused or never connected, bad URL). The JSON line's
/// `setupFailures` counts subscribers whose WHEP POST or LiveKit join got no answer;
/// `joinMs` is the time from a subscriber's offer sent to its answer received.
int run_media_load(const RunOptions& opt);

}  // namespace cohost::media_loadgen
