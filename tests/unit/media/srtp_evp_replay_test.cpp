// SrtpEvp against libsrtp2 on the same disordered traffic: rollover counter estimation across
// sequence wraps (RFC 3711 Appendix A), the 1,024-packet RTP replay window, the SRTCP replay
// window, NACK re-protection. Each delivered packet must get the same verdict from both engines
// and, when accepted, the same plaintext.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "srtp_evp.hpp"
#include "srtp_reference.hpp"

namespace cohost::media {
namespace {

using namespace srtp_test;

class SrtpEvpReplay : public ::testing::TestWithParam<SrtpProfile> {
protected:
    void SetUp() override {
        key = random_key(GetParam(), rng);
        auto t = SrtpEvp::create(GetParam(), key, true);
        auto r = SrtpEvp::create(GetParam(), key, false);
        ASSERT_TRUE(t.has_value() && r.has_value());
        evp_tx = std::move(*t);
        evp_rx = std::move(*r);
        lib_tx = std::make_unique<LibSrtp>(GetParam(), key, true);
        lib_rx = std::make_unique<LibSrtp>(GetParam(), key, false);
        ASSERT_TRUE(lib_tx->ok() && lib_rx->ok());
    }

    /// Protects an RTP packet with `seq` (and `ssrc`) on both senders, expects the same bytes.
    Packet send(std::uint16_t seq, std::uint32_t ssrc = 0x11223344) {
        const Packet plain = rtp_packet({.seq = seq, .ssrc = ssrc, .payload = 50}, rng);
        Packet a = plain;
        Packet b = plain;
        const LibResult lr = lib_tx->protect_rtp(a);
        auto er = evp_tx->protect_rtp(b.buf, b.len);
        EXPECT_EQ(lr.status, srtp_err_status_ok) << seq;
        EXPECT_TRUE(er.has_value()) << seq;
        if (er.has_value()) {
            EXPECT_EQ(*er, lr.len);
            EXPECT_TRUE(same(a, b, lr.len)) << "protect differs at seq " << seq;
        }
        plaintext[b.buf] = plain;
        b.len = lr.len;
        return b;
    }

    /// Delivers `wire` to both receivers; expects the same verdict. Returns "accepted".
    bool deliver(const Packet& wire, const std::string& what) {
        Packet a = wire;
        Packet b = wire;
        const LibResult lr = lib_rx->unprotect_rtp(a);
        auto er = evp_rx->unprotect_rtp(b.buf, b.len);
        if (lr.status == srtp_err_status_ok) {
            EXPECT_TRUE(er.has_value()) << what << ": EVP refused ("
                                        << (er.has_value() ? "" : er.error().message())
                                        << "), libsrtp accepted";
            if (er.has_value()) {
                EXPECT_EQ(*er, lr.len) << what;
                EXPECT_TRUE(same(a, b, lr.len)) << what;
                const Packet& plain = plaintext[wire.buf];
                EXPECT_TRUE(same(b, plain, plain.len)) << what;
            }
            return true;
        }
        EXPECT_FALSE(er.has_value()) << what << ": EVP accepted, libsrtp said "
                                     << static_cast<int>(lr.status);
        if (!er.has_value()) {
            EXPECT_EQ(er.error(), make_error_code(lib_errc(lr.status))) << what;
        }
        return false;
    }

    std::mt19937_64 rng{0x5EED0002};
    std::vector<std::uint8_t> key;
    std::unique_ptr<SrtpEvp> evp_tx;
    std::unique_ptr<SrtpEvp> evp_rx;
    std::unique_ptr<LibSrtp> lib_tx;
    std::unique_ptr<LibSrtp> lib_rx;
    std::map<Bytes, Packet> plaintext;  // wire bytes -> plain packet
};

TEST_P(SrtpEvpReplay, SequenceWrapIncrementsTheRocAndALatePacketFromBeforeItIsAccepted) {
    std::vector<Packet> wire;
    for (std::uint32_t s = 65528; s < 65536 + 6; ++s) {
        if (s == 65533) continue;  // sent late, after the wrap
        wire.push_back(send(static_cast<std::uint16_t>(s)));
    }
    const Packet late = send(65533);  // protected with ROC 0 after packets with ROC 1
    for (std::size_t i = 0; i < wire.size(); ++i) {
        EXPECT_TRUE(deliver(wire[i], "in order " + std::to_string(i)));
    }
    EXPECT_TRUE(deliver(late, "late 65533 (ROC 0) after the wrap"));
    EXPECT_FALSE(deliver(late, "late 65533 again"));
    EXPECT_FALSE(deliver(wire.back(), "last again"));
    // A packet of the next cycle.
    EXPECT_TRUE(deliver(send(6), "seq 6, ROC 1"));
}

TEST_P(SrtpEvpReplay, OlderThanTheWindowIsRefusedInsideIsAccepted) {
    std::vector<Packet> wire;
    for (std::uint32_t s = 1000; s <= 1000 + 1100; ++s) wire.push_back(send(static_cast<std::uint16_t>(s)));
    // Deliver all but the ones at highest - 1024 and highest - 1023.
    const std::size_t highest = wire.size() - 1;
    for (std::size_t i = 0; i <= highest; ++i) {
        if (i == highest - 1024 || i == highest - 1023) continue;
        ASSERT_TRUE(deliver(wire[i], "seq " + std::to_string(1000 + i)));
    }
    EXPECT_FALSE(deliver(wire[highest - 1024], "1,024 behind: older than the window"));
    EXPECT_TRUE(deliver(wire[highest - 1023], "1,023 behind: last slot of the window"));
    EXPECT_FALSE(deliver(wire[highest - 1023], "and not twice"));
    EXPECT_FALSE(deliver(wire[highest - 2], "seen"));
}

TEST_P(SrtpEvpReplay, DisorderedTrafficGetsTheSameVerdicts) {
    // Two SSRCs, 6,000 packets each over several wraps, with forward jumps (lost bursts),
    // local reordering, duplicates and stale replays; both receivers judge every delivery.
    int accepted = 0;
    int refused = 0;
    for (const std::uint32_t ssrc : {0x01020304U, 0xF0E0D0C0U}) {
        std::vector<Packet> sent;
        std::uint32_t seq = static_cast<std::uint32_t>(rng() % 65536);
        for (int i = 0; i < 6000; ++i) {
            const auto r = rng() % 1000;
            if (r < 3) seq += 1500;            // a long gap (more than the window)
            else if (r < 10) seq += 200;       // a short gap
            else if (r < 11) seq += 30000;     // a huge gap (ROC estimate at its limit)
            sent.push_back(send(static_cast<std::uint16_t>(seq), ssrc));
            ++seq;
        }
        // Delivery order: sent order with local shuffles; 5 % dropped, 5 % duplicated, 1 %
        // followed by a stale packet from up to 3,000 back.
        std::vector<std::size_t> order;
        for (std::size_t i = 0; i < sent.size(); ++i) order.push_back(i);
        for (std::size_t i = 0; i + 1 < order.size(); ++i) {
            if (rng() % 10 == 0) std::swap(order[i], order[std::min(order.size() - 1, i + rng() % 40)]);
        }
        for (const std::size_t i : order) {
            const auto r = rng() % 100;
            if (r < 5) continue;
            std::vector<std::size_t> batch{i};
            if (r < 10) batch.push_back(i);
            if (r == 10 && i > 0) batch.push_back(i - 1 - rng() % std::min<std::size_t>(i, 3000));
            for (const std::size_t k : batch) {
                if (deliver(sent[k], "packet " + std::to_string(k))) ++accepted;
                else ++refused;
                if (::testing::Test::HasFailure()) return;
            }
        }
    }
    EXPECT_GT(accepted, 9000);
    EXPECT_GT(refused, 500);
}

TEST_P(SrtpEvpReplay, RtcpDisorderedTrafficGetsTheSameVerdicts) {
    const std::uint32_t ssrc = 0x99887766;
    std::vector<Packet> sent;
    std::map<Bytes, Packet> plain;
    for (int i = 0; i < 1500; ++i) {
        const Packet p = rtcp_packet(ssrc, rng);
        Packet a = p;
        Packet b = p;
        const LibResult lr = lib_tx->protect_rtcp(a);
        auto er = evp_tx->protect_rtcp(b.buf, b.len);
        ASSERT_EQ(lr.status, srtp_err_status_ok);
        ASSERT_TRUE(er.has_value());
        ASSERT_TRUE(same(a, b, lr.len));
        b.len = lr.len;
        plain[b.buf] = p;
        sent.push_back(b);
    }
    // Deliveries: reordered within 20, 4 % duplicated, gaps of dropped packets, some stale.
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < sent.size(); ++i) {
        const auto r = rng() % 100;
        if (r < 6) continue;                       // lost
        if (r == 6) i += 100 + rng() % 200;        // a long loss burst
        if (i < sent.size()) order.push_back(i);
    }
    for (std::size_t i = 0; i + 1 < order.size(); ++i) {
        if (rng() % 8 == 0) std::swap(order[i], order[std::min(order.size() - 1, i + rng() % 20)]);
    }
    int accepted = 0;
    int refused = 0;
    for (const std::size_t i : order) {
        std::vector<std::size_t> batch{i};
        const auto r = rng() % 100;
        if (r < 4) batch.push_back(i);
        if (r == 4 && i > 0) batch.push_back(i - 1 - rng() % std::min<std::size_t>(i, 400));
        for (const std::size_t k : batch) {
            Packet a = sent[k];
            Packet b = sent[k];
            const LibResult lr = lib_rx->unprotect_rtcp(a);
            auto er = evp_rx->unprotect_rtcp(b.buf, b.len);
            const std::string what = "SRTCP index " + std::to_string(k + 1);
            if (lr.status == srtp_err_status_ok) {
                ASSERT_TRUE(er.has_value()) << what << ": EVP refused, libsrtp accepted";
                ASSERT_TRUE(same(b, plain[sent[k].buf], *er)) << what;
                ++accepted;
            } else {
                ASSERT_FALSE(er.has_value()) << what << ": EVP accepted, libsrtp said "
                                             << static_cast<int>(lr.status);
                EXPECT_EQ(er.error(), make_error_code(lib_errc(lr.status))) << what;
                ++refused;
            }
        }
    }
    EXPECT_GT(accepted, 600);
    EXPECT_GT(refused, 40);

    // Directed, on fresh receivers: gaps while the window slides, the packet again, the gap
    // filled late, stale indices; a jump further than the window.
    LibSrtp lib_fresh(GetParam(), key, false);
    auto evp_fresh = SrtpEvp::create(GetParam(), key, false);
    ASSERT_TRUE(lib_fresh.ok() && evp_fresh.has_value());
    auto verdict = [&](std::size_t index) {
        Packet a = sent[index - 1];
        Packet b = sent[index - 1];
        const LibResult lr = lib_fresh.unprotect_rtcp(a);
        auto er = (*evp_fresh)->unprotect_rtcp(b.buf, b.len);
        EXPECT_EQ(lr.status == srtp_err_status_ok, er.has_value()) << "SRTCP index " << index;
        return er.has_value();
    };
    for (std::size_t i = 1; i <= 200; ++i) {
        if (i == 75) continue;  // comes late
        ASSERT_TRUE(verdict(i)) << i;
    }
    EXPECT_TRUE(verdict(202));
    EXPECT_FALSE(verdict(202)) << "again, after a gap";
    EXPECT_TRUE(verdict(201)) << "the gap, late";
    EXPECT_FALSE(verdict(201));
    EXPECT_FALSE(verdict(74)) << "202 - 128: before the window";
    EXPECT_TRUE(verdict(75)) << "202 - 127: the window's first slot";
    EXPECT_TRUE(verdict(500));
    EXPECT_FALSE(verdict(500));
    EXPECT_TRUE(verdict(499));
    EXPECT_FALSE(verdict(372)) << "500 - 128";
    EXPECT_TRUE(verdict(373)) << "500 - 127";
}

TEST_P(SrtpEvpReplay, NackAnswersReprotectTheSameBytesButAReceiverSideSessionRefuses) {
    const Packet first = send(500);
    send(501);
    const Packet plain = plaintext[first.buf];
    Packet again = plain;
    auto r = evp_tx->protect_rtp(again.buf, again.len);  // allow_repeat_tx
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(same(again, first, *r));
    // A session without allow_repeat_tx (as inbound ones are) refuses to protect an index twice.
    Packet once = plain;
    ASSERT_TRUE(evp_rx->protect_rtp(once.buf, once.len).has_value());
    Packet twice = plain;
    EXPECT_EQ(evp_rx->protect_rtp(twice.buf, twice.len).error(),
              make_error_code(SrtpErrc::Replay));
    // Protecting an index older than the window fails on both engines.
    for (std::uint32_t s = 502; s < 502 + 1100; ++s) send(static_cast<std::uint16_t>(s));
    Packet stale_lib = plain;
    Packet stale_evp = plain;
    EXPECT_EQ(lib_tx->protect_rtp(stale_lib).status, srtp_err_status_replay_old);
    EXPECT_EQ(evp_tx->protect_rtp(stale_evp.buf, stale_evp.len).error(),
              make_error_code(SrtpErrc::Replay));
}

INSTANTIATE_TEST_SUITE_P(Profiles, SrtpEvpReplay, kBothProfiles, profile_name);

}  // namespace
}  // namespace cohost::media
