#include "proc_stats.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace cohost::media_loadgen {

namespace {

/// utime + stime (fields 14 and 15 of /proc/.../stat, after the parenthesised comm), seconds.
double stat_cpu_seconds(const std::string& path, std::string* comm) {
    std::ifstream in(path);
    std::string line;
    if (!std::getline(in, line)) return 0;
    const auto open = line.find('(');
    const auto close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open) return 0;
    if (comm) *comm = line.substr(open + 1, close - open - 1);
    std::istringstream rest(line.substr(close + 1));
    std::vector<std::string> f;
    std::string tok;
    while (rest >> tok) f.push_back(tok);
    if (f.size() < 13) return 0;  // f[0] is field 3 (state): utime = f[11], stime = f[12]
    const double ticks = std::stod(f[11]) + std::stod(f[12]);
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace

double process_cpu_seconds(int pid) {
    return stat_cpu_seconds("/proc/" + std::to_string(pid) + "/stat", nullptr);
}

std::map<int, CpuSample> thread_cpu_seconds(int pid) {
    std::map<int, CpuSample> out;
    std::error_code ec;
    const std::filesystem::path dir = "/proc/" + std::to_string(pid) + "/task";
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        const std::string tid = e.path().filename().string();
        CpuSample s;
        s.seconds = stat_cpu_seconds(e.path().string() + "/stat", &s.name);
        out[std::atoi(tid.c_str())] = s;
    }
    return out;
}

std::uint64_t rss_kib(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
    }
    return 0;
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

double load_average_1m() {
    std::ifstream in("/proc/loadavg");
    double a = 0;
    in >> a;
    return a;
}

UdpDrops udp_drops(const std::set<std::uint16_t>& ports, std::uint16_t server_port) {
    // Columns: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ref
    // pointer drops. local_address is "0100007F:1F90" (hex address:port).
    UdpDrops d;
    std::ifstream in("/proc/net/udp");
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        std::istringstream s(line);
        std::vector<std::string> f;
        std::string tok;
        while (s >> tok) f.push_back(tok);
        if (f.size() < 13) continue;
        const auto colon = f[1].find(':');
        if (colon == std::string::npos) continue;
        const auto port = static_cast<std::uint16_t>(std::stoul(f[1].substr(colon + 1), nullptr, 16));
        const std::uint64_t drops = std::stoull(f[12]);
        if (port == server_port) {
            d.server += drops;
        } else if (ports.count(port) != 0) {
            d.client += drops;
        }
    }
    return d;
}

}  // namespace cohost::media_loadgen
