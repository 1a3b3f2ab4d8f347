#pragma once
/// \file RoomService: the control plane's command pipeline. For each command it loads the room's
/// state from the store, asks the pure domain (`rooms/domain.hpp`) for a decision, commits the
/// decision and its rendered events in one transaction (outbox), publishes the committed events
/// to the realtime hub, and re-arms the room's timer from the new state.
///
/// Threading: the control thread only. Commands run one after another, so within one process the
/// domain sees a consistent state; the store's compare-and-set still guards every write (and a
/// conflicting commit is retried from a fresh load) so several nodes can share a store later.
/// Refusals are thrown as `rooms::ErrorException` and mapped once at the HTTP edge.
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cohost/core/clock.hpp"
#include "cohost/server/app/json_codec.hpp"
#include "cohost/server/rooms/domain.hpp"
#include "cohost/server/store/store.hpp"

namespace cohost::server::app {

/// Receives committed events, in commit order (the realtime hub).
using EventPublisher = std::function<void(const std::vector<store::StoredEvent>&)>;

/// A reply that may come from the idempotency store: the exact status and body.
struct StoredReply {
    int status = 200;
    std::string body;
};

/// Identifies an `Idempotency-Key` request (product.md §10).
struct IdempotencyKey {
    std::string user_id;
    std::string route;
    std::string key;
};

/// A fact the media server reports about one participant (or the whole media room).
enum class MediaFact : std::uint8_t {
    ParticipantJoined,
    TrackPublished,
    TrackUnpublished,
    ParticipantLeft,
    RoomFinished,
};

/// What `RoomService::apply_media` did with a fact.
enum class MediaOutcome : std::uint8_t {
    UnknownRoom,  ///< no such cohost room (another app's media room, or a typo)
    RoomEnded,    ///< the room is over; nothing changes any more
    NotOnStage,   ///< the identity is not a stage member (a viewer, a released co-host, a stranger)
    Unchanged,    ///< applied, but the state already said so (a repeat, a no-op fact)
    Applied,      ///< a transition was committed and its events published
};

struct ServiceOptions {
    rooms::Policy policy;
    int retention_events = 1000;
    std::chrono::seconds retention_age{600};
    std::chrono::hours idempotency_ttl{24};
    std::chrono::seconds maintenance_interval{30};
    /// Outbox rows that pruning must keep (the webhook sender's undelivered events); called on
    /// each maintenance run. Empty = no hold.
    std::function<store::OutboxHold()> outbox_hold;
};

class RoomService {
public:
    /// `store` and `clock` must outlive the service.
    RoomService(boost::asio::io_context& ioc, store::Store& store, const core::Clock& clock,
                ServiceOptions opts, EventPublisher publish);
    ~RoomService();
    RoomService(const RoomService&) = delete;
    RoomService& operator=(const RoomService&) = delete;

    /// Re-arms the timers of every active room from the store (deadlines already past fire at
    /// once) and starts periodic pruning of old events and idempotency records.
    void start();
    /// Cancels every timer; call before the io_context stops.
    void stop();

    // ---- users ------------------------------------------------------------------------------
    /// Creates the user on first sight, or updates its display name when the token's differs.
    rooms::User ensure_user(const std::string& user_id, const std::string& display_name);
    /// App-backend upsert (`PUT /v1/users/{id}`).
    rooms::User put_user(const std::string& user_id, const std::string& display_name,
                         const std::string& avatar_url);
    [[nodiscard]] std::optional<rooms::User> find_user(const std::string& user_id);
    [[nodiscard]] UserLookup user_lookup();

    // ---- rooms --------------------------------------------------------------------------------
    rooms::Room create_room(const rooms::CreateRoomParams& p, const std::string& host_user_id);
    rooms::Room update_room(const rooms::Actor& a, const std::string& room_id,
                            const rooms::RoomPatch& patch);
    rooms::Room stop_room(const rooms::Actor& a, const std::string& room_id);
    /// The room's state; throws not_found for an unknown room.
    [[nodiscard]] rooms::RoomState load(const std::string& room_id);

    // ---- invitations --------------------------------------------------------------------------
    /// Invites and answers 201 with the invitation; with `idem` a repeat returns the stored reply.
    StoredReply invite(const rooms::Actor& a, const std::string& room_id,
                       const std::string& invitee_id, std::optional<rooms::Duration> expires_in,
                       const std::optional<IdempotencyKey>& idem);
    enum class Response : std::uint8_t { Accept, Reject, Cancel };
    /// Accept / reject / cancel; throws not_found when `a` may not see the invitation.
    rooms::Invitation respond(const rooms::Actor& a, const std::string& invitation_id,
                              Response what);
    /// The invitation if `a` may see it (host of its room, invitee, backend); else not_found.
    [[nodiscard]] rooms::Invitation get_invitation(const rooms::Actor& a,
                                                   const std::string& invitation_id);

    // ---- stage ----------------------------------------------------------------------------------
    void leave_stage(const rooms::Actor& a, const std::string& room_id);
    rooms::StageMember remove_member(const rooms::Actor& a, const std::string& room_id,
                                     const std::string& user_id);
    rooms::StageMember set_permissions(const rooms::Actor& a, const std::string& room_id,
                                       const std::string& user_id, bool can_manage_products);

    /// Applies the timers of `room_id` that are due now (also used by tests and the timer).
    void run_timers(const std::string& room_id);

    // ---- media facts (product.md §6; MediaSync) -----------------------------------------------
    /// Applies one fact reported by the media server to a room through the usual pipeline (load
    /// → `rooms::on_*` → commit → publish → re-arm the timer). `identity` is ignored for
    /// `RoomFinished`; `source` matters only for the track facts. Idempotent: a fact that changes
    /// nothing commits nothing (`Unchanged`). Throws only for store failures and for a
    /// compare-and-set conflict that persists after retries (`rooms::Errc::Conflict`).
    MediaOutcome apply_media(const std::string& room_id, MediaFact fact,
                             const std::string& identity,
                             rooms::TrackSource source = rooms::TrackSource::Other);

    /// Whether the embedded media server may let `identity` join `room_id` now (its token is
    /// valid; this is the domain's word): "" to admit, else why not. Rooms the control plane does
    /// not know (plain LiveKit rooms) admit everyone; an ended room admits nobody; a token that
    /// may publish is admitted only for a member of the stage (host or co-host), so a removed
    /// co-host's old broadcast token is refused before it connects. Throws on store failures.
    [[nodiscard]] std::string media_admission(const std::string& room_id,
                                              const std::string& identity, bool can_publish);

    // ---- stats (for /metrics later) ----------------------------------------------------------
    [[nodiscard]] std::size_t armed_timers() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Applies a committed decision to `s` the way the store did (versions + 1, pending list
/// updated, removed members dropped). Used to re-arm timers without re-reading the store.
void apply_committed(rooms::RoomState& s, const rooms::Decision& d);

}  // namespace cohost::server::app
