#pragma once
/// \file A small Prometheus metrics registry, rendered at `GET /metrics` in the text exposition
/// format 0.0.4 (`# HELP`, `# TYPE`, `name{label="v"} value`).
///
/// Threading: the control thread only (every writer — HTTP handlers, Twirp callbacks, the
/// webhook sender, the hub — runs there), so there are no locks. Names follow Prometheus
/// conventions: `cohost_` prefix, `_total` for counters, `_seconds` for durations.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cohost::server::app {

/// Label pairs in a fixed order, e.g. {{"result", "ok"}}. Values are escaped when rendered.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
public:
    Metrics();
    ~Metrics();
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    /// Adds `v` (≥ 0) to a counter. The family is created on first use; give it a help text with
    /// `describe` (otherwise the help line is empty).
    void inc(std::string_view name, const Labels& labels = {}, double v = 1);
    /// Records one observation (seconds) in a histogram with fixed buckets
    /// (1 ms … 10 s: 0.001 0.0025 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10).
    void observe(std::string_view name, const Labels& labels, double seconds);
    /// A gauge whose value is read when rendering (active rooms, connections, ...).
    void gauge(std::string_view name, std::string_view help, std::function<double()> read);
    /// A counter whose value is read when rendering (a total kept by another object, e.g. the
    /// hub's slow-consumer drops). Rendered with `# TYPE name counter`.
    void counter_fn(std::string_view name, std::string_view help, std::function<double()> read);
    /// Removes a family (an owner going away unregisters the gauges that read it).
    void remove(std::string_view name);
    /// Sets the help text and type (`counter` or `histogram`) of a family.
    void describe(std::string_view name, std::string_view type, std::string_view help);

    /// Current value of a counter (0 if never incremented); for tests.
    [[nodiscard]] double counter(std::string_view name, const Labels& labels = {}) const;
    /// Number of observations of a histogram (0 if none); for tests.
    [[nodiscard]] std::uint64_t histogram_count(std::string_view name,
                                                const Labels& labels = {}) const;
    /// The whole registry in the Prometheus text format, families sorted by name.
    [[nodiscard]] std::string render() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cohost::server::app
