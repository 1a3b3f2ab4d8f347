// Row <-> struct mapping. Parameter and column indexes follow the k*Columns lists in
// sqlite_rows.hpp; keep the three in step.
#include "sqlite_rows.hpp"

#include <optional>
#include <string_view>

namespace cohost::server::store::detail {

namespace {

template <class E>
E parse_enum(const Statement& row, int column, std::optional<E> (*from)(std::string_view) noexcept,
             const char* what) {
    const std::string name = row.text(column);
    if (auto value = from(name)) {
        return *value;
    }
    throw StoreError(std::string{"sqlite: corrupt row: unknown "} + what + " '" + name + "'");
}

}  // namespace

// ---- bind ---------------------------------------------------------------------------------

void bind_user(Statement& stmt, const User& user) {
    stmt.bind(1, user.user_id)
        .bind(2, user.display_name)
        .bind(3, user.avatar_url)
        .bind(4, user.created_at)
        .bind(5, user.updated_at);
}

void bind_room(Statement& stmt, const Room& room) {
    stmt.bind(1, room.room_id)
        .bind(2, room.title)
        .bind(3, room.description)
        .bind(4, room.thumbnail_url)
        .bind(5, room.metadata_json)
        .bind(6, room.host_user_id)
        .bind(7, rooms::to_string(room.status))
        .bind(8, room.max_cohosts)
        .bind(9, room.slow_mode_seconds)
        .bind(10, room.created_at)
        .bind(11, room.live_at)
        .bind(12, room.ended_at)
        .bind(13, rooms::to_string(room.end_reason))
        .bind(14, room.reconnecting_since);
}

void bind_invitation(Statement& stmt, const Invitation& inv) {
    stmt.bind(1, inv.invitation_id)
        .bind(2, inv.room_id)
        .bind(3, inv.inviter_user_id)
        .bind(4, inv.invitee_user_id)
        .bind(5, rooms::to_string(inv.status))
        .bind(6, inv.created_at)
        .bind(7, inv.expires_at)
        .bind(8, inv.responded_at)
        .bind(9, inv.reason);
}

void bind_member(Statement& stmt, const StageMember& member) {
    stmt.bind(1, member.room_id)
        .bind(2, member.user_id)
        .bind(3, rooms::to_string(member.role))
        .bind(4, rooms::to_string(member.state))
        .bind(5, member.can_manage_products)
        .bind(6, member.camera_on)
        .bind(7, member.microphone_on)
        .bind(8, member.joined_at)
        .bind(9, member.state_since)
        .bind(10, member.invitation_id);
}

void bind_idempotency(Statement& stmt, const IdempotencyRecord& record) {
    stmt.bind(1, record.user_id)
        .bind(2, record.route)
        .bind(3, record.key)
        .bind(4, record.status)
        .bind(5, record.body)
        .bind(6, record.created_at);
}

// ---- read ---------------------------------------------------------------------------------

User read_user(const Statement& row) {
    User user;
    user.user_id = row.text(0);
    user.display_name = row.text(1);
    user.avatar_url = row.text(2);
    user.created_at = row.time(3);
    user.updated_at = row.time(4);
    return user;
}

Room read_room(const Statement& row) {
    Room room;
    room.room_id = row.text(0);
    room.title = row.text(1);
    room.description = row.text(2);
    room.thumbnail_url = row.text(3);
    room.metadata_json = row.text(4);
    room.host_user_id = row.text(5);
    room.status = parse_enum(row, 6, &rooms::room_status_from, "room status");
    room.max_cohosts = row.integer(7);
    room.slow_mode_seconds = row.integer(8);
    room.created_at = row.time(9);
    room.live_at = row.optional_time(10);
    room.ended_at = row.optional_time(11);
    room.end_reason = parse_enum(row, 12, &rooms::end_reason_from, "end reason");
    room.reconnecting_since = row.optional_time(13);
    room.version = row.int64(14);
    return room;
}

Invitation read_invitation(const Statement& row) {
    Invitation inv;
    inv.invitation_id = row.text(0);
    inv.room_id = row.text(1);
    inv.inviter_user_id = row.text(2);
    inv.invitee_user_id = row.text(3);
    inv.status = parse_enum(row, 4, &rooms::invitation_status_from, "invitation status");
    inv.created_at = row.time(5);
    inv.expires_at = row.time(6);
    inv.responded_at = row.optional_time(7);
    inv.reason = row.text(8);
    inv.version = row.int64(9);
    return inv;
}

StageMember read_member(const Statement& row) {
    StageMember member;
    member.room_id = row.text(0);
    member.user_id = row.text(1);
    member.role = parse_enum(row, 2, &rooms::member_role_from, "member role");
    member.state = parse_enum(row, 3, &rooms::member_state_from, "member state");
    member.can_manage_products = row.boolean(4);
    member.camera_on = row.boolean(5);
    member.microphone_on = row.boolean(6);
    member.joined_at = row.time(7);
    member.state_since = row.time(8);
    member.invitation_id = row.text(9);
    member.version = row.int64(10);
    return member;
}

StoredEvent read_event(const Statement& row) {
    StoredEvent event;
    event.id = row.int64(0);
    event.topic = row.text(1);
    event.seq = row.int64(2);
    event.type = row.text(3);
    event.room_id = row.text(4);
    event.at = row.time(5);
    event.data_json = row.text(6);
    return event;
}

IdempotencyRecord read_idempotency(const Statement& row) {
    IdempotencyRecord record;
    record.user_id = row.text(0);
    record.route = row.text(1);
    record.key = row.text(2);
    record.status = row.integer(3);
    record.body = row.text(4);
    record.created_at = row.time(5);
    return record;
}

}  // namespace cohost::server::store::detail
