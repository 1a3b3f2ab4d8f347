#pragma once
/// \file media_loadgen's `--signalling livekit` mode: every peer joins the room through cohostd's
/// LiveKit signalling (`/rtc/v1`, one peer connection, livekit-protocol.md §4) instead of
/// WHIP/WHEP, as livekit-client 2.23.0 does by default.
///
/// Each peer is one WebSocket to `/rtc/v1?access_token=<HS256 token>&join_request=<base64url of
/// a WrappedJoinRequest (compression NONE) around a protobuf JoinRequest>`:
///  * subscriber (token: roomJoin, room, canSubscribe): the JoinRequest carries its recvonly
///    audio + video offer as `publisher_offer` (id 1); the SFU answers it with the room's tracks
///    bound to those sections, which `mid_to_track_id` must name (checked against the publisher's
///    track sids from the JoinResponse).
///  * publisher (token: roomJoin, room, canPublish): joins without an offer, sends `add_track`
///    for each sendonly section of its offer (`cid` = the section's msid track id), waits for
///    every `track_published` (matched by `cid`), then sends the offer (id 1) and takes the
///    answer with the same id.
/// After the answer the socket stays open and is read continuously: `ping` and `ping_req` every
/// `ping_interval` seconds of the JoinResponse, `media_sections_requirement` answered with a
/// re-offer (same SDP, next id) as livekit-client does, everything else counted or ignored.
/// `close()` sends `leave` (CLIENT_INITIATED) and closes each socket.
///
/// Threading: the WebSockets run on one signalling thread owned by the setup object, separate
/// from the peers' threads; the orchestrating thread calls the SessionSetup methods (which post
/// to that thread and wait, each bounded by 15 s).
#include <memory>

#include "session_setup.hpp"

namespace cohost::media_loadgen {

/// LiveKit joins against the server `http` talks to (its endpoint and Host header only).
[[nodiscard]] std::unique_ptr<SessionSetup> make_livekit_setup(const HttpSync& http,
                                                               SetupAuth auth);

}  // namespace cohost::media_loadgen
