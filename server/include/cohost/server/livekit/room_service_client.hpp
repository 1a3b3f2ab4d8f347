#pragma once
/// \file An asynchronous client for LiveKit's RoomService Twirp API
/// (`POST {url}/twirp/livekit.RoomService/{Method}`, reference/livekit-protocol.md §2). The same
/// code drives the embedded media server and a LiveKit cluster.
///
/// Every call mints its own API token (HS256, `iss` = api key, 10-minute TTL) carrying exactly the
/// grant the method needs (`roomCreate`, `roomList`, or `roomAdmin` + `room`), sends
/// protobuf-JSON (lowerCamelCase, defaults omitted, int64 as strings) with
/// `Content-Type: application/json`, and decodes Twirp errors (`{"code","msg"}`).
///
/// Threading: calls are made on, and callbacks run on, the io_context given at construction (the
/// control thread). No call blocks: I/O is asynchronous Beast. Each call has a timeout; idempotent
/// calls (everything except SendData) are retried with exponential backoff on transport errors
/// and on 5xx / `unavailable`, up to `max_attempts`. A callback runs exactly once, even when the
/// client is destroyed first (then with a `canceled` error) — never after the io_context stopped.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cohost/server/livekit/models.hpp"

namespace cohost::server::livekit {

/// A failed call. Transport failures (connect refused, timeout, bad response) have
/// `http_status` 0 and `code` `unavailable` or `deadline_exceeded`; a call cut short by the
/// client's destruction has `http_status` 0 and `code` `canceled`. A non-2xx answer has its HTTP
/// status and the Twirp `{"code","msg"}` (or, when the body is not Twirp JSON, `unavailable` for
/// 503, `internal` for other 5xx, `unknown` otherwise, with the body text as `msg`). A 2xx whose
/// body is not the expected message has its status and `malformed`.
struct TwirpError {
    int http_status = 0;
    std::string code;  ///< Twirp code: `not_found`, `unauthenticated`, `internal`, ...
    std::string msg;
    [[nodiscard]] bool not_found() const noexcept { return code == "not_found"; }
};

template <class T>
using TwirpResult = std::variant<T, TwirpError>;  ///< index 0 = success
struct Empty {};

template <class T>
using Callback = std::function<void(TwirpResult<T>)>;

/// Observes every finished call (after retries), for metrics: method name (`RemoveParticipant`),
/// total latency, and the outcome (`ok` or the Twirp code).
using CallObserver = std::function<void(std::string_view method, std::chrono::nanoseconds latency,
                                        std::string_view outcome)>;

struct ClientOptions {
    std::string url;  ///< `http://host:port` (a `ws://`/`wss://` URL is rewritten to http/https)
    std::string api_key;
    std::string api_secret;
    std::chrono::milliseconds timeout{5000};  ///< per attempt
    int max_attempts = 4;                     ///< idempotent calls only; SendData is tried once
    std::chrono::milliseconds backoff_initial{100};
    std::chrono::milliseconds backoff_max{2000};
    CallObserver observer;  ///< optional
    /// `https://` only: a PEM file of extra trust anchors (a private CA, tests). The system
    /// default CA paths are always trusted; empty = those only.
    std::string ca_file;
};

/// The RoomService calls cohost makes. Abstract so the app can be tested with a recording fake.
class RoomServiceClient {
public:
    virtual ~RoomServiceClient() = default;

    virtual void create_room(const std::string& room, std::uint32_t empty_timeout_s,
                             const std::string& metadata, Callback<RoomInfo> cb) = 0;
    /// `names` empty = all rooms.
    virtual void list_rooms(const std::vector<std::string>& names,
                            Callback<std::vector<RoomInfo>> cb) = 0;
    virtual void delete_room(const std::string& room, Callback<Empty> cb) = 0;
    virtual void list_participants(const std::string& room,
                                   Callback<std::vector<ParticipantInfo>> cb) = 0;
    virtual void remove_participant(const std::string& room, const std::string& identity,
                                    Callback<Empty> cb) = 0;
    /// A `permission` replaces the participant's whole permission (absent booleans are false).
    virtual void update_participant(const std::string& room, const std::string& identity,
                                    const std::optional<std::string>& metadata,
                                    const std::optional<ParticipantPermission>& permission,
                                    Callback<ParticipantInfo> cb) = 0;
    virtual void mute_published_track(const std::string& room, const std::string& identity,
                                      const std::string& track_sid, bool muted,
                                      Callback<TrackInfo> cb) = 0;
    /// `data` is raw bytes (sent base64); a 16-byte random `nonce` is added. Not retried.
    virtual void send_data(const std::string& room, const std::string& data, bool reliable,
                           const std::vector<std::string>& destination_identities,
                           const std::optional<std::string>& topic, Callback<Empty> cb) = 0;
};

/// The Twirp/HTTP implementation, over Boost.Beast on `ioc`.
///
/// URLs: `http://`, `https://`, `ws://` (= http) and `wss://` (= https), with an optional port
/// and an optional path prefix (`https://proxy/livekit` posts to `/livekit/twirp/...`). TLS
/// verifies the peer certificate against the system default CA paths (plus `ca_file`) and the
/// URL's host name, and sends SNI. Any other scheme, or an unparsable URL, throws
/// std::invalid_argument naming it.
///
/// Connections: one per attempt (`Connection: close`), no pool: control calls are rare and this
/// keeps retries and cancellation simple. Responses over 4 MiB fail the attempt.
///
/// Lifetime: destroying the client cancels the calls in flight; their callbacks then run later,
/// on `ioc`, with code `canceled`, and the observer is not called for them (it may capture
/// objects destroyed together with the client). Callbacks never touch the client, so a callback
/// may destroy it. Single-threaded: call the methods and destroy the client on `ioc`'s thread.
/// An exception thrown by a callback is a bug and propagates out of `ioc.run()`.
[[nodiscard]] std::unique_ptr<RoomServiceClient> make_twirp_client(boost::asio::io_context& ioc,
                                                                   ClientOptions opts);

}  // namespace cohost::server::livekit
