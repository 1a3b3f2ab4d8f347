// The webhook sender against an in-process receiver on 127.0.0.1:0: every outbox event arrives
// once, in order, signed like a LiveKit webhook; failures are retried; a restart resumes from
// the stored cursor; invitation copies are skipped; pruning keeps what is undelivered.
#include "../../../../server/src/outbox/webhook_sender.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <functional>

#include "cohost/core/clock.hpp"
#include "cohost/core/time.hpp"
#include "unit/server/app/webhook_receiver.hpp"

namespace cohost::server::outbox {
namespace {

using namespace std::chrono_literals;
using server::testing::ReceivedWebhook;
using server::testing::WebhookReceiver;
namespace json = boost::json;

constexpr const char* kKey = "APIwebhooks";
constexpr const char* kSecret = "webhook-secret-0123456789-abcdefghijklmnop";

class WebhookSenderTest : public ::testing::Test {
protected:
    void TearDown() override {
        sender_.reset();
        receiver_.stop();
        // Let the cancelled operations finish (bounded: they are already aborted).
        ioc_.restart();
        ioc_.run_for(200ms);
    }

    WebhookSenderOptions options(std::vector<std::string> urls) {
        WebhookSenderOptions o;
        o.urls = std::move(urls);
        o.timeout = 2s;
        o.retry_initial = 10ms;
        o.retry_max = 40ms;
        o.api_key = kKey;
        o.api_secret = kSecret;
        o.batch = 3;  // several store reads per drain
        return o;
    }

    void start_sender(std::vector<std::string> urls = {}) {
        if (urls.empty()) urls = {receiver_.url()};
        sender_ = std::make_unique<WebhookSender>(ioc_, *store_, clock_, &metrics_,
                                                  options(std::move(urls)));
        sender_->start();
    }

    /// Commits `events` in one changeset and tells the sender, as the publisher chain does.
    std::vector<store::StoredEvent> commit(std::vector<store::NewEvent> events) {
        store::Changeset c;
        c.events = std::move(events);
        auto r = store_->commit(c);
        EXPECT_EQ(r.status, store::CommitStatus::Ok);
        if (sender_) sender_->notify(r.events);
        return r.events;
    }

    store::NewEvent room_event(const std::string& room, const std::string& type, int n,
                               core::TimePoint at = {}) {
        json::object data{{"roomId", room}, {"n", n}};
        return {"room:" + room, type, room, at == core::TimePoint{} ? clock_.now() : at,
                json::serialize(data)};
    }

    /// Commits `n` room events (one changeset each) on rooms RM_a / RM_b alternately.
    std::vector<store::StoredEvent> commit_rooms(int n) {
        std::vector<store::StoredEvent> out;
        for (int i = 0; i < n; ++i) {
            auto e = commit({room_event(i % 2 ? "RM_b" : "RM_a", "room.updated", i)});
            out.insert(out.end(), e.begin(), e.end());
        }
        return out;
    }

    /// Runs the io_context until `pred` holds or 10 s pass; returns pred().
    bool run_until(const std::function<bool()>& pred) {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!pred()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            ioc_.restart();
            ioc_.run_for(5ms);
        }
        return true;
    }
    /// Runs for `d` (to show that nothing more arrives).
    void run_for(std::chrono::milliseconds d) {
        ioc_.restart();
        ioc_.run_for(d);
    }

    static std::vector<std::string> ids(const std::vector<ReceivedWebhook>& got) {
        std::vector<std::string> out;
        for (const auto& r : got) out.push_back(r.event.id);
        return out;
    }
    static std::vector<std::string> ids(const std::vector<store::StoredEvent>& events) {
        std::vector<std::string> out;
        for (const auto& e : events) out.push_back("EV_" + std::to_string(e.id));
        return out;
    }
    double sent(const char* result) {
        return metrics_.counter("cohost_webhooks_sent_total", {{"result", result}});
    }

    boost::asio::io_context ioc_;
    core::SystemClock clock_;
    app::Metrics metrics_;
    std::unique_ptr<store::Store> store_ = store::open_sqlite({":memory:", false});
    WebhookReceiver receiver_{ioc_, kKey, kSecret};
    std::unique_ptr<WebhookSender> sender_;
};

TEST_F(WebhookSenderTest, DeliversEveryEventOnceInOrderSignedLikeLiveKit) {
    start_sender();
    const auto events = commit_rooms(7);
    ASSERT_TRUE(run_until([&] { return receiver_.requests().size() >= 7; }));
    run_for(50ms);
    const auto& got = receiver_.requests();
    ASSERT_EQ(got.size(), 7u);
    EXPECT_EQ(ids(got), ids(events));
    for (std::size_t i = 0; i < got.size(); ++i) {
        const auto& r = got[i];
        EXPECT_TRUE(r.verified) << r.verify_error;
        EXPECT_EQ(r.target, "/hooks");
        EXPECT_EQ(r.content_type, "application/webhook+json");
        EXPECT_EQ(r.user_agent, "cohost");
        EXPECT_FALSE(r.authorization.starts_with("Bearer"));
        EXPECT_EQ(r.event.event, "room.updated");
        EXPECT_EQ(r.event.created_at, core::to_unix_seconds(events[i].at));
        const json::object body = json::parse(r.body).as_object();
        EXPECT_EQ(body.at("roomId").as_string(), events[i].room_id);
        EXPECT_EQ(body.at("topic").as_string(), events[i].topic);
        EXPECT_EQ(body.at("seq").as_int64(), events[i].seq);
        EXPECT_EQ(body.at("at").as_string(), core::format_iso8601(events[i].at));
        EXPECT_EQ(json::serialize(body.at("data")), events[i].data_json);
    }
    // One kept-alive connection carried them all.
    EXPECT_EQ(receiver_.connections(), 1u);
    EXPECT_EQ(sent("ok"), 7);
    EXPECT_EQ(sent("retry"), 0);
    EXPECT_EQ(metrics_.histogram_count("cohost_webhooks_delivery_seconds"), 7u);
    EXPECT_EQ(sender_->cursor(0), events.back().id);
    EXPECT_EQ(sender_->backlog(), 0);
}

TEST_F(WebhookSenderTest, ServerErrorsAreRetriedAndEveryEventStillArrivesOnceInOrder) {
    receiver_.set_answer([](std::size_t i) { return i < 3 ? 500 : (i == 5 ? 404 : 200); });
    start_sender();
    const auto events = commit_rooms(5);
    ASSERT_TRUE(run_until([&] { return receiver_.accepted().size() >= 5; }));
    run_for(50ms);
    EXPECT_EQ(ids(receiver_.accepted()), ids(events));
    // Requests 0-2 (500) and 5 (404) were answered with errors: 4 retries, each of the same event
    // as the request before it.
    const auto& all = receiver_.requests();
    ASSERT_EQ(all.size(), 9u);
    EXPECT_EQ(all[0].body, all[3].body);
    EXPECT_EQ(all[5].event.id, all[6].event.id);
    EXPECT_EQ(sent("retry"), 4);
    EXPECT_EQ(sent("ok"), 5);
    EXPECT_EQ(sent("dropped"), 0);
}

TEST_F(WebhookSenderTest, ClosedConnectionsAndTimeoutsAreRetried) {
    receiver_.set_keep_alive(false);
    receiver_.hang_on({1});  // the second request gets no answer
    auto o = options({receiver_.url()});
    o.timeout = 200ms;
    sender_ = std::make_unique<WebhookSender>(ioc_, *store_, clock_, &metrics_, o);
    sender_->start();
    const auto events = commit_rooms(3);
    ASSERT_TRUE(run_until([&] { return receiver_.accepted().size() >= 3; }));
    EXPECT_EQ(ids(receiver_.accepted()), ids(events));
    EXPECT_EQ(sent("retry"), 1);
    EXPECT_GE(receiver_.connections(), 4u);  // one per request without keep-alive
}

TEST_F(WebhookSenderTest, UnreachableUrlIsRetriedWithoutBlockingOtherUrls) {
    // A port that was just free: connecting is refused.
    std::string dead;
    {
        boost::asio::ip::tcp::acceptor probe(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0});
        dead = "http://127.0.0.1:" + std::to_string(probe.local_endpoint().port()) + "/x";
    }
    start_sender({dead, receiver_.url()});
    const auto events = commit_rooms(3);
    ASSERT_TRUE(run_until([&] { return receiver_.accepted().size() >= 3 && sent("retry") >= 3; }));
    EXPECT_EQ(ids(receiver_.accepted()), ids(events));
    // The dead URL still owes everything: the hold and the backlog say so.
    EXPECT_EQ(sender_->cursor(0), 0);
    EXPECT_EQ(sender_->outbox_hold().keep_after_id, 0);
    EXPECT_EQ(sender_->backlog(), 3);
}

TEST_F(WebhookSenderTest, RestartResumesFromTheStoredCursorWithoutDuplicates) {
    start_sender();
    const auto first = commit_rooms(3);
    ASSERT_TRUE(run_until([&] { return receiver_.accepted().size() >= 3; }));
    sender_->stop();
    sender_.reset();
    run_for(20ms);
    // Committed while no sender runs.
    const auto second = commit_rooms(4);
    start_sender();
    ASSERT_TRUE(run_until([&] { return receiver_.accepted().size() >= 7; }));
    run_for(50ms);
    auto want = ids(first);
    for (const auto& id : ids(second)) want.push_back(id);
    EXPECT_EQ(ids(receiver_.accepted()), want);
    EXPECT_EQ(store_->get_setting(WebhookSender::cursor_key(receiver_.url())),
              std::to_string(second.back().id));
}

TEST_F(WebhookSenderTest, ANewUrlStartsAfterTheNewestEvent) {
    commit_rooms(3);  // before the URL existed
    start_sender();
    const auto later = commit_rooms(2);
    ASSERT_TRUE(run_until([&] { return receiver_.accepted().size() >= 2; }));
    run_for(50ms);
    EXPECT_EQ(ids(receiver_.accepted()), ids(later));
}

TEST_F(WebhookSenderTest, InvitationEventsAreDeliveredOnceFromTheInviteeTopic) {
    start_sender();
    const std::string data =
        R"({"invitationId":"IN_1","roomId":"RM_a","inviteeUserId":"bob","status":"pending"})";
    const auto now = clock_.now();
    commit({room_event("RM_a", "room.updated", 0)});
    const auto inv = commit({{"user:host", "invitation.created", "RM_a", now, data},
                             {"user:bob", "invitation.created", "RM_a", now, data}});
    commit({room_event("RM_a", "stage.joined", 1)});
    ASSERT_TRUE(run_until([&] { return receiver_.accepted().size() >= 3; }));
    run_for(50ms);
    const auto got = receiver_.accepted();
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].event.event, "room.updated");
    EXPECT_EQ(got[1].event.event, "invitation.created");
    EXPECT_EQ(got[1].event.id, "EV_" + std::to_string(inv[1].id));
    EXPECT_EQ(json::parse(got[1].body).at("topic").as_string(), "user:bob");
    EXPECT_EQ(got[2].event.event, "stage.joined");
}

TEST_F(WebhookSenderTest, OnlyCopiesAfterTheCursorStillMoveIt) {
    start_sender();
    const std::string data = R"({"inviteeUserId":"bob"})";
    // A host-topic copy alone (its invitee row already delivered earlier, say).
    const auto only = commit({{"user:host", "invitation.expired", "RM_a", clock_.now(), data}});
    ASSERT_TRUE(run_until([&] { return sender_->cursor(0) == only[0].id; }));
    EXPECT_TRUE(receiver_.requests().empty());
}

TEST_F(WebhookSenderTest, PruningKeepsUndeliveredEventsUntilTheyAreSent) {
    bool down = true;
    receiver_.set_answer([&down](std::size_t) { return down ? 503 : 200; });
    start_sender();
    const auto events = commit_rooms(4);
    ASSERT_TRUE(run_until([&] { return sent("retry") >= 2; }));
    // Realtime retention alone would delete everything (older than an hour from now, keep 0).
    const auto cutoff = clock_.now() + 1h;
    EXPECT_EQ(store_->prune_events(cutoff, 0, sender_->outbox_hold()), 0);
    EXPECT_EQ(store_->count_events_after_id(0), 4);
    down = false;
    ASSERT_TRUE(run_until([&] { return receiver_.accepted().size() >= 4; }));
    EXPECT_EQ(ids(receiver_.accepted()), ids(events));
    // Delivered: now pruning may take them.
    EXPECT_EQ(store_->prune_events(cutoff, 0, sender_->outbox_hold()), 4);
}

TEST_F(WebhookSenderTest, EventsOlderThanTheBacklogAgeAreDroppedAndCounted) {
    receiver_.set_answer([](std::size_t i) { return i == 0 ? 500 : 200; });
    auto o = options({receiver_.url()});
    o.max_backlog_age = 1h;
    sender_ = std::make_unique<WebhookSender>(ioc_, *store_, clock_, &metrics_, o);
    sender_->start();
    const auto old = commit({room_event("RM_a", "room.updated", 0, clock_.now() - 2h),
                             room_event("RM_a", "room.updated", 1, clock_.now() - 2h)});
    const auto fresh = commit({room_event("RM_a", "room.live", 2)});
    ASSERT_TRUE(run_until([&] { return receiver_.accepted().size() >= 1; }));
    run_for(50ms);
    const auto got = receiver_.accepted();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].event.id, "EV_" + std::to_string(fresh[0].id));
    EXPECT_EQ(got[0].event.num_dropped, 2);  // LiveKit's field, filled like LiveKit does
    EXPECT_EQ(sent("dropped"), 2);
    // The hold no longer protects rows past the backlog age.
    const auto hold = sender_->outbox_hold();
    EXPECT_GT(hold.unless_before, old[1].at);
}

TEST_F(WebhookSenderTest, EventsNotYetNotifiedAreNotSent) {
    // Rows of a group-commit batch are visible before they are durable; the sender only reads
    // up to the newest id it was told about.
    start_sender();
    store::Changeset c;
    c.events = {room_event("RM_a", "room.updated", 0)};
    const auto pending = store_->commit(c).events;
    run_for(100ms);
    EXPECT_TRUE(receiver_.requests().empty());
    sender_->notify(pending);
    ASSERT_TRUE(run_until([&] { return receiver_.accepted().size() >= 1; }));
    EXPECT_EQ(ids(receiver_.accepted()), ids(pending));
}

TEST_F(WebhookSenderTest, BacklogGaugeIsRendered) {
    receiver_.set_answer([](std::size_t) { return 500; });
    start_sender();
    commit_rooms(2);
    ASSERT_TRUE(run_until([&] { return sent("retry") >= 1; }));
    const auto text = metrics_.render();
    EXPECT_NE(text.find("cohost_webhooks_backlog 2\n"), std::string::npos) << text;
    EXPECT_NE(text.find("cohost_webhooks_sent_total{result=\"dropped\"} 0\n"), std::string::npos);
    sender_.reset();  // unregisters the gauge: rendering must not call into a dead sender
    EXPECT_EQ(metrics_.render().find("cohost_webhooks_backlog"), std::string::npos);
}

TEST_F(WebhookSenderTest, RefusesUrlsItCannotSendTo) {
    auto o = options({"https://example.com/hooks"});
    EXPECT_THROW(WebhookSender(ioc_, *store_, clock_, nullptr, o), std::invalid_argument);
}

// ---- the pure parts --------------------------------------------------------------------------

TEST(WebhookUrl, ParsesHostPortPathAndRedactsTheQuery) {
    auto u = parse_http_url("http://hooks.example.com:8080/a/b?token=s3cret");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "hooks.example.com");
    EXPECT_EQ(u->port, 8080);
    EXPECT_EQ(u->host_header, "hooks.example.com:8080");
    EXPECT_EQ(u->target, "/a/b?token=s3cret");
    EXPECT_EQ(u->redacted, "http://hooks.example.com:8080/a/b");

    auto bare = parse_http_url("http://127.0.0.1");
    ASSERT_TRUE(bare);
    EXPECT_EQ(bare->port, 80);
    EXPECT_EQ(bare->target, "/");
    auto v6 = parse_http_url("http://[::1]:9000?x=1");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->target, "/?x=1");
    EXPECT_EQ(v6->redacted, "http://[::1]:9000");
}

TEST(WebhookUrl, RefusesWhatItCannotSendTo) {
    for (const char* bad : {"https://a.example/x", "ftp://a", "http://", "http://user:pw@a/x",
                            "http://a:0/", "http://a:70000/", "http://a:/x", "http://a b/",
                            "http://a/#frag", "http://[zz]/", "a.example/x"}) {
        EXPECT_FALSE(parse_http_url(bad)) << bad;
    }
}

TEST(WebhookRows, InvitationRowsAreDeliveredFromTheInviteeTopicOnly) {
    store::StoredEvent e;
    e.type = "invitation.accepted";
    e.data_json = R"({"inviteeUserId":"bob","inviterUserId":"host"})";
    e.topic = "user:bob";
    EXPECT_TRUE(is_delivered_row(e));
    e.topic = "user:host";
    EXPECT_FALSE(is_delivered_row(e));
    e.data_json = "not json";  // unreadable: deliver rather than lose
    EXPECT_TRUE(is_delivered_row(e));
    e.data_json = R"({"inviteeUserId":7})";
    EXPECT_TRUE(is_delivered_row(e));
    e = {};
    e.type = "room.updated";
    e.topic = "room:RM_a";
    EXPECT_TRUE(is_delivered_row(e));
    e.type = "stage.joined";
    e.topic = "user:bob";  // not an invitation: delivered
    EXPECT_TRUE(is_delivered_row(e));
}

TEST(WebhookBody, IsALiveKitWebhookEventWithTheRealtimeFields) {
    store::StoredEvent e;
    e.id = 42;
    e.topic = "room:RM_a";
    e.seq = 7;
    e.type = "room.live";
    e.room_id = "RM_a";
    e.at = core::from_unix_ms(1'795'820'002'123);
    e.data_json = R"({"roomId":"RM_a","title":"a \"quoted\" title"})";
    EXPECT_EQ(render_webhook_body(e, 0),
              R"({"id":"EV_42","event":"room.live","createdAt":"1795820002","roomId":"RM_a",)"
              R"("topic":"room:RM_a","seq":7,"at":"2026-11-27T22:53:22.123Z",)"
              R"("data":{"roomId":"RM_a","title":"a \"quoted\" title"}})");
    const auto with_drops = json::parse(render_webhook_body(e, 3)).as_object();
    EXPECT_EQ(with_drops.at("numDropped").as_int64(), 3);
    e.data_json.clear();
    EXPECT_EQ(json::parse(render_webhook_body(e, 0)).at("data"), json::object{});
}

TEST(WebhookRetry, DoublesFromTheInitialDelayUpToTheMaximumWithEqualJitter) {
    using std::chrono::milliseconds;
    EXPECT_EQ(retry_delay(1, 1000ms, 60000ms, 0.0), milliseconds(500));
    EXPECT_EQ(retry_delay(1, 1000ms, 60000ms, 1.0), milliseconds(1000));
    EXPECT_EQ(retry_delay(3, 1000ms, 60000ms, 1.0), milliseconds(4000));
    EXPECT_EQ(retry_delay(3, 1000ms, 60000ms, 0.5), milliseconds(3000));
    EXPECT_EQ(retry_delay(10, 1000ms, 60000ms, 1.0), milliseconds(60000));
    EXPECT_EQ(retry_delay(1000, 1000ms, 60000ms, 0.0), milliseconds(30000));
}

}  // namespace
}  // namespace cohost::server::outbox
