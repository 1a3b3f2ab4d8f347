#include "cohost/server/app/group_commit.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <vector>

#include "cohost/core/log.hpp"

namespace cohost::server::app {

namespace net = boost::asio;

struct GroupCommit::Batch {
    explicit Batch(net::io_context& ioc) : released(ioc, net::steady_timer::time_point::max()) {}
    net::steady_timer released;  ///< never expires; cancelled when the batch is done
    std::vector<std::function<void()>> deferred;
    std::size_t writes = 0;
    bool done = false;
    bool ok = false;
};

GroupCommit::GroupCommit(net::io_context& ioc, store::Store& store, std::size_t max_batch)
    : ioc_(ioc), store_(store), max_batch_(max_batch == 0 ? 1 : max_batch) {}

GroupCommit::~GroupCommit() { flush_now(); }

void GroupCommit::before_write() {
    if (open_ && open_->writes >= max_batch_) {
        flush_now();
    }
    if (!open_) {
        store_.begin_batch();
        open_ = std::make_shared<Batch>(ioc_);
        ++batches_;
        // Posted: the handlers already queued on the control thread (requests that arrived
        // with this one) run first and join the batch.
        net::post(ioc_, [this, token = std::weak_ptr<bool>(alive_),
                         batch = std::weak_ptr<Batch>(open_)] {
            if (token.expired()) {
                return;
            }
            if (auto b = batch.lock(); b && b == open_) {
                flush_now();
            }
        });
    }
    ++open_->writes;
    ++writes_;
}

void GroupCommit::after_durable(std::function<void()> fn) {
    if (open_) {
        open_->deferred.push_back(std::move(fn));
    } else {
        fn();
    }
}

void GroupCommit::flush_now() {
    if (!open_) {
        return;
    }
    std::shared_ptr<Batch> b = std::move(open_);
    open_.reset();
    b->ok = true;
    try {
        store_.flush_batch();
    } catch (const std::exception& e) {
        b->ok = false;
        ++failures_;
        static const std::shared_ptr<spdlog::logger> log = core::logger("store");
        log->error("group commit of {} writes failed, answering 500: {}", b->writes, e.what());
    }
    b->done = true;
    if (b->ok) {
        for (auto& fn : b->deferred) {
            try {
                fn();
            } catch (const std::exception& e) {
                static const std::shared_ptr<spdlog::logger> log = core::logger("app");
                log->error("after-commit action failed: {}", e.what());
            }
        }
    }
    b->deferred.clear();
    b->released.cancel();
}

bool GroupCommit::pending() const { return open_ != nullptr; }

net::awaitable<bool> GroupCommit::wait() {
    std::shared_ptr<Batch> b = open_;
    if (!b) {
        co_return true;
    }
    if (!b->done) {
        auto waited = co_await b->released.async_wait(net::as_tuple(net::use_awaitable));
        (void)waited;  // cancelled = released
    }
    co_return b->ok;
}

}  // namespace cohost::server::app
