// libFuzzer target for the SRTP engine (media/src/srtp_evp.hpp, behind SrtpSession), whose
// unprotect functions take every datagram a peer sends.
//
// Input: byte 0 selects the profile (bit 0) and the mode (bits 1-2); the rest is the data.
// Properties, for any input:
//  1. unprotect_rtp/unprotect_rtcp of the data as a datagram (in a buffer of exactly its size)
//     never reads or writes out of bounds, and without the key it is never accepted;
//  2. protect of the data as an RTP/RTCP packet either fails with TooShort/BadHeader, or adds
//     exactly the profile's trailer, and the mirrored session unprotects it to the same bytes,
//     once: a second delivery is a replay;
//  3. any single-bit change of a protected packet (position and bit from the input) is refused,
//     and a refused packet creates no per-SSRC state;
//  4. sequence mode: packets protected with sequence numbers taken from the input, delivered in
//     an order taken from the input, are each accepted at most once and, when accepted, decrypt
//     to what was protected.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "cohost/media/srtp.hpp"
#include "fuzz_check.hpp"
#include "srtp_evp.hpp"

namespace {

using cohost::media::SrtpErrc;
using cohost::media::SrtpEvp;
using cohost::media::SrtpProfile;
using Bytes = std::vector<std::byte>;

std::vector<std::uint8_t> master(SrtpProfile p) {
    std::vector<std::uint8_t> k(p == SrtpProfile::AeadAes128Gcm ? 28 : 30);
    for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(i * 29 + 7);
    return k;
}

std::unique_ptr<SrtpEvp> engine(SrtpProfile p, bool tx) {
    auto r = SrtpEvp::create(p, master(p), tx);
    FUZZ_CHECK(r.has_value());
    return std::move(*r);
}

std::size_t tag(SrtpProfile p) { return p == SrtpProfile::AeadAes128Gcm ? 16 : 10; }

bool is(const boost::system::error_code& ec, SrtpErrc e) { return ec == make_error_code(e); }

/// Property 1.
void raw_datagram(SrtpProfile p, const std::byte* data, std::size_t size) {
    auto rx = engine(p, false);
    Bytes a(data, data + size);
    FUZZ_CHECK(!rx->unprotect_rtp(a, a.size()).has_value());
    Bytes b(data, data + size);
    FUZZ_CHECK(!rx->unprotect_rtcp(b, b.size()).has_value());
    FUZZ_CHECK(rx->stream_count() == 0);
}

/// Properties 2 and 3 for one packet kind.
void round_trip(SrtpProfile p, bool rtcp, const std::byte* data, std::size_t size,
                std::uint32_t tamper) {
    auto tx = engine(p, true);
    auto rx = engine(p, false);
    const std::size_t trailer = tag(p) + (rtcp ? 4 : 0);
    Bytes buf(data, data + size);
    buf.resize(size + trailer);
    auto n = rtcp ? tx->protect_rtcp(buf, size) : tx->protect_rtp(buf, size);
    if (!n.has_value()) {
        FUZZ_CHECK(is(n.error(), SrtpErrc::TooShort) || is(n.error(), SrtpErrc::BadHeader));
        return;
    }
    FUZZ_CHECK(*n == size + trailer);
    FUZZ_CHECK(std::memcmp(buf.data(), data, rtcp ? 8 : 12) == 0);

    Bytes bad = buf;
    const std::size_t at = (tamper >> 3) % bad.size();
    bad[at] ^= static_cast<std::byte>(1U << (tamper & 7));
    auto t = rtcp ? rx->unprotect_rtcp(bad, bad.size()) : rx->unprotect_rtp(bad, bad.size());
    FUZZ_CHECK(!t.has_value());
    FUZZ_CHECK(rx->stream_count() == 0);

    Bytes wire = buf;
    auto m = rtcp ? rx->unprotect_rtcp(buf, buf.size()) : rx->unprotect_rtp(buf, buf.size());
    FUZZ_CHECK(m.has_value());
    FUZZ_CHECK(*m == size);
    FUZZ_CHECK(size == 0 || std::memcmp(buf.data(), data, size) == 0);
    FUZZ_CHECK(rx->stream_count() == 1);
    auto again =
        rtcp ? rx->unprotect_rtcp(wire, wire.size()) : rx->unprotect_rtp(wire, wire.size());
    FUZZ_CHECK(!again.has_value() && is(again.error(), SrtpErrc::Replay));
}

/// Property 4: pairs of bytes are sequence numbers to protect, then bytes are delivery picks.
void sequence(SrtpProfile p, const std::byte* data, std::size_t size) {
    auto tx = engine(p, true);
    auto rx = engine(p, false);
    const std::size_t count = std::min<std::size_t>(size / 3, 200);
    std::vector<Bytes> plain;
    std::vector<Bytes> wire;
    std::uint16_t seq = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const auto step = static_cast<std::uint16_t>((std::to_integer<unsigned>(data[2 * i]) << 8) |
                                                     std::to_integer<unsigned>(data[2 * i + 1]));
        seq = static_cast<std::uint16_t>(seq + step);  // any step: small, huge, backwards
        Bytes b(12 + 20 + 16);
        b[0] = std::byte{0x80};
        b[1] = std::byte{111};
        b[2] = static_cast<std::byte>(seq >> 8);
        b[3] = static_cast<std::byte>(seq);
        b[11] = std::byte{1};
        b[12] = static_cast<std::byte>(i);
        b[13] = static_cast<std::byte>(i >> 8);
        plain.push_back(b);
        auto n = tx->protect_rtp(b, 32);
        if (!n.has_value()) {  // only an index older than the sender's window is refused
            FUZZ_CHECK(is(n.error(), SrtpErrc::Replay));
            plain.pop_back();
            continue;
        }
        b.resize(*n);
        wire.push_back(b);
    }
    if (wire.empty()) return;
    std::vector<int> accepted(wire.size(), 0);
    for (std::size_t i = 2 * count; i < size; ++i) {
        const std::size_t k = std::to_integer<std::size_t>(data[i]) % wire.size();
        Bytes b = wire[k];
        auto r = rx->unprotect_rtp(b, b.size());
        if (!r.has_value()) {
            FUZZ_CHECK(is(r.error(), SrtpErrc::Replay) || is(r.error(), SrtpErrc::AuthFailed));
            continue;
        }
        FUZZ_CHECK(*r == 32 && std::memcmp(b.data(), plain[k].data(), 32) == 0);
        FUZZ_CHECK(++accepted[k] == 1);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* raw, std::size_t size) {
    if (size < 1) return 0;
    const auto* data = reinterpret_cast<const std::byte*>(raw);
    const SrtpProfile p = (raw[0] & 1) != 0 ? SrtpProfile::Aes128CmSha1_80
                                            : SrtpProfile::AeadAes128Gcm;
    const unsigned mode = (raw[0] >> 1) & 3;
    const std::uint32_t tamper = (size > 4) ? (std::uint32_t{raw[1]} << 16) |
                                                  (std::uint32_t{raw[2]} << 8) | raw[3]
                                            : 0;
    switch (mode) {
        case 0:
            raw_datagram(p, data + 1, size - 1);
            break;
        case 1:
            round_trip(p, false, data + 1, size - 1, tamper);
            break;
        case 2:
            round_trip(p, true, data + 1, size - 1, tamper);
            break;
        default:
            sequence(p, data + 1, size - 1);
            break;
    }
    return 0;
}
