#include "config_values.hpp"

#include <boost/asio/ip/address.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace cohost::server::config_detail {

namespace {

/// The value as it goes into an error message: quoted, and cut short so a pasted blob does not
/// flood the log. Never called for secrets.
std::string quote(std::string_view text) {
    constexpr std::size_t kMax = 80;
    std::string out = "'";
    out += text.substr(0, kMax);
    if (text.size() > kMax) {
        out += "...";
    }
    out += "'";
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
bool valid_hostname(std::string_view host) {
    if (host.empty() || host.size() > 253) {
        return false;
    }
    std::size_t start = 0;
    while (start <= host.size()) {
        std::size_t end = host.find('.', start);
        if (end == std::string_view::npos) {
            end = host.size();
        }
        const std::string_view label = host.substr(start, end - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
            return false;
        }
        for (char c : label) {
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
                return false;
            }
        }
        start = end + 1;
    }
    return true;
}

}  // namespace

void fail(const Value& v, const std::string& what) {
    std::string msg(v.key);
    msg += ": ";
    msg += what;
    if (!v.source.empty()) {
        msg += " (";
        msg += v.source;
        msg += ")";
    }
    throw ConfigError(msg);
}

std::string as_string(const Value& v) { return v.null ? std::string() : v.text; }

std::string as_nonempty(const Value& v) {
    if (v.null || v.text.empty()) {
        fail(v, "must not be empty");
    }
    return v.text;
}

std::string as_ip_literal(const Value& v, bool allow_empty) {
    std::string s = as_string(v);
    if (s.empty() && allow_empty) return s;
    boost::system::error_code ec;
    (void)boost::asio::ip::make_address(s, ec);
    if (ec || s.empty()) {
        fail(v, "expected an IPv4 or IPv6 address, got " + quote(s));
    }
    return s;
}

std::int64_t as_int(const Value& v, std::int64_t min, std::int64_t max) {
    const std::string range = "[" + std::to_string(min) + ", " + std::to_string(max) + "]";
    if (v.null) {
        fail(v, "missing value (expected an integer in " + range + ")");
    }
    if (v.quoted) {
        fail(v, "expected an integer, got the string " + quote(v.text));
    }
    if (!v.text.empty() && v.text.front() == '-' && all_digits(v.text.substr(1))) {
        fail(v, "must not be negative, got " + v.text);
    }
    std::int64_t n = 0;
    const char* end = v.text.data() + v.text.size();
    const auto res = std::from_chars(v.text.data(), end, n);
    if (!all_digits(v.text) || res.ec != std::errc{} || res.ptr != end) {
        fail(v, "invalid integer " + quote(v.text) + " (expected an integer in " + range + ")");
    }
    if (n < min || n > max) {
        fail(v, v.text + " is out of range " + range);
    }
    return n;
}

bool as_bool(const Value& v) {
    const std::string t = lower(v.text);
    if (!v.quoted && !v.null) {
        if (t == "true" || t == "yes" || t == "on" || t == "1") {
            return true;
        }
        if (t == "false" || t == "no" || t == "off" || t == "0") {
            return false;
        }
    }
    fail(v, "expected a boolean (true or false), got " + (v.null ? "nothing" : quote(v.text)));
}

core::Duration as_duration(const Value& v) {
    const auto d = v.null ? std::nullopt : core::parse_duration(v.text);
    if (!d) {
        fail(v, "invalid duration " + quote(v.text) + " (use 500ms, 30s, 10m or 4h)");
    }
    if (d->count() == 0) {
        fail(v, "must be longer than 0, got " + quote(v.text));
    }
    if (*d > kMaxDuration) {
        fail(v,
             quote(v.text) + " is too long (at most " + core::format_duration(kMaxDuration) + ")");
    }
    return *d;
}

std::chrono::seconds as_seconds(const Value& v) {
    const core::Duration d = as_duration(v);
    if (d.count() % 1000 != 0) {
        fail(v, quote(v.text) + " is not a whole number of seconds");
    }
    return std::chrono::duration_cast<std::chrono::seconds>(d);
}

std::string as_host_port(const Value& v) {
    std::string host;
    std::uint16_t port = 0;
    if (v.null || !split_host_port(v.text, host, port)) {
        const bool bare_v6 = !v.text.empty() && v.text.front() != '[' &&
                             std::count(v.text.begin(), v.text.end(), ':') > 1;
        fail(v, "invalid address " + quote(v.text) +
                    (bare_v6 ? " (IPv6 needs brackets: [::1]:7880)"
                             : " (expected HOST:PORT, e.g. 127.0.0.1:7880 or [::1]:7880)"));
    }
    return v.text;
}

bool split_host_port(std::string_view text, std::string& host, std::uint16_t& port) {
    std::string_view h;
    std::string_view p;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return false;
        }
        h = text.substr(1, close - 1);
        p = text.substr(close + 2);
        in6_addr a6{};
        if (inet_pton(AF_INET6, std::string(h).c_str(), &a6) != 1) {
            return false;
        }
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            return false;
        }
        h = text.substr(0, colon);
        p = text.substr(colon + 1);
        if (h.find(':') != std::string_view::npos) {
            return false;  // a bare IPv6 address is ambiguous
        }
        const bool dotted = std::all_of(h.begin(), h.end(),
                                        [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
        in_addr a4{};
        if (dotted ? inet_pton(AF_INET, std::string(h).c_str(), &a4) != 1 : !valid_hostname(h)) {
            return false;
        }
    }
    unsigned value = 0;
    const auto res = std::from_chars(p.data(), p.data() + p.size(), value);
    if (!all_digits(p) || p.size() > 5 || res.ec != std::errc{} || value > 65535) {
        return false;
    }
    host = std::string(h);
    port = static_cast<std::uint16_t>(value);
    return true;
}

bool is_loopback_host(std::string_view host) {
    if (lower(host) == "localhost") {
        return true;
    }
    const std::string h(host);
    in_addr a4{};
    if (inet_pton(AF_INET, h.c_str(), &a4) == 1) {
        return (ntohl(a4.s_addr) >> 24) == 127;
    }
    in6_addr a6{};
    if (inet_pton(AF_INET6, h.c_str(), &a6) == 1) {
        const unsigned char* b = a6.s6_addr;
        const bool first_ten_zero = std::all_of(b, b + 10, [](unsigned char c) { return c == 0; });
        const bool loopback = first_ten_zero && b[10] == 0 && b[11] == 0 && b[12] == 0 &&
                              b[13] == 0 && b[14] == 0 && b[15] == 1;
        const bool mapped_loopback =
            first_ten_zero && b[10] == 0xff && b[11] == 0xff && b[12] == 127;
        return loopback || mapped_loopback;
    }
    return false;
}

}  // namespace cohost::server::config_detail

namespace cohost::server::config_detail {

namespace {

/// The URL up to its query or fragment: what may appear in messages.
std::string without_query(std::string_view url) {
    return quote(url.substr(0, url.find_first_of("?#")));
}

void check_http_url(const Value& v, std::string_view url) {
    if (std::any_of(url.begin(), url.end(),
                    [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; })) {
        fail(v, without_query(url) + " contains a space or a control character");
    }
    if (url.starts_with("https://")) {
        fail(v, without_query(url) +
                    ": https:// is not supported by this build's webhook client (no TLS); use an "
                    "http:// URL, e.g. a local TLS-terminating proxy");
    }
    if (!url.starts_with("http://")) {
        fail(v, without_query(url) + " is not an http:// URL");
    }
    const std::string_view rest = url.substr(7);
    const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (authority.find('@') != std::string_view::npos) {
        fail(v, "credentials in a webhook URL are not supported (the receiver verifies the "
                "Authorization JWT instead)");
    }
    if (url.find('#') != std::string_view::npos) {
        fail(v, without_query(url) + ": a webhook URL has no #fragment");
    }
    std::string host;
    std::uint16_t port = 0;
    const bool with_port = split_host_port(authority, host, port);
    if (!(with_port && port != 0) &&
        !(!with_port && split_host_port(std::string(authority) + ":80", host, port))) {
        fail(v, without_query(url) + ": invalid host or port (expected http://HOST[:PORT]/PATH)");
    }
}

}  // namespace

std::vector<std::string> as_http_urls(const Value& v) {
    std::vector<std::string> urls;
    if (v.is_list) {
        urls = v.list;
    } else if (!v.null) {
        std::size_t start = 0;
        while (start <= v.text.size()) {
            std::size_t end = v.text.find(',', start);
            if (end == std::string::npos) end = v.text.size();
            std::string item = v.text.substr(start, end - start);
            const auto first = item.find_first_not_of(' ');
            const auto last = item.find_last_not_of(' ');
            item = first == std::string::npos ? std::string() : item.substr(first, last - first + 1);
            if (!item.empty()) urls.push_back(std::move(item));
            start = end + 1;
        }
    }
    for (std::size_t i = 0; i < urls.size(); ++i) {
        check_http_url(v, urls[i]);
        if (std::find(urls.begin(), urls.begin() + static_cast<std::ptrdiff_t>(i), urls[i]) !=
            urls.begin() + static_cast<std::ptrdiff_t>(i)) {
            fail(v, without_query(urls[i]) + " is listed twice");
        }
    }
    return urls;
}

}  // namespace cohost::server::config_detail
