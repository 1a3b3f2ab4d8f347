// The SQLite store: opening, entity reads, lists and settings.
//
// Lists are newest first, ordered by (created_at DESC, id DESC) and continued by a cursor on that
// pair (sqlite_paging.cpp). Each page reads `limit + 1` rows, and `next_cursor` is set only when
// that extra row existed. A malformed cursor throws std::invalid_argument (→ 400
// invalid_argument at the HTTP edge); it is not a StoreError.
#include "sqlite_store.hpp"

#include <utility>

#include "sqlite_paging.hpp"
#include "sqlite_rows.hpp"
#include "sqlite_schema.hpp"

namespace cohost::server::store {

std::unique_ptr<Store> open_sqlite(const SqliteOptions& opts) {
    return std::make_unique<detail::SqliteStore>(opts);
}

namespace detail {

namespace {

std::string select_sql(const char* columns, const char* rest) {
    std::string sql{"SELECT "};
    sql += columns;
    sql += ' ';
    sql += rest;
    return sql;
}

/// Reads up to `limit + 1` rows of `stmt` into a page; `cursor_of` renders the last item's
/// position when more rows exist.
template <class T, class Read, class CursorOf>
Page<T> read_page(Statement& stmt, int limit, Read read, CursorOf cursor_of) {
    Page<T> page;
    while (stmt.step()) {
        if (static_cast<int>(page.items.size()) == limit) {
            page.next_cursor = cursor_of(page.items.back());
            break;
        }
        page.items.push_back(read(stmt));
    }
    return page;
}

/// Builds the newest-first list query of `table` with optional status and cursor conditions.
/// Parameters: ?1 the key (when `key_column`), ?2 status, ?3/?4 the cursor, ?5 the limit.
std::string list_sql(const char* columns, const char* table, const char* id_column,
                     const char* key_column, bool with_status, bool with_cursor) {
    std::string sql = select_sql(columns, "FROM ");
    sql += table;
    const char* glue = " WHERE ";
    if (key_column != nullptr) {
        sql += glue;
        sql += key_column;
        sql += " = ?1";
        glue = " AND ";
    }
    if (with_status) {
        sql += glue;
        sql += "status = ?2";
        glue = " AND ";
    }
    if (with_cursor) {
        // A row value: SQLite turns it into an index range on (created_at, id).
        sql += glue;
        sql += "(created_at, ";
        sql += id_column;
        sql += ") < (?3, ?4)";
    }
    sql += " ORDER BY created_at DESC, ";
    sql += id_column;
    sql += " DESC LIMIT ?5";
    return sql;
}

void bind_cursor(Statement& stmt, const std::optional<TimeCursor>& cursor) {
    if (cursor) {
        stmt.bind(3, cursor->created_at).bind(4, cursor->id);
    }
}

}  // namespace

SqliteStore::SqliteStore(const SqliteOptions& opts) : db_(opts.path) {
    const bool in_memory = opts.path == ":memory:" || opts.path.empty();
    configure_connection(db_, in_memory, opts.synchronous_full);
    migrate(db_);
    if (!in_memory) {
        checkpointer_ = std::make_unique<Checkpointer>(db_.handle(), opts.path);
    }
}

// ---- users --------------------------------------------------------------------------------

std::optional<User> SqliteStore::get_user(const std::string& user_id) {
    if (auto it = user_cache_.find(user_id); it != user_cache_.end()) {
        return it->second;
    }
    static const std::string sql = select_sql(kUserColumns, "FROM users WHERE user_id = ?1");
    auto stmt = db_.prepare(sql);
    stmt.bind(1, user_id);
    if (!stmt.step()) {
        return std::nullopt;
    }
    User user = read_user(stmt);
    remember_user(user);
    return user;
}

void SqliteStore::remember_user(const User& user) {
    constexpr std::size_t kUserCacheMax = 100'000;
    if (user_cache_.size() >= kUserCacheMax) {
        user_cache_.clear();
    }
    user_cache_.insert_or_assign(user.user_id, user);
}

Page<User> SqliteStore::search_users(const std::string& prefix, int limit,
                                     const std::string& cursor) {
    // LIKE folds ASCII case only (SQLite has no Unicode case folding without ICU), so "émilie"
    // does not find "Émilie". The cursor is the last user_id; any text is a valid position.
    //
    // Two plans. A short prefix matches many users, and walking the primary key in user_id
    // order stops after `limit + 1` hits. A longer one matches few, and that walk would read the
    // whole table for them; instead the NOCASE indexes give the candidates by range
    // [prefix, prefix + 0xFF) (no UTF-8 byte is 0xFF, so the range holds every case-insensitive
    // prefix match) and LIKE keeps the exact ones. Measured on 100k users: 0.1-0.3 ms for either
    // plan on its side of the cut, versus up to 30 ms (scan, rare prefix) or 10+ ms (index,
    // one-letter prefix) on the wrong side.
    static const std::string scan_sql = select_sql(
        kUserColumns,
        "FROM users WHERE (user_id LIKE ?1 ESCAPE '\\' OR display_name LIKE ?1 ESCAPE '\\')"
        " AND user_id > ?2 ORDER BY user_id LIMIT ?3");
    static const std::string index_sql =
        select_sql(kUserColumns,
                   "FROM users WHERE user_id IN ("
                   "SELECT user_id FROM users WHERE user_id >= ?4 COLLATE NOCASE"
                   " AND user_id < ?5 COLLATE NOCASE"
                   " UNION ALL SELECT user_id FROM users WHERE display_name >= ?4 COLLATE NOCASE"
                   " AND display_name < ?5 COLLATE NOCASE)"
                   " AND (user_id LIKE ?1 ESCAPE '\\' OR display_name LIKE ?1 ESCAPE '\\')"
                   " AND user_id > ?2 ORDER BY user_id LIMIT ?3");
    constexpr std::size_t kIndexedPrefixLength = 2;
    limit = clamp_limit(limit);
    const bool by_index = prefix.size() >= kIndexedPrefixLength;
    auto stmt = db_.prepare(by_index ? index_sql : scan_sql);
    stmt.bind(1, like_prefix_pattern(prefix)).bind(2, cursor).bind(3, limit + 1);
    if (by_index) {
        stmt.bind(4, prefix).bind(5, prefix + '\xFF');
    }
    return read_page<User>(stmt, limit, read_user, [](const User& u) { return u.user_id; });
}

// ---- rooms --------------------------------------------------------------------------------

std::optional<Room> SqliteStore::get_room(const std::string& room_id) {
    static const std::string sql = select_sql(kRoomColumns, "FROM rooms WHERE room_id = ?1");
    auto stmt = db_.prepare(sql);
    stmt.bind(1, room_id);
    if (!stmt.step()) {
        return std::nullopt;
    }
    return read_room(stmt);
}

std::optional<RoomState> SqliteStore::load_room_state(const std::string& room_id) {
    // One read transaction: the three reads see the same snapshot even if another connection
    // (an operator tool) writes in between.
    Transaction tx(db_, Transaction::Mode::Deferred);
    auto room = get_room(room_id);
    if (!room) {
        return std::nullopt;
    }
    RoomState state;
    state.room = std::move(*room);
    {
        static const std::string sql =
            select_sql(kMemberColumns,
                       "FROM stage_members WHERE room_id = ?1"
                       " ORDER BY CASE role WHEN 'host' THEN 0 ELSE 1 END, joined_at, user_id");
        auto stmt = db_.prepare(sql);
        stmt.bind(1, room_id);
        while (stmt.step()) {
            state.stage.push_back(read_member(stmt));
        }
    }
    {
        // Served by invitations_by_room_status, already in created_at order.
        static const std::string sql =
            select_sql(kInvitationColumns,
                       "FROM invitations WHERE room_id = ?1 AND status = 'pending'"
                       " ORDER BY created_at, invitation_id");
        auto stmt = db_.prepare(sql);
        stmt.bind(1, room_id);
        while (stmt.step()) {
            state.pending.push_back(read_invitation(stmt));
        }
    }
    tx.commit();
    return state;
}

Page<Room> SqliteStore::list_rooms(std::optional<RoomStatus> status, int limit,
                                   const std::string& cursor) {
    const auto position = decode_cursor(cursor);
    limit = clamp_limit(limit);
    // Four constant query shapes, each prepared once: separate texts keep every shape indexable
    // (an "?2 IS NULL OR status = ?2" would defeat the status index).
    static const std::string sqls[2][2] = {
        {list_sql(kRoomColumns, "rooms", "room_id", nullptr, false, false),
         list_sql(kRoomColumns, "rooms", "room_id", nullptr, false, true)},
        {list_sql(kRoomColumns, "rooms", "room_id", nullptr, true, false),
         list_sql(kRoomColumns, "rooms", "room_id", nullptr, true, true)},
    };
    auto stmt = db_.prepare(sqls[status ? 1 : 0][position ? 1 : 0]);
    if (status) {
        stmt.bind(2, rooms::to_string(*status));
    }
    bind_cursor(stmt, position);
    stmt.bind(5, limit + 1);
    return read_page<Room>(stmt, limit, read_room,
                           [](const Room& r) { return encode_cursor(r.created_at, r.room_id); });
}

std::vector<std::string> SqliteStore::active_room_ids() {
    // IN rather than "!= 'ended'" so the status index applies; the list is every non-final
    // RoomStatus (rooms/model.hpp).
    auto stmt = db_.prepare(
        "SELECT room_id FROM rooms WHERE status IN ('idle', 'live', 'reconnecting')"
        " ORDER BY created_at, room_id");
    std::vector<std::string> ids;
    while (stmt.step()) {
        ids.push_back(stmt.text(0));
    }
    return ids;
}

// ---- invitations --------------------------------------------------------------------------

std::optional<Invitation> SqliteStore::get_invitation(const std::string& id) {
    static const std::string sql =
        select_sql(kInvitationColumns, "FROM invitations WHERE invitation_id = ?1");
    auto stmt = db_.prepare(sql);
    stmt.bind(1, id);
    if (!stmt.step()) {
        return std::nullopt;
    }
    return read_invitation(stmt);
}

Page<Invitation> SqliteStore::list_room_invitations(const std::string& room_id,
                                                    std::optional<InvitationStatus> status,
                                                    int limit, const std::string& cursor) {
    return list_invitations("room_id", room_id, status, limit, cursor);
}

Page<Invitation> SqliteStore::list_user_invitations(const std::string& invitee,
                                                    std::optional<InvitationStatus> status,
                                                    int limit, const std::string& cursor) {
    return list_invitations("invitee_user_id", invitee, status, limit, cursor);
}

Page<Invitation> SqliteStore::list_invitations(const char* key_column, const std::string& key,
                                               std::optional<InvitationStatus> status, int limit,
                                               const std::string& cursor) {
    const auto position = decode_cursor(cursor);
    limit = clamp_limit(limit);
    // The SQL text depends only on constants (key_column is one of two column names), and the
    // statement cache is keyed by that text, so each shape is prepared once.
    auto stmt = db_.prepare(list_sql(kInvitationColumns, "invitations", "invitation_id", key_column,
                                     status.has_value(), position.has_value()));
    stmt.bind(1, key);
    if (status) {
        stmt.bind(2, rooms::to_string(*status));
    }
    bind_cursor(stmt, position);
    stmt.bind(5, limit + 1);
    return read_page<Invitation>(stmt, limit, read_invitation, [](const Invitation& i) {
        return encode_cursor(i.created_at, i.invitation_id);
    });
}

// ---- settings -----------------------------------------------------------------------------

std::optional<std::string> SqliteStore::get_setting(const std::string& key) {
    auto stmt = db_.prepare("SELECT value FROM settings WHERE key = ?1");
    stmt.bind(1, key);
    if (!stmt.step()) {
        return std::nullopt;
    }
    return stmt.text(0);
}

void SqliteStore::put_setting(const std::string& key, const std::string& value) {
    auto stmt = db_.prepare(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    stmt.bind(1, key).bind(2, value).run();
}

// ---- group commit ---------------------------------------------------------------------------

void SqliteStore::begin_batch() {
    if (!batch_) {
        batch_ = std::make_unique<Transaction>(db_, Transaction::Mode::Immediate);
    }
}

void SqliteStore::flush_batch() {
    if (!batch_) {
        return;
    }
    std::unique_ptr<Transaction> batch = std::move(batch_);
    try {
        batch->commit();
    } catch (const SqliteError& e) {
        // `batch` rolls back on the way out; whatever the batch cached is suspect.
        user_cache_.clear();
        throw StoreError(std::string("sqlite: group commit failed: ") + e.what());
    }
}

}  // namespace detail
}  // namespace cohost::server::store
