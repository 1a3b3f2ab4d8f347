// Gathered writes (ws_session.cpp, gated_stream.hpp): frames queued while a write is on the
// socket leave together, pre-framed, next to Beast's own control frames. A Beast client parses
// every byte, so an interleaved or malformed frame fails these tests with a protocol error.
#include "cohost/server/realtime/hub.hpp"
#include "unit/server/realtime/hub_fixture.hpp"

namespace cohost::server::realtime::testing {
namespace {

class HubBatchingTest : public HubFixture {
protected:
    /// Starts the hub with room for long bursts and returns a client reading `room:RM_a`.
    Client& subscribed_client() {
        HubOptions o = test_options();
        o.queue_limit = 1024;
        start(o);
        Client& c = connect();
        subscribe(c, "room:RM_a");
        return c;
    }
};

/// An event body of about `bytes` bytes (a JSON object).
std::string blob(std::size_t bytes) { return R"({"blob":")" + std::string(bytes, 'x') + "\"}"; }

TEST_F(HubBatchingTest, BurstsArriveWholeAndInOrderAcrossTheThreeLengthEncodings) {
    Client& c = subscribed_client();
    // Sizes that use the 7-bit, 16-bit and 64-bit length forms, published back to back so
    // they queue behind each other and go out in gathered writes.
    const std::vector<std::size_t> sizes = {10, 100, 125, 126, 1000, 65535, 65536, 200000};
    constexpr int kRounds = 20;
    for (int r = 0; r < kRounds; ++r) {
        std::vector<store::StoredEvent> batch;
        for (std::size_t s : sizes) batch.push_back(store.append("room:RM_a", "x", blob(s)));
        hub->publish(batch);
    }
    const std::size_t want = sizes.size() * kRounds;
    ASSERT_TRUE(run_until([&] { return c.frames.size() == want || c.closed; }, 20s))
        << c.frames.size() << " of " << want << " closed=" << c.closed << " "
        << c.read_error.message();
    for (std::size_t k = 0; k < want; ++k) {
        const auto v = json::parse(c.frames[k]).as_object();
        EXPECT_EQ(v.at("seq").as_int64(), static_cast<std::int64_t>(k + 1));
        EXPECT_EQ(v.at("data").at("blob").as_string().size(), sizes[k % sizes.size()]);
    }
    EXPECT_FALSE(c.closed);
    EXPECT_EQ(hub->slow_consumer_drops(), 0U);
}

TEST_F(HubBatchingTest, PongsToClientPingsDoNotInterleaveWithEventWrites) {
    Client& c = subscribed_client();
    int pongs = 0;
    c.ws.control_callback([&](websocket::frame_type kind, beast::string_view payload) {
        if (kind == websocket::frame_type::pong && payload == "p") ++pongs;
    });
    // Large events fill the socket buffers, so event writes stay on the socket (partially
    // written) while the client's pings arrive and Beast answers them through the same socket.
    constexpr int kBursts = 30;
    constexpr int kPerBurst = 8;
    for (int b = 0; b < kBursts; ++b) {
        std::vector<store::StoredEvent> batch;
        for (int i = 0; i < kPerBurst; ++i) {
            batch.push_back(store.append("room:RM_a", "x", blob(48 * 1024)));
        }
        hub->publish(batch);
        bool pinged = false;
        c.ws.async_ping("p", [&](beast::error_code ec) {
            EXPECT_FALSE(ec) << ec.message();
            pinged = true;
        });
        ASSERT_TRUE(run_until([&] { return pinged; }, 10s));
    }
    const std::size_t want = static_cast<std::size_t>(kBursts * kPerBurst);
    ASSERT_TRUE(
        run_until([&] { return (c.frames.size() == want && pongs == kBursts) || c.closed; }, 20s))
        << c.frames.size() << " frames, " << pongs << " pongs, closed=" << c.closed << " "
        << c.read_error.message();
    for (std::size_t k = 0; k < want; ++k) {
        EXPECT_EQ(json::parse(c.frames[k]).at("seq").as_int64(), static_cast<std::int64_t>(k + 1));
    }
    EXPECT_FALSE(c.closed);
    c.ws.control_callback();
    c.frames.clear();
    expect_nothing_pending(c);
}

TEST_F(HubBatchingTest, CloseAfterABurstComesAfterTheFramesOnTheSocket) {
    Client& c = subscribed_client();
    std::vector<store::StoredEvent> batch;
    for (int i = 0; i < 40; ++i) batch.push_back(store.append("room:RM_a", "x", blob(32 * 1024)));
    hub->publish(batch);
    hub->close_all();  // close frame queued behind whatever is being written
    ASSERT_TRUE(run_until([&] { return c.closed; }, 10s));
    EXPECT_EQ(c.close.code, websocket::close_code::going_away);
    // What arrived is a gap-free prefix of the burst (the rest was dropped at close).
    for (std::size_t k = 0; k < c.frames.size(); ++k) {
        EXPECT_EQ(json::parse(c.frames[k]).at("seq").as_int64(), static_cast<std::int64_t>(k + 1));
    }
}

}  // namespace
}  // namespace cohost::server::realtime::testing
