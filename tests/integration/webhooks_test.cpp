// Outgoing webhooks and /metrics against the real cohostd: a co-hosting journey with
// `webhooks.urls` pointing at a receiver in this test; every realtime event must arrive as a
// signed webhook exactly once (invitation copies included once), in outbox order, although the
// receiver refuses the first requests; /metrics then shows the counters.
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "cohost/core/clock.hpp"
#include "cohost/core/crypto.hpp"
#include "cohost/core/jwt.hpp"
#include "harness.hpp"

namespace cohost::it {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

/// A webhook receiver on its own thread: verifies each request the way LiveKit's WebhookReceiver
/// does (raw HS256 JWT, iss = key, sha256 claim of the exact body), answers 500 to the first
/// `fail_first` requests and 200 afterwards, and keeps the accepted ones.
class ThreadedReceiver {
public:
    struct Got {
        json::object body;
        bool verified = false;
        std::string content_type;
    };

    ThreadedReceiver(std::string key, std::string secret, std::size_t fail_first)
        : key_(std::move(key)),
          secret_(std::move(secret)),
          fail_first_(fail_first),
          acceptor_(ioc_, {net::ip::make_address("127.0.0.1"), 0}) {
        net::co_spawn(ioc_, accept_loop(), net::detached);
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~ThreadedReceiver() {
        ioc_.stop();
        thread_.join();
    }
    ThreadedReceiver(const ThreadedReceiver&) = delete;
    ThreadedReceiver& operator=(const ThreadedReceiver&) = delete;

    [[nodiscard]] std::string url() const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) +
               "/hooks?token=receiver-secret";
    }
    /// Waits (bounded) until `n` requests were accepted; returns them.
    std::vector<Got> wait_accepted(std::size_t n, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, timeout, [&] { return accepted_.size() >= n; });
        return accepted_;
    }
    [[nodiscard]] std::size_t refused() {
        std::lock_guard lock(mutex_);
        return refused_;
    }

private:
    net::awaitable<void> accept_loop() {
        for (;;) {
            auto accepted = co_await acceptor_.async_accept(net::as_tuple(net::use_awaitable));
            auto& [ec, socket] = accepted;
            if (ec) co_return;
            net::co_spawn(ioc_, session(std::move(socket)), net::detached);
        }
    }

    net::awaitable<void> session(net::ip::tcp::socket s) {
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            auto read =
                co_await http::async_read(s, buffer, req, net::as_tuple(net::use_awaitable));
            auto& [rec, rn] = read;
            (void)rn;
            if (rec) co_return;
            int status = 200;
            {
                std::lock_guard lock(mutex_);
                if (seen_++ < fail_first_) {
                    status = 500;
                    ++refused_;
                } else {
                    accepted_.push_back(check(req));
                }
            }
            cv_.notify_all();
            http::response<http::string_body> res{static_cast<http::status>(status), 11};
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            auto written = co_await http::async_write(s, res, net::as_tuple(net::use_awaitable));
            auto& [wec, wn] = written;
            (void)wn;
            if (wec) co_return;
        }
    }

    Got check(const http::request<http::string_body>& req) const {
        Got got;
        got.content_type = std::string(req[http::field::content_type]);
        boost::system::error_code ec;
        const json::value body = json::parse(req.body(), ec);
        if (!ec && body.is_object()) got.body = body.as_object();
        const std::string auth(req[http::field::authorization]);
        core::SystemClock clock;
        auto claims = core::jwt::verify_hs256(auth, {secret_, key_, clock.now()});
        if (claims) {
            const json::value* hash = claims->if_contains("sha256");
            got.verified = hash != nullptr && hash->is_string() &&
                           hash->as_string() == core::base64_encode(core::sha256(req.body()));
        }
        return got;
    }

    std::string key_, secret_;
    std::size_t fail_first_;
    net::io_context ioc_;
    net::ip::tcp::acceptor acceptor_;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::size_t seen_ = 0;
    std::size_t refused_ = 0;
    std::vector<Got> accepted_;
};

/// Writes `yaml` next to the test's temp files and returns the path.
std::string write_config(const std::string& name, const std::string& yaml) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("cohost-it-" + name + "-" + std::to_string(::getpid()) + ".yaml");
    std::ofstream(path, std::ios::trunc) << yaml;
    return path.string();
}

/// (topic, seq, event) of realtime frames or webhook bodies.
using Key = std::tuple<std::string, std::int64_t, std::string>;

std::multiset<Key> keys_of_frames(const std::vector<json::object>& frames) {
    std::multiset<Key> out;
    for (const auto& f : frames) out.insert({str(f, "topic"), num(f, "seq"), str(f, "event")});
    return out;
}

/// Every retained event of `topic`, replayed from seq 0 over a fresh realtime connection.
std::vector<json::object> replay(const std::string& url, const sdk::ApiClient& api,
                                 const std::string& topic) {
    sdk::RealtimeClient rt(url, api.token());
    rt.connect();
    subscribe(rt, topic, 0);
    return of_topic(read_until_quiet(rt, 300ms), topic);
}

/// The value of the sample line `name` (e.g. `cohost_webhooks_sent_total{result="ok"}`), or -1.
double sample(const std::string& text, const std::string& name) {
    const auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    const auto start = at + name.size() + 2;
    return std::stod(text.substr(start, text.find('\n', start) - start));
}

TEST(Webhooks, EveryEventOfAJourneyArrivesSignedOnceAndMetricsCountThem) {
    ServerOptions opts;
    ThreadedReceiver receiver(opts.api_key, opts.api_secret, /*fail_first=*/2);
    opts.extra_args = {"--config",
                       write_config("webhooks", "webhooks:\n  urls: [\"" + receiver.url() +
                                                    "\"]\n  retry_initial: 50ms\n"
                                                    "  retry_max: 200ms\n")};
    ServerProcess server(opts);
    server.start();
    auto login = [&](std::string_view id) {
        sdk::ApiClient api(server.url());
        api.dev_login(id, id);
        return api;
    };
    auto host = login("host");
    auto alice = login("alice");
    auto bob = login("bob");

    const std::string room_id = str(host.create_room({.title = "Webhook show"}), "roomId");
    const std::string inv_a = str(host.invite(room_id, "alice"), "invitationId");
    alice.accept(inv_a);
    const std::string inv_b = str(host.invite(room_id, "bob"), "invitationId");
    bob.reject(inv_b);
    host.patch_member(room_id, "alice", true);
    alice.leave_stage(room_id);
    host.stop_room(room_id);

    // What the realtime streams carried: the room topic, and each invitee's topic (the host's
    // topic holds the same invitation events again; the webhook sends each once).
    std::vector<json::object> frames = replay(server.url(), host, "room:" + room_id);
    for (const auto& [api, user] : {std::pair{&alice, "alice"}, std::pair{&bob, "bob"}}) {
        auto more = replay(server.url(), *api, std::string("user:") + user);
        frames.insert(frames.end(), more.begin(), more.end());
    }
    const auto want = keys_of_frames(frames);
    ASSERT_GE(want.size(), 8u) << event_names(frames);

    const auto got = receiver.wait_accepted(want.size(), 15s);
    ASSERT_EQ(got.size(), want.size()) << server.log_tail();
    std::multiset<Key> got_keys;
    std::int64_t last_id = 0;
    for (const auto& g : got) {
        EXPECT_TRUE(g.verified) << to_string(json::value(g.body));
        EXPECT_EQ(g.content_type, "application/webhook+json");
        got_keys.insert({str(g.body, "topic"), num(g.body, "seq"), str(g.body, "event")});
        EXPECT_EQ(str(g.body, "roomId"), room_id);
        // Outbox order: ids increase strictly (so per room too).
        const std::string id = str(g.body, "id");
        ASSERT_TRUE(id.starts_with("EV_")) << id;
        const std::int64_t n = std::stoll(id.substr(3));
        EXPECT_GT(n, last_id);
        last_id = n;
        EXPECT_TRUE(at(g.body, "data").is_object());
    }
    EXPECT_EQ(got_keys, want);
    EXPECT_EQ(receiver.refused(), 2u);

    // /metrics: no token needed, the Prometheus text format, and the counters moved.
    sdk::ApiClient anon(server.url());
    const auto metrics = anon.request("GET", "/metrics");
    ASSERT_EQ(metrics.status, 200);
    EXPECT_EQ(metrics.header("Content-Type").value_or(""),
              "text/plain; version=0.0.4; charset=utf-8");
    const std::string text = "\n" + metrics.raw;
    EXPECT_EQ(sample(text, "cohost_webhooks_sent_total{result=\"ok\"}"),
              static_cast<double>(want.size()))
        << metrics.raw;
    EXPECT_GE(sample(text, "cohost_webhooks_sent_total{result=\"retry\"}"), 2) << metrics.raw;
    EXPECT_EQ(sample(text, "cohost_webhooks_sent_total{result=\"dropped\"}"), 0);
    EXPECT_EQ(sample(text, "cohost_webhooks_backlog"), 0);
    EXPECT_EQ(sample(text, "cohost_webhooks_delivery_seconds_count"),
              static_cast<double>(want.size()));
    EXPECT_EQ(sample(text, "cohost_active_rooms"), 0);  // the room ended
    EXPECT_EQ(sample(text, "cohost_stage_members"), 0);
    EXPECT_GE(sample(text, "cohost_realtime_connections"), 0);
    EXPECT_NE(text.find("# TYPE cohost_webhooks_delivery_seconds histogram\n"), std::string::npos);
    // The receiver's token in the URL's query never reaches the log.
    EXPECT_EQ(server.log_tail(1 << 20).find("receiver-secret"), std::string::npos);
}

TEST(Webhooks, MetricsCanBeTurnedOff) {
    ServerOptions opts;
    opts.extra_args = {"--config", write_config("nometrics", "metrics:\n  enabled: false\n")};
    ServerProcess server(opts);
    server.start();
    sdk::ApiClient anon(server.url());
    const auto res = anon.request("GET", "/metrics");
    EXPECT_EQ(res.status, 404);
    EXPECT_EQ(res.error_code(), "not_found");
}

TEST(Webhooks, ActiveRoomsAndStageMembersAreGauged) {
    ServerProcess server;
    server.start();
    sdk::ApiClient host(server.url());
    host.dev_login("host", "Host");
    const std::string room_id = str(host.create_room({.title = "Gauged"}), "roomId");
    sdk::ApiClient alice(server.url());
    alice.dev_login("alice", "Alice");
    alice.accept(str(host.invite(room_id, "alice"), "invitationId"));
    const auto res = sdk::ApiClient(server.url()).request("GET", "/metrics");
    ASSERT_EQ(res.status, 200);
    const std::string text = "\n" + res.raw;
    EXPECT_EQ(sample(text, "cohost_active_rooms"), 1) << res.raw;
    EXPECT_EQ(sample(text, "cohost_stage_members"), 2) << res.raw;  // host + alice
}

}  // namespace
}  // namespace cohost::it
