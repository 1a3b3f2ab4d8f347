// Bucket layout: index i < 256 holds exactly the value i. Above, a value with bit width b has
// shift = b - 8 and its top 8 bits (128..255) pick one of 128 sub-buckets of magnitude `shift`.
#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>

namespace cohost::loadgen {

namespace {
constexpr std::size_t kExact = std::size_t{1} << 8;
constexpr std::size_t kHalf = kExact / 2;
constexpr std::size_t kBuckets = kExact + (64 - 8) * kHalf;

double to_ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }
double round3(double v) { return std::round(v * 1000.0) / 1000.0; }
}  // namespace

Histogram::Histogram() : counts_(kBuckets, 0) {}

std::size_t Histogram::index_of(std::uint64_t v) noexcept {
    if (v < kExact) {
        return static_cast<std::size_t>(v);
    }
    const auto width = static_cast<unsigned>(std::bit_width(v));
    const unsigned shift = width - kSubBits;
    const auto top = static_cast<std::size_t>(v >> shift);  // in [128, 256)
    return kExact + (shift - 1) * kHalf + (top - kHalf);
}

std::uint64_t Histogram::highest_equivalent(std::size_t index) noexcept {
    if (index < kExact) {
        return index;
    }
    const std::size_t rel = index - kExact;
    const auto shift = static_cast<unsigned>(rel / kHalf + 1);
    const std::uint64_t top = rel % kHalf + kHalf;
    return ((top + 1) << shift) - 1;
}

void Histogram::record(std::uint64_t value) noexcept {
    ++counts_[index_of(value)];
    ++total_;
    max_ = std::max(max_, value);
    min_ = std::min(min_, value);
    sum_ += static_cast<double>(value);
}

void Histogram::merge(const Histogram& other) noexcept {
    for (std::size_t i = 0; i < kBuckets; ++i) {
        counts_[i] += other.counts_[i];
    }
    total_ += other.total_;
    max_ = std::max(max_, other.max_);
    min_ = std::min(min_, other.min_);
    sum_ += other.sum_;
}

void Histogram::reset() noexcept {
    std::fill(counts_.begin(), counts_.end(), 0);
    total_ = 0;
    max_ = 0;
    min_ = UINT64_MAX;
    sum_ = 0;
}

double Histogram::mean() const noexcept {
    return total_ == 0 ? 0.0 : sum_ / static_cast<double>(total_);
}

std::uint64_t Histogram::percentile(double p) const noexcept {
    if (total_ == 0) {
        return 0;
    }
    const double want = std::ceil(std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(total_));
    const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(want));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        seen += counts_[i];
        if (seen >= rank) {
            return std::min(highest_equivalent(i), max_);
        }
    }
    return max_;
}

boost::json::object latency_json(const Histogram& h) {
    boost::json::object o;
    o["count"] = h.count();
    o["meanMs"] = round3(h.mean() / 1e6);
    o["p50Ms"] = round3(to_ms(h.percentile(50)));
    o["p90Ms"] = round3(to_ms(h.percentile(90)));
    o["p99Ms"] = round3(to_ms(h.percentile(99)));
    o["p999Ms"] = round3(to_ms(h.percentile(99.9)));
    o["maxMs"] = round3(to_ms(h.max()));
    return o;
}

std::string latency_line(const Histogram& h) {
    char buf[200];
    std::snprintf(buf, sizeof buf, "n=%-9llu p50=%.3fms p90=%.3fms p99=%.3fms max=%.3fms",
                  static_cast<unsigned long long>(h.count()), to_ms(h.percentile(50)),
                  to_ms(h.percentile(90)), to_ms(h.percentile(99)), to_ms(h.max()));
    return buf;
}

}  // namespace cohost::loadgen
