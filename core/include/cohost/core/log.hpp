#pragma once
/// \file Logging facade over spdlog: one named logger per subsystem (`http`, `ws`, `rooms`,
/// `store`, `app`, ...). Never log secrets: tokens, API secrets, ICE passwords.
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace cohost::core {

/// Returns (creating on first use) the logger called `name`, writing to stderr. Thread-safe.
std::shared_ptr<spdlog::logger> logger(const std::string& name);

/// Sets the level of every logger, existing and future: trace|debug|info|warn|error|off.
/// Returns false for an unknown level name.
bool set_log_level(const std::string& level);

}  // namespace cohost::core
