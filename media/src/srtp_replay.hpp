#pragma once
/// \file SRTP packet index estimation and replay windows (RFC 3711 §3.3.1, §3.3.2, Appendix A),
/// with the semantics of libsrtp2's `srtp_rdbx_t` (RTP) and `srtp_rdb_t` (RTCP) as the SFU
/// configured it (1,024-packet RTP window), so that the EVP engine (srtp_evp.hpp) accepts and
/// refuses exactly what libsrtp accepted and refused (tests/unit/media/srtp_evp_test.cpp
/// compares both on the same traffic).
///
/// Plain values, no allocation, not thread-safe (one per SSRC and direction, owned by the
/// session's worker).
#include <array>
#include <cstddef>
#include <cstdint>

namespace cohost::media::srtp_detail {

/// What a replay check says about a packet index.
enum class ReplayCheck {
    Ok,    ///< new: newer than everything seen, or inside the window and not seen
    Seen,  ///< inside the window and already accepted (libsrtp: replay_fail)
    Old,   ///< older than the window (libsrtp: replay_old)
};

/// RTP: the highest 48-bit index (ROC << 16 | SEQ) accepted so far and which of the 1,024
/// indices up to it were accepted. A fresh window has index 0 and nothing seen.
class RtpReplayWindow {
public:
    static constexpr int kSize = 1024;  ///< srtp.cpp's libsrtp `window_size`

    /// RFC 3711 Appendix A / libsrtp `srtp_rdbx_estimate_index`: the index of a packet with
    /// sequence number `seq` (ROC - 1, ROC or ROC + 1, whichever is closest to the highest
    /// index), written to `index`; returns its distance from the highest index (> 0: newer).
    /// While the highest index is at most 2^15 the ROC is taken as 0 (never -1).
    [[nodiscard]] std::int64_t estimate(std::uint16_t seq, std::uint64_t& index) const noexcept {
        constexpr std::int64_t kMedian = 1 << 15;
        constexpr std::int64_t kMax = 1 << 16;
        if (index_ <= static_cast<std::uint64_t>(kMedian)) {
            index = seq;
            return static_cast<std::int64_t>(seq) - static_cast<std::int64_t>(index_);
        }
        const auto local_roc = static_cast<std::uint32_t>(index_ >> 16);
        const auto local_seq = static_cast<std::int64_t>(index_ & 0xFFFF);
        const auto s = static_cast<std::int64_t>(seq);
        std::uint32_t roc = local_roc;
        std::int64_t delta = s - local_seq;
        if (local_seq < kMedian) {
            if (s - local_seq > kMedian) {
                roc = local_roc - 1;
                delta = s - local_seq - kMax;
            }
        } else if (local_seq - kMedian > s) {
            roc = local_roc + 1;
            delta = s - local_seq + kMax;
        }
        index = (static_cast<std::uint64_t>(roc) << 16) | seq;
        return delta;
    }

    /// Replay state of the index `delta` away from the highest one (from `estimate`).
    [[nodiscard]] ReplayCheck check(std::int64_t delta) const noexcept {
        if (delta > 0) return ReplayCheck::Ok;
        if (delta <= -kSize) return ReplayCheck::Old;
        return seen(static_cast<int>(-delta)) ? ReplayCheck::Seen : ReplayCheck::Ok;
    }

    /// Records the index `delta` away from the highest one as accepted (after `check` said Ok
    /// and the packet authenticated); a positive `delta` moves the window forward.
    void add(std::int64_t delta) noexcept {
        if (delta > 0) {
            // libsrtp advances by the 16-bit truncation of delta; |delta| < 2^16 here always.
            index_ += static_cast<std::uint16_t>(delta);
            shift(delta);
            bits_[0] |= 1;
        } else if (delta > -kSize) {
            const int k = static_cast<int>(-delta);
            bits_[static_cast<std::size_t>(k / 64)] |= std::uint64_t{1} << (k % 64);
        }
    }

    /// The highest accepted index (ROC << 16 | SEQ).
    [[nodiscard]] std::uint64_t highest() const noexcept { return index_; }

private:
    // Bit k of the window (word k / 64, bit k % 64) is the index `index_ - k`.
    [[nodiscard]] bool seen(int k) const noexcept {
        return ((bits_[static_cast<std::size_t>(k / 64)] >> (k % 64)) & 1) != 0;
    }
    void shift(std::int64_t by) noexcept {
        if (by >= kSize) {
            bits_.fill(0);
            return;
        }
        const auto words = static_cast<std::size_t>(by / 64);
        const auto bits = static_cast<unsigned>(by % 64);
        for (std::size_t i = bits_.size(); i-- > 0;) {
            std::uint64_t v = 0;
            if (i >= words) {
                v = bits_[i - words] << bits;
                if (bits != 0 && i > words) v |= bits_[i - words - 1] >> (64 - bits);
            }
            bits_[i] = v;
        }
    }

    std::uint64_t index_ = 0;
    std::array<std::uint64_t, kSize / 64> bits_{};
};

/// SRTCP: the 31-bit index from the packet's E|index word; a 128-index window starting at
/// `start` (libsrtp `srtp_rdb_t`: everything at or past start + 128 is new).
class RtcpReplayWindow {
public:
    static constexpr std::uint32_t kSize = 128;

    [[nodiscard]] ReplayCheck check(std::uint32_t index) const noexcept {
        if (index >= start_ + kSize) return ReplayCheck::Ok;
        if (index < start_) return ReplayCheck::Old;
        return seen(index - start_) ? ReplayCheck::Seen : ReplayCheck::Ok;
    }

    /// Records `index` as accepted (after `check` said Ok and the packet authenticated); an
    /// index past the window moves it so that `index` is its last entry.
    void add(std::uint32_t index) noexcept {
        if (index < start_) return;
        std::uint32_t delta = index - start_;
        if (delta >= kSize) {
            const std::uint32_t by = delta - (kSize - 1);
            shift(by);
            start_ += by;
            delta = kSize - 1;
        }
        bits_[delta / 64] |= std::uint64_t{1} << (delta % 64);
    }

private:
    // Bit k (word k / 64, bit k % 64) is the index `start_ + k`.
    [[nodiscard]] bool seen(std::uint32_t k) const noexcept {
        return ((bits_[k / 64] >> (k % 64)) & 1) != 0;
    }
    void shift(std::uint32_t by) noexcept {  // drops the `by` oldest entries
        if (by >= kSize) {
            bits_ = {0, 0};
        } else if (by >= 64) {
            bits_ = {bits_[1] >> (by - 64), 0};
        } else if (by > 0) {
            bits_ = {(bits_[0] >> by) | (bits_[1] << (64 - by)), bits_[1] >> by};
        }
    }

    std::uint32_t start_ = 0;
    std::array<std::uint64_t, 2> bits_{};
};

}  // namespace cohost::media::srtp_detail
