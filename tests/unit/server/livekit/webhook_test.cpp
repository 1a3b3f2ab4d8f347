// Webhook verification and signing (livekit-protocol.md §3).
#include "cohost/server/livekit/webhook.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "cohost/core/crypto.hpp"
#include "cohost/core/jwt.hpp"

namespace cohost::server::livekit {
namespace {

namespace json = boost::json;

constexpr std::string_view kKey = "APIdevkey";
constexpr std::string_view kSecret = "devsecret-0123456789abcdef0123456789";
constexpr std::int64_t kNow = 1795820010;

// The §3 sample body (its line breaks kept; the hash printed there is of other bytes).
constexpr std::string_view kBody =
    R"({"event":"participant_joined","room":{"sid":"RM_abc","name":"my-room","emptyTimeout":300,"creationTime":"1795820000","numParticipants":1},
 "participant":{"sid":"PA_xyz","identity":"alice","state":"ACTIVE","joinedAt":"1795820001","name":"Alice","version":3,
 "permission":{"canSubscribe":true,"canPublish":true,"canPublishData":true}},"id":"EV_123","createdAt":"1795820002"})";

core::TimePoint at(std::int64_t seconds) { return core::from_unix_ms(seconds * 1000); }

WebhookVerifyOptions opts(std::int64_t now = kNow) {
    return WebhookVerifyOptions{kKey, kSecret, at(now), std::chrono::seconds(10)};
}

std::string hash_of(std::string_view body) {
    return core::base64_encode(core::sha256(body));
}

/// A token with hand-picked claims, signed with `secret`.
std::string token(const json::object& claims, std::string_view secret = kSecret) {
    return core::jwt::sign_hs256(claims, secret);
}

json::object good_claims(std::string_view body = kBody) {
    return {{"iss", kKey}, {"nbf", kNow - 5}, {"exp", kNow + 300}, {"sha256", hash_of(body)}};
}

void expect_refused(const Result<WebhookEvent>& r, WebhookError want) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(want)) << r.error().message();
}

TEST(LivekitWebhook, HashClaimIsPaddedStandardBase64) {
    // SHA-256 of the empty string, a known vector: standard alphabet (`+`, `/`) and `=`.
    const std::string auth = sign_webhook("", kKey, kSecret, at(kNow));
    auto claims = core::jwt::verify_hs256(auth, {kSecret, kKey, at(kNow), std::chrono::seconds(0)});
    ASSERT_TRUE(claims);
    EXPECT_EQ(claims->at("sha256").as_string(), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

TEST(LivekitWebhook, AcceptsValidWebhook) {
    auto e = verify_webhook(kBody, token(good_claims()), opts());
    ASSERT_TRUE(e) << e.error().message();
    EXPECT_EQ(e->event, "participant_joined");
    EXPECT_EQ(e->participant->identity, "alice");
    EXPECT_EQ(e->room->creation_time, 1795820000);
}

TEST(LivekitWebhook, SignThenVerifyRoundTrips) {
    const std::string auth = sign_webhook(kBody, kKey, kSecret, at(kNow));
    auto e = verify_webhook(kBody, auth, opts());
    ASSERT_TRUE(e) << e.error().message();
    EXPECT_EQ(e->id, "EV_123");

    // §3: iss, nbf, exp (5 minutes by default), sha256; no sub, no video grant.
    auto claims = core::jwt::verify_hs256(auth, {kSecret, kKey, at(kNow), std::chrono::seconds(0)});
    ASSERT_TRUE(claims);
    EXPECT_EQ(claims->size(), 4u);
    EXPECT_EQ(claims->at("iss").as_string(), kKey);
    EXPECT_EQ(claims->at("nbf").as_int64(), kNow);
    EXPECT_EQ(claims->at("exp").as_int64(), kNow + 300);
    EXPECT_EQ(claims->at("sha256").as_string(), hash_of(kBody));
}

TEST(LivekitWebhook, SignedWebhookExpiresAfterTtlPlusLeeway) {
    const std::string auth = sign_webhook(kBody, kKey, kSecret, at(kNow), std::chrono::seconds(60));
    EXPECT_TRUE(verify_webhook(kBody, auth, opts(kNow + 65)));
    expect_refused(verify_webhook(kBody, auth, opts(kNow + 71)), WebhookError::bad_token);
}

TEST(LivekitWebhook, RefusesForgedSignature) {
    expect_refused(verify_webhook(kBody, token(good_claims(), "another-secret"), opts()),
                   WebhookError::bad_token);
}

TEST(LivekitWebhook, RefusesWrongIssuer) {
    auto claims = good_claims();
    claims["iss"] = "APIother";
    expect_refused(verify_webhook(kBody, token(claims), opts()), WebhookError::bad_token);
    claims.erase("iss");
    expect_refused(verify_webhook(kBody, token(claims), opts()), WebhookError::bad_token);
}

TEST(LivekitWebhook, RefusesEmptyConfiguredKey) {
    // An empty key must not turn the issuer check off.
    WebhookVerifyOptions o = opts();
    o.api_key = "";
    auto claims = good_claims();
    claims["iss"] = "";
    expect_refused(verify_webhook(kBody, token(claims), o), WebhookError::bad_token);
}

TEST(LivekitWebhook, RefusesExpiredBeyondLeeway) {
    auto claims = good_claims();
    claims["exp"] = kNow - 11;
    expect_refused(verify_webhook(kBody, token(claims), opts()), WebhookError::bad_token);
    claims["exp"] = kNow - 9;  // within the 10 s leeway
    EXPECT_TRUE(verify_webhook(kBody, token(claims), opts()));
}

TEST(LivekitWebhook, RefusesTokenWithoutExp) {
    auto claims = good_claims();
    claims.erase("exp");
    expect_refused(verify_webhook(kBody, token(claims), opts()), WebhookError::bad_token);
}

TEST(LivekitWebhook, RefusesBearerPrefixAndEmptyHeader) {
    const std::string jwt = token(good_claims());
    expect_refused(verify_webhook(kBody, "Bearer " + jwt, opts()),
                   WebhookError::missing_authorization);
    expect_refused(verify_webhook(kBody, "bearer " + jwt, opts()),
                   WebhookError::missing_authorization);
    expect_refused(verify_webhook(kBody, "", opts()), WebhookError::missing_authorization);
}

TEST(LivekitWebhook, RefusesGarbageToken) {
    expect_refused(verify_webhook(kBody, "not-a-jwt", opts()), WebhookError::bad_token);
}

TEST(LivekitWebhook, RefusesMissingOrNonStringHash) {
    auto claims = good_claims();
    claims.erase("sha256");
    expect_refused(verify_webhook(kBody, token(claims), opts()), WebhookError::missing_hash);
    claims["sha256"] = 12;
    expect_refused(verify_webhook(kBody, token(claims), opts()), WebhookError::missing_hash);
}

TEST(LivekitWebhook, RefusesBodyTamperedByOneByte) {
    const std::string auth = token(good_claims());
    for (std::size_t at_byte : {std::size_t{0}, kBody.size() / 2, kBody.size() - 1}) {
        std::string tampered(kBody);
        tampered[at_byte] = static_cast<char>(tampered[at_byte] ^ 0x01);
        expect_refused(verify_webhook(tampered, auth, opts()), WebhookError::hash_mismatch);
    }
    expect_refused(verify_webhook(std::string(kBody) + " ", auth, opts()),
                   WebhookError::hash_mismatch);
}

TEST(LivekitWebhook, RefusesHashInAnotherSpelling) {
    // §3: standard alphabet with padding. Unpadded or url-safe text is not the same claim.
    std::string unpadded = hash_of(kBody);
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
    auto claims = good_claims();
    claims["sha256"] = unpadded;
    expect_refused(verify_webhook(kBody, token(claims), opts()), WebhookError::hash_mismatch);
    claims["sha256"] = core::base64url_encode(core::sha256(kBody));
    expect_refused(verify_webhook(kBody, token(claims), opts()), WebhookError::hash_mismatch);
}

TEST(LivekitWebhook, RefusesSignedBodyThatIsNotAWebhookEvent) {
    for (std::string_view body : {"not json", "[1,2]", R"({"event":7})", ""}) {
        expect_refused(verify_webhook(body, token(good_claims(body)), opts()),
                       WebhookError::malformed_body);
    }
}

TEST(LivekitWebhook, ErrorCodesHaveMessagesAndCategory) {
    const auto ec = make_error_code(WebhookError::hash_mismatch);
    EXPECT_STREQ(ec.category().name(), "livekit.webhook");
    EXPECT_FALSE(ec.message().empty());
    EXPECT_NE(ec, make_error_code(WebhookError::bad_token));
}

}  // namespace
}  // namespace cohost::server::livekit
