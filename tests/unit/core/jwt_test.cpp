// HS256 JWTs as LiveKit server SDKs mint them (livekit-protocol.md §1) and as product.md §10
// verifies them (exp required, 10 s leeway).
#include "cohost/core/jwt.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "cohost/core/crypto.hpp"

namespace cohost::core::jwt {
namespace {

namespace json = boost::json;

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef-test-secret";
constexpr std::string_view kIssuer = "APIdevkey";
constexpr std::int64_t kNow = 1'790'000'000;  // seconds

VerifyOptions opts(std::int64_t now_s = kNow, std::string_view issuer = kIssuer,
                   std::string_view secret = kSecret) {
    VerifyOptions o;
    o.secret = secret;
    o.issuer = issuer;
    o.now = from_unix_ms(now_s * 1000);
    return o;
}

json::object claims(std::int64_t exp = kNow + 600) {
    return json::object{{"iss", kIssuer}, {"sub", "alice"}, {"nbf", kNow}, {"exp", exp}};
}

/// A token from raw header and payload text, signed (or not) with HS256 under `secret`.
std::string raw_token(std::string_view header, std::string_view payload,
                      std::string_view secret = kSecret) {
    std::string input = base64url_encode(header) + "." + base64url_encode(payload);
    return input + "." + base64url_encode(hmac_sha256(secret, input));
}

JwtError error_of(std::string_view token, const VerifyOptions& o = opts()) {
    const auto r = verify_hs256(token, o);
    EXPECT_FALSE(r.has_value()) << token;
    return r.has_value() ? JwtError{} : JwtError(r.error().value());
}

// ---- happy paths -----------------------------------------------------------------------------

TEST(Jwt, SignThenVerifyRoundTrips) {
    const json::object c = claims();
    const auto r = verify_hs256(sign_hs256(c, kSecret), opts());
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(*r, c);
}

TEST(Jwt, HeaderIsExactlyAlgHs256) {
    const std::string token = sign_hs256(claims(), kSecret);
    const std::string header = token.substr(0, token.find('.'));
    EXPECT_EQ(header, "eyJhbGciOiJIUzI1NiJ9");
    EXPECT_EQ(base64_decode(header), R"({"alg":"HS256"})");
}

TEST(Jwt, SegmentsAreUnpaddedBase64Url) {
    const std::string token = sign_hs256(claims(), kSecret);
    EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2);
    EXPECT_EQ(token.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."),
              std::string::npos);
}

TEST(Jwt, AcceptsTheGoSdkHeaderWithTyp) {
    const std::string token =
        raw_token(R"({"alg":"HS256","typ":"JWT"})", json::serialize(claims()));
    EXPECT_TRUE(verify_hs256(token, opts()).has_value());
}

TEST(Jwt, EmptyIssuerOptionAcceptsAnyIssuer) {
    json::object c = claims();
    c["iss"] = "someone-else";
    EXPECT_TRUE(verify_hs256(sign_hs256(c, kSecret), opts(kNow, "")).has_value());
    c.erase("iss");
    EXPECT_TRUE(verify_hs256(sign_hs256(c, kSecret), opts(kNow, "")).has_value());
}

// livekit-protocol.md §1.3: the payload livekit-server-sdk 2.19.2 emitted (key order kept).
TEST(Jwt, LivekitServerSdkTokenShape) {
    constexpr std::string_view kPayload =
        R"({"metadata":"{\"role\":\"host\"}","attributes":{"team":"red"},"name":"Alice",)"
        R"("video":{"roomJoin":true,"room":"my-room","canPublish":true,"canSubscribe":true,)"
        R"("canPublishData":true,"canPublishSources":["camera","microphone"],)"
        R"("canUpdateOwnMetadata":false,"hidden":false},"kind":"standard","iss":"APIdevkey",)"
        R"("exp":1795820670,"nbf":1795820070,"sub":"alice"})";
    const json::object payload = json::parse(kPayload).as_object();
    const std::string token = sign_hs256(payload, kSecret);

    EXPECT_EQ(token.substr(0, token.find('.')), "eyJhbGciOiJIUzI1NiJ9");
    // Our payload segment is byte-for-byte what the JS SDK encodes (JSON.stringify order).
    EXPECT_EQ(token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1),
              base64url_encode(kPayload));
    // And the JS SDK's exact token (same header, payload, HMAC) verifies at nbf .. exp.
    EXPECT_EQ(token, raw_token(R"({"alg":"HS256"})", kPayload));
    const auto r = verify_hs256(token, opts(1'795'820'070));
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(r->at("sub").as_string(), "alice");
    EXPECT_EQ(r->at("video").at("canPublishSources").as_array().size(), 2u);
    EXPECT_EQ(error_of(token, opts(1'795'820'670 + 10)), JwtError::Expired);
}

// ---- time claims -----------------------------------------------------------------------------

TEST(Jwt, MissingOrNonNumericExpIsRefused) {
    json::object c = claims();
    c.erase("exp");
    EXPECT_EQ(error_of(sign_hs256(c, kSecret)), JwtError::MissingExpiry);
    c["exp"] = std::to_string(kNow + 600);
    EXPECT_EQ(error_of(sign_hs256(c, kSecret)), JwtError::MissingExpiry);
    c["exp"] = nullptr;
    EXPECT_EQ(error_of(sign_hs256(c, kSecret)), JwtError::MissingExpiry);
}

TEST(Jwt, ExpiredBeyondLeewayIsRefused) {
    EXPECT_EQ(error_of(sign_hs256(claims(kNow - 11), kSecret)), JwtError::Expired);
    EXPECT_EQ(error_of(sign_hs256(claims(kNow - 3600), kSecret)), JwtError::Expired);
    // exp + leeway must be strictly after now.
    EXPECT_EQ(error_of(sign_hs256(claims(kNow - 10), kSecret)), JwtError::Expired);
}

TEST(Jwt, ExpiredWithinLeewayIsAccepted) {
    EXPECT_TRUE(verify_hs256(sign_hs256(claims(kNow - 9), kSecret), opts()).has_value());
    EXPECT_TRUE(verify_hs256(sign_hs256(claims(kNow), kSecret), opts()).has_value());
    EXPECT_TRUE(verify_hs256(sign_hs256(claims(kNow + 1), kSecret), opts()).has_value());
}

TEST(Jwt, FractionalExpIsHonoured) {
    json::object c = claims();
    c["exp"] = double(kNow) - 9.5;
    EXPECT_TRUE(verify_hs256(sign_hs256(c, kSecret), opts()).has_value());
    c["exp"] = double(kNow) - 10.5;
    EXPECT_EQ(error_of(sign_hs256(c, kSecret)), JwtError::Expired);
}

TEST(Jwt, NotBeforeInTheFutureIsRefused) {
    json::object c = claims();
    c["nbf"] = kNow + 11;
    EXPECT_EQ(error_of(sign_hs256(c, kSecret)), JwtError::NotYetValid);
    c["nbf"] = kNow + 9;  // within leeway
    EXPECT_TRUE(verify_hs256(sign_hs256(c, kSecret), opts()).has_value());
    c.erase("nbf");  // optional
    EXPECT_TRUE(verify_hs256(sign_hs256(c, kSecret), opts()).has_value());
}

// ---- refusals --------------------------------------------------------------------------------

TEST(Jwt, WrongIssuerIsRefused) {
    json::object c = claims();
    c["iss"] = "APIother";
    EXPECT_EQ(error_of(sign_hs256(c, kSecret)), JwtError::UnknownIssuer);
    c["iss"] = 42;
    EXPECT_EQ(error_of(sign_hs256(c, kSecret)), JwtError::UnknownIssuer);
    c.erase("iss");
    EXPECT_EQ(error_of(sign_hs256(c, kSecret)), JwtError::UnknownIssuer);
}

TEST(Jwt, WrongSecretIsRefused) {
    EXPECT_EQ(error_of(sign_hs256(claims(), "another-secret-another-secret-xx")),
              JwtError::BadSignature);
    EXPECT_EQ(error_of(sign_hs256(claims(), kSecret), opts(kNow, kIssuer, "")),
              JwtError::BadSignature);
}

TEST(Jwt, AlgNoneIsRefused) {
    const std::string payload = json::serialize(claims());
    const std::string unsigned_token =
        base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(payload) + ".";
    EXPECT_EQ(error_of(unsigned_token), JwtError::BadAlgorithm);
    EXPECT_EQ(error_of(raw_token(R"({"alg":"none"})", payload)), JwtError::BadAlgorithm);
    EXPECT_EQ(error_of(raw_token(R"({"alg":"None"})", payload)), JwtError::BadAlgorithm);
}

TEST(Jwt, OtherAlgorithmsAreRefused) {
    const std::string payload = json::serialize(claims());
    for (const char* header :
         {R"({"alg":"HS512"})", R"({"alg":"HS384"})", R"({"alg":"RS256"})", R"({"alg":"hs256"})",
          R"({"alg":["HS256"]})", R"({"typ":"JWT"})", R"({})"}) {
        EXPECT_EQ(error_of(raw_token(header, payload)), JwtError::BadAlgorithm) << header;
    }
}

TEST(Jwt, EmptySignatureIsRefused) {
    const std::string token = sign_hs256(claims(), kSecret);
    EXPECT_EQ(error_of(token.substr(0, token.rfind('.') + 1)), JwtError::BadSignature);
    EXPECT_EQ(error_of(token.substr(0, token.rfind('.') + 1), opts(kNow, kIssuer, "")),
              JwtError::BadSignature);
}

TEST(Jwt, DefaultOptionsNeverAcceptAnEmptySignature) {
    // VerifyOptions{} has a null secret; an HMAC failure must not turn into an empty MAC.
    const std::string token = sign_hs256(claims(), kSecret);
    VerifyOptions o;
    o.now = from_unix_ms(kNow * 1000);
    EXPECT_EQ(error_of(token.substr(0, token.rfind('.') + 1), o), JwtError::BadSignature);
    EXPECT_EQ(error_of(token, o), JwtError::BadSignature);
}

TEST(Jwt, TamperedPayloadIsRefused) {
    const std::string token = sign_hs256(claims(), kSecret);
    json::object forged = claims();
    forged["sub"] = "mallory";
    const std::string tampered = token.substr(0, token.find('.') + 1) +
                                 base64url_encode(json::serialize(forged)) +
                                 token.substr(token.rfind('.'));
    EXPECT_EQ(error_of(tampered), JwtError::BadSignature);
}

TEST(Jwt, TamperedSignatureIsRefused) {
    std::string token = sign_hs256(claims(), kSecret);
    const std::size_t sig = token.rfind('.') + 1;
    token[sig] = token[sig] == 'A' ? 'B' : 'A';
    EXPECT_EQ(error_of(token), JwtError::BadSignature);
    std::string truncated = sign_hs256(claims(), kSecret);
    truncated.resize(truncated.size() - 4);
    EXPECT_NE(error_of(truncated), JwtError{});
}

TEST(Jwt, SignatureMustBeCanonicalBase64Url) {
    // The same MAC spelled with the standard alphabet or padding is a different token text:
    // refused, so a token has exactly one accepted spelling.
    const std::string token = sign_hs256(claims(), kSecret);
    const std::string input = token.substr(0, token.rfind('.'));
    const std::string mac = hmac_sha256(kSecret, input);
    EXPECT_EQ(error_of(input + "." + base64_encode(mac)), JwtError::Malformed);  // '=' padding
    std::string std_alphabet = base64url_encode(mac);
    std::replace(std_alphabet.begin(), std_alphabet.end(), '-', '+');
    std::replace(std_alphabet.begin(), std_alphabet.end(), '_', '/');
    if (std_alphabet != base64url_encode(mac)) {
        EXPECT_EQ(error_of(input + "." + std_alphabet), JwtError::Malformed);
    }
}

TEST(Jwt, WrongSegmentCountsAreMalformed) {
    const std::string token = sign_hs256(claims(), kSecret);
    const std::string two = token.substr(0, token.rfind('.'));
    EXPECT_EQ(error_of(two), JwtError::Malformed);
    EXPECT_EQ(error_of(token + ".e30"), JwtError::Malformed);
    EXPECT_EQ(error_of(token + "."), JwtError::Malformed);
    EXPECT_EQ(error_of(""), JwtError::Malformed);
    EXPECT_EQ(error_of("."), JwtError::Malformed);
    EXPECT_EQ(error_of(".."), JwtError::Malformed);
    EXPECT_EQ(error_of("abc"), JwtError::Malformed);
}

TEST(Jwt, NonJsonSegmentsAreMalformed) {
    const std::string payload = json::serialize(claims());
    EXPECT_EQ(error_of(raw_token("not json", payload)), JwtError::Malformed);
    EXPECT_EQ(error_of(raw_token(R"({"alg":"HS256"})", "not json")), JwtError::Malformed);
    EXPECT_EQ(error_of(raw_token(R"({"alg":"HS256"})", "[1,2]")), JwtError::Malformed);
    EXPECT_EQ(error_of(raw_token(R"(["HS256"])", payload)), JwtError::Malformed);
    EXPECT_EQ(error_of(raw_token(R"({"alg":"HS256"})", "\"string\"")), JwtError::Malformed);
    EXPECT_EQ(error_of(raw_token(R"({"alg":"HS256"})", R"({"exp":1)")), JwtError::Malformed);
    EXPECT_EQ(error_of("e30!.e30.AAAA"), JwtError::Malformed);
    EXPECT_EQ(error_of("e30.e3 0.AAAA"), JwtError::Malformed);
}

TEST(Jwt, OversizeTokenIsMalformed) {
    json::object c = claims();
    c["pad"] = std::string(5800, 'x');
    const std::string ok = sign_hs256(c, kSecret);
    ASSERT_LE(ok.size(), 8192u);
    EXPECT_TRUE(verify_hs256(ok, opts()).has_value());
    c["pad"] = std::string(6200, 'y');
    const std::string big = sign_hs256(c, kSecret);
    ASSERT_GT(big.size(), 8192u);
    EXPECT_EQ(error_of(big), JwtError::Malformed);  // validly signed, still too big
    EXPECT_EQ(error_of(std::string(1 << 20, 'a')), JwtError::Malformed);
}

TEST(Jwt, ErrorCodesHaveACategoryAndMessages) {
    const boost::system::error_code ec = JwtError::Expired;
    EXPECT_STREQ(ec.category().name(), "jwt");
    EXPECT_EQ(ec.message(), "token expired");
    EXPECT_EQ(boost::system::error_code(JwtError::BadAlgorithm).message(),
              "unsupported algorithm (HS256 only)");
}

}  // namespace
}  // namespace cohost::core::jwt
