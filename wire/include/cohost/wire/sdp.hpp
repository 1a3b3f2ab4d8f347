#pragma once
/// \file SDP text codec: `parse()` untrusted SDP (an offer from livekit-client/Chromium or an OBS
/// WHIP offer) into the model of sdp_model.hpp, and `serialize()` a model back to wire text.
///
/// Unlike the packet codecs this parser allocates (it builds a model), but it is bounded and
/// linear: the input size, line count, line length, section count and attributes per section are
/// capped by `ParseLimits`, every duplicate check is a hash or bitmap lookup, and it never
/// recurses. No I/O, no logging, no global state; safe to call from any thread.
///
/// Round trip: for every text `t` that parses, `parse(serialize(*parse(t))) == parse(t)`
/// (the fuzz target tests/fuzz/sdp_fuzz.cpp checks it). The text itself is not preserved
/// byte for byte: whitespace is normalised, lines come out CRLF in a canonical order. The output
/// can be slightly longer than the input (LF becomes CRLF, a missing `t=` is added), so re-parse
/// a serialized description with limits a little above the ones it was first parsed with.
#include <boost/assert/source_location.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

#include "cohost/wire/sdp_model.hpp"

namespace cohost::wire::sdp {

/// Why a description was refused (category "sdp"). Parse errors come with a line number.
enum class Errc {
    TooLarge = 1,        ///< input longer than ParseLimits::max_size
    TooManyLines,        ///< more than max_lines lines
    LineTooLong,         ///< a line longer than max_line_length
    TooManySections,     ///< more than max_media_sections `m=` lines
    TooManyAttributes,   ///< more than max_attributes attributes in one section (or session)
    BadEncoding,         ///< not UTF-8, or a control character other than TAB/CR/LF
    MalformedLine,       ///< not `<letter>=<value>`
    MissingVersion,      ///< first line is not `v=`
    BadVersion,          ///< `v=` other than 0
    MissingOrigin,       ///< no `o=` before the first `m=`
    BadOrigin,           ///< `o=` without its six fields
    MissingSessionName,  ///< no `s=`
    BadMediaLine,        ///< `m=` malformed (port, protocol, formats)
    BadAttribute,        ///< a known attribute with a malformed value
    BadFingerprint,      ///< `a=fingerprint` not hash + hex pairs of the right length
    BadIceCredentials,   ///< ufrag/pwd length or characters (RFC 8839 §5.4)
    DuplicateAttribute,  ///< a single-valued attribute repeated (mid, direction, rtpmap pt, ...)
    DuplicateMid,        ///< two sections with the same `a=mid`
    UnknownBundleMid,    ///< `a=group:BUNDLE` names a mid no section has
    InvalidOffer,        ///< build_answer: the offer lacks what an answer needs
    InvalidParameters,   ///< build_answer/build_offer: local parameters unusable
};
[[nodiscard]] boost::system::error_code make_error_code(Errc e) noexcept;

/// An SDP error: the code, the 1-based line number (0 when not tied to a line) and a message that
/// names the problem, e.g. "line 12: a=rtpmap: clock rate is not a number".
struct Error {
    boost::system::error_code code;
    std::size_t line = 0;
    std::string message;
};

/// Value or Error. `.value()` on an error throws boost::system::system_error (see below).
template <class T>
using SdpResult = boost::system::result<T, Error>;

/// Found by ADL from `SdpResult::value()`; throws system_error(code, message).
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

/// Bounds on untrusted input. The defaults fit what browsers send: the livekit-client join offer
/// from Chromium 156 is 18 KB for 7 sections and each extra video section adds about 4.5 KB, so
/// 128 KiB leaves room for a single-PC session that receives ~20 tracks.
struct ParseLimits {
    std::size_t max_size = 128 * 1024;
    std::size_t max_lines = 8192;
    std::size_t max_line_length = 4096;
    std::size_t max_media_sections = 64;
    std::size_t max_attributes = 1024;  ///< per section, and at session level
};

/// Parses `text` (lines end in CRLF or LF; blank lines are skipped; trailing blanks are dropped).
/// Checks the grammar of every attribute the model knows, duplicate mids and single-valued
/// attributes, fingerprint lengths, ICE credential syntax and that BUNDLE names existing mids.
/// Unknown attributes and line types are kept, never required.
[[nodiscard]] SdpResult<SessionDescription> parse(std::string_view text,
                                                  const ParseLimits& limits = {});

/// Writes `sd` as SDP text with CRLF line ends in RFC 8866 order (v o s [others] t, session
/// attributes, then each m= section). Attribute order inside a section follows Chromium's
/// layout. Never fails; a model that breaks the invariants of sdp_model.hpp gives text that
/// may not parse back.
[[nodiscard]] std::string serialize(const SessionDescription& sd);

/// Formats a fingerprint as `AB:CD:...` (upper-case hex), the RFC 8122 form.
[[nodiscard]] std::string fingerprint_hex(const Fingerprint& fp);

}  // namespace cohost::wire::sdp

template <>
struct boost::system::is_error_code_enum<cohost::wire::sdp::Errc> : std::true_type {};
