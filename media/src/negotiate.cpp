#include "negotiate.hpp"

#include <algorithm>

namespace cohost::media::detail {
namespace {

using wire::sdp::Direction;
using wire::sdp::MediaKind;
using wire::sdp::MediaSection;
using wire::sdp::SessionDescription;

constexpr std::string_view kUriMid = "urn:ietf:params:rtp-hdrext:sdes:mid";
constexpr std::string_view kUriRid = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
constexpr std::string_view kUriRrid = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
constexpr std::string_view kUriAbsSend = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
constexpr std::string_view kUriLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
constexpr std::string_view kUriTwcc =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

std::uint8_t ext_id(const MediaSection& m, std::string_view uri) {
    const auto* e = m.find_extmap(uri);
    // One-byte ids only: the forwarder rewrites ids in place and keeps the block form.
    return (e != nullptr && e->id >= 1 && e->id <= 14) ? static_cast<std::uint8_t>(e->id) : 0;
}

ExtIds read_ext_ids(const MediaSection& m) {
    ExtIds ids;
    ids.mid = ext_id(m, kUriMid);
    ids.rid = ext_id(m, kUriRid);
    ids.repaired_rid = ext_id(m, kUriRrid);
    ids.abs_send_time = ext_id(m, kUriAbsSend);
    ids.audio_level = ext_id(m, kUriLevel);
    ids.transport_cc = ext_id(m, kUriTwcc);
    return ids;
}

/// The codec the answer section settled on: its first payload type.
std::optional<CodecChoice> read_codec(const MediaSection& a) {
    if (a.payload_types.empty()) return std::nullopt;
    const std::uint8_t pt = a.payload_types.front();
    const auto* map = a.find_rtpmap(pt);
    if (map == nullptr) return std::nullopt;
    CodecChoice c;
    c.payload_type = pt;
    c.clock_rate = map->clock_rate;
    if (wire::sdp::iequals(map->encoding, "opus")) {
        c.codec = VideoCodec::None;
    } else if (wire::sdp::iequals(map->encoding, "VP8")) {
        c.codec = VideoCodec::Vp8;
    } else if (wire::sdp::iequals(map->encoding, "H264")) {
        c.codec = VideoCodec::H264;
        if (const auto* f = a.find_fmtp(pt)) {
            if (auto v = f->get("profile-level-id")) {
                c.fmtp.assign(v->begin(), v->end());
                std::transform(c.fmtp.begin(), c.fmtp.end(), c.fmtp.begin(),
                               [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
            }
        }
    } else {
        return std::nullopt;
    }
    return c;
}

template <class T>
PlanResult<T> fail(std::string message) {
    PlanResult<T> r;
    r.error.message = std::move(message);
    return r;
}

std::optional<RemoteTransport> remote_of(const SessionDescription& offer) {
    for (const auto& m : offer.media) {
        if (m.port == 0) continue;
        const auto* ufrag = offer.ice_ufrag_for(m);
        const auto* pwd = offer.ice_pwd_for(m);
        const auto& fps = offer.fingerprints_for(m);
        if (ufrag == nullptr || pwd == nullptr || fps.empty()) return std::nullopt;
        RemoteTransport r{*ufrag, *pwd, fps.front()};
        for (const auto& fp : fps) {  // prefer sha-256 when several are offered
            if (fp.algorithm == "sha-256") r.fingerprint = fp;
        }
        return r;
    }
    return std::nullopt;
}

wire::sdp::Codecs publisher_codecs() {
    wire::sdp::Codecs c;
    c.rtx = false;  // the SFU answers subscriber NACKs from its own cache (webrtc-notes.md)
    c.rtcp_fb = {"nack", "nack pli", "ccm fir", "goog-remb", "transport-cc"};
    c.audio_extensions = {std::string(kUriMid), std::string(kUriLevel), std::string(kUriTwcc)};
    c.video_extensions = {std::string(kUriMid), std::string(kUriRid), std::string(kUriRrid),
                          std::string(kUriTwcc), std::string(kUriAbsSend)};
    return c;
}

}  // namespace

std::vector<std::string> order_rids(std::vector<std::string> rids) {
    auto rank = [](const std::string& r) {
        if (r == "q") return 0;
        if (r == "h") return 1;
        if (r == "f") return 2;
        return -1;
    };
    const bool named = !rids.empty() && std::all_of(rids.begin(), rids.end(),
                                                    [&](const auto& r) { return rank(r) >= 0; });
    if (named) {
        std::stable_sort(rids.begin(), rids.end(),
                         [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
    }
    return rids;
}

PlanResult<InspectedOffer> inspect_offer(std::string_view offer_text) {
    auto offer = wire::sdp::parse(offer_text);
    if (!offer) return fail<InspectedOffer>("offer: " + offer.error().message);
    auto remote = remote_of(*offer);
    if (!remote) return fail<InspectedOffer>("offer: no ICE credentials or fingerprint");
    InspectedOffer out;
    out.remote = std::move(*remote);
    for (const auto& m : offer->media) {
        if (m.port == 0 || !m.mid) continue;
        if (m.kind != MediaKind::Audio && m.kind != MediaKind::Video) continue;
        OfferedSection s;
        s.mid = *m.mid;
        s.video = m.kind == MediaKind::Video;
        const auto dir = m.effective_direction();
        s.client_sends = dir == Direction::SendOnly || dir == Direction::SendRecv;
        s.client_receives = dir == Direction::RecvOnly || dir == Direction::SendRecv;
        if (!m.msids.empty()) s.msid_track = m.msids.front().track_id;
        out.sections.push_back(std::move(s));
    }
    out.offer = std::move(*offer);
    return {std::move(out), {}};
}

PlanResult<SessionPlan> answer_offer(const InspectedOffer& inspected,
                                     const wire::sdp::LocalTransport& local,
                                     std::uint64_t session_id, std::uint64_t session_version,
                                     const std::vector<wire::sdp::SendTrack>& send_tracks,
                                     std::optional<VideoCodec> video_codec,
                                     bool accept_data_channels) {
    const auto& offer = inspected.offer;
    wire::sdp::AnswerOptions opts;
    opts.transport = local;
    opts.session_id = std::to_string(session_id);
    opts.session_version = std::to_string(session_version);
    opts.codecs = publisher_codecs();
    if (video_codec == VideoCodec::H264) {
        opts.codecs.prefer_h264 = true;
    }
    opts.accept_data_channels = accept_data_channels;
    opts.max_message_size = kDataMaxMessageSize;
    opts.send_tracks = send_tracks;
    auto answer = wire::sdp::build_answer(offer, opts);
    if (!answer) return fail<SessionPlan>("offer: " + answer.error().message);
    SessionPlan plan;
    for (std::size_t i = 0; i < answer->media.size() && i < offer.media.size(); ++i) {
        const auto& a = answer->media[i];
        if (a.kind != MediaKind::Application || a.port == 0 || !a.mid || plan.data) continue;
        const auto& o = offer.media[i];
        plan.data = DataSection{*a.mid, o.sctp_port.value_or(5000),
                                o.max_message_size.value_or(65536)};
    }
    for (std::size_t i = 0; i < answer->media.size() && i < offer.media.size(); ++i) {
        const auto& a = answer->media[i];
        const auto& o = offer.media[i];
        if (a.port == 0 || !a.mid) continue;
        if (a.kind != MediaKind::Audio && a.kind != MediaKind::Video) continue;
        const auto dir = a.effective_direction();
        auto codec = read_codec(a);
        if (!codec) continue;
        SessionSection s;
        s.mid = *a.mid;
        s.video = a.kind == MediaKind::Video;
        s.publish = dir == Direction::RecvOnly || dir == Direction::SendRecv;
        s.send = dir == Direction::SendOnly || dir == Direction::SendRecv;
        s.codec = *codec;
        s.ext = read_ext_ids(a);
        if (s.publish && s.ext.transport_cc != 0) plan.transport_cc = true;
        if (s.publish && a.simulcast && !a.simulcast->recv.empty()) {
            std::vector<std::string> rids;
            for (const auto& alternatives : a.simulcast->recv) {
                if (!alternatives.empty()) rids.push_back(alternatives.front().rid);
            }
            s.rids = order_rids(std::move(rids));
            if (s.rids.size() > 3) s.rids.resize(3);  // q/h/f: the SFU keeps three layers
        }
        if (s.publish) {
            std::vector<std::uint32_t> fid_repairs;
            for (const auto& g : o.ssrc_groups) {
                if (g.semantics == "FID" && g.ssrcs.size() == 2) fid_repairs.push_back(g.ssrcs[1]);
            }
            for (const auto& sa : o.ssrcs) {
                if (std::find(s.ssrcs.begin(), s.ssrcs.end(), sa.ssrc) != s.ssrcs.end()) continue;
                if (std::find(fid_repairs.begin(), fid_repairs.end(), sa.ssrc) != fid_repairs.end())
                    continue;
                s.ssrcs.push_back(sa.ssrc);
            }
        }
        if (!o.msids.empty()) {
            s.msid_stream = o.msids.front().stream_id;
            s.msid_track = o.msids.front().track_id;
        }
        plan.sections.push_back(std::move(s));
    }
    plan.answer_sdp = wire::sdp::serialize(*answer);
    return {std::move(plan), {}};
}

PlanResult<PublishPlan> plan_publish(std::string_view offer_text,
                                     const wire::sdp::LocalTransport& local,
                                     std::uint64_t session_id) {
    auto inspected = inspect_offer(offer_text);
    if (!inspected) return fail<PublishPlan>(inspected.error.message);
    auto session = answer_offer(*inspected.value, local, session_id, 1, {});
    if (!session) return fail<PublishPlan>(session.error.message);
    PublishPlan plan;
    plan.remote = inspected.value->remote;
    plan.transport_cc = session.value->transport_cc;
    for (auto& s : session.value->sections) {
        if (s.publish) plan.sections.push_back(std::move(s));
    }
    if (plan.sections.empty()) {
        return fail<PublishPlan>("offer: no audio or video section the SFU can receive "
                                 "(opus, VP8 or H.264, direction sendonly or sendrecv)");
    }
    plan.answer_sdp = std::move(session.value->answer_sdp);
    return {std::move(plan), {}};
}

PlanResult<SubscribePlan> plan_subscribe(std::string_view offer_text,
                                         const wire::sdp::LocalTransport& local,
                                         std::uint64_t session_id,
                                         const SubscribeConstraints& constraints,
                                         const std::vector<std::uint32_t>& ssrcs) {
    auto offer = wire::sdp::parse(offer_text);
    if (!offer) return fail<SubscribePlan>("offer: " + offer.error().message);
    auto remote = remote_of(*offer);
    if (!remote) return fail<SubscribePlan>("offer: no ICE credentials or fingerprint");
    wire::sdp::AnswerOptions opts;
    opts.transport = local;
    opts.session_id = std::to_string(session_id);
    opts.accept_data_channels = false;
    opts.accept_simulcast = false;
    opts.codecs.rtx = false;
    opts.codecs.rtcp_fb = {"nack", "nack pli", "ccm fir"};
    opts.codecs.audio_extensions = {std::string(kUriLevel)};
    opts.codecs.video_extensions = {};
    if (constraints.video_codec == VideoCodec::H264) {
        opts.codecs.vp8 = false;
    } else if (constraints.video_codec == VideoCodec::Vp8) {
        opts.codecs.h264 = false;
    }
    std::size_t next_ssrc = 0;
    std::vector<SubscribeSection> sections;
    for (auto& o : offer->media) {
        if (o.port == 0 || !o.mid) continue;
        if (o.kind != MediaKind::Audio && o.kind != MediaKind::Video) continue;
        const auto dir = o.effective_direction();
        if (dir != Direction::RecvOnly && dir != Direction::SendRecv) continue;
        // The SFU never receives on a WHEP session: answer sendrecv as sendonly, not sendrecv.
        o.direction = Direction::RecvOnly;
        if (next_ssrc >= ssrcs.size()) continue;
        wire::sdp::SendTrack t;
        t.mid = *o.mid;
        t.stream_id = constraints.stream_id;
        t.track_id = "TR_" + std::string(o.kind == MediaKind::Audio ? "A" : "V") + *o.mid;
        t.ssrc = ssrcs[next_ssrc++];
        opts.send_tracks.push_back(t);
    }
    auto answer = wire::sdp::build_answer(*offer, opts);
    if (!answer) return fail<SubscribePlan>("offer: " + answer.error().message);
    SubscribePlan plan;
    plan.remote = std::move(*remote);
    for (const auto& a : answer->media) {
        if (a.port == 0 || !a.mid) continue;
        if (a.effective_direction() != Direction::SendOnly &&
            a.effective_direction() != Direction::SendRecv)
            continue;
        auto codec = read_codec(a);
        if (!codec) continue;
        const auto it = std::find_if(opts.send_tracks.begin(), opts.send_tracks.end(),
                                     [&](const auto& t) { return t.mid == *a.mid; });
        if (it == opts.send_tracks.end()) continue;
        SubscribeSection s;
        s.mid = *a.mid;
        s.video = a.kind == MediaKind::Video;
        s.codec = *codec;
        s.ext = read_ext_ids(a);
        s.ssrc = *it->ssrc;
        s.track_id = it->track_id;
        plan.sections.push_back(std::move(s));
    }
    if (plan.sections.empty()) {
        return fail<SubscribePlan>("offer: no recvonly audio or video section the SFU can send "
                                   "on (opus, VP8 or H.264)");
    }
    plan.answer_sdp = wire::sdp::serialize(*answer);
    return {std::move(plan), {}};
}

}  // namespace cohost::media::detail
