#pragma once
/// \file Schema version 2 of the SQLite store: the engagement tables (docs/engagement.md).
/// Listed in `kMigrations` of sqlite_schema.cpp.

namespace cohost::server::store::detail {

/// The SQL of migration 2 (chat, moderation, catalogue, room products, product counters).
extern const char kEngagementSchemaV2[];

}  // namespace cohost::server::store::detail
