// libFuzzer target for the SDP codec (wire/include/cohost/wire/sdp.hpp, sdp_answer.hpp).
//
// Properties, for any input bytes:
//  1. parse() never crashes and, on failure, names a code from the "sdp" category and a message;
//  2. a description that parses serializes to text that parses again to an equal model, and
//     serializing that model gives the same text (one pass reaches the canonical form);
//  3. build_answer() on a parsed description never crashes; when it succeeds the answer has one
//     section per offer section with the same mids, and it serializes to text that parses back
//     to an equal model.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cohost/wire/sdp.hpp"
#include "cohost/wire/sdp_answer.hpp"
#include "fuzz_check.hpp"

namespace {

namespace sdp = cohost::wire::sdp;

sdp::AnswerOptions answer_options() {
    sdp::AnswerOptions o;
    o.transport.ice_ufrag = "fuzz";
    o.transport.ice_pwd = "fuzzfuzzfuzzfuzzfuzzfuzz";
    o.transport.fingerprint.algorithm = "sha-256";
    o.transport.fingerprint.bytes.assign(32, 0xAB);
    o.transport.candidate_address = "192.0.2.1";
    o.transport.candidate_port = 4000;
    // Send on mid "1" when the offer has it, to exercise msid/ssrc output too.
    o.send_tracks.push_back(sdp::SendTrack{"1", "PA_x|camera", "TR_y", 1234, 5678, "cohost"});
    return o;
}

const sdp::AnswerOptions kOptions = answer_options();

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = cohost::fuzz::as_text(data, size);
    const auto parsed = sdp::parse(text);
    if (!parsed) {
        FUZZ_CHECK(&parsed.error().code.category() ==
                   &sdp::make_error_code(sdp::Errc::TooLarge).category());
        FUZZ_CHECK(!parsed.error().message.empty());
        return 0;
    }

    const std::string once = sdp::serialize(*parsed);
    const auto again = sdp::parse(once);
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(*again == *parsed);
    FUZZ_CHECK(sdp::serialize(*again) == once);

    const auto answer = sdp::build_answer(*parsed, kOptions);
    if (answer) {
        FUZZ_CHECK(answer->media.size() == parsed->media.size());
        for (std::size_t i = 0; i < answer->media.size(); ++i) {
            FUZZ_CHECK(answer->media[i].mid == parsed->media[i].mid);
        }
        // Limits are raised: an answer may be a bit longer than its offer (candidates, ssrcs).
        sdp::ParseLimits roomy;
        roomy.max_size *= 2;
        roomy.max_lines *= 2;
        roomy.max_attributes *= 2;
        const auto back = sdp::parse(sdp::serialize(*answer), roomy);
        FUZZ_CHECK(back.has_value());
        FUZZ_CHECK(*back == *answer);
    }
    return 0;
}
