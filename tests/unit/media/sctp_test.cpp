// SctpAssociation (media/src/sctp.hpp): two associations in one process, talking over a
// simulated link (sctp_pair.hpp) with usrsctp driven as the media workers drive it.
#include "sctp.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "sctp_pair.hpp"

namespace cohost::media::detail {
namespace {

using testing::SctpLink;

struct Received {
    std::uint16_t stream = 0;
    std::uint32_t ppid = 0;
    std::string data;
};

std::span<const std::byte> bytes_of(const std::string& s) {
    return std::as_bytes(std::span(s.data(), s.size()));
}

/// Two connected associations and what each received.
struct Pair {
    explicit Pair(SctpLink& link, SctpOptions a_opts = {}, SctpOptions b_opts = {}) {
        for (int side = 0; side < 2; ++side) {
            SctpAssociation::Callbacks cb;
            cb.send = link.sender(side);
            cb.message = [this, side](std::uint16_t s, std::uint32_t ppid,
                                      std::span<const std::byte> d) {
                got[side].push_back({s, ppid, std::string(reinterpret_cast<const char*>(d.data()),
                                                          d.size())});
            };
            cb.state = [this, side](SctpState st) { states[side].push_back(st); };
            cb.stream_reset = [this, side](std::uint16_t s) { resets[side].push_back(s); };
            assoc[side] = std::make_unique<SctpAssociation>(side == 0 ? a_opts : b_opts,
                                                            std::move(cb), link.post());
            link.deliver[side] = [this, side](std::span<const std::byte> p) {
                if (assoc[side]) assoc[side]->feed(p);
            };
        }
    }
    bool connected() const {
        return assoc[0]->state() == SctpState::Connected &&
               assoc[1]->state() == SctpState::Connected;
    }
    /// Both sides connect, as WebRTC peers do (a side that only bound its socket refuses an
    /// INIT: there is no listening socket in usrsctp's one-to-one style).
    void connect() {
        assoc[0]->connect();
        assoc[1]->connect();
    }
    std::unique_ptr<SctpAssociation> assoc[2];
    std::vector<Received> got[2];
    std::vector<SctpState> states[2];
    std::vector<std::uint16_t> resets[2];
};

TEST(Sctp, BothSidesConnectAndExchangeOrderedMessages) {
    SctpLink link;
    Pair pair(link);
    EXPECT_EQ(pair.assoc[0]->state(), SctpState::New);
    pair.connect();  // simultaneous open, as WebRTC peers do
    ASSERT_TRUE(link.run_until([&] { return pair.connected(); }));
    EXPECT_EQ(pair.states[0], (std::vector{SctpState::Connecting, SctpState::Connected}));

    for (int i = 0; i < 20; ++i) {
        const std::string m = "message " + std::to_string(i);
        ASSERT_EQ(pair.assoc[0]->send(3, 53, bytes_of(m), {}), SctpSendResult::Sent);
    }
    ASSERT_EQ(pair.assoc[1]->send(4, 51, bytes_of("back"), {}), SctpSendResult::Sent);
    ASSERT_TRUE(link.run_until([&] { return pair.got[1].size() == 20 && pair.got[0].size() == 1; }));
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(pair.got[1][i].data, "message " + std::to_string(i));
        EXPECT_EQ(pair.got[1][i].stream, 3);
        EXPECT_EQ(pair.got[1][i].ppid, 53U);
    }
    EXPECT_EQ(pair.got[0][0].data, "back");
    EXPECT_EQ(pair.got[0][0].ppid, 51U);
    EXPECT_EQ(pair.assoc[0]->counters().messages_out, 20U);
    EXPECT_EQ(pair.assoc[1]->counters().messages_in, 20U);
}

TEST(Sctp, SendBeforeConnectedIsRefused) {
    SctpLink link;
    Pair pair(link);
    EXPECT_EQ(pair.assoc[0]->send(1, 53, bytes_of("x"), {}), SctpSendResult::NotConnected);
    pair.assoc[0]->connect();
    EXPECT_EQ(pair.assoc[0]->send(1, 53, bytes_of("x"), {}), SctpSendResult::NotConnected);
}

TEST(Sctp, LargeMessagesAreReassembledAndOversizeOnesDroppedWhole) {
    SctpLink link;
    SctpOptions receiver;
    receiver.max_message_size = 65536;
    SctpOptions sender;
    sender.max_send_size = 200000;  // the sender is allowed more than the receiver accepts
    Pair pair(link, sender, receiver);
    pair.connect();
    ASSERT_TRUE(link.run_until([&] { return pair.connected(); }));

    std::string big(65536, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
    const std::string too_big(65537, 'z');
    ASSERT_EQ(pair.assoc[0]->send(1, 53, bytes_of(big), {}), SctpSendResult::Sent);
    ASSERT_EQ(pair.assoc[0]->send(1, 53, bytes_of(too_big), {}), SctpSendResult::Sent);
    ASSERT_EQ(pair.assoc[0]->send(1, 53, bytes_of("after"), {}), SctpSendResult::Sent);
    ASSERT_TRUE(link.run_until([&] { return pair.got[1].size() == 2; }));
    EXPECT_EQ(pair.got[1][0].data, big);  // 57+ packets of at most 1,150 bytes, put together
    EXPECT_EQ(pair.got[1][1].data, "after");
    EXPECT_EQ(pair.assoc[1]->counters().oversize_dropped, 1U);
    // The receiver's own sends are bounded by its max_send_size (65,536 by default).
    EXPECT_EQ(pair.assoc[1]->send(1, 53, bytes_of(too_big), {}), SctpSendResult::TooLarge);
    EXPECT_EQ(pair.assoc[1]->send(1, 53, {}, {}), SctpSendResult::TooLarge);
}

TEST(Sctp, PacketsStayUnderTheMtu) {
    SctpLink link;
    std::size_t largest = 0;
    link.drop = [&](int, std::span<const std::byte> p) {
        largest = std::max(largest, p.size());
        return false;
    };
    Pair pair(link);
    pair.connect();
    ASSERT_TRUE(link.run_until([&] { return pair.connected(); }));
    const std::string big(20000, 'q');
    ASSERT_EQ(pair.assoc[0]->send(1, 53, bytes_of(big), {}), SctpSendResult::Sent);
    ASSERT_TRUE(link.run_until([&] { return pair.got[1].size() == 1; }));
    EXPECT_LE(largest, SctpOptions{}.mtu);
    EXPECT_GT(largest, 1000U);
}

TEST(Sctp, ReliableMessagesSurviveALostPacket) {
    SctpLink link;
    Pair pair(link);
    pair.connect();
    ASSERT_TRUE(link.run_until([&] { return pair.connected(); }));
    bool dropped_one = false;
    testing::drop_first_data(link, 0, &dropped_one);
    ASSERT_EQ(pair.assoc[0]->send(1, 53, bytes_of("first"), {}), SctpSendResult::Sent);
    ASSERT_EQ(pair.assoc[0]->send(1, 53, bytes_of("second"), {}), SctpSendResult::Sent);
    ASSERT_TRUE(link.run_until([&] { return pair.got[1].size() == 2; }));  // after the RTO
    EXPECT_TRUE(dropped_one);
    EXPECT_EQ(pair.got[1][0].data, "first");  // ordered: the retransmission comes first
    EXPECT_EQ(pair.got[1][1].data, "second");
}

TEST(Sctp, UnorderedMessagesWithoutRetransmissionsAreAbandonedWhenLost) {
    SctpLink link;
    Pair pair(link);
    pair.connect();
    ASSERT_TRUE(link.run_until([&] { return pair.connected(); }));
    bool dropped_one = false;
    testing::drop_first_data(link, 0, &dropped_one);
    SctpSendOptions lossy;
    lossy.ordered = false;
    lossy.max_retransmits = 0;  // livekit-client's `_lossy` channel
    ASSERT_EQ(pair.assoc[0]->send(2, 53, bytes_of("lost"), lossy), SctpSendResult::Sent);
    ASSERT_EQ(pair.assoc[0]->send(2, 53, bytes_of("kept"), lossy), SctpSendResult::Sent);
    // A reliable message after them arrives once the association moved past the lost one
    // (FORWARD-TSN): nothing waits for "lost" any more.
    ASSERT_EQ(pair.assoc[0]->send(1, 53, bytes_of("reliable"), {}), SctpSendResult::Sent);
    ASSERT_TRUE(link.run_until([&] {
        return std::any_of(pair.got[1].begin(), pair.got[1].end(),
                           [](const Received& r) { return r.data == "reliable"; });
    }));
    link.run_for(std::chrono::milliseconds(1500));  // longer than an RTO: no late "lost"
    EXPECT_TRUE(dropped_one);
    std::vector<std::string> data;
    for (const auto& r : pair.got[1]) data.push_back(r.data);
    EXPECT_EQ(std::count(data.begin(), data.end(), "lost"), 0);
    EXPECT_EQ(std::count(data.begin(), data.end(), "kept"), 1);
}

TEST(Sctp, StreamResetReachesThePeer) {
    SctpLink link;
    Pair pair(link);
    pair.connect();
    ASSERT_TRUE(link.run_until([&] { return pair.connected(); }));
    ASSERT_EQ(pair.assoc[0]->send(7, 53, bytes_of("x"), {}), SctpSendResult::Sent);
    ASSERT_TRUE(link.run_until([&] { return pair.got[1].size() == 1; }));
    ASSERT_TRUE(pair.assoc[0]->reset_stream(7));
    ASSERT_TRUE(link.run_until([&] { return !pair.resets[1].empty(); }));
    EXPECT_EQ(pair.resets[1], (std::vector<std::uint16_t>{7}));
    EXPECT_TRUE(pair.resets[0].empty());
}

TEST(Sctp, CloseAbortsThePeer) {
    SctpLink link;
    Pair pair(link);
    pair.connect();
    ASSERT_TRUE(link.run_until([&] { return pair.connected(); }));
    pair.assoc[0]->close();
    EXPECT_EQ(pair.assoc[0]->state(), SctpState::Closed);
    ASSERT_TRUE(link.run_until([&] { return pair.assoc[1]->state() == SctpState::Closed; }));
    EXPECT_EQ(pair.assoc[0]->send(1, 53, bytes_of("x"), {}), SctpSendResult::NotConnected);
    pair.assoc[0]->close();  // idempotent
}

TEST(Sctp, TimersDrivenFromAnotherThreadArePostedToTheOwner) {
    // Retransmissions fire on the ticker thread (as on another media worker): the packet must
    // still leave through the owner's loop. The drop forces one retransmission.
    SctpLink link(/*timers_on_thread=*/true);
    const auto owner = std::this_thread::get_id();
    bool sent_off_thread = false;
    bool dropped_one = false;
    link.drop = [&](int from, std::span<const std::byte> p) {
        if (std::this_thread::get_id() != owner) sent_off_thread = true;
        if (from != 0 || dropped_one || !testing::carries_data(p)) return false;
        dropped_one = true;
        return true;
    };
    Pair pair(link);
    pair.connect();
    ASSERT_TRUE(link.run_until([&] { return pair.connected(); }));
    ASSERT_EQ(pair.assoc[0]->send(1, 53, bytes_of("again"), {}), SctpSendResult::Sent);
    ASSERT_TRUE(link.run_until([&] { return pair.got[1].size() == 1; }));
    EXPECT_TRUE(dropped_one);
    EXPECT_FALSE(sent_off_thread);
    EXPECT_EQ(pair.got[1][0].data, "again");
}

TEST(Sctp, GarbageInputIsIgnored) {
    SctpLink link;
    Pair pair(link);
    pair.connect();
    ASSERT_TRUE(link.run_until([&] { return pair.connected(); }));
    std::vector<std::byte> junk(300);
    for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<std::byte>(i * 7);
    for (std::size_t n = 0; n <= junk.size(); n += 13) {
        pair.assoc[1]->feed(std::span(junk).first(n));
    }
    ASSERT_EQ(pair.assoc[0]->send(1, 53, bytes_of("still fine"), {}), SctpSendResult::Sent);
    ASSERT_TRUE(link.run_until([&] { return pair.got[1].size() == 1; }));
    EXPECT_EQ(pair.got[1][0].data, "still fine");
}

TEST(Sctp, DestroyingAnAssociationWithPendingPostsIsSafe) {
    SctpLink link(/*timers_on_thread=*/true);
    const auto before = SctpAssociation::live_count();
    {
        Pair pair(link);
        pair.assoc[0]->connect();
        pair.assoc[1]->connect();
        ASSERT_TRUE(link.run_until([&] { return pair.connected(); }));
        EXPECT_EQ(SctpAssociation::live_count(), before + 2);
        ASSERT_EQ(pair.assoc[0]->send(1, 53, bytes_of("x"), {}), SctpSendResult::Sent);
        link.deliver[0] = nullptr;
        link.deliver[1] = nullptr;
    }  // packets and drains for both are still queued on the loop
    EXPECT_EQ(SctpAssociation::live_count(), before);
    link.run_for(std::chrono::milliseconds(200));  // runs them: they find nothing
}

TEST(Sctp, RefusesMissingCallbacks) {
    SctpLink link;
    EXPECT_THROW(SctpAssociation({}, {}, link.post()), std::invalid_argument);
    SctpAssociation::Callbacks cb;
    cb.send = [](std::span<const std::byte>) {};
    EXPECT_THROW(SctpAssociation({}, cb, {}), std::invalid_argument);
}

}  // namespace
}  // namespace cohost::media::detail
