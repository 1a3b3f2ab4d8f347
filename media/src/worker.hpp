#pragma once
/// \file Internal to media/: one media worker: a thread, its `io_context`, one UDP socket, and
/// every room pinned to it with their sessions (peers), published tracks and down tracks.
///
/// Threading: everything below `Worker` is touched only on the worker thread. The facade
/// (`MediaServer`) reaches it through `Worker::call()`, which posts a function and waits for it.
/// Per-packet work (receive → demux → SRTP → forward → SRTP → send) does not allocate: buffers
/// are members, maps are looked up, not grown (except when a new SSRC is learnt).
///
/// Ownership: `Worker` owns peers (`peers_`) and rooms (`rooms_`); a room owns its published
/// tracks; a subscriber peer owns its down tracks. Raw pointers between them are cleared by the
/// teardown functions in worker_sessions.cpp in the order docs/lifecycles.md gives.
#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cohost/media/dtls.hpp"
#include "cohost/media/forwarder.hpp"
#include "cohost/media/keyframe_limiter.hpp"
#include "cohost/media/media_server.hpp"
#include "cohost/media/packet_cache.hpp"
#include "cohost/media/srtp.hpp"
#include "cohost/wire/rtcp_twcc.hpp"
#include "cohost/wire/rtp.hpp"
#include "capture.hpp"
#include "negotiate.hpp"
#include "send_batch.hpp"
#include "worker_data.hpp"
#include "worker_offer.hpp"

namespace cohost::media::detail {

using Udp = boost::asio::ip::udp;

inline constexpr int kMaxLayers = 3;
inline constexpr std::size_t kMaxDatagram = 1500;
/// Buffer for one packet plus the SRTP trailer.
inline constexpr std::size_t kPacketBuffer = 2048;

class Peer;
struct DownTrack;

/// One simulcast layer (or the only stream) of a published track, as received.
struct Layer {
    std::uint32_t ssrc = 0;
    bool known = false;
    std::unique_ptr<PacketCache> cache;  ///< video only: answers subscribers' NACKs
    std::uint64_t last_packet_us = 0;
    // bitrate over a sliding one-second window
    std::uint64_t window_start_us = 0;
    std::uint64_t window_bytes = 0;
    std::uint64_t bitrate_bps = 0;
    // receiver report state (RFC 3550 A.1/A.3)
    bool seq_init = false;
    std::uint16_t max_seq = 0;
    std::uint32_t cycles = 0;
    std::uint32_t base_seq = 0;
    std::uint64_t received = 0;
    std::uint64_t expected_prior = 0;
    std::uint64_t received_prior = 0;
    std::uint32_t last_sr = 0;  ///< middle 32 bits of the last SR's NTP time
    std::uint64_t last_sr_us = 0;

    [[nodiscard]] bool active(std::uint64_t now_us) const noexcept {
        return known && now_us - last_packet_us < 1'500'000;
    }
};

/// A track a publisher sends into a room.
struct PublishedTrack {
    std::string id;
    Peer* owner = nullptr;
    PublishSection spec;
    std::array<Layer, kMaxLayers> layers;
    int layer_count = 1;
    std::vector<DownTrack*> downs;
    KeyframeLimiter limiter;
};

/// One track slot of a subscriber: what it is sent on one negotiated section.
struct DownTrack {
    DownTrack(Peer* p, SubscribeSection s);
    Peer* peer = nullptr;
    SubscribeSection spec;
    PublishedTrack* source = nullptr;
    std::unique_ptr<Forwarder> forwarder;
    wire::rtp::ExtensionIdMap ext_map;  ///< source ids → this section's ids
    std::uint8_t abs_send_time_id = 0;  ///< on the outgoing packet (after mapping), to restamp
    bool had_source = false;
    /// Participant sessions: unbound from a track the client's current description still shows
    /// on this section. Not rebound until an answer has made it inactive (then with a new SSRC),
    /// else the client never sees a new track there (no `ontrack`, stale msid/SSRC).
    bool stale = false;
    // sender report state
    std::uint32_t packets = 0;
    std::uint32_t octets = 0;
    std::uint32_t last_ts = 0;
    std::uint64_t last_send_us = 0;
};

/// One WebRTC transport: a WHIP publisher or a WHEP subscriber.
class Peer {
public:
    SessionKind kind = SessionKind::Publish;
    std::string id;
    std::string room;
    std::string identity;
    std::string participant_sid;  ///< Participant sessions: "PA_…" (msid stream id prefix)
    std::uint64_t sdp_session_id = 0;
    std::uint64_t sdp_version = 0;
    std::string local_ufrag;
    std::string local_pwd;
    RemoteTransport remote;
    std::optional<Udp::endpoint> endpoint;
    std::uint64_t created_us = 0;
    std::uint64_t last_stun_us = 0;
    std::unique_ptr<DtlsTransport> dtls;
    std::unique_ptr<SrtpSession> srtp;
    bool closed = false;  ///< close_notify sent or received: only waits for DELETE / timeout
    /// Departed (depart_session): out of its room, its tracks ended, nothing forwarded to or
    /// from it; only the transport (ICE, DTLS, SCTP) stays up until the peer closes it or this
    /// time passes, so a client reads the signalling `leave` before its connection drops.
    /// 0 = in its room.
    std::uint64_t depart_deadline_us = 0;
    // publisher side
    std::vector<PublishedTrack*> tracks;
    std::unordered_map<std::uint32_t, std::pair<PublishedTrack*, int>> ssrc_map;
    bool transport_cc = false;
    std::vector<wire::rtcp::TwccArrival> twcc;  ///< arrivals since the last feedback
    std::uint8_t twcc_fb_count = 0;
    std::uint64_t last_twcc_us = 0;
    // subscriber side
    std::vector<std::unique_ptr<DownTrack>> downs;
    std::uint64_t bandwidth_cap = 0;
    // data channels (worker_data.cpp)
    PeerData data;
    /// ParticipantSubscriber sessions: the SFU's offers and their answers (worker_offer.cpp)
    std::unique_ptr<SubscriberOfferState> offer;

    [[nodiscard]] bool connected() const noexcept { return srtp != nullptr && !closed; }
    [[nodiscard]] bool departed() const noexcept { return depart_deadline_us != 0; }
};

struct Room {
    std::string name;
    std::vector<std::unique_ptr<PublishedTrack>> tracks;
    std::vector<Peer*> peers;
};

/// Key of a remote transport address in the endpoint map.
struct EndpointKey {
    std::array<std::uint8_t, 16> addr{};
    std::uint16_t port = 0;
    bool v6 = false;
    bool operator==(const EndpointKey&) const = default;
};
struct EndpointHash {
    std::size_t operator()(const EndpointKey& k) const noexcept;
};
[[nodiscard]] EndpointKey key_of(const Udp::endpoint& ep) noexcept;

class Worker {
public:
    using ConnectedFn = std::function<void(const std::string& room, const std::string& id)>;
    Worker(unsigned index, const MediaConfig& cfg, std::shared_ptr<const DtlsCertificate> cert,
           ConnectedFn connected = {});
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    /// Binds the socket (throws on failure) and starts the thread.
    void start();
    /// Closes every session and joins the thread. Idempotent.
    void stop();
    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

    /// Runs `f` on the worker thread and returns its result. After stop(), or when the worker
    /// has not started `f` within 2 s (it is behind), returns `fallback` and `f` never runs: a
    /// caller told "unavailable" leaves nothing behind (no session created late). Once `f` has
    /// started, waits for it.
    template <class F, class R = std::invoke_result_t<F>>
    R call(F f, R fallback) {
        if (!running_) return fallback;
        enum : int { kPending, kRunning, kAbandoned };
        auto state = std::make_shared<std::atomic<int>>(kPending);
        auto task = std::make_shared<std::packaged_task<R()>>(std::move(f));
        auto fut = task->get_future();
        boost::asio::post(ioc_, [task, state] {
            int expected = kPending;
            if (state->compare_exchange_strong(expected, kRunning)) (*task)();
        });
        if (fut.wait_for(std::chrono::seconds(2)) != std::future_status::ready) {
            int expected = kPending;
            if (state->compare_exchange_strong(expected, kAbandoned)) return fallback;
            // else it is running on the worker thread right now: it finishes
        }
        return fut.get();
    }

    // ---- worker-thread operations (call through call()) -----------------------------------
    SessionAnswer create_session(SessionKind kind, const std::string& room,
                                 const std::string& identity, const std::string& offer,
                                 const ParticipantContext& context);
    SessionAnswer renegotiate(const std::string& room, const std::string& id,
                              const std::string& offer, const ParticipantContext& context);
    [[nodiscard]] SectionNeeds section_needs(
        const std::string& room, const std::string& id,
        const std::optional<std::vector<std::string>>& subscribed_tracks = std::nullopt);
    bool delete_session(const std::string& room, const std::string& id,
                        std::optional<SessionKind> kind = std::nullopt,
                        const std::string& identity = {});
    /// Takes a session out of its room now (as delete_session does for the room) but keeps its
    /// transport up for `linger`, or until the peer closes it (Peer::depart_deadline_us). A
    /// session whose transport is not up yet is deleted at once. False when no such session.
    bool depart_session(const std::string& room, const std::string& id,
                        std::chrono::milliseconds linger);
    bool set_bandwidth_cap(const std::string& room, const std::string& id, std::uint64_t bps);
    [[nodiscard]] MediaStats stats() const;
    [[nodiscard]] bool has_room(const std::string& room) const { return rooms_.count(room) != 0; }
    // worker_offer.cpp: LiveKit two-peer-connection subscriber sessions (the SFU offers)
    ServerOfferUpdate create_subscriber_session(const std::string& room,
                                                const std::string& identity,
                                                const ParticipantContext& context,
                                                const std::vector<std::string>& tracks);
    ServerOfferUpdate set_subscriber_tracks(const std::string& room, const std::string& id,
                                            const std::vector<std::string>& tracks);
    ServerOfferUpdate apply_subscriber_answer(const std::string& room, const std::string& id,
                                              const std::string& answer, std::uint32_t answer_id);
    // worker_data.cpp: data channels
    std::size_t send_data(const std::string& room, const DataDelivery& delivery);
    bool set_data_permission(const std::string& room, const std::string& id, bool can_publish_data);

private:
    // worker.cpp: socket, demux, ICE, DTLS, timers, sending
    void wait_readable();
    void drain_socket();
    void on_datagram(std::span<std::byte> data, const Udp::endpoint& from);
    void on_stun(std::span<const std::byte> data, const Udp::endpoint& from);
    void on_dtls(Peer& peer, std::span<const std::byte> data);
    void on_tick();
    void send_raw(Peer& peer, std::span<const std::byte> data);
    /// SRTP-protects `len` bytes of `buf` (capacity kPacketBuffer) and sends them.
    void send_rtp(Peer& peer, std::span<std::byte> buf, std::size_t len);
    void send_rtcp(Peer& peer, std::span<std::byte> buf, std::size_t len);
    [[nodiscard]] std::uint64_t now_us() const noexcept;
    std::string random_token(std::size_t n);

    // worker_sessions.cpp: sessions, rooms, binding, teardown
    /// A new session object with fresh, unused id, ICE ufrag and password (not registered yet).
    std::unique_ptr<Peer> new_peer(SessionKind kind, const std::string& room,
                                   const std::string& identity, const std::string& participant_sid);
    SessionAnswer create_publisher(Peer& peer, const std::string& offer, Room& room);
    SessionAnswer create_subscriber(Peer& peer, const std::string& offer, Room& room);
    /// worker_participant.cpp: (re)negotiates a Participant session from a client offer.
    SessionAnswer negotiate_participant(Peer& peer, const std::string& offer, Room& room,
                                        const ParticipantContext& context);
    void unpublish_track(Room& room, PublishedTrack& track);
    [[nodiscard]] wire::sdp::LocalTransport local_transport(const Peer& peer) const;
    void bind_subscribers(Room& room);
    /// Binds the peer's unbound sections to room tracks it does not receive yet; with
    /// `allowed`, only to tracks whose id it lists (manual subscriptions).
    void bind_free_slots(Peer& peer, Room& room,
                         const std::vector<std::string>* allowed = nullptr);
    void bind_down(DownTrack& down, PublishedTrack& track);
    /// Source extension ids → the down track's negotiated ids (called again after a new answer).
    void map_extensions(DownTrack& down, const PublishedTrack& track);
    void unbind_down(DownTrack& down, bool send_bye);
    /// Takes the peer out of its room: its down tracks unbound, its tracks unpublished (BYE to
    /// their subscribers), the room dropped when it was the last. Once per peer.
    void detach_from_room(Peer& peer);
    void remove_peer(Peer& peer, bool notify);
    void on_connected(Peer& peer);

    // worker_offer.cpp: the next server offer of a ParticipantSubscriber session (ends sections
    // whose track is gone or unwanted, adds wanted tracks); empty offer_sdp when unchanged.
    ServerOfferUpdate next_server_offer(Peer& peer, Room& room);
    /// The ParticipantSubscriber session `id` of `room` and the room; {nullptr, nullptr} if none.
    std::pair<Peer*, Room*> offer_session(const std::string& room, const std::string& id);

    // worker_data.cpp: data channels over SCTP, LiveKit DataPacket forwarding
    /// Records the data section of an answer and the participant's data grants (after each
    /// negotiation), and starts SCTP when the transport is already up.
    void apply_data_plan(Peer& peer, const std::optional<DataSection>& section,
                         const ParticipantContext& context);
    /// Starts SCTP over the peer's DTLS when data channels were negotiated (idempotent).
    void start_data(Peer& peer);
    void on_data_open(Peer& peer, const DataChannel& channel);
    /// Opens `_reliable` and `_lossy` from the server side (LiveKit two-PC subscriber sessions).
    void open_server_channels(Peer& peer);
    /// Sends the reliable packets waiting for `peer`'s `_reliable` channel (`stream`).
    void flush_pending_data(Peer& peer, std::uint16_t stream);
    void on_data_message(Peer& peer, const DataChannel& channel, std::span<const std::byte> data);
    /// Sends (or, reliable before the channel opens, queues) one DataPacket; false if dropped.
    bool send_data_packet(Peer& peer, bool lossy, const std::shared_ptr<const std::string>& bytes);
    std::size_t deliver_data(Room& room, const Peer* from, const DataDelivery& delivery);

    // worker_rtp.cpp: media in and out, RTCP
    void on_rtp(Peer& peer, std::span<std::byte> data);
    void on_rtcp(Peer& peer, std::span<std::byte> data);
    /// Sends `packet` to every subscriber of `track` that takes `layer`: the protected copies are
    /// queued in batch_ and leave in sendmmsg calls of up to SendBatch::kSlots datagrams.
    void forward(PublishedTrack& track, int layer, const wire::rtp::PacketView& packet);
    void flush_batch();
    void send_down(DownTrack& down, const wire::rtp::PacketView& packet, std::uint16_t seq,
                   std::uint32_t ts, const ForwardResult* vp8, bool resend);
    void answer_nack(DownTrack& down, std::uint16_t out_seq);
    void request_keyframe(PublishedTrack& track, int layer);
    void update_layers(DownTrack& down);
    void send_publisher_feedback(Peer& peer, bool reports);
    void send_sender_reports(Peer& peer);
    PublishedTrack* learn_ssrc(Peer& peer, const wire::rtp::PacketView& packet, int& layer);

    unsigned index_;
    MediaConfig cfg_;
    std::shared_ptr<const DtlsCertificate> cert_;
    ConnectedFn connected_;
    boost::asio::io_context ioc_;
    Udp::socket socket_;
    boost::asio::steady_timer tick_;
    std::thread thread_;
    std::atomic<bool> running_{false};
    std::uint16_t port_ = 0;
    std::uint64_t tick_count_ = 0;
    std::mt19937_64 rng_;
    std::uniform_int_distribution<unsigned> percent_{0, 99};

    std::unordered_map<std::string, std::unique_ptr<Peer>> peers_;  ///< by session id
    std::unordered_map<std::string, Peer*> by_ufrag_;
    std::unordered_map<EndpointKey, Peer*, EndpointHash> by_endpoint_;
    std::unordered_map<std::string, std::unique_ptr<Room>> rooms_;
    std::uint64_t next_track_ = 1;

    PacketCapture capture_;  ///< test_capture_dir hook (off when the dir is empty)
    std::array<std::byte, kPacketBuffer> rx_{};
    /// When the datagram in rx_ reached the socket (steady µs; the kernel's stamp, see
    /// rx_time.hpp): the arrival time transport-cc feedback reports.
    std::uint64_t rx_arrival_us_ = 0;
    /// MediaConfig::max_queue_delay in µs (0 = never drop).
    std::uint64_t max_queue_us_ = 0;
    std::array<std::byte, kPacketBuffer> tx_{};
    /// The fan-out's queued datagrams (forward() fills and flushes it; empty outside forward()).
    /// Its refused datagrams and calls count in stats() beside stats_'s single sends.
    SendBatch batch_;
    MediaStats stats_;
};

}  // namespace cohost::media::detail
