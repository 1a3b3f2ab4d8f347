#pragma once
// MediaSync's state, shared by media_sync.cpp (webhooks, enforcement) and
// media_sync_reconcile.cpp (the reconciler). Private to server/src/app.
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

#include "cohost/core/log.hpp"
#include "cohost/server/app/media_sync.hpp"
#include "cohost/server/app/metrics.hpp"

namespace cohost::server::app {

/// LiveKit's TrackInfo.source name → the domain's source.
[[nodiscard]] rooms::TrackSource track_source(const livekit::TrackInfo& t) noexcept;
/// A participant that publishes or may publish: `canPublish`, or any published track. Hidden
/// subscribe-only viewers are not.
[[nodiscard]] bool may_publish(const livekit::ParticipantInfo& p) noexcept;

struct MediaSync::Impl {
    boost::asio::io_context& ioc;
    RoomService& service;
    store::Store& store;
    const core::Clock& clock;
    std::unique_ptr<livekit::RoomServiceClient> client;
    Metrics* metrics;
    MediaSyncOptions opts;
    std::shared_ptr<spdlog::logger> log = core::logger("media");
    /// Client callbacks hold a weak_ptr to this: expired = the MediaSync is gone.
    std::shared_ptr<int> alive = std::make_shared<int>(0);
    bool stopped = false;
    boost::asio::steady_timer timer;

    // ---- webhook dedup: most recent id first --------------------------------------------------
    std::list<std::string> lru;
    std::unordered_map<std::string, std::list<std::string>::iterator> seen;
    std::uint64_t refused = 0;  ///< webhooks refused so far (rate-limits the log line)

    // ---- reconciler ------------------------------------------------------------------------
    /// Incremented for every verified, non-duplicate webhook naming a room.
    std::uint64_t webhook_seq = 0;
    struct Round {
        std::uint64_t issued = 0;  ///< webhook_seq when ListRooms was issued
        /// Rooms a webhook touched during this round → webhook_seq of the latest one.
        std::unordered_map<std::string, std::uint64_t> touched;
        std::deque<std::string> queue;  ///< rooms waiting for their ListParticipants
        std::size_t in_flight = 0;
        bool listing_rooms = true;
    };
    std::optional<Round> round;
    bool pumping = false;

    Impl(boost::asio::io_context& i, RoomService& s, store::Store& st, const core::Clock& c,
         std::unique_ptr<livekit::RoomServiceClient> cl, Metrics* m, MediaSyncOptions o)
        : ioc(i),
          service(s),
          store(st),
          clock(c),
          client(std::move(cl)),
          metrics(m),
          opts(std::move(o)),
          timer(i) {}

    void inc(std::string_view name, const Labels& labels = {}) {
        if (metrics != nullptr) metrics->inc(name, labels);
    }
    void repaired(std::string_view kind) {
        inc("cohost_reconciler_repairs_total", {{"kind", std::string(kind)}});
    }

    // ---- media_sync.cpp --------------------------------------------------------------------
    /// Applies a fact; store failures and conflicts are logged and reported as nullopt.
    std::optional<MediaOutcome> apply_logged(const std::string& room, MediaFact fact,
                                             const std::string& identity,
                                             rooms::TrackSource source);
    void remove_participant(const std::string& room, const std::string& identity,
                            std::string_view why);
    /// RemoveParticipant for a publisher not on stage (counted); false without a client.
    bool remove_uninvited(const std::string& room, const std::string& identity);
    void delete_room(const std::string& room, std::string_view why);
    /// Lists the room's participants and removes the viewer identities of `user`
    /// (`viewer-<user>-<8 chars>`, auth.cpp): a ban disconnects a watching user.
    void remove_viewer(const std::string& room, const std::string& user);
    /// Records that a webhook about `room` was applied (race guard of the reconciler).
    void touch(const std::string& room);

    // ---- media_sync_reconcile.cpp ------------------------------------------------------------
    bool start_round();
    void schedule();
    void on_rooms(livekit::TwirpResult<std::vector<livekit::RoomInfo>> r);
    void pump();
    void on_participants(const std::string& room, std::uint64_t issued,
                         livekit::TwirpResult<std::vector<livekit::ParticipantInfo>> r);
    /// True when a webhook about `room` was applied after `issued`.
    [[nodiscard]] bool touched_after(const std::string& room, std::uint64_t issued) const;
    void reconcile_absent(const std::string& room);
    void reconcile_room(const std::string& room,
                        const std::vector<livekit::ParticipantInfo>& participants);
    void sync_member(const std::string& room, const rooms::StageMember& m,
                     const livekit::ParticipantInfo& p);
};

}  // namespace cohost::server::app
