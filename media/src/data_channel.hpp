#pragma once
/// \file Internal to media/: WebRTC data channels (RFC 8831) over one SCTP association
/// (`SctpAssociation`, sctp.hpp): in-band DCEP open/ack (RFC 8832), stream ids by DTLS role,
/// per-channel reliability, message framing by PPID (string/binary, empty messages), closing by
/// stream reset.
///
/// `DataChannelTransport` owns the association. It is fed DTLS application data (`feed()`) and
/// sends SCTP packets through its `PacketFn`; `start()` connects once DTLS is up.
///
/// Channels the peer opens: a DATA_CHANNEL_OPEN on an unused stream is accepted (ACK sent) and
/// reported through `open`; the channel is then usable both ways. Channels we open (`open()`)
/// take the next free stream of our parity (DTLS client even, server odd: RFC 8832 §6) and are
/// usable at once; until the ACK arrives their messages go ordered so the OPEN stays first.
///
/// Threading: as `SctpAssociation`: one owner thread; every callback runs on it, never inside
/// usrsctp, and must not destroy the transport.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sctp.hpp"

namespace cohost::media::detail {

enum class DataChannelState : std::uint8_t { Open, Closing, Closed };

/// One data channel as both sides agreed on it.
struct DataChannel {
    std::uint16_t stream = 0;
    std::string label;
    std::string protocol;
    bool ordered = true;
    std::optional<std::uint16_t> max_retransmits;
    std::optional<std::uint32_t> lifetime_ms;
    bool remote_opened = false;  ///< the peer sent the DATA_CHANNEL_OPEN
    bool acked = true;           ///< our OPEN was acknowledged (always true for the peer's)
    DataChannelState state = DataChannelState::Open;
};

/// Counters of one transport (owner thread only).
struct DataChannelCounters {
    std::uint64_t dcep_malformed = 0;   ///< PPID 50 messages that do not parse, or stray ACKs
    std::uint64_t unknown_stream = 0;   ///< messages on a stream with no open channel
    std::uint64_t bad_ppid = 0;         ///< deprecated or unknown PPIDs
    std::uint64_t opened_by_peer = 0;
};

/// Options of a channel we open (RTCDataChannelInit).
struct DataChannelInit {
    std::string label;
    std::string protocol;
    bool ordered = true;
    std::optional<std::uint16_t> max_retransmits;
    std::optional<std::uint32_t> lifetime_ms;  ///< ignored when max_retransmits is set
};

class DataChannelTransport {
public:
    struct Callbacks {
        /// SCTP packet to send as DTLS application data (required).
        SctpAssociation::SendFn packet;
        /// A channel the peer opened was accepted.
        std::function<void(const DataChannel&)> open;
        /// One message: `binary` from its PPID (53/57 binary, 51/56 string); empty messages
        /// (PPID 56/57) arrive as an empty span.
        std::function<void(const DataChannel&, bool binary, std::span<const std::byte>)> message;
        /// A channel closed (peer reset, our close, or the association ended).
        std::function<void(const DataChannel&)> closed;
        /// The association is up (Connected) or over (Closed).
        std::function<void(SctpState)> state;
    };

    /// `dtls_client`: our DTLS role, which fixes the parity of the streams we open. Throws as
    /// the `SctpAssociation` constructor does.
    DataChannelTransport(SctpOptions options, bool dtls_client, Callbacks callbacks,
                         SctpAssociation::PostFn post);
    DataChannelTransport(const DataChannelTransport&) = delete;
    DataChannelTransport& operator=(const DataChannelTransport&) = delete;

    /// Connects the association (call once DTLS is connected).
    void start() { sctp_->connect(); }
    /// One DTLS application data record (an SCTP packet).
    void feed(std::span<const std::byte> packet) { sctp_->feed(packet); }

    /// Opens a channel: sends DATA_CHANNEL_OPEN on the next free stream of our parity. Returns
    /// the stream, or nullopt when not connected, no stream is free or the label is too long.
    std::optional<std::uint16_t> open(const DataChannelInit& init);
    /// Sends one message on an open channel (an empty one as PPID 56/57 with one 0x00 byte).
    /// NotConnected also for an unknown or closing channel.
    SctpSendResult send(std::uint16_t stream, std::span<const std::byte> data, bool binary);
    /// Closes a channel (resets our outgoing stream; the peer resets its own in reply).
    void close(std::uint16_t stream);
    /// Aborts the association; every open channel is reported closed.
    void close_all() { sctp_->close(); }

    [[nodiscard]] const DataChannel* find(std::uint16_t stream) const;
    /// The first open channel with this label.
    [[nodiscard]] const DataChannel* find(std::string_view label) const;
    [[nodiscard]] const std::map<std::uint16_t, DataChannel>& channels() const noexcept {
        return channels_;
    }
    [[nodiscard]] SctpState state() const noexcept { return sctp_->state(); }
    [[nodiscard]] const DataChannelCounters& counters() const noexcept { return counters_; }
    [[nodiscard]] const SctpCounters& sctp_counters() const noexcept { return sctp_->counters(); }

private:
    void on_message(std::uint16_t stream, std::uint32_t ppid, std::span<const std::byte> data);
    void on_dcep(std::uint16_t stream, std::span<const std::byte> data);
    void on_stream_reset(std::uint16_t stream);
    void on_state(SctpState s);

    Callbacks callbacks_;
    bool dtls_client_;
    std::uint16_t max_streams_;
    std::map<std::uint16_t, DataChannel> channels_;
    DataChannelCounters counters_;
    std::unique_ptr<SctpAssociation> sctp_;  // last: destroyed first, its callbacks use the rest
};

}  // namespace cohost::media::detail
