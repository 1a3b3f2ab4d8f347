#pragma once
/// \file Values of the RTP header extensions an SFU reads or writes (ids come from SDP
/// `a=extmap`, see livekit-protocol.md §6.4): abs-send-time, transport-wide-cc sequence number,
/// audio level (RFC 6464), and the SDES strings RID / repaired RID (RFC 8852) and MID
/// (RFC 9143). Readers take the `Extension::data` span from rtp.hpp and check its exact size;
/// writers fill a span of exactly the extension's size (in place, via `Extension::data_offset`,
/// or as `ExtensionElement::data` for `serialize()`). Header-only, pure, noexcept.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "cohost/wire/bytes.hpp"

namespace cohost::wire::rtp {

inline constexpr std::size_t kAbsSendTimeSize = 3;
inline constexpr std::size_t kTransportCcSize = 2;
inline constexpr std::size_t kAudioLevelSize = 1;
inline constexpr std::size_t kMaxSdesSize = 255;  ///< two-byte form limit (one-byte: 16)

/// abs-send-time: 24-bit fixed point seconds, 6 integer and 18 fractional bits (wraps each 64 s).
[[nodiscard]] inline std::optional<std::uint32_t> read_abs_send_time(
    std::span<const std::byte> data) noexcept {
    if (data.size() != kAbsSendTimeSize) return std::nullopt;
    return load_be24(data.data());
}
[[nodiscard]] inline bool write_abs_send_time(std::span<std::byte> out,
                                              std::uint32_t value) noexcept {
    if (out.size() != kAbsSendTimeSize) return false;
    store_be24(out.data(), value);
    return true;
}
/// abs-send-time for a time in microseconds (any epoch): floor(t * 2^18 / 10^6) mod 2^24.
/// Reduced modulo 64 s first, so the multiplication cannot overflow.
[[nodiscard]] constexpr std::uint32_t abs_send_time_from_us(std::uint64_t us) noexcept {
    const std::uint64_t r = us % 64'000'000ULL;
    return static_cast<std::uint32_t>(((r << 18) / 1'000'000ULL) & 0xFFFFFFU);
}

/// transport-wide-cc (draft-holmer-rmcat-transport-wide-cc-extensions-01): 16-bit sequence.
[[nodiscard]] inline std::optional<std::uint16_t> read_transport_cc(
    std::span<const std::byte> data) noexcept {
    if (data.size() != kTransportCcSize) return std::nullopt;
    return load_be16(data.data());
}
[[nodiscard]] inline bool write_transport_cc(std::span<std::byte> out, std::uint16_t seq) noexcept {
    if (out.size() != kTransportCcSize) return false;
    store_be16(out.data(), seq);
    return true;
}

/// RFC 6464 §3: V (voice activity) bit and level 0..127 in -dBov (127 = silence).
struct AudioLevel {
    bool voice_activity = false;
    std::uint8_t level = 127;
    friend bool operator==(const AudioLevel&, const AudioLevel&) = default;
};
[[nodiscard]] inline std::optional<AudioLevel> read_audio_level(
    std::span<const std::byte> data) noexcept {
    if (data.size() != kAudioLevelSize) return std::nullopt;
    const auto b = std::to_integer<std::uint8_t>(data[0]);
    return AudioLevel{(b & 0x80U) != 0, static_cast<std::uint8_t>(b & 0x7FU)};
}
[[nodiscard]] inline bool write_audio_level(std::span<std::byte> out, AudioLevel a) noexcept {
    if (out.size() != kAudioLevelSize || a.level > 127) return false;
    out[0] = std::byte{static_cast<std::uint8_t>((a.voice_activity ? 0x80U : 0U) | a.level)};
    return true;
}

/// RID, repaired RID and MID values: non-empty text. Trailing NUL bytes are dropped (some
/// senders pad the value instead of the block; libwebrtc does the same), and the rest must be
/// visible ASCII (RFC 8851 rid-id is alphanumeric, '-' and '_'; RFC 9143 MID is an SDP token).
/// The returned view aliases `data`.
[[nodiscard]] inline std::optional<std::string_view> read_sdes_string(
    std::span<const std::byte> data) noexcept {
    std::string_view s = as_string_view(data);
    while (!s.empty() && s.back() == '\0') s.remove_suffix(1);
    if (s.empty() || s.size() > kMaxSdesSize) return std::nullopt;
    for (char c : s) {
        if (c < 0x21 || c > 0x7E) return std::nullopt;
    }
    return s;
}
/// The bytes to send for an SDES string value: `value` itself, when non-empty, at most 255
/// bytes and visible ASCII (else nullopt). Aliases `value`.
[[nodiscard]] inline std::optional<std::span<const std::byte>> sdes_string_bytes(
    std::string_view value) noexcept {
    if (value.empty() || value.size() > kMaxSdesSize) return std::nullopt;
    for (char c : value) {
        if (c < 0x21 || c > 0x7E) return std::nullopt;
    }
    return as_bytes(value);
}

}  // namespace cohost::wire::rtp
