// RealtimeClient: Beast WebSocket client driven on the caller's thread with deadlines.
#include "cohost/sdk/realtime_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <deque>

#include "io_pump.hpp"

namespace cohost::sdk {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {
constexpr auto kCloseWait = std::chrono::milliseconds(2000);
}  // namespace

struct RealtimeClient::Impl {
    Endpoint endpoint;
    std::string token;
    ClientOptions options;
    net::io_context ioc;
    std::unique_ptr<websocket::stream<tcp::socket>> ws;
    beast::flat_buffer read_buffer;
    std::deque<json::object> frames;
    bool open = false;
    bool reading = false;
    std::string close_reason;

    void drop_socket() noexcept {
        if (ws) {
            error_code ignored;
            auto& sock = ws->next_layer();
            sock.shutdown(tcp::socket::shutdown_both, ignored);
            sock.close(ignored);
        }
        open = false;
        // Let the cancelled read complete so no handler outlives the stream.
        detail::pump_until_done(ioc, [this] { return !reading; });
    }

    void on_frame(std::string text) {
        error_code ec;
        json::value v = json::parse(text, ec);
        if (!ec && v.is_object()) {
            frames.push_back(std::move(v.as_object()));
            return;
        }
        frames.push_back(json::object{{"type", "_unparsed"}, {"text", std::move(text)}});
    }

    // Keeps exactly one read outstanding while the socket is open.
    void start_read() {
        if (!open || reading) {
            return;
        }
        reading = true;
        ws->async_read(read_buffer, [this](error_code ec, std::size_t n) {
            reading = false;
            if (ec) {
                if (open) {
                    open = false;
                    if (!close_reason.empty()) {
                        return;  // we initiated the close; keep our reason
                    }
                    if (ec == websocket::error::closed) {
                        const auto& r = ws->reason();
                        close_reason = "closed by server: " + std::to_string(r.code) + " " +
                                       std::string(r.reason.c_str(), r.reason.size());
                    } else {
                        close_reason = "read failed: " + ec.message();
                    }
                }
                return;
            }
            on_frame(beast::buffers_to_string(read_buffer.data()));
            read_buffer.consume(n);
            start_read();
        });
    }

    // Runs one operation to completion with the client's timeout; on timeout the socket is
    // dropped and TransportError thrown.
    template <class Start>
    error_code run(Start start, const char* what) {
        std::optional<error_code> result;
        start([&result](error_code ec, auto&&...) { result = ec; });
        const auto deadline = detail::deadline_after(options.timeout);
        if (!detail::pump_until(ioc, [&] { return result.has_value(); }, deadline)) {
            drop_socket();
            detail::pump_until_done(ioc, [&] { return result.has_value(); });
            close_reason = std::string(what) + " timed out";
            throw TransportError(std::string("realtime ") + what + " timed out");
        }
        return *result;
    }

    void write(std::string text) {
        if (!open) {
            throw TransportError("realtime connection is not open" +
                                 (close_reason.empty() ? std::string() : " (" + close_reason + ")"));
        }
        ws->text(true);
        const error_code ec = run(
            [&](auto handler) { ws->async_write(net::buffer(text), std::move(handler)); }, "write");
        if (ec) {
            drop_socket();
            close_reason = "write failed: " + ec.message();
            throw TransportError("realtime write failed: " + ec.message());
        }
    }
};

RealtimeClient::RealtimeClient(std::string_view base_url, std::string token, ClientOptions opts)
    : impl_(std::make_unique<Impl>()) {
    impl_->endpoint = parse_base_url(base_url);
    impl_->token = std::move(token);
    impl_->options = std::move(opts);
}

RealtimeClient::~RealtimeClient() { close(); }

void RealtimeClient::connect() {
    Impl& s = *impl_;
    if (s.open) {
        return;
    }
    s.ws = std::make_unique<websocket::stream<tcp::socket>>(s.ioc);
    s.read_buffer.clear();
    s.close_reason.clear();

    tcp::resolver resolver{s.ioc};
    error_code ec;
    auto results = resolver.resolve(s.endpoint.host, s.endpoint.port, ec);
    if (ec) {
        throw TransportError("cannot resolve " + s.endpoint.host + ": " + ec.message());
    }
    ec = s.run(
        [&](auto handler) { net::async_connect(s.ws->next_layer(), results, std::move(handler)); },
        "connect");
    if (ec) {
        s.drop_socket();
        throw TransportError("cannot connect to " + s.endpoint.host + ":" + s.endpoint.port +
                             ": " + ec.message());
    }
    s.ws->next_layer().set_option(tcp::no_delay(true), ec);
    s.ws->set_option(websocket::stream_base::decorator([ua = s.options.user_agent](
                                                           websocket::request_type& req) {
        req.set(beast::http::field::user_agent, ua);
    }));
    s.ws->read_message_max(16U * 1024U * 1024U);

    const std::string target =
        s.endpoint.base_path + "/v1/realtime?token=" + url_encode(s.token);
    websocket::response_type res;
    ec = s.run(
        [&](auto handler) {
            s.ws->async_handshake(res, host_header(s.endpoint), target,
                                  std::move(handler));
        },
        "handshake");
    if (ec) {
        s.drop_socket();
        const int status = static_cast<int>(res.result_int());
        if (status != 0 && status != 101) {
            throw HandshakeError(status, "realtime upgrade refused: HTTP " +
                                             std::to_string(status) + " " + res.body());
        }
        throw TransportError("realtime handshake failed: " + ec.message());
    }
    s.open = true;
    s.start_read();
}

bool RealtimeClient::is_open() const noexcept { return impl_->open; }

void RealtimeClient::subscribe(std::string_view topic, std::optional<std::int64_t> since) {
    json::object frame{{"type", "subscribe"}, {"topic", topic}};
    if (since) {
        frame["since"] = *since;
    }
    impl_->write(json::serialize(frame));
}

void RealtimeClient::unsubscribe(std::string_view topic) {
    impl_->write(json::serialize(json::object{{"type", "unsubscribe"}, {"topic", topic}}));
}

void RealtimeClient::ping() { impl_->write(R"({"type":"ping"})"); }

void RealtimeClient::send_text(std::string_view text) { impl_->write(std::string(text)); }

std::optional<json::object> RealtimeClient::next_frame(std::chrono::milliseconds timeout) {
    Impl& s = *impl_;
    if (s.frames.empty() && s.open) {
        s.start_read();
        detail::pump_until(s.ioc, [&] { return !s.frames.empty() || !s.open; },
                           detail::deadline_after(timeout));
    }
    if (s.frames.empty()) {
        return std::nullopt;
    }
    json::object f = std::move(s.frames.front());
    s.frames.pop_front();
    return f;
}

std::size_t RealtimeClient::queued() const noexcept { return impl_->frames.size(); }

void RealtimeClient::close() noexcept {
    Impl& s = *impl_;
    if (!s.ws) {
        return;
    }
    if (s.open) {
        s.close_reason = "closed by client";
        try {
            std::optional<error_code> result;
            s.ws->async_close(websocket::close_code::normal,
                              [&result](error_code ec) { result = ec; });
            // The pending read completes once the server's close frame arrives.
            detail::pump_until(s.ioc, [&] { return result.has_value() && !s.reading; },
                               detail::deadline_after(kCloseWait));
            if (!result) {
                s.drop_socket();
                detail::pump_until_done(s.ioc, [&] { return result.has_value(); });
            }
        } catch (...) {
            // Closing is best effort; the socket is dropped below either way.
        }
    }
    s.drop_socket();
    s.ws.reset();
}

void RealtimeClient::drop() noexcept {
    Impl& s = *impl_;
    if (!s.ws) {
        return;
    }
    s.close_reason = "dropped by client";
    s.drop_socket();
    s.ws.reset();
}

std::string RealtimeClient::close_reason() const { return impl_->close_reason; }

}  // namespace cohost::sdk
