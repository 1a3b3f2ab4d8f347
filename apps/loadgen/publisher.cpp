#include "publisher.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "subscriber.hpp"

namespace cohost::loadgen {

namespace net = boost::asio;
namespace json = boost::json;

Publisher::Publisher(const net::any_io_executor& ex, const Target& target, int connections) {
    for (int i = 0; i < connections; ++i) {
        clients.push_back(std::make_unique<HttpClient>(ex, target));
    }
    busy.assign(clients.size(), false);
}

void Publisher::reset() {
    sent = 0;
    ok = 0;
    ok_per_room.assign(rooms.size(), 0);
    latency.reset();
    errors.clear();
    behind = 0;
    in_flight = 0;
    done.store(false);
}

namespace {

net::awaitable<void> publish_one(Publisher* p, std::size_t client, std::size_t room) {
    const std::uint64_t t0 = now_ns();
    const bool chat = p->kind == EventKind::ChatMessage;
    const std::uint64_t n = ++p->serial;
    const json::object body{{chat ? "text" : "title", stamped_title(n, t0)}};
    const std::string& token =
        chat && !p->authors.empty() ? p->authors[n % p->authors.size()] : p->token;
    HttpReply r = co_await p->clients[client]->request(
        chat ? boost::beast::http::verb::post : boost::beast::http::verb::patch,
        "/v1/rooms/" + p->rooms[room] + (chat ? "/messages" : ""), json::serialize(body), token);
    p->latency.record(now_ns() - t0);
    ++p->sent;
    if (r.status == (chat ? 201 : 200)) {
        ++p->ok;
        ++p->ok_per_room[room];
    } else {
        ++p->errors[r.error_key()];
    }
    p->busy[client] = false;
    --p->in_flight;
}

}  // namespace

net::awaitable<void> run_publisher(Publisher* p) {
    auto ex = co_await net::this_coro::executor;
    net::steady_timer timer(ex);
    const auto interval =
        std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / (p->rate > 0 ? p->rate : 1)));
    // Schedule on the steady clock; the title carries now_ns(), which is the same clock.
    auto next = std::chrono::steady_clock::now();
    std::size_t room = 0;
    for (;;) {
        timer.expires_at(next);
        auto wres = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
        (void)wres;
        if (now_ns() >= p->stop_ns) {
            break;
        }
        std::size_t client = 0;
        while (client < p->busy.size() && p->busy[client]) {
            ++client;
        }
        if (client == p->busy.size()) {
            ++p->behind;
        } else {
            p->busy[client] = true;
            ++p->in_flight;
            net::co_spawn(ex, publish_one(p, client, room), net::detached);
            room = (room + 1) % p->rooms.size();
        }
        next += interval;
    }
    while (p->in_flight > 0) {
        timer.expires_after(std::chrono::milliseconds(5));
        auto wres = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
        (void)wres;
    }
    p->done.store(true, std::memory_order_release);
}

}  // namespace cohost::loadgen
