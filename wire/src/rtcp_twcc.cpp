// Transport-cc feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1): structural
// validation, the status iterator, and the builder.
#include "cohost/wire/rtcp_twcc.hpp"

#include <algorithm>

#include "rtcp_io.hpp"

namespace cohost::wire::rtcp {

namespace {

using detail::err;
using detail::load_u16;
using detail::load_u24;
using detail::load_u32;
using detail::u8;

// Offsets inside the body (which starts at the sender SSRC).
constexpr std::size_t kBaseSeqAt = 8;
constexpr std::size_t kStatusCountAt = 10;
constexpr std::size_t kRefTimeAt = 12;
constexpr std::size_t kFbCountAt = 15;
constexpr std::size_t kChunksAt = 16;

// §3.1.1 packet status symbols. The symbol value is also the size of its receive delta in bytes.
constexpr unsigned kNotReceived = 0;
constexpr unsigned kSmallDelta = 1;
constexpr unsigned kLargeDelta = 2;
constexpr unsigned kReserved = 3;

constexpr std::uint32_t kMaxRunLength = 0x1fff;  // §3.1.3: 13-bit run length
constexpr std::uint32_t kOneBitCapacity = 14;    // §3.1.4: S = 0
constexpr std::uint32_t kTwoBitCapacity = 7;     // §3.1.4: S = 1

bool is_run_length(std::uint16_t chunk) noexcept { return (chunk & 0x8000) == 0; }
bool is_two_bit(std::uint16_t chunk) noexcept { return (chunk & 0x4000) != 0; }

std::uint32_t chunk_capacity(std::uint16_t chunk) noexcept {
    if (is_run_length(chunk)) return chunk & kMaxRunLength;
    return is_two_bit(chunk) ? kTwoBitCapacity : kOneBitCapacity;
}

// Symbol `k` of a chunk (k < chunk_capacity(chunk)).
unsigned chunk_symbol(std::uint16_t chunk, std::uint32_t k) noexcept {
    if (is_run_length(chunk)) return (chunk >> 13) & 3u;
    if (is_two_bit(chunk)) return (chunk >> (12 - 2 * k)) & 3u;
    return (chunk >> (13 - k)) & 1u;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    const std::int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace

namespace detail {

Result<TwccLayout> scan_transport_cc(std::span<const std::byte> body) noexcept {
    if (body.size() < kChunksAt) return err(RtcpError::MalformedTransportCc);
    std::uint32_t remaining = load_u16(body, kStatusCountAt);
    if (remaining == 0) return err(RtcpError::MalformedTransportCc);  // libwebrtc refuses it too
    std::size_t pos = kChunksAt;
    std::size_t delta_bytes = 0;
    TwccLayout layout;
    while (remaining > 0) {
        if (body.size() - pos < 2) return err(RtcpError::MalformedTransportCc);
        const std::uint16_t chunk = load_u16(body, pos);
        pos += 2;
        const std::uint32_t n = std::min(chunk_capacity(chunk), remaining);
        if (is_run_length(chunk)) {
            // One symbol for the whole run: O(1) however long it is.
            const unsigned s = chunk_symbol(chunk, 0);
            if (n > 0 && s == kReserved) return err(RtcpError::MalformedTransportCc);
            delta_bytes += std::size_t{n} * s;
            layout.received += s != kNotReceived ? n : 0;
        } else {
            for (std::uint32_t k = 0; k < n; ++k) {
                const unsigned s = chunk_symbol(chunk, k);
                if (s == kReserved) return err(RtcpError::MalformedTransportCc);
                delta_bytes += s;
                layout.received += s != kNotReceived ? 1 : 0;
            }
        }
        remaining -= n;
    }
    if (body.size() - pos < delta_bytes) return err(RtcpError::MalformedTransportCc);
    // Up to three bytes of zero padding may follow the deltas (§3.1 figure); more is not a
    // feedback packet we understand.
    if (body.size() - pos - delta_bytes >= 4) return err(RtcpError::MalformedTransportCc);
    layout.deltas_offset = pos;
    return layout;
}

}  // namespace detail

std::optional<TransportCcView> as_transport_cc(const PacketView& p) noexcept {
    if (p.kind() != PacketKind::TransportCc) return std::nullopt;
    auto layout = detail::scan_transport_cc(p.body());
    if (!layout) return std::nullopt;  // unreachable for a packet that parse() accepted
    return TransportCcView(p.body(), layout->deltas_offset, layout->received);
}

std::uint32_t TransportCcView::sender_ssrc() const noexcept { return load_u32(body_, 0); }
std::uint32_t TransportCcView::media_ssrc() const noexcept { return load_u32(body_, 4); }
std::uint16_t TransportCcView::base_seq() const noexcept { return load_u16(body_, kBaseSeqAt); }
std::uint16_t TransportCcView::status_count() const noexcept {
    return load_u16(body_, kStatusCountAt);
}
std::uint32_t TransportCcView::reference_time() const noexcept {
    return load_u24(body_, kRefTimeAt);
}
std::uint8_t TransportCcView::fb_pkt_count() const noexcept { return u8(body_, kFbCountAt); }

TransportCcView::Iterator TransportCcView::begin() const noexcept {
    return {body_.data(), body_.size(), deltas_offset_, status_count(), 0};
}
TransportCcView::Iterator TransportCcView::end() const noexcept {
    return {body_.data(), body_.size(), deltas_offset_, status_count(), status_count()};
}

Result<std::size_t> TransportCcView::decode(std::span<TwccPacketStatus> out) const noexcept {
    if (out.size() < status_count()) return err(RtcpError::BufferTooSmall);
    std::size_t i = 0;
    for (const TwccPacketStatus& s : *this) out[i++] = s;
    return i;
}

TransportCcView::Iterator::Iterator(const std::byte* body, std::size_t body_size,
                                    std::size_t deltas_offset, std::uint32_t count,
                                    std::uint32_t index) noexcept
    : body_(body),
      body_size_(body_size),
      chunk_offset_(kChunksAt),
      delta_offset_(deltas_offset),
      count_(count),
      index_(index) {
    if (index_ < count_) {
        time_us_ = std::int64_t{load_u24({body_, body_size_}, kRefTimeAt)} * 64'000;
        load();
    }
}

TransportCcView::Iterator& TransportCcView::Iterator::operator++() noexcept {
    if (index_ < count_ && ++index_ < count_) load();
    return *this;
}

void TransportCcView::Iterator::load() noexcept {
    const std::span<const std::byte> body(body_, body_size_);
    while (in_chunk_ >= chunk_symbols_) {      // next chunk; skips empty run-length chunks
        if (body_size_ - chunk_offset_ < 2) {  // unreachable after scan_transport_cc()
            index_ = count_;
            return;
        }
        chunk_ = load_u16(body, chunk_offset_);
        chunk_offset_ += 2;
        chunk_symbols_ = chunk_capacity(chunk_);
        in_chunk_ = 0;
    }
    const unsigned s = chunk_symbol(chunk_, in_chunk_++);
    cur_.seq = static_cast<std::uint16_t>(load_u16(body, kBaseSeqAt) + index_);
    cur_.received = s == kSmallDelta || s == kLargeDelta;
    cur_.delta_us = 0;
    cur_.arrival_us = 0;
    if (!cur_.received || body_size_ - delta_offset_ < s) return;
    std::int32_t ticks = 0;
    if (s == kSmallDelta) {
        ticks = u8(body, delta_offset_);
    } else {
        ticks = static_cast<std::int16_t>(load_u16(body, delta_offset_));
    }
    delta_offset_ += s;
    cur_.delta_us = ticks * static_cast<std::int32_t>(kDeltaTickUs);
    time_us_ += cur_.delta_us;
    cur_.arrival_us = time_us_;
}

// ---- builder ----

namespace {

// Answers "which symbol has sequence offset j" from the sorted list of received packets.
class Symbols {
public:
    Symbols(const TransportCcFeedback& fb, std::int64_t ref_ticks) noexcept
        : fb_(fb), ref_ticks_(ref_ticks) {}

    [[nodiscard]] std::uint32_t offset(std::size_t k) const noexcept {
        return static_cast<std::uint16_t>(fb_.packets[k].seq - fb_.base_seq);
    }
    [[nodiscard]] std::int64_t delta_ticks(std::size_t k) const noexcept {
        const std::int64_t prev =
            k == 0 ? ref_ticks_ : floor_div(fb_.packets[k - 1].arrival_us, kDeltaTickUs);
        return floor_div(fb_.packets[k].arrival_us, kDeltaTickUs) - prev;
    }
    // First packet index with offset >= j.
    [[nodiscard]] std::size_t lower_bound(std::uint32_t j) const noexcept {
        std::size_t lo = 0;
        std::size_t hi = fb_.packets.size();
        while (lo < hi) {
            const std::size_t mid = lo + (hi - lo) / 2;
            if (offset(mid) < j) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
    [[nodiscard]] unsigned symbol(std::uint32_t j) const noexcept {
        const std::size_t k = lower_bound(j);
        if (k == fb_.packets.size() || offset(k) != j) return kNotReceived;
        const std::int64_t d = delta_ticks(k);
        return d >= 0 && d <= 0xff ? kSmallDelta : kLargeDelta;
    }
    // Length of the run of equal symbols starting at i, at most `limit`.
    [[nodiscard]] std::uint32_t run_length(std::uint32_t i, std::uint32_t limit) const noexcept {
        const unsigned s = symbol(i);
        if (s == kNotReceived) {
            const std::size_t k = lower_bound(i);
            const std::uint32_t next = k == fb_.packets.size() ? i + limit : offset(k);
            return std::min(next - i, limit);
        }
        std::uint32_t n = 1;
        while (n < limit && symbol(i + n) == s) ++n;
        return n;
    }

private:
    const TransportCcFeedback& fb_;
    std::int64_t ref_ticks_;
};

}  // namespace

Result<std::size_t> serialize(const TransportCcFeedback& fb, std::span<std::byte> out) noexcept {
    if (fb.packets.empty()) return err(RtcpError::InvalidArgument);
    const std::int64_t ref = floor_div(fb.packets.front().arrival_us, 64'000);
    const Symbols symbols(fb, ref * 256);  // 64 ms = 256 ticks of 250 µs

    // Validate order and deltas first, so the chunk loop below cannot fail on input.
    std::size_t delta_bytes = 0;
    for (std::size_t k = 0; k < fb.packets.size(); ++k) {
        if (k > 0 && symbols.offset(k) <= symbols.offset(k - 1)) {
            return err(RtcpError::InvalidArgument);
        }
        const std::int64_t d = symbols.delta_ticks(k);
        if (d < INT16_MIN || d > INT16_MAX) return err(RtcpError::DeltaOutOfRange);
        delta_bytes += d >= 0 && d <= 0xff ? 1 : 2;
    }
    const std::uint32_t last = symbols.offset(fb.packets.size() - 1);
    if (last >= 0xffff) return err(RtcpError::InvalidArgument);  // status count is 16 bits
    const std::uint32_t count = last + 1;

    constexpr std::size_t kFixed = 4 + kChunksAt;
    if (out.size() < kFixed) return err(RtcpError::BufferTooSmall);
    std::size_t pos = kFixed;
    for (std::uint32_t i = 0; i < count;) {
        const std::uint32_t remaining = count - i;
        const std::uint32_t run = symbols.run_length(i, std::min(remaining, kMaxRunLength));
        std::uint32_t chunk = 0;
        std::uint32_t used = 0;
        const std::uint32_t one_bit_n = std::min(remaining, kOneBitCapacity);
        bool one_bit = run < kOneBitCapacity && run < remaining;
        for (std::uint32_t k = 0; one_bit && k < one_bit_n; ++k) {
            one_bit = symbols.symbol(i + k) <= kSmallDelta;
        }
        if (one_bit) {
            chunk = 0x8000;
            for (std::uint32_t k = 0; k < one_bit_n; ++k)
                chunk |= symbols.symbol(i + k) << (13 - k);
            used = one_bit_n;
        } else if (run >= kTwoBitCapacity || run == remaining) {
            chunk = (symbols.symbol(i) << 13) | run;
            used = run;
        } else {
            chunk = 0xc000;
            used = std::min(remaining, kTwoBitCapacity);
            for (std::uint32_t k = 0; k < used; ++k) chunk |= symbols.symbol(i + k) << (12 - 2 * k);
        }
        if (out.size() - pos < 2) return err(RtcpError::BufferTooSmall);
        detail::store_u16(out, pos, chunk);
        pos += 2;
        i += used;
    }

    const std::size_t total = (pos + delta_bytes + 3) & ~std::size_t{3};
    if (total > detail::kMaxPacketSize) return err(RtcpError::TooLarge);
    if (out.size() < total) return err(RtcpError::BufferTooSmall);
    for (std::size_t k = 0; k < fb.packets.size(); ++k) {
        const std::int64_t d = symbols.delta_ticks(k);
        if (d >= 0 && d <= 0xff) {
            detail::store_u8(out, pos++, static_cast<std::uint32_t>(d));
        } else {
            detail::store_u16(out, pos, static_cast<std::uint16_t>(static_cast<std::int16_t>(d)));
            pos += 2;
        }
    }
    while (pos < total) detail::store_u8(out, pos++, 0);  // zero padding, no P bit

    detail::store_header(out, kFmtTransportCc, kPtRtpfb, total);
    detail::store_u32(out, 4, fb.sender_ssrc);
    detail::store_u32(out, 8, fb.media_ssrc);
    detail::store_u16(out, 4 + kBaseSeqAt, fb.base_seq);
    detail::store_u16(out, 4 + kStatusCountAt, count);
    const std::int64_t wrap = std::int64_t{1} << 24;
    detail::store_u24(out, 4 + kRefTimeAt,
                      static_cast<std::uint32_t>(((ref % wrap) + wrap) % wrap));
    detail::store_u8(out, 4 + kFbCountAt, fb.fb_pkt_count);
    return total;
}

}  // namespace cohost::wire::rtcp
