// HttpServer on the control thread (`threads: 0`) and with HTTP I/O threads (`threads: 2`): the
// same behaviour either way — keep-alive, handlers and the group-commit gate on the control thread,
// WebSocket upgrades handed over on the control thread, size limits — plus the threaded server's
// shutdown with a request still waiting for the control thread.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "cohost/server/http/http_server.hpp"
#include "cohost/server/realtime/hub.hpp"
#include "unit/server/realtime/fake_event_store.hpp"

namespace cohost::server::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

/// A gate that reports one pending write and then fails it (the answer must become a 500).
class FailingGate final : public ResponseGate {
public:
    [[nodiscard]] bool pending() const override { return armed.load(); }
    net::awaitable<bool> wait() override {
        armed = false;
        co_return false;
    }
    std::atomic<bool> armed{false};
};

/// The control io_context on its own thread, a router, a hub and the server under test.
class HttpServerTest : public ::testing::TestWithParam<int> {
protected:
    void SetUp() override {
        router_.add(bhttp::verb::get, "/v1/where", [this](Request&) {
            handler_thread_ = std::this_thread::get_id();
            return Response::json(200, R"({"ok":true})");
        });
        router_.add(bhttp::verb::post, "/v1/echo", [](Request& r) {
            return Response::json(201, r.body());
        });
        hub_ = std::make_unique<realtime::Hub>(
            control_, store_,
            [](const rooms::Actor&, const std::string&) { return std::optional<rooms::Error>{}; },
            realtime::HubOptions{});
        HttpServerOptions o;
        o.max_body_bytes = 1024;
        o.threads = GetParam();
        o.gate = &gate_;
        o.upgrades["/rtc/v1"] = [this](beast::tcp_stream stream, RawRequest,
                                       std::map<std::string, std::string> query) {
            upgrade_thread_ = std::this_thread::get_id();
            upgrade_query_ = query["token"];
            // Answer by hand on the control thread (a real handler would run a WebSocket).
            const std::string reply =
                "HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            beast::error_code ec;
            net::write(stream.socket(), net::buffer(reply), ec);
            stream.socket().shutdown(tcp::socket::shutdown_both, ec);
        };
        server_ = std::make_unique<HttpServer>(
            control_, router_, *hub_,
            [](Request&) -> rooms::Outcome<rooms::Actor> {
                return rooms::make_error(rooms::Errc::Unauthenticated, "no token");
            },
            o);
        server_->listen({net::ip::make_address("127.0.0.1"), 0});
        port_ = server_->local_endpoint().port();
    }

    void start_control() {
        control_thread_ = std::thread([this] {
            control_id_ = std::this_thread::get_id();
            control_.run();
        });
        while (control_id_ == std::thread::id{}) std::this_thread::sleep_for(1ms);
    }

    void TearDown() override {
        stop_control();
        server_.reset();
        hub_.reset();
    }

    void stop_control() {
        if (!control_thread_.joinable()) return;
        net::post(control_, [this] { server_->stop(); });
        work_.reset();
        control_.stop();
        control_thread_.join();
    }

    /// A connected client socket (blocking, on the test thread).
    tcp::socket connect() {
        tcp::socket s(client_ioc_);
        s.connect({net::ip::make_address("127.0.0.1"), port_});
        return s;
    }

    static bhttp::response<bhttp::string_body> roundtrip(tcp::socket& s, beast::flat_buffer& buf,
                                                          bhttp::request<bhttp::string_body> req) {
        req.set(bhttp::field::host, "127.0.0.1");
        req.prepare_payload();
        bhttp::write(s, req);
        bhttp::response<bhttp::string_body> res;
        bhttp::read(s, buf, res);
        return res;
    }

    net::io_context control_{1};
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work_{
        control_.get_executor()};
    std::thread control_thread_;
    std::atomic<std::thread::id> control_id_{};
    net::io_context client_ioc_;
    realtime::testing::FakeEventStore store_;
    Router router_;
    FailingGate gate_;
    std::unique_ptr<realtime::Hub> hub_;
    std::unique_ptr<HttpServer> server_;
    unsigned short port_ = 0;
    std::thread::id handler_thread_;
    std::thread::id upgrade_thread_;
    std::string upgrade_query_;
};

TEST_P(HttpServerTest, KeepAliveRequestsAreHandledOnTheControlThread) {
    start_control();
    auto s = connect();
    beast::flat_buffer buf;
    for (int i = 0; i < 3; ++i) {
        auto res = roundtrip(s, buf, {bhttp::verb::get, "/v1/where", 11});
        EXPECT_EQ(res.result_int(), 200);
        EXPECT_EQ(res.body(), R"({"ok":true})");
        EXPECT_TRUE(res.keep_alive());
        EXPECT_EQ(handler_thread_, control_id_.load());
    }
    bhttp::request<bhttp::string_body> post{bhttp::verb::post, "/v1/echo", 11};
    post.body() = R"({"n":1})";
    auto res = roundtrip(s, buf, post);
    EXPECT_EQ(res.result_int(), 201);
    EXPECT_EQ(res.body(), R"({"n":1})");
    auto missing = roundtrip(s, buf, {bhttp::verb::get, "/v1/nope", 11});
    EXPECT_EQ(missing.result_int(), 404);
}

TEST_P(HttpServerTest, AFailedGroupCommitTurnsTheAnswerInto500) {
    start_control();
    gate_.armed = true;
    auto s = connect();
    beast::flat_buffer buf;
    auto res = roundtrip(s, buf, {bhttp::verb::get, "/v1/where", 11});
    EXPECT_EQ(res.result_int(), 500);
    EXPECT_NE(res.body().find("could not be saved"), std::string::npos) << res.body();
    EXPECT_FALSE(gate_.armed.load());
    // The connection stays usable and the next answer is the handler's own.
    auto again = roundtrip(s, buf, {bhttp::verb::get, "/v1/where", 11});
    EXPECT_EQ(again.result_int(), 200);
}

TEST_P(HttpServerTest, ConnectionCloseIsHonoured) {
    start_control();
    auto s = connect();
    beast::flat_buffer buf;
    bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/v1/where", 11};
    req.keep_alive(false);
    auto res = roundtrip(s, buf, req);
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_FALSE(res.keep_alive());
    char c = 0;
    beast::error_code ec;
    s.read_some(net::buffer(&c, 1), ec);
    EXPECT_EQ(ec, net::error::eof);
}

TEST_P(HttpServerTest, OversizeBodyIs413AndTheConnectionCloses) {
    start_control();
    auto s = connect();
    beast::flat_buffer buf;
    bhttp::request<bhttp::string_body> post{bhttp::verb::post, "/v1/echo", 11};
    post.body() = std::string(4096, 'x');
    auto res = roundtrip(s, buf, post);
    EXPECT_EQ(res.result_int(), 413);
    EXPECT_FALSE(res.keep_alive());
}

TEST_P(HttpServerTest, UpgradesAreHandedOverOnTheControlThread) {
    start_control();
    auto s = connect();
    beast::flat_buffer buf;
    bhttp::request<bhttp::string_body> up{bhttp::verb::get, "/rtc/v1?token=abc%20d", 11};
    up.set(bhttp::field::connection, "Upgrade");
    up.set(bhttp::field::upgrade, "websocket");
    up.set(bhttp::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    up.set(bhttp::field::sec_websocket_version, "13");
    auto res = roundtrip(s, buf, up);
    EXPECT_EQ(res.result_int(), 418);
    EXPECT_EQ(upgrade_thread_, control_id_.load());
    EXPECT_EQ(upgrade_query_, "abc d");

    // Another path: 404; the realtime path without a token: the authenticator's refusal.
    for (const auto& [target, status] :
         std::vector<std::pair<std::string, int>>{{"/nowhere", 404}, {"/v1/realtime", 401}}) {
        auto s2 = connect();
        beast::flat_buffer b2;
        up.target(target);
        auto r2 = roundtrip(s2, b2, up);
        EXPECT_EQ(r2.result_int(), status) << target;
    }
}

TEST_P(HttpServerTest, MalformedRequestGets400) {
    start_control();
    auto s = connect();
    const std::string junk = "GET /v1/where HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n";
    net::write(s, net::buffer(junk));
    beast::flat_buffer buf;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(s, buf, res);
    EXPECT_EQ(res.result_int(), 400);
}

INSTANTIATE_TEST_SUITE_P(Threads, HttpServerTest, ::testing::Values(0, 2),
                         [](const ::testing::TestParamInfo<int>& p) {
                             return "threads" + std::to_string(p.param);
                         });

/// Threaded only: a request parked for the control thread when the server goes away. The control
/// io_context is stopped (as after Server::run returns); destroying the server and then the
/// control io_context with the request's task still queued must neither crash nor leak a socket.
TEST(HttpServerThreads, ShutdownWithARequestWaitingForTheControlThread) {
    net::io_context control{1};
    realtime::testing::FakeEventStore store;
    Router router;
    std::atomic<int> calls{0};
    router.add(bhttp::verb::get, "/v1/where", [&calls](Request&) {
        ++calls;
        return Response::json(200, "{}");
    });
    auto hub = std::make_unique<realtime::Hub>(
        control, store,
        [](const rooms::Actor&, const std::string&) { return std::optional<rooms::Error>{}; },
        realtime::HubOptions{});
    HttpServerOptions o;
    o.threads = 2;
    auto server = std::make_unique<HttpServer>(
        control, router, *hub,
        [](Request&) -> rooms::Outcome<rooms::Actor> {
            return rooms::make_error(rooms::Errc::Unauthenticated, "no token");
        },
        o);
    server->listen({net::ip::make_address("127.0.0.1"), 0});
    const auto port = server->local_endpoint().port();
    // Let the accept loop run until the connection is accepted; then control stops running.
    net::io_context client_ioc;
    tcp::socket s(client_ioc);
    s.connect({net::ip::make_address("127.0.0.1"), port});
    control.run_for(200ms);
    const std::string req = "GET /v1/where HTTP/1.1\r\nHost: x\r\n\r\n";
    net::write(s, net::buffer(req));
    std::this_thread::sleep_for(200ms);  // the I/O thread parses it and queues it for control
    server.reset();                      // I/O threads stop; their sessions are destroyed
    hub.reset();
    char c = 0;
    beast::error_code ec;
    s.read_some(net::buffer(&c, 1), ec);  // the server's side of the connection is gone
    EXPECT_TRUE(ec == net::error::eof || ec == net::error::connection_reset) << ec.message();
    EXPECT_EQ(calls.load(), 0);
    // `control` is destroyed here with the parked task still queued: it must be freed cleanly.
}

}  // namespace
}  // namespace cohost::server::http
