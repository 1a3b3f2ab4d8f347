// VP8 payload descriptor (RFC 7741) and H.264 keyframe detection (RFC 6184). See rtp_codecs.hpp.
#include "cohost/wire/rtp_codecs.hpp"

#include <string>

#include "cohost/wire/bytes.hpp"

namespace cohost::wire::rtp {

namespace {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class PayloadCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "rtp-payload"; }
    std::string message(int ev) const override {
        switch (static_cast<PayloadErrc>(ev)) {
            case PayloadErrc::Empty:
                return "empty payload";
            case PayloadErrc::Truncated:
                return "payload descriptor truncated";
            case PayloadErrc::Unsupported:
                return "unsupported packetization";
        }
        return "rtp payload error";
    }
};
#pragma GCC diagnostic pop
const PayloadCategory kCategory;

constexpr std::uint8_t kNalIdr = 5;
constexpr std::uint8_t kNalSps = 7;
constexpr std::uint8_t kNalPps = 8;
constexpr std::uint8_t kStapA = 24;
constexpr std::uint8_t kFuA = 28;

void note_nal(std::uint8_t type, H264Info& info) noexcept {
    if (type == kNalIdr) info.has_idr = true;
    if (type == kNalSps) info.has_sps = true;
    if (type == kNalPps) info.has_pps = true;
}

}  // namespace

boost::system::error_code make_error_code(PayloadErrc e) noexcept {
    return {static_cast<int>(e), kCategory};
}

Result<Vp8Descriptor> parse_vp8(std::span<const std::byte> payload) noexcept {
    if (payload.empty()) return make_error_code(PayloadErrc::Empty);
    ByteReader r(payload);
    Vp8Descriptor d;
    // RFC 7741 §4.2: |X|R|N|S|R|PID|, then if X: |I|L|T|K|RSV|, then the optional fields.
    const std::uint8_t b0 = *r.u8();
    d.non_reference = (b0 & 0x20U) != 0;
    d.start_of_partition = (b0 & 0x10U) != 0;
    d.partition_id = static_cast<std::uint8_t>(b0 & 0x07U);
    if ((b0 & 0x80U) != 0) {
        const auto x = r.u8();
        if (!x) return make_error_code(PayloadErrc::Truncated);
        const bool has_i = (*x & 0x80U) != 0;
        const bool has_l = (*x & 0x40U) != 0;
        const bool has_t = (*x & 0x20U) != 0;
        const bool has_k = (*x & 0x10U) != 0;
        if (has_i) {
            d.picture_id_offset = r.position();
            const auto p0 = r.u8();
            if (!p0) return make_error_code(PayloadErrc::Truncated);
            if ((*p0 & 0x80U) != 0) {
                const auto p1 = r.u8();
                if (!p1) return make_error_code(PayloadErrc::Truncated);
                d.picture_id_15bit = true;
                d.picture_id = static_cast<std::uint16_t>(((*p0 & 0x7FU) << 8) | *p1);
            } else {
                d.picture_id = *p0;
            }
        }
        if (has_l) {
            d.tl0_pic_idx_offset = r.position();
            d.tl0_pic_idx = r.u8();
            if (!d.tl0_pic_idx) return make_error_code(PayloadErrc::Truncated);
        }
        if (has_t || has_k) {
            const auto tk = r.u8();
            if (!tk) return make_error_code(PayloadErrc::Truncated);
            if (has_t) {
                d.temporal_id = static_cast<std::uint8_t>(*tk >> 6);
                d.layer_sync = (*tk & 0x20U) != 0;
            }
            if (has_k) d.key_idx = static_cast<std::uint8_t>(*tk & 0x1FU);
        }
    }
    d.size = r.position();
    // The descriptor must be followed by VP8 data.
    const auto first = r.u8();
    if (!first) return make_error_code(PayloadErrc::Truncated);
    // RFC 7741 §4.3: at the start of partition 0 the VP8 payload header begins with
    // |Size0|H|VER|P|; P (bit 0) is the inverse key frame flag.
    d.keyframe = d.frame_start() && (*first & 0x01U) == 0;
    return d;
}

bool set_vp8_picture_id(std::span<std::byte> payload, const Vp8Descriptor& d,
                        std::uint16_t id) noexcept {
    if (!d.picture_id) return false;
    const std::size_t width = d.picture_id_15bit ? 2 : 1;
    if (d.picture_id_offset == 0 || d.picture_id_offset + width > payload.size()) return false;
    std::byte* p = payload.data() + d.picture_id_offset;
    if (d.picture_id_15bit) {
        store_be16(p, static_cast<std::uint16_t>(0x8000U | (id & 0x7FFFU)));
    } else {
        *p = std::byte{static_cast<std::uint8_t>(id & 0x7FU)};
    }
    return true;
}

bool set_vp8_tl0_pic_idx(std::span<std::byte> payload, const Vp8Descriptor& d,
                         std::uint8_t idx) noexcept {
    if (!d.tl0_pic_idx) return false;
    if (d.tl0_pic_idx_offset == 0 || d.tl0_pic_idx_offset >= payload.size()) return false;
    payload[d.tl0_pic_idx_offset] = std::byte{idx};
    return true;
}

Result<H264Info> parse_h264(std::span<const std::byte> payload) noexcept {
    if (payload.empty()) return make_error_code(PayloadErrc::Empty);
    H264Info info;
    // RFC 6184 §5.3: NAL unit header |F|NRI|Type|.
    const std::uint8_t type = u8_at(payload, 0) & 0x1FU;
    if (type >= 1 && type <= 23) {  // §5.6 single NAL unit packet
        note_nal(type, info);
        return info;
    }
    if (type == kStapA) {
        // §5.7.1: after the STAP-A header, (16-bit size, NAL unit) repeated; at least one.
        ByteReader r(payload.subspan(1));
        if (r.remaining() == 0) return make_error_code(PayloadErrc::Truncated);
        while (r.remaining() > 0) {
            const auto size = r.u16();
            if (!size || *size == 0) return make_error_code(PayloadErrc::Truncated);
            const auto nal = r.bytes(*size);
            if (!nal) return make_error_code(PayloadErrc::Truncated);
            note_nal(u8_at(*nal, 0) & 0x1FU, info);
        }
        return info;
    }
    if (type == kFuA) {
        // §5.8: FU indicator, FU header |S|E|R|Type|, then the fragment.
        if (payload.size() < 2) return make_error_code(PayloadErrc::Truncated);
        const std::uint8_t fu = u8_at(payload, 1);
        if ((fu & 0x80U) != 0) note_nal(fu & 0x1FU, info);
        return info;
    }
    return make_error_code(PayloadErrc::Unsupported);  // 0, 25-27, 29-31
}

}  // namespace cohost::wire::rtp
