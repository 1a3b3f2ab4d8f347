// Migration 2: the engagement tables. Conventions as in sqlite_schema.cpp (times in unix ms,
// enums as wire names, '' for empty strings, CAS `version`).
#include "sqlite_engagement_schema.hpp"

namespace cohost::server::store::detail {

extern const char kEngagementSchemaV2[] = R"sql(
-- Chat. `seq` orders a room's history and is the list cursor; message_id is the public id.
CREATE TABLE chat_messages (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id      TEXT NOT NULL UNIQUE,
    room_id         TEXT NOT NULL REFERENCES rooms (room_id),
    author_user_id  TEXT NOT NULL,
    author_role     TEXT NOT NULL,
    text            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    deleted_at      INTEGER,
    deleted_by      TEXT NOT NULL DEFAULT ''
);
-- History pages (live messages only) and slow mode (a user's last post in a room).
CREATE INDEX chat_by_room ON chat_messages (room_id, seq) WHERE deleted_at IS NULL;
CREATE INDEX chat_by_author ON chat_messages (room_id, author_user_id, created_at);

CREATE TABLE moderation (
    room_id       TEXT NOT NULL REFERENCES rooms (room_id),
    user_id       TEXT NOT NULL,
    muted_until   INTEGER,
    banned        INTEGER NOT NULL,
    banned_until  INTEGER,
    updated_at    INTEGER NOT NULL,
    updated_by    TEXT NOT NULL,
    version       INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;

CREATE TABLE products (
    product_id   TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    url          TEXT NOT NULL,
    price_minor  INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    image_url    TEXT NOT NULL,
    status       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL
);
CREATE INDEX products_by_created ON products (created_at, product_id);

-- One row per room: the ordered list, comma-separated (product ids never hold a comma), and the
-- pin ('' = none).
CREATE TABLE room_products (
    room_id            TEXT PRIMARY KEY REFERENCES rooms (room_id),
    product_ids        TEXT NOT NULL,
    pinned_product_id  TEXT NOT NULL,
    version            INTEGER NOT NULL
) WITHOUT ROWID;

-- Dedup of counted views/clicks: one row per (room, product, user, type).
CREATE TABLE product_hits_seen (
    room_id     TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    type        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (room_id, product_id, user_id, type)
) WITHOUT ROWID;

-- Counters; member_user_id '' is the product's total in the room.
CREATE TABLE product_counters (
    room_id         TEXT NOT NULL,
    product_id      TEXT NOT NULL,
    member_user_id  TEXT NOT NULL,
    views           INTEGER NOT NULL,
    clicks          INTEGER NOT NULL,
    PRIMARY KEY (room_id, product_id, member_user_id)
) WITHOUT ROWID;
)sql";

}  // namespace cohost::server::store::detail
