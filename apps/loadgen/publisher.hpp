#pragma once
/// \file The event source of `loadgen fanout`: PATCH /v1/rooms/{id} {title} at a fixed rate,
/// each title stamped with the send instant (`stamped_title`), rooms in round-robin.
///
/// Runs as one coroutine on one io_context thread. The orchestrator fills the inputs, spawns
/// `run_publisher`, and reads the results only after `done` is true (release/acquire).
#include <boost/asio/awaitable.hpp>
#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "histogram.hpp"
#include "http_client.hpp"

namespace cohost::loadgen {

struct Publisher {
    Publisher(boost::asio::any_io_executor ex, const Target& target) : http(std::move(ex), target) {}

    // ---- inputs --------------------------------------------------------------------------
    HttpClient http;
    std::string token;                ///< the rooms' host
    std::vector<std::string> rooms;
    double rate = 10;                 ///< PATCHes per second, all rooms together
    std::uint64_t stop_ns = 0;        ///< no PATCH starts at or after this instant

    // ---- results of the last run (reset by `reset`) ------------------------------------
    std::uint64_t sent = 0;
    std::uint64_t ok = 0;
    std::vector<std::uint64_t> ok_per_room;
    Histogram latency;                ///< PATCH round trip
    std::map<std::string, std::uint64_t> errors;
    std::uint64_t behind = 0;         ///< sends that started late by more than one interval
    std::atomic<bool> done{false};

    std::uint64_t serial = 0;         ///< title counter, kept across runs

    void reset();
};

/// Sends PATCHes on schedule until `stop_ns`, then sets `done`.
boost::asio::awaitable<void> run_publisher(Publisher* p);

}  // namespace cohost::loadgen
