// Engagement rules over real HTTP and WebSocket, one test per rule of issue 7's "must show" that
// engagement_test.cpp does not already cover end to end (docs/engagement.md): mute and timed-ban
// expiry, slow mode, the 20-product cap, attribution after a co-host leaves, 1,000 reactions
// from 50 users folded into per-second bursts with exact counts, and chat/product events
// reaching several subscribers in the same order while several users post at once.
//
// Expiry tests wait for the server's own deadline (read from its answer) instead of asserting
// how fast anything happens; assertions about "before the deadline" are only made when the
// request was sent well before it, so a loaded machine cannot make them fail.
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "cohost/core/time.hpp"
#include "engagement_fixture.hpp"

namespace cohost::it {
namespace {

using Clock = std::chrono::system_clock;

class EngagementRulesTest : public EngagementFixture {
protected:
    void SetUp() override {
        ServerTest::SetUp();
        open_room("Rules", true);
    }

    sdk::ApiResponse post(sdk::ApiClient& api, std::string_view rest, json::value body) {
        return api.request("POST", path(rest), std::move(body));
    }

    sdk::ApiResponse chat(sdk::ApiClient& api, const std::string& text) {
        return post(api, "/messages", json::object{{"text", text}});
    }

    void create_product(const std::string& id) {
        auto admin_api = admin();
        auto r = admin_api.request("POST", "/v1/products",
                                   json::object{{"productId", id},
                                                {"name", "Product " + id},
                                                {"url", "https://shop.example/" + id},
                                                {"price", "5.00"},
                                                {"currency", "EUR"}});
        ASSERT_EQ(r.status, 201) << r.raw;
    }

    /// Parses an ISO 8601 field of `o` (the server's deadlines).
    static Clock::time_point when(const json::value& o, std::string_view key) {
        auto t = core::parse_iso8601(str(o, key));
        EXPECT_TRUE(t.has_value()) << key << " of " << to_string(o);
        return t ? Clock::time_point(*t) : Clock::time_point{};
    }

    static void sleep_until_past(Clock::time_point t) {
        std::this_thread::sleep_until(t + 50ms);  // the server's clock is this machine's clock
    }
};

TEST_F(EngagementRulesTest, TimedMuteAndBanEndByThemselves) {
    auto mute = post(*host_, "/moderation",
                     json::object{{"action", "mute"}, {"userId", "vic"}, {"durationSeconds", 2}});
    ASSERT_EQ(mute.status, 200) << mute.raw;
    EXPECT_TRUE(boolean(mute.body, "muted"));
    const auto muted_until = when(mute.body, "mutedUntil");
    if (Clock::now() < muted_until - 500ms) {
        auto refused = chat(*viewer_, "too early");
        EXPECT_EQ(refused.status, 403) << refused.raw;
        EXPECT_EQ(refused.error_code(), "muted");
        ASSERT_TRUE(refused.error_details().contains("until"));
        EXPECT_EQ(refused.error_details().at("until").as_string(), str(mute.body, "mutedUntil"));
    }
    sleep_until_past(muted_until);
    EXPECT_EQ(chat(*viewer_, "back").status, 201) << "the mute did not end at mutedUntil";

    auto ban = post(*host_, "/moderation",
                    json::object{{"action", "ban"}, {"userId", "vic"}, {"durationSeconds", 2}});
    ASSERT_EQ(ban.status, 200) << ban.raw;
    EXPECT_TRUE(boolean(ban.body, "banned"));
    const auto banned_until = when(ban.body, "bannedUntil");
    if (Clock::now() < banned_until - 500ms) {
        EXPECT_EQ(chat(*viewer_, "x").error_code(), "banned");
        EXPECT_EQ(post(*viewer_, "/reactions", json::object{{"reaction", "heart"}}).error_code(),
                  "banned");
    }
    sleep_until_past(banned_until);
    EXPECT_EQ(chat(*viewer_, "free again").status, 201) << "the ban did not end at bannedUntil";
    EXPECT_EQ(post(*viewer_, "/reactions", json::object{{"reaction", "heart"}}).status, 202);
    auto rt = realtime(*viewer_);
    EXPECT_GE(subscribe(*rt, topic_), 0) << "an expired ban still refuses the room topic";
}

TEST_F(EngagementRulesTest, SlowModeLimitsViewersFromTheLastAcceptedPost) {
    EXPECT_EQ(host_->request("PATCH", path(""), json::object{{"slowModeSeconds", 301}}).status,
              400);
    auto patched = host_->request("PATCH", path(""), json::object{{"slowModeSeconds", 2}});
    ASSERT_EQ(patched.status, 200) << patched.raw;
    EXPECT_EQ(num(patched.body, "slowModeSeconds"), 2);
    auto rt = realtime(*host_);
    const auto start = subscribe(*rt, topic_);

    auto first = chat(*viewer_, "one");
    ASSERT_EQ(first.status, 201) << first.raw;
    const auto accepted_at = when(first.body, "createdAt");
    int accepted = 1;
    // A second post right away is refused with the documented details.
    if (Clock::now() < accepted_at + 1500ms) {
        auto refused = chat(*viewer_, "two");
        EXPECT_EQ(refused.status, 429) << refused.raw;
        EXPECT_EQ(refused.error_code(), "slow_mode");
        const auto d = refused.error_details();
        ASSERT_TRUE(d.contains("retryAfterSeconds") && d.contains("slowModeSeconds"))
            << refused.raw;
        EXPECT_GE(d.at("retryAfterSeconds").as_int64(), 1);
        EXPECT_LE(d.at("retryAfterSeconds").as_int64(), 2);
        EXPECT_EQ(d.at("slowModeSeconds").as_int64(), 2);
    }
    // Host and co-host are exempt.
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(chat(*host_, "host " + std::to_string(i)).status, 201);
        EXPECT_EQ(chat(*cohost_, "cohost " + std::to_string(i)).status, 201);
        accepted += 2;
    }
    // One second in, a refused post; it must not restart the interval: once two seconds have
    // passed since the accepted post, the next one is accepted.
    std::this_thread::sleep_until(accepted_at + 1s);
    if (Clock::now() < accepted_at + 1800ms) {
        EXPECT_EQ(chat(*viewer_, "still early").error_code(), "slow_mode");
    }
    sleep_until_past(accepted_at + 2s);
    auto later = chat(*viewer_, "three");
    EXPECT_EQ(later.status, 201) << "a refused post restarted the slow-mode interval: "
                                 << later.raw;
    accepted += later.status == 201 ? 1 : 0;

    // Only accepted posts were announced.
    std::size_t messages = 0;
    for (const auto& e : of_topic(read_until_quiet(*rt, 1500ms), topic_)) {
        messages += str(e, "event") == "chat.message" ? 1 : 0;
        EXPECT_GT(num(e, "seq"), start);
    }
    EXPECT_EQ(messages, static_cast<std::size_t>(accepted));
    EXPECT_EQ(size_of(viewer_->request("GET", path("/messages?limit=50")).body, "messages"),
              static_cast<std::size_t>(accepted));
}

TEST_F(EngagementRulesTest, TwentyProductsAtMostAndARefusedListChangesNothing) {
    json::array twenty, twenty_one;
    for (int i = 0; i < 21; ++i) {
        const auto id = "item-" + std::to_string(i);
        create_product(id);
        if (i < 20) twenty.push_back(json::string(id));
    }
    twenty_one = twenty;
    twenty_one.push_back("item-20");
    auto rt = realtime(*host_);
    subscribe(*rt, topic_);

    auto ok = host_->request("PUT", path("/products"), json::object{{"productIds", twenty}});
    ASSERT_EQ(ok.status, 200) << ok.raw;
    ASSERT_EQ(size_of(ok.body, "products"), 20U);
    auto over = host_->request("PUT", path("/products"), json::object{{"productIds", twenty_one}});
    EXPECT_EQ(over.status, 400);
    EXPECT_EQ(over.error_code(), "too_many_products");
    ASSERT_TRUE(over.error_details().contains("max")) << over.raw;
    EXPECT_EQ(over.error_details().at("max").as_int64(), 20);
    // A co-host with the permission meets the same cap.
    host_->patch_member(room_, "cara", true);
    EXPECT_EQ(cohost_->request("PUT", path("/products"), json::object{{"productIds", twenty_one}})
                  .error_code(),
              "too_many_products");

    auto now = viewer_->request("GET", path("/products"));
    ASSERT_EQ(now.status, 200);
    const auto& listed = arr(now.body, "products");
    ASSERT_EQ(listed.size(), 20U);
    for (std::size_t i = 0; i < listed.size(); ++i) {
        EXPECT_EQ(str(listed[i], "productId"), twenty[i].as_string()) << "order kept at " << i;
    }
    std::size_t updates = 0;
    for (const auto& e : of_topic(read_until_quiet(*rt, 1500ms), topic_)) {
        if (str(e, "event") == "products.updated") {
            ++updates;
            EXPECT_EQ(size_of(at(e, "data"), "products"), 20U);
        }
    }
    EXPECT_EQ(updates, 1U) << "a refused PUT emitted products.updated";
}

TEST_F(EngagementRulesTest, AttributionStopsWhenTheCohostLeavesAndKeepsWhatWasCredited) {
    create_product("lamp");
    ASSERT_EQ(
        host_->request("PUT", path("/products"), json::object{{"productIds", json::array{"lamp"}}})
            .status,
        200);
    auto ann = login("ann");
    auto bob = login("bob");
    auto hit = [&](sdk::ApiClient& api, const char* type) {
        return post(api, "/products/lamp/events", json::object{{"type", type}}).status;
    };
    // While cara is on stage: host and cara are credited.
    EXPECT_EQ(hit(ann, "view"), 202);
    EXPECT_EQ(hit(ann, "click"), 202);
    EXPECT_EQ(hit(ann, "click"), 202);  // a repeat: accepted, not counted
    cohost_->leave_stage(room_);
    // After she left: only the host.
    EXPECT_EQ(hit(bob, "view"), 202);
    EXPECT_EQ(hit(bob, "click"), 202);
    EXPECT_EQ(hit(*viewer_, "view"), 202);

    auto stats = host_->request("GET", path("/products/stats"));
    ASSERT_EQ(stats.status, 200) << stats.raw;
    const auto& products = arr(stats.body, "products");
    ASSERT_EQ(products.size(), 1U) << stats.raw;
    EXPECT_EQ(str(products[0], "productId"), "lamp");
    EXPECT_EQ(num(products[0], "views"), 3);
    EXPECT_EQ(num(products[0], "clicks"), 2);
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> by;
    for (const auto& m : arr(products[0], "byMember")) {
        by[str(m, "userId")] = {num(m, "views"), num(m, "clicks")};
    }
    ASSERT_EQ(by.size(), 2U) << stats.raw;
    EXPECT_EQ(by["host"], std::make_pair(std::int64_t{3}, std::int64_t{2}));
    EXPECT_EQ(by["cara"], std::make_pair(std::int64_t{1}, std::int64_t{1}))
        << "cara lost what she earned on stage, or was credited after leaving";
    // The co-host who left may no longer read the stats (host and app backend only).
    EXPECT_EQ(cohost_->request("GET", path("/products/stats")).error_code(), "not_host");
}

TEST_F(EngagementRulesTest, ThousandReactionsFromFiftyUsersAddUpInPerSecondBursts) {
    auto rt = realtime(*host_);
    subscribe(*rt, topic_);
    constexpr int kUsers = 50;
    constexpr int kEach = 20;  // exactly the per-user limit: never more than 20 in one second
    std::vector<sdk::ApiClient> fans;
    for (int i = 0; i < kUsers; ++i) fans.push_back(login("fan" + std::to_string(i)));
    const std::array<const char*, 3> names{"heart", "fire", "clap"};  // by user: 17 / 17 / 16
    std::map<std::string, std::int64_t> sent;
    for (int i = 0; i < kUsers; ++i) sent[names[static_cast<std::size_t>(i) % 3]] += kEach;

    // Start just after a second boundary so that, on an idle machine, all posts share a second.
    const auto now_ms =
        core::to_unix_ms(std::chrono::time_point_cast<std::chrono::milliseconds>(Clock::now()));
    std::this_thread::sleep_until(
        Clock::time_point(std::chrono::milliseconds((now_ms / 1000 + 1) * 1000 + 20)));
    const auto first_sent = Clock::now();
    std::atomic<int> accepted{0}, other{0};
    std::vector<std::thread> threads;
    constexpr int kThreads = 10;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int u = t; u < kUsers; u += kThreads) {
                auto& api = fans[static_cast<std::size_t>(u)];
                const char* name = names[static_cast<std::size_t>(u) % 3];
                for (int k = 0; k < kEach; ++k) {
                    const int s = post(api, "/reactions", json::object{{"reaction", name}}).status;
                    (s == 202 ? accepted : other).fetch_add(1);
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    const auto last_answer = Clock::now();
    ASSERT_EQ(accepted.load(), kUsers * kEach) << other.load() << " refused";

    // Collect bursts until their counts add up (bounded), then make sure no more come.
    std::map<std::string, std::int64_t> got;
    std::set<std::string> seconds;
    std::int64_t total = 0;
    int bursts = 0;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (total < kUsers * kEach && std::chrono::steady_clock::now() < deadline) {
        auto f = next_non_pong(*rt, 500ms);
        if (!f || str(*f, "type") != "event" || str(*f, "event") != "reactions.burst") continue;
        ++bursts;
        const auto& data = at(*f, "data");
        EXPECT_EQ(str(data, "roomId"), room_);
        EXPECT_EQ(when(data, "to") - when(data, "from"), 1s) << to_string(data);
        EXPECT_TRUE(seconds.insert(str(data, "from")).second)
            << "two bursts for the second " << str(data, "from");
        for (const auto& [k, v] : at(data, "counts").as_object()) {
            got[std::string(k)] += v.as_int64();
            total += v.as_int64();
        }
    }
    for (const auto& f : read_until_quiet(*rt, 1500ms)) {
        EXPECT_NE(f.if_contains("event") ? str(f, "event") : std::string(), "reactions.burst")
            << "an extra burst: " << to_string(json::value(f));
    }
    EXPECT_EQ(got, sent);
    // One burst per wall-clock second that received posts: exactly one when every post was
    // sent and answered within the same second.
    const auto sec = [](Clock::time_point t) {
        return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    };
    const auto spanned = sec(last_answer) - sec(first_sent) + 1;
    EXPECT_LE(bursts, spanned);
    if (spanned == 1) {
        EXPECT_EQ(bursts, 1);
    }
    auto metrics = anonymous().request("GET", "/metrics");
    EXPECT_NE(metrics.raw.find("\ncohost_reactions_total 1000\n"), std::string::npos);
    EXPECT_NE(metrics.raw.find("\ncohost_reaction_bursts_total " + std::to_string(bursts) + "\n"),
              std::string::npos);
}

TEST_F(EngagementRulesTest, ConcurrentChatAndProductEventsReachEverySubscriberInOneOrder) {
    create_product("mug");
    create_product("cap");
    std::vector<sdk::ApiClient> watchers_api;
    for (const char* u : {"w1", "w2"}) watchers_api.push_back(login(u));
    std::vector<std::unique_ptr<sdk::RealtimeClient>> subs;
    subs.push_back(realtime(*host_));
    subs.push_back(realtime(*viewer_));
    for (auto& w : watchers_api) subs.push_back(realtime(w));
    std::vector<std::int64_t> starts;
    for (auto& s : subs) starts.push_back(subscribe(*s, topic_));

    // Three users chat at once while the host manages products.
    constexpr int kPerUser = 15;
    std::vector<std::thread> posters;
    std::atomic<int> posted{0};
    std::vector<sdk::ApiClient> authors;
    authors.push_back(login("vic", "Vic"));
    authors.push_back(login("cara", "Cara"));
    authors.push_back(login("w1"));
    for (std::size_t a = 0; a < authors.size(); ++a) {
        posters.emplace_back([&, a] {
            for (int i = 0; i < kPerUser; ++i) {
                auto r = chat(authors[a], "a" + std::to_string(a) + "-" + std::to_string(i));
                posted.fetch_add(r.status == 201 ? 1 : 0);
            }
        });
    }
    int product_events = 0;
    auto put = host_->request("PUT", path("/products"),
                              json::object{{"productIds", json::array{"mug", "cap"}}});
    product_events += put.status == 200 ? 1 : 0;  // products.updated
    product_events += post(*host_, "/products/mug/pin", json::object{}).status == 200 ? 2 : 0;
    product_events += post(*host_, "/products/cap/pin", json::object{}).status == 200 ? 3 : 0;
    product_events += post(*host_, "/products/unpin", json::object{}).status == 200 ? 2 : 0;
    for (auto& th : posters) th.join();
    ASSERT_EQ(posted.load(), 3 * kPerUser);
    ASSERT_EQ(product_events, 8);
    const std::size_t want = 3 * kPerUser + 8;

    // Every subscriber sees the same events in the same order, seqs without gaps, and each
    // author's messages in the order they were posted.
    std::vector<std::vector<std::string>> seen(subs.size());
    for (std::size_t s = 0; s < subs.size(); ++s) {
        std::int64_t last = starts[s];
        std::vector<int> next_of_author(authors.size(), 0);
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (seen[s].size() < want && std::chrono::steady_clock::now() < deadline) {
            auto f = next_non_pong(*subs[s], 500ms);
            if (!f || str(*f, "type") != "event" || str(*f, "topic") != topic_) continue;
            EXPECT_EQ(num(*f, "seq"), last + 1) << "subscriber " << s;
            last = num(*f, "seq");
            const auto name = str(*f, "event");
            if (name == "viewers.count") continue;
            std::string key = name;
            if (name == "chat.message") {
                key = str(at(*f, "data"), "text");
                const auto a = static_cast<std::size_t>(key[1] - '0');
                ASSERT_LT(a, authors.size());
                EXPECT_EQ(key, "a" + std::to_string(a) + "-" + std::to_string(next_of_author[a]))
                    << "subscriber " << s << ": an author's messages out of order";
                ++next_of_author[a];
            } else if (name == "products.pinned" || name == "products.unpinned") {
                key += ":" + str(at(*f, "data"), "productId");
            }
            seen[s].push_back(key);
        }
        ASSERT_EQ(seen[s].size(), want) << "subscriber " << s << " missed events";
    }
    for (std::size_t s = 1; s < subs.size(); ++s) {
        EXPECT_EQ(seen[s], seen[0]) << "subscriber " << s << " saw another order";
    }
    // The product events keep their documented relative order.
    std::vector<std::string> product_seq;
    for (const auto& k : seen[0]) {
        if (k.rfind("products.", 0) == 0) product_seq.push_back(k);
    }
    EXPECT_EQ(product_seq, (std::vector<std::string>{"products.updated", "products.pinned:mug",
                                                     "products.updated", "products.unpinned:mug",
                                                     "products.pinned:cap", "products.updated",
                                                     "products.unpinned:cap", "products.updated"}));
}

}  // namespace
}  // namespace cohost::it
