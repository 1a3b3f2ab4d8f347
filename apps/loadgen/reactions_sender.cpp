#include "reactions_sender.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http_client.hpp"

namespace cohost::loadgen {

namespace net = boost::asio;
using namespace std::chrono_literals;

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

namespace {

/// A reply (or transport error) on connection `c`: the same accounting `HttpClient` replies
/// got before the lean path (see git history of reactions.cpp).
void on_reply(Sender* s, std::size_t c, const RawResult& r) {
    const std::uint64_t t1 = now_ns();
    const std::uint64_t t0 = s->connections[c]->started_ns();
    const Sender::Flight& f = s->flights[c];
    const bool in_window = t0 >= s->window_start_ns && t0 < s->window_end_ns;
    if (r.status == 202) {
        ++s->accepted;
        ++s->accepted_by_name[f.name];
        if (s->first_accept_send_ms == 0) {
            s->first_accept_send_ms = f.wall_ms;  // taken at send: no 202 had come back then
        }
        s->last_accept_reply_ms = wall_ms();
    } else if (r.status == 429) {
        ++s->limited;
    } else {
        HttpReply reply;  // only for its error key: "409 code", "500", "transport: …"
        reply.status = r.status;
        reply.body = std::string(r.body);
        reply.ec = r.ec;
        ++s->errors[reply.error_key()];
    }
    if (in_window) {
        ++s->window_sent;
        s->latency.record(t1 - t0);
        s->window_accepted += r.status == 202 ? 1 : 0;
        s->window_limited += r.status == 429 ? 1 : 0;
    }
    s->idle.push_back(c);
    --s->in_flight;
}

void start_post(Sender* s, std::size_t c, std::size_t user, std::size_t name) {
    s->flights[c] = {name, s->first_accept_send_ms == 0 ? wall_ms() : 0};
    const std::string& head = s->heads[user];
    const std::string& tail = s->tails[name];
    s->connections[c]->send(
        {net::const_buffer(head.data(), head.size()), net::const_buffer(tail.data(), tail.size())});
}

/// Aborts requests older than the timeout (each then counts as a transport error).
void expire_stale(Sender* s, std::uint64_t now) {
    const auto limit = static_cast<std::uint64_t>(s->timeout.count());
    for (auto& conn : s->connections) {
        // started_ns() may be later than `now` (sent after `now` was read): no subtraction.
        if (conn->busy() && conn->started_ns() + limit < now) {
            conn->expire();
        }
    }
}

}  // namespace

void prepare_sender(Sender& s, RawHttpConnection::Executor ex, const Target& target,
                    int connections, const std::string& path,
                    const std::vector<const std::string*>& tokens) {
    for (int c = 0; c < std::max(1, connections); ++c) {
        const std::size_t index = s.connections.size();
        s.connections.push_back(std::make_unique<RawHttpConnection>(
            ex, target.endpoint, [sp = &s, index](const RawResult& r) { on_reply(sp, index, r); }));
        s.idle.push_back(index);
    }
    s.flights.resize(s.connections.size());
    // The same fields HttpClient sent (Beast adds nothing for an HTTP/1.1 keep-alive request).
    const std::string prefix = "POST " + path + " HTTP/1.1\r\nHost: " + target.host_header +
                               "\r\nUser-Agent: cohost-loadgen\r\nAuthorization: Bearer ";
    const std::string suffix = "\r\nContent-Type: application/json\r\nContent-Length: ";
    s.heads.reserve(tokens.size());
    for (const std::string* token : tokens) {
        s.heads.push_back(prefix + *token + suffix);
    }
    for (std::size_t i = 0; i < kReactionNames.size(); ++i) {
        const std::string body = std::string(R"({"reaction":")") + kReactionNames[i] + "\"}";
        s.tails[i] = std::to_string(body.size()) + "\r\n\r\n" + body;
    }
}

net::awaitable<void> run_sender(Sender* s) {
    auto ex = co_await net::this_coro::executor;
    net::steady_timer timer(ex);
    std::uint64_t last_sweep = now_ns();
    for (;;) {
        const std::uint64_t now = now_ns();
        if (now >= s->window_end_ns) {
            break;
        }
        const auto target =
            now > s->start_ns
                ? static_cast<std::uint64_t>(static_cast<double>(now - s->start_ns) / 1e9 * s->rate)
                : 0;
        while (s->due < target) {
            ++s->due;
            if (s->idle.empty()) {
                ++s->behind;
                s->window_behind += now >= s->window_start_ns ? 1 : 0;
                continue;
            }
            const std::size_t c = s->idle.back();
            s->idle.pop_back();
            ++s->in_flight;
            const std::size_t user = s->next_user++ % s->heads.size();
            const std::size_t name = s->next_name++ % kReactionNames.size();
            start_post(s, c, user, name);
        }
        if (now - last_sweep >= 100'000'000) {
            expire_stale(s, now);
            last_sweep = now;
        }
        timer.expires_after(1ms);
        auto w = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
        (void)w;
    }
    while (s->in_flight > 0) {
        expire_stale(s, now_ns());
        timer.expires_after(5ms);
        auto w = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
        (void)w;
    }
    s->done.store(true, std::memory_order_release);
}

}  // namespace cohost::loadgen
