#include "cohost/core/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <atomic>
#include <mutex>

namespace cohost::core {

namespace {
std::mutex g_mutex;
std::atomic<spdlog::level::level_enum> g_level{spdlog::level::info};
}  // namespace

std::shared_ptr<spdlog::logger> logger(const std::string& name) {
    std::lock_guard lock(g_mutex);
    if (auto existing = spdlog::get(name)) {
        return existing;
    }
    auto l = spdlog::stderr_color_mt(name);
    l->set_level(g_level.load());
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ [%n] %v", spdlog::pattern_time_type::utc);
    return l;
}

bool set_log_level(const std::string& level) {
    const auto lvl = spdlog::level::from_str(level);
    if (lvl == spdlog::level::off && level != "off") {
        return false;
    }
    std::lock_guard lock(g_mutex);
    g_level = lvl;
    spdlog::set_level(lvl);
    spdlog::apply_all([lvl](const std::shared_ptr<spdlog::logger>& l) { l->set_level(lvl); });
    return true;
}

}  // namespace cohost::core
