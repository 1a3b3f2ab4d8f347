#pragma once
/// \file The Store: one interface over the durable state of the control plane (users, rooms,
/// invitations, stage, the event outbox, idempotency records). SQLite is the embedded default;
/// PostgreSQL will implement the same interface and pass the same contract tests
/// (`tests/unit/server/store/store_contract_test.cpp`).
///
/// Threading: an instance is used from one thread at a time (the control thread). Methods throw
/// `StoreError` only for I/O failures (disk full, corrupt file); expected outcomes are return
/// values.
#include <cstdint>
#include <limits>
#include <memory>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cohost/server/rooms/model.hpp"

namespace cohost::server::store {

using rooms::Invitation;
using rooms::InvitationStatus;
using rooms::Room;
using rooms::RoomState;
using rooms::RoomStatus;
using rooms::StageMember;
using rooms::TimePoint;
using rooms::User;

/// An I/O or schema failure. Fatal at start-up; a 500 inside a request.
class EngagementStore;  // engagement_store.hpp

struct StoreError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// An event to append to the outbox, already rendered. `data_json` is the `data` object.
struct NewEvent {
    std::string topic;   ///< `room:{id}` or `user:{id}`
    std::string type;    ///< `invitation.created`, ...
    std::string room_id; ///< the room it concerns (webhook ordering key); may be empty
    TimePoint at{};
    std::string data_json;
};

/// An event as stored: with its per-topic `seq` (1, 2, 3, ... without gaps) and a global,
/// increasing `id` (outbox order, used by the webhook sender later).
struct StoredEvent {
    std::int64_t id = 0;
    std::string topic;
    std::int64_t seq = 0;
    std::string type;
    std::string room_id;
    TimePoint at{};
    std::string data_json;
};

/// A stored response for `Idempotency-Key` (product.md §10): same user + route + key → same reply.
struct IdempotencyRecord {
    std::string user_id;   ///< empty for the app backend
    std::string route;     ///< e.g. `POST /v1/rooms/RM_x/invitations`
    std::string key;
    int status = 0;
    std::string body;
    TimePoint created_at{};
};

/// Everything one command writes, applied atomically by `commit`.
struct Changeset {
    std::vector<User> users;                   ///< upserts (no CAS: last writer wins)
    std::optional<Room> room;                  ///< CAS on version; 0 = insert
    std::vector<Invitation> invitations;       ///< CAS on version; 0 = insert
    std::vector<StageMember> members;          ///< CAS on version; 0 = insert
    std::vector<StageMember> removed_members;  ///< delete, CAS on version
    std::vector<NewEvent> events;              ///< appended in order, seqs assigned per topic
    std::optional<IdempotencyRecord> idempotency;  ///< insert; a duplicate key is a conflict
};

enum class CommitStatus : std::uint8_t {
    Ok,
    Conflict,  ///< a CAS failed or a duplicate insert: nothing was written
};

struct CommitResult {
    CommitStatus status = CommitStatus::Ok;
    std::vector<StoredEvent> events;  ///< the appended events with ids and seqs (when Ok)
};

/// Outbox rows that `prune_events` must keep although realtime retention would drop them: rows
/// with `id > keep_after_id` (not yet delivered to every webhook URL), unless their `at` is
/// before `unless_before` (older than `webhooks.max_backlog_age`: the sender skips them anyway).
/// The default holds nothing.
struct OutboxHold {
    std::int64_t keep_after_id = std::numeric_limits<std::int64_t>::max();
    TimePoint unless_before{};
};

/// A page of a list, oldest-first or as documented by each method.
template <class T>
struct Page {
    std::vector<T> items;
    std::optional<std::string> next_cursor;  ///< opaque; nullopt at the end
};

class Store {
public:
    virtual ~Store() = default;

    // ---- users --------------------------------------------------------------------------
    [[nodiscard]] virtual std::optional<User> get_user(const std::string& user_id) = 0;
    /// Users whose id or display name starts with `prefix` (case-insensitive), ordered by id.
    [[nodiscard]] virtual Page<User> search_users(const std::string& prefix, int limit,
                                                  const std::string& cursor) = 0;

    // ---- rooms, invitations, stage --------------------------------------------------------
    [[nodiscard]] virtual std::optional<Room> get_room(const std::string& room_id) = 0;
    /// The room, its stage (host first, then by joined_at) and its pending invitations.
    [[nodiscard]] virtual std::optional<RoomState> load_room_state(const std::string& room_id) = 0;
    /// Rooms, newest first; `status` filters when set.
    [[nodiscard]] virtual Page<Room> list_rooms(std::optional<RoomStatus> status, int limit,
                                                const std::string& cursor) = 0;
    /// Ids of every room not `ended` (timers are rebuilt from these at start-up).
    [[nodiscard]] virtual std::vector<std::string> active_room_ids() = 0;
    /// Stage members (hosts and co-hosts, any state) of rooms not `ended` (for /metrics).
    [[nodiscard]] virtual std::int64_t count_stage_members() = 0;

    [[nodiscard]] virtual std::optional<Invitation> get_invitation(const std::string& id) = 0;
    /// A room's invitations, newest first.
    [[nodiscard]] virtual Page<Invitation> list_room_invitations(
        const std::string& room_id, std::optional<InvitationStatus> status, int limit,
        const std::string& cursor) = 0;
    /// Invitations addressed to `invitee`, newest first.
    [[nodiscard]] virtual Page<Invitation> list_user_invitations(
        const std::string& invitee, std::optional<InvitationStatus> status, int limit,
        const std::string& cursor) = 0;

    // ---- writes -----------------------------------------------------------------------------
    /// Applies `c` in one transaction: all of it or nothing (Conflict).
    [[nodiscard]] virtual CommitResult commit(const Changeset& c) = 0;

    // ---- events -----------------------------------------------------------------------------
    /// The last `seq` assigned on `topic` (0 if none).
    [[nodiscard]] virtual std::int64_t topic_seq(const std::string& topic) = 0;
    /// Events on `topic` with seq > `after`, ascending, at most `limit`.
    [[nodiscard]] virtual std::vector<StoredEvent> events_after(const std::string& topic,
                                                                std::int64_t after,
                                                                int limit) = 0;
    /// The smallest `seq` still retained on `topic` (0 if the topic has no retained events).
    [[nodiscard]] virtual std::int64_t oldest_retained_seq(const std::string& topic) = 0;
    /// Deletes events older than `older_than`, and on each topic all but the newest
    /// `keep_per_topic`, except the rows `hold` keeps. Never resets a topic's seq counter.
    /// Returns how many were deleted.
    virtual std::int64_t prune_events(TimePoint older_than, int keep_per_topic,
                                      const OutboxHold& hold) = 0;
    /// The same with no hold.
    std::int64_t prune_events(TimePoint older_than, int keep_per_topic) {
        return prune_events(older_than, keep_per_topic, OutboxHold{});
    }
    /// The outbox in global order: rows with id > `after_id`, ascending by id, at most `limit`
    /// (the webhook sender's read; ids never repeat, see StoredEvent).
    [[nodiscard]] virtual std::vector<StoredEvent> events_after_id(std::int64_t after_id,
                                                                   int limit) = 0;
    /// How many rows have id > `after_id` (the webhook backlog gauge).
    [[nodiscard]] virtual std::int64_t count_events_after_id(std::int64_t after_id) = 0;
    /// The largest event id ever assigned, 0 if none (pruning does not lower it).
    [[nodiscard]] virtual std::int64_t last_event_id() = 0;

    // ---- idempotency ----------------------------------------------------------------------
    [[nodiscard]] virtual std::optional<IdempotencyRecord> get_idempotency(
        const std::string& user_id, const std::string& route, const std::string& key) = 0;
    /// Deletes records created before `older_than`.
    virtual void prune_idempotency(TimePoint older_than) = 0;

    // ---- settings (generated API secret, schema version, ...) ------------------------------
    [[nodiscard]] virtual std::optional<std::string> get_setting(const std::string& key) = 0;
    virtual void put_setting(const std::string& key, const std::string& value) = 0;

    // ---- group commit ---------------------------------------------------------------------
    // While a batch is open, every write (commit, settings, pruning) joins one enclosing
    // transaction; a changeset that conflicts still undoes only itself. Reads through this store
    // see the batch's writes; nothing is durable, nor visible to other connections, until
    // `flush_batch`. The app answers no request and publishes no event of a batch before its
    // flush (app/group_commit.hpp). Stores without batching keep these defaults: every commit is
    // durable on its own.

    /// Opens a batch (no-op when one is open).
    virtual void begin_batch() {}
    /// Makes the open batch durable (no-op when none is open). Throws StoreError on failure;
    /// the batch is then rolled back as a whole.
    virtual void flush_batch() {}
    [[nodiscard]] virtual bool batch_open() const { return false; }
    /// Called at the start of every `commit()` (before its transaction opens), so a group commit
    /// can open a batch lazily. Empty = none.
    virtual void set_write_hook(std::function<void()> hook) { (void)hook; }

    // ---- engagement (engagement_store.hpp) --------------------------------------------------
    /// The engagement tables of this store (same connection, same transactions, same outbox),
    /// or nullptr when this store has none. Owned by the store.
    [[nodiscard]] virtual EngagementStore* engagement() noexcept { return nullptr; }
};

struct SqliteOptions {
    std::string path;              ///< file path, or `:memory:`
    bool synchronous_full = false; ///< `PRAGMA synchronous=FULL` (fsync per commit) vs NORMAL
};

/// Opens (creating and migrating) an SQLite store: WAL, foreign keys, prepared statements.
/// Throws StoreError when the file cannot be opened or migrated.
[[nodiscard]] std::unique_ptr<Store> open_sqlite(const SqliteOptions& opts);

}  // namespace cohost::server::store
