#pragma once
/// \file Internal to media/: the Data Channel Establishment Protocol (DCEP, RFC 8832) codec and
/// the SCTP payload protocol identifiers of WebRTC data channels (RFC 8831 §8).
///
/// DCEP messages travel on the channel's own SCTP stream with PPID 50, ordered and reliable:
/// DATA_CHANNEL_OPEN (type 0x03) names the channel (label, protocol) and its reliability;
/// DATA_CHANNEL_ACK (type 0x02, one byte) accepts it. Pure functions over byte spans: no I/O,
/// no state; bad input is a `Result` error (category "dcep"), never an exception or a crash.
/// Thread-safe.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cohost/core/result.hpp"

namespace cohost::media::detail {

/// SCTP payload protocol identifiers (RFC 8831 §8, RFC 8832 §8.1).
inline constexpr std::uint32_t kPpidDcep = 50;
inline constexpr std::uint32_t kPpidString = 51;
inline constexpr std::uint32_t kPpidBinaryPartial = 52;  ///< deprecated; not sent, refused
inline constexpr std::uint32_t kPpidBinary = 53;
inline constexpr std::uint32_t kPpidStringPartial = 54;  ///< deprecated; not sent, refused
inline constexpr std::uint32_t kPpidStringEmpty = 56;    ///< empty string: one 0x00 byte follows
inline constexpr std::uint32_t kPpidBinaryEmpty = 57;    ///< empty binary: one 0x00 byte follows

inline constexpr std::uint8_t kDcepAck = 0x02;
inline constexpr std::uint8_t kDcepOpen = 0x03;

/// DATA_CHANNEL_OPEN channel types (RFC 8832 §5.1): bit 0x80 = unordered, low bits = policy.
enum class DcepChannelType : std::uint8_t {
    Reliable = 0x00,
    ReliableUnordered = 0x80,
    PartialReliableRexmit = 0x01,
    PartialReliableRexmitUnordered = 0x81,
    PartialReliableTimed = 0x02,
    PartialReliableTimedUnordered = 0x82,
};

/// A DATA_CHANNEL_OPEN message.
struct DcepOpen {
    DcepChannelType channel_type = DcepChannelType::Reliable;
    std::uint16_t priority = 0;
    /// Max retransmissions (Rexmit types) or lifetime in ms (Timed types); ignored (0 on the
    /// wire) for the reliable types.
    std::uint32_t reliability = 0;
    std::string label;
    std::string protocol;

    [[nodiscard]] bool ordered() const noexcept {
        return (static_cast<std::uint8_t>(channel_type) & 0x80) == 0;
    }
    /// Set for the Rexmit types (the value, clamped to 65535: SCTP counts in 16 bits here).
    [[nodiscard]] std::optional<std::uint16_t> max_retransmits() const noexcept;
    /// Set for the Timed types.
    [[nodiscard]] std::optional<std::uint32_t> lifetime_ms() const noexcept;
    bool operator==(const DcepOpen&) const = default;
};

/// Why a DCEP message was refused (category "dcep").
enum class DcepErrc {
    Empty = 1,        ///< no bytes
    UnknownType,      ///< first byte is neither 0x02 (ACK) nor 0x03 (OPEN)
    Truncated,        ///< OPEN shorter than its 12-byte header plus label and protocol
    TrailingBytes,    ///< bytes after the protocol (OPEN) or after the type byte (ACK)
    BadChannelType,   ///< OPEN channel type not in RFC 8832 §8.2.2
    TooLarge,         ///< encode: label or protocol longer than 65,535 bytes
};
[[nodiscard]] boost::system::error_code make_error_code(DcepErrc e) noexcept;

/// One parsed DCEP message: an ACK (`open` empty) or an OPEN.
struct DcepMessage {
    std::uint8_t type = kDcepAck;
    std::optional<DcepOpen> open;
};

/// Parses one PPID-50 message. Errors: Empty, UnknownType, Truncated, TrailingBytes,
/// BadChannelType. Label and protocol are taken as bytes (RFC 8832 says UTF-8; not checked).
[[nodiscard]] cohost::Result<DcepMessage> parse_dcep(std::span<const std::byte> data);

/// Encodes a DATA_CHANNEL_OPEN. Error: TooLarge.
[[nodiscard]] cohost::Result<std::vector<std::byte>> encode_dcep_open(const DcepOpen& open);
/// The one-byte DATA_CHANNEL_ACK.
[[nodiscard]] std::vector<std::byte> encode_dcep_ack();

/// The channel type for the options of RTCDataChannelInit: `ordered`, and at most one of
/// `max_retransmits` / `lifetime_ms` (max_retransmits wins if both are given).
[[nodiscard]] DcepChannelType dcep_channel_type(bool ordered, bool max_retransmits_set,
                                                bool lifetime_set) noexcept;

}  // namespace cohost::media::detail

template <>
struct boost::system::is_error_code_enum<cohost::media::detail::DcepErrc> : std::true_type {};
