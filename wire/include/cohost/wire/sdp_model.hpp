#pragma once
/// \file Structured model of an SDP session description (RFC 8866) with the WebRTC attributes a
/// JSEP (RFC 8829) endpoint meets: BUNDLE (RFC 8843), ICE (RFC 8839), DTLS fingerprint/setup
/// (RFC 8122, RFC 4145/5763), RTP header extensions (RFC 8285), rid (RFC 8851), simulcast
/// (RFC 8853), msid (RFC 8830), SSRC attributes (RFC 5576) and SCTP data (RFC 8841).
///
/// The model is plain values: copyable, comparable with `==`, no pointers into the source text.
/// `parse()` (sdp.hpp) fills it, `serialize()` writes it back, and the answer/offer builders
/// (sdp_answer.hpp) create it from scratch, so the same types describe offers and answers.
///
/// Invariants kept by `parse()` (and expected by `serialize()` for text that parses back):
///  - every name/token field is non-empty and has no whitespace, CR, LF or NUL;
///  - `payload_types` is filled for RTP protocols (`RTP/` in the protocol), `formats` otherwise;
///  - attributes the model does not know are kept, in order, in `other` (nothing is lost), and
///    line types it does not model (`i= u= e= p= c= b= r= z= k=` and extra `t=`) in `lines`.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cohost::wire::sdp {

/// `m=` media type. `Other` keeps the text in `MediaSection::kind_name` (answers reject it).
enum class MediaKind : std::uint8_t { Audio, Video, Application, Other };

/// Stream direction attribute (RFC 8866 §6.7). Absent means sendrecv.
enum class Direction : std::uint8_t { SendRecv, SendOnly, RecvOnly, Inactive };

/// `a=setup` (RFC 4145 §4, RFC 5763 §5): who is the DTLS client.
enum class SetupRole : std::uint8_t { ActPass, Active, Passive, HoldConn };

[[nodiscard]] std::string_view to_string(MediaKind k) noexcept;
[[nodiscard]] std::string_view to_string(Direction d) noexcept;
[[nodiscard]] std::string_view to_string(SetupRole r) noexcept;
/// The direction seen from the other side (sendonly ↔ recvonly; sendrecv and inactive stay).
[[nodiscard]] Direction reverse(Direction d) noexcept;

/// A line of a type the model does not interpret (`b=AS:300`, `c=IN IP4 0.0.0.0`, ...).
struct RawLine {
    char type = 'i';    ///< the letter before '='
    std::string value;  ///< everything after '=', trailing blanks removed
    bool operator==(const RawLine&) const = default;
};

/// An attribute the model does not interpret: `a=<name>[:<value>]`.
struct Attribute {
    std::string name;                  ///< token before ':'
    std::optional<std::string> value;  ///< text after ':' (absent for a flag attribute)
    bool operator==(const Attribute&) const = default;
};

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>` (RFC 8866 §5.2).
/// The two numbers are kept as the digit strings they were (they may exceed 64 bits).
struct Origin {
    std::string username = "-";
    std::string session_id = "0";
    std::string session_version = "0";
    std::string net_type = "IN";
    std::string addr_type = "IP4";
    std::string address = "127.0.0.1";
    bool operator==(const Origin&) const = default;
};

/// `a=fingerprint:<hash-func> <hex:hex:...>` (RFC 8122 §5). `algorithm` is lower-case; the
/// length of `bytes` matches the hash for the known functions (sha-1 20 ... sha-512 64).
struct Fingerprint {
    std::string algorithm;
    std::vector<std::uint8_t> bytes;
    bool operator==(const Fingerprint&) const = default;
};

/// `a=group:<semantics> <mid>...` (RFC 5888; BUNDLE is RFC 8843).
struct Group {
    std::string semantics;
    std::vector<std::string> mids;
    bool operator==(const Group&) const = default;
};

/// `a=msid-semantic:<semantic> [<id>...]` (the pre-RFC 8830 form Chromium still sends).
struct MsidSemantic {
    std::string semantic;
    std::vector<std::string> ids;
    bool operator==(const MsidSemantic&) const = default;
};

/// `a=rtpmap:<pt> <encoding>/<clock-rate>[/<channels>]` (RFC 8866 §6.6).
struct RtpMap {
    std::uint8_t payload_type = 0;
    std::string encoding;  ///< as written (compare case-insensitively: "VP8", "opus")
    std::uint32_t clock_rate = 0;
    std::optional<std::uint16_t> channels;
    bool operator==(const RtpMap&) const = default;
};

/// One `key=value` (or bare `value`, e.g. red's `111/111`) of an fmtp or rid restriction list.
struct Param {
    std::string key;  ///< empty for a bare value
    std::string value;
    bool operator==(const Param&) const = default;
};

/// `a=fmtp:<pt> <params>` split at ';' (RFC 8866 §6.15). Known keys: `apt` (RTX, RFC 4588),
/// `profile-level-id` and `packetization-mode` (H.264, RFC 6184), `minptime`, `useinbandfec`.
struct Fmtp {
    std::uint8_t payload_type = 0;
    std::vector<Param> params;
    /// The value of the first parameter named `key` (case-insensitive), if any.
    [[nodiscard]] std::optional<std::string_view> get(std::string_view key) const;
    /// `apt=` of an RTX format: the payload type it repairs.
    [[nodiscard]] std::optional<std::uint8_t> apt() const;
    /// H.264 `packetization-mode=` (RFC 6184 §8.1: 0, 1 or 2). Absent means 0 per the RFC;
    /// this returns nullopt for an absent or malformed value so callers can tell.
    [[nodiscard]] std::optional<std::uint8_t> packetization_mode() const;
    /// H.264 `profile-level-id=` (RFC 6184 §8.1): 6 hex digits = profile_idc, profile-iop,
    /// level_idc. nullopt when absent or not 6 hex digits.
    struct ProfileLevelId {
        std::uint8_t profile_idc = 0;
        std::uint8_t profile_iop = 0;
        std::uint8_t level_idc = 0;
        bool operator==(const ProfileLevelId&) const = default;
    };
    [[nodiscard]] std::optional<ProfileLevelId> profile_level_id() const;
    bool operator==(const Fmtp&) const = default;
};

/// `a=rtcp-fb:<pt|*> <type> [<subtype>]` (RFC 4585 §4.2), e.g. `nack pli`, `ccm fir`.
struct RtcpFb {
    std::optional<std::uint8_t> payload_type;  ///< nullopt for '*'
    std::string type;
    std::string subtype;  ///< empty if absent
    bool operator==(const RtcpFb&) const = default;
};

/// `a=extmap:<id>[/<direction>] <uri> [<attributes>]` (RFC 8285 §8).
struct ExtMap {
    std::uint16_t id = 0;  ///< 1..255 (or 4096..4351)
    std::optional<Direction> direction;
    std::string uri;
    std::string attributes;  ///< extension attributes, empty if absent
    bool operator==(const ExtMap&) const = default;
};

/// `a=msid:<stream-id> [<track-id>]` (RFC 8830 §2).
struct Msid {
    std::string stream_id;
    std::string track_id;  ///< empty if absent
    bool operator==(const Msid&) const = default;
};

/// `a=ssrc:<ssrc> <attribute>[:<value>]` (RFC 5576 §4.1), e.g. `cname:...`, `msid:...`.
struct SsrcAttr {
    std::uint32_t ssrc = 0;
    std::string attribute;
    std::optional<std::string> value;
    bool operator==(const SsrcAttr&) const = default;
};

/// `a=ssrc-group:<semantics> <ssrc>...` (RFC 5576 §4.2): FID (RTX), SIM (legacy simulcast).
struct SsrcGroup {
    std::string semantics;
    std::vector<std::uint32_t> ssrcs;
    bool operator==(const SsrcGroup&) const = default;
};

/// `a=rid:<id> <send|recv> [<restrictions>]` (RFC 8851 §4). Restrictions such as
/// `pt=96,97;max-width=1280` are split at ';' like fmtp.
struct Rid {
    enum class Dir : std::uint8_t { Send, Recv };
    std::string id;
    Dir direction = Dir::Send;
    std::vector<Param> restrictions;
    bool operator==(const Rid&) const = default;
};

/// One rid of a simulcast stream list; `paused` is the `~` prefix (RFC 8853 §5.1).
struct SimulcastRid {
    std::string rid;
    bool paused = false;
    bool operator==(const SimulcastRid&) const = default;
};

/// `a=simulcast:[send <list>] [recv <list>]` (RFC 8853 §5.1). Each list is streams in order
/// (separated by ';'), each stream a set of alternative rids (separated by ',').
struct Simulcast {
    std::vector<std::vector<SimulcastRid>> send;
    std::vector<std::vector<SimulcastRid>> recv;
    bool operator==(const Simulcast&) const = default;
};

/// `a=candidate:` (RFC 8839 §5.1). `extensions` keeps name/value pairs such as `generation 0`.
struct Candidate {
    std::string foundation;
    std::uint16_t component = 1;
    std::string transport;  ///< "udp" / "tcp" as written
    std::uint32_t priority = 0;
    std::string address;  ///< IP address or FQDN (mDNS `.local` names from browsers)
    std::uint16_t port = 0;
    std::string type;  ///< host / srflx / prflx / relay
    std::optional<std::string> rel_addr;
    std::optional<std::uint16_t> rel_port;
    std::vector<std::pair<std::string, std::string>> extensions;
    bool operator==(const Candidate&) const = default;
};

/// One `m=` section and its attributes.
struct MediaSection {
    MediaKind kind = MediaKind::Audio;
    std::string kind_name;   ///< the `m=` media token when kind == Other, else empty
    std::uint16_t port = 9;  ///< 0 = rejected / disabled (RFC 8866 §5.14, RFC 3264 §6)
    std::optional<std::uint16_t> port_count;  ///< `<port>/<n>`, rare
    std::string protocol = "UDP/TLS/RTP/SAVPF";
    std::vector<std::uint8_t> payload_types;  ///< RTP formats in m= order
    std::vector<std::string> formats;         ///< non-RTP formats ("webrtc-datachannel")
    std::vector<RawLine> lines;               ///< i= c= b= k= lines, in order

    std::optional<std::string> mid;
    std::optional<Direction> direction;
    std::optional<std::string> ice_ufrag;
    std::optional<std::string> ice_pwd;
    std::vector<std::string> ice_options;
    std::vector<Fingerprint> fingerprints;
    std::optional<SetupRole> setup;
    bool rtcp_mux = false;
    bool rtcp_rsize = false;
    bool extmap_allow_mixed = false;
    std::vector<RtpMap> rtpmaps;
    std::vector<Fmtp> fmtps;
    std::vector<RtcpFb> rtcp_fbs;
    std::vector<ExtMap> extmaps;
    std::vector<Msid> msids;
    std::vector<SsrcAttr> ssrcs;
    std::vector<SsrcGroup> ssrc_groups;
    std::vector<Rid> rids;
    std::optional<Simulcast> simulcast;
    std::vector<Candidate> candidates;
    bool end_of_candidates = false;
    std::optional<std::uint16_t> sctp_port;
    std::optional<std::uint64_t> max_message_size;
    std::vector<Attribute> other;  ///< unknown attributes, in order

    /// True for RTP/RTCP profiles (the protocol contains "RTP/").
    [[nodiscard]] bool is_rtp() const noexcept;
    /// Direction with the RFC default applied (absent = sendrecv).
    [[nodiscard]] Direction effective_direction() const noexcept {
        return direction.value_or(Direction::SendRecv);
    }
    [[nodiscard]] const RtpMap* find_rtpmap(std::uint8_t pt) const noexcept;
    [[nodiscard]] const Fmtp* find_fmtp(std::uint8_t pt) const noexcept;
    [[nodiscard]] const ExtMap* find_extmap(std::string_view uri) const noexcept;
    bool operator==(const MediaSection&) const = default;
};

/// A whole session description. Session-level transport attributes (ufrag, pwd, fingerprint,
/// setup) apply to every section that does not override them (RFC 8839 §5.4, RFC 8122 §5).
struct SessionDescription {
    Origin origin;
    std::string session_name = "-";
    std::string timing = "0 0";  ///< first `t=` value
    std::vector<RawLine> lines;  ///< other session-level lines, in order

    bool ice_lite = false;
    std::vector<std::string> ice_options;
    std::optional<std::string> ice_ufrag;
    std::optional<std::string> ice_pwd;
    std::vector<Fingerprint> fingerprints;
    std::optional<SetupRole> setup;
    std::vector<Group> groups;
    std::optional<MsidSemantic> msid_semantic;
    bool extmap_allow_mixed = false;
    std::vector<ExtMap> extmaps;   ///< session-level extmaps (rare)
    std::vector<Attribute> other;  ///< unknown session attributes, in order

    std::vector<MediaSection> media;

    /// The first `a=group:BUNDLE`, or nullptr.
    [[nodiscard]] const Group* bundle_group() const noexcept;
    /// Section-level value if present, else the session-level one (nullptr if neither).
    [[nodiscard]] const std::string* ice_ufrag_for(const MediaSection& m) const noexcept;
    [[nodiscard]] const std::string* ice_pwd_for(const MediaSection& m) const noexcept;
    [[nodiscard]] const std::vector<Fingerprint>& fingerprints_for(
        const MediaSection& m) const noexcept;
    [[nodiscard]] std::optional<SetupRole> setup_for(const MediaSection& m) const noexcept;
    bool operator==(const SessionDescription&) const = default;
};

/// ASCII case-insensitive equality (codec names, hash functions, attribute names).
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace cohost::wire::sdp
