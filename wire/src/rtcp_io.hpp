#pragma once
// Private big-endian helpers and shared internals of the RTCP codec (rtcp*.cpp only; not
// installed, not used by other wire/ codecs). Callers check bounds before every load/store.
#include <cstddef>
#include <cstdint>
#include <span>

#include "cohost/wire/rtcp.hpp"

namespace cohost::wire::rtcp::detail {

inline std::uint8_t u8(std::span<const std::byte> b, std::size_t at) noexcept {
    return std::to_integer<std::uint8_t>(b[at]);
}
inline std::uint16_t load_u16(std::span<const std::byte> b, std::size_t at) noexcept {
    return static_cast<std::uint16_t>((u8(b, at) << 8) | u8(b, at + 1));
}
inline std::uint32_t load_u24(std::span<const std::byte> b, std::size_t at) noexcept {
    return (std::uint32_t{u8(b, at)} << 16) | (std::uint32_t{u8(b, at + 1)} << 8) | u8(b, at + 2);
}
inline std::uint32_t load_u32(std::span<const std::byte> b, std::size_t at) noexcept {
    return (std::uint32_t{load_u16(b, at)} << 16) | load_u16(b, at + 2);
}

inline void store_u8(std::span<std::byte> b, std::size_t at, std::uint32_t v) noexcept {
    b[at] = static_cast<std::byte>(v & 0xff);
}
inline void store_u16(std::span<std::byte> b, std::size_t at, std::uint32_t v) noexcept {
    store_u8(b, at, v >> 8);
    store_u8(b, at + 1, v);
}
inline void store_u24(std::span<std::byte> b, std::size_t at, std::uint32_t v) noexcept {
    store_u8(b, at, v >> 16);
    store_u16(b, at + 1, v);
}
inline void store_u32(std::span<std::byte> b, std::size_t at, std::uint32_t v) noexcept {
    store_u16(b, at, v >> 16);
    store_u16(b, at + 2, v);
}

inline boost::system::error_code err(RtcpError e) noexcept { return make_error_code(e); }

/// Writes the 4-byte common header (V=2, P=0) for a packet of `total` bytes (a multiple of 4).
inline void store_header(std::span<std::byte> out, std::uint8_t count_or_fmt, std::uint8_t pt,
                         std::size_t total) noexcept {
    store_u8(out, 0, 0x80u | (count_or_fmt & 0x1fu));
    store_u8(out, 1, pt);
    store_u16(out, 2, static_cast<std::uint32_t>(total / 4 - 1));
}

/// Largest packet the 16-bit length field can describe.
inline constexpr std::size_t kMaxPacketSize = std::size_t{65536} * 4;

/// Where the receive deltas start and how many packets were received, from a structural walk.
struct TwccLayout {
    std::size_t deltas_offset = 0;
    std::uint32_t received = 0;
};
/// Validates a transport-cc body (from the sender SSRC on, padding removed). Defined in
/// rtcp_twcc.cpp, used by parse() and as_transport_cc().
[[nodiscard]] Result<TwccLayout> scan_transport_cc(std::span<const std::byte> body) noexcept;

}  // namespace cohost::wire::rtcp::detail
