// One Twirp call over Beast (livekit-protocol.md §2.1): mint the API token, POST the JSON body on
// a fresh connection, decode the answer, retry transport errors and 5xx with backoff.
//
// Lifetime: the coroutine owns its Call through a shared_ptr; the client only keeps weak_ptrs
// to cancel them. Cancellation closes the sockets and timers, so each pending operation ends
// with operation_aborted, and every step re-checks `canceled_`/`timed_out_` because a handler
// may already have been queued with success when the socket was closed.
#include "twirp_call.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>
#include <optional>
#include <stdexcept>

#include "cohost/core/jwt.hpp"

namespace cohost::server::livekit::detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using tcp = net::ip::tcp;

namespace {

constexpr std::chrono::seconds kTokenTtl{600};  // §1.1: the server SDKs use 10 minutes

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    return out;
}

/// The media type without parameters, lower-cased: `application/json; charset=utf-8` →
/// `application/json`.
std::string media_type(std::string_view content_type) {
    content_type = content_type.substr(0, content_type.find(';'));
    while (!content_type.empty() && (content_type.back() == ' ' || content_type.back() == '\t')) {
        content_type.remove_suffix(1);
    }
    while (!content_type.empty() && (content_type.front() == ' ' || content_type.front() == '\t')) {
        content_type.remove_prefix(1);
    }
    return lower(content_type);
}

std::string cut_utf8(std::string_view s, std::size_t max) {
    if (s.size() <= max) return std::string(s);
    std::size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return std::string(s.substr(0, n));
}

std::string api_token(const ClientOptions& opts, const json::object& grant) {
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())
                         .time_since_epoch()
                         .count();
    const json::object claims{{"iss", opts.api_key},
                              {"nbf", now},
                              {"exp", now + kTokenTtl.count()},
                              {"video", grant}};
    return core::jwt::sign_hs256(claims, opts.api_secret);
}

}  // namespace

Endpoint parse_endpoint(std::string_view url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) {
        throw std::invalid_argument("livekit url is not a valid URL");
    }
    const boost::urls::url_view u = *parsed;
    Endpoint ep;
    const std::string scheme = lower(u.scheme());
    if (scheme == "http" || scheme == "ws") {
        ep.tls = false;
    } else if (scheme == "https" || scheme == "wss") {
        ep.tls = true;
    } else {
        throw std::invalid_argument("livekit url scheme '" + scheme +
                                    "' is not supported (use http, https, ws or wss)");
    }
    ep.host = u.host_address();
    if (ep.host.empty()) {
        throw std::invalid_argument("livekit url has no host");
    }
    ep.port = u.has_port() && !u.port().empty() ? std::string(u.port())
                                                : std::string(ep.tls ? "443" : "80");
    ep.host_header = std::string(u.encoded_host_and_port());
    ep.path_prefix = std::string(u.encoded_path());
    while (!ep.path_prefix.empty() && ep.path_prefix.back() == '/') ep.path_prefix.pop_back();
    return ep;
}

TwirpError error_from_response(unsigned status, std::string_view content_type,
                               std::string_view body) {
    TwirpError err;
    err.http_status = static_cast<int>(status);
    if (media_type(content_type) == "application/json") {
        json::error_code ec;
        const json::value v = json::parse(body, ec);
        const json::object* o = ec ? nullptr : v.if_object();
        const json::value* code = o != nullptr ? o->if_contains("code") : nullptr;
        if (code != nullptr && code->is_string() && !code->get_string().empty()) {
            err.code = code->get_string();
            if (const json::value* msg = o->if_contains("msg"); msg && msg->is_string()) {
                err.msg = cut_utf8(msg->get_string(), kMaxErrorMessage);
            }
            return err;
        }
    }
    err.code = status == 503 ? "unavailable" : status >= 500 ? "internal" : "unknown";
    err.msg = cut_utf8(body, kMaxErrorMessage);
    return err;
}

ClientState::ClientState(net::io_context& io, ClientOptions o, Endpoint e)
    : ioc(io), opts(std::move(o)), endpoint(std::move(e)), rng(std::random_device{}()) {
    if (!endpoint.tls) return;
    tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
    tls->set_verify_mode(net::ssl::verify_peer);
    boost::system::error_code ec;
    tls->set_default_verify_paths(ec);  // a host without a CA store can still use ca_file
    if (!opts.ca_file.empty()) {
        tls->load_verify_file(opts.ca_file, ec);
        if (ec) {
            throw std::invalid_argument("livekit ca_file cannot be loaded: " + ec.message());
        }
    }
}

class Call : public std::enable_shared_from_this<Call> {
public:
    Call(std::shared_ptr<ClientState> state, CallSpec spec)
        : state_(std::move(state)),
          spec_(std::move(spec)),
          resolver_(state_->ioc),
          deadline_(state_->ioc),
          backoff_(state_->ioc),
          started_(std::chrono::steady_clock::now()) {
        const Endpoint& ep = state_->endpoint;
        request_.method(bhttp::verb::post);
        request_.target(ep.path_prefix + "/twirp/livekit.RoomService/" + spec_.method);
        request_.version(11);
        request_.set(bhttp::field::host, ep.host_header);
        request_.set(bhttp::field::user_agent, "cohost");
        request_.set(bhttp::field::authorization,
                     "Bearer " + api_token(state_->opts, spec_.grant));
        request_.set(bhttp::field::content_type, "application/json");
        request_.body() = std::move(spec_.body);
        request_.keep_alive(false);
        request_.prepare_payload();
    }

    void registered(std::list<std::weak_ptr<Call>>::iterator it) {
        self_it_ = it;
        registered_ = true;
    }

    /// The client is going away: end every pending operation now.
    void cancel() {
        canceled_ = true;
        abort_io();
        backoff_.cancel();
    }

    static net::awaitable<void> run(std::shared_ptr<Call> self);

private:
    struct Reply {
        beast::error_code ec;
        unsigned status = 0;
        std::string content_type;
        std::string body;
    };

    [[nodiscard]] bool stopped() const noexcept { return canceled_ || timed_out_; }

    void abort_io() {
        deadline_.cancel();
        resolver_.cancel();
        beast::error_code ignore;
        if (tcp_) tcp_->socket().close(ignore);
        if (tls_) beast::get_lowest_layer(*tls_).socket().close(ignore);
    }

    void arm_deadline() {
        timed_out_ = false;
        in_attempt_ = true;
        deadline_.expires_after(state_->opts.timeout);
        deadline_.async_wait(
            [weak = weak_from_this(), gen = ++attempt_gen_](beast::error_code ec) {
                auto self = weak.lock();
                if (ec || !self || !self->in_attempt_ || gen != self->attempt_gen_) return;
                self->timed_out_ = true;
                self->abort_io();
            });
    }

    void end_attempt() {
        in_attempt_ = false;
        deadline_.cancel();
        beast::error_code ignore;
        if (tcp_) tcp_->socket().close(ignore);
        if (tls_) beast::get_lowest_layer(*tls_).socket().close(ignore);
        tcp_.reset();
        tls_.reset();
    }

    template <class Stream>
    net::awaitable<beast::error_code> exchange(Stream& stream, Reply& reply) {
        auto written = co_await bhttp::async_write(stream, request_,
                                                   net::as_tuple(net::use_awaitable));
        if (std::get<0>(written)) co_return std::get<0>(written);
        if (stopped()) co_return net::error::operation_aborted;
        beast::flat_buffer buffer;
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(kMaxResponseBody);
        auto read = co_await bhttp::async_read(stream, buffer, parser,
                                               net::as_tuple(net::use_awaitable));
        if (std::get<0>(read)) co_return std::get<0>(read);
        auto& res = parser.get();
        reply.status = res.result_int();
        reply.content_type = res[bhttp::field::content_type];
        reply.body = std::move(res.body());
        co_return beast::error_code{};
    }

    net::awaitable<Reply> attempt() {
        Reply reply;
        const Endpoint& ep = state_->endpoint;
        reply.ec = net::error::operation_aborted;  // returned as is whenever stopped()
        auto resolved = co_await resolver_.async_resolve(ep.host, ep.port,
                                                         net::as_tuple(net::use_awaitable));
        if (stopped()) co_return reply;
        if (std::get<0>(resolved)) {
            reply.ec = std::get<0>(resolved);
            co_return reply;
        }
        const auto& endpoints = std::get<1>(resolved);
        if (!ep.tls) {
            tcp_.emplace(state_->ioc);
            auto connected = co_await tcp_->async_connect(endpoints,
                                                          net::as_tuple(net::use_awaitable));
            if (stopped()) co_return reply;
            if (std::get<0>(connected)) {
                reply.ec = std::get<0>(connected);
                co_return reply;
            }
            reply.ec = co_await exchange(*tcp_, reply);
            co_return reply;
        }
        tls_.emplace(state_->ioc, *state_->tls);
        // SNI only for names (RFC 6066 §3 forbids literal addresses); the verification callback
        // checks the certificate against a name or an address.
        beast::error_code addr_ec;
        (void)net::ip::make_address(ep.host, addr_ec);
        if (addr_ec && !SSL_set_tlsext_host_name(tls_->native_handle(), ep.host.c_str())) {
            reply.ec = beast::error_code(static_cast<int>(::ERR_get_error()),
                                         net::error::get_ssl_category());
            co_return reply;
        }
        tls_->set_verify_callback(net::ssl::host_name_verification(ep.host));
        auto connected = co_await beast::get_lowest_layer(*tls_).async_connect(
            endpoints, net::as_tuple(net::use_awaitable));
        if (stopped()) co_return reply;
        if (std::get<0>(connected)) {
            reply.ec = std::get<0>(connected);
            co_return reply;
        }
        auto shaken = co_await tls_->async_handshake(net::ssl::stream_base::client,
                                                     net::as_tuple(net::use_awaitable));
        if (stopped()) co_return reply;
        if (std::get<0>(shaken)) {
            reply.ec = std::get<0>(shaken);
            co_return reply;
        }
        reply.ec = co_await exchange(*tls_, reply);
        co_return reply;
    }

    /// Transport errors, 5xx and `unavailable` are worth another try; 4xx never are.
    static bool retryable(const TwirpError& e) {
        if (e.http_status == 0) return true;
        if (e.http_status >= 400 && e.http_status < 500) return false;
        return e.http_status >= 500 || e.code == "unavailable";
    }

    /// Delay before retry number `retry` (1-based): initial * 2^(retry-1), capped, then drawn
    /// uniformly from its upper half so that clients that failed together spread out.
    std::chrono::milliseconds backoff_delay(int retry) {
        const auto& o = state_->opts;
        auto d = std::max<std::int64_t>(o.backoff_initial.count(), 0);
        const auto cap = std::max<std::int64_t>(o.backoff_max.count(), 0);
        for (int i = 1; i < retry && d < cap; ++i) d *= 2;
        d = std::min(d, cap);
        if (d <= 1) return std::chrono::milliseconds(d);
        std::uniform_int_distribution<std::int64_t> pick(d / 2, d);
        return std::chrono::milliseconds(pick(state_->rng));
    }

    /// Ends the call: `err` empty means the sink accepted a value.
    void finish(std::optional<TwirpError> err) {
        if (registered_) {
            state_->calls.erase(self_it_);
            registered_ = false;
        }
        if (err) spec_.sink->fail(*err);
        if (!canceled_ && state_->opts.observer) {
            state_->opts.observer(spec_.method, std::chrono::steady_clock::now() - started_,
                                  err ? std::string_view(err->code) : std::string_view("ok"));
        }
        spec_.sink->deliver();
    }

    TwirpError canceled_error() const { return {0, "canceled", "the client was destroyed"}; }

    std::shared_ptr<ClientState> state_;
    CallSpec spec_;
    bhttp::request<bhttp::string_body> request_;
    tcp::resolver resolver_;
    std::optional<beast::tcp_stream> tcp_;
    std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
    net::steady_timer deadline_;
    net::steady_timer backoff_;
    std::chrono::steady_clock::time_point started_;
    std::list<std::weak_ptr<Call>>::iterator self_it_;
    bool registered_ = false;
    bool canceled_ = false;
    bool timed_out_ = false;
    bool in_attempt_ = false;
    std::uint64_t attempt_gen_ = 0;
};

net::awaitable<void> Call::run(std::shared_ptr<Call> self) {
    const int attempts = self->spec_.retry ? std::max(1, self->state_->opts.max_attempts) : 1;
    for (int attempt = 1;; ++attempt) {
        if (self->canceled_) {
            self->finish(self->canceled_error());
            co_return;
        }
        self->arm_deadline();
        Reply reply = co_await self->attempt();
        const bool timed_out = self->timed_out_;
        self->end_attempt();
        if (self->canceled_) {
            self->finish(self->canceled_error());
            co_return;
        }
        TwirpError err;
        if (reply.ec && timed_out) {
            err = {0, "deadline_exceeded", "no answer within the call timeout"};
        } else if (reply.ec) {
            err = {0, "unavailable", reply.ec.message()};
        } else if (reply.status >= 200 && reply.status < 300) {
            json::error_code ec;
            const json::value body = json::parse(reply.body, ec);
            if (!ec && self->spec_.sink->accept(body)) {
                self->finish(std::nullopt);
            } else {
                self->finish(TwirpError{static_cast<int>(reply.status), "malformed",
                                        reply.body.empty() ? "empty response body"
                                                           : "unexpected response body"});
            }
            co_return;
        } else {
            err = error_from_response(reply.status, reply.content_type, reply.body);
        }
        if (attempt >= attempts || !retryable(err)) {
            self->finish(std::move(err));
            co_return;
        }
        self->backoff_.expires_after(self->backoff_delay(attempt));
        auto waited = co_await self->backoff_.async_wait(net::as_tuple(net::use_awaitable));
        (void)waited;
    }
}

void start_call(const std::shared_ptr<ClientState>& state, CallSpec spec) {
    auto call = std::make_shared<Call>(state, std::move(spec));
    state->calls.push_front(call);
    call->registered(state->calls.begin());
    // A throwing user callback is a bug: let it escape io_context::run() rather than vanish.
    net::co_spawn(state->ioc, Call::run(std::move(call)), [](const std::exception_ptr& e) {
        if (e) std::rethrow_exception(e);
    });
}

void cancel_all(ClientState& state) {
    for (auto& weak : state.calls) {
        if (auto call = weak.lock()) call->cancel();
    }
}

}  // namespace cohost::server::livekit::detail
