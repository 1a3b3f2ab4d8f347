#pragma once
/// \file What media_loadgen reads from /proc about the server and the machine: a process's CPU
/// time (utime + stime) and VmRSS, its busiest thread, per-socket UDP drop counters
/// (/proc/net/udp) and the load average. Linux only; every reader returns zeros on failure.
#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace cohost::media_loadgen {

/// CPU seconds of one thread or process.
struct CpuSample {
    double seconds = 0;
    std::string name;  ///< thread name (comm) for threads
};

/// utime + stime of process `pid` (all threads), in seconds; 0 when unreadable.
[[nodiscard]] double process_cpu_seconds(int pid);
/// Per-thread CPU seconds of process `pid`, by thread id.
[[nodiscard]] std::map<int, CpuSample> thread_cpu_seconds(int pid);
/// VmRSS of process `pid` in KiB; 0 when unreadable.
[[nodiscard]] std::uint64_t rss_kib(int pid);
/// The first three fields of /proc/loadavg ("1.81 2.65 1.91").
[[nodiscard]] std::string load_average();
/// The 1-minute load average.
[[nodiscard]] double load_average_1m();

/// Kernel drop counters of IPv4 UDP sockets (receive buffer full), summed over the sockets
/// bound to `ports` and, separately, the one bound to `server_port`.
struct UdpDrops {
    std::uint64_t client = 0;
    std::uint64_t server = 0;
};
[[nodiscard]] UdpDrops udp_drops(const std::set<std::uint16_t>& ports, std::uint16_t server_port);

}  // namespace cohost::media_loadgen
