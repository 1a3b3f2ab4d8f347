// libFuzzer target for the STUN codec (wire/include/cohost/wire/stun.hpp) and the RFC 7983
// demultiplexer (demux.hpp).
//
// Properties, for any input bytes:
//  1. parse() never reads out of bounds (ASan) and succeeds only on what looks_like_stun()
//     accepts, which demux classifies as STUN when the first byte is 0..3; every listed
//     attribute value lies inside the message at offset + 4, and FINGERPRINT, if listed, is
//     the last 8 bytes;
//  2. every accessor and both verifiers run without crashing on a parsed message;
//  3. rebuilding the message with MessageBuilder (same type and transaction id, the listed
//     attributes as raw values, MESSAGE-INTEGRITY under a fixed key and FINGERPRINT) parses back
//     to the same type, transaction id and attributes, with accessors giving the same answers,
//     and both checks pass;
//  4. changing one byte of a message with a valid FINGERPRINT is always detected;
//  5. a Binding success response for the message's transaction id and an address taken from the
//     input parses and verifies.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cohost/wire/bytes.hpp"
#include "cohost/wire/demux.hpp"
#include "cohost/wire/stun.hpp"
#include "fuzz_check.hpp"

namespace {

namespace stun = cohost::wire::stun;
constexpr std::string_view kKey = "fuzz-ice-password-0123456789";

bool same_bytes(std::span<const std::byte> a, std::span<const std::byte> b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

template <class R>
bool same_result(const R& a, const R& b) {
    if (a.has_value() != b.has_value()) return false;
    if (!a) return a.error() == b.error();
    return *a == *b;
}

void check_invariants(const stun::MessageView& m, std::span<const std::byte> in) {
    FUZZ_CHECK(m.bytes().data() == in.data() && m.bytes().size() == in.size());
    FUZZ_CHECK(in.size() % 4 == 0);
    FUZZ_CHECK(stun::looks_like_stun(in));
    // RFC 8489 allows any 14-bit type, RFC 7983 routes only first bytes 0..3 to STUN (methods
    // above 0x0FF would collide with ZRTP/DTLS); types with a first byte of 4..63 still parse.
    if (std::to_integer<unsigned>(in[0]) <= 3) {
        FUZZ_CHECK(cohost::wire::classify(in) == cohost::wire::PacketKind::Stun);
    }
    FUZZ_CHECK(m.attribute_count() <= stun::kMaxAttributes);
    for (std::size_t i = 0; i < m.attribute_count(); ++i) {
        const auto a = m.attribute(i);
        FUZZ_CHECK(a.offset >= stun::kHeaderSize && a.offset + 4 + a.value.size() <= in.size());
        FUZZ_CHECK(a.value.data() == in.data() + a.offset + 4);
        if (a.type == stun::attr::kFingerprint) {
            FUZZ_CHECK(i + 1 == m.attribute_count());
            FUZZ_CHECK(a.offset + 4 + ((a.value.size() + 3) & ~std::size_t{3}) == in.size());
        }
    }
}

void exercise_accessors(const stun::MessageView& m) {
    (void)stun::username(m);
    (void)stun::priority(m);
    (void)stun::use_candidate(m);
    (void)stun::ice_controlling(m);
    (void)stun::ice_controlled(m);
    if (auto e = stun::error_code(m)) FUZZ_CHECK(e->code >= 300 && e->code <= 699);
    (void)stun::xor_mapped_address(m);
    (void)stun::verify_message_integrity(m, kKey);
    (void)stun::verify_fingerprint(m);
}

void check_rebuild(const stun::MessageView& m) {
    std::vector<std::byte> out(m.bytes().size() + 64);
    stun::MessageBuilder b(out, m.type(), m.transaction_id());
    std::vector<stun::Attribute> copied;
    for (std::size_t i = 0; i < m.attribute_count(); ++i) {
        const auto a = m.attribute(i);
        if (a.type == stun::attr::kMessageIntegrity || a.type == stun::attr::kFingerprint ||
            a.type == stun::attr::kMessageIntegritySha256) {
            continue;
        }
        b.add(a.type, a.value);
        copied.push_back(a);
    }
    b.add_message_integrity(kKey).add_fingerprint();
    const auto n = b.finish();
    if (!n) {
        // Only possible when the added 32 bytes push the length past 16 bits.
        FUZZ_CHECK(n.error() == stun::Errc::ValueTooLong && m.bytes().size() + 32 > 65535 + 20);
        return;
    }
    const auto again = stun::parse(std::span<const std::byte>(out).first(*n));
    if (copied.size() + 2 > stun::kMaxAttributes) {
        FUZZ_CHECK(!again && again.error() == stun::Errc::TooManyAttributes);
        return;
    }
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(again->type() == m.type() && again->transaction_id() == m.transaction_id());
    FUZZ_CHECK(again->attribute_count() == copied.size() + 2);
    for (std::size_t i = 0; i < copied.size(); ++i) {
        FUZZ_CHECK(again->attribute(i).type == copied[i].type);
        FUZZ_CHECK(same_bytes(again->attribute(i).value, copied[i].value));
    }
    FUZZ_CHECK(stun::verify_message_integrity(*again, kKey).has_value());
    FUZZ_CHECK(stun::verify_fingerprint(*again).has_value());
    // Accessors read the first attribute of a type; the rebuilt message lists the same ones
    // first (MESSAGE-INTEGRITY and FINGERPRINT are not among these types).
    FUZZ_CHECK(same_result(stun::username(m), stun::username(*again)));
    FUZZ_CHECK(same_result(stun::priority(m), stun::priority(*again)));
    FUZZ_CHECK(stun::use_candidate(m) == stun::use_candidate(*again));
    FUZZ_CHECK(same_result(stun::ice_controlling(m), stun::ice_controlling(*again)));
    FUZZ_CHECK(same_result(stun::xor_mapped_address(m), stun::xor_mapped_address(*again)));
}

void check_tamper(const stun::MessageView& m, std::span<const std::byte> in) {
    if (!stun::verify_fingerprint(m)) return;
    std::uint64_t h = 0xcbf29ce484222325;  // FNV-1a
    for (std::byte c : in) h = (h ^ std::to_integer<std::uint64_t>(c)) * 0x100000001b3;
    std::vector<std::byte> copy(in.begin(), in.end());
    const std::size_t at = h % copy.size();
    copy[at] ^= std::byte{static_cast<std::uint8_t>((h >> 32) | 1U)};  // never zero: a change
    const auto t = stun::parse(copy);
    FUZZ_CHECK(!t || !stun::verify_fingerprint(*t));
}

void check_response(const stun::MessageView& m, std::span<const std::byte> in) {
    stun::Address a;
    const bool v6 = in.size() >= 20 && (std::to_integer<unsigned>(in[19]) & 1U) != 0;
    a.family = v6 ? stun::Address::Family::V6 : stun::Address::Family::V4;
    for (std::size_t i = 0; i < (v6 ? 16U : 4U); ++i)
        a.ip[i] = std::to_integer<std::uint8_t>(in[i]);
    a.port = cohost::wire::load_be16(in.data() + 2);
    std::array<std::byte, 128> out{};
    const auto n = stun::write_binding_success(out, m.transaction_id(), a, kKey);
    FUZZ_CHECK(n.has_value());
    const auto r = stun::parse(std::span<const std::byte>(out).first(*n));
    FUZZ_CHECK(r.has_value());
    FUZZ_CHECK(r->type() == stun::kBindingSuccess && r->transaction_id() == m.transaction_id());
    const auto mapped = stun::xor_mapped_address(*r);
    FUZZ_CHECK(mapped.has_value() && *mapped == a);
    FUZZ_CHECK(stun::verify_message_integrity(*r, kKey).has_value());
    FUZZ_CHECK(stun::verify_fingerprint(*r).has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> in(reinterpret_cast<const std::byte*>(data), size);
    (void)cohost::wire::classify(in);
    const auto m = stun::parse(in);
    if (!m) return 0;
    check_invariants(*m, in);
    exercise_accessors(*m);
    check_rebuild(*m);
    check_tamper(*m, in);
    check_response(*m, in);
    return 0;
}
