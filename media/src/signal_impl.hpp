#pragma once
/// \file Internal to media/: the state behind SignalServer. `Session` is one participant's
/// WebSocket (signal_session.cpp: reading, the write queue, close); `SignalServer::Impl` holds the
/// rooms and applies the protocol (signal_server.cpp). All on the control thread.
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cohost/media/grants.hpp"
#include "cohost/media/signal_server.hpp"
#include "livekit_rtc.pb.h"

namespace cohost::media {

/// One SignalResponse sent to many sessions (a room broadcast): encoded at most once per wire form
/// (protobuf binary, protobuf-JSON text) instead of once per recipient. Refers to `msg`, which must
/// outlive it.
class SharedResponse {
public:
    explicit SharedResponse(const livekit::SignalResponse& msg) : msg_(msg) {}
    /// The bytes for a session that speaks `text`; nullptr when the message cannot be encoded
    /// (logged once).
    const std::string* encoded(bool text);

private:
    const livekit::SignalResponse& msg_;
    std::optional<std::string> bytes_[2];
    bool failed_[2] = {false, false};
};

/// One connected participant.
struct SignalSession : std::enable_shared_from_this<SignalSession> {
    explicit SignalSession(boost::beast::tcp_stream stream)
        : ws(std::move(stream)), refresh(ws.get_executor()) {}

    boost::beast::websocket::stream<boost::beast::tcp_stream> ws;
    boost::asio::steady_timer refresh;  ///< next refresh_token
    std::deque<std::string> outbox;  ///< serialized SignalResponses waiting to be written
    bool writing = false;
    bool text = false;     ///< the client spoke protobuf-JSON text frames: answer the same way
    bool closing = false;  ///< leave sent or the socket failed: nothing more is queued
    bool joined = false;
    bool active = false;  ///< media connected: participant_joined was reported

    std::string room;
    Grants grants;
    livekit::ParticipantInfo info;  ///< sid, identity, name, state, version, permission, tracks
    std::map<std::string, livekit::TrackInfo> pending;  ///< add_track cid → TrackInfo (no mid yet)
    std::string resource;  ///< the MediaServer Participant session (empty before the first offer)

    // Two peer connections (`/rtc`, signal_v0.cpp) and subscriptions (signal_subscribe.cpp).
    bool two_pc = false;       ///< joined on /rtc: `resource` is the publisher PC, the SFU offers
    std::string sub_resource;  ///< two_pc: the subscriber PC's ParticipantSubscriber session
    bool auto_subscribe = true;  ///< JoinRequest connection_settings / `auto_subscribe` query
    /// Explicit (un)subscriptions by track sid (UpdateSubscription, RoomService); they override
    /// `auto_subscribe` for that track.
    std::map<std::string, bool> subscriptions;
    /// This participant's own track sids already reported to it with `track_subscribed`.
    std::set<std::string> reported_subscribed;

    /// Queues `msg` (no-op once closing).
    void send(const livekit::SignalResponse& msg);
    /// Queues a broadcast's shared encoding (no-op once closing).
    void send(SharedResponse& msg);
    /// Sends `leave{reason, action DISCONNECT}` and closes after it is written.
    void leave(livekit::DisconnectReason reason);
    void pump();  ///< starts the write loop if idle
};

struct SignalRoom {
    std::string sid;
    std::string name;
    std::int64_t created_ms = 0;
    bool created_by_api = false;  ///< CreateRoom: kept while empty (until DeleteRoom)
    std::string metadata;
    std::uint32_t empty_timeout = 0;
    std::uint32_t max_participants = 0;
    std::map<std::string, std::shared_ptr<SignalSession>> participants;  ///< by identity
};

struct SignalServer::Impl : std::enable_shared_from_this<SignalServer::Impl> {
    Impl(MediaServer& m, SignalConfig c) : media(m), cfg(std::move(c)) {}

    MediaServer& media;
    SignalConfig cfg;
    std::map<std::string, SignalRoom> rooms;
    bool stopping = false;
    std::optional<boost::asio::any_io_executor> exec;  ///< the control thread (first accept)
    /// A session's media transport came up (posted from a media worker): report it joined.
    void on_media_connected(const std::string& room, const std::string& resource);
    std::function<void(std::string)> sink;  ///< webhook events (set_event_sink)
    SignalServer::Admission admission;      ///< set_admission (empty: every valid token joins)
    /// The admission's verdict on a verified token: {0, ""} to admit, else {status, why}.
    [[nodiscard]] std::pair<int, std::string> admit(const Grants& grants) const;
    /// Sends one webhook event to the sink (no-op without one).
    void emit(const char* event, const SignalRoom& room, const livekit::ParticipantInfo* who,
              const livekit::TrackInfo* track);

    // signal_server.cpp: protocol
    void join(const std::shared_ptr<SignalSession>& s, const livekit::JoinRequest& jr);
    void on_request(const std::shared_ptr<SignalSession>& s, const livekit::SignalRequest& req);
    void on_offer(const std::shared_ptr<SignalSession>& s, const livekit::SessionDescription& o);
    void on_add_track(const std::shared_ptr<SignalSession>& s, const livekit::AddTrackRequest& r);
    /// Removes a participant (socket gone, leave, removal) and tells the room.
    void depart(const std::shared_ptr<SignalSession>& s);
    void broadcast_info(const SignalRoom& room, const SignalSession& who);
    /// Sends `refresh_token` now and re-arms the session's timer (half the token lifetime).
    void refresh_token(const std::shared_ptr<SignalSession>& s);
    /// Asks every other participant of `room` that misses tracks for a new offer.
    void request_sections(SignalRoom& room, const SignalSession* except);

    // signal_v0.cpp: the two-peer-connection mode
    /// After the JoinResponse of a two_pc session: the subscriber PC and its first offer.
    void start_subscriber(const std::shared_ptr<SignalSession>& s);
    /// The client's answer to a subscriber-PC offer.
    void on_answer(const std::shared_ptr<SignalSession>& s, const livekit::SessionDescription& a);
    /// Sends a server offer (if the update carries one) and reports confirmed subscriptions.
    void deliver_offer(SignalRoom& room, const std::shared_ptr<SignalSession>& s,
                       const ServerOfferUpdate& u);

    // signal_subscribe.cpp: subscriptions (auto and manual)
    /// The track sids `s` should receive now: other participants' tracks it is subscribed to
    /// (none without canSubscribe).
    [[nodiscard]] std::vector<std::string> wanted_tracks(const SignalRoom& room,
                                                         const SignalSession& s) const;
    /// For a single-PC session's offers: nullopt when it takes every track (auto-subscribe,
    /// nothing unsubscribed), else wanted_tracks().
    [[nodiscard]] std::optional<std::vector<std::string>> subscribed_tracks(
        const SignalRoom& room, const SignalSession& s) const;
    /// Brings what `s` receives in line with its subscriptions: a new server offer (two_pc) or
    /// `media_sections_requirement` so the client re-offers (single PC; `force` asks even when
    /// no section is missing, e.g. to end an unsubscribed track).
    void sync_subscriptions(SignalRoom& room, const std::shared_ptr<SignalSession>& s, bool force);
    /// UpdateSubscription from the client or RoomService UpdateSubscriptions.
    void update_subscriptions(SignalRoom& room, const std::shared_ptr<SignalSession>& s,
                              const std::vector<std::string>& track_sids, bool subscribe);
    /// `track_subscribed` to the publishers of `track_sids` (once per track).
    void report_subscribed(SignalRoom& room, const std::vector<std::string>& track_sids);
    /// Departure webhook: participant_left once the media had connected, else
    /// participant_connection_aborted (LiveKit's telemetry ParticipantLeft).
    void emit_departure(const SignalRoom& room, const SignalSession& s);
    [[nodiscard]] std::string random_sid(const char* prefix) const;
    /// The room as RoomService and JoinResponse describe it.
    [[nodiscard]] livekit::Room describe(const SignalRoom& room) const;
    /// Creates the room entry if missing (sid, name, creation time).
    SignalRoom& room_entry(const std::string& name);
};

}  // namespace cohost::media
