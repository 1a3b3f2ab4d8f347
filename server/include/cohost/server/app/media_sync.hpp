#pragma once
/// \file MediaSync: keeps the control plane and the media server in agreement (product.md §2, §4,
/// §6). Three duties, all on the control thread:
///
/// 1. **Webhooks in** (`POST /v1/livekit/webhook`): verifies a LiveKit webhook (raw JWT in
///    `Authorization`, `sha256` of the body), drops repeats of an event id, and turns the event
///    into a media fact applied through `RoomService::apply_media` (room name = cohost room id,
///    identity = user id of the host or a co-host). A publisher that is not on stage is removed.
/// 2. **Enforcement out**: for every committed `stage.left` (any reason but `room_ended`) it
///    calls `RemoveParticipant(room, userId)`; for every committed `room.ended`, `DeleteRoom`
///    (which disconnects everyone). Exactly one call per committed event; `not_found` counts as
///    success; failures (after the client's retries) are logged and counted, and the reconciler
///    repairs what is left.
/// 3. **Reconciler**: every `livekit.reconcile_interval`, one round (never two at once) compares
///    `ListRooms` / `ListParticipants` with the stage and applies the facts a dropped webhook
///    would have carried, removes publishers that are not on stage and deletes media rooms of
///    ended cohost rooms. A room for which a webhook was applied after its list call was issued is
///    skipped for that round (the list may predate the webhook).
///
/// Without a RoomService client webhooks are still verified and applied, but no Twirp call is
/// made and the reconciler is off. In `media.mode: embedded`, cohostd gives it the embedded
/// SFU's RoomService once the server listens (`set_client`): enforcement on, reconciler off.
///
/// Threading: every method, and every client callback, runs on the control thread (the
/// io_context given at construction). Client callbacks that arrive after the MediaSync is
/// destroyed are ignored.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cohost/core/clock.hpp"
#include "cohost/server/app/room_service.hpp"
#include "cohost/server/config.hpp"
#include "cohost/server/http/router.hpp"
#include "cohost/server/livekit/room_service_client.hpp"
#include "cohost/server/store/store.hpp"

namespace cohost::server::app {

class Metrics;

struct MediaSyncOptions {
    std::string api_key;     ///< expected `iss` of incoming webhooks
    std::string api_secret;  ///< their HS256 key (never logged)
    /// Period of reconcile rounds; zero = no periodic rounds (`reconcile_now` still works).
    std::chrono::milliseconds reconcile_interval{30000};
    /// Event ids remembered to drop repeated webhooks (LRU). Held in memory only: a restart
    /// forgets them, which is safe because every media transition is idempotent.
    std::size_t dedup_size = 10000;
    /// `ListParticipants` calls a round keeps in flight at once.
    std::size_t reconcile_parallelism = 4;
};

/// The outcome of one received webhook, also the `result` label of
/// `cohost_livekit_webhooks_total`.
enum class WebhookResult : std::uint8_t {
    Applied,       ///< verified and acted upon (a transition, a no-op repeat, or a removal)
    Duplicate,     ///< an event id already applied; nothing done
    Ignored,       ///< verified, but about an unknown/ended room, someone not on stage, or an
                   ///< event type cohost does not use (`room_started`, egress, ...)
    Unauthorized,  ///< missing/invalid signature, expired, wrong key, `Bearer ` prefix, body hash
    Malformed,     ///< wrong Content-Type, or a verified body that is not a WebhookEvent
};
[[nodiscard]] std::string_view to_string(WebhookResult r) noexcept;

struct WebhookReply {
    WebhookResult result = WebhookResult::Ignored;
    std::string event;    ///< the event name, `unknown` when it could not be trusted
    std::string message;  ///< why it was refused (never contains the token or a secret)
};

class MediaSync {
public:
    /// `service`, `store`, `clock` and `metrics` (may be null) must outlive this object. `client`
    /// null = no enforcement and no reconciler.
    MediaSync(boost::asio::io_context& ioc, RoomService& service, store::Store& store,
              const core::Clock& clock, std::unique_ptr<livekit::RoomServiceClient> client,
              Metrics* metrics, MediaSyncOptions opts);
    ~MediaSync();
    MediaSync(const MediaSync&) = delete;
    MediaSync& operator=(const MediaSync&) = delete;

    /// Starts the periodic reconciler (when there is a client and an interval).
    void start();
    /// Stops the reconciler and drops an unfinished round; later client answers are ignored.
    void stop();

    /// Handles one `POST /v1/livekit/webhook`. `content_type` must be `application/webhook+json`
    /// or `application/json` (parameters ignored); `authorization` is the raw JWT. Refusals change
    /// nothing. Throws only what `RoomService::apply_media` throws (store failure, persistent
    /// conflict); the event id is then not remembered, so the sender's retry is applied.
    WebhookReply receive_webhook(std::string_view content_type, std::string_view body,
                                 std::string_view authorization);

    /// Enforcement: called with every batch of committed events (the RoomService publisher), in
    /// commit order. Issues the RemoveParticipant / DeleteRoom calls described above.
    void on_committed(const std::vector<store::StoredEvent>& events);

    /// Starts a reconcile round now. False (nothing started) without a client, after stop(), or
    /// while a round is in flight.
    bool reconcile_now();
    /// True while a round is in flight.
    [[nodiscard]] bool reconciling() const noexcept;
    /// True when a RoomService client is configured (enforcement and reconciler on).
    [[nodiscard]] bool has_client() const noexcept;
    /// Embedded mode: the RoomService of this very server, known once it listens. Enables
    /// enforcement (RemoveParticipant / DeleteRoom); the reconciler stays off (the embedded SFU
    /// forgets nothing a webhook could lose: its events are delivered in-process).
    void set_client(std::unique_ptr<livekit::RoomServiceClient> client);

    /// A CallObserver recording `cohost_livekit_twirp_seconds{method}` and
    /// `cohost_livekit_twirp_errors_total{method,code}` in `metrics` (which must outlive the
    /// client). Null metrics → an observer that does nothing.
    [[nodiscard]] static livekit::CallObserver call_observer(Metrics* metrics);

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

/// Builds the MediaSync `cfg` asks for. `media.mode: livekit` → a Twirp client to `livekit.url`
/// with `livekit.api_key` / `livekit.api_secret` (empty = `server_api_key` / `server_secret`)
/// and `livekit.timeout`; `embedded` → no client (see the class comment). Throws ConfigError
/// naming `livekit.url` when the client refuses the URL.
[[nodiscard]] std::unique_ptr<MediaSync> make_media_sync(
    boost::asio::io_context& ioc, RoomService& service, store::Store& store,
    const core::Clock& clock, Metrics* metrics, const Config& cfg,
    const std::string& server_api_key, const std::string& server_secret);

/// The HTTP side of `POST /v1/livekit/webhook` (registered by `register_api_routes`): 200 `{}`
/// when applied, repeated or ignored; 401 `unauthenticated` for a bad signature; 400
/// `invalid_argument` for a wrong Content-Type or a malformed verified body; 404 when `media` is
/// null.
[[nodiscard]] http::Response webhook_response(MediaSync* media, const http::Request& req);

}  // namespace cohost::server::app
