#pragma once
// Test harness for the realtime hub: one io_context driven from the test thread, a tiny Beast
// acceptor on 127.0.0.1:0 that reads the upgrade request and hands it to Hub::accept, and Beast
// WebSocket clients whose frames are collected in the background. Every wait is bounded.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cohost/server/realtime/hub.hpp"
#include "unit/server/realtime/fake_event_store.hpp"

namespace cohost::server::realtime::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace json = boost::json;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

/// A WebSocket client on the test's io_context. Once `start_reader()` is called every incoming
/// message is appended to `frames`; a read error marks it closed and records the close reason.
struct Client {
    explicit Client(net::io_context& ioc) : ws(ioc) {}

    void start_reader() {
        reading = true;
        ws.async_read(buffer, [this](beast::error_code ec, std::size_t) {
            if (ec) {
                closed = true;
                read_error = ec;
                close = ws.reason();
                return;
            }
            frames.push_back(beast::buffers_to_string(buffer.data()));
            buffer.consume(buffer.size());
            start_reader();
        });
    }

    websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer buffer;
    std::deque<std::string> frames;
    bool reading = false;
    bool closed = false;
    beast::error_code read_error;
    websocket::close_reason close;
};

/// Records listener calls as "+user topic" / "-user topic".
struct RecordingListener final : SubscriptionListener {
    void on_subscribed(const rooms::Actor& a, const std::string& topic) override {
        calls.push_back("+" + a.user_id + " " + topic);
    }
    void on_unsubscribed(const rooms::Actor& a, const std::string& topic) override {
        calls.push_back("-" + a.user_id + " " + topic);
    }
    std::vector<std::string> calls;
};

class HubFixture : public ::testing::Test {
protected:
    /// Short timings so keep-alive tests stay fast; each test may change them before start().
    static HubOptions test_options() {
        HubOptions o;
        o.queue_limit = 64;
        o.max_frame_bytes = 4096;
        o.ping_interval = std::chrono::seconds(20);
        o.idle_timeout = std::chrono::seconds(60);
        o.replay_limit = 1000;
        o.max_connections = 100;
        // ctest runs the hub tests twice: inline (0) and with fan-out threads
        // (COHOST_TEST_HUB_THREADS=2, tests/CMakeLists.txt).
        if (const char* t = std::getenv("COHOST_TEST_HUB_THREADS")) {
            o.threads = std::atoi(t);
        }
        // ... and a third time with paced delivery (COHOST_TEST_HUB_WRITE_INTERVAL_MS=20).
        if (const char* w = std::getenv("COHOST_TEST_HUB_WRITE_INTERVAL_MS")) {
            o.write_interval = std::chrono::milliseconds(std::atoi(w));
        }
        return o;
    }

    void start(HubOptions o = test_options()) {
        hub = std::make_unique<Hub>(
            ioc, *hub_store,
            [this](const rooms::Actor& a, const std::string& topic) -> std::optional<rooms::Error> {
                authorized.push_back(a.user_id + " " + topic);
                if (auto it = refusals.find(topic); it != refusals.end()) {
                    return it->second;
                }
                return std::nullopt;
            },
            o);
        acceptor.open(tcp::v4());
        acceptor.set_option(net::socket_base::reuse_address(true));
        acceptor.bind({net::ip::make_address("127.0.0.1"), 0});
        acceptor.listen();
        port = acceptor.local_endpoint().port();
        do_accept();
    }

    void TearDown() override {
        beast::error_code ignored;
        acceptor.close(ignored);
        if (hub) {
            hub->close_all();
            run_until([&] { return hub->connection_count() == 0; }, 2s);
        }
        clients.clear();
        hub.reset();
    }

    /// Runs the io_context until `done()` or `timeout`; false on timeout.
    bool run_until(const std::function<bool()>& done,
                   std::chrono::steady_clock::duration timeout = 3s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!done()) {
            if (std::chrono::steady_clock::now() >= deadline) {
                return false;
            }
            if (ioc.stopped()) {
                ioc.restart();
            }
            ioc.run_one_for(5ms);
        }
        return true;
    }
    /// Runs every handler that is ready, then returns.
    void poll() {
        if (ioc.stopped()) {
            ioc.restart();
        }
        ioc.poll();
    }

    /// A connected client (handshake done); the reader starts unless `read` is false.
    Client& connect(bool read = true) {
        clients.push_back(std::make_unique<Client>(ioc));
        Client& c = *clients.back();
        bool done = false;
        beast::error_code result;
        beast::get_lowest_layer(c.ws).async_connect(
            tcp::endpoint(net::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
                if (ec) {
                    result = ec;
                    done = true;
                    return;
                }
                c.ws.async_handshake("127.0.0.1", "/v1/realtime", [&](beast::error_code ec2) {
                    result = ec2;
                    done = true;
                });
            });
        EXPECT_TRUE(run_until([&] { return done; })) << "handshake timed out";
        EXPECT_FALSE(result) << result.message();
        if (read) {
            c.start_reader();
        }
        return c;
    }

    void send(Client& c, const std::string& text, bool binary = false) {
        bool done = false;
        beast::error_code result;
        c.ws.binary(binary);
        c.ws.async_write(net::buffer(text), [&](beast::error_code ec, std::size_t) {
            result = ec;
            done = true;
        });
        EXPECT_TRUE(run_until([&] { return done; })) << "write timed out";
        EXPECT_FALSE(result) << result.message();
    }

    /// The next frame as text ("" on timeout or close, with a test failure).
    std::string next(Client& c, std::chrono::steady_clock::duration timeout = 3s) {
        if (!run_until([&] { return !c.frames.empty() || c.closed; }, timeout) ||
            c.frames.empty()) {
            ADD_FAILURE() << "no frame (closed=" << c.closed << ")";
            return {};
        }
        std::string f = std::move(c.frames.front());
        c.frames.pop_front();
        return f;
    }
    /// The next frame parsed as a JSON object (empty object on failure).
    json::object next_json(Client& c) {
        const std::string text = next(c);
        boost::system::error_code ec;
        json::value v = json::parse(text, ec);
        if (ec || !v.is_object()) {
            ADD_FAILURE() << "not a JSON object: " << text;
            return {};
        }
        return v.as_object();
    }

    /// Sends a ping and expects the pong as the very next frame: proves nothing else was queued.
    void expect_nothing_pending(Client& c) {
        send(c, R"({"type":"ping"})");
        EXPECT_EQ(next(c), R"({"type":"pong"})");
    }

    json::object subscribe(Client& c, const std::string& topic,
                           std::optional<std::int64_t> since = std::nullopt) {
        std::string frame = R"({"type":"subscribe","topic":")" + topic + "\"";
        if (since) {
            frame += ",\"since\":" + std::to_string(*since);
        }
        send(c, frame + "}");
        return next_json(c);
    }

    net::io_context ioc;
    FakeEventStore store;
    store::Store* hub_store = &store;  ///< what the hub reads; tests may point it elsewhere
    std::map<std::string, rooms::Error> refusals;        ///< topic → refusal by the authorizer
    std::vector<std::string> authorized;                 ///< "user topic" per authorizer call
    rooms::Actor actor = rooms::Actor::user("U_alice");  ///< given to the next accepted socket
    tcp::acceptor acceptor{ioc};
    unsigned short port = 0;
    std::unique_ptr<Hub> hub;
    std::vector<std::unique_ptr<Client>> clients;

private:
    struct Upgrade {
        explicit Upgrade(tcp::socket s) : stream(std::move(s)) {}
        beast::tcp_stream stream;
        beast::flat_buffer buffer;
        http::request<http::string_body> req;
    };

    void do_accept() {
        acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
            if (ec) {
                return;
            }
            auto up = std::make_shared<Upgrade>(std::move(socket));
            http::async_read(up->stream, up->buffer, up->req,
                             [this, up](beast::error_code ec2, std::size_t) {
                                 if (!ec2 && hub) {
                                     hub->accept(std::move(up->stream), std::move(up->req), actor);
                                 }
                             });
            do_accept();
        });
    }
};

}  // namespace cohost::server::realtime::testing
