// STUN codec (RFC 8489) with the ICE attributes (RFC 8445). See stun.hpp for the contract.
#include "cohost/wire/stun.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include "cohost/wire/bytes.hpp"

namespace cohost::wire::stun {

namespace {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class StunCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "stun"; }
    std::string message(int ev) const override {
        switch (static_cast<Errc>(ev)) {
            case Errc::TooShort:
                return "shorter than a STUN header";
            case Errc::NotStun:
                return "leading bits of the message type are not zero";
            case Errc::BadMagicCookie:
                return "bad magic cookie";
            case Errc::BadLength:
                return "message length is not a multiple of 4";
            case Errc::LengthMismatch:
                return "message length does not match the datagram";
            case Errc::TruncatedAttribute:
                return "attribute runs past the end of the message";
            case Errc::TooManyAttributes:
                return "too many attributes";
            case Errc::AttributeAfterFingerprint:
                return "attribute after FINGERPRINT";
            case Errc::MissingAttribute:
                return "attribute missing";
            case Errc::BadAttribute:
                return "malformed attribute value";
            case Errc::IntegrityMismatch:
                return "MESSAGE-INTEGRITY mismatch";
            case Errc::FingerprintMismatch:
                return "FINGERPRINT mismatch";
            case Errc::BufferTooSmall:
                return "output buffer too small";
            case Errc::ValueTooLong:
                return "attribute value too long";
            case Errc::BadOrder:
                return "attribute after MESSAGE-INTEGRITY or FINGERPRINT";
        }
        return "stun error";
    }
};
#pragma GCC diagnostic pop
const StunCategory kCategory;

constexpr std::uint32_t kFingerprintXor = 0x5354554e;  // RFC 8489 §14.7: "STUN"

constexpr std::size_t padded(std::size_t n) noexcept { return (n + 3) & ~std::size_t{3}; }

/// HMAC-SHA1 of `header` (20 bytes, length field already adjusted) followed by `rest`.
/// OpenSSL 3 EVP_MAC: the algorithm handle is fetched once (thread-safe static), the context
/// is per call. Returns false when OpenSSL fails (then the caller treats it as a mismatch).
bool hmac_sha1(std::string_view key, std::span<const std::byte> header,
               std::span<const std::byte> rest, std::array<unsigned char, kIntegritySize>& out) {
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
    if (mac == nullptr) return false;
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    if (ctx == nullptr) return false;
    char digest[] = "SHA1";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    // A zero-length key must still be passed as a non-null pointer (null means "keep the key").
    static const unsigned char kEmpty = 0;
    const auto* k = key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
    std::size_t len = 0;
    const bool ok = EVP_MAC_init(ctx, k, key.size(), params) == 1 &&
                    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(header.data()),
                                   header.size()) == 1 &&
                    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(rest.data()),
                                   rest.size()) == 1 &&
                    EVP_MAC_final(ctx, out.data(), &len, out.size()) == 1 && len == out.size();
    EVP_MAC_CTX_free(ctx);
    return ok;
}

/// CRC-32 (zlib) of `header` (length adjusted) followed by `rest`, XOR-ed per RFC 8489 §14.7.
std::uint32_t fingerprint_of(std::span<const std::byte> header, std::span<const std::byte> rest) {
    uLong crc = crc32(0L, Z_NULL, 0);
    crc =
        crc32(crc, reinterpret_cast<const Bytef*>(header.data()), static_cast<uInt>(header.size()));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(rest.data()), static_cast<uInt>(rest.size()));
    return static_cast<std::uint32_t>(crc) ^ kFingerprintXor;
}

/// The 20-byte header of `m` with the length field replaced by `length`.
std::array<std::byte, kHeaderSize> header_with_length(std::span<const std::byte> m,
                                                      std::size_t length) {
    std::array<std::byte, kHeaderSize> h{};
    std::memcpy(h.data(), m.data(), kHeaderSize);
    store_be16(h.data() + 2, static_cast<std::uint16_t>(length));
    return h;
}

Result<Attribute> require(const MessageView& m, std::uint16_t type) noexcept {
    auto a = m.find(type);
    if (!a) return make_error_code(Errc::MissingAttribute);
    return *a;
}

}  // namespace

boost::system::error_code make_error_code(Errc e) noexcept {
    return {static_cast<int>(e), kCategory};
}

// ---------------------------------------------------------------------------------------------
// MessageView

std::uint16_t MessageView::method() const noexcept {
    return static_cast<std::uint16_t>((type_ & 0x000F) | ((type_ >> 1) & 0x0070) |
                                      ((type_ >> 2) & 0x0F80));
}

MessageClass MessageView::message_class() const noexcept {
    return static_cast<MessageClass>(((type_ >> 4) & 1U) | ((type_ >> 7) & 2U));
}

TransactionId MessageView::transaction_id() const noexcept {
    TransactionId t{};
    std::memcpy(t.data(), bytes_.data() + 8, t.size());
    return t;
}

Attribute MessageView::attribute(std::size_t i) const noexcept {
    if (i >= count_) return {};
    const Entry& e = entries_[i];
    return {e.type, bytes_.subspan(e.offset + 4, e.length), e.offset};
}

std::optional<Attribute> MessageView::find(std::uint16_t type) const noexcept {
    for (std::size_t i = 0; i < count_; ++i) {
        if (entries_[i].type == type) return attribute(i);
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Parsing

bool looks_like_stun(std::span<const std::byte> in) noexcept {
    if (in.size() < kHeaderSize) return false;
    if ((u8_at(in, 0) & 0xC0) != 0) return false;
    const std::size_t length = load_be16(in.data() + 2);
    return load_be32(in.data() + 4) == kMagicCookie && length % 4 == 0 &&
           length + kHeaderSize == in.size();
}

Result<MessageView> parse(std::span<const std::byte> in) noexcept {
    // RFC 8489 §6: the header, then attributes in TLV form, each padded to 4 bytes.
    if (in.size() < kHeaderSize) return make_error_code(Errc::TooShort);
    if ((u8_at(in, 0) & 0xC0) != 0) return make_error_code(Errc::NotStun);
    if (load_be32(in.data() + 4) != kMagicCookie) return make_error_code(Errc::BadMagicCookie);
    const std::size_t length = load_be16(in.data() + 2);
    if (length % 4 != 0) return make_error_code(Errc::BadLength);
    if (length + kHeaderSize != in.size()) return make_error_code(Errc::LengthMismatch);

    MessageView m;
    m.bytes_ = in;
    m.type_ = load_be16(in.data());
    bool after_integrity = false;
    bool after_fingerprint = false;
    std::size_t pos = kHeaderSize;
    while (pos < in.size()) {
        if (after_fingerprint) return make_error_code(Errc::AttributeAfterFingerprint);
        if (in.size() - pos < 4) return make_error_code(Errc::TruncatedAttribute);
        const std::uint16_t type = load_be16(in.data() + pos);
        const std::uint16_t len = load_be16(in.data() + pos + 2);
        // The padding must be there too (RFC 8489 §14: values are padded to 4 bytes); its
        // content is not checked: RFC 5769's vectors pad with spaces, and MESSAGE-INTEGRITY
        // covers the padding bytes as sent.
        if (padded(len) > in.size() - pos - 4) return make_error_code(Errc::TruncatedAttribute);
        // RFC 8489 §14.5: after MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT
        // count; anything else is ignored (walked for bounds, not listed).
        const bool listed =
            !after_integrity || type == attr::kFingerprint || type == attr::kMessageIntegritySha256;
        if (listed) {
            if (m.count_ == kMaxAttributes) return make_error_code(Errc::TooManyAttributes);
            m.entries_[m.count_++] = {type, len, static_cast<std::uint32_t>(pos)};
        }
        if (type == attr::kMessageIntegrity) after_integrity = true;
        if (type == attr::kFingerprint) after_fingerprint = true;
        pos += 4 + padded(len);
    }
    return m;
}

// ---------------------------------------------------------------------------------------------
// Attribute accessors

Result<std::string_view> username(const MessageView& m) noexcept {
    auto a = require(m, attr::kUsername);
    if (!a) return a.error();
    if (a->value.size() > kMaxUsernameSize) return make_error_code(Errc::BadAttribute);
    return as_string_view(a->value);
}

Result<std::uint32_t> priority(const MessageView& m) noexcept {
    auto a = require(m, attr::kPriority);
    if (!a) return a.error();
    if (a->value.size() != 4) return make_error_code(Errc::BadAttribute);
    return load_be32(a->value.data());
}

bool use_candidate(const MessageView& m) noexcept {
    auto a = m.find(attr::kUseCandidate);
    return a && a->value.empty();
}

namespace {
Result<std::uint64_t> tie_breaker(const MessageView& m, std::uint16_t type) noexcept {
    auto a = require(m, type);
    if (!a) return a.error();
    if (a->value.size() != 8) return make_error_code(Errc::BadAttribute);
    return load_be64(a->value.data());
}
}  // namespace

Result<std::uint64_t> ice_controlling(const MessageView& m) noexcept {
    return tie_breaker(m, attr::kIceControlling);
}

Result<std::uint64_t> ice_controlled(const MessageView& m) noexcept {
    return tie_breaker(m, attr::kIceControlled);
}

Result<ErrorCode> error_code(const MessageView& m) noexcept {
    auto a = require(m, attr::kErrorCode);
    if (!a) return a.error();
    // RFC 8489 §14.8: 21 reserved bits, class (3 bits, 3..6), number (8 bits, 0..99), reason.
    const auto v = a->value;
    if (v.size() < 4 || v.size() > 4 + kMaxReasonSize) return make_error_code(Errc::BadAttribute);
    const unsigned cls = u8_at(v, 2) & 0x07U;
    const unsigned number = u8_at(v, 3);
    if (cls < 3 || cls > 6 || number > 99) return make_error_code(Errc::BadAttribute);
    return ErrorCode{static_cast<std::uint16_t>(cls * 100 + number), as_string_view(v.subspan(4))};
}

Result<Address> decode_xor_address(std::span<const std::byte> value,
                                   const TransactionId& tid) noexcept {
    // RFC 8489 §14.2: reserved byte, family, X-Port, X-Address.
    if (value.size() < 4) return make_error_code(Errc::BadAttribute);
    Address a;
    a.port = static_cast<std::uint16_t>(load_be16(value.data() + 2) ^ (kMagicCookie >> 16));
    std::array<std::byte, 16> mask{};
    store_be32(mask.data(), kMagicCookie);
    std::memcpy(mask.data() + 4, tid.data(), tid.size());
    std::size_t n = 0;
    switch (u8_at(value, 1)) {
        case 0x01:
            a.family = Address::Family::V4;
            n = 4;
            break;
        case 0x02:
            a.family = Address::Family::V6;
            n = 16;
            break;
        default:
            return make_error_code(Errc::BadAttribute);
    }
    if (value.size() != 4 + n) return make_error_code(Errc::BadAttribute);
    for (std::size_t i = 0; i < n; ++i) {
        a.ip[i] = std::to_integer<std::uint8_t>(value[4 + i] ^ mask[i]);
    }
    return a;
}

Result<std::size_t> encode_xor_address(const Address& a, const TransactionId& tid,
                                       std::span<std::byte> out) noexcept {
    const bool v4 = a.family == Address::Family::V4;
    if (!v4 && a.family != Address::Family::V6) return make_error_code(Errc::BadAttribute);
    const std::size_t n = v4 ? 4 : 16;
    if (out.size() < 4 + n) return make_error_code(Errc::BufferTooSmall);
    std::array<std::byte, 16> mask{};
    store_be32(mask.data(), kMagicCookie);
    std::memcpy(mask.data() + 4, tid.data(), tid.size());
    out[0] = std::byte{0};
    out[1] = std::byte{static_cast<std::uint8_t>(v4 ? 0x01 : 0x02)};
    store_be16(out.data() + 2, static_cast<std::uint16_t>(a.port ^ (kMagicCookie >> 16)));
    for (std::size_t i = 0; i < n; ++i) out[4 + i] = std::byte{a.ip[i]} ^ mask[i];
    return 4 + n;
}

Result<Address> xor_mapped_address(const MessageView& m) noexcept {
    auto a = require(m, attr::kXorMappedAddress);
    if (!a) return a.error();
    return decode_xor_address(a->value, m.transaction_id());
}

// ---------------------------------------------------------------------------------------------
// MESSAGE-INTEGRITY and FINGERPRINT

Result<void> verify_message_integrity(const MessageView& m, std::string_view key) noexcept {
    auto a = require(m, attr::kMessageIntegrity);
    if (!a) return a.error();
    if (a->value.size() != kIntegritySize) return make_error_code(Errc::BadAttribute);
    // RFC 8489 §14.5: the length covers up to and including MESSAGE-INTEGRITY.
    const auto bytes = m.bytes();
    const auto header = header_with_length(bytes, a->offset + 4 + kIntegritySize - kHeaderSize);
    std::array<unsigned char, kIntegritySize> mac{};
    if (!hmac_sha1(key, header, bytes.subspan(kHeaderSize, a->offset - kHeaderSize), mac)) {
        return make_error_code(Errc::IntegrityMismatch);
    }
    if (CRYPTO_memcmp(mac.data(), a->value.data(), mac.size()) != 0) {
        return make_error_code(Errc::IntegrityMismatch);
    }
    return {};
}

Result<void> verify_fingerprint(const MessageView& m) noexcept {
    auto a = require(m, attr::kFingerprint);
    if (!a) return a.error();
    if (a->value.size() != 4) return make_error_code(Errc::BadAttribute);
    // parse() guarantees FINGERPRINT is last, so the header length is already the right one.
    const auto bytes = m.bytes();
    const auto expected = fingerprint_of(bytes.first(kHeaderSize),
                                         bytes.subspan(kHeaderSize, a->offset - kHeaderSize));
    if (load_be32(a->value.data()) != expected) return make_error_code(Errc::FingerprintMismatch);
    return {};
}

// ---------------------------------------------------------------------------------------------
// Builder

MessageBuilder::MessageBuilder(std::span<std::byte> out, std::uint16_t type,
                               const TransactionId& tid) noexcept
    : out_(out) {
    if ((type & 0xC000) != 0) {
        has_error_ = true;
        error_ = Errc::NotStun;
        return;
    }
    if (out.size() < kHeaderSize) {
        has_error_ = true;
        error_ = Errc::BufferTooSmall;
        return;
    }
    store_be16(out.data(), type);
    store_be16(out.data() + 2, 0);
    store_be32(out.data() + 4, kMagicCookie);
    std::memcpy(out.data() + 8, tid.data(), tid.size());
    size_ = kHeaderSize;
}

bool MessageBuilder::begin_attribute(std::uint16_t type, std::size_t length) noexcept {
    if (has_error_) return false;
    auto fail = [this](Errc e) {
        has_error_ = true;
        error_ = e;
        return false;
    };
    if (sealed_) return fail(Errc::BadOrder);
    if (integrity_ && type != attr::kFingerprint) return fail(Errc::BadOrder);
    if (length > std::numeric_limits<std::uint16_t>::max()) return fail(Errc::ValueTooLong);
    const std::size_t total = 4 + padded(length);
    if (out_.size() - size_ < total) return fail(Errc::BufferTooSmall);
    if (size_ + total - kHeaderSize > std::numeric_limits<std::uint16_t>::max()) {
        return fail(Errc::ValueTooLong);
    }
    store_be16(out_.data() + size_, type);
    store_be16(out_.data() + size_ + 2, static_cast<std::uint16_t>(length));
    // Zero the padding now; the value is written by the caller.
    std::fill(out_.begin() + static_cast<std::ptrdiff_t>(size_ + 4 + length),
              out_.begin() + static_cast<std::ptrdiff_t>(size_ + total), std::byte{0});
    return true;
}

MessageBuilder& MessageBuilder::add(std::uint16_t type, std::span<const std::byte> value) noexcept {
    if (!begin_attribute(type, value.size())) return *this;
    if (!value.empty()) std::memcpy(out_.data() + size_ + 4, value.data(), value.size());
    size_ += 4 + padded(value.size());
    store_be16(out_.data() + 2, static_cast<std::uint16_t>(size_ - kHeaderSize));
    return *this;
}

MessageBuilder& MessageBuilder::add_string(std::uint16_t type, std::string_view value) noexcept {
    return add(type, as_bytes(value));
}

MessageBuilder& MessageBuilder::add_u32(std::uint16_t type, std::uint32_t value) noexcept {
    std::array<std::byte, 4> v{};
    store_be32(v.data(), value);
    return add(type, v);
}

MessageBuilder& MessageBuilder::add_u64(std::uint16_t type, std::uint64_t value) noexcept {
    std::array<std::byte, 8> v{};
    store_be64(v.data(), value);
    return add(type, v);
}

MessageBuilder& MessageBuilder::add_flag(std::uint16_t type) noexcept { return add(type, {}); }

MessageBuilder& MessageBuilder::add_xor_mapped_address(const Address& a) noexcept {
    if (has_error_) return *this;
    std::array<std::byte, 20> v{};
    TransactionId tid{};
    std::memcpy(tid.data(), out_.data() + 8, tid.size());
    auto n = encode_xor_address(a, tid, v);
    if (!n) {
        has_error_ = true;
        error_ = Errc::BadAttribute;
        return *this;
    }
    return add(attr::kXorMappedAddress, std::span<const std::byte>(v).first(*n));
}

MessageBuilder& MessageBuilder::add_error_code(std::uint16_t code,
                                               std::string_view reason) noexcept {
    if (has_error_) return *this;
    if (code < 300 || code > 699 || reason.size() > kMaxReasonSize) {
        has_error_ = true;
        error_ = code < 300 || code > 699 ? Errc::BadAttribute : Errc::ValueTooLong;
        return *this;
    }
    if (!begin_attribute(attr::kErrorCode, 4 + reason.size())) return *this;
    std::byte* v = out_.data() + size_ + 4;
    v[0] = std::byte{0};
    v[1] = std::byte{0};
    v[2] = std::byte{static_cast<std::uint8_t>(code / 100)};
    v[3] = std::byte{static_cast<std::uint8_t>(code % 100)};
    if (!reason.empty()) std::memcpy(v + 4, reason.data(), reason.size());
    size_ += 4 + padded(4 + reason.size());
    store_be16(out_.data() + 2, static_cast<std::uint16_t>(size_ - kHeaderSize));
    return *this;
}

MessageBuilder& MessageBuilder::add_message_integrity(std::string_view key) noexcept {
    if (!begin_attribute(attr::kMessageIntegrity, kIntegritySize)) return *this;
    const std::span<const std::byte> msg(out_.data(), size_);
    const auto header = header_with_length(msg, size_ + 4 + kIntegritySize - kHeaderSize);
    std::array<unsigned char, kIntegritySize> mac{};
    if (!hmac_sha1(key, header, msg.subspan(kHeaderSize), mac)) {
        has_error_ = true;
        error_ = Errc::IntegrityMismatch;
        return *this;
    }
    std::memcpy(out_.data() + size_ + 4, mac.data(), mac.size());
    size_ += 4 + kIntegritySize;
    store_be16(out_.data() + 2, static_cast<std::uint16_t>(size_ - kHeaderSize));
    integrity_ = true;
    return *this;
}

MessageBuilder& MessageBuilder::add_fingerprint() noexcept {
    if (!begin_attribute(attr::kFingerprint, 4)) return *this;
    const std::span<const std::byte> msg(out_.data(), size_);
    const auto header = header_with_length(msg, size_ + 8 - kHeaderSize);
    const std::uint32_t fp = fingerprint_of(header, msg.subspan(kHeaderSize));
    store_be32(out_.data() + size_ + 4, fp);
    size_ += 8;
    store_be16(out_.data() + 2, static_cast<std::uint16_t>(size_ - kHeaderSize));
    sealed_ = true;
    return *this;
}

Result<std::size_t> MessageBuilder::finish() const noexcept {
    if (has_error_) return make_error_code(error_);
    return size_;
}

Result<std::size_t> write_binding_success(std::span<std::byte> out, const TransactionId& tid,
                                          const Address& mapped, std::string_view key) noexcept {
    // RFC 8445 §7.3.1.2.2 / RFC 8489 §10.1.2: XOR-MAPPED-ADDRESS is the request's source
    // address; the response is integrity-protected with the same short-term credential.
    MessageBuilder b(out, kBindingSuccess, tid);
    b.add_xor_mapped_address(mapped).add_message_integrity(key).add_fingerprint();
    return b.finish();
}

Result<std::size_t> write_error_response(std::span<std::byte> out, std::uint16_t method,
                                         const TransactionId& tid, std::uint16_t code,
                                         std::string_view reason, std::string_view key) noexcept {
    MessageBuilder b(out, make_type(method & 0x0FFF, MessageClass::ErrorResponse), tid);
    b.add_error_code(code, reason);
    if (!key.empty()) b.add_message_integrity(key);
    b.add_fingerprint();
    return b.finish();
}

}  // namespace cohost::wire::stun
