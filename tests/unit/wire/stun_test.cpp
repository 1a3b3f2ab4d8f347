// STUN codec: RFC 5769 test vectors, malformed input, accessors, builder.
#include "cohost/wire/stun.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "cohost/wire/bytes.hpp"

#include "unit/wire/hex.hpp"

namespace cohost::wire::stun {
namespace {

using testing::hex;

// RFC 5769 §2.1-§2.3. The short-term password of all three is "VOkJxbRl1RmTxUk/WvJxBt".
constexpr std::string_view kPassword = "VOkJxbRl1RmTxUk/WvJxBt";
const std::vector<std::byte> kRequest =
    hex("00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
        "80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74"  // SOFTWARE
        "00 24 00 04 6e 00 01 ff"                                      // PRIORITY
        "80 29 00 08 93 2f f9 b1 51 26 3b 36"                          // ICE-CONTROLLED
        "00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20"              // USERNAME
        "00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2"
        "80 28 00 04 e5 7a 3b cf");
const std::vector<std::byte> kIpv4Response =
    hex("01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
        "80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
        "00 20 00 08 00 01 a1 47 e1 12 a6 43"
        "00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7"
        "80 28 00 04 c0 7d 4c 96");
const std::vector<std::byte> kIpv6Response =
    hex("01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
        "80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
        "00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9"
        "00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41"
        "80 28 00 04 c8 fb 0b 4c");

TransactionId rfc_tid() {
    TransactionId t{};
    const auto b = hex("b7 e7 a7 01 bc 34 d6 86 fa 87 df ae");
    std::memcpy(t.data(), b.data(), t.size());
    return t;
}

TransactionId tid_of(std::uint8_t seed) {
    TransactionId t{};
    for (std::size_t i = 0; i < t.size(); ++i)
        t[i] = std::byte{static_cast<std::uint8_t>(seed + i * 7)};
    return t;
}

const Address kRfcV6 = Address::v6({0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 0x00, 0x11,
                                    0x22, 0x33, 0x44, 0x55, 0x66, 0x77},
                                   32853);

bool fails_with(const auto& result, Errc e) { return result.has_error() && result.error() == e; }

/// A message made of a header (type, computed length) followed by `attrs` bytes.
std::vector<std::byte> message(std::uint16_t type, const std::vector<std::byte>& attrs) {
    std::vector<std::byte> m(kHeaderSize);
    store_be16(m.data(), type);
    store_be16(m.data() + 2, static_cast<std::uint16_t>(attrs.size()));
    store_be32(m.data() + 4, kMagicCookie);
    const auto t = tid_of(1);
    std::memcpy(m.data() + 8, t.data(), t.size());
    m.insert(m.end(), attrs.begin(), attrs.end());
    return m;
}

// ----------------------------------------------------------------------------------- vectors

TEST(StunRfc5769, SampleRequestParsesWithIceAttributes) {
    auto m = parse(kRequest);
    ASSERT_TRUE(m) << m.error().message();
    EXPECT_EQ(m->type(), kBindingRequest);
    EXPECT_EQ(m->method(), kMethodBinding);
    EXPECT_EQ(m->message_class(), MessageClass::Request);
    EXPECT_EQ(m->transaction_id(), rfc_tid());
    ASSERT_EQ(m->attribute_count(), 6U);
    EXPECT_EQ(m->attribute(0).type, attr::kSoftware);
    EXPECT_EQ(as_string_view(m->attribute(0).value), "STUN test client");
    EXPECT_EQ(m->attribute(5).type, attr::kFingerprint);
    EXPECT_EQ(m->attribute(5).offset, kRequest.size() - 8);
    EXPECT_EQ(username(*m).value(), "evtj:h6vY");
    EXPECT_EQ(priority(*m).value(), 0x6e0001ffU);
    EXPECT_EQ(ice_controlled(*m).value(), 0x932ff9b151263b36ULL);
    EXPECT_TRUE(fails_with(ice_controlling(*m), Errc::MissingAttribute));
    EXPECT_FALSE(use_candidate(*m));
    EXPECT_TRUE(fails_with(xor_mapped_address(*m), Errc::MissingAttribute));
    EXPECT_TRUE(looks_like_stun(kRequest));
}

TEST(StunRfc5769, SampleRequestIntegrityAndFingerprintVerify) {
    auto m = parse(kRequest);
    ASSERT_TRUE(m);
    EXPECT_TRUE(verify_message_integrity(*m, kPassword));
    EXPECT_TRUE(verify_fingerprint(*m));
    EXPECT_TRUE(fails_with(verify_message_integrity(*m, "VOkJxbRl1RmTxUk/WvJxBT"),
                           Errc::IntegrityMismatch));
    EXPECT_TRUE(fails_with(verify_message_integrity(*m, ""), Errc::IntegrityMismatch));
}

TEST(StunRfc5769, Ipv4ResponseDecodesMappedAddress) {
    auto m = parse(kIpv4Response);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->message_class(), MessageClass::SuccessResponse);
    EXPECT_EQ(m->method(), kMethodBinding);
    EXPECT_EQ(xor_mapped_address(*m).value(), Address::v4(192, 0, 2, 1, 32853));
    EXPECT_TRUE(verify_message_integrity(*m, kPassword));
    EXPECT_TRUE(verify_fingerprint(*m));
}

TEST(StunRfc5769, Ipv6ResponseDecodesMappedAddress) {
    auto m = parse(kIpv6Response);
    ASSERT_TRUE(m);
    EXPECT_EQ(xor_mapped_address(*m).value(), kRfcV6);
    EXPECT_TRUE(verify_message_integrity(*m, kPassword));
    EXPECT_TRUE(verify_fingerprint(*m));
}

TEST(StunRfc5769, XorAddressEncodesToTheVectorBytes) {
    std::array<std::byte, 20> out{};
    auto n = encode_xor_address(Address::v4(192, 0, 2, 1, 32853), rfc_tid(), out);
    ASSERT_TRUE(n);
    EXPECT_EQ(std::vector<std::byte>(out.begin(), out.begin() + static_cast<long>(*n)),
              hex("00 01 a1 47 e1 12 a6 43"));
    n = encode_xor_address(kRfcV6, rfc_tid(), out);
    ASSERT_TRUE(n);
    EXPECT_EQ(std::vector<std::byte>(out.begin(), out.begin() + static_cast<long>(*n)),
              hex("00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9"));
    EXPECT_TRUE(fails_with(encode_xor_address(kRfcV6, rfc_tid(), std::span(out).first(19)),
                           Errc::BufferTooSmall));
}

TEST(StunRfc5769, AnySingleByteChangeIsDetected) {
    // Every byte of the request is covered by the header checks, MESSAGE-INTEGRITY or FINGERPRINT.
    for (std::size_t i = 0; i < kRequest.size(); ++i) {
        auto copy = kRequest;
        copy[i] ^= std::byte{0x01};
        auto m = parse(copy);
        const bool detected =
            !m || !verify_fingerprint(*m) || !verify_message_integrity(*m, kPassword);
        EXPECT_TRUE(detected) << "byte " << i;
    }
}

// ----------------------------------------------------------------------------------- builder

TEST(StunBuilder, ReproducesTheRfcSampleRequestByteForByte) {
    // The vector pads USERNAME with spaces; the builder pads with zeros, so the padding is
    // overwritten in the output buffer before the integrity is computed.
    std::vector<std::byte> out(256);
    MessageBuilder b(out, kBindingRequest, rfc_tid());
    b.add_string(attr::kSoftware, "STUN test client")
        .add_u32(attr::kPriority, 0x6e0001ff)
        .add_u64(attr::kIceControlled, 0x932ff9b151263b36ULL)
        .add_string(attr::kUsername, "evtj:h6vY");
    for (std::size_t i = 73; i < 76; ++i) out[i] = std::byte{' '};
    b.add_message_integrity(kPassword).add_fingerprint();
    auto n = b.finish();
    ASSERT_TRUE(n);
    out.resize(*n);
    EXPECT_EQ(out, kRequest);
}

TEST(StunBuilder, ReproducesTheRfcIpv6ResponseByteForByte) {
    std::vector<std::byte> out(256);
    MessageBuilder b(out, kBindingSuccess, rfc_tid());
    b.add_string(attr::kSoftware, "test vector");
    out[kHeaderSize + 4 + 11] = std::byte{' '};
    b.add_xor_mapped_address(kRfcV6).add_message_integrity(kPassword).add_fingerprint();
    auto n = b.finish();
    ASSERT_TRUE(n);
    out.resize(*n);
    EXPECT_EQ(out, kIpv6Response);
}

TEST(StunBuilder, BindingSuccessRoundTripsForBothFamilies) {
    for (const Address& a :
         {Address::v4(10, 1, 2, 3, 50000), Address::v4(255, 255, 255, 255, 0), kRfcV6}) {
        std::array<std::byte, 128> out{};
        auto n = write_binding_success(out, tid_of(9), a, "local-password-0123456789");
        ASSERT_TRUE(n);
        EXPECT_EQ(*n, a.family == Address::Family::V4 ? 20U + 12 + 24 + 8 : 20U + 24 + 24 + 8);
        auto m = parse(std::span(out).first(*n));
        ASSERT_TRUE(m) << m.error().message();
        EXPECT_EQ(m->type(), kBindingSuccess);
        EXPECT_EQ(m->transaction_id(), tid_of(9));
        EXPECT_EQ(xor_mapped_address(*m).value(), a);
        EXPECT_TRUE(verify_message_integrity(*m, "local-password-0123456789"));
        EXPECT_FALSE(verify_message_integrity(*m, "local-password-012345678"));
        EXPECT_TRUE(verify_fingerprint(*m));
    }
}

TEST(StunBuilder, ErrorResponsesCarryCodeAndOptionalIntegrity) {
    struct Case {
        std::uint16_t code;
        std::string_view reason;
        std::string_view key;
    };
    for (const Case& c : {Case{400, "Bad Request", ""}, Case{401, "Unauthorized", ""},
                          Case{487, "Role Conflict", "pw-0123456789012345678901"}}) {
        std::array<std::byte, 128> out{};
        auto n = write_error_response(out, kMethodBinding, tid_of(3), c.code, c.reason, c.key);
        ASSERT_TRUE(n);
        auto m = parse(std::span(out).first(*n));
        ASSERT_TRUE(m);
        EXPECT_EQ(m->type(), kBindingError);
        EXPECT_EQ(m->message_class(), MessageClass::ErrorResponse);
        auto ec = error_code(*m);
        ASSERT_TRUE(ec);
        EXPECT_EQ(ec->code, c.code);
        EXPECT_EQ(ec->reason, c.reason);
        EXPECT_EQ(m->has(attr::kMessageIntegrity), !c.key.empty());
        if (!c.key.empty()) {
            EXPECT_TRUE(verify_message_integrity(*m, c.key));
        }
        EXPECT_TRUE(verify_fingerprint(*m));
    }
}

TEST(StunBuilder, MethodAndClassRoundTripThroughTheType) {
    for (std::uint16_t method : {0x001, 0x003, 0x00F, 0x010, 0x07F, 0x080, 0xABC, 0xFFF}) {
        for (auto cls : {MessageClass::Request, MessageClass::Indication,
                         MessageClass::SuccessResponse, MessageClass::ErrorResponse}) {
            std::array<std::byte, 32> out{};
            auto n = MessageBuilder(out, make_type(method, cls), tid_of(0)).finish();
            ASSERT_TRUE(n);
            auto m = parse(std::span(out).first(*n));
            ASSERT_TRUE(m);
            EXPECT_EQ(m->method(), method);
            EXPECT_EQ(m->message_class(), cls);
        }
    }
    EXPECT_EQ(kBindingRequest, 0x0001);
    EXPECT_EQ(kBindingSuccess, 0x0101);
    EXPECT_EQ(kBindingError, 0x0111);
}

TEST(StunBuilder, RequestWithIceAttributesRoundTrips) {
    std::array<std::byte, 256> out{};
    MessageBuilder b(out, kBindingRequest, tid_of(5));
    b.add_string(attr::kUsername, "abcd:efgh")
        .add_u64(attr::kIceControlling, 0x0102030405060708ULL)
        .add_flag(attr::kUseCandidate)
        .add_u32(attr::kPriority, 1853824767)
        .add_message_integrity("pw")
        .add_fingerprint();
    auto n = b.finish();
    ASSERT_TRUE(n);
    EXPECT_EQ(*n % 4, 0U);
    auto m = parse(std::span(out).first(*n));
    ASSERT_TRUE(m);
    EXPECT_EQ(username(*m).value(), "abcd:efgh");
    EXPECT_EQ(ice_controlling(*m).value(), 0x0102030405060708ULL);
    EXPECT_TRUE(use_candidate(*m));
    EXPECT_EQ(priority(*m).value(), 1853824767U);
    EXPECT_TRUE(verify_message_integrity(*m, "pw"));
    EXPECT_TRUE(verify_fingerprint(*m));
    // USERNAME padding is zero-filled.
    EXPECT_EQ(out[kHeaderSize + 4 + 9], std::byte{0});
}

TEST(StunBuilder, RejectsAttributesInTheWrongOrder) {
    std::array<std::byte, 256> out{};
    MessageBuilder b(out, kBindingRequest, tid_of(1));
    b.add_fingerprint().add_u32(attr::kPriority, 1);
    EXPECT_TRUE(fails_with(b.finish(), Errc::BadOrder));

    MessageBuilder c(out, kBindingRequest, tid_of(1));
    c.add_message_integrity("k").add_u32(attr::kPriority, 1);
    EXPECT_TRUE(fails_with(c.finish(), Errc::BadOrder));

    MessageBuilder d(out, kBindingRequest, tid_of(1));
    d.add_message_integrity("k").add_fingerprint().add_fingerprint();
    EXPECT_TRUE(fails_with(d.finish(), Errc::BadOrder));
}

TEST(StunBuilder, ReportsBufferTooSmallAtEveryStep) {
    std::array<std::byte, 128> big{};
    auto full = write_binding_success(big, tid_of(2), Address::v4(1, 2, 3, 4, 5), "key");
    ASSERT_TRUE(full);
    for (std::size_t size = 0; size < *full; ++size) {
        std::vector<std::byte> out(size);
        auto n = write_binding_success(out, tid_of(2), Address::v4(1, 2, 3, 4, 5), "key");
        EXPECT_TRUE(fails_with(n, Errc::BufferTooSmall)) << size;
    }
}

TEST(StunBuilder, RejectsBadValues) {
    std::vector<std::byte> out(70000);
    EXPECT_TRUE(fails_with(MessageBuilder(out, 0x4001, tid_of(0)).finish(), Errc::NotStun));
    std::vector<std::byte> huge(65536);
    EXPECT_TRUE(
        fails_with(MessageBuilder(out, kBindingRequest, tid_of(0)).add(0x1234, huge).finish(),
                   Errc::ValueTooLong));
    huge.resize(65530);  // fits a uint16 but not the message length with its header
    EXPECT_TRUE(
        fails_with(MessageBuilder(out, kBindingRequest, tid_of(0)).add(0x1234, huge).finish(),
                   Errc::ValueTooLong));
    EXPECT_TRUE(
        fails_with(MessageBuilder(out, kBindingError, tid_of(0)).add_error_code(299, "x").finish(),
                   Errc::BadAttribute));
    EXPECT_TRUE(
        fails_with(MessageBuilder(out, kBindingError, tid_of(0)).add_error_code(700, "x").finish(),
                   Errc::BadAttribute));
    const std::string long_reason(kMaxReasonSize + 1, 'r');
    EXPECT_TRUE(fails_with(
        MessageBuilder(out, kBindingError, tid_of(0)).add_error_code(400, long_reason).finish(),
        Errc::ValueTooLong));
    Address bad;
    bad.family = static_cast<Address::Family>(3);
    EXPECT_TRUE(fails_with(
        MessageBuilder(out, kBindingSuccess, tid_of(0)).add_xor_mapped_address(bad).finish(),
        Errc::BadAttribute));
}

// ----------------------------------------------------------------------------------- malformed

TEST(StunParse, RejectsShortInput) {
    EXPECT_TRUE(fails_with(parse({}), Errc::TooShort));
    EXPECT_TRUE(fails_with(parse(std::span(kRequest).first(19)), Errc::TooShort));
    EXPECT_FALSE(looks_like_stun(std::span(kRequest).first(19)));
}

TEST(StunParse, RejectsLeadingBitsSet) {
    for (std::uint8_t b : {0x40, 0x80, 0xC0}) {
        auto m = kRequest;
        m[0] |= std::byte{b};
        EXPECT_TRUE(fails_with(parse(m), Errc::NotStun));
        EXPECT_FALSE(looks_like_stun(m));
    }
}

TEST(StunParse, RejectsBadMagicCookie) {
    auto m = kRequest;
    m[7] = std::byte{0x43};
    EXPECT_TRUE(fails_with(parse(m), Errc::BadMagicCookie));
    EXPECT_FALSE(looks_like_stun(m));
}

TEST(StunParse, RejectsLengthNotMultipleOfFour) {
    auto m = message(kBindingRequest, hex("00 25 00 00 00"));
    EXPECT_TRUE(fails_with(parse(m), Errc::BadLength));
}

TEST(StunParse, RejectsLengthDisagreeingWithDatagram) {
    auto longer = kRequest;
    longer.insert(longer.end(), 4, std::byte{0});
    EXPECT_TRUE(fails_with(parse(longer), Errc::LengthMismatch));
    EXPECT_TRUE(
        fails_with(parse(std::span(kRequest).first(kRequest.size() - 4)), Errc::LengthMismatch));
    EXPECT_FALSE(looks_like_stun(longer));
}

TEST(StunParse, RejectsAttributeLengthPastEnd) {
    EXPECT_TRUE(fails_with(parse(message(kBindingRequest, hex("00 06 00 09 61 62 63 64"))),
                           Errc::TruncatedAttribute));
    // Value fits exactly but its padding is missing: 13 bytes need 16.
    EXPECT_TRUE(fails_with(
        parse(message(kBindingRequest, hex("00 06 00 0d 61 62 63 64 65 66 67 68 69 6a 6b 6c"))),
        Errc::TruncatedAttribute));
    EXPECT_TRUE(
        fails_with(parse(message(kBindingRequest, hex("00 06 ff ff"))), Errc::TruncatedAttribute));
}

TEST(StunParse, AcceptsEmptyAndPaddedAttributes) {
    const auto bytes = message(kBindingRequest, hex("00 25 00 00 00 06 00 01 61 00 00 00"));
    auto m = parse(bytes);
    ASSERT_TRUE(m);
    ASSERT_EQ(m->attribute_count(), 2U);
    EXPECT_TRUE(use_candidate(*m));
    EXPECT_EQ(username(*m).value(), "a");
    EXPECT_EQ(m->attribute(7).type, 0);  // out of range: empty attribute
}

TEST(StunParse, RejectsTooManyAttributes) {
    std::vector<std::byte> attrs;
    for (std::size_t i = 0; i < kMaxAttributes; ++i) {
        const auto a = hex("c0 01 00 00");
        attrs.insert(attrs.end(), a.begin(), a.end());
    }
    EXPECT_TRUE(parse(message(kBindingRequest, attrs)));
    const auto a = hex("c0 01 00 00");
    attrs.insert(attrs.end(), a.begin(), a.end());
    EXPECT_TRUE(fails_with(parse(message(kBindingRequest, attrs)), Errc::TooManyAttributes));
}

TEST(StunParse, RejectsAttributeAfterFingerprint) {
    auto m = message(kBindingRequest, hex("80 28 00 04 00 00 00 00 00 25 00 00"));
    EXPECT_TRUE(fails_with(parse(m), Errc::AttributeAfterFingerprint));
}

TEST(StunParse, IgnoresAttributesAfterIntegrityExceptFingerprint) {
    std::array<std::byte, 256> out{};
    MessageBuilder b(out, kBindingRequest, tid_of(4));
    b.add_message_integrity("k");
    auto n = b.finish();
    ASSERT_TRUE(n);
    // Append PRIORITY after MESSAGE-INTEGRITY by hand, then a FINGERPRINT.
    std::vector<std::byte> attrs(out.begin() + kHeaderSize, out.begin() + static_cast<long>(*n));
    const auto extra = hex("00 24 00 04 00 00 00 07 80 28 00 04 00 00 00 00");
    attrs.insert(attrs.end(), extra.begin(), extra.end());
    auto msg = message(kBindingRequest, attrs);
    auto m = parse(msg);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->attribute_count(), 2U);
    EXPECT_TRUE(fails_with(priority(*m), Errc::MissingAttribute));
    EXPECT_TRUE(m->has(attr::kFingerprint));
}

// ----------------------------------------------------------------------------------- accessors

TEST(StunAccessors, RejectWrongSizes) {
    const auto bytes =
        message(kBindingRequest, hex("00 24 00 03 00 00 01 00 80 2a 00 07 01 02 03 04 05 06 07 00"
                                     "80 29 00 09 01 02 03 04 05 06 07 08 09 00 00 00"
                                     "00 25 00 01 01 00 00 00"));
    auto m = parse(bytes);
    ASSERT_TRUE(m);
    EXPECT_TRUE(fails_with(priority(*m), Errc::BadAttribute));
    EXPECT_TRUE(fails_with(ice_controlling(*m), Errc::BadAttribute));
    EXPECT_TRUE(fails_with(ice_controlled(*m), Errc::BadAttribute));
    EXPECT_FALSE(use_candidate(*m));
    EXPECT_TRUE(fails_with(username(*m), Errc::MissingAttribute));
    EXPECT_TRUE(fails_with(error_code(*m), Errc::MissingAttribute));
    EXPECT_TRUE(fails_with(verify_message_integrity(*m, "k"), Errc::MissingAttribute));
    EXPECT_TRUE(fails_with(verify_fingerprint(*m), Errc::MissingAttribute));
}

TEST(StunAccessors, RejectOverlongUsername) {
    std::vector<std::byte> attrs(4 + 516, std::byte{'u'});
    store_be16(attrs.data(), attr::kUsername);
    store_be16(attrs.data() + 2, 513);
    const auto bytes = message(kBindingRequest, attrs);
    auto m = parse(bytes);
    ASSERT_TRUE(m);
    EXPECT_TRUE(fails_with(username(*m), Errc::BadAttribute));
}

TEST(StunAccessors, ValidateErrorCodeFields) {
    auto check = [](std::string_view value_hex) {
        auto value = hex(value_hex);
        std::vector<std::byte> attrs(4);
        store_be16(attrs.data(), attr::kErrorCode);
        store_be16(attrs.data() + 2, static_cast<std::uint16_t>(value.size()));
        attrs.insert(attrs.end(), value.begin(), value.end());
        while (attrs.size() % 4 != 0) attrs.push_back(std::byte{0});
        const auto bytes = message(kBindingError, attrs);
        auto m = parse(bytes);
        EXPECT_TRUE(m);
        return error_code(*m);
    };
    EXPECT_EQ(check("00 00 04 57 52 6f 6c 65").value().code, 487);
    EXPECT_EQ(check("00 00 06 63").value().code, 699);
    EXPECT_EQ(check("00 00 03 00").value().reason, "");
    EXPECT_TRUE(fails_with(check("00 00 02 00"), Errc::BadAttribute));  // class 2
    EXPECT_TRUE(fails_with(check("00 00 07 00"), Errc::BadAttribute));  // class 7
    EXPECT_TRUE(fails_with(check("00 00 04 64"), Errc::BadAttribute));  // number 100
    EXPECT_TRUE(fails_with(check("00 00 04"), Errc::BadAttribute));     // short
}

TEST(StunAccessors, RejectMalformedXorAddresses) {
    const auto t = tid_of(0);
    EXPECT_TRUE(fails_with(decode_xor_address(hex("00 01 00"), t), Errc::BadAttribute));
    EXPECT_TRUE(fails_with(decode_xor_address(hex("00 01 00 00 00 00 00"), t), Errc::BadAttribute));
    EXPECT_TRUE(
        fails_with(decode_xor_address(hex("00 01 00 00 00 00 00 00 00"), t), Errc::BadAttribute));
    EXPECT_TRUE(
        fails_with(decode_xor_address(hex("00 03 00 00 00 00 00 00"), t), Errc::BadAttribute));
    std::vector<std::byte> v6(19);
    v6[1] = std::byte{2};
    EXPECT_TRUE(fails_with(decode_xor_address(v6, t), Errc::BadAttribute));
}

TEST(StunAccessors, RejectWrongSizeIntegrityAndFingerprint) {
    const auto bytes = message(kBindingRequest,
                               hex("00 08 00 04 00 00 00 00 80 28 00 08 00 00 00 00 00 00 00 00"));
    auto m = parse(bytes);
    ASSERT_TRUE(m);
    EXPECT_TRUE(fails_with(verify_message_integrity(*m, "k"), Errc::BadAttribute));
    EXPECT_TRUE(fails_with(verify_fingerprint(*m), Errc::BadAttribute));
}

TEST(StunErrors, HaveCategoryAndMessages) {
    for (int e = 1; e <= static_cast<int>(Errc::BadOrder); ++e) {
        const auto ec = make_error_code(static_cast<Errc>(e));
        EXPECT_STREQ(ec.category().name(), "stun");
        EXPECT_NE(ec.message(), "stun error") << e;
    }
}

}  // namespace
}  // namespace cohost::wire::stun
