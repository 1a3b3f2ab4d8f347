// The engagement write path: one EngagementChangeset, one IMMEDIATE transaction (a savepoint
// inside an open group-commit batch), rows then outbox events, all or nothing. Compare-and-set
// as in sqlite_commit.cpp.
#include "sqlite_engagement_rows.hpp"
#include "sqlite_store.hpp"

namespace cohost::server::store::detail {

EngagementCommitResult SqliteStore::commit_engagement(const EngagementChangeset& c) {
    if (write_hook_) {
        write_hook_();  // may open a group-commit batch: `tx` is then a savepoint inside it
    }
    Transaction tx(db_, Transaction::Mode::Immediate);
    EngagementCommitResult result;
    try {
        if (!apply_engagement(c, result)) {
            tx.rollback();
            return {CommitStatus::Conflict, {}, {}, 0};
        }
    } catch (const SqliteError& e) {
        if (!e.is_key_clash()) {
            throw;
        }
        tx.rollback();
        return {CommitStatus::Conflict, {}, {}, 0};
    }
    tx.commit();
    return result;
}

bool SqliteStore::apply_engagement(const EngagementChangeset& c, EngagementCommitResult& out) {
    for (rooms::ChatMessage m : c.messages) {
        if (!write_message(m)) return false;
        out.messages.push_back(std::move(m));
    }
    for (const auto& m : c.moderation) {
        if (!write_moderation(m)) return false;
    }
    for (const auto& p : c.products) {
        if (!write_product(p)) return false;
    }
    if (c.room_products && !write_room_products(*c.room_products)) return false;
    for (const auto& hit : c.hits) {
        out.hits_counted += count_hit(hit) ? 1 : 0;
    }
    out.events.reserve(c.events.size());
    for (const NewEvent& event : c.events) {
        out.events.push_back(append_event(event));
    }
    return true;
}

bool SqliteStore::write_message(rooms::ChatMessage& m) {
    if (m.seq == 0) {
        auto stmt = db_.prepare(
            "INSERT INTO chat_messages (message_id, room_id, author_user_id, author_role, text,"
            " created_at, deleted_at, deleted_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            " RETURNING seq");
        stmt.bind(1, m.message_id)
            .bind(2, m.room_id)
            .bind(3, m.author_user_id)
            .bind(4, rooms::to_string(m.author_role))
            .bind(5, m.text)
            .bind(6, m.created_at)
            .bind(7, m.deleted_at)
            .bind(8, m.deleted_by);
        if (!stmt.step()) throw StoreError("sqlite: message insert returned no row");
        m.seq = stmt.int64(0);
        stmt.run();
        return true;
    }
    // Only deletion changes a stored message; a message already deleted is a lost race.
    auto stmt = db_.prepare(
        "UPDATE chat_messages SET deleted_at = ?2, deleted_by = ?3"
        " WHERE seq = ?1 AND deleted_at IS NULL");
    stmt.bind(1, m.seq).bind(2, m.deleted_at).bind(3, m.deleted_by);
    return stmt.run() == 1;
}

bool SqliteStore::write_moderation(const rooms::Moderation& m) {
    static const char* insert =
        "INSERT INTO moderation (room_id, user_id, muted_until, banned, banned_until, updated_at,"
        " updated_by, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1)";
    static const char* update =
        "UPDATE moderation SET muted_until = ?3, banned = ?4, banned_until = ?5, updated_at = ?6,"
        " updated_by = ?7, version = version + 1"
        " WHERE room_id = ?1 AND user_id = ?2 AND version = ?8";
    auto stmt = db_.prepare(m.version == 0 ? insert : update);
    stmt.bind(1, m.room_id)
        .bind(2, m.user_id)
        .bind(3, m.muted_until)
        .bind(4, m.banned)
        .bind(5, m.banned_until)
        .bind(6, m.updated_at)
        .bind(7, m.updated_by);
    if (m.version != 0) stmt.bind(8, m.version);
    return stmt.run() == 1;
}

bool SqliteStore::write_product(const rooms::Product& p) {
    static const char* insert =
        "INSERT INTO products (product_id, name, url, price_minor, currency, image_url, status,"
        " created_at, updated_at, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1)";
    static const char* update =
        "UPDATE products SET name = ?2, url = ?3, price_minor = ?4, currency = ?5, image_url = ?6,"
        " status = ?7, created_at = ?8, updated_at = ?9, version = version + 1"
        " WHERE product_id = ?1 AND version = ?10";
    auto stmt = db_.prepare(p.version == 0 ? insert : update);
    stmt.bind(1, p.product_id)
        .bind(2, p.name)
        .bind(3, p.url)
        .bind(4, p.price_minor)
        .bind(5, p.currency)
        .bind(6, p.image_url)
        .bind(7, rooms::to_string(p.status))
        .bind(8, p.created_at)
        .bind(9, p.updated_at);
    if (p.version != 0) stmt.bind(10, p.version);
    return stmt.run() == 1;
}

bool SqliteStore::write_room_products(const rooms::RoomProducts& p) {
    static const char* insert =
        "INSERT INTO room_products (room_id, product_ids, pinned_product_id, version)"
        " VALUES (?1, ?2, ?3, 1)";
    static const char* update =
        "UPDATE room_products SET product_ids = ?2, pinned_product_id = ?3,"
        " version = version + 1 WHERE room_id = ?1 AND version = ?4";
    auto stmt = db_.prepare(p.version == 0 ? insert : update);
    stmt.bind(1, p.room_id)
        .bind(2, join_ids(p.product_ids))
        .bind(3, p.pinned_product_id.value_or(""));
    if (p.version != 0) stmt.bind(4, p.version);
    return stmt.run() == 1;
}

bool SqliteStore::count_hit(const rooms::ProductHit& hit) {
    {
        auto seen = db_.prepare(
            "INSERT OR IGNORE INTO product_hits_seen (room_id, product_id, user_id, type, at)"
            " VALUES (?1, ?2, ?3, ?4, ?5)");
        seen.bind(1, hit.room_id)
            .bind(2, hit.product_id)
            .bind(3, hit.user_id)
            .bind(4, rooms::to_string(hit.type))
            .bind(5, hit.at);
        if (seen.run() == 0) return false;  // a repeat: accepted, not counted
    }
    const bool view = hit.type == rooms::ProductEventType::View;
    auto bump = [&](const std::string& member) {
        auto stmt = db_.prepare(
            "INSERT INTO product_counters (room_id, product_id, member_user_id, views, clicks)"
            " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (room_id, product_id, member_user_id)"
            " DO UPDATE SET views = views + excluded.views, clicks = clicks + excluded.clicks");
        stmt.bind(1, hit.room_id)
            .bind(2, hit.product_id)
            .bind(3, member)
            .bind(4, view ? 1 : 0)
            .bind(5, view ? 0 : 1);
        stmt.run();
    };
    bump("");
    for (const auto& member : hit.credited) {
        if (!member.empty()) bump(member);
    }
    return true;
}

}  // namespace cohost::server::store::detail
