// RFC 7983 demultiplexing: every first byte, RTP versus RTCP by the second byte.
#include "cohost/wire/demux.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace cohost::wire {
namespace {

PacketKind classify2(std::uint8_t first, std::uint8_t second) {
    const std::array<std::byte, 2> d{std::byte{first}, std::byte{second}};
    return classify(d);
}

TEST(Demux, ClassifiesEveryFirstByteByRfc7983Ranges) {
    for (int b = 0; b < 256; ++b) {
        const auto first = static_cast<std::uint8_t>(b);
        PacketKind want = PacketKind::Unknown;
        if (b <= 3) want = PacketKind::Stun;
        if (b >= 20 && b <= 63) want = PacketKind::Dtls;
        if (b >= 128 && b <= 191) want = PacketKind::Rtp;  // second byte 0 is PT 0: RTP
        EXPECT_EQ(classify2(first, 0), want) << "first byte " << b;
    }
}

TEST(Demux, TellsRtcpFromRtpBySecondByte) {
    for (int s = 0; s < 256; ++s) {
        const auto second = static_cast<std::uint8_t>(s);
        const bool rtcp = s >= 192 && s <= 223;
        EXPECT_EQ(is_rtcp_packet_type(second), rtcp);
        EXPECT_EQ(classify2(0x80, second), rtcp ? PacketKind::Rtcp : PacketKind::Rtp) << s;
        EXPECT_EQ(classify2(0xBF, second), rtcp ? PacketKind::Rtcp : PacketKind::Rtp) << s;
    }
    // Typical packets: RTCP SR (0x80 0xC8), PSFB PLI (0x81 0xCE), RTP VP8 with marker (0x80 0xE0).
    EXPECT_EQ(classify2(0x80, 200), PacketKind::Rtcp);
    EXPECT_EQ(classify2(0x81, 206), PacketKind::Rtcp);
    EXPECT_EQ(classify2(0x80, 0xE0), PacketKind::Rtp);
}

TEST(Demux, ShortDatagrams) {
    EXPECT_EQ(classify({}), PacketKind::Unknown);
    const std::array<std::byte, 1> stun{std::byte{0x00}};
    const std::array<std::byte, 1> dtls{std::byte{22}};
    const std::array<std::byte, 1> rtp{std::byte{0x80}};
    EXPECT_EQ(classify(stun), PacketKind::Stun);
    EXPECT_EQ(classify(dtls), PacketKind::Dtls);
    EXPECT_EQ(classify(rtp), PacketKind::Unknown);  // RTP and RTCP need the second byte
}

TEST(Demux, NamesKinds) {
    EXPECT_EQ(std::string(to_string(PacketKind::Stun)), "stun");
    EXPECT_EQ(std::string(to_string(PacketKind::Dtls)), "dtls");
    EXPECT_EQ(std::string(to_string(PacketKind::Rtp)), "rtp");
    EXPECT_EQ(std::string(to_string(PacketKind::Rtcp)), "rtcp");
    EXPECT_EQ(std::string(to_string(PacketKind::Unknown)), "unknown");
}

}  // namespace
}  // namespace cohost::wire
