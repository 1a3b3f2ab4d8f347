// LiveKit signalling: the WebSocket side (token check before the upgrade, the read loop, the
// write queue, leave-then-close). Protocol decisions are in signal_server.cpp.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>

#include "cohost/core/log.hpp"
#include "cohost/media/signal_codec.hpp"
#include "signal_impl.hpp"

namespace cohost::media {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;

void SignalSession::send(const livekit::SignalResponse& msg) {
    if (closing) return;
    auto bytes = serialize_signal_response(msg, text);
    if (!bytes) {
        core::logger("signal")->error("signal: cannot encode a response: {}", bytes.error().message());
        return;
    }
    outbox.push_back(std::move(*bytes));
    pump();
}

const std::string* SharedResponse::encoded(bool text) {
    const int i = text ? 1 : 0;
    if (!bytes_[i] && !failed_[i]) {
        auto bytes = serialize_signal_response(msg_, text);
        if (bytes) {
            bytes_[i] = std::move(*bytes);
        } else {
            failed_[i] = true;
            core::logger("signal")->error("signal: cannot encode a response: {}",
                                          bytes.error().message());
        }
    }
    return bytes_[i] ? &*bytes_[i] : nullptr;
}

void SignalSession::send(SharedResponse& msg) {
    if (closing) return;
    if (const std::string* bytes = msg.encoded(text)) {
        outbox.push_back(*bytes);
        pump();
    }
}

void SignalSession::leave(livekit::DisconnectReason reason) {
    if (closing) return;
    livekit::SignalResponse r;
    auto* l = r.mutable_leave();
    l->set_can_reconnect(false);
    l->set_reason(reason);
    l->set_action(livekit::LeaveRequest::DISCONNECT);
    send(r);
    closing = true;
    pump();
}

void SignalSession::pump() {
    if (writing) return;
    if (outbox.empty()) {
        if (closing && ws.is_open()) {
            writing = true;
            ws.async_close(websocket::close_code::normal,
                           [self = shared_from_this()](beast::error_code) { self->writing = false; });
        }
        return;
    }
    writing = true;
    ws.text(text);
    ws.async_write(net::buffer(outbox.front()),
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->writing = false;
                       if (!self->outbox.empty()) self->outbox.pop_front();
                       if (ec) {
                           self->closing = true;
                           self->outbox.clear();
                           beast::get_lowest_layer(self->ws).close();
                           return;
                       }
                       self->pump();
                   });
}

namespace {

std::string query_value(const std::map<std::string, std::string>& q, const char* key) {
    auto it = q.find(key);
    return it == q.end() ? std::string() : it->second;
}

/// Why a join is refused, for the pre-upgrade 401 and for /validate ("" = fine).
std::string refusal(const SignalConfig& cfg, const std::map<std::string, std::string>& query,
                    Grants* out) {
    auto grants = verify_access_token(query_value(query, "access_token"), cfg.api_key,
                                      cfg.api_secret,
                                      std::chrono::time_point_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now()));
    if (!grants) return grants.error().message();
    if (!grants->room_join) return "the token does not grant roomJoin";
    if (grants->room.empty()) return "the token names no room";
    if (out) *out = std::move(*grants);
    return {};
}

net::awaitable<void> refuse(beast::tcp_stream stream, unsigned version, int status,
                            std::string body) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), version};
    res.set(bhttp::field::server, "cohostd");
    res.set(bhttp::field::content_type, "text/plain");
    res.set(bhttp::field::access_control_allow_origin, "*");
    res.body() = std::move(body);
    res.keep_alive(false);
    res.prepare_payload();
    auto r = co_await bhttp::async_write(stream, res, net::as_tuple(net::use_awaitable));
    (void)r;
    beast::error_code ec;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
}

/// The JoinRequest of a `/rtc` (two peer connections) join: its settings come as query
/// parameters (livekit-protocol.md §4.1), `auto_subscribe=0` being the one that matters.
livekit::JoinRequest join_from_query(const std::map<std::string, std::string>& query) {
    livekit::JoinRequest jr;
    auto flag = [&](const char* key, bool fallback) {
        const auto v = query_value(query, key);
        return v.empty() ? fallback : !(v == "0" || v == "false");
    };
    jr.mutable_connection_settings()->set_auto_subscribe(flag("auto_subscribe", true));
    jr.mutable_connection_settings()->set_adaptive_stream(flag("adaptive_stream", false));
    jr.mutable_client_info()->set_version(query_value(query, "version"));
    return jr;
}

net::awaitable<void> run_session(std::shared_ptr<SignalServer::Impl> impl, beast::tcp_stream stream,
                                 bhttp::request<bhttp::string_body> req,
                                 std::map<std::string, std::string> query, bool two_pc) {
    Grants grants;
    if (impl->stopping) {
        co_await refuse(std::move(stream), req.version(), 503, "server shutting down");
        co_return;
    }
    if (auto why = refusal(impl->cfg, query, &grants); !why.empty()) {
        co_await refuse(std::move(stream), req.version(), 401, why);
        co_return;
    }
    if (auto [status, why] = impl->admit(grants); status != 0) {
        core::logger("signal")->info("signal: '{}' not admitted to room '{}': {}", grants.identity,
                                     grants.room, why);
        co_await refuse(std::move(stream), req.version(), status, why);
        co_return;
    }
    livekit::JoinRequest join;
    if (two_pc) {
        join = join_from_query(query);
    } else if (auto jr = query.find("join_request"); jr != query.end()) {
        auto decoded = decode_join_request(jr->second);
        if (!decoded) {
            co_await refuse(std::move(stream), req.version(), 400,
                            "join_request: " + decoded.error().message());
            co_return;
        }
        join = std::move(*decoded);
    }
    auto s = std::make_shared<SignalSession>(std::move(stream));
    websocket::stream_base::timeout t;
    t.handshake_timeout = std::chrono::seconds(15);
    t.idle_timeout = std::chrono::seconds(impl->cfg.ping_timeout_s * 2);
    t.keep_alive_pings = true;
    s->ws.set_option(t);
    s->ws.binary(true);
    s->ws.read_message_max(1 << 20);
    auto [aec] = co_await s->ws.async_accept(req, net::as_tuple(net::use_awaitable));
    if (aec) co_return;
    s->grants = std::move(grants);
    s->room = s->grants.room;
    s->two_pc = two_pc;
    impl->join(s, join);
    beast::flat_buffer buf;
    for (;;) {
        auto [ec, n] = co_await s->ws.async_read(buf, net::as_tuple(net::use_awaitable));
        if (ec) break;
        const bool is_text = s->ws.got_text();
        const auto data = buf.cdata();
        auto request = parse_signal_request(
            std::string_view(static_cast<const char*>(data.data()), data.size()), is_text);
        buf.consume(buf.size());
        if (!request) {
            core::logger("signal")->debug("signal: {} sent an unreadable frame: {}",
                                          s->info.identity(), request.error().message());
            continue;
        }
        s->text = is_text;
        impl->on_request(s, *request);
    }
    impl->depart(s);
}

}  // namespace

SignalServer::SignalServer(MediaServer& media, SignalConfig config)
    : impl_(std::make_shared<Impl>(media, std::move(config))) {
    // participant_joined is reported when the participant's media is connected (LiveKit: the
    // participant becomes ACTIVE), so an enforcement removal never races the client's connect().
    media.set_connected_handler([weak = std::weak_ptr<Impl>(impl_)](const std::string& room,
                                                                    const std::string& id) {
        auto impl = weak.lock();
        if (!impl || !impl->exec) return;
        net::post(*impl->exec, [weak, room, id] {
            if (auto i = weak.lock()) i->on_media_connected(room, id);
        });
    });
}

SignalServer::~SignalServer() { impl_->media.set_connected_handler({}); }

void SignalServer::accept(beast::tcp_stream stream, bhttp::request<bhttp::string_body> request,
                          std::map<std::string, std::string> query, bool two_peer_connections) {
    auto ex = stream.get_executor();
    if (!impl_->exec) impl_->exec = ex;
    net::co_spawn(ex,
                  run_session(impl_, std::move(stream), std::move(request), std::move(query),
                              two_peer_connections),
                  net::detached);
}

std::pair<int, std::string> SignalServer::Impl::admit(const Grants& grants) const {
    if (!admission) return {0, {}};
    try {
        auto why = admission(grants.room, grants.identity, grants.can_publish);
        if (!why.empty()) return {403, std::move(why)};
        return {0, {}};
    } catch (const std::exception& e) {
        core::logger("signal")->warn("signal: admission check failed: {}", e.what());
        return {503, "the server could not check this join; try again"};
    }
}

void SignalServer::set_admission(Admission admission) { impl_->admission = std::move(admission); }

std::pair<int, std::string> SignalServer::validate(
    const std::map<std::string, std::string>& query) const {
    Grants grants;
    auto why = refusal(impl_->cfg, query, &grants);
    if (!why.empty()) return {401, why};
    if (auto [status, reason] = impl_->admit(grants); status != 0) return {status, reason};
    if (auto jr = query.find("join_request"); jr != query.end()) {
        if (auto d = decode_join_request(jr->second); !d) {
            return {400, "join_request: " + d.error().message()};
        }
    }
    return {200, "success"};
}

}  // namespace cohost::media
