// The SDP line loop: limits, encoding, line grammar, dispatch of attributes to the model, and the
// checks that need the whole description (duplicate mids, BUNDLE mids).
#include <algorithm>
#include <bitset>
#include <unordered_set>

#include "sdp_detail.hpp"

namespace cohost::wire::sdp {

namespace {

using detail::Fail;
using detail::Status;

Error make_error(Errc code, std::size_t line, std::string_view what) {
    std::string msg =
        line == 0 ? std::string(what) : "line " + std::to_string(line) + ": " + std::string(what);
    return Error{make_error_code(code), line, std::move(msg)};
}

/// Offset of the first byte that is not valid UTF-8 or is a control character other than TAB,
/// CR and LF; npos if the text is clean. RFC 8866 §5: SDP is UTF-8 text (RFC 3629 §4 ranges).
std::size_t find_bad_byte(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7F) return i;
            ++i;
            continue;
        }
        std::size_t n = 0;
        unsigned char lo = 0x80;
        unsigned char hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0) lo = 0xA0;  // no overlong forms
            if (c == 0xED) hi = 0x9F;  // no surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
        } else {
            return i;
        }
        for (std::size_t k = 1; k <= n; ++k) {
            if (i + k >= s.size()) return i;
            const auto cc = static_cast<unsigned char>(s[i + k]);
            const unsigned char l = k == 1 ? lo : 0x80;
            const unsigned char h = k == 1 ? hi : 0xBF;
            if (cc < l || cc > h) return i;
        }
        i += n + 1;
    }
    return std::string_view::npos;
}

/// Builds the model line by line; one instance per parse() call.
class Parser {
public:
    explicit Parser(const ParseLimits& limits) : limits_(limits) {}

    SdpResult<SessionDescription> run(std::string_view text);

private:
    std::optional<Error> line(char type, std::string_view value);
    std::optional<Error> attribute(std::string_view name, std::optional<std::string_view> value);
    std::optional<Error> session_attribute(std::string_view name,
                                           std::optional<std::string_view> value);
    std::optional<Error> media_attribute(std::string_view name,
                                         std::optional<std::string_view> value);
    std::optional<Error> finish();

    Error err(Errc code, std::string_view what) const { return make_error(code, line_no_, what); }
    Error err(const Fail& f) const { return make_error(f.code, line_no_, f.message); }
    Error dup(std::string_view name) const {
        return err(Errc::DuplicateAttribute, "a=" + std::string(name) + " given twice");
    }

    const ParseLimits& limits_;
    SessionDescription sd_;
    MediaSection* media_ = nullptr;
    std::size_t line_no_ = 0;
    std::size_t attributes_ = 0;
    bool seen_version_ = false;
    bool seen_origin_ = false;
    bool seen_name_ = false;
    bool seen_timing_ = false;
    // Per-section duplicate detectors, reset at each m=.
    std::bitset<128> rtpmap_pts_;
    std::bitset<128> fmtp_pts_;
    std::unordered_set<std::uint16_t> extmap_ids_;
    std::unordered_set<std::string> rid_ids_;
    std::unordered_set<std::string> mids_;
    std::vector<std::pair<std::size_t, std::size_t>> bundle_lines_;  // (group index, line)
};

SdpResult<SessionDescription> Parser::run(std::string_view text) {
    if (text.size() > limits_.max_size) {
        return make_error(Errc::TooLarge, 0,
                          "description is " + std::to_string(text.size()) + " bytes, limit " +
                              std::to_string(limits_.max_size));
    }
    if (const std::size_t bad = find_bad_byte(text); bad != std::string_view::npos) {
        const auto line =
            static_cast<std::size_t>(
                std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n')) +
            1;
        return make_error(Errc::BadEncoding, line, "invalid UTF-8 or control character");
    }
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t nl = std::min(text.find('\n', pos), text.size());
        std::string_view l = text.substr(pos, nl - pos);
        pos = nl + 1;
        ++line_no_;
        if (line_no_ > limits_.max_lines) return err(Errc::TooManyLines, "too many lines");
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        if (l.size() > limits_.max_line_length) return err(Errc::LineTooLong, "line too long");
        if (l.find('\r') != std::string_view::npos) {
            return err(Errc::BadEncoding, "CR inside a line");
        }
        while (!l.empty() && detail::is_blank(l.back())) l.remove_suffix(1);
        if (l.empty()) continue;  // tolerated (RFC 8866 forbids them, some stacks emit them)
        if (l.size() < 2 || l[1] != '=' || l[0] < 'a' || l[0] > 'z') {
            return err(Errc::MalformedLine, "expected <letter>=<value>");
        }
        if (auto e = line(l[0], l.substr(2))) return std::move(*e);
    }
    if (auto e = finish()) return std::move(*e);
    return std::move(sd_);
}

std::optional<Error> Parser::line(char type, std::string_view value) {
    if (!seen_version_) {
        if (type != 'v') return err(Errc::MissingVersion, "first line must be v=");
        if (value != "0") return err(Errc::BadVersion, "only v=0 is defined");
        seen_version_ = true;
        return std::nullopt;
    }
    switch (type) {
        case 'v':
            return err(Errc::MalformedLine, "v= given twice");
        case 'o':
            if (media_ != nullptr || seen_origin_) {
                return err(Errc::MalformedLine, "o= out of place");
            }
            seen_origin_ = true;
            if (auto st = detail::parse_origin(value, sd_.origin)) return err(*st);
            return std::nullopt;
        case 's':
            if (media_ != nullptr || seen_name_) return err(Errc::MalformedLine, "s= out of place");
            seen_name_ = true;
            sd_.session_name = std::string(value);
            return std::nullopt;
        case 'm': {
            if (!seen_origin_) return err(Errc::MissingOrigin, "m= before o=");
            if (!seen_name_) return err(Errc::MissingSessionName, "m= before s=");
            if (sd_.media.size() >= limits_.max_media_sections) {
                return err(
                    Errc::TooManySections,
                    "more than " + std::to_string(limits_.max_media_sections) + " media sections");
            }
            MediaSection m;
            if (auto st = detail::parse_media_line(value, m)) return err(*st);
            sd_.media.push_back(std::move(m));
            media_ = &sd_.media.back();
            attributes_ = 0;
            rtpmap_pts_.reset();
            fmtp_pts_.reset();
            extmap_ids_.clear();
            rid_ids_.clear();
            return std::nullopt;
        }
        case 'a': {
            if (++attributes_ > limits_.max_attributes) {
                return err(Errc::TooManyAttributes,
                           "more than " + std::to_string(limits_.max_attributes) + " attributes");
            }
            const std::size_t colon = value.find(':');
            const std::string_view name = value.substr(0, colon);
            if (!detail::is_token(name)) {
                return err(Errc::MalformedLine, "a= without an attribute name");
            }
            std::optional<std::string_view> v;
            if (colon != std::string_view::npos) v = value.substr(colon + 1);
            return attribute(name, v);
        }
        case 't':
            if (media_ == nullptr && !seen_timing_) {
                seen_timing_ = true;
                sd_.timing = std::string(value);
                return std::nullopt;
            }
            break;
        default:
            break;
    }
    auto& lines = media_ != nullptr ? media_->lines : sd_.lines;
    if (lines.size() >= limits_.max_attributes) {
        return err(Errc::TooManyAttributes, "too many lines of other types");
    }
    lines.push_back(RawLine{type, std::string(value)});
    return std::nullopt;
}

std::optional<Error> Parser::attribute(std::string_view name,
                                       std::optional<std::string_view> value) {
    // Transport attributes valid at both levels (RFC 8839 §5.4, RFC 8122 §5, RFC 4145 §4).
    auto& ufrag = media_ != nullptr ? media_->ice_ufrag : sd_.ice_ufrag;
    auto& pwd = media_ != nullptr ? media_->ice_pwd : sd_.ice_pwd;
    auto& setup = media_ != nullptr ? media_->setup : sd_.setup;
    if (value && name == "ice-ufrag") {
        if (ufrag) return dup(name);
        ufrag.emplace();
        if (auto st = detail::parse_ice_ufrag(*value, *ufrag)) return err(*st);
        return std::nullopt;
    }
    if (value && name == "ice-pwd") {
        if (pwd) return dup(name);
        pwd.emplace();
        if (auto st = detail::parse_ice_pwd(*value, *pwd)) return err(*st);
        return std::nullopt;
    }
    if (value && name == "ice-options") {
        // RFC 8839 §5.6: one ice-options line per level.
        auto& opts = media_ != nullptr ? media_->ice_options : sd_.ice_options;
        const auto tokens = detail::split_ws(*value);
        if (!opts.empty()) return dup(name);
        if (tokens.empty()) return err(Errc::BadAttribute, "a=ice-options: empty");
        for (auto t : tokens) opts.emplace_back(t);
        return std::nullopt;
    }
    if (value && name == "fingerprint") {
        Fingerprint fp;
        if (auto st = detail::parse_fingerprint(*value, fp)) return err(*st);
        (media_ != nullptr ? media_->fingerprints : sd_.fingerprints).push_back(std::move(fp));
        return std::nullopt;
    }
    if (value && name == "setup") {
        if (setup) return dup(name);
        setup = detail::setup_from(detail::trim(*value));
        if (!setup) {
            return err(Errc::BadAttribute,
                       "a=setup: expected actpass, active, passive or holdconn");
        }
        return std::nullopt;
    }
    if (value && name == "extmap") {
        ExtMap e;
        if (auto st = detail::parse_extmap(*value, e)) return err(*st);
        if (media_ != nullptr && !extmap_ids_.insert(e.id).second) {
            return err(Errc::DuplicateAttribute,
                       "a=extmap: id " + std::to_string(e.id) + " used twice");
        }
        (media_ != nullptr ? media_->extmaps : sd_.extmaps).push_back(std::move(e));
        return std::nullopt;
    }
    if (!value && name == "extmap-allow-mixed") {
        (media_ != nullptr ? media_->extmap_allow_mixed : sd_.extmap_allow_mixed) = true;
        return std::nullopt;
    }
    return media_ != nullptr ? media_attribute(name, value) : session_attribute(name, value);
}

std::optional<Error> Parser::session_attribute(std::string_view name,
                                               std::optional<std::string_view> value) {
    if (!value && name == "ice-lite") {
        sd_.ice_lite = true;
        return std::nullopt;
    }
    if (value && name == "group") {
        Group g;
        if (auto st = detail::parse_group(*value, g)) return err(*st);
        if (iequals(g.semantics, "BUNDLE")) bundle_lines_.emplace_back(sd_.groups.size(), line_no_);
        sd_.groups.push_back(std::move(g));
        return std::nullopt;
    }
    if (value && name == "msid-semantic") {
        if (sd_.msid_semantic) return dup(name);
        sd_.msid_semantic.emplace();
        if (auto st = detail::parse_msid_semantic(*value, *sd_.msid_semantic)) return err(*st);
        return std::nullopt;
    }
    if (sd_.other.size() >= limits_.max_attributes) {
        return err(Errc::TooManyAttributes, "too many attributes");
    }
    sd_.other.push_back(
        Attribute{std::string(name), value ? std::optional<std::string>(*value) : std::nullopt});
    return std::nullopt;
}

std::optional<Error> Parser::media_attribute(std::string_view name,
                                             std::optional<std::string_view> value) {
    MediaSection& m = *media_;
    if (!value) {
        if (auto d = detail::direction_from(name)) {
            if (m.direction) {
                return err(Errc::DuplicateAttribute, "more than one direction attribute");
            }
            m.direction = d;
            return std::nullopt;
        }
        bool* flag = nullptr;
        if (name == "rtcp-mux") flag = &m.rtcp_mux;                    // RFC 5761 §5.1.1
        if (name == "rtcp-rsize") flag = &m.rtcp_rsize;                // RFC 5506 §5
        if (name == "end-of-candidates") flag = &m.end_of_candidates;  // RFC 8840 §4.1
        if (flag != nullptr) {
            *flag = true;
            return std::nullopt;
        }
    } else if (name == "mid") {
        // RFC 5888 §4: identification-tag = token; unique in the session.
        const std::string_view mid = detail::trim(*value);
        if (m.mid) return dup(name);
        if (!detail::is_token(mid)) return err(Errc::BadAttribute, "a=mid: empty or not a token");
        if (!mids_.insert(std::string(mid)).second) {
            return err(Errc::DuplicateMid, "a=mid:" + std::string(mid) + " used by two sections");
        }
        m.mid = std::string(mid);
        return std::nullopt;
    } else if (name == "rtpmap") {
        RtpMap r;
        if (auto st = detail::parse_rtpmap(*value, r)) return err(*st);
        if (rtpmap_pts_.test(r.payload_type)) {
            return err(Errc::DuplicateAttribute, "a=rtpmap: payload type mapped twice");
        }
        rtpmap_pts_.set(r.payload_type);
        m.rtpmaps.push_back(std::move(r));
        return std::nullopt;
    } else if (name == "fmtp") {
        std::string_view pt;
        std::string_view rest;
        detail::first_token(*value, pt, rest);
        std::uint8_t p = 0;
        if (detail::parse_pt(pt, p)) {
            Fmtp f;
            if (auto st = detail::parse_fmtp(*value, f)) return err(*st);
            if (fmtp_pts_.test(f.payload_type)) {
                return err(Errc::DuplicateAttribute, "a=fmtp: payload type given twice");
            }
            fmtp_pts_.set(f.payload_type);
            m.fmtps.push_back(std::move(f));
            return std::nullopt;
        }
        if (m.is_rtp()) return err(Errc::BadAttribute, "a=fmtp: payload type is not 0..127");
        // Non-RTP formats (legacy data channel fmtp) are kept as unknown attributes below.
    } else if (name == "rtcp-fb") {
        RtcpFb fb;
        if (auto st = detail::parse_rtcp_fb(*value, fb)) return err(*st);
        m.rtcp_fbs.push_back(std::move(fb));
        return std::nullopt;
    } else if (name == "msid") {
        Msid ms;
        if (auto st = detail::parse_msid(*value, ms)) return err(*st);
        m.msids.push_back(std::move(ms));
        return std::nullopt;
    } else if (name == "ssrc") {
        SsrcAttr s;
        if (auto st = detail::parse_ssrc(*value, s)) return err(*st);
        m.ssrcs.push_back(std::move(s));
        return std::nullopt;
    } else if (name == "ssrc-group") {
        SsrcGroup g;
        if (auto st = detail::parse_ssrc_group(*value, g)) return err(*st);
        m.ssrc_groups.push_back(std::move(g));
        return std::nullopt;
    } else if (name == "rid") {
        Rid r;
        if (auto st = detail::parse_rid(*value, r)) return err(*st);
        if (!rid_ids_.insert(r.id).second) {
            return err(Errc::DuplicateAttribute, "a=rid:" + r.id + " given twice");
        }
        m.rids.push_back(std::move(r));
        return std::nullopt;
    } else if (name == "simulcast") {
        if (m.simulcast) return dup(name);
        m.simulcast.emplace();
        if (auto st = detail::parse_simulcast(*value, *m.simulcast)) return err(*st);
        return std::nullopt;
    } else if (name == "candidate") {
        Candidate c;
        if (auto st = detail::parse_candidate(*value, c)) return err(*st);
        m.candidates.push_back(std::move(c));
        return std::nullopt;
    } else if (name == "sctp-port") {
        // RFC 8841 §5.2.
        std::uint16_t port = 0;
        if (m.sctp_port) return dup(name);
        if (!detail::parse_uint(detail::trim(*value), port)) {
            return err(Errc::BadAttribute, "a=sctp-port: not 0..65535");
        }
        m.sctp_port = port;
        return std::nullopt;
    } else if (name == "max-message-size") {
        // RFC 8841 §6.
        std::uint64_t size = 0;
        if (m.max_message_size) return dup(name);
        if (!detail::parse_uint(detail::trim(*value), size)) {
            return err(Errc::BadAttribute, "a=max-message-size: not a number");
        }
        m.max_message_size = size;
        return std::nullopt;
    }
    m.other.push_back(
        Attribute{std::string(name), value ? std::optional<std::string>(*value) : std::nullopt});
    return std::nullopt;
}

std::optional<Error> Parser::finish() {
    if (!seen_version_) return make_error(Errc::MissingVersion, 0, "empty description (no v=)");
    if (!seen_origin_) return make_error(Errc::MissingOrigin, 0, "no o= line");
    if (!seen_name_) return make_error(Errc::MissingSessionName, 0, "no s= line");
    // RFC 8843 §7.2: every mid in a BUNDLE group names an m= section.
    for (const auto& [index, line] : bundle_lines_) {
        for (const std::string& mid : sd_.groups[index].mids) {
            if (mids_.count(mid) == 0) {
                return make_error(Errc::UnknownBundleMid, line,
                                  "a=group:BUNDLE names unknown mid '" + mid + "'");
            }
        }
    }
    // Keep session-level lines in the order serialize() writes them (before t=, then after), so
    // that a second parse gives the same model.
    std::stable_partition(sd_.lines.begin(), sd_.lines.end(), [](const RawLine& l) {
        return l.type != 't' && l.type != 'r' && l.type != 'z' && l.type != 'k';
    });
    return std::nullopt;
}

}  // namespace

SdpResult<SessionDescription> parse(std::string_view text, const ParseLimits& limits) {
    Parser p(limits);
    return p.run(text);
}

}  // namespace cohost::wire::sdp
