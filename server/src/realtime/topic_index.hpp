#pragma once
// Which sessions are subscribed to which topic, in both directions: topic → subscribers (for
// fan-out) and session → topics (for cleanup on unsubscribe/close, kept on the session as a small
// vector of slot pointers). Control thread only; no I/O.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cohost::server::realtime::detail {

class WsSession;

/// One subscription of a session to a topic. `seq` is the highest seq the session has been
/// given on the topic (the `subscribed` seq, the end of its replay, or the last live event);
/// fan-out skips events at or below it, so an event committed before a subscribe but published
/// after it is never delivered twice.
struct Subscriber {
    WsSession* session = nullptr;
    std::int64_t seq = 0;
    /// The session's fan-out shard (Hub's shard index), kept here so that publishing walks one
    /// contiguous vector and never looks the session up.
    std::uint32_t shard = 0;
};

/// A topic with at least one subscriber. Heap-allocated so its address (held by sessions) and its
/// name (the index key) stay stable.
struct TopicSlot {
    std::string name;
    std::vector<Subscriber> subscribers;
};

class TopicIndex {
public:
    TopicIndex() = default;
    TopicIndex(const TopicIndex&) = delete;
    TopicIndex& operator=(const TopicIndex&) = delete;

    /// Subscribes `s` (served by fan-out shard `shard`) to `topic` with watermark `seq`. Returns
    /// true when the subscription is new; an existing one keeps its place and raises its
    /// watermark to `seq` if higher.
    bool add(WsSession& s, std::uint32_t shard, const std::string& topic, std::int64_t seq);
    /// Removes one subscription. Returns false if `s` was not subscribed.
    bool remove(WsSession& s, std::string_view topic);
    /// Removes every subscription of `s`; returns the topic names (for listener callbacks).
    std::vector<std::string> remove_all(WsSession& s);

    [[nodiscard]] bool is_subscribed(WsSession& s, std::string_view topic) noexcept;
    /// The topic's slot, or nullptr when nobody is subscribed.
    [[nodiscard]] TopicSlot* find(std::string_view topic) noexcept;
    [[nodiscard]] std::size_t subscriber_count(std::string_view topic) const noexcept;
    [[nodiscard]] std::size_t topic_count() const noexcept { return topics_.size(); }

private:
    void erase_subscriber(TopicSlot& slot, const WsSession& s);

    std::unordered_map<std::string_view, std::unique_ptr<TopicSlot>> topics_;
};

}  // namespace cohost::server::realtime::detail
