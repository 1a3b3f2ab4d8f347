// The wire codecs over real Chromium 156 packets captured by cohostd's `media.test_capture_dir`
// hook (tests/data/packets/, see its README.md and capture.mjs), part 1: demux of every file,
// the STUN binding requests checked with the session's real ICE credentials, the fragmented DTLS
// ClientHello, and the captured SDPs. RTP and RTCP are in captured_rtp_rtcp_test.cpp. Expected
// values come from the capture's own SDP and credential files, so a re-capture keeps the tests
// valid. Every file is also truncated at every length and corrupted in its length/version fields:
// the codecs must refuse cleanly (an error, no crash) or parse consistently.
#include "unit/wire/captured_packets.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "cohost/wire/bytes.hpp"
#include "cohost/wire/demux.hpp"
#include "cohost/wire/sdp.hpp"
#include "cohost/wire/stun.hpp"

namespace cohost::wire {
namespace {

using namespace cohost::wire::testing;

// =========================================================================================== demux

TEST(CapturedDemux, ClassifiesEveryFileAndEveryPrefix) {
    for (const auto& [name, kind] : all_files()) {
        const Bytes b = load(name);
        ASSERT_FALSE(b.empty()) << name;
        EXPECT_EQ(classify(b), kind) << name;
        // The first byte (two for RTP/RTCP) decides; longer prefixes must agree.
        const std::size_t decisive = (kind == PacketKind::Rtp || kind == PacketKind::Rtcp) ? 2 : 1;
        EXPECT_EQ(classify(std::span(b).first(0)), PacketKind::Unknown) << name;
        for (std::size_t n = decisive; n <= b.size(); ++n) {
            ASSERT_EQ(classify(std::span(b).first(n)), kind) << name << " prefix " << n;
        }
    }
}

// ============================================================================================ STUN

struct StunCase {
    const char* file;
    const char* credentials;
    const char* offer;   // the browser's SDP: its ufrag is the second half of USERNAME
    const char* answer;  // cohostd's SDP: ufrag and pwd must be the .txt values
    bool use_candidate;
};
const StunCase kStunCases[] = {
    {"stun_publisher_binding.bin", "publisher_session.txt", "whip_offer.sdp", "whip_answer.sdp",
     false},
    {"stun_publisher_binding_use_candidate.bin", "publisher_session.txt", "whip_offer.sdp",
     "whip_answer.sdp", true},
    {"stun_player_binding_use_candidate.bin", "player_session.txt", "whep_offer.sdp",
     "whep_answer.sdp", true},
};

TEST(CapturedStun, CredentialsMatchTheSdpExchange) {
    for (const auto& c : kStunCases) {
        auto cred = load_credentials(c.credentials);
        const auto offer = load_sdp(c.offer);
        const auto answer = load_sdp(c.answer);
        ASSERT_FALSE(offer.media.empty());
        ASSERT_FALSE(answer.media.empty());
        const std::string* browser_ufrag = offer.ice_ufrag_for(offer.media[0]);
        const std::string* server_ufrag = answer.ice_ufrag_for(answer.media[0]);
        const std::string* server_pwd = answer.ice_pwd_for(answer.media[0]);
        ASSERT_TRUE(browser_ufrag && server_ufrag && server_pwd) << c.file;
        EXPECT_EQ(cred["remote_ufrag"], *browser_ufrag) << c.file;
        EXPECT_EQ(cred["local_ufrag"], *server_ufrag) << c.file;
        EXPECT_EQ(cred["local_pwd"], *server_pwd) << c.file;
    }
}

TEST(CapturedStun, ParsesBindingRequestsAndReadsIceAttributes) {
    for (const auto& c : kStunCases) {
        const Bytes b = load(c.file);
        auto cred = load_credentials(c.credentials);
        EXPECT_TRUE(stun::looks_like_stun(b)) << c.file;
        auto m = stun::parse(b);
        ASSERT_TRUE(m.has_value()) << c.file << ": " << m.error().message();
        EXPECT_EQ(m->type(), stun::kBindingRequest) << c.file;
        EXPECT_EQ(m->method(), stun::kMethodBinding);
        EXPECT_EQ(m->message_class(), stun::MessageClass::Request);
        EXPECT_EQ(m->bytes().size(), b.size());
        // RFC 8445 §7.2.2: the browser's request to us carries "<our ufrag>:<its ufrag>".
        auto user = stun::username(*m);
        ASSERT_TRUE(user.has_value()) << c.file;
        EXPECT_EQ(*user, cred["local_ufrag"] + ":" + cred["remote_ufrag"]) << c.file;
        // The browser is the controlling agent against an ICE-lite server.
        auto prio = stun::priority(*m);
        ASSERT_TRUE(prio.has_value()) << c.file;
        EXPECT_GT(*prio, 0U);
        EXPECT_TRUE(stun::ice_controlling(*m).has_value()) << c.file;
        EXPECT_FALSE(stun::ice_controlled(*m).has_value()) << c.file;
        EXPECT_EQ(stun::use_candidate(*m), c.use_candidate) << c.file;
        EXPECT_FALSE(stun::error_code(*m).has_value());
        // Chromium adds GOOG-NETWORK-INFO (0xC057), a comprehension-optional attribute the
        // codec keeps listed; MESSAGE-INTEGRITY then FINGERPRINT close the message.
        EXPECT_TRUE(m->has(0xC057)) << c.file;
        ASSERT_GE(m->attribute_count(), 2U);
        EXPECT_EQ(m->attribute(m->attribute_count() - 2).type, stun::attr::kMessageIntegrity);
        EXPECT_EQ(m->attribute(m->attribute_count() - 1).type, stun::attr::kFingerprint);
    }
}

TEST(CapturedStun, MessageIntegrityVerifiesOnlyWithTheSessionPassword) {
    const auto publisher = load_credentials("publisher_session.txt");
    const auto player = load_credentials("player_session.txt");
    ASSERT_NE(publisher.at("local_pwd"), player.at("local_pwd"));
    for (const auto& c : kStunCases) {
        const Bytes b = load(c.file);
        auto m = stun::parse(b);
        ASSERT_TRUE(m.has_value()) << c.file;
        const auto& own = std::string(c.credentials) == "player_session.txt" ? player : publisher;
        const auto& other = &own == &player ? publisher : player;
        EXPECT_TRUE(stun::verify_message_integrity(*m, own.at("local_pwd")).has_value()) << c.file;
        auto wrong = stun::verify_message_integrity(*m, other.at("local_pwd"));
        ASSERT_FALSE(wrong.has_value()) << c.file;
        EXPECT_EQ(wrong.error(), stun::Errc::IntegrityMismatch);
        std::string near = own.at("local_pwd");
        near.back() = near.back() == 'x' ? 'y' : 'x';
        EXPECT_FALSE(stun::verify_message_integrity(*m, near).has_value()) << c.file;
        // The browser's ufrag is not the key either (short-term credentials use the password).
        EXPECT_FALSE(stun::verify_message_integrity(*m, own.at("remote_ufrag")).has_value());
        EXPECT_TRUE(stun::verify_fingerprint(*m).has_value()) << c.file;
    }
}

TEST(CapturedStun, ABitFlipBreaksIntegrityAndFingerprint) {
    const auto cred = load_credentials("publisher_session.txt");
    const Bytes orig = load("stun_publisher_binding_use_candidate.bin");
    // Flip one bit in the transaction id, then in the USERNAME value: the message still parses
    // but neither check may pass.
    auto user_offset = [&] {
        auto m = stun::parse(orig);
        return m.has_value() ? m->find(stun::attr::kUsername)->offset + 4 : 0;
    }();
    ASSERT_GT(user_offset, 0U);
    for (std::size_t at : {std::size_t{8}, std::size_t{19}, user_offset}) {
        Bytes b = orig;
        b[at] ^= std::byte{0x01};
        auto m = stun::parse(b);
        ASSERT_TRUE(m.has_value()) << at;
        auto mi = stun::verify_message_integrity(*m, cred.at("local_pwd"));
        ASSERT_FALSE(mi.has_value()) << at;
        EXPECT_EQ(mi.error(), stun::Errc::IntegrityMismatch);
        auto fp = stun::verify_fingerprint(*m);
        ASSERT_FALSE(fp.has_value()) << at;
        EXPECT_EQ(fp.error(), stun::Errc::FingerprintMismatch);
    }
}

TEST(CapturedStun, RebuildingWithTheBuilderGivesTheSameBytes) {
    // serialize(parse(x)) == x: the attributes before MESSAGE-INTEGRITY copied as they are, then
    // MESSAGE-INTEGRITY with the session password and FINGERPRINT recomputed.
    for (const auto& c : kStunCases) {
        const Bytes b = load(c.file);
        const auto cred = load_credentials(c.credentials);
        auto m = stun::parse(b);
        ASSERT_TRUE(m.has_value());
        Bytes out(b.size() + 64);
        stun::MessageBuilder builder(out, m->type(), m->transaction_id());
        for (std::size_t i = 0; i < m->attribute_count(); ++i) {
            const auto a = m->attribute(i);
            if (a.type == stun::attr::kMessageIntegrity) break;
            builder.add(a.type, a.value);
        }
        builder.add_message_integrity(cred.at("local_pwd")).add_fingerprint();
        auto size = builder.finish();
        ASSERT_TRUE(size.has_value()) << c.file;
        out.resize(*size);
        EXPECT_EQ(out, b) << c.file;
    }
}

TEST(CapturedStun, EveryTruncationIsRefused) {
    for (const auto& name : files_of(PacketKind::Stun)) {
        const Bytes b = load(name);
        for (std::size_t n = 0; n < b.size(); ++n) {
            const auto prefix = std::span(b).first(n);
            auto m = stun::parse(prefix);
            ASSERT_FALSE(m.has_value()) << name << " prefix " << n;
            EXPECT_TRUE(m.error() == stun::Errc::TooShort ||
                        m.error() == stun::Errc::LengthMismatch)
                << name << " prefix " << n << ": " << m.error().message();
            EXPECT_FALSE(stun::looks_like_stun(prefix));
        }
    }
}

TEST(CapturedStun, TruncationWithAPatchedLengthIsRefusedOrConsistent) {
    // A prefix whose header length is patched to match: the attribute walk must stop cleanly.
    const Bytes orig = load("stun_publisher_binding_use_candidate.bin");
    for (std::size_t n = stun::kHeaderSize; n < orig.size(); n += 4) {
        Bytes b(orig.begin(), orig.begin() + static_cast<std::ptrdiff_t>(n));
        store_be16(b.data() + 2, static_cast<std::uint16_t>(n - stun::kHeaderSize));
        auto m = stun::parse(b);
        if (!m.has_value()) {
            EXPECT_EQ(m.error(), stun::Errc::TruncatedAttribute) << n;
            continue;
        }
        // Parsed: every listed attribute lies inside, and the cut message fails both checks
        // or lacks them.
        for (std::size_t i = 0; i < m->attribute_count(); ++i) {
            const auto a = m->attribute(i);
            EXPECT_LE(a.offset + 4 + a.value.size(), n);
        }
        EXPECT_FALSE(stun::verify_fingerprint(*m).has_value()) << n;
    }
}

TEST(CapturedStun, CorruptedHeaderFieldsAreRefused) {
    const Bytes orig = load("stun_publisher_binding.bin");
    const auto len_lo = std::to_integer<std::uint8_t>(orig[3]);
    const struct {
        std::size_t at;
        std::uint8_t value;
        stun::Errc expected;
    } cases[] = {
        {0, 0x40, stun::Errc::NotStun},         // leading bits 01
        {0, 0xC0, stun::Errc::NotStun},         // leading bits 11
        {7, 0x21, stun::Errc::BadMagicCookie},  // 0x2112A442 -> 0x2112A421
        {3, std::uint8_t(len_lo + 1), stun::Errc::BadLength},
        {3, std::uint8_t(len_lo + 4), stun::Errc::LengthMismatch},
        {3, std::uint8_t(len_lo - 4), stun::Errc::LengthMismatch},
        {22, 0x7F, stun::Errc::TruncatedAttribute},  // USERNAME (at 20) length past the end
    };
    for (const auto& c : cases) {
        Bytes b = orig;
        b[c.at] = std::byte{c.value};
        auto m = stun::parse(b);
        ASSERT_FALSE(m.has_value()) << "byte " << c.at;
        EXPECT_EQ(m.error(), c.expected) << "byte " << c.at << ": " << m.error().message();
    }
}

// ============================================================================================ DTLS

TEST(CapturedDtls, ClientHelloIsFragmentedOverTwoDatagrams) {
    // No DTLS codec in wire/ (OpenSSL parses it); this pins what the test data is, the record
    // and handshake headers of RFC 6347 §4.1 / §4.2.2, so a DTLS stack test can rely on it.
    const Bytes a = load("dtls_client_hello_1.bin");
    const Bytes b = load("dtls_client_hello_2.bin");
    EXPECT_EQ(a.size(), 1200U);  // Chromium's DTLS MTU
    std::size_t total = 0;
    std::size_t next_offset = 0;
    for (const Bytes* d : {&a, &b}) {
        ASSERT_GE(d->size(), 13U + 12U);
        EXPECT_EQ(u8_at(*d, 0), 22);                  // handshake record
        EXPECT_EQ(load_be16(d->data() + 1), 0xFEFF);  // DTLS 1.0 record version in a ClientHello
        EXPECT_EQ(load_be16(d->data() + 11), d->size() - 13U) << "one record per datagram";
        EXPECT_EQ(u8_at(*d, 13), 1);  // client_hello
        const std::uint32_t length = load_be24(d->data() + 14);
        const std::uint32_t frag_offset = load_be24(d->data() + 19);
        const std::uint32_t frag_length = load_be24(d->data() + 22);
        EXPECT_EQ(load_be16(d->data() + 17), 0) << "message_seq";
        EXPECT_EQ(frag_offset, next_offset);
        EXPECT_EQ(frag_length, d->size() - 25U);
        next_offset += frag_length;
        total = length;
    }
    EXPECT_EQ(next_offset, total) << "the two fragments make the whole ClientHello";
    EXPECT_GT(total, 1200U);
}

// ============================================================================================= SDP

TEST(CapturedSdp, OffersAndAnswersRoundTrip) {
    for (const char* name :
         {"whip_offer.sdp", "whip_answer.sdp", "whep_offer.sdp", "whep_answer.sdp"}) {
        const auto sd = load_sdp(name);
        ASSERT_FALSE(sd.media.empty()) << name;
        auto again = sdp::parse(sdp::serialize(sd));
        ASSERT_TRUE(again.has_value()) << name;
        EXPECT_EQ(*again, sd) << name;
    }
    // The WHIP answer accepts the three simulcast layers the offer sends.
    const auto answer = load_sdp("whip_answer.sdp");
    const auto& video = section(answer, sdp::MediaKind::Video);
    ASSERT_EQ(video.rids.size(), 3U);
    EXPECT_TRUE(video.simulcast.has_value());
}

}  // namespace
}  // namespace cohost::wire
