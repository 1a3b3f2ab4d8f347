// The SQLite schema and its migrations.
//
// Column conventions (shared with the row mapping in sqlite_rows.cpp):
// - times are INTEGER unix milliseconds; an unset optional time is NULL;
// - enums are TEXT holding their wire names (`to_string` in rooms/model.hpp: 'idle', 'pending',
//   'cohost', ...), so the file reads like the API and the same values suit PostgreSQL. An
//   unset end reason is '' (its wire name), not NULL;
// - strings that may be empty (avatar_url, inviter_user_id for the app backend, reason,
//   invitation_id of the host, events.room_id) are '' rather than NULL;
// - booleans are INTEGER 0/1; `version` is the CAS counter (1 after the insert).
//
// Foreign keys tie invitations and stage members to their room. There is deliberately none to
// `users`: a user holding a valid token may have no row yet, and user rows are never deleted.
//
// Migrations are append-only: never edit a shipped entry, add the next version instead.
#include "sqlite_schema.hpp"

#include "sqlite_engagement_schema.hpp"

#include <span>
#include <string>

namespace cohost::server::store::detail {

namespace {

/// How long a statement waits for another connection's lock (cohostctl, a backup) before
/// SQLITE_BUSY, which then surfaces as a StoreError.
constexpr int kBusyTimeoutMs = 5000;

struct Migration {
    int version;
    const char* sql;
};

constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE users (
    user_id       TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    avatar_url    TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) WITHOUT ROWID;
-- search_users: prefix LIKE on either column (case-insensitive, hence NOCASE).
CREATE INDEX users_by_id_nocase ON users (user_id COLLATE NOCASE);
CREATE INDEX users_by_name_nocase ON users (display_name COLLATE NOCASE);

CREATE TABLE rooms (
    room_id             TEXT PRIMARY KEY,
    title               TEXT NOT NULL,
    description         TEXT NOT NULL,
    thumbnail_url       TEXT NOT NULL,
    metadata_json       TEXT NOT NULL,
    host_user_id        TEXT NOT NULL,
    status              TEXT NOT NULL,
    max_cohosts         INTEGER NOT NULL,
    slow_mode_seconds   INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    live_at             INTEGER,
    ended_at            INTEGER,
    end_reason          TEXT NOT NULL,
    reconnecting_since  INTEGER,
    version             INTEGER NOT NULL
);
-- list_rooms, newest first (SQLite scans these backwards), with and without a status filter.
CREATE INDEX rooms_by_created ON rooms (created_at, room_id);
CREATE INDEX rooms_by_status_created ON rooms (status, created_at, room_id);

CREATE TABLE invitations (
    invitation_id    TEXT PRIMARY KEY,
    room_id          TEXT NOT NULL REFERENCES rooms (room_id),
    inviter_user_id  TEXT NOT NULL,
    invitee_user_id  TEXT NOT NULL,
    status           TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    responded_at     INTEGER,
    reason           TEXT NOT NULL,
    version          INTEGER NOT NULL
);
CREATE INDEX invitations_by_room ON invitations (room_id, created_at, invitation_id);
-- Also the "pending invitations of a room" index of load_room_state (status = 'pending').
CREATE INDEX invitations_by_room_status
    ON invitations (room_id, status, created_at, invitation_id);
CREATE INDEX invitations_by_invitee ON invitations (invitee_user_id, created_at, invitation_id);

-- The primary key (room_id, user_id) is also the "stage by room" index.
CREATE TABLE stage_members (
    room_id              TEXT NOT NULL REFERENCES rooms (room_id),
    user_id              TEXT NOT NULL,
    role                 TEXT NOT NULL,
    state                TEXT NOT NULL,
    can_manage_products  INTEGER NOT NULL,
    camera_on            INTEGER NOT NULL,
    microphone_on        INTEGER NOT NULL,
    joined_at            INTEGER NOT NULL,
    state_since          INTEGER NOT NULL,
    invitation_id        TEXT NOT NULL,
    version              INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;

-- The outbox. AUTOINCREMENT: ids are never reused, even after every row was pruned, so the
-- webhook sender's "last id sent" stays meaningful. UNIQUE (topic, seq) is the replay index.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    topic      TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    type       TEXT NOT NULL,
    room_id    TEXT NOT NULL,
    at         INTEGER NOT NULL,
    data_json  TEXT NOT NULL,
    UNIQUE (topic, seq)
);
CREATE INDEX events_by_at ON events (at);

-- The last seq of every topic ever written; pruning events never touches it.
CREATE TABLE topics (
    topic     TEXT PRIMARY KEY,
    last_seq  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE idempotency (
    user_id     TEXT NOT NULL,
    route       TEXT NOT NULL,
    key         TEXT NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, route, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_by_created ON idempotency (created_at);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
)sql";

constexpr Migration kMigrations[] = {
    {1, kSchemaV1},
    {2, kEngagementSchemaV2},  // engagement tables (sqlite_engagement_schema.cpp)
};

}  // namespace

int latest_schema_version() noexcept { return std::span{kMigrations}.back().version; }

void configure_connection(Database& db, bool in_memory, bool synchronous_full) {
    // journal_mode answers the mode in force: "memory" for `:memory:`, "wal" when it worked.
    const std::string mode = db.query_text("PRAGMA journal_mode=WAL");
    if (!in_memory && mode != "wal") {
        throw StoreError("sqlite: cannot enable WAL (journal_mode is '" + mode + "')");
    }
    // NORMAL in WAL mode: a commit is atomic and consistent, and may be lost (not corrupted) on
    // power failure until the next checkpoint; FULL also fsyncs the WAL on every commit.
    db.exec(synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    db.exec("PRAGMA foreign_keys=ON");
    // File databases then hand checkpoints to a background thread (sqlite_checkpointer.hpp),
    // which turns automatic checkpoints off; this value only applies where that does not run.
    db.exec("PRAGMA wal_autocheckpoint=8192");
    db.exec(("PRAGMA busy_timeout=" + std::to_string(kBusyTimeoutMs)).c_str());
    if (db.query_text("PRAGMA foreign_keys") != "1") {
        throw StoreError("sqlite: foreign keys are not supported by this SQLite build");
    }
}

void migrate(Database& db) {
    Transaction tx(db, Transaction::Mode::Immediate);
    const int current = std::stoi(db.query_text("PRAGMA user_version"));
    const int latest = latest_schema_version();
    if (current > latest) {
        throw StoreError("sqlite: schema version " + std::to_string(current) +
                         " is newer than this build's " + std::to_string(latest));
    }
    if (current == latest) {
        return;  // the transaction rolls back: nothing was written
    }
    for (const Migration& m : kMigrations) {
        if (m.version > current) {
            db.exec(m.sql);
        }
    }
    // user_version lives in the file header and is written inside this transaction.
    db.exec(("PRAGMA user_version=" + std::to_string(latest)).c_str());
    tx.commit();
}

}  // namespace cohost::server::store::detail
