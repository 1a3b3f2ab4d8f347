// Media worker: RTCP in (subscriber NACK/PLI/FIR, publisher SR) and the periodic RTCP out
// (transport-cc feedback, receiver reports and REMB to publishers, sender reports to subscribers).
#include <algorithm>
#include <chrono>

#include "cohost/wire/rtcp.hpp"
#include "cohost/wire/rtcp_build.hpp"
#include "cohost/wire/rtp_sequence.hpp"
#include "worker.hpp"

namespace cohost::media::detail {

namespace rtcp = wire::rtcp;

namespace {

constexpr std::uint32_t kFeedbackSsrc = 1;
constexpr std::uint64_t kRembCeilingBps = 20'000'000;
constexpr std::uint64_t kTwccIntervalUs = 50'000;

std::uint64_t ntp_now() {
    using namespace std::chrono;
    const auto us = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    const std::uint64_t secs = static_cast<std::uint64_t>(us / 1'000'000) + 2'208'988'800ULL;
    const std::uint64_t frac = (static_cast<std::uint64_t>(us % 1'000'000) << 32) / 1'000'000;
    return (secs << 32) | frac;
}

DownTrack* down_by_ssrc(Peer& peer, std::uint32_t ssrc) {
    for (auto& d : peer.downs) {
        if (d->spec.ssrc == ssrc) return d.get();
    }
    return nullptr;
}

}  // namespace

void Worker::on_rtcp(Peer& peer, std::span<std::byte> data) {
    if (!peer.connected()) return;
    auto n = peer.srtp->unprotect_rtcp(std::span<std::byte>(rx_.data(), rx_.size()), data.size());
    if (!n) {
        ++stats_.srtp_errors;
        return;
    }
    if (capture_.enabled()) capture_.packet(peer.id, "rtcp", std::span(rx_.data(), *n));
    rtcp::ParseOptions opts;
    opts.allow_padding_on_any_packet = true;
    auto compound = rtcp::parse(std::span<const std::byte>(rx_.data(), *n), opts);
    if (!compound) return;
    const std::uint64_t now = now_us();
    for (const rtcp::PacketView p : *compound) {
        switch (p.kind()) {
            case rtcp::PacketKind::Nack: {
                auto nack = rtcp::as_nack(p);
                DownTrack* d = nack ? down_by_ssrc(peer, nack->media_ssrc()) : nullptr;
                if (d == nullptr) break;
                int budget = 64;  // bound the work one NACK can cause
                for (std::uint16_t seq : nack->lost()) {
                    if (--budget < 0) break;
                    answer_nack(*d, seq);
                }
                break;
            }
            case rtcp::PacketKind::Pli:
            case rtcp::PacketKind::Fir: {
                std::uint32_t media = 0;
                if (auto pli = rtcp::as_pli(p)) media = pli->media_ssrc();
                if (auto fir = rtcp::as_fir(p); fir && fir->entry_count() > 0) {
                    media = fir->entry(0).ssrc;
                }
                DownTrack* d = down_by_ssrc(peer, media);
                if (d && d->source && d->forwarder) {
                    const int layer = d->forwarder->current_layer() >= 0
                                          ? d->forwarder->current_layer()
                                          : d->forwarder->target_layer();
                    request_keyframe(*d->source, layer);
                }
                break;
            }
            case rtcp::PacketKind::SenderReport: {
                auto sr = rtcp::as_sender_report(p);
                if (!sr) break;
                auto it = peer.ssrc_map.find(sr->ssrc());
                if (it == peer.ssrc_map.end()) break;
                Layer& l = it->second.first->layers[it->second.second];
                l.last_sr = static_cast<std::uint32_t>(sr->sender_info().ntp_timestamp >> 16);
                l.last_sr_us = now;
                break;
            }
            default: break;
        }
    }
}

void Worker::send_publisher_feedback(Peer& peer, bool reports) {
    const std::uint64_t now = now_us();
    std::array<std::byte, 1200> buf{};
    std::uint32_t media_ssrc = 0;
    for (PublishedTrack* t : peer.tracks) {
        for (int i = 0; i < t->layer_count && media_ssrc == 0; ++i) {
            if (t->layers[i].known) media_ssrc = t->layers[i].ssrc;
        }
    }
    if (!peer.twcc.empty() && now - peer.last_twcc_us >= kTwccIntervalUs) {
        peer.last_twcc_us = now;
        auto& a = peer.twcc;
        const std::uint16_t first = a.front().seq;
        // Order by distance from the first arrival; drop duplicates and stragglers from before it.
        std::sort(a.begin(), a.end(), [first](const auto& x, const auto& y) {
            return static_cast<std::uint16_t>(x.seq - first) <
                   static_cast<std::uint16_t>(y.seq - first);
        });
        a.erase(std::unique(a.begin(), a.end(),
                            [](const auto& x, const auto& y) { return x.seq == y.seq; }),
                a.end());
        std::size_t start = 0;
        while (start < a.size()) {
            // At most ~250 packets per feedback so it fits one datagram comfortably.
            const std::size_t count = std::min<std::size_t>(a.size() - start, 250);
            rtcp::TransportCcFeedback fb;
            fb.sender_ssrc = kFeedbackSsrc;
            fb.media_ssrc = media_ssrc;
            fb.base_seq = a[start].seq;
            fb.fb_pkt_count = peer.twcc_fb_count++;
            fb.packets = std::span<const rtcp::TwccArrival>(a.data() + start, count);
            auto size = rtcp::serialize(fb, buf);
            if (size) {
                std::copy(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*size), tx_.begin());
                send_rtcp(peer, std::span<std::byte>(tx_.data(), tx_.size()), *size);
            }
            start += count;
        }
        a.clear();
    }
    if (!reports) return;
    std::array<rtcp::ReportBlock, 9> blocks{};
    std::array<std::uint32_t, 9> ssrcs{};
    std::size_t nblocks = 0;
    for (PublishedTrack* t : peer.tracks) {
        for (int i = 0; i < t->layer_count; ++i) {
            Layer& l = t->layers[i];
            if (!l.known || !l.seq_init || nblocks == blocks.size()) continue;
            const std::uint64_t ext_max = l.cycles + l.max_seq;
            const std::uint64_t expected = ext_max >= l.base_seq ? ext_max - l.base_seq + 1 : 0;
            const std::uint64_t exp_int = expected - l.expected_prior;
            const std::uint64_t rec_int = l.received - l.received_prior;
            l.expected_prior = expected;
            l.received_prior = l.received;
            rtcp::ReportBlock& b = blocks[nblocks];
            b.ssrc = l.ssrc;
            b.fraction_lost = (exp_int == 0 || rec_int >= exp_int)
                                  ? 0
                                  : static_cast<std::uint8_t>(((exp_int - rec_int) << 8) / exp_int);
            const std::int64_t lost = static_cast<std::int64_t>(expected) -
                                      static_cast<std::int64_t>(l.received);
            b.cumulative_lost = static_cast<std::int32_t>(std::clamp<std::int64_t>(lost, 0, 0x7FFFFF));
            b.extended_highest_seq = static_cast<std::uint32_t>(ext_max);
            if (l.last_sr_us != 0) {
                b.last_sr = l.last_sr;
                b.delay_since_last_sr =
                    static_cast<std::uint32_t>(((now - l.last_sr_us) << 16) / 1'000'000);
            }
            ssrcs[nblocks] = l.ssrc;
            ++nblocks;
        }
    }
    rtcp::CompoundWriter w(buf, rtcp::CompoundMode::Rfc3550);
    if (!w.add(rtcp::ReceiverReport{kFeedbackSsrc, std::span(blocks.data(), nblocks)})) return;
    if (nblocks > 0) {
        (void)w.add(rtcp::Remb{kFeedbackSsrc, kRembCeilingBps, std::span(ssrcs.data(), nblocks)});
    }
    std::copy(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(w.size()), tx_.begin());
    send_rtcp(peer, std::span<std::byte>(tx_.data(), tx_.size()), w.size());
}

void Worker::send_sender_reports(Peer& peer) {
    const std::uint64_t now = now_us();
    const std::uint64_t ntp = ntp_now();
    for (auto& d : peer.downs) {
        if (d->packets == 0) continue;
        rtcp::SenderReport sr;
        sr.ssrc = d->spec.ssrc;
        sr.info.ntp_timestamp = ntp;
        const std::uint64_t elapsed = now - d->last_send_us;
        sr.info.rtp_timestamp = d->last_ts + static_cast<std::uint32_t>(
                                                 elapsed * d->spec.codec.clock_rate / 1'000'000);
        sr.info.packet_count = d->packets;
        sr.info.octet_count = d->octets;
        const rtcp::SdesCname cname{d->spec.ssrc, "cohost"};
        std::array<std::byte, 256> buf{};
        rtcp::CompoundWriter w(buf, rtcp::CompoundMode::Rfc3550);
        if (!w.add(sr) || !w.add(rtcp::Sdes{std::span(&cname, 1)})) continue;
        std::copy(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(w.size()), tx_.begin());
        send_rtcp(peer, std::span<std::byte>(tx_.data(), tx_.size()), w.size());
    }
}

}  // namespace cohost::media::detail
