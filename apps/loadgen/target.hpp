#pragma once
/// \file Where loadgen sends its load, and small process helpers. loadgen talks to the loopback
/// only: `parse_target` refuses any address outside 127.0.0.0/8.
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace cohost::loadgen {

/// The server under test.
struct Target {
    boost::asio::ip::tcp::endpoint endpoint;  ///< 127.x.y.z:port
    std::string host_header;                  ///< `127.0.0.1:PORT`, sent as `Host`
};

/// Parses `http://127.0.0.1:PORT` (a trailing `/` is allowed; `localhost` means 127.0.0.1).
/// nullopt for any other scheme, a missing port, or a non-loopback address.
[[nodiscard]] std::optional<Target> parse_target(const std::string& url);

/// Monotonic nanoseconds (steady_clock) — the clock every latency in loadgen is measured on.
[[nodiscard]] inline std::uint64_t now_ns() noexcept {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit.
std::uint64_t raise_nofile_limit();

/// CPU time and resident memory of a process, from /proc/<pid>/stat and /proc/<pid>/status.
struct ProcSample {
    bool ok = false;
    double cpu_seconds = 0;      ///< utime + stime
    std::uint64_t rss_kib = 0;   ///< VmRSS
    std::uint64_t taken_ns = 0;  ///< now_ns() when sampled
};
[[nodiscard]] ProcSample sample_process(int pid);
/// Average CPU use between two samples, in percent of one core (200 % = two cores busy).
[[nodiscard]] double cpu_percent(const ProcSample& from, const ProcSample& to) noexcept;
/// This process's own CPU time (getrusage), seconds.
[[nodiscard]] double self_cpu_seconds() noexcept;

}  // namespace cohost::loadgen
