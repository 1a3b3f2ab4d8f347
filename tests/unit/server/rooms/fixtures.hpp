#pragma once
// Builders and checks shared by the rooms/ domain tests. States are built by hand (not through
// the commands) so each test starts exactly where it needs to.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "cohost/core/clock.hpp"
#include "cohost/server/rooms/domain.hpp"

namespace cohost::server::rooms::test_support {

using namespace std::chrono_literals;

inline const TimePoint kT0 = core::from_unix_ms(1'790'000'000'000);
inline const std::string kRoomId = "RM_1";
inline const std::string kHost = "host";

/// A room `status` created at kT0 (live ones went live at kT0 + 1 s), host member first. Stored
/// entities carry non-zero versions so tests can check they pass through untouched.
inline RoomState make_state(RoomStatus status = RoomStatus::Idle, int max_cohosts = 4) {
    RoomState s;
    s.room.room_id = kRoomId;
    s.room.title = "Friday live";
    s.room.host_user_id = kHost;
    s.room.status = status;
    s.room.max_cohosts = max_cohosts;
    s.room.created_at = kT0;
    s.room.version = 7;
    StageMember host;
    host.room_id = kRoomId;
    host.user_id = kHost;
    host.role = MemberRole::Host;
    host.state = MemberState::Offline;
    host.joined_at = kT0;
    host.state_since = kT0;
    host.version = 3;
    if (status == RoomStatus::Live || status == RoomStatus::Reconnecting) {
        s.room.live_at = kT0 + 1s;
        host.state = status == RoomStatus::Live ? MemberState::Live : MemberState::Reconnecting;
        host.state_since = kT0 + 1s;
        host.camera_on = status == RoomStatus::Live;
        host.microphone_on = status == RoomStatus::Live;
    }
    if (status == RoomStatus::Reconnecting) {
        s.room.reconnecting_since = kT0 + 10s;
        host.state_since = kT0 + 10s;
    }
    if (status == RoomStatus::Ended) {
        s.room.ended_at = kT0 + 1s;
        s.room.end_reason = EndReason::Stopped;
    }
    s.stage.push_back(host);
    return s;
}

inline StageMember& add_cohost(RoomState& s, const std::string& user_id,
                               MemberState state = MemberState::Backstage,
                               TimePoint since = kT0 + 20s) {
    StageMember m;
    m.room_id = s.room.room_id;
    m.user_id = user_id;
    m.role = MemberRole::Cohost;
    m.state = state;
    m.camera_on = state == MemberState::Live;
    m.microphone_on = state == MemberState::Live;
    m.joined_at = since;
    m.state_since = since;
    m.invitation_id = "IN_" + user_id;
    m.version = 2;
    s.stage.push_back(m);
    return s.stage.back();
}

inline Invitation make_invitation(const std::string& id, const std::string& invitee,
                                  TimePoint created = kT0 + 5s, core::Duration ttl = 120s) {
    Invitation inv;
    inv.invitation_id = id;
    inv.room_id = kRoomId;
    inv.inviter_user_id = kHost;
    inv.invitee_user_id = invitee;
    inv.status = InvitationStatus::Pending;
    inv.created_at = created;
    inv.expires_at = created + ttl;
    inv.version = 1;
    return inv;
}

inline Invitation& add_pending(RoomState& s, const std::string& id, const std::string& invitee,
                               TimePoint created = kT0 + 5s, core::Duration ttl = 120s) {
    s.pending.push_back(make_invitation(id, invitee, created, ttl));
    return s.pending.back();
}

inline User make_user(const std::string& id) {
    User u;
    u.user_id = id;
    u.display_name = "User " + id;
    return u;
}

inline Actor host_actor() { return Actor::user(kHost); }

inline std::vector<std::string> event_types(const Decision& d) {
    std::vector<std::string> out;
    for (const auto& e : d.events) {
        out.push_back(e.type);
    }
    return out;
}

inline std::string room_topic() { return "room:" + kRoomId; }

/// The store compares-and-sets each entity once: a Decision must never name one twice, neither
/// within a list nor as both an upsert and a delete.
inline void expect_each_entity_once(const Decision& d) {
    std::set<std::string> invitations;
    for (const auto& inv : d.invitations) {
        EXPECT_TRUE(invitations.insert(inv.invitation_id).second) << inv.invitation_id;
    }
    std::set<std::string> members;
    for (const auto& m : d.members) {
        EXPECT_TRUE(members.insert(m.user_id).second) << m.user_id;
    }
    for (const auto& m : d.removed_members) {
        EXPECT_TRUE(members.insert(m.user_id).second) << m.user_id;
    }
}

/// Every event is stamped `now` and carries the room.
inline void expect_events_at(const Decision& d, TimePoint now) {
    for (const auto& e : d.events) {
        EXPECT_EQ(e.at, now) << e.type;
        EXPECT_EQ(e.room.room_id, kRoomId) << e.type;
    }
}

template <class T>
Errc errc(const Outcome<T>& r) {
    EXPECT_TRUE(r.has_error());
    return r.has_error() ? r.error().code : Errc::Internal;
}

inline const StageMember* find_member(const std::vector<StageMember>& v, const std::string& id) {
    auto it = std::find_if(v.begin(), v.end(), [&](const auto& m) { return m.user_id == id; });
    return it == v.end() ? nullptr : &*it;
}

inline const Invitation* find_invitation(const std::vector<Invitation>& v, const std::string& id) {
    auto it =
        std::find_if(v.begin(), v.end(), [&](const auto& i) { return i.invitation_id == id; });
    return it == v.end() ? nullptr : &*it;
}

}  // namespace cohost::server::rooms::test_support
