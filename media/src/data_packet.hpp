#pragma once
/// \file Internal to media/: LiveKit `DataPacket`s on data channels (livekit-protocol.md §5),
/// as the Go server handles them (`handleReceivedDataMessage`, `BroadcastDataPacketForRoom`):
///
///  - a packet a participant sends on `_reliable` or `_lossy` is parsed; its `kind` becomes the
///    channel's; `participant_sid` is the sender's; `participant_identity` (and, for a `user`
///    packet, the UserPacket's sid and identity) the sender's, or empty for a hidden sender; the
///    `user` packet's `destination_identities` and the packet's are merged (the packet's win);
///  - reliable packets with a `sequence` not above the sender's last are dropped (duplicates);
///  - `metrics` (field 8) and `transcription` (7, agents only in LiveKit) are not forwarded, and
///    neither is `speaker` (3): only the server speaks for active speakers (a deliberate
///    difference: LiveKit forwards a client's speaker packet); every other payload (user, chat,
///    rpc, data streams, encrypted, SIP DTMF, future ones) is forwarded unchanged;
///  - receivers: everyone else in the room, or those named by `destination_identities` or the
///    user packet's `destination_sids`.
///
/// Pure functions over bytes (protobuf through our generated subset, which keeps the fields it
/// does not model as unknown fields, so they survive re-serialization). Thread-safe.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cohost/core/result.hpp"

namespace cohost::media::detail {

/// `DataPacket.Kind` (and which channel a packet travels on).
enum class DataKind : std::uint8_t { Reliable = 0, Lossy = 1 };

/// Channel labels livekit-client opens (livekit-protocol.md §5).
inline constexpr std::string_view kReliableLabel = "_reliable";
inline constexpr std::string_view kLossyLabel = "_lossy";
inline constexpr std::string_view kDataTrackLabel = "_data_track";

/// The kind a channel label carries; nullopt for `_data_track` and any other label.
[[nodiscard]] std::optional<DataKind> data_kind_of_label(std::string_view label) noexcept;
[[nodiscard]] std::string_view label_of(DataKind kind) noexcept;

/// Largest DataPacket the SFU sends (our `a=max-message-size`, and what RoomService SendData
/// may produce).
inline constexpr std::size_t kMaxDataPacketBytes = 65536;

/// Who sent a packet, as the room knows them.
struct DataSender {
    std::string identity;
    std::string sid;
    bool hidden = false;
};

/// A packet ready to fan out: the same bytes go to every receiver it addresses.
struct DataRoute {
    std::string bytes;                                ///< serialized DataPacket
    DataKind kind = DataKind::Reliable;
    std::vector<std::string> destination_identities;  ///< both empty: everyone
    std::vector<std::string> destination_sids;

    /// True when a receiver with this identity and sid is addressed (LiveKit: either list).
    [[nodiscard]] bool addresses(std::string_view identity, std::string_view sid) const;
};

/// Why a packet is not forwarded (category "livekit_data").
enum class DataPacketErrc {
    Malformed = 1,  ///< not a protobuf DataPacket
    NotForwarded,   ///< metrics, transcription or speaker: nothing to send on
    Duplicate,      ///< reliable sequence not above the sender's last
    TooLarge,       ///< the stamped packet exceeds kMaxDataPacketBytes
    BadNonce,       ///< SendData: nonce present and not 16 bytes
};
[[nodiscard]] boost::system::error_code make_error_code(DataPacketErrc e) noexcept;

/// Handles one packet from a participant's channel of `kind` (see the file comment).
/// `last_sequence` is the sender's last reliable sequence (updated when a newer one passes).
[[nodiscard]] cohost::Result<DataRoute> route_participant_packet(std::span<const std::byte> bytes,
                                                                 DataKind kind,
                                                                 const DataSender& sender,
                                                                 std::uint32_t& last_sequence);

/// What RoomService `SendData` asks for (SendDataRequest minus the room).
struct ServerDataRequest {
    std::string payload;
    DataKind kind = DataKind::Reliable;
    std::optional<std::string> topic;
    std::vector<std::string> destination_identities;
    std::vector<std::string> destination_sids;
    std::string nonce;  ///< empty or 16 bytes
};

/// Builds the `user` DataPacket a SendData request delivers (no sender identity, as LiveKit).
/// Errors: BadNonce, TooLarge.
[[nodiscard]] cohost::Result<DataRoute> route_server_packet(const ServerDataRequest& request);

}  // namespace cohost::media::detail

template <>
struct boost::system::is_error_code_enum<cohost::media::detail::DataPacketErrc> : std::true_type {};
