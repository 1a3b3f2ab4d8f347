// Outbox reads and retention, and idempotency records.
#include <algorithm>

#include "sqlite_rows.hpp"
#include "sqlite_store.hpp"

namespace cohost::server::store::detail {

namespace {

std::string event_select(const char* rest) {
    std::string sql{"SELECT "};
    sql += kEventColumns;
    sql += ' ';
    sql += rest;
    return sql;
}

}  // namespace

std::int64_t SqliteStore::topic_seq(const std::string& topic) {
    auto stmt = db_.prepare("SELECT last_seq FROM topics WHERE topic = ?1");
    stmt.bind(1, topic);
    return stmt.step() ? stmt.int64(0) : 0;
}

std::vector<StoredEvent> SqliteStore::events_after(const std::string& topic, std::int64_t after,
                                                   int limit) {
    static const std::string sql =
        event_select("FROM events WHERE topic = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3");
    auto stmt = db_.prepare(sql);
    // Not clamped to 200 like a list page: replay asks for a whole retention window at once.
    stmt.bind(1, topic).bind(2, after).bind(3, std::max(limit, 0));
    std::vector<StoredEvent> events;
    while (stmt.step()) {
        events.push_back(read_event(stmt));
    }
    return events;
}

std::int64_t SqliteStore::oldest_retained_seq(const std::string& topic) {
    auto stmt = db_.prepare("SELECT MIN(seq) FROM events WHERE topic = ?1");
    stmt.bind(1, topic);
    // MIN over no rows is one NULL row; int64 of NULL is 0.
    return stmt.step() ? stmt.int64(0) : 0;
}

std::int64_t SqliteStore::prune_events(TimePoint older_than, int keep_per_topic,
                                       const OutboxHold& hold) {
    // Seqs have no gaps, so "the newest k of a topic" are exactly seq > last_seq - k. One
    // statement, so it is atomic on its own; topics.last_seq is never touched. The hold keeps
    // rows the webhook sender still owes (id > ?3) unless they are past its backlog age (?4).
    auto stmt = db_.prepare(
        "DELETE FROM events WHERE (at < ?1"
        " OR seq <= (SELECT t.last_seq FROM topics AS t WHERE t.topic = events.topic) - ?2)"
        " AND (id <= ?3 OR at < ?4)");
    stmt.bind(1, older_than)
        .bind(2, std::max(keep_per_topic, 0))
        .bind(3, hold.keep_after_id)
        .bind(4, hold.unless_before);
    return stmt.run();
}

std::vector<StoredEvent> SqliteStore::events_after_id(std::int64_t after_id, int limit) {
    // A range scan of the rowid (id is INTEGER PRIMARY KEY).
    static const std::string sql = event_select("FROM events WHERE id > ?1 ORDER BY id LIMIT ?2");
    auto stmt = db_.prepare(sql);
    stmt.bind(1, after_id).bind(2, std::max(limit, 0));
    std::vector<StoredEvent> events;
    while (stmt.step()) {
        events.push_back(read_event(stmt));
    }
    return events;
}

std::int64_t SqliteStore::count_events_after_id(std::int64_t after_id) {
    auto stmt = db_.prepare("SELECT COUNT(*) FROM events WHERE id > ?1");
    stmt.bind(1, after_id);
    return stmt.step() ? stmt.int64(0) : 0;
}

std::int64_t SqliteStore::last_event_id() {
    // AUTOINCREMENT keeps the largest id ever used in sqlite_sequence, also after every row was
    // pruned; the table (and the row) exist only once an event was written.
    auto stmt = db_.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'");
    return stmt.step() ? stmt.int64(0) : 0;
}

std::optional<IdempotencyRecord> SqliteStore::get_idempotency(const std::string& user_id,
                                                              const std::string& route,
                                                              const std::string& key) {
    static const std::string sql = std::string{"SELECT "} + kIdempotencyColumns +
                                   " FROM idempotency WHERE user_id = ?1 AND route = ?2"
                                   " AND key = ?3";
    auto stmt = db_.prepare(sql);
    stmt.bind(1, user_id).bind(2, route).bind(3, key);
    if (!stmt.step()) {
        return std::nullopt;
    }
    return read_idempotency(stmt);
}

void SqliteStore::prune_idempotency(TimePoint older_than) {
    auto stmt = db_.prepare("DELETE FROM idempotency WHERE created_at < ?1");
    stmt.bind(1, older_than).run();
}

}  // namespace cohost::server::store::detail
