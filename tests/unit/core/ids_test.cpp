// Random identifiers and CSPRNG bytes.
#include "cohost/core/ids.hpp"

#include <gtest/gtest.h>

#include <set>
#include <unordered_set>

namespace cohost::core {
namespace {

constexpr std::string_view kAlphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

TEST(Ids, HavePrefixLengthAndAlphabet) {
    for (std::string_view prefix : {"RM_", "IN_", "EV_", "viewer-", ""}) {
        const std::string id = new_id(prefix);
        ASSERT_EQ(id.size(), prefix.size() + 16) << id;
        EXPECT_EQ(id.substr(0, prefix.size()), prefix);
        EXPECT_EQ(id.find_first_not_of(kAlphabet, prefix.size()), std::string::npos) << id;
    }
}

TEST(Ids, HonourTheRequestedLength) {
    EXPECT_EQ(new_id("RM_", 0), "RM_");
    EXPECT_EQ(new_id("RM_", 1).size(), 4u);
    EXPECT_EQ(new_id("X", 100).size(), 101u);
    EXPECT_EQ(new_id("X", 1000).find_first_not_of(kAlphabet, 1), std::string::npos);
}

TEST(Ids, AreUniqueOver10k) {
    std::unordered_set<std::string> seen;
    for (int i = 0; i < 10'000; ++i) {
        EXPECT_TRUE(seen.insert(new_id("RM_")).second);
    }
    EXPECT_EQ(seen.size(), 10'000u);
}

TEST(Ids, UseTheWholeAlphabet) {
    // 160k symbols: every one of the 62 appears (a missing one has probability ~ 62 * e^-2580).
    std::set<char> used;
    for (int i = 0; i < 10'000; ++i) {
        const std::string id = new_id("");
        used.insert(id.begin(), id.end());
    }
    EXPECT_EQ(used.size(), kAlphabet.size());
}

TEST(RandomBytes, HaveTheRequestedLengthAndDiffer) {
    EXPECT_TRUE(random_bytes(0).empty());
    EXPECT_EQ(random_bytes(1).size(), 1u);
    EXPECT_EQ(random_bytes(32).size(), 32u);
    EXPECT_NE(random_bytes(32), random_bytes(32));
}

}  // namespace
}  // namespace cohost::core
