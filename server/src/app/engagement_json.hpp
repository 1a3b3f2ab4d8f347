#pragma once
// JSON forms of the engagement entities and events (product.md §10 "Engagement API details";
// docs/engagement.md), private to server/src/app. Pure functions.
#include <boost/json/object.hpp>
#include <functional>
#include <vector>

#include "cohost/server/app/json_codec.hpp"
#include "cohost/server/rooms/engagement.hpp"
#include "cohost/server/store/engagement_store.hpp"

namespace cohost::server::app {

/// Products of a room in list order (unknown ids skipped).
using ProductsOf = std::function<std::vector<rooms::Product>(const rooms::RoomProducts&)>;

/// `{messageId, roomId, text, author: {userId, displayName, role}, createdAt}`.
[[nodiscard]] boost::json::object message_json(const rooms::ChatMessage& m,
                                               const UserLookup& users);
/// `{roomId, userId, muted, mutedUntil, banned, bannedUntil, updatedAt, updatedBy}`.
[[nodiscard]] boost::json::object moderation_json(const rooms::Moderation& m, rooms::TimePoint now);
/// `{productId, name, url, price: "19.99", currency, imageUrl, status, createdAt, updatedAt}`.
[[nodiscard]] boost::json::object product_json(const rooms::Product& p);
/// `{roomId, products: [...], pinnedProductId}`.
[[nodiscard]] boost::json::object room_products_json(const rooms::RoomProducts& rp,
                                                     const std::vector<rooms::Product>& products);
/// `{products: [{productId, views, clicks, byMember: [{userId, views, clicks}]}]}`.
[[nodiscard]] boost::json::object product_stats_json(const std::vector<store::ProductStats>& s);

/// Outbox rows (topic `room:{id}`) for engagement events.
[[nodiscard]] std::vector<store::NewEvent> render_engagement_events(
    const std::vector<rooms::EngagementEvent>& events, const UserLookup& users,
    const ProductsOf& products_of);

}  // namespace cohost::server::app
