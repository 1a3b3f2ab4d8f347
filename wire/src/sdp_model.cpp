// SDP model helpers, the "sdp" error category and small shared utilities.
#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

#include "cohost/wire/sdp.hpp"
#include "sdp_detail.hpp"

namespace cohost::wire::sdp {

namespace {
// boost::system::error_category has a protected non-virtual destructor by design.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class SdpCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "sdp"; }
    std::string message(int ev) const override {
        switch (Errc(ev)) {
            case Errc::TooLarge:
                return "description too large";
            case Errc::TooManyLines:
                return "too many lines";
            case Errc::LineTooLong:
                return "line too long";
            case Errc::TooManySections:
                return "too many media sections";
            case Errc::TooManyAttributes:
                return "too many attributes";
            case Errc::BadEncoding:
                return "not UTF-8 text";
            case Errc::MalformedLine:
                return "malformed line";
            case Errc::MissingVersion:
                return "missing v=";
            case Errc::BadVersion:
                return "unsupported version";
            case Errc::MissingOrigin:
                return "missing o=";
            case Errc::BadOrigin:
                return "malformed o=";
            case Errc::MissingSessionName:
                return "missing s=";
            case Errc::BadMediaLine:
                return "malformed m=";
            case Errc::BadAttribute:
                return "malformed attribute";
            case Errc::BadFingerprint:
                return "invalid fingerprint";
            case Errc::BadIceCredentials:
                return "invalid ICE credentials";
            case Errc::DuplicateAttribute:
                return "duplicate attribute";
            case Errc::DuplicateMid:
                return "duplicate mid";
            case Errc::UnknownBundleMid:
                return "BUNDLE names an unknown mid";
            case Errc::InvalidOffer:
                return "offer cannot be answered";
            case Errc::InvalidParameters:
                return "invalid local parameters";
        }
        return "sdp error";
    }
};
#pragma GCC diagnostic pop
const SdpCategory kCategory;

char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
}  // namespace

boost::system::error_code make_error_code(Errc e) noexcept {
    return {static_cast<int>(e), kCategory};
}

void throw_exception_from_error(const Error& e, const boost::source_location& loc) {
    boost::throw_exception(boost::system::system_error(e.code, e.message), loc);
}

std::string_view to_string(MediaKind k) noexcept {
    switch (k) {
        case MediaKind::Audio:
            return "audio";
        case MediaKind::Video:
            return "video";
        case MediaKind::Application:
            return "application";
        case MediaKind::Other:
            break;
    }
    return "other";
}

std::string_view to_string(Direction d) noexcept {
    switch (d) {
        case Direction::SendRecv:
            return "sendrecv";
        case Direction::SendOnly:
            return "sendonly";
        case Direction::RecvOnly:
            return "recvonly";
        case Direction::Inactive:
            break;
    }
    return "inactive";
}

std::string_view to_string(SetupRole r) noexcept {
    switch (r) {
        case SetupRole::ActPass:
            return "actpass";
        case SetupRole::Active:
            return "active";
        case SetupRole::Passive:
            return "passive";
        case SetupRole::HoldConn:
            break;
    }
    return "holdconn";
}

Direction reverse(Direction d) noexcept {
    // RFC 3264 §6.1: the answer's direction mirrors the offer's.
    if (d == Direction::SendOnly) return Direction::RecvOnly;
    if (d == Direction::RecvOnly) return Direction::SendOnly;
    return d;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

std::optional<std::string_view> Fmtp::get(std::string_view key) const {
    for (const Param& p : params) {
        if (!p.key.empty() && iequals(p.key, key)) return std::string_view(p.value);
    }
    return std::nullopt;
}

std::optional<std::uint8_t> Fmtp::apt() const {
    const auto v = get("apt");
    std::uint8_t pt = 0;
    if (!v || !detail::parse_pt(*v, pt)) return std::nullopt;
    return pt;
}

std::optional<std::uint8_t> Fmtp::packetization_mode() const {
    const auto v = get("packetization-mode");
    std::uint8_t mode = 0;
    if (!v || !detail::parse_uint(*v, mode) || mode > 2) return std::nullopt;
    return mode;
}

std::optional<Fmtp::ProfileLevelId> Fmtp::profile_level_id() const {
    const auto v = get("profile-level-id");
    if (!v || v->size() != 6) return std::nullopt;
    std::uint8_t b[3] = {};
    for (std::size_t i = 0; i < 6; ++i) {
        const char c = (*v)[i];
        int d = -1;
        if (c >= '0' && c <= '9') d = c - '0';
        if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        if (d < 0) return std::nullopt;
        b[i / 2] = static_cast<std::uint8_t>((b[i / 2] << 4) | d);
    }
    return ProfileLevelId{b[0], b[1], b[2]};
}

bool MediaSection::is_rtp() const noexcept { return protocol.find("RTP/") != std::string::npos; }

const RtpMap* MediaSection::find_rtpmap(std::uint8_t pt) const noexcept {
    for (const RtpMap& r : rtpmaps) {
        if (r.payload_type == pt) return &r;
    }
    return nullptr;
}

const Fmtp* MediaSection::find_fmtp(std::uint8_t pt) const noexcept {
    for (const Fmtp& f : fmtps) {
        if (f.payload_type == pt) return &f;
    }
    return nullptr;
}

const ExtMap* MediaSection::find_extmap(std::string_view uri) const noexcept {
    for (const ExtMap& e : extmaps) {
        if (e.uri == uri) return &e;
    }
    return nullptr;
}

const Group* SessionDescription::bundle_group() const noexcept {
    for (const Group& g : groups) {
        if (iequals(g.semantics, "BUNDLE")) return &g;
    }
    return nullptr;
}

const std::string* SessionDescription::ice_ufrag_for(const MediaSection& m) const noexcept {
    if (m.ice_ufrag) return &*m.ice_ufrag;
    return ice_ufrag ? &*ice_ufrag : nullptr;
}

const std::string* SessionDescription::ice_pwd_for(const MediaSection& m) const noexcept {
    if (m.ice_pwd) return &*m.ice_pwd;
    return ice_pwd ? &*ice_pwd : nullptr;
}

const std::vector<Fingerprint>& SessionDescription::fingerprints_for(
    const MediaSection& m) const noexcept {
    return m.fingerprints.empty() ? fingerprints : m.fingerprints;
}

std::optional<SetupRole> SessionDescription::setup_for(const MediaSection& m) const noexcept {
    return m.setup ? m.setup : setup;
}

std::string fingerprint_hex(const Fingerprint& fp) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(fp.bytes.size() * 3);
    for (std::size_t i = 0; i < fp.bytes.size(); ++i) {
        if (i != 0) out.push_back(':');
        out.push_back(kHex[fp.bytes[i] >> 4]);
        out.push_back(kHex[fp.bytes[i] & 0xF]);
    }
    return out;
}

}  // namespace cohost::wire::sdp
