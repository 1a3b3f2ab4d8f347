#pragma once
/// \file The fixture of the Store contract suite: a typed gtest over the `Store` interface.
///
/// Every implementation adds a factory to `StoreFactories`, and then the whole suite runs against
/// it. A factory has:
///   - `static constexpr const char* kName`: the suffix in test names;
///   - `static constexpr bool kDurable`: whether `reopen()` finds the same data again;
///   - `std::unique_ptr<Store> open()`: a fresh, empty store (called once per test);
///   - `std::unique_ptr<Store> reopen()`: a new connection to the same data (durable only).
/// A PostgreSQL factory (a fresh schema per test) slots in beside the SQLite ones.
#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include <filesystem>
#include <memory>
#include <string>

#include "cohost/core/time.hpp"
#include "cohost/server/store/store.hpp"

namespace cohost::server::store::testing {

using namespace rooms;  // entity and enum names read better unqualified in tests

/// A private in-memory SQLite database per test.
struct SqliteMemoryFactory {
    static constexpr const char* kName = "SqliteMemory";
    static constexpr bool kDurable = false;
    std::unique_ptr<Store> open() { return open_sqlite({":memory:", false}); }
    std::unique_ptr<Store> reopen() { return nullptr; }
};

/// A database file in a private temporary directory, removed (with its -wal/-shm) afterwards.
struct SqliteFileFactory {
    static constexpr const char* kName = "SqliteFile";
    static constexpr bool kDurable = true;

    SqliteFileFactory() {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "cohost-store-XXXXXX").string();
        if (mkdtemp(tmpl.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        dir_ = tmpl;
    }
    ~SqliteFileFactory() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    SqliteFileFactory(const SqliteFileFactory&) = delete;
    SqliteFileFactory& operator=(const SqliteFileFactory&) = delete;

    std::unique_ptr<Store> open() { return open_sqlite({path(), false}); }
    std::unique_ptr<Store> reopen() { return open_sqlite({path(), true}); }
    [[nodiscard]] std::string path() const { return (dir_ / "cohost.sqlite").string(); }

private:
    std::filesystem::path dir_;
};

using StoreFactories = ::testing::Types<SqliteMemoryFactory, SqliteFileFactory>;

/// Test names read `StoreContract/SqliteFile.SeqsStartAtOne`.
struct FactoryName {
    template <class F>
    static std::string GetName(int /*index*/) {
        return F::kName;
    }
};

template <class Factory>
class StoreContractBase : public ::testing::Test {
protected:
    void SetUp() override { store_ = factory_.open(); }
    void TearDown() override { store_.reset(); }

    Store& store() { return *store_; }

    /// Closes the store and opens the same data again; false when the factory is not durable.
    bool reopen() {
        if constexpr (!Factory::kDurable) {
            return false;
        } else {
            store_.reset();
            store_ = factory_.reopen();
            return true;
        }
    }

    /// Commits `c` and expects it to succeed; returns the stored events.
    std::vector<StoredEvent> commit_ok(const Changeset& c) {
        CommitResult r = store_->commit(c);
        EXPECT_EQ(r.status, CommitStatus::Ok);
        return r.events;
    }
    bool conflicts(const Changeset& c) {
        CommitResult r = store_->commit(c);
        EXPECT_TRUE(r.events.empty());
        return r.status == CommitStatus::Conflict;
    }

    Factory factory_;
    std::unique_ptr<Store> store_;
};

// ---- builders -------------------------------------------------------------------------------

constexpr std::int64_t kT0 = 1'790'000'000'000;  // 2026-09-21, unix ms

inline TimePoint at_ms(std::int64_t offset_ms) { return core::from_unix_ms(kT0 + offset_ms); }

inline User make_user(std::string id, std::string name, std::int64_t t = 0) {
    User u;
    u.user_id = std::move(id);
    u.display_name = std::move(name);
    u.created_at = at_ms(t);
    u.updated_at = at_ms(t);
    return u;
}

/// A new room (version 0) whose host is `host`.
inline Room make_room(std::string id, std::int64_t created = 0, std::string host = "host") {
    Room r;
    r.room_id = std::move(id);
    r.title = "Room " + r.room_id;
    r.host_user_id = std::move(host);
    r.created_at = at_ms(created);
    return r;
}

inline Invitation make_invitation(std::string id, std::string room_id, std::string invitee,
                                  std::int64_t created = 0) {
    Invitation i;
    i.invitation_id = std::move(id);
    i.room_id = std::move(room_id);
    i.inviter_user_id = "host";
    i.invitee_user_id = std::move(invitee);
    i.created_at = at_ms(created);
    i.expires_at = at_ms(created + 120'000);
    return i;
}

inline StageMember make_member(std::string room_id, std::string user_id, MemberRole role,
                               std::int64_t joined = 0) {
    StageMember m;
    m.room_id = std::move(room_id);
    m.user_id = std::move(user_id);
    m.role = role;
    m.state = role == MemberRole::Host ? MemberState::Offline : MemberState::Backstage;
    m.joined_at = at_ms(joined);
    m.state_since = at_ms(joined);
    return m;
}

inline NewEvent make_event(std::string topic, std::string type = "room.updated",
                           std::int64_t at = 0) {
    return NewEvent{std::move(topic), std::move(type), "RM_1", at_ms(at), R"({"n":1})"};
}

inline Changeset room_changeset(const Room& room) {
    Changeset c;
    c.room = room;
    return c;
}

// ---- field-by-field comparison (the entities have no operator==) ---------------------------

inline void expect_same(const User& want, const User& got) {
    EXPECT_EQ(want.user_id, got.user_id);
    EXPECT_EQ(want.display_name, got.display_name);
    EXPECT_EQ(want.avatar_url, got.avatar_url);
    EXPECT_EQ(want.created_at, got.created_at);
    EXPECT_EQ(want.updated_at, got.updated_at);
}

/// Everything but `version`, which tests check on its own.
inline void expect_same(const Room& want, const Room& got) {
    EXPECT_EQ(want.room_id, got.room_id);
    EXPECT_EQ(want.title, got.title);
    EXPECT_EQ(want.description, got.description);
    EXPECT_EQ(want.thumbnail_url, got.thumbnail_url);
    EXPECT_EQ(want.metadata_json, got.metadata_json);
    EXPECT_EQ(want.host_user_id, got.host_user_id);
    EXPECT_EQ(want.status, got.status);
    EXPECT_EQ(want.max_cohosts, got.max_cohosts);
    EXPECT_EQ(want.slow_mode_seconds, got.slow_mode_seconds);
    EXPECT_EQ(want.created_at, got.created_at);
    EXPECT_EQ(want.live_at, got.live_at);
    EXPECT_EQ(want.ended_at, got.ended_at);
    EXPECT_EQ(want.end_reason, got.end_reason);
    EXPECT_EQ(want.reconnecting_since, got.reconnecting_since);
}

inline void expect_same(const Invitation& want, const Invitation& got) {
    EXPECT_EQ(want.invitation_id, got.invitation_id);
    EXPECT_EQ(want.room_id, got.room_id);
    EXPECT_EQ(want.inviter_user_id, got.inviter_user_id);
    EXPECT_EQ(want.invitee_user_id, got.invitee_user_id);
    EXPECT_EQ(want.status, got.status);
    EXPECT_EQ(want.created_at, got.created_at);
    EXPECT_EQ(want.expires_at, got.expires_at);
    EXPECT_EQ(want.responded_at, got.responded_at);
    EXPECT_EQ(want.reason, got.reason);
}

inline void expect_same(const StageMember& want, const StageMember& got) {
    EXPECT_EQ(want.room_id, got.room_id);
    EXPECT_EQ(want.user_id, got.user_id);
    EXPECT_EQ(want.role, got.role);
    EXPECT_EQ(want.state, got.state);
    EXPECT_EQ(want.can_manage_products, got.can_manage_products);
    EXPECT_EQ(want.camera_on, got.camera_on);
    EXPECT_EQ(want.microphone_on, got.microphone_on);
    EXPECT_EQ(want.joined_at, got.joined_at);
    EXPECT_EQ(want.state_since, got.state_since);
    EXPECT_EQ(want.invitation_id, got.invitation_id);
}

}  // namespace cohost::server::store::testing
