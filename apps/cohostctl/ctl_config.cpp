#include "ctl_config.hpp"

#include <sys/stat.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace cohost::ctl {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v == nullptr ? std::string() : std::string(v);
}

std::string string_or_empty(const json::object& o, const char* key) {
    const auto it = o.find(key);
    return it != o.end() && it->value().is_string() ? std::string(it->value().get_string())
                                                    : std::string();
}

}  // namespace

std::string config_path() {
    if (auto p = env("COHOSTCTL_CONFIG"); !p.empty()) {
        return p;
    }
    if (auto xdg = env("XDG_CONFIG_HOME"); !xdg.empty()) {
        return (fs::path(xdg) / "cohost" / "ctl.json").string();
    }
    const std::string home = env("HOME");
    return (fs::path(home.empty() ? "." : home) / ".config" / "cohost" / "ctl.json").string();
}

CtlConfig load_config(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        return {};
    }
    std::stringstream ss;
    ss << in.rdbuf();
    boost::system::error_code ec;
    const json::value v = json::parse(ss.str(), ec);
    if (ec || !v.is_object()) {
        throw std::runtime_error(path + " is not a JSON object");
    }
    const auto& o = v.get_object();
    return CtlConfig{string_or_empty(o, "url"), string_or_empty(o, "token"),
                     string_or_empty(o, "userId")};
}

void save_config(const std::string& path, const CtlConfig& cfg) {
    const fs::path target(path);
    if (target.has_parent_path()) {
        fs::create_directories(target.parent_path());
    }
    const json::object o{{"url", cfg.url}, {"token", cfg.token}, {"userId", cfg.user_id}};
    const std::string tmp = path + ".tmp";
    {
        // Created 0600 before the token is written into it.
        const mode_t old_mask = ::umask(077);
        std::ofstream out(tmp, std::ios::trunc);
        ::umask(old_mask);
        if (!out) {
            throw std::runtime_error("cannot write " + tmp);
        }
        out << json::serialize(o) << '\n';
        if (!out.flush()) {
            throw std::runtime_error("cannot write " + tmp);
        }
    }
    std::error_code ec;
    fs::rename(tmp, target, ec);
    if (ec) {
        throw std::runtime_error("cannot replace " + path + ": " + ec.message());
    }
}

}  // namespace cohost::ctl
