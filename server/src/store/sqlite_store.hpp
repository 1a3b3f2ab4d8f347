#pragma once
/// \file The SQLite implementation of `Store` (private; callers use `open_sqlite`).
///
/// One connection, used from one thread at a time; every statement is prepared once and reused.
/// The implementation is split by concern: sqlite_store.cpp (open, reads, lists, settings),
/// sqlite_commit.cpp (the transactional write path), sqlite_events.cpp (outbox reads, pruning,
/// idempotency), sqlite_stats.cpp (counts for /metrics).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cohost/server/store/engagement_store.hpp"
#include "cohost/server/store/store.hpp"
#include "sqlite_checkpointer.hpp"
#include "sqlite_db.hpp"

namespace cohost::server::store::detail {

class SqliteStore final : public Store, public EngagementStore {
public:
    /// Opens, configures and migrates. Throws `StoreError`.
    explicit SqliteStore(const SqliteOptions& opts);

    std::optional<User> get_user(const std::string& user_id) override;
    Page<User> search_users(const std::string& prefix, int limit,
                            const std::string& cursor) override;

    std::optional<Room> get_room(const std::string& room_id) override;
    std::optional<RoomState> load_room_state(const std::string& room_id) override;
    Page<Room> list_rooms(std::optional<RoomStatus> status, int limit,
                          const std::string& cursor) override;
    std::vector<std::string> active_room_ids() override;
    std::int64_t count_stage_members() override;

    std::optional<Invitation> get_invitation(const std::string& id) override;
    Page<Invitation> list_room_invitations(const std::string& room_id,
                                           std::optional<InvitationStatus> status, int limit,
                                           const std::string& cursor) override;
    Page<Invitation> list_user_invitations(const std::string& invitee,
                                           std::optional<InvitationStatus> status, int limit,
                                           const std::string& cursor) override;

    CommitResult commit(const Changeset& c) override;

    std::int64_t topic_seq(const std::string& topic) override;
    std::vector<StoredEvent> events_after(const std::string& topic, std::int64_t after,
                                          int limit) override;
    std::int64_t oldest_retained_seq(const std::string& topic) override;
    using Store::prune_events;
    std::int64_t prune_events(TimePoint older_than, int keep_per_topic,
                              const OutboxHold& hold) override;
    std::vector<StoredEvent> events_after_id(std::int64_t after_id, int limit) override;
    std::int64_t count_events_after_id(std::int64_t after_id) override;
    std::int64_t last_event_id() override;

    std::optional<IdempotencyRecord> get_idempotency(const std::string& user_id,
                                                     const std::string& route,
                                                     const std::string& key) override;
    void prune_idempotency(TimePoint older_than) override;

    std::optional<std::string> get_setting(const std::string& key) override;
    void put_setting(const std::string& key, const std::string& value) override;

    void begin_batch() override;
    void flush_batch() override;
    [[nodiscard]] bool batch_open() const override { return batch_ != nullptr; }
    void set_write_hook(std::function<void()> hook) override { write_hook_ = std::move(hook); }

    // ---- engagement (sqlite_engagement.cpp, sqlite_engagement_commit.cpp) ----------------------
    EngagementStore* engagement() noexcept override { return this; }
    std::optional<rooms::ChatMessage> get_message(const std::string& room_id,
                                                  const std::string& message_id) override;
    Page<rooms::ChatMessage> list_messages(const std::string& room_id, int limit,
                                           const std::string& cursor) override;
    std::optional<TimePoint> last_message_at(const std::string& room_id,
                                             const std::string& user_id) override;
    std::optional<rooms::Moderation> get_moderation(const std::string& room_id,
                                                    const std::string& user_id) override;
    std::optional<rooms::Product> get_product(const std::string& id) override;
    std::vector<rooms::Product> get_products(const std::vector<std::string>& ids) override;
    Page<rooms::Product> list_products(const std::string& query, int limit,
                                       const std::string& cursor) override;
    rooms::RoomProducts get_room_products(const std::string& room_id) override;
    std::vector<ProductStats> product_stats(const std::string& room_id) override;
    EngagementCommitResult commit_engagement(const EngagementChangeset& c) override;

private:
    /// Newest-first invitations where `key_column` (a constant column name) equals `key`.
    Page<Invitation> list_invitations(const char* key_column, const std::string& key,
                                      std::optional<InvitationStatus> status, int limit,
                                      const std::string& cursor);

    // The write path (sqlite_commit.cpp). Each returns false on a CAS miss; a key clash
    // surfaces as SqliteError::is_key_clash().
    bool apply(const Changeset& c, std::vector<StoredEvent>& appended);
    void upsert_user(const User& user);
    void remember_user(const User& user);
    bool write_room(const Room& room);
    bool write_invitation(const Invitation& inv);
    bool write_member(const StageMember& member);
    bool delete_member(const StageMember& member);
    StoredEvent append_event(const NewEvent& event);
    void insert_idempotency(const IdempotencyRecord& record);
    // Engagement writes (sqlite_engagement_commit.cpp); false on a CAS miss.
    bool apply_engagement(const EngagementChangeset& c, EngagementCommitResult& out);
    bool write_message(rooms::ChatMessage& m);
    bool write_moderation(const rooms::Moderation& m);
    bool write_product(const rooms::Product& p);
    bool write_room_products(const rooms::RoomProducts& p);
    bool count_hit(const rooms::ProductHit& hit);

    Database db_;
    /// The open group-commit batch (begin_batch .. flush_batch), or null.
    std::unique_ptr<Transaction> batch_;
    std::function<void()> write_hook_;
    /// File databases only; declared after `db_` so it stops before the connection closes.
    std::unique_ptr<Checkpointer> checkpointer_;
    /// Users read by `get_user` (every authenticated request reads its user), kept in step by
    /// `upsert_user` after a successful commit. This process is the only writer of a SQLite
    /// file, so the cache cannot go stale. Cleared when it passes kUserCacheMax entries.
    std::unordered_map<std::string, User> user_cache_;
};

}  // namespace cohost::server::store::detail
