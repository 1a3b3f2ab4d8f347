#pragma once
/// \file The control plane's entities (product.md §2–§4), as plain values.
///
/// These structs are shared by the pure domain (`rooms/domain.hpp`), the store and the HTTP layer.
/// Every stored entity has a `version`: the value read from the store. The store writes an entity
/// only if the stored version still equals it (compare-and-set) and then stores `version + 1`;
/// version 0 means "new, insert".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cohost/core/time.hpp"

namespace cohost::server::rooms {

using core::Duration;
using core::TimePoint;

struct User {
    std::string user_id;        ///< 1–128 chars of [A-Za-z0-9_.@-]
    std::string display_name;   ///< 1–100 chars
    std::string avatar_url;     ///< ≤ 2,048 chars, may be empty
    TimePoint created_at{};
    TimePoint updated_at{};
};

enum class RoomStatus : std::uint8_t { Idle, Live, Reconnecting, Ended };
/// Why a room ended; `None` while it has not.
enum class EndReason : std::uint8_t { None, Stopped, HostLost, MaxDuration, Expired };

struct Room {
    std::string room_id;          ///< `RM_…`; also the media room name
    std::string title;            ///< 1–200 chars
    std::string description;      ///< ≤ 2,000 chars
    std::string thumbnail_url;    ///< ≤ 2,048 chars
    std::string metadata_json{"{}"};  ///< a JSON object, serialized, ≤ 4 KiB
    std::string host_user_id;
    RoomStatus status = RoomStatus::Idle;
    int max_cohosts = 4;          ///< 1–8
    int slow_mode_seconds = 0;    ///< 0–300
    TimePoint created_at{};
    std::optional<TimePoint> live_at;        ///< first time it went live
    std::optional<TimePoint> ended_at;
    EndReason end_reason = EndReason::None;
    /// When the current `reconnecting` period began (host dropped); drives the reconnect window.
    std::optional<TimePoint> reconnecting_since;
    std::int64_t version = 0;
};

enum class InvitationStatus : std::uint8_t { Pending, Approved, Rejected, Cancelled, Expired };

struct Invitation {
    std::string invitation_id;    ///< `IN_…`
    std::string room_id;
    std::string inviter_user_id;  ///< the host, or empty when the app backend invited
    std::string invitee_user_id;
    InvitationStatus status = InvitationStatus::Pending;
    TimePoint created_at{};
    TimePoint expires_at{};
    std::optional<TimePoint> responded_at;   ///< when it left `pending`
    std::string reason;           ///< e.g. `room_ended` for a cancellation by the room ending
    std::int64_t version = 0;
};

enum class MemberRole : std::uint8_t { Host, Cohost };
/// Host: Offline | Live | Reconnecting. Co-host: Backstage | Live | Reconnecting.
enum class MemberState : std::uint8_t { Offline, Backstage, Live, Reconnecting };

struct StageMember {
    std::string room_id;
    std::string user_id;
    MemberRole role = MemberRole::Cohost;
    MemberState state = MemberState::Backstage;
    bool can_manage_products = false;
    bool camera_on = false;
    bool microphone_on = false;
    TimePoint joined_at{};
    TimePoint state_since{};      ///< when `state` last changed (backstage/grace timers)
    /// The invitation that put this co-host on stage (empty for the host).
    std::string invitation_id;
    std::int64_t version = 0;
};

/// Everything the domain needs to decide about one room: the room, its stage (host first) and
/// its pending invitations. Loaded from the store per command.
struct RoomState {
    Room room;
    std::vector<StageMember> stage;
    std::vector<Invitation> pending;

    [[nodiscard]] const StageMember* member(std::string_view user_id) const noexcept;
    [[nodiscard]] StageMember* member(std::string_view user_id) noexcept;
    [[nodiscard]] int cohosts_on_stage() const noexcept;
    [[nodiscard]] const Invitation* pending_for(std::string_view invitee) const noexcept;
};

// Wire names (product.md): `idle`, `live`, `reconnecting`, `ended`, ...
[[nodiscard]] std::string_view to_string(RoomStatus s) noexcept;
[[nodiscard]] std::string_view to_string(EndReason r) noexcept;   ///< `""` for None
[[nodiscard]] std::string_view to_string(InvitationStatus s) noexcept;
[[nodiscard]] std::string_view to_string(MemberRole r) noexcept;
[[nodiscard]] std::string_view to_string(MemberState s) noexcept;
[[nodiscard]] std::optional<RoomStatus> room_status_from(std::string_view s) noexcept;
[[nodiscard]] std::optional<EndReason> end_reason_from(std::string_view s) noexcept;
[[nodiscard]] std::optional<InvitationStatus> invitation_status_from(std::string_view s) noexcept;
[[nodiscard]] std::optional<MemberRole> member_role_from(std::string_view s) noexcept;
[[nodiscard]] std::optional<MemberState> member_state_from(std::string_view s) noexcept;

}  // namespace cohost::server::rooms
