#include "cohost/media/forwarder.hpp"

#include <algorithm>

#include "cohost/wire/rtp_codecs.hpp"
#include "cohost/wire/rtp_sequence.hpp"

namespace cohost::media {

namespace rtp = cohost::wire::rtp;

namespace {

// A switch after a longer pause advances timestamps by this much at most; the receiver only
// needs "later than before", and bounding the gap keeps the arithmetic far from overflow.
constexpr std::uint64_t kMaxGapUs = 600'000'000;
constexpr std::uint16_t kPictureIdMask = 0x7FFF;  // RFC 7741 §4.2: at most 15 bits

}  // namespace

Forwarder::Forwarder(VideoCodec codec, std::uint32_t clock_rate) noexcept
    : codec_(codec), clock_rate_(clock_rate) {}

void Forwarder::set_target_layer(int layer) noexcept {
    target_ = std::clamp(layer, 0, kMaxLayer);
}

bool Forwarder::needs_keyframe() const noexcept {
    return codec_ != VideoCodec::None && (current_ != target_ || stream_lost_);
}

const Forwarder::Segment& Forwarder::segment(std::size_t age) const noexcept {
    return segments_[(head_ + kSegmentHistory - age) % kSegmentHistory];
}

bool Forwarder::is_keyframe(const rtp::PacketView& packet, const Vp8Fields& vp8) const noexcept {
    switch (codec_) {
        case VideoCodec::Vp8:
            return vp8.keyframe;
        case VideoCodec::H264: {
            // RFC 6184: an IDR slice (single NAL or first FU-A fragment) or an SPS (STAP-A ahead
            // of the IDR) is where a decoder can start.
            auto info = rtp::parse_h264(packet.payload);
            return info && info->keyframe();
        }
        case VideoCodec::None:
            break;
    }
    return false;
}

void Forwarder::start_segment(int layer, const rtp::PacketView& packet,
                              std::uint64_t now_us) noexcept {
    Segment next;
    next.layer = layer;
    next.ssrc = packet.ssrc;
    next.in_start = packet.sequence_number;
    if (count_ == 0) {
        // The very first stream goes out with the publisher's own numbering (offsets of zero).
        next.out_start = packet.sequence_number;
        next.ts_offset = 0;
    } else {
        const Segment& cur = segment(0);
        prev_layer_ = cur.layer;
        prev_ssrc_ = cur.ssrc;
        next.out_start = cur.out_end + 1;
        // Timestamps: the new stream's first frame comes the wall-clock gap after the last frame
        // sent, at least one tick later, so the receiver's jitter buffer sees time move forward.
        const std::uint64_t elapsed =
            now_us > last_ts_time_us_ ? std::min(now_us - last_ts_time_us_, kMaxGapUs) : 0;
        const std::uint64_t ticks = std::max<std::uint64_t>(1, elapsed * clock_rate_ / 1'000'000);
        next.ts_offset = last_ts_ + static_cast<std::uint32_t>(ticks) - packet.timestamp;
    }
    next.out_end = next.out_start;
    head_ = count_ == 0 ? 0 : (head_ + 1) % kSegmentHistory;
    count_ = std::min(count_ + 1, kSegmentHistory);
    segments_[head_] = next;
    in_high_ = packet.sequence_number;
    current_ = layer;
    stream_lost_ = false;
}

void Forwarder::map_vp8(Segment& seg, const Vp8Fields& vp8, bool newest,
                        ForwardResult& out) noexcept {
    if (vp8.picture_id) {
        if (!seg.pid_offset_set) {
            // RFC 7741 §4.2: the picture id continues from the last one sent, +1 (new picture).
            seg.pid_offset = have_pid_ ? static_cast<std::uint16_t>(
                                             (last_pid_ + 1U - *vp8.picture_id) & kPictureIdMask)
                                       : 0;
            seg.pid_offset_set = true;
        }
        const auto id = static_cast<std::uint16_t>((*vp8.picture_id + seg.pid_offset) &
                                                   kPictureIdMask);
        out.vp8_picture_id = id;
        if (newest) {
            last_pid_ = id;
            have_pid_ = true;
        }
    }
    if (vp8.tl0_pic_idx) {
        if (!seg.tl0_offset_set) {
            seg.tl0_offset =
                have_tl0_ ? static_cast<std::uint8_t>(last_tl0_ + 1U - *vp8.tl0_pic_idx) : 0;
            seg.tl0_offset_set = true;
        }
        const auto idx = static_cast<std::uint8_t>(*vp8.tl0_pic_idx + seg.tl0_offset);
        out.vp8_tl0_pic_idx = idx;
        if (newest) {
            last_tl0_ = idx;
            have_tl0_ = true;
        }
    }
}

ForwardResult Forwarder::on_packet(int layer, const rtp::PacketView& packet,
                                   std::uint64_t now_us) noexcept {
    ForwardResult result;
    const bool audio = codec_ == VideoCodec::None;
    if (layer < 0 || (!audio && layer > kMaxLayer)) {
        return result;
    }
    Vp8Fields vp8;
    if (codec_ == VideoCodec::Vp8) {
        if (auto d = rtp::parse_vp8(packet.payload)) {
            vp8.picture_id = d->picture_id;
            vp8.tl0_pic_idx = d->tl0_pic_idx;
            vp8.keyframe = d->keyframe;
        }
    }

    const bool on_current =
        count_ > 0 && layer == current_ && packet.ssrc == segment(0).ssrc;
    bool switching = false;
    if (audio) {
        if (!on_current) {
            // A new publisher stream (restart: new SSRC). Stragglers of the stream just left
            // must not flip the output back.
            if (count_ > 0 && layer == prev_layer_ && packet.ssrc == prev_ssrc_) {
                return result;
            }
            switching = true;
        }
    } else if (!on_current) {
        if (layer == target_ && is_keyframe(packet, vp8)) {
            switching = true;
        } else {
            if (count_ > 0 && layer == current_) {
                stream_lost_ = true;  // the current layer now comes with another SSRC
            }
            return result;
        }
    } else if (stream_lost_ && layer == target_ && is_keyframe(packet, vp8)) {
        stream_lost_ = false;  // the old stream still delivers keyframes: nothing is missing
    }

    if (switching) {
        start_segment(layer, packet, now_us);
        result.switched = true;
    }

    Segment& seg = segments_[head_];
    const std::int64_t rel_high = seg.out_end - seg.out_start;
    const std::int64_t rel = rel_high + rtp::seq_distance(packet.sequence_number, in_high_);
    if (rel < 0) {
        return result;  // older than the switch point of this segment
    }
    const bool newest = switching || rel > rel_high;
    if (rel > rel_high) {
        seg.out_end = seg.out_start + rel;
        in_high_ = packet.sequence_number;
    }

    result.forward = true;
    result.sequence = static_cast<std::uint16_t>((seg.out_start + rel) & 0xFFFF);
    result.timestamp = packet.timestamp + seg.ts_offset;
    if (newest && (switching || result.timestamp != last_ts_)) {
        last_ts_ = result.timestamp;
        last_ts_time_us_ = now_us;
    }
    map_vp8(seg, vp8, newest, result);
    return result;
}

std::optional<ResendSource> Forwarder::resend_source(std::uint16_t out_sequence) const noexcept {
    if (count_ == 0) {
        return std::nullopt;
    }
    const std::int64_t newest = segment(0).out_end;
    const std::int64_t q =
        newest + rtp::seq_distance(out_sequence, static_cast<std::uint16_t>(newest & 0xFFFF));
    if (q > newest) {
        return std::nullopt;  // not sent yet
    }
    for (std::size_t age = 0; age < count_; ++age) {
        const Segment& s = segment(age);
        if (q > s.out_end) {
            break;  // segments are contiguous; nothing older can hold it
        }
        if (q >= s.out_start) {
            ResendSource src;
            src.layer = s.layer;
            src.ssrc = s.ssrc;
            src.sequence = static_cast<std::uint16_t>((s.in_start + (q - s.out_start)) & 0xFFFF);
            src.timestamp_offset = s.ts_offset;
            src.vp8_picture_id_offset = s.pid_offset;
            src.vp8_tl0_pic_idx_offset = s.tl0_offset;
            return src;
        }
    }
    return std::nullopt;
}

std::optional<std::pair<int, std::uint16_t>> Forwarder::source_of(
    std::uint16_t out_sequence) const noexcept {
    auto src = resend_source(out_sequence);
    if (!src) {
        return std::nullopt;
    }
    return std::pair<int, std::uint16_t>{src->layer, src->sequence};
}

std::optional<std::uint32_t> Forwarder::rewrite_timestamp(int layer,
                                                          std::uint32_t in_ts) const noexcept {
    for (std::size_t age = 0; age < count_; ++age) {
        const Segment& s = segment(age);
        if (s.layer == layer) {
            return in_ts + s.ts_offset;
        }
    }
    return std::nullopt;
}

}  // namespace cohost::media
