#include "api_support.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/parser.hpp>
#include <cmath>

namespace cohost::server::app::detail {

namespace json = boost::json;

void refuse(rooms::Errc code, std::string message, json::object details) {
    throw rooms::ErrorException(rooms::make_error(code, std::move(message), std::move(details)));
}

void refuse_field(std::string_view field, std::string message) {
    throw rooms::ErrorException(rooms::invalid(field, std::move(message)));
}

namespace {
/// Boost.JSON 1.81 turns out-of-range literals such as `1e400` into inf/NaN, which would then be
/// serialized as non-JSON `Infinity`. Refuse them at the edge. Depth is bounded by the parser.
bool all_finite(const json::value& v) {
    switch (v.kind()) {
        case json::kind::double_: return std::isfinite(v.get_double());
        case json::kind::array:
            for (const auto& e : v.get_array()) {
                if (!all_finite(e)) return false;
            }
            return true;
        case json::kind::object:
            for (const auto& kv : v.get_object()) {
                if (!all_finite(kv.value())) return false;
            }
            return true;
        default: return true;
    }
}
}  // namespace

json::object parse_body(const http::Request& req, int max_depth) {
    const auto& body = req.body();
    if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
        return {};
    }
    json::parse_options po;
    po.max_depth = static_cast<std::size_t>(max_depth);
    json::error_code ec;
    json::value v = json::parse(body, ec, {}, po);
    if (ec) {
        refuse(rooms::Errc::InvalidJson, "malformed JSON: " + ec.message());
    }
    if (!v.is_object()) {
        refuse(rooms::Errc::InvalidJson, "the body must be a JSON object");
    }
    if (!all_finite(v)) {
        refuse(rooms::Errc::InvalidJson, "numbers must be finite");
    }
    return std::move(v.as_object());
}

void only_fields(const json::object& body, std::initializer_list<std::string_view> allowed) {
    for (const auto& kv : body) {
        bool known = false;
        for (auto a : allowed) known = known || kv.key() == a;
        if (!known) refuse_field(kv.key(), "unknown field");
    }
}

std::optional<std::size_t> utf8_length(std::string_view s) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (len == 0 || i + len > s.size()) return std::nullopt;
        for (std::size_t k = 1; k < len; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return std::nullopt;
        }
        i += len;
        ++n;
    }
    return n;
}

std::optional<std::string> opt_string(const json::object& body, std::string_view field,
                                      std::size_t min_len, std::size_t max_len) {
    const auto* v = body.if_contains(field);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_string()) refuse_field(field, "must be a string");
    std::string s(v->as_string());
    const auto len = utf8_length(s);
    if (!len) refuse_field(field, "must be valid UTF-8");
    if (*len < min_len || *len > max_len) {
        refuse_field(field, "length must be " + std::to_string(min_len) + "-" +
                                std::to_string(max_len) + " characters");
    }
    return s;
}

std::string req_string(const json::object& body, std::string_view field, std::size_t min_len,
                       std::size_t max_len) {
    auto s = opt_string(body, field, min_len, max_len);
    if (!s) refuse_field(field, "is required");
    return *s;
}

std::optional<std::int64_t> opt_int(const json::object& body, std::string_view field,
                                    std::int64_t min, std::int64_t max) {
    const auto* v = body.if_contains(field);
    if (!v || v->is_null()) return std::nullopt;
    std::int64_t n = 0;
    if (v->is_int64()) {
        n = v->as_int64();
    } else if (v->is_uint64()) {
        refuse_field(field, "out of range");
    } else {
        refuse_field(field, "must be an integer");
    }
    if (n < min || n > max) {
        refuse_field(field, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return n;
}

std::optional<bool> opt_bool(const json::object& body, std::string_view field) {
    const auto* v = body.if_contains(field);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_bool()) refuse_field(field, "must be a boolean");
    return v->as_bool();
}

int page_limit(const http::Request& req) {
    auto it = req.query.find("limit");
    if (it == req.query.end() || it->second.empty()) return 50;
    const auto& s = it->second;
    if (s.size() > 4 || s.find_first_not_of("0123456789") != std::string::npos) {
        refuse_field("limit", "must be an integer 1-200");
    }
    const int n = std::stoi(s);
    if (n < 1 || n > 200) refuse_field("limit", "must be an integer 1-200");
    return n;
}

}  // namespace cohost::server::app::detail
