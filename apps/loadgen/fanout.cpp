// Orchestration of `loadgen fanout`. The main thread only coordinates (sleeps, polls atomics,
// samples /proc); subscribers run on `threads` single-threaded io_contexts and the publisher on
// the first of them. Work crosses threads only by `post`.
#include "fanout.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <future>
#include <iostream>
#include <memory>
#include <thread>

#include "fanout_report.hpp"
#include "http_client.hpp"
#include "publisher.hpp"
#include "subscriber.hpp"

namespace cohost::loadgen {

namespace {

namespace net = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

struct IoThread {
    explicit IoThread(std::size_t phase_count) : stats(phase_count) {}
    ThreadStats stats;  // declared first: outlives the io_context and the coroutines it holds
    net::io_context ioc{1};
    net::executor_work_guard<net::io_context::executor_type> guard{ioc.get_executor()};
    std::thread thread;
};

struct SetupState {
    std::string run_id;
    int rooms = 1;
    int users = 1;
    std::string host_token;
    std::vector<std::string> room_ids;
    std::vector<std::string> user_tokens;
    std::string error;
};

net::awaitable<void> setup_host(HttpClient* http, SetupState* s) {
    s->host_token = co_await dev_login(*http, "lg" + s->run_id + "host", "Fan-out host", &s->error);
    for (int i = 0; i < s->rooms && !s->host_token.empty(); ++i) {
        const json::object room{{"title", "fan-out " + std::to_string(i)}};
        HttpReply r = co_await http->request(boost::beast::http::verb::post, "/v1/rooms",
                                             json::serialize(room), s->host_token);
        const json::value v = r.json();
        const auto* o = v.if_object();
        const auto* id = o != nullptr ? o->if_contains("roomId") : nullptr;
        if (r.status != 201 || id == nullptr || !id->is_string()) {
            s->error = "create room: " + r.error_key();
            co_return;
        }
        s->room_ids.emplace_back(id->as_string());
    }
}

net::awaitable<void> setup_users(HttpClient* http, SetupState* s, int first, int stride) {
    for (int i = first; i < s->users; i += stride) {
        const std::string n = std::to_string(i);
        s->user_tokens[static_cast<std::size_t>(i)] =
            co_await dev_login(*http, "lg" + s->run_id + "v" + n, "Viewer " + n, &s->error);
        if (s->user_tokens[static_cast<std::size_t>(i)].empty()) {
            co_return;
        }
    }
}

class FanoutRun {
public:
    explicit FanoutRun(const FanoutOptions& o) : opts_(o) {}

    int run() {
        if (!setup()) {
            std::cerr << "loadgen: set-up failed: " << setup_.error << "\n";
            return 2;
        }
        std::vector<int> targets;
        if (opts_.ramp) {
            for (int n = opts_.ramp_step; n <= opts_.ramp_max; n += opts_.ramp_step) {
                targets.push_back(n);
            }
        } else {
            targets.push_back(opts_.subscribers);
        }
        start_threads(targets.size());
        summary_.before = sample_process(opts_.server_pid);
        for (std::size_t i = 0; i < targets.size(); ++i) {
            StepResult step = run_step(static_cast<int>(i), targets[i]);
            const bool stop = judge(step);
            summary_.steps.push_back(std::move(step));
            if (stop) {
                break;
            }
        }
        if (summary_.stop_reason.empty()) {
            summary_.stop_reason = "reached the last step";
        }
        stop_threads();
        print_fanout(opts_, summary_);
        return 0;
    }

private:
    bool setup() {
        net::io_context ioc;
        setup_.run_id = std::to_string(getpid()) + "x" + std::to_string(now_ns() % 1'000'000);
        setup_.rooms = std::max(1, opts_.rooms);
        setup_.users =
            std::max(1, std::min(opts_.users, opts_.ramp ? opts_.ramp_max : opts_.subscribers));
        setup_.user_tokens.resize(static_cast<std::size_t>(setup_.users));
        constexpr int kWorkers = 4;
        std::vector<std::unique_ptr<HttpClient>> clients;
        for (int i = 0; i <= kWorkers; ++i) {
            clients.push_back(std::make_unique<HttpClient>(ioc.get_executor(), opts_.target));
        }
        net::co_spawn(ioc, setup_host(clients[0].get(), &setup_), net::detached);
        for (int i = 0; i < kWorkers; ++i) {
            net::co_spawn(
                ioc,
                setup_users(clients[static_cast<std::size_t>(i) + 1].get(), &setup_, i, kWorkers),
                net::detached);
        }
        ioc.run();
        return setup_.error.empty() && !setup_.host_token.empty();
    }

    void start_threads(std::size_t phases) {
        for (int i = 0; i < std::max(1, opts_.threads); ++i) {
            io_.push_back(std::make_unique<IoThread>(phases));
        }
        for (auto& t : io_) {
            net::io_context* ioc = &t->ioc;
            t->thread = std::thread([ioc] { ioc->run(); });
        }
        publisher_ =
            std::make_unique<Publisher>(io_[0]->ioc.get_executor(), opts_.target, opts_.publishers);
        publisher_->token = setup_.host_token;
        publisher_->rooms = setup_.room_ids;
        publisher_->rate = opts_.rate;
        publisher_->kind = opts_.kind;
        for (int i = 0; i < opts_.posters && i < setup_.users; ++i) {
            publisher_->authors.push_back(setup_.user_tokens[static_cast<std::size_t>(i)]);
        }
    }

    void stop_threads() {
        control_.stopping.store(true);
        for (auto& t : io_) {
            t->ioc.stop();
        }
        for (auto& t : io_) {
            t->thread.join();
        }
        for (auto& t : io_) {
            summary_.totals.merge(t->stats);
        }
    }

    /// Launches subscribers up to `target`, throttled by rate and in-flight count, and waits
    /// until each has subscribed or failed.
    void connect_up_to(int target, StepResult& step) {
        const std::uint64_t failed0 = control_.failed.load();
        const auto start = std::chrono::steady_clock::now();
        const int first = launched_;
        const int source_count = std::max(1, opts_.source_addrs);
        while (launched_ < target) {
            const double elapsed =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            const auto by_rate =
                static_cast<int>(elapsed * opts_.connections_per_second) + 1 - (launched_ - first);
            const auto inflight =
                static_cast<int>(static_cast<std::uint64_t>(launched_) -
                                 control_.subscribed.load() - control_.failed.load());
            const int batch =
                std::min({target - launched_, by_rate, opts_.max_inflight - inflight});
            if (batch > 0) {
                launch(batch, source_count);
            }
            std::this_thread::sleep_for(2ms);
        }
        // Wait for the stragglers (a connect or handshake times out within 30 s each).
        const auto deadline = std::chrono::steady_clock::now() + 65s;
        while (control_.subscribed.load() + control_.failed.load() <
                   static_cast<std::uint64_t>(launched_) &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(10ms);
        }
        step.connect_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        step.new_failures = control_.failed.load() - failed0;
    }

    void launch(int count, int source_count) {
        std::vector<std::vector<SubscriberSpec>> per_thread(io_.size());
        for (int k = 0; k < count; ++k, ++launched_) {
            const auto i = static_cast<std::size_t>(launched_);
            SubscriberSpec spec;
            spec.target = opts_.target;
            if (source_count > 1) {
                spec.source = net::ip::address_v4(
                    0x7F000001u +
                    static_cast<std::uint32_t>(i % static_cast<std::size_t>(source_count)));
            }
            spec.token = setup_.user_tokens[i % setup_.user_tokens.size()];
            spec.topic = "room:" + setup_.room_ids[i % setup_.room_ids.size()];
            spec.control = &control_;
            const std::size_t thread = i % io_.size();
            spec.stats = &io_[thread]->stats;
            per_thread[thread].push_back(std::move(spec));
        }
        for (std::size_t t = 0; t < io_.size(); ++t) {
            if (per_thread[t].empty()) {
                continue;
            }
            net::io_context* ioc = &io_[t]->ioc;
            net::post(*ioc, [ioc, specs = std::move(per_thread[t])]() mutable {
                for (auto& s : specs) {
                    net::co_spawn(*ioc, run_subscriber(std::move(s)), net::detached);
                }
            });
        }
    }

    /// The phase's counters merged over every thread, read on each owning thread.
    PhaseStats snapshot(int phase) {
        PhaseStats sum;
        for (auto& t : io_) {
            std::promise<PhaseStats> done;
            auto f = done.get_future();
            IoThread* io = t.get();
            net::post(io->ioc, [io, phase, &done] {
                done.set_value(io->stats.phases[static_cast<std::size_t>(phase)]);
            });
            sum.merge(f.get());
        }
        return sum;
    }

    std::uint64_t alive() const { return control_.subscribed.load() - control_.dropped.load(); }

    StepResult run_step(int phase, int target) {
        StepResult step;
        step.target = target;
        connect_up_to(target, step);
        step.connected = sample_process(opts_.server_pid);
        std::this_thread::sleep_for(opts_.settle);
        step.idle = sample_process(opts_.server_pid);
        step.alive = alive();
        if (static_cast<std::uint64_t>(target) > step.alive + step.alive / 100) {
            return step;  // more than 1 % failed: judged as a connection failure, no publishing
        }

        control_.phase.store(phase);
        const std::uint64_t dropped0 = control_.dropped.load();
        const std::uint64_t delivered0 = control_.delivered.load();
        const auto window = opts_.ramp ? opts_.step_duration : opts_.duration;
        publisher_->reset();
        publisher_->stop_ns = now_ns() + static_cast<std::uint64_t>(window.count()) * 1'000'000;
        step.pub_start = sample_process(opts_.server_pid);
        const double cpu0 = self_cpu_seconds();
        net::co_spawn(io_[0]->ioc, run_publisher(publisher_.get()), net::detached);
        while (!publisher_->done.load(std::memory_order_acquire)) {
            std::this_thread::sleep_for(20ms);
        }
        step.pub_end = sample_process(opts_.server_pid);
        step.publish_seconds =
            static_cast<double>(step.pub_end.taken_ns - step.pub_start.taken_ns) / 1e9;
        step.loadgen_cpu_percent =
            100.0 * (self_cpu_seconds() - cpu0) / std::max(step.publish_seconds, 1e-3);
        step.published = publisher_->ok;
        step.publish_errors = publisher_->sent - publisher_->ok;
        step.publish_error_keys = publisher_->errors;
        step.publish_behind = publisher_->behind;
        step.publish_latency = publisher_->latency;
        // Every subscriber of room r should see every event published on r.
        const std::uint64_t rooms = setup_.room_ids.size();
        for (std::size_t r = 0; r < rooms; ++r) {
            step.expected += publisher_->ok_per_room[r] *
                             (step.alive / rooms + (r < step.alive % rooms ? 1 : 0));
        }
        const auto drain_end = std::chrono::steady_clock::now() + opts_.drain;
        while (control_.delivered.load() - delivered0 < step.expected &&
               std::chrono::steady_clock::now() < drain_end) {
            std::this_thread::sleep_for(10ms);
        }
        step.end = sample_process(opts_.server_pid);
        step.phase = snapshot(phase);
        step.dropped = control_.dropped.load() - dropped0;
        return step;
    }

    /// Ramp stop rules; true when no further step should run.
    bool judge(const StepResult& s) {
        if (!opts_.ramp) {
            return true;
        }
        char buf[160];
        if (static_cast<std::uint64_t>(s.target) > s.alive + s.alive / 100) {
            std::snprintf(buf, sizeof buf, "connections failed at %d subscribers (%llu connected)",
                          s.target, static_cast<unsigned long long>(s.alive));
        } else if (static_cast<double>(s.phase.latency.percentile(99)) / 1e6 > opts_.p99_limit_ms) {
            std::snprintf(buf, sizeof buf, "p99 %.1f ms > %.0f ms at %llu subscribers",
                          static_cast<double>(s.phase.latency.percentile(99)) / 1e6,
                          opts_.p99_limit_ms, static_cast<unsigned long long>(s.alive));
        } else if (s.dropped > 0) {
            std::snprintf(buf, sizeof buf, "server dropped %llu subscribers at %llu",
                          static_cast<unsigned long long>(s.dropped),
                          static_cast<unsigned long long>(s.alive));
        } else {
            std::fprintf(stderr, "loadgen: step %llu subscribers p99 %.1f ms\n",
                         static_cast<unsigned long long>(s.alive),
                         static_cast<double>(s.phase.latency.percentile(99)) / 1e6);
            return false;
        }
        summary_.stop_reason = buf;
        return true;
    }

    FanoutOptions opts_;
    SetupState setup_;
    FanoutControl control_;
    std::vector<std::unique_ptr<IoThread>> io_;
    std::unique_ptr<Publisher> publisher_;
    FanoutSummary summary_;
    int launched_ = 0;
};

}  // namespace

int run_fanout(const FanoutOptions& opts) {
    FanoutRun run(opts);
    return run.run();
}

}  // namespace cohost::loadgen
