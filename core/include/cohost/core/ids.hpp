#pragma once
/// \file Random identifiers and secrets (OpenSSL's CSPRNG).
#include <cstddef>
#include <string>
#include <string_view>

namespace cohost::core {

/// `prefix` followed by `length` random characters of [0-9A-Za-z], e.g. `RM_4fZk2pQ9xT1b`.
/// Room ids use `RM_`, invitations `IN_`, events `EV_`, viewer identities reuse the same helper.
[[nodiscard]] std::string new_id(std::string_view prefix, std::size_t length = 16);

/// `n` bytes from the CSPRNG. Throws std::runtime_error only if OpenSSL cannot seed (start-up bug).
[[nodiscard]] std::string random_bytes(std::size_t n);

}  // namespace cohost::core
