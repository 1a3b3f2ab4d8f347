#pragma once
/// \file cohostctl's saved settings: the server URL and the token of the last `login`, kept in a
/// small JSON file (`$COHOSTCTL_CONFIG`, else `$XDG_CONFIG_HOME/cohost/ctl.json`, else
/// `~/.config/cohost/ctl.json`), written with mode 0600 because it holds a bearer token.
#include <optional>
#include <string>

namespace cohost::ctl {

constexpr const char* kDefaultUrl = "http://127.0.0.1:7880";

struct CtlConfig {
    std::string url;      ///< empty = not saved
    std::string token;    ///< empty = not logged in
    std::string user_id;  ///< who the token is for (informational)
};

/// Where the settings live (see the file comment).
[[nodiscard]] std::string config_path();

/// Reads the settings; a missing file gives empty settings. Throws std::runtime_error when the
/// file exists but is not a JSON object.
[[nodiscard]] CtlConfig load_config(const std::string& path);

/// Writes the settings atomically (temporary file + rename), creating the directory.
/// Throws std::runtime_error on I/O failure.
void save_config(const std::string& path, const CtlConfig& cfg);

}  // namespace cohost::ctl
