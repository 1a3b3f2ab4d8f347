// The background WAL checkpointer (server/src/store/sqlite_checkpointer.hpp), on a raw
// connection: commits past the wake threshold are checkpointed by the thread, not inline, and
// every row survives.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "../server/src/store/sqlite_checkpointer.hpp"

namespace cohost::server::store::detail {
namespace {

namespace fs = std::filesystem;

class CheckpointerTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("cohost-ckpt-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
        path_ = (dir_ / "t.db").string();
        ASSERT_EQ(sqlite3_open(path_.c_str(), &db_), SQLITE_OK);
        exec("PRAGMA journal_mode=WAL");
        exec("CREATE TABLE t (id INTEGER PRIMARY KEY, blob BLOB NOT NULL)");
    }
    void TearDown() override {
        sqlite3_close(db_);
        fs::remove_all(dir_);
    }
    void exec(const char* sql) {
        ASSERT_EQ(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), SQLITE_OK)
            << sqlite3_errmsg(db_);
    }
    /// One transaction per row, each ~1 page of data.
    void insert_rows(int n) {
        for (int i = 0; i < n; ++i) {
            exec("INSERT INTO t (blob) VALUES (randomblob(3000))");
        }
    }
    std::int64_t count() {
        sqlite3_stmt* stmt = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(db_, "SELECT count(*) FROM t", -1, &stmt, nullptr),
                  SQLITE_OK);
        EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
        const std::int64_t n = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        return n;
    }
    fs::path dir_;
    std::string path_;
    sqlite3* db_ = nullptr;
};

TEST_F(CheckpointerTest, CheckpointsOnItsOwnThreadAfterTheWakeThreshold) {
    Checkpointer ckpt(db_, path_, /*wake_pages=*/20, /*inline_pages=*/1'000'000);
    insert_rows(100);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (ckpt.completed() == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_GE(ckpt.completed(), 1U);
    EXPECT_EQ(count(), 100);
}

TEST_F(CheckpointerTest, WriterNoLongerCheckpointsAutomatically) {
    // Not woken by pages, nor by its idle period (inserting may take seconds on a busy machine).
    Checkpointer ckpt(db_, path_, /*wake_pages=*/1'000'000, /*inline_pages=*/1'000'000,
                      /*topup_pages=*/1'000'000, /*topup_gap=*/2048, std::chrono::hours(1));
    insert_rows(1200);  // past SQLite's default 1000-page automatic checkpoint
    int log = -1;
    int copied = -1;
    // A passive checkpoint reports how much of the WAL was still to copy: everything, because
    // neither the writer (automatic checkpoints off) nor the thread (not woken) copied it.
    ASSERT_EQ(sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied),
              SQLITE_OK);
    EXPECT_GE(log, 1200);
    EXPECT_EQ(ckpt.completed(), 0U);
}

TEST_F(CheckpointerTest, WriterCheckpointsInlineWhenTheWalPassesTheBound) {
    Checkpointer ckpt(db_, path_, /*wake_pages=*/1'000'000, /*inline_pages=*/50);
    insert_rows(200);
    int log = -1;
    int copied = -1;
    ASSERT_EQ(sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied),
              SQLITE_OK);
    // The WAL restarted after an inline checkpoint, so it holds far fewer than 200 commits' pages.
    EXPECT_LT(log, 100);
    EXPECT_EQ(count(), 200);
}

TEST_F(CheckpointerTest, WriterTopsUpOnceTheThreadHasCopiedMostOfTheWal) {
    // The thread checkpoints from 20 pages; once the WAL passes 60 pages and at most 1,000 are
    // left to copy (always, here), the writer copies the rest and the WAL restarts.
    Checkpointer ckpt(db_, path_, /*wake_pages=*/20, /*inline_pages=*/1'000'000,
                      /*topup_pages=*/60, /*topup_gap=*/1000);
    insert_rows(300);
    int log = -1;
    int copied = -1;
    ASSERT_EQ(sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied),
              SQLITE_OK);
    EXPECT_LT(log, 120) << "the WAL kept growing instead of restarting";
    EXPECT_EQ(count(), 300);
}

TEST(CheckpointerOpen, UnopenablePathThrows) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
    EXPECT_THROW(Checkpointer(db, "/nonexistent-dir-cohost/x.db"), std::exception);
    sqlite3_close(db);
}

}  // namespace
}  // namespace cohost::server::store::detail
