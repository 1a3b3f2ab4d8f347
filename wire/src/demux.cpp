// RFC 7983 §7 demultiplexing. See demux.hpp.
#include "cohost/wire/demux.hpp"

namespace cohost::wire {

PacketKind classify(std::span<const std::byte> datagram) noexcept {
    if (datagram.empty()) return PacketKind::Unknown;
    const auto first = std::to_integer<std::uint8_t>(datagram[0]);
    // RFC 7983 §7:  [0..3] STUN, [16..19] ZRTP, [20..63] DTLS, [64..79] TURN channel,
    // [128..191] RTP/RTCP. We run no ZRTP and no TURN server, so those are dropped.
    if (first <= 3) return PacketKind::Stun;
    if (first >= 20 && first <= 63) return PacketKind::Dtls;
    if (first >= 128 && first <= 191) {
        if (datagram.size() < 2) return PacketKind::Unknown;
        return is_rtcp_packet_type(std::to_integer<std::uint8_t>(datagram[1])) ? PacketKind::Rtcp
                                                                               : PacketKind::Rtp;
    }
    return PacketKind::Unknown;
}

const char* to_string(PacketKind kind) noexcept {
    switch (kind) {
        case PacketKind::Stun:
            return "stun";
        case PacketKind::Dtls:
            return "dtls";
        case PacketKind::Rtp:
            return "rtp";
        case PacketKind::Rtcp:
            return "rtcp";
        case PacketKind::Unknown:
            break;
    }
    return "unknown";
}

}  // namespace cohost::wire
