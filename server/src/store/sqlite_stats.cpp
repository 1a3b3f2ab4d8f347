// Counts for /metrics. Each is one aggregate query, run only when the metrics are scraped.
#include "sqlite_store.hpp"

namespace cohost::server::store::detail {

std::int64_t SqliteStore::count_stage_members() {
    // Rooms that end release their stage, so the join is only a safeguard; it walks the
    // stage_members primary key (room_id, user_id) and looks each room up by its key.
    auto stmt = db_.prepare(
        "SELECT COUNT(*) FROM stage_members AS m JOIN rooms AS r ON r.room_id = m.room_id"
        " WHERE r.status IN ('idle', 'live', 'reconnecting')");
    return stmt.step() ? stmt.int64(0) : 0;
}

}  // namespace cohost::server::store::detail
