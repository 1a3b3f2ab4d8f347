// Each connection is one coroutine that owns one HttpClient and both of its users' tokens, so no
// state is shared between connections and nothing needs a lock, even with two io_context
// threads. Per-connection statistics are merged after the threads have joined.
#include "lifecycles.hpp"

#include <unistd.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "histogram.hpp"
#include "http_client.hpp"
#include "json_line.hpp"

namespace cohost::loadgen {

namespace {

namespace net = boost::asio;
namespace json = boost::json;
using boost::beast::http::verb;

enum ReqType : std::uint8_t { kCreate, kAccept, kReject, kLeave, kCleanup, kReqTypes };
constexpr std::array<const char*, kReqTypes> kReqNames{"create", "accept", "reject", "leave",
                                                       "cleanup"};

struct ConnStats {
    std::array<Histogram, kReqTypes> requests;
    Histogram accept_lifecycle;
    Histogram reject_lifecycle;
    std::uint64_t lifecycles_failed = 0;
    std::uint64_t request_count = 0;
    std::map<std::string, std::uint64_t> errors;  ///< "create 409 stage_full" -> n
};

/// Shared, read-only while the loops run.
struct Window {
    std::uint64_t start_ns = 0;
    std::uint64_t end_ns = 0;
    Mix mix = Mix::Accept;
    [[nodiscard]] bool inside(std::uint64_t t) const noexcept {
        return t >= start_ns && t < end_ns;
    }
};

struct Conn {
    Conn(net::any_io_executor ex, const Target& t, int i) : http(std::move(ex), t), index(i) {}
    HttpClient http;
    int index;
    std::string host_token, invitee_id, invitee_token, room_id;
    std::string setup_error;
    ConnStats stats;
};

/// One timed request: latency is recorded when it starts inside the window; a status other
/// than `expect` is counted under "<type> <status> <code>".
net::awaitable<HttpReply> timed(Conn* c, const Window* w, ReqType type, verb v, std::string target,
                                std::string body, std::string token, int expect) {
    const std::uint64_t t0 = now_ns();
    HttpReply r = co_await c->http.request(v, std::move(target), std::move(body), std::move(token));
    const std::uint64_t t1 = now_ns();
    if (w->inside(t0)) {
        ++c->stats.request_count;
        c->stats.requests[type].record(t1 - t0);
        if (r.status != expect) {
            ++c->stats.errors[std::string(kReqNames[type]) + " " + r.error_key()];
        }
    }
    co_return r;
}

std::string string_field(const HttpReply& r, const char* name) {
    const json::value v = r.json();
    if (const auto* o = v.if_object()) {
        if (const auto* f = o->if_contains(name); f != nullptr && f->is_string()) {
            return std::string(f->as_string());
        }
    }
    return {};
}

net::awaitable<void> setup_connection(Conn* c, std::string run_id, int max_cohosts) {
    const std::string n = std::to_string(c->index);
    c->host_token =
        co_await dev_login(c->http, "lg" + run_id + "h" + n, "Host " + n, &c->setup_error);
    if (c->host_token.empty()) {
        co_return;
    }
    c->invitee_id = "lg" + run_id + "i" + n;
    c->invitee_token = co_await dev_login(c->http, c->invitee_id, "Guest " + n, &c->setup_error);
    if (c->invitee_token.empty()) {
        co_return;
    }
    json::object room{{"title", "loadgen room " + n}, {"maxCoHosts", max_cohosts}};
    HttpReply r =
        co_await c->http.request(verb::post, "/v1/rooms", json::serialize(room), c->host_token);
    c->room_id = string_field(r, "roomId");
    if (r.status != 201 || c->room_id.empty()) {
        c->setup_error = "create room: " + r.error_key();
    }
}

/// Puts the invitee back off stage and withdraws a dangling invitation after a failed step, so
/// the next lifecycle starts clean.
net::awaitable<void> cleanup(Conn* c, const Window* w, std::string invitation_id, bool accepted) {
    if (accepted) {
        HttpReply r = co_await timed(c, w, kCleanup, verb::delete_,
                                     "/v1/rooms/" + c->room_id + "/stage/" + c->invitee_id, {},
                                     c->host_token, 200);
        (void)r;
    } else if (!invitation_id.empty()) {
        HttpReply r =
            co_await timed(c, w, kCleanup, verb::post,
                           "/v1/invitations/" + invitation_id + "/cancel", {}, c->host_token, 200);
        (void)r;
    }
}

net::awaitable<void> run_connection(Conn* c, const Window* w) {
    const std::string invite_body = json::serialize(json::object{{"inviteeUserId", c->invitee_id}});
    std::uint64_t n = 0;
    while (now_ns() < w->end_ns) {
        const bool accept = w->mix == Mix::Accept || (w->mix == Mix::Both && n % 2 == 0);
        ++n;
        const std::uint64_t t0 = now_ns();
        HttpReply created =
            co_await timed(c, w, kCreate, verb::post, "/v1/rooms/" + c->room_id + "/invitations",
                           invite_body, c->host_token, 201);
        const std::string id = created.status == 201 ? string_field(created, "invitationId") : "";
        bool ok = !id.empty();
        bool on_stage = false;
        if (ok && accept) {
            HttpReply r =
                co_await timed(c, w, kAccept, verb::post, "/v1/invitations/" + id + "/accept", {},
                               c->invitee_token, 200);
            on_stage = r.status == 200;
            ok = on_stage;
            if (ok) {
                HttpReply l = co_await timed(c, w, kLeave, verb::post,
                                             "/v1/rooms/" + c->room_id + "/stage/leave", {},
                                             c->invitee_token, 200);
                ok = l.status == 200;
            }
        } else if (ok) {
            HttpReply r =
                co_await timed(c, w, kReject, verb::post, "/v1/invitations/" + id + "/reject", {},
                               c->invitee_token, 200);
            ok = r.status == 200;
        }
        const std::uint64_t t1 = now_ns();
        if (!ok) {
            if (w->inside(t0)) {
                ++c->stats.lifecycles_failed;
            }
            co_await cleanup(c, w, id, on_stage);
            continue;
        }
        if (w->inside(t0) && t1 < w->end_ns) {
            (accept ? c->stats.accept_lifecycle : c->stats.reject_lifecycle).record(t1 - t0);
        }
    }
}

void run_io(net::io_context& ioc, int threads) {
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) {
        pool.emplace_back([&ioc] { ioc.run(); });
    }
    ioc.run();
    for (auto& t : pool) {
        t.join();
    }
}

const char* mix_name(Mix m) {
    return m == Mix::Accept ? "accept" : m == Mix::Reject ? "reject" : "both";
}

}  // namespace

int run_lifecycles(const LifecycleOptions& opts) {
    net::io_context ioc(opts.threads);
    const std::string run_id =
        std::to_string(getpid()) + "x" + std::to_string(now_ns() % 1'000'000);
    std::vector<std::unique_ptr<Conn>> conns;
    for (int i = 0; i < opts.connections; ++i) {
        conns.push_back(std::make_unique<Conn>(ioc.get_executor(), opts.target, i));
        net::co_spawn(ioc, setup_connection(conns.back().get(), run_id, opts.max_cohosts),
                      net::detached);
    }
    run_io(ioc, opts.threads);
    for (const auto& c : conns) {
        if (!c->setup_error.empty()) {
            std::cerr << "loadgen: set-up failed: " << c->setup_error << "\n";
            return 2;
        }
    }

    Window w;
    w.mix = opts.mix;
    const std::uint64_t begin = now_ns();
    w.start_ns = begin + static_cast<std::uint64_t>(opts.warmup.count()) * 1'000'000;
    w.end_ns = w.start_ns + static_cast<std::uint64_t>(opts.duration.count()) * 1'000'000;
    ioc.restart();
    for (const auto& c : conns) {
        net::co_spawn(ioc, run_connection(c.get(), &w), net::detached);
    }
    // The server's CPU over exactly the measured window, sampled from a side thread.
    ProcSample server_start;
    ProcSample server_end;
    std::thread sampler([&w, &server_start, &server_end, pid = opts.server_pid] {
        const auto at = [](std::uint64_t ns) {
            return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns));
        };
        std::this_thread::sleep_until(at(w.start_ns));
        server_start = sample_process(pid);
        std::this_thread::sleep_until(at(w.end_ns));
        server_end = sample_process(pid);
    });
    const double cpu0 = self_cpu_seconds();
    run_io(ioc, opts.threads);
    const double loadgen_cpu = (self_cpu_seconds() - cpu0) /
                               (static_cast<double>((now_ns() - begin)) / 1e9) *
                               (static_cast<double>(opts.duration.count()) / 1000.0);
    sampler.join();

    ConnStats total;
    std::uint64_t connects = 0;
    for (const auto& c : conns) {
        for (std::size_t t = 0; t < kReqTypes; ++t) {
            total.requests[t].merge(c->stats.requests[t]);
        }
        total.accept_lifecycle.merge(c->stats.accept_lifecycle);
        total.reject_lifecycle.merge(c->stats.reject_lifecycle);
        total.lifecycles_failed += c->stats.lifecycles_failed;
        total.request_count += c->stats.request_count;
        for (const auto& [k, v] : c->stats.errors) {
            total.errors[k] += v;
        }
        connects += c->http.connects();
    }
    Histogram lifecycle;
    lifecycle.merge(total.accept_lifecycle);
    lifecycle.merge(total.reject_lifecycle);
    const double secs = static_cast<double>(opts.duration.count()) / 1000.0;
    const double per_sec = static_cast<double>(lifecycle.count()) / secs;
    std::uint64_t error_total = 0;
    for (const auto& [k, v] : total.errors) {
        error_total += v;
    }

    std::printf("lifecycles: mix=%s connections=%d threads=%d window=%.1fs (after %.1fs warm-up)\n",
                mix_name(opts.mix), opts.connections, opts.threads, secs,
                static_cast<double>(opts.warmup.count()) / 1000.0);
    std::printf("  completed  %llu (%.1f/s), failed %llu\n",
                static_cast<unsigned long long>(lifecycle.count()), per_sec,
                static_cast<unsigned long long>(total.lifecycles_failed));
    std::printf("  requests   %llu (%.1f/s), errors %llu, TCP connects %llu, loadgen CPU %.0f%%\n",
                static_cast<unsigned long long>(total.request_count),
                static_cast<double>(total.request_count) / secs,
                static_cast<unsigned long long>(error_total),
                static_cast<unsigned long long>(connects), 100.0 * loadgen_cpu / secs);
    json::object latency;
    for (std::size_t t = 0; t < kReqTypes; ++t) {
        if (total.requests[t].count() > 0) {
            std::printf("  %-17s %s\n", kReqNames[t], latency_line(total.requests[t]).c_str());
            latency[kReqNames[t]] = latency_json(total.requests[t]);
        }
    }
    const double server_cpu = cpu_percent(server_start, server_end);
    const double server_us_per_lifecycle =
        lifecycle.count() > 0 ? (server_end.cpu_seconds - server_start.cpu_seconds) * 1e6 /
                                    static_cast<double>(lifecycle.count())
                              : 0;
    std::printf("  %-17s %s\n", "lifecycle", latency_line(lifecycle).c_str());
    latency["lifecycle"] = latency_json(lifecycle);
    if (opts.mix == Mix::Both) {
        std::printf("  %-17s %s\n", "lifecycle(accept)",
                    latency_line(total.accept_lifecycle).c_str());
        std::printf("  %-17s %s\n", "lifecycle(reject)",
                    latency_line(total.reject_lifecycle).c_str());
        latency["lifecycleAccept"] = latency_json(total.accept_lifecycle);
        latency["lifecycleReject"] = latency_json(total.reject_lifecycle);
    }
    if (server_start.ok && server_end.ok) {
        std::printf(
            "  server     CPU %.1f%% of one core, %.0f us CPU per lifecycle (one core "
            "would allow %.0f/s)\n",
            server_cpu, server_us_per_lifecycle,
            server_us_per_lifecycle > 0 ? 1e6 / server_us_per_lifecycle : 0.0);
    }
    json::object errors;
    for (const auto& [k, v] : total.errors) {
        std::printf("  error %-40s %llu\n", k.c_str(), static_cast<unsigned long long>(v));
        errors[k] = v;
    }
    json::object out{{"scenario", "lifecycles"},
                     {"mix", mix_name(opts.mix)},
                     {"connections", opts.connections},
                     {"threads", opts.threads},
                     {"windowSeconds", secs},
                     {"lifecycles", lifecycle.count()},
                     {"lifecyclesFailed", total.lifecycles_failed},
                     {"lifecyclesPerSecond", std::round(per_sec * 10) / 10},
                     {"requests", total.request_count},
                     {"requestsPerSecond",
                      std::round(static_cast<double>(total.request_count) / secs * 10) / 10},
                     {"errors", std::move(errors)},
                     {"errorCount", error_total},
                     {"tcpConnects", connects},
                     {"loadgenCpuPercent", std::round(1000.0 * loadgen_cpu / secs) / 10},
                     {"serverCpuPercent", std::round(server_cpu * 10) / 10},
                     {"serverCpuMicrosPerLifecycle", std::round(server_us_per_lifecycle)},
                     {"latency", std::move(latency)}};
    std::cout << to_json_line(out) << std::endl;
    return lifecycle.count() > 0 ? 0 : 1;
}

}  // namespace cohost::loadgen
