#pragma once
/// \file The event source of `loadgen fanout`: PATCH /v1/rooms/{id} {title} at a fixed rate,
/// each title stamped with the send instant (`stamped_title`), rooms in round-robin. For
/// `loadgen chat` the same source posts `POST /v1/rooms/{id}/messages {text}` instead, with the
/// stamp in the text and the authors in round-robin (`EventKind::ChatMessage`).
///
/// Open loop: a tick is sent on the first idle connection of a small pool, so a slow PATCH does
/// not delay the next event (a single sequential connection would hide server stalls from the
/// latency figures — coordinated omission). A tick that finds every connection busy is counted
/// as `behind` and skipped.
///
/// Runs on one single-threaded io_context. The orchestrator fills the inputs, spawns
/// `run_publisher`, and reads the results only after `done` is true (release/acquire).
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "histogram.hpp"
#include "http_client.hpp"

namespace cohost::loadgen {

/// What one tick sends.
enum class EventKind {
    RoomTitle,    ///< PATCH /v1/rooms/{id} {title} as `token` (200 → `room.updated`)
    ChatMessage,  ///< POST /v1/rooms/{id}/messages {text} (201 → `chat.message`)
};

struct Publisher {
    Publisher(const boost::asio::any_io_executor& ex, const Target& target, int connections);

    // ---- inputs --------------------------------------------------------------------------
    std::vector<std::unique_ptr<HttpClient>> clients;
    std::vector<bool> busy;  ///< per client: a PATCH is in flight
    std::string token;       ///< the rooms' host
    EventKind kind = EventKind::RoomTitle;
    std::vector<std::string> authors;  ///< ChatMessage: tokens used in turn (empty: `token`)
    std::vector<std::string> rooms;
    double rate = 10;           ///< PATCHes per second, all rooms together
    std::uint64_t stop_ns = 0;  ///< no PATCH starts at or after this instant

    // ---- results of the last run (reset by `reset`) ------------------------------------
    std::uint64_t sent = 0;
    std::uint64_t ok = 0;
    std::vector<std::uint64_t> ok_per_room;
    Histogram latency;  ///< PATCH round trip
    std::map<std::string, std::uint64_t> errors;
    std::uint64_t behind = 0;  ///< ticks skipped: every connection was busy
    int in_flight = 0;
    std::atomic<bool> done{false};

    std::uint64_t serial = 0;  ///< title counter, kept across runs

    void reset();
};

/// Sends PATCHes on schedule until `stop_ns`, waits for the last replies, then sets `done`.
boost::asio::awaitable<void> run_publisher(Publisher* p);

}  // namespace cohost::loadgen
