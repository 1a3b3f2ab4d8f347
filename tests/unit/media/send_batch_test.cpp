// SendBatch (media/src/send_batch.hpp): datagrams queued during a fan-out leave together, each
// to its own destination, in order; a refused one is skipped and counted, the rest still go.
#include "send_batch.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

namespace cohost::media::detail {
namespace {

using Udp = boost::asio::ip::udp;

/// A bound, non-blocking loopback UDP socket (closed on destruction).
struct Sock {
    int fd = -1;
    std::uint16_t port = 0;
    Sock() {
        fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
    }
    ~Sock() { ::close(fd); }
    Sock(const Sock&) = delete;
    Sock& operator=(const Sock&) = delete;
    [[nodiscard]] Udp::endpoint endpoint() const {
        return {boost::asio::ip::make_address_v4("127.0.0.1"), port};
    }
    /// Every datagram waiting (briefly polls for the first), as strings, in arrival order.
    [[nodiscard]] std::vector<std::string> drain(int wait_ms = 1000) const {
        std::vector<std::string> got;
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, wait_ms);
        std::array<char, 4096> buf{};
        for (;;) {
            const ssize_t n = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
            if (n < 0) break;
            got.emplace_back(buf.data(), static_cast<std::size_t>(n));
        }
        return got;
    }
};

void queue(SendBatch& b, const std::string& text, const Udp::endpoint& to, bool expect_full = false) {
    const auto buf = b.next();
    ASSERT_GE(buf.size(), text.size());
    std::memcpy(buf.data(), text.data(), text.size());
    EXPECT_EQ(b.commit(text.size(), to), expect_full) << text;
}

TEST(SendBatch, DatagramsReachTheirOwnDestinationsInOrderInOneCall) {
    Sock sender, a, b;
    SendBatch batch;
    EXPECT_TRUE(batch.empty());
    for (int i = 0; i < 10; ++i) {
        queue(batch, "a" + std::to_string(i), a.endpoint());
        queue(batch, "b" + std::to_string(i) + std::string(static_cast<std::size_t>(i) * 100, 'x'),
              b.endpoint());
    }
    EXPECT_EQ(batch.size(), 20U);
    EXPECT_EQ(batch.flush(sender.fd), 20U);
    EXPECT_TRUE(batch.empty());
    EXPECT_EQ(batch.calls(), 1U);
    EXPECT_EQ(batch.failed(), 0U);
    const auto got_a = a.drain();
    const auto got_b = b.drain();
    ASSERT_EQ(got_a.size(), 10U);
    ASSERT_EQ(got_b.size(), 10U);
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(got_a[static_cast<std::size_t>(i)], "a" + std::to_string(i));
        EXPECT_EQ(got_b[static_cast<std::size_t>(i)],
                  "b" + std::to_string(i) + std::string(static_cast<std::size_t>(i) * 100, 'x'));
    }
}

TEST(SendBatch, CommitSaysWhenFullAndTheBatchIsReusableAfterFlush) {
    Sock sender, a;
    SendBatch batch;
    for (std::size_t i = 0; i + 1 < SendBatch::kSlots; ++i) {
        queue(batch, "p" + std::to_string(i), a.endpoint());
    }
    queue(batch, "last", a.endpoint(), /*expect_full=*/true);
    EXPECT_EQ(batch.flush(sender.fd), SendBatch::kSlots);
    queue(batch, "again", a.endpoint());
    EXPECT_EQ(batch.flush(sender.fd), 1U);
    const auto got = a.drain();
    ASSERT_EQ(got.size(), SendBatch::kSlots + 1);
    EXPECT_EQ(got.front(), "p0");
    EXPECT_EQ(got[SendBatch::kSlots - 1], "last");
    EXPECT_EQ(got.back(), "again");
    EXPECT_EQ(batch.flush(sender.fd), 0U);  // empty: nothing sent, no call made
    EXPECT_EQ(batch.calls(), 2U);
}

TEST(SendBatch, ARefusedDatagramIsSkippedAndCountedTheOthersStillGo) {
    Sock sender, a;
    SendBatch batch;
    // Port 0 is not a destination: the kernel refuses that one datagram (EINVAL).
    const Udp::endpoint nowhere(boost::asio::ip::make_address_v4("127.0.0.1"), 0);
    queue(batch, "one", a.endpoint());
    queue(batch, "refused", nowhere);
    queue(batch, "two", a.endpoint());
    queue(batch, "refused too", nowhere);
    queue(batch, "refused again", nowhere);
    queue(batch, "three", a.endpoint());
    EXPECT_EQ(batch.flush(sender.fd), 3U);
    EXPECT_EQ(batch.failed(), 3U);
    EXPECT_TRUE(batch.empty());
    EXPECT_EQ(a.drain(), (std::vector<std::string>{"one", "two", "three"}));
}

TEST(SendBatch, ABadSocketRefusesEverythingWithoutLooping) {
    Sock a;
    SendBatch batch;
    queue(batch, "x", a.endpoint());
    queue(batch, "y", a.endpoint());
    EXPECT_EQ(batch.flush(-1), 0U);
    EXPECT_EQ(batch.failed(), 2U);
    EXPECT_TRUE(a.drain(/*wait_ms=*/50).empty());
}

}  // namespace
}  // namespace cohost::media::detail
