#pragma once
/// \file How media_loadgen's peers get their SDP answers: the one step that differs between the
/// signalling modes. `whip` (the default): the publisher POSTs its offer to `/whip/{room}` and
/// each subscriber to `/whep/{room}` (HttpSync, one keep-alive connection). `livekit`
/// (livekit_join.hpp): every peer joins through cohostd's LiveKit `/rtc/v1` WebSocket. Everything
/// else of a run (stream shape, probes, window, figures) is the same code in both modes.
///
/// Threading: `publish`, `subscribe`, `report` and `close` are called from the orchestrating
/// thread only, one at a time; each blocks until its step is done (bounded).
#include <boost/json/object.hpp>
#include <memory>
#include <string>

#include "http_sync.hpp"

namespace cohost::media_loadgen {

/// The outcome of one peer's session setup.
struct SetupResult {
    bool ok = false;
    std::string answer_sdp;  ///< the SFU's answer (when ok)
    std::string error;       ///< why not (HTTP status and body, or the signalling failure)
    double join_ms = 0;      ///< from the first byte sent to the answer received
};

/// Who a token is for and what it allows.
struct SetupAuth {
    std::string api_key;
    std::string api_secret;
    std::string room;
};

class SessionSetup {
public:
    virtual ~SessionSetup() = default;
    /// "whip" or "livekit" (the JSON line's `signalling`).
    [[nodiscard]] virtual const char* mode() const noexcept = 0;
    /// Publishes `offer` (sendonly audio + video) as `identity` (canPublish).
    virtual SetupResult publish(const std::string& identity, const std::string& offer) = 0;
    /// Subscribes with `offer` (recvonly audio + video) as `identity` (canSubscribe).
    virtual SetupResult subscribe(const std::string& identity, const std::string& offer) = 0;
    /// Mode-specific health figures for the JSON line (empty for WHIP).
    [[nodiscard]] virtual boost::json::object report() = 0;
    /// Ends every signalling session (LiveKit: `leave`, then the WebSocket close).
    virtual void close() = 0;
};

/// WHIP publisher and WHEP subscribers over `http`.
[[nodiscard]] std::unique_ptr<SessionSetup> make_whip_setup(HttpSync http, SetupAuth auth);

}  // namespace cohost::media_loadgen
