#pragma once
/// \file RFC 7983 demultiplexing of the datagrams that share one UDP 5-tuple under BUNDLE and
/// rtcp-mux: STUN, DTLS, RTP and RTCP (RFC 5761 §4 for RTP versus RTCP).
///
/// The media worker calls `classify()` on every received datagram before handing it to the ICE,
/// DTLS or SRTP layer. Looks at the first two bytes only; no allocation, no state, any thread.
#include <cstddef>
#include <cstdint>
#include <span>

namespace cohost::wire {

/// What a datagram is, judged by its first byte(s).
enum class PacketKind : std::uint8_t {
    Unknown,  ///< empty, or a first byte no multiplexed protocol uses (ZRTP, TURN channel, QUIC):
              ///< drop it
    Stun,     ///< first byte 0..3
    Dtls,     ///< first byte 20..63
    Rtp,      ///< first byte 128..191 and second byte not an RTCP packet type
    Rtcp,     ///< first byte 128..191 and second byte 192..223
};

/// RFC 5761 §4: with rtcp-mux, the RTCP packet types 192..223 (FIR 192 .. RTPFB 205, PSFB 206,
/// XR 207, ...) are told apart from RTP by the second byte (marker bit + payload type), which
/// is why RTP payload types 64..95 must not be used on a muxed session.
[[nodiscard]] constexpr bool is_rtcp_packet_type(std::uint8_t second_byte) noexcept {
    return second_byte >= 192 && second_byte <= 223;
}

/// RFC 7983 §7 first-byte ranges; RTP/RTCP needs at least two bytes to be told apart, so a
/// one-byte datagram in 128..191 is `Unknown`.
[[nodiscard]] PacketKind classify(std::span<const std::byte> datagram) noexcept;

/// Name of a kind, for logs and stats labels ("stun", "dtls", "rtp", "rtcp", "unknown").
[[nodiscard]] const char* to_string(PacketKind kind) noexcept;

}  // namespace cohost::wire
