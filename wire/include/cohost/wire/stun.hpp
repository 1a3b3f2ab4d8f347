#pragma once
/// \file STUN message codec (RFC 8489, formerly RFC 5389) with the attributes ICE uses
/// (RFC 8445): parse a datagram into a view, read attributes, check MESSAGE-INTEGRITY (short-term
/// credentials: HMAC-SHA1 keyed with the ICE password) and FINGERPRINT, and build responses.
///
/// Shape (style.md "Protocol codecs that are pure and easy to fuzz"):
///  - `parse()` returns a `MessageView` over the caller's bytes: no allocation, no logging, no
///    global state. The view stores at most `kMaxAttributes` attribute positions inline and
///    aliases the input buffer, which must outlive it.
///  - attribute accessors return `Result<T>`; a missing attribute is `Errc::MissingAttribute`, a
///    malformed one `Errc::BadAttribute`.
///  - `MessageBuilder` writes into a caller buffer; errors are sticky and reported by `finish()`.
/// Every function is `noexcept` and safe to call from any thread; none keeps state between calls.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "cohost/core/result.hpp"

namespace cohost::wire::stun {

inline constexpr std::uint32_t kMagicCookie = 0x2112A442;  ///< RFC 8489 §5
inline constexpr std::size_t kHeaderSize = 20;
inline constexpr std::size_t kTransactionIdSize = 12;
inline constexpr std::size_t kIntegritySize = 20;  ///< HMAC-SHA1 output
/// Attributes recorded per message. ICE binding requests carry about 8; a message with more
/// attributes than this is rejected (`Errc::TooManyAttributes`) rather than partly read.
inline constexpr std::size_t kMaxAttributes = 24;
inline constexpr std::size_t kMaxUsernameSize = 512;  ///< RFC 8489 §14.3: < 513 bytes
inline constexpr std::size_t kMaxReasonSize = 763;    ///< RFC 8489 §14.8: < 128 characters (UTF-8)

using TransactionId = std::array<std::byte, kTransactionIdSize>;

/// Why a STUN operation failed (category "stun").
enum class Errc {
    TooShort = 1,               ///< fewer than 20 bytes
    NotStun,                    ///< the two leading bits of the type are not zero
    BadMagicCookie,             ///< not 0x2112A442 (RFC 3489 messages are not accepted)
    BadLength,                  ///< header length not a multiple of 4
    LengthMismatch,             ///< header length disagrees with the datagram size
    TruncatedAttribute,         ///< an attribute (with its padding) runs past the message end
    TooManyAttributes,          ///< more than kMaxAttributes attributes
    AttributeAfterFingerprint,  ///< FINGERPRINT is not the last attribute (RFC 8489 §14.7)
    MissingAttribute,           ///< the attribute asked for is absent
    BadAttribute,               ///< the attribute's value has the wrong size or content
    IntegrityMismatch,          ///< MESSAGE-INTEGRITY does not match the key
    FingerprintMismatch,        ///< FINGERPRINT does not match the CRC-32 of the message
    BufferTooSmall,             ///< the output buffer cannot hold the message being built
    ValueTooLong,               ///< an attribute value longer than 65535 bytes or its RFC limit
    BadOrder,                   ///< builder: attribute added after MESSAGE-INTEGRITY/FINGERPRINT
};
[[nodiscard]] boost::system::error_code make_error_code(Errc e) noexcept;

/// RFC 8489 §5 message classes (the C1/C0 bits of the type).
enum class MessageClass : std::uint8_t {
    Request = 0,
    Indication = 1,
    SuccessResponse = 2,
    ErrorResponse = 3
};

/// Methods this codec names; any 12-bit method value parses.
inline constexpr std::uint16_t kMethodBinding = 0x001;

/// Attribute types (RFC 8489 §18.3, RFC 8445 §16.1).
namespace attr {
inline constexpr std::uint16_t kMappedAddress = 0x0001;
inline constexpr std::uint16_t kUsername = 0x0006;
inline constexpr std::uint16_t kMessageIntegrity = 0x0008;
inline constexpr std::uint16_t kErrorCode = 0x0009;
inline constexpr std::uint16_t kUnknownAttributes = 0x000A;
inline constexpr std::uint16_t kRealm = 0x0014;
inline constexpr std::uint16_t kNonce = 0x0015;
inline constexpr std::uint16_t kMessageIntegritySha256 = 0x001C;
inline constexpr std::uint16_t kXorMappedAddress = 0x0020;
inline constexpr std::uint16_t kPriority = 0x0024;
inline constexpr std::uint16_t kUseCandidate = 0x0025;
inline constexpr std::uint16_t kSoftware = 0x8022;
inline constexpr std::uint16_t kFingerprint = 0x8028;
inline constexpr std::uint16_t kIceControlled = 0x8029;
inline constexpr std::uint16_t kIceControlling = 0x802A;
}  // namespace attr

/// Builds the 14-bit message type from method (12 bits) and class (RFC 8489 §5, figure 3).
[[nodiscard]] constexpr std::uint16_t make_type(std::uint16_t method, MessageClass cls) noexcept {
    const auto c = static_cast<unsigned>(cls);
    return static_cast<std::uint16_t>((method & 0x000F) | ((method & 0x0070) << 1) |
                                      ((method & 0x0F80) << 2) | ((c & 1U) << 4) | ((c & 2U) << 7));
}
inline constexpr std::uint16_t kBindingRequest = make_type(kMethodBinding, MessageClass::Request);
inline constexpr std::uint16_t kBindingSuccess =
    make_type(kMethodBinding, MessageClass::SuccessResponse);
inline constexpr std::uint16_t kBindingError =
    make_type(kMethodBinding, MessageClass::ErrorResponse);

/// One attribute of a parsed message. `value` excludes the 4-byte header and the padding and
/// aliases the parsed buffer; `offset` is where the attribute header starts in the message.
struct Attribute {
    std::uint16_t type = 0;
    std::span<const std::byte> value;
    std::size_t offset = 0;
};

/// A parsed STUN message: header fields plus the attribute list, all aliasing the input.
///
/// Invariants after a successful `parse()`: the message is exactly `bytes().size()` bytes, that
/// size is 20 + a multiple of 4, every attribute value lies inside it, and FINGERPRINT, if
/// present, is last. Attributes after MESSAGE-INTEGRITY other than FINGERPRINT and
/// MESSAGE-INTEGRITY-SHA256 are bounds-checked but not listed (RFC 8489 §14.5: ignored).
class MessageView {
public:
    [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return bytes_; }
    [[nodiscard]] std::uint16_t type() const noexcept { return type_; }
    [[nodiscard]] std::uint16_t method() const noexcept;
    [[nodiscard]] MessageClass message_class() const noexcept;
    [[nodiscard]] TransactionId transaction_id() const noexcept;
    /// Number of listed attributes and access by index (an empty Attribute when
    /// `i >= attribute_count()`).
    [[nodiscard]] std::size_t attribute_count() const noexcept { return count_; }
    [[nodiscard]] Attribute attribute(std::size_t i) const noexcept;
    /// The first listed attribute of `type`, if any.
    [[nodiscard]] std::optional<Attribute> find(std::uint16_t type) const noexcept;
    [[nodiscard]] bool has(std::uint16_t type) const noexcept { return find(type).has_value(); }

private:
    friend Result<MessageView> parse(std::span<const std::byte> in) noexcept;
    struct Entry {
        std::uint16_t type;
        std::uint16_t length;
        std::uint32_t offset;  // of the attribute header (up to 20 + 65532)
    };
    std::span<const std::byte> bytes_;
    std::uint16_t type_ = 0;
    std::size_t count_ = 0;
    std::array<Entry, kMaxAttributes> entries_{};
};

/// Cheap RFC 7983 / RFC 8489 §6 check: at least 20 bytes, top two bits zero, magic cookie,
/// length field a multiple of 4 that matches the datagram. Does not walk the attributes.
[[nodiscard]] bool looks_like_stun(std::span<const std::byte> in) noexcept;

/// Parses one STUN message that fills `in` exactly (one UDP datagram). Any 14-bit type is
/// accepted (RFC 8489); the worker routes only first bytes 0..3 here (demux.hpp, RFC 7983).
[[nodiscard]] Result<MessageView> parse(std::span<const std::byte> in) noexcept;

/// A transport address as carried in (XOR-)MAPPED-ADDRESS: IPv4 uses the first 4 bytes of `ip`.
struct Address {
    enum class Family : std::uint8_t { V4 = 1, V6 = 2 };
    Family family = Family::V4;
    std::array<std::uint8_t, 16> ip{};
    std::uint16_t port = 0;

    [[nodiscard]] static Address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                                    std::uint16_t port) noexcept {
        Address r;
        r.ip = {a, b, c, d};
        r.port = port;
        return r;
    }
    [[nodiscard]] static Address v6(const std::array<std::uint8_t, 16>& ip,
                                    std::uint16_t port) noexcept {
        return Address{Family::V6, ip, port};
    }
    friend bool operator==(const Address&, const Address&) = default;
};

/// ERROR-CODE contents (RFC 8489 §14.8). `reason` aliases the parsed message.
struct ErrorCode {
    std::uint16_t code = 0;  ///< 300..699
    std::string_view reason;
};

// Attribute accessors. Each looks at the first listed attribute of its type.

/// USERNAME. ICE (RFC 8445 §7.2.2): a request the local agent receives carries
/// "<local ufrag>:<remote ufrag>" (the sender puts the receiver's ufrag first).
[[nodiscard]] Result<std::string_view> username(const MessageView& m) noexcept;
/// PRIORITY (RFC 8445 §16.1), 4 bytes.
[[nodiscard]] Result<std::uint32_t> priority(const MessageView& m) noexcept;
/// USE-CANDIDATE present (it has no value; a non-empty value is malformed and counts as absent).
[[nodiscard]] bool use_candidate(const MessageView& m) noexcept;
/// ICE-CONTROLLING / ICE-CONTROLLED tie-breaker (8 bytes).
[[nodiscard]] Result<std::uint64_t> ice_controlling(const MessageView& m) noexcept;
[[nodiscard]] Result<std::uint64_t> ice_controlled(const MessageView& m) noexcept;
/// ERROR-CODE; the class digit must be 3..6 and the number 0..99.
[[nodiscard]] Result<ErrorCode> error_code(const MessageView& m) noexcept;
/// XOR-MAPPED-ADDRESS decoded with the message's transaction id.
[[nodiscard]] Result<Address> xor_mapped_address(const MessageView& m) noexcept;

/// Decodes an XOR-MAPPED-ADDRESS value (RFC 8489 §14.2): 8 bytes for IPv4, 20 for IPv6.
[[nodiscard]] Result<Address> decode_xor_address(std::span<const std::byte> value,
                                                 const TransactionId& tid) noexcept;
/// Encodes `a` XOR-ed into `out` (8 or 20 bytes); returns the size written.
[[nodiscard]] Result<std::size_t> encode_xor_address(const Address& a, const TransactionId& tid,
                                                     std::span<std::byte> out) noexcept;

/// Checks MESSAGE-INTEGRITY (RFC 8489 §14.5): HMAC-SHA1 under `key` (the short-term password,
/// used as is) over the message up to the attribute, with the header length set as if the
/// message ended right after MESSAGE-INTEGRITY. Constant-time comparison.
/// Errors: MissingAttribute, BadAttribute (not 20 bytes), IntegrityMismatch.
[[nodiscard]] Result<void> verify_message_integrity(const MessageView& m,
                                                    std::string_view key) noexcept;
/// Checks FINGERPRINT (RFC 8489 §14.7): CRC-32 of the message before it, XOR 0x5354554e.
/// Errors: MissingAttribute, BadAttribute, FingerprintMismatch.
[[nodiscard]] Result<void> verify_fingerprint(const MessageView& m) noexcept;

/// Writes a STUN message into a caller buffer, one attribute at a time, in order. The header
/// length is kept current after each call, so `finish()` only reports the size. The first
/// error (buffer too small, value too long, attribute after FINGERPRINT) sticks; later calls do
/// nothing and `finish()` returns it. The builder aliases `out` and must not outlive it.
class MessageBuilder {
public:
    MessageBuilder(std::span<std::byte> out, std::uint16_t type, const TransactionId& tid) noexcept;

    /// A raw attribute; `value` is padded with zero bytes to a multiple of 4.
    MessageBuilder& add(std::uint16_t type, std::span<const std::byte> value) noexcept;
    MessageBuilder& add_string(std::uint16_t type, std::string_view value) noexcept;
    MessageBuilder& add_u32(std::uint16_t type, std::uint32_t value) noexcept;
    MessageBuilder& add_u64(std::uint16_t type, std::uint64_t value) noexcept;
    MessageBuilder& add_flag(std::uint16_t type) noexcept;  ///< empty value (USE-CANDIDATE)
    MessageBuilder& add_xor_mapped_address(const Address& a) noexcept;
    /// ERROR-CODE with `code` in 300..699 and a reason phrase (at most kMaxReasonSize bytes).
    MessageBuilder& add_error_code(std::uint16_t code, std::string_view reason) noexcept;
    /// MESSAGE-INTEGRITY over everything written so far (HMAC-SHA1 keyed with `key`).
    MessageBuilder& add_message_integrity(std::string_view key) noexcept;
    /// FINGERPRINT; must be the last attribute.
    MessageBuilder& add_fingerprint() noexcept;

    /// Size of the finished message, or the first error.
    [[nodiscard]] Result<std::size_t> finish() const noexcept;

private:
    bool begin_attribute(std::uint16_t type, std::size_t length) noexcept;
    std::span<std::byte> out_;
    std::size_t size_ = 0;
    Errc error_{};
    bool has_error_ = false;
    bool integrity_ = false;  // MESSAGE-INTEGRITY written: only FINGERPRINT may follow
    bool sealed_ = false;     // FINGERPRINT written: nothing may follow
};

/// RFC 8445 §7.3.1 success response to a Binding request: XOR-MAPPED-ADDRESS = the request's
/// source, MESSAGE-INTEGRITY under `key` (the local ICE password), FINGERPRINT.
[[nodiscard]] Result<std::size_t> write_binding_success(std::span<std::byte> out,
                                                        const TransactionId& tid,
                                                        const Address& mapped,
                                                        std::string_view key) noexcept;

/// Error response of `method` with ERROR-CODE `code`/`reason`, then MESSAGE-INTEGRITY when `key`
/// is not empty (487 Role Conflict is integrity-protected; 400 and 401 are sent without, since
/// the request's credentials were not accepted), then FINGERPRINT.
[[nodiscard]] Result<std::size_t> write_error_response(std::span<std::byte> out,
                                                       std::uint16_t method,
                                                       const TransactionId& tid, std::uint16_t code,
                                                       std::string_view reason,
                                                       std::string_view key = {}) noexcept;

}  // namespace cohost::wire::stun

template <>
struct boost::system::is_error_code_enum<cohost::wire::stun::Errc> : std::true_type {};
