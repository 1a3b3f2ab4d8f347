// Group commit (app/group_commit.hpp): batches open lazily, flush once the control thread has run
// what was queued, hold events and responses until durable, and drop both when the flush fails.
#include "cohost/server/app/group_commit.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <optional>
#include <string>
#include <vector>

#include "unit/server/realtime/fake_event_store.hpp"

namespace cohost::server::app {
namespace {

namespace net = boost::asio;
using realtime::testing::FakeEventStore;

class GroupCommitTest : public ::testing::Test {
protected:
    net::io_context ioc{1};
    FakeEventStore store;
    GroupCommit group{ioc, store, /*max_batch=*/3};

    /// Starts `wait()` and returns where its result lands.
    std::shared_ptr<std::optional<bool>> start_wait() {
        auto result = std::make_shared<std::optional<bool>>();
        net::co_spawn(
            ioc, [this, result]() -> net::awaitable<void> { *result = co_await group.wait(); },
            net::detached);
        return result;
    }
};

TEST_F(GroupCommitTest, NothingPendingRunsAfterDurableAtOnce) {
    bool ran = false;
    group.after_durable([&] { ran = true; });
    EXPECT_TRUE(ran);
    EXPECT_FALSE(group.pending());
    auto waited = start_wait();
    ioc.run();
    ASSERT_TRUE(waited->has_value());
    EXPECT_TRUE(**waited);
}

TEST_F(GroupCommitTest, WritesQueuedTogetherShareOneFlushAndHoldTheirEvents) {
    std::vector<std::string> order;
    // Two "requests" already queued on the control thread when the first write happens.
    net::post(ioc, [&] {
        group.before_write();
        group.after_durable([&] { order.push_back("a"); });
    });
    net::post(ioc, [&] {
        group.before_write();
        group.after_durable([&] { order.push_back("b"); });
        EXPECT_TRUE(store.batch_open());
        EXPECT_TRUE(order.empty()) << "events published before the batch was durable";
    });
    ioc.run();
    EXPECT_EQ(order, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(store.flushes, 1);
    EXPECT_EQ(group.batches(), 1U);
    EXPECT_EQ(group.writes(), 2U);
    EXPECT_FALSE(group.pending());
}

TEST_F(GroupCommitTest, ResponsesWaitForTheFlush) {
    group.before_write();
    ASSERT_TRUE(group.pending());
    auto waited = start_wait();
    ioc.poll_one();  // starts the waiter only if the flush is not first: either way it waits
    EXPECT_EQ(store.flushes, group.pending() ? 0 : 1);
    ioc.run();
    ASSERT_TRUE(waited->has_value());
    EXPECT_TRUE(**waited);
    EXPECT_EQ(store.flushes, 1);
}

TEST_F(GroupCommitTest, WaiterStartedBeforeTheFlushIsReleasedByIt) {
    auto waited = std::make_shared<std::optional<bool>>();
    net::post(ioc, [&] {
        group.before_write();  // posts the flush behind the waiter below
        net::co_spawn(
            ioc, [this, waited]() -> net::awaitable<void> { *waited = co_await group.wait(); },
            net::detached);
    });
    ioc.run();
    ASSERT_TRUE(waited->has_value());
    EXPECT_TRUE(**waited);
    EXPECT_EQ(store.flushes, 1);
}

TEST_F(GroupCommitTest, FlushNowMakesTheBatchDurableImmediately) {
    bool ran = false;
    group.before_write();
    group.after_durable([&] { ran = true; });
    group.flush_now();
    EXPECT_TRUE(ran);
    EXPECT_FALSE(group.pending());
    EXPECT_EQ(store.flushes, 1);
    ioc.run();  // the posted flush finds nothing to do
    EXPECT_EQ(store.flushes, 1);
}

TEST_F(GroupCommitTest, FullBatchIsFlushedBeforeTheNextWrite) {
    for (int i = 0; i < 3; ++i) group.before_write();
    EXPECT_EQ(store.flushes, 0);
    group.before_write();  // the fourth write starts a new batch
    EXPECT_EQ(store.flushes, 1);
    EXPECT_TRUE(group.pending());
    ioc.run();
    EXPECT_EQ(store.flushes, 2);
    EXPECT_EQ(group.batches(), 2U);
}

TEST_F(GroupCommitTest, FailedFlushDropsHeldEventsAndFailsTheWaiters) {
    store.fail_flush = true;
    bool ran = false;
    auto waited = std::make_shared<std::optional<bool>>();
    net::post(ioc, [&] {
        group.before_write();
        group.after_durable([&] { ran = true; });
        net::co_spawn(
            ioc, [this, waited]() -> net::awaitable<void> { *waited = co_await group.wait(); },
            net::detached);
    });
    ioc.run();
    EXPECT_FALSE(ran) << "an event of a lost batch was published";
    ASSERT_TRUE(waited->has_value());
    EXPECT_FALSE(**waited);
    EXPECT_EQ(group.failures(), 1U);
    EXPECT_FALSE(group.pending());

    // The next batch works again.
    store.fail_flush = false;
    group.before_write();
    group.after_durable([&] { ran = true; });
    ioc.restart();
    ioc.run();
    EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace cohost::server::app
