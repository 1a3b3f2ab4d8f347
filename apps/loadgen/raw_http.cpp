#include "raw_http.hpp"

#include <algorithm>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <cstring>

#include "target.hpp"

namespace cohost::loadgen {

namespace net = boost::asio;
using boost::system::error_code;

namespace {

// boost::system::error_category has a protected non-virtual destructor by design.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class RawHttpCategory final : public boost::system::error_category {
public:
    [[nodiscard]] const char* name() const noexcept override { return "raw_http"; }
    [[nodiscard]] std::string message(int ev) const override {
        switch (static_cast<RawHttpError>(ev)) {
            case RawHttpError::MalformedStatusLine:
                return "malformed status line";
            case RawHttpError::InformationalResponse:
                return "unexpected 1xx response";
            case RawHttpError::MalformedHeader:
                return "malformed header line";
            case RawHttpError::HeadTooLarge:
                return "response head too large";
            case RawHttpError::BadContentLength:
                return "bad Content-Length";
            case RawHttpError::UnsupportedEncoding:
                return "unsupported Transfer-Encoding";
            case RawHttpError::BadChunk:
                return "bad chunked encoding";
        }
        return "unknown raw_http error";
    }
};
#pragma GCC diagnostic pop

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               const auto lower = [](char c) {
                   return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
               };
               return lower(x) == lower(y);
           });
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// Calls `f(token)` for each trimmed, non-empty comma-separated token of a header value.
template <class F>
void for_each_token(std::string_view value, F f) {
    while (!value.empty()) {
        const auto comma = value.find(',');
        const std::string_view token = trim(value.substr(0, comma));
        if (!token.empty()) f(token);
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
}

constexpr std::size_t kMaxLine = 4096;            ///< a chunk-size or trailer line
constexpr std::size_t kReadBuffer = 8 * 1024;     ///< per connection
constexpr std::uint64_t kMaxLength = 1ULL << 40;  ///< a sane upper bound for lengths

}  // namespace

error_code make_error_code(RawHttpError e) noexcept {
    static const RawHttpCategory category;
    return {static_cast<int>(e), category};
}

// --- ResponseParser ---------------------------------------------------------------------------

ResponseParser::State ResponseParser::state() const noexcept {
    switch (state_) {
        case Phase::Done:
            return State::Done;
        case Phase::Failed:
            return State::Error;
        default:
            return State::NeedMore;
    }
}

void ResponseParser::reset() {
    state_ = Phase::Head;
    started_ = false;
    head_.clear();
    line_.clear();
    left_ = 0;
    has_length_ = false;
    length_ = 0;
    chunked_ = false;
    keep_alive_token_ = false;
    http10_ = false;
    response_.status = 0;
    response_.close = false;
    response_.body.clear();
    response_.body_size = 0;
    error_.clear();
}

void ResponseParser::fail(RawHttpError e) {
    state_ = Phase::Failed;
    error_ = make_error_code(e);
}

std::size_t ResponseParser::feed(std::string_view data) {
    std::size_t used = 0;
    started_ = started_ || !data.empty();
    while (used < data.size()) {
        const std::string_view rest = data.substr(used);
        switch (state_) {
            case Phase::Head:
                used += feed_head(rest);
                break;
            case Phase::Body:
            case Phase::BodyToEof:
            case Phase::ChunkData:
                used += feed_body(rest);
                break;
            case Phase::ChunkSize:
            case Phase::ChunkEnd:
            case Phase::Trailers:
                used += feed_line(rest);
                break;
            case Phase::Done:
            case Phase::Failed:
                return used;
        }
    }
    return used;
}

bool ResponseParser::finish_at_eof() {
    if (state_ != Phase::BodyToEof) {
        return false;
    }
    state_ = Phase::Done;
    return true;
}

std::size_t ResponseParser::feed_head(std::string_view data) {
    const std::size_t old = head_.size();
    // Never hold more than the head limit (plus the terminator's bytes).
    head_.append(data.substr(0, std::min(data.size(), kMaxHead + 4 - std::min(old, kMaxHead))));
    const auto end = head_.find("\r\n\r\n", old >= 3 ? old - 3 : 0);
    if (end == std::string::npos || end + 4 > kMaxHead) {
        if (head_.size() > kMaxHead) {
            fail(RawHttpError::HeadTooLarge);
            return 0;
        }
        return data.size();
    }
    head_.resize(end + 4);
    parse_head();
    return end + 4 - old;
}

void ResponseParser::parse_head() {
    std::string_view head(head_);
    head.remove_suffix(2);  // the blank line's CRLF; every line below ends in CRLF
    auto next_line = [&head]() {
        const auto eol = head.find("\r\n");
        const std::string_view line = head.substr(0, eol);
        head.remove_prefix(eol + 2);
        return line;
    };
    // HTTP/1.x SP 3DIGIT [SP reason]
    const std::string_view status = next_line();
    if (status.size() < 12 || status.substr(0, 7) != "HTTP/1." || !is_digit(status[7]) ||
        status[8] != ' ' || !is_digit(status[9]) || !is_digit(status[10]) ||
        !is_digit(status[11]) || (status.size() > 12 && status[12] != ' ') || status[9] == '0') {
        fail(RawHttpError::MalformedStatusLine);
        return;
    }
    http10_ = status[7] == '0';
    response_.status = (status[9] - '0') * 100 + (status[10] - '0') * 10 + (status[11] - '0');
    if (response_.status < 200) {
        fail(RawHttpError::InformationalResponse);
        return;
    }
    while (!head.empty()) {
        const std::string_view line = next_line();
        const auto colon = line.find(':');
        if (line.front() == ' ' || line.front() == '\t' || colon == std::string_view::npos ||
            colon == 0 || line.substr(0, colon).find_first_of(" \t") != std::string_view::npos) {
            fail(RawHttpError::MalformedHeader);
            return;
        }
        on_header(line.substr(0, colon), trim(line.substr(colon + 1)));
        if (state_ == Phase::Failed) {
            return;
        }
    }
    if (http10_ && !keep_alive_token_) {
        response_.close = true;
    }
    if (response_.status == 204 || response_.status == 304) {
        state_ = Phase::Done;
    } else if (chunked_) {
        state_ = Phase::ChunkSize;
    } else if (has_length_) {
        left_ = length_;
        state_ = length_ == 0 ? Phase::Done : Phase::Body;
    } else {
        state_ = Phase::BodyToEof;  // delimited by the end of the stream
        response_.close = true;
    }
}

void ResponseParser::on_header(std::string_view name, std::string_view value) {
    if (iequals(name, "content-length")) {
        std::uint64_t v = 0;
        if (value.empty() || value.size() > 13 ||
            !std::all_of(value.begin(), value.end(), is_digit)) {
            fail(RawHttpError::BadContentLength);
            return;
        }
        for (const char c : value) v = v * 10 + static_cast<std::uint64_t>(c - '0');
        if (v > kMaxLength || (has_length_ && v != length_)) {
            fail(RawHttpError::BadContentLength);
            return;
        }
        has_length_ = true;
        length_ = v;
    } else if (iequals(name, "transfer-encoding")) {
        std::string_view last;
        for_each_token(value, [&last](std::string_view t) { last = t; });
        if (!iequals(last, "chunked")) {
            fail(RawHttpError::UnsupportedEncoding);
            return;
        }
        chunked_ = true;  // wins over any Content-Length (RFC 9112 §6.3)
    } else if (iequals(name, "connection")) {
        for_each_token(value, [this](std::string_view t) {
            if (iequals(t, "close")) response_.close = true;
            if (iequals(t, "keep-alive")) keep_alive_token_ = true;
        });
    }
}

std::size_t ResponseParser::feed_body(std::string_view data) {
    const std::size_t take =
        state_ == Phase::BodyToEof
            ? data.size()
            : static_cast<std::size_t>(std::min<std::uint64_t>(data.size(), left_));
    response_.body_size += take;
    if (response_.body.size() < max_body_) {
        response_.body.append(data.data(), std::min(take, max_body_ - response_.body.size()));
    }
    if (state_ != Phase::BodyToEof) {
        left_ -= take;
        if (left_ == 0) {
            state_ = state_ == Phase::Body ? Phase::Done : Phase::ChunkEnd;
        }
    }
    return take;
}

std::size_t ResponseParser::feed_line(std::string_view data) {
    const auto nl = data.find('\n');
    line_.append(data.substr(0, nl));
    if (line_.size() > kMaxLine) {
        fail(RawHttpError::BadChunk);
        return 0;
    }
    if (nl == std::string_view::npos) {
        return data.size();
    }
    if (line_.empty() || line_.back() != '\r') {
        fail(RawHttpError::BadChunk);  // lines end in CRLF
        return 0;
    }
    line_.pop_back();
    on_line(line_);
    line_.clear();
    return nl + 1;
}

void ResponseParser::on_line(std::string_view line) {
    switch (state_) {
        case Phase::ChunkSize: {
            const std::string_view digits = trim(line.substr(0, line.find(';')));
            std::uint64_t size = 0;
            if (digits.empty() || digits.size() > 10) {
                fail(RawHttpError::BadChunk);
                return;
            }
            for (const char c : digits) {
                const int d = is_digit(c)              ? c - '0'
                              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                       : -1;
                if (d < 0) {
                    fail(RawHttpError::BadChunk);
                    return;
                }
                size = size * 16 + static_cast<std::uint64_t>(d);
            }
            left_ = size;
            state_ = size == 0 ? Phase::Trailers : Phase::ChunkData;
            return;
        }
        case Phase::ChunkEnd:
            if (!line.empty()) {
                fail(RawHttpError::BadChunk);
                return;
            }
            state_ = Phase::ChunkSize;
            return;
        case Phase::Trailers:
            if (line.empty()) {
                state_ = Phase::Done;  // trailer fields themselves are ignored
            }
            return;
        default:
            return;
    }
}

// --- RawHttpConnection ------------------------------------------------------------------------

RawHttpConnection::RawHttpConnection(Executor ex, net::ip::tcp::endpoint endpoint, Callback on_done)
    : socket_(ex), endpoint_(endpoint), on_done_(std::move(on_done)), buffer_(kReadBuffer) {}

void RawHttpConnection::send(const Request& request) {
    request_ = request;
    busy_ = true;
    expired_ = false;
    parser_.reset();
    started_ns_ = now_ns();
    if (connected_) {
        write();
        return;
    }
    socket_.async_connect(endpoint_, [this](const error_code& ec) {
        if (ec) {
            complete(ec);
            return;
        }
        error_code ignored;
        socket_.set_option(net::ip::tcp::no_delay(true), ignored);
        connected_ = true;
        ++connects_;
        write();
    });
}

void RawHttpConnection::write() {
    net::async_write(socket_, request_, [this](const error_code& ec, std::size_t) {
        if (ec) {
            complete(ec);
        } else if (!consume()) {  // bytes already buffered may hold the whole response
            read();
        }
    });
}

void RawHttpConnection::read() {
    if (begin_ > 0) {  // keep unparsed bytes at the front (only after a protocol violation)
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    socket_.async_read_some(net::buffer(buffer_.data() + end_, buffer_.size() - end_),
                            [this](const error_code& ec, std::size_t n) { on_read(ec, n); });
}

void RawHttpConnection::on_read(const error_code& ec, std::size_t n) {
    if (ec == net::error::eof && parser_.finish_at_eof()) {
        complete({});
    } else if (ec == net::error::eof) {
        // Beast's words for the same events, so error keys stay comparable with HttpClient's.
        complete(parser_.started() ? boost::beast::http::error::partial_message
                                   : boost::beast::http::error::end_of_stream);
    } else if (ec) {
        complete(ec);
    } else {
        end_ += n;
        if (!consume()) {
            read();
        }
    }
}

bool RawHttpConnection::consume() {
    if (begin_ == end_) {
        return false;
    }
    begin_ += parser_.feed(std::string_view(buffer_.data() + begin_, end_ - begin_));
    if (begin_ == end_) {
        begin_ = end_ = 0;
    }
    switch (parser_.state()) {
        case ResponseParser::State::NeedMore:
            return false;
        case ResponseParser::State::Error:
            complete(parser_.error());
            return true;
        case ResponseParser::State::Done:
            complete({});
            return true;
    }
    return false;
}

void RawHttpConnection::complete(const error_code& ec) {
    RawResult r;
    if (ec) {
        r.ec = expired_ ? error_code(boost::beast::error::timeout) : ec;
        close();
    } else {
        r.status = parser_.response().status;
        r.body = parser_.response().body;  // the parser is reset only by the next send()
        if (parser_.response().close) {
            close();
        }
    }
    busy_ = false;
    on_done_(r);
}

void RawHttpConnection::expire() {
    if (busy_) {
        expired_ = true;
        close();  // the pending operation completes with operation_aborted -> timeout
    }
}

void RawHttpConnection::close() noexcept {
    error_code ignored;
    if (socket_.is_open()) {
        socket_.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
    }
    connected_ = false;
    begin_ = end_ = 0;
}

}  // namespace cohost::loadgen
