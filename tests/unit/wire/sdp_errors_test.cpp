// Malformed SDP: every refusal has the right code, a line number where one applies, and a
// message; nothing crashes.
#include <gtest/gtest.h>

#include <string>

#include "cohost/wire/sdp.hpp"

namespace sdp = cohost::wire::sdp;

namespace {

const std::string kHead = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
const std::string kMedia = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n";

struct BadCase {
    const char* name;
    std::string text;
    sdp::Errc code;
    std::size_t line;  // 0: not tied to a line
};

std::ostream& operator<<(std::ostream& os, const BadCase& c) { return os << c.name; }

class SdpRejects : public ::testing::TestWithParam<BadCase> {};

}  // namespace

TEST_P(SdpRejects, WithCodeAndLine) {
    const BadCase& c = GetParam();
    auto r = sdp::parse(c.text);
    ASSERT_FALSE(r.has_value()) << c.name;
    EXPECT_EQ(r.error().code, sdp::make_error_code(c.code)) << c.name << ": " << r.error().message;
    EXPECT_EQ(r.error().line, c.line) << c.name << ": " << r.error().message;
    EXPECT_FALSE(r.error().message.empty());
    if (c.line != 0) {
        EXPECT_EQ(r.error().message.rfind("line " + std::to_string(c.line) + ": ", 0), 0u)
            << r.error().message;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, SdpRejects,
    ::testing::Values(
        BadCase{"empty", "", sdp::Errc::MissingVersion, 0},
        BadCase{"missing_v", "o=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n", sdp::Errc::MissingVersion, 1},
        BadCase{"v_not_0", "v=1\r\n", sdp::Errc::BadVersion, 1},
        BadCase{"v_twice", kHead + "v=0\r\n", sdp::Errc::MalformedLine, 5},
        BadCase{"no_equals", kHead + "a\r\n", sdp::Errc::MalformedLine, 5},
        BadCase{"upper_type", kHead + "A=foo\r\n", sdp::Errc::MalformedLine, 5},
        BadCase{"no_origin", "v=0\r\ns=-\r\nm=audio 9 RTP/AVP 0\r\n", sdp::Errc::MissingOrigin, 3},
        BadCase{"no_origin_at_all", "v=0\r\ns=-\r\n", sdp::Errc::MissingOrigin, 0},
        BadCase{"no_session_name", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n",
                sdp::Errc::MissingSessionName, 0},
        BadCase{"short_origin", "v=0\r\no=- 1 1 IN IP4\r\n", sdp::Errc::BadOrigin, 2},
        BadCase{"origin_not_number", "v=0\r\no=- abc 1 IN IP4 x\r\n", sdp::Errc::BadOrigin, 2},
        BadCase{"attr_no_name", kHead + "a=:x\r\n", sdp::Errc::MalformedLine, 5},
        BadCase{"cr_inside_line", kHead + "a=foo\rbar\r\n", sdp::Errc::BadEncoding, 5}),
    [](const auto& p) { return std::string(p.param.name); });

INSTANTIATE_TEST_SUITE_P(
    MediaLine, SdpRejects,
    ::testing::Values(
        BadCase{"m_too_short", kHead + "m=audio 9 RTP/AVP\r\n", sdp::Errc::BadMediaLine, 5},
        BadCase{"m_port_range", kHead + "m=audio 70000 RTP/AVP 0\r\n", sdp::Errc::BadMediaLine, 5},
        BadCase{"m_port_text", kHead + "m=audio x RTP/AVP 0\r\n", sdp::Errc::BadMediaLine, 5},
        BadCase{"m_pt_128", kHead + "m=audio 9 RTP/AVP 128\r\n", sdp::Errc::BadMediaLine, 5},
        BadCase{"m_pt_text", kHead + "m=video 9 UDP/TLS/RTP/SAVPF 96 vp8\r\n",
                sdp::Errc::BadMediaLine, 5},
        BadCase{"m_pt_twice", kHead + "m=video 9 RTP/AVP 96 96\r\n", sdp::Errc::BadMediaLine, 5},
        BadCase{"m_port_count", kHead + "m=audio 9/x RTP/AVP 0\r\n", sdp::Errc::BadMediaLine, 5}),
    [](const auto& p) { return std::string(p.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Attributes, SdpRejects,
    ::testing::Values(
        BadCase{"rtpmap_no_clock", kHead + kMedia + "a=rtpmap:111 opus\r\n",
                sdp::Errc::BadAttribute, 7},
        BadCase{"rtpmap_bad_clock", kHead + kMedia + "a=rtpmap:111 opus/fast/2\r\n",
                sdp::Errc::BadAttribute, 7},
        BadCase{"rtpmap_zero_clock", kHead + kMedia + "a=rtpmap:111 opus/0\r\n",
                sdp::Errc::BadAttribute, 7},
        BadCase{"rtpmap_bad_pt", kHead + kMedia + "a=rtpmap:300 opus/48000\r\n",
                sdp::Errc::BadAttribute, 7},
        BadCase{"rtpmap_bad_channels", kHead + kMedia + "a=rtpmap:111 opus/48000/x\r\n",
                sdp::Errc::BadAttribute, 7},
        BadCase{"rtpmap_twice",
                kHead + kMedia + "a=rtpmap:111 opus/48000\r\na=rtpmap:111 opus/48000\r\n",
                sdp::Errc::DuplicateAttribute, 8},
        BadCase{"fmtp_twice", kHead + kMedia + "a=fmtp:111 a=1\r\na=fmtp:111 b=2\r\n",
                sdp::Errc::DuplicateAttribute, 8},
        BadCase{"fmtp_bad_pt", kHead + kMedia + "a=fmtp:opus a=1\r\n", sdp::Errc::BadAttribute, 7},
        BadCase{"rtcp_fb_no_type", kHead + kMedia + "a=rtcp-fb:111\r\n", sdp::Errc::BadAttribute,
                7},
        BadCase{"extmap_id_0", kHead + kMedia + "a=extmap:0 urn:x\r\n", sdp::Errc::BadAttribute, 7},
        BadCase{"extmap_id_300", kHead + kMedia + "a=extmap:300 urn:x\r\n", sdp::Errc::BadAttribute,
                7},
        BadCase{"extmap_bad_dir", kHead + kMedia + "a=extmap:1/sideways urn:x\r\n",
                sdp::Errc::BadAttribute, 7},
        BadCase{"extmap_no_uri", kHead + kMedia + "a=extmap:1\r\n", sdp::Errc::BadAttribute, 7},
        BadCase{"extmap_id_twice", kHead + kMedia + "a=extmap:1 urn:x\r\na=extmap:1 urn:y\r\n",
                sdp::Errc::DuplicateAttribute, 8},
        BadCase{"two_directions", kHead + kMedia + "a=sendonly\r\na=recvonly\r\n",
                sdp::Errc::DuplicateAttribute, 8},
        BadCase{"mid_twice_in_section", kHead + kMedia + "a=mid:1\r\n",
                sdp::Errc::DuplicateAttribute, 7},
        BadCase{"duplicate_mid", kHead + kMedia + kMedia, sdp::Errc::DuplicateMid, 8},
        BadCase{"bundle_unknown_mid", kHead + "a=group:BUNDLE 0 1\r\n" + kMedia,
                sdp::Errc::UnknownBundleMid, 5},
        BadCase{"ice_options_twice", kHead + "a=ice-options:trickle\r\na=ice-options:ice2\r\n",
                sdp::Errc::DuplicateAttribute, 6},
        BadCase{"setup_bad", kHead + kMedia + "a=setup:client\r\n", sdp::Errc::BadAttribute, 7},
        BadCase{"setup_twice", kHead + "a=setup:active\r\na=setup:passive\r\n",
                sdp::Errc::DuplicateAttribute, 6},
        BadCase{"ufrag_short", kHead + kMedia + "a=ice-ufrag:abc\r\n", sdp::Errc::BadIceCredentials,
                7},
        BadCase{"ufrag_bad_char", kHead + kMedia + "a=ice-ufrag:ab-cd\r\n",
                sdp::Errc::BadIceCredentials, 7},
        BadCase{"pwd_short", kHead + kMedia + "a=ice-pwd:0123456789\r\n",
                sdp::Errc::BadIceCredentials, 7},
        BadCase{"candidate_short", kHead + kMedia + "a=candidate:1 1 udp 100 1.2.3.4 5000\r\n",
                sdp::Errc::BadAttribute, 7},
        BadCase{"candidate_no_typ",
                kHead + kMedia + "a=candidate:1 1 udp 100 1.2.3.4 5000 type host\r\n",
                sdp::Errc::BadAttribute, 7},
        BadCase{"candidate_bad_port",
                kHead + kMedia + "a=candidate:1 1 udp 100 1.2.3.4 99999 typ host\r\n",
                sdp::Errc::BadAttribute, 7},
        BadCase{"candidate_odd_ext",
                kHead + kMedia + "a=candidate:1 1 udp 100 1.2.3.4 5 typ host generation\r\n",
                sdp::Errc::BadAttribute, 7},
        BadCase{"candidate_component_0",
                kHead + kMedia + "a=candidate:1 0 udp 100 1.2.3.4 5 typ host\r\n",
                sdp::Errc::BadAttribute, 7},
        BadCase{"ssrc_not_number", kHead + kMedia + "a=ssrc:abc cname:x\r\n",
                sdp::Errc::BadAttribute, 7},
        BadCase{"ssrc_too_big", kHead + kMedia + "a=ssrc:4294967296 cname:x\r\n",
                sdp::Errc::BadAttribute, 7},
        BadCase{"ssrc_group_empty", kHead + kMedia + "a=ssrc-group:FID\r\n",
                sdp::Errc::BadAttribute, 7},
        BadCase{"rid_bad_dir", kHead + kMedia + "a=rid:q both\r\n", sdp::Errc::BadAttribute, 7},
        BadCase{"rid_bad_id", kHead + kMedia + "a=rid:q! send\r\n", sdp::Errc::BadAttribute, 7},
        BadCase{"rid_twice", kHead + kMedia + "a=rid:q send\r\na=rid:q send\r\n",
                sdp::Errc::DuplicateAttribute, 8},
        BadCase{"simulcast_no_list", kHead + kMedia + "a=simulcast:send\r\n",
                sdp::Errc::BadAttribute, 7},
        BadCase{"simulcast_empty_rid", kHead + kMedia + "a=simulcast:send q;;f\r\n",
                sdp::Errc::BadAttribute, 7},
        BadCase{"simulcast_send_twice", kHead + kMedia + "a=simulcast:send q send h\r\n",
                sdp::Errc::BadAttribute, 7},
        BadCase{"msid_three_parts", kHead + kMedia + "a=msid:a b c\r\n", sdp::Errc::BadAttribute,
                7},
        BadCase{"sctp_port_text", kHead + kMedia + "a=sctp-port:abc\r\n", sdp::Errc::BadAttribute,
                7},
        BadCase{"max_message_size_neg", kHead + kMedia + "a=max-message-size:-1\r\n",
                sdp::Errc::BadAttribute, 7}),
    [](const auto& p) { return std::string(p.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Fingerprints, SdpRejects,
    ::testing::Values(BadCase{"fp_short_sha256", kHead + "a=fingerprint:sha-256 AB:CD\r\n",
                              sdp::Errc::BadFingerprint, 5},
                      BadCase{"fp_not_hex",
                              kHead +
                                  "a=fingerprint:sha-1 "
                                  "ZZ:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00\r\n",
                              sdp::Errc::BadFingerprint, 5},
                      BadCase{"fp_no_colons", kHead + "a=fingerprint:sha-256 ABCDEF\r\n",
                              sdp::Errc::BadFingerprint, 5},
                      BadCase{"fp_missing_value", kHead + "a=fingerprint:sha-256\r\n",
                              sdp::Errc::BadFingerprint, 5},
                      BadCase{"fp_trailing_colon", kHead + "a=fingerprint:md5 AB:\r\n",
                              sdp::Errc::BadFingerprint, 5},
                      BadCase{"fp_single_digit", kHead + "a=fingerprint:sha-256 A:BC\r\n",
                              sdp::Errc::BadFingerprint, 5}),
    [](const auto& p) { return std::string(p.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Encoding, SdpRejects,
    ::testing::Values(
        BadCase{"nul_byte", kHead + std::string("a=x:\0y\r\n", 8), sdp::Errc::BadEncoding, 5},
        BadCase{"latin1", kHead + "s=caf\xe9\r\n", sdp::Errc::BadEncoding, 5},
        BadCase{"overlong_utf8", kHead + "a=x:\xc0\xaf\r\n", sdp::Errc::BadEncoding, 5},
        BadCase{"surrogate_utf8", kHead + "a=x:\xed\xa0\x80\r\n", sdp::Errc::BadEncoding, 5},
        BadCase{"truncated_utf8", kHead + "a=x:\xe2\x82", sdp::Errc::BadEncoding, 5},
        BadCase{"binary_garbage", std::string("\x16\x03\x01\x02\x00\x01", 6),
                sdp::Errc::BadEncoding, 1}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(SdpLimits, RefusesOversizeInput) {
    std::string text = kHead;
    while (text.size() <= sdp::ParseLimits{}.max_size) {
        text += "a=x-pad:0123456789012345678901234567890123456789\r\n";
    }
    auto r = sdp::parse(text);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, sdp::make_error_code(sdp::Errc::TooLarge));
    EXPECT_EQ(r.error().line, 0u);
}

TEST(SdpLimits, RefusesTooManySections) {
    sdp::ParseLimits limits;
    limits.max_media_sections = 3;
    std::string text = kHead;
    for (int i = 0; i < 4; ++i) text += "m=audio 9 RTP/AVP 0\r\n";
    auto r = sdp::parse(text, limits);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, sdp::make_error_code(sdp::Errc::TooManySections));
    EXPECT_EQ(r.error().line, 8u);
    text.resize(text.size() - std::string("m=audio 9 RTP/AVP 0\r\n").size());
    EXPECT_TRUE(sdp::parse(text, limits));  // exactly at the limit is fine
}

TEST(SdpLimits, RefusesTooManyAttributesLinesAndLongLines) {
    sdp::ParseLimits limits;
    limits.max_attributes = 10;
    std::string text = kHead + kMedia;
    for (int i = 0; i < 10; ++i) text += "a=x-a\r\n";
    auto r = sdp::parse(text, limits);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, sdp::make_error_code(sdp::Errc::TooManyAttributes));

    sdp::ParseLimits few_lines;
    few_lines.max_lines = 5;
    r = sdp::parse(kHead + kMedia, few_lines);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, sdp::make_error_code(sdp::Errc::TooManyLines));
    EXPECT_EQ(r.error().line, 6u);

    r = sdp::parse(kHead + "a=x:" + std::string(5000, 'y') + "\r\n");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, sdp::make_error_code(sdp::Errc::LineTooLong));
}

TEST(SdpErrors, ValueThrowsSystemErrorWithMessage) {
    auto r = sdp::parse("v=2\r\n");
    ASSERT_FALSE(r);
    try {
        (void)r.value();
        FAIL() << "value() must throw";
    } catch (const boost::system::system_error& e) {
        EXPECT_EQ(e.code(), sdp::make_error_code(sdp::Errc::BadVersion));
        EXPECT_NE(std::string(e.what()).find("line 1"), std::string::npos);
    }
    EXPECT_EQ(sdp::make_error_code(sdp::Errc::DuplicateMid).category().name(), std::string("sdp"));
}

TEST(SdpErrors, AcceptsValidUtf8AndTabs) {
    auto r = sdp::parse(kHead + "i=Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xa5\tok\r\n" + kMedia);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->lines[0].value, "Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xa5\tok");
}
