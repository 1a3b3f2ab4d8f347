// libFuzzer target for realtime client frames (server/src/realtime/frames.hpp,
// parse_client_frame), plus the server frames built from what it returns.
//
// Properties, for any input text:
//  * never throws;
//  * a parsed frame is one of the three shapes (ping without topic; subscribe/unsubscribe with a
//    valid topic; `since` >= 0 on subscribe only), and writing it back as JSON and parsing again
//    gives the same frame;
//  * a refusal is invalid_json or invalid_argument, and the error frame the hub sends for it
//    (render_error(code, message, topic)) is one valid JSON object — which a text WebSocket frame
//    also needs to be valid UTF-8 — carrying the same message and topic.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "frames.hpp"

namespace {

namespace json = boost::json;
namespace rooms = cohost::server::rooms;
using namespace cohost::server::realtime::detail;

std::string_view kind_name(ClientFrame::Kind k) {
    switch (k) {
        case ClientFrame::Kind::Subscribe: return "subscribe";
        case ClientFrame::Kind::Unsubscribe: return "unsubscribe";
        case ClientFrame::Kind::Ping: return "ping";
    }
    return "?";
}

/// The canonical client text of `f` (no client-frame writer exists on the server side).
std::string write_frame(const ClientFrame& f) {
    std::string out = R"({"type":")";
    out += kind_name(f.kind);
    out += '"';
    if (f.kind != ClientFrame::Kind::Ping) {
        out += R"(,"topic":)";
        append_json_string(out, f.topic);
    }
    if (f.since) {
        out += R"(,"since":)";
        out += std::to_string(*f.since);
    }
    out += '}';
    return out;
}

/// Parses a rendered server frame; aborts unless it is a JSON object.
json::object parse_server_frame(const std::string& text) {
    json::error_code ec;
    json::value v = json::parse(text, ec);
    FUZZ_CHECK(!ec);
    FUZZ_CHECK(v.is_object());
    return std::move(v.get_object());
}

void check_frame(const ClientFrame& f) {
    if (f.kind == ClientFrame::Kind::Ping) {
        FUZZ_CHECK(f.topic.empty() && !f.since);
    } else {
        FUZZ_CHECK(is_valid_topic(f.topic));
        FUZZ_CHECK(!f.since || (f.kind == ClientFrame::Kind::Subscribe && *f.since >= 0));
    }

    const auto again = parse_client_frame(write_frame(f));
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(again->kind == f.kind && again->topic == f.topic && again->since == f.since);

    if (f.kind != ClientFrame::Kind::Ping) {
        const json::object sub = parse_server_frame(render_subscribed(f.topic, f.since.value_or(0)));
        FUZZ_CHECK(sub.at("topic").as_string() == f.topic);
    }
}

void check_refusal(const FrameError& e) {
    FUZZ_CHECK(e.code == rooms::Errc::InvalidJson || e.code == rooms::Errc::InvalidArgument);
    FUZZ_CHECK(!e.message.empty());
    const json::object err =
        parse_server_frame(render_error(rooms::code_string(e.code), e.message, e.topic));
    FUZZ_CHECK(err.at("message").as_string() == e.message);
    if (e.topic.empty()) {
        FUZZ_CHECK(!err.contains("topic"));
    } else {
        FUZZ_CHECK(err.at("topic").as_string() == e.topic);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto parsed = parse_client_frame(cohost::fuzz::as_text(data, size));
    if (parsed) {
        check_frame(*parsed);
    } else {
        check_refusal(parsed.error());
    }
    return 0;
}
