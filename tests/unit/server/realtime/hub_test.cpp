// Realtime hub protocol over real sockets: subscribe, events, resume, refusals, malformed frames.
#include "cohost/server/realtime/hub.hpp"

#include "unit/server/realtime/hub_fixture.hpp"

namespace cohost::server::realtime::testing {
namespace {

using HubTest = HubFixture;

std::int64_t seq_of(const json::object& o) { return o.at("seq").as_int64(); }

TEST_F(HubTest, SubscribeAnswersSubscribedWithLastAssignedSeq) {
    start();
    store.append("room:RM_b");
    store.append("room:RM_b");
    store.append("room:RM_b");
    Client& c = connect();

    const json::object empty = subscribe(c, "room:RM_a");
    EXPECT_EQ(empty.at("type"), "subscribed");
    EXPECT_EQ(empty.at("topic"), "room:RM_a");
    EXPECT_EQ(seq_of(empty), 0);

    const json::object three = subscribe(c, "room:RM_b");
    EXPECT_EQ(three.at("type"), "subscribed");
    EXPECT_EQ(seq_of(three), 3);
    EXPECT_EQ(hub->subscriber_count("room:RM_b"), 1U);
    EXPECT_EQ(hub->connection_count(), 1U);
    EXPECT_EQ(authorized, (std::vector<std::string>{"U_alice room:RM_a", "U_alice room:RM_b"}));
    expect_nothing_pending(c);
}

TEST_F(HubTest, PublishDeliversTheEventFrame) {
    start();
    Client& c = connect();
    subscribe(c, "room:RM_a");
    const auto e = store.append("room:RM_a", "room.live", R"({"roomId":"RM_a","status":"live"})");
    hub->publish({e});

    const std::string text = next(c);
    EXPECT_EQ(text, render_event_frame(e));
    const json::object o = json::parse(text).as_object();
    EXPECT_EQ(o.at("type"), "event");
    EXPECT_EQ(o.at("topic"), "room:RM_a");
    EXPECT_EQ(seq_of(o), 1);
    EXPECT_EQ(o.at("event"), "room.live");
    EXPECT_EQ(o.at("at"), json::value(core::format_iso8601(e.at)));
    EXPECT_EQ(o.at("data"), json::parse(R"({"roomId":"RM_a","status":"live"})"));
}

TEST_F(HubTest, PublishReachesOnlySubscribersOfTheTopic) {
    start();
    Client& a = connect();
    Client& b = connect();
    subscribe(a, "room:RM_a");
    subscribe(b, "room:RM_b");
    hub->publish({store.append("room:RM_a"), store.append("room:RM_b"), store.append("user:U_z")});

    EXPECT_EQ(next_json(a).at("topic"), "room:RM_a");
    EXPECT_EQ(next_json(b).at("topic"), "room:RM_b");
    expect_nothing_pending(a);
    expect_nothing_pending(b);
}

TEST_F(HubTest, SinceReplaysMissedEventsInOrderBeforeLiveOnes) {
    start();
    for (int i = 0; i < 5; ++i) {
        store.append("room:RM_a");
    }
    Client& c = connect();
    const json::object sub = subscribe(c, "room:RM_a", 2);
    EXPECT_EQ(sub.at("type"), "subscribed");
    EXPECT_EQ(seq_of(sub), 5);
    hub->publish({store.append("room:RM_a")});

    for (std::int64_t want = 3; want <= 6; ++want) {
        const json::object ev = next_json(c);
        EXPECT_EQ(ev.at("type"), "event");
        EXPECT_EQ(seq_of(ev), want);
    }
    expect_nothing_pending(c);
}

TEST_F(HubTest, ReplayLoopsWhenMoreThanReplayLimitRemain) {
    HubOptions o = test_options();
    o.replay_limit = 2;
    start(o);
    for (int i = 0; i < 7; ++i) {
        store.append("room:RM_a");
    }
    Client& c = connect();
    EXPECT_EQ(seq_of(subscribe(c, "room:RM_a", 0)), 7);
    for (std::int64_t want = 1; want <= 7; ++want) {
        EXPECT_EQ(seq_of(next_json(c)), want);
    }
    expect_nothing_pending(c);
    EXPECT_EQ(store.events_after_calls, 4);  // 2 + 2 + 2 + 1
}

TEST_F(HubTest, SinceAtOrPastTheLastSeqReplaysNothing) {
    start();
    store.append("room:RM_a");
    store.append("room:RM_a");
    Client& c = connect();
    EXPECT_EQ(seq_of(subscribe(c, "room:RM_a", 2)), 2);
    EXPECT_EQ(seq_of(subscribe(c, "room:RM_a", 9)), 2);
    expect_nothing_pending(c);
    EXPECT_EQ(store.events_after_calls, 0);
}

TEST_F(HubTest, ResyncRequiredWhenTheGapWasPrunedAndTheSubscriptionStaysLive) {
    start();
    for (int i = 0; i < 6; ++i) {
        store.append("room:RM_a");
    }
    store.prune_below("room:RM_a", 5);  // 1..4 gone
    Client& c = connect();
    EXPECT_EQ(seq_of(subscribe(c, "room:RM_a", 2)), 6);
    const json::object resync = next_json(c);
    EXPECT_EQ(resync.at("type"), "resync_required");
    EXPECT_EQ(resync.at("topic"), "room:RM_a");
    EXPECT_EQ(seq_of(resync), 6);

    hub->publish({store.append("room:RM_a")});
    EXPECT_EQ(seq_of(next_json(c)), 7);

    // since = 4 is still covered: 5 and 6 are retained.
    Client& d = connect();
    EXPECT_EQ(seq_of(subscribe(d, "room:RM_a", 4)), 7);
    EXPECT_EQ(seq_of(next_json(d)), 5);
    EXPECT_EQ(seq_of(next_json(d)), 6);
    EXPECT_EQ(seq_of(next_json(d)), 7);
    expect_nothing_pending(d);
}

TEST_F(HubTest, ResyncRequiredWhenNothingIsRetained) {
    start();
    store.append("room:RM_a");
    store.append("room:RM_a");
    store.prune_below("room:RM_a", 100);
    Client& c = connect();
    subscribe(c, "room:RM_a", 1);
    EXPECT_EQ(next_json(c).at("type"), "resync_required");
    expect_nothing_pending(c);
}

TEST_F(HubTest, EventCommittedBeforeSubscribeButPublishedAfterIsDeliveredOnce) {
    start();
    hub->publish({store.append("room:RM_a")});
    const auto e2 = store.append("room:RM_a");  // committed, publish still in flight
    const auto e3 = store.append("room:RM_a");
    Client& c = connect();
    EXPECT_EQ(seq_of(subscribe(c, "room:RM_a", 0)), 3);
    hub->publish({e2, e3});  // the late publish: already replayed, must not repeat
    hub->publish({store.append("room:RM_a")});

    for (std::int64_t want = 1; want <= 4; ++want) {
        EXPECT_EQ(seq_of(next_json(c)), want);
    }
    expect_nothing_pending(c);
}

// Publishes events 1..N as a chain of posted tasks (commit then publish, the publish lagging the
// commit by `lag` events) while clients subscribe at arbitrary points in between. Every client
// must then see subscribed(S), and the events since+1..N exactly once, in order.
class HubInterleaving : public HubFixture, public ::testing::WithParamInterface<int> {};

TEST_P(HubInterleaving, NoGapAndNoDuplicateAroundSubscribe) {
    const int lag = GetParam();
    constexpr int kEvents = 300;
    constexpr int kClients = 6;
    HubOptions o = test_options();
    o.queue_limit = 1024;  // one event per loop turn outpaces one write per turn: not the point
    start(o);
    std::vector<Client*> cs;
    for (int i = 0; i < kClients; ++i) {
        cs.push_back(&connect());
    }
    std::vector<store::StoredEvent> unpublished;
    std::vector<std::int64_t> since(kClients, -1);
    int n = 0;
    std::function<void()> step = [&] {
        unpublished.push_back(store.append("room:RM_a"));
        ++n;
        if (static_cast<int>(unpublished.size()) > lag || n == kEvents) {
            hub->publish(unpublished);
            unpublished.clear();
        }
        for (int i = 0; i < kClients; ++i) {
            if (n == 10 + 45 * i) {  // subscribe mid-stream; odd clients without since
                since[static_cast<std::size_t>(i)] = i % 2 == 0 ? n / 2 : -1;
                std::string f = R"({"type":"subscribe","topic":"room:RM_a")";
                if (i % 2 == 0) {
                    f += ",\"since\":" + std::to_string(n / 2);
                }
                auto text = std::make_shared<std::string>(f + "}");
                cs[static_cast<std::size_t>(i)]->ws.async_write(
                    net::buffer(*text), [text](beast::error_code, std::size_t) {});
            }
        }
        if (n < kEvents) {
            net::post(ioc, step);
        }
    };
    net::post(ioc, step);
    // Done when a client holds `subscribed` and every event after its starting point. (Not "the
    // last frame has seq N": `subscribed` itself carries N when the subscribe came after the
    // last publish, with the replay still on its way.)
    auto done = [&](int i) {
        const Client& c = *cs[static_cast<std::size_t>(i)];
        if (c.frames.empty()) {
            return false;
        }
        const std::int64_t s = json::parse(c.frames.front()).as_object().at("seq").as_int64();
        const std::int64_t from = since[static_cast<std::size_t>(i)] >= 0
                                      ? std::min(since[static_cast<std::size_t>(i)], s)
                                      : s;
        return static_cast<std::int64_t>(c.frames.size()) >= 1 + kEvents - from;
    };
    ASSERT_TRUE(run_until(
        [&] {
            for (int i = 0; i < kClients; ++i) {
                if (!done(i)) {
                    return false;
                }
            }
            return true;
        },
        10s))
        << [&] {
               std::string why = "n=" + std::to_string(n);
               for (Client* c : cs) {
                   why += " | frames=" + std::to_string(c->frames.size()) +
                          (c->frames.empty()
                               ? ""
                               : " first=" + c->frames.front() + " last=" + c->frames.back());
               }
               return why;
           }();

    EXPECT_EQ(hub->slow_consumer_drops(), 0U);
    for (int i = 0; i < kClients; ++i) {
        Client& c = *cs[static_cast<std::size_t>(i)];
        const json::object sub = json::parse(c.frames.front()).as_object();
        ASSERT_EQ(sub.at("type"), "subscribed");
        const std::int64_t s = seq_of(sub);
        const std::int64_t from = since[static_cast<std::size_t>(i)] >= 0
                                      ? since[static_cast<std::size_t>(i)]
                                      : s;  // no since: live events after `subscribed` only
        ASSERT_EQ(static_cast<std::int64_t>(c.frames.size()), 1 + kEvents - from) << "client " << i;
        for (std::size_t k = 1; k < c.frames.size(); ++k) {
            EXPECT_EQ(seq_of(json::parse(c.frames[k]).as_object()),
                      from + static_cast<std::int64_t>(k))
                << "client " << i;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(PublishLag, HubInterleaving, ::testing::Values(0, 3));

TEST_F(HubTest, RefusedSubscribeAnswersErrorAndKeepsTheSocket) {
    start();
    refusals["user:U_bob"] = rooms::Error{rooms::Errc::Forbidden, "not your topic", {}};
    refusals["room:RM_nope"] = rooms::Error{rooms::Errc::NotFound, "no such room", {}};
    Client& c = connect();

    const json::object err = subscribe(c, "user:U_bob");
    EXPECT_EQ(err.at("type"), "error");
    EXPECT_EQ(err.at("code"), "forbidden");
    EXPECT_EQ(err.at("message"), "not your topic");
    EXPECT_EQ(err.at("topic"), "user:U_bob");
    EXPECT_EQ(subscribe(c, "room:RM_nope").at("code"), "not_found");
    EXPECT_EQ(hub->subscriber_count("user:U_bob"), 0U);

    hub->publish({store.append("user:U_bob")});
    EXPECT_EQ(subscribe(c, "user:U_alice").at("type"), "subscribed");
    expect_nothing_pending(c);
}

TEST_F(HubTest, StoreFailureDuringSubscribeAnswersInternalError) {
    start();
    Client& c = connect();
    store.fail = true;
    const json::object err = subscribe(c, "room:RM_a", 0);
    EXPECT_EQ(err.at("type"), "error");
    EXPECT_EQ(err.at("code"), "internal");
    EXPECT_EQ(err.at("topic"), "room:RM_a");
    EXPECT_EQ(hub->subscriber_count("room:RM_a"), 0U);
    store.fail = false;
    EXPECT_EQ(subscribe(c, "room:RM_a").at("type"), "subscribed");
}

TEST_F(HubTest, MalformedFramesAnswerErrorsAndKeepTheSocket) {
    start();
    Client& c = connect();
    struct Case {
        std::string frame;
        std::string code;
    };
    const std::vector<Case> cases = {
        {"{not json", "invalid_json"},
        {"", "invalid_json"},
        {"[1,2]", "invalid_argument"},
        {R"({"topic":"room:RM_a"})", "invalid_argument"},
        {R"({"type":"dance"})", "invalid_argument"},
        {R"({"type":7})", "invalid_argument"},
        {R"({"type":"subscribe"})", "invalid_argument"},
        {R"({"type":"subscribe","topic":"lobby:x"})", "invalid_argument"},
        {R"({"type":"subscribe","topic":"room:"})", "invalid_argument"},
        {R"({"type":"subscribe","topic":"room:RM_a","since":-1})", "invalid_argument"},
        {R"({"type":"subscribe","topic":"room:RM_a","since":1.5})", "invalid_argument"},
        {R"({"type":"subscribe","topic":"room:RM_a","since":"3"})", "invalid_argument"},
        {R"({"type":"unsubscribe","topic":42})", "invalid_argument"},
    };
    for (const Case& k : cases) {
        send(c, k.frame);
        const json::object err = next_json(c);
        EXPECT_EQ(err.at("type"), "error") << k.frame;
        EXPECT_EQ(err.at("code"), json::value(k.code)) << k.frame;
        EXPECT_TRUE(err.at("message").is_string()) << k.frame;
    }
    send(c, R"({"type":"ping"})", /*binary=*/true);
    const json::object bin = next_json(c);
    EXPECT_EQ(bin.at("code"), "invalid_argument");
    EXPECT_EQ(hub->subscriber_count("room:RM_a"), 0U);
    expect_nothing_pending(c);
    EXPECT_FALSE(c.closed);
}

TEST_F(HubTest, ErrorEchoesTheTopicOfAnInvalidSubscribe) {
    start();
    Client& c = connect();
    send(c, R"({"type":"subscribe","topic":"room:RM_a","since":-3})");
    const json::object err = next_json(c);
    EXPECT_EQ(err.at("topic"), "room:RM_a");
}

TEST_F(HubTest, ConnectionSubscriptionsAreCapped) {
    start();
    Client& c = connect();
    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(subscribe(c, "room:RM_" + std::to_string(i)).at("type"), "subscribed");
    }
    const json::object err = subscribe(c, "room:RM_extra");
    EXPECT_EQ(err.at("type"), "error");
    EXPECT_EQ(err.at("code"), "invalid_argument");
    EXPECT_EQ(err.at("topic"), "room:RM_extra");
    EXPECT_EQ(subscribe(c, "room:RM_7").at("type"), "subscribed");  // already one: fine
}

TEST_F(HubTest, UnsubscribeStopsDelivery) {
    start();
    Client& c = connect();
    subscribe(c, "room:RM_a");
    send(c, R"({"type":"unsubscribe","topic":"room:RM_a"})");
    const json::object un = next_json(c);
    EXPECT_EQ(un.at("type"), "unsubscribed");
    EXPECT_EQ(un.at("topic"), "room:RM_a");
    EXPECT_EQ(hub->subscriber_count("room:RM_a"), 0U);
    hub->publish({store.append("room:RM_a")});
    expect_nothing_pending(c);
    // Unsubscribing from a topic one is not subscribed to is answered the same way.
    send(c, R"({"type":"unsubscribe","topic":"room:RM_zzz"})");
    EXPECT_EQ(next_json(c).at("type"), "unsubscribed");
}

TEST_F(HubTest, PingIsAnsweredWithPong) {
    start();
    Client& c = connect();
    send(c, R"({"type":"ping","extra":true})");
    EXPECT_EQ(next(c), R"({"type":"pong"})");
}

TEST_F(HubTest, SubscribingTwiceIsIdempotentWithoutDuplicateDelivery) {
    start();
    RecordingListener listener;
    hub->set_listener(&listener);
    store.append("room:RM_a");
    Client& c = connect();
    EXPECT_EQ(seq_of(subscribe(c, "room:RM_a")), 1);
    EXPECT_EQ(seq_of(subscribe(c, "room:RM_a")), 1);
    EXPECT_EQ(seq_of(subscribe(c, "room:RM_a", 0)), 1);
    EXPECT_EQ(seq_of(next_json(c)), 1);  // the requested replay, again
    EXPECT_EQ(hub->subscriber_count("room:RM_a"), 1U);
    hub->publish({store.append("room:RM_a")});
    EXPECT_EQ(seq_of(next_json(c)), 2);
    expect_nothing_pending(c);
    EXPECT_EQ(listener.calls, (std::vector<std::string>{"+U_alice room:RM_a"}));
    hub->set_listener(nullptr);
}

TEST_F(HubTest, ListenerSeesSubscriptionsUnsubscribesAndDisconnects) {
    start();
    RecordingListener listener;
    hub->set_listener(&listener);
    Client& a = connect();
    actor = rooms::Actor::user("U_bob");
    Client& b = connect();
    subscribe(a, "room:RM_a");
    subscribe(a, "user:U_alice");
    subscribe(b, "room:RM_a");
    EXPECT_EQ(hub->subscriber_count("room:RM_a"), 2U);
    send(a, R"({"type":"unsubscribe","topic":"user:U_alice"})");
    next(a);

    bool closed = false;
    b.ws.async_close(websocket::close_code::normal, [&](beast::error_code) { closed = true; });
    ASSERT_TRUE(run_until([&] { return closed && hub->connection_count() == 1; }));
    EXPECT_EQ(hub->subscriber_count("room:RM_a"), 1U);
    EXPECT_EQ(listener.calls, (std::vector<std::string>{
                                  "+U_alice room:RM_a",
                                  "+U_alice user:U_alice",
                                  "+U_bob room:RM_a",
                                  "-U_alice user:U_alice",
                                  "-U_bob room:RM_a",
                              }));
    hub->set_listener(nullptr);
}

TEST_F(HubTest, EndSubscriptionsCutsOneUsersTopicAndKeepsTheConnection) {
    start();
    RecordingListener listener;
    hub->set_listener(&listener);
    Client& a = connect();  // U_alice
    actor = rooms::Actor::user("U_bob");
    Client& b = connect();
    subscribe(a, "room:RM_a");
    subscribe(a, "room:RM_b");
    subscribe(b, "room:RM_a");
    EXPECT_EQ(hub->end_subscriptions("U_alice", "room:RM_a",
                                     rooms::make_error(rooms::Errc::Banned, "you are banned")),
              1U);
    const json::object err = next_json(a);
    EXPECT_EQ(err.at("type"), "error");
    EXPECT_EQ(err.at("code"), "banned");
    EXPECT_EQ(err.at("topic"), "room:RM_a");
    EXPECT_EQ(hub->subscriber_count("room:RM_a"), 1U);
    hub->publish({store.append("room:RM_a"), store.append("room:RM_b")});
    EXPECT_EQ(next_json(b).at("topic"), "room:RM_a");
    EXPECT_EQ(next_json(a).at("topic"), "room:RM_b");  // RM_a skipped, the socket still works
    expect_nothing_pending(a);
    EXPECT_EQ(hub->end_subscriptions("U_alice", "room:RM_a", rooms::make_error(rooms::Errc::Banned, "x")),
              0U);
    EXPECT_EQ(listener.calls.back(), "-U_alice room:RM_a");
    hub->set_listener(nullptr);
}

TEST_F(HubTest, EventDataIsForwardedVerbatim) {
    start();
    Client& c = connect();
    subscribe(c, "room:RM_a");
    const std::string data = "{ \"text\" : \"h\\u00e9 \xE2\x9C\x93\",\n \"n\":1.50 }";
    hub->publish({store.append("room:RM_a", "chat.message", data)});
    const std::string text = next(c);
    EXPECT_NE(text.find(",\"data\":" + data + "}"), std::string::npos) << text;
}

}  // namespace
}  // namespace cohost::server::realtime::testing
