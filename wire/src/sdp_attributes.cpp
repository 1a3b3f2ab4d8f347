// Value parsers for the SDP lines and attributes the model knows. Each is a pure function of one
// line's text; the line loop (sdp_parse.cpp) adds line numbers and duplicate checks.
#include <algorithm>

#include "sdp_detail.hpp"

namespace cohost::wire::sdp::detail {

namespace {

Fail bad(std::string message, Errc code = Errc::BadAttribute) {
    return Fail{code, std::move(message)};
}

bool is_alnum(char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// RFC 8839 §5.1: ice-char = ALPHA / DIGIT / "+" / "/".
bool is_ice_chars(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return is_alnum(c) || c == '+' || c == '/'; });
}

// RFC 8851 §10: rid-id = 1*(alpha-numeric / "-" / "_").
bool is_rid_id(std::string_view s) noexcept {
    return !s.empty() && std::all_of(s.begin(), s.end(),
                                     [](char c) { return is_alnum(c) || c == '-' || c == '_'; });
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// RFC 8853 §5.1: sc-str-list = sc-alt-list *(";" sc-alt-list); sc-alt-list = sc-id *("," sc-id);
// sc-id = [sc-id-paused] rid-id with sc-id-paused = "~".
Status parse_sc_list(std::string_view s, std::vector<std::vector<SimulcastRid>>& out) {
    // Drafts before RFC 8853 wrote "rid=q;h;f"; accept and drop the prefix.
    if (s.substr(0, 4) == "rid=") s.remove_prefix(4);
    std::size_t start = 0;
    while (start <= s.size()) {
        const std::size_t semi = std::min(s.find(';', start), s.size());
        const std::string_view stream = s.substr(start, semi - start);
        std::vector<SimulcastRid> alts;
        std::size_t a = 0;
        while (a <= stream.size()) {
            const std::size_t comma = std::min(stream.find(',', a), stream.size());
            std::string_view id = stream.substr(a, comma - a);
            SimulcastRid r;
            if (!id.empty() && id.front() == '~') {
                r.paused = true;
                id.remove_prefix(1);
            }
            if (!is_rid_id(id)) return bad("a=simulcast: bad rid '" + std::string(id) + "'");
            r.rid = std::string(id);
            alts.push_back(std::move(r));
            a = comma + 1;
        }
        out.push_back(std::move(alts));
        start = semi + 1;
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::string_view> split_ws(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_blank(s[i])) ++i;
        const std::size_t start = i;
        while (i < s.size() && !is_blank(s[i])) ++i;
        if (i > start) out.push_back(s.substr(start, i - start));
    }
    return out;
}

void first_token(std::string_view s, std::string_view& token, std::string_view& rest) noexcept {
    s = trim(s);
    std::size_t i = 0;
    while (i < s.size() && !is_blank(s[i])) ++i;
    token = s.substr(0, i);
    rest = trim(s.substr(i));
}

bool is_token(std::string_view s) noexcept {
    // RFC 8866 §9: token-char = %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E
    if (s.empty()) return false;
    return std::all_of(s.begin(), s.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2A || c == 0x2B || c == 0x2D ||
               c == 0x2E || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) ||
               (c >= 0x5E && c <= 0x7E);
    });
}

bool is_word(std::string_view s) noexcept {
    if (s.empty()) return false;
    return std::all_of(s.begin(), s.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return c > 0x20 && c != 0x7F;
    });
}

bool parse_pt(std::string_view s, std::uint8_t& out) noexcept {
    std::uint8_t v = 0;
    if (!parse_uint(s, v) || v > 127) return false;
    out = v;
    return true;
}

std::optional<Direction> direction_from(std::string_view s) noexcept {
    if (s == "sendrecv") return Direction::SendRecv;
    if (s == "sendonly") return Direction::SendOnly;
    if (s == "recvonly") return Direction::RecvOnly;
    if (s == "inactive") return Direction::Inactive;
    return std::nullopt;
}

std::optional<SetupRole> setup_from(std::string_view s) noexcept {
    if (iequals(s, "actpass")) return SetupRole::ActPass;
    if (iequals(s, "active")) return SetupRole::Active;
    if (iequals(s, "passive")) return SetupRole::Passive;
    if (iequals(s, "holdconn")) return SetupRole::HoldConn;
    return std::nullopt;
}

std::vector<Param> split_params(std::string_view s) {
    std::vector<Param> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        const std::size_t semi = std::min(s.find(';', start), s.size());
        const std::string_view item = trim(s.substr(start, semi - start));
        start = semi + 1;
        if (item.empty()) continue;
        const std::size_t eq = item.find('=');
        Param p;
        if (eq == std::string_view::npos || eq == 0) {
            // A bare value (red's "111/111"). "=x" has no key either: kept whole so that it
            // serializes back to the same text.
            p.value = std::string(item);
        } else {
            p.key = std::string(trim(item.substr(0, eq)));
            p.value = std::string(trim(item.substr(eq + 1)));
        }
        out.push_back(std::move(p));
    }
    return out;
}

std::string join_params(const std::vector<Param>& params) {
    std::string out;
    for (const Param& p : params) {
        if (!out.empty()) out.push_back(';');
        if (!p.key.empty()) {
            out += p.key;
            out.push_back('=');
        }
        out += p.value;
    }
    return out;
}

Status parse_origin(std::string_view value, Origin& out) {
    // RFC 8866 §5.2: o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
    const auto t = split_ws(value);
    if (t.size() != 6) return bad("o=: expected 6 fields", Errc::BadOrigin);
    const auto digits = [](std::string_view s) {
        return !s.empty() && s.size() <= 64 &&
               std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (!digits(t[1]) || !digits(t[2])) {
        return bad("o=: session id and version must be numbers", Errc::BadOrigin);
    }
    out = Origin{std::string(t[0]), std::string(t[1]), std::string(t[2]),
                 std::string(t[3]), std::string(t[4]), std::string(t[5])};
    return std::nullopt;
}

Status parse_media_line(std::string_view value, MediaSection& out) {
    // RFC 8866 §5.14: m=<media> <port>[/<number of ports>] <proto> <fmt> ...
    const auto t = split_ws(value);
    if (t.size() < 4) {
        return bad("m=: expected media, port, protocol and formats", Errc::BadMediaLine);
    }
    if (t[0] == "audio") {
        out.kind = MediaKind::Audio;
    } else if (t[0] == "video") {
        out.kind = MediaKind::Video;
    } else if (t[0] == "application") {
        out.kind = MediaKind::Application;
    } else {
        if (!is_token(t[0])) return bad("m=: bad media type", Errc::BadMediaLine);
        out.kind = MediaKind::Other;
        out.kind_name = std::string(t[0]);
    }
    std::string_view port = t[1];
    const std::size_t slash = port.find('/');
    if (slash != std::string_view::npos) {
        std::uint16_t n = 0;
        if (!parse_uint(port.substr(slash + 1), n)) {
            return bad("m=: bad port count", Errc::BadMediaLine);
        }
        out.port_count = n;
        port = port.substr(0, slash);
    }
    if (!parse_uint(port, out.port)) return bad("m=: port is not 0..65535", Errc::BadMediaLine);
    // proto = token *("/" token)
    std::size_t start = 0;
    while (start <= t[2].size()) {
        const std::size_t slash2 = std::min(t[2].find('/', start), t[2].size());
        if (!is_token(t[2].substr(start, slash2 - start))) {
            return bad("m=: bad protocol", Errc::BadMediaLine);
        }
        start = slash2 + 1;
    }
    out.protocol = std::string(t[2]);
    if (out.is_rtp()) {
        bool seen[128] = {};
        for (std::size_t i = 3; i < t.size(); ++i) {
            std::uint8_t pt = 0;
            if (!parse_pt(t[i], pt)) {
                return bad("m=: payload type '" + std::string(t[i]) + "' is not 0..127",
                           Errc::BadMediaLine);
            }
            if (seen[pt]) return bad("m=: payload type listed twice", Errc::BadMediaLine);
            seen[pt] = true;
            out.payload_types.push_back(pt);
        }
    } else {
        for (std::size_t i = 3; i < t.size(); ++i) {
            if (!is_token(t[i])) return bad("m=: bad format", Errc::BadMediaLine);
            out.formats.emplace_back(t[i]);
        }
    }
    return std::nullopt;
}

Status parse_rtpmap(std::string_view value, RtpMap& out) {
    // RFC 8866 §6.6: a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
    std::string_view pt;
    std::string_view rest;
    first_token(value, pt, rest);
    if (!parse_pt(pt, out.payload_type)) return bad("a=rtpmap: payload type is not 0..127");
    if (rest.empty() || split_ws(rest).size() != 1) {
        return bad("a=rtpmap: expected <encoding>/<clock rate>");
    }
    const std::size_t s1 = rest.find('/');
    if (s1 == std::string_view::npos || s1 == 0) return bad("a=rtpmap: missing clock rate");
    const std::string_view enc = rest.substr(0, s1);
    if (!is_token(enc)) return bad("a=rtpmap: bad encoding name");
    out.encoding = std::string(enc);
    std::string_view tail = rest.substr(s1 + 1);
    const std::size_t s2 = tail.find('/');
    if (s2 != std::string_view::npos) {
        std::uint16_t ch = 0;
        if (!parse_uint(tail.substr(s2 + 1), ch)) return bad("a=rtpmap: channels is not a number");
        out.channels = ch;
        tail = tail.substr(0, s2);
    }
    if (!parse_uint(tail, out.clock_rate) || out.clock_rate == 0) {
        return bad("a=rtpmap: clock rate is not a positive number");
    }
    return std::nullopt;
}

Status parse_fmtp(std::string_view value, Fmtp& out) {
    std::string_view pt;
    std::string_view rest;
    first_token(value, pt, rest);
    if (!parse_pt(pt, out.payload_type)) return bad("a=fmtp: payload type is not 0..127");
    out.params = split_params(rest);
    return std::nullopt;
}

Status parse_rtcp_fb(std::string_view value, RtcpFb& out) {
    // RFC 4585 §4.2: a=rtcp-fb:<pt|*> <val> [<param>]
    std::string_view pt;
    std::string_view rest;
    first_token(value, pt, rest);
    if (pt == "*") {
        out.payload_type.reset();
    } else {
        std::uint8_t p = 0;
        if (!parse_pt(pt, p)) return bad("a=rtcp-fb: payload type is not 0..127 or *");
        out.payload_type = p;
    }
    std::string_view type;
    std::string_view sub;
    first_token(rest, type, sub);
    if (!is_token(type)) return bad("a=rtcp-fb: missing feedback type");
    out.type = std::string(type);
    out.subtype = std::string(sub);
    return std::nullopt;
}

Status parse_extmap(std::string_view value, ExtMap& out) {
    // RFC 8285 §8: a=extmap:<value>["/"<direction>] <URI> <extensionattributes>
    std::string_view id;
    std::string_view rest;
    first_token(value, id, rest);
    const std::size_t slash = id.find('/');
    if (slash != std::string_view::npos) {
        out.direction = direction_from(id.substr(slash + 1));
        if (!out.direction) return bad("a=extmap: bad direction");
        id = id.substr(0, slash);
    }
    // RFC 8285 §5/§7: 1-14 one-byte, 1-255 two-byte, 4096-4351 in offers for renumbering.
    if (!parse_uint(id, out.id) || out.id == 0 || (out.id > 255 && out.id < 4096) ||
        out.id > 4351) {
        return bad("a=extmap: id out of range");
    }
    std::string_view uri;
    std::string_view attrs;
    first_token(rest, uri, attrs);
    if (!is_word(uri)) return bad("a=extmap: missing URI");
    out.uri = std::string(uri);
    out.attributes = std::string(attrs);
    return std::nullopt;
}

Status parse_fingerprint(std::string_view value, Fingerprint& out) {
    // RFC 8122 §5: fingerprint-attribute = "fingerprint" ":" hash-func SP fingerprint, where
    // fingerprint = 2UHEX *(":" 2UHEX). Lower-case hex is accepted too (RFC 4572 errata).
    const auto t = split_ws(value);
    if (t.size() != 2) return bad("a=fingerprint: expected <hash> <hex>", Errc::BadFingerprint);
    if (!is_token(t[0])) return bad("a=fingerprint: bad hash function", Errc::BadFingerprint);
    out.algorithm = to_lower(t[0]);
    const std::string_view hex = t[1];
    if ((hex.size() + 1) % 3 != 0) {
        return bad("a=fingerprint: bad hex length", Errc::BadFingerprint);
    }
    out.bytes.clear();
    for (std::size_t i = 0; i < hex.size(); i += 3) {
        const int hi = hex_value(hex[i]);
        const int lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0 || (i + 2 < hex.size() && hex[i + 2] != ':')) {
            return bad("a=fingerprint: not colon-separated hex pairs", Errc::BadFingerprint);
        }
        out.bytes.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    std::size_t want = 0;
    if (out.algorithm == "sha-1") want = 20;
    if (out.algorithm == "sha-224") want = 28;
    if (out.algorithm == "sha-256") want = 32;
    if (out.algorithm == "sha-384") want = 48;
    if (out.algorithm == "sha-512") want = 64;
    if (out.algorithm == "md5" || out.algorithm == "md2") want = 16;
    if (want != 0 && out.bytes.size() != want) {
        return bad("a=fingerprint: " + out.algorithm + " needs " + std::to_string(want) + " bytes",
                   Errc::BadFingerprint);
    }
    if (out.bytes.size() > 64) {
        return bad("a=fingerprint: longer than 64 bytes", Errc::BadFingerprint);
    }
    return std::nullopt;
}

Status parse_ice_ufrag(std::string_view value, std::string& out) {
    // RFC 8839 §5.4: ice-ufrag = 4*256ice-char.
    value = trim(value);
    if (value.size() < 4 || value.size() > 256 || !is_ice_chars(value)) {
        return bad("a=ice-ufrag: must be 4..256 ice-chars", Errc::BadIceCredentials);
    }
    out = std::string(value);
    return std::nullopt;
}

Status parse_ice_pwd(std::string_view value, std::string& out) {
    // RFC 8839 §5.4: ice-pwd = 22*256ice-char.
    value = trim(value);
    if (value.size() < 22 || value.size() > 256 || !is_ice_chars(value)) {
        return bad("a=ice-pwd: must be 22..256 ice-chars", Errc::BadIceCredentials);
    }
    out = std::string(value);
    return std::nullopt;
}

Status parse_candidate(std::string_view value, Candidate& out) {
    // RFC 8839 §5.1: foundation component transport priority address port "typ" type
    //                [raddr addr] [rport port] *(extension-name extension-value)
    const auto t = split_ws(value);
    if (t.size() < 8 || t[6] != "typ") {
        return bad("a=candidate: expected 8 fields ending in typ <type>");
    }
    if (t[0].size() > 32 || !is_ice_chars(t[0])) return bad("a=candidate: bad foundation");
    out.foundation = std::string(t[0]);
    if (!parse_uint(t[1], out.component) || out.component == 0 || out.component > 256) {
        return bad("a=candidate: component is not 1..256");
    }
    if (!is_token(t[2])) return bad("a=candidate: bad transport");
    out.transport = std::string(t[2]);
    if (!parse_uint(t[3], out.priority)) return bad("a=candidate: priority is not a 32-bit number");
    out.address = std::string(t[4]);
    if (!parse_uint(t[5], out.port)) return bad("a=candidate: port is not 0..65535");
    if (!is_token(t[7])) return bad("a=candidate: bad type");
    out.type = std::string(t[7]);
    if ((t.size() - 8) % 2 != 0) return bad("a=candidate: extension without a value");
    for (std::size_t i = 8; i + 1 < t.size(); i += 2) {
        if (t[i] == "raddr") {
            if (out.rel_addr) return bad("a=candidate: raddr twice");
            out.rel_addr = std::string(t[i + 1]);
        } else if (t[i] == "rport") {
            std::uint16_t p = 0;
            if (out.rel_port || !parse_uint(t[i + 1], p)) return bad("a=candidate: bad rport");
            out.rel_port = p;
        } else {
            out.extensions.emplace_back(std::string(t[i]), std::string(t[i + 1]));
        }
    }
    return std::nullopt;
}

Status parse_msid(std::string_view value, Msid& out) {
    // RFC 8830 §2: a=msid:<msid-id> [<msid-appdata>]
    const auto t = split_ws(value);
    if (t.empty() || t.size() > 2) return bad("a=msid: expected <stream id> [<track id>]");
    out.stream_id = std::string(t[0]);
    out.track_id = t.size() == 2 ? std::string(t[1]) : std::string();
    return std::nullopt;
}

Status parse_ssrc(std::string_view value, SsrcAttr& out) {
    // RFC 5576 §4.1: a=ssrc:<ssrc-id> <attribute>[:<value>]
    std::string_view id;
    std::string_view rest;
    first_token(value, id, rest);
    if (!parse_uint(id, out.ssrc)) return bad("a=ssrc: ssrc is not a 32-bit number");
    const std::size_t colon = rest.find(':');
    const std::string_view name = rest.substr(0, colon);
    if (!is_token(name)) return bad("a=ssrc: missing attribute name");
    out.attribute = std::string(name);
    if (colon == std::string_view::npos) {
        out.value.reset();
    } else {
        out.value = std::string(trim(rest.substr(colon + 1)));
    }
    return std::nullopt;
}

Status parse_ssrc_group(std::string_view value, SsrcGroup& out) {
    // RFC 5576 §4.2: a=ssrc-group:<semantics> <ssrc-id> ...
    const auto t = split_ws(value);
    if (t.size() < 2 || !is_token(t[0])) return bad("a=ssrc-group: expected <semantics> <ssrc>...");
    out.semantics = std::string(t[0]);
    for (std::size_t i = 1; i < t.size(); ++i) {
        std::uint32_t s = 0;
        if (!parse_uint(t[i], s)) return bad("a=ssrc-group: ssrc is not a 32-bit number");
        out.ssrcs.push_back(s);
    }
    return std::nullopt;
}

Status parse_rid(std::string_view value, Rid& out) {
    // RFC 8851 §10: a=rid:<rid-id> SP rid-dir [SP rid-pt-param-list / rid-param-list]
    std::string_view id;
    std::string_view rest;
    first_token(value, id, rest);
    if (!is_rid_id(id)) return bad("a=rid: bad rid id");
    out.id = std::string(id);
    std::string_view dir;
    std::string_view params;
    first_token(rest, dir, params);
    if (dir == "send") {
        out.direction = Rid::Dir::Send;
    } else if (dir == "recv") {
        out.direction = Rid::Dir::Recv;
    } else {
        return bad("a=rid: direction must be send or recv");
    }
    if (split_ws(params).size() > 1) return bad("a=rid: restrictions contain blanks");
    out.restrictions = split_params(params);
    return std::nullopt;
}

Status parse_simulcast(std::string_view value, Simulcast& out) {
    // RFC 8853 §5.1: a=simulcast:<sc-value> with sc-value = (sc-send [SP sc-recv]) /
    // (sc-recv [SP sc-send]), sc-send = %s"send" SP sc-str-list.
    const auto t = split_ws(value);
    if (t.size() != 2 && t.size() != 4) return bad("a=simulcast: expected send/recv <list>");
    bool have_send = false;
    bool have_recv = false;
    for (std::size_t i = 0; i < t.size(); i += 2) {
        if (t[i] == "send" && !have_send) {
            have_send = true;
            if (auto st = parse_sc_list(t[i + 1], out.send)) return st;
        } else if (t[i] == "recv" && !have_recv) {
            have_recv = true;
            if (auto st = parse_sc_list(t[i + 1], out.recv)) return st;
        } else {
            return bad("a=simulcast: expected one send and/or one recv list");
        }
    }
    return std::nullopt;
}

Status parse_group(std::string_view value, Group& out) {
    // RFC 5888 §5: a=group:<semantics> *(SP identification-tag)
    const auto t = split_ws(value);
    if (t.empty() || !is_token(t[0])) return bad("a=group: missing semantics");
    out.semantics = std::string(t[0]);
    for (std::size_t i = 1; i < t.size(); ++i) {
        if (!is_token(t[i])) return bad("a=group: bad mid");
        out.mids.emplace_back(t[i]);
    }
    return std::nullopt;
}

Status parse_msid_semantic(std::string_view value, MsidSemantic& out) {
    const auto t = split_ws(value);
    if (t.empty()) return bad("a=msid-semantic: missing semantic");
    out.semantic = std::string(t[0]);
    for (std::size_t i = 1; i < t.size(); ++i) out.ids.emplace_back(t[i]);
    return std::nullopt;
}

}  // namespace cohost::wire::sdp::detail
