#pragma once
/// \file Per-subscriber, per-track forwarding decision of the SFU: which incoming packets a
/// subscriber gets, and with which sequence number, RTP timestamp and (VP8) picture id /
/// TL0PICIDX, so that it sees ONE continuous outgoing stream although the publisher sends up to
/// three simulcast layers (each with its own SSRC, sequence numbers and timestamp base) and the
/// subscriber's layer changes over time.
///
/// Model: the outgoing stream is a chain of *segments*. A segment starts when the forwarder
/// switches to a layer (at a keyframe of that layer for video; at once for audio) and maps that
/// incoming stream with fixed offsets: sequence (so out numbers stay contiguous, the first one of
/// a segment is the last one sent + 1), timestamp (advanced by the wall-clock gap since the last
/// frame sent, at least 1 tick), VP8 picture id and TL0PICIDX (+1 from the last ones sent).
/// Packets older than a segment's first packet are dropped; everything newer on the segment's
/// stream is forwarded, reordered or duplicated packets with the number they map to. A small
/// history of segments answers NACKs: outgoing sequence -> incoming (layer, sequence) + offsets.
///
/// Pure logic: no sockets, no crypto, no clock (callers pass `now_us`), no allocation. The caller
/// (the router, on its media worker thread) applies the result to its copy of the packet with the
/// `set_*` helpers of wire/rtp.hpp and wire/rtp_codecs.hpp. Not thread-safe; one worker owns it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "cohost/wire/rtp.hpp"

namespace cohost::media {

/// What to do with one incoming packet for one subscriber.
struct ForwardResult {
    bool forward = false;          ///< send this packet to the subscriber
    std::uint16_t sequence = 0;    ///< outgoing sequence number
    std::uint32_t timestamp = 0;   ///< outgoing RTP timestamp
    bool switched = false;         ///< this packet starts a new layer (a keyframe)
    /// VP8 only (when the incoming packet has them): the rewritten picture id / tl0picidx to write.
    /// The picture id is a 15-bit value; `wire::rtp::set_vp8_picture_id` keeps a 7-bit field's
    /// width by writing it modulo 128, which stays continuous with what was sent before.
    std::optional<std::uint16_t> vp8_picture_id;
    std::optional<std::uint8_t> vp8_tl0_pic_idx;
};

/// Codec of the track: decides how keyframes are recognised. `None` is audio (no keyframes, no
/// layers to wait for).
enum class VideoCodec : std::uint8_t { None /*audio*/, Vp8, H264 };

/// How to rebuild an outgoing packet for a NACK resend: the incoming packet to fetch from the
/// layer's `PacketCache`, and the offsets of the segment it was forwarded in.
struct ResendSource {
    int layer = 0;                         ///< incoming layer
    std::uint32_t ssrc = 0;                ///< publisher SSRC of that layer at the time
    std::uint16_t sequence = 0;            ///< incoming sequence number
    std::uint32_t timestamp_offset = 0;    ///< out timestamp = in timestamp + offset (mod 2^32)
    std::uint16_t vp8_picture_id_offset = 0;  ///< out id = (in id + offset) mod 2^15
    std::uint8_t vp8_tl0_pic_idx_offset = 0;  ///< out idx = in idx + offset (mod 2^8)

    [[nodiscard]] std::uint32_t timestamp(std::uint32_t in_ts) const noexcept {
        return in_ts + timestamp_offset;
    }
    [[nodiscard]] std::uint16_t vp8_picture_id(std::uint16_t in_id) const noexcept {
        return static_cast<std::uint16_t>((in_id + vp8_picture_id_offset) & 0x7FFFU);
    }
    [[nodiscard]] std::uint8_t vp8_tl0_pic_idx(std::uint8_t in_idx) const noexcept {
        return static_cast<std::uint8_t>(in_idx + vp8_tl0_pic_idx_offset);
    }
};

/// Per subscriber, per track. Not thread-safe; allocation-free on on_packet.
class Forwarder {
public:
    static constexpr int kMaxLayer = 2;                 ///< video layers are 0 (q) .. 2 (f)
    static constexpr std::size_t kSegmentHistory = 16;  ///< segments kept for NACK lookups

    /// `clock_rate` of the RTP timestamps (90000 for video, 48000 for Opus). The initial target
    /// layer is 0 (also the layer of a non-simulcast track).
    Forwarder(VideoCodec codec, std::uint32_t clock_rate) noexcept;

    /// The layer this subscriber wants (clamped to 0..2). The forwarder keeps sending the current
    /// layer until a keyframe of the target arrives, then switches (sequence numbers stay
    /// continuous, timestamps advance by the wall-clock gap, at least 1 tick). Before the first
    /// keyframe nothing is sent for video (audio: every packet is forwarded from the start, and
    /// the target is ignored).
    void set_target_layer(int layer) noexcept;
    [[nodiscard]] int target_layer() const noexcept { return target_; }
    /// The layer being forwarded; -1 before the first forwarded packet.
    [[nodiscard]] int current_layer() const noexcept { return current_; }
    /// True while the forwarder waits for a keyframe of the target layer (the caller then asks
    /// the publisher for one, rate-limited with a `KeyframeLimiter`). Always false for audio.
    [[nodiscard]] bool needs_keyframe() const noexcept;

    /// Decides for one incoming packet. `layer` is the simulcast layer it arrived on (0..2; for
    /// audio any value >= 0, a change of layer or SSRC meaning a new publisher stream, which is
    /// joined at once with continuity); `packet` the parsed, unprotected packet (its payload is
    /// inspected for keyframes and VP8 descriptors); `now_us` a monotonic clock. Video packets of
    /// a layer other than current/target are not forwarded, nor are packets of the current layer
    /// carrying another SSRC than the one the segment started with (a publisher restart: the
    /// forwarder then waits for a keyframe of the target, see `needs_keyframe()`).
    [[nodiscard]] ForwardResult on_packet(int layer, const cohost::wire::rtp::PacketView& packet,
                                          std::uint64_t now_us) noexcept;

    /// For a NACK from the subscriber: which incoming (layer, sequence) the outgoing sequence
    /// number was made from, if it lies in one of the last `kSegmentHistory` segments and is not
    /// newer than the last packet sent. Shorthand for `resend_source()`.
    [[nodiscard]] std::optional<std::pair<int, std::uint16_t>> source_of(
        std::uint16_t out_sequence) const noexcept;

    /// Everything needed to resend the packet sent as `out_sequence` (same conditions as
    /// `source_of()`): the incoming packet to fetch and the offsets of its segment, so the resend
    /// carries the timestamp and picture id the original had.
    [[nodiscard]] std::optional<ResendSource> resend_source(
        std::uint16_t out_sequence) const noexcept;

    /// Maps an incoming (layer, timestamp) to the outgoing one with the offset of the newest
    /// segment of that layer (the current segment when `layer` is the current layer); nullopt when
    /// no remembered segment used that layer. For a resend, `resend_source()` is exact even when
    /// a layer appears in several segments.
    [[nodiscard]] std::optional<std::uint32_t> rewrite_timestamp(int layer,
                                                                 std::uint32_t in_ts) const noexcept;

private:
    struct Segment {
        int layer = -1;
        std::uint32_t ssrc = 0;
        std::int64_t out_start = 0;       // extended outgoing sequence of the first packet
        std::int64_t out_end = 0;         // extended outgoing sequence of the newest packet
        std::uint16_t in_start = 0;       // incoming sequence of the first packet
        std::uint32_t ts_offset = 0;
        std::uint16_t pid_offset = 0;
        std::uint8_t tl0_offset = 0;
        bool pid_offset_set = false;
        bool tl0_offset_set = false;
    };

    /// Incoming VP8 fields of one packet (nullopt when absent or not VP8).
    struct Vp8Fields {
        std::optional<std::uint16_t> picture_id;
        std::optional<std::uint8_t> tl0_pic_idx;
        bool keyframe = false;
    };

    [[nodiscard]] bool is_keyframe(const cohost::wire::rtp::PacketView& packet,
                                   const Vp8Fields& vp8) const noexcept;
    void start_segment(int layer, const cohost::wire::rtp::PacketView& packet,
                       std::uint64_t now_us) noexcept;
    void map_vp8(Segment& seg, const Vp8Fields& vp8, bool newest, ForwardResult& out) noexcept;
    [[nodiscard]] const Segment& segment(std::size_t age) const noexcept;  // 0 = current

    VideoCodec codec_;
    std::uint32_t clock_rate_;
    int target_ = 0;
    int current_ = -1;
    bool stream_lost_ = false;  // a packet of the current layer came with a new SSRC

    // Segment ring: segments_[head_] is the current one; count_ remembered (<= kSegmentHistory).
    std::array<Segment, kSegmentHistory> segments_{};
    std::size_t head_ = 0;
    std::size_t count_ = 0;
    std::uint16_t in_high_ = 0;  // newest incoming sequence of the current segment

    // For audio: the stream (layer, SSRC) of the previous segment, whose stragglers are dropped.
    int prev_layer_ = -1;
    std::uint32_t prev_ssrc_ = 0;

    // Last values sent (from the packet with the newest outgoing sequence number).
    std::uint32_t last_ts_ = 0;
    std::uint64_t last_ts_time_us_ = 0;  // when the first packet with last_ts_ was forwarded
    bool have_pid_ = false;
    std::uint16_t last_pid_ = 0;
    bool have_tl0_ = false;
    std::uint8_t last_tl0_ = 0;
};

}  // namespace cohost::media
