// The subscriber's socket is bound to its source address with IP_BIND_ADDRESS_NO_PORT, so the
// ephemeral port is chosen at connect() per 4-tuple: with several 127.0.0.x sources the ~28k
// ports of ip_local_port_range are available once per source address.
#include "subscriber.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>

#include "ws_reader.hpp"

namespace cohost::loadgen {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;

void PhaseStats::merge(const PhaseStats& o) {
    latency.merge(o.latency);
    delivered += o.delivered;
    other_events += o.other_events;
    gaps += o.gaps;
    missing += o.missing;
    duplicates += o.duplicates;
    out_of_order += o.out_of_order;
}

void ThreadStats::merge(const ThreadStats& o) {
    if (phases.size() < o.phases.size()) {
        phases.resize(o.phases.size());
    }
    for (std::size_t i = 0; i < o.phases.size(); ++i) {
        phases[i].merge(o.phases[i]);
    }
    closed_by_server += o.closed_by_server;
    slow_consumer += o.slow_consumer;
    read_errors += o.read_errors;
    parse_errors += o.parse_errors;
    for (const auto& [k, v] : o.failures) {
        failures[k] += v;
    }
}

std::string stamped_title(std::uint64_t n, std::uint64_t sent_ns) {
    return "e" + std::to_string(n) + "|" + std::to_string(sent_ns);
}

namespace {

template <class Int>
bool number_after(std::string_view frame, std::string_view key, Int& out, std::size_t from = 0) {
    const auto at = frame.find(key, from);
    if (at == std::string_view::npos) {
        return false;
    }
    const char* first = frame.data() + at + key.size();
    const char* last = frame.data() + frame.size();
    return std::from_chars(first, last, out).ec == std::errc{};
}

}  // namespace

std::optional<EventFields> parse_event_frame(std::string_view frame) {
    // {"type":"event","topic":"room:RM_x","seq":12,"event":"room.updated","at":"…","data":{…}}
    if (frame.substr(0, 32).find("\"type\":\"event\"") == std::string_view::npos) {
        return std::nullopt;
    }
    EventFields f;
    if (!number_after(frame, "\"seq\":", f.seq)) {
        return std::nullopt;
    }
    const auto data = frame.find("\"data\":");
    if (data == std::string_view::npos) {
        return f;
    }
    // `room.updated` carries the stamp in its title (`loadgen fanout`), `chat.message` in its
    // text (`loadgen chat`).
    const std::string_view head = frame.substr(0, data);
    std::string_view key;
    if (head.find("\"room.updated\"") != std::string_view::npos) {
        key = "\"title\":\"";
    } else if (head.find("\"chat.message\"") != std::string_view::npos) {
        key = "\"text\":\"";
    } else {
        return f;
    }
    const auto title = frame.find(key, data);
    if (title == std::string_view::npos) {
        return f;
    }
    const auto bar = frame.find('|', title);
    const auto quote = frame.find('"', title + key.size());
    if (bar != std::string_view::npos && bar < quote && number_after(frame, "|", f.sent_ns, bar)) {
        f.stamped = true;
    }
    return f;
}

namespace {

/// Frames other than `event`: returns the `type` and, for `subscribed`, its `seq`.
struct ControlFrame {
    std::string type;
    std::int64_t seq = 0;
    std::string code;
};

std::optional<ControlFrame> parse_control_frame(std::string_view text) {
    boost::system::error_code ec;
    const json::value v = json::parse(text, ec);
    const auto* o = ec ? nullptr : v.if_object();
    if (o == nullptr) {
        return std::nullopt;
    }
    ControlFrame f;
    if (const auto* t = o->if_contains("type"); t != nullptr && t->is_string()) {
        f.type = std::string(t->as_string());
    }
    if (const auto* s = o->if_contains("seq"); s != nullptr && s->is_int64()) {
        f.seq = s->as_int64();
    }
    if (const auto* c = o->if_contains("code"); c != nullptr && c->is_string()) {
        f.code = std::string(c->as_string());
    }
    return f;
}

/// Client frames must be masked with an unpredictable key (RFC 6455 §10.3); a per-thread
/// xorshift is plenty for a load generator.
std::uint32_t next_mask_key() {
    thread_local std::uint32_t x = static_cast<std::uint32_t>(now_ns()) | 1U;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}

void fail(const SubscriberSpec& spec, const std::string& why) {
    ++spec.stats->failures[why];
    spec.control->failed.fetch_add(1, std::memory_order_relaxed);
}

/// Checks one event against the previous seq and records it into the current phase.
void on_event(const SubscriberSpec& spec, const EventFields& ev, std::int64_t& last_seq,
              std::string_view frame) {
    const auto phase =
        static_cast<std::size_t>(spec.control->phase.load(std::memory_order_relaxed));
    PhaseStats& ps = spec.stats->phases[std::min(phase, spec.stats->phases.size() - 1)];
    if (ev.seq == last_seq + 1) {
        last_seq = ev.seq;
    } else if (ev.seq > last_seq + 1) {
        ++ps.gaps;
        ps.missing += static_cast<std::uint64_t>(ev.seq - last_seq - 1);
        last_seq = ev.seq;
    } else if (ev.seq == last_seq) {
        ++ps.duplicates;
    } else {
        ++ps.out_of_order;
    }
    if (!ev.stamped) {
        ++ps.other_events;
        if (spec.on_other_event) {
            spec.on_other_event(frame);
        }
        return;
    }
    ++ps.delivered;
    spec.control->delivered.fetch_add(1, std::memory_order_relaxed);
    const std::uint64_t now = now_ns();
    ps.latency.record(now > ev.sent_ns ? now - ev.sent_ns : 0);
}

}  // namespace

net::awaitable<void> run_subscriber(SubscriberSpec spec) {
    auto ex = co_await net::this_coro::executor;
    websocket::stream<beast::tcp_stream> ws(ex);
    auto& tcp = beast::get_lowest_layer(ws);
    if (spec.source) {
        boost::system::error_code ec;
        tcp.socket().open(net::ip::tcp::v4(), ec);
        const int one = 1;
        if (!ec && ::setsockopt(tcp.socket().native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT,
                                &one, sizeof one) != 0) {
            ec = boost::system::error_code(errno, boost::system::system_category());
        }
        if (!ec) {
            tcp.socket().bind(net::ip::tcp::endpoint(*spec.source, 0), ec);
        }
        if (ec) {
            fail(spec, "bind: " + ec.message());
            co_return;
        }
    }
    tcp.expires_after(std::chrono::seconds(30));
    auto cres = co_await tcp.async_connect(spec.target.endpoint, net::as_tuple(net::use_awaitable));
    auto& [cec] = cres;
    if (cec) {
        fail(spec, "connect: " + cec.message());
        co_return;
    }
    tcp.expires_never();
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws.read_message_max(256 * 1024);
    const std::string path = "/v1/realtime?token=" + spec.token;
    auto hres = co_await ws.async_handshake(spec.target.host_header, path,
                                            net::as_tuple(net::use_awaitable));
    auto& [hec] = hres;
    if (hec) {
        fail(spec, "handshake: " + hec.message());
        co_return;
    }
    ws.text(true);
    const std::string subscribe = R"({"type":"subscribe","topic":")" + spec.topic + "\"}";
    auto sres = co_await ws.async_write(net::buffer(subscribe), net::as_tuple(net::use_awaitable));
    auto& [sec, sn] = sres;
    (void)sn;
    if (sec) {
        fail(spec, "subscribe write: " + sec.message());
        co_return;
    }

    // From here on the socket is read raw (ws_reader.hpp): the server has sent nothing yet (it
    // answers the subscribe frame only), so Beast holds no buffered bytes past the 101 response.
    net::ip::tcp::socket sock = tcp.release_socket();
    WsReader reader;
    std::string replies;  // pongs to send once the current read is processed
    bool subscribed = false;
    std::int64_t last_seq = 0;
    // A lost connection: before `subscribed` it is a failure; after, a drop (unless stopping).
    const auto lost = [&](const std::string& why, bool closed, std::string_view reason) {
        if (!subscribed) {
            fail(spec, "before subscribed: " + why);
        } else if (!spec.control->stopping.load(std::memory_order_relaxed)) {
            spec.control->dropped.fetch_add(1, std::memory_order_relaxed);
            if (closed) {
                ++spec.stats->closed_by_server;
                if (reason == "slow_consumer") {
                    ++spec.stats->slow_consumer;
                }
            } else {
                ++spec.stats->read_errors;
            }
        }
    };
    for (;;) {
        const auto space = reader.prepare();
        auto rres = co_await sock.async_read_some(net::buffer(space.data(), space.size()),
                                                  net::as_tuple(net::use_awaitable));
        auto& [rec, rn] = rres;
        if (rec) {
            lost(rec.message(), false, {});
            co_return;
        }
        reader.commit(rn);
        for (bool more = true; more;) {
            const WsMessage m = reader.next();
            switch (m.kind) {
                case WsMessage::Kind::need_more:
                    more = false;
                    break;
                case WsMessage::Kind::text:
                    if (const auto ev = parse_event_frame(m.payload)) {
                        on_event(spec, *ev, last_seq, m.payload);
                    } else if (const auto cf = parse_control_frame(m.payload)) {
                        if (cf->type == "subscribed" && !subscribed) {
                            subscribed = true;
                            last_seq = cf->seq;
                            spec.control->subscribed.fetch_add(1, std::memory_order_relaxed);
                        } else if (cf->type == "error" && !subscribed) {
                            fail(spec, "subscribe refused: " + cf->code);
                            co_return;
                        } else if (cf->type != "pong") {
                            ++spec.stats->parse_errors;
                        }
                    } else {
                        ++spec.stats->parse_errors;
                    }
                    break;
                case WsMessage::Kind::binary:
                    ++spec.stats->parse_errors;  // the server sends text frames only
                    break;
                case WsMessage::Kind::ping:
                    replies += encode_client_frame(WsOpcode::pong, m.payload, next_mask_key());
                    break;
                case WsMessage::Kind::pong:
                    break;
                case WsMessage::Kind::close: {
                    const std::string reason(m.payload);
                    const std::string echo = encode_client_frame(
                        WsOpcode::close, close_payload(m.close_code, {}), next_mask_key());
                    co_await net::async_write(sock, net::buffer(echo),
                                              net::as_tuple(net::use_awaitable));
                    lost(websocket::make_error_code(websocket::error::closed).message(), true,
                         reason);
                    co_return;
                }
                case WsMessage::Kind::error:
                    lost("websocket: " + std::string(m.payload), false, {});
                    co_return;
            }
        }
        if (!replies.empty()) {
            // A failed write means a dead socket, which the next read reports.
            co_await net::async_write(sock, net::buffer(replies), net::as_tuple(net::use_awaitable));
            replies.clear();
        }
    }
}

}  // namespace cohost::loadgen
