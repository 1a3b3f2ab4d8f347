#include "target.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <boost/url/parse.hpp>
#include <fstream>
#include <sstream>

namespace cohost::loadgen {

namespace net = boost::asio;

std::optional<Target> parse_target(const std::string& url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed || parsed->scheme() != "http" || !parsed->has_port()) {
        return std::nullopt;
    }
    std::string host = parsed->host();
    if (host == "localhost") {
        host = "127.0.0.1";
    }
    boost::system::error_code ec;
    const auto addr = net::ip::make_address_v4(host, ec);
    if (ec || !addr.is_loopback()) {
        return std::nullopt;
    }
    const auto port = parsed->port_number();
    if (port == 0) {
        return std::nullopt;
    }
    Target t;
    t.endpoint = net::ip::tcp::endpoint(addr, port);
    t.host_header = host + ":" + std::to_string(port);
    return t;
}

std::uint64_t raise_nofile_limit() {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
        return 0;
    }
    if (lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &lim);
        (void)getrlimit(RLIMIT_NOFILE, &lim);
    }
    return lim.rlim_cur;
}

ProcSample sample_process(int pid) {
    ProcSample s;
    s.taken_ns = now_ns();
    if (pid <= 0) {
        return s;
    }
    const std::string dir = "/proc/" + std::to_string(pid);
    std::ifstream stat(dir + "/stat");
    std::string line;
    if (!std::getline(stat, line)) {
        return s;
    }
    // The command name (field 2) may hold spaces; fields resume after the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) {
        return s;
    }
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) {
            utime = std::stoull(field);
        } else if (i == 15) {
            stime = std::stoull(field);
        }
    }
    const long ticks = sysconf(_SC_CLK_TCK);
    s.cpu_seconds =
        static_cast<double>(utime + stime) / static_cast<double>(ticks > 0 ? ticks : 100);
    std::ifstream status(dir + "/status");
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            s.rss_kib = std::stoull(line.substr(6));
            s.ok = true;
            break;
        }
    }
    return s;
}

double cpu_percent(const ProcSample& from, const ProcSample& to) noexcept {
    if (!from.ok || !to.ok || to.taken_ns <= from.taken_ns) {
        return 0;
    }
    const double wall = static_cast<double>(to.taken_ns - from.taken_ns) / 1e9;
    return 100.0 * (to.cpu_seconds - from.cpu_seconds) / wall;
}

double self_cpu_seconds() noexcept {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    auto secs = [](const timeval& tv) {
        return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
    };
    return secs(ru.ru_utime) + secs(ru.ru_stime);
}

}  // namespace cohost::loadgen
