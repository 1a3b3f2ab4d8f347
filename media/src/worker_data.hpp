#pragma once
/// \file Internal to media/: what a media worker keeps per session for data channels
/// (worker_data.cpp has the logic). A LiveKit participant's session carries its data channels
/// (`_reliable`, `_lossy`, `_data_track`) over SCTP in the same DTLS transport as its media; the
/// worker forwards the LiveKit `DataPacket`s they carry to the other participants of the room
/// (data_packet.hpp) and delivers RoomService `SendData` packets.
///
/// Threading: owned by the session (`Peer`) on its worker thread, like everything there.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "data_channel.hpp"

namespace cohost::media::detail {

/// Reliable packets a receiver may hold while its `_reliable` channel is not open yet (it
/// opens a moment after the transport connects): at most this many, and this many bytes.
inline constexpr std::size_t kMaxPendingDataPackets = 64;
inline constexpr std::size_t kMaxPendingDataBytes = 1024 * 1024;

/// Data channel state of one session.
struct PeerData {
    /// The last answer accepted the offer's `m=application` section: start SCTP once DTLS is up.
    bool negotiated = false;
    std::uint16_t remote_port = 5000;         ///< the offer's `a=sctp-port`
    std::uint64_t remote_max_message = 65536;  ///< the offer's `a=max-message-size` (0: none)
    bool can_publish_data = true;             ///< LiveKit grant: packets it sends are forwarded
    bool hidden = false;                      ///< LiveKit grant: forwarded without its identity
    std::uint32_t last_sequence = 0;          ///< last reliable DataPacket.sequence forwarded
    std::unique_ptr<DataChannelTransport> transport;  ///< from DTLS connected on
    std::deque<std::shared_ptr<const std::string>> pending_reliable;
    std::size_t pending_bytes = 0;
};

}  // namespace cohost::media::detail
