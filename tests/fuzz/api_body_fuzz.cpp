// libFuzzer target for the REST input helpers (server/src/app/api_support.hpp): parse_body,
// utf8_length and page_limit. Refusals are rooms::ErrorException; any other exception escaping
// is a bug and ends the run as an uncaught exception.
//
// Properties, for any input bytes:
//  * parse_body refuses only with invalid_json; what it accepts is an object no deeper than
//    max_depth, which serializes to valid JSON that parses back equal (doubles within a few ulp:
//    Boost 1.81's parser is not correctly rounded, so 3e50 and its shortest spelling can differ
//    in the last bit); a blank body is {};
//  * utf8_length agrees with a strict UTF-8 decoder (RFC 3629 §4) on every valid string — the
//    strings of an accepted body and the raw input when it is valid — and never refuses valid
//    UTF-8;
//  * page_limit with the input as `limit` returns 1–200 or refuses with invalid_argument.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "api_support.hpp"
#include "fuzz_check.hpp"

namespace {

namespace json = boost::json;
namespace beast_http = boost::beast::http;
namespace http = cohost::server::http;
namespace rooms = cohost::server::rooms;
using namespace cohost::server::app::detail;

/// Code points of `s`, or nullopt unless it is well-formed UTF-8 (no overlongs, no surrogates,
/// nothing above U+10FFFF).
std::optional<std::size_t> strict_utf8_length(std::string_view s) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++n) {
        const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
        const unsigned c = b(0);
        std::size_t len = 0;
        unsigned lo = 0x80, hi = 0xBF;  // range of the second byte
        if (c < 0x80) {
            len = 1;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else {
            return std::nullopt;
        }
        if (i + len > s.size()) return std::nullopt;
        if (len > 1 && (b(1) < lo || b(1) > hi)) return std::nullopt;
        for (std::size_t k = 2; k < len; ++k) {
            if ((b(k) & 0xC0) != 0x80) return std::nullopt;
        }
        i += len;
    }
    return n;
}

std::size_t depth_of(const json::value& v) {
    std::size_t d = 0;
    if (const auto* o = v.if_object()) {
        for (const auto& kv : *o) d = std::max(d, depth_of(kv.value()));
        return d + 1;
    }
    if (const auto* a = v.if_array()) {
        for (const auto& e : *a) d = std::max(d, depth_of(e));
        return d + 1;
    }
    return 0;
}

/// Every key and string value of an accepted body is valid UTF-8 (Boost.JSON checks it).
void check_strings(const json::value& v) {
    if (const auto* o = v.if_object()) {
        for (const auto& kv : *o) {
            FUZZ_CHECK(utf8_length(kv.key()) == strict_utf8_length(kv.key()));
            FUZZ_CHECK(strict_utf8_length(kv.key()).has_value());
            check_strings(kv.value());
        }
    } else if (const auto* a = v.if_array()) {
        for (const auto& e : *a) check_strings(e);
    } else if (const auto* s = v.if_string()) {
        FUZZ_CHECK(strict_utf8_length(*s).has_value());
        FUZZ_CHECK(utf8_length(*s) == strict_utf8_length(*s));
    }
}

/// Structural equality with doubles compared to within 4 ulp (see the header comment).
bool same_json(const json::value& a, const json::value& b) {
    if (a.is_double() && b.is_double()) {
        double x = a.get_double();
        for (int i = 0; i < 4 && x != b.get_double(); ++i) {
            x = std::nextafter(x, b.get_double());
        }
        return x == b.get_double();
    }
    if (a.kind() != b.kind()) return false;
    if (const auto* o = a.if_object()) {
        const auto& p = b.get_object();
        if (o->size() != p.size()) return false;
        for (const auto& kv : *o) {
            const json::value* other = p.if_contains(kv.key());
            if (other == nullptr || !same_json(kv.value(), *other)) return false;
        }
        return true;
    }
    if (const auto* arr = a.if_array()) {
        const auto& brr = b.get_array();
        if (arr->size() != brr.size()) return false;
        for (std::size_t i = 0; i < arr->size(); ++i) {
            if (!same_json((*arr)[i], brr[i])) return false;
        }
        return true;
    }
    return a == b;
}

std::optional<json::object> try_parse(std::string body, int max_depth) {
    http::RawRequest raw{beast_http::verb::post, "/v1/rooms", 11};
    raw.body() = std::move(body);
    http::Request req;
    req.raw = &raw;
    try {
        return parse_body(req, max_depth);
    } catch (const rooms::ErrorException& e) {
        FUZZ_CHECK(e.error.code == rooms::Errc::InvalidJson);
        return std::nullopt;
    }
}

void check_body(std::string_view input, int max_depth) {
    const auto body = try_parse(std::string(input), max_depth);
    if (!body) return;
    FUZZ_CHECK(depth_of(*body) <= static_cast<std::size_t>(max_depth));
    if (input.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        FUZZ_CHECK(body->empty());
    }
    check_strings(*body);
    const std::string text = json::serialize(*body);
    json::parse_options po;
    po.max_depth = static_cast<std::size_t>(max_depth);
    json::error_code ec;
    const json::value again = json::parse(text, ec, {}, po);
    FUZZ_CHECK(!ec);  // e.g. a number out of double range would serialize as `Infinity`
    FUZZ_CHECK(same_json(again, *body));
}

void check_page_limit(std::string_view input) {
    http::RawRequest raw{beast_http::verb::get, "/v1/rooms", 11};
    http::Request req;
    req.raw = &raw;
    req.query["limit"] = std::string(input);
    try {
        const int n = page_limit(req);
        FUZZ_CHECK(n >= 1 && n <= 200);
    } catch (const rooms::ErrorException& e) {
        FUZZ_CHECK(e.error.code == rooms::Errc::InvalidArgument);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = cohost::fuzz::as_text(data, size);

    check_body(input, 32);    // the default http.max_json_depth
    check_body(input, 1000);  // the largest the config accepts

    const auto strict = strict_utf8_length(input);
    const auto lax = utf8_length(input);
    if (strict) {
        FUZZ_CHECK(lax == strict);
    }

    if (size <= 8) {
        check_page_limit(input);
    }
    return 0;
}
