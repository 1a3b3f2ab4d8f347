// rehome_socket: a real loopback connection moved to an io_context run by another thread keeps
// working both ways (including bytes the peer sent before the move), and a failed hand-off
// reports its step and leaks no descriptor (counted in /proc/self/fd).
#include "../../../../server/src/realtime/rehome_socket.hpp"

#include <gtest/gtest.h>

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace cohost::server::realtime::detail {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

/// Open descriptors of this process (the directory iterator's own descriptor is counted every
/// time, so differences are exact).
std::size_t open_fds() {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        ++n;
    }
    return n;
}

/// A connected loopback pair: `client` on `client_io`, `server` accepted on `server_io`.
struct LoopbackPair {
    tcp::socket client;
    tcp::socket server;
};

LoopbackPair connect_pair(net::io_context& client_io, net::io_context& server_io) {
    tcp::acceptor acceptor(server_io, tcp::endpoint(net::ip::address_v4::loopback(), 0));
    tcp::socket client(client_io);
    client.connect(acceptor.local_endpoint());
    tcp::socket server(server_io);
    acceptor.accept(server);
    return LoopbackPair{std::move(client), std::move(server)};
}

/// An io_context run by its own thread until destroyed.
class IoThread {
public:
    IoThread() : work_(net::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
    ~IoThread() {
        work_.reset();
        thread_.join();
    }
    IoThread(const IoThread&) = delete;
    IoThread& operator=(const IoThread&) = delete;

    net::io_context& io() noexcept { return io_; }
    std::thread::id id() const noexcept { return thread_.get_id(); }

private:
    net::io_context io_{1};
    net::executor_work_guard<net::io_context::executor_type> work_;
    std::thread thread_;
};

/// What the rehomed socket saw, reported from the target thread.
struct ServerSide {
    std::string received;
    boost::system::error_code read_ec;
    boost::system::error_code write_ec;
    std::thread::id thread;
};

// Guards against a hang only (the pair is local and the peers write first): not a speed check.
constexpr auto kHangGuard = std::chrono::seconds(60);

TEST(RehomeSocket, MovedConnectionCarriesBytesBothWaysOnTheTargetThread) {
    const std::size_t fds_before = open_fds();
    {
        net::io_context home{1};  // never run: the connection is only accepted here
        net::io_context client_io{1};
        auto pair = connect_pair(client_io, home);
        beast::tcp_stream stream(std::move(pair.server));
        const auto local = stream.socket().local_endpoint();
        const auto remote = stream.socket().remote_endpoint();

        // Sent before the move: the kernel buffer must survive the hand-off.
        const std::string early = "sent-before-the-move|";
        net::write(pair.client, net::buffer(early));

        IoThread target;
        auto moved = rehome_socket(std::move(stream), target.io());
        ASSERT_TRUE(moved.has_value()) << moved.error().ec.message();
        EXPECT_FALSE(stream.socket().is_open());  // NOLINT(bugprone-use-after-move): documented
        EXPECT_EQ(&net::query(moved->get_executor(), net::execution::context), &target.io());
        EXPECT_EQ(moved->local_endpoint(), local);  // the same connection
        EXPECT_EQ(moved->remote_endpoint(), remote);

        const std::string late = "sent-after-the-move";
        const std::string reply = "reply-from-the-target-thread";
        auto sock = std::make_shared<tcp::socket>(std::move(*moved));
        auto buf = std::make_shared<std::string>(early.size() + late.size(), '\0');
        std::promise<ServerSide> done;
        net::post(target.io(), [&, sock, buf] {
            net::async_read(
                *sock, net::buffer(*buf),
                [&, sock, buf](boost::system::error_code rec, std::size_t) {
                    if (rec) {
                        done.set_value(ServerSide{*buf, rec, {}, std::this_thread::get_id()});
                        return;
                    }
                    net::async_write(*sock, net::buffer(reply),
                                     [&done, sock, buf, rec](boost::system::error_code wec,
                                                             std::size_t) {
                                         done.set_value(ServerSide{*buf, rec, wec,
                                                                   std::this_thread::get_id()});
                                     });
                });
        });
        net::write(pair.client, net::buffer(late));
        std::string got(reply.size(), '\0');
        boost::system::error_code cec;
        net::read(pair.client, net::buffer(got), cec);

        auto result = done.get_future();
        ASSERT_EQ(result.wait_for(kHangGuard), std::future_status::ready) << "the target hung";
        const ServerSide server = result.get();
        EXPECT_FALSE(server.read_ec) << server.read_ec.message();
        EXPECT_FALSE(server.write_ec) << server.write_ec.message();
        EXPECT_EQ(server.received, early + late);
        EXPECT_EQ(server.thread, target.id());
        EXPECT_FALSE(cec) << cec.message();
        EXPECT_EQ(got, reply);

        // Closing the rehomed socket ends the connection for the peer.
        std::promise<void> closed;
        net::post(target.io(), [&, sock] {
            sock->close();
            closed.set_value();
        });
        closed.get_future().wait();
        std::array<char, 1> one{};
        boost::system::error_code eof;
        net::read(pair.client, net::buffer(one), eof);
        EXPECT_EQ(eof, net::error::eof);
    }
    EXPECT_EQ(open_fds(), fds_before);  // no descriptor duplicated or left behind
}

TEST(RehomeSocket, ClosedStreamIsReleaseErrorAndLeaksNothing) {
    const std::size_t fds_before = open_fds();
    {
        net::io_context home{1};
        net::io_context client_io{1};
        IoThread target;
        auto pair = connect_pair(client_io, home);
        beast::tcp_stream stream(std::move(pair.server));
        stream.socket().close();
        const std::size_t fds_open = open_fds();

        auto moved = rehome_socket(std::move(stream), target.io());
        ASSERT_FALSE(moved.has_value());
        EXPECT_EQ(moved.error().step, RehomeStep::Release);
        EXPECT_EQ(moved.error().ec, net::error::bad_descriptor);
        EXPECT_EQ(open_fds(), fds_open);  // nothing opened on the target
    }
    EXPECT_EQ(open_fds(), fds_before);
}

TEST(RehomeSocket, StreamThatNeverHadASocketIsReleaseError) {
    net::io_context home{1};
    net::io_context target{1};
    beast::tcp_stream stream(home);  // first socket on `home`: its reactor's descriptors open
    const std::size_t fds_before = open_fds();
    auto moved = rehome_socket(std::move(stream), target);
    ASSERT_FALSE(moved.has_value());
    EXPECT_EQ(moved.error().step, RehomeStep::Release);
    EXPECT_TRUE(moved.error().ec);
    EXPECT_EQ(open_fds(), fds_before);
}

TEST(RehomeSocket, PeerGoneBeforeTheMoveIsSeenByTheNewOwner) {
    // The hand-off does not probe the peer: a connection the client already closed moves fine,
    // and the new owner reads the end of stream (the hub's session then ends normally).
    const std::size_t fds_before = open_fds();
    {
        net::io_context home{1};
        net::io_context client_io{1};
        net::io_context target{1};
        auto pair = connect_pair(client_io, home);
        pair.client.close();
        auto moved = rehome_socket(beast::tcp_stream(std::move(pair.server)), target);
        ASSERT_TRUE(moved.has_value()) << moved.error().ec.message();
        std::array<char, 1> one{};
        boost::system::error_code ec;
        net::read(*moved, net::buffer(one), ec);  // blocking read, no io_context thread needed
        EXPECT_EQ(ec, net::error::eof);
    }
    EXPECT_EQ(open_fds(), fds_before);
}

}  // namespace
}  // namespace cohost::server::realtime::detail
