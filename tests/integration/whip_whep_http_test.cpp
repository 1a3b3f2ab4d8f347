// The WHIP/WHEP HTTP contract of cohostd (apps/cohostd/media_routes.cpp, docs/media.md "WHIP and
// WHEP") against the real binary: status codes, error envelopes, headers, and that a refused
// request leaves no session behind. Media itself (ICE/DTLS/RTP) is covered by the SFU tests.
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "harness.hpp"

namespace cohost::it {
namespace {

const std::filesystem::path kSdpDir =
    std::filesystem::path(__FILE__).parent_path() / ".." / "data" / "sdp";

std::string offer_file(const std::string& name) {
    std::ifstream in(kSdpDir / name, std::ios::binary);
    EXPECT_TRUE(in.good()) << "missing fixture " << (kSdpDir / name);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// A WHEP player offer: recvonly opus audio and recvonly video with only `video_rtpmap`.
std::string player_offer(const std::string& video_rtpmap) {
    return "v=0\r\n"
           "o=- 1 2 IN IP4 127.0.0.1\r\n"
           "s=-\r\n"
           "t=0 0\r\n"
           "a=group:BUNDLE 0 1\r\n"
           "a=fingerprint:sha-256 "
           "3B:8A:91:0C:5E:77:D2:14:A6:0F:C9:3E:51:88:2D:B4:70:1A:E6:93:5C:0D:F2:48:9B:37:A1:C5:6E:02:"
           "DD:84\r\n"
           "a=setup:actpass\r\n"
           "a=ice-ufrag:Wh3p\r\n"
           "a=ice-pwd:whepwhepwhepwhepwhepwh\r\n"
           "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
           "a=mid:0\r\n"
           "a=recvonly\r\n"
           "a=rtcp-mux\r\n"
           "a=rtpmap:111 opus/48000/2\r\n"
           "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
           "a=mid:1\r\n"
           "a=recvonly\r\n"
           "a=rtcp-mux\r\n"
           "a=rtpmap:96 " + video_rtpmap + "\r\n"
           "a=rtcp-fb:96 nack pli\r\n";
}

/// The `m=video` line of an SDP answer ("" if none).
std::string video_line(const std::string& sdp) {
    const auto at = sdp.find("m=video ");
    if (at == std::string::npos) return {};
    return sdp.substr(at, sdp.find("\r\n", at) - at);
}

class WhipWhepHttp : public ::testing::Test {
protected:
    WhipWhepHttp() : server_(options()) {}

    static ServerOptions options() {
        ServerOptions o;
        o.extra_args = {"--udp-port", "0"};  // ephemeral media port: tests run in parallel
        return o;
    }

    void SetUp() override {
        server_.start();
        client_ = std::make_unique<sdk::ApiClient>(server_.url());
    }
    void TearDown() override {
        if (HasFailure()) std::cerr << "server log:\n" << server_.log_tail() << "\n";
    }

    /// A LiveKit access token of `identity` with `video` as its grant (nullopt: none).
    [[nodiscard]] std::string token(const std::optional<json::object>& video,
                                    std::string_view identity = "alice") const {
        return sdk::mint_user_token(server_.credentials(), identity, identity,
                                    std::chrono::minutes(10), video);
    }
    [[nodiscard]] std::string room_token(std::string_view room, json::object extra = {}) const {
        json::object video{{"room", room}, {"roomJoin", true}};
        for (const auto& kv : extra) video[kv.key()] = kv.value();
        return token(video);
    }

    /// `method path` with `body` as application/sdp (unless `content_type` says otherwise) and
    /// `Authorization: Bearer <bearer>` unless `bearer` is empty.
    sdk::ApiResponse send(std::string_view method, std::string_view path, std::string body,
                          const std::string& bearer, std::string content_type = "application/sdp") {
        sdk::Headers h;
        if (!bearer.empty()) h.emplace_back("Authorization", "Bearer " + bearer);
        if (!content_type.empty()) h.emplace_back("Content-Type", content_type);
        return client_->request_raw(method, path, std::move(body), h);
    }

    static void expect_error(const sdk::ApiResponse& r, int status, std::string_view code) {
        EXPECT_EQ(r.status, status) << r.raw;
        EXPECT_EQ(r.error_code(), code) << r.raw;
        const auto type = r.header("Content-Type");
        ASSERT_TRUE(type.has_value());
        EXPECT_NE(type->find("application/json"), std::string::npos) << *type;
        EXPECT_EQ(r.header("Access-Control-Allow-Origin").value_or(""), "*");
    }

    /// A WHEP session in `room` with a VP8-only player: whether the room's answer gives it video
    /// tells whether an H.264 publisher exists in the room (its codec becomes the room's).
    [[nodiscard]] bool vp8_player_gets_video(const std::string& room) {
        auto r = send("POST", "/whep/" + room, player_offer("VP8/90000"), room_token(room));
        EXPECT_EQ(r.status, 201) << r.raw;
        const auto line = video_line(r.raw);
        EXPECT_FALSE(line.empty()) << r.raw;
        return line.rfind("m=video 0 ", 0) != 0;
    }

    ServerProcess server_;
    std::unique_ptr<sdk::ApiClient> client_;  ///< no token of its own: each call names one
};

TEST_F(WhipWhepHttp, PublishThenDeleteOnce) {
    const std::string tok = room_token("r1");
    auto r = send("POST", "/whip/r1", offer_file("chromium156_publish_simulcast_offer.sdp"), tok);
    ASSERT_EQ(r.status, 201) << r.raw;
    EXPECT_EQ(r.header("Content-Type").value_or(""), "application/sdp");
    EXPECT_EQ(r.header("Access-Control-Allow-Origin").value_or(""), "*");
    EXPECT_NE(r.header("Access-Control-Expose-Headers").value_or("").find("Location"),
              std::string::npos);
    const auto location = r.header("Location");
    ASSERT_TRUE(location.has_value());
    ASSERT_EQ(location->rfind("/whip/r1/", 0), 0U) << *location;
    EXPECT_GT(location->size(), std::string("/whip/r1/").size()) << "a resource id follows";
    EXPECT_EQ(location->find('/', 9), std::string::npos) << *location;
    // The body is the SDP answer of an ICE-lite SFU (negotiate_test.cpp checks it in depth).
    EXPECT_EQ(r.raw.rfind("v=0\r\n", 0), 0U) << r.raw.substr(0, 80);
    EXPECT_NE(r.raw.find("a=ice-lite"), std::string::npos);
    EXPECT_NE(r.raw.find("a=setup:passive"), std::string::npos);
    EXPECT_NE(r.raw.find("a=candidate:"), std::string::npos);
    EXPECT_NE(r.raw.find("a=simulcast:recv q;h;f"), std::string::npos);

    r = send("DELETE", *location, "", tok, "");
    EXPECT_EQ(r.status, 200) << r.raw;
    r = send("DELETE", *location, "", tok, "");
    expect_error(r, 404, "not_found");
}

TEST_F(WhipWhepHttp, PlayThenDelete) {
    const std::string tok = room_token("r2");
    auto r = send("POST", "/whep/r2", offer_file("chromium156_join_offer.sdp"), tok);
    ASSERT_EQ(r.status, 201) << r.raw;
    EXPECT_EQ(r.header("Content-Type").value_or(""), "application/sdp");
    const auto location = r.header("Location");
    ASSERT_TRUE(location.has_value());
    EXPECT_EQ(location->rfind("/whep/r2/", 0), 0U) << *location;
    EXPECT_NE(r.raw.find("a=sendonly"), std::string::npos);
    r = send("DELETE", *location, "", tok, "");
    EXPECT_EQ(r.status, 200) << r.raw;
    r = send("DELETE", *location, "", tok, "");
    expect_error(r, 404, "not_found");
}

TEST_F(WhipWhepHttp, UnauthenticatedRequestsGet401WithBearerChallenge) {
    const std::string offer = offer_file("obs30_whip_offer.sdp");
    auto other_secret = sdk::mint_user_token(
        {server_.credentials().api_key, "not-the-server-secret-0123456789-abcdefgh"}, "alice",
        "alice", std::chrono::minutes(10), json::object{{"room", "r1"}, {"roomJoin", true}});
    auto other_issuer = sdk::mint_user_token(
        {"APIsomeoneelse", server_.credentials().api_secret}, "alice", "alice",
        std::chrono::minutes(10), json::object{{"room", "r1"}, {"roomJoin", true}});
    for (const std::string path : {"/whip/r1", "/whep/r1"}) {
        for (const std::string& bearer :
             {std::string(), std::string("garbage"), other_secret, other_issuer}) {
            auto r = send("POST", path, offer, bearer);
            expect_error(r, 401, "unauthenticated");
            EXPECT_EQ(r.header("WWW-Authenticate").value_or(""), "Bearer") << path;
        }
        // Another scheme is no token either.
        sdk::Headers h{{"Authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"},
                       {"Content-Type", "application/sdp"}};
        auto r = client_->request_raw("POST", path, offer, h);
        expect_error(r, 401, "unauthenticated");
    }
    auto r = send("DELETE", "/whip/r1/abc", "", "", "");
    expect_error(r, 401, "unauthenticated");
}

TEST_F(WhipWhepHttp, TokensWithoutTheRightGrantGet403) {
    const std::string offer = offer_file("obs30_whip_offer.sdp");
    const std::string player = player_offer("VP8/90000");
    struct Case {
        const char* what;
        std::string path;
        std::string body;
        std::string bearer;
    };
    const std::vector<Case> cases = {
        {"WHIP, token for another room", "/whip/r1", offer, room_token("r2")},
        {"WHEP, token for another room", "/whep/r1", player, room_token("r2")},
        {"WHIP, canPublish false", "/whip/r1", offer, room_token("r1", {{"canPublish", false}})},
        {"WHEP, canSubscribe false", "/whep/r1", player, room_token("r1", {{"canSubscribe", false}})},
        {"WHIP, no roomJoin", "/whip/r1", offer, token(json::object{{"room", "r1"}})},
        {"WHEP, roomJoin false", "/whep/r1", player,
         token(json::object{{"room", "r1"}, {"roomJoin", false}})},
        {"WHIP, no video grant", "/whip/r1", offer, token(std::nullopt)},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        auto r = send("POST", c.path, c.body, c.bearer);
        expect_error(r, 403, "forbidden");
        EXPECT_FALSE(r.header("Location").has_value());
    }
    // The opposite permission is not needed: a subscribe-only token publishes nothing but plays,
    // a publish-only token plays nothing but publishes.
    auto r = send("POST", "/whep/r1", player, room_token("r1", {{"canPublish", false}}));
    EXPECT_EQ(r.status, 201) << r.raw;
    r = send("POST", "/whip/r1", offer, room_token("r1", {{"canSubscribe", false}}));
    EXPECT_EQ(r.status, 201) << r.raw;
}

TEST_F(WhipWhepHttp, WrongContentTypeGets415) {
    const std::string offer = offer_file("obs30_whip_offer.sdp");
    for (const std::string type : {"application/json", "text/plain", "application/sdpx", ""}) {
        auto r = send("POST", "/whip/r1", offer, room_token("r1"), type);
        expect_error(r, 415, "unsupported_media_type");
    }
    // Parameters after the media type are allowed.
    auto r = send("POST", "/whip/r1", offer, room_token("r1"), "application/sdp; charset=utf-8");
    EXPECT_EQ(r.status, 201) << r.raw;
}

TEST_F(WhipWhepHttp, GarbageSdpGets400InvalidSdp) {
    const std::string full = offer_file("obs30_whip_offer.sdp");
    for (const std::string path : {"/whip/r1", "/whep/r1"}) {
        for (const std::string& body :
             {std::string("not an sdp"), std::string(), full.substr(0, 100),
              std::string("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n")}) {
            auto r = send("POST", path, body, room_token("r1"));
            expect_error(r, 400, "invalid_sdp");
            EXPECT_FALSE(r.header("Location").has_value());
            // The message names the problem without echoing the offer.
            const auto& msg = at(at(r.body, "error"), "message");
            ASSERT_TRUE(msg.is_string()) << r.raw;
            EXPECT_FALSE(msg.as_string().empty());
        }
    }
    // A valid SDP with nothing usable: WHIP of a recvonly-only offer, WHEP of a sendonly-only one.
    auto r = send("POST", "/whip/r1", offer_file("chromium156_join_offer.sdp"), room_token("r1"));
    expect_error(r, 400, "invalid_sdp");
    r = send("POST", "/whep/r1", full, room_token("r1"));
    expect_error(r, 400, "invalid_sdp");
}

TEST_F(WhipWhepHttp, PreflightAnswersCorsAndPatchIs405) {
    for (const std::string path : {"/whip/r1", "/whep/r1", "/whip/r1/abc", "/whep/r1/abc"}) {
        sdk::Headers h{{"Origin", "https://player.example"},
                       {"Access-Control-Request-Method", "POST"},
                       {"Access-Control-Request-Headers", "authorization, content-type"}};
        auto r = client_->request_raw("OPTIONS", path, "", h);
        EXPECT_EQ(r.status, 204) << path << " " << r.raw;
        EXPECT_EQ(r.header("Access-Control-Allow-Origin").value_or(""), "*") << path;
        const auto methods = r.header("Access-Control-Allow-Methods").value_or("");
        for (const char* m : {"POST", "DELETE", "OPTIONS"}) {
            EXPECT_NE(methods.find(m), std::string::npos) << path << ": " << methods;
        }
        const auto headers = r.header("Access-Control-Allow-Headers").value_or("");
        EXPECT_NE(headers.find("Authorization"), std::string::npos) << headers;
        EXPECT_NE(headers.find("Content-Type"), std::string::npos) << headers;
        EXPECT_NE(r.header("Access-Control-Expose-Headers").value_or("").find("Location"),
                  std::string::npos);
    }
    // Trickle ICE is not supported: the SFU is ICE-lite with its one candidate in the answer.
    const std::string tok = room_token("r1");
    auto created = send("POST", "/whip/r1", offer_file("obs30_whip_offer.sdp"), tok);
    ASSERT_EQ(created.status, 201) << created.raw;
    const auto location = created.header("Location").value_or("/whip/r1/x");
    auto r = send("PATCH", location, "a=candidate:1 1 udp 1 192.0.2.1 9 typ host\r\n", tok,
                  "application/trickle-ice-sdpfrag");
    EXPECT_EQ(r.status, 405) << r.raw;
    // ... and the session is still there.
    r = send("DELETE", location, "", tok, "");
    EXPECT_EQ(r.status, 200) << r.raw;
}

TEST_F(WhipWhepHttp, RefusedPublishesLeaveNoSession) {
    const std::string obs = offer_file("obs30_whip_offer.sdp");
    // Every refusal of an OBS (H.264) publish, before and after the SDP is looked at.
    EXPECT_EQ(send("POST", "/whip/r1", obs, "").status, 401);
    EXPECT_EQ(send("POST", "/whip/r1", obs, "x.y.z").status, 401);
    EXPECT_EQ(send("POST", "/whip/r1", obs, room_token("r2")).status, 403);
    EXPECT_EQ(send("POST", "/whip/r1", obs, room_token("r1", {{"canPublish", false}})).status, 403);
    EXPECT_EQ(send("POST", "/whip/r1", obs, token(json::object{{"room", "r1"}})).status, 403);
    EXPECT_EQ(send("POST", "/whip/r1", obs, room_token("r1"), "text/plain").status, 415);
    EXPECT_EQ(send("POST", "/whip/r1", obs.substr(0, 200), room_token("r1")).status, 400);
    // No H.264 publisher was left in r1: a VP8-only player still gets video there ...
    EXPECT_TRUE(vp8_player_gets_video("r1"));
    // ... which it would not once an H.264 publisher exists (the control for this check).
    auto r = send("POST", "/whip/r1", obs, room_token("r1"));
    ASSERT_EQ(r.status, 201) << r.raw;
    EXPECT_FALSE(vp8_player_gets_video("r1"));
}

TEST_F(WhipWhepHttp, RefusedDeletesLeaveTheSession) {
    const std::string tok = room_token("r1");
    auto r = send("POST", "/whip/r1", offer_file("obs30_whip_offer.sdp"), tok);
    ASSERT_EQ(r.status, 201) << r.raw;
    const auto location = r.header("Location").value_or("");
    ASSERT_EQ(location.rfind("/whip/r1/", 0), 0U);
    const std::string id = location.substr(9);

    expect_error(send("DELETE", location, "", "", ""), 401, "unauthenticated");
    expect_error(send("DELETE", location, "", room_token("r2"), ""), 403, "forbidden");
    expect_error(send("DELETE", location, "", room_token("r1", {{"canPublish", false}}), ""), 403,
                 "forbidden");
    // The id under another room is not this session.
    expect_error(send("DELETE", "/whip/r2/" + id, "", room_token("r2"), ""), 404, "not_found");
    expect_error(send("DELETE", "/whip/r1/nosuchsession", "", tok, ""), 404, "not_found");

    // Still published: a VP8-only player gets no video (the room's codec is H.264) ...
    EXPECT_FALSE(vp8_player_gets_video("r1"));
    r = send("DELETE", location, "", tok, "");
    EXPECT_EQ(r.status, 200) << r.raw;
    // ... and once it is gone, it does.
    EXPECT_TRUE(vp8_player_gets_video("r1"));
}

// BUG (media_routes.cpp Front::remove → MediaServer::delete_session): the session kind is not
// checked, so `DELETE /whip/{room}/{id}` ends a WHEP session (and `/whep/...` a WHIP one), and a
// subscribe-only token can end the room's publisher through `/whep/`. Enable once fixed.
TEST_F(WhipWhepHttp, DeleteOnlyEndsASessionOfItsOwnKind) {
    const std::string tok = room_token("r1");
    auto pub = send("POST", "/whip/r1", offer_file("obs30_whip_offer.sdp"), tok);
    ASSERT_EQ(pub.status, 201) << pub.raw;
    auto play = send("POST", "/whep/r1", player_offer("VP8/90000"), tok);
    ASSERT_EQ(play.status, 201) << play.raw;
    const auto pub_id = pub.header("Location").value_or("").substr(9);
    const auto play_id = play.header("Location").value_or("").substr(9);

    expect_error(send("DELETE", "/whip/r1/" + play_id, "", tok, ""), 404, "not_found");
    const auto viewer = room_token("r1", {{"canPublish", false}});
    expect_error(send("DELETE", "/whep/r1/" + pub_id, "", viewer, ""), 404, "not_found");
    EXPECT_EQ(send("DELETE", "/whep/r1/" + play_id, "", tok, "").status, 200);
    EXPECT_EQ(send("DELETE", "/whip/r1/" + pub_id, "", tok, "").status, 200);
}

}  // namespace
}  // namespace cohost::it
