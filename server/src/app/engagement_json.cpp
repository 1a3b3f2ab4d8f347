#include "engagement_json.hpp"

#include <boost/json/serialize.hpp>

#include "cohost/core/time.hpp"

namespace cohost::server::app {

namespace json = boost::json;

namespace {

json::value opt_time(const std::optional<rooms::TimePoint>& t) {
    return t ? json::value(core::format_iso8601(*t)) : json::value(nullptr);
}

}  // namespace

json::object message_json(const rooms::ChatMessage& m, const UserLookup& users) {
    auto user = users ? users(m.author_user_id) : std::nullopt;
    json::object author{{"userId", m.author_user_id},
                        {"displayName", user ? user->display_name : m.author_user_id},
                        {"role", rooms::to_string(m.author_role)}};
    return {{"messageId", m.message_id},
            {"roomId", m.room_id},
            {"text", m.text},
            {"author", std::move(author)},
            {"createdAt", core::format_iso8601(m.created_at)}};
}

json::object moderation_json(const rooms::Moderation& m, rooms::TimePoint now) {
    return {{"roomId", m.room_id},
            {"userId", m.user_id},
            {"muted", m.muted_at(now)},
            {"mutedUntil", m.muted_at(now) ? opt_time(m.muted_until) : json::value(nullptr)},
            {"banned", m.banned_at(now)},
            {"bannedUntil", m.banned_at(now) ? opt_time(m.banned_until) : json::value(nullptr)},
            {"updatedAt", core::format_iso8601(m.updated_at)},
            {"updatedBy", m.updated_by.empty() ? json::value(nullptr) : json::value(m.updated_by)}};
}

json::object product_json(const rooms::Product& p) {
    return {{"productId", p.product_id},
            {"name", p.name},
            {"url", p.url},
            {"price", rooms::format_price(p.price_minor, p.currency)},
            {"currency", p.currency},
            {"imageUrl", p.image_url},
            {"status", rooms::to_string(p.status)},
            {"createdAt", core::format_iso8601(p.created_at)},
            {"updatedAt", core::format_iso8601(p.updated_at)}};
}

json::object room_products_json(const rooms::RoomProducts& rp,
                                const std::vector<rooms::Product>& products) {
    json::array list;
    for (const auto& p : products) list.push_back(product_json(p));
    return {{"roomId", rp.room_id},
            {"products", std::move(list)},
            {"pinnedProductId",
             rp.pinned_product_id ? json::value(*rp.pinned_product_id) : json::value(nullptr)}};
}

json::object product_stats_json(const std::vector<store::ProductStats>& stats) {
    json::array out;
    for (const auto& s : stats) {
        json::array members;
        for (const auto& m : s.by_member) {
            members.push_back(
                json::object{{"userId", m.user_id}, {"views", m.views}, {"clicks", m.clicks}});
        }
        out.push_back(json::object{{"productId", s.product_id},
                                   {"views", s.views},
                                   {"clicks", s.clicks},
                                   {"byMember", std::move(members)}});
    }
    return {{"products", std::move(out)}};
}

std::vector<store::NewEvent> render_engagement_events(
    const std::vector<rooms::EngagementEvent>& events, const UserLookup& users,
    const ProductsOf& products_of) {
    std::vector<store::NewEvent> out;
    out.reserve(events.size());
    for (const auto& e : events) {
        json::object data;
        if (e.type == "chat.message" && e.message) {
            data = message_json(*e.message, users);
        } else if (e.type == "chat.deleted" && e.message) {
            data = {
                {"messageId", e.message->message_id},
                {"roomId", e.room_id},
                {"deletedBy", e.message->deleted_by.empty() ? json::value(nullptr)
                                                            : json::value(e.message->deleted_by)}};
        } else if (e.type == "chat.moderation" && e.moderation) {
            data = moderation_json(*e.moderation, e.at);
            data["action"] = rooms::to_string(e.action);
        } else if (e.type == "products.updated") {
            rooms::RoomProducts rp;
            rp.room_id = e.room_id;
            rp.product_ids = e.product_ids.value_or(std::vector<std::string>{});
            rp.pinned_product_id = e.pinned_product_id;
            data = room_products_json(
                rp, products_of ? products_of(rp) : std::vector<rooms::Product>{});
        } else if (e.type == "products.pinned") {
            data = {{"roomId", e.room_id}, {"productId", e.product_id}};
        } else if (e.type == "products.unpinned") {
            data = {{"roomId", e.room_id}, {"productId", e.product_id}, {"reason", e.reason}};
        }
        out.push_back(
            store::NewEvent{"room:" + e.room_id, e.type, e.room_id, e.at, json::serialize(data)});
    }
    return out;
}

}  // namespace cohost::server::app
