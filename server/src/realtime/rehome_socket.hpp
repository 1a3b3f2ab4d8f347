#pragma once
// Moving a connected TCP socket from one io_context to another: the WebSocket hand-offs.
//
// Two places pass an accepted connection to another thread's io_context once its upgrade request
// has been read: the HTTP server hands a threaded connection to the control thread
// (http_server.cpp), and the hub hands every realtime connection to its fan-out shard (hub.cpp).
// Asio has no "move to another io_context" call, so the descriptor is released from the old
// socket (deregistered from its reactor) and assigned to a new socket on the target (registered
// with the target's reactor).
//
// Where it lives: in realtime/ because http/ already depends on realtime/ (http_server.cpp
// includes the hub) while realtime/ includes nothing from http/; core/ does no network I/O.
//
// Threading: may be called on any thread, as long as no operation is pending on `stream` and no
// other thread uses it. Registering with the target's reactor is thread-safe (io_contexts with a
// locking concurrency hint, which every io_context here uses). The returned socket belongs to
// `target`: hand it to that io_context's thread(s) (post) before starting operations on it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <cstdint>

namespace cohost::server::realtime::detail {

/// The step of a hand-off that failed; callers log them differently.
enum class RehomeStep : std::uint8_t {
    Release,  ///< taking the descriptor from the old socket: the peer is usually gone (routine)
    Assign,   ///< the target io_context refused the descriptor (e.g. reactor out of resources)
};

/// Why a hand-off failed. The connection's descriptor is closed in every failure case.
struct RehomeError {
    RehomeStep step = RehomeStep::Release;
    boost::system::error_code ec;  ///< never empty
};

using RehomeResult = boost::system::result<boost::asio::ip::tcp::socket, RehomeError>;

/// Moves the connection in `stream` onto `target`: on success a socket of `target` owning the
/// same descriptor (same connection, unread kernel buffers intact; bytes already read into a
/// Beast buffer stay with the caller). `stream` is left without a socket either way. On failure
/// nothing leaks: the descriptor is closed. Access the value with `*r` / `r->` (not `value()`).
[[nodiscard]] RehomeResult rehome_socket(boost::beast::tcp_stream&& stream,
                                         boost::asio::io_context& target);

}  // namespace cohost::server::realtime::detail
