// SQLite-only behaviour of the store (the shared contract is in store_contract*_test.cpp):
// the file's settings, schema versioning and open failures, checked from a raw connection.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "cohost/server/store/store.hpp"
#include "unit/server/store/store_contract.hpp"

namespace cohost::server::store::testing {
namespace {

/// A raw connection for inspecting the file behind the store's back.
class RawDb {
public:
    explicit RawDb(const std::string& path) {
        if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
            ADD_FAILURE() << "open " << path;
        }
    }
    ~RawDb() { sqlite3_close(db_); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    std::string text(const char* sql) {
        sqlite3_stmt* stmt = nullptr;
        std::string out;
        if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) == SQLITE_OK &&
            sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
            out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        }
        sqlite3_finalize(stmt);
        return out;
    }
    void exec(const char* sql) {
        ASSERT_EQ(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), SQLITE_OK);
    }

private:
    sqlite3* db_ = nullptr;
};

TEST(SqliteStore, FileIsInWalModeAtTheCurrentSchemaVersion) {
    SqliteFileFactory files;
    { auto store = files.open(); }
    RawDb raw(files.path());
    EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(raw.text("PRAGMA user_version"), "2");  // 2: engagement tables
    for (const char* table : {"users", "rooms", "invitations", "stage_members", "events", "topics",
                              "idempotency", "settings"}) {
        const std::string sql =
            std::string{"SELECT name FROM sqlite_schema WHERE type = 'table' AND name = '"} +
            table + "'";
        EXPECT_EQ(raw.text(sql.c_str()), table);
    }
}

TEST(SqliteStore, ReopeningAMigratedFileKeepsItsVersion) {
    SqliteFileFactory files;
    { auto store = files.open(); }
    { auto store = files.reopen(); }
    RawDb raw(files.path());
    EXPECT_EQ(raw.text("PRAGMA user_version"), "2");  // 2: engagement tables
}

TEST(SqliteStore, RefusesAFileFromANewerBuild) {
    SqliteFileFactory files;
    { auto store = files.open(); }
    {
        RawDb raw(files.path());
        raw.exec("PRAGMA user_version = 999");
    }
    EXPECT_THROW((void)files.reopen(), StoreError);
}

TEST(SqliteStore, UnopenablePathIsStoreError) {
    EXPECT_THROW((void)open_sqlite({"/nonexistent-dir/for/sure/cohost.sqlite", false}), StoreError);
}

TEST(SqliteStore, ForeignKeyViolationIsStoreErrorNotConflictAndRollsBack) {
    // Only key clashes are races (Conflict); an invitation for a room that does not exist is a
    // caller bug and fails loudly. Nothing of the changeset stays, and the store stays usable.
    auto store = open_sqlite({":memory:", false});
    Changeset bad;
    bad.users = {make_user("bob", "Bob")};
    bad.invitations = {make_invitation("IN_1", "RM_missing", "bob")};
    bad.events = {make_event("user:bob")};
    EXPECT_THROW((void)store->commit(bad), StoreError);
    EXPECT_FALSE(store->get_user("bob").has_value());
    EXPECT_EQ(store->topic_seq("user:bob"), 0);

    Changeset good = room_changeset(make_room("RM_1"));
    good.events = {make_event("user:bob")};
    CommitResult r = store->commit(good);
    EXPECT_EQ(r.status, CommitStatus::Ok);
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].seq, 1);
}

TEST(SqliteStore, ListQueriesUseIndexes) {
    // The plans of the hot list queries, to catch a full scan creeping in. The SQL mirrors
    // sqlite_store.cpp's list_sql() shapes.
    SqliteFileFactory files;
    { auto store = files.open(); }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(files.path().c_str(), &db), SQLITE_OK);
    auto details = [&](const char* sql) {
        std::string out;
        sqlite3_stmt* stmt = nullptr;
        const std::string explain = std::string{"EXPLAIN QUERY PLAN "} + sql;
        EXPECT_EQ(sqlite3_prepare_v2(db, explain.c_str(), -1, &stmt, nullptr), SQLITE_OK);
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            out += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
            out += " | ";
        }
        sqlite3_finalize(stmt);
        return out;
    };
    // SELECT * stands for the full column lists, so no plan is "covering" by accident.
    struct Case {
        const char* sql;
        const char* index;
    };
    const Case cases[] = {
        {"SELECT * FROM rooms WHERE status = ?2 AND (created_at, room_id) < (?3, ?4)"
         " ORDER BY created_at DESC, room_id DESC LIMIT ?5",
         "rooms_by_status_created"},
        {"SELECT * FROM rooms WHERE (created_at, room_id) < (?3, ?4)"
         " ORDER BY created_at DESC, room_id DESC LIMIT ?5",
         "rooms_by_created"},
        {"SELECT * FROM invitations WHERE room_id = ?1 AND status = ?2"
         " AND (created_at, invitation_id) < (?3, ?4)"
         " ORDER BY created_at DESC, invitation_id DESC LIMIT ?5",
         "invitations_by_room_status"},
        {"SELECT * FROM invitations WHERE room_id = ?1"
         " ORDER BY created_at DESC, invitation_id DESC LIMIT ?5",
         "invitations_by_room"},
        {"SELECT * FROM invitations WHERE invitee_user_id = ?1"
         " AND (created_at, invitation_id) < (?3, ?4)"
         " ORDER BY created_at DESC, invitation_id DESC LIMIT ?5",
         "invitations_by_invitee"},
        {"SELECT * FROM invitations WHERE room_id = ?1 AND status = 'pending'"
         " ORDER BY created_at, invitation_id",
         "invitations_by_room_status"},
        {"SELECT * FROM events WHERE topic = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
         "sqlite_autoindex_events_1"},
        {"SELECT * FROM stage_members WHERE room_id = ?1", "PRIMARY KEY"},
    };
    for (const Case& c : cases) {
        const std::string plan = details(c.sql);
        EXPECT_NE(plan.find(c.index), std::string::npos) << c.sql << "\n" << plan;
        EXPECT_EQ(plan.find("SCAN"), std::string::npos) << c.sql << "\n" << plan;
        EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << c.sql << "\n" << plan;
    }
    sqlite3_close(db);
}

}  // namespace
}  // namespace cohost::server::store::testing
