#pragma once
/// \file RTP packet codec (RFC 3550 §5.1) with RFC 8285 header extensions, for a forwarding SFU.
///
///  - `parse()` validates the fixed header, CSRC list, extension block and padding and returns a
///    `PacketView` aliasing the caller's buffer (no allocation; the buffer must outlive it).
///  - `ExtensionReader` walks the one-byte (0xBEDE) or two-byte (0x100X) extension elements.
///  - The `set_*` helpers and `rewrite_extension_ids()` edit a packet in place, which is what
///    the forwarder does per subscriber (new SSRC, payload type, sequence number, timestamp,
///    and extension ids negotiated for that subscriber's session).
///  - `serialize()` writes header + extensions + payload (+ padding) into a caller buffer.
/// Extension value helpers are in rtp_extensions.hpp, sequence arithmetic in rtp_sequence.hpp,
/// VP8/H.264 keyframe detection in rtp_codecs.hpp. All functions are `noexcept`, pure, and
/// safe on any thread.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "cohost/core/result.hpp"

namespace cohost::wire::rtp {

inline constexpr std::size_t kFixedHeaderSize = 12;
inline constexpr std::uint16_t kOneByteProfile = 0xBEDE;  ///< RFC 8285 §4.2
inline constexpr std::uint16_t kTwoByteProfile = 0x1000;  ///< RFC 8285 §4.3 (low 4 bits: appbits)
inline constexpr std::size_t kMaxCsrcs = 15;
inline constexpr std::uint8_t kMaxOneByteId = 14;  ///< 15 is reserved (stop), 0 is padding

/// Why an RTP operation failed (category "rtp").
enum class Errc {
    TooShort = 1,      ///< fewer than 12 bytes
    BadVersion,        ///< version field is not 2
    CsrcOverrun,       ///< the CSRC list runs past the end
    ExtensionOverrun,  ///< the extension block runs past the end
    PaddingOverrun,    ///< padding count of 0 or larger than what follows the header
    BadExtension,      ///< malformed extension element, or an id/size the form cannot carry
    BadField,          ///< serialize: payload type > 127, more than 15 CSRCs, padding of 0 with P
    BufferTooSmall,    ///< output buffer too small
};
[[nodiscard]] boost::system::error_code make_error_code(Errc e) noexcept;

/// Which RFC 8285 element format the extension block uses.
enum class ExtensionForm : std::uint8_t {
    None,     ///< X bit clear
    OneByte,  ///< profile 0xBEDE
    TwoByte,  ///< profile 0x100X
    Other,    ///< some other profile: the block is kept but has no elements this codec reads
};

/// A parsed RTP packet; every span aliases the parsed buffer.
///
/// Invariants after `parse()`: `header_size + payload.size() + padding_size == bytes.size()`,
/// `extension_data` lies inside the header (its size is a multiple of 4), `padding_size` is 0
/// exactly when `has_padding` is false.
struct PacketView {
    std::span<const std::byte> bytes;  ///< the whole packet
    bool has_padding = false;
    bool has_extension = false;
    bool marker = false;
    std::uint8_t csrc_count = 0;
    std::uint8_t payload_type = 0;
    std::uint16_t sequence_number = 0;
    std::uint32_t timestamp = 0;
    std::uint32_t ssrc = 0;
    std::uint16_t extension_profile = 0;        ///< 0 without extension
    std::span<const std::byte> extension_data;  ///< the elements, after the 4-byte block header
    std::size_t header_size = 0;                ///< fixed header + CSRCs + extension block
    std::span<const std::byte> payload;         ///< without padding
    std::uint8_t padding_size = 0;              ///< including the count byte itself

    /// CSRC `i` (`i < csrc_count`).
    [[nodiscard]] std::uint32_t csrc(std::size_t i) const noexcept;
    [[nodiscard]] ExtensionForm extension_form() const noexcept;
};

/// Parses one RTP packet that fills `in` exactly (after SRTP unprotect).
[[nodiscard]] Result<PacketView> parse(std::span<const std::byte> in) noexcept;

/// One header extension element. `data` aliases the packet; `data_offset` is its offset from
/// the start of the packet, so a caller holding a mutable buffer can rewrite the value in place.
struct Extension {
    std::uint8_t id = 0;
    std::span<const std::byte> data;
    std::size_t data_offset = 0;
};

/// Walks the extension elements of a one-byte or two-byte block in order, skipping padding.
/// Stops at the end of the block, at a one-byte id 15 (RFC 8285 §4.2: processing terminates
/// there, not an error), or at a malformed element (then `malformed()` is true). Yields nothing
/// for `ExtensionForm::None`/`Other`. Holds a copy of the spans of the view; the packet buffer
/// must outlive the reader.
class ExtensionReader {
public:
    explicit ExtensionReader(const PacketView& packet) noexcept;
    /// Next element into `out`; false at the end (or on a malformed element).
    [[nodiscard]] bool next(Extension& out) noexcept;
    [[nodiscard]] bool malformed() const noexcept { return malformed_; }

private:
    std::span<const std::byte> data_;
    std::size_t base_ = 0;  // offset of data_ in the packet
    std::size_t pos_ = 0;
    ExtensionForm form_ = ExtensionForm::None;
    bool malformed_ = false;
};

/// The first element with `id`, if the block has one before any malformed element.
[[nodiscard]] std::optional<Extension> find_extension(const PacketView& packet,
                                                      std::uint8_t id) noexcept;

// In-place header edits. Each returns false and changes nothing when `packet` is shorter than
// the fixed header (or the value does not fit its field); the caller parsed it before.
bool set_marker(std::span<std::byte> packet, bool marker) noexcept;
bool set_payload_type(std::span<std::byte> packet, std::uint8_t payload_type) noexcept;  ///< <= 127
bool set_sequence_number(std::span<std::byte> packet, std::uint16_t seq) noexcept;
bool set_timestamp(std::span<std::byte> packet, std::uint32_t timestamp) noexcept;
bool set_ssrc(std::span<std::byte> packet, std::uint32_t ssrc) noexcept;

/// Per-session mapping of extension ids: `to[in]` is the id to write for incoming id `in`;
/// 0 means strip the element. Default-constructed, it strips everything.
struct ExtensionIdMap {
    std::array<std::uint8_t, 256> to{};
    /// Convenience: map `from` to `to_id` (0: strip).
    constexpr ExtensionIdMap& map(std::uint8_t from, std::uint8_t to_id) noexcept {
        to[from] = to_id;
        return *this;
    }
};

/// Rewrites the ids of every extension element of `packet` in place through `ids`. A stripped
/// element becomes padding bytes (zero), which RFC 8285 §4.1 allows between elements, so the
/// packet keeps its size and the payload does not move. Validates first, so on error nothing
/// is changed. Errors: the parse errors; BadExtension for a malformed element list, a one-byte
/// block mapped to an id above 14, or an `Other` profile (its ids are unknown).
/// A packet without extensions is left as is (success).
[[nodiscard]] Result<void> rewrite_extension_ids(std::span<std::byte> packet,
                                                 const ExtensionIdMap& ids) noexcept;

/// An extension element to serialize; `data` must stay valid during `serialize()`.
struct ExtensionElement {
    std::uint8_t id = 0;
    std::span<const std::byte> data;
};

/// What `serialize()` writes.
struct Packet {
    bool marker = false;
    std::uint8_t payload_type = 0;
    std::uint16_t sequence_number = 0;
    std::uint32_t timestamp = 0;
    std::uint32_t ssrc = 0;
    std::span<const std::uint32_t> csrcs;
    /// Written in order. The one-byte form is used when every id is 1..14 and every size 1..16
    /// (and `force_two_byte` is false), else the two-byte form (ids 1..255, sizes 0..255).
    std::span<const ExtensionElement> extensions;
    bool force_two_byte = false;
    std::span<const std::byte> payload;
    /// RFC 3550 padding bytes to append (including the count byte); 0 for none.
    std::uint8_t padding_size = 0;
};

/// Bytes `serialize(p, ...)` would write (0 when `p` is invalid).
[[nodiscard]] std::size_t serialized_size(const Packet& p) noexcept;
/// Writes `p` to `out`; returns the packet size. Extension elements are padded with zeros to a
/// 4-byte boundary. Errors: BadField, BadExtension (an id of 0 or a size above 255; the form
/// is chosen to fit everything else), BufferTooSmall.
[[nodiscard]] Result<std::size_t> serialize(const Packet& p, std::span<std::byte> out) noexcept;

}  // namespace cohost::wire::rtp

template <>
struct boost::system::is_error_code_enum<cohost::wire::rtp::Errc> : std::true_type {};
