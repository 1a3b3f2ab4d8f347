#pragma once
/// \file A bounded cache of verified bearer tokens (issue 7: a client sends the same bearer for
/// hours, and HMAC + base64 + the claims' JSON parse was 18.7 % of a reaction's CPU).
///
/// Only tokens that passed full verification are stored, keyed on the **whole token string**:
/// a lookup compares every byte, so a hit means exactly these bytes were verified before (a token
/// with another signature, payload or header is a different key and misses). An entry is used
/// only while `now < expires_at`, which the caller sets to the token's `exp` (never later), so
/// the cache never extends a token's life. Refusals are never stored (a forger cannot fill it).
/// At most `capacity` entries; the least recently used one goes first. Capacity 0 disables it.
/// Thread-safe (one mutex): the authenticator may be called from several threads.
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cohost/core/time.hpp"

namespace cohost::server::app {

template <class Value>
class TokenCache {
public:
    explicit TokenCache(std::size_t capacity) : capacity_(capacity) {}

    /// The value stored for exactly `token`, if any and `now` is before its expiry. An expired
    /// entry is removed.
    [[nodiscard]] std::optional<Value> find(std::string_view token, core::TimePoint now) {
        if (capacity_ == 0) return std::nullopt;
        std::lock_guard lock(mu_);
        auto it = index_.find(token);
        if (it == index_.end()) {
            ++misses_;
            return std::nullopt;
        }
        if (now >= it->second->expires_at) {
            lru_.erase(it->second);
            index_.erase(it);
            ++misses_;
            return std::nullopt;
        }
        lru_.splice(lru_.begin(), lru_, it->second);  // most recently used first
        ++hits_;
        return it->second->value;
    }

    /// Stores `value` for `token` until `expires_at` (the token's `exp`); evicts the least
    /// recently used entry when full. Does nothing if `expires_at` is not after `now`.
    void put(std::string_view token, Value value, core::TimePoint expires_at, core::TimePoint now) {
        if (capacity_ == 0 || expires_at <= now) return;
        std::lock_guard lock(mu_);
        if (auto it = index_.find(token); it != index_.end()) {
            it->second->value = std::move(value);
            it->second->expires_at = expires_at;
            lru_.splice(lru_.begin(), lru_, it->second);
            return;
        }
        while (lru_.size() >= capacity_) {
            index_.erase(std::string_view(lru_.back().token));
            lru_.pop_back();
        }
        lru_.push_front(Entry{std::string(token), std::move(value), expires_at});
        // The key views the entry's own string; list nodes never move.
        index_.emplace(std::string_view(lru_.front().token), lru_.begin());
    }

    /// Drops every entry (e.g. when the signing secret changes).
    void clear() {
        std::lock_guard lock(mu_);
        index_.clear();
        lru_.clear();
    }

    [[nodiscard]] std::size_t size() const {
        std::lock_guard lock(mu_);
        return lru_.size();
    }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
    [[nodiscard]] std::uint64_t hits() const {
        std::lock_guard lock(mu_);
        return hits_;
    }
    [[nodiscard]] std::uint64_t misses() const {
        std::lock_guard lock(mu_);
        return misses_;
    }

private:
    struct Entry {
        std::string token;
        Value value;
        core::TimePoint expires_at;
    };
    using List = std::list<Entry>;

    const std::size_t capacity_;
    mutable std::mutex mu_;
    List lru_;
    std::unordered_map<std::string_view, typename List::iterator> index_;
    std::uint64_t hits_ = 0;
    std::uint64_t misses_ = 0;
};

}  // namespace cohost::server::app
