// The RoomState helpers and the wire names of the enums (product.md §2–§4).
#include "cohost/server/rooms/model.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace cohost::server::rooms {

namespace {

// One table per enum keeps to_string and *_from in lockstep.
template <class E, std::size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

constexpr NameTable<RoomStatus, 4> kRoomStatusNames{{
    {RoomStatus::Idle, "idle"},
    {RoomStatus::Live, "live"},
    {RoomStatus::Reconnecting, "reconnecting"},
    {RoomStatus::Ended, "ended"},
}};

constexpr NameTable<EndReason, 5> kEndReasonNames{{
    {EndReason::None, ""},
    {EndReason::Stopped, "stopped"},
    {EndReason::HostLost, "host_lost"},
    {EndReason::MaxDuration, "max_duration"},
    {EndReason::Expired, "expired"},
}};

constexpr NameTable<InvitationStatus, 5> kInvitationStatusNames{{
    {InvitationStatus::Pending, "pending"},
    {InvitationStatus::Approved, "approved"},
    {InvitationStatus::Rejected, "rejected"},
    {InvitationStatus::Cancelled, "cancelled"},
    {InvitationStatus::Expired, "expired"},
}};

constexpr NameTable<MemberRole, 2> kMemberRoleNames{{
    {MemberRole::Host, "host"},
    {MemberRole::Cohost, "cohost"},
}};

constexpr NameTable<MemberState, 4> kMemberStateNames{{
    {MemberState::Offline, "offline"},
    {MemberState::Backstage, "backstage"},
    {MemberState::Live, "live"},
    {MemberState::Reconnecting, "reconnecting"},
}};

template <class E, std::size_t N>
std::string_view name_of(const NameTable<E, N>& table, E value) noexcept {
    for (const auto& [e, name] : table) {
        if (e == value) {
            return name;
        }
    }
    return "unknown";
}

template <class E, std::size_t N>
std::optional<E> value_of(const NameTable<E, N>& table, std::string_view name) noexcept {
    for (const auto& [e, n] : table) {
        if (n == name) {
            return e;
        }
    }
    return std::nullopt;
}

}  // namespace

const StageMember* RoomState::member(std::string_view user_id) const noexcept {
    if (user_id.empty()) {
        return nullptr;
    }
    auto it = std::find_if(stage.begin(), stage.end(),
                           [&](const StageMember& m) { return m.user_id == user_id; });
    return it == stage.end() ? nullptr : &*it;
}

StageMember* RoomState::member(std::string_view user_id) noexcept {
    return const_cast<StageMember*>(std::as_const(*this).member(user_id));
}

int RoomState::cohosts_on_stage() const noexcept {
    return static_cast<int>(std::count_if(stage.begin(), stage.end(), [](const StageMember& m) {
        return m.role == MemberRole::Cohost;
    }));
}

const Invitation* RoomState::pending_for(std::string_view invitee) const noexcept {
    auto it = std::find_if(pending.begin(), pending.end(), [&](const Invitation& inv) {
        return inv.status == InvitationStatus::Pending && inv.invitee_user_id == invitee;
    });
    return it == pending.end() ? nullptr : &*it;
}

std::string_view to_string(RoomStatus s) noexcept { return name_of(kRoomStatusNames, s); }
std::string_view to_string(EndReason r) noexcept { return name_of(kEndReasonNames, r); }
std::string_view to_string(InvitationStatus s) noexcept {
    return name_of(kInvitationStatusNames, s);
}
std::string_view to_string(MemberRole r) noexcept { return name_of(kMemberRoleNames, r); }
std::string_view to_string(MemberState s) noexcept { return name_of(kMemberStateNames, s); }

std::optional<RoomStatus> room_status_from(std::string_view s) noexcept {
    return value_of(kRoomStatusNames, s);
}
std::optional<EndReason> end_reason_from(std::string_view s) noexcept {
    return value_of(kEndReasonNames, s);
}
std::optional<InvitationStatus> invitation_status_from(std::string_view s) noexcept {
    return value_of(kInvitationStatusNames, s);
}
std::optional<MemberRole> member_role_from(std::string_view s) noexcept {
    return value_of(kMemberRoleNames, s);
}
std::optional<MemberState> member_state_from(std::string_view s) noexcept {
    return value_of(kMemberStateNames, s);
}

}  // namespace cohost::server::rooms
