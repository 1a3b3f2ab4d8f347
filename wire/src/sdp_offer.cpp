// build_offer: a basic SFU offer of sendonly audio/video sections (server-offers mode).
#include <algorithm>
#include <unordered_set>

#include "sdp_detail.hpp"

namespace cohost::wire::sdp {

namespace {

Error offer_error(std::string message) {
    return Error{make_error_code(Errc::InvalidParameters), 0, std::move(message)};
}

std::optional<std::string> check_codec(const OfferCodec& c) {
    if (c.payload_type > 127) return "payload type above 127";
    if (!detail::is_token(c.encoding) || c.clock_rate == 0) {
        return "codec needs an encoding name and clock rate";
    }
    if (c.rtx_payload_type &&
        (*c.rtx_payload_type > 127 || *c.rtx_payload_type == c.payload_type)) {
        return "bad rtx payload type";
    }
    // Each parameter must come back unchanged from the text it is written as.
    if (detail::split_params(detail::join_params(c.fmtp)) != c.fmtp) {
        return "fmtp parameters must be words without ';' (and a bare value without '=')";
    }
    for (const std::string& fb : c.rtcp_fb) {
        std::string_view type;
        std::string_view sub;
        detail::first_token(fb, type, sub);
        if (!detail::is_token(type)) return "empty rtcp-fb";
    }
    return std::nullopt;
}

}  // namespace

std::vector<OfferCodec> default_offer_codecs(MediaKind kind) {
    const std::vector<std::string> video_fb = {"goog-remb", "transport-cc", "ccm fir", "nack",
                                               "nack pli"};
    if (kind == MediaKind::Audio) {
        return {OfferCodec{111,
                           "opus",
                           48000,
                           2,
                           {{"minptime", "10"}, {"useinbandfec", "1"}},
                           {"transport-cc"},
                           std::nullopt}};
    }
    if (kind != MediaKind::Video) return {};
    return {
        OfferCodec{96, "VP8", 90000, std::nullopt, {}, video_fb, 97},
        OfferCodec{102,
                   "H264",
                   90000,
                   std::nullopt,
                   {{"level-asymmetry-allowed", "1"},
                    {"packetization-mode", "1"},
                    {"profile-level-id", "42e01f"}},
                   video_fb,
                   103},
    };
}

SdpResult<SessionDescription> build_offer(const OfferOptions& opts) {
    if (auto st = detail::check_transport(opts.transport)) return offer_error(st->message);
    if (!detail::is_digits(opts.session_id) || !detail::is_digits(opts.session_version)) {
        return offer_error("session id and version must be digits");
    }
    SessionDescription sd = detail::new_session(opts.session_id, opts.session_version);
    std::unordered_set<std::string> mids;
    Group bundle{"BUNDLE", {}};
    for (const OfferSection& s : opts.sections) {
        if (s.kind != MediaKind::Audio && s.kind != MediaKind::Video) {
            return offer_error("offer sections must be audio or video");
        }
        if (auto st = detail::check_send_track(s.track)) return offer_error(st->message);
        if (!mids.insert(s.track.mid).second) {
            return offer_error("mid " + s.track.mid + " used twice");
        }
        if (s.codecs.empty()) return offer_error("section " + s.track.mid + " has no codecs");
        MediaSection m;
        m.kind = s.kind;
        m.mid = s.track.mid;
        // RFC 5763 §5: the offerer uses actpass and lets the answerer pick the DTLS role.
        detail::add_transport(m, opts.transport, SetupRole::ActPass);
        std::vector<bool> used(128, false);
        for (const OfferCodec& c : s.codecs) {
            if (auto why = check_codec(c)) {
                return offer_error("section " + s.track.mid + ": " + *why);
            }
            for (auto pt : {std::optional<std::uint8_t>(c.payload_type), c.rtx_payload_type}) {
                if (!pt) continue;
                if (used[*pt]) {
                    return offer_error("section " + s.track.mid + ": payload type used twice");
                }
                used[*pt] = true;
                m.payload_types.push_back(*pt);
            }
            m.rtpmaps.push_back(RtpMap{c.payload_type, c.encoding, c.clock_rate, c.channels});
            for (const std::string& fb : c.rtcp_fb) {
                std::string_view type;
                std::string_view sub;
                detail::first_token(fb, type, sub);
                m.rtcp_fbs.push_back(RtcpFb{c.payload_type, std::string(type), std::string(sub)});
            }
            if (!c.fmtp.empty()) m.fmtps.push_back(Fmtp{c.payload_type, c.fmtp});
            if (c.rtx_payload_type) {
                m.rtpmaps.push_back(RtpMap{*c.rtx_payload_type, "rtx", c.clock_rate, std::nullopt});
                m.fmtps.push_back(
                    Fmtp{*c.rtx_payload_type, {{"apt", std::to_string(c.payload_type)}}});
            }
        }
        for (const ExtMap& e : s.extensions) {
            if (e.id == 0 || e.id > 255 || !detail::is_word(e.uri)) {
                return offer_error("bad extension");
            }
            if (std::any_of(m.extmaps.begin(), m.extmaps.end(),
                            [&](const ExtMap& x) { return x.id == e.id; })) {
                return offer_error("extension id used twice");
            }
            m.extmaps.push_back(ExtMap{e.id, std::nullopt, e.uri, {}});
        }
        m.direction = Direction::SendOnly;
        detail::add_send_track(m, s.track);
        m.rtcp_mux = true;
        m.rtcp_rsize = true;
        bundle.mids.push_back(s.track.mid);
        sd.media.push_back(std::move(m));
    }
    if (opts.data_channel) {
        if (!mids.insert("data").second) return offer_error("mid data used twice");
        MediaSection m;
        m.kind = MediaKind::Application;
        m.protocol = "UDP/DTLS/SCTP";
        m.formats = {"webrtc-datachannel"};
        m.mid = "data";
        detail::add_transport(m, opts.transport, SetupRole::ActPass);
        m.sctp_port = opts.sctp_port;
        m.max_message_size = opts.max_message_size;
        bundle.mids.push_back("data");
        sd.media.push_back(std::move(m));
    }
    if (sd.media.empty()) return offer_error("offer needs at least one section");
    detail::add_candidate(sd.media.front(), opts.transport);
    sd.groups.push_back(std::move(bundle));
    return sd;
}

}  // namespace cohost::wire::sdp
