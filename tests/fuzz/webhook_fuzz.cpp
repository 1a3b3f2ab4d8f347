// libFuzzer target for LiveKit webhook verification and the WebhookEvent protobuf-JSON codec
// (server/include/cohost/server/livekit/webhook.hpp, models.hpp), with a fixed key, secret and
// clock.
//
// Properties, for any input bytes:
//  1. the input as a body, under a correct token for it: never refused as bad_token,
//     missing_hash or hash_mismatch; accepted exactly when the body is JSON that
//     webhook_event_from_json accepts (else malformed_body). An accepted event written back
//     with to_json is canonical: signing and verifying that text gives an event that writes the
//     same bytes;
//  2. the input as a body with one byte changed (position and bits from a hash of the input),
//     under the original body's token: always hash_mismatch;
//  3. the input as the Authorization header of a fixed body: never crashes; success ⇒ no
//     `Bearer ` prefix, the token verifies on its own (HS256, iss, exp) and its sha256 claim is
//     exactly the body's padded base64 SHA-256.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

#include "cohost/core/crypto.hpp"
#include "cohost/core/jwt.hpp"
#include "cohost/server/livekit/models.hpp"
#include "cohost/server/livekit/webhook.hpp"
#include "fuzz_check.hpp"

namespace {

namespace json = boost::json;
namespace lk = cohost::server::livekit;
namespace core = cohost::core;

constexpr std::string_view kKey = "APIfuzzKey";
constexpr std::string_view kSecret = "fuzz-secret-0123456789abcdef";
constexpr std::int64_t kNowSeconds = 1'795'737'600;  // 2026-11-27T00:00:00Z
constexpr std::string_view kFixedBody =
    R"({"event":"room_started","room":{"sid":"RM_1","name":"r"},"id":"EV_1","createdAt":"1"})";

const core::TimePoint kNow = core::from_unix_ms(kNowSeconds * 1000);
const lk::WebhookVerifyOptions kOpts{kKey, kSecret, kNow, std::chrono::seconds(10)};

bool is(const cohost::Result<lk::WebhookEvent>& r, lk::WebhookError e) {
    return r.has_error() && r.error() == lk::make_error_code(e);
}

/// Case 1, and the canonical-writer check on what it accepts.
void verify_signed_body(std::string_view body, const std::string& auth) {
    const auto event = lk::verify_webhook(body, auth, kOpts);
    FUZZ_CHECK(!is(event, lk::WebhookError::bad_token));
    FUZZ_CHECK(!is(event, lk::WebhookError::missing_hash));
    FUZZ_CHECK(!is(event, lk::WebhookError::hash_mismatch));
    FUZZ_CHECK(!is(event, lk::WebhookError::missing_authorization));

    json::error_code ec;
    const json::value doc = json::parse(body, ec);
    const bool parses = !ec && lk::webhook_event_from_json(doc).has_value();
    FUZZ_CHECK(event.has_value() == parses);
    if (!event) {
        FUZZ_CHECK(is(event, lk::WebhookError::malformed_body));
        return;
    }

    const std::string text = json::serialize(lk::to_json(*event));
    const auto again = lk::verify_webhook(text, lk::sign_webhook(text, kKey, kSecret, kNow), kOpts);
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(json::serialize(lk::to_json(*again)) == text);
}

/// Case 2: one byte of `body` changed, verified under `auth` (the token of the original).
void verify_tampered_body(std::string_view body, const std::string& auth) {
    if (body.empty()) return;
    std::uint64_t h = 0xcbf29ce484222325;  // FNV-1a
    for (char c : body) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3;
    std::string tampered(body);
    const std::size_t at = h % tampered.size();
    const auto flip = static_cast<unsigned char>((h >> 32) | 1U);  // never zero: always a change
    tampered[at] = static_cast<char>(static_cast<unsigned char>(tampered[at]) ^ flip);
    FUZZ_CHECK(is(lk::verify_webhook(tampered, auth, kOpts), lk::WebhookError::hash_mismatch));
}

/// Case 3: the input as the header of a fixed body.
void verify_as_header(std::string_view header) {
    const auto event = lk::verify_webhook(kFixedBody, header, kOpts);
    if (!event) return;
    FUZZ_CHECK(header.substr(0, 7) != "Bearer " && header.substr(0, 7) != "bearer ");
    const auto claims = core::jwt::verify_hs256(header, {kSecret, kKey, kNow, kOpts.leeway});
    FUZZ_CHECK(claims.has_value());
    const json::value* sha = claims->if_contains("sha256");
    FUZZ_CHECK(sha != nullptr && sha->is_string() &&
               sha->get_string() == core::base64_encode(core::sha256(kFixedBody)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = cohost::fuzz::as_text(data, size);
    const std::string auth = lk::sign_webhook(text, kKey, kSecret, kNow);
    verify_signed_body(text, auth);
    verify_tampered_body(text, auth);
    verify_as_header(text);
    return 0;
}
