// The SDK on its own (no cohostd): URL handling, token minting as LiveKit's AccessToken does it,
// and the deadlines of the blocking clients against a peer that accepts but never answers.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cohost/core/jwt.hpp"
#include "harness.hpp"

namespace cohost::it {
namespace {

TEST(SdkUrl, ParsesBaseUrls) {
    auto ep = sdk::parse_base_url("http://127.0.0.1:7880");
    EXPECT_EQ(ep.host, "127.0.0.1");
    EXPECT_EQ(ep.port, "7880");
    EXPECT_EQ(ep.base_path, "");
    ep = sdk::parse_base_url("http://example.test/api/");
    EXPECT_EQ(ep.port, "80");
    EXPECT_EQ(ep.base_path, "/api");
    ep = sdk::parse_base_url("ws://[::1]:9000");
    EXPECT_EQ(ep.host, "::1");
    EXPECT_EQ(sdk::host_header(ep), "[::1]:9000");
    for (const char* bad : {"127.0.0.1:7880", "https://x", "http://", "http://h:port", "http://[::1"}) {
        EXPECT_THROW((void)sdk::parse_base_url(bad), std::invalid_argument) << bad;
    }
}

TEST(SdkUrl, EncodesQueryValues) {
    EXPECT_EQ(sdk::url_encode("a b/c?d=é"), "a%20b%2Fc%3Fd%3D%C3%A9");
    EXPECT_EQ(sdk::url_encode("Az09-_.~"), "Az09-_.~");
    EXPECT_EQ(sdk::build_query({.status = "live", .limit = 5}), "?status=live&limit=5");
    EXPECT_EQ(sdk::build_query({}, {{"query", "a&b"}}), "?query=a%26b");
    EXPECT_EQ(sdk::build_query({}), "");
}

TEST(SdkTokens, UserTokenHasLiveKitClaimsAndVerifies) {
    const sdk::ApiCredentials creds{"APIkey", "secret-0123456789-0123456789-0123456789"};
    const std::string token = sdk::mint_user_token(
        creds, "alice", "Alice", std::chrono::minutes(5),
        json::object{{"roomJoin", true}, {"room", "RM_1"}});
    EXPECT_EQ(str(sdk::decode_token_header(token), "alg"), "HS256");
    const json::object claims = sdk::decode_token_claims(token);
    EXPECT_EQ(str(claims, "sub"), "alice");
    EXPECT_EQ(str(claims, "name"), "Alice");
    EXPECT_EQ(str(claims, "iss"), "APIkey");
    EXPECT_EQ(num(claims, "exp") - num(claims, "nbf"), 300);
    EXPECT_EQ(str(at(claims, "video"), "room"), "RM_1");
    const core::jwt::VerifyOptions opts{creds.api_secret, creds.api_key,
                                        core::from_unix_ms(sdk::unix_now_seconds() * 1000)};
    EXPECT_TRUE(core::jwt::verify_hs256(token, opts).has_value());
}

TEST(SdkTokens, AdminTokenIsRoomAdminWithoutSubOrRoom) {
    const sdk::ApiCredentials creds{"APIkey", "secret-0123456789-0123456789-0123456789"};
    const json::object claims = sdk::decode_token_claims(sdk::mint_admin_token(creds));
    EXPECT_FALSE(claims.contains("sub"));
    EXPECT_TRUE(boolean(at(claims, "video"), "roomAdmin"));
    EXPECT_FALSE(at(claims, "video").as_object().contains("room"));
    EXPECT_EQ(num(claims, "exp") - num(claims, "nbf"), 600);
    for (const char* bad : {"", "abc", "a.b", "!!.??.x"}) {
        EXPECT_THROW((void)sdk::decode_token_claims(bad), std::invalid_argument) << bad;
    }
}

/// A TCP listener that never accepts: connects succeed (kernel backlog), nothing is answered.
class SilentListener {
public:
    SilentListener() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(fd_, 16) != 0) {
            throw std::runtime_error("cannot listen");
        }
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
    }
    ~SilentListener() { ::close(fd_); }
    SilentListener(const SilentListener&) = delete;
    SilentListener& operator=(const SilentListener&) = delete;
    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    int fd_ = -1;
    int port_ = 0;
};

TEST(SdkDeadlines, HttpRequestTimesOutOnASilentPeer) {
    SilentListener peer;
    sdk::ApiClient api(peer.url(), sdk::ClientOptions{.timeout = 300ms});
    const auto start = std::chrono::steady_clock::now();
    EXPECT_THROW((void)api.request("GET", "/v1/me"), sdk::TransportError);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, 250ms);
    EXPECT_LT(took, 2s);
    EXPECT_FALSE(api.healthy());
}

TEST(SdkDeadlines, RealtimeHandshakeTimesOutOnASilentPeer) {
    SilentListener peer;
    sdk::RealtimeClient rt(peer.url(), "token", sdk::ClientOptions{.timeout = 300ms});
    const auto start = std::chrono::steady_clock::now();
    EXPECT_THROW(rt.connect(), sdk::TransportError);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    EXPECT_FALSE(rt.is_open());
    EXPECT_FALSE(rt.next_frame(10ms).has_value());
}

TEST(SdkDeadlines, ConnectionRefusedIsATransportError) {
    int port = 0;
    {
        SilentListener gone;  // take a free port, then release it
        port = std::stoi(gone.url().substr(gone.url().rfind(':') + 1));
    }
    sdk::ApiClient api("http://127.0.0.1:" + std::to_string(port));
    EXPECT_THROW((void)api.me(), sdk::TransportError);
}

}  // namespace
}  // namespace cohost::it
