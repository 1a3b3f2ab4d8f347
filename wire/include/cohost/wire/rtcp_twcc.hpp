#pragma once
/// \file Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-
/// extensions-01 §3.1; RTPFB FMT 15): a zero-copy decoder and a builder.
///
/// Layout after the RTPFB common header: base sequence number (16), packet status count (16),
/// reference time (24, in 64 ms units), feedback packet count (8), then 16-bit packet chunks
/// (run-length, or a status vector of fourteen 1-bit or seven 2-bit symbols), then one receive
/// delta per received packet (1 byte unsigned, or 2 bytes signed, in 250 µs units), then zero
/// padding to a 32-bit boundary.
///
/// Reference time: the draft calls it signed, but libwebrtc (Chromium) writes and reads it as an
/// unsigned 24-bit counter that wraps every 2^24 * 64 ms (about 12.4 days). This codec follows
/// libwebrtc: `reference_time_us()` is in [0, kReferenceTimeWrapUs); receivers unwrap across
/// feedback packets themselves.
///
/// Symbol 3 ("reserved") is rejected, as libwebrtc does. A status count of 0 is rejected (libwebrtc
/// refuses empty feedback). Feedback without receive deltas (libwebrtc's `include_timestamps =
/// false` mode) is rejected as truncated.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>

#include "cohost/wire/rtcp.hpp"

namespace cohost::wire::rtcp {

/// The reference time wraps after 2^24 units of 64 ms.
inline constexpr std::int64_t kReferenceTimeWrapUs = (std::int64_t{1} << 24) * 64'000;
/// Receive deltas are multiples of 250 µs.
inline constexpr std::int64_t kDeltaTickUs = 250;

/// One reported packet, in sequence order from the base sequence number.
struct TwccPacketStatus {
    std::uint16_t seq = 0;  ///< transport-wide sequence number (wraps at 65535)
    bool received = false;
    std::int32_t delta_us = 0;    ///< receive delta (0 when not received); may be negative
    std::int64_t arrival_us = 0;  ///< reference_time_us() + sum of deltas so far (when received)
    friend bool operator==(const TwccPacketStatus&, const TwccPacketStatus&) = default;
};

/// A validated transport-cc feedback packet.
class TransportCcView {
public:
    /// Forward iterator over all `status_count()` packets (received or not). O(1) per step.
    class Iterator {
    public:
        using value_type = TwccPacketStatus;
        using difference_type = std::ptrdiff_t;
        using iterator_category = std::forward_iterator_tag;
        Iterator() = default;
        [[nodiscard]] const TwccPacketStatus& operator*() const noexcept { return cur_; }
        [[nodiscard]] const TwccPacketStatus* operator->() const noexcept { return &cur_; }
        Iterator& operator++() noexcept;
        Iterator operator++(int) noexcept {
            Iterator old = *this;
            ++*this;
            return old;
        }
        friend bool operator==(const Iterator& a, const Iterator& b) noexcept {
            return a.index_ == b.index_;
        }

    private:
        friend class TransportCcView;
        Iterator(const std::byte* body, std::size_t body_size, std::size_t deltas_offset,
                 std::uint32_t count, std::uint32_t index) noexcept;
        void load() noexcept;  ///< decodes the status at index_ into cur_
        const std::byte* body_ = nullptr;
        std::size_t body_size_ = 0;
        std::size_t chunk_offset_ = 0;     ///< next chunk to read
        std::size_t delta_offset_ = 0;     ///< next receive delta to read
        std::uint16_t chunk_ = 0;          ///< current chunk
        std::uint32_t in_chunk_ = 0;       ///< symbols of the current chunk already used
        std::uint32_t chunk_symbols_ = 0;  ///< symbols the current chunk holds (0: none loaded)
        std::uint32_t count_ = 0;
        std::uint32_t index_ = 0;
        std::int64_t time_us_ = 0;  ///< reference time + deltas so far
        TwccPacketStatus cur_{};
    };

    [[nodiscard]] std::uint32_t sender_ssrc() const noexcept;
    [[nodiscard]] std::uint32_t media_ssrc() const noexcept;
    [[nodiscard]] std::uint16_t base_seq() const noexcept;
    /// Number of packets reported (>= 1).
    [[nodiscard]] std::uint16_t status_count() const noexcept;
    /// Raw 24-bit reference time, in 64 ms units.
    [[nodiscard]] std::uint32_t reference_time() const noexcept;
    [[nodiscard]] std::int64_t reference_time_us() const noexcept {
        return std::int64_t{reference_time()} * 64'000;
    }
    [[nodiscard]] std::uint8_t fb_pkt_count() const noexcept;
    /// How many of the reported packets were received (have a delta).
    [[nodiscard]] std::uint32_t received_count() const noexcept { return received_; }

    [[nodiscard]] Iterator begin() const noexcept;
    [[nodiscard]] Iterator end() const noexcept;

    /// Decodes every status into `out`. Returns the number written (`status_count()`), or
    /// `BufferTooSmall` (with nothing guaranteed about `out`) if it does not fit.
    [[nodiscard]] Result<std::size_t> decode(std::span<TwccPacketStatus> out) const noexcept;

private:
    friend std::optional<TransportCcView> as_transport_cc(const PacketView&) noexcept;
    TransportCcView(std::span<const std::byte> body, std::size_t deltas_offset,
                    std::uint32_t received) noexcept
        : body_(body), deltas_offset_(deltas_offset), received_(received) {}
    std::span<const std::byte> body_;
    std::size_t deltas_offset_;
    std::uint32_t received_;
};

/// The view when `p.kind() == PacketKind::TransportCc`, otherwise nullopt.
[[nodiscard]] std::optional<TransportCcView> as_transport_cc(const PacketView& p) noexcept;

/// One received packet, the builder's input.
struct TwccArrival {
    std::uint16_t seq = 0;
    std::int64_t arrival_us = 0;  ///< receiver clock, any epoch
};

/// Input of the transport-cc builder.
///
/// `packets` are the received packets in transport-wide sequence order starting at `base_seq`
/// (wrap-aware: `uint16(seq - base_seq)` strictly increasing, so 65535 may precede 0). Gaps are
/// reported as not received. The reference time is the first arrival rounded down to 64 ms;
/// each delta is `floor(arrival / 250 µs)` minus the previous one, so quantization error does not
/// accumulate and every decoded arrival is the input rounded down to 250 µs (modulo
/// kReferenceTimeWrapUs). A delta outside int16 ticks (about ±8.19 s) is `DeltaOutOfRange`: the
/// caller starts a new feedback packet there, as libwebrtc does.
struct TransportCcFeedback {
    std::uint32_t sender_ssrc = 0;
    std::uint32_t media_ssrc = 0;
    std::uint16_t base_seq = 0;
    std::uint8_t fb_pkt_count = 0;
    std::span<const TwccArrival> packets;  ///< non-empty
};

/// Writes one transport-cc packet into `out`; returns its size. Chunks: a run-length chunk for
/// runs of 14 or more (or the tail), a 1-bit vector when the next 14 symbols need no large
/// delta, a run-length chunk for runs of 7..13, otherwise a 2-bit vector. The packet is zero-padded
/// to 32 bits without the P bit, so it may sit anywhere in a compound.
[[nodiscard]] Result<std::size_t> serialize(const TransportCcFeedback& fb,
                                            std::span<std::byte> out) noexcept;

}  // namespace cohost::wire::rtcp
