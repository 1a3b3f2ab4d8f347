// Group-commit batches of the SQLite store (store.hpp "group commit"): one enclosing
// transaction, savepoints per commit, invisible to other connections until the flush.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "cohost/server/store/store.hpp"
#include "unit/server/store/store_contract.hpp"

namespace cohost::server::store::testing {
namespace {

namespace fs = std::filesystem;

class SqliteBatchTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("cohost-batch-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
        path_ = (dir_ / "cohost.db").string();
        store_ = open_sqlite({path_, false});
    }
    void TearDown() override {
        store_.reset();
        fs::remove_all(dir_);
    }
    /// Rooms as seen from another connection (what is durable and committed).
    int rooms_seen_outside() {
        sqlite3* db = nullptr;
        EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
        sqlite3_stmt* stmt = nullptr;
        int n = -1;
        if (sqlite3_prepare_v2(db, "SELECT count(*) FROM rooms", -1, &stmt, nullptr) == SQLITE_OK &&
            sqlite3_step(stmt) == SQLITE_ROW) {
            n = sqlite3_column_int(stmt, 0);
        }
        sqlite3_finalize(stmt);
        sqlite3_close(db);
        return n;
    }

    fs::path dir_;
    std::string path_;
    std::unique_ptr<Store> store_;
};

TEST_F(SqliteBatchTest, BatchWritesAreVisibleInsideAndDurableOnlyAfterTheFlush) {
    store_->begin_batch();
    EXPECT_TRUE(store_->batch_open());
    ASSERT_EQ(store_->commit(room_changeset(make_room("RM_1", 0, "alice"))).status, CommitStatus::Ok);
    ASSERT_EQ(store_->commit(room_changeset(make_room("RM_2", 0, "bob"))).status, CommitStatus::Ok);
    EXPECT_TRUE(store_->get_room("RM_1").has_value());  // the batch reads its own writes
    EXPECT_EQ(rooms_seen_outside(), 0);
    store_->flush_batch();
    EXPECT_FALSE(store_->batch_open());
    EXPECT_EQ(rooms_seen_outside(), 2);
}

TEST_F(SqliteBatchTest, ConflictInsideABatchUndoesOnlyThatCommit) {
    store_->begin_batch();
    ASSERT_EQ(store_->commit(room_changeset(make_room("RM_1", 0, "alice"))).status, CommitStatus::Ok);
    Changeset clash = room_changeset(make_room("RM_1", 0, "mallory"));  // insert of an existing id
    clash.events.push_back(make_event("room:RM_1"));
    EXPECT_EQ(store_->commit(clash).status, CommitStatus::Conflict);
    ASSERT_EQ(store_->commit(room_changeset(make_room("RM_2", 0, "bob"))).status, CommitStatus::Ok);
    store_->flush_batch();
    EXPECT_EQ(rooms_seen_outside(), 2);
    EXPECT_EQ(store_->get_room("RM_1")->host_user_id, "alice");
    EXPECT_EQ(store_->topic_seq("room:RM_1"), 0) << "the conflicting commit's event survived";
}

TEST_F(SqliteBatchTest, UnflushedBatchIsLostWhenTheStoreCloses) {
    store_->begin_batch();
    ASSERT_EQ(store_->commit(room_changeset(make_room("RM_1", 0, "alice"))).status, CommitStatus::Ok);
    store_.reset();  // like a crash before the flush: nobody was answered, nothing is kept
    EXPECT_EQ(rooms_seen_outside(), 0);
}

TEST_F(SqliteBatchTest, WriteHookRunsBeforeEveryCommitAndCanOpenTheBatch) {
    int calls = 0;
    store_->set_write_hook([&] {
        ++calls;
        store_->begin_batch();
    });
    ASSERT_EQ(store_->commit(room_changeset(make_room("RM_1", 0, "alice"))).status, CommitStatus::Ok);
    ASSERT_EQ(store_->commit(room_changeset(make_room("RM_2", 0, "bob"))).status, CommitStatus::Ok);
    EXPECT_EQ(calls, 2);
    EXPECT_TRUE(store_->batch_open());
    EXPECT_EQ(rooms_seen_outside(), 0);
    store_->flush_batch();
    EXPECT_EQ(rooms_seen_outside(), 2);
}

TEST_F(SqliteBatchTest, SettingsJoinTheOpenBatch) {
    store_->begin_batch();
    store_->put_setting("k", "v");
    EXPECT_EQ(store_->get_setting("k").value_or(""), "v");
    store_->flush_batch();
    store_.reset();
    store_ = open_sqlite({path_, false});
    EXPECT_EQ(store_->get_setting("k").value_or(""), "v");
}

TEST_F(SqliteBatchTest, FlushWithoutABatchIsANoOp) {
    EXPECT_NO_THROW(store_->flush_batch());
    EXPECT_FALSE(store_->batch_open());
}

}  // namespace
}  // namespace cohost::server::store::testing
