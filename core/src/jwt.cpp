#include "cohost/core/jwt.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "cohost/core/crypto.hpp"

namespace cohost::core::jwt {

namespace {
// boost::system::error_category has a protected non-virtual destructor by design.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class JwtCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "jwt"; }
    std::string message(int ev) const override {
        switch (JwtError(ev)) {
            case JwtError::Malformed:
                return "malformed token";
            case JwtError::BadAlgorithm:
                return "unsupported algorithm (HS256 only)";
            case JwtError::BadSignature:
                return "invalid signature";
            case JwtError::MissingExpiry:
                return "token has no exp";
            case JwtError::Expired:
                return "token expired";
            case JwtError::NotYetValid:
                return "token not yet valid";
            case JwtError::UnknownIssuer:
                return "unknown issuer";
        }
        return "jwt error";
    }
};
#pragma GCC diagnostic pop
const JwtCategory kCategory;

constexpr std::size_t kMaxTokenSize = 8192;

/// RFC 7515 §2: segments are base64url *without padding*. base64_decode also takes the standard
/// alphabet and `=`, which would give one signature several accepted spellings (token text
/// malleability), so the alphabet is checked here first.
bool is_base64url(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
    });
}

std::optional<std::string> decode_segment(std::string_view b64) {
    if (!is_base64url(b64)) {
        return std::nullopt;
    }
    return base64_decode(b64);
}

std::optional<boost::json::object> parse_object(std::string_view b64) {
    auto raw = decode_segment(b64);
    if (!raw) {
        return std::nullopt;
    }
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(*raw, ec);
    if (ec || !v.is_object()) {
        return std::nullopt;
    }
    return std::move(v.as_object());
}

}  // namespace

std::optional<double> numeric_claim(const boost::json::object& o, std::string_view key) noexcept {
    auto it = o.find(key);
    if (it == o.end()) return std::nullopt;
    if (it->value().is_int64()) return double(it->value().as_int64());
    if (it->value().is_uint64()) return double(it->value().as_uint64());
    if (it->value().is_double()) return it->value().as_double();
    return std::nullopt;
}

boost::system::error_code make_error_code(JwtError e) noexcept { return {int(e), kCategory}; }

std::string sign_hs256(const boost::json::object& claims, std::string_view secret) {
    std::string input = base64url_encode(R"({"alg":"HS256"})");
    input += '.';
    input += base64url_encode(boost::json::serialize(claims));
    const std::string sig = hmac_sha256(secret, input);
    input += '.';
    input += base64url_encode(sig);
    return input;
}

Result<boost::json::object> verify_hs256(std::string_view token,
                                         const VerifyOptions& opts) noexcept {
    try {
        if (token.size() > kMaxTokenSize) {
            return JwtError::Malformed;
        }
        const auto dot1 = token.find('.');
        if (dot1 == std::string_view::npos) return JwtError::Malformed;
        const auto dot2 = token.find('.', dot1 + 1);
        if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
            return JwtError::Malformed;
        }
        auto header = parse_object(token.substr(0, dot1));
        auto claims = parse_object(token.substr(dot1 + 1, dot2 - dot1 - 1));
        auto sig = decode_segment(token.substr(dot2 + 1));
        if (!header || !claims || !sig) {
            return JwtError::Malformed;
        }
        auto alg = header->find("alg");
        if (alg == header->end() || !alg->value().is_string() ||
            alg->value().as_string() != "HS256") {
            return JwtError::BadAlgorithm;
        }
        const std::string expected = hmac_sha256(opts.secret, token.substr(0, dot2));
        if (!constant_time_equal(expected, *sig)) {
            return JwtError::BadSignature;
        }
        if (!opts.issuer.empty()) {
            auto iss = claims->find("iss");
            if (iss == claims->end() || !iss->value().is_string() ||
                iss->value().as_string() != opts.issuer) {
                return JwtError::UnknownIssuer;
            }
        }
        const double now = double(to_unix_ms(opts.now)) / 1000.0;
        const double leeway = double(opts.leeway.count());
        auto exp = numeric_claim(*claims, "exp");
        if (!exp) return JwtError::MissingExpiry;
        if (*exp + leeway <= now) return JwtError::Expired;
        if (auto nbf = numeric_claim(*claims, "nbf"); nbf && *nbf - leeway > now) {
            return JwtError::NotYetValid;
        }
        return std::move(*claims);
    } catch (...) {
        // Only allocation failure can land here; refuse rather than propagate.
        return JwtError::Malformed;
    }
}

}  // namespace cohost::core::jwt
