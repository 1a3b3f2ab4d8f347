// DataChannelTransport (media/src/data_channel.hpp): data channels with DCEP between two
// transports in one process, the way livekit-client (DTLS client) and the SFU (DTLS server)
// open and use them.
#include "data_channel.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "dcep.hpp"
#include "sctp_pair.hpp"

namespace cohost::media::detail {
namespace {

using testing::SctpLink;

struct Message {
    std::string label;
    bool binary = false;
    std::string data;
};

std::span<const std::byte> bytes_of(const std::string& s) {
    return std::as_bytes(std::span(s.data(), s.size()));
}

/// Side 0 is the DTLS client (the browser), side 1 the DTLS server (the SFU).
struct Peers {
    explicit Peers(SctpLink& link) {
        for (int side = 0; side < 2; ++side) {
            DataChannelTransport::Callbacks cb;
            cb.packet = link.sender(side);
            cb.open = [this, side](const DataChannel& ch) { opened[side].push_back(ch); };
            cb.message = [this, side](const DataChannel& ch, bool binary,
                                      std::span<const std::byte> d) {
                got[side].push_back({ch.label, binary,
                                     std::string(reinterpret_cast<const char*>(d.data()), d.size())});
            };
            cb.closed = [this, side](const DataChannel& ch) { closed[side].push_back(ch.label); };
            t[side] = std::make_unique<DataChannelTransport>(SctpOptions{}, side == 0, std::move(cb),
                                                             link.post());
            link.deliver[side] = [this, side](std::span<const std::byte> p) {
                if (t[side]) t[side]->feed(p);
            };
        }
        t[0]->start();
        t[1]->start();
    }
    bool connected() const {
        return t[0]->state() == SctpState::Connected && t[1]->state() == SctpState::Connected;
    }
    std::unique_ptr<DataChannelTransport> t[2];
    std::vector<DataChannel> opened[2];
    std::vector<Message> got[2];
    std::vector<std::string> closed[2];
};

TEST(DataChannel, TheClientOpensLivekitsChannelsAndTheServerAcceptsThem) {
    SctpLink link;
    Peers p(link);
    ASSERT_TRUE(link.run_until([&] { return p.connected(); }));
    EXPECT_EQ(p.t[0]->open({"_lossy", "", false, 0, std::nullopt}), std::optional<std::uint16_t>(0));
    EXPECT_EQ(p.t[0]->open({"_reliable", "", true, std::nullopt, std::nullopt}),
              std::optional<std::uint16_t>(2));
    EXPECT_EQ(p.t[0]->open({"_data_track", "", false, 0, std::nullopt}),
              std::optional<std::uint16_t>(4));  // DTLS client: even stream ids
    ASSERT_TRUE(link.run_until([&] { return p.opened[1].size() == 3; }));
    const DataChannel& lossy = p.opened[1][0];
    EXPECT_EQ(lossy.label, "_lossy");
    EXPECT_EQ(lossy.stream, 0);
    EXPECT_FALSE(lossy.ordered);
    EXPECT_EQ(lossy.max_retransmits, std::optional<std::uint16_t>(0));
    EXPECT_TRUE(lossy.remote_opened);
    const DataChannel& reliable = p.opened[1][1];
    EXPECT_EQ(reliable.label, "_reliable");
    EXPECT_TRUE(reliable.ordered);
    EXPECT_EQ(reliable.max_retransmits, std::nullopt);
    EXPECT_TRUE(p.opened[0].empty());  // the opener is not told about its own channels
    ASSERT_NE(p.t[1]->find("_reliable"), nullptr);
    EXPECT_EQ(p.t[1]->find("_reliable")->stream, 2);
    EXPECT_EQ(p.t[1]->find("nope"), nullptr);
    // The ACKs arrive: the opener's channels may now go unordered.
    ASSERT_TRUE(link.run_until([&] { return p.t[0]->find(std::uint16_t{0})->acked; }));
}

TEST(DataChannel, MessagesFlowBothWaysWithTheirKind) {
    SctpLink link;
    Peers p(link);
    ASSERT_TRUE(link.run_until([&] { return p.connected(); }));
    const auto stream = p.t[0]->open({"_reliable", "", true, std::nullopt, std::nullopt});
    ASSERT_TRUE(stream);
    // Sent at once, before the ACK: ordered behind the OPEN, so they arrive after it.
    EXPECT_EQ(p.t[0]->send(*stream, bytes_of("binary"), true), SctpSendResult::Sent);
    EXPECT_EQ(p.t[0]->send(*stream, bytes_of("text"), false), SctpSendResult::Sent);
    EXPECT_EQ(p.t[0]->send(*stream, {}, true), SctpSendResult::Sent);   // PPID 57
    EXPECT_EQ(p.t[0]->send(*stream, {}, false), SctpSendResult::Sent);  // PPID 56
    ASSERT_TRUE(link.run_until([&] { return p.got[1].size() == 4; }));
    EXPECT_EQ(p.got[1][0].data, "binary");
    EXPECT_TRUE(p.got[1][0].binary);
    EXPECT_EQ(p.got[1][1].data, "text");
    EXPECT_FALSE(p.got[1][1].binary);
    EXPECT_EQ(p.got[1][2].data, "");
    EXPECT_TRUE(p.got[1][2].binary);
    EXPECT_EQ(p.got[1][3].data, "");
    EXPECT_FALSE(p.got[1][3].binary);
    for (const auto& m : p.got[1]) EXPECT_EQ(m.label, "_reliable");
    // The server answers on the channel the client opened.
    EXPECT_EQ(p.t[1]->send(*stream, bytes_of("reply"), true), SctpSendResult::Sent);
    ASSERT_TRUE(link.run_until([&] { return p.got[0].size() == 1; }));
    EXPECT_EQ(p.got[0][0].data, "reply");
    EXPECT_EQ(p.got[0][0].label, "_reliable");
}

TEST(DataChannel, TheServerOpensOddStreams) {
    SctpLink link;
    Peers p(link);
    ASSERT_TRUE(link.run_until([&] { return p.connected(); }));
    EXPECT_EQ(p.t[1]->open({"_reliable", "", true, std::nullopt, std::nullopt}),
              std::optional<std::uint16_t>(1));
    EXPECT_EQ(p.t[1]->open({"_lossy", "", false, 0, std::nullopt}), std::optional<std::uint16_t>(3));
    ASSERT_TRUE(link.run_until([&] { return p.opened[0].size() == 2; }));
    EXPECT_EQ(p.opened[0][0].label, "_reliable");
    EXPECT_EQ(p.opened[0][0].stream, 1);
}

TEST(DataChannel, ClosingResetsTheStreamAndTellsThePeer) {
    SctpLink link;
    Peers p(link);
    ASSERT_TRUE(link.run_until([&] { return p.connected(); }));
    const auto stream = p.t[0]->open({"chat", "", true, std::nullopt, std::nullopt});
    ASSERT_TRUE(stream);
    ASSERT_TRUE(link.run_until([&] { return p.opened[1].size() == 1; }));
    p.t[0]->close(*stream);
    EXPECT_EQ(p.closed[0], (std::vector<std::string>{"chat"}));
    ASSERT_TRUE(link.run_until([&] { return p.closed[1].size() == 1; }));
    EXPECT_EQ(p.t[1]->find(*stream), nullptr);
    EXPECT_EQ(p.t[1]->send(*stream, bytes_of("x"), true), SctpSendResult::NotConnected);
    // The server reset its half in reply; once that reaches the client the stream is free.
    ASSERT_TRUE(link.run_until([&] { return p.t[0]->find(*stream) == nullptr; }));
    EXPECT_EQ(p.t[0]->open({"again", "", true, std::nullopt, std::nullopt}), stream);
}

TEST(DataChannel, AnAbortClosesEveryChannel) {
    SctpLink link;
    Peers p(link);
    ASSERT_TRUE(link.run_until([&] { return p.connected(); }));
    ASSERT_TRUE(p.t[0]->open({"_reliable", "", true, std::nullopt, std::nullopt}));
    ASSERT_TRUE(p.t[0]->open({"_lossy", "", false, 0, std::nullopt}));
    ASSERT_TRUE(link.run_until([&] { return p.opened[1].size() == 2; }));
    p.t[0]->close_all();
    ASSERT_TRUE(link.run_until([&] { return p.t[1]->state() == SctpState::Closed; }));
    EXPECT_EQ(p.closed[1].size(), 2U);
    EXPECT_TRUE(p.t[1]->channels().empty());
    EXPECT_EQ(p.t[0]->open({"x", "", true, std::nullopt, std::nullopt}), std::nullopt);
}

TEST(DataChannel, BadDcepAndStrayMessagesAreCountedNotDelivered) {
    SctpLink link;
    // A raw association on the client side, to send what a broken peer would.
    std::vector<Message> got;
    std::vector<DataChannel> opened;
    DataChannelTransport::Callbacks cb;
    cb.packet = link.sender(1);
    cb.open = [&](const DataChannel& ch) { opened.push_back(ch); };
    cb.message = [&](const DataChannel& ch, bool b, std::span<const std::byte> d) {
        got.push_back({ch.label, b, std::string(reinterpret_cast<const char*>(d.data()), d.size())});
    };
    DataChannelTransport server(SctpOptions{}, false, cb, link.post());
    SctpAssociation::Callbacks raw_cb;
    raw_cb.send = link.sender(0);
    SctpAssociation raw(SctpOptions{}, raw_cb, link.post());
    link.deliver[0] = [&](std::span<const std::byte> d) { raw.feed(d); };
    link.deliver[1] = [&](std::span<const std::byte> d) { server.feed(d); };
    raw.connect();
    server.start();
    ASSERT_TRUE(link.run_until([&] {
        return raw.state() == SctpState::Connected && server.state() == SctpState::Connected;
    }));
    const std::string garbage = "\x03\x00";  // truncated OPEN
    ASSERT_EQ(raw.send(0, kPpidDcep, bytes_of(garbage), {}), SctpSendResult::Sent);
    ASSERT_EQ(raw.send(0, kPpidDcep, encode_dcep_ack(), {}), SctpSendResult::Sent);  // stray ACK
    ASSERT_EQ(raw.send(6, kPpidBinary, bytes_of("no channel"), {}), SctpSendResult::Sent);
    DcepOpen open;
    open.label = "ok";
    ASSERT_EQ(raw.send(8, kPpidDcep, *encode_dcep_open(open), {}), SctpSendResult::Sent);
    ASSERT_EQ(raw.send(8, kPpidDcep, *encode_dcep_open(open), {}), SctpSendResult::Sent);  // again
    ASSERT_EQ(raw.send(8, kPpidBinaryPartial, bytes_of("old"), {}), SctpSendResult::Sent);
    ASSERT_EQ(raw.send(8, kPpidBinary, bytes_of("good"), {}), SctpSendResult::Sent);
    ASSERT_TRUE(link.run_until([&] { return got.size() == 1; }));
    EXPECT_EQ(got[0].data, "good");
    EXPECT_EQ(opened.size(), 1U);
    EXPECT_EQ(server.counters().dcep_malformed, 3U);  // garbage, stray ACK, second OPEN
    EXPECT_EQ(server.counters().unknown_stream, 1U);
    EXPECT_EQ(server.counters().bad_ppid, 1U);
}

}  // namespace
}  // namespace cohost::media::detail
