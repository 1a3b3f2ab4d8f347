// Process lifecycle: health endpoint, clean exit on SIGTERM (realtime clients told 1001), and a
// restart on the same data directory keeps everything (product.md §8, architecture.md).
#include "harness.hpp"

namespace cohost::it {
namespace {

class LifecycleTest : public ServerTest {};

TEST_F(LifecycleTest, HealthzNeedsNoToken) {
    auto api = anonymous();
    EXPECT_TRUE(api.healthy());
    const auto r = api.request("GET", "/v1/me");
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.error_code(), "unauthenticated");
    // Unknown routes use the error envelope too.
    auto user = login("someone");
    const auto missing = user.request("GET", "/v1/definitely-not-a-route");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.error_code(), "not_found");
}

TEST_F(LifecycleTest, SigtermExitsCleanlyAndRestartKeepsState) {
    auto host = login("host");
    auto alice = login("alice");
    const std::string room = str(host.create_room({.title = "persist", .max_cohosts = 3}), "roomId");
    const std::string inv = str(host.invite(room, "alice"), "invitationId");
    alice.accept(inv);
    (void)login("bob");
    const std::string pending = str(host.invite(room, "bob"), "invitationId");
    const std::string before = to_string(host.get_room(room)) + to_string(host.get_stage(room)) +
                               to_string(host.list_room_invitations(room));

    auto rt = realtime(alice);
    const std::int64_t seq = subscribe(*rt, "room:" + room);
    EXPECT_EQ(server_.sigterm(10s), 0) << "cohostd did not exit cleanly on SIGTERM";
    // The realtime session was closed by the server (going away), not left hanging.
    (void)read_until_quiet(*rt, 500ms);
    EXPECT_FALSE(rt->is_open());

    server_.restart();
    sdk::ApiClient host2(url(), host.token());  // the same token works: same secret
    const std::string after = to_string(host2.get_room(room)) + to_string(host2.get_stage(room)) +
                              to_string(host2.list_room_invitations(room));
    EXPECT_EQ(after, before);
    EXPECT_EQ(str(host2.get_invitation(pending), "status"), "pending");

    auto rt2 = std::make_unique<sdk::RealtimeClient>(url(), alice.token());
    rt2->connect();
    EXPECT_EQ(subscribe(*rt2, "room:" + room), seq);
}

TEST_F(LifecycleTest, ClientsReconnectAfterAServerRestart) {
    auto host = login("host");
    const std::string room = str(host.create_room({.title = "reconnect"}), "roomId");
    // The kept-alive connection dies with the server; on the same address the next call
    // reconnects by itself and the old token still works (same secret).
    server_.sigkill();
    EXPECT_THROW((void)host.get_room(room), sdk::TransportError);
    server_.restart(/*same_port=*/true);
    EXPECT_EQ(str(host.get_room(room), "title"), "reconnect");
    server_.sigterm();
    server_.restart(/*same_port=*/true);
    EXPECT_EQ(str(host.get_room(room), "title"), "reconnect");
}

}  // namespace
}  // namespace cohost::it
