// The fast response writer produces what Beast would: every accepted case is parsed back by
// Beast's own parser and compared field by field with Beast's serialization of the same response.
#include <gtest/gtest.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/write.hpp>
#include <algorithm>
#include <boost/beast/http/string_body.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "../../../../server/src/http/response_bytes.hpp"

namespace cohost::server::http::detail {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

/// What Beast writes (the server's fallback path: http_server.cpp's to_beast).
std::string beast_bytes(const Response& r, unsigned version, bool keep) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
    res.set(bhttp::field::server, "cohostd");
    if (!r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res.set(k, v);
    res.body() = r.body;
    res.keep_alive(keep);
    res.prepare_payload();
    std::ostringstream os;
    os << res;
    return os.str();
}

bhttp::response<bhttp::string_body> parse(const std::string& bytes) {
    bhttp::response_parser<bhttp::string_body> p;
    p.eager(true);
    p.body_limit(1 << 20);
    beast::error_code ec;
    p.put(boost::asio::buffer(bytes), ec);
    EXPECT_FALSE(ec) << ec.message() << "\n" << bytes;
    EXPECT_TRUE(p.is_done()) << bytes;
    return p.release();
}

struct Case {
    Response r;
    unsigned version;
    bool keep;
};

TEST(ResponseBytes, SameMessageAsBeast) {
    std::vector<Case> cases;
    Response accepted;
    accepted.status = 202;
    accepted.content_type.clear();
    cases.push_back({accepted, 11, true});
    cases.push_back({accepted, 11, false});
    cases.push_back({accepted, 10, true});
    cases.push_back({accepted, 10, false});
    Response created = Response::json(201, R"({"id":"r1","name":"caf\u00e9"})");
    created.headers = {{"Location", "/v1/rooms/r1"}, {"X-Request-Id", "abc"}};
    cases.push_back({created, 11, true});
    Response limited = Response::json(429, R"({"error":{"code":"rate_limited"}})");
    limited.headers = {{"Retry-After", "1"}};
    cases.push_back({limited, 11, true});
    Response big = Response::json(200, std::string(70000, 'x'));
    cases.push_back({big, 11, true});
    cases.push_back({Response::json(599, "{}"), 11, true});  // no reason phrase known
    for (const Case& c : cases) {
        auto fast = response_bytes(c.r, c.version, c.keep);
        ASSERT_TRUE(fast.has_value()) << c.r.status;
        const auto a = parse(*fast);
        const auto b = parse(beast_bytes(c.r, c.version, c.keep));
        EXPECT_EQ(a.result_int(), b.result_int());
        EXPECT_EQ(a.reason(), b.reason());
        EXPECT_EQ(a.version(), b.version());
        EXPECT_EQ(a.keep_alive(), b.keep_alive()) << c.r.status << " v" << c.version;
        EXPECT_EQ(a.body(), b.body());
        std::vector<std::pair<std::string, std::string>> fa, fb;
        for (const auto& f : a) fa.emplace_back(std::string(f.name_string()), std::string(f.value()));
        for (const auto& f : b) fb.emplace_back(std::string(f.name_string()), std::string(f.value()));
        std::sort(fa.begin(), fa.end());
        std::sort(fb.begin(), fb.end());
        EXPECT_EQ(fa, fb) << *fast;
    }
}

TEST(ResponseBytes, DeclinesWhatOnlyBeastHandles) {
    Response no_content;
    no_content.status = 204;
    EXPECT_FALSE(response_bytes(no_content, 11, true));
    Response not_modified = Response::json(304, "");
    EXPECT_FALSE(response_bytes(not_modified, 11, true));
    Response informational = Response::json(101, "");
    EXPECT_FALSE(response_bytes(informational, 11, true));
    Response replaces = Response::json(200, "x");
    replaces.headers = {{"content-type", "text/plain"}};  // `set` would replace the default
    EXPECT_FALSE(response_bytes(replaces, 11, true));
    Response repeats = Response::json(200, "x");
    repeats.headers = {{"Link", "a"}, {"link", "b"}};  // `set` keeps only the last
    EXPECT_FALSE(response_bytes(repeats, 11, true));
    EXPECT_FALSE(response_bytes(Response::json(200, "x"), 20, true));
}

}  // namespace
}  // namespace cohost::server::http::detail
