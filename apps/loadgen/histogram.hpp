#pragma once
/// \file A log-linear latency histogram in the manner of HdrHistogram: values below 256 are
/// exact, above that each power of two is split into 128 sub-buckets, so any reported value is
/// within 0.8 % of the true one. Fixed memory (~58 KiB), O(1) `record`, mergeable.
///
/// Not thread-safe: loadgen keeps one per connection or per io_context thread and merges them
/// after the threads have stopped (or on the owning thread, for snapshots).
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace cohost::loadgen {

class Histogram {
public:
    Histogram();

    /// Records one value (loadgen records nanoseconds).
    void record(std::uint64_t value) noexcept;
    /// Adds every value recorded in `other`.
    void merge(const Histogram& other) noexcept;
    void reset() noexcept;

    [[nodiscard]] std::uint64_t count() const noexcept { return total_; }
    [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
    [[nodiscard]] std::uint64_t min() const noexcept { return total_ == 0 ? 0 : min_; }
    [[nodiscard]] double mean() const noexcept;
    /// The value at percentile `p` (0–100]: the highest value equivalent to the bucket that holds
    /// the ceil(p% · count)-th smallest value, capped at the exact maximum. 0 when empty.
    [[nodiscard]] std::uint64_t percentile(double p) const noexcept;

private:
    static constexpr unsigned kSubBits = 8;
    [[nodiscard]] static std::size_t index_of(std::uint64_t v) noexcept;
    [[nodiscard]] static std::uint64_t highest_equivalent(std::size_t index) noexcept;

    std::vector<std::uint64_t> counts_;
    std::uint64_t total_ = 0;
    std::uint64_t max_ = 0;
    std::uint64_t min_ = UINT64_MAX;
    double sum_ = 0;
};

/// `{"count","mean","p50","p90","p99","p999","max"}` with latencies in milliseconds (the
/// histogram holds nanoseconds).
[[nodiscard]] boost::json::object latency_json(const Histogram& h);
/// `n=1234 p50=0.41ms p90=0.80ms p99=2.10ms max=9.03ms` for the human summary.
[[nodiscard]] std::string latency_line(const Histogram& h);

}  // namespace cohost::loadgen
