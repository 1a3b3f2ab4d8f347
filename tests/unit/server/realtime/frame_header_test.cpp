// Headers of the pre-framed server text frames the sessions write themselves (ws_session.cpp):
// RFC 6455 §5.2, FIN + opcode 1, no mask, the shortest of the three length encodings.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../../../../server/src/realtime/frames.hpp"

namespace cohost::server::realtime::detail {
namespace {

std::vector<int> header(std::size_t payload) {
    std::string out;
    append_text_frame_header(out, payload);
    EXPECT_EQ(out.size(), text_frame_header_size(payload)) << payload;
    EXPECT_LE(out.size(), kMaxFrameHeader);
    std::vector<int> bytes;
    for (char c : out) bytes.push_back(static_cast<unsigned char>(c));
    return bytes;
}

TEST(FrameHeader, SevenBitLengths) {
    EXPECT_EQ(header(0), (std::vector<int>{0x81, 0}));
    EXPECT_EQ(header(15), (std::vector<int>{0x81, 15}));
    EXPECT_EQ(header(125), (std::vector<int>{0x81, 125}));
}

TEST(FrameHeader, SixteenBitLengths) {
    EXPECT_EQ(header(126), (std::vector<int>{0x81, 126, 0x00, 0x7E}));
    EXPECT_EQ(header(1000), (std::vector<int>{0x81, 126, 0x03, 0xE8}));
    EXPECT_EQ(header(65535), (std::vector<int>{0x81, 126, 0xFF, 0xFF}));
}

TEST(FrameHeader, SixtyFourBitLengths) {
    EXPECT_EQ(header(65536), (std::vector<int>{0x81, 127, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}));
    EXPECT_EQ(header(0x12345678),
              (std::vector<int>{0x81, 127, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78}));
}

}  // namespace
}  // namespace cohost::server::realtime::detail
