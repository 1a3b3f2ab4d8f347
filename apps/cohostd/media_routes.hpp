#pragma once
/// \file The embedded SFU's HTTP front end, mounted on the control plane's router by cohostd:
/// WHIP ingest (`/whip/{room}`, RFC 9725) and WHEP playback (`/whep/{room}`), authorized by
/// LiveKit-format access tokens in `Authorization: Bearer`, with CORS for browser players, and
/// the test hook `POST /v1/media/test/bandwidth` when `media.test_hooks` is on. docs/media.md
/// documents the contract. Handlers run on the control thread and wait (bounded) for the
/// room's media worker.
#include <boost/asio/io_context.hpp>
#include <string>

#include "cohost/media/media_server.hpp"
#include "cohost/media/signal_server.hpp"
#include "cohost/server/config.hpp"
#include "cohost/server/http/router.hpp"

namespace cohost::apps {

/// Registers the WHIP/WHEP routes. `media` must outlive the router's use. Tokens are verified
/// with `livekit.api_key`/`api_secret` when set, else the server's own key and `api_secret`.
void mount_media_routes(server::http::Router& router, media::MediaServer& media,
                        const server::Config& cfg, const std::string& api_secret);

/// Registers `GET /rtc/v1/validate` and `/rtc/validate` (LiveKit's pre-flight after a failed
/// WebSocket upgrade: 200 `success` or 401 with the reason, CORS `*`).
void mount_signal_routes(server::http::Router& router, media::SignalServer& signal);

/// Delivers the embedded SFU's LiveKit webhooks to this server's own receiver
/// (`POST /v1/livekit/webhook`), signed with `api_key`/`api_secret` exactly as LiveKit signs them,
/// through the router on the control thread (posted to `ioc`, never re-entrant).
void route_media_webhooks(media::SignalServer& signal, server::http::Router& router,
                          boost::asio::io_context& ioc, std::string api_key, std::string api_secret);

}  // namespace cohost::apps
