#pragma once
/// \file A synthetic WebRTC peer for tests and the media load tool: it speaks to the SFU exactly
/// as a browser does (an SDP offer, ICE connectivity checks as the controlling agent, DTLS client,
/// SRTP) using the same `wire/` codecs and DTLS/SRTP code as the server, but sends generated
/// media instead of encoded video: VP8-shaped frames (payload descriptor with picture id and the
/// keyframe bit) and opus-sized audio packets, each stamped with its send time so a receiver can
/// measure forwarding delay.
///
/// Load mode (`PeerOptions::light`, for the media load tool): a subscriber that only counts. It
/// reads its socket in batches (`recvmmsg`), counts RTP packets and sequence gaps from the
/// cleartext RTP header without SRTP decryption (so `on_rtp` and `drop_incoming` are not
/// called), and once connected its timer only keeps ICE consent (one binding request a second).
/// A few ordinary subscribers ("probes") next to many light ones measure the forwarding delay.
///
/// Threading: a peer lives on the `io_context` it is given; every method must be called on that
/// context's thread (or before it runs). Callbacks run there too.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "cohost/core/result.hpp"
#include "cohost/media/dtls.hpp"
#include "cohost/media/srtp.hpp"
#include "cohost/wire/rtp.hpp"

namespace cohost::media::testkit {

struct PeerOptions {
    bool publish = true;      ///< true: sendonly offer (WHIP); false: recvonly (WHEP)
    bool audio = true;
    bool video = true;
    int simulcast_layers = 0;  ///< publisher: 0 = one stream with a=ssrc; 1..3 = rids q,h,f
    /// Subscriber load mode (see the file comment): count RTP from the cleartext header, read
    /// in batches, keep consent once a second. Ignored for publishers.
    bool light = false;
    /// Subscriber: read in batches too, and measure the forwarding delay against the kernel's
    /// receive timestamp of the datagram (SO_TIMESTAMPNS) rather than the moment this peer's
    /// thread gets to it, so a busy client thread does not inflate the figure.
    bool kernel_rx_time = false;
};

/// What a subscriber has received, per stream SSRC.
struct StreamStats {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    std::uint64_t gaps = 0;           ///< sequence numbers skipped (loss as seen)
    std::uint64_t duplicates = 0;     ///< sequence numbers seen before (NACK answers)
    std::uint16_t last_seq = 0;
    bool have_seq = false;
    std::uint8_t payload_type = 0;
};

class SyntheticPeer {
public:
    SyntheticPeer(boost::asio::io_context& ioc, std::shared_ptr<const DtlsCertificate> cert,
                  PeerOptions options);
    ~SyntheticPeer();
    SyntheticPeer(const SyntheticPeer&) = delete;
    SyntheticPeer& operator=(const SyntheticPeer&) = delete;

    /// The SDP offer to send (WHIP/WHEP body).
    [[nodiscard]] const std::string& offer() const noexcept { return offer_; }
    /// Reads the answer (candidate, ICE credentials, fingerprint, the SSRCs the SFU announces)
    /// and starts ICE, then DTLS once a binding request succeeded.
    [[nodiscard]] Result<void> start(std::string_view answer_sdp);
    /// DTLS done and SRTP keys installed.
    [[nodiscard]] bool connected() const noexcept { return srtp_ != nullptr; }
    /// The DTLS transport state (Closed after the SFU's close_notify).
    [[nodiscard]] DtlsTransport::State dtls_state() const noexcept;

    // ---- publisher ------------------------------------------------------------------------
    /// Sends one video frame of `bytes` bytes on `layer` (0..simulcast_layers-1; 0 without
    /// simulcast), split into packets of at most 1,100 payload bytes. Returns packets sent.
    std::size_t send_video_frame(int layer, bool keyframe, std::size_t bytes);
    /// Paced sending (as a browser's pacer spreads a frame over time): starts a frame like
    /// `send_video_frame` without sending anything; each `send_video_packet()` then sends its
    /// next packet, stamped when it is sent. A frame still pending is abandoned by the next
    /// `begin_video_frame` or `send_video_frame`.
    void begin_video_frame(int layer, bool keyframe, std::size_t bytes);
    /// Sends the next packet of the frame begun; false when there is none left (or no frame).
    bool send_video_packet();
    /// True while the frame begun has packets left to send.
    [[nodiscard]] bool video_frame_pending() const noexcept { return frame_.active; }
    /// Sends one 20 ms opus-sized audio packet (about 80 bytes).
    void send_audio();
    [[nodiscard]] std::uint32_t video_ssrc(int layer) const noexcept { return video_ssrcs_[layer]; }
    [[nodiscard]] std::uint32_t audio_ssrc() const noexcept { return audio_ssrc_; }
    /// RTCP PLI/FIR media SSRCs and NACKed sequence numbers the SFU sent this publisher.
    std::vector<std::uint32_t> plis_received;
    std::uint64_t rtcp_received = 0;
    std::uint64_t twcc_received = 0;

    // ---- subscriber -----------------------------------------------------------------------
    /// SSRCs the answer announced for audio / video (a=ssrc lines), in section order.
    [[nodiscard]] const std::vector<std::uint32_t>& announced_ssrcs() const noexcept {
        return announced_;
    }
    [[nodiscard]] const std::unordered_map<std::uint32_t, StreamStats>& streams() const noexcept {
        return streams_;
    }
    /// SSRCs of RTCP BYE packets received.
    std::vector<std::uint32_t> byes_received;
    /// Called for every RTP packet received (after SRTP), with the forwarding delay in µs
    /// (receive time minus the publisher's send stamp; the two peers share a clock).
    std::function<void(const wire::rtp::PacketView&, std::int64_t delay_us)> on_rtp;
    /// Simulated loss: called with the (cleartext) sequence number of every incoming SRTP packet
    /// before it is decrypted; true drops it, as if the network had.
    std::function<bool(std::uint16_t seq)> drop_incoming;
    void send_pli(std::uint32_t media_ssrc);
    void send_nack(std::uint32_t media_ssrc, std::span<const std::uint16_t> lost);

    /// Local UDP port (for logs).
    [[nodiscard]] std::uint16_t local_port() const;
    /// Stops timers and closes the socket (sends close_notify when connected).
    void close();

    /// RTP packets received on every stream (sum of `streams()` packets).
    [[nodiscard]] std::uint64_t rtp_packets() const noexcept { return rtp_packets_; }

    /// Microseconds on the steady clock (the stamp the publisher writes).
    [[nodiscard]] static std::int64_t now_us() noexcept;

private:
    void build_offer();
    void receive();
    void receive_batch();
    void drain_socket();
    void count_rtp(std::uint32_t ssrc, std::uint16_t seq, std::uint8_t payload_type,
                   std::size_t bytes);
    void on_datagram(std::span<std::byte> data);
    void send_binding_request();
    void on_timer();
    void send_raw(std::span<const std::byte> data);
    void send_rtp(std::span<std::byte> buf, std::size_t len);
    void send_rtcp(std::span<std::byte> buf, std::size_t len);
    void handle_rtcp(std::span<const std::byte> plain);

    boost::asio::io_context& ioc_;
    std::shared_ptr<const DtlsCertificate> cert_;
    PeerOptions opt_;
    boost::asio::ip::udp::socket socket_;
    boost::asio::steady_timer timer_;
    boost::asio::ip::udp::endpoint server_;
    std::string offer_;
    std::string local_ufrag_, local_pwd_, remote_ufrag_, remote_pwd_;
    wire::sdp::Fingerprint remote_fp_;
    std::unique_ptr<DtlsTransport> dtls_;
    std::unique_ptr<SrtpSession> srtp_;
    bool ice_ok_ = false;
    std::uint64_t ticks_ = 0;  ///< 50 ms timer ticks
    bool closed_ = false;
    std::uint32_t audio_ssrc_ = 0;
    std::array<std::uint32_t, 3> video_ssrcs_{};
    std::array<std::uint16_t, 3> video_seq_{};
    std::array<std::uint32_t, 3> video_ts_{};
    std::uint16_t audio_seq_ = 0;
    std::uint32_t audio_ts_ = 0;
    std::uint16_t picture_id_ = 0;
    std::uint16_t twcc_seq_ = 0;
    std::uint64_t rtp_packets_ = 0;
    struct PendingFrame {
        bool active = false;
        bool keyframe = false;
        bool first = true;
        int layer = 0;
        std::size_t left = 0;
    } frame_;
    std::int64_t rx_time_us_ = 0;  ///< kernel receive time (steady clock) of the datagram; 0 = now
    std::vector<std::uint32_t> announced_;
    std::unordered_map<std::uint32_t, StreamStats> streams_;
    std::array<std::byte, 2048> rx_{};
    std::array<std::byte, 2048> tx_{};
    boost::asio::ip::udp::endpoint from_;
};

}  // namespace cohost::media::testkit
