#pragma once
/// \file One realtime subscriber of `loadgen fanout`: a WebSocket client that subscribes to one
/// topic and checks every event frame (seq continuity, publish-to-delivery latency). Beast does
/// the HTTP upgrade and sends the subscribe frame; after that the subscriber reads the raw socket
/// through `WsReader` (ws_reader.hpp), 64 KiB per read, so that receiving costs the shared CPU
/// as little as possible.
///
/// Threading: each subscriber coroutine runs on one single-threaded io_context and writes only
/// the `ThreadStats` of that thread, so recording needs no lock; the orchestrator reads the
/// stats by posting to that io_context, or after its thread has stopped. `FanoutControl` holds
/// the few cross-thread counters (atomics).
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "histogram.hpp"
#include "target.hpp"

namespace cohost::loadgen {

/// Counters of one measurement phase (the whole run, or one ramp step).
struct PhaseStats {
    Histogram latency;               ///< publish → delivery, ns
    std::uint64_t delivered = 0;     ///< loadgen's `room.updated` events received
    std::uint64_t other_events = 0;  ///< any other event on the topic (seq-checked too)
    std::uint64_t gaps = 0;          ///< times seq jumped forward by more than 1
    std::uint64_t missing = 0;       ///< seqs skipped by those jumps
    std::uint64_t duplicates = 0;    ///< seq equal to the previous one
    std::uint64_t out_of_order = 0;  ///< seq lower than the previous one
    void merge(const PhaseStats& o);
};

/// Everything the subscribers of one io_context thread record.
struct ThreadStats {
    explicit ThreadStats(std::size_t phase_count) : phases(phase_count) {}
    std::vector<PhaseStats> phases;
    std::uint64_t closed_by_server = 0;             ///< close frame from the server (any reason)
    std::uint64_t slow_consumer = 0;                ///< ... with reason `slow_consumer`
    std::uint64_t read_errors = 0;                  ///< reset / EOF without a close frame
    std::uint64_t parse_errors = 0;                 ///< frames loadgen could not understand
    std::map<std::string, std::uint64_t> failures;  ///< connect/handshake/subscribe failures
    void merge(const ThreadStats& o);
};

/// Shared between the orchestrator and every subscriber thread.
struct FanoutControl {
    std::atomic<int> phase{0};                 ///< which PhaseStats to record into
    std::atomic<bool> stopping{false};         ///< errors after this are not counted
    std::atomic<std::uint64_t> subscribed{0};  ///< got `subscribed` (ever)
    std::atomic<std::uint64_t> failed{0};      ///< never got `subscribed`
    std::atomic<std::uint64_t> dropped{0};     ///< subscribed, then lost the socket
    std::atomic<std::uint64_t> delivered{0};   ///< loadgen events received, all phases
};

struct SubscriberSpec {
    Target target;
    std::optional<boost::asio::ip::address_v4> source;  ///< bind here before connecting
    std::string token;
    std::string topic;
    ThreadStats* stats = nullptr;      ///< of the io_context this runs on
    FanoutControl* control = nullptr;  ///< outlives every subscriber
    /// Optional: called on this subscriber's io_context thread with the raw text of every
    /// `event` frame that is not stamped (e.g. `reactions.burst` for `loadgen reactions`).
    std::function<void(std::string_view frame)> on_other_event;
};

/// Connects, subscribes and then reads until the socket closes or the io_context is destroyed.
boost::asio::awaitable<void> run_subscriber(SubscriberSpec spec);

/// Marks a title (or a chat text) with the publish instant: `e<n>|<now_ns>`; `parse_event_frame`
/// reads it back.
[[nodiscard]] std::string stamped_title(std::uint64_t n, std::uint64_t sent_ns);

/// The fields loadgen needs from an `event` frame, found by scanning (the frames are the
/// server's fixed shape; a full JSON parse per frame would cost the shared CPU the server needs).
struct EventFields {
    std::int64_t seq = 0;
    bool stamped = false;  ///< a `room.updated` title or `chat.message` text from `stamped_title`
    std::uint64_t sent_ns = 0;
};
[[nodiscard]] std::optional<EventFields> parse_event_frame(std::string_view frame);

}  // namespace cohost::loadgen
