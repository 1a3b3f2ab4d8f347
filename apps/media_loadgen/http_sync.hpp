#pragma once
/// \file The blocking HTTP/1.1 client media_loadgen uses for WHIP/WHEP: one keep-alive Beast
/// connection, one request at a time, reconnecting once after a transport error. Also mints the
/// LiveKit-format access tokens the SFU's endpoints require. Used from the orchestrating thread
/// only (never from a peer's io_context).
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace cohost::media_loadgen {

/// One response: status 0 means a transport error (`error` says which).
struct HttpResponse {
    int status = 0;
    std::string body;
    std::string location;  ///< the `Location` header (WHIP/WHEP resource)
    std::string error;
};

class HttpSync {
public:
    /// `url` is `http://127.x.y.z:PORT` (loopback only); nullopt for anything else.
    [[nodiscard]] static std::optional<HttpSync> for_url(const std::string& url);

    /// Sends one request with `Authorization: Bearer token` and, when `body` is not empty,
    /// `Content-Type: application/sdp`; reads the whole response (10 s socket timeout).
    HttpResponse request(boost::beast::http::verb verb, const std::string& target,
                         const std::string& body, const std::string& token);

    /// The server's address and the `Host` header value (`127.0.0.1:PORT`), for other clients
    /// of the same server (the LiveKit WebSocket).
    [[nodiscard]] const boost::asio::ip::tcp::endpoint& endpoint() const noexcept {
        return endpoint_;
    }
    [[nodiscard]] const std::string& host() const noexcept { return host_; }

    HttpSync(HttpSync&&) noexcept = default;
    ~HttpSync();

private:
    HttpSync(boost::asio::ip::tcp::endpoint ep, std::string host);
    bool ensure_connected(std::string& error);
    HttpResponse once(boost::beast::http::verb verb, const std::string& target,
                      const std::string& body, const std::string& token, bool& transport_failed);

    std::unique_ptr<boost::asio::io_context> ioc_;
    std::unique_ptr<boost::asio::ip::tcp::socket> socket_;
    boost::beast::flat_buffer buffer_;
    boost::asio::ip::tcp::endpoint endpoint_;
    std::string host_;
};

/// What a token allows.
struct Grant {
    std::string room;
    bool can_publish = false;
    bool can_subscribe = false;
};

/// A LiveKit access token (HS256): iss = `api_key`, sub = `identity`, nbf/exp around now (1 h),
/// `video` = {roomJoin, room, canPublish, canSubscribe}.
[[nodiscard]] std::string mint_token(const std::string& api_key, const std::string& api_secret,
                                     const std::string& identity, const Grant& grant);

}  // namespace cohost::media_loadgen
