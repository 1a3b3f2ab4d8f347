// The whole co-hosting journey for three users over real HTTP and WebSocket (product.md §2–§6):
// every REST answer is checked, and the realtime streams must carry exactly the expected events
// with gapless per-topic seq numbers.
#include <algorithm>

#include "cohost/core/time.hpp"
#include "harness.hpp"

namespace cohost::it {
namespace {

class JourneyTest : public ServerTest {};

// Checks a broadcast credential answer for `user_id` in `room_id`.
void expect_broadcast_credentials(const json::value& cred, const std::string& user_id,
                                  const std::string& room_id, const std::string& api_key) {
    EXPECT_EQ(str(cred, "identity"), user_id);
    EXPECT_FALSE(str(cred, "url").empty());
    const std::string token = str(cred, "token");
    const json::object claims = sdk::decode_token_claims(token);
    EXPECT_EQ(str(claims, "iss"), api_key);
    EXPECT_EQ(str(claims, "sub"), user_id);
    const json::value& video = at(claims, "video");
    EXPECT_EQ(str(video, "room"), room_id);
    EXPECT_TRUE(boolean(video, "roomJoin"));
    EXPECT_TRUE(boolean(video, "canPublish"));
    EXPECT_TRUE(boolean(video, "canSubscribe"));
    EXPECT_TRUE(boolean(video, "canPublishData"));
    EXPECT_EQ(to_string(at(video, "canPublishSources")), R"(["camera","microphone"])");
    // expiresAt is the token's exp, as an ISO 8601 timestamp.
    const auto expires_at = core::parse_iso8601(str(cred, "expiresAt"));
    ASSERT_TRUE(expires_at.has_value()) << to_string(cred);
    EXPECT_EQ(core::to_unix_seconds(*expires_at), num(claims, "exp"));
    EXPECT_GT(num(claims, "exp"), sdk::unix_now_seconds());
    EXPECT_EQ(str(sdk::decode_token_header(token), "alg"), "HS256");
}

// `frames` must be events of `topic` with seq first_seq, first_seq+1, ... and these names.
// `viewers.count` events (docs/engagement.md: a user watching the room changes the count, at
// most once per second) take their seq in the sequence but are left out of the names: when they
// fall depends on timing.
void expect_sequence(const std::vector<json::object>& frames, const std::string& topic,
                     const std::vector<std::string>& names, std::int64_t first_seq = 1) {
    std::vector<std::string> got;
    for (const auto& f : frames) {
        if (str(f, "event") != "viewers.count") {
            got.push_back(str(f, "event"));
        }
    }
    EXPECT_EQ(got, names) << "on " << topic << ": " << event_names(frames);
    for (std::size_t i = 0; i < frames.size(); ++i) {
        EXPECT_EQ(str(frames[i], "topic"), topic);
        EXPECT_EQ(num(frames[i], "seq"), first_seq + static_cast<std::int64_t>(i))
            << "gap or duplicate at index " << i << " on " << topic;
        EXPECT_TRUE(core::parse_iso8601(str(frames[i], "at")).has_value());
    }
}

TEST_F(JourneyTest, ThreeUsersFromInviteToRoomEnd) {
    auto host = login("host", "Hana Host");
    auto alice = login("alice", "Alice");
    auto bob = login("bob", "Bob");
    EXPECT_EQ(str(host.me(), "userId"), "host");
    EXPECT_EQ(str(alice.me(), "displayName"), "Alice");

    // Realtime: alice watches her own topic from the start, bob his.
    auto alice_rt = realtime(alice);
    auto bob_rt = realtime(bob);
    auto host_rt = realtime(host);
    ASSERT_EQ(subscribe(*alice_rt, "user:alice"), 0);
    ASSERT_EQ(subscribe(*bob_rt, "user:bob"), 0);
    ASSERT_EQ(subscribe(*host_rt, "user:host"), 0);

    const json::value room = host.create_room({.title = "Friday show", .max_cohosts = 2});
    const std::string room_id = str(room, "roomId");
    EXPECT_EQ(str(room, "status"), "idle");
    EXPECT_EQ(str(room, "hostUserId"), "host");
    EXPECT_EQ(num(room, "maxCoHosts"), 2);
    EXPECT_TRUE(is_null(room, "liveAt"));
    EXPECT_TRUE(is_null(room, "endedAt"));
    const std::string room_topic = "room:" + room_id;
    // Bob (a viewer) watches the room from seq 0 so nothing is missed.
    subscribe(*bob_rt, room_topic, 0);

    // Invitations.
    const json::value inv_a = host.invite(room_id, "alice");
    const json::value inv_b = host.invite(room_id, "bob");
    EXPECT_EQ(str(inv_a, "status"), "pending");
    EXPECT_EQ(str(inv_a, "roomTitle"), "Friday show");
    EXPECT_EQ(str(at(inv_a, "inviter"), "displayName"), "Hana Host");
    EXPECT_EQ(str(at(inv_a, "invitee"), "userId"), "alice");
    EXPECT_TRUE(is_null(inv_a, "respondedAt"));
    const std::string inv_a_id = str(inv_a, "invitationId");
    const std::string inv_b_id = str(inv_b, "invitationId");

    const json::value pending = alice.my_invitations({.status = "pending"});
    ASSERT_EQ(arr(pending, "invitations").size(), 1U);
    EXPECT_EQ(str(arr(pending, "invitations")[0], "invitationId"), inv_a_id);

    const json::value accepted = alice.accept(inv_a_id);
    EXPECT_EQ(str(accepted, "status"), "approved");
    EXPECT_FALSE(is_null(accepted, "respondedAt"));
    EXPECT_EQ(str(bob.reject(inv_b_id), "status"), "rejected");

    // Stage: host first (offline), alice backstage.
    const json::value stage = bob.get_stage(room_id);
    EXPECT_EQ(str(stage, "roomId"), room_id);
    EXPECT_EQ(num(stage, "maxCoHosts"), 2);
    const auto& members = arr(stage, "members");
    ASSERT_EQ(members.size(), 2U) << to_string(stage);
    EXPECT_EQ(str(members[0], "userId"), "host");
    EXPECT_EQ(str(members[0], "role"), "host");
    EXPECT_EQ(str(members[0], "state"), "offline");
    EXPECT_EQ(str(members[1], "userId"), "alice");
    EXPECT_EQ(str(members[1], "role"), "cohost");
    EXPECT_EQ(str(members[1], "state"), "backstage");
    EXPECT_EQ(str(members[1], "displayName"), "Alice");
    EXPECT_FALSE(boolean(at(members[1], "permissions"), "canManageProducts"));
    EXPECT_EQ(str(members[1], "camera"), "off");
    EXPECT_EQ(str(members[1], "microphone"), "off");

    // Media credentials.
    expect_broadcast_credentials(host.broadcast_token(room_id), "host", room_id,
                                 server_.credentials().api_key);
    expect_broadcast_credentials(alice.broadcast_token(room_id), "alice", room_id,
                                 server_.credentials().api_key);
    const auto bob_broadcast = bob.request("POST", "/v1/rooms/" + room_id + "/broadcast-token");
    EXPECT_EQ(bob_broadcast.status, 403);
    EXPECT_EQ(bob_broadcast.error_code(), "not_on_stage");

    const json::value viewer = bob.viewer_token(room_id);
    const std::string viewer_identity = str(viewer, "identity");
    EXPECT_EQ(viewer_identity.rfind("viewer-bob-", 0), 0U) << viewer_identity;
    const json::object vclaims = sdk::decode_token_claims(str(viewer, "token"));
    EXPECT_EQ(str(vclaims, "sub"), viewer_identity);
    const json::value& vgrant = at(vclaims, "video");
    EXPECT_EQ(str(vgrant, "room"), room_id);
    EXPECT_FALSE(boolean(vgrant, "canPublish"));
    EXPECT_FALSE(boolean(vgrant, "canPublishData"));
    EXPECT_TRUE(boolean(vgrant, "canSubscribe"));
    EXPECT_TRUE(boolean(vgrant, "hidden"));
    // A second viewer session gets another identity.
    EXPECT_NE(str(bob.viewer_token(room_id), "identity"), viewer_identity);

    // Alice leaves, is re-invited, accepts, and is removed by the host.
    alice.leave_stage(room_id);
    EXPECT_EQ(size_of(host.get_stage(room_id), "members"), 1U);
    const std::string inv_a2_id = str(host.invite(room_id, "alice"), "invitationId");
    EXPECT_NE(inv_a2_id, inv_a_id);
    EXPECT_EQ(str(alice.accept(inv_a2_id), "status"), "approved");
    host.remove_member(room_id, "alice");
    EXPECT_EQ(size_of(host.get_stage(room_id), "members"), 1U);

    // The host stops the room; credentials are refused from then on.
    const json::value ended = host.stop_room(room_id);
    EXPECT_EQ(str(ended, "status"), "ended");
    EXPECT_EQ(str(ended, "endReason"), "stopped");
    EXPECT_FALSE(is_null(ended, "endedAt"));
    for (auto* who : {&host, &alice}) {
        const auto r = who->request("POST", "/v1/rooms/" + room_id + "/broadcast-token");
        EXPECT_EQ(r.status, 409) << r.raw;
        EXPECT_EQ(r.error_code(), "room_ended");
    }
    const auto late_viewer = bob.request("POST", "/v1/rooms/" + room_id + "/viewer-token");
    EXPECT_EQ(late_viewer.status, 409) << late_viewer.raw;
    EXPECT_EQ(late_viewer.error_code(), "room_ended");
    const auto stop_again = host.request("POST", "/v1/rooms/" + room_id + "/stop");
    EXPECT_EQ(stop_again.status, 409);
    EXPECT_EQ(stop_again.error_code(), "room_ended");

    // ---- the realtime streams ----
    // Bob's socket carries two topics: read until both are complete, then a quiet period.
    std::vector<json::object> bob_frames = read_events(*bob_rt, "*", 8, 5s);
    const auto bob_more = read_until_quiet(*bob_rt, 500ms);
    bob_frames.insert(bob_frames.end(), bob_more.begin(), bob_more.end());
    const auto room_frames = of_topic(bob_frames, room_topic);
    expect_sequence(room_frames, room_topic,
                    {"room.updated", "stage.joined", "stage.left", "stage.joined", "stage.left",
                     "room.ended"});
    std::vector<json::object> room_events;
    for (const auto& f : room_frames) {
        if (str(f, "event") != "viewers.count") {
            room_events.push_back(f);
        }
    }
    if (room_events.size() == 6) {
        EXPECT_EQ(str(at(room_events[1], "data"), "userId"), "alice");
        EXPECT_EQ(str(at(room_events[1], "data"), "state"), "backstage");
        EXPECT_EQ(str(at(room_events[2], "data"), "reason"), "left");
        EXPECT_EQ(str(at(room_events[4], "data"), "reason"), "removed");
        EXPECT_EQ(str(at(room_events[5], "data"), "status"), "ended");
        EXPECT_EQ(str(at(room_events[5], "data"), "roomId"), room_id);
    }
    // Bob's own topic: only his invitation, never alice's.
    const auto bob_events = of_topic(bob_frames, "user:bob");
    expect_sequence(bob_events, "user:bob", {"invitation.created", "invitation.rejected"});
    EXPECT_EQ(bob_frames.size(), room_frames.size() + bob_events.size())
        << "unexpected frames for bob: " << event_names(bob_frames);
    for (const auto& f : bob_frames) {
        const auto* data = f.contains("data") ? at(f, "data").if_object() : nullptr;
        if (data != nullptr && data->contains("inviteeUserId")) {
            EXPECT_NE(str(*data, "inviteeUserId"), "alice")
                << "bob saw alice's invitation: " << to_string(f);
        }
    }

    const auto alice_events = read_events(*alice_rt, "user:alice", 4, 5s);
    expect_sequence(alice_events, "user:alice",
                    {"invitation.created", "invitation.accepted", "invitation.created",
                     "invitation.accepted"});
    for (const auto& e : alice_events) {
        EXPECT_EQ(str(at(e, "data"), "inviteeUserId"), "alice");
    }
    const auto alice_more = read_until_quiet(*alice_rt, 300ms);
    EXPECT_TRUE(alice_more.empty()) << "unexpected frames for alice: " << event_names(alice_more);

    const auto host_events = read_events(*host_rt, "user:host", 6, 5s);
    expect_sequence(host_events, "user:host",
                    {"invitation.created", "invitation.created", "invitation.accepted",
                     "invitation.rejected", "invitation.created", "invitation.accepted"});
}

TEST_F(JourneyTest, SubscribingToAnotherUsersTopicIsForbiddenAndKeepsTheSocket) {
    auto alice = login("alice");
    auto bob = login("bob");
    auto rt = realtime(bob);
    rt->subscribe("user:alice");
    auto f = next_non_pong(*rt, 3s);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(str(*f, "type"), "error") << to_string(*f);
    EXPECT_EQ(str(*f, "code"), "forbidden");
    // A refused subscription does not close the socket.
    rt->ping();
    auto pong = rt->next_frame(3s);
    ASSERT_TRUE(pong.has_value());
    EXPECT_EQ(str(*pong, "type"), "pong");
    EXPECT_EQ(subscribe(*rt, "user:bob"), 0);
    // The room topic of an unknown room is not_found.
    rt->subscribe("room:RM_doesnotexist");
    f = next_non_pong(*rt, 3s);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(str(*f, "type"), "error");
    EXPECT_EQ(str(*f, "code"), "not_found");
    // The app backend may watch any user topic.
    auto backend = admin();
    auto admin_rt = realtime(backend);
    EXPECT_EQ(subscribe(*admin_rt, "user:alice"), 0);
}

TEST_F(JourneyTest, RealtimeUpgradeWithBadTokenIsRefused) {
    sdk::RealtimeClient rt(url(), "not-a-token");
    try {
        rt.connect();
        FAIL() << "upgrade with a garbage token was accepted";
    } catch (const sdk::HandshakeError& e) {
        EXPECT_EQ(e.status, 401);
    }
    EXPECT_TRUE(anonymous().healthy());
}

}  // namespace
}  // namespace cohost::it
