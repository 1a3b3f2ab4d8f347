#pragma once
// Private to cohost_livekit: the HTTP side of the Twirp client (one call = token, POST, retries,
// error decoding). twirp_client.cpp builds the request bodies and decodes the typed answers.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <list>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "cohost/server/livekit/room_service_client.hpp"

namespace cohost::server::livekit::detail {

/// Largest response body read (anything bigger fails the attempt as `unavailable`).
inline constexpr std::size_t kMaxResponseBody = 4 * 1024 * 1024;
/// Longest `msg` kept from a non-Twirp error body.
inline constexpr std::size_t kMaxErrorMessage = 1024;

/// Where calls go, parsed once from ClientOptions::url.
struct Endpoint {
    bool tls = false;
    std::string host;         ///< name or address to resolve, verify and send as SNI (no brackets)
    std::string port;         ///< service name or number for the resolver
    std::string host_header;  ///< `Host:` value, as written in the URL (`[::1]:7880`)
    std::string path_prefix;  ///< URL path without trailing `/` (usually empty)
};

/// Parses `url` (`http`, `https`, `ws` = http, `wss` = https). Throws std::invalid_argument
/// naming the problem (the scheme when it is not one of those four).
[[nodiscard]] Endpoint parse_endpoint(std::string_view url);

/// The Twirp error for a non-2xx answer: `{"code","msg"}` when the media type is
/// application/json and the body has a string `code`; otherwise the code follows the status
/// (503 `unavailable`, other 5xx `internal`, else `unknown`) and `msg` is the body text, cut to
/// kMaxErrorMessage bytes at a UTF-8 boundary.
[[nodiscard]] TwirpError error_from_response(unsigned status, std::string_view content_type,
                                             std::string_view body);

/// Receives the end of one call. Implemented per result type in twirp_client.cpp.
class Sink {
public:
    virtual ~Sink() = default;
    /// A 2xx JSON body; false when it is not the expected message (the call then fails as
    /// `malformed`).
    [[nodiscard]] virtual bool accept(const boost::json::value& body) = 0;
    virtual void fail(TwirpError e) = 0;
    /// Runs the user callback with what accept() or fail() stored. Called exactly once.
    virtual void deliver() = 0;
};

class Call;

/// What a client and its calls share. Kept alive by the client and by every call in flight, so
/// calls can end after the client is gone.
struct ClientState {
    ClientState(boost::asio::io_context& io, ClientOptions o, Endpoint e);

    boost::asio::io_context& ioc;
    ClientOptions opts;
    Endpoint endpoint;
    std::unique_ptr<boost::asio::ssl::context> tls;  ///< set when endpoint.tls
    std::mt19937_64 rng;                             ///< backoff jitter
    std::list<std::weak_ptr<Call>> calls;            ///< in flight
};

/// One RoomService call, as the client method prepared it.
struct CallSpec {
    std::string method;            ///< `RemoveParticipant`
    std::string body;              ///< protobuf-JSON request
    boost::json::object grant;     ///< the `video` claim of the API token
    bool retry = true;             ///< false for SendData
    std::unique_ptr<Sink> sink;
};

/// Starts the call on state->ioc. The sink is always completed later, never inside this call.
void start_call(const std::shared_ptr<ClientState>& state, CallSpec spec);

/// Cancels every call in flight (the client is being destroyed). Their sinks complete later,
/// on the io_context, with `canceled`.
void cancel_all(ClientState& state);

}  // namespace cohost::server::livekit::detail
