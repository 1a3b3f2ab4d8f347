// DCEP codec (media/src/dcep.hpp, RFC 8832).
#include "dcep.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

namespace cohost::media::detail {
namespace {

std::vector<std::byte> bytes(std::initializer_list<int> v) {
    std::vector<std::byte> out;
    for (int b : v) out.push_back(static_cast<std::byte>(b));
    return out;
}

TEST(Dcep, ParsesTheOpenLivekitClientSendsForLossy) {
    // What Chromium sends for createDataChannel('_lossy', {ordered:false, maxRetransmits:0}).
    const auto msg = bytes({0x03, 0x81, 0x01, 0x00, 0, 0, 0, 0, 0, 6, 0, 0,
                            '_', 'l', 'o', 's', 's', 'y'});
    auto parsed = parse_dcep(msg);
    ASSERT_TRUE(parsed) << parsed.error().message();
    ASSERT_TRUE(parsed->open);
    EXPECT_EQ(parsed->type, kDcepOpen);
    EXPECT_EQ(parsed->open->label, "_lossy");
    EXPECT_EQ(parsed->open->protocol, "");
    EXPECT_EQ(parsed->open->priority, 256);
    EXPECT_FALSE(parsed->open->ordered());
    EXPECT_EQ(parsed->open->max_retransmits(), std::optional<std::uint16_t>(0));
    EXPECT_EQ(parsed->open->lifetime_ms(), std::nullopt);
}

TEST(Dcep, ParsesAReliableOpenWithAProtocol) {
    const auto msg = bytes({0x03, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 9, 0, 4, '_', 'r', 'e', 'l',
                            'i', 'a', 'b', 'l', 'e', 'c', 'h', 'a', 't'});
    auto parsed = parse_dcep(msg);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->open->label, "_reliable");
    EXPECT_EQ(parsed->open->protocol, "chat");
    EXPECT_TRUE(parsed->open->ordered());
    EXPECT_EQ(parsed->open->max_retransmits(), std::nullopt);
    EXPECT_EQ(parsed->open->lifetime_ms(), std::nullopt);
}

TEST(Dcep, TimedChannelsCarryALifetime) {
    const auto msg = bytes({0x03, 0x02, 0, 0, 0x00, 0x01, 0x86, 0xA0, 0, 1, 0, 0, 'x'});
    auto parsed = parse_dcep(msg);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->open->lifetime_ms(), std::optional<std::uint32_t>(100000));
    EXPECT_EQ(parsed->open->max_retransmits(), std::nullopt);
}

TEST(Dcep, RetransmitCountsAboveSixteenBitsAreClamped) {
    DcepOpen open;
    open.channel_type = DcepChannelType::PartialReliableRexmit;
    open.reliability = 1'000'000;
    EXPECT_EQ(open.max_retransmits(), std::optional<std::uint16_t>(0xFFFF));
}

TEST(Dcep, ParsesTheAck) {
    auto parsed = parse_dcep(bytes({0x02}));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->type, kDcepAck);
    EXPECT_FALSE(parsed->open);
    EXPECT_EQ(encode_dcep_ack(), bytes({0x02}));
}

TEST(Dcep, EncodeParsesBackForEveryChannelType) {
    for (auto type : {DcepChannelType::Reliable, DcepChannelType::ReliableUnordered,
                      DcepChannelType::PartialReliableRexmit,
                      DcepChannelType::PartialReliableRexmitUnordered,
                      DcepChannelType::PartialReliableTimed,
                      DcepChannelType::PartialReliableTimedUnordered}) {
        DcepOpen open;
        open.channel_type = type;
        open.priority = 512;
        const bool reliable = (static_cast<int>(type) & 0x7F) == 0;
        open.reliability = reliable ? 0 : 3;
        open.label = "label ü";  // UTF-8 bytes pass through
        open.protocol = "proto";
        auto encoded = encode_dcep_open(open);
        ASSERT_TRUE(encoded);
        EXPECT_EQ(encoded->size(), 12 + open.label.size() + open.protocol.size());
        auto parsed = parse_dcep(*encoded);
        ASSERT_TRUE(parsed) << static_cast<int>(type);
        EXPECT_EQ(*parsed->open, open);
    }
}

TEST(Dcep, ReliableTypesEncodeAZeroReliability) {
    DcepOpen open;
    open.reliability = 77;  // meaningless for a reliable channel
    auto encoded = encode_dcep_open(open);
    ASSERT_TRUE(encoded);
    EXPECT_EQ(parse_dcep(*encoded)->open->reliability, 0U);
}

TEST(Dcep, ChannelTypeFromInitOptions) {
    EXPECT_EQ(dcep_channel_type(true, false, false), DcepChannelType::Reliable);
    EXPECT_EQ(dcep_channel_type(false, false, false), DcepChannelType::ReliableUnordered);
    EXPECT_EQ(dcep_channel_type(false, true, false), DcepChannelType::PartialReliableRexmitUnordered);
    EXPECT_EQ(dcep_channel_type(true, false, true), DcepChannelType::PartialReliableTimed);
    EXPECT_EQ(dcep_channel_type(true, true, true), DcepChannelType::PartialReliableRexmit);
}

TEST(Dcep, RefusesBadInput) {
    EXPECT_EQ(parse_dcep({}).error(), make_error_code(DcepErrc::Empty));
    EXPECT_EQ(parse_dcep(bytes({0x04})).error(), make_error_code(DcepErrc::UnknownType));
    EXPECT_EQ(parse_dcep(bytes({0x02, 0x00})).error(), make_error_code(DcepErrc::TrailingBytes));
    EXPECT_EQ(parse_dcep(bytes({0x03, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})).error(),
              make_error_code(DcepErrc::BadChannelType));
    const auto good = bytes({0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 'a', 'b', 'p'});
    ASSERT_TRUE(parse_dcep(good));
    for (std::size_t n = 1; n < good.size(); ++n) {  // every truncation
        const auto r = parse_dcep(std::span(good).first(n));
        ASSERT_FALSE(r) << n;
        EXPECT_EQ(r.error(), make_error_code(DcepErrc::Truncated)) << n;
    }
    auto longer = good;
    longer.push_back(std::byte{0});
    EXPECT_EQ(parse_dcep(longer).error(), make_error_code(DcepErrc::TrailingBytes));
    EXPECT_FALSE(make_error_code(DcepErrc::Truncated).message().empty());
    EXPECT_STREQ(make_error_code(DcepErrc::Truncated).category().name(), "dcep");
}

TEST(Dcep, RefusesToEncodeAnOverlongLabel) {
    DcepOpen open;
    open.label.assign(70000, 'x');
    EXPECT_EQ(encode_dcep_open(open).error(), make_error_code(DcepErrc::TooLarge));
}

}  // namespace
}  // namespace cohost::media::detail
