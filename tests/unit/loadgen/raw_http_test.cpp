// loadgen's lean HTTP client: the incremental response parser fed the way a socket delivers
// bytes (split anywhere, several responses at once), and one connection against a scripted
// loopback server (keep-alive reuse, Connection: close and reconnect, a malformed response).
#include "raw_http.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace cohost::loadgen {
namespace {

using State = ResponseParser::State;

constexpr std::string_view k202 =
    "HTTP/1.1 202 Accepted\r\nServer: cohostd\r\nContent-Type: application/json\r\n"
    "Content-Length: 15\r\n\r\n{\"accepted\":1}\n";
constexpr std::string_view k429 =
    "HTTP/1.1 429 Too Many Requests\r\ncontent-length: 70\r\nRetry-After: 1\r\n\r\n"
    "{\"error\":{\"code\":\"rate_limited\",\"message\":\"20 reactions per second\"}}\n";

/// Feeds `parts` one after the other, as separate reads.
ResponseParser feed_parts(const std::vector<std::string_view>& parts) {
    ResponseParser p;
    for (const auto part : parts) {
        EXPECT_EQ(p.state(), State::NeedMore);
        EXPECT_EQ(p.feed(part), part.size());
    }
    return p;
}

TEST(ResponseParser, WholeResponseInOneRead) {
    ResponseParser p;
    EXPECT_EQ(p.feed(k202), k202.size());
    ASSERT_EQ(p.state(), State::Done);
    EXPECT_EQ(p.response().status, 202);
    EXPECT_FALSE(p.response().close);
    EXPECT_EQ(p.response().body, "{\"accepted\":1}\n");
}

TEST(ResponseParser, EverySplitPointOfTheHeadAndBody) {
    for (std::size_t cut = 1; cut < k202.size(); ++cut) {
        ResponseParser p = feed_parts({k202.substr(0, cut), k202.substr(cut)});
        ASSERT_EQ(p.state(), State::Done) << "cut at " << cut;
        EXPECT_EQ(p.response().status, 202);
        EXPECT_EQ(p.response().body, "{\"accepted\":1}\n") << "cut at " << cut;
    }
}

TEST(ResponseParser, OneByteAtATime) {
    ResponseParser p;
    for (std::size_t i = 0; i < k429.size(); ++i) {
        ASSERT_EQ(p.state(), State::NeedMore) << "byte " << i;
        ASSERT_EQ(p.feed(k429.substr(i, 1)), 1U);
    }
    ASSERT_EQ(p.state(), State::Done);
    EXPECT_EQ(p.response().status, 429);
    EXPECT_EQ(p.response().body.size(), 70U);
    EXPECT_EQ(p.response().body.find("\"rate_limited\""), 17U);
}

TEST(ResponseParser, BodyAcrossThreeReads) {
    const std::string_view head = k429.substr(0, k429.find("\r\n\r\n") + 4);
    const std::string_view body = k429.substr(head.size());
    ResponseParser p = feed_parts({head, body.substr(0, 10), body.substr(10, 30)});
    EXPECT_EQ(p.state(), State::NeedMore);  // head done, body not yet
    EXPECT_EQ(p.feed(body.substr(40)), body.size() - 40);
    ASSERT_EQ(p.state(), State::Done);
    EXPECT_EQ(p.response().body, body);
}

TEST(ResponseParser, ConnectionClose) {
    ResponseParser p;
    p.feed(
        "HTTP/1.1 503 Service Unavailable\r\nConnection: keep-alive, Close\r\n"
        "Content-Length: 0\r\n\r\n");
    ASSERT_EQ(p.state(), State::Done);
    EXPECT_EQ(p.response().status, 503);
    EXPECT_TRUE(p.response().close);
    EXPECT_TRUE(p.response().body.empty());
}

TEST(ResponseParser, Http10ClosesUnlessKeepAlive) {
    ResponseParser p;
    p.feed("HTTP/1.0 202 Accepted\r\nContent-Length: 0\r\n\r\n");
    EXPECT_TRUE(p.response().close);
    p.reset();
    p.feed("HTTP/1.0 202 Accepted\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
    EXPECT_FALSE(p.response().close);
}

TEST(ResponseParser, TwoResponsesInOneBuffer) {
    const std::string both = std::string(k202) + std::string(k429);
    ResponseParser p;
    const std::size_t used = p.feed(both);
    EXPECT_EQ(used, k202.size());  // stops at the end of the first response
    ASSERT_EQ(p.state(), State::Done);
    EXPECT_EQ(p.response().status, 202);
    p.reset();
    EXPECT_FALSE(p.started());
    EXPECT_EQ(p.feed(std::string_view(both).substr(used)), k429.size());
    ASSERT_EQ(p.state(), State::Done);
    EXPECT_EQ(p.response().status, 429);
    EXPECT_EQ(p.response().body.size(), 70U);
}

TEST(ResponseParser, ChunkedBody) {
    const std::string_view r =
        "HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\n{\"err\r\nA;ext=1\r\nor\":\"bad\"}\r\n0\r\nX-Trailer: 1\r\n\r\nHTTP/1.1";
    for (std::size_t cut = 1; cut < r.size() - 8; ++cut) {
        ResponseParser p;
        const std::size_t a = p.feed(r.substr(0, cut));
        ASSERT_EQ(a, cut);
        const std::size_t b = p.feed(r.substr(cut));
        ASSERT_EQ(p.state(), State::Done) << "cut at " << cut;
        EXPECT_EQ(a + b, r.size() - 8);  // "HTTP/1.1" is the next response's
        EXPECT_EQ(p.response().body, "{\"error\":\"bad\"}");
    }
}

TEST(ResponseParser, BodyToEndOfStream) {
    ResponseParser p;
    p.feed("HTTP/1.1 500 Internal Server Error\r\n\r\npartial");
    EXPECT_EQ(p.state(), State::NeedMore);
    p.feed(" body");
    EXPECT_TRUE(p.finish_at_eof());
    ASSERT_EQ(p.state(), State::Done);
    EXPECT_TRUE(p.response().close);
    EXPECT_EQ(p.response().body, "partial body");
}

TEST(ResponseParser, NoBodyFor204) {
    ResponseParser p;
    EXPECT_EQ(p.feed("HTTP/1.1 204 No Content\r\n\r\nHTTP"), 27U);
    EXPECT_EQ(p.state(), State::Done);
    EXPECT_FALSE(p.finish_at_eof());  // only a read-to-EOF body completes at EOF
}

TEST(ResponseParser, BodyCapKeepsCountingTheRest) {
    ResponseParser p(4);
    p.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789");
    ASSERT_EQ(p.state(), State::Done);
    EXPECT_EQ(p.response().body, "0123");
    EXPECT_EQ(p.response().body_size, 10U);
}

TEST(ResponseParser, MalformedStatusLines) {
    for (const std::string_view bad :
         {"HTTP/2 202 Accepted\r\n\r\n", "HTTP/1.1 20 Accepted\r\n\r\n",
          "HTTP/1.1 2020 Accepted\r\n\r\n", "HTTP/1.1 abc\r\n\r\n", "hello world\r\n\r\n",
          "HTTP/1.1  202 Accepted\r\n\r\n", "HTTP/1.1 099 Odd\r\n\r\n",
          "SSH-2.0-OpenSSH_9.2\r\n\r\n"}) {
        ResponseParser p;
        p.feed(bad);
        ASSERT_EQ(p.state(), State::Error) << bad;
        EXPECT_EQ(p.error(), make_error_code(RawHttpError::MalformedStatusLine)) << bad;
        EXPECT_EQ(p.error().message(), "malformed status line");
    }
}

TEST(ResponseParser, MalformedHeadersAndLengths) {
    const std::pair<std::string_view, RawHttpError> cases[] = {
        {"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", RawHttpError::MalformedHeader},
        {"HTTP/1.1 200 OK\r\nA: 1\r\n folded\r\n\r\n", RawHttpError::MalformedHeader},
        {"HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n", RawHttpError::MalformedHeader},
        {"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", RawHttpError::BadContentLength},
        {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", RawHttpError::BadContentLength},
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
         RawHttpError::BadContentLength},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", RawHttpError::UnsupportedEncoding},
        {"HTTP/1.1 100 Continue\r\n\r\n", RawHttpError::InformationalResponse},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", RawHttpError::BadChunk},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
         RawHttpError::BadChunk},
    };
    for (const auto& [bytes, error] : cases) {
        ResponseParser p;
        p.feed(bytes);
        ASSERT_EQ(p.state(), State::Error) << bytes;
        EXPECT_EQ(p.error(), make_error_code(error)) << bytes;
    }
}

TEST(ResponseParser, HeadTooLarge) {
    ResponseParser p;
    p.feed("HTTP/1.1 200 OK\r\n");
    const std::string filler = "X-Filler: " + std::string(1000, 'a') + "\r\n";
    for (int i = 0; i < 20 && p.state() == State::NeedMore; ++i) {
        p.feed(filler);
    }
    ASSERT_EQ(p.state(), State::Error);
    EXPECT_EQ(p.error(), make_error_code(RawHttpError::HeadTooLarge));
}

TEST(ResponseParser, ResetForgetsTheLastResponse) {
    ResponseParser p;
    p.feed("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi");
    p.reset();
    EXPECT_EQ(p.state(), State::NeedMore);
    p.feed("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
    ASSERT_EQ(p.state(), State::Done);
    EXPECT_EQ(p.response().status, 202);
    EXPECT_FALSE(p.response().close);
    EXPECT_TRUE(p.response().body.empty());
}

// --- RawHttpConnection against a scripted server ----------------------------------------------

namespace net = boost::asio;
using net::ip::tcp;

/// Accepts connections one after another on a loopback port and answers each request (read
/// up to the end of its head plus `Content-Length` bytes) with the next scripted reply; a reply
/// of "" closes the connection instead. Runs on its own thread with blocking sockets.
class ScriptedServer {
public:
    explicit ScriptedServer(std::vector<std::string> replies)
        : acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)),
          replies_(std::move(replies)) {
        thread_ = std::thread([this] { serve(); });
    }
    ~ScriptedServer() {
        if (thread_.joinable()) {  // the test failed early: wake a blocked accept and leave
            stop_ = true;
            tcp::socket wake(ioc_);
            boost::system::error_code ignored;
            wake.connect(endpoint(), ignored);
        }
        join();
    }
    /// Waits until every scripted reply was used; `requests` may be read afterwards.
    void join() {
        if (thread_.joinable()) thread_.join();
    }
    [[nodiscard]] tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }
    std::vector<std::string> requests;  ///< as received (read after `join`)
    int accepted = 0;                   ///< connections (read after `join`)

private:
    void serve() {
        std::size_t next = 0;
        while (next < replies_.size()) {
            tcp::socket socket(ioc_);
            acceptor_.accept(socket);
            if (stop_) return;
            ++accepted;
            net::streambuf in;
            while (next < replies_.size()) {
                boost::system::error_code ec;
                const std::size_t n = net::read_until(socket, in, "\r\n\r\n", ec);
                if (ec) break;
                std::string head(static_cast<const char*>(in.data().data()), n);
                in.consume(n);
                const auto cl = head.find("Content-Length: ");
                const std::size_t len =
                    cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 16));
                if (in.size() < len) net::read(socket, in, net::transfer_exactly(len - in.size()));
                requests.push_back(head +
                                   std::string(static_cast<const char*>(in.data().data()), len));
                in.consume(len);
                const std::string& reply = replies_[next++];
                if (reply.empty()) break;  // close without answering
                net::write(socket, net::buffer(reply), ec);
                if (reply.find("Connection: close") != std::string::npos) break;
            }
        }
    }

    net::io_context ioc_;
    tcp::acceptor acceptor_;
    std::vector<std::string> replies_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

TEST(RawHttpConnection, KeepAliveCloseReconnectAndErrors) {
    ScriptedServer server(
        {std::string(k202), std::string(k429),
         "HTTP/1.1 409 Conflict\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", "",
         "garbage\r\n\r\n", std::string(k202)});
    net::io_context ioc;
    std::vector<RawResult> results;
    std::vector<std::string> bodies;
    const std::string head = "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: ";
    const std::string tail = "2\r\n\r\n{}";
    RawHttpConnection* conn_ptr = nullptr;
    RawHttpConnection conn(ioc.get_executor(), server.endpoint(), [&](const RawResult& r) {
        results.push_back(r);
        bodies.emplace_back(r.body);
        if (results.size() < 6) {  // the next request from inside the callback, as the sender does
            conn_ptr->send({net::buffer(head), net::buffer(tail)});
        }
    });
    conn_ptr = &conn;
    conn.send({net::buffer(head), net::buffer(tail)});
    ioc.run_for(std::chrono::seconds(60));  // a bound against hanging, not a timing check
    if (results.size() != 6U) {
        conn.close();  // unblocks the server's read
    }
    ASSERT_EQ(results.size(), 6U);
    EXPECT_EQ(results[0].status, 202);
    EXPECT_EQ(bodies[0], "{\"accepted\":1}\n");
    EXPECT_EQ(results[1].status, 429);
    EXPECT_EQ(results[2].status, 409);  // then the connection closes
    EXPECT_EQ(results[3].status, 0);    // the server hangs up before answering
    EXPECT_EQ(results[3].ec, boost::beast::http::error::end_of_stream);
    EXPECT_EQ(results[4].status, 0);
    EXPECT_EQ(results[4].ec, make_error_code(RawHttpError::MalformedStatusLine));
    EXPECT_EQ(results[5].status, 202);
    EXPECT_FALSE(conn.busy());
    EXPECT_EQ(conn.connects(), 4U);  // reconnected after close, hang-up and the bad reply
    server.join();
    EXPECT_EQ(server.accepted, 4);
    ASSERT_EQ(server.requests.size(), 6U);
    for (const auto& r : server.requests) {
        EXPECT_EQ(r, head + tail);  // both pieces, in order, intact
    }
}

TEST(RawHttpConnection, ExpireAbortsWithTimeout) {
    net::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    tcp::socket peer(ioc);
    acceptor.async_accept(peer, [](const boost::system::error_code&) {});  // never answers
    std::vector<RawResult> results;
    RawHttpConnection conn(ioc.get_executor(), acceptor.local_endpoint(),
                           [&](const RawResult& r) { results.push_back(r); });
    const std::string request = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";
    conn.send({net::buffer(request), net::const_buffer()});
    while (conn.connects() == 0 || !peer.is_open()) {
        ioc.run_one();
    }
    ioc.poll();
    ASSERT_TRUE(conn.busy());
    conn.expire();
    ioc.run_for(std::chrono::seconds(60));  // a bound against hanging
    ASSERT_EQ(results.size(), 1U);
    EXPECT_EQ(results[0].status, 0);
    EXPECT_EQ(results[0].ec, boost::beast::error::timeout);
    EXPECT_FALSE(conn.busy());
}

}  // namespace
}  // namespace cohost::loadgen
