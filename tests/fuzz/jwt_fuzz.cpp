// libFuzzer target for HS256 token verification (core/include/cohost/core/jwt.hpp), with a fixed
// secret, issuer and clock.
//
// Up to four tokens are verified per input:
//  1. the input itself. Never crashes; success ⇒ the signature segment is exactly
//     base64url(HMAC-SHA256(secret, header.claims)) (no forged, tampered or re-spelled signature
//     is accepted) and the claim rules (iss, exp, nbf) hold;
//  2. the input's `header.claims` prefix re-signed with the secret, so mutations reach the checks
//     behind the signature: never refused as BadSignature. The input's own third segment is then
//     read as an edit script applied to that correct signature (replace, insert or delete
//     characters of both base64 alphabets, `=` and `.`): an edited signature is accepted only if
//     it is still exactly the correct one (no second spelling: padding, the other alphabet,
//     non-zero trailing bits);
//  3. a fixed valid token whose signature gets one edit chosen by a hash of the input: every run
//     also probes one of the ~6 000 single-character variants of a correct signature (padding,
//     the other alphabet, other trailing bits), which the longer scripts of 2 rarely leave intact;
//  4. when the input starts with `{`: `<header JSON>\n<claims JSON>` (or only claims, under the
//     standard header) encoded and signed, so the JSON itself is mutated rather than its base64
//     text. Success ⇒ the header says HS256 and the returned claims are the ones signed.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

#include "cohost/core/crypto.hpp"
#include "cohost/core/jwt.hpp"
#include "fuzz_check.hpp"

namespace {

namespace json = boost::json;
namespace jwt = cohost::core::jwt;
using cohost::core::base64url_encode;
using cohost::core::hmac_sha256;

constexpr std::string_view kSecret = "fuzz-secret-0123456789abcdef";
constexpr std::string_view kIssuer = "APIfuzzKey";
constexpr std::int64_t kNowSeconds = 1'795'737'600;  // 2026-11-27T00:00:00Z
constexpr std::size_t kMaxTokenSize = 8192;           // jwt.cpp

const jwt::VerifyOptions kOpts{kSecret, kIssuer,
                               cohost::core::from_unix_ms(kNowSeconds * 1000),
                               std::chrono::seconds(10)};

std::string signature_for(std::string_view signing_input) {
    return base64url_encode(hmac_sha256(kSecret, signing_input));
}

std::optional<double> number(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr) return std::nullopt;
    if (v->is_int64()) return double(v->get_int64());
    if (v->is_uint64()) return double(v->get_uint64());
    if (v->is_double()) return v->get_double();
    return std::nullopt;
}

/// The claim rules of VerifyOptions, checked independently on accepted claims.
void check_claim_rules(const json::object& claims) {
    const json::value* iss = claims.if_contains("iss");
    FUZZ_CHECK(iss != nullptr && iss->is_string() && iss->get_string() == kIssuer);
    const double now = double(kNowSeconds);
    const auto exp = number(claims, "exp");
    FUZZ_CHECK(exp.has_value() && *exp + 10.0 > now);
    if (const auto nbf = number(claims, "nbf")) {
        FUZZ_CHECK(*nbf - 10.0 <= now);
    }
}

/// Case 1: the input as a token.
void verify_as_is(std::string_view token) {
    const auto claims = jwt::verify_hs256(token, kOpts);
    if (!claims) return;
    const auto dot2 = token.rfind('.');
    FUZZ_CHECK(dot2 != std::string_view::npos);
    FUZZ_CHECK(token.substr(dot2 + 1) == signature_for(token.substr(0, dot2)));
    check_claim_rules(*claims);
}

/// `sig` edited by `script`, two bytes per edit: position, then character (or deletion).
std::string edit_signature(std::string sig, std::string_view script) {
    static constexpr std::string_view kChars =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=.";
    for (std::size_t i = 0; i + 1 < script.size(); i += 2) {
        const auto pos = static_cast<unsigned char>(script[i]) % (sig.size() + 1);
        const auto op = static_cast<unsigned char>(script[i + 1]);
        const std::size_t pick = op % (kChars.size() + 1);
        if (pick == kChars.size()) {
            if (pos < sig.size()) sig.erase(pos, 1);
        } else if (pos == sig.size() || (op & 0x80) != 0) {
            sig.insert(pos, 1, kChars[pick]);
        } else {
            sig[pos] = kChars[pick];
        }
    }
    return sig;
}

/// Case 2: `signing_input` (exactly one dot) with a correct signature, then with that signature
/// edited by `script`.
void verify_resigned(std::string_view signing_input, std::string_view script) {
    const std::string sig = signature_for(signing_input);
    std::string token(signing_input);
    token += '.';
    const std::size_t sig_at = token.size();
    token += sig;
    const auto claims = jwt::verify_hs256(token, kOpts);
    if (token.size() > kMaxTokenSize) {
        FUZZ_CHECK(claims.has_error() && claims.error() == jwt::JwtError::Malformed);
        return;
    }
    FUZZ_CHECK(claims || claims.error() != jwt::JwtError::BadSignature);
    if (claims) {
        check_claim_rules(*claims);
    }

    const std::string edited = edit_signature(sig, script);
    token.replace(sig_at, std::string::npos, edited);
    if (jwt::verify_hs256(token, kOpts)) {
        FUZZ_CHECK(edited == sig);
    }
}

/// Case 3: a valid token with one edit to its signature, picked by a hash of `input`.
void verify_edited_valid_token(std::string_view input) {
    static const std::string kToken = jwt::sign_hs256(
        {{"iss", kIssuer}, {"sub", "user_1"}, {"exp", kNowSeconds + 3600}}, kSecret);
    std::uint64_t h = 0xcbf29ce484222325;  // FNV-1a
    for (char c : input) {
        h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3;
    }
    const char script[2] = {static_cast<char>(h >> 8), static_cast<char>(h >> 16)};
    const auto dot2 = kToken.rfind('.');
    const std::string sig = kToken.substr(dot2 + 1);
    const std::string edited = edit_signature(sig, {script, sizeof script});
    if (jwt::verify_hs256(kToken.substr(0, dot2 + 1) + edited, kOpts)) {
        FUZZ_CHECK(edited == sig);
    }
}

/// Case 4: header and claims JSON taken from the input, then encoded and signed.
void verify_structured(std::string_view text) {
    std::string_view header = R"({"alg":"HS256","typ":"JWT"})";
    std::string_view body = text;
    if (const auto nl = text.find('\n'); nl != std::string_view::npos) {
        header = text.substr(0, nl);
        body = text.substr(nl + 1);
    }
    std::string token = base64url_encode(header);
    token += '.';
    token += base64url_encode(body);
    const std::string sig = signature_for(token);
    token += '.';
    token += sig;
    const auto claims = jwt::verify_hs256(token, kOpts);
    if (token.size() > kMaxTokenSize) {
        FUZZ_CHECK(!claims);
        return;
    }
    FUZZ_CHECK(claims || claims.error() != jwt::JwtError::BadSignature);
    if (!claims) return;

    json::error_code ec;
    const json::value h = json::parse(header, ec);
    FUZZ_CHECK(!ec && h.is_object());
    const json::value* alg = h.get_object().if_contains("alg");
    FUZZ_CHECK(alg != nullptr && alg->is_string() && alg->get_string() == "HS256");
    const json::value c = json::parse(body, ec);
    FUZZ_CHECK(!ec && c.is_object() && c.get_object() == *claims);
    check_claim_rules(*claims);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = cohost::fuzz::as_text(data, size);

    verify_as_is(text);

    if (const auto dot1 = text.find('.'); dot1 != std::string_view::npos) {
        const auto dot2 = text.find('.', dot1 + 1);
        const std::string_view script =
            dot2 == std::string_view::npos ? std::string_view{} : text.substr(dot2 + 1);
        verify_resigned(text.substr(0, dot2), script);
    }

    verify_edited_valid_token(text);

    if (!text.empty() && text.front() == '{') {
        verify_structured(text);
    }
    return 0;
}
