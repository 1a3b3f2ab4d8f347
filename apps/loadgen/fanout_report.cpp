#include "fanout_report.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "json_line.hpp"

namespace cohost::loadgen {

namespace json = boost::json;

namespace {

double r1(double v) { return std::round(v * 10) / 10; }
double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }
unsigned long long ull(std::uint64_t v) { return static_cast<unsigned long long>(v); }

json::object server_json(const ProcSample& before, const StepResult& s) {
    json::object o;
    if (!before.ok) {
        return o;
    }
    o["rssBeforeKiB"] = before.rss_kib;
    o["rssIdleKiB"] = s.idle.rss_kib;
    o["rssEndKiB"] = s.end.rss_kib;
    o["rssPerIdleSubscriberKiB"] = r1(rss_per_subscriber_kib(before, s));
    o["cpuSecondsBefore"] = r1(before.cpu_seconds);
    o["cpuSecondsIdle"] = r1(s.idle.cpu_seconds);
    o["cpuSecondsEnd"] = r1(s.end.cpu_seconds);
    o["cpuPercentIdle"] = r1(cpu_percent(s.connected, s.idle));
    o["cpuPercentPublishing"] = r1(cpu_percent(s.pub_start, s.pub_end));
    const double us = server_us_per_delivery(s);
    o["cpuMicrosPerDelivery"] = std::round(us * 100) / 100;
    o["projectedDeliveriesPerCoreSecond"] = us > 0 ? std::round(1e6 / us) : 0.0;
    return o;
}

json::object step_json(const ProcSample& before, const StepResult& s) {
    json::object errors;
    for (const auto& [k, v] : s.publish_error_keys) {
        errors[k] = v;
    }
    return json::object{
        {"subscribers", s.alive},
        {"target", s.target},
        {"connectFailures", s.new_failures},
        {"connectSeconds", r1(s.connect_seconds)},
        {"published", s.published},
        {"publishErrors", std::move(errors)},
        {"ticksSkipped", s.publish_behind},
        {"publishRate",
         s.publish_seconds > 0 ? r1(static_cast<double>(s.published) / s.publish_seconds) : 0.0},
        {"expected", s.expected},
        {"delivered", s.phase.delivered},
        {"undelivered", s.undelivered()},
        {"gaps", s.phase.gaps},
        {"missingSeqs", s.phase.missing},
        {"duplicates", s.phase.duplicates},
        {"outOfOrder", s.phase.out_of_order},
        {"otherEvents", s.phase.other_events},
        {"droppedByServer", s.dropped},
        {"delivery", latency_json(s.phase.latency)},
        {"publishLatency", latency_json(s.publish_latency)},
        {"server", server_json(before, s)},
        {"loadgenCpuPercent", r1(s.loadgen_cpu_percent)},
    };
}

void print_step(const FanoutOptions& opts, const ProcSample& before, const StepResult& s) {
    std::printf("  connect     %llu subscribed (target %d), %llu failed, in %.1fs\n", ull(s.alive),
                s.target, ull(s.new_failures), s.connect_seconds);
    std::printf(
        "  events      published %llu (%.1f/s, target %.1f/s), errors %llu, ticks skipped "
        "(all publishers busy) %llu\n",
        ull(s.published),
        s.publish_seconds > 0 ? static_cast<double>(s.published) / s.publish_seconds : 0, opts.rate,
        ull(s.publish_errors), ull(s.publish_behind));
    std::printf(
        "  deliveries  expected %llu, delivered %llu, undelivered after the %.0fs drain "
        "%llu\n",
        ull(s.expected), ull(s.phase.delivered), static_cast<double>(opts.drain.count()) / 1000.0,
        ull(s.undelivered()));
    std::printf(
        "  seq         gaps %llu (missing %llu), duplicates %llu, out-of-order %llu, "
        "dropped by server %llu\n",
        ull(s.phase.gaps), ull(s.phase.missing), ull(s.phase.duplicates), ull(s.phase.out_of_order),
        ull(s.dropped));
    std::printf("  delivery    %s\n", latency_line(s.phase.latency).c_str());
    std::printf("  %-11s %s\n", opts.kind == EventKind::ChatMessage ? "POST" : "PATCH",
                latency_line(s.publish_latency).c_str());
    if (before.ok) {
        std::printf(
            "  server      CPU idle %.1f%%, publishing %.1f%%; RSS before %.1f MiB, idle "
            "%.1f MiB, end %.1f MiB; %.1f KiB per idle subscriber\n",
            cpu_percent(s.connected, s.idle), cpu_percent(s.pub_start, s.pub_end),
            static_cast<double>(before.rss_kib) / 1024, static_cast<double>(s.idle.rss_kib) / 1024,
            static_cast<double>(s.end.rss_kib) / 1024, rss_per_subscriber_kib(before, s));
    }
    if (const double us = server_us_per_delivery(s); us > 0) {
        std::printf(
            "  server      %.2f us CPU per delivered frame: one busy core would deliver "
            "%.0f frames/s = %.0f subscribers at %.1f events/s\n",
            us, 1e6 / us, 1e6 / us / opts.rate, opts.rate);
    }
    std::printf("  loadgen     CPU %.1f%% while publishing\n", s.loadgen_cpu_percent);
}

}  // namespace

double server_us_per_delivery(const StepResult& s) {
    if (!s.pub_start.ok || !s.end.ok || s.phase.delivered == 0) {
        return 0;
    }
    return (s.end.cpu_seconds - s.pub_start.cpu_seconds) * 1e6 /
           static_cast<double>(s.phase.delivered);
}

double rss_per_subscriber_kib(const ProcSample& before, const StepResult& s) {
    if (!before.ok || !s.idle.ok || s.alive == 0 || s.idle.rss_kib < before.rss_kib) {
        return 0;
    }
    return static_cast<double>(s.idle.rss_kib - before.rss_kib) / static_cast<double>(s.alive);
}

void print_fanout(const FanoutOptions& opts, const FanoutSummary& sum) {
    const bool chat = opts.kind == EventKind::ChatMessage;
    std::printf("%s: rooms=%d rate=%.1f/s threads=%d source-addrs=%d%s\n", chat ? "chat" : "fanout",
                opts.rooms, opts.rate, opts.threads, opts.source_addrs, opts.ramp ? " (ramp)" : "");
    if (chat) {
        std::printf("  posting     POST /v1/rooms/{id}/messages by %s\n",
                    opts.posters > 0 ? (std::to_string(opts.posters) + " viewer users").c_str()
                                     : "the host");
    }
    json::array steps;
    if (!opts.ramp && !sum.steps.empty()) {
        print_step(opts, sum.before, sum.steps.front());
    } else {
        std::printf("  %8s %7s %6s %9s %9s %7s %5s %8s %8s %8s %7s %7s %8s %8s\n", "subs", "failed",
                    "events", "expected", "delivered", "undeliv", "gaps", "p50ms", "p99ms", "maxms",
                    "cpu%", "RSS MiB", "KiB/sub", "us/frame");
        for (const auto& s : sum.steps) {
            std::printf(
                "  %8llu %7llu %6llu %9llu %9llu %7llu %5llu %8.1f %8.1f %8.1f %7.1f %7.1f "
                "%8.1f %8.2f\n",
                ull(s.alive), ull(s.new_failures), ull(s.published), ull(s.expected),
                ull(s.phase.delivered), ull(s.undelivered()), ull(s.phase.gaps),
                ms(s.phase.latency.percentile(50)), ms(s.phase.latency.percentile(99)),
                ms(s.phase.latency.max()), cpu_percent(s.pub_start, s.pub_end),
                static_cast<double>(s.idle.rss_kib) / 1024, rss_per_subscriber_kib(sum.before, s),
                server_us_per_delivery(s));
        }
        std::printf("  stopped: %s\n", sum.stop_reason.c_str());
    }
    for (const auto& s : sum.steps) {
        steps.push_back(step_json(sum.before, s));
    }
    json::object failures;
    for (const auto& [k, v] : sum.totals.failures) {
        std::printf("  failure %-50s %llu\n", k.c_str(), ull(v));
        failures[k] = v;
    }
    const ThreadStats& t = sum.totals;
    if (t.closed_by_server + t.read_errors + t.parse_errors > 0) {
        std::printf(
            "  closes by server %llu (slow_consumer %llu), read errors %llu, unparsed "
            "frames %llu\n",
            ull(t.closed_by_server), ull(t.slow_consumer), ull(t.read_errors), ull(t.parse_errors));
    }
    const std::string scenario = std::string(chat ? "chat" : "fanout") + (opts.ramp ? "-ramp" : "");
    json::object out{{"scenario", scenario},
                     {"posters", opts.posters},
                     {"rooms", opts.rooms},
                     {"rate", opts.rate},
                     {"threads", opts.threads},
                     {"sourceAddrs", opts.source_addrs},
                     {"failures", std::move(failures)},
                     {"closedByServer", t.closed_by_server},
                     {"slowConsumerCloses", t.slow_consumer},
                     {"readErrors", t.read_errors},
                     {"unparsedFrames", t.parse_errors}};
    if (opts.ramp) {
        out["steps"] = std::move(steps);
        out["stopReason"] = sum.stop_reason;
        out["p99LimitMs"] = opts.p99_limit_ms;
    } else if (!steps.empty()) {
        out["result"] = std::move(steps.front());
        out["windowSeconds"] = static_cast<double>(opts.duration.count()) / 1000.0;
    }
    std::cout << to_json_line(out) << std::endl;
}

}  // namespace cohost::loadgen
