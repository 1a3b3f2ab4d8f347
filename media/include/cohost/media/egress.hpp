#pragma once
/// \file The per-subscriber rewrite of a forwarded RTP packet: what one subscriber receives is
/// the publisher's packet with the subscriber's SSRC, payload type, sequence number, timestamp,
/// header extension ids (stripped where the subscriber has none), a fresh abs-send-time, and the
/// forwarder's VP8 picture id / TL0PICIDX. Used by the media worker for first sends and NACK
/// answers, and by the fan-out micro-benchmark. Pure, no allocation, any thread.
#include <cstddef>
#include <cstdint>
#include <span>

#include "cohost/media/forwarder.hpp"
#include "cohost/wire/rtp.hpp"

namespace cohost::media {

/// How one subscriber's stream differs from the publisher's.
struct EgressParams {
    std::uint32_t ssrc = 0;
    std::uint8_t payload_type = 0;
    const wire::rtp::ExtensionIdMap* ext_map = nullptr;  ///< null: strip every extension
    std::uint8_t abs_send_time_id = 0;  ///< id (after mapping) to restamp; 0 = none
    VideoCodec codec = VideoCodec::None;
};

/// Writes `in` as the subscriber receives it into `out` and returns its size, or 0 when `out` is
/// too small or the extension block cannot be rewritten (the packet is then not sent).
/// `vp8` may be null; `now_us` stamps abs-send-time.
[[nodiscard]] std::size_t write_egress(const wire::rtp::PacketView& in, std::uint16_t sequence,
                                       std::uint32_t timestamp, const ForwardResult* vp8,
                                       const EgressParams& params, std::uint64_t now_us,
                                       std::span<std::byte> out) noexcept;

}  // namespace cohost::media
