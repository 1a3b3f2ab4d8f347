// loadgen's lean WebSocket frame reader: frames fed the way a socket delivers them (split at
// every byte, several per read), the three length encodings, fragmentation, control frames and
// protocol errors; and the masked client frames it answers with.
#include "ws_reader.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace cohost::loadgen {
namespace {

using Kind = WsMessage::Kind;

/// An unmasked server frame.
std::string frame(std::uint8_t op, std::string_view payload, bool fin = true) {
    std::string out;
    out.push_back(static_cast<char>((fin ? 0x80 : 0x00) | op));
    const std::uint64_t len = payload.size();
    if (len < 126) {
        out.push_back(static_cast<char>(len));
    } else if (len <= 0xFFFF) {
        out.push_back(static_cast<char>(126));
        out.push_back(static_cast<char>(len >> 8));
        out.push_back(static_cast<char>(len & 0xFF));
    } else {
        out.push_back(static_cast<char>(127));
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.push_back(static_cast<char>((len >> shift) & 0xFF));
        }
    }
    out.append(payload);
    return out;
}

struct Seen {
    Kind kind;
    std::string payload;
    std::uint16_t code;
    bool operator==(const Seen&) const = default;
};

void feed(WsReader& r, std::string_view bytes) {
    while (!bytes.empty()) {
        const auto space = r.prepare();
        const std::size_t n = std::min(space.size(), bytes.size());
        std::memcpy(space.data(), bytes.data(), n);
        r.commit(n);
        bytes.remove_prefix(n);
    }
}

std::vector<Seen> drain(WsReader& r) {
    std::vector<Seen> out;
    for (;;) {
        const WsMessage m = r.next();
        if (m.kind == Kind::need_more) {
            return out;
        }
        out.push_back({m.kind, std::string(m.payload), m.close_code});
        if (m.kind == Kind::error) {
            return out;
        }
    }
}

/// Feeds `wire` in pieces cut at `cuts`, collecting every message after each piece.
std::vector<Seen> feed_split(std::string_view wire, const std::vector<std::size_t>& cuts,
                             std::size_t read_size = 64 * 1024) {
    WsReader r(read_size);
    std::vector<Seen> out;
    std::size_t at = 0;
    for (std::size_t cut : cuts) {
        feed(r, wire.substr(at, cut - at));
        for (auto& s : drain(r)) out.push_back(std::move(s));
        at = cut;
    }
    feed(r, wire.substr(at));
    for (auto& s : drain(r)) out.push_back(std::move(s));
    return out;
}

const std::string kEvent =
    R"({"type":"event","topic":"room:RM_a","seq":7,"event":"chat.message","data":{"text":"e1|5"}})";

TEST(WsReader, OneTextFrame) {
    WsReader r;
    feed(r, frame(0x1, kEvent));
    const auto seen = drain(r);
    ASSERT_EQ(seen.size(), 1U);
    EXPECT_EQ(seen[0], (Seen{Kind::text, kEvent, 0}));
    EXPECT_EQ(r.buffered(), 0U);
}

TEST(WsReader, ThreeLengthEncodings) {
    const std::string small(125, 'a');
    const std::string medium(126, 'b');   // smallest 16-bit length
    const std::string mid2(65535, 'c');   // largest 16-bit length
    const std::string large(65536, 'd');  // smallest 64-bit length
    const std::string wire = frame(0x1, small) + frame(0x1, medium) + frame(0x1, mid2) +
                             frame(0x2, large) + frame(0x1, "");
    ASSERT_EQ(static_cast<std::uint8_t>(frame(0x1, medium)[1]), 126);
    ASSERT_EQ(static_cast<std::uint8_t>(frame(0x1, large)[1]), 127);
    for (std::size_t read_size : {std::size_t{16}, std::size_t{1000}, std::size_t{64 * 1024}}) {
        const auto seen = feed_split(wire, {}, read_size);
        ASSERT_EQ(seen.size(), 5U) << read_size;
        EXPECT_EQ(seen[0], (Seen{Kind::text, small, 0}));
        EXPECT_EQ(seen[1], (Seen{Kind::text, medium, 0}));
        EXPECT_EQ(seen[2], (Seen{Kind::text, mid2, 0}));
        EXPECT_EQ(seen[3], (Seen{Kind::binary, large, 0}));
        EXPECT_EQ(seen[4], (Seen{Kind::text, "", 0}));
    }
}

TEST(WsReader, SplitAtEveryCutPoint) {
    const std::string medium(300, 'x');
    const std::string wire = frame(0x1, kEvent) + frame(0x9, "hb") + frame(0x1, medium) +
                             frame(0x8, std::string("\x03\xe8", 2) + "bye");
    const std::vector<Seen> want = {{Kind::text, kEvent, 0},
                                    {Kind::ping, "hb", 0},
                                    {Kind::text, medium, 0},
                                    {Kind::close, "bye", 1000}};
    EXPECT_EQ(feed_split(wire, {}), want);
    for (std::size_t cut = 1; cut < wire.size(); ++cut) {
        EXPECT_EQ(feed_split(wire, {cut}), want) << "cut at " << cut;
    }
    // And byte by byte, with a read size so small the buffer must grow for the 300-byte frame.
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < wire.size(); ++i) every.push_back(i);
    EXPECT_EQ(feed_split(wire, every, 16), want);
}

TEST(WsReader, ManyFramesInOneRead) {
    std::string wire;
    for (int i = 0; i < 100; ++i) wire += frame(0x1, "m" + std::to_string(i));
    WsReader r;
    feed(r, wire + frame(0x1, "partial").substr(0, 4));
    const auto seen = drain(r);
    ASSERT_EQ(seen.size(), 100U);
    EXPECT_EQ(seen[99].payload, "m99");
    EXPECT_EQ(r.buffered(), 4U);  // the partial frame waits for more bytes
}

TEST(WsReader, PingPongAndCloseWithReason) {
    const std::string wire = frame(0x9, "") + frame(0xA, "p") +
                             frame(0x8, std::string("\x0f\xa0", 2) + "slow_consumer") +
                             frame(0x8, "");
    const std::vector<Seen> want = {{Kind::ping, "", 0},
                                    {Kind::pong, "p", 0},
                                    {Kind::close, "slow_consumer", 4000},
                                    {Kind::close, "", 0}};
    EXPECT_EQ(feed_split(wire, {}), want);
}

TEST(WsReader, FragmentedMessageWithInterleavedPing) {
    const std::string wire = frame(0x1, "{\"a\":", false) + frame(0x9, "x") +
                             frame(0x0, "1", false) + frame(0x0, "}") + frame(0x1, "next");
    const std::vector<Seen> want = {
        {Kind::ping, "x", 0}, {Kind::text, "{\"a\":1}", 0}, {Kind::text, "next", 0}};
    for (std::size_t cut = 1; cut < wire.size(); ++cut) {
        EXPECT_EQ(feed_split(wire, {cut}), want) << "cut at " << cut;
    }
}

Kind first_kind(std::string_view wire, std::string* why = nullptr,
                std::size_t max_message = 256 * 1024) {
    WsReader r(64 * 1024, max_message);
    feed(r, wire);
    const auto m = r.next();
    if (why != nullptr) *why = std::string(m.payload);
    return m.kind;
}

TEST(WsReader, MalformedHeadersAreErrors) {
    std::string why;
    EXPECT_EQ(first_kind("\xc1\x01x", &why), Kind::error);  // RSV1 without an extension
    EXPECT_NE(why.find("reserved"), std::string::npos);
    EXPECT_EQ(first_kind("\x81\x81" "abcdx", &why), Kind::error);  // masked server frame
    EXPECT_NE(why.find("masked"), std::string::npos);
    EXPECT_EQ(first_kind(std::string("\x83\x00", 2)), Kind::error);                     // opcode 3
    EXPECT_EQ(first_kind(std::string("\x8b\x00", 2)), Kind::error);                     // opcode 0xB
    EXPECT_EQ(first_kind(std::string("\x09\x00", 2)), Kind::error);                     // ping without FIN
    EXPECT_EQ(first_kind(frame(0x9, std::string(126, 'p'))), Kind::error);  // long control
    EXPECT_EQ(first_kind(std::string("\x81\x7e\x00\x05", 4) + "hello"), Kind::error);
    EXPECT_EQ(first_kind(std::string("\x81\x7f\x00\x00\x00\x00\x00\x00\x01\x00", 10)),
              Kind::error);  // 256 in 64 bits: non-minimal
    EXPECT_EQ(first_kind(std::string("\x81\x7f\x80\x00\x00\x00\x00\x00\x00\x00", 10)),
              Kind::error);                                          // high bit set
    EXPECT_EQ(first_kind(frame(0x0, "orphan")), Kind::error);        // continuation first
    EXPECT_EQ(first_kind(frame(0x1, "a", false) + frame(0x1, "b")), Kind::error);
    EXPECT_EQ(first_kind(frame(0x8, "\x03")), Kind::error);          // 1-byte close body
    EXPECT_EQ(first_kind(frame(0x1, std::string(200, 'z')), &why, 100), Kind::error);
    EXPECT_NE(why.find("limit"), std::string::npos);
    // The limit covers a fragmented message as a whole.
    EXPECT_EQ(first_kind(frame(0x1, std::string(60, 'z'), false) + frame(0x0, std::string(60, 'z')),
                         nullptr, 100),
              Kind::error);
}

TEST(WsReader, ErrorIsSticky) {
    WsReader r;
    feed(r, std::string("\xc1\x00", 2) + frame(0x1, "after"));
    EXPECT_EQ(r.next().kind, Kind::error);
    feed(r, frame(0x1, "more"));
    EXPECT_EQ(r.next().kind, Kind::error);
}

TEST(WsReader, IncompleteHeaderNeedsMore) {
    WsReader r;
    feed(r, std::string("\x81\x7f\x00\x00", 4));
    EXPECT_EQ(r.next().kind, Kind::need_more);
    EXPECT_EQ(r.buffered(), 4U);
}

/// Unmasks a client frame: returns {opcode, payload}; checks FIN and the mask bit.
std::pair<int, std::string> unmask(std::string_view f) {
    EXPECT_EQ(static_cast<std::uint8_t>(f[0]) & 0x80, 0x80);
    EXPECT_EQ(static_cast<std::uint8_t>(f[1]) & 0x80, 0x80);
    std::size_t len = static_cast<std::uint8_t>(f[1]) & 0x7F;
    std::size_t at = 2;
    if (len == 126) {
        len = (static_cast<std::size_t>(static_cast<std::uint8_t>(f[2])) << 8) |
              static_cast<std::uint8_t>(f[3]);
        at = 4;
    } else if (len == 127) {
        len = 0;
        for (std::size_t i = 2; i < 10; ++i) len = (len << 8) | static_cast<std::uint8_t>(f[i]);
        at = 10;
    }
    const std::string_view key = f.substr(at, 4);
    std::string out(f.substr(at + 4));
    EXPECT_EQ(out.size(), len);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>(out[i] ^ key[i % 4]);
    return {static_cast<std::uint8_t>(f[0]) & 0x0F, out};
}

TEST(WsClientFrame, MaskedPongAndClose) {
    const auto pong = encode_client_frame(WsOpcode::pong, "hello", 0x01020304);
    EXPECT_EQ(pong.size(), 2U + 4U + 5U);
    EXPECT_NE(pong.substr(6), "hello");  // really masked
    EXPECT_EQ(unmask(pong), (std::pair<int, std::string>{0xA, "hello"}));
    const auto close = encode_client_frame(WsOpcode::close, close_payload(1000, "bye"), 7);
    EXPECT_EQ(unmask(close), (std::pair<int, std::string>{0x8, std::string("\x03\xe8", 2) + "bye"}));
    const std::string big(70000, 'q');
    EXPECT_EQ(unmask(encode_client_frame(WsOpcode::text, big, 0xdeadbeef)).second, big);
    const std::string mid(300, 'm');
    EXPECT_EQ(unmask(encode_client_frame(WsOpcode::text, mid, 0xdeadbeef)).second, mid);
}

}  // namespace
}  // namespace cohost::loadgen
