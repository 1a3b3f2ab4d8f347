// Media worker: RTP in from publishers, forwarding to subscribers, NACK answers from the cache,
// keyframe requests, and the RTCP the SFU sends (receiver reports, transport-cc, REMB, sender
// reports).
#include <algorithm>
#include <chrono>

#include "cohost/media/egress.hpp"
#include "cohost/wire/rtcp.hpp"
#include "cohost/wire/rtcp_build.hpp"
#include "cohost/wire/rtp_codecs.hpp"
#include "cohost/wire/rtp_extensions.hpp"
#include "cohost/wire/rtp_sequence.hpp"
#include "worker.hpp"

namespace cohost::media::detail {

namespace rtp = wire::rtp;
namespace rtcp = wire::rtcp;

namespace {

/// The SSRC the SFU uses as sender of feedback to publishers.
constexpr std::uint32_t kFeedbackSsrc = 1;
std::optional<std::string_view> sdes_ext(const rtp::PacketView& p, std::uint8_t id) {
    if (id == 0) return std::nullopt;
    auto e = rtp::find_extension(p, id);
    if (!e) return std::nullopt;
    return rtp::read_sdes_string(e->data);
}

}  // namespace

PublishedTrack* Worker::learn_ssrc(Peer& peer, const rtp::PacketView& packet, int& layer) {
    std::uint8_t mid_id = 0;
    std::uint8_t rid_id = 0;
    for (PublishedTrack* t : peer.tracks) {
        if (mid_id == 0) mid_id = t->spec.ext.mid;
        if (rid_id == 0) rid_id = t->spec.ext.rid;
    }
    PublishedTrack* track = nullptr;
    if (auto mid = sdes_ext(packet, mid_id)) {
        for (PublishedTrack* t : peer.tracks) {
            if (t->spec.mid == *mid) track = t;
        }
    }
    if (track == nullptr) {  // no MID extension: the only track with this payload type
        for (PublishedTrack* t : peer.tracks) {
            if (t->spec.codec.payload_type != packet.payload_type) continue;
            if (track != nullptr) return nullptr;  // ambiguous
            track = t;
        }
    }
    if (track == nullptr) return nullptr;
    layer = 0;
    if (!track->spec.rids.empty()) {
        auto rid = sdes_ext(packet, rid_id);
        if (!rid) return nullptr;  // simulcast stream not yet identified (RTX or no RID yet)
        const auto it = std::find(track->spec.rids.begin(), track->spec.rids.end(), *rid);
        if (it == track->spec.rids.end()) return nullptr;
        layer = static_cast<int>(it - track->spec.rids.begin());
    }
    Layer& l = track->layers[layer];
    if (l.known) peer.ssrc_map.erase(l.ssrc);  // the publisher restarted this layer
    l.ssrc = packet.ssrc;
    l.known = true;
    l.seq_init = false;
    peer.ssrc_map[packet.ssrc] = {track, layer};
    return track;
}

void Worker::on_rtp(Peer& peer, std::span<std::byte> data) {
    if (!peer.connected() || peer.tracks.empty()) return;
    auto n = peer.srtp->unprotect_rtp(std::span<std::byte>(rx_.data(), rx_.size()), data.size());
    if (!n) {
        ++stats_.srtp_errors;
        return;
    }
    if (capture_.enabled()) capture_.packet(peer.id, "rtp", std::span(rx_.data(), *n));
    auto packet = rtp::parse(std::span<const std::byte>(rx_.data(), *n));
    if (!packet) return;
    ++stats_.rtp_in;
    int layer_index = 0;
    PublishedTrack* track = nullptr;
    if (auto it = peer.ssrc_map.find(packet->ssrc); it != peer.ssrc_map.end()) {
        track = it->second.first;
        layer_index = it->second.second;
    } else {
        track = learn_ssrc(peer, *packet, layer_index);
        if (track == nullptr) return;
    }
    const std::uint64_t now = now_us();
    Layer& layer = track->layers[layer_index];
    layer.last_packet_us = now;
    if (now - layer.window_start_us >= 1'000'000) {
        layer.bitrate_bps = layer.window_bytes * 8'000'000 / std::max<std::uint64_t>(
                                                                 now - layer.window_start_us, 1);
        layer.window_start_us = now;
        layer.window_bytes = 0;
    }
    layer.window_bytes += *n;
    const std::uint16_t seq = packet->sequence_number;
    if (!layer.seq_init) {
        layer.seq_init = true;
        layer.max_seq = seq;
        layer.base_seq = seq;
        layer.cycles = 0;
        layer.received = 0;
        layer.expected_prior = 0;
        layer.received_prior = 0;
    } else if (rtp::seq_newer(seq, layer.max_seq)) {
        if (seq < layer.max_seq) layer.cycles += 65536;
        layer.max_seq = seq;
    }
    ++layer.received;
    if (peer.transport_cc && track->spec.ext.transport_cc != 0 && peer.twcc.size() < 4096) {
        if (auto e = rtp::find_extension(*packet, track->spec.ext.transport_cc)) {
            if (auto tseq = rtp::read_transport_cc(e->data)) {
                peer.twcc.push_back({*tseq, static_cast<std::int64_t>(rx_arrival_us_)});
            }
        }
    }
    if (layer.cache) layer.cache->store(seq, packet->bytes, now);
    forward(*track, layer_index, *packet);
}

void Worker::forward(PublishedTrack& track, int layer, const rtp::PacketView& packet) {
    const std::uint64_t now = now_us();
    for (DownTrack* down : track.downs) {
        if (!down->peer->connected() || !down->forwarder) continue;
        const ForwardResult r = down->forwarder->on_packet(layer, packet, now);
        if (r.forward) send_down(*down, packet, r.sequence, r.timestamp, &r, false);
        if (track.spec.video && down->forwarder->needs_keyframe()) {
            request_keyframe(track, down->forwarder->target_layer());
        }
    }
    flush_batch();
}

void Worker::send_down(DownTrack& down, const rtp::PacketView& packet, std::uint16_t seq,
                       std::uint32_t ts, const ForwardResult* r, bool resend) {
    // A forwarded copy (only forward() sends those, and it flushes the batch when done) is
    // written straight into the send batch; NACK answers go at once.
    const bool batched = !resend && down.peer->endpoint.has_value();
    const std::span<std::byte> out = batched ? batch_.next() : std::span<std::byte>(tx_);
    const EgressParams params{down.spec.ssrc, down.spec.codec.payload_type, &down.ext_map,
                              down.abs_send_time_id, down.spec.codec.codec};
    const std::size_t len = write_egress(packet, seq, ts, r, params, now_us(),
                                         out.first(out.size() - SrtpSession::kMaxTrailer));
    if (len == 0) return;
    if (!resend) {
        down.packets += 1;
        down.octets += static_cast<std::uint32_t>(packet.payload.size());
        down.last_ts = ts;
        down.last_send_us = now_us();
        if (down.spec.video && cfg_.test_drop_video_percent != 0 &&
            percent_(rng_) < cfg_.test_drop_video_percent) {
            ++stats_.dropped_test;
            return;
        }
    } else {
        ++stats_.nack_resent;
    }
    if (!batched) {
        send_rtp(*down.peer, out, len);
        return;
    }
    const auto n = down.peer->srtp->protect_rtp(out, len);
    if (!n) {
        ++stats_.srtp_errors;
        return;
    }
    ++stats_.rtp_out;
    if (batch_.commit(*n, *down.peer->endpoint)) flush_batch();
}

void Worker::answer_nack(DownTrack& down, std::uint16_t out_seq) {
    if (!down.source || !down.forwarder) return;
    auto src = down.forwarder->resend_source(out_seq);
    if (!src || src->layer < 0 || src->layer >= down.source->layer_count) return;
    const Layer& layer = down.source->layers[src->layer];
    if (!layer.cache || layer.ssrc != src->ssrc) return;  // that stream is gone
    auto bytes = layer.cache->find(src->sequence);
    if (!bytes) return;
    auto packet = rtp::parse(*bytes);
    if (!packet) return;
    ForwardResult r;
    if (down.spec.codec.codec == VideoCodec::Vp8) {
        if (auto d = rtp::parse_vp8(packet->payload)) {
            if (d->picture_id) r.vp8_picture_id = src->vp8_picture_id(*d->picture_id);
            if (d->tl0_pic_idx) r.vp8_tl0_pic_idx = src->vp8_tl0_pic_idx(*d->tl0_pic_idx);
        }
    }
    send_down(down, *packet, out_seq, src->timestamp(packet->timestamp), &r, true);
}

void Worker::request_keyframe(PublishedTrack& track, int layer) {
    if (!track.owner || !track.owner->connected()) return;
    if (layer < 0 || layer >= track.layer_count || !track.layers[layer].known) {
        // Unknown target layer SSRC: ask on every known layer (each is rate-limited).
        for (int i = 0; i < track.layer_count; ++i) {
            if (track.layers[i].known && i != layer) request_keyframe(track, i);
        }
        return;
    }
    const std::uint32_t ssrc = track.layers[layer].ssrc;
    if (!track.limiter.allow(ssrc, now_us())) return;
    std::array<std::byte, 256> buf{};
    rtcp::CompoundWriter w(buf, rtcp::CompoundMode::Rfc3550);
    if (!w.add(rtcp::ReceiverReport{kFeedbackSsrc, {}})) return;
    if (!w.add(rtcp::Pli{kFeedbackSsrc, ssrc})) return;
    ++stats_.keyframe_requests;
    std::copy(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(w.size()), tx_.begin());
    send_rtcp(*track.owner, std::span<std::byte>(tx_.data(), tx_.size()), w.size());
}

void Worker::update_layers(DownTrack& down) {
    if (!down.source || !down.forwarder || !down.source->spec.video) return;
    PublishedTrack& t = *down.source;
    if (t.layer_count <= 1) return;
    const std::uint64_t now = now_us();
    const std::uint64_t cap = down.peer->bandwidth_cap;
    int best = -1;
    int lowest_active = -1;
    for (int i = 0; i < t.layer_count; ++i) {
        if (!t.layers[i].active(now)) continue;
        if (lowest_active < 0) lowest_active = i;
        if (cap == 0 || t.layers[i].bitrate_bps <= cap) best = i;
    }
    if (best < 0) best = lowest_active;
    if (best < 0 || best == down.forwarder->target_layer()) return;
    down.forwarder->set_target_layer(best);
    request_keyframe(t, best);
}

}  // namespace cohost::media::detail
