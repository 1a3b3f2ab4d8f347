// RTCP builders (rtcp_build.hpp): SR, RR, SDES CNAME, BYE, generic NACK, PLI, FIR, REMB.
#include "cohost/wire/rtcp_build.hpp"

#include <algorithm>

#include "rtcp_io.hpp"

namespace cohost::wire::rtcp {

namespace {

using detail::err;
using detail::store_header;
using detail::store_u16;
using detail::store_u24;
using detail::store_u32;
using detail::store_u8;

constexpr std::size_t kMaxCount = 31;  // 5-bit RC / SC
constexpr std::size_t kReportBlockSize = 24;

// Checks the size of a packet about to be written: fits the length field and the buffer.
Result<void> check_room(std::size_t total, std::span<std::byte> out) noexcept {
    if (total > detail::kMaxPacketSize) return err(RtcpError::TooLarge);
    if (out.size() < total) return err(RtcpError::BufferTooSmall);
    return {};
}

void store_report_block(std::span<std::byte> out, std::size_t at, const ReportBlock& r) noexcept {
    store_u32(out, at, r.ssrc);
    store_u8(out, at + 4, r.fraction_lost);
    // RFC 3550 §6.4.1: 24-bit signed; clamp rather than wrap a value that does not fit.
    const std::int32_t lost = std::clamp(r.cumulative_lost, -0x800000, 0x7fffff);
    store_u24(out, at + 5, static_cast<std::uint32_t>(lost) & 0xffffff);
    store_u32(out, at + 8, r.extended_highest_seq);
    store_u32(out, at + 12, r.jitter);
    store_u32(out, at + 16, r.last_sr);
    store_u32(out, at + 20, r.delay_since_last_sr);
}

void store_report_blocks(std::span<std::byte> out, std::size_t at,
                         std::span<const ReportBlock> reports) noexcept {
    for (const ReportBlock& r : reports) {
        store_report_block(out, at, r);
        at += kReportBlockSize;
    }
}

std::size_t pad4(std::size_t n) noexcept { return (n + 3) & ~std::size_t{3}; }

// Greedy packing of `lost` into FCI entries (see GenericNack); calls emit(pid, blp) per entry.
template <class Emit>
void pack_nack(std::span<const std::uint16_t> lost, Emit&& emit) noexcept {
    std::size_t i = 0;
    while (i < lost.size()) {
        const std::uint16_t pid = lost[i++];
        std::uint16_t blp = 0;
        while (i < lost.size()) {
            const auto d = static_cast<std::uint16_t>(lost[i] - pid);  // wraps at 65535
            if (d == 0) {
                ++i;
            } else if (d <= 16) {
                blp = static_cast<std::uint16_t>(blp | (1u << (d - 1)));
                ++i;
            } else {
                break;
            }
        }
        emit(pid, blp);
    }
}

}  // namespace

Result<std::size_t> serialize(const SenderReport& p, std::span<std::byte> out) noexcept {
    if (p.reports.size() > kMaxCount) return err(RtcpError::InvalidArgument);
    const std::size_t total = 28 + kReportBlockSize * p.reports.size();
    if (auto ok = check_room(total, out); !ok) return ok.error();
    store_header(out, static_cast<std::uint8_t>(p.reports.size()), kPtSenderReport, total);
    store_u32(out, 4, p.ssrc);
    store_u32(out, 8, static_cast<std::uint32_t>(p.info.ntp_timestamp >> 32));
    store_u32(out, 12, static_cast<std::uint32_t>(p.info.ntp_timestamp));
    store_u32(out, 16, p.info.rtp_timestamp);
    store_u32(out, 20, p.info.packet_count);
    store_u32(out, 24, p.info.octet_count);
    store_report_blocks(out, 28, p.reports);
    return total;
}

Result<std::size_t> serialize(const ReceiverReport& p, std::span<std::byte> out) noexcept {
    if (p.reports.size() > kMaxCount) return err(RtcpError::InvalidArgument);
    const std::size_t total = 8 + kReportBlockSize * p.reports.size();
    if (auto ok = check_room(total, out); !ok) return ok.error();
    store_header(out, static_cast<std::uint8_t>(p.reports.size()), kPtReceiverReport, total);
    store_u32(out, 4, p.ssrc);
    store_report_blocks(out, 8, p.reports);
    return total;
}

Result<std::size_t> serialize(const Sdes& p, std::span<std::byte> out) noexcept {
    if (p.chunks.size() > kMaxCount) return err(RtcpError::InvalidArgument);
    std::size_t total = 4;
    for (const SdesCname& c : p.chunks) {
        if (c.cname.size() > 255) return err(RtcpError::InvalidArgument);
        // SSRC, CNAME item (type, length, text), END octet, null padding to a word (§6.5).
        total += pad4(4 + 2 + c.cname.size() + 1);
    }
    if (auto ok = check_room(total, out); !ok) return ok.error();
    store_header(out, static_cast<std::uint8_t>(p.chunks.size()), kPtSdes, total);
    std::size_t pos = 4;
    for (const SdesCname& c : p.chunks) {
        const std::size_t end = pos + pad4(4 + 2 + c.cname.size() + 1);
        store_u32(out, pos, c.ssrc);
        store_u8(out, pos + 4, static_cast<std::uint8_t>(SdesItemType::Cname));
        store_u8(out, pos + 5, static_cast<std::uint32_t>(c.cname.size()));
        pos += 6;
        for (const char ch : c.cname) store_u8(out, pos++, static_cast<unsigned char>(ch));
        while (pos < end) store_u8(out, pos++, 0);  // END item + padding
    }
    return total;
}

Result<std::size_t> serialize(const Bye& p, std::span<std::byte> out) noexcept {
    if (p.ssrcs.size() > kMaxCount || p.reason.size() > 255) {
        return err(RtcpError::InvalidArgument);
    }
    const std::size_t reason_bytes = p.reason.empty() ? 0 : pad4(1 + p.reason.size());
    const std::size_t total = 4 + 4 * p.ssrcs.size() + reason_bytes;
    if (auto ok = check_room(total, out); !ok) return ok.error();
    store_header(out, static_cast<std::uint8_t>(p.ssrcs.size()), kPtBye, total);
    std::size_t pos = 4;
    for (const std::uint32_t ssrc : p.ssrcs) {
        store_u32(out, pos, ssrc);
        pos += 4;
    }
    if (!p.reason.empty()) {
        store_u8(out, pos++, static_cast<std::uint32_t>(p.reason.size()));
        for (const char ch : p.reason) store_u8(out, pos++, static_cast<unsigned char>(ch));
        while (pos < total) store_u8(out, pos++, 0);
    }
    return total;
}

Result<std::size_t> serialize(const GenericNack& p, std::span<std::byte> out) noexcept {
    if (p.lost.empty()) return err(RtcpError::InvalidArgument);
    std::size_t items = 0;
    pack_nack(p.lost, [&](std::uint16_t, std::uint16_t) { ++items; });
    const std::size_t total = 12 + 4 * items;
    if (auto ok = check_room(total, out); !ok) return ok.error();
    store_header(out, kFmtNack, kPtRtpfb, total);
    store_u32(out, 4, p.sender_ssrc);
    store_u32(out, 8, p.media_ssrc);
    std::size_t pos = 12;
    pack_nack(p.lost, [&](std::uint16_t pid, std::uint16_t blp) {
        store_u16(out, pos, pid);
        store_u16(out, pos + 2, blp);
        pos += 4;
    });
    return total;
}

Result<std::size_t> serialize(const Pli& p, std::span<std::byte> out) noexcept {
    constexpr std::size_t total = 12;
    if (auto ok = check_room(total, out); !ok) return ok.error();
    store_header(out, kFmtPli, kPtPsfb, total);
    store_u32(out, 4, p.sender_ssrc);
    store_u32(out, 8, p.media_ssrc);
    return total;
}

Result<std::size_t> serialize(const Fir& p, std::span<std::byte> out) noexcept {
    if (p.entries.empty()) return err(RtcpError::InvalidArgument);
    const std::size_t total = 12 + 8 * p.entries.size();
    if (auto ok = check_room(total, out); !ok) return ok.error();
    store_header(out, kFmtFir, kPtPsfb, total);
    store_u32(out, 4, p.sender_ssrc);
    store_u32(out, 8, 0);  // RFC 5104 §4.3.1.2: media source SSRC SHALL be 0
    std::size_t pos = 12;
    for (const FirEntry& e : p.entries) {
        store_u32(out, pos, e.ssrc);
        store_u32(out, pos + 4, std::uint32_t{e.seq_nr} << 24);  // seq nr + 24 reserved bits
        pos += 8;
    }
    return total;
}

Result<std::size_t> serialize(const Remb& p, std::span<std::byte> out) noexcept {
    if (p.ssrcs.size() > 255) return err(RtcpError::InvalidArgument);
    const std::size_t total = 20 + 4 * p.ssrcs.size();
    if (auto ok = check_room(total, out); !ok) return ok.error();
    unsigned exp = 0;
    while ((p.bitrate_bps >> exp) > 0x3ffff) ++exp;  // at most 46 for a 64-bit value
    const auto mantissa = static_cast<std::uint32_t>(p.bitrate_bps >> exp);
    store_header(out, kFmtAfb, kPtPsfb, total);
    store_u32(out, 4, p.sender_ssrc);
    store_u32(out, 8, 0);  // draft-alvestrand-rmcat-remb §2.2: media source SSRC is 0
    store_u8(out, 12, 'R');
    store_u8(out, 13, 'E');
    store_u8(out, 14, 'M');
    store_u8(out, 15, 'B');
    store_u8(out, 16, static_cast<std::uint32_t>(p.ssrcs.size()));
    store_u24(out, 17, (exp << 18) | mantissa);
    std::size_t pos = 20;
    for (const std::uint32_t ssrc : p.ssrcs) {
        store_u32(out, pos, ssrc);
        pos += 4;
    }
    return total;
}

}  // namespace cohost::wire::rtcp
