// Timers fire on time (product.md §10): an invitation expires within 1 s after `expiresAt` and
// `invitation.expired` is pushed without anyone reading the invitation.
#include "cohost/core/time.hpp"
#include "harness.hpp"

namespace cohost::it {
namespace {

class ExpiryTest : public ServerTest {};

TEST_F(ExpiryTest, InvitationExpiredEventArrivesOnTimeWithoutAnyRead) {
    auto host = login("host");
    auto alice = login("alice");
    auto alice_rt = realtime(alice);
    auto host_rt = realtime(host);
    ASSERT_EQ(subscribe(*alice_rt, "user:alice"), 0);
    ASSERT_EQ(subscribe(*host_rt, "user:host"), 0);
    const std::string room = str(host.create_room({.title = "timer"}), "roomId");

    const auto sent = std::chrono::steady_clock::now();
    const json::value inv = host.invite(room, "alice", {.expires_in_seconds = 10});
    const std::string id = str(inv, "invitationId");
    const auto created = core::parse_iso8601(str(inv, "createdAt"));
    const auto expires = core::parse_iso8601(str(inv, "expiresAt"));
    ASSERT_TRUE(created && expires);
    EXPECT_EQ(*expires - *created, std::chrono::seconds(10));

    auto first = read_events(*alice_rt, "user:alice", 1, 3s);
    ASSERT_EQ(first.size(), 1U);
    EXPECT_EQ(str(first[0], "event"), "invitation.created");

    // No reads from here on: the event must come from the server's timer.
    auto expired = read_events(*alice_rt, "user:alice", 1, 12s);
    const auto elapsed = std::chrono::steady_clock::now() - sent;
    ASSERT_EQ(expired.size(), 1U) << "no invitation.expired within 12 s";
    EXPECT_EQ(str(expired[0], "event"), "invitation.expired");
    EXPECT_EQ(num(expired[0], "seq"), 2);
    const json::value& data = at(expired[0], "data");
    EXPECT_EQ(str(data, "invitationId"), id);
    EXPECT_EQ(str(data, "status"), "expired");
    EXPECT_LE(elapsed, 11500ms) << "expired late";
    EXPECT_GE(elapsed, 9900ms) << "expired early";
    const auto responded = core::parse_iso8601(str(data, "respondedAt"));
    ASSERT_TRUE(responded.has_value());
    EXPECT_GE(*responded, *expires);
    EXPECT_LE(*responded - *expires, std::chrono::milliseconds(1000));

    // The host hears it too, and the invitation is expired for good.
    auto host_events = read_events(*host_rt, "user:host", 2, 3s);
    EXPECT_EQ(event_names(host_events), "invitation.created,invitation.expired");
    EXPECT_EQ(str(host.get_invitation(id), "status"), "expired");
    const auto late = alice.request("POST", "/v1/invitations/" + id + "/accept");
    EXPECT_EQ(late.status, 409);
    EXPECT_EQ(late.error_code(), "invitation_not_pending");
    // Its seat is free again: a new invitation can be made.
    EXPECT_EQ(str(host.invite(room, "alice"), "status"), "pending");
}

}  // namespace
}  // namespace cohost::it
