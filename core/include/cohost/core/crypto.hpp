#pragma once
/// \file Hashing, HMAC and base64 over OpenSSL. Pure functions, thread-safe.
#include <optional>
#include <string>
#include <string_view>

namespace cohost::core {

/// Raw 32-byte SHA-256 digest of `data`.
[[nodiscard]] std::string sha256(std::string_view data);
/// Raw 32-byte HMAC-SHA256 of `data` under `key`.
[[nodiscard]] std::string hmac_sha256(std::string_view key, std::string_view data);
/// Compares in time independent of where the inputs differ (lengths may leak).
[[nodiscard]] bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

/// RFC 4648 §4 base64 with `=` padding (webhook `sha256` claim, protobuf-JSON bytes).
[[nodiscard]] std::string base64_encode(std::string_view data);
/// RFC 4648 §5 base64url without padding (JWT segments).
[[nodiscard]] std::string base64url_encode(std::string_view data);
/// Decodes either alphabet, padding optional; nullopt on any invalid character or length.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

}  // namespace cohost::core
