// `loadgen reactions`. Threads: one io_context per sender lane (each lane owns its connections,
// its users and rate / lanes), and one for the burst subscriber; the main thread only sets up,
// samples /proc at the window's edges and waits. Lane results are read after the lane's `done`
// (release/acquire); bursts cross threads under a mutex (one per second). Set-up (logins, the
// room) uses Beast's HttpClient; the posts go through the lean sender (reactions_sender.hpp).
#include "reactions.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "cohost/core/time.hpp"
#include "histogram.hpp"
#include "http_client.hpp"
#include "json_line.hpp"
#include "reactions_sender.hpp"
#include "subscriber.hpp"

namespace cohost::loadgen {

namespace {

namespace net = boost::asio;
namespace json = boost::json;
namespace http = boost::beast::http;
using namespace std::chrono_literals;

/// One `reactions.burst` as the subscriber saw it.
struct Burst {
    std::int64_t second = 0;  ///< `from`, unix seconds
    std::uint64_t total = 0;
    NameCounts by_name{};
    double delay_ms = 0;  ///< arrival − `to` (both this machine's wall clock)
    bool well_formed = true;
};

struct BurstLog {
    std::mutex mutex;
    std::vector<Burst> bursts;
    std::atomic<std::uint64_t> total{0};
    std::uint64_t unparsed = 0;

    void on_frame(std::string_view frame) {
        boost::system::error_code ec;
        const json::value v = json::parse(frame, ec);
        const auto* o = ec ? nullptr : v.if_object();
        const auto* ev = o != nullptr ? o->if_contains("event") : nullptr;
        if (ev == nullptr || !ev->is_string() || ev->as_string() != "reactions.burst") {
            return;  // viewers.count and the like
        }
        Burst b;
        const auto* data = o->if_contains("data");
        const auto* d = data != nullptr ? data->if_object() : nullptr;
        const auto* counts = d != nullptr ? d->if_contains("counts") : nullptr;
        const auto* from = d != nullptr ? d->if_contains("from") : nullptr;
        const auto* to = d != nullptr ? d->if_contains("to") : nullptr;
        std::optional<core::TimePoint> f, t;
        if (from != nullptr && from->is_string()) f = core::parse_iso8601(from->as_string());
        if (to != nullptr && to->is_string()) t = core::parse_iso8601(to->as_string());
        if (counts == nullptr || !counts->is_object() || !f || !t || *t - *f != 1s) {
            std::lock_guard lock(mutex);
            ++unparsed;
            return;
        }
        b.second = core::to_unix_ms(*f) / 1000;
        b.delay_ms = static_cast<double>(wall_ms() - core::to_unix_ms(*t));
        for (const auto& [k, n] : counts->as_object()) {
            const auto it =
                std::find(kReactionNames.begin(), kReactionNames.end(), std::string_view(k));
            if (it == kReactionNames.end() || !n.is_int64() || n.as_int64() < 0) {
                b.well_formed = false;
                continue;
            }
            const auto c = static_cast<std::uint64_t>(n.as_int64());
            b.by_name[static_cast<std::size_t>(it - kReactionNames.begin())] += c;
            b.total += c;
        }
        total.fetch_add(b.total);
        std::lock_guard lock(mutex);
        bursts.push_back(b);
    }
};

/// An io_context on its own thread; the sender (if any) is destroyed before the io_context.
struct Lane {
    net::io_context ioc{1};
    net::executor_work_guard<net::io_context::executor_type> guard{ioc.get_executor()};
    std::thread thread;
    std::unique_ptr<Sender> sender;
};

struct Setup {
    std::string run_id;
    std::string host_token;
    std::string room_id;
    std::vector<std::string> tokens;
    std::string error;
};

net::awaitable<void> setup_room(HttpClient* http, Setup* s) {
    s->host_token =
        co_await dev_login(*http, "lr" + s->run_id + "host", "Reactions host", &s->error);
    if (s->host_token.empty()) {
        co_return;
    }
    HttpReply r = co_await http->request(http::verb::post, "/v1/rooms",
                                         R"({"title":"reactions bench"})", s->host_token);
    const json::value v = r.json();
    const auto* o = v.if_object();
    const auto* id = o != nullptr ? o->if_contains("roomId") : nullptr;
    if (r.status != 201 || id == nullptr || !id->is_string()) {
        s->error = "create room: " + r.error_key();
        co_return;
    }
    s->room_id = std::string(id->as_string());
}

net::awaitable<void> setup_users(HttpClient* http, Setup* s, std::size_t first,
                                 std::size_t stride) {
    for (std::size_t i = first; i < s->tokens.size() && s->error.empty(); i += stride) {
        s->tokens[i] = co_await dev_login(*http, "lr" + s->run_id + "u" + std::to_string(i),
                                          "Fan " + std::to_string(i), &s->error);
    }
}

double r1(double v) { return std::round(v * 10) / 10; }
unsigned long long ull(std::uint64_t v) { return static_cast<unsigned long long>(v); }

/// Everything the report needs, gathered after the lanes stopped.
struct Totals {
    std::uint64_t accepted = 0, limited = 0, behind = 0;
    std::uint64_t window_sent = 0, window_accepted = 0, window_limited = 0, window_behind = 0;
    NameCounts accepted_by_name{};
    std::map<std::string, std::uint64_t> errors;
    Histogram latency;
    std::int64_t first_accept_send_ms = 0, last_accept_reply_ms = 0;
};

Totals add_up(const std::vector<std::unique_ptr<Lane>>& lanes) {
    Totals t;
    for (const auto& lane : lanes) {
        const Sender* s = lane->sender.get();
        if (s == nullptr) {
            continue;
        }
        t.accepted += s->accepted;
        t.limited += s->limited;
        t.behind += s->behind;
        t.window_sent += s->window_sent;
        t.window_accepted += s->window_accepted;
        t.window_limited += s->window_limited;
        t.window_behind += s->window_behind;
        for (std::size_t i = 0; i < kReactionNames.size(); ++i) {
            t.accepted_by_name[i] += s->accepted_by_name[i];
        }
        for (const auto& [k, v] : s->errors) {
            t.errors[k] += v;
        }
        t.latency.merge(s->latency);
        if (s->first_accept_send_ms != 0 &&
            (t.first_accept_send_ms == 0 || s->first_accept_send_ms < t.first_accept_send_ms)) {
            t.first_accept_send_ms = s->first_accept_send_ms;
        }
        t.last_accept_reply_ms = std::max(t.last_accept_reply_ms, s->last_accept_reply_ms);
    }
    return t;
}

/// The aggregation checks over the bursts received.
struct BurstCheck {
    std::size_t bursts = 0, seconds = 0;
    std::size_t extra = 0;           ///< bursts beyond one per second
    std::size_t missing = 0;         ///< seconds strictly inside the posting span with no burst
    std::size_t outside = 0;         ///< bursts for seconds outside the posting span
    std::size_t malformed = 0;       ///< unknown names, bad counts, from/to not one second apart
    std::uint64_t sum = 0;           ///< of every burst's counts
    bool names_match = true;         ///< per-name sums equal per-name accepted posts
    std::uint64_t min_interior = 0;  ///< smallest / largest total of an interior second
    std::uint64_t max_interior = 0;
    Histogram delay;  ///< burst arrival after its second closed, ns
};

BurstCheck check_bursts(const std::vector<Burst>& bursts, std::uint64_t unparsed, const Totals& t) {
    BurstCheck c;
    c.bursts = bursts.size();
    c.malformed = unparsed;
    std::map<std::int64_t, std::uint64_t> per_second;
    NameCounts by_name{};
    for (const auto& b : bursts) {
        c.extra += per_second.contains(b.second) ? 1 : 0;
        per_second[b.second] += b.total;
        c.sum += b.total;
        c.malformed += b.well_formed ? 0 : 1;
        for (std::size_t i = 0; i < kReactionNames.size(); ++i) {
            by_name[i] += b.by_name[i];
        }
        c.delay.record(static_cast<std::uint64_t>(std::max(0.0, b.delay_ms) * 1e6));
    }
    c.seconds = per_second.size();
    c.names_match = by_name == t.accepted_by_name;
    const std::int64_t first = t.first_accept_send_ms / 1000;
    const std::int64_t last = t.last_accept_reply_ms / 1000;
    for (const auto& [sec, n] : per_second) {
        c.outside += sec < first || sec > last ? 1 : 0;
    }
    bool any = false;
    for (std::int64_t sec = first + 1; sec < last; ++sec) {
        const auto it = per_second.find(sec);
        if (it == per_second.end()) {
            ++c.missing;
            continue;
        }
        c.min_interior = any ? std::min(c.min_interior, it->second) : it->second;
        c.max_interior = std::max(c.max_interior, it->second);
        any = true;
    }
    return c;
}

class ReactionsRun {
public:
    explicit ReactionsRun(const ReactionsOptions& o) : opts_(o) {}

    int run() {
        if (!setup()) {
            std::cerr << "loadgen: set-up failed: " << setup_.error << "\n";
            return 2;
        }
        start_lanes();
        if (!subscribe()) {
            stop_lanes();
            std::cerr << "loadgen: the burst subscriber did not subscribe\n";
            return 2;
        }
        send_and_sample();
        drain();
        stop_lanes();
        report();
        return 0;
    }

private:
    bool setup() {
        net::io_context ioc;
        setup_.run_id = std::to_string(getpid()) + "x" + std::to_string(now_ns() % 1'000'000);
        setup_.tokens.resize(static_cast<std::size_t>(users()));
        constexpr std::size_t kWorkers = 8;
        std::vector<std::unique_ptr<HttpClient>> clients;
        for (std::size_t i = 0; i <= kWorkers; ++i) {
            clients.push_back(std::make_unique<HttpClient>(ioc.get_executor(), opts_.target));
        }
        net::co_spawn(ioc, setup_room(clients[0].get(), &setup_), net::detached);
        for (std::size_t i = 0; i < kWorkers; ++i) {
            net::co_spawn(ioc, setup_users(clients[i + 1].get(), &setup_, i, kWorkers),
                          net::detached);
        }
        const auto t0 = now_ns();
        ioc.run();
        setup_seconds_ = static_cast<double>(now_ns() - t0) / 1e9;
        return setup_.error.empty() && !setup_.room_id.empty();
    }

    [[nodiscard]] int users() const {
        return opts_.users > 0 ? opts_.users : static_cast<int>(std::ceil(opts_.rate / 16.0));
    }

    /// Sender lanes: `threads`, but no more than there are users (each lane needs one).
    [[nodiscard]] int senders() const { return std::max(1, std::min(opts_.threads, users())); }

    void start_lanes() {
        const int senders = this->senders();
        for (int i = 0; i <= senders; ++i) {  // the last lane is the subscriber's
            lanes_.push_back(std::make_unique<Lane>());
        }
        for (int i = 0; i < senders; ++i) {
            auto s = std::make_unique<Sender>();
            const int conns = opts_.connections / senders + (i < opts_.connections % senders);
            std::vector<const std::string*> tokens;
            for (std::size_t u = static_cast<std::size_t>(i); u < setup_.tokens.size();
                 u += static_cast<std::size_t>(senders)) {
                tokens.push_back(&setup_.tokens[u]);
            }
            prepare_sender(*s, lanes_[static_cast<std::size_t>(i)]->ioc.get_executor(),
                           opts_.target, conns, "/v1/rooms/" + setup_.room_id + "/reactions",
                           tokens);
            s->rate = opts_.rate / senders;
            lanes_[static_cast<std::size_t>(i)]->sender = std::move(s);
        }
        for (auto& lane : lanes_) {
            net::io_context* ioc = &lane->ioc;
            lane->thread = std::thread([ioc] { ioc->run(); });
        }
    }

    bool subscribe() {
        SubscriberSpec spec;
        spec.target = opts_.target;
        spec.token = setup_.host_token;
        spec.topic = "room:" + setup_.room_id;
        spec.stats = &sub_stats_;
        spec.control = &control_;
        spec.on_other_event = [log = &log_](std::string_view frame) { log->on_frame(frame); };
        net::co_spawn(lanes_.back()->ioc, run_subscriber(std::move(spec)), net::detached);
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (control_.subscribed.load() + control_.failed.load() == 0 &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(10ms);
        }
        return control_.subscribed.load() == 1;
    }

    void send_and_sample() {
        const std::uint64_t start = now_ns() + 50'000'000;
        const auto ms = [](std::chrono::milliseconds d) {
            return static_cast<std::uint64_t>(d.count()) * 1'000'000;
        };
        const std::uint64_t window_start = start + ms(opts_.warmup);
        const std::uint64_t window_end = window_start + ms(opts_.duration);
        for (auto& lane : lanes_) {
            if (Sender* s = lane->sender.get()) {
                s->start_ns = start;
                s->window_start_ns = window_start;
                s->window_end_ns = window_end;
                net::co_spawn(lane->ioc, run_sender(s), net::detached);
            }
        }
        const auto sleep_to = [](std::uint64_t ns) {
            const std::uint64_t now = now_ns();
            if (ns > now) std::this_thread::sleep_for(std::chrono::nanoseconds(ns - now));
        };
        sleep_to(window_start);
        server_start_ = sample_process(opts_.server_pid);
        cpu_start_ = self_cpu_seconds();
        sleep_to(window_end);
        server_end_ = sample_process(opts_.server_pid);
        const double cpu_end = self_cpu_seconds();
        window_seconds_ = static_cast<double>(server_end_.taken_ns - server_start_.taken_ns) / 1e9;
        loadgen_cpu_ = 100.0 * (cpu_end - cpu_start_) / std::max(window_seconds_, 1e-3);
        for (auto& lane : lanes_) {
            if (const Sender* s = lane->sender.get()) {
                while (!s->done.load(std::memory_order_acquire)) {
                    std::this_thread::sleep_for(10ms);
                }
            }
        }
        totals_ = add_up(lanes_);
    }

    /// Waits for the bursts of the last seconds: at least until the second of the last accepted
    /// post has closed (plus the tick's slack), then until the counts add up or `drain` passes.
    void drain() {
        const std::int64_t close_ms = (totals_.last_accept_reply_ms / 1000 + 1) * 1000 + 500;
        while (wall_ms() < close_ms) {
            std::this_thread::sleep_for(20ms);
        }
        const auto deadline = std::chrono::steady_clock::now() + opts_.drain;
        while (log_.total.load() < totals_.accepted &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(20ms);
        }
        std::this_thread::sleep_for(300ms);  // an extra burst would show up here
        server_after_ = sample_process(opts_.server_pid);
    }

    void stop_lanes() {
        control_.stopping.store(true);
        for (auto& lane : lanes_) {
            lane->ioc.stop();
        }
        for (auto& lane : lanes_) {
            if (lane->thread.joinable()) lane->thread.join();
        }
    }

    void report();

    ReactionsOptions opts_;
    Setup setup_;
    double setup_seconds_ = 0;
    ThreadStats sub_stats_{1};  // outlives the lanes (the subscriber writes into it)
    FanoutControl control_;
    BurstLog log_;
    std::vector<std::unique_ptr<Lane>> lanes_;
    Totals totals_;
    ProcSample server_start_, server_end_, server_after_;
    double cpu_start_ = 0;
    double window_seconds_ = 0;
    double loadgen_cpu_ = 0;
};

void ReactionsRun::report() {
    const Totals& t = totals_;
    BurstCheck c;
    {
        std::lock_guard lock(log_.mutex);
        c = check_bursts(log_.bursts, log_.unparsed, t);
    }
    const double win = std::max(window_seconds_, 1e-3);
    const double accepted_rate = static_cast<double>(t.window_accepted) / win;
    const std::uint64_t errors = [&] {
        std::uint64_t n = 0;
        for (const auto& [k, v] : t.errors) n += v;
        return n;
    }();
    const bool sum_ok = c.sum == t.accepted && c.names_match;
    const bool one_per_second = c.extra == 0 && c.missing == 0 && c.outside == 0;
    const double server_cpu = cpu_percent(server_start_, server_end_);
    const double us_per = server_start_.ok && t.window_accepted > 0
                              ? (server_end_.cpu_seconds - server_start_.cpu_seconds) * 1e6 /
                                    static_cast<double>(t.window_accepted)
                              : 0;
    std::printf(
        "reactions: target %.0f/s, %d users (%.1f/s each), %d connections, %d sender threads, "
        "%.1fs window after %.1fs warm-up (set-up %.1fs)\n",
        opts_.rate, users(), opts_.rate / users(), opts_.connections, senders(),
        static_cast<double>(opts_.duration.count()) / 1000,
        static_cast<double>(opts_.warmup.count()) / 1000, setup_seconds_);
    std::printf(
        "  posts       window: sent %llu, accepted %llu (%.1f/s), 429 %llu, other errors %llu, "
        "skipped ticks (all connections busy) %llu\n",
        ull(t.window_sent), ull(t.window_accepted), accepted_rate, ull(t.window_limited),
        ull(errors), ull(t.window_behind));
    std::printf("  POST        %s\n", latency_line(t.latency).c_str());
    std::printf(
        "  bursts      %zu for %zu seconds: extra %zu, interior seconds without one %zu, outside "
        "the posting span %zu, malformed %zu -> %s\n",
        c.bursts, c.seconds, c.extra, c.missing, c.outside, c.malformed,
        one_per_second && c.malformed == 0 ? "one per second" : "NOT one per second");
    std::printf(
        "  counts      sum of burst counts %llu, accepted posts (warm-up included) %llu, per "
        "name %s -> %s; interior second totals %llu..%llu\n",
        ull(c.sum), ull(t.accepted), c.names_match ? "equal" : "DIFFER",
        sum_ok ? "match" : "MISMATCH", ull(c.min_interior), ull(c.max_interior));
    std::printf("  burst delay after its second closed: %s\n", latency_line(c.delay).c_str());
    if (server_start_.ok) {
        std::printf(
            "  server      CPU %.1f%% during the window, %.2f us per accepted reaction, "
            "RSS %.1f MiB\n",
            server_cpu, us_per, static_cast<double>(server_end_.rss_kib) / 1024);
    }
    std::printf("  loadgen     CPU %.1f%% during the window\n", loadgen_cpu_);
    json::object errs;
    for (const auto& [k, v] : t.errors) {
        std::printf("  error %-50s %llu\n", k.c_str(), ull(v));
        errs[k] = v;
    }
    char load[64] = "";
    if (FILE* f = std::fopen("/proc/loadavg", "r")) {
        if (std::fgets(load, sizeof load, f) == nullptr) load[0] = '\0';
        std::fclose(f);
    }
    double load1 = 0;
    std::sscanf(load, "%lf", &load1);
    json::object out{
        {"scenario", "reactions"},
        {"targetRate", opts_.rate},
        {"users", users()},
        {"connections", opts_.connections},
        {"threads", senders()},
        {"windowSeconds", r1(win)},
        {"sent", t.window_sent},
        {"accepted", t.window_accepted},
        {"acceptedPerSecond", r1(accepted_rate)},
        {"rateLimited", t.window_limited},
        {"rateLimitedAllPhases", t.limited},
        {"errors", std::move(errs)},
        {"skippedTicks", t.window_behind},
        {"post", latency_json(t.latency)},
        {"bursts", c.bursts},
        {"burstSeconds", c.seconds},
        {"extraBursts", c.extra},
        {"secondsWithoutBurst", c.missing},
        {"burstsOutsideSpan", c.outside},
        {"malformedBursts", c.malformed},
        {"onePerSecond", one_per_second && c.malformed == 0},
        {"burstCountSum", c.sum},
        {"acceptedAllPhases", t.accepted},
        {"countsMatch", sum_ok},
        {"interiorSecondMin", c.min_interior},
        {"interiorSecondMax", c.max_interior},
        {"burstDelay", latency_json(c.delay)},
        {"serverCpuPercent", r1(server_cpu)},
        {"serverCpuMicrosPerReaction", std::round(us_per * 100) / 100},
        {"serverRssKiB", server_end_.rss_kib},
        {"loadgenCpuPercent", r1(loadgen_cpu_)},
        {"subscriberDropped", control_.dropped.load()},
        {"loadAverage1m", load1},
    };
    std::cout << to_json_line(out) << std::endl;
}

}  // namespace

CLI::App* add_reactions_command(CLI::App& app, ReactionsArgs& a,
                                const CLI::Validator& duration_check) {
    ReactionsOptions& o = a.options;
    auto* cmd = app.add_subcommand(
        "reactions", "reaction posts from many users at a fixed rate; one burst per second");
    cmd->add_option("--url", a.url, "server base URL")->required();
    cmd->add_option("--rate", o.rate, "reaction posts per second, all users (open loop)")
        ->check(CLI::Range(1.0, 1'000'000.0));
    cmd->add_option("--users", o.users, "posting users (default: rate / 16)")
        ->check(CLI::Range(1, 1'000'000));
    cmd->add_option("--connections", o.connections, "keep-alive HTTP connections")
        ->check(CLI::Range(1, 10'000));
    cmd->add_option("--threads", o.threads, "sender io_context threads")->check(CLI::Range(1, 16));
    cmd->add_option("--duration", a.duration, "measured window")->check(duration_check);
    cmd->add_option("--warmup", a.warmup, "unmeasured sending before the window")
        ->check(duration_check);
    cmd->add_option("--drain", a.drain, "max wait for the last bursts")->check(duration_check);
    cmd->add_option("--server-pid", o.server_pid, "cohostd PID for its CPU use");
    return cmd;
}

int run_reactions(const ReactionsOptions& opts) {
    ReactionsRun run(opts);
    return run.run();
}

}  // namespace cohost::loadgen
