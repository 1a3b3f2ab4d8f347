// libFuzzer target for the SFU's reading of answers to its own offers
// (media/src/negotiate_offer.hpp): what a LiveKit two-peer-connection client sends back in
// `answer` for its subscriber PC, once its token is valid.
//
// The offer answered is one of a few layouts (data section or not, a live or ended video and
// audio section), picked by the input size so each gets coverage. Properties, for any input:
//  1. read_server_answer() never crashes, and a refusal carries a message that starts "answer";
//  2. an accepted answer has one slot per offered slot with the offered mids, in order; a slot
//     is accepted only if it was live in the offer; extension ids are 0 or one-byte (1..14);
//     the remote ICE credentials are non-empty; a data section is reported only when offered;
//  3. build_server_offer() of each layout parses back with the candidate in the BUNDLE tag.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cohost/wire/sdp.hpp"
#include "fuzz_check.hpp"
#include "negotiate_offer.hpp"

namespace {

namespace sdp = cohost::wire::sdp;
namespace detail = cohost::media::detail;
using cohost::media::VideoCodec;

detail::ServerOffer layout(unsigned n) {
    detail::ServerOffer o;
    o.local.ice_ufrag = "fuzz";
    o.local.ice_pwd = "fuzzfuzzfuzzfuzzfuzzfuzz";
    o.local.fingerprint.algorithm = "sha-256";
    o.local.fingerprint.bytes.assign(32, 0xAB);
    o.local.candidate_address = "192.0.2.1";
    o.local.candidate_port = 4000;
    if (n & 1U) o.data_mid = "0";
    for (unsigned i = 0; i < 2; ++i) {
        detail::OfferSlot s;
        s.mid = std::to_string(i + 1);
        s.video = i == 0;
        s.active = ((n >> (i + 1)) & 1U) != 0;
        s.stream_id = "PA_fuzz|camera";
        s.track_id = "TR_" + s.mid;
        s.ssrc = 1000 + i;
        s.codec.codec = s.video ? VideoCodec::Vp8 : VideoCodec::None;
        s.codec.payload_type = s.video ? detail::kOfferVp8Pt : detail::kOfferOpusPt;
        s.codec.clock_rate = s.video ? 90000 : 48000;
        o.slots.push_back(s);
    }
    return o;
}

void check_offer(const detail::ServerOffer& o) {
    auto text = detail::build_server_offer(o);
    const bool live = !o.data_mid.empty() || o.slots[0].active || o.slots[1].active;
    FUZZ_CHECK(text.value.has_value() == live);
    if (!text) return;
    auto parsed = sdp::parse(*text.value);
    FUZZ_CHECK(parsed.has_value());
    FUZZ_CHECK(parsed->ice_lite);
    const auto* bundle = parsed->bundle_group();
    FUZZ_CHECK(bundle != nullptr && !bundle->mids.empty());
    for (const auto& m : parsed->media) {
        FUZZ_CHECK(m.candidates.size() == (m.mid == bundle->mids.front() ? 1U : 0U));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::vector<detail::ServerOffer> kLayouts = [] {
        std::vector<detail::ServerOffer> v;
        for (unsigned n = 0; n < 8; ++n) {
            v.push_back(layout(n));
            check_offer(v.back());
        }
        return v;
    }();
    const detail::ServerOffer& offer = kLayouts[size % kLayouts.size()];
    const auto r = detail::read_server_answer(cohost::fuzz::as_text(data, size), offer);
    if (!r) {
        FUZZ_CHECK(r.error.message.rfind("answer", 0) == 0);
        return 0;
    }
    const auto& a = *r.value;
    FUZZ_CHECK(a.slots.size() == offer.slots.size());
    for (std::size_t i = 0; i < a.slots.size(); ++i) {
        FUZZ_CHECK(a.slots[i].mid == offer.slots[i].mid);
        FUZZ_CHECK(!a.slots[i].accepted || offer.slots[i].active);
        FUZZ_CHECK(a.slots[i].ext.audio_level <= 14 && a.slots[i].ext.abs_send_time <= 14);
    }
    FUZZ_CHECK(!a.remote.ufrag.empty() && !a.remote.pwd.empty());
    FUZZ_CHECK(!a.data || !offer.data_mid.empty());
    return 0;
}
