// The Prometheus registry. Text exposition format 0.0.4:
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
//   - `# HELP name text` escapes `\` and newline; label values escape `\`, `"` and newline;
//   - one `# TYPE` line per family, before its first sample;
//   - a histogram is `name_bucket{...,le="x"}` (cumulative, ending with le="+Inf" = count),
//     then `name_sum` and `name_count`.
// Families render sorted by name (std::map), samples sorted by their label pairs, so the output
// is deterministic and diffable.
#include "cohost/server/app/metrics.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <system_error>

namespace cohost::server::app {

namespace {

constexpr std::array<double, 13> kBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                          0.25,  0.5,    1,     2.5,  5,     10};

enum class Kind : std::uint8_t { Untyped, Counter, Gauge, Histogram };

std::string_view kind_name(Kind k) {
    switch (k) {
        case Kind::Counter:
            return "counter";
        case Kind::Gauge:
            return "gauge";
        case Kind::Histogram:
            return "histogram";
        case Kind::Untyped:
            break;
    }
    return "untyped";
}

Kind kind_of(std::string_view type) {
    if (type == "counter") return Kind::Counter;
    if (type == "gauge") return Kind::Gauge;
    if (type == "histogram") return Kind::Histogram;
    return Kind::Untyped;
}

struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> counts{};  ///< per bucket, not cumulative
    std::uint64_t count = 0;
    double sum = 0;
};

struct Family {
    Kind kind = Kind::Untyped;
    std::string help;
    std::map<Labels, double> values;  ///< counters
    std::map<Labels, Histogram> histograms;
    std::function<double()> read;  ///< gauges and function-read counters
};

/// Prometheus' float syntax: integers without a fraction, otherwise the shortest round-trip form;
/// NaN and the infinities as `NaN`, `+Inf`, `-Inf`.
void append_value(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
        return;
    }
    if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
        return;
    }
    char buf[64];
    std::to_chars_result r{};
    if (v == std::floor(v) && std::fabs(v) < 1e15) {
        r = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(v));
    } else {
        r = std::to_chars(buf, buf + sizeof buf, v);
    }
    out.append(buf, r.ptr);
}

void append_escaped(std::string& out, std::string_view s, bool escape_quote) {
    for (char c : s) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '"' && escape_quote) {
            out += "\\\"";
        } else {
            out += c;
        }
    }
}

/// `{a="x",b="y"}` (nothing for no labels); `le` is appended last when given.
void append_labels(std::string& out, const Labels& labels, const char* le = nullptr) {
    if (labels.empty() && le == nullptr) return;
    out += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
        if (!first) out += ',';
        first = false;
        out += k;
        out += "=\"";
        append_escaped(out, v, true);
        out += '"';
    }
    if (le != nullptr) {
        if (!first) out += ',';
        out += "le=\"";
        out += le;
        out += '"';
    }
    out += '}';
}

void append_sample(std::string& out, std::string_view name, std::string_view suffix,
                   const Labels& labels, double v, const char* le = nullptr) {
    out += name;
    out += suffix;
    append_labels(out, labels, le);
    out += ' ';
    append_value(out, v);
    out += '\n';
}

}  // namespace

struct Metrics::Impl {
    std::map<std::string, Family, std::less<>> families;

    Family& family(std::string_view name, Kind kind_if_new) {
        auto it = families.find(name);
        if (it == families.end()) {
            it = families.emplace(std::string(name), Family{}).first;
            it->second.kind = kind_if_new;
        } else if (it->second.kind == Kind::Untyped) {
            it->second.kind = kind_if_new;
        }
        return it->second;
    }
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::inc(std::string_view name, const Labels& labels, double v) {
    if (!(v >= 0)) return;  // counters only go up (also refuses NaN)
    auto& f = impl_->family(name, Kind::Counter);
    f.values[labels] += v;
}

void Metrics::observe(std::string_view name, const Labels& labels, double seconds) {
    if (std::isnan(seconds)) return;
    auto& f = impl_->family(name, Kind::Histogram);
    auto& h = f.histograms[labels];
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        if (seconds <= kBuckets[i]) {
            ++h.counts[i];
            break;
        }
    }
    ++h.count;
    h.sum += seconds;
}

void Metrics::gauge(std::string_view name, std::string_view help, std::function<double()> read) {
    auto& f = impl_->family(name, Kind::Gauge);
    f.kind = Kind::Gauge;
    f.help = help;
    f.read = std::move(read);
}

void Metrics::counter_fn(std::string_view name, std::string_view help,
                         std::function<double()> read) {
    auto& f = impl_->family(name, Kind::Counter);
    f.kind = Kind::Counter;
    f.help = help;
    f.read = std::move(read);
}

void Metrics::remove(std::string_view name) {
    if (auto it = impl_->families.find(name); it != impl_->families.end()) {
        impl_->families.erase(it);
    }
}

void Metrics::describe(std::string_view name, std::string_view type, std::string_view help) {
    auto& f = impl_->family(name, kind_of(type));
    f.kind = kind_of(type);
    f.help = help;
}

double Metrics::counter(std::string_view name, const Labels& labels) const {
    auto it = impl_->families.find(name);
    if (it == impl_->families.end()) return 0;
    const Family& f = it->second;
    if (f.read && f.values.empty()) return labels.empty() ? f.read() : 0;
    auto v = f.values.find(labels);
    return v == f.values.end() ? 0 : v->second;
}

std::uint64_t Metrics::histogram_count(std::string_view name, const Labels& labels) const {
    auto it = impl_->families.find(name);
    if (it == impl_->families.end()) return 0;
    auto h = it->second.histograms.find(labels);
    return h == it->second.histograms.end() ? 0 : h->second.count;
}

std::string Metrics::render() const {
    std::string out;
    for (const auto& [name, f] : impl_->families) {
        out += "# HELP ";
        out += name;
        out += ' ';
        append_escaped(out, f.help, false);
        out += "\n# TYPE ";
        out += name;
        out += ' ';
        out += kind_name(f.kind);
        out += '\n';
        if (f.read) {
            append_sample(out, name, "", {}, f.read());
        }
        for (const auto& [labels, v] : f.values) {
            append_sample(out, name, "", labels, v);
        }
        for (const auto& [labels, h] : f.histograms) {
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i < kBuckets.size(); ++i) {
                cumulative += h.counts[i];
                std::string le;
                append_value(le, kBuckets[i]);
                append_sample(out, name, "_bucket", labels, static_cast<double>(cumulative),
                              le.c_str());
            }
            append_sample(out, name, "_bucket", labels, static_cast<double>(h.count), "+Inf");
            append_sample(out, name, "_sum", labels, h.sum);
            append_sample(out, name, "_count", labels, static_cast<double>(h.count));
        }
    }
    return out;
}

}  // namespace cohost::server::app
