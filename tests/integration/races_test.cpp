// Concurrency over real HTTP (product.md §3): accept-vs-cancel races have exactly one winner,
// and no interleaving of invites, accepts, leaves, cancels and maxCoHosts changes ever puts more
// co-hosts on a stage than its maxCoHosts.
#include <atomic>
#include <latch>
#include <map>
#include <random>
#include <set>

#include "harness.hpp"

namespace cohost::it {
namespace {

class RacesTest : public ServerTest {};

std::string user_name(int i) {
    return "u" + std::string(i < 10 ? "0" : "") + std::to_string(i);
}

/// One client per thread, connected before the race starts.
sdk::ApiClient warm_client(const std::string& url, const std::string& token) {
    sdk::ApiClient api(url, token);
    EXPECT_TRUE(api.healthy());
    return api;
}

TEST_F(RacesTest, AcceptVersusCancelHasExactlyOneWinner) {
    constexpr int kRaces = 50;
    constexpr int kPerRoom = 8;  // maxCoHosts is at most 8; pending invitations count
    auto host = login("host");
    std::vector<std::string> tokens;
    for (int i = 0; i < kRaces; ++i) {
        tokens.push_back(login(user_name(i)).token());
    }
    std::vector<std::string> rooms;
    std::vector<std::string> invitations;
    for (int i = 0; i < kRaces; ++i) {
        if (i % kPerRoom == 0) {
            rooms.push_back(str(host.create_room({.title = "race", .max_cohosts = kPerRoom}),
                                "roomId"));
        }
        invitations.push_back(str(host.invite(rooms.back(), user_name(i)), "invitationId"));
    }

    std::vector<sdk::ApiResponse> accepts(kRaces);
    std::vector<sdk::ApiResponse> cancels(kRaces);
    std::latch ready(2 * kRaces);
    std::vector<std::thread> threads;
    for (int i = 0; i < kRaces; ++i) {
        threads.emplace_back([&, i] {
            auto api = warm_client(url(), tokens[static_cast<std::size_t>(i)]);
            ready.arrive_and_wait();
            accepts[static_cast<std::size_t>(i)] = api.request(
                "POST", "/v1/invitations/" + invitations[static_cast<std::size_t>(i)] + "/accept");
        });
        threads.emplace_back([&, i] {
            auto api = warm_client(url(), host.token());
            ready.arrive_and_wait();
            cancels[static_cast<std::size_t>(i)] = api.request(
                "POST", "/v1/invitations/" + invitations[static_cast<std::size_t>(i)] + "/cancel");
        });
    }
    for (auto& t : threads) {
        t.join();
    }

    int accept_wins = 0;
    for (std::size_t i = 0; i < kRaces; ++i) {
        const auto& a = accepts[i];
        const auto& c = cancels[i];
        SCOPED_TRACE("race " + std::to_string(i) + " accept=" + a.raw + " cancel=" + c.raw);
        ASSERT_NE(a.ok(), c.ok()) << "exactly one of accept/cancel must win";
        const auto& winner = a.ok() ? a : c;
        const auto& loser = a.ok() ? c : a;
        const std::string final_status = a.ok() ? "approved" : "cancelled";
        accept_wins += a.ok() ? 1 : 0;
        EXPECT_EQ(winner.status, 200);
        EXPECT_EQ(str(winner.body, "status"), final_status);
        EXPECT_EQ(loser.status, 409);
        EXPECT_EQ(loser.error_code(), "invitation_not_pending");
        const json::object details = loser.error_details();
        EXPECT_EQ(details.contains("status") ? str(details, "status") : "", final_status);
        EXPECT_EQ(str(host.get_invitation(invitations[i]), "status"), final_status);
    }
    // The stages agree with the winners.
    std::set<std::string> on_stage;
    for (const auto& room : rooms) {
        const json::value stage = host.get_stage(room);
        for (const auto& m : arr(stage, "members")) {
            if (str(m, "role") == "cohost") {
                on_stage.insert(str(m, "userId"));
            }
        }
    }
    std::set<std::string> approved;
    for (std::size_t i = 0; i < kRaces; ++i) {
        if (accepts[i].ok()) {
            approved.insert(user_name(static_cast<int>(i)));
        }
    }
    EXPECT_EQ(on_stage, approved);
    std::cout << "accept won " << accept_wins << " of " << kRaces << " races\n";
}

TEST_F(RacesTest, ConcurrentInvitesNeverOvercommitTheStage) {
    auto host = login("host");
    constexpr int kUsers = 8;
    for (int i = 0; i < kUsers; ++i) {
        (void)login(user_name(i));
    }
    for (int round = 0; round < 5; ++round) {
        const std::string room = str(host.create_room({.title = "cap", .max_cohosts = 2}), "roomId");
        std::vector<sdk::ApiResponse> res(kUsers);
        std::latch ready(kUsers);
        std::vector<std::thread> threads;
        for (int i = 0; i < kUsers; ++i) {
            threads.emplace_back([&, i] {
                auto api = warm_client(url(), host.token());
                ready.arrive_and_wait();
                res[static_cast<std::size_t>(i)] =
                    api.request("POST", "/v1/rooms/" + room + "/invitations",
                                json::value(json::object{{"inviteeUserId", user_name(i)}}));
            });
        }
        for (auto& t : threads) {
            t.join();
        }
        int created = 0;
        for (const auto& r : res) {
            if (r.status == 201) {
                ++created;
            } else {
                EXPECT_EQ(r.status, 409) << r.raw;
                EXPECT_EQ(r.error_code(), "stage_full") << r.raw;
                const json::object details = r.error_details();
                EXPECT_EQ(details.contains("maxCoHosts") ? num(details, "maxCoHosts") : -1, 2);
            }
        }
        EXPECT_EQ(created, 2) << "round " << round;
        const json::value pending = host.list_room_invitations(room, {.status = "pending"});
        EXPECT_EQ(arr(pending, "invitations").size(), 2U);
    }
}

TEST_F(RacesTest, AcceptVersusStopLeavesNoCoHostOnAnEndedRoom) {
    constexpr int kRooms = 20;
    auto host = login("host");
    std::vector<std::string> tokens;
    std::vector<std::string> rooms;
    std::vector<std::string> invitations;
    for (int i = 0; i < kRooms; ++i) {
        tokens.push_back(login(user_name(i)).token());
        rooms.push_back(str(host.create_room({.title = "stop race"}), "roomId"));
        invitations.push_back(str(host.invite(rooms.back(), user_name(i)), "invitationId"));
    }
    std::vector<sdk::ApiResponse> accepts(kRooms);
    std::vector<sdk::ApiResponse> stops(kRooms);
    std::latch ready(2 * kRooms);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < kRooms; ++i) {
        threads.emplace_back([&, i] {
            auto api = warm_client(url(), tokens[i]);
            ready.arrive_and_wait();
            accepts[i] = api.request("POST", "/v1/invitations/" + invitations[i] + "/accept");
        });
        threads.emplace_back([&, i] {
            auto api = warm_client(url(), host.token());
            ready.arrive_and_wait();
            stops[i] = api.request("POST", "/v1/rooms/" + rooms[i] + "/stop");
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    auto rt = realtime(host);
    for (std::size_t i = 0; i < kRooms; ++i) {
        SCOPED_TRACE(rooms[i] + " accept=" + accepts[i].raw);
        EXPECT_EQ(stops[i].status, 200) << stops[i].raw;
        EXPECT_EQ(size_of(host.get_stage(rooms[i]), "members"), 1U) << "co-host left on an ended room";
        const std::string status = str(host.get_invitation(invitations[i]), "status");
        if (accepts[i].ok()) {
            EXPECT_EQ(status, "approved");
        } else {
            EXPECT_EQ(accepts[i].status, 409);
            EXPECT_EQ(status, "cancelled");
        }
        // The room stream ends with room.ended, and a co-host that got on was released first.
        const std::string topic = "room:" + rooms[i];
        const std::int64_t last = subscribe(*rt, topic, 0);
        const auto events = read_events(*rt, topic, static_cast<std::size_t>(last), 3s);
        ASSERT_FALSE(events.empty());
        EXPECT_EQ(str(events.back(), "event"), "room.ended") << event_names(events);
        EXPECT_EQ(event_names(events), accepts[i].ok()
                                           ? "room.updated,stage.joined,stage.left,room.ended"
                                           : "room.updated,room.ended");
        rt->unsubscribe(topic);
    }
}

// The stage as the server reports it: co-host ids and the maxCoHosts of the same answer.
struct StageView {
    std::set<std::string> cohosts;
    std::int64_t max_cohosts = 0;
};
StageView read_stage(sdk::ApiClient& api, const std::string& room) {
    const json::value s = api.get_stage(room);
    StageView v;
    v.max_cohosts = num(s, "maxCoHosts");
    for (const auto& m : arr(s, "members")) {
        if (str(m, "role") == "cohost") {
            v.cohosts.insert(str(m, "userId"));
        }
    }
    return v;
}

TEST_F(RacesTest, ChurnNeverExceedsMaxCoHosts) {
    // For ~1.5 s: invitees accept whatever they are offered and sometimes leave; the host invites,
    // cancels and moves maxCoHosts between 1 and 4; a poller checks every stage answer.
    constexpr int kUsers = 8;
    auto host = login("host");
    std::vector<std::string> tokens;
    for (int i = 0; i < kUsers; ++i) {
        tokens.push_back(login(user_name(i)).token());
    }
    const std::string room = str(host.create_room({.title = "churn", .max_cohosts = 3}), "roomId");
    const auto deadline = std::chrono::steady_clock::now() + 1500ms;
    std::atomic<int> violations{0};
    std::atomic<int> accepts_ok{0};
    std::atomic<int> observations{0};
    // Room events produced so far (accepts, leaves, maxCoHosts changes): the churn stops well
    // below the 1,000-event retention so the whole stream can be replayed afterwards.
    std::atomic<int> room_events{0};
    auto running = [&] {
        return std::chrono::steady_clock::now() < deadline && room_events.load() < 800;
    };
    std::vector<std::thread> threads;
    for (int i = 0; i < kUsers; ++i) {
        threads.emplace_back([&, i] {
            sdk::ApiClient api(url(), tokens[static_cast<std::size_t>(i)]);
            std::mt19937 rng(static_cast<unsigned>(i));
            while (running()) {
                const json::value mine = api.my_invitations({.status = "pending"});
                for (const auto& inv : arr(mine, "invitations")) {
                    const auto r =
                        api.request("POST", "/v1/invitations/" + str(inv, "invitationId") + "/accept");
                    if (r.ok()) {
                        ++accepts_ok;
                        ++room_events;
                    } else if (r.error_code() != "invitation_not_pending" &&
                               r.error_code() != "stage_full") {
                        ADD_FAILURE() << "accept: " << r.raw;
                    }
                }
                if (rng() % 3 == 0 &&
                    api.request("POST", "/v1/rooms/" + room + "/stage/leave").ok()) {
                    ++room_events;
                }
            }
        });
    }
    for (int h = 0; h < 2; ++h) {
        threads.emplace_back([&, h] {
            sdk::ApiClient api(url(), host.token());
            std::mt19937 rng(static_cast<unsigned>(100 + h));
            while (running()) {
                const auto pick = rng() % 10;
                if (pick < 6) {
                    (void)api.request("POST", "/v1/rooms/" + room + "/invitations",
                                      json::value(json::object{
                                          {"inviteeUserId", user_name(static_cast<int>(rng() % kUsers))}}));
                } else if (pick < 8) {
                    const auto r = api.request(
                        "PATCH", "/v1/rooms/" + room,
                        json::value(json::object{{"maxCoHosts", 1 + static_cast<int>(rng() % 4)}}));
                    if (r.ok()) {
                        ++room_events;
                    } else if (r.error_code() != "stage_full") {
                        ADD_FAILURE() << "patch: " << r.raw;
                    }
                } else {
                    const json::value p = api.list_room_invitations(room, {.status = "pending"});
                    for (const auto& inv : arr(p, "invitations")) {
                        (void)api.request("POST",
                                          "/v1/invitations/" + str(inv, "invitationId") + "/cancel");
                    }
                }
            }
        });
    }
    threads.emplace_back([&] {
        sdk::ApiClient api(url(), host.token());
        while (running()) {
            const StageView v = read_stage(api, room);
            ++observations;
            if (static_cast<std::int64_t>(v.cohosts.size()) > v.max_cohosts) {
                ++violations;
                ADD_FAILURE() << v.cohosts.size() << " co-hosts with maxCoHosts " << v.max_cohosts;
            }
        }
    });
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(violations.load(), 0);
    EXPECT_GT(observations.load(), 10);
    EXPECT_GT(accepts_ok.load(), 0) << "the churn never got anyone on stage";

    // Final state: co-hosts + pending <= maxCoHosts.
    const StageView final_view = read_stage(host, room);
    const json::value pending_list = host.list_room_invitations(room, {.status = "pending"});
    const auto& pending = arr(pending_list, "invitations");
    EXPECT_LE(static_cast<std::int64_t>(final_view.cohosts.size() + pending.size()),
              final_view.max_cohosts);

    // The event log tells the same story at every step: replay it from seq 1.
    auto rt = realtime(host);
    const std::int64_t last = subscribe(*rt, "room:" + room, 0);
    const auto events = read_events(*rt, "room:" + room, static_cast<std::size_t>(last), 10s);
    ASSERT_EQ(static_cast<std::int64_t>(events.size()), last);
    std::set<std::string> stage;
    std::int64_t max_cohosts = 3;
    for (std::size_t i = 0; i < events.size(); ++i) {
        const auto& e = events[i];
        ASSERT_EQ(num(e, "seq"), static_cast<std::int64_t>(i) + 1);
        const std::string type = str(e, "event");
        const json::value& data = at(e, "data");
        if (type == "room.updated") {
            max_cohosts = num(data, "maxCoHosts");
        } else if (type == "stage.joined") {
            EXPECT_TRUE(stage.insert(str(data, "userId")).second) << "joined twice: " << to_string(e);
        } else if (type == "stage.left") {
            EXPECT_EQ(stage.erase(str(data, "userId")), 1U) << "left without joining: " << to_string(e);
        }
        EXPECT_LE(static_cast<std::int64_t>(stage.size()), max_cohosts) << "after seq " << i + 1;
    }
    EXPECT_EQ(stage, final_view.cohosts);
    std::cout << accepts_ok.load() << " accepts, " << events.size() << " room events, "
              << observations.load() << " stage reads\n";
}

}  // namespace
}  // namespace cohost::it
