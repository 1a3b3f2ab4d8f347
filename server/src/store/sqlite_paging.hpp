#pragma once
/// \file Cursors and LIKE patterns of the SQLite store's lists.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cohost/core/time.hpp"

namespace cohost::server::store::detail {

/// The position after which a newest-first list continues: the (created_at, id) of the last item
/// of the previous page.
struct TimeCursor {
    core::TimePoint created_at{};
    std::string id;
};

/// `"<unix ms>:<id>"`. Clients treat it as opaque.
[[nodiscard]] std::string encode_cursor(core::TimePoint created_at, std::string_view id);

/// nullopt for an empty cursor (the first page). Throws `std::invalid_argument` for anything
/// `encode_cursor` cannot have produced, so that the HTTP layer answers `400 invalid_argument`
/// instead of silently restarting the list.
[[nodiscard]] std::optional<TimeCursor> decode_cursor(std::string_view cursor);

/// A `LIKE ... ESCAPE '\'` pattern matching strings that start with `prefix`, with `%`, `_` and
/// `\` in the prefix taken literally.
[[nodiscard]] std::string like_prefix_pattern(std::string_view prefix);

/// The page size actually used: the caller clamps to 1..200 (product.md §10); this keeps a
/// stray value from turning into `LIMIT 0` or an unbounded read.
[[nodiscard]] int clamp_limit(int limit) noexcept;

}  // namespace cohost::server::store::detail
