#pragma once
/// \file A minimal keep-alive HTTP/1.1 client over one Beast `tcp_stream`, for coroutines.
///
/// One request at a time per client (callers await each `request` before the next); the
/// connection is opened lazily and reopened after any transport error or `Connection: close`.
/// Lives on the executor it was created with.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "target.hpp"

namespace cohost::loadgen {

/// What came back: a status and body, or a transport error (`status == 0`).
struct HttpReply {
    int status = 0;
    std::string body;
    boost::system::error_code ec;

    /// The body parsed as JSON (null on parse failure).
    [[nodiscard]] boost::json::value json() const;
    /// `error.code` of an error body, or "" — e.g. `stage_full`.
    [[nodiscard]] std::string error_code() const;
    /// `"409 stage_full"`, `"500"`, or `"transport: <message>"`: the key errors are counted by.
    [[nodiscard]] std::string error_key() const;
};

/// Extra header fields of one request, sent after the defaults: a field named here replaces the
/// default of the same name (e.g. `Content-Type`, or a raw `Authorization` instead of the bearer).
using HeaderList = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
public:
    HttpClient(boost::asio::any_io_executor ex, Target target);

    /// Sends one request (JSON body when `body` is not empty; bearer `token` when not empty;
    /// then `headers`) and reads the whole response. Every phase is bounded by `timeout`.
    boost::asio::awaitable<HttpReply> request(boost::beast::http::verb verb, std::string target,
                                              std::string body, std::string token,
                                              HeaderList headers = {});

    /// Closes the connection (the next request reconnects).
    void close() noexcept;

    /// Requests sent over this client, and connections it opened.
    [[nodiscard]] std::uint64_t requests() const noexcept { return requests_; }
    [[nodiscard]] std::uint64_t connects() const noexcept { return connects_; }

    std::chrono::seconds timeout{10};

private:
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    Target target_;
    bool connected_ = false;
    std::uint64_t requests_ = 0;
    std::uint64_t connects_ = 0;
};

/// Logs in `user_id` with the development login; returns the token or "" (and sets `*failure`).
boost::asio::awaitable<std::string> dev_login(HttpClient& http, std::string user_id,
                                              std::string display_name, std::string* failure);

}  // namespace cohost::loadgen
