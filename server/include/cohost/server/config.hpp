#pragma once
/// \file The control plane's typed configuration tree and its loader.
///
/// Precedence (style.md "Config"): defaults in code < YAML file (`--config`) < environment
/// (`COHOST_<SECTION>_<KEY>`, e.g. `COHOST_HTTP_ADDR`, `COHOST_ROOMS_COHOST_GRACE`) < CLI flags.
/// Every key is listed, with a comment, in `config/cohost.sample.yaml`; a test loads that file.
/// Unknown keys and invalid values are refused with a message naming the key.
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cohost/server/rooms/domain.hpp"
#include "cohost/server/rooms/engagement.hpp"

namespace cohost::server {

/// A configuration error; the message names the offending key (`rooms.cohost_grace: ...`).
struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Where media goes (`media.mode`).
enum class MediaMode : std::uint8_t { Embedded, Livekit };

struct Config {
    // ---- top level ------------------------------------------------------------------------
    std::string http_addr = "127.0.0.1:7880";  ///< `http.addr`, flag --http-addr
    /// `media.udp_port`, flag --udp-port: the first media worker's UDP port; worker i uses
    /// udp_port + i. 0 = an ephemeral port per worker (tests; the SDP carries the real one).
    std::uint16_t udp_port = 7882;
    std::string data_dir = "./data";           ///< `data_dir`, flag --data-dir
    std::string log_level = "info";            ///< `log.level`

    // ---- auth -----------------------------------------------------------------------------
    std::string api_key = "devkey";  ///< `auth.api_key`, flag --api-key
    /// `auth.api_secret`, flag --api-secret. Empty = generate ≥ 32 random bytes once and keep
    /// them in `<data_dir>/api_secret` (mode 0600).
    std::string api_secret;
    /// `auth.dev_login`, flag --dev-login. nullopt = on only when http_addr is loopback.
    std::optional<bool> dev_login;
    std::chrono::seconds user_token_ttl{24 * 3600};  ///< `auth.user_token_ttl` (dev login)
    std::size_t token_cache_size = 10'000;  ///< `auth.token_cache_size` (verified tokens; 0 = off)

    // ---- media credentials ------------------------------------------------------------------
    /// `media.public_url`: the LiveKit URL handed to clients with media credentials. Empty (the
    /// default) = derived: embedded mode answers `ws://` + the request's `Host` (the address the
    /// client reached cohostd on); livekit mode answers `livekit.url` with ws(s):// scheme.
    std::string media_public_url;
    std::chrono::seconds media_token_ttl{600};             ///< `media.token_ttl`

    // ---- embedded SFU (media/, docs/media.md) ------------------------------------------------
    /// `media.public_ip`: the address in the ICE candidate clients are given (IPv4/IPv6 literal).
    std::string media_public_ip = "127.0.0.1";
    /// `media.bind_ip`: where the media UDP sockets listen; empty = `media.public_ip`.
    std::string media_bind_ip;
    /// `media.workers`: media worker threads, one UDP port each; 0 = cores - 1 (at least 1).
    unsigned media_workers = 0;
    /// `media.max_queue_delay`: a publisher's RTP packet that waited longer than this in a
    /// worker's socket buffer is dropped unread (an overloaded worker stays live instead of
    /// falling seconds behind); 0 = never dropped.
    std::chrono::milliseconds media_max_queue_delay{500};
    /// `media.test_hooks`: enables `POST /v1/media/test/bandwidth` (browser tests only).
    bool media_test_hooks = false;
    /// `media.test_drop_video_percent`: drop this share of first sends of outgoing video RTP
    /// (0..50), to exercise NACK recovery in tests. NACK answers are never dropped.
    unsigned media_test_drop_video_percent = 0;
    /// `media.test_capture_dir`: when set, the first packets each session receives (STUN as sent,
    /// DTLS records, RTP and RTCP after SRTP) are written there as files, with the session's
    /// ICE credentials, to build codec test data from real browsers. Never in production.
    std::string media_test_capture_dir;

    // ---- media server (LiveKit RoomService + webhooks; docs/lifecycles.md) ------------------
    /// `media.mode`: `embedded` (the in-process SFU: its webhooks arrive in-process, enforcement
    /// calls its RoomService on this server's port, no reconciler) or `livekit` (an external
    /// LiveKit at `livekit.url`).
    MediaMode media_mode = MediaMode::Embedded;
    /// `livekit.url`: http(s):// or ws(s):// base URL of the RoomService API; required when
    /// `media.mode` is `livekit`.
    std::string livekit_url;
    /// `livekit.api_key` / `livekit.api_secret`: signs Twirp calls and verifies webhooks.
    /// Empty = the server's own `auth.api_key` / API secret (resolved at start).
    std::string livekit_api_key;
    std::string livekit_api_secret;
    std::chrono::milliseconds livekit_timeout{5000};  ///< `livekit.timeout` per Twirp attempt
    /// `livekit.reconcile_interval`: period of reconcile rounds; 0 = off.
    std::chrono::milliseconds livekit_reconcile_interval{30000};
    /// `livekit.webhook_dedup_size`: webhook event ids remembered to drop repeats.
    std::size_t livekit_webhook_dedup_size = 10000;

    // ---- store ------------------------------------------------------------------------------
    /// `store.url`: `sqlite://<path>`; empty = `sqlite://<data_dir>/cohost.db`.
    std::string store_url;
    bool sqlite_synchronous_full = false;  ///< `store.sqlite_synchronous: full|normal`
    bool store_group_commit = true;           ///< `store.group_commit` (app/group_commit.hpp)
    std::size_t store_group_commit_max = 256; ///< `store.group_commit_max` writes per batch

    // ---- rooms (domain policy) ----------------------------------------------------------
    rooms::Policy policy;  ///< `rooms.invitation_ttl`, `rooms.backstage_timeout`, ...

    // ---- engagement (docs/engagement.md) ------------------------------------------------------
    /// `engagement.max_message_chars`, `engagement.max_mute`, `engagement.max_ban`,
    /// `engagement.max_room_products`, `engagement.reactions`,
    /// `engagement.reactions_per_user_per_second`.
    rooms::EngagementPolicy engagement;
    /// `engagement.viewer_cache_ttl`: how long a room's status and a user's moderation row read
    /// from the store answer "may this user react / watch" (0 = read the store every time).
    std::chrono::milliseconds engagement_viewer_cache_ttl{2000};

    // ---- realtime --------------------------------------------------------------------------
    int realtime_retention_events = 1000;                   ///< `realtime.retention_events`
    std::chrono::seconds realtime_retention_age{600};       ///< `realtime.retention_age`
    std::size_t realtime_queue_limit = 1024;                ///< `realtime.queue_limit` (frames)
    std::chrono::seconds realtime_ping_interval{20};        ///< `realtime.ping_interval`
    std::chrono::seconds realtime_idle_timeout{60};         ///< `realtime.idle_timeout`
    int realtime_max_connections = 100000;                  ///< `realtime.max_connections`
    /// `realtime.threads`: WebSocket I/O threads for fan-out; 0 = run on the control thread.
    int realtime_threads = 2;
    /// `realtime.write_interval`: paced delivery — a fan-out thread flushes its sockets at most once
    /// per interval while events keep coming (one gathered write per socket instead of one per
    /// event); the first event after a quiet interval is written at once. 0 = write every event.
    std::chrono::milliseconds realtime_write_interval{50};

    // ---- http limits -------------------------------------------------------------------------
    std::size_t http_max_body = 64 * 1024;  ///< `http.max_body_bytes`
    int http_max_json_depth = 32;           ///< `http.max_json_depth`
    /// `http.threads`: HTTP I/O threads (parse requests, write responses; handlers stay on the
    /// control thread); 0 = run HTTP sessions on the control thread.
    int http_threads = 2;
    /// `http.ui_dir`: the web app served at `/`. Empty = `<repo>/web/demo/dist` found next to
    /// the binary or under the working directory; `off` = no app.
    std::string http_ui_dir;

    // ---- metrics ------------------------------------------------------------------------------
    bool metrics_enabled = true;  ///< `metrics.enabled`: serve `GET /metrics` (false: 404)

    // ---- outgoing webhooks (docs/webhooks.md) -------------------------------------------------
    /// `webhooks.urls`: http:// URLs that receive every product event; empty = off. From the
    /// environment: comma-separated.
    std::vector<std::string> webhook_urls;
    std::chrono::milliseconds webhook_timeout{5000};        ///< `webhooks.timeout` per request
    std::chrono::milliseconds webhook_retry_initial{1000};  ///< `webhooks.retry_initial`
    std::chrono::milliseconds webhook_retry_max{60000};     ///< `webhooks.retry_max`
    /// `webhooks.max_backlog_age`: an event not delivered this long after it happened is
    /// skipped (counted as dropped), and pruning may delete it.
    std::chrono::milliseconds webhook_max_backlog_age{24 * 3600 * 1000};

    /// The effective config as YAML with secrets redacted, for the start-up log.
    [[nodiscard]] std::string dump_redacted() const;
    /// true when `http_addr`'s host is a loopback address (127.0.0.0/8, ::1, localhost).
    [[nodiscard]] bool listens_on_loopback() const;
    [[nodiscard]] bool dev_login_enabled() const { return dev_login.value_or(listens_on_loopback()); }
};

/// Command-line overrides; only the flags given are set.
struct CliOverrides {
    std::optional<std::string> config_path, http_addr, data_dir, api_key, api_secret;
    std::optional<std::uint16_t> udp_port;
    std::optional<bool> dev_login;
};

/// Builds the config: defaults, then the YAML file (if any), then `env` (`COHOST_*` entries),
/// then `cli`. Throws ConfigError naming the key on unknown keys or invalid values.
[[nodiscard]] Config load_config(const CliOverrides& cli,
                                 const std::map<std::string, std::string>& env);

/// Applies one YAML document (already read) over `cfg`; exposed for tests.
void apply_yaml(Config& cfg, const std::string& yaml_text);

/// The `COHOST_*` entries of the process environment.
[[nodiscard]] std::map<std::string, std::string> cohost_environment();

}  // namespace cohost::server
