// The SQLite store's engagement reads (engagement_store.hpp). Row mapping lives here too: the
// engagement tables are used by this file and sqlite_engagement_commit.cpp only.
#include <charconv>
#include <stdexcept>

#include "sqlite_engagement_rows.hpp"
#include "sqlite_paging.hpp"
#include "sqlite_store.hpp"

namespace cohost::server::store::detail {

namespace {

std::int64_t decode_seq_cursor(std::string_view cursor) {
    std::int64_t seq = 0;
    const auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), seq);
    if (ec != std::errc{} || end != cursor.data() + cursor.size() || seq <= 0) {
        throw std::invalid_argument("malformed cursor");
    }
    return seq;
}

}  // namespace

std::vector<std::string> split_ids(std::string_view joined) {
    std::vector<std::string> out;
    while (!joined.empty()) {
        const auto comma = joined.find(',');
        out.emplace_back(joined.substr(0, comma));
        if (comma == std::string_view::npos) break;
        joined.remove_prefix(comma + 1);
    }
    return out;
}

std::string join_ids(const std::vector<std::string>& ids) {
    std::string out;
    for (const auto& id : ids) {
        if (!out.empty()) out += ',';
        out += id;
    }
    return out;
}

rooms::ChatMessage read_message(const Statement& row) {
    rooms::ChatMessage m;
    m.seq = row.int64(0);
    m.message_id = row.text(1);
    m.room_id = row.text(2);
    m.author_user_id = row.text(3);
    const auto role = rooms::chat_role_from(row.text(4));
    if (!role) throw StoreError("sqlite: unknown chat role '" + row.text(4) + "'");
    m.author_role = *role;
    m.text = row.text(5);
    m.created_at = row.time(6);
    m.deleted_at = row.optional_time(7);
    m.deleted_by = row.text(8);
    return m;
}

rooms::Moderation read_moderation(const Statement& row) {
    rooms::Moderation m;
    m.room_id = row.text(0);
    m.user_id = row.text(1);
    m.muted_until = row.optional_time(2);
    m.banned = row.boolean(3);
    m.banned_until = row.optional_time(4);
    m.updated_at = row.time(5);
    m.updated_by = row.text(6);
    m.version = row.int64(7);
    return m;
}

rooms::Product read_product(const Statement& row) {
    rooms::Product p;
    p.product_id = row.text(0);
    p.name = row.text(1);
    p.url = row.text(2);
    p.price_minor = row.int64(3);
    p.currency = row.text(4);
    p.image_url = row.text(5);
    const auto status = rooms::product_status_from(row.text(6));
    if (!status) throw StoreError("sqlite: unknown product status '" + row.text(6) + "'");
    p.status = *status;
    p.created_at = row.time(7);
    p.updated_at = row.time(8);
    p.version = row.int64(9);
    return p;
}

std::optional<rooms::ChatMessage> SqliteStore::get_message(const std::string& room_id,
                                                           const std::string& message_id) {
    static const std::string sql = std::string("SELECT ") + kMessageColumns +
                                   " FROM chat_messages WHERE message_id = ?1 AND room_id = ?2";
    auto stmt = db_.prepare(sql);
    stmt.bind(1, message_id).bind(2, room_id);
    if (!stmt.step()) return std::nullopt;
    return read_message(stmt);
}

Page<rooms::ChatMessage> SqliteStore::list_messages(const std::string& room_id, int limit,
                                                    const std::string& cursor) {
    limit = clamp_limit(limit);
    const std::int64_t before =
        cursor.empty() ? std::numeric_limits<std::int64_t>::max() : decode_seq_cursor(cursor);
    static const std::string sql =
        std::string("SELECT ") + kMessageColumns +
        " FROM chat_messages WHERE room_id = ?1 AND deleted_at IS NULL AND seq < ?2"
        " ORDER BY seq DESC LIMIT ?3";
    auto stmt = db_.prepare(sql);
    stmt.bind(1, room_id).bind(2, before).bind(3, limit + 1);
    Page<rooms::ChatMessage> page;
    while (stmt.step()) {
        if (static_cast<int>(page.items.size()) == limit) {
            page.next_cursor = std::to_string(page.items.back().seq);
            break;
        }
        page.items.push_back(read_message(stmt));
    }
    std::reverse(page.items.begin(), page.items.end());  // oldest first within the page
    return page;
}

std::optional<TimePoint> SqliteStore::last_message_at(const std::string& room_id,
                                                      const std::string& user_id) {
    auto stmt = db_.prepare(
        "SELECT MAX(created_at) FROM chat_messages WHERE room_id = ?1 AND author_user_id = ?2");
    stmt.bind(1, room_id).bind(2, user_id);
    if (!stmt.step()) return std::nullopt;
    return stmt.optional_time(0);
}

std::optional<rooms::Moderation> SqliteStore::get_moderation(const std::string& room_id,
                                                             const std::string& user_id) {
    static const std::string sql = std::string("SELECT ") + kModerationColumns +
                                   " FROM moderation WHERE room_id = ?1 AND user_id = ?2";
    auto stmt = db_.prepare(sql);
    stmt.bind(1, room_id).bind(2, user_id);
    if (!stmt.step()) return std::nullopt;
    return read_moderation(stmt);
}

std::optional<rooms::Product> SqliteStore::get_product(const std::string& id) {
    static const std::string sql =
        std::string("SELECT ") + kProductColumns + " FROM products WHERE product_id = ?1";
    auto stmt = db_.prepare(sql);
    stmt.bind(1, id);
    if (!stmt.step()) return std::nullopt;
    return read_product(stmt);
}

std::vector<rooms::Product> SqliteStore::get_products(const std::vector<std::string>& ids) {
    std::vector<rooms::Product> out;
    for (const auto& id : ids) {
        if (auto p = get_product(id)) out.push_back(std::move(*p));
    }
    return out;
}

Page<rooms::Product> SqliteStore::list_products(const std::string& query, int limit,
                                                const std::string& cursor) {
    limit = clamp_limit(limit);
    const auto pos = decode_cursor(cursor);
    // `instr(lower(..), lower(..))` is a plain substring test (no LIKE escaping to get wrong);
    // it folds ASCII case only, like search_users.
    static const std::string first_sql =
        std::string("SELECT ") + kProductColumns +
        " FROM products WHERE (?1 = '' OR instr(lower(name), lower(?1)) > 0)"
        " ORDER BY created_at DESC, product_id DESC LIMIT ?2";
    static const std::string next_sql =
        std::string("SELECT ") + kProductColumns +
        " FROM products WHERE (?1 = '' OR instr(lower(name), lower(?1)) > 0)"
        " AND (created_at, product_id) < (?3, ?4)"
        " ORDER BY created_at DESC, product_id DESC LIMIT ?2";
    auto stmt = db_.prepare(pos ? next_sql : first_sql);
    stmt.bind(1, query).bind(2, limit + 1);
    if (pos) stmt.bind(3, pos->created_at).bind(4, pos->id);
    Page<rooms::Product> page;
    while (stmt.step()) {
        if (static_cast<int>(page.items.size()) == limit) {
            page.next_cursor =
                encode_cursor(page.items.back().created_at, page.items.back().product_id);
            break;
        }
        page.items.push_back(read_product(stmt));
    }
    return page;
}

rooms::RoomProducts SqliteStore::get_room_products(const std::string& room_id) {
    auto stmt = db_.prepare(
        "SELECT product_ids, pinned_product_id, version FROM room_products WHERE room_id = ?1");
    stmt.bind(1, room_id);
    rooms::RoomProducts p;
    p.room_id = room_id;
    if (!stmt.step()) return p;
    p.product_ids = split_ids(stmt.text(0));
    if (auto pin = stmt.text(1); !pin.empty()) p.pinned_product_id = std::move(pin);
    p.version = stmt.int64(2);
    return p;
}

std::vector<ProductStats> SqliteStore::product_stats(const std::string& room_id) {
    auto stmt = db_.prepare(
        "SELECT product_id, member_user_id, views, clicks FROM product_counters"
        " WHERE room_id = ?1 ORDER BY product_id, member_user_id");
    stmt.bind(1, room_id);
    std::vector<ProductStats> out;
    while (stmt.step()) {
        auto pid = stmt.text(0);
        if (out.empty() || out.back().product_id != pid) {
            out.push_back(ProductStats{});
            out.back().product_id = pid;
        }
        auto member = stmt.text(1);
        if (member.empty()) {  // '' sorts first: the product's total
            out.back().views = stmt.int64(2);
            out.back().clicks = stmt.int64(3);
        } else {
            out.back().by_member.push_back({std::move(member), stmt.int64(2), stmt.int64(3)});
        }
    }
    return out;
}

}  // namespace cohost::server::store::detail
