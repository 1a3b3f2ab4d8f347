#pragma once
/// \file LiveKit client signalling for the embedded SFU (livekit-protocol.md §4): the `/rtc/v1`
/// WebSocket of livekit-client's default single-peer-connection mode. One `SignalServer` per
/// process keeps the rooms and participants as LiveKit clients see them (sids, ParticipantInfo
/// versions, published TrackInfo) and drives `MediaServer` Participant sessions: the in-join
/// offer and every later offer are answered with the session's SDP and `mid_to_track_id`;
/// `add_track` gets `track_published`; a participant that must receive new tracks is sent
/// `media_sections_requirement` after the publisher's `update`, so it re-offers and the answer
/// binds them (ParticipantInfo always reaches a subscriber before the SDP that carries a track).
/// The two-peer-connection mode (`/rtc`) answers the publisher PC the same way and offers the
/// subscriber PC itself (a `ParticipantSubscriber` session, one offer outstanding at a time).
/// Subscriptions follow `auto_subscribe` unless the client (UpdateSubscription) or RoomService
/// (UpdateSubscriptions) names tracks; publishers get `track_subscribed` once per track.
///
/// Threading: everything runs on the control thread (the executor of the accepted streams);
/// calls into `MediaServer` wait briefly for the room's media worker. Not thread-safe otherwise.
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cohost/media/media_server.hpp"

namespace cohost::media {

struct SignalConfig {
    std::string api_key;     ///< tokens must be issued (`iss`) by this key...
    std::string api_secret;  ///< ...and signed with this secret
    std::string server_version = "1.9.0";  ///< reported in ServerInfo (the client needs >= 1.8)
    int ping_interval_s = 5;
    int ping_timeout_s = 15;
    /// A connected participant is sent `refresh_token` (same grants, this lifetime) right after
    /// joining and then every half lifetime, so a re-join after its first token expired works.
    int refresh_token_ttl_s = 600;
};

/// A participant as the RoomService API lists it.
struct SignalParticipant {
    std::string sid;
    std::string identity;
    std::string name;
    std::vector<std::string> track_sids;
};

class SignalServer {
public:
    SignalServer(MediaServer& media, SignalConfig config);
    ~SignalServer();
    SignalServer(const SignalServer&) = delete;
    SignalServer& operator=(const SignalServer&) = delete;

    /// Takes over an upgraded `/rtc/v1` connection (control thread), or with
    /// `two_peer_connections` a `/rtc` one (livekit-client `singlePeerConnection: false` and its
    /// fallback: settings in the query, the SFU offers the subscriber PC). A bad token gets an
    /// HTTP 401 before the upgrade (the client then asks `/rtc/v1/validate` or `/rtc/validate`
    /// why).
    void accept(boost::beast::tcp_stream stream,
                boost::beast::http::request<boost::beast::http::string_body> request,
                std::map<std::string, std::string> query, bool two_peer_connections = false);
    /// Decides whether a participant whose token is valid may join now: "" admits, anything
    /// else is the reason it may not (an HTTP 403 before the upgrade, and the /validate answer,
    /// which livekit-client reports as a NotAllowed ConnectionError). cohostd asks the control
    /// plane (a removed co-host's old broadcast token is refused). Called on the signalling
    /// thread; may throw (the join then gets a 503). Unset: every valid token joins.
    using Admission = std::function<std::string(const std::string& room,
                                                const std::string& identity, bool can_publish)>;
    void set_admission(Admission admission);
    /// `GET /rtc/v1/validate` and `/rtc/validate`: {200, "success"}, {401, why} for a bad token,
    /// {403, why} when the admission refuses.
    [[nodiscard]] std::pair<int, std::string> validate(
        const std::map<std::string, std::string>& query) const;

    /// Where LiveKit webhook events go (`room_started`, `participant_joined`, `track_published`,
    /// `track_unpublished`, `participant_left` or, for a participant whose media never
    /// connected, `participant_connection_aborted`, `room_finished`): each call gets one
    /// `WebhookEvent` as protobuf-JSON (camelCase, like LiveKit's). Called on the control thread;
    /// the sink must not call back into the SignalServer synchronously (post it).
    void set_event_sink(std::function<void(std::string event_json)> sink);

    /// Every session gets `leave(SERVER_SHUTDOWN)` and is closed.
    void shutdown();
    /// RoomService: removes a participant (`leave(PARTICIPANT_REMOVED)`). False if unknown.
    bool remove_participant(const std::string& room, const std::string& identity);
    /// RoomService: disconnects everyone in the room (`leave(ROOM_DELETED)`). False if unknown.
    bool delete_room(const std::string& room);
    [[nodiscard]] std::vector<std::string> room_names() const;

    /// One Twirp answer: status, content type and body.
    struct TwirpResponse {
        int status = 200;
        std::string content_type = "application/json";
        std::string body;
    };
    /// `POST /twirp/livekit.RoomService/{method}` (livekit-protocol.md §2): JSON
    /// (`application/json`) or protobuf (`application/protobuf`) bodies, the grant of each
    /// method checked on the bearer token, Twirp error bodies `{"code","msg"}` with exactly
    /// `Content-Type: application/json`.
    [[nodiscard]] TwirpResponse twirp(std::string_view method, std::string_view content_type,
                                      std::string_view authorization, std::string_view body);
    [[nodiscard]] std::vector<SignalParticipant> participants(const std::string& room) const;

    struct Impl;  ///< private; public so the session coroutines can name it

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace cohost::media
