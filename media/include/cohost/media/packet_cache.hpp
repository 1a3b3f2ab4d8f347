#pragma once
/// \file Per incoming layer ring buffer of recent plaintext RTP packets, to answer subscribers'
/// NACKs from the SFU's own memory (webrtc-notes.md: forwarding a NACK to the publisher does not
/// work without RTX, so the SFU resends from a local cache).
///
/// The router stores every packet of a layer after SRTP unprotect and before any per-subscriber
/// rewrite, keyed by the publisher's sequence number. A subscriber's NACK goes through
/// `Forwarder::resend_source()` (outgoing -> incoming sequence number) and then `find()` here.
///
/// Memory is fixed: `capacity` slots of `max_packet` bytes, allocated once by the constructor;
/// `store()` and `find()` never allocate. Sequence numbers are extended to 64 bits internally, so
/// a slot last written one wrap (65,536 packets) ago, or before a jump, is never mistaken for the
/// packet asked for. Not thread-safe: one media worker thread owns a cache.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

namespace cohost::media {

class PacketCache {
public:
    static constexpr std::size_t kDefaultCapacity = 1024;
    static constexpr std::size_t kDefaultMaxPacket = 1500;

    /// Allocates `capacity` slots (rounded up to a power of two, at least 1) of `max_packet`
    /// bytes each. Control path only (it allocates; `std::bad_alloc` may escape).
    explicit PacketCache(std::size_t capacity = kDefaultCapacity,
                         std::size_t max_packet = kDefaultMaxPacket);

    PacketCache(const PacketCache&) = delete;
    PacketCache& operator=(const PacketCache&) = delete;
    PacketCache(PacketCache&&) noexcept = default;
    PacketCache& operator=(PacketCache&&) noexcept = default;
    ~PacketCache() = default;

    /// Copies `packet` (the whole RTP packet) into the slot of `seq`, received at `now_us`.
    /// Ignored when larger than `max_packet()` or empty, and when `seq` is `capacity()` or more
    /// behind the newest stored number (it would overwrite a newer packet). A run of such far
    /// older numbers (a sender that restarted its sequence space on the same SSRC) resets the
    /// cache to the new numbering. A duplicate overwrites the previous copy.
    void store(std::uint16_t seq, std::span<const std::byte> packet, std::uint64_t now_us) noexcept;

    /// The packet stored with exactly `seq` (not an older wrap of the same slot), if still held.
    /// The span points into the cache and is valid until the next `store()`/`clear()`.
    [[nodiscard]] std::optional<std::span<const std::byte>> find(std::uint16_t seq) const noexcept;

    /// As `find(seq)`, but only if the packet was stored at most `max_age_us` before `now_us`
    /// (a resend older than the receiver's jitter buffer is useless).
    [[nodiscard]] std::optional<std::span<const std::byte>> find(
        std::uint16_t seq, std::uint64_t now_us, std::uint64_t max_age_us) const noexcept;

    /// Forgets every packet (the memory stays allocated).
    void clear() noexcept;

    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
    [[nodiscard]] std::size_t max_packet() const noexcept { return max_packet_; }

private:
    struct Slot {
        std::int64_t ext_seq = 0;       // extended sequence number of the packet held
        std::uint64_t stored_us = 0;
        std::uint32_t generation = 0;   // 0: empty; else must equal generation_ to be valid
        std::uint32_t size = 0;
    };

    [[nodiscard]] const Slot* lookup(std::uint16_t seq) const noexcept;

    std::size_t capacity_;
    std::size_t mask_;
    std::size_t max_packet_;
    std::unique_ptr<Slot[]> slots_;
    std::unique_ptr<std::byte[]> data_;
    std::uint32_t generation_ = 1;      // bumped by clear()/reset: invalidates every slot at once
    bool have_newest_ = false;
    std::int64_t newest_ext_ = 0;       // highest extended sequence number stored
    std::uint32_t stray_run_ = 0;       // consecutive far-behind stores seen
};

}  // namespace cohost::media
