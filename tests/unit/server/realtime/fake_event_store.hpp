#pragma once
// A store::Store fake for the realtime hub tests: only the event outbox is implemented (per-topic
// seq, retention, failure injection); every other method is unused by the hub and throws.
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "cohost/core/time.hpp"
#include "cohost/server/store/store.hpp"

namespace cohost::server::realtime::testing {

class FakeEventStore final : public store::Store {
public:
    /// Appends an event to `topic` with the next seq (as a commit would) and returns it.
    store::StoredEvent append(const std::string& topic, const std::string& type = "room.updated",
                              std::string data_json = R"({"n":1})") {
        store::StoredEvent e;
        e.id = ++last_id_;
        e.topic = topic;
        e.seq = ++seq_[topic];
        e.type = type;
        e.room_id = topic.substr(topic.find(':') + 1);
        e.at = core::from_unix_ms(1'795'000'000'123 + e.id);
        e.data_json = std::move(data_json);
        events_[topic].push_back(e);
        return e;
    }
    /// Forgets events of `topic` with seq < `keep_from` (the seq counter is untouched).
    void prune_below(const std::string& topic, std::int64_t keep_from) {
        auto& v = events_[topic];
        std::erase_if(v, [&](const store::StoredEvent& e) { return e.seq < keep_from; });
    }

    bool fail = false;           ///< event reads throw StoreError
    bool fail_flush = false;     ///< flush_batch throws StoreError (group commit tests)
    int flushes = 0;             ///< batches flushed successfully

    // ---- group commit: only the bookkeeping (app/group_commit tests) ----
    void begin_batch() override { batch_open_ = true; }
    void flush_batch() override {
        if (!batch_open_) return;
        batch_open_ = false;
        if (fail_flush) throw store::StoreError("injected flush failure");
        ++flushes;
    }
    [[nodiscard]] bool batch_open() const override { return batch_open_; }
    int events_after_calls = 0;  ///< how many replay reads the hub made

    // ---- events ----
    std::int64_t topic_seq(const std::string& topic) override {
        check();
        auto it = seq_.find(topic);
        return it == seq_.end() ? 0 : it->second;
    }
    std::vector<store::StoredEvent> events_after(const std::string& topic, std::int64_t after,
                                                 int limit) override {
        check();
        ++events_after_calls;
        std::vector<store::StoredEvent> out;
        for (const auto& e : events_[topic]) {
            if (e.seq > after && static_cast<int>(out.size()) < limit) {
                out.push_back(e);
            }
        }
        return out;
    }
    std::int64_t oldest_retained_seq(const std::string& topic) override {
        check();
        const auto& v = events_[topic];
        return v.empty() ? 0 : v.front().seq;
    }
    std::int64_t prune_events(store::TimePoint, int, const store::OutboxHold&) override {
        unused();
    }
    std::vector<store::StoredEvent> events_after_id(std::int64_t, int) override { unused(); }
    std::int64_t count_events_after_id(std::int64_t) override { unused(); }
    std::int64_t last_event_id() override { unused(); }
    std::int64_t count_stage_members() override { unused(); }

    // ---- everything else: not used by the hub ----
    std::optional<store::User> get_user(const std::string&) override { unused(); }
    store::Page<store::User> search_users(const std::string&, int, const std::string&) override {
        unused();
    }
    std::optional<store::Room> get_room(const std::string&) override { unused(); }
    std::optional<store::RoomState> load_room_state(const std::string&) override { unused(); }
    store::Page<store::Room> list_rooms(std::optional<store::RoomStatus>, int,
                                        const std::string&) override {
        unused();
    }
    std::vector<std::string> active_room_ids() override { unused(); }
    std::optional<store::Invitation> get_invitation(const std::string&) override { unused(); }
    store::Page<store::Invitation> list_room_invitations(const std::string&,
                                                         std::optional<store::InvitationStatus>,
                                                         int, const std::string&) override {
        unused();
    }
    store::Page<store::Invitation> list_user_invitations(const std::string&,
                                                         std::optional<store::InvitationStatus>,
                                                         int, const std::string&) override {
        unused();
    }
    store::CommitResult commit(const store::Changeset&) override { unused(); }
    std::optional<store::IdempotencyRecord> get_idempotency(const std::string&, const std::string&,
                                                            const std::string&) override {
        unused();
    }
    void prune_idempotency(store::TimePoint) override { unused(); }
    std::optional<std::string> get_setting(const std::string&) override { unused(); }
    void put_setting(const std::string&, const std::string&) override { unused(); }

private:
    bool batch_open_ = false;
    [[noreturn]] static void unused() {
        throw std::logic_error("FakeEventStore: not used by the hub");
    }
    void check() const {
        if (fail) {
            throw store::StoreError("disk I/O error (injected)");
        }
    }

    std::int64_t last_id_ = 0;
    std::map<std::string, std::int64_t> seq_;
    std::map<std::string, std::vector<store::StoredEvent>> events_;
};

}  // namespace cohost::server::realtime::testing
