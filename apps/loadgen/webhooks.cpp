// Everything runs on one single-threaded io_context: the orchestrating coroutine, one sender per
// HTTP connection and one WebSocket reader per room. So the shared state (rooms, statistics)
// needs no lock. Waits on other coroutines are short polls on a timer, always bounded.
//
// Matching a frame to its webhook: a room has one sender, which awaits each response before the
// next request, and every applied toggle of the host's camera emits exactly one `stage.updated`
// on `room:{id}`. So the webhook sent when the room's next seq is s produces the frame with
// seq s. A different event on the topic (none is expected) shifts the expectation by one.
#include "webhooks.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include "cohost/core/crypto.hpp"
#include "cohost/core/jwt.hpp"
#include "histogram.hpp"
#include "http_client.hpp"
#include "json_line.hpp"

namespace cohost::loadgen {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
using boost::beast::http::verb;
using namespace std::chrono_literals;
using WsStream = websocket::stream<beast::tcp_stream>;

constexpr auto kSetupWait = 10s;  // for `subscribed`, and for the frames of the first publish

/// A webhook whose frame has not arrived yet.
struct Pending {
    std::uint64_t n = 0;   ///< webhook number within the room (unique id)
    std::int64_t seq = 0;  ///< the seq its `stage.updated` will carry
    std::uint64_t sent_ns = 0;
    std::uint64_t due_ns = 0;  ///< open loop: when it was scheduled (else = sent_ns)
    bool measured = false;     ///< sent (open loop: scheduled) inside the window
    bool camera_on = false;    ///< the camera state the frame must show
    bool accepted = false;     ///< answered 200 (until then, the request is in flight)
};

struct RoomCtx {
    int index = 0;
    std::string host_id, token, room_id;
    std::unique_ptr<WsStream> ws;
    bool subscribed = false;
    bool reader_done = false;
    bool saw_room_live = false;
    bool saw_stage_live = false;
    bool ready = false;  ///< set-up done: frames are matched from now on
    std::string ws_error;
    std::int64_t last_seq = 0;  ///< last seq seen on the socket
    std::int64_t next_seq = 0;  ///< the seq the next applied webhook produces
    bool camera_on = false;     ///< as last applied (decides publish vs unpublish)
    std::uint64_t sent = 0;
    std::deque<Pending> pending;
};

struct Stats {
    Histogram http;      ///< webhook round trip, ns
    Histogram delivery;  ///< request sent → `stage.updated` received, ns
    Histogram lag;       ///< open loop: actual send − scheduled send, ns
    /// Open loop: scheduled send → `stage.updated` received, ns. Unlike `delivery`, it keeps the
    /// wait of webhooks held back behind a stalled request (coordinated omission).
    Histogram scheduled;
    std::uint64_t sent = 0, accepted = 0, delivered = 0;
    std::uint64_t unmatched = 0;     ///< `stage.updated` with no webhook waiting for its seq
    std::uint64_t skipped = 0;       ///< accepted webhooks whose seq passed without their frame
    std::uint64_t wrong_state = 0;   ///< frame's camera differs from what the webhook set
    std::uint64_t other_events = 0;  ///< other events on the topic during the run
    std::uint64_t gaps = 0;          ///< seq not last+1
    std::uint64_t ws_dropped = 0;    ///< sockets lost before the end
    std::map<std::string, std::uint64_t> errors;  ///< "401 unauthenticated" -> n
};

struct Conn {
    Conn(net::any_io_executor ex, const Target& t) : http(std::move(ex), t) {}
    HttpClient http;
    std::vector<RoomCtx*> rooms;
    std::string setup_error;
};

/// What loadgen reads from an event frame, by scanning the server's fixed shape
/// `{"type":"event","topic":…,"seq":12,"event":"stage.updated","at":…,"data":{…,"camera":"on",…}}`.
struct EventFrame {
    std::int64_t seq = 0;
    std::string_view event;
    std::string_view camera;  ///< `on` / `off`, or empty
};

std::string_view quoted_after(std::string_view text, std::string_view key, std::size_t from = 0) {
    const auto at = text.find(key, from);
    if (at == std::string_view::npos) return {};
    const auto begin = at + key.size();
    const auto end = text.find('"', begin);
    return end == std::string_view::npos ? std::string_view{} : text.substr(begin, end - begin);
}

std::optional<EventFrame> scan_event(std::string_view f) {
    if (f.substr(0, 32).find("\"type\":\"event\"") == std::string_view::npos) return std::nullopt;
    auto data = f.find("\"data\":");
    if (data == std::string_view::npos) data = f.size();
    const std::string_view head = f.substr(0, data);
    EventFrame e;
    const auto s = head.find("\"seq\":");
    if (s == std::string_view::npos ||
        std::from_chars(head.data() + s + 6, head.data() + head.size(), e.seq).ec != std::errc{}) {
        return std::nullopt;
    }
    e.event = quoted_after(head, "\"event\":\"");
    e.camera = quoted_after(f, "\"camera\":\"", data);
    return e;
}

/// The `Authorization` value for `body`: LiveKit's webhook JWT (livekit-protocol.md §3), made
/// with core's primitives so that loadgen checks the receiver against an independent signer.
std::string sign_webhook(std::string_view body, const WebhookOptions& o) {
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    const json::object claims{{"iss", o.api_key},
                              {"nbf", now},
                              {"exp", now + 300},
                              {"sha256", core::base64_encode(core::sha256(body))}};
    return core::jwt::sign_hs256(claims, o.api_secret);
}

/// `Content-Type` and the raw-JWT `Authorization` of a LiveKit webhook.
HeaderList webhook_headers(std::string authorization) {
    HeaderList h;
    h.emplace_back("Content-Type", "application/webhook+json");
    h.emplace_back("Authorization", std::move(authorization));
    return h;
}

std::string webhook_body(const RoomCtx& r, const std::string& run_id, bool publish,
                         std::uint64_t n) {
    const std::string tag = "lg" + run_id + "r" + std::to_string(r.index);
    const auto created = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
    const json::object ev{
        {"event", publish ? "track_published" : "track_unpublished"},
        {"id", "EV_" + tag + "n" + std::to_string(n)},
        {"createdAt", std::to_string(created)},
        {"room", json::object{{"name", r.room_id}, {"sid", "RM_" + tag}}},
        {"participant", json::object{{"identity", r.host_id}, {"sid", "PA_" + tag}}},
        {"track", json::object{{"sid", "TR_" + tag}, {"type", "VIDEO"}, {"source", "CAMERA"}}}};
    return json::serialize(ev);
}

template <class Pred>
net::awaitable<bool> wait_until(Pred pred, std::chrono::milliseconds limit,
                                std::chrono::milliseconds poll = 2ms) {
    net::steady_timer timer(co_await net::this_coro::executor);
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
        if (std::chrono::steady_clock::now() >= until) co_return false;
        timer.expires_after(poll);
        co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    }
    co_return true;
}

unsigned long long ull(std::uint64_t v) { return static_cast<unsigned long long>(v); }

double load_average() {
    std::ifstream in("/proc/loadavg");
    double one = 0;
    in >> one;
    return one;
}

class WebhookRun {
public:
    explicit WebhookRun(const WebhookOptions& o) : opts_(o) {}

    int run() {
        run_id_ = std::to_string(getpid()) + "x" + std::to_string(now_ns() % 1'000'000);
        const int nconn = std::min(opts_.connections, opts_.rooms);
        rooms_.resize(static_cast<std::size_t>(opts_.rooms));
        for (int i = 0; i < nconn; ++i) {
            conns_.push_back(std::make_unique<Conn>(ioc_.get_executor(), opts_.target));
        }
        for (int i = 0; i < opts_.rooms; ++i) {
            RoomCtx& r = rooms_[static_cast<std::size_t>(i)];
            r.index = i;
            conns_[static_cast<std::size_t>(i % nconn)]->rooms.push_back(&r);
        }
        net::co_spawn(ioc_, orchestrate(), net::detached);
        ioc_.run();
        if (!failure_.empty()) {
            std::cerr << "loadgen: set-up failed: " << failure_ << "\n";
            return 2;
        }
        return report();
    }

private:
    [[nodiscard]] bool inside(std::uint64_t t) const noexcept {
        return t >= start_ns_ && t < end_ns_;
    }

    // ---- realtime ----------------------------------------------------------------------------

    void on_frame(RoomCtx& r, const EventFrame& e) {
        if (e.seq != r.last_seq + 1) ++stats_.gaps;
        r.last_seq = std::max(r.last_seq, e.seq);
        if (!r.ready) {
            r.saw_room_live = r.saw_room_live || e.event == "room.live";
            r.saw_stage_live = r.saw_stage_live || e.event == "stage.live";
            return;
        }
        const bool updated = e.event == "stage.updated";
        while (updated && !r.pending.empty() && r.pending.front().seq < e.seq) {
            if (r.pending.front().accepted) ++stats_.skipped;
            r.pending.pop_front();
        }
        if (!updated || r.pending.empty() || r.pending.front().seq != e.seq) {
            // Not caused by loadgen (none expected): every expectation at or after this seq
            // moves up by one.
            ++(updated ? stats_.unmatched : stats_.other_events);
            for (auto& p : r.pending) {
                if (p.seq >= e.seq) ++p.seq;
            }
            r.next_seq = r.next_seq >= e.seq ? r.next_seq + 1 : e.seq + 1;
            return;
        }
        const Pending& p = r.pending.front();
        if (p.measured) {
            const std::uint64_t now = now_ns();
            ++stats_.delivered;
            stats_.delivery.record(now > p.sent_ns ? now - p.sent_ns : 0);
            if (opts_.rate) stats_.scheduled.record(now > p.due_ns ? now - p.due_ns : 0);
        }
        if (e.camera != (p.camera_on ? "on" : "off")) ++stats_.wrong_state;
        r.pending.pop_front();
    }

    net::awaitable<void> read_room(RoomCtx* r) {
        r->ws = std::make_unique<WsStream>(ioc_.get_executor());
        WsStream& ws = *r->ws;
        auto& tcp = beast::get_lowest_layer(ws);
        tcp.expires_after(kSetupWait);
        auto [cec] =
            co_await tcp.async_connect(opts_.target.endpoint, net::as_tuple(net::use_awaitable));
        if (!cec) {
            tcp.expires_never();
            ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
            ws.read_message_max(256 * 1024);
            auto [hec] = co_await ws.async_handshake(opts_.target.host_header,
                                                     "/v1/realtime?token=" + r->token,
                                                     net::as_tuple(net::use_awaitable));
            cec = hec;
        }
        if (!cec) {
            ws.text(true);
            const std::string sub = R"({"type":"subscribe","topic":"room:)" + r->room_id + "\"}";
            auto [wec, wn] =
                co_await ws.async_write(net::buffer(sub), net::as_tuple(net::use_awaitable));
            (void)wn;
            cec = wec;
        }
        if (cec) {
            r->ws_error = "realtime: " + cec.message();
            r->reader_done = true;
            co_return;
        }
        beast::flat_buffer buf;
        for (;;) {
            auto [rec, rn] = co_await ws.async_read(buf, net::as_tuple(net::use_awaitable));
            if (rec) {
                if (!r->subscribed) {
                    r->ws_error = "realtime before subscribed: " + rec.message();
                } else if (!stopping_) {
                    ++stats_.ws_dropped;
                }
                break;
            }
            const std::string_view text(static_cast<const char*>(buf.cdata().data()), rn);
            if (const auto e = scan_event(text)) {
                on_frame(*r, *e);
            } else {
                boost::system::error_code pec;
                const json::value v = json::parse(text, pec);
                const auto* o = pec ? nullptr : v.if_object();
                const auto* type = o != nullptr ? o->if_contains("type") : nullptr;
                if (type != nullptr && type->is_string() && type->as_string() == "subscribed") {
                    const auto* seq = o->if_contains("seq");
                    r->last_seq = seq != nullptr && seq->is_int64() ? seq->as_int64() : 0;
                    r->subscribed = true;
                } else if (!r->subscribed) {
                    r->ws_error =
                        "realtime: subscribe refused: " + std::string(text.substr(0, 200));
                    break;
                }
            }
            buf.consume(rn);
        }
        r->reader_done = true;
    }

    // ---- webhooks ----------------------------------------------------------------------------

    /// Sends the room's next toggle and does the bookkeeping; returns the HTTP status (0 =
    /// transport error). `due_ns`: the scheduled send time in open loop, else 0.
    net::awaitable<int> send_one(Conn* c, RoomCtx* r, std::uint64_t due_ns) {
        const bool publish = !r->camera_on;
        const std::uint64_t n = ++r->sent;
        std::string body = webhook_body(*r, run_id_, publish, n);
        std::string auth = sign_webhook(body, opts_);
        const std::uint64_t t0 = now_ns();
        const bool measured = inside(due_ns != 0 ? due_ns : t0);
        r->pending.push_back(
            Pending{n, r->next_seq, t0, due_ns != 0 ? due_ns : t0, measured, publish, false});
        HttpReply rep = co_await c->http.request(verb::post, "/v1/livekit/webhook", std::move(body),
                                                 {}, webhook_headers(auth));
        const std::uint64_t t1 = now_ns();
        if (measured) {
            ++stats_.sent;
            stats_.http.record(t1 - t0);
        }
        auto it = std::find_if(r->pending.begin(), r->pending.end(),
                               [n](const Pending& p) { return p.n == n; });
        if (rep.status == 200) {
            r->camera_on = publish;
            ++r->next_seq;
            if (it != r->pending.end()) it->accepted = true;
            if (measured) ++stats_.accepted;
        } else {
            if (it != r->pending.end()) r->pending.erase(it);
            if (measured) ++stats_.errors[rep.error_key()];
        }
        co_return rep.status;
    }

    net::awaitable<void> setup_conn(Conn* c) {
        for (RoomCtx* r : c->rooms) {
            const std::string n = std::to_string(r->index);
            r->host_id = "lg" + run_id_ + "w" + n;
            r->token =
                co_await dev_login(c->http, r->host_id, "Webhook host " + n, &c->setup_error);
            if (r->token.empty()) break;
            const json::object room{{"title", "webhooks " + n}};
            HttpReply cr =
                co_await c->http.request(verb::post, "/v1/rooms", json::serialize(room), r->token);
            const json::value v = cr.json();
            const auto* o = v.if_object();
            const auto* id = o != nullptr ? o->if_contains("roomId") : nullptr;
            if (cr.status != 201 || id == nullptr || !id->is_string()) {
                c->setup_error = "create room: " + cr.error_key();
                break;
            }
            r->room_id = std::string(id->as_string());
            net::co_spawn(ioc_, read_room(r), net::detached);
            if (!co_await wait_until([r] { return r->subscribed || r->reader_done; }, kSetupWait) ||
                !r->subscribed) {
                c->setup_error = r->ws_error.empty() ? "realtime: no `subscribed`" : r->ws_error;
                break;
            }
            // The host's camera goes up: the room becomes live (room.live + stage.live).
            r->pending.clear();
            const std::string body = webhook_body(*r, run_id_, true, ++r->sent);
            HttpReply pr = co_await c->http.request(verb::post, "/v1/livekit/webhook", body, {},
                                                    webhook_headers(sign_webhook(body, opts_)));
            if (pr.status != 200) {
                c->setup_error =
                    "POST /v1/livekit/webhook (first track_published): " + pr.error_key() +
                    (pr.status == 404 ? " (no receiver?)" : "");
                break;
            }
            if (!co_await wait_until([r] { return r->saw_stage_live || r->reader_done; },
                                     kSetupWait) ||
                !r->saw_stage_live || !r->saw_room_live) {
                c->setup_error = "no room.live + stage.live on room:" + r->room_id +
                                 " after the host's track_published";
                break;
            }
            r->camera_on = true;
            r->next_seq = r->last_seq + 1;
            r->ready = true;
        }
        ++setup_done_;
    }

    net::awaitable<void> send_loop(Conn* c, std::size_t index) {
        net::steady_timer timer(ioc_.get_executor());
        const auto at = [](std::uint64_t ns) {
            return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns));
        };
        // Open loop: this connection's share of the rate, staggered across connections.
        const double interval =
            opts_.rate ? 1e9 * static_cast<double>(conns_.size()) / *opts_.rate : 0.0;
        double next = static_cast<double>(begin_ns_) +
                      interval * static_cast<double>(index) / static_cast<double>(conns_.size());
        std::size_t i = 0;
        while (now_ns() < end_ns_) {
            std::uint64_t due = 0;
            if (opts_.rate) {
                due = static_cast<std::uint64_t>(next);
                next += interval;
                if (due >= end_ns_) break;
                timer.expires_at(at(due));
                co_await timer.async_wait(net::as_tuple(net::use_awaitable));
                const std::uint64_t now = now_ns();
                if (inside(due)) stats_.lag.record(now > due ? now - due : 0);
            }
            const int status = co_await send_one(c, c->rooms[i++ % c->rooms.size()], due);
            if (status == 0 && now_ns() < end_ns_) {
                // Transport error: don't spin against a server that is gone.
                timer.expires_after(10ms);
                co_await timer.async_wait(net::as_tuple(net::use_awaitable));
            }
        }
        ++senders_done_;
    }

    std::size_t awaiting() const {
        std::size_t n = 0;
        for (const auto& r : rooms_) n += r.pending.size();
        return n;
    }

    net::awaitable<void> close_all() {
        stopping_ = true;
        for (auto& r : rooms_) {
            if (r.ws && !r.reader_done && r.ws->is_open()) {
                net::co_spawn(
                    ioc_,
                    [ws = r.ws.get()]() -> net::awaitable<void> {
                        co_await ws->async_close(websocket::close_code::normal,
                                                 net::as_tuple(net::use_awaitable));
                    },
                    net::detached);
            }
        }
        const bool closed = co_await wait_until(
            [this] {
                return std::all_of(rooms_.begin(), rooms_.end(),
                                   [](const RoomCtx& r) { return !r.ws || r.reader_done; });
            },
            3s);
        if (!closed) {
            for (auto& r : rooms_) {
                if (r.ws && !r.reader_done) beast::get_lowest_layer(*r.ws).close();
            }
        }
        for (auto& c : conns_) c->http.close();
    }

    net::awaitable<void> orchestrate() {
        for (auto& c : conns_) net::co_spawn(ioc_, setup_conn(c.get()), net::detached);
        co_await wait_until([this] { return setup_done_ == conns_.size(); }, 24h, 5ms);
        for (const auto& c : conns_) {
            if (!c->setup_error.empty()) {
                failure_ = c->setup_error;
                co_await close_all();
                co_return;
            }
        }
        begin_ns_ = now_ns();
        start_ns_ = begin_ns_ + static_cast<std::uint64_t>(opts_.warmup.count()) * 1'000'000;
        end_ns_ = start_ns_ + static_cast<std::uint64_t>(opts_.duration.count()) * 1'000'000;
        for (std::size_t i = 0; i < conns_.size(); ++i) {
            net::co_spawn(ioc_, send_loop(conns_[i].get(), i), net::detached);
        }
        net::steady_timer timer(ioc_.get_executor());
        timer.expires_at(
            std::chrono::steady_clock::time_point(std::chrono::nanoseconds(start_ns_)));
        co_await timer.async_wait(net::as_tuple(net::use_awaitable));
        server_start_ = sample_process(opts_.server_pid);
        self_cpu_start_ = self_cpu_seconds();
        timer.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(end_ns_)));
        co_await timer.async_wait(net::as_tuple(net::use_awaitable));
        server_end_ = sample_process(opts_.server_pid);
        self_cpu_end_ = self_cpu_seconds();
        co_await wait_until([this] { return senders_done_ == conns_.size(); }, 60s, 5ms);
        co_await wait_until([this] { return awaiting() == 0; }, opts_.drain, 5ms);
        co_await close_all();
    }

    // ---- report ------------------------------------------------------------------------------

    int report() {
        std::uint64_t undelivered = 0;
        for (const auto& r : rooms_) {
            for (const auto& p : r.pending) {
                if (p.measured && p.accepted) ++undelivered;
            }
        }
        std::uint64_t error_total = 0;
        for (const auto& [k, v] : stats_.errors) error_total += v;
        std::uint64_t connects = 0;
        for (const auto& c : conns_) connects += c->http.connects();
        const double secs = static_cast<double>(opts_.duration.count()) / 1000.0;
        const double per_sec = static_cast<double>(stats_.accepted) / secs;
        const double server_cpu = cpu_percent(server_start_, server_end_);
        const double server_us = stats_.accepted > 0 && server_start_.ok && server_end_.ok
                                     ? (server_end_.cpu_seconds - server_start_.cpu_seconds) * 1e6 /
                                           static_cast<double>(stats_.accepted)
                                     : 0;
        const double loadgen_cpu = 100.0 * (self_cpu_end_ - self_cpu_start_) / secs;
        const double load = load_average();

        std::printf("webhooks: rooms=%d connections=%zu %s window=%.1fs (after %.1fs warm-up)\n",
                    opts_.rooms, conns_.size(),
                    opts_.rate
                        ? ("open loop " + std::to_string(std::lround(*opts_.rate)) + "/s").c_str()
                        : "closed loop",
                    secs, static_cast<double>(opts_.warmup.count()) / 1000.0);
        std::printf("  accepted   %llu (%.1f/s) of %llu sent, errors %llu, TCP connects %llu\n",
                    ull(stats_.accepted), per_sec, ull(stats_.sent), ull(error_total),
                    ull(connects));
        std::printf(
            "  delivered  %llu stage.updated, undelivered %llu, unmatched %llu, skipped "
            "%llu, wrong camera %llu, other events %llu, seq gaps %llu, ws dropped %llu\n",
            ull(stats_.delivered), ull(undelivered), ull(stats_.unmatched), ull(stats_.skipped),
            ull(stats_.wrong_state), ull(stats_.other_events), ull(stats_.gaps),
            ull(stats_.ws_dropped));
        std::printf("  %-9s %s\n", "http", latency_line(stats_.http).c_str());
        std::printf("  %-9s %s\n", "delivery", latency_line(stats_.delivery).c_str());
        json::object latency{{"http", latency_json(stats_.http)},
                             {"delivery", latency_json(stats_.delivery)}};
        if (opts_.rate) {
            std::printf("  %-9s %s\n", "send lag", latency_line(stats_.lag).c_str());
            std::printf("  %-9s %s (delivery from the scheduled send)\n", "scheduled",
                        latency_line(stats_.scheduled).c_str());
            latency["sendLag"] = latency_json(stats_.lag);
            latency["deliveryFromSchedule"] = latency_json(stats_.scheduled);
        }
        if (server_start_.ok && server_end_.ok) {
            std::printf(
                "  server     CPU %.1f%% of one core, %.0f us CPU per webhook (one core "
                "would allow %.0f/s)\n",
                server_cpu, server_us, server_us > 0 ? 1e6 / server_us : 0.0);
        }
        std::printf("  loadgen    CPU %.1f%%; load average (1 min) %.2f\n", loadgen_cpu, load);
        json::object errors;
        for (const auto& [k, v] : stats_.errors) {
            std::printf("  error %-40s %llu\n", k.c_str(), ull(v));
            errors[k] = v;
        }
        json::object out{{"scenario", "webhooks"},
                         {"rooms", opts_.rooms},
                         {"connections", conns_.size()},
                         {"rate", opts_.rate ? json::value(*opts_.rate) : json::value(nullptr)},
                         {"windowSeconds", secs},
                         {"sent", stats_.sent},
                         {"accepted", stats_.accepted},
                         {"acceptedPerSecond", std::round(per_sec * 10) / 10},
                         {"errors", std::move(errors)},
                         {"errorCount", error_total},
                         {"delivered", stats_.delivered},
                         {"undelivered", undelivered},
                         {"unmatched", stats_.unmatched},
                         {"skipped", stats_.skipped},
                         {"wrongState", stats_.wrong_state},
                         {"otherEvents", stats_.other_events},
                         {"gaps", stats_.gaps},
                         {"wsDropped", stats_.ws_dropped},
                         {"tcpConnects", connects},
                         {"loadgenCpuPercent", std::round(loadgen_cpu * 10) / 10},
                         {"serverCpuPercent", std::round(server_cpu * 10) / 10},
                         {"serverCpuMicrosPerWebhook", std::round(server_us * 10) / 10},
                         {"loadAverage1m", load},
                         {"latency", std::move(latency)}};
        std::cout << to_json_line(out) << std::endl;
        return stats_.accepted > 0 ? 0 : 1;
    }

    WebhookOptions opts_;
    net::io_context ioc_{1};
    std::string run_id_;
    // I/O objects below (WebSockets, HTTP clients) are destroyed before the io_context above;
    // run() only returns once every coroutine has finished.
    std::deque<RoomCtx> rooms_;  // stable addresses
    std::vector<std::unique_ptr<Conn>> conns_;
    Stats stats_;
    std::string failure_;
    std::size_t setup_done_ = 0;
    std::size_t senders_done_ = 0;
    bool stopping_ = false;
    std::uint64_t begin_ns_ = 0, start_ns_ = 0, end_ns_ = 0;
    ProcSample server_start_, server_end_;
    double self_cpu_start_ = 0, self_cpu_end_ = 0;
};

}  // namespace

int run_webhooks(const WebhookOptions& opts) {
    auto run = std::make_unique<WebhookRun>(opts);  // large (histograms): keep off the stack
    return run->run();
}

}  // namespace cohost::loadgen
