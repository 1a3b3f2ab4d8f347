#pragma once
/// \file Connection settings and schema migrations of the SQLite store.
#include "sqlite_db.hpp"

namespace cohost::server::store::detail {

/// The schema version this build writes (`PRAGMA user_version` after `migrate`).
[[nodiscard]] int latest_schema_version() noexcept;

/// Sets the per-connection pragmas: WAL (file databases), `synchronous` NORMAL or FULL,
/// `foreign_keys=ON`, a busy timeout. Throws `StoreError` when WAL cannot be enabled on a file.
void configure_connection(Database& db, bool in_memory, bool synchronous_full);

/// Brings the schema to `latest_schema_version()`, applying each missing migration in one
/// IMMEDIATE transaction (all of them or none). Throws `StoreError` on failure, or when the file
/// was written by a newer build (its version is above ours).
void migrate(Database& db);

}  // namespace cohost::server::store::detail
