// Crash consistency (architecture.md "Storage and events"): SIGKILL the server in the middle of a
// burst of transitions, restart it on the same data directory, and check that the state and the
// event streams still agree — no acknowledged write lost, no half-applied change, per-topic seq
// gapless and continuing after the restart, timers rebuilt from the store.
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>

#include "cohost/core/time.hpp"
#include "harness.hpp"

namespace cohost::it {
namespace {

constexpr int kWorkers = 4;
constexpr int kUsersPerWorker = 4;
constexpr int kMaxOpsPerWorker = 350;  // keeps every topic under the 1,000-event retention
constexpr int kKillAfterOps = 800;     // SIGKILL once this many ran (or after 2 s): mid-burst

struct Worker {
    int index = 0;
    std::string host_token;
    std::vector<std::string> user_ids;
    std::vector<std::string> user_tokens;
    std::vector<std::string> acknowledged_invitations;  ///< got a 201 before the kill
    std::atomic<int> ops{0};
};

class CrashRecoveryTest : public ServerTest {};

void expect_no_server_error(const sdk::ApiResponse& r, const char* what) {
    if (r.status >= 500) {
        ADD_FAILURE() << what << " answered " << r.status << ": " << r.raw;
    }
}

// Random transitions until `stop` or the server goes away (TransportError).
void run_worker(const std::string& url, Worker& wk, const std::atomic<bool>& stop) {
    sdk::ApiClient host(url, wk.host_token);
    std::vector<sdk::ApiClient> users;
    for (const auto& t : wk.user_tokens) {
        users.emplace_back(url, t);
    }
    std::mt19937 rng(static_cast<unsigned>(wk.index + 1));
    std::string room;
    try {
        while (!stop && wk.ops < kMaxOpsPerWorker) {
            ++wk.ops;
            if (room.empty() || rng() % 25 == 0) {
                const auto r = host.request(
                    "POST", "/v1/rooms",
                    json::value(json::object{{"title", "burst"},
                                             {"maxCoHosts", 1 + static_cast<int>(rng() % 4)}}));
                expect_no_server_error(r, "create room");
                if (r.status == 201) {
                    room = str(r.body, "roomId");
                }
                continue;
            }
            const std::size_t u = rng() % users.size();
            switch (rng() % 9) {
                case 0:
                case 1:
                case 2: {
                    const auto r = host.request(
                        "POST", "/v1/rooms/" + room + "/invitations",
                        json::value(json::object{{"inviteeUserId", wk.user_ids[u]},
                                                 {"expiresInSeconds", 30}}));
                    expect_no_server_error(r, "invite");
                    if (r.status == 201) {
                        wk.acknowledged_invitations.push_back(str(r.body, "invitationId"));
                    }
                    break;
                }
                case 3:
                case 4: {
                    const auto mine = users[u].request("GET", "/v1/me/invitations?status=pending");
                    expect_no_server_error(mine, "my invitations");
                    if (!mine.ok() || arr(mine.body, "invitations").empty()) {
                        break;
                    }
                    const std::string id =
                        str(arr(mine.body, "invitations")[0], "invitationId");
                    const char* action = rng() % 4 == 0 ? "/reject" : "/accept";
                    expect_no_server_error(
                        users[u].request("POST", "/v1/invitations/" + id + action), action);
                    break;
                }
                case 5: {
                    const auto p =
                        host.request("GET", "/v1/rooms/" + room + "/invitations?status=pending");
                    expect_no_server_error(p, "list pending");
                    if (p.ok() && !arr(p.body, "invitations").empty()) {
                        const std::string id = str(arr(p.body, "invitations")[0], "invitationId");
                        expect_no_server_error(
                            host.request("POST", "/v1/invitations/" + id + "/cancel"), "cancel");
                    }
                    break;
                }
                case 6:
                case 7:
                    expect_no_server_error(
                        users[u].request("POST", "/v1/rooms/" + room + "/stage/leave"), "leave");
                    break;
                default:
                    if (rng() % 4 == 0) {
                        expect_no_server_error(host.request("POST", "/v1/rooms/" + room + "/stop"),
                                               "stop");
                        room.clear();
                    }
                    break;
            }
        }
    } catch (const sdk::TransportError&) {
        // The server was killed under us: expected.
    }
}

/// Replays `topic` from seq 1 and checks it is gapless; returns the events.
std::vector<json::object> replay(sdk::RealtimeClient& rt, const std::string& topic) {
    const std::int64_t last = subscribe(rt, topic, 0);
    auto events = read_events(rt, topic, static_cast<std::size_t>(std::max<std::int64_t>(last, 0)),
                              10s);
    EXPECT_EQ(static_cast<std::int64_t>(events.size()), last) << topic;
    for (std::size_t i = 0; i < events.size(); ++i) {
        EXPECT_EQ(num(events[i], "seq"), static_cast<std::int64_t>(i) + 1)
            << topic << ": gap or reuse at index " << i;
    }
    rt.unsubscribe(topic);
    return events;
}

TEST_F(CrashRecoveryTest, SigkillMidBurstKeepsStateAndStreamsConsistent) {
    // ---- before the crash ------------------------------------------------------------------
    auto timer_host = login("timer_host");
    (void)login("timer_guest");
    const std::string timer_room = str(timer_host.create_room({.title = "timer"}), "roomId");
    const json::value timer_inv =
        timer_host.invite(timer_room, "timer_guest", {.expires_in_seconds = 10});
    const auto timer_started = std::chrono::steady_clock::now();
    const std::string timer_id = str(timer_inv, "invitationId");
    const auto timer_expires_at = core::parse_iso8601(str(timer_inv, "expiresAt"));
    ASSERT_TRUE(timer_expires_at.has_value());

    std::vector<Worker> workers(kWorkers);
    std::map<std::string, std::string> host_tokens;  // userId → token
    for (int w = 0; w < kWorkers; ++w) {
        Worker& wk = workers[static_cast<std::size_t>(w)];
        wk.index = w;
        const std::string host_id = "h" + std::to_string(w);
        wk.host_token = login(host_id).token();
        host_tokens[host_id] = wk.host_token;
        for (int u = 0; u < kUsersPerWorker; ++u) {
            const std::string id = "w" + std::to_string(w) + "u" + std::to_string(u);
            wk.user_ids.push_back(id);
            wk.user_tokens.push_back(login(id).token());
        }
    }
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    const std::string old_url = url();
    for (auto& wk : workers) {
        threads.emplace_back([&, p = &wk] { run_worker(old_url, *p, stop); });
    }
    const auto burst_start = std::chrono::steady_clock::now();
    auto total = [&] {
        int n = 0;
        for (const auto& wk : workers) {
            n += wk.ops.load();
        }
        return n;
    };
    while (total() < kKillAfterOps && std::chrono::steady_clock::now() - burst_start < 2s) {
        std::this_thread::sleep_for(5ms);
    }
    server_.sigkill();  // mid-burst: every worker is still running
    const int ops_at_kill = total();
    stop = true;
    for (auto& t : threads) {
        t.join();
    }
    const int total_ops = total();
    EXPECT_GT(total_ops, 40) << "the burst hardly ran";
    EXPECT_LT(ops_at_kill, kWorkers * kMaxOpsPerWorker) << "the burst was over before the kill";
    std::size_t acked = 0;
    for (const auto& wk : workers) {
        acked += wk.acknowledged_invitations.size();
    }
    std::cout << total_ops << " operations before SIGKILL, " << acked
              << " acknowledged invitations\n";

    // ---- after the restart ------------------------------------------------------------------
    server_.restart();
    auto backend = admin();
    auto rt = realtime(backend);

    // Every acknowledged invitation survived.
    std::set<std::string> acknowledged;
    for (const auto& wk : workers) {
        for (const auto& id : wk.acknowledged_invitations) {
            acknowledged.insert(id);
            const auto r = backend.request("GET", "/v1/invitations/" + id);
            EXPECT_EQ(r.status, 200) << "acknowledged invitation " << id << " lost: " << r.raw;
        }
    }

    const json::array rooms = list_all(backend, "/v1/rooms?limit=200", "rooms");
    std::map<std::string, std::string> final_status;  // invitationId → status
    std::map<std::string, std::vector<std::string>> host_invitations;  // host → ids
    const std::set<std::string> statuses{"pending", "approved", "rejected", "cancelled", "expired"};
    for (const auto& room : rooms) {
        const std::string room_id = str(room, "roomId");
        SCOPED_TRACE(room_id);
        const std::int64_t max_cohosts = num(room, "maxCoHosts");
        const json::value stage = backend.get_stage(room_id);
        std::set<std::string> cohosts;
        for (const auto& m : arr(stage, "members")) {
            if (str(m, "role") == "cohost") {
                cohosts.insert(str(m, "userId"));
            }
        }
        EXPECT_LE(static_cast<std::int64_t>(cohosts.size()), max_cohosts);
        if (str(room, "status") == "ended") {
            EXPECT_TRUE(cohosts.empty()) << "co-hosts left on an ended room";
        }

        std::map<std::string, int> pending_per_user;
        std::set<std::string> approved_users;
        int pending = 0;
        for (const auto& inv :
             list_all(backend, "/v1/rooms/" + room_id + "/invitations?limit=200", "invitations")) {
            const std::string id = str(inv, "invitationId");
            const std::string status = str(inv, "status");
            EXPECT_TRUE(statuses.count(status)) << to_string(inv);
            EXPECT_EQ(str(backend.get_invitation(id), "status"), status) << id;
            final_status[id] = status;
            host_invitations[str(room, "hostUserId")].push_back(id);
            if (status == "pending") {
                ++pending;
                EXPECT_EQ(++pending_per_user[str(inv, "inviteeUserId")], 1)
                    << "two pending invitations for one user";
            } else if (status == "approved") {
                approved_users.insert(str(inv, "inviteeUserId"));
            }
        }
        if (room_id != timer_room) {
            EXPECT_LE(static_cast<std::int64_t>(cohosts.size()) + pending, max_cohosts);
        }
        for (const auto& c : cohosts) {
            EXPECT_TRUE(approved_users.count(c)) << c << " on stage without an approved invitation";
        }

        // The room's stream replays gapless and rebuilds exactly the stage.
        std::set<std::string> from_events;
        for (const auto& e : replay(*rt, "room:" + room_id)) {
            const std::string type = str(e, "event");
            if (type == "stage.joined") {
                from_events.insert(str(at(e, "data"), "userId"));
            } else if (type == "stage.left") {
                from_events.erase(str(at(e, "data"), "userId"));
            }
        }
        EXPECT_EQ(from_events, cohosts) << "room stream and stage disagree";
    }
    for (const auto& id : acknowledged) {
        EXPECT_TRUE(final_status.count(id)) << id << " missing from its room's list";
    }

    // Each host's stream is gapless and ends with every invitation's current status.
    for (const auto& [host_id, ids] : host_invitations) {
        std::map<std::string, std::string> last_seen;
        for (const auto& e : replay(*rt, "user:" + host_id)) {
            last_seen[str(at(e, "data"), "invitationId")] = str(at(e, "data"), "status");
        }
        for (const auto& id : ids) {
            if (id == timer_id) {
                continue;  // may still be pending here; checked below
            }
            EXPECT_EQ(last_seen[id], final_status[id])
                << "user:" << host_id << " stream disagrees about " << id;
        }
    }
    for (const auto& wk : workers) {
        for (const auto& u : wk.user_ids) {
            (void)replay(*rt, "user:" + u);
        }
    }

    // New events continue at N+1 on existing topics.
    const std::string h0 = "h0";
    sdk::ApiClient host0(url(), host_tokens[h0]);
    const std::int64_t user_last = subscribe(*rt, "user:" + h0);
    const std::string fresh = str(host0.create_room({.title = "after"}), "roomId");
    host0.invite(fresh, workers[0].user_ids[0]);
    auto next = read_events(*rt, "user:" + h0, 1, 3s);
    ASSERT_EQ(next.size(), 1U);
    EXPECT_EQ(num(next[0], "seq"), user_last + 1);
    const std::int64_t timer_room_last = subscribe(*rt, "room:" + timer_room);
    sdk::ApiClient timer_host2(url(), timer_host.token());  // the restart moved the port
    timer_host2.patch_room(timer_room, json::object{{"title", "timer again"}});
    next = read_events(*rt, "room:" + timer_room, 1, 3s);
    ASSERT_EQ(next.size(), 1U);
    EXPECT_EQ(num(next[0], "seq"), timer_room_last + 1);

    // The 10 s invitation made before the kill expires on time after the restart.
    const std::int64_t timer_topic_last = subscribe(*rt, "user:timer_guest", 0);
    std::string status;
    while (std::chrono::steady_clock::now() - timer_started < 13500ms) {
        status = str(backend.get_invitation(timer_id), "status");
        if (status != "pending") {
            break;
        }
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(status, "expired") << "not expired 13.5 s after creation";
    const json::value expired = backend.get_invitation(timer_id);
    const auto responded = core::parse_iso8601(str(expired, "respondedAt"));
    ASSERT_TRUE(responded.has_value());
    EXPECT_GE(*responded, *timer_expires_at);
    EXPECT_LE(*responded - *timer_expires_at, std::chrono::milliseconds(1500));
    auto guest_events = read_events(*rt, "user:timer_guest", 2, 3s);
    EXPECT_GE(timer_topic_last, 1);
    EXPECT_EQ(event_names(guest_events), "invitation.created,invitation.expired");
}

}  // namespace
}  // namespace cohost::it
