#pragma once
/// \file Internal helpers shared by the rooms/ translation units: actor checks, event
/// construction, and a Decision builder that keeps each entity at most once.
#include <string>
#include <string_view>
#include <vector>

#include "cohost/server/rooms/domain.hpp"

namespace cohost::server::rooms::detail {

/// Event type names (product.md §5).
inline constexpr std::string_view kRoomUpdated = "room.updated";
inline constexpr std::string_view kRoomLive = "room.live";
inline constexpr std::string_view kRoomReconnecting = "room.reconnecting";
inline constexpr std::string_view kRoomEnded = "room.ended";
inline constexpr std::string_view kInvitationCreated = "invitation.created";
inline constexpr std::string_view kInvitationAccepted = "invitation.accepted";
inline constexpr std::string_view kInvitationRejected = "invitation.rejected";
inline constexpr std::string_view kInvitationCancelled = "invitation.cancelled";
inline constexpr std::string_view kInvitationExpired = "invitation.expired";
inline constexpr std::string_view kStageJoined = "stage.joined";
inline constexpr std::string_view kStageLive = "stage.live";
inline constexpr std::string_view kStageReconnecting = "stage.reconnecting";
inline constexpr std::string_view kStageLeft = "stage.left";
inline constexpr std::string_view kStageUpdated = "stage.updated";

/// `stage.left` reasons and invitation reasons.
inline constexpr std::string_view kReasonLeft = "left";
inline constexpr std::string_view kReasonRemoved = "removed";
inline constexpr std::string_view kReasonBackstageTimeout = "backstage_timeout";
inline constexpr std::string_view kReasonConnectionLost = "connection_lost";
inline constexpr std::string_view kReasonRoomEnded = "room_ended";
inline constexpr std::string_view kReasonCancelledByHost = "cancelled_by_host";

/// The host of the room, or the app backend (which acts as host on every room).
[[nodiscard]] bool acts_as_host(const RoomState& s, const Actor& a) noexcept;

[[nodiscard]] std::string room_topic(const Room& room);
/// `user:{host}` and `user:{invitee}`, once each.
[[nodiscard]] std::vector<std::string> invitation_topics(const Room& room, const Invitation& inv);

[[nodiscard]] DomainEvent room_event(std::string_view type, const Room& room, TimePoint now);
[[nodiscard]] DomainEvent member_event(std::string_view type, const Room& room,
                                       const StageMember& m, std::string_view reason,
                                       TimePoint now);
[[nodiscard]] DomainEvent invitation_event(std::string_view type, const Room& room,
                                           const Invitation& inv, TimePoint now);

/// Accumulates a Decision. Writes are merged by id: a later write of the same invitation or
/// member replaces the earlier one, and removing a member drops any pending upsert of it, so the
/// store never sees one entity twice (its compare-and-set would fail).
class DecisionBuilder {
public:
    void put_room(const Room& room);
    void put_invitation(const Invitation& inv);
    void put_member(const StageMember& m);
    void remove_member(const StageMember& m);
    void emit(DomainEvent e);
    [[nodiscard]] Decision take() && { return std::move(decision_); }

private:
    Decision decision_;
};

/// Removes `user_id` from `w.stage` (if present), records the delete and emits `stage.left`.
void release_member(DecisionBuilder& b, RoomState& w, std::string_view user_id,
                    std::string_view reason, TimePoint now);

/// Marks a pending invitation `expired`, drops it from `w.pending`, emits `invitation.expired`.
void expire_invitation(DecisionBuilder& b, RoomState& w, std::string_view invitation_id,
                       TimePoint now);

/// Ends the room held in `w` (no-op if already ended): cancels pending invitations, releases
/// co-hosts, sets the host offline, emits `room.ended` last. Updates `w` accordingly.
void end_room_into(DecisionBuilder& b, RoomState& w, EndReason reason, TimePoint now);

/// Validation shared by create_room and update_room; nullopt when the value is acceptable.
[[nodiscard]] std::optional<Error> check_title(std::string_view title);
[[nodiscard]] std::optional<Error> check_description(std::string_view description);
[[nodiscard]] std::optional<Error> check_thumbnail_url(std::string_view url);
[[nodiscard]] std::optional<Error> check_metadata(std::string_view metadata_json);
[[nodiscard]] std::optional<Error> check_max_cohosts(int max_cohosts);
[[nodiscard]] std::optional<Error> check_slow_mode(int seconds);

}  // namespace cohost::server::rooms::detail
