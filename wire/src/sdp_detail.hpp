#pragma once
// Internal helpers shared by the SDP parser, serializer and builders (not installed).
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cohost/wire/sdp.hpp"
#include "cohost/wire/sdp_answer.hpp"

namespace cohost::wire::sdp::detail {

/// A refusal from an attribute parser; the caller adds the line number.
struct Fail {
    Errc code = Errc::BadAttribute;
    std::string message;
};
using Status = std::optional<Fail>;

[[nodiscard]] inline bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

[[nodiscard]] inline std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

/// Splits at runs of blanks; no empty tokens.
[[nodiscard]] std::vector<std::string_view> split_ws(std::string_view s);

/// Splits off the first blank-separated token; `rest` is trimmed.
void first_token(std::string_view s, std::string_view& token, std::string_view& rest) noexcept;

/// RFC 8866 token-char (printable ASCII minus separators).
[[nodiscard]] bool is_token(std::string_view s) noexcept;
/// No blanks or control characters, non-empty.
[[nodiscard]] bool is_word(std::string_view s) noexcept;

/// Decimal digits only (1..20 of them) that fit T.
template <class T>
[[nodiscard]] bool parse_uint(std::string_view s, T& out) noexcept {
    if (s.empty() || s.size() > 20) return false;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        const auto d = static_cast<std::uint64_t>(c - '0');
        if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return false;
        v = v * 10 + d;
    }
    if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) return false;
    out = static_cast<T>(v);
    return true;
}

/// Payload type 0..127 (RFC 3551 §3: 7 bits).
[[nodiscard]] bool parse_pt(std::string_view s, std::uint8_t& out) noexcept;

[[nodiscard]] std::optional<Direction> direction_from(std::string_view s) noexcept;
[[nodiscard]] std::optional<SetupRole> setup_from(std::string_view s) noexcept;

/// `k=v;k2=v2;bare` → params (blank tokens skipped, both sides trimmed).
[[nodiscard]] std::vector<Param> split_params(std::string_view s);
[[nodiscard]] std::string join_params(const std::vector<Param>& params);

// Attribute value parsers: `value` is the text after "a=<name>:". Each fills `out` or fails.
[[nodiscard]] Status parse_origin(std::string_view value, Origin& out);
[[nodiscard]] Status parse_media_line(std::string_view value, MediaSection& out);
[[nodiscard]] Status parse_rtpmap(std::string_view value, RtpMap& out);
[[nodiscard]] Status parse_fmtp(std::string_view value, Fmtp& out);
[[nodiscard]] Status parse_rtcp_fb(std::string_view value, RtcpFb& out);
[[nodiscard]] Status parse_extmap(std::string_view value, ExtMap& out);
[[nodiscard]] Status parse_fingerprint(std::string_view value, Fingerprint& out);
[[nodiscard]] Status parse_ice_ufrag(std::string_view value, std::string& out);
[[nodiscard]] Status parse_ice_pwd(std::string_view value, std::string& out);
[[nodiscard]] Status parse_candidate(std::string_view value, Candidate& out);
[[nodiscard]] Status parse_msid(std::string_view value, Msid& out);
[[nodiscard]] Status parse_ssrc(std::string_view value, SsrcAttr& out);
[[nodiscard]] Status parse_ssrc_group(std::string_view value, SsrcGroup& out);
[[nodiscard]] Status parse_rid(std::string_view value, Rid& out);
[[nodiscard]] Status parse_simulcast(std::string_view value, Simulcast& out);
[[nodiscard]] Status parse_group(std::string_view value, Group& out);
[[nodiscard]] Status parse_msid_semantic(std::string_view value, MsidSemantic& out);

// Serializer pieces reused by the builders' tests.
[[nodiscard]] std::string candidate_value(const Candidate& c);
[[nodiscard]] std::string simulcast_value(const Simulcast& s);

}  // namespace cohost::wire::sdp::detail

namespace cohost::wire::sdp::detail {

// Shared by build_answer and build_offer (sdp_build.cpp).

/// Checks ufrag/pwd syntax, a non-empty fingerprint and a usable candidate address/port.
[[nodiscard]] Status check_transport(const LocalTransport& t);
/// Checks that a send track's ids are single words (they go into a=msid / a=ssrc lines).
[[nodiscard]] Status check_send_track(const SendTrack& t);
/// Digits only, as o= requires.
[[nodiscard]] bool is_digits(std::string_view s) noexcept;
/// Adds ufrag, pwd, fingerprint, setup and the dummy `c=` line to an accepted section.
void add_transport(MediaSection& m, const LocalTransport& t, SetupRole setup);
/// Adds the host candidate and end-of-candidates (RFC 8839 §5.1, RFC 8840 §4.1).
void add_candidate(MediaSection& m, const LocalTransport& t);
/// Adds a=msid, and a=ssrc cname/msid lines plus ssrc-group FID when SSRCs are known.
void add_send_track(MediaSection& m, const SendTrack& t);
/// The session skeleton: o= with the given id/version, s=-, t=0 0, a=ice-lite, msid-semantic.
[[nodiscard]] SessionDescription new_session(const std::string& id, const std::string& version);

}  // namespace cohost::wire::sdp::detail
