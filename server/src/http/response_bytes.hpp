#pragma once
// Internal to http/: a Response written as HTTP/1.x bytes directly, without building a Beast
// message (its field list allocates per header and its serializer walks a buffer sequence of
// views): the hot path of small JSON answers (202 for a reaction) is one string and one write.
// The bytes are what Beast would write for the same response (same status line with Beast's reason
// phrase, same fields and values); cases where Beast's rules are more than "append" (a handler
// header that replaces a default or repeats a name, statuses without a body) are declined and
// the caller uses Beast.
#include <optional>
#include <string>

#include "cohost/server/http/router.hpp"

namespace cohost::server::http::detail {

/// The response as bytes, or nullopt when the Beast path must be used.
[[nodiscard]] std::optional<std::string> response_bytes(const Response& r, unsigned version,
                                                        bool keep_alive);

}  // namespace cohost::server::http::detail
