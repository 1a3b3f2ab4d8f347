// Media hot path: SRTP protect/unprotect of a 1,200-byte RTP packet (SrtpSession, both profiles,
// one session and spread over 1,000 sessions as in an SFU with one session per subscriber) and
// RTP header parsing. webrtc-notes.md has the reference figures for this machine kind.
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <vector>

#include "cohost/media/srtp.hpp"
#include "cohost/wire/rtp.hpp"

namespace {

using cohost::media::SrtpKeyMaterial;
using cohost::media::SrtpProfile;
using cohost::media::SrtpSession;

constexpr std::size_t kPacket = 1200;
constexpr std::size_t kBuffer = kPacket + SrtpSession::kMaxTrailer;
constexpr std::size_t kBatch = 1000;  // unprotect: packets prepared per timed batch

/// A 1,200-byte RTP packet: VP8 payload type, one-byte extensions (abs-send-time and a
/// transport-wide sequence number, as Chromium sends), payload bytes.
std::vector<std::byte> rtp_packet() {
    std::vector<std::byte> p(kBuffer);
    const unsigned char header[] = {0x90, 96,   0x12, 0x34, 0x00, 0x01, 0x5F, 0x90,
                                    0x11, 0x22, 0x33, 0x44, 0xBE, 0xDE, 0x00, 0x02,
                                    0x22, 0x01, 0x02, 0x03, 0x31, 0x00, 0x07, 0x00};
    std::memcpy(p.data(), header, sizeof header);
    for (std::size_t i = sizeof header; i < kPacket; ++i) p[i] = static_cast<std::byte>(i * 31);
    return p;
}

void set_seq(std::vector<std::byte>& p, std::uint16_t seq) {
    p[2] = static_cast<std::byte>(seq >> 8);
    p[3] = static_cast<std::byte>(seq & 0xFF);
}

SrtpKeyMaterial keys(SrtpProfile profile, std::size_t index, bool mirrored) {
    const std::size_t n =
        cohost::media::srtp_key_size(profile) + cohost::media::srtp_salt_size(profile);
    SrtpKeyMaterial k;
    k.profile = profile;
    for (std::size_t i = 0; i < n; ++i) {
        k.local.push_back(static_cast<std::uint8_t>(index * 131 + i * 7 + 1));
        k.remote.push_back(static_cast<std::uint8_t>(index * 17 + i * 11 + 3));
    }
    if (mirrored) std::swap(k.local, k.remote);
    return k;
}

std::vector<std::unique_ptr<SrtpSession>> sessions(SrtpProfile profile, std::size_t count,
                                                   bool mirrored) {
    std::vector<std::unique_ptr<SrtpSession>> out;
    for (std::size_t i = 0; i < count; ++i) {
        auto s = SrtpSession::create(keys(profile, i, mirrored));
        if (!s) return {};
        out.push_back(std::move(*s));
    }
    return out;
}

// Protect in place, packet after packet; session i % count, next sequence number each round.
// The payload is re-encrypted ciphertext after the first round, which costs the same.
void BM_SrtpProtect(benchmark::State& state, SrtpProfile profile, std::size_t count) {
    auto tx = sessions(profile, count, false);
    if (tx.size() != count) {
        state.SkipWithError("SrtpSession::create failed");
        return;
    }
    std::vector<std::byte> packet = rtp_packet();
    std::size_t n = 0;
    for (auto _ : state) {
        set_seq(packet, static_cast<std::uint16_t>(n / count));
        auto r = tx[n % count]->protect_rtp(packet, kPacket);
        if (!r) {
            state.SkipWithError(r.error().message().c_str());
            break;
        }
        benchmark::DoNotOptimize(packet.data());
        ++n;
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPacket));
}
BENCHMARK_CAPTURE(BM_SrtpProtect, gcm_1_session, SrtpProfile::AeadAes128Gcm, 1);
BENCHMARK_CAPTURE(BM_SrtpProtect, gcm_1000_sessions, SrtpProfile::AeadAes128Gcm, 1000);
BENCHMARK_CAPTURE(BM_SrtpProtect, cm_1_session, SrtpProfile::Aes128CmSha1_80, 1);
BENCHMARK_CAPTURE(BM_SrtpProtect, cm_1000_sessions, SrtpProfile::Aes128CmSha1_80, 1000);

// Unprotect needs fresh packets (the replay window refuses repeats): each timed iteration
// unprotects a batch of 1,000 packets protected beforehand with the timer paused, one per
// session in turn. `per_packet` is the time of one unprotect.
void BM_SrtpUnprotect(benchmark::State& state, SrtpProfile profile, std::size_t count) {
    auto tx = sessions(profile, count, false);
    auto rx = sessions(profile, count, true);
    if (tx.size() != count || rx.size() != count) {
        state.SkipWithError("SrtpSession::create failed");
        return;
    }
    const std::vector<std::byte> plain = rtp_packet();
    std::vector<std::vector<std::byte>> batch(kBatch, plain);
    std::vector<std::size_t> lens(kBatch);
    std::size_t n = 0;
    for (auto _ : state) {
        state.PauseTiming();
        for (std::size_t i = 0; i < kBatch; ++i) {
            std::memcpy(batch[i].data(), plain.data(), kPacket);
            set_seq(batch[i], static_cast<std::uint16_t>((n + i) / count));
            auto r = tx[(n + i) % count]->protect_rtp(batch[i], kPacket);
            lens[i] = r ? *r : 0;
        }
        state.ResumeTiming();
        for (std::size_t i = 0; i < kBatch; ++i) {
            auto r = rx[(n + i) % count]->unprotect_rtp(batch[i], lens[i]);
            if (!r) {
                state.SkipWithError(r.error().message().c_str());
                return;
            }
        }
        benchmark::ClobberMemory();
        n += kBatch;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
    state.counters["per_packet"] = benchmark::Counter(
        static_cast<double>(kBatch),
        benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK_CAPTURE(BM_SrtpUnprotect, gcm_1_session, SrtpProfile::AeadAes128Gcm, 1);
BENCHMARK_CAPTURE(BM_SrtpUnprotect, gcm_1000_sessions, SrtpProfile::AeadAes128Gcm, 1000);
BENCHMARK_CAPTURE(BM_SrtpUnprotect, cm_1_session, SrtpProfile::Aes128CmSha1_80, 1);
BENCHMARK_CAPTURE(BM_SrtpUnprotect, cm_1000_sessions, SrtpProfile::Aes128CmSha1_80, 1000);

// RTP header parse (fixed header, extension block, padding check) of the same packet.
void BM_RtpParse(benchmark::State& state) {
    const std::vector<std::byte> packet = rtp_packet();
    const std::span<const std::byte> bytes(packet.data(), kPacket);
    for (auto _ : state) {
        auto view = cohost::wire::rtp::parse(bytes);
        if (!view) {
            state.SkipWithError("parse failed");
            break;
        }
        benchmark::DoNotOptimize(view->payload.data());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RtpParse);

}  // namespace
