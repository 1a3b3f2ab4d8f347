#pragma once
/// \file Background WAL checkpoints for the SQLite store.
///
/// With SQLite's automatic checkpoints, the commit that crosses `wal_autocheckpoint` pages copies
/// the whole WAL back into the database file (and fsyncs it) inline, on the control thread: in the
/// lifecycle benchmark that made one request in a few hundred wait ~30 ms (bench/RESULTS.md).
/// Instead, the store's connection turns automatic checkpoints off and installs a WAL hook that
/// wakes this checkpointer, which runs `PASSIVE` checkpoints on its own thread and connection.
/// A passive checkpoint never blocks the writer (WAL mode: readers, the writer and one
/// checkpointer run concurrently); the writer restarts the WAL from its beginning on the next
/// commit after a checkpoint that copied everything.
///
/// Under sustained writes the WAL never restarts by itself: a passive checkpoint copies what was
/// in the WAL when it began, and by the time it ends the writer has appended more, so the WAL
/// is never fully copied at the start of a write transaction (the only moment SQLite can restart
/// it). So once the WAL passes `topup_pages` and the thread has copied all but `topup_gap` of
/// its frames, the writer copies that small remainder itself (a short inline checkpoint); its
/// next transaction then restarts the WAL from the beginning. A backstop: past `inline_pages`
/// the writer checkpoints inline whatever the thread did, so the WAL stays bounded.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace cohost::server::store::detail {

class Checkpointer {
public:
    /// Opens a second connection to `path` and starts the thread; installs the WAL hook on
    /// `writer` (the store's connection, which must outlive this object). Throws StoreError.
    /// `idle_period`: a WAL with anything in it is checkpointed at least this often.
    Checkpointer(sqlite3* writer, const std::string& path, int wake_pages = 1000,
                 int inline_pages = 65536, int topup_pages = 8192, int topup_gap = 2048,
                 std::chrono::milliseconds idle_period = std::chrono::seconds(5));
    /// Stops the thread (a checkpoint in progress finishes first) and closes its connection.
    ~Checkpointer();
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

    /// Checkpoints completed by the thread so far (for tests).
    [[nodiscard]] std::uint64_t completed() const;

private:
    static int on_wal_commit(void* self, sqlite3* db, const char* schema, int pages);
    void run();

    sqlite3* writer_;
    sqlite3* conn_ = nullptr;
    int wake_pages_;
    int inline_pages_;
    int topup_pages_;
    int topup_gap_;
    std::chrono::milliseconds idle_period_;
    std::atomic<int> copied_{0};  ///< frames the thread's last checkpoint had copied in total
    mutable std::mutex mu_;
    std::condition_variable cv_;
    bool wake_ = false;
    bool stop_ = false;
    std::uint64_t completed_ = 0;
    std::thread thread_;
};

}  // namespace cohost::server::store::detail
