// Rooms (product.md §2): create, update, stop, end.
#include <gtest/gtest.h>

#include <functional>

#include "fixtures.hpp"

namespace cohost::server::rooms {
namespace {

using namespace test_support;

const TimePoint kNow = kT0 + 1h;

CreateRoomParams valid_params() {
    CreateRoomParams p;
    p.title = "Friday live";
    return p;
}

// ---- create_room ----------------------------------------------------------------------------

TEST(CreateRoom, CreatesAnIdleRoomWithTheHostOfflineOnStage) {
    auto r = create_room(valid_params(), kRoomId, kHost, kNow);
    ASSERT_TRUE(r.has_value());
    const Decision& d = *r;
    ASSERT_TRUE(d.room.has_value());
    EXPECT_EQ(d.room->room_id, kRoomId);
    EXPECT_EQ(d.room->host_user_id, kHost);
    EXPECT_EQ(d.room->status, RoomStatus::Idle);
    EXPECT_EQ(d.room->max_cohosts, 4);
    EXPECT_EQ(d.room->slow_mode_seconds, 0);
    EXPECT_EQ(d.room->created_at, kNow);
    EXPECT_FALSE(d.room->live_at);
    EXPECT_FALSE(d.room->ended_at);
    EXPECT_EQ(d.room->end_reason, EndReason::None);
    EXPECT_EQ(d.room->version, 0);
    ASSERT_EQ(d.members.size(), 1U);
    const StageMember& host = d.members.front();
    EXPECT_EQ(host.user_id, kHost);
    EXPECT_EQ(host.room_id, kRoomId);
    EXPECT_EQ(host.role, MemberRole::Host);
    EXPECT_EQ(host.state, MemberState::Offline);
    EXPECT_EQ(host.joined_at, kNow);
    EXPECT_EQ(host.state_since, kNow);
    EXPECT_EQ(host.version, 0);
    EXPECT_TRUE(d.invitations.empty());
    EXPECT_TRUE(d.removed_members.empty());
}

TEST(CreateRoom, EmitsRoomUpdatedOnTheRoomTopic) {
    auto r = create_room(valid_params(), kRoomId, kHost, kNow);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(event_types(*r), std::vector<std::string>{"room.updated"});
    const DomainEvent& e = r->events.front();
    EXPECT_EQ(e.topics, std::vector<std::string>{room_topic()});
    EXPECT_EQ(e.subject, DomainEvent::Subject::Room);
    EXPECT_EQ(e.room.status, RoomStatus::Idle);
    EXPECT_EQ(e.at, kNow);
}

TEST(CreateRoom, KeepsOptionalFields) {
    CreateRoomParams p = valid_params();
    p.description = "desc";
    p.thumbnail_url = "https://img/x.png";
    p.metadata_json = R"({"k":1})";
    p.max_cohosts = 8;
    auto r = create_room(p, kRoomId, kHost, kNow);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->room->description, "desc");
    EXPECT_EQ(r->room->thumbnail_url, "https://img/x.png");
    EXPECT_EQ(r->room->metadata_json, R"({"k":1})");
    EXPECT_EQ(r->room->max_cohosts, 8);
}

TEST(CreateRoom, RefusesWithoutAHost) {
    auto r = create_room(valid_params(), kRoomId, "", kNow);
    EXPECT_EQ(errc(r), Errc::Forbidden);
}

struct FieldCase {
    std::string name;
    std::function<void(CreateRoomParams&)> mutate;
    std::string field;  // empty: accepted
};

std::string utf8_repeat(std::string_view unit, std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        s += unit;
    }
    return s;
}

class CreateRoomFields : public ::testing::TestWithParam<FieldCase> {};

TEST_P(CreateRoomFields, ValidatesEachFieldByItsApiName) {
    CreateRoomParams p = valid_params();
    GetParam().mutate(p);
    auto r = create_room(p, kRoomId, kHost, kNow);
    if (GetParam().field.empty()) {
        EXPECT_TRUE(r.has_value()) << r.error().message;
        return;
    }
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code, Errc::InvalidArgument);
    EXPECT_EQ(r.error().details.at("field").as_string(), GetParam().field);
}

INSTANTIATE_TEST_SUITE_P(
    Table, CreateRoomFields,
    ::testing::Values(
        FieldCase{"EmptyTitle", [](auto& p) { p.title = ""; }, "title"},
        FieldCase{"BlankTitle", [](auto& p) { p.title = " \t\n "; }, "title"},
        FieldCase{"Title201", [](auto& p) { p.title = std::string(201, 'a'); }, "title"},
        FieldCase{"Title200", [](auto& p) { p.title = std::string(200, 'a'); }, ""},
        FieldCase{"Title1", [](auto& p) { p.title = "x"; }, ""},
        FieldCase{"Title200MultibyteChars", [](auto& p) { p.title = utf8_repeat("é", 200); }, ""},
        FieldCase{"Title201MultibyteChars", [](auto& p) { p.title = utf8_repeat("é", 201); },
                  "title"},
        FieldCase{"Description2000", [](auto& p) { p.description = std::string(2000, 'd'); }, ""},
        FieldCase{"Description2001", [](auto& p) { p.description = std::string(2001, 'd'); },
                  "description"},
        FieldCase{"Thumbnail2048", [](auto& p) { p.thumbnail_url = std::string(2048, 'u'); }, ""},
        FieldCase{"Thumbnail2049", [](auto& p) { p.thumbnail_url = std::string(2049, 'u'); },
                  "thumbnailUrl"},
        FieldCase{"Metadata4096Bytes",
                  [](auto& p) { p.metadata_json = "{\"k\":\"" + std::string(4088, 'm') + "\"}"; },
                  ""},
        FieldCase{"Metadata4097Bytes",
                  [](auto& p) { p.metadata_json = "{\"k\":\"" + std::string(4089, 'm') + "\"}"; },
                  "metadata"},
        FieldCase{"MetadataEmpty", [](auto& p) { p.metadata_json = ""; }, "metadata"},
        FieldCase{"MaxCoHosts0", [](auto& p) { p.max_cohosts = 0; }, "maxCoHosts"},
        FieldCase{"MaxCoHosts1", [](auto& p) { p.max_cohosts = 1; }, ""},
        FieldCase{"MaxCoHosts8", [](auto& p) { p.max_cohosts = 8; }, ""},
        FieldCase{"MaxCoHosts9", [](auto& p) { p.max_cohosts = 9; }, "maxCoHosts"},
        FieldCase{"MaxCoHostsNegative", [](auto& p) { p.max_cohosts = -1; }, "maxCoHosts"}),
    [](const auto& param_info) { return param_info.param.name; });

// ---- update_room ----------------------------------------------------------------------------

TEST(UpdateRoom, HostChangesFieldsAndEmitsRoomUpdated) {
    RoomState s = make_state(RoomStatus::Live);
    RoomPatch p;
    p.title = "New title";
    p.slow_mode_seconds = 30;
    auto r = update_room(s, host_actor(), p, kNow);
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->room.has_value());
    EXPECT_EQ(r->room->title, "New title");
    EXPECT_EQ(r->room->slow_mode_seconds, 30);
    EXPECT_EQ(r->room->status, RoomStatus::Live);
    EXPECT_EQ(r->room->version, s.room.version);
    ASSERT_EQ(event_types(*r), std::vector<std::string>{"room.updated"});
    EXPECT_EQ(r->events[0].room.title, "New title");
    EXPECT_EQ(r->events[0].topics, std::vector<std::string>{room_topic()});
    EXPECT_TRUE(r->members.empty());
}

TEST(UpdateRoom, AppBackendMayUpdateAnyRoom) {
    RoomState s = make_state();
    RoomPatch p;
    p.description = "by backend";
    auto r = update_room(s, Actor::backend(), p, kNow);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->room->description, "by backend");
}

TEST(UpdateRoom, RefusesCohostsAndViewersWithNotHost) {
    RoomState s = make_state();
    add_cohost(s, "alice");
    RoomPatch p;
    p.title = "x";
    EXPECT_EQ(errc(update_room(s, Actor::user("alice"), p, kNow)), Errc::NotHost);
    EXPECT_EQ(errc(update_room(s, Actor::user("viewer"), p, kNow)), Errc::NotHost);
}

TEST(UpdateRoom, RefusesAnEndedRoom) {
    RoomState s = make_state(RoomStatus::Ended);
    RoomPatch p;
    p.title = "x";
    EXPECT_EQ(errc(update_room(s, host_actor(), p, kNow)), Errc::RoomEnded);
}

TEST(UpdateRoom, NoOpPatchReturnsEmptyDecision) {
    RoomState s = make_state();
    RoomPatch p;
    p.title = s.room.title;
    p.max_cohosts = s.room.max_cohosts;
    auto r = update_room(s, host_actor(), p, kNow);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->empty());
    auto empty = update_room(s, host_actor(), RoomPatch{}, kNow);
    ASSERT_TRUE(empty.has_value());
    EXPECT_TRUE(empty->empty());
}

struct PatchCase {
    std::string name;
    std::function<void(RoomPatch&)> mutate;
    std::string field;
};

class UpdateRoomFields : public ::testing::TestWithParam<PatchCase> {};

TEST_P(UpdateRoomFields, RefusesInvalidFieldWithoutChangingAnything) {
    RoomState s = make_state();
    RoomPatch p;
    p.description = "valid change that must not be applied";
    GetParam().mutate(p);
    auto r = update_room(s, host_actor(), p, kNow);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code, Errc::InvalidArgument);
    EXPECT_EQ(r.error().details.at("field").as_string(), GetParam().field);
}

INSTANTIATE_TEST_SUITE_P(
    Table, UpdateRoomFields,
    ::testing::Values(
        PatchCase{"EmptyTitle", [](auto& p) { p.title = ""; }, "title"},
        PatchCase{"LongTitle", [](auto& p) { p.title = std::string(201, 't'); }, "title"},
        PatchCase{"LongDescription", [](auto& p) { p.description = std::string(2001, 'd'); },
                  "description"},
        PatchCase{"LongThumbnail", [](auto& p) { p.thumbnail_url = std::string(2049, 'u'); },
                  "thumbnailUrl"},
        PatchCase{"LargeMetadata", [](auto& p) { p.metadata_json = std::string(4097, ' '); },
                  "metadata"},
        PatchCase{"MaxCoHosts0", [](auto& p) { p.max_cohosts = 0; }, "maxCoHosts"},
        PatchCase{"MaxCoHosts9", [](auto& p) { p.max_cohosts = 9; }, "maxCoHosts"},
        PatchCase{"SlowModeNegative", [](auto& p) { p.slow_mode_seconds = -1; }, "slowModeSeconds"},
        PatchCase{"SlowMode301", [](auto& p) { p.slow_mode_seconds = 301; }, "slowModeSeconds"}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(UpdateRoom, AcceptsSlowModeBounds) {
    RoomState s = make_state();
    for (int v : {0, 300}) {
        RoomPatch p;
        p.slow_mode_seconds = v;
        auto r = update_room(s, host_actor(), p, kNow);
        EXPECT_TRUE(r.has_value()) << v;
    }
}

TEST(UpdateRoom, RefusesLoweringMaxCoHostsBelowStagePlusPending) {
    RoomState s = make_state(RoomStatus::Live, 4);
    add_cohost(s, "alice");
    add_cohost(s, "bob", MemberState::Live);
    add_pending(s, "IN_c", "carol");
    RoomPatch p;
    p.max_cohosts = 2;
    auto r = update_room(s, host_actor(), p, kNow);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code, Errc::StageFull);
    EXPECT_EQ(r.error().details.at("maxCoHosts").as_int64(), 2);
}

TEST(UpdateRoom, AllowsLoweringMaxCoHostsToExactlyStagePlusPending) {
    RoomState s = make_state(RoomStatus::Live, 4);
    add_cohost(s, "alice");
    add_pending(s, "IN_c", "carol");
    RoomPatch p;
    p.max_cohosts = 2;
    auto r = update_room(s, host_actor(), p, kNow);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->room->max_cohosts, 2);
}

// ---- stop_room / end_room -------------------------------------------------------------------

TEST(StopRoom, HostStopsWithReasonStopped) {
    RoomState s = make_state(RoomStatus::Live);
    auto r = stop_room(s, host_actor(), kNow);
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->room.has_value());
    EXPECT_EQ(r->room->status, RoomStatus::Ended);
    EXPECT_EQ(r->room->end_reason, EndReason::Stopped);
    EXPECT_EQ(r->room->ended_at, kNow);
    EXPECT_EQ(event_types(*r).back(), "room.ended");
}

TEST(StopRoom, AppBackendMayStopAnyRoom) {
    RoomState s = make_state(RoomStatus::Idle);
    auto r = stop_room(s, Actor::backend(), kNow);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->room->end_reason, EndReason::Stopped);
}

TEST(StopRoom, RefusesCohostWithNotHost) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Live);
    EXPECT_EQ(errc(stop_room(s, Actor::user("alice"), kNow)), Errc::NotHost);
}

TEST(StopRoom, RefusesAnEndedRoomWithRoomEnded) {
    RoomState s = make_state(RoomStatus::Ended);
    EXPECT_EQ(errc(stop_room(s, host_actor(), kNow)), Errc::RoomEnded);
}

TEST(EndRoom, CancelsPendingReleasesCohostsAndEmitsRoomEndedLast) {
    RoomState s = make_state(RoomStatus::Live);
    add_cohost(s, "alice", MemberState::Live);
    add_cohost(s, "bob", MemberState::Backstage);
    add_pending(s, "IN_c", "carol");
    Decision d = end_room(s, EndReason::Stopped, kNow);

    EXPECT_EQ(event_types(d), (std::vector<std::string>{"invitation.cancelled", "stage.left",
                                                        "stage.left", "room.ended"}));
    expect_each_entity_once(d);
    expect_events_at(d, kNow);
    for (const auto& e : d.events) {
        EXPECT_EQ(e.room.status, RoomStatus::Ended) << e.type;
    }
    ASSERT_EQ(d.invitations.size(), 1U);
    EXPECT_EQ(d.invitations[0].status, InvitationStatus::Cancelled);
    EXPECT_EQ(d.invitations[0].reason, "room_ended");
    EXPECT_EQ(d.invitations[0].responded_at, kNow);
    EXPECT_EQ(d.invitations[0].version, 1);
    EXPECT_EQ(d.events[0].topics, (std::vector<std::string>{"user:host", "user:carol"}));
    EXPECT_EQ(d.events[0].invitation->status, InvitationStatus::Cancelled);

    ASSERT_EQ(d.removed_members.size(), 2U);
    EXPECT_EQ(d.removed_members[0].user_id, "alice");
    EXPECT_EQ(d.removed_members[1].user_id, "bob");
    EXPECT_EQ(d.removed_members[0].version, 2);
    for (int i : {1, 2}) {
        EXPECT_EQ(d.events[i].reason, "room_ended");
        EXPECT_EQ(d.events[i].topics, std::vector<std::string>{room_topic()});
        EXPECT_EQ(d.events[i].subject, DomainEvent::Subject::Member);
    }
}

TEST(EndRoom, SetsTheHostOfflineWithMediaOff) {
    RoomState s = make_state(RoomStatus::Live);
    Decision d = end_room(s, EndReason::MaxDuration, kNow);
    const StageMember* host = find_member(d.members, kHost);
    ASSERT_NE(host, nullptr);
    EXPECT_EQ(host->state, MemberState::Offline);
    EXPECT_FALSE(host->camera_on);
    EXPECT_FALSE(host->microphone_on);
    EXPECT_EQ(host->state_since, kNow);
    EXPECT_EQ(host->version, 3);
    EXPECT_EQ(find_member(d.removed_members, kHost), nullptr);
}

TEST(EndRoom, LeavesAnAlreadyOfflineHostUntouched) {
    RoomState s = make_state(RoomStatus::Idle);
    Decision d = end_room(s, EndReason::Expired, kNow);
    EXPECT_TRUE(d.members.empty());
    EXPECT_EQ(d.room->end_reason, EndReason::Expired);
    EXPECT_EQ(event_types(d), std::vector<std::string>{"room.ended"});
}

TEST(EndRoom, ClearsReconnectingSinceAndKeepsLiveAt) {
    RoomState s = make_state(RoomStatus::Reconnecting);
    Decision d = end_room(s, EndReason::HostLost, kNow);
    ASSERT_TRUE(d.room.has_value());
    EXPECT_FALSE(d.room->reconnecting_since);
    EXPECT_EQ(d.room->live_at, s.room.live_at);
    EXPECT_EQ(d.room->end_reason, EndReason::HostLost);
    EXPECT_EQ(d.room->version, s.room.version);
}

TEST(EndRoom, DoesNothingToAnEndedRoom) {
    RoomState s = make_state(RoomStatus::Ended);
    EXPECT_TRUE(end_room(s, EndReason::Stopped, kNow).empty());
}

}  // namespace
}  // namespace cohost::server::rooms
