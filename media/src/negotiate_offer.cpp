// Server offers for LiveKit's subscriber peer connection and the reading of their answers
// (negotiate_offer.hpp has the layout and the reasons).
#include "negotiate_offer.hpp"

#include <algorithm>
#include <unordered_set>

namespace cohost::media::detail {
namespace {

using wire::sdp::Direction;
using wire::sdp::MediaKind;
using wire::sdp::MediaSection;
using wire::sdp::SessionDescription;
using wire::sdp::SetupRole;

constexpr std::string_view kUriAbsSend =
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
constexpr std::string_view kUriLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
/// The data section's mid as wire::sdp::build_offer writes it (renamed to ServerOffer::data_mid).
constexpr std::string_view kBuiltDataMid = "data";

template <class T>
PlanResult<T> fail(std::string message) {
    PlanResult<T> r;
    r.error.message = std::move(message);
    return r;
}

/// The one codec of an active slot, as build_offer takes it.
std::optional<wire::sdp::OfferCodec> offer_codec(const OfferSlot& s) {
    wire::sdp::OfferCodec c;
    c.payload_type = s.codec.payload_type;
    c.clock_rate = s.codec.clock_rate;
    switch (s.codec.codec) {
        case VideoCodec::None:
            if (s.video) return std::nullopt;
            c.encoding = "opus";
            c.channels = 2;
            c.fmtp = {{"minptime", "10"}, {"useinbandfec", "1"}};
            return c;
        case VideoCodec::Vp8:
            if (!s.video) return std::nullopt;
            c.encoding = "VP8";
            break;
        case VideoCodec::H264:
            if (!s.video) return std::nullopt;
            c.encoding = "H264";
            c.fmtp = {{"level-asymmetry-allowed", "1"},
                      {"packetization-mode", "1"},
                      {"profile-level-id", s.codec.fmtp.empty() ? "42e01f" : s.codec.fmtp}};
            break;
    }
    c.rtcp_fb = {"nack", "nack pli", "ccm fir", "goog-remb"};
    return c;
}

/// A slot that ended: port 0, inactive, out of BUNDLE, no transport (RFC 8843 §7.3.3 removes a
/// rejected section from its bundle; JSEP keeps it in place).
MediaSection ended_section(const OfferSlot& s) {
    MediaSection m;
    m.kind = s.video ? MediaKind::Video : MediaKind::Audio;
    m.port = 0;
    const std::uint8_t pt = s.video ? kOfferVp8Pt : kOfferOpusPt;
    m.payload_types = {pt};
    m.lines.push_back(wire::sdp::RawLine{'c', "IN IP4 0.0.0.0"});
    m.mid = s.mid;
    m.direction = Direction::Inactive;
    m.rtpmaps.push_back(s.video ? wire::sdp::RtpMap{pt, "VP8", 90000, std::nullopt}
                                : wire::sdp::RtpMap{pt, "opus", 48000, 2});
    return m;
}

std::uint8_t ext_id(const MediaSection& m, std::string_view uri) {
    const auto* e = m.find_extmap(uri);
    return (e != nullptr && e->id >= 1 && e->id <= 14) ? static_cast<std::uint8_t>(e->id) : 0;
}

}  // namespace

PlanResult<std::string> build_server_offer(const ServerOffer& offer) {
    std::unordered_set<std::string> mids;
    if (!offer.data_mid.empty()) mids.insert(offer.data_mid);
    wire::sdp::OfferOptions opts;
    opts.transport = offer.local;
    opts.session_id = std::to_string(offer.session_id);
    opts.session_version = std::to_string(offer.session_version);
    opts.data_channel = !offer.data_mid.empty();
    opts.max_message_size = kDataMaxMessageSize;
    for (const OfferSlot& s : offer.slots) {
        if (s.mid.empty()) return fail<std::string>("offer: a section has no mid");
        if (s.mid == kBuiltDataMid && !offer.data_mid.empty()) {
            return fail<std::string>("offer: mid data is reserved for the data section");
        }
        if (!mids.insert(s.mid).second)
            return fail<std::string>("offer: mid " + s.mid + " used twice");
        if (!s.active) continue;
        auto codec = offer_codec(s);
        if (!codec)
            return fail<std::string>("offer: section " + s.mid + " has a codec of the other kind");
        if (s.ssrc == 0) return fail<std::string>("offer: section " + s.mid + " has no SSRC");
        wire::sdp::OfferSection section;
        section.kind = s.video ? MediaKind::Video : MediaKind::Audio;
        section.track =
            wire::sdp::SendTrack{s.mid, s.stream_id, s.track_id, s.ssrc, std::nullopt, s.cname};
        section.codecs = {std::move(*codec)};
        if (s.video) {
            section.extensions = {
                {kOfferAbsSendTimeId, std::nullopt, std::string(kUriAbsSend), {}}};
        } else {
            section.extensions = {{kOfferAudioLevelId, std::nullopt, std::string(kUriLevel), {}}};
        }
        opts.sections.push_back(std::move(section));
    }
    if (opts.sections.empty() && !opts.data_channel) {
        return fail<std::string>("offer: nothing to offer (no data section and no live track)");
    }
    auto built = wire::sdp::build_offer(opts);
    if (!built) return fail<std::string>("offer: " + built.error().message);
    SessionDescription& sd = *built;
    // build_offer lists the live sections (data last); lay them out in slot order with the data
    // section first, the ended ones in their places, and the candidate in the BUNDLE tag.
    std::optional<wire::sdp::Candidate> candidate;
    for (auto& m : sd.media) {
        if (!m.candidates.empty() && !candidate) candidate = m.candidates.front();
        m.candidates.clear();
        m.end_of_candidates = false;
    }
    std::vector<MediaSection> live = std::move(sd.media);
    sd.media.clear();
    auto take = [&](std::string_view mid) {
        auto it =
            std::find_if(live.begin(), live.end(), [&](const auto& m) { return m.mid == mid; });
        MediaSection m = std::move(*it);
        live.erase(it);
        return m;
    };
    wire::sdp::Group bundle{"BUNDLE", {}};
    if (opts.data_channel) {
        MediaSection data = take(kBuiltDataMid);
        data.mid = offer.data_mid;
        bundle.mids.push_back(offer.data_mid);
        sd.media.push_back(std::move(data));
    }
    for (const OfferSlot& s : offer.slots) {
        if (s.active) {
            bundle.mids.push_back(s.mid);
            sd.media.push_back(take(s.mid));
        } else {
            sd.media.push_back(ended_section(s));
        }
    }
    for (auto& m : sd.media) {
        if (m.port == 0 || !candidate) continue;
        m.candidates.push_back(*candidate);
        m.end_of_candidates = true;
        break;
    }
    sd.groups.clear();
    sd.groups.push_back(std::move(bundle));
    return {wire::sdp::serialize(sd), {}};
}

PlanResult<ServerAnswer> read_server_answer(std::string_view answer_text,
                                            const ServerOffer& offered) {
    auto parsed = wire::sdp::parse(answer_text);
    if (!parsed) return fail<ServerAnswer>("answer: " + parsed.error().message);
    const SessionDescription& answer = *parsed;
    const std::size_t data_sections = offered.data_mid.empty() ? 0 : 1;
    if (answer.media.size() != data_sections + offered.slots.size()) {
        return fail<ServerAnswer>("answer: " + std::to_string(answer.media.size()) +
                                  " sections for an offer of " +
                                  std::to_string(data_sections + offered.slots.size()));
    }
    ServerAnswer out;
    bool have_transport = false;
    for (std::size_t i = 0; i < answer.media.size(); ++i) {
        const MediaSection& m = answer.media[i];
        const bool is_data = i < data_sections;
        const std::string& mid = is_data ? offered.data_mid : offered.slots[i - data_sections].mid;
        // A rejected section may leave out its mid; a live one must echo the offer's.
        if ((m.mid && *m.mid != mid) || (!m.mid && m.port != 0)) {
            return fail<ServerAnswer>("answer: section " + std::to_string(i) + " is not mid " +
                                      mid);
        }
        const MediaKind want = is_data                                  ? MediaKind::Application
                               : offered.slots[i - data_sections].video ? MediaKind::Video
                                                                        : MediaKind::Audio;
        if (m.kind != want) {
            return fail<ServerAnswer>("answer: section " + mid + " changed its media kind");
        }
        if (m.port != 0 && !have_transport) {
            const auto* ufrag = answer.ice_ufrag_for(m);
            const auto* pwd = answer.ice_pwd_for(m);
            const auto& fps = answer.fingerprints_for(m);
            if (ufrag == nullptr || pwd == nullptr || fps.empty()) {
                return fail<ServerAnswer>("answer: no ICE credentials or fingerprint");
            }
            out.remote = RemoteTransport{*ufrag, *pwd, fps.front()};
            for (const auto& fp : fps) {
                if (fp.algorithm == "sha-256") out.remote.fingerprint = fp;
            }
            const auto setup = answer.setup_for(m);
            if (setup == SetupRole::Active) {
                out.sfu_is_dtls_client = false;
            } else if (setup == SetupRole::Passive) {
                out.sfu_is_dtls_client = true;
            } else {
                return fail<ServerAnswer>("answer: a=setup must be active or passive");
            }
            have_transport = true;
        }
        if (is_data) {
            if (m.port != 0) {
                out.data = DataSection{mid, m.sctp_port.value_or(5000),
                                       m.max_message_size.value_or(65536)};
            }
            continue;
        }
        const OfferSlot& slot = offered.slots[i - data_sections];
        AnsweredSlot a;
        a.mid = mid;
        const auto dir = m.effective_direction();
        a.accepted = slot.active && m.port != 0 &&
                     (dir == Direction::RecvOnly || dir == Direction::SendRecv);
        if (a.accepted) {
            if (m.payload_types.empty() || m.payload_types.front() != slot.codec.payload_type) {
                return fail<ServerAnswer>("answer: section " + mid +
                                          " chose a codec that was not offered");
            }
            a.ext.audio_level = ext_id(m, kUriLevel);
            a.ext.abs_send_time = ext_id(m, kUriAbsSend);
        }
        out.slots.push_back(std::move(a));
    }
    if (!have_transport) return fail<ServerAnswer>("answer: every section was rejected");
    return {std::move(out), {}};
}

}  // namespace cohost::media::detail
