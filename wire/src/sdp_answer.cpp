// build_answer: the SFU's answer to a publisher offer. The policy is documented in
// sdp_answer.hpp; the comments here give the RFC rule behind each step.
#include <algorithm>

#include "sdp_detail.hpp"

namespace cohost::wire::sdp {

namespace {

using detail::Fail;

Error answer_error(Errc code, std::string message) {
    return Error{make_error_code(code), 0, std::move(message)};
}

std::string section_name(const MediaSection& m, std::size_t index) {
    return "section " + std::to_string(index) + (m.mid ? " (mid " + *m.mid + ")" : std::string());
}

/// Offered payload types whose rtpmap matches `encoding`/`clock` (and `channels` if given), in
/// m= order.
std::vector<std::uint8_t> find_codec(const MediaSection& m, std::string_view encoding,
                                     std::uint32_t clock,
                                     std::optional<std::uint16_t> channels = std::nullopt) {
    std::vector<std::uint8_t> out;
    for (std::uint8_t pt : m.payload_types) {
        const RtpMap* r = m.find_rtpmap(pt);
        if (r == nullptr || !iequals(r->encoding, encoding) || r->clock_rate != clock) continue;
        if (channels && r->channels.value_or(1) != *channels) continue;
        out.push_back(pt);
    }
    return out;
}

/// RFC 6184 §8.1: profile-level-id is 3 hex bytes: profile_idc, profile-iop, level_idc.
/// Score: 3 = 42e01f exactly, 2 = Constrained Baseline (42 with constraint_set1, e0), 1 = Baseline
/// (4200), 0 = not acceptable (other profiles, or packetization-mode other than 1).
int h264_score(const MediaSection& m, std::uint8_t pt) {
    const Fmtp* f = m.find_fmtp(pt);
    if (f == nullptr || f->packetization_mode() != 1) return 0;
    const auto plid = f->profile_level_id();
    if (!plid || plid->profile_idc != 0x42) return 0;
    // profile-iop 0xe0 (constraint_set0..2) is Constrained Baseline; 0x00 plain Baseline.
    if ((plid->profile_iop & 0x40) != 0) {
        return *plid == Fmtp::ProfileLevelId{0x42, 0xe0, 0x1f} ? 3 : 2;
    }
    return 1;
}

/// The offered RTX payload type repairing `apt`, if any (RFC 4588 §8.6).
std::optional<std::uint8_t> find_rtx(const MediaSection& m, std::uint8_t apt) {
    for (std::uint8_t pt :
         find_codec(m, "rtx", m.find_rtpmap(apt) ? m.find_rtpmap(apt)->clock_rate : 0)) {
        const Fmtp* f = m.find_fmtp(pt);
        if (f != nullptr && f->apt() == apt) return pt;
    }
    return std::nullopt;
}

/// The payload types to accept, in answer order: primaries each followed by their RTX.
std::vector<std::uint8_t> choose_codecs(const MediaSection& o, const Codecs& c) {
    std::vector<std::uint8_t> primaries;
    if (o.kind == MediaKind::Audio && c.opus) {
        const auto opus = find_codec(o, "opus", 48000, 2);
        if (!opus.empty()) {
            if (c.audio_red) {
                // RFC 2198 §5: the red fmtp lists the redundant encodings, "111/111".
                for (std::uint8_t red : find_codec(o, "red", 48000)) {
                    const Fmtp* f = o.find_fmtp(red);
                    const std::string want =
                        std::to_string(opus[0]) + '/' + std::to_string(opus[0]);
                    if (f != nullptr && !f->params.empty() && f->params[0].key.empty() &&
                        f->params[0].value == want) {
                        primaries.push_back(red);
                        break;
                    }
                }
            }
            primaries.push_back(opus[0]);
        }
    }
    if (o.kind == MediaKind::Video) {
        std::optional<std::uint8_t> vp8;
        std::optional<std::uint8_t> h264;
        if (c.vp8) {
            const auto v = find_codec(o, "VP8", 90000);
            if (!v.empty()) vp8 = v[0];
        }
        if (c.h264) {
            int best = 0;
            for (std::uint8_t pt : find_codec(o, "H264", 90000)) {
                const int s = h264_score(o, pt);
                if (s > best) {
                    best = s;
                    h264 = pt;
                }
            }
        }
        const std::optional<std::uint8_t> first = c.prefer_h264 ? h264 : vp8;
        const std::optional<std::uint8_t> second = c.prefer_h264 ? vp8 : h264;
        if (first) primaries.push_back(*first);
        if (second) primaries.push_back(*second);
        if (c.video_red_ulpfec && !primaries.empty()) {
            const auto red = find_codec(o, "red", 90000);
            const auto ulpfec = find_codec(o, "ulpfec", 90000);
            if (!red.empty() && !ulpfec.empty()) {
                primaries.push_back(red[0]);
                primaries.push_back(ulpfec[0]);
            }
        }
    }
    std::vector<std::uint8_t> out;
    for (std::uint8_t pt : primaries) {
        out.push_back(pt);
        if (!c.rtx) continue;
        const RtpMap* r = o.find_rtpmap(pt);
        if (r != nullptr && iequals(r->encoding, "ulpfec")) continue;  // FEC is not retransmitted
        if (auto rtx = find_rtx(o, pt)) out.push_back(*rtx);
    }
    return out;
}

bool supported_fb(const RtcpFb& fb, const Codecs& c) {
    const std::string name = fb.subtype.empty() ? fb.type : fb.type + ' ' + fb.subtype;
    return std::find(c.rtcp_fb.begin(), c.rtcp_fb.end(), name) != c.rtcp_fb.end();
}

/// Copies the codec attributes of the accepted payload types from the offer.
void copy_codecs(const MediaSection& o, const std::vector<std::uint8_t>& pts, const Codecs& c,
                 MediaSection& a) {
    a.payload_types = pts;
    for (std::uint8_t pt : pts) {
        if (const RtpMap* r = o.find_rtpmap(pt)) a.rtpmaps.push_back(*r);
    }
    for (const RtcpFb& fb : o.rtcp_fbs) {
        const bool applies =
            !fb.payload_type || std::find(pts.begin(), pts.end(), *fb.payload_type) != pts.end();
        if (applies && supported_fb(fb, c)) a.rtcp_fbs.push_back(fb);
    }
    for (std::uint8_t pt : pts) {
        if (const Fmtp* f = o.find_fmtp(pt)) a.fmtps.push_back(*f);
    }
    const auto& uris = o.kind == MediaKind::Audio ? c.audio_extensions : c.video_extensions;
    for (const ExtMap& e : o.extmaps) {
        if (std::find(uris.begin(), uris.end(), e.uri) == uris.end()) continue;
        ExtMap copy = e;
        if (copy.direction) copy.direction = reverse(*copy.direction);  // RFC 8285 §7
        copy.attributes.clear();
        a.extmaps.push_back(std::move(copy));
    }
}

/// RFC 8853 §5.3: accept the offered send simulcast as recv, keeping only rids declared with
/// `a=rid:<id> send`.
void answer_simulcast(const MediaSection& o, MediaSection& a) {
    if (!o.simulcast || o.simulcast->send.empty()) return;
    Simulcast sc;
    for (const auto& stream : o.simulcast->send) {
        std::vector<SimulcastRid> alts;
        for (const SimulcastRid& r : stream) {
            const bool declared = std::any_of(o.rids.begin(), o.rids.end(), [&](const Rid& x) {
                return x.id == r.rid && x.direction == Rid::Dir::Send;
            });
            const bool seen = std::any_of(a.rids.begin(), a.rids.end(),
                                          [&](const Rid& x) { return x.id == r.rid; });
            if (!declared || seen) continue;
            alts.push_back(r);
            a.rids.push_back(Rid{r.rid, Rid::Dir::Recv, {}});
        }
        if (!alts.empty()) sc.recv.push_back(std::move(alts));
    }
    if (!sc.recv.empty()) a.simulcast = std::move(sc);
}

MediaSection rejected(const MediaSection& o) {
    // RFC 3264 §6 / RFC 8829 §5.3.1: port 0, same media and protocol, at least one format.
    MediaSection a;
    a.kind = o.kind;
    a.kind_name = o.kind_name;
    a.port = 0;
    a.protocol = o.protocol;
    if (!o.payload_types.empty()) a.payload_types = {o.payload_types.front()};
    if (!o.formats.empty()) a.formats = {o.formats.front()};
    a.mid = o.mid;
    return a;
}

const SendTrack* track_for(const AnswerOptions& opts, const std::optional<std::string>& mid) {
    if (!mid) return nullptr;
    for (const SendTrack& t : opts.send_tracks) {
        if (t.mid == *mid) return &t;
    }
    return nullptr;
}

Direction answer_direction(Direction offered_dir, bool have_track) {
    switch (offered_dir) {
        case Direction::SendOnly:
            return Direction::RecvOnly;
        case Direction::RecvOnly:
            return have_track ? Direction::SendOnly : Direction::Inactive;
        case Direction::SendRecv:
            return have_track ? Direction::SendRecv : Direction::RecvOnly;
        case Direction::Inactive:
            break;
    }
    return Direction::Inactive;
}

bool is_data_channel(const MediaSection& o) {
    // RFC 8841 §4.1: m=application <port> UDP/DTLS/SCTP webrtc-datachannel (or TCP/DTLS/SCTP).
    return o.kind == MediaKind::Application &&
           (o.protocol == "UDP/DTLS/SCTP" || o.protocol == "TCP/DTLS/SCTP") &&
           std::find(o.formats.begin(), o.formats.end(), "webrtc-datachannel") != o.formats.end();
}

}  // namespace

SdpResult<SessionDescription> build_answer(const SessionDescription& offer,
                                           const AnswerOptions& opts) {
    if (auto st = detail::check_transport(opts.transport)) {
        return answer_error(st->code, st->message);
    }
    for (const SendTrack& t : opts.send_tracks) {
        if (auto st = detail::check_send_track(t)) return answer_error(st->code, st->message);
    }
    if (!detail::is_digits(opts.session_id) || !detail::is_digits(opts.session_version)) {
        return answer_error(Errc::InvalidParameters, "session id and version must be digits");
    }
    if (opts.setup != SetupRole::Active && opts.setup != SetupRole::Passive) {
        return answer_error(Errc::InvalidParameters, "answer setup must be active or passive");
    }
    if (offer.media.empty()) return answer_error(Errc::InvalidOffer, "offer has no media sections");

    SessionDescription ans = detail::new_session(opts.session_id, opts.session_version);
    const Group* bundle = offer.bundle_group();
    bool first_taken = false;  // without BUNDLE only one section can use our single transport
    std::vector<std::string> accepted;

    for (std::size_t i = 0; i < offer.media.size(); ++i) {
        const MediaSection& o = offer.media[i];
        const bool in_bundle =
            bundle != nullptr && o.mid &&
            std::find(bundle->mids.begin(), bundle->mids.end(), *o.mid) != bundle->mids.end();
        bool usable = o.port != 0 && (in_bundle || (bundle == nullptr && !first_taken));
        std::vector<std::uint8_t> pts;
        if (usable && (o.kind == MediaKind::Audio || o.kind == MediaKind::Video)) {
            // DTLS-SRTP profiles only (RFC 5764 §8): UDP/TLS/RTP/SAVPF and TCP/DTLS/RTP/SAVPF.
            usable = o.protocol.find("RTP/SAVP") != std::string::npos;
            if (usable) pts = choose_codecs(o, opts.codecs);
            usable = usable && !pts.empty();
        } else if (usable) {
            usable = is_data_channel(o) && opts.accept_data_channels;
        }
        if (!usable) {
            ans.media.push_back(rejected(o));
            continue;
        }
        // RFC 8829 §5.8 / §5.3.1: an answerable section carries mid, ICE credentials and a
        // fingerprint.
        const std::string where = section_name(o, i);
        if (!o.mid) return answer_error(Errc::InvalidOffer, where + ": no a=mid");
        if (offer.ice_ufrag_for(o) == nullptr || offer.ice_pwd_for(o) == nullptr) {
            return answer_error(Errc::InvalidOffer, where + ": no ICE ufrag/pwd");
        }
        if (offer.fingerprints_for(o).empty()) {
            return answer_error(Errc::InvalidOffer, where + ": no a=fingerprint");
        }
        SetupRole setup = SetupRole::Passive;  // RFC 4145 §4: an absent setup means active
        switch (offer.setup_for(o).value_or(SetupRole::Active)) {
            case SetupRole::ActPass:
                setup = opts.setup;
                break;
            case SetupRole::Active:
                setup = SetupRole::Passive;
                break;
            case SetupRole::Passive:
                setup = SetupRole::Active;
                break;
            case SetupRole::HoldConn:
                return answer_error(Errc::InvalidOffer, where + ": a=setup:holdconn");
        }

        MediaSection a;
        a.kind = o.kind;
        a.protocol = o.protocol;
        a.mid = o.mid;
        detail::add_transport(a, opts.transport, setup);
        if (o.kind == MediaKind::Application) {
            a.formats = {"webrtc-datachannel"};
            a.sctp_port = opts.sctp_port;
            a.max_message_size = opts.max_message_size;
        } else {
            copy_codecs(o, pts, opts.codecs, a);
            const SendTrack* track = track_for(opts, o.mid);
            a.direction = answer_direction(o.effective_direction(), track != nullptr);
            if (track != nullptr &&
                (a.direction == Direction::SendOnly || a.direction == Direction::SendRecv)) {
                // An RTX SSRC (and its FID group) only makes sense when RTX was negotiated here;
                // Chromium refuses the description otherwise.
                SendTrack t = *track;
                const bool has_rtx =
                    std::any_of(a.rtpmaps.begin(), a.rtpmaps.end(),
                                [](const RtpMap& r) { return iequals(r.encoding, "rtx"); });
                if (!has_rtx) t.rtx_ssrc.reset();
                detail::add_send_track(a, t);
            }
            a.rtcp_mux = true;  // RFC 8843 §9.1: required with BUNDLE (and by Chromium)
            a.rtcp_rsize = o.rtcp_rsize;
            const bool receiving =
                a.direction == Direction::RecvOnly || a.direction == Direction::SendRecv;
            if (opts.accept_simulcast && receiving) answer_simulcast(o, a);
        }
        first_taken = true;
        accepted.push_back(*o.mid);
        ans.media.push_back(std::move(a));
    }

    if (!accepted.empty()) {
        // RFC 8843 §7.3.1: list the accepted mids in the offer's group order; the first is the
        // answerer BUNDLE-tag, whose section carries the candidate (§7.2).
        std::vector<std::string> group;
        if (bundle != nullptr) {
            for (const std::string& mid : bundle->mids) {
                if (std::find(accepted.begin(), accepted.end(), mid) != accepted.end() &&
                    std::find(group.begin(), group.end(), mid) == group.end()) {
                    group.push_back(mid);
                }
            }
            ans.groups.push_back(Group{"BUNDLE", group});
        } else {
            group = accepted;
        }
        for (MediaSection& a : ans.media) {
            if (a.mid && *a.mid == group.front() && a.port != 0) {
                detail::add_candidate(a, opts.transport);
            }
        }
    }
    return ans;
}

}  // namespace cohost::wire::sdp
