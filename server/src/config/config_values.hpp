#pragma once
/// \file Internal to `server/src/config`: typed parsing of one configuration value, whatever layer
/// it came from (YAML scalar, `COHOST_*` variable, CLI flag). Every failure throws ConfigError
/// whose message starts with the dotted key (`rooms.cohost_grace: invalid duration ...`) and
/// ends with where the value came from, so an operator can find it.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cohost/core/time.hpp"
#include "cohost/server/config.hpp"

namespace cohost::server::config_detail {

/// One raw value and its provenance. `text` is the scalar as written (YAML quotes removed).
struct Value {
    std::string_view key;     ///< dotted key, e.g. `http.addr`
    std::string_view source;  ///< e.g. `COHOST_HTTP_ADDR`, `--udp-port`; empty from apply_yaml
    std::string text;
    bool quoted = false;  ///< a quoted/`!!str` YAML scalar: refused where a number/bool is expected
    bool null = false;    ///< YAML `~` or nothing after the colon
    bool is_list = false;            ///< a YAML sequence (only for list keys)
    std::vector<std::string> list;   ///< its items, when `is_list`
};

/// Throws `ConfigError("<key>: <what>[ (<source>)]")`.
[[noreturn]] void fail(const Value& v, const std::string& what);

/// Any string; YAML null reads as "".
[[nodiscard]] std::string as_string(const Value& v);
/// A non-empty string.
[[nodiscard]] std::string as_nonempty(const Value& v);
/// A decimal integer in [min, max] (no sign, no spaces, no quotes in YAML).
[[nodiscard]] std::int64_t as_int(const Value& v, std::int64_t min, std::int64_t max);
/// `true|false|yes|no|on|off|1|0` (any case).
[[nodiscard]] bool as_bool(const Value& v);
/// A positive duration with a unit (`500ms`, `30s`, `10m`, `4h`), at most kMaxDuration.
[[nodiscard]] core::Duration as_duration(const Value& v);
/// As as_duration, and a whole number of seconds (fields typed std::chrono::seconds).
[[nodiscard]] std::chrono::seconds as_seconds(const Value& v);
/// `HOST:PORT`, `[IPv6]:PORT`; port 0 (ephemeral) allowed.
[[nodiscard]] std::string as_host_port(const Value& v);
/// An IPv4 or IPv6 address literal (no brackets, no port). `allow_empty`: "" and null give "".
[[nodiscard]] std::string as_ip_literal(const Value& v, bool allow_empty);
/// A list of distinct `http://HOST[:PORT][/PATH][?QUERY]` URLs: a YAML sequence, or a
/// comma-separated text (environment); empty text = empty list. Messages never echo a query
/// string or credentials. `https://` is refused (the webhook client has no TLS).
[[nodiscard]] std::vector<std::string> as_http_urls(const Value& v);

/// Longest accepted duration: one year. Longer values are typos, and bounding them keeps every
/// `now + duration` far from overflow.
inline constexpr core::Duration kMaxDuration = std::chrono::hours(24 * 366);

/// Host and port of a `HOST:PORT` text; false when malformed. `host` has no brackets.
[[nodiscard]] bool split_host_port(std::string_view text, std::string& host, std::uint16_t& port);
/// true for `localhost`, 127.0.0.0/8, `::1` and IPv4-mapped 127.0.0.0/8 (host without brackets).
[[nodiscard]] bool is_loopback_host(std::string_view host);

}  // namespace cohost::server::config_detail
