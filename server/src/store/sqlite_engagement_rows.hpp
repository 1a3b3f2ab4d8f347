#pragma once
/// \file Row mapping of the engagement tables (private to the SQLite store). Each `k*Columns`
/// list is the column order the matching `read_*` expects.
#include <string>
#include <string_view>
#include <vector>

#include "cohost/server/rooms/engagement.hpp"
#include "sqlite_db.hpp"

namespace cohost::server::store::detail {

inline constexpr const char* kMessageColumns =
    "seq, message_id, room_id, author_user_id, author_role, text, created_at, deleted_at, "
    "deleted_by";
inline constexpr const char* kModerationColumns =
    "room_id, user_id, muted_until, banned, banned_until, updated_at, updated_by, version";
inline constexpr const char* kProductColumns =
    "product_id, name, url, price_minor, currency, image_url, status, created_at, updated_at, "
    "version";

[[nodiscard]] rooms::ChatMessage read_message(const Statement& row);
[[nodiscard]] rooms::Moderation read_moderation(const Statement& row);
[[nodiscard]] rooms::Product read_product(const Statement& row);

/// The `room_products.product_ids` text: ids joined by ',' (valid product ids hold no comma).
[[nodiscard]] std::vector<std::string> split_ids(std::string_view joined);
[[nodiscard]] std::string join_ids(const std::vector<std::string>& ids);

}  // namespace cohost::server::store::detail
