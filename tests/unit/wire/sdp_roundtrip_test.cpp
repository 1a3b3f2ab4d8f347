// parse → serialize → parse gives the same model, for every file in tests/data/sdp and for
// hand-made descriptions that use every part of the model.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cohost/wire/sdp.hpp"

namespace sdp = cohost::wire::sdp;

namespace {

std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void expect_round_trip(const std::string& text, const std::string& what) {
    auto first = sdp::parse(text);
    ASSERT_TRUE(first) << what << ": " << first.error().message;
    const std::string out = sdp::serialize(*first);
    auto second = sdp::parse(out);
    ASSERT_TRUE(second) << what << ": " << second.error().message << "\n" << out;
    EXPECT_EQ(*first, *second) << what;
    // Serialization is a fixed point after one pass.
    EXPECT_EQ(sdp::serialize(*second), out) << what;
    // Every line ends in CRLF and there is no bare LF.
    std::size_t lf = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i] == '\n') {
            ++lf;
            EXPECT_TRUE(i > 0 && out[i - 1] == '\r') << what;
        }
    }
    EXPECT_GT(lf, 3u);
}

}  // namespace

TEST(SdpRoundTrip, EveryDataFile) {
    std::size_t files = 0;
    for (const auto& entry :
         std::filesystem::directory_iterator(std::string(COHOST_TEST_DATA) + "/sdp")) {
        if (entry.path().extension() != ".sdp") continue;
        ++files;
        expect_round_trip(read_all(entry.path()), entry.path().filename().string());
    }
    EXPECT_GE(files, 7u);
}

TEST(SdpRoundTrip, ChromiumOfferKeepsEveryLineModelledOrRaw) {
    const std::string text =
        read_all(std::string(COHOST_TEST_DATA) + "/sdp/chromium156_publish_simulcast_offer.sdp");
    auto sd = sdp::parse(text);
    ASSERT_TRUE(sd);
    const std::string out = sdp::serialize(*sd);
    // Same number of lines: nothing was dropped or invented (order may differ).
    auto count = [](const std::string& s) { return std::count(s.begin(), s.end(), '\n'); };
    EXPECT_EQ(count(out), count(text));
    for (const char* needle :
         {"a=simulcast:send q;h;f\r\n", "a=rid:q send\r\n", "a=rtcp:9 IN IP4 0.0.0.0\r\n",
          "a=rtcp-xr:rcvr-rtt=all\r\n", "a=extmap-allow-mixed\r\n", "a=fmtp:63 111/111\r\n",
          "a=fmtp:97 apt=96\r\n", "a=rtcp-fb:96 nack pli\r\n"}) {
        EXPECT_NE(out.find(needle), std::string::npos) << needle;
    }
}

TEST(SdpRoundTrip, EdgeCases) {
    const std::string head = "v=0\r\no=- 99999999999999999999999 2 IN IP6 ::1\r\ns=\r\n";
    expect_round_trip(head + "t=0 0\r\nt=1 2\r\nr=7d 1h 0 25h\r\nb=AS:1\r\nc=IN IP6 ::1\r\n",
                      "session lines");
    expect_round_trip(
        head +
            "a=ice-lite\r\na=ice-options:trickle  renomination ice2\r\n"
            "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\n"
            "a=fingerprint:SHA-256 "
            "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:"
            "23:45:67:89\r\n"
            "a=fingerprint:x-unknown 01\r\na=setup:HOLDCONN\r\na=extmap:1/sendonly urn:a\r\n"
            "a=msid-semantic: WMS a b\r\na=group:BUNDLE\r\na=group:LS "
            "a\r\na=extmap-allow-mixed\r\n",
        "session attributes");
    expect_round_trip(
        head +
            "m=text 0/2 RTP/AVP 98\r\na=fmtp:98\r\na=rtcp-fb:98 nack\r\n"
            "m=application 9 DTLS/SCTP 5000\r\na=sctpmap:5000 webrtc-datachannel 1024\r\n"
            "a=fmtp:webrtc-datachannel max-message-size=1\r\na=mid:d\r\na=end-of-candidates\r\n"
            "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:v\r\na=inactive\r\na=msid:s\r\n"
            "a=msid:- t\r\na=ssrc:1 cname:\r\na=ssrc:2 x-flag\r\na=ssrc:3 msid:a  b\r\n"
            "a=rid:r0 recv pt=96;max-fps=30\r\na=rid:r1 recv\r\na=simulcast:recv r0;~r1\r\n"
            "a=fmtp:96 x=a b; ;y= ;=z\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:97 L16/8000/2\r\n"
            "a=candidate:a+/b 256 tcp 4294967295 host.example 0 typ relay raddr 1.2.3.4 rport 9 "
            "tcptype passive\r\n"
            "a=mid-ish:x\r\na=sendonly:nope\r\na=rtcp-mux:x\r\na=sctp-port:0\r\na=max-message-size:"
            "0\r\n",
        "media attributes");
}

TEST(SdpRoundTrip, FmtpParameterWithoutKeyKeepsItsEquals) {
    // Found by sdp_fuzz: "=0tier=0" used to come back as key "0tier".
    const std::string text =
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 45\r\na=fmtp:45 level-idx=5;profile;=0tier=0;=\r\n";
    auto sd = sdp::parse(text);
    ASSERT_TRUE(sd);
    const auto& params = sd->media[0].fmtps[0].params;
    ASSERT_EQ(params.size(), 4u);
    EXPECT_EQ(params[2], (sdp::Param{"", "=0tier=0"}));
    EXPECT_EQ(params[3], (sdp::Param{"", "="}));
    expect_round_trip(text, "fmtp =x");
}

TEST(SdpRoundTrip, SerializeOrderIsRfcOrder) {
    auto sd = sdp::parse(
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nz=0 -1h\r\nt=0 0\r\nc=IN IP4 1.2.3.4\r\na=x\r\n");
    ASSERT_TRUE(sd);
    const std::string out = sdp::serialize(*sd);
    // c= before t=, z= after (RFC 8866 §5), attributes last.
    EXPECT_LT(out.find("c=IN"), out.find("t=0 0"));
    EXPECT_LT(out.find("t=0 0"), out.find("z=0"));
    EXPECT_LT(out.find("z=0"), out.find("a=x"));
    EXPECT_EQ(out.rfind("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n", 0), 0u);
}

TEST(SdpRoundTrip, DefaultModelSerializesToParsableText) {
    sdp::SessionDescription sd;
    sdp::MediaSection m;
    m.kind = sdp::MediaKind::Audio;
    m.payload_types = {111};
    m.mid = "0";
    sd.media.push_back(m);
    const std::string out = sdp::serialize(sd);
    auto back = sdp::parse(out);
    ASSERT_TRUE(back) << back.error().message << "\n" << out;
    EXPECT_EQ(*back, sd);
}
