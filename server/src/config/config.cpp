#include "cohost/server/config.hpp"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "config_values.hpp"

namespace cohost::server {

namespace {

using namespace config_detail;  // Value, fail() and the as_* parsers

/// One configuration key: its dotted name (which also gives its YAML place and its environment
/// variable) and how a raw value is checked and stored. This table is the single list of keys;
/// `config/cohost.sample.yaml` and dump_redacted() must list the same ones (a test checks it).
struct Key {
    std::string_view name;
    void (*set)(Config&, const Value&);
};

constexpr std::array kKeys{
    Key{"log.level",
        [](Config& c, const Value& v) {
            static constexpr std::array kLevels{"trace", "debug", "info", "warn", "error", "off"};
            const std::string s = as_string(v);
            if (std::find(kLevels.begin(), kLevels.end(), s) == kLevels.end()) {
                fail(v,
                     "invalid log level '" + s + "' (use trace, debug, info, warn, error or off)");
            }
            c.log_level = s;
        }},
    Key{"data_dir", [](Config& c, const Value& v) { c.data_dir = as_nonempty(v); }},
    Key{"http.addr", [](Config& c, const Value& v) { c.http_addr = as_host_port(v); }},
    Key{"http.max_body_bytes",
        [](Config& c, const Value& v) {
            c.http_max_body = static_cast<std::size_t>(as_int(v, 1024, std::int64_t{1} << 30));
        }},
    Key{"http.ui_dir", [](Config& c, const Value& v) { c.http_ui_dir = as_string(v); }},
    Key{"http.threads",
        [](Config& c, const Value& v) { c.http_threads = int(as_int(v, 0, 64)); }},
    Key{"http.max_json_depth",
        [](Config& c, const Value& v) { c.http_max_json_depth = int(as_int(v, 1, 1000)); }},
    Key{"auth.api_key", [](Config& c, const Value& v) { c.api_key = as_nonempty(v); }},
    Key{"auth.api_secret",
        [](Config& c, const Value& v) {
            // Never echo the value: it is a secret even when it is too short.
            std::string s = as_string(v);
            if (!s.empty() && s.size() < 32) {
                fail(v, "must be at least 32 bytes, got " + std::to_string(s.size()) +
                            " (leave it empty to generate one)");
            }
            c.api_secret = std::move(s);
        }},
    Key{"auth.dev_login",
        [](Config& c, const Value& v) {
            if (v.null || v.text.empty() || v.text == "auto") {
                c.dev_login.reset();  // on when http.addr is loopback
            } else {
                c.dev_login = as_bool(v);
            }
        }},
    Key{"auth.user_token_ttl", [](Config& c, const Value& v) { c.user_token_ttl = as_seconds(v); }},
    Key{"auth.token_cache_size",
        [](Config& c, const Value& v) {
            c.token_cache_size = static_cast<std::size_t>(as_int(v, 0, 10'000'000));
        }},
    Key{"media.udp_port",
        [](Config& c, const Value& v) { c.udp_port = std::uint16_t(as_int(v, 0, 65535)); }},
    Key{"media.public_ip",
        [](Config& c, const Value& v) { c.media_public_ip = as_ip_literal(v, false); }},
    Key{"media.bind_ip",
        [](Config& c, const Value& v) { c.media_bind_ip = as_ip_literal(v, true); }},
    Key{"media.workers",
        [](Config& c, const Value& v) { c.media_workers = unsigned(as_int(v, 0, 64)); }},
    Key{"media.max_queue_delay",
        [](Config& c, const Value& v) {
            const bool off =
                !v.null && (v.text == "0" || core::parse_duration(v.text) == core::Duration{0});
            c.media_max_queue_delay = off ? std::chrono::milliseconds(0) : as_duration(v);
        }},
    Key{"media.test_hooks", [](Config& c, const Value& v) { c.media_test_hooks = as_bool(v); }},
    Key{"media.test_capture_dir",
        [](Config& c, const Value& v) { c.media_test_capture_dir = as_string(v); }},
    Key{"media.test_drop_video_percent",
        [](Config& c, const Value& v) {
            c.media_test_drop_video_percent = unsigned(as_int(v, 0, 50));
        }},
    Key{"media.public_url",
        [](Config& c, const Value& v) {
            const std::string s = as_string(v);
            const bool ws = s.rfind("ws://", 0) == 0 && s.size() > 5;
            const bool wss = s.rfind("wss://", 0) == 0 && s.size() > 6;
            if (!s.empty() && !ws && !wss) {
                fail(v, "must be a ws:// or wss:// URL, got '" + s + "'");
            }
            c.media_public_url = s;
        }},
    Key{"media.token_ttl", [](Config& c, const Value& v) { c.media_token_ttl = as_seconds(v); }},
    Key{"media.mode",
        [](Config& c, const Value& v) {
            const std::string s = as_string(v);
            if (s != "embedded" && s != "livekit") {
                fail(v, "expected embedded or livekit, got '" + s + "'");
            }
            c.media_mode = s == "livekit" ? MediaMode::Livekit : MediaMode::Embedded;
        }},
    Key{"livekit.url",
        [](Config& c, const Value& v) {
            std::string s = as_string(v);
            const auto scheme_end = s.find("://");
            const std::string scheme =
                scheme_end == std::string::npos ? std::string() : s.substr(0, scheme_end);
            const bool known = scheme == "http" || scheme == "https" || scheme == "ws" ||
                               scheme == "wss";
            if (!s.empty() && (!known || s.size() == scheme_end + 3 ||
                               s.find_first_of(" \t@?#", scheme_end + 3) != std::string::npos)) {
                fail(v, "must be an http(s):// or ws(s):// URL without credentials or query "
                        "(e.g. http://127.0.0.1:7880)");
            }
            c.livekit_url = std::move(s);
        }},
    Key{"livekit.api_key", [](Config& c, const Value& v) { c.livekit_api_key = as_string(v); }},
    Key{"livekit.api_secret",
        [](Config& c, const Value& v) { c.livekit_api_secret = as_string(v); }},  // never echoed
    Key{"livekit.timeout", [](Config& c, const Value& v) { c.livekit_timeout = as_duration(v); }},
    Key{"livekit.reconcile_interval",
        [](Config& c, const Value& v) {
            // `0` (with or without a unit) turns the reconciler off.
            if (!v.null && (v.text == "0" || core::parse_duration(v.text) == core::Duration{0})) {
                c.livekit_reconcile_interval = std::chrono::milliseconds{0};
                return;
            }
            c.livekit_reconcile_interval = as_duration(v);
        }},
    Key{"livekit.webhook_dedup_size",
        [](Config& c, const Value& v) {
            c.livekit_webhook_dedup_size = static_cast<std::size_t>(as_int(v, 1, 10'000'000));
        }},
    Key{"store.url",
        [](Config& c, const Value& v) {
            // Only the scheme goes into the message: a database URL may carry a password.
            std::string s = as_string(v);
            if (!s.empty() && (s.rfind("sqlite://", 0) != 0 || s.size() == 9)) {
                const auto scheme = s.find("://");
                fail(v,
                     "unsupported store URL" +
                         (scheme == std::string::npos ? std::string()
                                                      : " scheme '" + s.substr(0, scheme) + "'") +
                         " (use sqlite://<path>, or leave empty for <data_dir>/cohost.db)");
            }
            c.store_url = std::move(s);
        }},
    Key{"store.sqlite_synchronous",
        [](Config& c, const Value& v) {
            const std::string s = as_string(v);
            if (s != "full" && s != "normal") {
                fail(v, "expected full or normal, got '" + s + "'");
            }
            c.sqlite_synchronous_full = s == "full";
        }},
    Key{"store.group_commit",
        [](Config& c, const Value& v) { c.store_group_commit = as_bool(v); }},
    Key{"store.group_commit_max",
        [](Config& c, const Value& v) {
            c.store_group_commit_max = static_cast<std::size_t>(as_int(v, 1, 100000));
        }},
    Key{"rooms.invitation_ttl",
        [](Config& c, const Value& v) { c.policy.invitation_ttl = as_duration(v); }},
    Key{"rooms.invitation_ttl_min",
        [](Config& c, const Value& v) { c.policy.invitation_ttl_min = as_duration(v); }},
    Key{"rooms.invitation_ttl_max",
        [](Config& c, const Value& v) { c.policy.invitation_ttl_max = as_duration(v); }},
    Key{"rooms.backstage_timeout",
        [](Config& c, const Value& v) { c.policy.backstage_timeout = as_duration(v); }},
    Key{"rooms.cohost_grace",
        [](Config& c, const Value& v) { c.policy.cohost_grace = as_duration(v); }},
    Key{"rooms.host_reconnect_window",
        [](Config& c, const Value& v) { c.policy.host_reconnect_window = as_duration(v); }},
    Key{"rooms.max_duration",
        [](Config& c, const Value& v) { c.policy.max_duration = as_duration(v); }},
    Key{"rooms.idle_expiry",
        [](Config& c, const Value& v) { c.policy.idle_expiry = as_duration(v); }},
    Key{"realtime.retention_events",
        [](Config& c, const Value& v) {
            c.realtime_retention_events = int(as_int(v, 0, 1'000'000));
        }},
    Key{"realtime.retention_age",
        [](Config& c, const Value& v) { c.realtime_retention_age = as_seconds(v); }},
    Key{"realtime.queue_limit",
        [](Config& c, const Value& v) {
            c.realtime_queue_limit = static_cast<std::size_t>(as_int(v, 1, 1'000'000));
        }},
    Key{"realtime.ping_interval",
        [](Config& c, const Value& v) { c.realtime_ping_interval = as_seconds(v); }},
    Key{"realtime.idle_timeout",
        [](Config& c, const Value& v) { c.realtime_idle_timeout = as_seconds(v); }},
    Key{"realtime.max_connections",
        [](Config& c, const Value& v) {
            c.realtime_max_connections = int(as_int(v, 1, 10'000'000));
        }},
    Key{"realtime.threads",
        [](Config& c, const Value& v) { c.realtime_threads = int(as_int(v, 0, 64)); }},
    Key{"engagement.max_message_chars",
        [](Config& c, const Value& v) {
            c.engagement.max_message_chars = static_cast<std::size_t>(as_int(v, 1, 10'000));
        }},
    Key{"engagement.max_mute",
        [](Config& c, const Value& v) { c.engagement.max_mute = as_seconds(v); }},
    Key{"engagement.max_ban",
        [](Config& c, const Value& v) { c.engagement.max_ban = as_seconds(v); }},
    Key{"engagement.max_room_products",
        [](Config& c, const Value& v) {
            c.engagement.max_room_products = static_cast<std::size_t>(as_int(v, 1, 200));
        }},
    Key{"engagement.reactions",
        [](Config& c, const Value& v) {
            // Comma-separated names (also from the environment): 1-32 of [a-z0-9_-], distinct.
            std::vector<std::string> names;
            std::string text = as_string(v) + ",";
            std::string item;
            for (char ch : text) {
                if (ch == ',') {
                    if (item.empty()) fail(v, "expected comma-separated reaction names");
                    if (std::find(names.begin(), names.end(), item) != names.end()) {
                        fail(v, "'" + item + "' is listed twice");
                    }
                    names.push_back(std::exchange(item, {}));
                } else if (ch != ' ') {
                    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                                    ch == '_' || ch == '-';
                    if (!ok || item.size() >= 32) {
                        fail(v, "reaction names are 1-32 characters of [a-z0-9_-]");
                    }
                    item += ch;
                }
            }
            c.engagement.reactions = std::move(names);
        }},
    Key{"engagement.reactions_per_user_per_second",
        [](Config& c, const Value& v) {
            c.engagement.reactions_per_user_per_second = int(as_int(v, 1, 1000));
        }},
    Key{"realtime.write_interval",
        [](Config& c, const Value& v) {
            // 0 = every event is written at once; else paced (at most one write per interval).
            const bool off =
                !v.null && (v.text == "0" || core::parse_duration(v.text) == core::Duration{0});
            c.realtime_write_interval = off ? std::chrono::milliseconds(0) : as_duration(v);
        }},
    Key{"engagement.viewer_cache_ttl",
        [](Config& c, const Value& v) {
            // 0 turns the cache off (the store is read per request); else a positive duration.
            const bool off =
                !v.null && (v.text == "0" || core::parse_duration(v.text) == core::Duration{0});
            c.engagement_viewer_cache_ttl = off ? std::chrono::milliseconds(0) : as_duration(v);
        }},
    Key{"metrics.enabled", [](Config& c, const Value& v) { c.metrics_enabled = as_bool(v); }},
    Key{"webhooks.urls", [](Config& c, const Value& v) { c.webhook_urls = as_http_urls(v); }},
    Key{"webhooks.timeout",
        [](Config& c, const Value& v) { c.webhook_timeout = as_duration(v); }},
    Key{"webhooks.retry_initial",
        [](Config& c, const Value& v) { c.webhook_retry_initial = as_duration(v); }},
    Key{"webhooks.retry_max",
        [](Config& c, const Value& v) { c.webhook_retry_max = as_duration(v); }},
    Key{"webhooks.max_backlog_age",
        [](Config& c, const Value& v) { c.webhook_max_backlog_age = as_duration(v); }},
};

const Key* find_key(std::string_view name) {
    const auto it =
        std::find_if(kKeys.begin(), kKeys.end(), [&](const Key& k) { return k.name == name; });
    return it == kKeys.end() ? nullptr : &*it;
}

bool is_section(std::string_view name) {
    return std::any_of(kKeys.begin(), kKeys.end(), [&](const Key& k) {
        return k.name.size() > name.size() && k.name.substr(0, name.size()) == name &&
               k.name[name.size()] == '.';
    });
}

/// `rooms.cohost_grace` → `COHOST_ROOMS_COHOST_GRACE`.
std::string env_name(std::string_view key) {
    std::string out = "COHOST_";
    for (char c : key) {
        out += c == '.' ? '_' : char(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

[[noreturn]] void fail_key(const std::string& key, const std::string& what,
                           const std::string& source) {
    Value v;
    v.key = key;
    v.source = source;
    fail(v, what);
}

void set_from_node(Config& cfg, const Key& key, const YAML::Node& node, const std::string& source) {
    Value v;
    v.key = key.name;
    v.source = source;
    if (node.IsNull()) {
        v.null = true;
    } else if (node.IsScalar()) {
        v.text = node.Scalar();
        v.quoted = node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str";
    } else if (node.IsSequence() && key.name == "webhooks.urls") {
        v.is_list = true;
        for (const auto& item : node) {
            if (!item.IsScalar()) {
                fail(v, "expected a list of URLs");
            }
            v.list.push_back(item.Scalar());
        }
    } else {
        fail(v, std::string("expected a single value, got a ") +
                    (node.IsSequence() ? "list" : "mapping"));
    }
    key.set(cfg, v);
}

/// Iterates a YAML mapping, refusing non-scalar and duplicate keys (yaml-cpp keeps duplicates).
template <class F>
void for_each_entry(const YAML::Node& map, const std::string& prefix, const std::string& source,
                    F&& f) {
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
        if (!it->first.IsScalar()) {
            fail_key(prefix.empty() ? "config" : prefix, "keys must be plain names", source);
        }
        const std::string name =
            prefix.empty() ? it->first.Scalar() : prefix + "." + it->first.Scalar();
        if (!seen.insert(name).second) {
            fail_key(name, "duplicate key", source);
        }
        f(name, it->second);
    }
}

void apply_yaml_from(Config& cfg, const std::string& yaml_text, const std::string& source) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::Exception& e) {
        throw ConfigError("config: " + std::string(e.what()) +
                          (source.empty() ? std::string() : " (" + source + ")"));
    }
    if (root.IsNull()) {
        return;  // an empty file changes nothing
    }
    if (!root.IsMap()) {
        fail_key("config", "expected a mapping of sections (log, http, auth, ...)", source);
    }
    for_each_entry(root, "", source, [&](const std::string& name, const YAML::Node& node) {
        if (name.find('.') != std::string::npos) {
            fail_key(name, "unknown key (nest it: `section:` then `key:`)", source);
        }
        if (const Key* key = find_key(name)) {
            set_from_node(cfg, *key, node, source);
            return;
        }
        if (!is_section(name)) {
            fail_key(name, "unknown key (see config/cohost.sample.yaml)", source);
        }
        if (node.IsNull()) {
            return;  // `rooms:` with nothing under it
        }
        if (!node.IsMap()) {
            fail_key(name, "expected a mapping of keys", source);
        }
        for_each_entry(node, name, source, [&](const std::string& dotted, const YAML::Node& leaf) {
            const Key* key = find_key(dotted);
            if (key == nullptr) {
                fail_key(dotted, "unknown key (see config/cohost.sample.yaml)", source);
            }
            set_from_node(cfg, *key, leaf, source);
        });
    });
}

void apply_env(Config& cfg, const std::map<std::string, std::string>& env) {
    for (const auto& [name, text] : env) {
        if (name.rfind("COHOST_", 0) != 0 || name == "COHOST_CONFIG") {
            continue;
        }
        const auto it = std::find_if(kKeys.begin(), kKeys.end(),
                                     [&](const Key& k) { return env_name(k.name) == name; });
        if (it == kKeys.end()) {
            throw ConfigError(name +
                              ": unknown environment variable (config keys map to "
                              "COHOST_<SECTION>_<KEY>, e.g. COHOST_HTTP_ADDR)");
        }
        const std::string source = "from " + name;
        Value v;
        v.key = it->name;
        v.source = source;
        v.text = text;
        it->set(cfg, v);
    }
}

void apply_flag(Config& cfg, std::string_view key, std::string_view flag, std::string text) {
    const std::string source = "from " + std::string(flag);
    Value v;
    v.key = key;
    v.source = source;
    v.text = std::move(text);
    find_key(key)->set(cfg, v);
}

void apply_cli(Config& cfg, const CliOverrides& cli) {
    if (cli.http_addr) {
        apply_flag(cfg, "http.addr", "--http-addr", *cli.http_addr);
    }
    if (cli.data_dir) {
        apply_flag(cfg, "data_dir", "--data-dir", *cli.data_dir);
    }
    if (cli.api_key) {
        apply_flag(cfg, "auth.api_key", "--api-key", *cli.api_key);
    }
    if (cli.api_secret) {
        apply_flag(cfg, "auth.api_secret", "--api-secret", *cli.api_secret);
    }
    if (cli.udp_port) {
        apply_flag(cfg, "media.udp_port", "--udp-port", std::to_string(*cli.udp_port));
    }
    if (cli.dev_login) {
        apply_flag(cfg, "auth.dev_login", "--dev-login", *cli.dev_login ? "true" : "false");
    }
}

/// Rules that involve more than one key; run once, on the merged result.
void validate(const Config& cfg) {
    using core::format_duration;
    const auto& p = cfg.policy;
    if (p.invitation_ttl_min > p.invitation_ttl_max) {
        throw ConfigError("rooms.invitation_ttl_min: " + format_duration(p.invitation_ttl_min) +
                          " is longer than rooms.invitation_ttl_max (" +
                          format_duration(p.invitation_ttl_max) + ")");
    }
    if (p.invitation_ttl < p.invitation_ttl_min || p.invitation_ttl > p.invitation_ttl_max) {
        throw ConfigError("rooms.invitation_ttl: " + format_duration(p.invitation_ttl) +
                          " is outside [rooms.invitation_ttl_min " +
                          format_duration(p.invitation_ttl_min) + ", rooms.invitation_ttl_max " +
                          format_duration(p.invitation_ttl_max) + "]");
    }
    if (cfg.webhook_retry_initial > cfg.webhook_retry_max) {
        throw ConfigError("webhooks.retry_initial: " + format_duration(cfg.webhook_retry_initial) +
                          " is longer than webhooks.retry_max (" +
                          format_duration(cfg.webhook_retry_max) + ")");
    }
    if (cfg.media_mode == MediaMode::Livekit && cfg.livekit_url.empty()) {
        throw ConfigError("livekit.url: required when media.mode is livekit");
    }
    if (cfg.livekit_api_key.empty() != cfg.livekit_api_secret.empty()) {
        throw ConfigError(cfg.livekit_api_key.empty()
                              ? "livekit.api_key: must be set when livekit.api_secret is"
                              : "livekit.api_secret: must be set when livekit.api_key is");
    }
    if (cfg.realtime_idle_timeout <= cfg.realtime_ping_interval) {
        throw ConfigError("realtime.idle_timeout: " + format_duration(cfg.realtime_idle_timeout) +
                          " must be longer than realtime.ping_interval (" +
                          format_duration(cfg.realtime_ping_interval) + ")");
    }
}

std::string read_file(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw ConfigError("config: cannot read " + path);
    }
    std::ifstream in(path, std::ios::binary);
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (!in || in.bad()) {
        throw ConfigError("config: cannot read " + path);
    }
    return text;
}

}  // namespace

void apply_yaml(Config& cfg, const std::string& yaml_text) { apply_yaml_from(cfg, yaml_text, {}); }

Config load_config(const CliOverrides& cli, const std::map<std::string, std::string>& env) {
    Config cfg;
    std::optional<std::string> path = cli.config_path;
    if (!path) {
        if (const auto it = env.find("COHOST_CONFIG"); it != env.end() && !it->second.empty()) {
            path = it->second;
        }
    }
    if (path) {
        apply_yaml_from(cfg, read_file(*path), "in " + *path);
    }
    apply_env(cfg, env);
    apply_cli(cfg, cli);
    validate(cfg);
    return cfg;
}

std::map<std::string, std::string> cohost_environment() {
    std::map<std::string, std::string> out;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string_view entry(*e);
        const auto eq = entry.find('=');
        if (eq != std::string_view::npos && entry.rfind("COHOST_", 0) == 0) {
            out.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
        }
    }
    return out;
}

bool Config::listens_on_loopback() const {
    std::string host;
    std::uint16_t port = 0;
    return config_detail::split_host_port(http_addr, host, port) &&
           config_detail::is_loopback_host(host);
}

std::string Config::dump_redacted() const {
    using core::format_duration;
    YAML::Emitter out;
    const auto section = [&out](const char* name) {
        out << YAML::Key << name << YAML::Value << YAML::BeginMap;
    };
    const auto kv = [&out](const char* key, const auto& value) {
        out << YAML::Key << key << YAML::Value << value;
    };
    out << YAML::BeginMap;
    section("log");
    kv("level", log_level);
    out << YAML::EndMap;
    kv("data_dir", data_dir);
    section("http");
    kv("addr", http_addr);
    kv("max_body_bytes", http_max_body);
    kv("max_json_depth", http_max_json_depth);
    kv("threads", http_threads);
    kv("ui_dir", http_ui_dir);
    out << YAML::EndMap;
    section("auth");
    kv("api_key", api_key);
    kv("api_secret", api_secret.empty() ? "<generated>" : "<redacted>");
    kv("dev_login", dev_login_enabled());
    if (!dev_login) {
        out << YAML::Comment("auto: on when http.addr is loopback");
    }
    kv("user_token_ttl", format_duration(user_token_ttl));
    kv("token_cache_size", token_cache_size);
    out << YAML::EndMap;
    section("media");
    kv("udp_port", udp_port);
    kv("public_ip", media_public_ip);
    kv("bind_ip", media_bind_ip);
    kv("workers", media_workers);
    kv("max_queue_delay", format_duration(media_max_queue_delay));
    kv("test_hooks", media_test_hooks);
    kv("test_drop_video_percent", media_test_drop_video_percent);
    kv("test_capture_dir", media_test_capture_dir);
    kv("public_url", media_public_url);
    kv("token_ttl", format_duration(media_token_ttl));
    kv("mode", media_mode == MediaMode::Livekit ? "livekit" : "embedded");
    out << YAML::EndMap;
    section("livekit");
    kv("url", livekit_url);
    kv("api_key", livekit_api_key);
    kv("api_secret", livekit_api_secret.empty() ? "" : "<redacted>");
    kv("timeout", format_duration(livekit_timeout));
    kv("reconcile_interval", format_duration(livekit_reconcile_interval));
    kv("webhook_dedup_size", livekit_webhook_dedup_size);
    out << YAML::EndMap;
    section("store");
    kv("url", store_url.empty() ? "sqlite://" + data_dir + "/cohost.db" : store_url);
    kv("sqlite_synchronous", sqlite_synchronous_full ? "full" : "normal");
    kv("group_commit", store_group_commit);
    kv("group_commit_max", store_group_commit_max);
    out << YAML::EndMap;
    section("rooms");
    kv("invitation_ttl", format_duration(policy.invitation_ttl));
    kv("invitation_ttl_min", format_duration(policy.invitation_ttl_min));
    kv("invitation_ttl_max", format_duration(policy.invitation_ttl_max));
    kv("backstage_timeout", format_duration(policy.backstage_timeout));
    kv("cohost_grace", format_duration(policy.cohost_grace));
    kv("host_reconnect_window", format_duration(policy.host_reconnect_window));
    kv("max_duration", format_duration(policy.max_duration));
    kv("idle_expiry", format_duration(policy.idle_expiry));
    out << YAML::EndMap;
    section("realtime");
    kv("retention_events", realtime_retention_events);
    kv("retention_age", format_duration(realtime_retention_age));
    kv("queue_limit", realtime_queue_limit);
    kv("ping_interval", format_duration(realtime_ping_interval));
    kv("idle_timeout", format_duration(realtime_idle_timeout));
    kv("max_connections", realtime_max_connections);
    kv("threads", realtime_threads);
    kv("write_interval", format_duration(realtime_write_interval));
    out << YAML::EndMap;
    section("engagement");
    kv("max_message_chars", engagement.max_message_chars);
    kv("max_mute", format_duration(engagement.max_mute));
    kv("max_ban", format_duration(engagement.max_ban));
    kv("max_room_products", engagement.max_room_products);
    {
        std::string names;
        for (const auto& n : engagement.reactions) names += (names.empty() ? "" : ",") + n;
        kv("reactions", names);
    }
    kv("reactions_per_user_per_second", engagement.reactions_per_user_per_second);
    kv("viewer_cache_ttl", format_duration(engagement_viewer_cache_ttl));
    out << YAML::EndMap;
    section("metrics");
    kv("enabled", metrics_enabled);
    out << YAML::EndMap;
    section("webhooks");
    out << YAML::Key << "urls" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& url : webhook_urls) {
        // A query string may carry a receiver's token: only its presence is shown.
        const auto q = url.find('?');
        out << (q == std::string::npos ? url : url.substr(0, q) + "?<redacted>");
    }
    out << YAML::EndSeq;
    kv("timeout", format_duration(webhook_timeout));
    kv("retry_initial", format_duration(webhook_retry_initial));
    kv("retry_max", format_duration(webhook_retry_max));
    kv("max_backlog_age", format_duration(webhook_max_backlog_age));
    out << YAML::EndMap;
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

}  // namespace cohost::server
