#pragma once
/// \file RTCP builders: each `serialize()` writes one packet into a caller buffer and returns its
/// size, or `BufferTooSmall` / `InvalidArgument` / `TooLarge` without a usable result (the
/// buffer may be partly written). `CompoundWriter` appends packets into one datagram.
///
/// Builders never allocate and never pad with the P bit (every packet here is a whole number of
/// 32-bit words), so a built packet can sit anywhere in a compound. Inputs are plain structs that
/// borrow their lists; nothing is kept after the call. The transport-cc builder is in
/// rtcp_twcc.hpp.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "cohost/wire/rtcp.hpp"
#include "cohost/wire/rtcp_twcc.hpp"

namespace cohost::wire::rtcp {

/// RFC 3550 §6.4.1. At most 31 report blocks. `cumulative_lost` is clamped to 24-bit signed.
struct SenderReport {
    std::uint32_t ssrc = 0;
    SenderInfo info;
    std::span<const ReportBlock> reports;
};

/// RFC 3550 §6.4.2. At most 31 report blocks (an empty RR is valid and common).
struct ReceiverReport {
    std::uint32_t ssrc = 0;
    std::span<const ReportBlock> reports;
};

/// One SDES chunk carrying only a CNAME (RFC 3550 §6.5.1; the only item WebRTC needs).
struct SdesCname {
    std::uint32_t ssrc = 0;
    std::string_view cname;  ///< at most 255 bytes
};

/// RFC 3550 §6.5 with CNAME chunks only; at most 31 chunks.
struct Sdes {
    std::span<const SdesCname> chunks;
};

/// RFC 3550 §6.6. At most 31 SSRCs; `reason` at most 255 bytes (empty: no reason field).
struct Bye {
    std::span<const std::uint32_t> ssrcs;
    std::string_view reason;
};

/// RFC 4585 §6.2.1 generic NACK built from lost sequence numbers. Packing is greedy in the given
/// order: a number within 1..16 after the current pid sets a BLP bit, anything else (a gap over
/// 16, or going backwards) starts a new entry; exact repeats of the pid are dropped. Sorted input
/// (wrap-aware) gives the minimal packing; any order gives a packet that reports every number.
struct GenericNack {
    std::uint32_t sender_ssrc = 0;
    std::uint32_t media_ssrc = 0;
    std::span<const std::uint16_t> lost;  ///< non-empty
};

/// RFC 4585 §6.3.1.
struct Pli {
    std::uint32_t sender_ssrc = 0;
    std::uint32_t media_ssrc = 0;
};

/// RFC 5104 §4.3.1 (the common header's media SSRC is written as 0, as §4.3.1.2 requires).
struct Fir {
    std::uint32_t sender_ssrc = 0;
    std::span<const FirEntry> entries;  ///< non-empty
};

/// draft-alvestrand-rmcat-remb. The bitrate is written with the smallest exponent whose 18-bit
/// mantissa holds it, rounded down (exact whenever the value is representable). At most 255 SSRCs.
struct Remb {
    std::uint32_t sender_ssrc = 0;
    std::uint64_t bitrate_bps = 0;
    std::span<const std::uint32_t> ssrcs;
};

[[nodiscard]] Result<std::size_t> serialize(const SenderReport& p,
                                            std::span<std::byte> out) noexcept;
[[nodiscard]] Result<std::size_t> serialize(const ReceiverReport& p,
                                            std::span<std::byte> out) noexcept;
[[nodiscard]] Result<std::size_t> serialize(const Sdes& p, std::span<std::byte> out) noexcept;
[[nodiscard]] Result<std::size_t> serialize(const Bye& p, std::span<std::byte> out) noexcept;
[[nodiscard]] Result<std::size_t> serialize(const GenericNack& p,
                                            std::span<std::byte> out) noexcept;
[[nodiscard]] Result<std::size_t> serialize(const Pli& p, std::span<std::byte> out) noexcept;
[[nodiscard]] Result<std::size_t> serialize(const Fir& p, std::span<std::byte> out) noexcept;
[[nodiscard]] Result<std::size_t> serialize(const Remb& p, std::span<std::byte> out) noexcept;

/// Which compound rules `CompoundWriter` enforces.
enum class CompoundMode : std::uint8_t {
    /// RFC 3550 §6.1: the first packet must be an SR or RR (`add` refuses anything else first
    /// with `InvalidArgument`). The caller is responsible for the SDES CNAME the RFC also asks for.
    Rfc3550,
    /// RFC 5506 reduced-size RTCP: any packet may come first (e.g. a lone PLI or transport-cc);
    /// only valid when `a=rtcp-rsize` was negotiated.
    ReducedSize,
};

/// Appends packets into one caller buffer, forming a compound datagram. Not thread-safe; borrows
/// `out` for its lifetime. A failed `add` leaves the already added packets intact (the bytes
/// after `size()` are unspecified).
class CompoundWriter {
public:
    explicit CompoundWriter(std::span<std::byte> out,
                            CompoundMode mode = CompoundMode::Rfc3550) noexcept
        : out_(out), mode_(mode) {}

    /// Appends one packet (any type with a `serialize` overload above or in rtcp_twcc.hpp).
    template <class Packet>
    [[nodiscard]] Result<void> add(const Packet& packet) noexcept {
        constexpr bool is_report =
            std::is_same_v<Packet, SenderReport> || std::is_same_v<Packet, ReceiverReport>;
        if (mode_ == CompoundMode::Rfc3550 && size_ == 0 && !is_report) {
            return make_error_code(RtcpError::InvalidArgument);
        }
        auto written = serialize(packet, out_.subspan(size_));
        if (!written) {
            return written.error();
        }
        size_ += *written;
        ++count_;
        return {};
    }

    /// Bytes written so far (a valid compound once at least one packet was added).
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t packet_count() const noexcept { return count_; }
    [[nodiscard]] std::span<const std::byte> bytes() const noexcept {
        return std::span<const std::byte>(out_).first(size_);
    }

private:
    std::span<std::byte> out_;
    CompoundMode mode_;
    std::size_t size_ = 0;
    std::size_t count_ = 0;
};

}  // namespace cohost::wire::rtcp
