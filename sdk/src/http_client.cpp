#include "cohost/sdk/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cctype>
#include <optional>

#include "io_pump.hpp"

namespace cohost::sdk {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::uint64_t kMaxResponseBody = 64ULL * 1024 * 1024;

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

// A dead kept-alive connection shows up as one of these before any response byte arrives.
bool is_stale_connection_error(const error_code& ec) noexcept {
    return ec == http::error::end_of_stream || ec == net::error::eof ||
           ec == net::error::connection_reset || ec == net::error::broken_pipe ||
           ec == net::error::connection_aborted;
}

}  // namespace

std::string host_header(const Endpoint& ep) {
    const bool ipv6 = ep.host.find(':') != std::string::npos;
    return (ipv6 ? "[" + ep.host + "]" : ep.host) + ":" + ep.port;
}

std::optional<std::string> find_header(const Headers& headers, std::string_view name) {
    for (const auto& [k, v] : headers) {
        if (iequals(k, name)) {
            return v;
        }
    }
    return std::nullopt;
}

Endpoint parse_base_url(std::string_view url) {
    Endpoint ep;
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
        throw std::invalid_argument("base url needs a scheme: http://host:port");
    }
    ep.scheme = std::string(url.substr(0, scheme_end));
    for (char& c : ep.scheme) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (ep.scheme != "http" && ep.scheme != "ws") {
        throw std::invalid_argument("only http:// and ws:// base urls are supported");
    }
    std::string_view rest = url.substr(scheme_end + 3);
    const auto path_start = rest.find('/');
    std::string_view authority = rest.substr(0, path_start);
    if (path_start != std::string_view::npos) {
        std::string_view path = rest.substr(path_start);
        while (!path.empty() && path.back() == '/') {
            path.remove_suffix(1);
        }
        ep.base_path = std::string(path);
    }
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        authority = authority.substr(at + 1);
    }
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            throw std::invalid_argument("unterminated IPv6 address in base url");
        }
        ep.host = std::string(authority.substr(1, close - 1));
        if (close + 1 < authority.size() && authority[close + 1] == ':') {
            port = authority.substr(close + 2);
        }
    } else {
        const auto colon = authority.rfind(':');
        ep.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
        }
    }
    if (ep.host.empty()) {
        throw std::invalid_argument("base url has no host");
    }
    ep.port = port.empty() ? "80" : std::string(port);
    for (char c : ep.port) {
        if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
            throw std::invalid_argument("base url port is not a number");
        }
    }
    return ep;
}

std::string url_encode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4U];
            out += kHex[c & 0x0FU];
        }
    }
    return out;
}

struct HttpClient::Impl {
    Endpoint endpoint;
    ClientOptions options;
    net::io_context ioc;
    tcp::socket socket{ioc};
    boost::beast::flat_buffer buffer;
    bool connected = false;

    void close_socket() noexcept {
        error_code ignored;
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
        connected = false;
        buffer.clear();
    }

    // Runs until the operation's handler has stored its error code; on the deadline the socket is
    // closed (cancelling the operation) and the result is `timed_out`.
    template <class Start>
    error_code run(Start start, detail::Deadline deadline) {
        std::optional<error_code> result;
        start([&result](error_code ec, auto&&...) { result = ec; });
        if (!detail::pump_until(ioc, [&] { return result.has_value(); }, deadline)) {
            close_socket();
            detail::pump_until_done(ioc, [&] { return result.has_value(); });
            return net::error::timed_out;
        }
        return *result;
    }

    void connect(detail::Deadline deadline) {
        tcp::resolver resolver{ioc};
        error_code ec;
        auto results = resolver.resolve(endpoint.host, endpoint.port, ec);
        if (ec) {
            throw TransportError("cannot resolve " + endpoint.host + ": " + ec.message());
        }
        socket = tcp::socket{ioc};
        ec = run([&](auto handler) { net::async_connect(socket, results, std::move(handler)); },
                 deadline);
        if (ec) {
            close_socket();
            throw TransportError("cannot connect to " + endpoint.host + ":" + endpoint.port +
                                 ": " + ec.message());
        }
        socket.set_option(tcp::no_delay(true), ec);
        connected = true;
    }

    // One exchange on the current connection; error code of the first failing step.
    error_code exchange(const http::request<http::string_body>& req,
                        http::response_parser<http::string_body>& parser,
                        detail::Deadline deadline) {
        error_code ec = run(
            [&](auto handler) { http::async_write(socket, req, std::move(handler)); }, deadline);
        if (ec) {
            return ec;
        }
        return run([&](auto handler) { http::async_read(socket, buffer, parser, std::move(handler)); },
                   deadline);
    }
};

HttpClient::HttpClient(std::string_view base_url, ClientOptions opts)
    : impl_(std::make_unique<Impl>()) {
    impl_->endpoint = parse_base_url(base_url);
    impl_->options = std::move(opts);
}

HttpClient::~HttpClient() {
    if (impl_) {
        impl_->close_socket();
    }
}

HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

const Endpoint& HttpClient::endpoint() const noexcept { return impl_->endpoint; }
const ClientOptions& HttpClient::options() const noexcept { return impl_->options; }

void HttpClient::close() noexcept { impl_->close_socket(); }

HttpResponse HttpClient::send(std::string_view method, std::string_view target, std::string body,
                              const Headers& headers) {
    Impl& s = *impl_;
    const auto deadline = detail::deadline_after(s.options.timeout);

    http::request<http::string_body> req;
    const http::verb verb = http::string_to_verb(method);
    if (verb == http::verb::unknown) {
        req.method_string(method);
    } else {
        req.method(verb);
    }
    req.target(s.endpoint.base_path + std::string(target));
    req.version(11);
    req.set(http::field::host, host_header(s.endpoint));
    req.set(http::field::user_agent, s.options.user_agent);
    req.keep_alive(true);
    if (!body.empty() && !find_header(headers, "Content-Type")) {
        req.set(http::field::content_type, "application/json");
    }
    for (const auto& [name, value] : headers) {
        req.set(name, value);
    }
    req.body() = std::move(body);
    req.prepare_payload();

    for (int attempt = 0;; ++attempt) {
        const bool reused = s.connected;
        if (!s.connected) {
            s.connect(deadline);
        }
        http::response_parser<http::string_body> parser;
        parser.body_limit(kMaxResponseBody);
        const error_code ec = s.exchange(req, parser, deadline);
        if (!ec) {
            auto res = parser.release();
            if (!res.keep_alive()) {
                s.close_socket();
            }
            HttpResponse out;
            out.status = static_cast<int>(res.result_int());
            out.body = std::move(res.body());
            for (const auto& field : res) {
                out.headers.emplace_back(std::string(field.name_string()),
                                         std::string(field.value()));
            }
            return out;
        }
        s.close_socket();
        const bool nothing_received = !parser.got_some();
        if (attempt == 0 && reused && nothing_received && is_stale_connection_error(ec)) {
            continue;  // the kept-alive connection was dead: retry once on a fresh one
        }
        if (ec == net::error::timed_out) {
            throw TransportError(std::string(method) + " " + std::string(target) +
                                 ": timed out");
        }
        throw TransportError(std::string(method) + " " + std::string(target) + ": " +
                             ec.message());
    }
}

}  // namespace cohost::sdk
