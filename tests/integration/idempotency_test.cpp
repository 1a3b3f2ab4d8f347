// Idempotency (product.md §3, §10): the same Idempotency-Key from the same user on the same route
// returns the stored response and creates one invitation, also when the requests race; repeating
// a winning accept/reject/cancel answers 200 with the invitation.
#include <latch>

#include "harness.hpp"

namespace cohost::it {
namespace {

class IdempotencyTest : public ServerTest {
protected:
    void SetUp() override {
        ServerTest::SetUp();
        host_ = std::make_unique<sdk::ApiClient>(login("host"));
        for (const char* u : {"alice", "bob", "carol", "dave"}) {
            (void)login(u);
        }
        room_id_ = str(host_->create_room({.title = "idem", .max_cohosts = 8}), "roomId");
    }

    sdk::ApiResponse invite(sdk::ApiClient& api, const std::string& invitee,
                            const std::string& key) {
        return api.request("POST", "/v1/rooms/" + room_id_ + "/invitations",
                           json::value(json::object{{"inviteeUserId", invitee}}),
                           {{"Idempotency-Key", key}});
    }

    std::size_t invitations_for(const std::string& invitee) {
        std::size_t n = 0;
        for (const auto& inv : list_all(*host_, "/v1/rooms/" + room_id_ + "/invitations",
                                        "invitations")) {
            n += str(inv, "inviteeUserId") == invitee ? 1 : 0;
        }
        return n;
    }

    std::unique_ptr<sdk::ApiClient> host_;
    std::string room_id_;
};

TEST_F(IdempotencyTest, SameKeyTwiceReturnsTheFirstResponse) {
    const auto first = invite(*host_, "alice", "key-alice-1");
    ASSERT_EQ(first.status, 201) << first.raw;
    const auto second = invite(*host_, "alice", "key-alice-1");
    EXPECT_EQ(second.status, first.status);
    EXPECT_EQ(second.body, first.body);
    EXPECT_EQ(invitations_for("alice"), 1U);

    // Another key for the same invitee is a new request: already_invited with the id.
    const auto other = invite(*host_, "alice", "key-alice-2");
    EXPECT_EQ(other.status, 409);
    EXPECT_EQ(other.error_code(), "already_invited");
    const json::object d = other.error_details();
    EXPECT_EQ(d.contains("invitationId") ? str(d, "invitationId") : "",
              str(first.body, "invitationId"));

    // The invitation exists once whatever was retried.
    EXPECT_EQ(invitations_for("alice"), 1U);
}

TEST_F(IdempotencyTest, KeysAreScopedPerUser) {
    // The app backend using the host's key is another caller: its request runs for real.
    auto backend = admin();
    const auto by_host = invite(*host_, "bob", "shared-key");
    ASSERT_EQ(by_host.status, 201) << by_host.raw;
    const auto by_admin = invite(backend, "carol", "shared-key");
    EXPECT_EQ(by_admin.status, 201) << by_admin.raw;
    EXPECT_EQ(str(by_admin.body, "inviteeUserId"), "carol");
    EXPECT_EQ(invitations_for("carol"), 1U);
}

TEST_F(IdempotencyTest, ConcurrentRequestsWithOneKeyCreateOneInvitation) {
    constexpr int kThreads = 8;
    for (int round = 0; round < 3; ++round) {
        const std::string invitee = round == 0 ? "bob" : round == 1 ? "carol" : "dave";
        const std::string key = "race-" + std::to_string(round);
        std::vector<sdk::ApiResponse> res(kThreads);
        std::latch ready(kThreads);
        std::vector<std::thread> threads;
        for (int i = 0; i < kThreads; ++i) {
            threads.emplace_back([&, i] {
                sdk::ApiClient api(url(), host_->token());
                (void)api.healthy();
                ready.arrive_and_wait();
                res[static_cast<std::size_t>(i)] = invite(api, invitee, key);
            });
        }
        for (auto& t : threads) {
            t.join();
        }
        for (const auto& r : res) {
            EXPECT_EQ(r.status, 201) << r.raw;
            EXPECT_EQ(r.body, res[0].body) << "every racer gets the stored first response";
        }
        EXPECT_EQ(invitations_for(invitee), 1U) << invitee;
    }
}

TEST_F(IdempotencyTest, RepeatingAWinningTransitionReturnsTheInvitation) {
    auto alice = login("alice");
    auto bob = login("bob");
    auto carol = login("carol");
    const std::string a = str(host_->invite(room_id_, "alice"), "invitationId");
    const std::string b = str(host_->invite(room_id_, "bob"), "invitationId");
    const std::string c = str(host_->invite(room_id_, "carol"), "invitationId");
    const json::value a1 = alice.accept(a);
    const json::value b1 = bob.reject(b);
    const json::value c1 = host_->cancel(c);
    EXPECT_EQ(alice.accept(a), a1);
    EXPECT_EQ(bob.reject(b), b1);
    EXPECT_EQ(host_->cancel(c), c1);
    // The other transitions on a decided invitation lose with the current status.
    const auto late = bob.request("POST", "/v1/invitations/" + b + "/accept");
    EXPECT_EQ(late.status, 409);
    EXPECT_EQ(late.error_code(), "invitation_not_pending");
    const json::object d = late.error_details();
    EXPECT_EQ(d.contains("status") ? str(d, "status") : "", "rejected");
    const auto late_cancel = host_->request("POST", "/v1/invitations/" + a + "/cancel");
    EXPECT_EQ(late_cancel.status, 409);
    EXPECT_EQ(late_cancel.error_code(), "invitation_not_pending");
    // Exactly one stage.joined for alice despite the repeat.
    auto rt = realtime(*host_);
    const auto last = subscribe(*rt, "room:" + room_id_, 0);
    const auto events = read_events(*rt, "room:" + room_id_, static_cast<std::size_t>(last), 3s);
    int joined = 0;
    for (const auto& e : events) {
        joined += str(e, "event") == "stage.joined" ? 1 : 0;
    }
    EXPECT_EQ(joined, 1) << event_names(events);
}

}  // namespace
}  // namespace cohost::it
