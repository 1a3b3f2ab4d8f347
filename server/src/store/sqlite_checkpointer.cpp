#include "sqlite_checkpointer.hpp"

#include <sqlite3.h>

#include <chrono>

#include "cohost/core/log.hpp"
#include "cohost/server/store/store.hpp"

namespace cohost::server::store::detail {

namespace {

constexpr int kBusyTimeoutMs = 5000;

}  // namespace

Checkpointer::Checkpointer(sqlite3* writer, const std::string& path, int wake_pages,
                           int inline_pages, int topup_pages, int topup_gap,
                           std::chrono::milliseconds idle_period)
    : writer_(writer),
      wake_pages_(wake_pages),
      inline_pages_(inline_pages),
      topup_pages_(topup_pages),
      topup_gap_(topup_gap),
      idle_period_(idle_period) {
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &conn_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string what = "sqlite: checkpointer cannot open " + path + ": " +
                           (conn_ != nullptr ? sqlite3_errmsg(conn_) : sqlite3_errstr(rc));
        sqlite3_close_v2(conn_);
        throw StoreError(what);
    }
    sqlite3_busy_timeout(conn_, kBusyTimeoutMs);
    // The writer stops checkpointing on its own; the hook replaces the automatic one.
    sqlite3_wal_autocheckpoint(writer_, 0);
    sqlite3_wal_hook(writer_, &Checkpointer::on_wal_commit, this);
    thread_ = std::thread([this] { run(); });
}

Checkpointer::~Checkpointer() {
    sqlite3_wal_hook(writer_, nullptr, nullptr);
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
    sqlite3_close_v2(conn_);
    // Back to SQLite's default, so the writer's close (the last connection) checkpoints as usual.
    sqlite3_wal_autocheckpoint(writer_, 1000);
}

std::uint64_t Checkpointer::completed() const {
    std::lock_guard lock(mu_);
    return completed_;
}

int Checkpointer::on_wal_commit(void* self, sqlite3* db, const char* schema, int pages) {
    auto* c = static_cast<Checkpointer*>(self);
    if (pages >= c->inline_pages_ ||
        (pages >= c->topup_pages_ && pages - c->copied_.load() <= c->topup_gap_)) {
        // Backstop (the thread fell far behind), or the small top-up that lets the WAL restart.
        sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        c->copied_.store(0);
        return SQLITE_OK;
    }
    if (pages >= c->wake_pages_) {
        {
            std::lock_guard lock(c->mu_);
            c->wake_ = true;
        }
        c->cv_.notify_one();
    }
    return SQLITE_OK;
}

void Checkpointer::run() {
    static const std::shared_ptr<spdlog::logger> log = core::logger("store");
    std::unique_lock lock(mu_);
    while (!stop_) {
        // Even without commits crossing `wake_pages`, a WAL with anything in it is checkpointed
        // this often, so an idle server's WAL drains into the database file.
        cv_.wait_for(lock, idle_period_, [this] { return wake_ || stop_; });
        if (stop_) {
            break;
        }
        wake_ = false;
        lock.unlock();
        int wal_pages = 0;
        int copied = 0;
        const int rc = sqlite3_wal_checkpoint_v2(conn_, nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                                 &wal_pages, &copied);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
            log->warn("sqlite background checkpoint failed: {}", sqlite3_errmsg(conn_));
        }
        if (rc == SQLITE_OK) {
            copied_.store(copied);
        }
        lock.lock();
        if (rc == SQLITE_OK) {
            ++completed_;
        }
    }
}

}  // namespace cohost::server::store::detail
