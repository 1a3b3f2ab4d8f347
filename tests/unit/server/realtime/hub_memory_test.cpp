// Heap cost of an idle subscriber (target: < 20 KiB each at 10,000 subscribers). The clients are
// raw POSIX sockets so that only the server side shows up in the allocator's statistics.
#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "cohost/server/realtime/hub.hpp"
#include "unit/server/realtime/hub_fixture.hpp"

namespace cohost::server::realtime::testing {
namespace {

class HubMemoryTest : public HubFixture {
protected:
    void TearDown() override {
        for (int fd : fds) {
            ::close(fd);
        }
        HubFixture::TearDown();
    }

    // Connects and sends the upgrade request (blocking; the listen backlog holds the connection
    // until the fixture's acceptor runs).
    int open_raw_client() {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        EXPECT_GE(fd, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
        const std::string req =
            "GET /v1/realtime HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n";
        EXPECT_EQ(::send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
        return fd;
    }

    // A masked text frame (RFC 6455 §5.3: client frames are masked; a zero key is allowed).
    static void send_masked_text(int fd, const std::string& text) {
        std::string frame;
        frame.push_back(static_cast<char>(0x81));
        frame.push_back(static_cast<char>(0x80 | text.size()));
        frame.append(4, '\0');
        frame += text;
        EXPECT_EQ(::send(fd, frame.data(), frame.size(), 0), static_cast<ssize_t>(frame.size()));
    }

    std::vector<int> fds;
};

TEST_F(HubMemoryTest, IdleSubscriberCostsLessThan20KiB) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    GTEST_SKIP() << "allocator statistics are meaningless under sanitizers";
#endif
    constexpr int kWarmup = 20;
    // Two descriptors per connection (both ends are in this process): raise the soft limit if
    // the hard one allows, and measure fewer connections if it does not.
    rlimit lim{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &lim), 0);
    if (lim.rlim_cur < 4096 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, 4096);
        ::setrlimit(RLIMIT_NOFILE, &lim);
        ::getrlimit(RLIMIT_NOFILE, &lim);
    }
    const int kClients =
        static_cast<int>(std::min<rlim_t>(1000, (lim.rlim_cur - 100) / 2 - kWarmup));
    ASSERT_GE(kClients, 200) << "not enough file descriptors to measure";
    const std::string topic = "room:RM_popular";
    const std::string subscribe = R"({"type":"subscribe","topic":")" + topic + R"(","since":0})";
    HubOptions o = test_options();
    o.max_connections = 100000;
    start(o);
    fds.reserve(kWarmup + kClients);

    auto add_clients = [&](int count) {
        const std::size_t first = fds.size();
        for (int i = 0; i < count; ++i) {
            fds.push_back(open_raw_client());
        }
        const std::size_t want = fds.size();
        ASSERT_TRUE(run_until([&] { return hub->connection_count() == want; }, 20s));
        // Let every 101 response go out, then subscribe.
        run_until([] { return false; }, 100ms);
        for (std::size_t i = first; i < fds.size(); ++i) {
            send_masked_text(fds[i], subscribe);
        }
        ASSERT_TRUE(run_until([&] { return hub->subscriber_count(topic) == want; }, 20s));
        run_until([] { return false; }, 100ms);  // `subscribed` frames written, reads re-armed
    };

    add_clients(kWarmup);  // allocator pools, timer queue, index buckets
    const std::size_t before = mallinfo2().uordblks;
    add_clients(kClients);
    const std::size_t after = mallinfo2().uordblks;

    const double per_subscriber =
        static_cast<double>(after - before) / static_cast<double>(kClients);
    RecordProperty("bytes_per_idle_subscriber", static_cast<int>(per_subscriber));
    std::printf("heap per idle subscriber: %.0f bytes\n", per_subscriber);
    EXPECT_LT(per_subscriber, 20.0 * 1024);
    EXPECT_EQ(hub->connection_count(), static_cast<std::size_t>(kWarmup + kClients));
}

}  // namespace
}  // namespace cohost::server::realtime::testing
