#pragma once
/// \file Figures of `loadgen fanout` and their two renderings: the human summary / ramp table and
/// the final JSON line.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "fanout.hpp"
#include "histogram.hpp"
#include "subscriber.hpp"

namespace cohost::loadgen {

/// One measurement at a fixed subscriber count (the single run, or one ramp step).
struct StepResult {
    int target = 0;                  ///< subscribers asked for
    std::uint64_t alive = 0;         ///< subscribed and still connected when publishing began
    std::uint64_t new_failures = 0;  ///< subscribers of this step that never subscribed
    double connect_seconds = 0;
    ProcSample connected;            ///< server, right after the last subscription
    ProcSample idle;                 ///< server, after `settle` with nothing published
    ProcSample pub_start, pub_end;   ///< server, around the publishing window
    ProcSample end;                  ///< server, after the drain
    double loadgen_cpu_percent = 0;  ///< this process during the publishing window
    std::uint64_t published = 0;     ///< PATCH 200
    std::uint64_t publish_errors = 0;
    std::map<std::string, std::uint64_t> publish_error_keys;
    std::uint64_t publish_behind = 0;
    double publish_seconds = 0;
    Histogram publish_latency;
    std::uint64_t expected = 0;  ///< deliveries expected from `published` and `alive`
    PhaseStats phase;            ///< what the subscribers saw
    std::uint64_t dropped = 0;   ///< subscribers the server disconnected during the step

    /// Expected deliveries not seen by the end of the drain: still queued on the server (a
    /// backlog) or lost. Seq checks tell the two apart: a lost event shows up as a gap.
    [[nodiscard]] std::uint64_t undelivered() const noexcept {
        return expected > phase.delivered ? expected - phase.delivered : 0;
    }
};

/// Everything the report needs beyond the steps.
struct FanoutSummary {
    ProcSample before;      ///< server, before any subscriber connected
    ThreadStats totals{1};  ///< merged subscriber counters (failures, closes)
    std::vector<StepResult> steps;
    std::string stop_reason;  ///< ramp only
};

/// Server CPU per delivered event frame, microseconds, from the start of publishing to the end
/// of the drain (0 when unknown). 1e6 / it is what one fully busy core could deliver per second.
[[nodiscard]] double server_us_per_delivery(const StepResult& s);

/// RSS growth per idle subscriber, KiB (0 when unknown).
[[nodiscard]] double rss_per_subscriber_kib(const ProcSample& before, const StepResult& s);

void print_fanout(const FanoutOptions& opts, const FanoutSummary& sum);

}  // namespace cohost::loadgen
