// Smaller contract rules over real HTTP (product.md §2–§4, §10; docs/api/openapi.yaml): what a
// room's end does to invitations and the stage, capacity refusals, permissions, list paging,
// request-shape refusals and realtime frame errors.
#include <algorithm>
#include <set>

#include "harness.hpp"

namespace cohost::it {
namespace {

class ApiRulesTest : public ServerTest {};

TEST_F(ApiRulesTest, StoppingARoomCancelsPendingInvitationsAndReleasesCoHosts) {
    auto host = login("host");
    auto alice = login("alice");
    auto bob = login("bob");
    const std::string room = str(host.create_room({.title = "ending", .max_cohosts = 3}), "roomId");
    alice.accept(str(host.invite(room, "alice"), "invitationId"));
    const std::string pending = str(host.invite(room, "bob"), "invitationId");

    auto bob_rt = realtime(bob);
    EXPECT_EQ(subscribe(*bob_rt, "user:bob"), 1);
    const std::int64_t room_seq = subscribe(*bob_rt, "room:" + room);

    host.stop_room(room);
    // Bob watching the room may also produce a `viewers.count` (docs/engagement.md, at most one
    // per second): it takes a seq on the room topic but is not what this test is about.
    std::vector<json::object> events;
    for (int round = 0; round < 4 && events.size() < 3; ++round) {
        for (auto& e : read_events(*bob_rt, "*", 3 - events.size(), 5s)) {
            if (str(e, "event") != "viewers.count") {
                events.push_back(std::move(e));
            }
        }
    }
    ASSERT_EQ(events.size(), 3U) << event_names(events);
    const auto room_events = of_topic(events, "room:" + room);
    const auto bob_events = of_topic(events, "user:bob");
    ASSERT_EQ(room_events.size(), 2U) << event_names(events);
    EXPECT_EQ(event_names(room_events), "stage.left,room.ended");
    EXPECT_GT(num(room_events[0], "seq"), room_seq);
    EXPECT_GT(num(room_events[1], "seq"), num(room_events[0], "seq"));
    EXPECT_EQ(str(at(room_events[0], "data"), "userId"), "alice");
    EXPECT_EQ(str(at(room_events[0], "data"), "reason"), "room_ended");
    ASSERT_EQ(bob_events.size(), 1U);
    EXPECT_EQ(str(bob_events[0], "event"), "invitation.cancelled");
    EXPECT_EQ(str(at(bob_events[0], "data"), "reason"), "room_ended");

    const json::value inv = bob.get_invitation(pending);
    EXPECT_EQ(str(inv, "status"), "cancelled");
    EXPECT_EQ(str(inv, "reason"), "room_ended");
    // A late accept loses: the room is over and the invitation no longer pending (the server
    // may name either reason).
    const auto late = bob.request("POST", "/v1/invitations/" + pending + "/accept");
    EXPECT_EQ(late.status, 409);
    EXPECT_TRUE(late.error_code() == "invitation_not_pending" || late.error_code() == "room_ended")
        << late.raw;
    const json::value stage = host.get_stage(room);
    ASSERT_EQ(arr(stage, "members").size(), 1U);
    EXPECT_EQ(str(arr(stage, "members")[0], "role"), "host");
    for (const auto& [method, path, body] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"POST", "/v1/rooms/" + room + "/invitations", R"({"inviteeUserId":"bob"})"},
             {"PATCH", "/v1/rooms/" + room, R"({"title":"again"})"}}) {
        const auto r = host.request_raw(method, path, body);
        EXPECT_EQ(r.status, 409) << method << " " << path << ": " << r.raw;
        EXPECT_EQ(r.error_code(), "room_ended");
    }
    // Alice was released by the end: leaving again is refused (not on stage / room ended).
    const auto leave = alice.request("POST", "/v1/rooms/" + room + "/stage/leave");
    EXPECT_TRUE((leave.status == 403 && leave.error_code() == "not_on_stage") ||
                (leave.status == 409 && leave.error_code() == "room_ended"))
        << leave.raw;
}

TEST_F(ApiRulesTest, CapacityRefusalsCarryMaxCoHosts) {
    auto host = login("host");
    for (const char* u : {"a", "b", "c"}) {
        (void)login(u);
    }
    auto a = login("a");
    const std::string room = str(host.create_room({.title = "cap", .max_cohosts = 2}), "roomId");
    a.accept(str(host.invite(room, "a"), "invitationId"));
    (void)host.invite(room, "b");
    const auto full = host.request("POST", "/v1/rooms/" + room + "/invitations",
                                   json::parse(R"({"inviteeUserId":"c"})"));
    EXPECT_EQ(full.status, 409);
    EXPECT_EQ(full.error_code(), "stage_full");
    EXPECT_EQ(num(full.error_details(), "maxCoHosts"), 2);
    // Lowering maxCoHosts below co-hosts + pending is refused; raising it makes room.
    const auto lower = host.request("PATCH", "/v1/rooms/" + room, json::parse(R"({"maxCoHosts":1})"));
    EXPECT_EQ(lower.status, 409) << lower.raw;
    EXPECT_EQ(lower.error_code(), "stage_full");
    EXPECT_EQ(num(host.patch_room(room, {{"maxCoHosts", 3}}), "maxCoHosts"), 3);
    EXPECT_EQ(str(host.invite(room, "c"), "status"), "pending");
}

TEST_F(ApiRulesTest, PermissionsChangeEmitsStageUpdated) {
    auto host = login("host");
    auto alice = login("alice");
    const std::string room = str(host.create_room({.title = "perm"}), "roomId");
    alice.accept(str(host.invite(room, "alice"), "invitationId"));
    auto rt = realtime(alice);
    const std::int64_t seq = subscribe(*rt, "room:" + room);
    const json::value m = host.patch_member(room, "alice", true);
    EXPECT_TRUE(boolean(at(m, "permissions"), "canManageProducts"));
    auto events = read_events(*rt, "room:" + room, 1, 3s);
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(str(events[0], "event"), "stage.updated");
    EXPECT_EQ(num(events[0], "seq"), seq + 1);
    EXPECT_TRUE(boolean(at(at(events[0], "data"), "permissions"), "canManageProducts"));
    const json::value stage = alice.get_stage(room);
    EXPECT_TRUE(boolean(at(arr(stage, "members")[1], "permissions"), "canManageProducts"));
    const auto host_perm = host.request("PATCH", "/v1/rooms/" + room + "/stage/host",
                                        json::parse(R"({"permissions":{"canManageProducts":true}})"));
    EXPECT_EQ(host_perm.status, 403);
    EXPECT_EQ(host_perm.error_code(), "forbidden");
}

TEST_F(ApiRulesTest, ListsPageWithCursorsAndFilterByStatus) {
    auto host = login("host");
    std::vector<std::string> created;
    for (int i = 0; i < 7; ++i) {
        created.push_back(str(host.create_room({.title = "r" + std::to_string(i)}), "roomId"));
    }
    host.stop_room(created[0]);
    host.stop_room(created[1]);
    std::vector<std::string> seen;
    std::vector<std::string> created_at;
    std::string cursor;
    for (int page = 0; page < 10; ++page) {
        const json::value body = host.list_rooms({.cursor = cursor.empty() ? std::nullopt
                                                                            : std::optional(cursor),
                                                  .limit = 3});
        EXPECT_LE(arr(body, "rooms").size(), 3U);
        for (const auto& r : arr(body, "rooms")) {
            seen.push_back(str(r, "roomId"));
            created_at.push_back(str(r, "createdAt"));
        }
        if (is_null(body, "nextCursor")) {
            break;
        }
        cursor = str(body, "nextCursor");
    }
    // Every room exactly once across the pages, newest first (rooms created in the same
    // millisecond may come in any order).
    EXPECT_EQ(std::multiset<std::string>(seen.begin(), seen.end()),
              std::multiset<std::string>(created.begin(), created.end()));
    EXPECT_TRUE(std::is_sorted(created_at.rbegin(), created_at.rend())) << "not newest first";
    EXPECT_EQ(size_of(host.list_rooms({.status = "ended"}), "rooms"), 2U);
    EXPECT_EQ(size_of(host.list_rooms({.status = "idle"}), "rooms"), 5U);
    for (const char* bad : {"/v1/rooms?limit=0", "/v1/rooms?limit=201", "/v1/rooms?limit=x",
                            "/v1/rooms?status=bogus", "/v1/rooms?cursor=%%%garbage"}) {
        const auto r = host.request("GET", bad);
        EXPECT_EQ(r.status, 400) << bad << ": " << r.raw;
        EXPECT_EQ(r.error_code(), "invalid_argument") << bad;
    }
    // User search: prefix of id or display name, case-insensitive.
    (void)login("zoe", "Zoe Zed");
    (void)login("zack", "Zack");
    std::set<std::string> found;
    const json::value users = host.search_users("Z");
    for (const auto& u : arr(users, "users")) {
        found.insert(str(u, "userId"));
    }
    EXPECT_EQ(found, (std::set<std::string>{"zoe", "zack"}));
}

TEST_F(ApiRulesTest, RequestShapeRefusals) {
    auto host = login("host");
    const auto unknown_field = host.request_raw("POST", "/v1/rooms", R"({"title":"x","colour":"red"})");
    EXPECT_EQ(unknown_field.status, 400) << unknown_field.raw;
    EXPECT_EQ(unknown_field.error_code(), "invalid_argument");
    EXPECT_EQ(str(unknown_field.error_details(), "field"), "colour");
    const auto user_host = host.request_raw("POST", "/v1/rooms", R"({"title":"x","hostUserId":"host"})");
    EXPECT_EQ(user_host.status, 400) << user_host.raw;
    const auto wrong_method = host.request("DELETE", "/v1/rooms");
    EXPECT_EQ(wrong_method.status, 405) << wrong_method.raw;
    EXPECT_TRUE(wrong_method.header("Allow").has_value());
    const auto not_ws = host.request("GET", "/v1/realtime");
    EXPECT_EQ(not_ws.status, 426) << not_ws.raw;
    // The app backend creates a room for a named host.
    auto backend = admin();
    const json::value r = backend.request("POST", "/v1/rooms",
                                          json::parse(R"({"title":"by backend","hostUserId":"host"})"))
                              .value_or_throw();
    EXPECT_EQ(str(r, "hostUserId"), "host");
    const json::value u = backend.put_user("made", "Made By Backend");
    EXPECT_EQ(str(u, "displayName"), "Made By Backend");
    EXPECT_EQ(str(host.invite(str(r, "roomId"), "made"), "status"), "pending");
}

TEST_F(ApiRulesTest, RealtimeFrameErrorsKeepTheSocketOpen) {
    auto user = login("user");
    auto rt = realtime(user);
    for (const auto& [frame, code] : std::vector<std::pair<std::string, std::string>>{
             {"not json", "invalid_json"},
             {R"({"type":"dance"})", "invalid_argument"},
             {R"({"type":"subscribe"})", "invalid_argument"},
             {R"({"type":"subscribe","topic":"weird:thing"})", "invalid_argument"},
             {R"({"type":"subscribe","topic":"user:user","since":"x"})", "invalid_argument"}}) {
        rt->send_text(frame);
        auto f = next_non_pong(*rt, 3s);
        ASSERT_TRUE(f.has_value()) << frame;
        EXPECT_EQ(str(*f, "type"), "error") << frame << " → " << to_string(*f);
        EXPECT_EQ(str(*f, "code"), code) << frame << " → " << to_string(*f);
    }
    EXPECT_TRUE(rt->is_open());
    EXPECT_EQ(subscribe(*rt, "user:user"), 0);
}

}  // namespace
}  // namespace cohost::it
