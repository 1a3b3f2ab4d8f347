#pragma once
/// \file The engagement part of the store: chat messages, moderation rows, the product
/// catalogue, room products with their pin, and product view/click counters (docs/engagement.md).
/// A `Store` that supports engagement returns itself from `Store::engagement()`; the SQLite store
/// does. Writes go through `commit_engagement`, which applies the rows and appends the rendered
/// events to the same outbox as `Store::commit`, in one transaction (and joins an open
/// group-commit batch exactly like `Store::commit`).
///
/// Threading and errors: as `Store` (one thread; StoreError for I/O; a malformed cursor throws
/// std::invalid_argument).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cohost/server/rooms/engagement.hpp"
#include "cohost/server/store/store.hpp"

namespace cohost::server::store {

/// Everything one engagement command writes.
struct EngagementChangeset {
    /// Messages with seq 0 are inserted (a new seq is assigned); others update their deletion.
    std::vector<rooms::ChatMessage> messages;
    std::vector<rooms::Moderation> moderation;         ///< CAS on version; 0 = insert
    std::vector<rooms::Product> products;              ///< CAS on version; 0 = insert
    std::optional<rooms::RoomProducts> room_products;  ///< CAS on version; 0 = insert
    /// Counted once per (room, product, user, type): repeats are dropped silently.
    std::vector<rooms::ProductHit> hits;
    std::vector<NewEvent> events;  ///< appended in order, after the rows
};

struct EngagementCommitResult {
    CommitStatus status = CommitStatus::Ok;
    std::vector<StoredEvent> events;           ///< as Store::commit
    std::vector<rooms::ChatMessage> messages;  ///< the messages as stored (with seq)
    int hits_counted = 0;                      ///< hits that were not repeats
};

/// Per product counters of one room; `by_member` credits stage members (see ProductHit).
struct ProductStats {
    std::string product_id;
    std::int64_t views = 0;
    std::int64_t clicks = 0;
    struct Member {
        std::string user_id;
        std::int64_t views = 0;
        std::int64_t clicks = 0;
    };
    std::vector<Member> by_member;  ///< ordered by user id
};

class EngagementStore {
public:
    virtual ~EngagementStore() = default;

    // ---- chat -----------------------------------------------------------------------------------
    [[nodiscard]] virtual std::optional<rooms::ChatMessage> get_message(
        const std::string& room_id, const std::string& message_id) = 0;
    /// Not-deleted messages of a room: the newest `limit` before `cursor` (all when empty),
    /// returned oldest first; `next_cursor` continues to older messages. Cursor: the decimal
    /// seq of the oldest message of the page.
    [[nodiscard]] virtual Page<rooms::ChatMessage> list_messages(const std::string& room_id,
                                                                 int limit,
                                                                 const std::string& cursor) = 0;
    /// When `user_id` last posted in the room (deleted messages included), if ever.
    [[nodiscard]] virtual std::optional<TimePoint> last_message_at(const std::string& room_id,
                                                                   const std::string& user_id) = 0;
    [[nodiscard]] virtual std::optional<rooms::Moderation> get_moderation(
        const std::string& room_id, const std::string& user_id) = 0;

    // ---- catalogue
    // --------------------------------------------------------------------------------
    [[nodiscard]] virtual std::optional<rooms::Product> get_product(const std::string& id) = 0;
    /// The products among `ids` that exist (any order).
    [[nodiscard]] virtual std::vector<rooms::Product> get_products(
        const std::vector<std::string>& ids) = 0;
    /// Products whose name contains `query` (case-insensitive; all when empty), newest first.
    [[nodiscard]] virtual Page<rooms::Product> list_products(const std::string& query, int limit,
                                                             const std::string& cursor) = 0;

    // ---- room products ------------------------------------------------------------------------
    /// The room's list and pin; version 0 and an empty list when none was ever stored.
    [[nodiscard]] virtual rooms::RoomProducts get_room_products(const std::string& room_id) = 0;
    /// Counters of every product that has any in the room, ordered by product id.
    [[nodiscard]] virtual std::vector<ProductStats> product_stats(const std::string& room_id) = 0;

    // ---- writes ---------------------------------------------------------------------------------
    /// Applies `c` in one transaction: all of it or nothing (Conflict on a CAS miss or a key
    /// clash).
    [[nodiscard]] virtual EngagementCommitResult commit_engagement(
        const EngagementChangeset& c) = 0;
};

}  // namespace cohost::server::store
