#pragma once
/// \file A lean keep-alive HTTP/1.1 client for loadgen's hot loops, where Beast's `HttpClient`
/// costs more CPU per request than the server under test spends answering it.
///
/// Two parts:
/// - `ResponseParser`: an incremental response parser without I/O. It is fed bytes as they come
///   off the socket (a response may arrive in many reads, and one read may hold the end of one
///   response and the start of the next), finds the status code, `Content-Length`,
///   `Transfer-Encoding: chunked` and `Connection: close`, and collects the body up to a cap.
/// - `RawHttpConnection`: one raw `tcp::socket` (TCP_NODELAY) that sends caller-built request
///   bytes with one gathered `async_write`, reads the response through the parser and reports it
///   to a completion callback fixed at construction. The caller builds each request's bytes once
///   (request line, headers, body) and reuses them, so a request costs no formatting and no
///   allocation.
///
/// Errors: malformed responses are `RawHttpError` codes (category "raw_http") reported like
/// transport errors; the connection is then closed and the next request reconnects, as
/// `HttpClient` does after any error or `Connection: close`.
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace cohost::loadgen {

/// Why a response could not be parsed.
enum class RawHttpError {
    MalformedStatusLine = 1,  ///< not `HTTP/1.x NNN[ reason]`
    InformationalResponse,    ///< 1xx: never expected (loadgen sends no `Expect`/`Upgrade`)
    MalformedHeader,          ///< a header line without `name:`, or obsolete line folding
    HeadTooLarge,             ///< status line + headers over `ResponseParser::kMaxHead`
    BadContentLength,         ///< not digits, too large, or two different values
    UnsupportedEncoding,      ///< a `Transfer-Encoding` other than (ending in) `chunked`
    BadChunk,                 ///< a chunk size line or chunk terminator that is not valid
};
[[nodiscard]] boost::system::error_code make_error_code(RawHttpError e) noexcept;

/// One response as parsed: valid once `ResponseParser::state()` is `Done`.
struct RawResponse {
    int status = 0;
    bool close = false;  ///< `Connection: close`, HTTP/1.0 without keep-alive, or read-to-EOF
    std::string body;    ///< the body's first `max_body` bytes (the rest is skipped)
    std::uint64_t body_size = 0;  ///< the whole body's length
};

/// Incremental HTTP/1.1 response parser (no I/O). Usage: `feed` bytes until `state()` leaves
/// `NeedMore`; on `Done` read `response()`, keep the bytes `feed` did not consume (they start the
/// next response) and call `reset()` before parsing the next one. On `Error` the stream is
/// unusable: close the connection.
class ResponseParser {
public:
    enum class State : std::uint8_t { NeedMore, Done, Error };
    static constexpr std::size_t kMaxHead = 16 * 1024;

    explicit ResponseParser(std::size_t max_body = 64 * 1024) : max_body_(max_body) {}

    /// Consumes bytes of the current response from `data`; returns how many it used. It uses all
    /// of `data` unless the response completes (`Done`: the rest is the next response's) or is
    /// malformed (`Error`).
    std::size_t feed(std::string_view data);

    /// The peer closed the stream. A response whose body runs to the end of the stream (no
    /// length, not chunked) is then complete (`Done`); returns whether that happened.
    bool finish_at_eof();

    /// Forgets the current response (keeping buffer capacity) to parse the next one.
    void reset();

    [[nodiscard]] State state() const noexcept;
    /// Whether any byte of the current response has been consumed.
    [[nodiscard]] bool started() const noexcept { return started_; }
    [[nodiscard]] const RawResponse& response() const noexcept { return response_; }
    [[nodiscard]] boost::system::error_code error() const noexcept { return error_; }

private:
    enum class Phase : std::uint8_t {
        Head,
        Body,
        BodyToEof,
        ChunkSize,
        ChunkData,
        ChunkEnd,
        Trailers,
        Done,
        Failed
    };
    std::size_t feed_head(std::string_view data);
    void parse_head();
    void on_header(std::string_view name, std::string_view value);
    std::size_t feed_body(std::string_view data);
    /// Collects one CRLF-terminated line into `line_`, then hands it to `on_line`.
    std::size_t feed_line(std::string_view data);
    void on_line(std::string_view line);
    void fail(RawHttpError e);

    std::size_t max_body_;
    Phase state_ = Phase::Head;
    bool started_ = false;
    std::string head_;        ///< status line and headers, up to and including the blank line
    std::string line_;        ///< a chunk-size / chunk-end / trailer line being collected
    std::uint64_t left_ = 0;  ///< body or chunk bytes still expected
    // Header facts of the current response.
    bool has_length_ = false;
    std::uint64_t length_ = 0;
    bool chunked_ = false;
    bool keep_alive_token_ = false;
    bool http10_ = false;
    RawResponse response_;
    boost::system::error_code error_;
};

/// What one request came to: a parsed response (`status != 0`) or an error (`status == 0`,
/// `ec` set: a socket error, `beast::http::error::end_of_stream` / `partial_message` when the
/// peer closed before / during the response, `beast::error::timeout`, or a `RawHttpError`).
struct RawResult {
    int status = 0;
    std::string_view body;  ///< valid only during the callback
    boost::system::error_code ec;
};

/// One keep-alive connection; one request at a time. Lives on one io_context's thread: every
/// member is called there, and the callback runs there.
class RawHttpConnection {
public:
    using Executor = boost::asio::io_context::executor_type;
    using Callback = std::function<void(const RawResult&)>;
    /// A request's bytes in up to two pieces (e.g. a per-user head and a per-body tail): they
    /// must stay alive and unchanged until the callback.
    using Request = std::array<boost::asio::const_buffer, 2>;

    RawHttpConnection(Executor ex, boost::asio::ip::tcp::endpoint endpoint, Callback on_done);
    RawHttpConnection(const RawHttpConnection&) = delete;
    RawHttpConnection& operator=(const RawHttpConnection&) = delete;

    /// Connects first if not connected, writes `request`, reads the response, then calls the
    /// callback once. Must not be called while `busy()`.
    void send(const Request& request);

    /// Aborts the request in flight (if any): the callback then gets `beast::error::timeout`.
    /// Called by the owner's watchdog (a timer per request would cost more than the request).
    void expire();

    /// Closes the socket (the next `send` reconnects). Does not complete a pending request: use
    /// `expire` for that.
    void close() noexcept;

    [[nodiscard]] bool busy() const noexcept { return busy_; }
    /// now_ns() when the request in flight was sent.
    [[nodiscard]] std::uint64_t started_ns() const noexcept { return started_ns_; }
    [[nodiscard]] std::uint64_t connects() const noexcept { return connects_; }

private:
    void write();
    void read();
    void on_read(const boost::system::error_code& ec, std::size_t n);
    bool consume();  ///< parses buffered bytes; true when the request completed
    void complete(const boost::system::error_code& ec);

    boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor> socket_;
    boost::asio::ip::tcp::endpoint endpoint_;
    Callback on_done_;
    Request request_{};
    ResponseParser parser_;
    std::vector<char> buffer_;
    std::size_t begin_ = 0, end_ = 0;  ///< unparsed bytes in buffer_
    bool connected_ = false;
    bool busy_ = false;
    bool expired_ = false;
    std::uint64_t started_ns_ = 0;
    std::uint64_t connects_ = 0;
};

}  // namespace cohost::loadgen

template <>
struct boost::system::is_error_code_enum<cohost::loadgen::RawHttpError> : std::true_type {};
