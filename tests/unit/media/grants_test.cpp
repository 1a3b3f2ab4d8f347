// LiveKit access tokens as the media plane reads them (media/include/cohost/media/grants.hpp),
// signed the way the server SDKs do it (cohost::core::jwt::sign_hs256).
#include "cohost/media/grants.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "cohost/core/jwt.hpp"

namespace cohost::media {
namespace {

namespace json = boost::json;

constexpr std::string_view kKey = "APImedia";
constexpr std::string_view kSecret = "media-secret-0123456789-abcdefghijklmnop";
constexpr std::int64_t kNow = 1'800'000'000;  // seconds since the epoch

core::TimePoint now() { return core::from_unix_ms(kNow * 1000); }

/// Claims as livekit-server-sdk emits them, valid for ten minutes from kNow.
json::object claims(const json::value& video = json::object{{"room", "r1"}, {"roomJoin", true}}) {
    json::object c;
    c["name"] = "Alice";
    if (!video.is_null()) c["video"] = video;
    c["iss"] = kKey;
    c["exp"] = kNow + 600;
    c["nbf"] = kNow - 1;
    c["sub"] = "alice";
    return c;
}

std::string sign(const json::object& c, std::string_view secret = kSecret) {
    return core::jwt::sign_hs256(c, secret);
}

Result<Grants> verify(const std::string& token) {
    return verify_access_token(token, kKey, kSecret, now());
}

json::object video(std::initializer_list<std::pair<json::string_view, json::value>> extra) {
    json::object v{{"room", "r1"}, {"roomJoin", true}};
    for (const auto& [k, val] : extra) v[k] = val;
    return v;
}

TEST(MediaGrants, AbsentPermissionsDefaultToLivekitsDefaults) {
    auto g = verify(sign(claims()));
    ASSERT_TRUE(g) << g.error().message();
    EXPECT_EQ(g->identity, "alice");
    EXPECT_EQ(g->name, "Alice");
    EXPECT_EQ(g->room, "r1");
    EXPECT_TRUE(g->room_join);
    EXPECT_TRUE(g->can_publish);
    EXPECT_TRUE(g->can_subscribe);
    EXPECT_TRUE(g->can_publish_data);
    EXPECT_FALSE(g->hidden);
    EXPECT_TRUE(g->can_publish_sources.empty());
}

TEST(MediaGrants, CanPublishDataFollowsCanPublishUnlessGiven) {
    auto g = verify(sign(claims(video({{"canPublish", false}}))));
    ASSERT_TRUE(g) << g.error().message();
    EXPECT_FALSE(g->can_publish);
    EXPECT_FALSE(g->can_publish_data);
    EXPECT_TRUE(g->can_subscribe);

    g = verify(sign(claims(video({{"canPublish", false}, {"canPublishData", true}}))));
    ASSERT_TRUE(g) << g.error().message();
    EXPECT_FALSE(g->can_publish);
    EXPECT_TRUE(g->can_publish_data);

    g = verify(sign(claims(video({{"canPublish", true}, {"canPublishData", false}}))));
    ASSERT_TRUE(g) << g.error().message();
    EXPECT_TRUE(g->can_publish);
    EXPECT_FALSE(g->can_publish_data);
}

TEST(MediaGrants, ExplicitPermissionsAreRead) {
    auto g = verify(sign(claims(video({{"canSubscribe", false}, {"hidden", true}}))));
    ASSERT_TRUE(g) << g.error().message();
    EXPECT_FALSE(g->can_subscribe);
    EXPECT_TRUE(g->can_publish);
    EXPECT_TRUE(g->hidden);

    // JSON null is "not given".
    g = verify(sign(claims(video({{"canPublish", nullptr}, {"room", nullptr}}))));
    ASSERT_TRUE(g) << g.error().message();
    EXPECT_TRUE(g->can_publish);
    EXPECT_EQ(g->room, "");
}

TEST(MediaGrants, RoomJoinIsFalseUnlessGranted) {
    auto g = verify(sign(claims(json::object{{"room", "r1"}})));
    ASSERT_TRUE(g) << g.error().message();
    EXPECT_FALSE(g->room_join);

    // No video grant at all: a valid token, for no room.
    g = verify(sign(claims(nullptr)));
    ASSERT_TRUE(g) << g.error().message();
    EXPECT_EQ(g->room, "");
    EXPECT_FALSE(g->room_join);
    EXPECT_TRUE(g->can_publish);
    EXPECT_TRUE(g->can_subscribe);
}

TEST(MediaGrants, CanPublishSourcesAreListed) {
    auto g = verify(sign(claims(video({{"canPublishSources", json::array{"camera", "microphone"}}}))));
    ASSERT_TRUE(g) << g.error().message();
    EXPECT_EQ(g->can_publish_sources, (std::vector<std::string>{"camera", "microphone"}));

    g = verify(sign(claims(video({{"canPublishSources", json::array{}}}))));
    ASSERT_TRUE(g) << g.error().message();
    EXPECT_TRUE(g->can_publish_sources.empty());
}

TEST(MediaGrants, RefusesWrongSecretIssuerAndTampering) {
    auto g = verify(sign(claims(), "another-secret-0123456789-abcdefghijklmn"));
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error(), TokenErrc::BadSignature);

    auto c = claims();
    c["iss"] = "APIother";
    g = verify(sign(c));
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error(), TokenErrc::UnknownKey);

    // The same token verified under another key's name.
    g = verify_access_token(sign(claims()), "APIother", kSecret, now());
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error(), TokenErrc::UnknownKey);

    // A payload byte changed after signing.
    std::string token = sign(claims());
    const auto dot = token.find('.');
    ASSERT_NE(dot, std::string::npos);
    token[dot + 3] = token[dot + 3] == 'A' ? 'B' : 'A';
    g = verify(token);
    ASSERT_FALSE(g);
    EXPECT_TRUE(g.error() == TokenErrc::BadSignature || g.error() == TokenErrc::Invalid)
        << g.error().message();
}

TEST(MediaGrants, RefusesExpiredAndNotYetValidTokensWithTenSecondsLeeway) {
    auto c = claims();
    c["exp"] = kNow - 11;
    auto g = verify(sign(c));
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error(), TokenErrc::Expired);

    c["exp"] = kNow - 5;  // within the leeway
    g = verify(sign(c));
    EXPECT_TRUE(g) << g.error().message();

    c = claims();
    c.erase("exp");
    g = verify(sign(c));
    ASSERT_FALSE(g) << "exp is required";
    EXPECT_EQ(g.error(), TokenErrc::Invalid);

    c = claims();
    c["nbf"] = kNow + 60;
    g = verify(sign(c));
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error(), TokenErrc::Expired);
}

TEST(MediaGrants, RefusesATokenWithoutIdentity) {
    auto c = claims();
    c.erase("sub");
    auto g = verify(sign(c));
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error(), TokenErrc::NoIdentity);

    c["sub"] = "";
    g = verify(sign(c));
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error(), TokenErrc::NoIdentity);

    // An identity of the wrong type is a malformed token, not a missing identity.
    c["sub"] = 42;
    g = verify(sign(c));
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error(), TokenErrc::Invalid);

    c = claims();
    c["name"] = json::array{"Alice"};
    g = verify(sign(c));
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error(), TokenErrc::Invalid);
}

TEST(MediaGrants, RefusesAVideoGrantThatIsNotAnObject) {
    for (const json::value& v : {json::value("r1"), json::value(json::array{"r1"}), json::value(1),
                                 json::value(true)}) {
        auto g = verify(sign(claims(v)));
        ASSERT_FALSE(g) << json::serialize(v);
        EXPECT_EQ(g.error(), TokenErrc::BadGrant) << json::serialize(v);
    }
}

TEST(MediaGrants, RefusesGrantFieldsOfTheWrongType) {
    const std::vector<json::object> bad = {
        video({{"roomJoin", "true"}}),
        video({{"canPublish", 1}}),
        video({{"canSubscribe", "false"}}),
        video({{"canPublishData", 0}}),
        video({{"hidden", "no"}}),
        video({{"room", 5}}),
        video({{"room", json::object{}}}),
        video({{"canPublishSources", "camera"}}),
        video({{"canPublishSources", json::array{"camera", 1}}}),
        video({{"canPublishSources", json::object{{"camera", true}}}}),
    };
    for (const auto& v : bad) {
        auto g = verify(sign(claims(v)));
        ASSERT_FALSE(g) << json::serialize(v);
        EXPECT_EQ(g.error(), TokenErrc::BadGrant) << json::serialize(v);
    }
}

TEST(MediaGrants, RefusesMissingAndMalformedTokens) {
    auto g = verify("");
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error(), TokenErrc::Missing);
    for (const std::string& t : {std::string("x"), std::string("a.b.c"), std::string("..."),
                                  std::string(9000, 'a')}) {
        g = verify(t);
        ASSERT_FALSE(g) << t.substr(0, 30);
        EXPECT_EQ(g.error(), TokenErrc::Invalid) << t.substr(0, 30);
    }
    // Well-formed header and claims with an empty signature: the signature is what is wrong.
    g = verify("eyJhbGciOiJIUzI1NiJ9.e30.");
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error(), TokenErrc::BadSignature);
    // A truncated real token.
    const std::string token = sign(claims());
    for (std::size_t n : {std::size_t{1}, token.size() / 2, token.size() - 1}) {
        g = verify(token.substr(0, n));
        ASSERT_FALSE(g) << n;
        EXPECT_EQ(g.error(), TokenErrc::Invalid);
    }
}

TEST(MediaGrants, ErrorsNameTheirCategoryAndNeverTheTokenOrSecret) {
    const std::string token = sign(claims(), "another-secret-0123456789-abcdefghijklmn");
    auto g = verify(token);
    ASSERT_FALSE(g);
    EXPECT_STREQ(g.error().category().name(), "media-token");
    for (auto e : {TokenErrc::Missing, TokenErrc::Invalid, TokenErrc::Expired,
                   TokenErrc::BadSignature, TokenErrc::UnknownKey, TokenErrc::NoIdentity,
                   TokenErrc::BadGrant}) {
        const auto msg = make_error_code(e).message();
        EXPECT_FALSE(msg.empty());
        EXPECT_EQ(msg.find(kSecret), std::string::npos);
        EXPECT_EQ(msg.find(token.substr(0, 20)), std::string::npos);
    }
}

TEST(MediaBearerToken, ReadsTheTokenWithACaseInsensitiveScheme) {
    EXPECT_EQ(bearer_token("Bearer abc.def.ghi"), "abc.def.ghi");
    EXPECT_EQ(bearer_token("bearer abc"), "abc");
    EXPECT_EQ(bearer_token("BEARER abc"), "abc");
    EXPECT_EQ(bearer_token("BeArEr abc"), "abc");
}

TEST(MediaBearerToken, TrimsSpacesAroundTheToken) {
    EXPECT_EQ(bearer_token("Bearer    abc"), "abc");
    EXPECT_EQ(bearer_token("Bearer abc   "), "abc");
    EXPECT_EQ(bearer_token("Bearer abc\t"), "abc");
    EXPECT_EQ(bearer_token("Bearer  \t"), "");
}

TEST(MediaBearerToken, AnythingElseIsNoToken) {
    for (std::string_view h : {"", "Bearer", "Bearer ", "Bearer     ", "Bearerabc", "Basic YWxhZGRpbjpv",
                               "Token abc", "Bear abc", "Bearer\tabc", "abc"}) {
        EXPECT_EQ(bearer_token(h), "") << "'" << h << "'";
    }
}

TEST(MediaBearerToken, ATokenFromTheHeaderVerifies) {
    const std::string header = "Bearer " + sign(claims()) + "  ";
    auto g = verify(std::string(bearer_token(header)));
    ASSERT_TRUE(g) << g.error().message();
    EXPECT_EQ(g->identity, "alice");
}

}  // namespace
}  // namespace cohost::media
