#pragma once
/// \file Internal to media/: datagrams a media worker queues while it fans one packet out, sent
/// together with one `sendmmsg(2)` instead of one `sendto` each (webrtc-notes.md: the syscall's
/// entry and exit are a fixed part of every datagram's cost on this path).
///
/// Use: `next()` gives the buffer for the next datagram; write it there, then `commit()` it with
/// its destination; `commit()` says when the batch is full, and the owner calls `flush()` then and
/// at the end of the fan-out. A datagram the kernel refuses (send buffer full, unreachable
/// destination) is counted and skipped; the others still go, in queue order, as individual
/// `sendto` calls would. Not thread-safe: one per worker thread. Owns 32 packet buffers (64 KiB),
/// allocated once.
#include <array>
#include <boost/asio/ip/udp.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace cohost::media::detail {

class SendBatch {
public:
    /// Datagrams per sendmmsg call.
    static constexpr std::size_t kSlots = 32;
    /// Bytes of each slot's buffer (one packet plus the SRTP trailer).
    static constexpr std::size_t kSlotBytes = 2048;

    SendBatch();
    SendBatch(const SendBatch&) = delete;
    SendBatch& operator=(const SendBatch&) = delete;

    /// The buffer for the next datagram (kSlotBytes). Valid until the next commit() or flush().
    /// Must not be called on a full batch (commit() returned true and flush() was not called).
    [[nodiscard]] std::span<std::byte> next() noexcept;
    /// Queues the first `len` bytes of next()'s buffer for `to`. Returns true when the batch is
    /// now full: the caller must flush() before the next next().
    bool commit(std::size_t len, const boost::asio::ip::udp::endpoint& to) noexcept;
    /// Sends everything queued on socket `fd` and empties the batch. Returns how many datagrams
    /// the kernel accepted; the rest were refused (counted in `failed()`).
    std::size_t flush(int fd) noexcept;

    [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
    [[nodiscard]] std::size_t size() const noexcept { return count_; }
    /// Datagrams the kernel refused since construction.
    [[nodiscard]] std::uint64_t failed() const noexcept { return failed_; }
    /// sendmmsg (or, without it, sendto) calls made since construction.
    [[nodiscard]] std::uint64_t calls() const noexcept { return calls_; }

private:
    struct Slot {
        std::array<std::byte, kSlotBytes> bytes;
        std::size_t len = 0;
        boost::asio::ip::udp::endpoint to;
    };
    std::unique_ptr<std::array<Slot, kSlots>> slots_;
    std::size_t count_ = 0;
    std::uint64_t failed_ = 0;
    std::uint64_t calls_ = 0;
};

}  // namespace cohost::media::detail
