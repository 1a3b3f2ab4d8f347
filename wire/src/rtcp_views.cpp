// Typed accessors over packets that parse() already validated (rtcp.hpp). Every accessor still
// checks its own bounds, so a precondition violation (an index out of range) returns zeros rather
// than reading outside the packet.
#include <algorithm>

#include "cohost/wire/rtcp.hpp"
#include "rtcp_io.hpp"

namespace cohost::wire::rtcp {

namespace {

using detail::load_u16;
using detail::load_u24;
using detail::load_u32;
using detail::u8;

constexpr std::size_t kReportBlockSize = 24;

std::uint32_t load_u32_or_zero(std::span<const std::byte> b, std::size_t at) noexcept {
    return at <= b.size() && b.size() - at >= 4 ? load_u32(b, at) : 0;
}

// RFC 3550 §6.4.1 report block at `at` (24 bytes, bounds checked by the caller).
ReportBlock load_report_block(std::span<const std::byte> b, std::size_t at) noexcept {
    ReportBlock r;
    r.ssrc = load_u32(b, at);
    r.fraction_lost = u8(b, at + 4);
    const std::uint32_t lost = load_u24(b, at + 5);
    // 24-bit two's complement to int32.
    r.cumulative_lost = static_cast<std::int32_t>(lost ^ 0x800000u) - 0x800000;
    r.extended_highest_seq = load_u32(b, at + 8);
    r.jitter = load_u32(b, at + 12);
    r.last_sr = load_u32(b, at + 16);
    r.delay_since_last_sr = load_u32(b, at + 20);
    return r;
}

ReportBlock report_block_at(std::span<const std::byte> body, std::size_t first, std::size_t count,
                            std::size_t i) noexcept {
    if (i >= count) return {};
    const std::size_t at = first + i * kReportBlockSize;
    if (at > body.size() || body.size() - at < kReportBlockSize) return {};
    return load_report_block(body, at);
}

}  // namespace

// ---- SR / RR ----

std::optional<SenderReportView> as_sender_report(const PacketView& p) noexcept {
    if (p.kind() != PacketKind::SenderReport) return std::nullopt;
    return SenderReportView(p.body(), p.count_or_format());
}
std::uint32_t SenderReportView::ssrc() const noexcept { return load_u32(body_, 0); }
SenderInfo SenderReportView::sender_info() const noexcept {
    SenderInfo s;
    s.ntp_timestamp = (std::uint64_t{load_u32(body_, 4)} << 32) | load_u32(body_, 8);
    s.rtp_timestamp = load_u32(body_, 12);
    s.packet_count = load_u32(body_, 16);
    s.octet_count = load_u32(body_, 20);
    return s;
}
ReportBlock SenderReportView::report_block(std::size_t i) const noexcept {
    return report_block_at(body_, 24, count_, i);
}
std::span<const std::byte> SenderReportView::extension() const noexcept {
    return body_.subspan(24 + count_ * kReportBlockSize);
}

std::optional<ReceiverReportView> as_receiver_report(const PacketView& p) noexcept {
    if (p.kind() != PacketKind::ReceiverReport) return std::nullopt;
    return ReceiverReportView(p.body(), p.count_or_format());
}
std::uint32_t ReceiverReportView::ssrc() const noexcept { return load_u32(body_, 0); }
ReportBlock ReceiverReportView::report_block(std::size_t i) const noexcept {
    return report_block_at(body_, 4, count_, i);
}
std::span<const std::byte> ReceiverReportView::extension() const noexcept {
    return body_.subspan(4 + count_ * kReportBlockSize);
}

// ---- SDES ----

std::optional<SdesView> as_sdes(const PacketView& p) noexcept {
    if (p.kind() != PacketKind::Sdes) return std::nullopt;
    return SdesView(p.body(), p.count_or_format());
}

namespace {
// End of the items of the chunk whose items start at `items` (the offset of the END octet), and
// the offset of the next chunk. Mirrors check_sdes() in rtcp_parse.cpp, bounds-safe on its own.
struct ChunkExtent {
    std::size_t items_end;
    std::size_t next;
};
ChunkExtent chunk_extent(std::span<const std::byte> body, std::size_t items) noexcept {
    std::size_t pos = items;
    while (pos < body.size() && u8(body, pos) != 0) {
        if (body.size() - pos < 2) return {body.size(), body.size()};
        const std::size_t len = u8(body, pos + 1);
        if (body.size() - pos - 2 < len) return {body.size(), body.size()};
        pos += 2 + len;
    }
    if (pos >= body.size()) return {body.size(), body.size()};
    return {pos, std::min(body.size(), (pos + 4) & ~std::size_t{3})};
}
}  // namespace

SdesChunkView SdesView::Iterator::operator*() const noexcept {
    if (body_.size() - offset_ < 4) return SdesChunkView(0, {});
    const ChunkExtent e = chunk_extent(body_, offset_ + 4);
    return SdesChunkView(load_u32(body_, offset_),
                         body_.subspan(offset_ + 4, e.items_end - (offset_ + 4)));
}
SdesView::Iterator& SdesView::Iterator::operator++() noexcept {
    offset_ = body_.size() - offset_ < 4 ? body_.size() : chunk_extent(body_, offset_ + 4).next;
    return *this;
}

SdesItem SdesChunkView::ItemIterator::operator*() const noexcept {
    if (items_.size() - offset_ < 2) return {};
    const std::size_t len =
        std::min<std::size_t>(u8(items_, offset_ + 1), items_.size() - offset_ - 2);
    const auto value = items_.subspan(offset_ + 2, len);
    return {u8(items_, offset_),
            std::string_view(reinterpret_cast<const char*>(value.data()), value.size())};
}
SdesChunkView::ItemIterator& SdesChunkView::ItemIterator::operator++() noexcept {
    if (items_.size() - offset_ < 2) {
        offset_ = items_.size();
    } else {
        offset_ = std::min(items_.size(), offset_ + 2 + u8(items_, offset_ + 1));
    }
    return *this;
}
std::optional<std::string_view> SdesChunkView::cname() const noexcept {
    for (const SdesItem item : *this) {
        if (item.type == static_cast<std::uint8_t>(SdesItemType::Cname)) return item.value;
    }
    return std::nullopt;
}

// ---- BYE ----

std::optional<ByeView> as_bye(const PacketView& p) noexcept {
    if (p.kind() != PacketKind::Bye) return std::nullopt;
    return ByeView(p.body(), p.count_or_format());
}
std::uint32_t ByeView::ssrc(std::size_t i) const noexcept {
    return i < count_ ? load_u32_or_zero(body_, 4 * i) : 0;
}
std::optional<std::string_view> ByeView::reason() const noexcept {
    const std::size_t at = 4 * count_;
    if (at >= body_.size()) return std::nullopt;
    const std::size_t len = std::min<std::size_t>(u8(body_, at), body_.size() - at - 1);
    const auto text = body_.subspan(at + 1, len);
    return std::string_view(reinterpret_cast<const char*>(text.data()), text.size());
}

// ---- NACK ----

std::optional<NackView> as_nack(const PacketView& p) noexcept {
    if (p.kind() != PacketKind::Nack) return std::nullopt;
    return NackView(p.body());
}
std::uint32_t NackView::sender_ssrc() const noexcept { return load_u32(body_, 0); }
std::uint32_t NackView::media_ssrc() const noexcept { return load_u32(body_, 4); }
NackItem NackView::item(std::size_t i) const noexcept {
    if (i >= item_count()) return {};
    return {load_u16(body_, 8 + 4 * i), load_u16(body_, 10 + 4 * i)};
}

NackView::LostIterator NackView::LostRange::begin() const noexcept {
    return {fci, fci.size() >= 4 ? 0 : fci.size()};
}
std::uint16_t NackView::LostIterator::operator*() const noexcept {
    if (fci_.size() - offset_ < 4) return 0;
    const std::uint16_t pid = load_u16(fci_, offset_);
    return static_cast<std::uint16_t>(pid + (bit_ < 0 ? 0 : bit_ + 1));  // wraps at 65535
}
void NackView::LostIterator::skip_clear_bits() noexcept {
    const std::uint16_t blp = load_u16(fci_, offset_ + 2);
    while (bit_ < 16 && (bit_ < 0 || ((blp >> bit_) & 1) == 0)) ++bit_;
    if (bit_ == 16) {  // entry done: the next entry's pid
        offset_ += 4;
        bit_ = -1;
        if (fci_.size() - offset_ < 4) offset_ = fci_.size();
    }
}
NackView::LostIterator& NackView::LostIterator::operator++() noexcept {
    if (fci_.size() - offset_ < 4) return *this;
    ++bit_;
    if (bit_ >= 0) skip_clear_bits();
    return *this;
}

// ---- PLI / FIR / REMB ----

std::optional<PliView> as_pli(const PacketView& p) noexcept {
    if (p.kind() != PacketKind::Pli) return std::nullopt;
    return PliView(p.body());
}
std::uint32_t PliView::sender_ssrc() const noexcept { return load_u32(body_, 0); }
std::uint32_t PliView::media_ssrc() const noexcept { return load_u32(body_, 4); }

std::optional<FirView> as_fir(const PacketView& p) noexcept {
    if (p.kind() != PacketKind::Fir) return std::nullopt;
    return FirView(p.body());
}
std::uint32_t FirView::sender_ssrc() const noexcept { return load_u32(body_, 0); }
std::uint32_t FirView::media_ssrc() const noexcept { return load_u32(body_, 4); }
FirEntry FirView::entry(std::size_t i) const noexcept {
    if (i >= entry_count()) return {};
    return {load_u32(body_, 8 + 8 * i), u8(body_, 12 + 8 * i)};
}

std::optional<RembView> as_remb(const PacketView& p) noexcept {
    if (p.kind() != PacketKind::Remb) return std::nullopt;
    return RembView(p.body());
}
std::uint32_t RembView::sender_ssrc() const noexcept { return load_u32(body_, 0); }
std::uint64_t RembView::bitrate_bps() const noexcept {
    const unsigned exp = u8(body_, 13) >> 2;
    const std::uint64_t mantissa = load_u24(body_, 13) & 0x3ffff;
    return mantissa << exp;  // parse() rejected exponents that would overflow
}
std::size_t RembView::ssrc_count() const noexcept { return u8(body_, 12); }
std::uint32_t RembView::ssrc(std::size_t i) const noexcept {
    return i < ssrc_count() ? load_u32_or_zero(body_, 16 + 4 * i) : 0;
}

}  // namespace cohost::wire::rtcp
