#include "cohost/core/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <array>
#include <stdexcept>

namespace cohost::core {

namespace {
/// OpenSSL 3's one-shot HMAC() fails (returns NULL, length 0) when key *and* data pointers are
/// both NULL, which a default-constructed string_view gives. Never hand it a null pointer.
const unsigned char* bytes(std::string_view s) noexcept {
    static constexpr unsigned char kEmpty = 0;
    return s.data() == nullptr ? &kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}
}  // namespace

std::string sha256(std::string_view data) {
    std::string out(SHA256_DIGEST_LENGTH, '\0');
    if (SHA256(bytes(data), data.size(), reinterpret_cast<unsigned char*>(out.data())) == nullptr) {
        throw std::runtime_error("SHA256 failed");
    }
    return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    std::string out(EVP_MAX_MD_SIZE, '\0');
    unsigned int len = 0;
    // A failure must not yield an empty MAC: "" would then verify an empty signature.
    if (HMAC(EVP_sha256(), bytes(key), int(key.size()), bytes(data), data.size(),
             reinterpret_cast<unsigned char*>(out.data()), &len) == nullptr ||
        len != SHA256_DIGEST_LENGTH) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    out.resize(len);
    return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {
constexpr std::string_view kStd =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrl =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(std::string_view in, std::string_view alphabet, bool pad) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        const auto n = (unsigned(std::uint8_t(in[i])) << 16) |
                       (unsigned(std::uint8_t(in[i + 1])) << 8) | unsigned(std::uint8_t(in[i + 2]));
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    const std::size_t rest = in.size() - i;
    if (rest > 0) {
        unsigned n = unsigned(std::uint8_t(in[i])) << 16;
        if (rest == 2) {
            n |= unsigned(std::uint8_t(in[i + 1])) << 8;
        }
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        if (rest == 2) {
            out += alphabet[(n >> 6) & 63];
        }
        if (pad) {
            out.append(rest == 1 ? 2 : 1, '=');
        }
    }
    return out;
}

int decode_char(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}
}  // namespace

std::string base64_encode(std::string_view data) { return encode(data, kStd, true); }
std::string base64url_encode(std::string_view data) { return encode(data, kUrl, false); }

std::optional<std::string> base64_decode(std::string_view text) {
    std::size_t end = text.size();
    // Padding is optional, but when present it must complete a 4-character group.
    std::size_t pads = 0;
    while (end > 0 && text[end - 1] == '=' && pads < 2) {
        --end;
        ++pads;
    }
    if (pads > 0 && text.size() % 4 != 0) {
        return std::nullopt;
    }
    if (end % 4 == 1) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(end * 3 / 4);
    unsigned acc = 0;
    int bits = 0;
    for (std::size_t i = 0; i < end; ++i) {
        const int v = decode_char(text[i]);
        if (v < 0) {
            return std::nullopt;
        }
        acc = (acc << 6) | unsigned(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(char((acc >> bits) & 0xFF));
        }
    }
    // Leftover bits must be zero (canonical encoding).
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
        return std::nullopt;
    }
    return out;
}

}  // namespace cohost::core
