#pragma once
/// \file `loadgen webhooks`: LiveKit webhook ingestion (`POST /v1/livekit/webhook`).
///
/// Set-up: one dev-login host and one room per `--rooms`, one realtime WebSocket per room
/// subscribed to `room:{id}`, and a signed `track_published` (host, CAMERA) that makes the room
/// live. Then each of `--connections` keep-alive HTTP connections sends signed webhooks for its
/// rooms (room i belongs to connection i mod connections, so every room has exactly one sender),
/// toggling the host's camera with `track_unpublished` / `track_published`. Each applied webhook
/// emits exactly one `stage.updated` on `room:{id}`, with the room's next seq: that is how a frame
/// is matched to the webhook that caused it (receipt→delivery latency).
#include <chrono>
#include <optional>
#include <string>

#include "target.hpp"

namespace cohost::loadgen {

struct WebhookOptions {
    Target target;
    std::string api_key;     ///< `iss` of the webhook JWT (cohostd's API key or livekit.api_key)
    std::string api_secret;  ///< HS256 secret of the webhook JWT; never printed
    int rooms = 32;
    int connections = 32;                        ///< clamped to `rooms`
    std::chrono::milliseconds duration{10'000};  ///< measured window
    std::chrono::milliseconds warmup{2'000};     ///< run but not measured, before the window
    std::chrono::milliseconds drain{2'000};      ///< max wait for frames after the window
    std::optional<double> rate;  ///< total webhooks/s, open loop; closed loop when unset
    int server_pid = 0;          ///< for the server's CPU use (0 = not reported)
};

/// Runs the scenario and prints a human summary then one JSON line on stdout. Returns the
/// process exit code: 0 when webhooks were accepted in the window, 1 when none were, 2 when
/// set-up failed (e.g. the server has no webhook receiver, or the key/secret do not match).
int run_webhooks(const WebhookOptions& opts);

}  // namespace cohost::loadgen
