#pragma once
/// \file The sending side of `loadgen reactions`: one `Sender` per io_context thread ("lane")
/// posts `POST /v1/rooms/{id}/reactions {"reaction":"<name>"}` for its share of the users at its
/// share of the rate, open loop, over its keep-alive connections.
///
/// The hot loop is lean on purpose (the load generator shares the machine with the server): each
/// user's request head (request line, Host, User-Agent, `Authorization: Bearer`, Content-Type,
/// the `Content-Length:` name) is built once, each reaction's tail (length, blank line, body)
/// once, and a post is one gathered write of the two over a `RawHttpConnection`, whose response
/// parser reads only what the counts need (status, length, `Connection: close`, an error body).
///
/// A `Sender` is touched only on its lane's thread until `done` is set (release); the main
/// thread reads its results after acquiring `done`.
#include <array>
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "histogram.hpp"
#include "raw_http.hpp"
#include "target.hpp"

namespace cohost::loadgen {

/// The default reaction names (config `engagement.reactions`), posted in turn.
inline constexpr std::array<const char*, 7> kReactionNames{"heart", "like", "laugh", "wow",
                                                           "sad",   "fire", "clap"};
using NameCounts = std::array<std::uint64_t, kReactionNames.size()>;

/// One lane's sending state and results.
struct Sender {
    /// Set-up (before `run_sender`).
    std::vector<std::unique_ptr<RawHttpConnection>> connections;
    std::vector<std::size_t> idle;   ///< connections with nothing in flight
    std::vector<std::string> heads;  ///< per user of this lane: request up to `Content-Length: `
    std::array<std::string, kReactionNames.size()> tails;  ///< `<n>\r\n\r\n{"reaction":"…"}`
    double rate = 0;                                       ///< this lane's share
    std::uint64_t start_ns = 0, window_start_ns = 0, window_end_ns = 0;
    std::chrono::nanoseconds timeout{std::chrono::seconds(10)};  ///< per request, as HttpClient

    /// Schedule.
    std::uint64_t due = 0;  ///< ticks scheduled so far (sent + skipped)
    std::uint64_t next_user = 0;
    std::uint64_t next_name = 0;
    int in_flight = 0;
    struct Flight {
        std::size_t name = 0;
        std::int64_t wall_ms = 0;  ///< wall clock at send; taken only until the first 202
    };
    std::vector<Flight> flights;  ///< per connection

    // All phases (the burst check counts everything the server accepted).
    std::uint64_t accepted = 0;
    NameCounts accepted_by_name{};
    std::int64_t first_accept_send_ms = 0;  ///< wall clock: send of the first 202
    std::int64_t last_accept_reply_ms = 0;  ///< wall clock: reply of the last 202
    // The measured window (by send time).
    std::uint64_t window_sent = 0, window_accepted = 0, window_limited = 0, window_behind = 0;
    std::uint64_t limited = 0, behind = 0;
    std::map<std::string, std::uint64_t> errors;  ///< keyed as `HttpReply::error_key`
    Histogram latency;                            ///< POST round trip, window only

    std::atomic<bool> done{false};
};

/// Fills `s`'s connections (on `ex`), the per-user heads for `tokens` and the per-name tails.
void prepare_sender(Sender& s, RawHttpConnection::Executor ex, const Target& target,
                    int connections, const std::string& path,
                    const std::vector<const std::string*>& tokens);

/// Open loop: every millisecond, starts what the schedule says is due on idle connections; a
/// due post that finds no idle connection is skipped and counted (`behind`), so a slow server
/// shows as a lower accepted rate instead of silently slowing the schedule. Stops scheduling at
/// `window_end_ns`, waits for the posts in flight, then sets `done`.
boost::asio::awaitable<void> run_sender(Sender* s);

/// Wall clock, milliseconds since the epoch.
[[nodiscard]] std::int64_t wall_ms();

}  // namespace cohost::loadgen
