#pragma once
/// \file RTCP compound packets (RFC 3550 §6, RFC 4585 §6, RFC 5104 §4.3.1, REMB, transport-cc):
/// validation and zero-copy views.
///
/// Input is the plain RTCP payload of one datagram, after SRTCP decryption. `parse()` checks the
/// whole compound once (every header, every length, every count, the structure of each known
/// packet type) and returns a `CompoundView`; iterating it yields one `PacketView` per RTCP
/// packet. Typed views (`as_sender_report()`, `as_nack()`, ... and `as_transport_cc()` in
/// rtcp_twcc.hpp) decode fields on demand.
///
/// Ownership and lifetime: every view borrows the caller's buffer and must not outlive it (so
/// never `parse()` a temporary vector and keep the result); nothing is copied and nothing is
/// allocated. Typed views and their iterators copy the spans they need, so they stay valid after
/// the `PacketView` they came from is gone, as long as the buffer lives. All functions are pure and
/// thread-compatible (no shared state). A compound with any inconsistency is rejected as a whole
/// with an `RtcpError`, as the RFC 3550 Appendix A.2 validity check does; unknown packet types
/// (APP, XR, other feedback formats) are not errors, they come out as `PacketKind::Other` with
/// their bytes.
///
/// Builders (serialize into a caller buffer) are in rtcp_build.hpp.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string_view>

#include "cohost/core/result.hpp"

namespace cohost::wire::rtcp {

/// Why `parse()` or a builder refused. Category name "rtcp".
enum class RtcpError {
    TooShort = 1,          ///< empty input, or fewer than 4 bytes left where a header must start
    BadVersion,            ///< version field is not 2
    LengthOverrun,         ///< a length field points past the end of the buffer
    BadPadding,            ///< P bit set but the padding count is 0 or longer than the packet body
    PaddingNotLast,        ///< P bit set on a packet that is not the last of the compound
    FirstNotReport,        ///< `require_report_first` and the first packet is not SR or RR
    CountMismatch,         ///< RC/SC (or another count) disagrees with the packet length
    MalformedSdes,         ///< SDES chunk or item runs past the packet, or lacks its terminator
    MalformedBye,          ///< BYE reason runs past the packet
    MalformedFeedback,     ///< RTPFB/PSFB shorter than 8 bytes, or NACK/FIR FCI of a bad size
    MalformedRemb,         ///< REMB FCI size disagrees with its SSRC count, or bitrate overflows
    MalformedTransportCc,  ///< transport-cc chunks/deltas truncated, reserved symbol, or count 0
    BufferTooSmall,        ///< builder: the output span cannot hold the packet
    InvalidArgument,       ///< builder: a field does not fit its wire width, or an empty list
    TooLarge,              ///< builder: the packet would exceed the 16-bit length field
    DeltaOutOfRange,       ///< transport-cc builder: an arrival delta does not fit 16 bits
};
[[nodiscard]] boost::system::error_code make_error_code(RtcpError e) noexcept;

/// RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1) and feedback formats used here.
inline constexpr std::uint8_t kPtSenderReport = 200;
inline constexpr std::uint8_t kPtReceiverReport = 201;
inline constexpr std::uint8_t kPtSdes = 202;
inline constexpr std::uint8_t kPtBye = 203;
inline constexpr std::uint8_t kPtApp = 204;
inline constexpr std::uint8_t kPtRtpfb = 205;
inline constexpr std::uint8_t kPtPsfb = 206;
inline constexpr std::uint8_t kFmtNack = 1;          ///< RTPFB generic NACK (RFC 4585 §6.2.1)
inline constexpr std::uint8_t kFmtTransportCc = 15;  ///< RTPFB transport-cc (draft-holmer-01)
inline constexpr std::uint8_t kFmtPli = 1;           ///< PSFB PLI (RFC 4585 §6.3.1)
inline constexpr std::uint8_t kFmtFir = 4;           ///< PSFB FIR (RFC 5104 §4.3.1)
inline constexpr std::uint8_t kFmtAfb = 15;          ///< PSFB application layer feedback (REMB)

/// What a `PacketView` holds. `Other` covers APP, XR, unknown types and feedback formats this
/// codec does not decode (TMMBR, SLI, RPSI, non-REMB AFB, ...).
enum class PacketKind : std::uint8_t {
    SenderReport,
    ReceiverReport,
    Sdes,
    Bye,
    Nack,
    TransportCc,
    Pli,
    Fir,
    Remb,
    Other,
};

/// Options for `parse()`.
struct ParseOptions {
    /// RFC 3550 §6.1: a compound starts with SR or RR. Off by default, because RFC 5506
    /// reduced-size RTCP (Chromium with `a=rtcp-rsize`) sends feedback packets on their own.
    bool require_report_first = false;
    /// RFC 3550 §6.4.1/A.2 allow the P bit only on the last packet (the default). libwebrtc's own
    /// parser accepts it on any packet, and its transport-cc writer pads with the P bit; set this
    /// to accept padding on inner packets too.
    bool allow_padding_on_any_packet = false;
};

/// One report block (RFC 3550 §6.4.1), decoded. Also the builder's input.
struct ReportBlock {
    std::uint32_t ssrc = 0;
    std::uint8_t fraction_lost = 0;    ///< fixed point, lost/expected * 256
    std::int32_t cumulative_lost = 0;  ///< 24-bit signed on the wire; builders clamp to it
    std::uint32_t extended_highest_seq = 0;
    std::uint32_t jitter = 0;               ///< RTP timestamp units
    std::uint32_t last_sr = 0;              ///< LSR: middle 32 bits of the last SR's NTP time
    std::uint32_t delay_since_last_sr = 0;  ///< DLSR, 1/65536 s
    friend bool operator==(const ReportBlock&, const ReportBlock&) = default;
};

/// Sender info of an SR (RFC 3550 §6.4.1). Also the builder's input.
struct SenderInfo {
    std::uint64_t ntp_timestamp = 0;  ///< 32.32 fixed point seconds since 1900
    std::uint32_t rtp_timestamp = 0;
    std::uint32_t packet_count = 0;
    std::uint32_t octet_count = 0;
    friend bool operator==(const SenderInfo&, const SenderInfo&) = default;
};

/// One generic NACK FCI entry (RFC 4585 §6.2.1): `pid` lost, and `pid + i + 1` lost for each set
/// bit i of `blp`.
struct NackItem {
    std::uint16_t pid = 0;
    std::uint16_t blp = 0;
    friend bool operator==(const NackItem&, const NackItem&) = default;
};

/// One FIR FCI entry (RFC 5104 §4.3.1.1). Also the builder's input.
struct FirEntry {
    std::uint32_t ssrc = 0;
    std::uint8_t seq_nr = 0;
    friend bool operator==(const FirEntry&, const FirEntry&) = default;
};

/// SDES item types (RFC 3550 §6.5).
enum class SdesItemType : std::uint8_t {
    End = 0,
    Cname = 1,
    Name,
    Email,
    Phone,
    Loc,
    Tool,
    Note,
    Priv
};

/// One SDES item; `value` points into the packet (not NUL-terminated, not validated as UTF-8).
struct SdesItem {
    std::uint8_t type = 0;
    std::string_view value;
};

class CompoundView;

/// Validates a compound RTCP packet and returns a view over it. Never reads outside `in`; bounded
/// work (linear in `in.size()`); no allocation.
[[nodiscard]] Result<CompoundView> parse(std::span<const std::byte> in,
                                         ParseOptions options = {}) noexcept;

/// One RTCP packet of a validated compound. Obtained only by iterating a `CompoundView`, so the
/// structure of known kinds has already been checked; the typed `as_*()` accessors cannot fail
/// except by kind.
class PacketView {
public:
    [[nodiscard]] PacketKind kind() const noexcept { return kind_; }
    [[nodiscard]] std::uint8_t packet_type() const noexcept;
    /// The 5-bit RC / SC / FMT field.
    [[nodiscard]] std::uint8_t count_or_format() const noexcept;
    [[nodiscard]] bool has_padding() const noexcept;
    /// The whole packet: header, body and padding (length field + 1 words).
    [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return bytes_; }
    /// The body after the 4-byte header, without padding.
    [[nodiscard]] std::span<const std::byte> body() const noexcept { return body_; }

private:
    friend class CompoundView;
    PacketView(PacketKind kind, std::span<const std::byte> bytes,
               std::span<const std::byte> body) noexcept
        : kind_(kind), bytes_(bytes), body_(body) {}
    PacketKind kind_ = PacketKind::Other;
    std::span<const std::byte> bytes_;
    std::span<const std::byte> body_;
};

/// A validated compound packet. Cheap to copy (a span and a count).
class CompoundView {
public:
    /// Forward iterator over the packets, in wire order.
    class Iterator {
    public:
        using value_type = PacketView;
        using difference_type = std::ptrdiff_t;
        using iterator_category = std::forward_iterator_tag;
        Iterator() = default;
        [[nodiscard]] PacketView operator*() const noexcept;
        Iterator& operator++() noexcept;
        Iterator operator++(int) noexcept {
            Iterator old = *this;
            ++*this;
            return old;
        }
        friend bool operator==(const Iterator& a, const Iterator& b) noexcept {
            return a.offset_ == b.offset_;
        }

    private:
        friend class CompoundView;
        Iterator(std::span<const std::byte> data, std::size_t offset) noexcept
            : data_(data), offset_(offset) {}
        std::span<const std::byte> data_;
        std::size_t offset_ = 0;
    };

    [[nodiscard]] Iterator begin() const noexcept { return {data_, 0}; }
    [[nodiscard]] Iterator end() const noexcept { return {data_, data_.size()}; }
    /// Number of RTCP packets in the compound (at least 1).
    [[nodiscard]] std::size_t packet_count() const noexcept { return count_; }
    [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return data_; }

private:
    friend Result<CompoundView> parse(std::span<const std::byte>, ParseOptions) noexcept;
    CompoundView(std::span<const std::byte> data, std::size_t count) noexcept
        : data_(data), count_(count) {}
    std::span<const std::byte> data_;
    std::size_t count_ = 0;
};

/// RFC 3550 §6.4.1 sender report: sender info, report blocks, optional profile extension.
class SenderReportView {
public:
    [[nodiscard]] std::uint32_t ssrc() const noexcept;
    [[nodiscard]] SenderInfo sender_info() const noexcept;
    [[nodiscard]] std::size_t report_count() const noexcept { return count_; }
    /// Report block `i` (precondition `i < report_count()`; out of range returns a zeroed block).
    [[nodiscard]] ReportBlock report_block(std::size_t i) const noexcept;
    /// Profile-specific extension bytes after the report blocks (usually empty).
    [[nodiscard]] std::span<const std::byte> extension() const noexcept;

private:
    friend std::optional<SenderReportView> as_sender_report(const PacketView&) noexcept;
    SenderReportView(std::span<const std::byte> body, std::size_t count) noexcept
        : body_(body), count_(count) {}
    std::span<const std::byte> body_;
    std::size_t count_;
};

/// RFC 3550 §6.4.2 receiver report.
class ReceiverReportView {
public:
    [[nodiscard]] std::uint32_t ssrc() const noexcept;
    [[nodiscard]] std::size_t report_count() const noexcept { return count_; }
    /// Report block `i` (precondition `i < report_count()`; out of range returns a zeroed block).
    [[nodiscard]] ReportBlock report_block(std::size_t i) const noexcept;
    [[nodiscard]] std::span<const std::byte> extension() const noexcept;

private:
    friend std::optional<ReceiverReportView> as_receiver_report(const PacketView&) noexcept;
    ReceiverReportView(std::span<const std::byte> body, std::size_t count) noexcept
        : body_(body), count_(count) {}
    std::span<const std::byte> body_;
    std::size_t count_;
};

/// One SDES chunk: an SSRC/CSRC and its items (RFC 3550 §6.5).
class SdesChunkView {
public:
    /// Forward iterator over the items of the chunk (the END item is not yielded).
    class ItemIterator {
    public:
        using value_type = SdesItem;
        using difference_type = std::ptrdiff_t;
        using iterator_category = std::forward_iterator_tag;
        ItemIterator() = default;
        [[nodiscard]] SdesItem operator*() const noexcept;
        ItemIterator& operator++() noexcept;
        ItemIterator operator++(int) noexcept {
            ItemIterator old = *this;
            ++*this;
            return old;
        }
        friend bool operator==(const ItemIterator& a, const ItemIterator& b) noexcept {
            return a.offset_ == b.offset_;
        }

    private:
        friend class SdesChunkView;
        ItemIterator(std::span<const std::byte> items, std::size_t offset) noexcept
            : items_(items), offset_(offset) {}
        std::span<const std::byte> items_;
        std::size_t offset_ = 0;
    };

    [[nodiscard]] std::uint32_t ssrc() const noexcept { return ssrc_; }
    [[nodiscard]] ItemIterator begin() const noexcept { return {items_, 0}; }
    [[nodiscard]] ItemIterator end() const noexcept { return {items_, items_.size()}; }
    /// The first CNAME item, if any.
    [[nodiscard]] std::optional<std::string_view> cname() const noexcept;

private:
    friend class SdesView;
    SdesChunkView(std::uint32_t ssrc, std::span<const std::byte> items) noexcept
        : ssrc_(ssrc), items_(items) {}
    std::uint32_t ssrc_ = 0;
    std::span<const std::byte> items_;  ///< items up to (not including) the END octet
};

/// RFC 3550 §6.5 source description: SC chunks.
class SdesView {
public:
    class Iterator {
    public:
        using value_type = SdesChunkView;
        using difference_type = std::ptrdiff_t;
        using iterator_category = std::forward_iterator_tag;
        Iterator() = default;
        [[nodiscard]] SdesChunkView operator*() const noexcept;
        Iterator& operator++() noexcept;
        Iterator operator++(int) noexcept {
            Iterator old = *this;
            ++*this;
            return old;
        }
        friend bool operator==(const Iterator& a, const Iterator& b) noexcept {
            return a.offset_ == b.offset_;
        }

    private:
        friend class SdesView;
        Iterator(std::span<const std::byte> body, std::size_t offset) noexcept
            : body_(body), offset_(offset) {}
        std::span<const std::byte> body_;
        std::size_t offset_ = 0;
    };

    [[nodiscard]] std::size_t chunk_count() const noexcept { return count_; }
    [[nodiscard]] Iterator begin() const noexcept { return {body_, 0}; }
    [[nodiscard]] Iterator end() const noexcept { return {body_, body_.size()}; }

private:
    friend std::optional<SdesView> as_sdes(const PacketView&) noexcept;
    SdesView(std::span<const std::byte> body, std::size_t count) noexcept
        : body_(body), count_(count) {}
    std::span<const std::byte> body_;  ///< exactly the SC chunks
    std::size_t count_;
};

/// RFC 3550 §6.6 goodbye: SSRC/CSRC list and an optional reason.
class ByeView {
public:
    [[nodiscard]] std::size_t ssrc_count() const noexcept { return count_; }
    /// SSRC `i` (precondition `i < ssrc_count()`; out of range returns 0).
    [[nodiscard]] std::uint32_t ssrc(std::size_t i) const noexcept;
    [[nodiscard]] std::optional<std::string_view> reason() const noexcept;

private:
    friend std::optional<ByeView> as_bye(const PacketView&) noexcept;
    ByeView(std::span<const std::byte> body, std::size_t count) noexcept
        : body_(body), count_(count) {}
    std::span<const std::byte> body_;
    std::size_t count_;
};

/// RFC 4585 §6.2.1 generic NACK (RTPFB FMT 1).
class NackView {
public:
    /// Iterates the lost sequence numbers, item by item, pid first then the BLP bits from the
    /// least significant. Wraps at 65535. Duplicates across items are yielded as sent.
    class LostIterator {
    public:
        using value_type = std::uint16_t;
        using difference_type = std::ptrdiff_t;
        using iterator_category = std::forward_iterator_tag;
        LostIterator() = default;
        [[nodiscard]] std::uint16_t operator*() const noexcept;
        LostIterator& operator++() noexcept;
        LostIterator operator++(int) noexcept {
            LostIterator old = *this;
            ++*this;
            return old;
        }
        friend bool operator==(const LostIterator& a, const LostIterator& b) noexcept {
            return a.offset_ == b.offset_ && a.bit_ == b.bit_;
        }

    private:
        friend class NackView;
        LostIterator(std::span<const std::byte> fci, std::size_t offset) noexcept
            : fci_(fci), offset_(offset) {}
        void skip_clear_bits() noexcept;
        std::span<const std::byte> fci_;
        std::size_t offset_ = 0;  ///< byte offset of the current FCI entry
        int bit_ = -1;            ///< -1: the pid itself; 0..15: BLP bit
    };
    /// A range over the FCI bytes; holds a copy of the span, so it stays valid as long as the
    /// packet buffer does (not only as long as the NackView).
    struct LostRange {
        std::span<const std::byte> fci;
        [[nodiscard]] LostIterator begin() const noexcept;
        [[nodiscard]] LostIterator end() const noexcept { return {fci, fci.size()}; }
    };

    [[nodiscard]] std::uint32_t sender_ssrc() const noexcept;
    [[nodiscard]] std::uint32_t media_ssrc() const noexcept;
    [[nodiscard]] std::size_t item_count() const noexcept { return (body_.size() - 8) / 4; }
    /// FCI entry `i` (precondition `i < item_count()`; out of range returns {0, 0}).
    [[nodiscard]] NackItem item(std::size_t i) const noexcept;
    /// The expanded list of lost sequence numbers, borrowing the packet buffer.
    [[nodiscard]] LostRange lost() const noexcept { return {body_.subspan(8)}; }

private:
    friend std::optional<NackView> as_nack(const PacketView&) noexcept;
    explicit NackView(std::span<const std::byte> body) noexcept : body_(body) {}
    std::span<const std::byte> body_;
};

/// RFC 4585 §6.3.1 picture loss indication (PSFB FMT 1). FCI bytes, if any, are ignored.
class PliView {
public:
    [[nodiscard]] std::uint32_t sender_ssrc() const noexcept;
    [[nodiscard]] std::uint32_t media_ssrc() const noexcept;

private:
    friend std::optional<PliView> as_pli(const PacketView&) noexcept;
    explicit PliView(std::span<const std::byte> body) noexcept : body_(body) {}
    std::span<const std::byte> body_;
};

/// RFC 5104 §4.3.1 full intra request (PSFB FMT 4).
class FirView {
public:
    [[nodiscard]] std::uint32_t sender_ssrc() const noexcept;
    /// Media source SSRC of the common header (RFC 5104 says it SHALL be 0).
    [[nodiscard]] std::uint32_t media_ssrc() const noexcept;
    [[nodiscard]] std::size_t entry_count() const noexcept { return (body_.size() - 8) / 8; }
    /// FCI entry `i` (precondition `i < entry_count()`; out of range returns {0, 0}).
    [[nodiscard]] FirEntry entry(std::size_t i) const noexcept;

private:
    friend std::optional<FirView> as_fir(const PacketView&) noexcept;
    explicit FirView(std::span<const std::byte> body) noexcept : body_(body) {}
    std::span<const std::byte> body_;
};

/// draft-alvestrand-rmcat-remb receiver estimated max bitrate (PSFB FMT 15, "REMB").
class RembView {
public:
    [[nodiscard]] std::uint32_t sender_ssrc() const noexcept;
    /// mantissa << exponent; validated at parse not to overflow 64 bits.
    [[nodiscard]] std::uint64_t bitrate_bps() const noexcept;
    [[nodiscard]] std::size_t ssrc_count() const noexcept;
    /// SSRC `i` (precondition `i < ssrc_count()`; out of range returns 0).
    [[nodiscard]] std::uint32_t ssrc(std::size_t i) const noexcept;

private:
    friend std::optional<RembView> as_remb(const PacketView&) noexcept;
    explicit RembView(std::span<const std::byte> body) noexcept : body_(body) {}
    std::span<const std::byte> body_;
};

/// Typed access: the view when `p.kind()` matches, otherwise nullopt.
[[nodiscard]] std::optional<SenderReportView> as_sender_report(const PacketView& p) noexcept;
[[nodiscard]] std::optional<ReceiverReportView> as_receiver_report(const PacketView& p) noexcept;
[[nodiscard]] std::optional<SdesView> as_sdes(const PacketView& p) noexcept;
[[nodiscard]] std::optional<ByeView> as_bye(const PacketView& p) noexcept;
[[nodiscard]] std::optional<NackView> as_nack(const PacketView& p) noexcept;
[[nodiscard]] std::optional<PliView> as_pli(const PacketView& p) noexcept;
[[nodiscard]] std::optional<FirView> as_fir(const PacketView& p) noexcept;
[[nodiscard]] std::optional<RembView> as_remb(const PacketView& p) noexcept;

}  // namespace cohost::wire::rtcp

template <>
struct boost::system::is_error_code_enum<cohost::wire::rtcp::RtcpError> : std::true_type {};
