#include "cohost/media/packet_cache.hpp"

#include <cstring>

#include "cohost/wire/rtp_sequence.hpp"

namespace cohost::media {

namespace {

// Far-behind stores in a row after which the sender is taken to have restarted its numbering.
// One late straggler is ignored; a steady stream in a new sequence space resets the cache.
constexpr std::uint32_t kStrayRunForReset = 4;

std::size_t round_up_pow2(std::size_t n) noexcept {
    std::size_t p = 1;
    while (p < n) {
        p <<= 1U;
    }
    return p;
}

}  // namespace

PacketCache::PacketCache(std::size_t capacity, std::size_t max_packet)
    : capacity_(round_up_pow2(capacity == 0 ? 1 : capacity)),
      mask_(capacity_ - 1),
      max_packet_(max_packet),
      slots_(std::make_unique<Slot[]>(capacity_)),
      data_(std::make_unique<std::byte[]>(capacity_ * max_packet_)) {}

void PacketCache::store(std::uint16_t seq, std::span<const std::byte> packet,
                        std::uint64_t now_us) noexcept {
    if (packet.empty() || packet.size() > max_packet_) {
        return;
    }
    std::int64_t ext = seq;
    if (have_newest_) {
        ext = newest_ext_ +
              wire::rtp::seq_distance(seq, static_cast<std::uint16_t>(newest_ext_ & 0xFFFF));
        if (ext <= newest_ext_ - static_cast<std::int64_t>(capacity_)) {
            // Its slot now belongs to a newer packet. Unless the sender changed its numbering,
            // this is a straggler not worth keeping.
            if (++stray_run_ < kStrayRunForReset) {
                return;
            }
            clear();
            ext = seq;
        } else {
            stray_run_ = 0;
        }
    }
    if (!have_newest_ || ext > newest_ext_) {
        newest_ext_ = ext;
        have_newest_ = true;
    }
    const std::size_t index = static_cast<std::size_t>(ext) & mask_;
    Slot& slot = slots_[index];
    slot.ext_seq = ext;
    slot.stored_us = now_us;
    slot.generation = generation_;
    slot.size = static_cast<std::uint32_t>(packet.size());
    std::memcpy(data_.get() + index * max_packet_, packet.data(), packet.size());
}

const PacketCache::Slot* PacketCache::lookup(std::uint16_t seq) const noexcept {
    if (!have_newest_) {
        return nullptr;
    }
    const std::int64_t ext =
        newest_ext_ +
        wire::rtp::seq_distance(seq, static_cast<std::uint16_t>(newest_ext_ & 0xFFFF));
    if (ext > newest_ext_ || ext <= newest_ext_ - static_cast<std::int64_t>(capacity_)) {
        return nullptr;
    }
    const Slot& slot = slots_[static_cast<std::size_t>(ext) & mask_];
    if (slot.generation != generation_ || slot.ext_seq != ext) {
        return nullptr;
    }
    return &slot;
}

std::optional<std::span<const std::byte>> PacketCache::find(std::uint16_t seq) const noexcept {
    const Slot* slot = lookup(seq);
    if (slot == nullptr) {
        return std::nullopt;
    }
    const std::size_t index = static_cast<std::size_t>(slot - slots_.get());
    return std::span<const std::byte>(data_.get() + index * max_packet_, slot->size);
}

std::optional<std::span<const std::byte>> PacketCache::find(
    std::uint16_t seq, std::uint64_t now_us, std::uint64_t max_age_us) const noexcept {
    const Slot* slot = lookup(seq);
    if (slot == nullptr || (now_us > slot->stored_us && now_us - slot->stored_us > max_age_us)) {
        return std::nullopt;
    }
    const std::size_t index = static_cast<std::size_t>(slot - slots_.get());
    return std::span<const std::byte>(data_.get() + index * max_packet_, slot->size);
}

void PacketCache::clear() noexcept {
    ++generation_;
    if (generation_ == 0) {
        // 2^32 clears later: really empty the slots so that no stale generation can match.
        for (std::size_t i = 0; i < capacity_; ++i) {
            slots_[i].generation = 0;
        }
        generation_ = 1;
    }
    have_newest_ = false;
    newest_ext_ = 0;
    stray_run_ = 0;
}

}  // namespace cohost::media
