// Realtime frame codec. Server frames are built by string concatenation: the event `data` is the
// outbox row's `data_json`, already serialized once by the app layer, and is copied verbatim.
#include "frames.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <limits>

#include "cohost/core/time.hpp"
#include "cohost/server/realtime/hub.hpp"

namespace cohost::server::realtime {

namespace detail {

namespace {

namespace json = boost::json;

constexpr std::string_view kRoomPrefix = "room:";
constexpr std::string_view kUserPrefix = "user:";

bool is_id_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '@' || c == '-';
}

ParseResult refuse(rooms::Errc code, std::string message, std::string topic = {}) {
    return ParseResult(boost::system::in_place_error,
                       FrameError{code, std::move(message), std::move(topic)});
}

// A short, printable excerpt of client-supplied text for messages (never the whole frame).
std::string excerpt(std::string_view s) {
    constexpr std::size_t kMax = 40;
    std::string out;
    std::size_t cut = std::min(s.size(), kMax);
    // Never split a UTF-8 sequence: error frames are WebSocket text frames (RFC 6455 §8.1).
    while (cut < s.size() && cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) {
        --cut;
    }
    for (char c : s.substr(0, cut)) {
        out.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
    }
    if (s.size() > kMax) {
        out += "...";
    }
    return out;
}

}  // namespace

bool is_valid_topic(std::string_view topic) noexcept {
    std::string_view id;
    if (topic.starts_with(kRoomPrefix)) {
        id = topic.substr(kRoomPrefix.size());
    } else if (topic.starts_with(kUserPrefix)) {
        id = topic.substr(kUserPrefix.size());
    } else {
        return false;
    }
    if (id.empty() || id.size() > kMaxTopicIdLength) {
        return false;
    }
    for (char c : id) {
        if (!is_id_char(c)) {
            return false;
        }
    }
    return true;
}

ParseResult parse_client_frame(std::string_view text) {
    // Most frames are tiny: parse into a stack arena and copy out only the topic.
    unsigned char arena[1024];
    json::monotonic_resource mr(arena, sizeof arena);
    boost::system::error_code ec;
    const json::value jv = json::parse(text, ec, &mr);
    if (ec) {
        return refuse(rooms::Errc::InvalidJson, "frame is not valid JSON: " + ec.message());
    }
    const json::object* obj = jv.if_object();
    if (obj == nullptr) {
        return refuse(rooms::Errc::InvalidArgument, "frame must be a JSON object");
    }

    std::string topic;
    bool has_topic = false;
    if (const json::value* t = obj->if_contains("topic"); t != nullptr && t->is_string()) {
        topic.assign(t->get_string().data(), t->get_string().size());
        has_topic = true;
    }

    const json::value* type = obj->if_contains("type");
    if (type == nullptr || !type->is_string()) {
        return refuse(rooms::Errc::InvalidArgument, "type must be a string", std::move(topic));
    }
    const std::string_view kind = type->get_string();

    ClientFrame frame;
    if (kind == "ping") {
        frame.kind = ClientFrame::Kind::Ping;
        return frame;
    }
    if (kind == "subscribe") {
        frame.kind = ClientFrame::Kind::Subscribe;
    } else if (kind == "unsubscribe") {
        frame.kind = ClientFrame::Kind::Unsubscribe;
    } else {
        return refuse(rooms::Errc::InvalidArgument, "unknown type '" + excerpt(kind) + "'",
                      std::move(topic));
    }

    if (!has_topic) {
        return refuse(rooms::Errc::InvalidArgument, "topic must be a string");
    }
    if (!is_valid_topic(topic)) {
        return refuse(rooms::Errc::InvalidArgument,
                      "topic must be room:<id> or user:<id> (id: 1-128 of A-Z a-z 0-9 _ . @ -)",
                      std::move(topic));
    }
    frame.topic = std::move(topic);

    if (frame.kind == ClientFrame::Kind::Subscribe) {
        if (const json::value* since = obj->if_contains("since"); since != nullptr) {
            if (since->is_int64() && since->get_int64() >= 0) {
                frame.since = since->get_int64();
            } else if (since->is_uint64() &&
                       since->get_uint64() <=
                           static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
                frame.since = static_cast<std::int64_t>(since->get_uint64());
            } else {
                return refuse(rooms::Errc::InvalidArgument, "since must be a non-negative integer",
                              std::move(frame.topic));
            }
        }
    }
    return frame;
}

void append_json_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (u < 0x20) {
                    out += "\\u00";
                    out.push_back(kHex[u >> 4]);
                    out.push_back(kHex[u & 0xf]);
                } else {
                    out.push_back(c);
                }
        }
    }
    out.push_back('"');
}

namespace {

std::string topic_frame(std::string_view type, std::string_view topic,
                        std::optional<std::int64_t> seq) {
    std::string out;
    out.reserve(48 + topic.size());
    out += R"({"type":")";
    out += type;
    out += R"(","topic":)";
    append_json_string(out, topic);
    if (seq) {
        out += R"(,"seq":)";
        out += std::to_string(*seq);
    }
    out.push_back('}');
    return out;
}

}  // namespace

std::string render_subscribed(std::string_view topic, std::int64_t seq) {
    return topic_frame("subscribed", topic, seq);
}

std::string render_unsubscribed(std::string_view topic) {
    return topic_frame("unsubscribed", topic, std::nullopt);
}

std::string render_resync_required(std::string_view topic, std::int64_t seq) {
    return topic_frame("resync_required", topic, seq);
}

std::string render_error(std::string_view code, std::string_view message, std::string_view topic) {
    std::string out;
    out.reserve(48 + code.size() + message.size() + topic.size());
    out += R"({"type":"error","code":)";
    append_json_string(out, code);
    out += R"(,"message":)";
    append_json_string(out, message);
    if (!topic.empty()) {
        out += R"(,"topic":)";
        append_json_string(out, topic);
    }
    out.push_back('}');
    return out;
}

const Frame& pong_frame() {
    static const Frame kPong = std::make_shared<const std::string>(R"({"type":"pong"})");
    return kPong;
}

void append_text_frame_header(std::string& out, std::size_t payload) {
    out.push_back(static_cast<char>(0x81));  // FIN, opcode 1 (text), RSV bits clear
    if (payload < 126) {
        out.push_back(static_cast<char>(payload));  // MASK bit clear: server frames are unmasked
        return;
    }
    const int bytes = payload <= 0xFFFF ? 2 : 8;
    out.push_back(static_cast<char>(bytes == 2 ? 126 : 127));
    for (int i = bytes - 1; i >= 0; --i) {
        out.push_back(static_cast<char>((static_cast<std::uint64_t>(payload) >> (8 * i)) & 0xFF));
    }
}

}  // namespace detail

std::string render_event_frame(const store::StoredEvent& e) {
    const std::string at = core::format_iso8601(e.at);
    const std::string_view data =
        e.data_json.empty() ? std::string_view{"{}"} : std::string_view{e.data_json};
    std::string out;
    out.reserve(80 + e.topic.size() + e.type.size() + at.size() + data.size());
    out += R"({"type":"event","topic":)";
    detail::append_json_string(out, e.topic);
    out += R"(,"seq":)";
    out += std::to_string(e.seq);
    out += R"(,"event":)";
    detail::append_json_string(out, e.type);
    out += R"(,"at":)";
    detail::append_json_string(out, at);
    out += R"(,"data":)";
    out += data;
    out.push_back('}');
    return out;
}

}  // namespace cohost::server::realtime
