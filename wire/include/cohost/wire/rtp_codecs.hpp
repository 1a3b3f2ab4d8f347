#pragma once
/// \file Payload inspection the SFU needs for simulcast layer switching, which may only happen
/// on a keyframe: the VP8 payload descriptor (RFC 7741 §4.2, with keyframe detection from the
/// VP8 payload header, §4.3) and H.264 keyframe detection (RFC 6184: single NAL unit, STAP-A,
/// FU-A). Also in-place rewriting of the VP8 picture id and TL0PICIDX, which a forwarder
/// renumbers when it switches layers. Input is `PacketView::payload` (padding already removed).
/// Pure functions, no allocation, noexcept, any thread.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "cohost/core/result.hpp"

namespace cohost::wire::rtp {

/// Why a payload could not be inspected (category "rtp-payload").
enum class PayloadErrc {
    Empty = 1,    ///< no payload bytes
    Truncated,    ///< a descriptor or aggregation unit runs past the end
    Unsupported,  ///< H.264 NAL/packet type WebRTC does not use (STAP-B, MTAP, FU-B, 30, 31)
};
[[nodiscard]] boost::system::error_code make_error_code(PayloadErrc e) noexcept;

/// A parsed VP8 payload descriptor (RFC 7741 §4.2). Optional fields are set only when present.
struct Vp8Descriptor {
    bool non_reference = false;               ///< N
    bool start_of_partition = false;          ///< S
    std::uint8_t partition_id = 0;            ///< PID (0..7)
    std::optional<std::uint16_t> picture_id;  ///< 7 or 15 bits
    bool picture_id_15bit = false;            ///< M: the picture id field is 2 bytes
    std::optional<std::uint8_t> tl0_pic_idx;
    std::optional<std::uint8_t> temporal_id;  ///< TID (0..3), when T is set
    bool layer_sync = false;                  ///< Y, when T is set
    std::optional<std::uint8_t> key_idx;      ///< KEYIDX (0..31), when K is set
    std::size_t size = 0;                     ///< descriptor bytes; the VP8 data follows
    std::size_t picture_id_offset = 0;        ///< offset of the picture id in the payload
    std::size_t tl0_pic_idx_offset = 0;       ///< offset of TL0PICIDX in the payload
    /// First packet of a frame: S = 1 and PID = 0 (the VP8 payload header follows).
    [[nodiscard]] bool frame_start() const noexcept {
        return start_of_partition && partition_id == 0;
    }
    /// Frame start and the VP8 payload header's inverse key frame bit P is 0 (RFC 7741 §4.3).
    bool keyframe = false;
};

/// Parses the VP8 payload descriptor. At least one VP8 data byte must follow it.
[[nodiscard]] Result<Vp8Descriptor> parse_vp8(std::span<const std::byte> payload) noexcept;

/// Rewrites the picture id in place, keeping the field's width (7 bits: `id` mod 128; 15 bits:
/// `id` mod 32768). False when `d` has no picture id or `payload` is too short for `d`.
bool set_vp8_picture_id(std::span<std::byte> payload, const Vp8Descriptor& d,
                        std::uint16_t id) noexcept;
/// Rewrites TL0PICIDX in place. False when `d` has none or `payload` is too short for `d`.
bool set_vp8_tl0_pic_idx(std::span<std::byte> payload, const Vp8Descriptor& d,
                         std::uint8_t idx) noexcept;

/// What an H.264 RTP payload carries (RFC 6184 §5). For FU-A only the first fragment (S bit)
/// reports its NAL unit type; later fragments report nothing.
struct H264Info {
    bool has_idr = false;  ///< NAL type 5
    bool has_sps = false;  ///< NAL type 7
    bool has_pps = false;  ///< NAL type 8
    /// A decoder can start here: the packet starts an IDR picture or carries an SPS (senders put
    /// SPS/PPS in the STAP-A ahead of the IDR).
    [[nodiscard]] bool keyframe() const noexcept { return has_idr || has_sps; }
};

/// Inspects an H.264 payload (packetization mode 0 or 1: single NAL unit, STAP-A, FU-A).
[[nodiscard]] Result<H264Info> parse_h264(std::span<const std::byte> payload) noexcept;

}  // namespace cohost::wire::rtp

template <>
struct boost::system::is_error_code_enum<cohost::wire::rtp::PayloadErrc> : std::true_type {};
