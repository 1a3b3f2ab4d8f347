#pragma once
/// \file Group commit: the writes of every request handled in one pass of the control thread
/// share one SQLite transaction, made durable once, before any of those requests is answered.
///
/// Why: a commit's cost is mostly fixed (WAL frames written, locks, syscalls), so one commit per
/// request capped the control plane at ~2,000 writes/s (bench/RESULTS.md). Batching amortises it.
///
/// How (docs/threading.md "Group commit"): the store calls `before_write()` at the start of each
/// `commit()`; the first one opens a batch (`Store::begin_batch`) and posts the flush to the
/// control io_context, so it runs after the handlers already queued there (the requests that
/// arrived together). Until the flush:
/// - HTTP responses wait (`http::ResponseGate`): no client hears of a change that could still be
///   lost, and no read answers with state that is not durable yet;
/// - committed events are held (`after_durable`) and published in commit order after the flush;
/// - code whose reads leave the process by another road (realtime subscribe replays, the webhook
///   sender) calls `flush_now()` first.
/// A failed flush rolls the whole batch back: its requests get 500 and its events are dropped, so
/// the outside world only ever saw durable state. A batch is flushed early at `max_batch` writes.
///
/// Threading: the control thread only.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>

#include "cohost/server/http/response_gate.hpp"
#include "cohost/server/store/store.hpp"

namespace cohost::server::app {

class GroupCommit final : public http::ResponseGate {
public:
    /// `store` must outlive this object; call `flush_now()` before closing the store.
    GroupCommit(boost::asio::io_context& ioc, store::Store& store, std::size_t max_batch = 256);
    ~GroupCommit() override;
    GroupCommit(const GroupCommit&) = delete;
    GroupCommit& operator=(const GroupCommit&) = delete;

    /// Called before each write: opens a batch (and schedules its flush) when none is open.
    void before_write();
    /// Runs `fn` once the open batch is durable (dropped if the batch fails), or now when no
    /// batch is open. Functions run in the order they were given.
    void after_durable(std::function<void()> fn);
    /// Flushes the open batch now (no-op when none is open). Never throws: a failure is logged,
    /// counted and reported to the batch's waiters.
    void flush_now();

    [[nodiscard]] bool pending() const override;
    boost::asio::awaitable<bool> wait() override;

    [[nodiscard]] std::uint64_t batches() const noexcept { return batches_; }
    [[nodiscard]] std::uint64_t writes() const noexcept { return writes_; }
    [[nodiscard]] std::uint64_t failures() const noexcept { return failures_; }

private:
    struct Batch;
    boost::asio::io_context& ioc_;
    store::Store& store_;
    std::size_t max_batch_;
    std::shared_ptr<Batch> open_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    std::uint64_t batches_ = 0;
    std::uint64_t writes_ = 0;
    std::uint64_t failures_ = 0;
};

}  // namespace cohost::server::app
