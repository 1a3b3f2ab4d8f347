// DtlsCertificate and DtlsTransport: two transports wired to each other in memory.
#include "cohost/media/dtls.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

namespace cohost::media {
namespace {

using Datagram = std::vector<std::byte>;
using State = DtlsTransport::State;

std::shared_ptr<const DtlsCertificate> shared_cert(int which) {
    // Certificates are slow-ish to make; two per test binary are enough.
    static const auto a = DtlsCertificate::generate();
    static const auto b = DtlsCertificate::generate();
    return which == 0 ? a : b;
}

/// A client and a server whose SendFns append to each other's inbox; `pump()` delivers.
struct Pair {
    std::deque<Datagram> to_server;
    std::deque<Datagram> to_client;
    std::size_t largest_datagram = 0;
    std::size_t datagrams = 0;
    std::unique_ptr<DtlsTransport> client;
    std::unique_ptr<DtlsTransport> server;

    explicit Pair(DtlsTransport::Options client_opts = {}, DtlsTransport::Options server_opts = {},
                  std::optional<wire::sdp::Fingerprint> client_expects = std::nullopt,
                  std::optional<wire::sdp::Fingerprint> server_expects = std::nullopt) {
        const auto client_cert = shared_cert(0);
        const auto server_cert = shared_cert(1);
        client = std::make_unique<DtlsTransport>(
            client_cert, DtlsRole::Client, client_expects.value_or(server_cert->fingerprint()),
            [this](std::span<const std::byte> d) { record(to_server, d); }, client_opts);
        server = std::make_unique<DtlsTransport>(
            server_cert, DtlsRole::Server, server_expects.value_or(client_cert->fingerprint()),
            [this](std::span<const std::byte> d) { record(to_client, d); }, server_opts);
    }

    void record(std::deque<Datagram>& box, std::span<const std::byte> d) {
        box.emplace_back(d.begin(), d.end());
        largest_datagram = std::max(largest_datagram, d.size());
        ++datagrams;
    }

    /// Delivers queued datagrams both ways until none are left (bounded).
    void pump() {
        for (int i = 0; i < 200 && (!to_server.empty() || !to_client.empty()); ++i) {
            while (!to_server.empty()) {
                const Datagram d = std::move(to_server.front());
                to_server.pop_front();
                server->feed(d);
            }
            while (!to_client.empty()) {
                const Datagram d = std::move(to_client.front());
                to_client.pop_front();
                client->feed(d);
            }
        }
    }

    void start() {
        server->start();
        client->start();
    }
};

/// Waits until `t`'s retransmission timer is due, then fires it.
void fire_timer(DtlsTransport& t) {
    const auto due = t.next_timeout();
    ASSERT_TRUE(due.has_value());
    std::this_thread::sleep_for(*due + std::chrono::milliseconds(2));
    t.handle_timeout();
}

DtlsTransport::Options fast_timer() {
    DtlsTransport::Options o;
    o.initial_timeout = std::chrono::milliseconds(20);
    return o;
}

TEST(DtlsCertificate, FingerprintIsSha256OfTheCertificate) {
    const auto cert = shared_cert(0);
    EXPECT_EQ(cert->fingerprint().algorithm, "sha-256");
    EXPECT_EQ(cert->fingerprint().bytes.size(), 32u);
    EXPECT_NE(cert->fingerprint(), shared_cert(1)->fingerprint());
}

TEST(DtlsTransport, HandshakeConnectsAndExportsMirroredGcmKeys) {
    Pair p;
    EXPECT_EQ(p.client->state(), State::New);
    p.start();
    EXPECT_EQ(p.client->state(), State::Connecting);
    EXPECT_EQ(p.server->state(), State::Connecting);
    EXPECT_FALSE(p.to_server.empty()) << "the client sends its ClientHello on start()";
    EXPECT_TRUE(p.to_client.empty()) << "the server waits";
    p.pump();
    ASSERT_EQ(p.client->state(), State::Connected) << p.client->error();
    ASSERT_EQ(p.server->state(), State::Connected) << p.server->error();
    EXPECT_TRUE(p.client->error().empty());

    const SrtpKeyMaterial& c = p.client->srtp_keys();
    const SrtpKeyMaterial& s = p.server->srtp_keys();
    EXPECT_EQ(c.profile, SrtpProfile::AeadAes128Gcm);
    EXPECT_EQ(s.profile, SrtpProfile::AeadAes128Gcm);
    EXPECT_EQ(c.local.size(), 28u);
    EXPECT_EQ(c.remote.size(), 28u);
    EXPECT_EQ(c.local, s.remote);
    EXPECT_EQ(c.remote, s.local);
    EXPECT_NE(c.local, c.remote);
    EXPECT_GT(p.largest_datagram, 300u) << "the certificate flight fits one 1200-byte datagram";
    EXPECT_LE(p.largest_datagram, 1200u);
    EXPECT_FALSE(p.client->next_timeout().has_value());
}

TEST(DtlsTransport, ServerProfileChoiceWinsAndCmKeysHaveFourteenByteSalts) {
    DtlsTransport::Options cm_only;
    cm_only.srtp_profiles = {SrtpProfile::Aes128CmSha1_80};
    Pair p({}, cm_only);
    p.start();
    p.pump();
    ASSERT_EQ(p.client->state(), State::Connected) << p.client->error();
    ASSERT_EQ(p.server->state(), State::Connected) << p.server->error();
    EXPECT_EQ(p.client->srtp_keys().profile, SrtpProfile::Aes128CmSha1_80);
    EXPECT_EQ(p.client->srtp_keys().local.size(), 30u);
    EXPECT_EQ(p.client->srtp_keys().local, p.server->srtp_keys().remote);
    EXPECT_EQ(p.client->srtp_keys().remote, p.server->srtp_keys().local);
}

TEST(DtlsTransport, NoCommonSrtpProfileFails) {
    DtlsTransport::Options gcm_only;
    gcm_only.srtp_profiles = {SrtpProfile::AeadAes128Gcm};
    DtlsTransport::Options cm_only;
    cm_only.srtp_profiles = {SrtpProfile::Aes128CmSha1_80};
    Pair p(gcm_only, cm_only);
    p.start();
    p.pump();
    EXPECT_NE(p.client->state(), State::Connected);
    EXPECT_EQ(p.client->state(), State::Failed);
    EXPECT_FALSE(p.client->error().empty());
}

TEST(DtlsTransport, ServerStartsImplicitlyOnFirstDatagram) {
    Pair p;
    p.client->start();  // the server's start() is not called
    p.pump();
    EXPECT_EQ(p.client->state(), State::Connected) << p.client->error();
    EXPECT_EQ(p.server->state(), State::Connected) << p.server->error();
}

TEST(DtlsTransport, WrongFingerprintOnClientFailsBothSides) {
    wire::sdp::Fingerprint wrong = shared_cert(1)->fingerprint();
    wrong.bytes[5] ^= 0x01;
    Pair p({}, {}, wrong);
    p.start();
    p.pump();
    EXPECT_EQ(p.client->state(), State::Failed);
    EXPECT_NE(p.client->error().find("fingerprint"), std::string::npos) << p.client->error();
    EXPECT_NE(p.server->state(), State::Connected);
    EXPECT_TRUE(p.client->srtp_keys().local.empty());
}

TEST(DtlsTransport, WrongFingerprintOnServerFailsAndClientSeesTheAlert) {
    Pair p({}, {}, std::nullopt, shared_cert(1)->fingerprint());  // expects its own cert
    p.start();
    p.pump();
    EXPECT_EQ(p.server->state(), State::Failed);
    EXPECT_NE(p.server->error().find("fingerprint"), std::string::npos) << p.server->error();
    EXPECT_EQ(p.client->state(), State::Failed);
    EXPECT_NE(p.client->error().find("alert"), std::string::npos) << p.client->error();
}

TEST(DtlsTransport, OtherHashAlgorithmsOfTheFingerprintAreChecked) {
    // sha-1 / sha-384 of the right certificate: accepted. sha-256 bytes named sha-512: rejected.
    const auto sha1 = shared_cert(1)->fingerprint("sha-1");
    ASSERT_EQ(sha1.bytes.size(), 20u);
    EXPECT_EQ(shared_cert(1)->fingerprint("sha-256"), shared_cert(1)->fingerprint());
    Pair ok({}, {}, sha1, shared_cert(0)->fingerprint("sha-384"));
    ok.start();
    ok.pump();
    ASSERT_EQ(ok.client->state(), State::Connected) << ok.client->error();
    ASSERT_EQ(ok.server->state(), State::Connected) << ok.server->error();
    EXPECT_TRUE(shared_cert(1)->fingerprint("md5").bytes.empty());

    wire::sdp::Fingerprint sha256_named_sha512 = shared_cert(1)->fingerprint();
    sha256_named_sha512.algorithm = "sha-512";
    Pair bad({}, {}, sha256_named_sha512);
    bad.start();
    bad.pump();
    EXPECT_EQ(bad.client->state(), State::Failed);

    wire::sdp::Fingerprint md5 = shared_cert(1)->fingerprint();
    md5.algorithm = "md5";
    Pair unsupported({}, {}, md5);
    unsupported.start();
    EXPECT_EQ(unsupported.client->state(), State::Failed);
    EXPECT_NE(unsupported.client->error().find("md5"), std::string::npos);
}

TEST(DtlsTransport, GarbageDatagramsNeitherCrashNorConnect) {
    Pair p;
    p.start();
    const std::vector<Datagram> garbage = {
        {},
        Datagram(1, std::byte{22}),
        Datagram(13, std::byte{22}),  // a record header of zeros
        Datagram(600, std::byte{0xA5}),
        Datagram(3000, std::byte{23}),
    };
    for (const Datagram& g : garbage) {
        EXPECT_NE(p.server->feed(g), State::Connected);
        EXPECT_NE(p.client->feed(g), State::Connected);
    }
    // A well-framed handshake record whose body is nonsense.
    Datagram framed = {std::byte{22}, std::byte{0xFE}, std::byte{0xFD}};
    framed.resize(13 + 40, std::byte{0x7F});
    framed[11] = std::byte{0};
    framed[12] = std::byte{40};
    EXPECT_EQ(p.client->feed(framed), State::Connecting);
    EXPECT_EQ(p.server->feed(framed), State::Connecting);
    EXPECT_TRUE(p.client->srtp_keys().local.empty());
    EXPECT_TRUE(p.client->error().empty());
    // All of it was dropped silently (RFC 6347 §4.1.2.7): the real handshake is intact.
    p.pump();
    EXPECT_EQ(p.client->state(), State::Connected) << p.client->error();
    EXPECT_EQ(p.server->state(), State::Connected) << p.server->error();
    // Garbage after the handshake does not undo it.
    Pair q;
    q.start();
    q.pump();
    ASSERT_EQ(q.server->state(), State::Connected);
    for (const Datagram& g : garbage) EXPECT_EQ(q.server->feed(g), State::Connected);
}

TEST(DtlsTransport, LostClientHelloIsRetransmittedOnTimeout) {
    Pair p(fast_timer(), fast_timer());
    p.start();
    ASSERT_FALSE(p.to_server.empty());
    p.to_server.clear();  // the first flight is lost
    p.pump();
    EXPECT_EQ(p.server->state(), State::Connecting);
    p.server->handle_timeout();  // not due (nothing sent): no effect
    ASSERT_NO_FATAL_FAILURE(fire_timer(*p.client));
    EXPECT_FALSE(p.to_server.empty()) << "handle_timeout() resent the ClientHello";
    p.pump();
    EXPECT_EQ(p.client->state(), State::Connected) << p.client->error();
    EXPECT_EQ(p.server->state(), State::Connected) << p.server->error();
}

TEST(DtlsTransport, LostServerFlightIsRecovered) {
    Pair p(fast_timer(), fast_timer());
    p.start();
    p.server->feed(p.to_server.front());
    p.to_server.pop_front();
    ASSERT_FALSE(p.to_client.empty());
    p.to_client.clear();                             // ServerHello .. ServerHelloDone lost
    ASSERT_NO_FATAL_FAILURE(fire_timer(*p.client));  // client resends; server answers again
    p.pump();
    EXPECT_EQ(p.client->state(), State::Connected) << p.client->error();
    EXPECT_EQ(p.server->state(), State::Connected) << p.server->error();
}

TEST(DtlsTransport, LostFinalServerFlightIsRecoveredAfterServerConnected) {
    Pair p(fast_timer(), fast_timer());
    p.start();
    // Run until the server connects, then drop what it sent last (ChangeCipherSpec, Finished).
    for (int i = 0; i < 20 && p.server->state() != State::Connected; ++i) {
        while (!p.to_server.empty()) {
            p.server->feed(p.to_server.front());
            p.to_server.pop_front();
        }
        if (p.server->state() == State::Connected) break;
        while (!p.to_client.empty()) {
            p.client->feed(p.to_client.front());
            p.to_client.pop_front();
        }
    }
    ASSERT_EQ(p.server->state(), State::Connected);
    p.to_client.clear();
    EXPECT_EQ(p.client->state(), State::Connecting);
    ASSERT_NO_FATAL_FAILURE(fire_timer(*p.client));  // client resends its Finished flight
    p.pump();  // the connected server answers it by resending its own
    EXPECT_EQ(p.client->state(), State::Connected) << p.client->error();
    EXPECT_EQ(p.client->srtp_keys().local, p.server->srtp_keys().remote);
}

TEST(DtlsTransport, HandshakeFailsAfterTooManyTimeouts) {
    DtlsTransport::Options o;
    o.initial_timeout = std::chrono::milliseconds(20);
    o.max_timeout = std::chrono::milliseconds(20);
    Pair p(o, o);
    p.client->start();
    int expiries = 0;
    for (; expiries < 40 && p.client->state() == State::Connecting; ++expiries) {
        p.to_server.clear();  // every flight is lost
        ASSERT_NO_FATAL_FAILURE(fire_timer(*p.client));
    }
    EXPECT_EQ(p.client->state(), State::Failed);
    EXPECT_GE(expiries, 12) << "OpenSSL gives up on the 13th expiry";
    EXPECT_NE(p.client->error().find("timed out"), std::string::npos) << p.client->error();
    EXPECT_FALSE(p.client->next_timeout().has_value());
}

/// One DTLS record inside a datagram (RFC 6347 §4.1).
struct Record {
    std::uint8_t type = 0;
    std::uint16_t epoch = 0;
    std::size_t offset = 0;  // of the record header in the datagram
    std::size_t length = 0;  // of the fragment after the 13-byte header
};

std::vector<Record> records_of(const Datagram& d) {
    std::vector<Record> out;
    for (std::size_t at = 0; at + 13 <= d.size();) {
        Record r;
        r.type = std::to_integer<std::uint8_t>(d[at]);
        r.epoch = static_cast<std::uint16_t>(std::to_integer<unsigned>(d[at + 3]) << 8 |
                                             std::to_integer<unsigned>(d[at + 4]));
        r.offset = at;
        r.length = std::to_integer<std::size_t>(d[at + 11]) << 8 |
                   std::to_integer<std::size_t>(d[at + 12]);
        out.push_back(r);
        at += 13 + r.length;
    }
    return out;
}

std::size_t get24(const Datagram& d, std::size_t at) {
    return std::to_integer<std::size_t>(d[at]) << 16 |
           std::to_integer<std::size_t>(d[at + 1]) << 8 | std::to_integer<std::size_t>(d[at + 2]);
}

void put24(Datagram& d, std::size_t at, std::size_t v) {
    d[at] = static_cast<std::byte>(v >> 16);
    d[at + 1] = static_cast<std::byte>(v >> 8);
    d[at + 2] = static_cast<std::byte>(v);
}

/// True when `d` holds a plaintext handshake record carrying part of a longer message.
bool has_handshake_fragment(const Datagram& d) {
    for (const Record& r : records_of(d)) {
        if (r.type != 22 || r.epoch != 0 || r.length < 12) continue;
        const std::size_t body = r.offset + 13;
        if (get24(d, body + 9) < get24(d, body + 1)) return true;  // fragment_length < length
    }
    return false;
}

TEST(DtlsTransport, SmallMtuFragmentsHandshakeMessages) {
    DtlsTransport::Options small;
    small.mtu = 256;
    Pair p(small, {});
    p.start();
    std::size_t client_largest = 0;
    bool fragmented = false;
    for (int i = 0; i < 20 && (!p.to_server.empty() || !p.to_client.empty()); ++i) {
        while (!p.to_server.empty()) {
            client_largest = std::max(client_largest, p.to_server.front().size());
            fragmented = fragmented || has_handshake_fragment(p.to_server.front());
            p.server->feed(p.to_server.front());
            p.to_server.pop_front();
        }
        while (!p.to_client.empty()) {
            EXPECT_FALSE(has_handshake_fragment(p.to_client.front())) << "server MTU is 1200";
            p.client->feed(p.to_client.front());
            p.to_client.pop_front();
        }
    }
    ASSERT_EQ(p.client->state(), State::Connected) << p.client->error();
    ASSERT_EQ(p.server->state(), State::Connected) << p.server->error();
    EXPECT_LE(client_largest, 256u);
    EXPECT_TRUE(fragmented) << "the client's Certificate message is split over datagrams";
    EXPECT_EQ(p.client->srtp_keys().local, p.server->srtp_keys().remote);
}

// What Chromium does (webrtc-notes.md): its ClientHello is longer than one datagram and arrives
// as two handshake fragments, each in its own record and datagram. OpenSSL's own ClientHello is
// shorter than its minimum MTU, so the test splits it by hand. The extra record takes sequence
// number 1, so the relay renumbers the client's later epoch-0 records (unprotected, so a relay
// can) to keep them clear of the server's replay window, as a real two-record sender would.
TEST(DtlsTransport, ServerReassemblesAClientHelloSplitOverTwoDatagrams) {
    Pair p;
    p.start();
    ASSERT_EQ(p.to_server.size(), 1u);
    const Datagram hello = p.to_server.front();
    p.to_server.clear();
    const auto recs = records_of(hello);
    ASSERT_EQ(recs.size(), 1u);
    ASSERT_EQ(recs[0].type, 22);
    const std::size_t msg_len = get24(hello, 13 + 1);
    ASSERT_EQ(get24(hello, 13 + 9), msg_len) << "unfragmented to begin with";
    const std::size_t first = msg_len / 2;
    const auto fragment = [&](std::uint8_t seq, std::size_t off, std::size_t len) {
        Datagram d;
        d.reserve(13 + 12 + len);
        d.insert(d.end(), hello.begin(), hello.begin() + 13 + 12);  // record + handshake headers
        d[10] = static_cast<std::byte>(seq);
        d[11] = static_cast<std::byte>((12 + len) >> 8);
        d[12] = static_cast<std::byte>((12 + len) & 0xFF);
        put24(d, 13 + 6, off);
        put24(d, 13 + 9, len);
        d.insert(d.end(), hello.begin() + 13 + 12 + static_cast<long>(off),
                 hello.begin() + 13 + 12 + static_cast<long>(off + len));
        return d;
    };
    // Second half first: reassembly must not depend on order.
    EXPECT_EQ(p.server->feed(fragment(1, first, msg_len - first)), State::Connecting);
    EXPECT_TRUE(p.to_client.empty()) << "half a ClientHello gets no answer";
    EXPECT_EQ(p.server->feed(fragment(0, 0, first)), State::Connecting);
    EXPECT_FALSE(p.to_client.empty()) << "the reassembled ClientHello is answered";

    for (int i = 0; i < 20 && (!p.to_server.empty() || !p.to_client.empty()); ++i) {
        while (!p.to_client.empty()) {
            p.client->feed(p.to_client.front());
            p.to_client.pop_front();
        }
        while (!p.to_server.empty()) {
            Datagram d = std::move(p.to_server.front());
            p.to_server.pop_front();
            for (const Record& r : records_of(d)) {
                if (r.epoch == 0)
                    d[r.offset + 10] =
                        static_cast<std::byte>(std::to_integer<unsigned>(d[r.offset + 10]) + 1);
            }
            p.server->feed(d);
        }
    }
    EXPECT_EQ(p.server->state(), State::Connected) << p.server->error();
    EXPECT_EQ(p.client->state(), State::Connected) << p.client->error();
    EXPECT_EQ(p.client->srtp_keys().local, p.server->srtp_keys().remote);
}

TEST(DtlsTransport, CloseSendsCloseNotifyAndPeerCloses) {
    Pair p;
    p.start();
    p.pump();
    ASSERT_EQ(p.client->state(), State::Connected);
    p.client->close();
    EXPECT_EQ(p.client->state(), State::Closed);
    ASSERT_FALSE(p.to_server.empty());
    p.pump();
    EXPECT_EQ(p.server->state(), State::Closed);
    p.client->close();  // idempotent
    EXPECT_EQ(p.client->state(), State::Closed);
    EXPECT_EQ(p.client->feed(Datagram(20, std::byte{22})), State::Closed);
}

TEST(DtlsTransport, RejectsInvalidOptions) {
    DtlsTransport::Options tiny;
    tiny.mtu = 100;
    auto noop = [](std::span<const std::byte>) {};
    EXPECT_THROW(
        DtlsTransport(shared_cert(0), DtlsRole::Client, shared_cert(1)->fingerprint(), noop, tiny),
        std::invalid_argument);
    DtlsTransport::Options none;
    none.srtp_profiles.clear();
    EXPECT_THROW(
        DtlsTransport(shared_cert(0), DtlsRole::Client, shared_cert(1)->fingerprint(), noop, none),
        std::invalid_argument);
}

}  // namespace
}  // namespace cohost::media
