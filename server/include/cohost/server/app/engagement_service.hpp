#pragma once
/// \file EngagementService: chat, moderation, reactions, viewers and products (product.md §7;
/// docs/engagement.md). Like RoomService it loads what a command needs from the store, asks the
/// pure domain (`rooms/engagement.hpp`), commits the rows and their rendered events in one
/// transaction (`store::EngagementStore::commit_engagement`) and publishes the committed events.
///
/// Two things are aggregated in memory and emitted once per wall-clock second by one timer:
/// `reactions.burst` (counts per room per second) and `viewers.count` (per room, only when the
/// count changed). Viewers are fed by the realtime hub through `SubscriptionListener`.
///
/// Threading: the control thread only. Refusals are thrown as `rooms::ErrorException`.
#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cohost/core/clock.hpp"
#include "cohost/server/app/room_service.hpp"
#include "cohost/server/realtime/hub.hpp"
#include "cohost/server/rooms/engagement.hpp"
#include "cohost/server/store/engagement_store.hpp"

namespace cohost::server::app {

struct EngagementOptions {
    rooms::EngagementPolicy policy;
    /// How often bursts and viewer counts are emitted (aligned to wall-clock seconds at 1 s).
    std::chrono::milliseconds tick{1000};
    /// `check_viewer` answers from memory (engagement_viewer_cache.hpp); an entry read from the
    /// store is trusted this long, which bounds how late another process's ban or room end is
    /// seen (this process's own writes are seen at once). 0 = read the store every time.
    std::chrono::milliseconds viewer_cache_ttl{2000};
    /// At most this many cached rooms and (room, user) moderation rows each.
    std::size_t viewer_cache_entries = 100'000;
};

/// Catalogue fields of `POST /v1/products` (`product_id` empty = generate) and of `PATCH`
/// (only the fields set change).
struct ProductInput {
    std::optional<std::string> product_id, name, url, price, currency, image_url;
    std::optional<rooms::ProductStatus> status;
};

/// Counters for /metrics (since start).
struct EngagementStats {
    std::uint64_t messages = 0;       ///< chat messages posted
    std::uint64_t reactions = 0;      ///< reactions accepted
    std::uint64_t bursts = 0;         ///< `reactions.burst` events emitted
    std::uint64_t viewer_events = 0;  ///< `viewers.count` events emitted
    std::size_t viewers = 0;          ///< watchers of every room now (stage members included)
};

/// A watcher of a room (a user with a live `room:{id}` subscription, not on stage).
struct Viewer {
    std::string user_id;
    core::TimePoint since{};  ///< when the user's first current subscription started
};

class EngagementService final : public realtime::SubscriptionListener {
public:
    /// `store` must support engagement (`Store::engagement()`, else std::invalid_argument);
    /// `store` and `clock` must outlive the service.
    EngagementService(boost::asio::io_context& ioc, store::Store& store, const core::Clock& clock,
                      EngagementOptions opts, EventPublisher publish);
    ~EngagementService() override;
    EngagementService(const EngagementService&) = delete;
    EngagementService& operator=(const EngagementService&) = delete;

    /// Starts the per-second timer; `stop()` cancels it (call before the io_context stops).
    void start();
    void stop();
    /// Emits what is due now (bursts of closed seconds, changed viewer counts). The timer calls
    /// it; tests call it directly with a manual clock.
    void tick();

    [[nodiscard]] const rooms::EngagementPolicy& policy() const noexcept;
    [[nodiscard]] EngagementStats stats() const;

    // ---- chat ---------------------------------------------------------------------------------
    rooms::ChatMessage post_message(const rooms::Actor& a, const std::string& room_id,
                                    const std::string& text);
    /// Newest page (oldest first within it); banned users are refused.
    [[nodiscard]] store::Page<rooms::ChatMessage> list_messages(const rooms::Actor& a,
                                                                const std::string& room_id,
                                                                int limit,
                                                                const std::string& cursor);
    void delete_message(const rooms::Actor& a, const std::string& room_id,
                        const std::string& message_id);
    rooms::Moderation moderate(const rooms::Actor& a, const std::string& room_id,
                               const rooms::ModerationCommand& cmd);
    /// nullopt when `a` may engage with the room (watch, chat, react); else the refusal
    /// (not_found, room_ended when `allow_ended` is false, banned).
    [[nodiscard]] std::optional<rooms::Error> check_viewer(const rooms::Actor& a,
                                                           const std::string& room_id,
                                                           bool allow_ended);
    /// RoomService committed `events`: forgets what the viewer cache knows of their rooms, so
    /// a room's end holds for the very next check. Call it synchronously after each commit
    /// (server.cpp wraps RoomService's publisher), before the events are durable.
    void on_room_changed(const std::vector<store::StoredEvent>& events);

    // ---- reactions ----------------------------------------------------------------------------
    void react(const rooms::Actor& a, const std::string& room_id, const std::string& reaction);

    // ---- viewers ------------------------------------------------------------------------------
    void on_subscribed(const rooms::Actor& actor, const std::string& topic) override;
    void on_unsubscribed(const rooms::Actor& actor, const std::string& topic) override;
    /// Current viewers (stage members left out), ordered by user id.
    [[nodiscard]] std::vector<Viewer> viewers(const std::string& room_id);

    // ---- products -----------------------------------------------------------------------------
    rooms::Product create_product(const rooms::Actor& a, const ProductInput& in);
    rooms::Product update_product(const rooms::Actor& a, const std::string& product_id,
                                  const ProductInput& in);
    [[nodiscard]] rooms::Product get_product(const std::string& product_id);
    [[nodiscard]] store::Page<rooms::Product> list_products(const std::string& query, int limit,
                                                            const std::string& cursor);
    rooms::RoomProducts set_room_products(const rooms::Actor& a, const std::string& room_id,
                                          const std::vector<std::string>& ids);
    rooms::RoomProducts pin(const rooms::Actor& a, const std::string& room_id,
                            const std::string& product_id);
    rooms::RoomProducts unpin(const rooms::Actor& a, const std::string& room_id);
    [[nodiscard]] rooms::RoomProducts room_products(const std::string& room_id);
    /// Counts a view/click once per user, product, room and type; returns whether it counted.
    bool product_event(const rooms::Actor& a, const std::string& room_id,
                       const std::string& product_id, rooms::ProductEventType type);
    /// Host and app backend only (not_host otherwise).
    [[nodiscard]] std::vector<store::ProductStats> product_stats(const rooms::Actor& a,
                                                                 const std::string& room_id);
    /// The products of `p` in list order (archived ones included, unknown ones skipped).
    [[nodiscard]] std::vector<rooms::Product> products_of(const rooms::RoomProducts& p);

    /// The implementation (opaque; named here so the service's translation units can share it).
    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace cohost::server::app
