// Model → SDP text. Each list of the model is written as one block in its stored order, so a
// parse of the output gives back the same model (see the round-trip contract in sdp.hpp).
#include "sdp_detail.hpp"

namespace cohost::wire::sdp {

namespace detail {

std::string candidate_value(const Candidate& c) {
    std::string out = c.foundation + ' ' + std::to_string(c.component) + ' ' + c.transport + ' ' +
                      std::to_string(c.priority) + ' ' + c.address + ' ' + std::to_string(c.port) +
                      " typ " + c.type;
    if (c.rel_addr) out += " raddr " + *c.rel_addr;
    if (c.rel_port) out += " rport " + std::to_string(*c.rel_port);
    for (const auto& [name, value] : c.extensions) out += ' ' + name + ' ' + value;
    return out;
}

namespace {
std::string sc_list(const std::vector<std::vector<SimulcastRid>>& list) {
    std::string out;
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (i != 0) out.push_back(';');
        for (std::size_t k = 0; k < list[i].size(); ++k) {
            if (k != 0) out.push_back(',');
            if (list[i][k].paused) out.push_back('~');
            out += list[i][k].rid;
        }
    }
    return out;
}
}  // namespace

std::string simulcast_value(const Simulcast& s) {
    std::string out;
    if (!s.send.empty()) out += "send " + sc_list(s.send);
    if (!s.recv.empty()) {
        if (!out.empty()) out.push_back(' ');
        out += "recv " + sc_list(s.recv);
    }
    return out;
}

}  // namespace detail

namespace {

class Writer {
public:
    void line(char type, std::string_view value) {
        out_.push_back(type);
        out_.push_back('=');
        out_ += value;
        out_ += "\r\n";
    }
    void attr(std::string_view name) { line('a', name); }
    void attr(std::string_view name, std::string_view value) {
        out_ += "a=";
        out_ += name;
        out_.push_back(':');
        out_ += value;
        out_ += "\r\n";
    }
    std::string take() { return std::move(out_); }

    void common(const std::vector<std::string>& ice_options,
                const std::optional<std::string>& ufrag, const std::optional<std::string>& pwd,
                const std::vector<Fingerprint>& fps, const std::optional<SetupRole>& setup) {
        if (ufrag) attr("ice-ufrag", *ufrag);
        if (pwd) attr("ice-pwd", *pwd);
        if (!ice_options.empty()) attr("ice-options", join(ice_options));
        for (const Fingerprint& fp : fps) {
            attr("fingerprint", fp.algorithm + ' ' + fingerprint_hex(fp));
        }
        if (setup) attr("setup", to_string(*setup));
    }

    void extmaps(const std::vector<ExtMap>& list) {
        for (const ExtMap& e : list) {
            std::string v = std::to_string(e.id);
            if (e.direction) {
                v.push_back('/');
                v += to_string(*e.direction);
            }
            v += ' ' + e.uri;
            if (!e.attributes.empty()) v += ' ' + e.attributes;
            attr("extmap", v);
        }
    }

    void others(const std::vector<Attribute>& list) {
        for (const Attribute& a : list) {
            if (a.value) {
                attr(a.name, *a.value);
            } else {
                attr(a.name);
            }
        }
    }

    static std::string join(const std::vector<std::string>& words) {
        std::string out;
        for (const std::string& w : words) {
            if (!out.empty()) out.push_back(' ');
            out += w;
        }
        return out;
    }

    void media(const MediaSection& m);

private:
    std::string out_;
};

void Writer::media(const MediaSection& m) {
    std::string mline(m.kind == MediaKind::Other ? std::string_view(m.kind_name)
                                                 : to_string(m.kind));
    mline += ' ' + std::to_string(m.port);
    if (m.port_count) mline += '/' + std::to_string(*m.port_count);
    mline += ' ' + m.protocol;
    for (std::uint8_t pt : m.payload_types) mline += ' ' + std::to_string(pt);
    for (const std::string& f : m.formats) mline += ' ' + f;
    line('m', mline);
    for (const RawLine& l : m.lines) line(l.type, l.value);
    for (const Candidate& c : m.candidates) attr("candidate", detail::candidate_value(c));
    if (m.end_of_candidates) attr("end-of-candidates");
    common(m.ice_options, m.ice_ufrag, m.ice_pwd, m.fingerprints, m.setup);
    if (m.mid) attr("mid", *m.mid);
    extmaps(m.extmaps);
    if (m.extmap_allow_mixed) attr("extmap-allow-mixed");
    if (m.direction) attr(to_string(*m.direction));
    for (const Msid& ms : m.msids) {
        attr("msid", ms.track_id.empty() ? ms.stream_id : ms.stream_id + ' ' + ms.track_id);
    }
    if (m.rtcp_mux) attr("rtcp-mux");
    if (m.rtcp_rsize) attr("rtcp-rsize");
    for (const RtpMap& r : m.rtpmaps) {
        std::string v =
            std::to_string(r.payload_type) + ' ' + r.encoding + '/' + std::to_string(r.clock_rate);
        if (r.channels) v += '/' + std::to_string(*r.channels);
        attr("rtpmap", v);
    }
    for (const RtcpFb& fb : m.rtcp_fbs) {
        std::string v = fb.payload_type ? std::to_string(*fb.payload_type) : std::string("*");
        v += ' ' + fb.type;
        if (!fb.subtype.empty()) v += ' ' + fb.subtype;
        attr("rtcp-fb", v);
    }
    for (const Fmtp& f : m.fmtps) {
        std::string v = std::to_string(f.payload_type);
        const std::string params = detail::join_params(f.params);
        if (!params.empty()) v += ' ' + params;
        attr("fmtp", v);
    }
    for (const SsrcGroup& g : m.ssrc_groups) {
        std::string v = g.semantics;
        for (std::uint32_t s : g.ssrcs) v += ' ' + std::to_string(s);
        attr("ssrc-group", v);
    }
    for (const SsrcAttr& s : m.ssrcs) {
        std::string v = std::to_string(s.ssrc) + ' ' + s.attribute;
        if (s.value) v += ':' + *s.value;
        attr("ssrc", v);
    }
    for (const Rid& r : m.rids) {
        std::string v = r.id + (r.direction == Rid::Dir::Send ? " send" : " recv");
        const std::string params = detail::join_params(r.restrictions);
        if (!params.empty()) v += ' ' + params;
        attr("rid", v);
    }
    if (m.simulcast) attr("simulcast", detail::simulcast_value(*m.simulcast));
    if (m.sctp_port) attr("sctp-port", std::to_string(*m.sctp_port));
    if (m.max_message_size) attr("max-message-size", std::to_string(*m.max_message_size));
    others(m.other);
}

bool after_timing(const RawLine& l) {
    return l.type == 't' || l.type == 'r' || l.type == 'z' || l.type == 'k';
}

}  // namespace

std::string serialize(const SessionDescription& sd) {
    Writer w;
    w.line('v', "0");
    const Origin& o = sd.origin;
    w.line('o', o.username + ' ' + o.session_id + ' ' + o.session_version + ' ' + o.net_type + ' ' +
                    o.addr_type + ' ' + o.address);
    w.line('s', sd.session_name);
    // RFC 8866 §5: i u e p c b come before t=, r z k after it.
    for (const RawLine& l : sd.lines) {
        if (!after_timing(l)) w.line(l.type, l.value);
    }
    w.line('t', sd.timing);
    for (const RawLine& l : sd.lines) {
        if (after_timing(l)) w.line(l.type, l.value);
    }
    if (sd.ice_lite) w.attr("ice-lite");
    for (const Group& g : sd.groups) {
        std::string v = g.semantics;
        for (const std::string& mid : g.mids) v += ' ' + mid;
        w.attr("group", v);
    }
    if (sd.extmap_allow_mixed) w.attr("extmap-allow-mixed");
    if (sd.msid_semantic) {
        std::string v = sd.msid_semantic->semantic;
        for (const std::string& id : sd.msid_semantic->ids) v += ' ' + id;
        w.attr("msid-semantic", v);
    }
    w.common(sd.ice_options, sd.ice_ufrag, sd.ice_pwd, sd.fingerprints, sd.setup);
    w.extmaps(sd.extmaps);
    w.others(sd.other);
    for (const MediaSection& m : sd.media) w.media(m);
    return w.take();
}

}  // namespace cohost::wire::sdp
