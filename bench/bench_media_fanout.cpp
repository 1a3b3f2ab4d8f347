// SFU fan-out without sockets: one incoming 1,200-byte VP8 packet forwarded to 1 / 100 / 1,000
// subscribers, each with its own Forwarder and its own SrtpSession (AEAD-AES-128-GCM, its own
// keys), exactly the per-subscriber work of the media worker's forward loop:
//   Forwarder::on_packet -> write_egress -> SrtpSession::protect_rtp.
// `per_sub_pkt` is the time of one subscriber-packet (iteration time / subscribers). The
// `no_srtp` and `srtp_only` variants split that cost; `srtp_only_cm` is `srtp_only` with the
// AES-CM-128-HMAC-SHA1-80 profile instead. Issue 4; figures in bench/RESULTS.md.
#include <benchmark/benchmark.h>

#include <array>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "cohost/media/egress.hpp"
#include "cohost/media/forwarder.hpp"
#include "cohost/media/srtp.hpp"
#include "cohost/wire/bytes.hpp"
#include "cohost/wire/rtp.hpp"

namespace {

namespace rtp = cohost::wire::rtp;
using cohost::media::EgressParams;
using cohost::media::ForwardResult;
using cohost::media::Forwarder;
using cohost::media::SrtpKeyMaterial;
using cohost::media::SrtpProfile;
using cohost::media::SrtpSession;
using cohost::media::VideoCodec;

constexpr std::size_t kPacket = 1200;
constexpr std::uint8_t kExtMid = 1;
constexpr std::uint8_t kExtAbsSendTime = 2;
constexpr std::uint8_t kExtTwcc = 3;

enum class Work { Full, NoSrtp, SrtpOnly, SrtpOnlyCm };

/// A 1,200-byte VP8 packet as Chromium sends it to the SFU: MID, abs-send-time and
/// transport-cc one-byte extensions, a VP8 payload descriptor with a 15-bit picture id.
struct Incoming {
    std::array<std::byte, 1500> buf{};
    rtp::PacketView view;

    bool build(std::uint16_t seq, std::uint32_t ts, bool keyframe, std::uint16_t picture_id) {
        std::array<std::byte, kPacket> payload{};
        payload[0] = std::byte{0x90};  // X=1, S=1 (frame start)
        payload[1] = std::byte{0x80};  // I=1
        payload[2] = std::byte{static_cast<std::uint8_t>(0x80 | ((picture_id >> 8) & 0x7F))};
        payload[3] = std::byte{static_cast<std::uint8_t>(picture_id & 0xFF)};
        payload[4] = std::byte{static_cast<std::uint8_t>(keyframe ? 0x00 : 0x01)};  // P bit
        for (std::size_t i = 5; i < payload.size(); ++i) {
            payload[i] = static_cast<std::byte>(i * 31);
        }
        const std::array<std::byte, 3> abs{std::byte{1}, std::byte{2}, std::byte{3}};
        const std::array<std::byte, 2> twcc{std::byte{0}, std::byte{7}};
        const std::array<rtp::ExtensionElement, 3> ext{
            rtp::ExtensionElement{kExtMid, cohost::wire::as_bytes(std::string_view("v"))},
            rtp::ExtensionElement{kExtAbsSendTime, abs},
            rtp::ExtensionElement{kExtTwcc, twcc},
        };
        rtp::Packet p;
        p.payload_type = 96;
        p.sequence_number = seq;
        p.timestamp = ts;
        p.ssrc = 0x11223344;
        p.extensions = ext;
        // Size the payload so the whole packet is 1,200 bytes.
        p.payload = std::span<const std::byte>(payload.data(), kPacket - 12 - 4 - 12);
        auto n = rtp::serialize(p, buf);
        if (!n) return false;
        auto v = rtp::parse(std::span<const std::byte>(buf.data(), *n));
        if (!v) return false;
        view = *v;
        return true;
    }
};

SrtpKeyMaterial keys(std::size_t index, SrtpProfile profile) {
    const std::size_t n =
        cohost::media::srtp_key_size(profile) + cohost::media::srtp_salt_size(profile);
    SrtpKeyMaterial k;
    k.profile = profile;
    for (std::size_t i = 0; i < n; ++i) {
        k.local.push_back(static_cast<std::uint8_t>(index * 131 + i * 7 + 1));
        k.remote.push_back(static_cast<std::uint8_t>(index * 17 + i * 11 + 3));
    }
    return k;
}

/// One subscriber's down-track state, as the worker keeps it.
struct Subscriber {
    Forwarder forwarder{VideoCodec::Vp8, 90000};
    std::unique_ptr<SrtpSession> srtp;
    EgressParams params;
};

void BM_Fanout(benchmark::State& state, Work work) {
    const auto count = static_cast<std::size_t>(state.range(0));
    rtp::ExtensionIdMap ext_map;
    ext_map.map(kExtAbsSendTime, kExtAbsSendTime);  // MID and transport-cc are stripped
    std::vector<Subscriber> subs(count);
    for (std::size_t i = 0; i < count; ++i) {
        auto s = SrtpSession::create(keys(i, work == Work::SrtpOnlyCm
                                                     ? SrtpProfile::Aes128CmSha1_80
                                                     : SrtpProfile::AeadAes128Gcm));
        if (!s) {
            state.SkipWithError("SrtpSession::create failed");
            return;
        }
        subs[i].srtp = std::move(*s);
        subs[i].params = EgressParams{static_cast<std::uint32_t>(0x5000 + i), 96, &ext_map,
                                      kExtAbsSendTime, VideoCodec::Vp8};
    }
    Incoming in;
    std::uint16_t seq = 1000;
    std::uint32_t ts = 90000;
    std::uint16_t pid = 1;
    std::uint64_t now = 1'000'000;
    // The first packet is a keyframe: every forwarder starts its segment on it.
    if (!in.build(seq, ts, true, pid)) {
        state.SkipWithError("packet build failed");
        return;
    }
    for (auto& s : subs) (void)s.forwarder.on_packet(0, in.view, now);
    std::array<std::byte, 1500 + SrtpSession::kMaxTrailer> out{};
    const std::span<std::byte> egress_room(out.data(), out.size() - SrtpSession::kMaxTrailer);
    std::uint64_t forwarded = 0;
    for (auto _ : state) {
        // A new packet per iteration (a 6-packet frame every 33 ms), outside the per-subscriber
        // loop as in the worker, where it is parsed once and fanned out.
        ++seq;
        now += 5'555;
        if (seq % 6 == 0) {
            ts += 3000;
            ++pid;
        }
        in.build(seq, ts, false, pid);
        for (std::size_t i = 0; i < count; ++i) {
            Subscriber& s = subs[i];
            std::size_t len = 0;
            if (work == Work::SrtpOnly || work == Work::SrtpOnlyCm) {
                std::memcpy(out.data(), in.view.bytes.data(), in.view.bytes.size());
                cohost::wire::store_be16(out.data() + 2, seq);
                len = in.view.bytes.size();
            } else {
                const ForwardResult r = s.forwarder.on_packet(0, in.view, now);
                if (!r.forward) continue;
                len = write_egress(in.view, r.sequence, r.timestamp, &r, s.params, now,
                                   egress_room);
                if (len == 0) continue;
            }
            if (work != Work::NoSrtp) {
                auto n = s.srtp->protect_rtp(out, len);
                if (!n) {
                    state.SkipWithError(n.error().message().c_str());
                    return;
                }
            }
            benchmark::DoNotOptimize(out.data());
            ++forwarded;
        }
    }
    const auto items = static_cast<double>(state.iterations()) * static_cast<double>(count);
    if (static_cast<double>(forwarded) != items) {
        state.SkipWithError("not every subscriber-packet was forwarded");
        return;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(items));
    state.counters["per_sub_pkt"] =
        benchmark::Counter(items, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

BENCHMARK_CAPTURE(BM_Fanout, full, Work::Full)->Arg(1)->Arg(100)->Arg(1000);
BENCHMARK_CAPTURE(BM_Fanout, no_srtp, Work::NoSrtp)->Arg(1)->Arg(100)->Arg(1000);
BENCHMARK_CAPTURE(BM_Fanout, srtp_only, Work::SrtpOnly)->Arg(1)->Arg(100)->Arg(1000);
BENCHMARK_CAPTURE(BM_Fanout, srtp_only_cm, Work::SrtpOnlyCm)->Arg(1)->Arg(100)->Arg(1000);

}  // namespace
