// libFuzzer target for WHIP/WHEP offer planning (media/src/negotiate.hpp): what an unauthenticated
// HTTP body reaches once its token is valid.
//
// Properties, for any input bytes:
//  1. plan_publish() and plan_subscribe() never crash, and a refusal carries a message;
//  2. an accepted publish plan has at least one section, each one receiving (recvonly in the
//     answer) with a payload type the answer section carries, at most three simulcast layers and
//     no RTX; the answer parses back (ICE-lite, one candidate);
//  3. an accepted subscribe plan sends (sendonly in the answer) on each section with one of the
//     SSRCs it was given, each at most once, with the room's video codec when one is imposed;
//     the answer parses back.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cohost/wire/sdp.hpp"
#include "fuzz_check.hpp"
#include "negotiate.hpp"

namespace {

namespace sdp = cohost::wire::sdp;
namespace detail = cohost::media::detail;
using cohost::media::VideoCodec;

sdp::LocalTransport local_transport() {
    sdp::LocalTransport t;
    t.ice_ufrag = "fuzz";
    t.ice_pwd = "fuzzfuzzfuzzfuzzfuzzfuzz";
    t.fingerprint.algorithm = "sha-256";
    t.fingerprint.bytes.assign(32, 0xAB);
    t.candidate_address = "192.0.2.1";
    t.candidate_port = 4000;
    return t;
}

const sdp::LocalTransport kLocal = local_transport();
const std::vector<std::uint32_t> kSsrcs = {11, 22, 33, 44, 55, 66, 77, 88};

/// The answer text parsed back, with limits raised (an answer may outgrow its offer).
sdp::SessionDescription reparse(const std::string& text) {
    sdp::ParseLimits roomy;
    roomy.max_size *= 2;
    roomy.max_lines *= 2;
    roomy.max_attributes *= 2;
    auto parsed = sdp::parse(text, roomy);
    FUZZ_CHECK(parsed.has_value());
    FUZZ_CHECK(parsed->ice_lite);
    std::size_t candidates = 0;
    for (const auto& m : parsed->media) {
        candidates += m.candidates.size();
        for (const auto& map : m.rtpmaps) FUZZ_CHECK(!sdp::iequals(map.encoding, "rtx"));
    }
    FUZZ_CHECK(candidates == 1);
    return *parsed;
}

const sdp::MediaSection* by_mid(const sdp::SessionDescription& d, const std::string& mid) {
    for (const auto& m : d.media) {
        if (m.mid == mid) return &m;
    }
    return nullptr;
}

bool has_pt(const sdp::MediaSection& m, std::uint8_t pt) {
    return std::find(m.payload_types.begin(), m.payload_types.end(), pt) != m.payload_types.end();
}

void check_publish(std::string_view text) {
    const auto plan = detail::plan_publish(text, kLocal, 1);
    if (!plan) {
        FUZZ_CHECK(!plan.error.message.empty());
        return;
    }
    FUZZ_CHECK(!plan.value->sections.empty());
    const auto answer = reparse(plan.value->answer_sdp);
    for (const auto& s : plan.value->sections) {
        FUZZ_CHECK(s.publish);
        FUZZ_CHECK(s.rids.size() <= 3);
        const auto* m = by_mid(answer, s.mid);
        FUZZ_CHECK(m != nullptr);
        FUZZ_CHECK(m->port != 0);
        FUZZ_CHECK(m->effective_direction() == sdp::Direction::RecvOnly ||
                   m->effective_direction() == sdp::Direction::SendRecv);
        FUZZ_CHECK(has_pt(*m, s.codec.payload_type));
        FUZZ_CHECK(s.video == (s.codec.codec != VideoCodec::None));
    }
}

void check_subscribe(std::string_view text, std::optional<VideoCodec> codec) {
    detail::SubscribeConstraints c;
    c.video_codec = codec;
    const auto plan = detail::plan_subscribe(text, kLocal, 2, c, kSsrcs);
    if (!plan) {
        FUZZ_CHECK(!plan.error.message.empty());
        return;
    }
    FUZZ_CHECK(!plan.value->sections.empty());
    FUZZ_CHECK(plan.value->sections.size() <= kSsrcs.size());
    const auto answer = reparse(plan.value->answer_sdp);
    std::vector<std::uint32_t> used;
    for (const auto& s : plan.value->sections) {
        FUZZ_CHECK(std::find(kSsrcs.begin(), kSsrcs.end(), s.ssrc) != kSsrcs.end());
        FUZZ_CHECK(std::find(used.begin(), used.end(), s.ssrc) == used.end());
        used.push_back(s.ssrc);
        if (s.video && codec) FUZZ_CHECK(s.codec.codec == *codec);
        const auto* m = by_mid(answer, s.mid);
        FUZZ_CHECK(m != nullptr);
        FUZZ_CHECK(m->port != 0);
        FUZZ_CHECK(m->effective_direction() == sdp::Direction::SendOnly);
        FUZZ_CHECK(has_pt(*m, s.codec.payload_type));
        FUZZ_CHECK(!m->msids.empty());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = cohost::fuzz::as_text(data, size);
    check_publish(text);
    // The room's video codec: unknown, VP8 or H.264, picked by the input so each gets coverage.
    static constexpr std::optional<VideoCodec> kCodecs[] = {std::nullopt, VideoCodec::Vp8,
                                                            VideoCodec::H264};
    check_subscribe(text, kCodecs[size % 3]);
    return 0;
}
