// Pieces shared by build_answer and build_offer: parameter checks and the transport, candidate
// and msid/ssrc attributes every SFU section carries.
#include <algorithm>

#include "sdp_detail.hpp"

namespace cohost::wire::sdp::detail {

namespace {
Fail bad_param(std::string m) { return Fail{Errc::InvalidParameters, std::move(m)}; }
}  // namespace

bool is_digits(std::string_view s) noexcept {
    return !s.empty() && s.size() <= 64 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Status check_transport(const LocalTransport& t) {
    std::string scratch;
    if (parse_ice_ufrag(t.ice_ufrag, scratch)) {
        return bad_param("ice ufrag must be 4..256 ice-chars");
    }
    if (parse_ice_pwd(t.ice_pwd, scratch)) return bad_param("ice pwd must be 22..256 ice-chars");
    if (t.fingerprint.bytes.empty() || t.fingerprint.bytes.size() > 64 ||
        !is_token(t.fingerprint.algorithm)) {
        return bad_param("fingerprint needs a hash name and 1..64 bytes");
    }
    // Re-parse the formatted fingerprint so that a length mismatch (sha-256 with 20 bytes) is
    // caught.
    Fingerprint check;
    if (parse_fingerprint(t.fingerprint.algorithm + ' ' + fingerprint_hex(t.fingerprint), check)) {
        return bad_param("fingerprint length does not match its hash function");
    }
    if (!is_word(t.candidate_address) || t.candidate_port == 0 ||
        !is_token(t.candidate_transport)) {
        return bad_param("candidate needs an address, a non-zero port and a transport");
    }
    return std::nullopt;
}

Status check_send_track(const SendTrack& t) {
    if (!is_token(t.mid)) return bad_param("send track mid must be a token");
    if (!is_word(t.stream_id) || !is_word(t.track_id)) {
        return bad_param("send track stream and track ids must be non-empty words");
    }
    if (!is_token(t.cname)) return bad_param("send track cname must be a token");
    return std::nullopt;
}

void add_transport(MediaSection& m, const LocalTransport& t, SetupRole setup) {
    // JSEP (RFC 8829 §5.3.1) puts a dummy c= line in every section; the candidates carry the
    // real address.
    m.lines.push_back(RawLine{'c', "IN IP4 0.0.0.0"});
    m.ice_ufrag = t.ice_ufrag;
    m.ice_pwd = t.ice_pwd;
    Fingerprint fp = t.fingerprint;
    for (char& c : fp.algorithm) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    m.fingerprints = {std::move(fp)};
    m.setup = setup;
}

void add_candidate(MediaSection& m, const LocalTransport& t) {
    Candidate c;
    c.foundation = "1";
    c.component = 1;
    c.transport = t.candidate_transport;
    // RFC 8445 §5.1.2.1: priority = 2^24 * type pref (126 host) + 2^8 * local pref (65535)
    // + (256 - component).
    c.priority = (126U << 24) + (65535U << 8) + (256U - 1U);
    c.address = t.candidate_address;
    c.port = t.candidate_port;
    c.type = "host";
    m.candidates.push_back(std::move(c));
    m.end_of_candidates = true;
}

void add_send_track(MediaSection& m, const SendTrack& t) {
    m.msids.push_back(Msid{t.stream_id, t.track_id});
    if (!t.ssrc) return;
    const std::string msid = t.stream_id + ' ' + t.track_id;
    // RFC 5576 §4.2 / RFC 4588 §8.1: FID groups the primary and its retransmission SSRC.
    if (t.rtx_ssrc) m.ssrc_groups.push_back(SsrcGroup{"FID", {*t.ssrc, *t.rtx_ssrc}});
    std::vector<std::uint32_t> ssrcs{*t.ssrc};
    if (t.rtx_ssrc) ssrcs.push_back(*t.rtx_ssrc);
    for (std::uint32_t ssrc : ssrcs) {
        m.ssrcs.push_back(SsrcAttr{ssrc, "cname", t.cname});
        m.ssrcs.push_back(SsrcAttr{ssrc, "msid", msid});
    }
}

SessionDescription new_session(const std::string& id, const std::string& version) {
    SessionDescription sd;
    sd.origin = Origin{"-", id, version, "IN", "IP4", "127.0.0.1"};
    sd.session_name = "-";
    sd.timing = "0 0";
    sd.ice_lite = true;  // RFC 8445 §2.5: the SFU has a public address and never gathers
    sd.msid_semantic = MsidSemantic{"WMS", {}};
    return sd;
}

}  // namespace cohost::wire::sdp::detail
