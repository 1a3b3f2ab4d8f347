// Data channel sections in the SFU's answers (media/src/negotiate.hpp answer_offer), over the
// livekit-client join offer captured from Chromium 156 (tests/data/sdp/).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cohost/wire/sdp.hpp"
#include "negotiate.hpp"

namespace cohost::media::detail {
namespace {

namespace sdp = wire::sdp;

std::string join_offer() {
    const auto path = std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "data" /
                      "sdp" / "chromium156_join_offer.sdp";
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in.good()) << path;
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

sdp::LocalTransport local() {
    sdp::LocalTransport t;
    t.ice_ufrag = "sfuU";
    t.ice_pwd = "sfuPasswordSfuPassword24";
    t.fingerprint.algorithm = "sha-256";
    t.fingerprint.bytes.assign(32, 0x5A);
    t.candidate_address = "192.0.2.10";
    t.candidate_port = 40000;
    return t;
}

const sdp::MediaSection* application(const sdp::SessionDescription& d) {
    for (const auto& m : d.media) {
        if (m.kind == sdp::MediaKind::Application) return &m;
    }
    return nullptr;
}

sdp::SessionDescription reparse(const std::string& text) {
    sdp::ParseLimits roomy;
    roomy.max_size *= 2;
    roomy.max_lines *= 2;
    roomy.max_attributes *= 2;
    auto parsed = sdp::parse(text, roomy);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed ? *parsed : sdp::SessionDescription{};
}

TEST(NegotiateData, LivekitDataSectionIsAcceptedWithSctpPortAndMaxMessageSize) {
    auto in = inspect_offer(join_offer());
    ASSERT_TRUE(in) << in.error.message;
    auto plan = answer_offer(*in.value, local(), 1, 1, {}, {}, /*accept_data_channels=*/true);
    ASSERT_TRUE(plan) << plan.error.message;
    ASSERT_TRUE(plan.value->data);
    EXPECT_EQ(plan.value->data->remote_port, 5000);
    EXPECT_EQ(plan.value->data->remote_max_message, 262144U);  // Chromium's offer
    const auto answer = reparse(plan.value->answer_sdp);
    const auto* app = application(answer);
    ASSERT_NE(app, nullptr);
    EXPECT_NE(app->port, 0);
    EXPECT_EQ(app->protocol, "UDP/DTLS/SCTP");
    ASSERT_EQ(app->formats.size(), 1U);
    EXPECT_EQ(app->formats[0], "webrtc-datachannel");
    EXPECT_EQ(app->sctp_port, std::optional<std::uint16_t>(5000));
    EXPECT_EQ(app->max_message_size, std::optional<std::uint64_t>(kDataMaxMessageSize));
    EXPECT_EQ(plan.value->data->mid, app->mid.value_or(""));
    ASSERT_NE(answer.bundle_group(), nullptr);
    const auto& mids = answer.bundle_group()->mids;
    EXPECT_NE(std::find(mids.begin(), mids.end(), plan.value->data->mid), mids.end());
    EXPECT_EQ(answer.setup_for(*app), sdp::SetupRole::Passive);
    EXPECT_NE(plan.value->answer_sdp.find("a=max-message-size:65536"), std::string::npos);
}

TEST(NegotiateData, DataSectionIsRejectedUnlessAsked) {
    auto in = inspect_offer(join_offer());
    ASSERT_TRUE(in);
    auto plan = answer_offer(*in.value, local(), 1, 1, {});
    ASSERT_TRUE(plan);
    EXPECT_FALSE(plan.value->data);
    const auto* app = application(reparse(plan.value->answer_sdp));
    ASSERT_NE(app, nullptr);
    EXPECT_EQ(app->port, 0);
}

TEST(NegotiateData, DefaultsApplyWhenTheOfferOmitsPortAndSize) {
    std::string offer = join_offer();
    for (const std::string line : {"a=sctp-port:5000\r\n", "a=max-message-size:262144\r\n"}) {
        const auto at = offer.find(line);
        ASSERT_NE(at, std::string::npos) << line;
        offer.erase(at, line.size());
    }
    auto in = inspect_offer(offer);
    ASSERT_TRUE(in) << in.error.message;
    auto plan = answer_offer(*in.value, local(), 1, 1, {}, {}, true);
    ASSERT_TRUE(plan) << plan.error.message;
    ASSERT_TRUE(plan.value->data);
    EXPECT_EQ(plan.value->data->remote_port, 5000);          // RFC 8841 §5.1 default
    EXPECT_EQ(plan.value->data->remote_max_message, 65536U);  // RFC 8841 §6 default
}

}  // namespace
}  // namespace cohost::media::detail
