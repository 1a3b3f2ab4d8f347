#pragma once
/// \file Big-endian (network order) loads and stores over `std::byte` buffers, used by the STUN
/// and RTP codecs of `wire/`.
///
/// Two layers:
///  - `load_be16/24/32/64` and `store_be16/24/32/64` take a raw pointer and do **no** bounds
///    checking: the caller has already checked the size (the parsers check a whole header at
///    once, then read its fields). They compile to a load and a byte swap.
///  - `ByteReader` is the checked cursor for variable-length walks: every read returns
///    `std::nullopt` (and reads nothing) when fewer bytes remain than asked for.
///
/// Header-only, no allocation, no global state; safe from any thread.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace cohost::wire {

/// Reads 2 bytes at `p` as a big-endian integer. Caller guarantees 2 readable bytes.
[[nodiscard]] constexpr std::uint16_t load_be16(const std::byte* p) noexcept {
    return static_cast<std::uint16_t>((std::to_integer<unsigned>(p[0]) << 8) |
                                      std::to_integer<unsigned>(p[1]));
}
/// Reads 3 bytes at `p` as a big-endian 24-bit integer. Caller guarantees 3 readable bytes.
[[nodiscard]] constexpr std::uint32_t load_be24(const std::byte* p) noexcept {
    return (std::to_integer<std::uint32_t>(p[0]) << 16) |
           (std::to_integer<std::uint32_t>(p[1]) << 8) | std::to_integer<std::uint32_t>(p[2]);
}
/// Reads 4 bytes at `p` as a big-endian integer. Caller guarantees 4 readable bytes.
[[nodiscard]] constexpr std::uint32_t load_be32(const std::byte* p) noexcept {
    return (std::to_integer<std::uint32_t>(p[0]) << 24) |
           (std::to_integer<std::uint32_t>(p[1]) << 16) |
           (std::to_integer<std::uint32_t>(p[2]) << 8) | std::to_integer<std::uint32_t>(p[3]);
}
/// Reads 8 bytes at `p` as a big-endian integer. Caller guarantees 8 readable bytes.
[[nodiscard]] constexpr std::uint64_t load_be64(const std::byte* p) noexcept {
    return (std::uint64_t{load_be32(p)} << 32) | load_be32(p + 4);
}

/// Writes `v` big-endian into 2 bytes at `p`. Caller guarantees 2 writable bytes.
constexpr void store_be16(std::byte* p, std::uint16_t v) noexcept {
    p[0] = static_cast<std::byte>(v >> 8);
    p[1] = static_cast<std::byte>(v);
}
/// Writes the low 24 bits of `v` big-endian into 3 bytes at `p`.
constexpr void store_be24(std::byte* p, std::uint32_t v) noexcept {
    p[0] = static_cast<std::byte>(v >> 16);
    p[1] = static_cast<std::byte>(v >> 8);
    p[2] = static_cast<std::byte>(v);
}
/// Writes `v` big-endian into 4 bytes at `p`. Caller guarantees 4 writable bytes.
constexpr void store_be32(std::byte* p, std::uint32_t v) noexcept {
    p[0] = static_cast<std::byte>(v >> 24);
    p[1] = static_cast<std::byte>(v >> 16);
    p[2] = static_cast<std::byte>(v >> 8);
    p[3] = static_cast<std::byte>(v);
}
/// Writes `v` big-endian into 8 bytes at `p`. Caller guarantees 8 writable bytes.
constexpr void store_be64(std::byte* p, std::uint64_t v) noexcept {
    store_be32(p, static_cast<std::uint32_t>(v >> 32));
    store_be32(p + 4, static_cast<std::uint32_t>(v));
}

/// The byte at index `i` as an unsigned integer (no bounds check).
[[nodiscard]] constexpr std::uint8_t u8_at(std::span<const std::byte> s, std::size_t i) noexcept {
    return std::to_integer<std::uint8_t>(s[i]);
}

/// Views bytes as characters (for USERNAME, RID, MID and other text carried in binary codecs).
/// The returned view aliases `s`.
[[nodiscard]] inline std::string_view as_string_view(std::span<const std::byte> s) noexcept {
    return {reinterpret_cast<const char*>(s.data()), s.size()};
}
/// Views characters as bytes; the returned span aliases `s`.
[[nodiscard]] inline std::span<const std::byte> as_bytes(std::string_view s) noexcept {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

/// Checked forward cursor over a byte span. Reads never go past the end: a read that does not
/// fit returns `std::nullopt` and leaves the position unchanged. The reader aliases the span;
/// it must not outlive the buffer.
class ByteReader {
public:
    constexpr explicit ByteReader(std::span<const std::byte> data) noexcept : data_(data) {}

    /// Bytes not yet consumed.
    [[nodiscard]] constexpr std::size_t remaining() const noexcept { return data_.size() - pos_; }
    /// Offset of the next byte from the start of the span.
    [[nodiscard]] constexpr std::size_t position() const noexcept { return pos_; }

    [[nodiscard]] constexpr std::optional<std::uint8_t> u8() noexcept {
        if (remaining() < 1) return std::nullopt;
        return std::to_integer<std::uint8_t>(data_[pos_++]);
    }
    [[nodiscard]] constexpr std::optional<std::uint16_t> u16() noexcept {
        if (remaining() < 2) return std::nullopt;
        const auto v = load_be16(data_.data() + pos_);
        pos_ += 2;
        return v;
    }
    [[nodiscard]] constexpr std::optional<std::uint32_t> u32() noexcept {
        if (remaining() < 4) return std::nullopt;
        const auto v = load_be32(data_.data() + pos_);
        pos_ += 4;
        return v;
    }
    /// The next `n` bytes as a sub-span of the input.
    [[nodiscard]] constexpr std::optional<std::span<const std::byte>> bytes(
        std::size_t n) noexcept {
        if (remaining() < n) return std::nullopt;
        const auto s = data_.subspan(pos_, n);
        pos_ += n;
        return s;
    }
    /// Skips `n` bytes; false (and no move) when fewer remain.
    [[nodiscard]] constexpr bool skip(std::size_t n) noexcept {
        if (remaining() < n) return false;
        pos_ += n;
        return true;
    }

private:
    std::span<const std::byte> data_;
    std::size_t pos_ = 0;
};

}  // namespace cohost::wire
