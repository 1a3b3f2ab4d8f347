#include "topic_index.hpp"

#include <algorithm>

#include "ws_session.hpp"

namespace cohost::server::realtime::detail {

bool TopicIndex::add(WsSession& s, std::uint32_t shard, const std::string& topic,
                     std::int64_t seq) {
    auto it = topics_.find(topic);
    if (it == topics_.end()) {
        auto slot = std::make_unique<TopicSlot>();
        slot->name = topic;
        const std::string_view key = slot->name;
        it = topics_.emplace(key, std::move(slot)).first;
    }
    TopicSlot& slot = *it->second;
    auto& mine = s.subscriptions();
    if (std::find(mine.begin(), mine.end(), &slot) != mine.end()) {
        for (Subscriber& sub : slot.subscribers) {
            if (sub.session == &s) {
                sub.seq = std::max(sub.seq, seq);
                break;
            }
        }
        return false;
    }
    slot.subscribers.push_back(Subscriber{&s, seq, shard});
    mine.push_back(&slot);
    return true;
}

bool TopicIndex::remove(WsSession& s, std::string_view topic) {
    auto it = topics_.find(topic);
    if (it == topics_.end()) {
        return false;
    }
    TopicSlot* slot = it->second.get();
    auto& mine = s.subscriptions();
    auto pos = std::find(mine.begin(), mine.end(), slot);
    if (pos == mine.end()) {
        return false;
    }
    mine.erase(pos);
    erase_subscriber(*slot, s);
    return true;
}

std::vector<std::string> TopicIndex::remove_all(WsSession& s) {
    std::vector<std::string> names;
    auto mine = std::move(s.subscriptions());
    s.subscriptions().clear();
    names.reserve(mine.size());
    for (TopicSlot* slot : mine) {
        names.push_back(slot->name);  // copied first: erase_subscriber may free the slot
        erase_subscriber(*slot, s);
    }
    return names;
}

bool TopicIndex::is_subscribed(WsSession& s, std::string_view topic) noexcept {
    TopicSlot* slot = find(topic);
    const auto& mine = s.subscriptions();
    return slot != nullptr && std::find(mine.begin(), mine.end(), slot) != mine.end();
}

TopicSlot* TopicIndex::find(std::string_view topic) noexcept {
    auto it = topics_.find(topic);
    return it == topics_.end() ? nullptr : it->second.get();
}

std::size_t TopicIndex::subscriber_count(std::string_view topic) const noexcept {
    auto it = topics_.find(topic);
    return it == topics_.end() ? 0 : it->second->subscribers.size();
}

void TopicIndex::erase_subscriber(TopicSlot& slot, const WsSession& s) {
    auto& subs = slot.subscribers;
    for (std::size_t i = 0; i < subs.size(); ++i) {
        if (subs[i].session == &s) {
            // Order across sessions does not matter; each session's own order is its queue's.
            subs[i] = subs.back();
            subs.pop_back();
            break;
        }
    }
    if (subs.empty()) {
        auto it = topics_.find(std::string_view{slot.name});
        topics_.erase(it);  // destroys the slot, whose name is the key: look up first
    }
}

}  // namespace cohost::server::realtime::detail
