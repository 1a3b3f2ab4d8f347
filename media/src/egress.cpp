#include "cohost/media/egress.hpp"

#include <algorithm>

#include "cohost/wire/rtp_codecs.hpp"
#include "cohost/wire/rtp_extensions.hpp"

namespace cohost::media {

namespace rtp = wire::rtp;

std::size_t write_egress(const rtp::PacketView& in, std::uint16_t sequence, std::uint32_t timestamp,
                         const ForwardResult* vp8, const EgressParams& params,
                         std::uint64_t now_us, std::span<std::byte> out) noexcept {
    const std::size_t len = in.bytes.size();
    if (len > out.size()) return 0;
    std::copy(in.bytes.begin(), in.bytes.end(), out.begin());
    const auto pkt = out.first(len);
    rtp::set_ssrc(pkt, params.ssrc);
    rtp::set_payload_type(pkt, params.payload_type);
    rtp::set_sequence_number(pkt, sequence);
    rtp::set_timestamp(pkt, timestamp);
    if (in.has_extension) {
        static const rtp::ExtensionIdMap kStripAll{};
        if (!rtp::rewrite_extension_ids(pkt, params.ext_map ? *params.ext_map : kStripAll)) return 0;
        if (params.abs_send_time_id != 0) {
            // Same layout as `in`: the element keeps its offset, only its id changed.
            if (auto view = rtp::parse(pkt)) {
                if (auto e = rtp::find_extension(*view, params.abs_send_time_id)) {
                    (void)rtp::write_abs_send_time(pkt.subspan(e->data_offset, rtp::kAbsSendTimeSize),
                                                   rtp::abs_send_time_from_us(now_us));
                }
            }
        }
    }
    if (vp8 != nullptr && (vp8->vp8_picture_id || vp8->vp8_tl0_pic_idx) &&
        params.codec == VideoCodec::Vp8) {
        const auto payload = pkt.subspan(in.header_size, in.payload.size());
        if (auto d = rtp::parse_vp8(payload)) {
            if (vp8->vp8_picture_id) rtp::set_vp8_picture_id(payload, *d, *vp8->vp8_picture_id);
            if (vp8->vp8_tl0_pic_idx) rtp::set_vp8_tl0_pic_idx(payload, *d, *vp8->vp8_tl0_pic_idx);
        }
    }
    return len;
}

}  // namespace cohost::media
