// Realtime resume (product.md §5, §10 "Realtime frames"): a client that reconnects and
// subscribes with `since: <last seq>` receives exactly what it missed, in order, before live
// events — none missing, none duplicated — also while events keep being produced.
#include <atomic>
#include <set>

#include "harness.hpp"

namespace cohost::it {
namespace {

class RealtimeResumeTest : public ServerTest {
protected:
    void SetUp() override {
        ServerTest::SetUp();
        host_ = std::make_unique<sdk::ApiClient>(login("host"));
        // The host again, on its own client: stage members are not counted as viewers, so no
        // `viewers.count` events (docs/engagement.md) interleave with the seqs counted here.
        follower_ = std::make_unique<sdk::ApiClient>(login("host"));
        room_id_ = str(host_->create_room({.title = "p0"}), "roomId");
        topic_ = "room:" + room_id_;
    }

    /// Renames the room; every rename is one `room.updated` whose title names its seq - 1.
    void rename(sdk::ApiClient& api, int n) {
        api.patch_room(room_id_, json::object{{"title", "p" + std::to_string(n)}});
    }

    std::unique_ptr<sdk::ApiClient> host_;
    std::unique_ptr<sdk::ApiClient> follower_;
    std::string room_id_;
    std::string topic_;
};

TEST_F(RealtimeResumeTest, ReconnectWithSinceReplaysExactlyTheMissedEventsThenLiveOnes) {
    auto rt = realtime(*follower_);
    EXPECT_EQ(subscribe(*rt, topic_, 0), 1);  // room.updated of the creation has seq 1
    for (int i = 1; i <= 4; ++i) {
        rename(*host_, i);
    }
    auto first = read_events(*rt, topic_, 5, 5s);
    ASSERT_EQ(first.size(), 5U) << event_names(first);
    for (std::size_t i = 0; i < first.size(); ++i) {
        EXPECT_EQ(num(first[i], "seq"), static_cast<std::int64_t>(i) + 1);
    }
    const std::int64_t last = num(first.back(), "seq");
    rt->close();

    for (int i = 5; i <= 9; ++i) {  // missed while disconnected: seq 6..10
        rename(*host_, i);
    }
    auto rt2 = realtime(*follower_);
    std::vector<json::object> early;
    // subscribed.seq is the topic's last assigned seq; the replay follows it.
    EXPECT_EQ(subscribe(*rt2, topic_, last, &early), 10);
    EXPECT_TRUE(early.empty()) << "frames before subscribed: " << event_names(early);
    auto replay = read_events(*rt2, topic_, 5, 5s);
    ASSERT_EQ(replay.size(), 5U) << event_names(replay);
    for (std::size_t i = 0; i < replay.size(); ++i) {
        EXPECT_EQ(num(replay[i], "seq"), last + 1 + static_cast<std::int64_t>(i));
        EXPECT_EQ(str(at(replay[i], "data"), "title"), "p" + std::to_string(5 + i));
        EXPECT_EQ(str(replay[i], "event"), "room.updated");
    }
    rename(*host_, 10);
    rename(*host_, 11);
    auto live = read_events(*rt2, topic_, 2, 5s);
    ASSERT_EQ(live.size(), 2U);
    EXPECT_EQ(num(live[0], "seq"), 11);
    EXPECT_EQ(num(live[1], "seq"), 12);
    EXPECT_TRUE(read_until_quiet(*rt2, 300ms).empty());

    // Without `since` only live events arrive.
    auto rt3 = realtime(*follower_);
    EXPECT_EQ(subscribe(*rt3, topic_), 12);
    EXPECT_TRUE(read_until_quiet(*rt3, 300ms).empty());
    rename(*host_, 12);
    auto only = read_events(*rt3, topic_, 1, 3s);
    ASSERT_EQ(only.size(), 1U);
    EXPECT_EQ(num(only[0], "seq"), 13);

    // After unsubscribe nothing more arrives for the topic.
    rt3->unsubscribe(topic_);
    (void)read_until_quiet(*rt3, 300ms);  // `unsubscribed` acknowledgement, if any
    rename(*host_, 13);
    const auto after = read_until_quiet(*rt3, 500ms);
    EXPECT_TRUE(of_topic(after, topic_).empty()) << event_names(after);
}

TEST_F(RealtimeResumeTest, ResumeWhileEventsKeepComingLosesAndDuplicatesNothing) {
    constexpr int kRenames = 80;
    std::atomic<int> done{0};
    std::thread producer([&] {
        sdk::ApiClient api(url(), host_->token());
        for (int i = 1; i <= kRenames; ++i) {
            rename(api, i);
            done = i;
            std::this_thread::sleep_for(2ms);
        }
    });

    std::vector<json::object> seen;
    {
        auto rt = realtime(*follower_);
        subscribe(*rt, topic_, 0);
        // Read a part of the stream, then lose the connection abruptly mid-stream.
        auto part = read_events(*rt, topic_, 20, 10s);
        seen.insert(seen.end(), part.begin(), part.end());
        rt->drop();
    }
    ASSERT_FALSE(seen.empty());
    std::this_thread::sleep_for(50ms);  // more events happen while disconnected
    for (int reconnects = 0; reconnects < 3; ++reconnects) {
        auto rt = realtime(*follower_);
        subscribe(*rt, topic_, num(seen.back(), "seq"));
        const std::size_t want = static_cast<std::size_t>(kRenames + 1) - seen.size();
        // Resume twice mid-stream, the last time read to the end.
        auto part = read_events(*rt, topic_, reconnects < 2 ? std::min<std::size_t>(want, 10) : want,
                                15s);
        seen.insert(seen.end(), part.begin(), part.end());
        rt->drop();
    }
    producer.join();
    ASSERT_EQ(done.load(), kRenames);

    std::vector<std::int64_t> seqs;
    for (const auto& f : seen) {
        seqs.push_back(num(f, "seq"));
    }
    ASSERT_EQ(seen.size(), static_cast<std::size_t>(kRenames + 1));
    for (std::size_t i = 0; i < seen.size(); ++i) {
        EXPECT_EQ(seqs[i], static_cast<std::int64_t>(i) + 1) << "at index " << i;
        EXPECT_EQ(str(at(seen[i], "data"), "title"), "p" + std::to_string(i)) << "seq " << seqs[i];
    }
}

TEST_F(RealtimeResumeTest, SinceBeyondRetentionAsksForResyncOrReplaysEverything) {
    // Retention is the last 1,000 events per topic (product.md §5). Produce more than that.
    constexpr int kRenames = 1010;
    constexpr int kWriters = 4;
    std::vector<std::thread> writers;
    std::atomic<int> next{1};
    for (int w = 0; w < kWriters; ++w) {
        writers.emplace_back([&] {
            sdk::ApiClient api(url(), host_->token());
            for (int i = next++; i <= kRenames; i = next++) {
                api.patch_room(room_id_, json::object{{"title", "w" + std::to_string(i)}});
            }
        });
    }
    for (auto& t : writers) {
        t.join();
    }
    auto rt = realtime(*follower_);
    rt->subscribe(topic_, 0);
    // Either the server already pruned (a `resync_required` next to `subscribed`, no partial
    // replay) or it still has everything and must replay all of it, gapless. Pruning runs
    // periodically, so both are correct right after the burst.
    std::vector<json::object> frames;
    bool resync = false;
    std::size_t events = 0;
    while (auto f = next_non_pong(*rt, 3s)) {
        const std::string type = str(*f, "type");
        resync = resync || type == "resync_required";
        events += type == "event" ? 1 : 0;
        frames.push_back(std::move(*f));
        if (resync || events == kRenames + 1) {
            break;
        }
    }
    ASSERT_FALSE(frames.empty());
    if (resync) {
        std::cout << "since=0 after " << kRenames + 1 << " events: resync_required\n";
        const auto& r = frames.back();
        EXPECT_EQ(str(r, "topic"), topic_);
        EXPECT_EQ(num(r, "seq"), kRenames + 1) << to_string(r);
        EXPECT_EQ(events, 0U) << "partial replay before resync_required";
        EXPECT_EQ(str(follower_->get_room(room_id_), "roomId"), room_id_);
    } else {
        std::cout << "since=0 after " << kRenames + 1 << " events: full replay\n";
        ASSERT_EQ(str(frames.front(), "type"), "subscribed") << to_string(frames.front());
        EXPECT_EQ(num(frames.front(), "seq"), kRenames + 1);
        const auto all = of_topic(frames, topic_);
        ASSERT_EQ(all.size(), static_cast<std::size_t>(kRenames + 1));
        for (std::size_t i = 0; i < all.size(); ++i) {
            ASSERT_EQ(num(all[i], "seq"), static_cast<std::int64_t>(i) + 1);
        }
    }
    // A recent `since` still replays from the store.
    auto rt2 = realtime(*follower_);
    EXPECT_EQ(subscribe(*rt2, topic_, kRenames - 4), kRenames + 1);
    auto tail = read_events(*rt2, topic_, 5, 5s);
    ASSERT_EQ(tail.size(), 5U);
    EXPECT_EQ(num(tail.front(), "seq"), kRenames - 3);
    EXPECT_EQ(num(tail.back(), "seq"), kRenames + 1);
}

}  // namespace
}  // namespace cohost::it
