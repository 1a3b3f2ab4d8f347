#include "publisher.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "subscriber.hpp"

namespace cohost::loadgen {

namespace net = boost::asio;
namespace json = boost::json;

void Publisher::reset() {
    sent = 0;
    ok = 0;
    ok_per_room.assign(rooms.size(), 0);
    latency.reset();
    errors.clear();
    behind = 0;
    done.store(false);
}

net::awaitable<void> run_publisher(Publisher* p) {
    auto ex = co_await net::this_coro::executor;
    net::steady_timer timer(ex);
    const auto interval = std::chrono::nanoseconds(
        static_cast<std::int64_t>(1e9 / (p->rate > 0 ? p->rate : 1)));
    // Schedule on the steady clock; the title carries now_ns(), which is the same clock.
    auto next = std::chrono::steady_clock::now();
    std::size_t room = 0;
    while (now_ns() < p->stop_ns) {
        timer.expires_at(next);
        auto wres = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
        (void)wres;
        if (now_ns() >= p->stop_ns) {
            break;
        }
        const std::uint64_t t0 = now_ns();
        const json::object body{{"title", stamped_title(++p->serial, t0)}};
        HttpReply r = co_await p->http.request(boost::beast::http::verb::patch,
                                               "/v1/rooms/" + p->rooms[room], json::serialize(body),
                                               p->token);
        p->latency.record(now_ns() - t0);
        ++p->sent;
        if (r.status == 200) {
            ++p->ok;
            ++p->ok_per_room[room];
        } else {
            ++p->errors[r.error_key()];
        }
        room = (room + 1) % p->rooms.size();
        next += interval;
        const auto now = std::chrono::steady_clock::now();
        if (now > next + interval) {
            // Fell behind (slow PATCH): skip the missed slots instead of bursting to catch up.
            ++p->behind;
            next = now;
        }
    }
    p->done.store(true, std::memory_order_release);
}

}  // namespace cohost::loadgen
