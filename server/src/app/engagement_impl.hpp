#pragma once
// EngagementService::Impl, shared by engagement_service.cpp (chat, moderation, reactions,
// viewers, the tick) and engagement_products.cpp (catalogue and room products). Private.
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <set>
#include <unordered_map>

#include "cohost/core/log.hpp"
#include "cohost/server/app/engagement_service.hpp"
#include "engagement_json.hpp"
#include "engagement_viewer_cache.hpp"

namespace cohost::server::app {

struct EngagementService::Impl {
    static constexpr int kMaxCommitAttempts = 5;

    boost::asio::io_context& ioc;
    store::Store& store;
    store::EngagementStore& es;
    const core::Clock& clock;
    EngagementOptions opts;
    EventPublisher publish;
    rooms::ReactionAggregator reactions;
    boost::asio::steady_timer timer;
    bool stopped = true;
    std::shared_ptr<spdlog::logger> log = core::logger("engagement");

    /// Per room: user → number of live subscriptions and since when.
    struct Watch {
        int subscriptions = 0;
        core::TimePoint since{};
    };
    std::unordered_map<std::string, std::map<std::string, Watch>> watching;
    /// Last `viewers.count` emitted per room (rooms absent: 0 / never).
    std::unordered_map<std::string, std::int64_t> last_count;
    /// Rooms whose count may have changed since the last tick.
    std::set<std::string> dirty;
    EngagementStats stats;
    ViewerCache viewer_cache;

    Impl(boost::asio::io_context& i, store::Store& s, store::EngagementStore& e,
         const core::Clock& c, EngagementOptions o, EventPublisher p)
        : ioc(i),
          store(s),
          es(e),
          clock(c),
          opts(std::move(o)),
          publish(std::move(p)),
          reactions(opts.policy),
          timer(i),
          viewer_cache(opts.viewer_cache_ttl, opts.viewer_cache_entries) {}

    UserLookup users() {
        return [this](const std::string& id) { return store.get_user(id); };
    }
    ProductsOf products_of() {
        return [this](const rooms::RoomProducts& rp) {
            auto found = es.get_products(rp.product_ids);
            std::vector<rooms::Product> ordered;
            for (const auto& id : rp.product_ids) {
                for (auto& p : found) {
                    if (p.product_id == id) ordered.push_back(p);
                }
            }
            return ordered;
        };
    }

    rooms::RoomState load(const std::string& room_id);
    /// Commits `c` plus the rendered `events`; false on a conflict. Publishes on success.
    bool commit(store::EngagementChangeset c, const std::vector<rooms::EngagementEvent>& events,
                store::EngagementCommitResult* out = nullptr);
    void schedule();
    /// Emits the bursts of closed seconds and the changed viewer counts, in one commit.
    void tick_impl();
    /// Current watchers of `room_id` minus its stage members, ordered by user id.
    std::vector<Viewer> viewers_of(const std::string& room_id);
};

[[noreturn]] void engagement_refuse(rooms::Error e);

template <class T>
T engagement_value(rooms::Outcome<T>&& o) {
    if (!o) engagement_refuse(std::move(o.error()));
    return std::move(*o);
}

}  // namespace cohost::server::app
