// Per-second reaction aggregation and the per-user rate limit (product.md §7, §10).
#include <algorithm>

#include "cohost/server/rooms/engagement.hpp"

namespace cohost::server::rooms {

namespace {

/// The wall-clock second `t` falls in (floor, also before the epoch).
std::int64_t second_of(TimePoint t) noexcept {
    const auto ms = core::to_unix_ms(t);
    return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

}  // namespace

std::optional<Error> ReactionAggregator::add(const std::string& room_id, const std::string& user_id,
                                             std::string_view reaction, TimePoint now) {
    const auto& set = policy_.reactions;
    if (std::find(set.begin(), set.end(), reaction) == set.end()) {
        return invalid("reaction", "unknown reaction");
    }
    const std::int64_t second = second_of(now);
    Window& w = per_user_[user_id];
    if (w.second != second) {
        w = Window{second, 0};
    }
    if (w.count >= policy_.reactions_per_user_per_second) {
        return make_error(Errc::RateLimited, "too many reactions",
                          {{"limitPerSecond", policy_.reactions_per_user_per_second}});
    }
    ++w.count;
    ++open_[Key{room_id, second}][std::string(reaction)];
    return std::nullopt;
}

std::vector<ReactionAggregator::Burst> ReactionAggregator::drain(TimePoint now) {
    const std::int64_t current = second_of(now);
    std::vector<Burst> out;
    // Keys sort by second first: everything before the current second is closed.
    auto it = open_.begin();
    while (it != open_.end() && it->first.second < current) {
        Burst b;
        b.room_id = it->first.room_id;
        b.from = core::from_unix_ms(it->first.second * 1000);
        b.to = b.from + std::chrono::seconds(1);
        b.counts = std::move(it->second);
        out.push_back(std::move(b));
        it = open_.erase(it);
    }
    std::erase_if(per_user_, [current](const auto& kv) { return kv.second.second < current; });
    return out;
}

}  // namespace cohost::server::rooms
