#pragma once
/// \file The embedded SFU's entry point (architecture.md "media plane"; docs/media.md).
///
/// `MediaServer` owns the media workers: N threads, each with its own `io_context` and UDP
/// socket (worker i listens on `udp_port + i`, or an ephemeral port when `udp_port` is 0). A
/// media room is pinned to one worker for its whole life, so every packet of a room is handled
/// on one thread without locks. The HTTP front ends (WHIP/WHEP today, LiveKit signalling next)
/// call the thread-safe methods below from the control thread; each call is posted to the
/// room's worker and waited for (bounded), so the answer SDP reflects the room as it is.
///
/// Lifetime: construct, `start()` (binds, starts threads; throws on bind failure), use,
/// `stop()` (idempotent; closes every session with DTLS close_notify, joins threads).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cohost::media {

struct MediaConfig {
    std::string public_ip = "127.0.0.1";  ///< the ICE candidate address
    std::string bind_ip;                  ///< listen address; empty = public_ip
    std::uint16_t udp_port = 7882;        ///< first worker's port; 0 = ephemeral ports
    unsigned workers = 0;                 ///< 0 = hardware threads - 1, at least 1
    /// Share (0..50 %) of first sends of outgoing video RTP to drop, for NACK tests.
    unsigned test_drop_video_percent = 0;
    /// When not empty: the first packets each session receives are written to files here
    /// (see docs/media.md "Test hooks"). Never in production: it writes ICE passwords.
    std::string test_capture_dir;
    /// A session with no STUN binding request for this long is dropped (RFC 7675 consent
    /// freshness; browsers check every ~5 s). Also bounds a session that never connects.
    std::chrono::milliseconds consent_timeout{30'000};
    /// A publisher's RTP packet that waited longer than this in the worker's socket buffer (the
    /// kernel's receive stamp against the time it is read) is dropped unread: an overloaded
    /// worker stays live, at the cost of loss that NACK, PLI and the publisher's congestion
    /// control then answer, instead of delivering everything seconds late. STUN, DTLS and
    /// RTCP are never dropped. 0 = never.
    std::chrono::milliseconds max_queue_delay{500};
};

/// Publish: WHIP (receive only). Subscribe: WHEP (send only; bound to the room's tracks
/// automatically). Participant: a LiveKit single peer connection that publishes and receives;
/// renegotiated by each client offer, its receive sections are bound only while answering.
/// ParticipantSubscriber: the subscriber peer connection of LiveKit's two-peer-connection mode;
/// the SFU offers it (create_subscriber_session), the client answers (it is never created by
/// create_session).
enum class SessionKind : std::uint8_t { Publish, Subscribe, Participant, ParticipantSubscriber };

/// Per-offer context of a Participant session (from LiveKit signalling).
struct ParticipantContext {
    std::string participant_sid;  ///< "PA_…": the stream id prefix of what it publishes
    /// Tracks announced by `add_track` and not yet seen in an offer: cid (the msid track id of
    /// the sendonly section) → track sid ("TR_…"). Matched sections take the sid.
    std::vector<std::pair<std::string, std::string>> pending_tracks;
    /// LiveKit grants for data channels: the DataPackets it sends are forwarded only with
    /// `can_publish_data`; a `hidden` sender's are forwarded without its identity.
    bool can_publish_data = true;
    bool hidden = false;
    /// The track sids this participant may receive (manual subscriptions); nullopt: every track
    /// of the room (LiveKit auto-subscribe with no track unsubscribed).
    std::optional<std::vector<std::string>> subscribed_tracks;
};

/// A LiveKit `DataPacket` to deliver to participants of a room (RoomService SendData).
struct DataDelivery {
    std::string packet;  ///< the serialized DataPacket, sent as one binary message
    bool lossy = false;  ///< on the receivers' `_lossy` channel, else `_reliable`
    /// Receivers: participants whose identity or participant sid is listed; both empty = all.
    std::vector<std::string> destination_identities;
    std::vector<std::string> destination_sids;
};

/// A track a Participant offer started publishing.
struct PublishedTrackInfo {
    std::string track_sid;
    std::string cid;  ///< the msid track id it was matched by (empty if none)
    std::string mid;
    bool video = false;
    int layers = 1;
    std::string mime_type;  ///< "audio/opus", "video/VP8", "video/H264"
};

/// The outcome of creating or changing a session. On failure `status` is the HTTP status to
/// answer (400 bad offer, 404 unknown session, 503 shutting down) and `code`/`message` fill the
/// error envelope.
struct SessionAnswer {
    int status = 201;
    std::string code;
    std::string message;
    std::string resource_id;  ///< the session id (Location path segment)
    std::string answer_sdp;
    // Participant sessions only:
    std::vector<std::pair<std::string, std::string>> mid_to_track_id;  ///< sections the SFU sends on
    std::vector<PublishedTrackInfo> published;  ///< tracks this offer started
    std::vector<std::string> unpublished;       ///< track sids this offer ended
};

/// The outcome of a step of a server-offered session (create_subscriber_session and the calls
/// after it). On failure `status` is 400 (bad answer), 404 (unknown session), 409 (no offer is
/// waiting for an answer, or the answer is for another offer) or 503, with `code`/`message`.
struct ServerOfferUpdate {
    int status = 200;
    std::string code;
    std::string message;
    std::string resource_id;
    std::string offer_sdp;       ///< the next offer to send; empty: nothing to offer now
    std::uint32_t offer_id = 0;  ///< its id (the client's answer echoes it)
    /// The offer's live sections: mid → track sid (LiveKit `mid_to_track_id`).
    std::vector<std::pair<std::string, std::string>> mid_to_track_id;
    std::vector<std::string> confirmed;  ///< track sids the client's answer just accepted
};

/// How many more receive sections of each kind a Participant needs to get every track of its
/// room it does not receive yet (LiveKit `media_sections_requirement`).
struct SectionNeeds {
    int audio = 0;
    int video = 0;
    bool rebind = false;  ///< tracks are waiting or sections went stale: ask for a new offer
};

/// Counters for /metrics and tests (sums over workers).
struct MediaStats {
    std::uint64_t sessions = 0;
    std::uint64_t rooms = 0;
    std::uint64_t rtp_in = 0;
    std::uint64_t rtp_out = 0;
    std::uint64_t nack_resent = 0;
    std::uint64_t keyframe_requests = 0;
    std::uint64_t dropped_test = 0;
    std::uint64_t srtp_errors = 0;
    std::uint64_t send_failed = 0;  ///< datagrams the kernel refused (send buffer full, unreachable)
    std::uint64_t send_calls = 0;   ///< send system calls for forwarded media (one per batch)
    std::uint64_t rtp_stale = 0;    ///< publishers' RTP dropped after max_queue_delay in the socket
    // data channels (LiveKit DataPackets)
    std::uint64_t data_in = 0;         ///< messages received on data channels
    std::uint64_t data_out = 0;        ///< DataPackets sent to participants
    std::uint64_t data_malformed = 0;  ///< received packets that are not DataPackets
    std::uint64_t data_refused = 0;    ///< from senders without canPublishData
    std::uint64_t data_dropped = 0;    ///< not forwarded or not deliverable (see worker_data.cpp)
};

class MediaServer {
public:
    explicit MediaServer(MediaConfig config);
    ~MediaServer();
    MediaServer(const MediaServer&) = delete;
    MediaServer& operator=(const MediaServer&) = delete;

    /// Generates the DTLS certificate, binds one UDP socket per worker and starts the threads.
    /// Throws std::system_error / std::runtime_error on failure.
    void start();
    /// Closes every session and joins the workers. Idempotent; thread-safe.
    void stop();

    /// Creates a WHIP (publish) or WHEP (subscribe) session in `room` for `identity` from an SDP
    /// offer. Thread-safe; blocks until the room's worker has set it up (at most ~2 s).
    [[nodiscard]] SessionAnswer create_session(SessionKind kind, const std::string& room,
                                               const std::string& identity,
                                               std::string_view offer_sdp,
                                               const ParticipantContext& context = {});
    /// Answers a new offer of an existing Participant session (same transport).
    [[nodiscard]] SessionAnswer renegotiate(const std::string& room, const std::string& resource_id,
                                            std::string_view offer_sdp,
                                            const ParticipantContext& context);
    /// See SectionNeeds; all zero for unknown sessions. With `subscribed_tracks`, only those
    /// tracks count (manual subscriptions).
    [[nodiscard]] SectionNeeds section_needs(
        const std::string& room, const std::string& resource_id,
        const std::optional<std::vector<std::string>>& subscribed_tracks = std::nullopt);

    /// LiveKit two peer connections: creates the subscriber connection of a participant and
    /// its first offer (a data section plus a sendonly section per track of `tracks` found in
    /// the room; see negotiate_offer.hpp). Thread-safe.
    [[nodiscard]] ServerOfferUpdate create_subscriber_session(const std::string& room,
                                                              const std::string& identity,
                                                              const ParticipantContext& context,
                                                              std::vector<std::string> tracks);
    /// Sets the track sids a subscriber connection should carry. Returns the next offer when
    /// that changes its sections and no offer is waiting for an answer (else the change waits
    /// for the answer). Tracks that left the room end their sections here too.
    [[nodiscard]] ServerOfferUpdate set_subscriber_tracks(const std::string& room,
                                                          const std::string& resource_id,
                                                          std::vector<std::string> tracks);
    /// Applies the client's answer (`answer_id` = the offer id it answers; 0 = the waiting one).
    /// The first answer starts the transport (ICE, DTLS). May return the next offer.
    [[nodiscard]] ServerOfferUpdate apply_subscriber_answer(const std::string& room,
                                                            const std::string& resource_id,
                                                            std::string_view answer_sdp,
                                                            std::uint32_t answer_id);
    /// Ends a session of `room` (DTLS close_notify, tracks ended for subscribers). False when
    /// no such session exists in that room, or it is not of `kind` / not `identity`'s (when
    /// given: a WHIP resource cannot be deleted through /whep, nor by another user).
    bool delete_session(const std::string& room, const std::string& resource_id,
                        std::optional<SessionKind> kind = std::nullopt,
                        const std::string& identity = {});
    /// Takes a session out of `room` at once (its tracks end for their subscribers; nothing is
    /// forwarded to or from it any more) but keeps its transport (ICE, DTLS, data channels) up
    /// until the peer closes it or `linger` passes. LiveKit signalling departs a participant
    /// this way right after sending `leave`, so the client reads the `leave` before its
    /// connection drops (else livekit-client reports its data channels "closed unexpectedly").
    /// A session whose transport is not up yet is deleted at once. False when no such session.
    bool depart_session(const std::string& room, const std::string& resource_id,
                        std::chrono::milliseconds linger);
    /// Test hook: caps the bitrate the SFU assumes for a subscribe session (0 = no cap), which
    /// selects the simulcast layer it is sent. False when the session does not exist.
    bool set_bandwidth_cap(const std::string& room, const std::string& resource_id,
                           std::uint64_t bps);

    /// Called on a media worker thread when a session's transport is up (ICE + DTLS done), with
    /// the room and the resource id. Thread-safe to set at any time; the handler must not block
    /// (post it). LiveKit signalling reports `participant_joined` from here, as LiveKit does when
    /// a participant becomes active.
    void set_connected_handler(std::function<void(const std::string& room, const std::string& id)> h);

    /// Delivers a DataPacket to the participants of `room` it addresses (RoomService
    /// SendData). Reliable packets wait (bounded) for a receiver's `_reliable` channel to open.
    /// Returns how many participants it was sent or queued to. Thread-safe.
    std::size_t send_data(const std::string& room, DataDelivery delivery);
    /// Changes whether a Participant session's DataPackets are forwarded (RoomService
    /// UpdateParticipant permission). False when the session does not exist.
    bool set_data_permission(const std::string& room, const std::string& resource_id,
                             bool can_publish_data);

    [[nodiscard]] MediaStats stats() const;
    /// Rooms currently pinned to a worker. A room is unpinned when a delete_session (or a
    /// refused first session) leaves its worker without it; rooms emptied by consent timeouts
    /// stay pinned until then (a few bytes each).
    [[nodiscard]] std::size_t pinned_rooms() const;
    /// The bound UDP port of each worker (after start()).
    [[nodiscard]] std::vector<std::uint16_t> udp_ports() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cohost::media
