#include "response_bytes.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>
#include <charconv>
#include <set>
#include <string_view>

namespace cohost::server::http::detail {

namespace bhttp = boost::beast::http;

namespace {

void append_number(std::string& out, std::size_t n) {
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    (void)ec;
    out.append(buf, end);
}

/// Names Beast sets itself (or that `set` would make replace one): the fast path declines them.
bool reserved(std::string_view name) {
    for (std::string_view r : {"server", "content-type", "content-length", "connection",
                               "transfer-encoding"}) {
        if (boost::beast::iequals(name, r)) return true;
    }
    return false;
}

}  // namespace

std::optional<std::string> response_bytes(const Response& r, unsigned version, bool keep_alive) {
    const int s = r.status;
    if (s < 200 || s > 999 || s == 204 || s == 304 || (version != 10 && version != 11)) {
        return std::nullopt;  // no-body statuses and odd versions: Beast's rules apply
    }
    for (std::size_t i = 0; i < r.headers.size(); ++i) {
        if (reserved(r.headers[i].first)) return std::nullopt;
        for (std::size_t j = 0; j < i; ++j) {
            if (boost::beast::iequals(r.headers[i].first, r.headers[j].first)) return std::nullopt;
        }
    }
    const std::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(s));
    std::string out;
    std::size_t extra = 0;
    for (const auto& [k, v] : r.headers) extra += k.size() + v.size() + 4;
    out.reserve(96 + reason.size() + r.content_type.size() + extra + r.body.size());
    out.append(version == 11 ? "HTTP/1.1 " : "HTTP/1.0 ");
    append_number(out, static_cast<std::size_t>(s));
    out.push_back(' ');
    out.append(reason);
    out.append("\r\nServer: cohostd\r\n");
    if (!r.content_type.empty()) {
        out.append("Content-Type: ").append(r.content_type).append("\r\n");
    }
    for (const auto& [k, v] : r.headers) {
        out.append(k).append(": ").append(v).append("\r\n");
    }
    // Beast's keep_alive(): HTTP/1.1 says `close` to end, HTTP/1.0 says `keep-alive` to keep.
    if (version == 11 && !keep_alive) out.append("Connection: close\r\n");
    if (version == 10 && keep_alive) out.append("Connection: keep-alive\r\n");
    out.append("Content-Length: ");
    append_number(out, r.body.size());
    out.append("\r\n\r\n");
    out.append(r.body);
    return out;
}

}  // namespace cohost::server::http::detail
