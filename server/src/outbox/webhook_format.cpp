// The pure parts of the webhook sender: URL parsing, which outbox rows are delivered, the body,
// and the retry schedule.
#include <arpa/inet.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>

#include "cohost/core/time.hpp"
#include "webhook_sender.hpp"

namespace cohost::server::outbox {

namespace json = boost::json;

namespace {

bool valid_host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
}

void append_json_string(std::string& out, std::string_view s) {
    out += json::serialize(json::string(s));
}

}  // namespace

std::optional<HttpUrl> parse_http_url(std::string_view url) {
    constexpr std::string_view kScheme = "http://";
    if (!url.starts_with(kScheme) || url.find('#') != std::string_view::npos) {
        return std::nullopt;
    }
    if (std::any_of(url.begin(), url.end(),
                    [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; })) {
        return std::nullopt;
    }
    const std::string_view rest = url.substr(kScheme.size());
    const std::size_t auth_end = std::min(rest.find_first_of("/?"), rest.size());
    const std::string_view authority = rest.substr(0, auth_end);
    if (authority.empty() || authority.find('@') != std::string_view::npos) {
        return std::nullopt;
    }
    HttpUrl out;
    out.host_header = std::string(authority);
    std::string_view host;
    std::string_view port;
    if (authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = authority.substr(1, close - 1);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return std::nullopt;
            port = after.substr(1);
        }
        in6_addr a6{};
        if (inet_pton(AF_INET6, std::string(host).c_str(), &a6) != 1) return std::nullopt;
    } else {
        const auto colon = authority.find(':');
        host = authority.substr(0, colon);
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
        if (host.empty() || !std::all_of(host.begin(), host.end(), valid_host_char)) {
            return std::nullopt;
        }
    }
    if (authority.back() == ':') return std::nullopt;  // "host:" with no port
    if (!port.empty()) {
        unsigned value = 0;
        const auto res = std::from_chars(port.data(), port.data() + port.size(), value);
        if (res.ec != std::errc{} || res.ptr != port.data() + port.size() || value == 0 ||
            value > 65535) {
            return std::nullopt;
        }
        out.port = static_cast<std::uint16_t>(value);
    }
    out.host = std::string(host);
    const std::string_view target = rest.substr(auth_end);
    out.target = target.empty()
                     ? "/"
                     : (target.front() == '?' ? "/" + std::string(target) : std::string(target));
    out.redacted = std::string(kScheme) + std::string(authority) +
                   std::string(target.substr(0, target.find('?')));
    return out;
}

bool is_delivered_row(const store::StoredEvent& e) {
    constexpr std::string_view kUser = "user:";
    if (!e.type.starts_with("invitation.") || !std::string_view(e.topic).starts_with(kUser)) {
        return true;
    }
    boost::system::error_code ec;
    const json::value data = json::parse(e.data_json, ec);
    if (ec || !data.is_object()) return true;
    const json::value* invitee = data.as_object().if_contains("inviteeUserId");
    if (invitee == nullptr || !invitee->is_string()) return true;
    return std::string_view(e.topic).substr(kUser.size()) == invitee->as_string();
}

std::string render_webhook_body(const store::StoredEvent& e, std::int64_t num_dropped) {
    const std::string at = core::format_iso8601(e.at);
    std::string out;
    out.reserve(160 + e.topic.size() + e.type.size() + e.room_id.size() + e.data_json.size());
    out += R"({"id":"EV_)";
    out += std::to_string(e.id);
    out += R"(","event":)";
    append_json_string(out, e.type);
    // LiveKit's createdAt: int64 seconds, as a string (protobuf-JSON int64).
    out += R"(,"createdAt":")";
    out += std::to_string(core::to_unix_seconds(e.at));
    out += R"(","roomId":)";
    append_json_string(out, e.room_id);
    out += R"(,"topic":)";
    append_json_string(out, e.topic);
    out += R"(,"seq":)";
    out += std::to_string(e.seq);
    out += R"(,"at":)";
    append_json_string(out, at);
    if (num_dropped > 0) {
        out += R"(,"numDropped":)";
        out += std::to_string(std::min<std::int64_t>(num_dropped, INT32_MAX));
    }
    out += R"(,"data":)";
    // data_json was serialized once by the app layer (event_renderer.cpp); copied verbatim.
    out += e.data_json.empty() ? std::string_view{"{}"} : std::string_view{e.data_json};
    out += '}';
    return out;
}

std::chrono::milliseconds retry_delay(int failures, std::chrono::milliseconds initial,
                                      std::chrono::milliseconds max, double jitter01) {
    using std::chrono::milliseconds;
    const int doublings = std::clamp(failures - 1, 0, 40);
    const double full = std::min(static_cast<double>(initial.count()) * std::ldexp(1.0, doublings),
                                 static_cast<double>(max.count()));
    const double j = std::clamp(jitter01, 0.0, 1.0);
    return milliseconds(static_cast<std::int64_t>(std::llround(full / 2 + full / 2 * j)));
}

}  // namespace cohost::server::outbox
