// Base64 (RFC 4648), SHA-256 and HMAC-SHA256 (RFC 4231).
#include "cohost/core/crypto.hpp"

#include <gtest/gtest.h>

namespace cohost::core {
namespace {

std::string hex(std::string_view raw) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : raw) {
        out += kDigits[c >> 4];
        out += kDigits[c & 15];
    }
    return out;
}

// ---- base64 ----------------------------------------------------------------------------------

struct Vector {
    const char* raw;
    const char* padded;
    const char* url;
};
// RFC 4648 §10.
constexpr Vector kRfc4648[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

TEST(Base64, Rfc4648Vectors) {
    for (const auto& v : kRfc4648) {
        EXPECT_EQ(base64_encode(v.raw), v.padded);
        EXPECT_EQ(base64url_encode(v.raw), v.url);
        EXPECT_EQ(base64_decode(v.padded), v.raw) << v.padded;
        EXPECT_EQ(base64_decode(v.url), v.raw) << v.url;
    }
}

TEST(Base64, UrlAlphabetUsesDashAndUnderscore) {
    const std::string raw("\xfb\xff\xbf", 3);
    EXPECT_EQ(base64_encode(raw), "+/+/");
    EXPECT_EQ(base64url_encode(raw), "-_-_");
    EXPECT_EQ(base64_decode("+/+/"), raw);
    EXPECT_EQ(base64_decode("-_-_"), raw);
    EXPECT_EQ(base64url_encode(std::string("\xfb\xff", 2)), "-_8");
    EXPECT_EQ(base64_encode(std::string("\xfb\xff", 2)), "+/8=");
}

TEST(Base64, RoundTripsEveryByteAndLength) {
    std::string all;
    for (int i = 0; i < 256; ++i) {
        all.push_back(char(i));
    }
    for (std::size_t n = 0; n <= all.size(); ++n) {
        const std::string raw = all.substr(all.size() - n);
        EXPECT_EQ(base64_decode(base64_encode(raw)), raw) << n;
        EXPECT_EQ(base64_decode(base64url_encode(raw)), raw) << n;
        EXPECT_EQ(base64_encode(raw).size() % 4, 0u);
        EXPECT_EQ(base64url_encode(raw).find('='), std::string::npos);
    }
}

class Base64Rejects : public testing::TestWithParam<std::string> {};

TEST_P(Base64Rejects, Text) { EXPECT_FALSE(base64_decode(GetParam())) << GetParam(); }

INSTANTIATE_TEST_SUITE_P(PaddingRules, Base64Rejects,
                         testing::Values("=", "==", "===", "====", "Zg=", "Zg===", "Z===", "Zm9v=",
                                         "Zm9v==", "Zm9v====", "=Zg=", "Zg==Zg==", "Zm=9", "Z",
                                         "Zm9vY", "Zm9vY==="));
INSTANTIATE_TEST_SUITE_P(InvalidCharacters, Base64Rejects,
                         testing::Values("Zm9v!", "Zm 9v", "Zm9v\n", std::string("Zm9\0v", 5),
                                         "Zm9v.", "Zm9v\xc3\xa9", "*m9v", "Zm9v\t"));
// Unused low bits of the last character must be zero (RFC 4648 §3.5 canonical encoding).
INSTANTIATE_TEST_SUITE_P(NonCanonicalTrailingBits, Base64Rejects,
                         testing::Values("Zh==", "Zh", "Zm9=", "Zm9", "Zm9vYh==", "Zm9vYmF=", "_9",
                                         "__9"));

// ---- SHA-256 ---------------------------------------------------------------------------------

TEST(Sha256, KnownDigests) {
    EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(hex(sha256("abc")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256("abc").size(), 32u);
    EXPECT_EQ(hex(sha256(std::string_view{})),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// ---- HMAC-SHA256, RFC 4231 §4 ------------------------------------------------------------------

struct HmacCase {
    std::string key;
    std::string data;
    const char* mac;
};

TEST(HmacSha256, Rfc4231Vectors) {
    std::string key4;
    for (char c = 1; c <= 25; ++c) {
        key4.push_back(c);
    }
    const HmacCase cases[] = {
        {std::string(20, '\x0b'), "Hi There",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"Jefe", "what do ya want for nothing?",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {std::string(20, '\xaa'), std::string(50, '\xdd'),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {key4, std::string(50, '\xcd'),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {std::string(131, '\xaa'),
         "This is a test using a larger than block-size key and a larger than block-size data. "
         "The key needs to be hashed before being used by the HMAC algorithm.",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(hex(hmac_sha256(c.key, c.data)), c.mac);
    }
    // Test case 5 specifies only the first 128 bits.
    EXPECT_EQ(hex(hmac_sha256(std::string(20, '\x0c'), "Test With Truncation")).substr(0, 32),
              "a3b6167473100ee06e0c796c2955552b");
}

TEST(HmacSha256, EmptyKeyStillProducesAFullMac) {
    // An empty (null-data) key must not yield an empty MAC, which would make "" a valid signature.
    EXPECT_EQ(hex(hmac_sha256(std::string_view{}, std::string_view{})),
              "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
    EXPECT_TRUE(constant_time_equal("", ""));
    EXPECT_TRUE(constant_time_equal("abc", "abc"));
    EXPECT_FALSE(constant_time_equal("abc", "abd"));
    EXPECT_FALSE(constant_time_equal("abc", "ab"));
    EXPECT_FALSE(constant_time_equal("", "a"));
    EXPECT_TRUE(constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
    EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace cohost::core
