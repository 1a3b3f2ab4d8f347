#pragma once
/// \file A small synchronous HTTP/1.1 client over Boost.Beast: one keep-alive TCP connection per
/// client, transparent reconnect when a reused connection turns out to be dead, and one deadline
/// per request (connect + write + read).
///
/// Threading: an `HttpClient` is not thread-safe; use one per thread (each owns its own
/// `io_context` and socket). Calls block the calling thread until the response arrives, the
/// deadline passes, or the connection fails.
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cohost::sdk {

/// Header list in order, names as sent/received (lookups are case-insensitive).
using Headers = std::vector<std::pair<std::string, std::string>>;

/// Case-insensitive lookup of the first header called `name`; nullopt when absent.
[[nodiscard]] std::optional<std::string> find_header(const Headers& headers, std::string_view name);

/// Where a base URL points: `http://127.0.0.1:7880` or `http://host:port/prefix`.
struct Endpoint {
    std::string scheme = "http";  ///< only `http` (and `ws` for realtime) are supported
    std::string host;             ///< name or address, without brackets
    std::string port = "80";      ///< service, as text
    std::string base_path;        ///< path prefix without a trailing `/` (usually empty)
};

/// `host:port` for the Host header (IPv6 addresses in brackets).
[[nodiscard]] std::string host_header(const Endpoint& ep);

/// Parses `base_url`. Throws std::invalid_argument for anything that is not an absolute
/// `http://` (or `ws://`) URL with a host.
[[nodiscard]] Endpoint parse_base_url(std::string_view base_url);

/// Options shared by the HTTP and realtime clients.
struct ClientOptions {
    /// Deadline of one request (HTTP) or of one connect/handshake/write (realtime).
    std::chrono::milliseconds timeout{15000};
    std::string user_agent = "cohost-sdk/0.1";
};

/// The connection failed, timed out or the peer answered something that is not HTTP. Carries no
/// request data (tokens never appear in messages).
struct TransportError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// One HTTP response, body as received.
struct HttpResponse {
    int status = 0;
    std::string body;
    Headers headers;
    [[nodiscard]] std::optional<std::string> header(std::string_view name) const {
        return find_header(headers, name);
    }
};

class HttpClient {
public:
    /// Does not connect yet; the first `send` does. Throws std::invalid_argument on a bad URL.
    explicit HttpClient(std::string_view base_url, ClientOptions opts = {});
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;
    HttpClient(HttpClient&&) noexcept;
    HttpClient& operator=(HttpClient&&) noexcept;

    /// Sends `method target` with `body` (Content-Type `application/json` unless `headers` sets
    /// one, and only when the body is not empty) and returns the response, whatever its status.
    /// `target` is the path and query below the base path (`/v1/rooms?status=live`).
    ///
    /// When a kept-alive connection proves dead before any response byte arrives (the server
    /// closed it or restarted) the request is sent once more on a fresh connection.
    /// Throws TransportError on connect failure, timeout or a malformed response.
    HttpResponse send(std::string_view method, std::string_view target, std::string body = {},
                      const Headers& headers = {});

    /// Drops the connection (the next `send` reconnects).
    void close() noexcept;

    [[nodiscard]] const Endpoint& endpoint() const noexcept;
    [[nodiscard]] const ClientOptions& options() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Percent-encodes `text` for a path segment or a query value (RFC 3986 unreserved kept).
[[nodiscard]] std::string url_encode(std::string_view text);

}  // namespace cohost::sdk
