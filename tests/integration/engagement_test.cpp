// Engagement over real HTTP and WebSocket (product.md §7, §10; docs/engagement.md): chat and
// product events reach room subscribers in order, reactions arrive as one burst per second,
// the viewer count follows subscribers (also abrupt disconnects), the authorization matrix,
// and malformed or oversized input changes nothing.
#include "engagement_fixture.hpp"

namespace cohost::it {
namespace {

class EngagementTest : public EngagementFixture {
protected:
    void SetUp() override {
        ServerTest::SetUp();
        open_room("Shop live", true);
    }

    sdk::ApiResponse post(sdk::ApiClient& api, std::string_view rest, json::value body) {
        return api.request("POST", path(rest), std::move(body));
    }

    void create_product(const std::string& id) {
        auto admin_api = admin();
        auto r = admin_api.request("POST", "/v1/products",
                                   json::object{{"productId", id},
                                                {"name", "Product " + id},
                                                {"url", "https://shop.example/" + id},
                                                {"price", "9.99"},
                                                {"currency", "USD"}});
        ASSERT_EQ(r.status, 201) << r.raw;
    }
};

TEST_F(EngagementTest, ChatAndProductEventsReachSubscribersInOrder) {
    create_product("shoe");
    create_product("hat");
    auto rt = realtime(*viewer_);
    const auto start = subscribe(*rt, topic_);
    ASSERT_GE(start, 0);

    auto m1 = post(*viewer_, "/messages", json::object{{"text", "first"}});
    ASSERT_EQ(m1.status, 201) << m1.raw;
    ASSERT_EQ(post(*cohost_, "/messages", json::object{{"text", "second"}}).status, 201);
    ASSERT_EQ(host_
                  ->request("PUT", path("/products"),
                            json::object{{"productIds", json::array{"shoe", "hat"}}})
                  .status,
              200);
    ASSERT_EQ(post(*host_, "/products/shoe/pin", json::object{}).status, 200);
    ASSERT_EQ(post(*host_, "/products/hat/pin", json::object{}).status, 200);  // replaces
    const auto mid = str(m1.body, "messageId");
    ASSERT_EQ(cohost_->request("DELETE", path("/messages/" + mid)).status, 200);
    ASSERT_EQ(post(*host_, "/moderation",
                   json::object{{"action", "mute"}, {"userId", "vic"}, {"durationSeconds", 60}})
                  .status,
              200);

    const std::vector<std::string> expected = {
        "chat.message",     "chat.message",      "products.updated", "products.pinned",
        "products.updated", "products.unpinned", "products.pinned",  "products.updated",
        "chat.deleted",     "chat.moderation"};
    std::vector<json::object> others;
    auto events = read_events(*rt, topic_, expected.size() + 4, 3s, &others);
    // Drop what is not part of this sequence (viewers.count of our own subscription).
    std::vector<json::object> seq;
    std::int64_t last = start;
    for (const auto& e : events) {
        EXPECT_EQ(num(e, "seq"), last + 1) << "gap or reorder at " << str(e, "event");
        last = num(e, "seq");
        if (str(e, "event") != "viewers.count") seq.push_back(e);
    }
    std::vector<std::string> names;
    for (const auto& e : seq) names.push_back(str(e, "event"));
    ASSERT_EQ(names, expected) << event_names(events);
    EXPECT_EQ(str(at(seq[0], "data"), "text"), "first");
    EXPECT_EQ(str(at(at(seq[1], "data"), "author"), "role"), "cohost");
    EXPECT_EQ(str(at(seq[5], "data"), "reason"), "replaced");
    EXPECT_EQ(str(at(seq[8], "data"), "messageId"), mid);
    EXPECT_EQ(str(at(seq[9], "data"), "action"), "mute");

    // The muted viewer is refused with the documented code and nothing is emitted.
    auto muted = post(*viewer_, "/messages", json::object{{"text", "x"}});
    EXPECT_EQ(muted.status, 403);
    EXPECT_EQ(muted.error_code(), "muted");
    EXPECT_TRUE(muted.error_details().contains("until"));
}

TEST_F(EngagementTest, ReactionsArriveAsOneBurstPerSecondWithCounts) {
    auto rt = realtime(*host_);
    subscribe(*rt, topic_);
    std::vector<std::unique_ptr<sdk::ApiClient>> fans;
    for (int i = 0; i < 5; ++i)
        fans.push_back(std::make_unique<sdk::ApiClient>(login("fan" + std::to_string(i))));
    int accepted = 0;
    for (int round = 0; round < 4; ++round) {
        for (auto& f : fans) {
            auto r = f->request("POST", path("/reactions"),
                                json::object{{"reaction", round % 2 == 0 ? "heart" : "fire"}});
            accepted += r.status == 202 ? 1 : 0;
        }
    }
    ASSERT_EQ(accepted, 20);
    // Gather bursts for a little over two seconds: the 20 reactions may straddle a second.
    std::int64_t heart = 0, fire = 0;
    std::vector<std::string> seconds;
    const auto deadline = std::chrono::steady_clock::now() + 2500ms;
    while (std::chrono::steady_clock::now() < deadline) {
        auto f = next_non_pong(*rt, 200ms);
        if (!f || str(*f, "type") != "event" || str(*f, "event") != "reactions.burst") continue;
        const auto& data = at(*f, "data");
        const auto& counts = at(data, "counts").as_object();
        if (counts.contains("heart")) heart += counts.at("heart").as_int64();
        if (counts.contains("fire")) fire += counts.at("fire").as_int64();
        seconds.push_back(str(data, "from"));
    }
    EXPECT_EQ(heart, 10);
    EXPECT_EQ(fire, 10);
    ASSERT_FALSE(seconds.empty());
    EXPECT_LE(seconds.size(), 2U);
    for (std::size_t i = 1; i < seconds.size(); ++i) EXPECT_NE(seconds[i], seconds[i - 1]);
    auto metrics = anonymous().request("GET", "/metrics");
    ASSERT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.raw.find("\ncohost_reactions_total 20\n"), std::string::npos) << metrics.raw;
    EXPECT_NE(
        metrics.raw.find("\ncohost_reaction_bursts_total " + std::to_string(seconds.size()) + "\n"),
        std::string::npos)
        << metrics.raw;
}

TEST_F(EngagementTest, ViewerCountFollowsSubscribersIncludingAbruptDisconnects) {
    auto watcher = realtime(*host_);  // a stage member: never counted
    subscribe(*watcher, topic_);
    auto a = realtime(*viewer_);
    subscribe(*a, topic_);
    auto other = login("olga");
    auto b = realtime(other);
    subscribe(*b, topic_);
    auto b2 = realtime(other);  // the same user twice counts once
    subscribe(*b2, topic_);

    auto wait_count = [&](std::int64_t want) {
        const auto deadline = std::chrono::steady_clock::now() + 4s;
        std::int64_t seen = -1;
        while (std::chrono::steady_clock::now() < deadline) {
            auto f = next_non_pong(*watcher, 200ms);
            if (f && str(*f, "type") == "event" && str(*f, "event") == "viewers.count") {
                seen = num(at(*f, "data"), "count");
                if (seen == want) return seen;
            }
        }
        return seen;
    };
    EXPECT_EQ(wait_count(2), 2);
    auto list = viewer_->request("GET", path("/viewers"));
    ASSERT_EQ(list.status, 200);
    EXPECT_EQ(num(list.body, "count"), 2);
    EXPECT_EQ(size_of(list.body, "viewers"), 2U);

    a->drop();  // network loss, no close handshake
    EXPECT_EQ(wait_count(1), 1);
    b->close();
    b2->close();
    EXPECT_EQ(wait_count(0), 0);
    EXPECT_EQ(num(viewer_->request("GET", path("/viewers")).body, "count"), 0);
}

TEST_F(EngagementTest, AuthorizationMatrix) {
    create_product("shoe");
    // Host, co-host and viewer may chat; no token may not.
    EXPECT_EQ(post(*host_, "/messages", json::object{{"text", "h"}}).status, 201);
    EXPECT_EQ(post(*cohost_, "/messages", json::object{{"text", "c"}}).status, 201);
    auto vmsg = post(*viewer_, "/messages", json::object{{"text", "v"}});
    EXPECT_EQ(vmsg.status, 201);
    auto anon = anonymous();
    EXPECT_EQ(anon.request("POST", path("/messages"), json::object{{"text", "x"}}).status, 401);
    EXPECT_EQ(anon.request("GET", path("/messages")).status, 401);
    EXPECT_EQ(anon.request("POST", path("/reactions"), json::object{{"reaction", "heart"}}).status,
              401);
    // Products: viewers and co-hosts without the permission may not tag or pin.
    const json::object ids{{"productIds", json::array{"shoe"}}};
    EXPECT_EQ(viewer_->request("PUT", path("/products"), ids).error_code(), "forbidden");
    EXPECT_EQ(cohost_->request("PUT", path("/products"), ids).error_code(), "forbidden");
    host_->patch_member(room_, "cara", true);
    EXPECT_EQ(cohost_->request("PUT", path("/products"), ids).status, 200);
    EXPECT_EQ(post(*cohost_, "/products/shoe/pin", json::object{}).status, 200);
    host_->patch_member(room_, "cara", false);  // revoked
    EXPECT_EQ(post(*cohost_, "/products/unpin", json::object{}).error_code(), "forbidden");
    // Moderation: viewers never, co-hosts mute viewers only, nobody moderates the host.
    EXPECT_EQ(post(*viewer_, "/moderation",
                   json::object{{"action", "mute"}, {"userId", "cara"}, {"durationSeconds", 5}})
                  .error_code(),
              "forbidden");
    EXPECT_EQ(post(*cohost_, "/moderation", json::object{{"action", "ban"}, {"userId", "vic"}})
                  .error_code(),
              "forbidden");
    EXPECT_EQ(post(*cohost_, "/moderation",
                   json::object{{"action", "mute"}, {"userId", "host"}, {"durationSeconds", 5}})
                  .error_code(),
              "forbidden");
    // Stats: host and app backend only.
    EXPECT_EQ(viewer_->request("GET", path("/products/stats")).error_code(), "not_host");
    auto admin_api = admin();
    EXPECT_EQ(admin_api.request("GET", path("/products/stats")).status, 200);
    // A banned viewer: no chat, no reactions, no viewer credentials, no new subscription.
    ASSERT_EQ(
        post(*host_, "/moderation", json::object{{"action", "ban"}, {"userId", "vic"}}).status,
        200);
    EXPECT_EQ(post(*viewer_, "/messages", json::object{{"text", "x"}}).error_code(), "banned");
    EXPECT_EQ(post(*viewer_, "/reactions", json::object{{"reaction", "heart"}}).error_code(),
              "banned");
    EXPECT_EQ(post(*viewer_, "/viewer-token", json::object{}).error_code(), "banned");
    EXPECT_EQ(
        viewer_->request("DELETE", path("/messages/" + str(vmsg.body, "messageId"))).error_code(),
        "banned");
    auto rt = realtime(*viewer_);
    rt->subscribe(topic_);
    auto frame = next_non_pong(*rt, 3s);
    ASSERT_TRUE(frame.has_value());
    EXPECT_EQ(str(*frame, "type"), "error");
    EXPECT_EQ(str(*frame, "code"), "banned");
    // Unban restores access.
    ASSERT_EQ(
        post(*host_, "/moderation", json::object{{"action", "unban"}, {"userId", "vic"}}).status,
        200);
    EXPECT_EQ(post(*viewer_, "/messages", json::object{{"text", "back"}}).status, 201);
}

TEST_F(EngagementTest, ABanEndsTheViewersLiveSubscriptionButNotOthers) {
    auto banned = realtime(*viewer_);
    ASSERT_GE(subscribe(*banned, topic_), 0);
    auto other = realtime(*cohost_);
    ASSERT_GE(subscribe(*other, topic_), 0);
    ASSERT_EQ(
        post(*host_, "/moderation", json::object{{"action", "ban"}, {"userId", "vic"}}).status,
        200);
    // The viewer hears of its ban, then the topic ends for it with an error frame.
    bool saw_ban = false;
    std::optional<json::object> end;
    for (int i = 0; i < 10 && !end; ++i) {
        auto f = next_non_pong(*banned, 3s);
        ASSERT_TRUE(f.has_value()) << "no frame after the ban";
        if (str(*f, "type") == "event" && str(*f, "event") == "chat.moderation") {
            saw_ban = true;
        } else if (str(*f, "type") == "error") {
            end = *f;
        }
    }
    ASSERT_TRUE(end.has_value());
    EXPECT_TRUE(saw_ban) << "the ban event comes first";
    EXPECT_EQ(str(*end, "code"), "banned");
    EXPECT_EQ(str(*end, "topic"), topic_);
    // Later room events reach the co-host, not the banned viewer.
    ASSERT_EQ(post(*host_, "/messages", json::object{{"text", "after"}}).status, 201);
    auto got = read_events(*other, topic_, 10, 3s);
    bool cohost_saw = false;
    for (const auto& e : got) {
        cohost_saw = cohost_saw || str(e, "event") == "chat.message";
    }
    EXPECT_TRUE(cohost_saw);
    for (const auto& f : read_until_quiet(*banned, 500ms)) {
        EXPECT_EQ(f.if_contains("topic") ? str(f, "topic") : std::string(), std::string())
            << "a banned viewer still got a frame of a topic: " << to_string(json::value(f));
    }
}

TEST_F(EngagementTest, MalformedAndOversizeInputChangesNothing) {
    auto rt = realtime(*host_);
    const auto start = subscribe(*rt, topic_);
    const std::string big(2001, 'x');
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"/messages", "{"},
        {"/messages", "[]"},
        {"/messages", R"({"text": 5})"},
        {"/messages", R"({"text": ""})"},
        {"/messages", R"({"text": "hi", "extra": 1})"},
        {"/messages", R"({"text": ")" + big + "\"}"},
        {"/messages", R"({"text": "\ud800"})"},
        {"/moderation", R"({"action": "kick", "userId": "vic"})"},
        {"/moderation", R"({"action": "mute", "userId": "vic", "durationSeconds": 1.5})"},
        {"/moderation", R"({"action": "mute", "userId": "vic", "durationSeconds": -1})"},
        {"/reactions", R"({"reaction": "poop"})"},
        {"/reactions", R"({"reaction": null})"},
        {"/products", R"({"productIds": "shoe"})"},
        {"/products", R"({"productIds": [1, 2]})"},
    };
    for (const auto& [route, body] : bad) {
        const std::string method = route == "/products" ? "PUT" : "POST";
        auto r =
            host_->request_raw(method, path(route), body, {{"Content-Type", "application/json"}});
        EXPECT_EQ(r.status, 400) << method << " " << route << " " << body << " -> " << r.raw;
        EXPECT_TRUE(r.error_code() == "invalid_json" || r.error_code() == "invalid_argument")
            << r.raw;
    }
    auto huge = host_->request_raw("POST", path("/messages"),
                                   R"({"text": ")" + std::string(70 * 1024, 'y') + "\"}",
                                   {{"Content-Type", "application/json"}});
    EXPECT_EQ(huge.status, 413);
    // Nothing was stored or emitted.
    auto fresh = login("host", "Hanna");
    EXPECT_EQ(size_of(fresh.request("GET", path("/messages")).body, "messages"), 0U);
    EXPECT_EQ(size_of(fresh.request("GET", path("/products")).body, "products"), 0U);
    auto frames = read_until_quiet(*rt, 1500ms);
    for (const auto& f : of_topic(frames, topic_)) {
        EXPECT_EQ(str(f, "event"), "viewers.count") << "unexpected event after seq " << start;
    }
}

}  // namespace
}  // namespace cohost::it
