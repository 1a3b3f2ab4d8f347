#pragma once
/// \file Row <-> struct mapping of the SQLite store. Each `k*Columns` list is the column order
/// that the matching `read_*` expects (select exactly that list, first); each `bind_*` binds the
/// entity's fields, version excluded, to parameters ?1..?N in that same order, so an INSERT
/// and a CAS UPDATE share the binding (the UPDATE's key is ?1, its expected version ?N+1).
/// Column conventions are described at the top of sqlite_schema.cpp.
#include <string>

#include "cohost/server/store/store.hpp"
#include "sqlite_db.hpp"

namespace cohost::server::store::detail {

inline constexpr const char* kUserColumns =
    "user_id, display_name, avatar_url, created_at, updated_at";
inline constexpr int kUserFields = 5;

inline constexpr const char* kRoomColumns =
    "room_id, title, description, thumbnail_url, metadata_json, host_user_id, status, "
    "max_cohosts, slow_mode_seconds, created_at, live_at, ended_at, end_reason, "
    "reconnecting_since, version";
inline constexpr int kRoomFields = 14;  ///< bound by bind_room (all but version)

inline constexpr const char* kInvitationColumns =
    "invitation_id, room_id, inviter_user_id, invitee_user_id, status, created_at, expires_at, "
    "responded_at, reason, version";
inline constexpr int kInvitationFields = 9;

inline constexpr const char* kMemberColumns =
    "room_id, user_id, role, state, can_manage_products, camera_on, microphone_on, joined_at, "
    "state_since, invitation_id, version";
inline constexpr int kMemberFields = 10;

inline constexpr const char* kEventColumns = "id, topic, seq, type, room_id, at, data_json";

inline constexpr const char* kIdempotencyColumns = "user_id, route, key, status, body, created_at";
inline constexpr int kIdempotencyFields = 6;

void bind_user(Statement& stmt, const User& user);
void bind_room(Statement& stmt, const Room& room);
void bind_invitation(Statement& stmt, const Invitation& inv);
void bind_member(Statement& stmt, const StageMember& member);
void bind_idempotency(Statement& stmt, const IdempotencyRecord& record);

/// The read_* functions throw `StoreError` on an enum value this build does not know (a file
/// written by a newer build, or edited by hand).
[[nodiscard]] User read_user(const Statement& row);
[[nodiscard]] Room read_room(const Statement& row);
[[nodiscard]] Invitation read_invitation(const Statement& row);
[[nodiscard]] StageMember read_member(const Statement& row);
[[nodiscard]] StoredEvent read_event(const Statement& row);
[[nodiscard]] IdempotencyRecord read_idempotency(const Statement& row);

}  // namespace cohost::server::store::detail
