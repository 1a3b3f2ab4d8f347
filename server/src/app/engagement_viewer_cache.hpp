#pragma once
// What `EngagementService::check_viewer` needs per (room, user) — is the room there, has it
// ended, the user's moderation row — kept in memory instead of two SQLite reads per reaction
// (issue 7: 20 % of a reaction's CPU). Private to the engagement service; control thread only.
//
// Freshness (docs/engagement.md "Viewer cache"):
// - This process's writes: EngagementService drops the (room, user) entry of every moderation
//   row it commits, before the commit returns; RoomService's committed events reach
//   `on_room_changed` (server.cpp) synchronously, before durability, so a ban or a room's end
//   holds for the very next request. Entries are dropped, never patched: the next read goes to
//   the store, which already holds the new row (inside a group-commit batch too).
// - Other processes: only `sqlite://` exists in this build and one cohostd owns a database (it
//   runs the room timers and group commit), but nothing stops a second process from opening the
//   same file, and the PostgreSQL multi-node deployment of architecture.md would have several.
//   Their commits are not seen here, so every entry also expires `ttl` after it was read
//   (`engagement.viewer_cache_ttl`, default 2 s): another process's ban or room end takes
//   effect within `ttl`. When several control nodes exist, their invalidations must travel
//   with the events on the Bus.
// - Expiry of timed mutes and bans needs nothing: the row is kept and `banned_at(now)` /
//   `muted_at(now)` are evaluated at each check.
// Bounded: past `max_entries` moderation entries, all of them are dropped (they reload on use).
#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>

#include "cohost/core/time.hpp"
#include "cohost/server/rooms/engagement.hpp"
#include "cohost/server/rooms/model.hpp"

namespace cohost::server::app {

class ViewerCache {
public:
    struct RoomFacts {
        bool ended = false;
    };

    ViewerCache(std::chrono::milliseconds ttl, std::size_t max_entries)
        : ttl_(ttl), max_entries_(max_entries) {}

    /// The cached facts of `room_id`, or nullopt (never read, stale, or the cache is off).
    [[nodiscard]] std::optional<RoomFacts> room(const std::string& room_id, core::TimePoint now) {
        if (!enabled()) return std::nullopt;
        auto it = rooms_.find(room_id);
        if (it == rooms_.end()) return std::nullopt;
        if (stale(it->second.read_at, now)) {
            rooms_.erase(it);
            return std::nullopt;
        }
        return it->second.facts;
    }
    void put_room(const std::string& room_id, RoomFacts f, core::TimePoint now) {
        if (!enabled()) return;
        if (rooms_.size() >= max_entries_) rooms_.clear();
        rooms_[room_id] = RoomEntry{f, now};
    }

    /// The cached moderation row of (room, user): outer nullopt = not cached; inner nullopt =
    /// the store has no row.
    [[nodiscard]] std::optional<std::optional<rooms::Moderation>> moderation(
        const std::string& room_id, const std::string& user_id, core::TimePoint now) {
        if (!enabled()) return std::nullopt;
        auto it = moderation_.find(key(room_id, user_id));
        if (it == moderation_.end()) return std::nullopt;
        if (stale(it->second.read_at, now)) {
            moderation_.erase(it);
            return std::nullopt;
        }
        return it->second.row;
    }
    void put_moderation(const std::string& room_id, const std::string& user_id,
                        std::optional<rooms::Moderation> row, core::TimePoint now) {
        if (!enabled()) return;
        if (moderation_.size() >= max_entries_) moderation_.clear();
        moderation_[key(room_id, user_id)] = ModerationEntry{std::move(row), now};
    }

    /// A moderation row of (room, user) was written (or may have been).
    void moderation_changed(const std::string& room_id, const std::string& user_id) {
        moderation_.erase(key(room_id, user_id));
    }
    /// The room row may have changed (RoomService committed an event of the room).
    void room_changed(const std::string& room_id) { rooms_.erase(room_id); }

    [[nodiscard]] std::size_t size() const noexcept { return rooms_.size() + moderation_.size(); }

private:
    struct RoomEntry {
        RoomFacts facts;
        core::TimePoint read_at{};
    };
    struct ModerationEntry {
        std::optional<rooms::Moderation> row;
        core::TimePoint read_at{};
    };

    [[nodiscard]] bool enabled() const noexcept { return ttl_.count() > 0 && max_entries_ > 0; }
    /// Stale `ttl` after the read, or when the clock went backwards past it.
    [[nodiscard]] bool stale(core::TimePoint read_at, core::TimePoint now) const noexcept {
        return now >= read_at + ttl_ || now < read_at;
    }
    /// Unambiguous: the key ends with the user id, which never contains '\n' (valid_user_id).
    static std::string key(const std::string& room_id, const std::string& user_id) {
        std::string k;
        k.reserve(room_id.size() + 1 + user_id.size());
        k.append(room_id).push_back('\n');
        k.append(user_id);
        return k;
    }

    std::chrono::milliseconds ttl_;
    std::size_t max_entries_;
    std::unordered_map<std::string, RoomEntry> rooms_;
    std::unordered_map<std::string, ModerationEntry> moderation_;
};

}  // namespace cohost::server::app
