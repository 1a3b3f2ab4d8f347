// The write path: one Changeset, one IMMEDIATE transaction, all of it or nothing.
//
// Compare-and-set: an entity read at version v (v > 0) is written with
// `UPDATE ... SET ..., version = version + 1 WHERE <key> AND version = v`; no row changed means
// somebody else won, and the whole changeset is rolled back as a Conflict. Version 0 inserts and
// stores version 1; a primary-key clash on insert is also a Conflict. Other failures (I/O, NOT
// NULL, a foreign key to a missing room, ...) roll back and throw StoreError: they are bugs or
// outages, not races.
//
// Event seqs come from `topics.last_seq` (bumped with an upsert inside the same transaction), not
// from MAX(events.seq), so pruning events never rewinds a topic. Event ids come from the
// AUTOINCREMENT key: increasing in commit order and never reused.
#include <utility>

#include "sqlite_rows.hpp"
#include "sqlite_store.hpp"

namespace cohost::server::store::detail {

namespace {

std::string insert_sql(const char* table, const char* columns, int fields, bool with_version_one) {
    std::string sql{"INSERT INTO "};
    sql += table;
    sql += " (";
    sql += columns;
    sql += ") VALUES (";
    for (int i = 1; i <= fields; ++i) {
        sql += i == 1 ? "?" : ", ?";
        sql += std::to_string(i);
    }
    sql += with_version_one ? ", 1)" : ")";
    return sql;
}

}  // namespace

CommitResult SqliteStore::commit(const Changeset& c) {
    if (write_hook_) {
        write_hook_();  // may open a group-commit batch: `tx` is then a savepoint inside it
    }
    Transaction tx(db_, Transaction::Mode::Immediate);
    CommitResult result;
    try {
        if (!apply(c, result.events)) {
            tx.rollback();
            return {CommitStatus::Conflict, {}};
        }
    } catch (const SqliteError& e) {
        if (!e.is_key_clash()) {
            throw;  // `tx` rolls back on the way out
        }
        tx.rollback();
        return {CommitStatus::Conflict, {}};
    }
    tx.commit();
    // Upserts keep the first created_at, so the cache forgets these users and the next
    // get_user reads what was stored.
    for (const User& user : c.users) {
        user_cache_.erase(user.user_id);
    }
    return result;
}

bool SqliteStore::apply(const Changeset& c, std::vector<StoredEvent>& appended) {
    for (const User& user : c.users) {
        upsert_user(user);
    }
    // The room first: invitations and members refer to it (foreign keys).
    if (c.room && !write_room(*c.room)) {
        return false;
    }
    for (const Invitation& inv : c.invitations) {
        if (!write_invitation(inv)) {
            return false;
        }
    }
    // Removals before writes, so a changeset may release a seat and refill it.
    for (const StageMember& member : c.removed_members) {
        if (!delete_member(member)) {
            return false;
        }
    }
    for (const StageMember& member : c.members) {
        if (!write_member(member)) {
            return false;
        }
    }
    appended.reserve(c.events.size());
    for (const NewEvent& event : c.events) {
        appended.push_back(append_event(event));
    }
    if (c.idempotency) {
        insert_idempotency(*c.idempotency);
    }
    return true;
}

void SqliteStore::upsert_user(const User& user) {
    // Last writer wins, except created_at: the first insert's value is kept.
    static const std::string sql =
        insert_sql("users", kUserColumns, kUserFields, false) +
        " ON CONFLICT (user_id) DO UPDATE SET display_name = excluded.display_name,"
        " avatar_url = excluded.avatar_url, updated_at = excluded.updated_at";
    auto stmt = db_.prepare(sql);
    bind_user(stmt, user);
    stmt.run();
}

bool SqliteStore::write_room(const Room& room) {
    static const std::string insert = insert_sql("rooms", kRoomColumns, kRoomFields, true);
    static const std::string update =
        "UPDATE rooms SET title = ?2, description = ?3, thumbnail_url = ?4,"
        " metadata_json = ?5, host_user_id = ?6, status = ?7, max_cohosts = ?8,"
        " slow_mode_seconds = ?9, created_at = ?10, live_at = ?11, ended_at = ?12,"
        " end_reason = ?13, reconnecting_since = ?14, version = version + 1"
        " WHERE room_id = ?1 AND version = ?15";
    auto stmt = db_.prepare(room.version == 0 ? insert : update);
    bind_room(stmt, room);
    if (room.version != 0) {
        stmt.bind(kRoomFields + 1, room.version);
    }
    return stmt.run() == 1;
}

bool SqliteStore::write_invitation(const Invitation& inv) {
    static const std::string insert =
        insert_sql("invitations", kInvitationColumns, kInvitationFields, true);
    static const std::string update =
        "UPDATE invitations SET room_id = ?2, inviter_user_id = ?3, invitee_user_id = ?4,"
        " status = ?5, created_at = ?6, expires_at = ?7, responded_at = ?8, reason = ?9,"
        " version = version + 1 WHERE invitation_id = ?1 AND version = ?10";
    auto stmt = db_.prepare(inv.version == 0 ? insert : update);
    bind_invitation(stmt, inv);
    if (inv.version != 0) {
        stmt.bind(kInvitationFields + 1, inv.version);
    }
    return stmt.run() == 1;
}

bool SqliteStore::write_member(const StageMember& member) {
    static const std::string insert =
        insert_sql("stage_members", kMemberColumns, kMemberFields, true);
    static const std::string update =
        "UPDATE stage_members SET role = ?3, state = ?4, can_manage_products = ?5,"
        " camera_on = ?6, microphone_on = ?7, joined_at = ?8, state_since = ?9,"
        " invitation_id = ?10, version = version + 1"
        " WHERE room_id = ?1 AND user_id = ?2 AND version = ?11";
    auto stmt = db_.prepare(member.version == 0 ? insert : update);
    bind_member(stmt, member);
    if (member.version != 0) {
        stmt.bind(kMemberFields + 1, member.version);
    }
    return stmt.run() == 1;
}

bool SqliteStore::delete_member(const StageMember& member) {
    auto stmt = db_.prepare(
        "DELETE FROM stage_members WHERE room_id = ?1 AND user_id = ?2 AND version = ?3");
    stmt.bind(1, member.room_id).bind(2, member.user_id).bind(3, member.version);
    return stmt.run() == 1;
}

StoredEvent SqliteStore::append_event(const NewEvent& event) {
    StoredEvent stored;
    {
        auto stmt = db_.prepare(
            "INSERT INTO topics (topic, last_seq) VALUES (?1, 1)"
            " ON CONFLICT (topic) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq");
        stmt.bind(1, event.topic);
        if (!stmt.step()) {
            throw StoreError("sqlite: topic upsert returned no row");
        }
        stored.seq = stmt.int64(0);
        stmt.run();  // finish the statement before the next write
    }
    {
        auto stmt = db_.prepare(
            "INSERT INTO events (topic, seq, type, room_id, at, data_json)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id");
        stmt.bind(1, event.topic)
            .bind(2, stored.seq)
            .bind(3, event.type)
            .bind(4, event.room_id)
            .bind(5, event.at)
            .bind(6, event.data_json);
        if (!stmt.step()) {
            throw StoreError("sqlite: event insert returned no row");
        }
        stored.id = stmt.int64(0);
        stmt.run();
    }
    stored.topic = event.topic;
    stored.type = event.type;
    stored.room_id = event.room_id;
    stored.at = event.at;
    stored.data_json = event.data_json;
    return stored;
}

void SqliteStore::insert_idempotency(const IdempotencyRecord& record) {
    static const std::string sql =
        insert_sql("idempotency", kIdempotencyColumns, kIdempotencyFields, false);
    auto stmt = db_.prepare(sql);
    bind_idempotency(stmt, record);
    stmt.run();
}

}  // namespace cohost::server::store::detail
