// Compound RTCP validation (RFC 3550 §6.1 and Appendix A.2) and the packet iterator.
#include <algorithm>
#include <string>

#include "cohost/wire/rtcp.hpp"
#include "rtcp_io.hpp"

namespace cohost::wire::rtcp {

namespace {

// boost::system::error_category has a protected non-virtual destructor by design.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class RtcpCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "rtcp"; }
    std::string message(int ev) const override {
        switch (RtcpError(ev)) {
            case RtcpError::TooShort:
                return "rtcp: truncated header";
            case RtcpError::BadVersion:
                return "rtcp: version is not 2";
            case RtcpError::LengthOverrun:
                return "rtcp: length field past end of buffer";
            case RtcpError::BadPadding:
                return "rtcp: invalid padding count";
            case RtcpError::PaddingNotLast:
                return "rtcp: padding on a packet that is not last";
            case RtcpError::FirstNotReport:
                return "rtcp: compound does not start with SR or RR";
            case RtcpError::CountMismatch:
                return "rtcp: count field inconsistent with length";
            case RtcpError::MalformedSdes:
                return "rtcp: malformed SDES";
            case RtcpError::MalformedBye:
                return "rtcp: malformed BYE";
            case RtcpError::MalformedFeedback:
                return "rtcp: malformed feedback message";
            case RtcpError::MalformedRemb:
                return "rtcp: malformed REMB";
            case RtcpError::MalformedTransportCc:
                return "rtcp: malformed transport-cc feedback";
            case RtcpError::BufferTooSmall:
                return "rtcp: output buffer too small";
            case RtcpError::InvalidArgument:
                return "rtcp: invalid argument";
            case RtcpError::TooLarge:
                return "rtcp: packet exceeds the 16-bit length field";
            case RtcpError::DeltaOutOfRange:
                return "rtcp: transport-cc delta out of range";
        }
        return "rtcp error";
    }
};
#pragma GCC diagnostic pop
const RtcpCategory kCategory;

using detail::err;
using detail::load_u16;
using detail::u8;

constexpr std::size_t kHeaderSize = 4;
constexpr std::size_t kReportBlockSize = 24;
constexpr std::size_t kFeedbackHeaderSize = 8;  // sender SSRC + media SSRC

bool is_remb(std::span<const std::byte> body) noexcept {
    return body.size() >= kFeedbackHeaderSize + 4 && u8(body, 8) == 'R' && u8(body, 9) == 'E' &&
           u8(body, 10) == 'M' && u8(body, 11) == 'B';
}

// Kind from the header fields alone (plus the REMB identifier); no structural checks.
PacketKind classify(std::uint8_t pt, std::uint8_t fmt, std::span<const std::byte> body) noexcept {
    switch (pt) {
        case kPtSenderReport:
            return PacketKind::SenderReport;
        case kPtReceiverReport:
            return PacketKind::ReceiverReport;
        case kPtSdes:
            return PacketKind::Sdes;
        case kPtBye:
            return PacketKind::Bye;
        case kPtRtpfb:
            if (fmt == kFmtNack) return PacketKind::Nack;
            if (fmt == kFmtTransportCc) return PacketKind::TransportCc;
            return PacketKind::Other;
        case kPtPsfb:
            if (fmt == kFmtPli) return PacketKind::Pli;
            if (fmt == kFmtFir) return PacketKind::Fir;
            if (fmt == kFmtAfb && is_remb(body)) return PacketKind::Remb;
            return PacketKind::Other;
        default:
            return PacketKind::Other;
    }
}

// RFC 3550 §6.5: SC chunks, each an SSRC then items ended by a null octet and padded with nulls
// to the next 32-bit boundary. The chunks must fill the body exactly.
Result<void> check_sdes(std::span<const std::byte> body, std::size_t count) noexcept {
    std::size_t pos = 0;
    for (std::size_t c = 0; c < count; ++c) {
        if (body.size() - pos < 4) return err(RtcpError::MalformedSdes);
        pos += 4;
        for (;;) {
            if (pos >= body.size()) return err(RtcpError::MalformedSdes);  // no END octet
            if (u8(body, pos) == 0) {
                pos = (pos + 4) & ~std::size_t{3};  // END octet + null padding to a word
                if (pos > body.size()) return err(RtcpError::MalformedSdes);
                break;
            }
            if (body.size() - pos < 2) return err(RtcpError::MalformedSdes);
            const std::size_t len = u8(body, pos + 1);
            if (body.size() - pos - 2 < len) return err(RtcpError::MalformedSdes);
            pos += 2 + len;
        }
    }
    if (pos != body.size()) return err(RtcpError::CountMismatch);
    return {};
}

// REMB FCI: "REMB", num SSRC (8), BR exp (6), BR mantissa (18), then num SSRC SSRCs.
Result<void> check_remb(std::span<const std::byte> body) noexcept {
    const std::size_t fci = body.size() - kFeedbackHeaderSize;
    if (fci < 8) return err(RtcpError::MalformedRemb);
    const std::size_t n = u8(body, 12);
    if (fci != 8 + 4 * n) return err(RtcpError::MalformedRemb);
    const unsigned exp = u8(body, 13) >> 2;
    const std::uint64_t mantissa = detail::load_u24(body, 13) & 0x3ffff;
    if (exp > 0 && (mantissa >> (64 - exp)) != 0) return err(RtcpError::MalformedRemb);
    return {};
}

// Structural checks of one packet of a known kind; `count` is the RC/SC/FMT field.
Result<void> check_packet(PacketKind kind, std::size_t count,
                          std::span<const std::byte> body) noexcept {
    switch (kind) {
        case PacketKind::SenderReport:
            // SSRC + 20 bytes of sender info + RC blocks; anything after is a profile extension.
            if (body.size() < 24 + kReportBlockSize * count) return err(RtcpError::CountMismatch);
            return {};
        case PacketKind::ReceiverReport:
            if (body.size() < 4 + kReportBlockSize * count) return err(RtcpError::CountMismatch);
            return {};
        case PacketKind::Sdes:
            return check_sdes(body, count);
        case PacketKind::Bye: {
            if (body.size() < 4 * count) return err(RtcpError::CountMismatch);
            const std::size_t rest = body.size() - 4 * count;
            if (rest == 0) return {};
            const std::size_t len = u8(body, 4 * count);
            if (rest < 1 + len) return err(RtcpError::MalformedBye);
            // The reason is null-padded to a word; more than that is not a BYE we understand.
            if (rest - 1 - len >= 4) return err(RtcpError::MalformedBye);
            return {};
        }
        case PacketKind::Nack: {
            if (body.size() < kFeedbackHeaderSize) return err(RtcpError::MalformedFeedback);
            const std::size_t fci = body.size() - kFeedbackHeaderSize;
            if (fci == 0 || fci % 4 != 0) return err(RtcpError::MalformedFeedback);
            return {};
        }
        case PacketKind::Pli:
            if (body.size() < kFeedbackHeaderSize) return err(RtcpError::MalformedFeedback);
            return {};
        case PacketKind::Fir: {
            if (body.size() < kFeedbackHeaderSize) return err(RtcpError::MalformedFeedback);
            const std::size_t fci = body.size() - kFeedbackHeaderSize;
            if (fci == 0 || fci % 8 != 0) return err(RtcpError::MalformedFeedback);
            return {};
        }
        case PacketKind::Remb:
            return check_remb(body);
        case PacketKind::TransportCc: {
            auto layout = detail::scan_transport_cc(body);
            if (!layout) return layout.error();
            return {};
        }
        case PacketKind::Other:
            // RTPFB/PSFB of other formats still need the common feedback header (RFC 4585 §6.1).
            return {};
    }
    return {};
}

struct Framed {
    std::size_t total = 0;  // whole packet
    std::size_t padding = 0;
};

// Header checks of the packet at `off`; `in.size() - off >= 4` is the caller's precondition.
Result<Framed> frame(std::span<const std::byte> in, std::size_t off) noexcept {
    const std::uint8_t b0 = u8(in, off);
    if ((b0 >> 6) != 2) return err(RtcpError::BadVersion);
    const std::size_t total = (std::size_t{load_u16(in, off + 2)} + 1) * 4;
    if (total > in.size() - off) return err(RtcpError::LengthOverrun);
    Framed f{total, 0};
    if ((b0 & 0x20) != 0) {
        // RFC 3550 §6.4.1: the last octet counts the padding octets, itself included.
        f.padding = u8(in, off + total - 1);
        if (f.padding == 0 || f.padding > total - kHeaderSize) return err(RtcpError::BadPadding);
    }
    return f;
}

}  // namespace

boost::system::error_code make_error_code(RtcpError e) noexcept { return {int(e), kCategory}; }

Result<CompoundView> parse(std::span<const std::byte> in, ParseOptions options) noexcept {
    if (in.size() < kHeaderSize) return err(RtcpError::TooShort);
    std::size_t off = 0;
    std::size_t count = 0;
    while (off < in.size()) {
        if (in.size() - off < kHeaderSize) return err(RtcpError::TooShort);
        auto f = frame(in, off);
        if (!f) return f.error();
        const bool last = off + f->total == in.size();
        if (f->padding != 0 && !last && !options.allow_padding_on_any_packet) {
            return err(RtcpError::PaddingNotLast);
        }
        const std::uint8_t rc = u8(in, off) & 0x1f;
        const std::uint8_t pt = u8(in, off + 1);
        const auto body = in.subspan(off + kHeaderSize, f->total - kHeaderSize - f->padding);
        const PacketKind kind = classify(pt, rc, body);
        if (count == 0 && options.require_report_first && kind != PacketKind::SenderReport &&
            kind != PacketKind::ReceiverReport) {
            return err(RtcpError::FirstNotReport);
        }
        if (auto ok = check_packet(kind, rc, body); !ok) return ok.error();
        off += f->total;
        ++count;
    }
    return CompoundView(in, count);
}

PacketView CompoundView::Iterator::operator*() const noexcept {
    // The compound was validated by parse(): the header and the length are known to be sound.
    const std::size_t total = (std::size_t{load_u16(data_, offset_ + 2)} + 1) * 4;
    const std::uint8_t b0 = u8(data_, offset_);
    const std::size_t padding = (b0 & 0x20) != 0 ? u8(data_, offset_ + total - 1) : 0;
    const auto bytes = data_.subspan(offset_, total);
    const auto body = bytes.subspan(kHeaderSize, total - kHeaderSize - padding);
    return PacketView(classify(u8(data_, offset_ + 1), b0 & 0x1f, body), bytes, body);
}

CompoundView::Iterator& CompoundView::Iterator::operator++() noexcept {
    offset_ += (std::size_t{load_u16(data_, offset_ + 2)} + 1) * 4;
    return *this;
}

std::uint8_t PacketView::packet_type() const noexcept { return u8(bytes_, 1); }
std::uint8_t PacketView::count_or_format() const noexcept { return u8(bytes_, 0) & 0x1f; }
bool PacketView::has_padding() const noexcept { return (u8(bytes_, 0) & 0x20) != 0; }

}  // namespace cohost::wire::rtcp
