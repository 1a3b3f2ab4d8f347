#pragma once
/// \file The REST API: registers every `/v1` route (product.md §8, §10) on a Router. Handlers
/// parse and validate input, authenticate, call RoomService and render JSON.
#include "cohost/server/app/auth.hpp"
#include "cohost/server/app/metrics.hpp"
#include "cohost/server/app/room_service.hpp"
#include "cohost/server/config.hpp"
#include "cohost/server/http/router.hpp"

namespace cohost::server::app {

class MediaSync;
class EngagementService;

/// What the handlers use; everything must outlive the router.
struct ApiContext {
    RoomService& service;
    store::Store& store;
    const Authenticator& auth;
    const Config& config;
    /// The registry rendered at `GET /metrics` (nullptr: the route answers 404).
    Metrics* metrics = nullptr;
    /// Receives LiveKit webhooks (`POST /v1/livekit/webhook`; nullptr: the route answers 404).
    MediaSync* media = nullptr;
    /// Chat, reactions, viewers, products (nullptr: those routes answer 404).
    EngagementService* engagement = nullptr;
};

/// Registers every route. With `ctx == nullptr` the handlers must never be called (used only to
/// list the routes for `http::api_routes()`).
void register_api_routes(http::Router& router, ApiContext* ctx);

/// Authenticates a request (`Authorization: Bearer <jwt>`, or `?token=` for the WebSocket
/// upgrade) and upserts the user from the token's claims.
[[nodiscard]] rooms::Outcome<Principal> authenticate_request(ApiContext& ctx, http::Request& req,
                                                             bool allow_query_token);

}  // namespace cohost::server::app
