#pragma once
/// \file Internal to media/: the SFU's own offers, for LiveKit's two-peer-connection mode in
/// which the server offers the subscriber peer connection and the client answers
/// (livekit-protocol.md §4.3), and the reading of those answers. Pure: no sockets, no clock, no
/// randomness (mids, SSRCs and versions come in through the parameters).
///
/// Offer layout (docs/media.md "Two peer connections"):
///  - session: `a=ice-lite`, `a=msid-semantic:WMS`, one BUNDLE group over every live section;
///  - transport in every live section: ICE ufrag/pwd, the certificate fingerprint and
///    `a=setup:actpass` (RFC 5763 §5; browsers answer `active`, so the SFU stays the DTLS
///    server it is for every other session); `a=rtcp-mux`, `a=rtcp-rsize`;
///  - the data section (`m=application ... webrtc-datachannel`, `a=sctp-port:5000`,
///    `a=max-message-size:65536`) first, when asked for: it never ends, so the BUNDLE tag and
///    the host candidate it carries (with `a=end-of-candidates`) stay put across renegotiations;
///  - one `sendonly` audio/video section per forwarded track, in slot order, with
///    `a=msid:PA_<publisher>|camera TR_<track>` and one SSRC (`a=ssrc … cname`, `… msid`): no
///    simulcast (the SFU picks the layer) and no RTX (NACKs are answered from the SFU's cache
///    with the original sequence numbers);
///  - exactly one codec per section, the publisher's: opus/48000/2 (`minptime=10;
///    useinbandfec=1`), VP8/90000, or H.264/90000 with `packetization-mode=1`,
///    `level-asymmetry-allowed=1` and the publisher's profile-level-id;
///  - rtcp-fb on video: `nack`, `nack pli`, `ccm fir`, `goog-remb`; none on audio;
///  - header extensions: what the forwarder writes, nothing else: audio level on audio
///    (id kOfferAudioLevelId), abs-send-time on video (id kOfferAbsSendTimeId);
///  - an ended section stays in place with port 0 (rejected, out of BUNDLE, `a=inactive`), as
///    JSEP requires (RFC 8829 §5.2.2); the caller may recycle it, with a new mid, once the client
///    has answered the offer that ended it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "negotiate.hpp"

namespace cohost::media::detail {

/// Header extension ids the SFU chooses in its offers.
inline constexpr std::uint8_t kOfferAudioLevelId = 1;
inline constexpr std::uint8_t kOfferAbsSendTimeId = 2;
/// Payload types the SFU chooses in its offers (any free number works: the forwarder rewrites
/// the publisher's payload type into the subscriber's).
inline constexpr std::uint8_t kOfferOpusPt = 111;
inline constexpr std::uint8_t kOfferVp8Pt = 96;
inline constexpr std::uint8_t kOfferH264Pt = 102;

/// One audio/video m-section of a server offer.
struct OfferSlot {
    std::string mid;
    bool video = false;
    bool active = false;  ///< sends a track; false: ended (port 0)
    // Active sections only:
    std::string stream_id;  ///< msid stream id, e.g. "PA_xxx|camera"
    std::string track_id;   ///< msid track id, e.g. "TR_xxx"
    std::uint32_t ssrc = 0;
    CodecChoice codec;  ///< the one codec offered (its payload type is the offer's)
    std::string cname = "cohost";
};

/// Everything a server offer is made of.
struct ServerOffer {
    wire::sdp::LocalTransport local;
    std::uint64_t session_id = 1;
    std::uint64_t session_version = 1;
    std::string data_mid;  ///< the data section's mid; empty: no data section
    std::vector<OfferSlot> slots;
};

/// Builds the offer text. Fails (message names the problem) on unusable transport parameters,
/// duplicate or empty mids, an active section without a matching codec (video with opus, audio
/// with a video codec) or without an SSRC, or an offer with no live section at all.
[[nodiscard]] PlanResult<std::string> build_server_offer(const ServerOffer& offer);

/// How the client answered one slot.
struct AnsweredSlot {
    std::string mid;
    bool accepted = false;  ///< port not 0 and the client receives (recvonly/sendrecv)
    ExtIds ext;             ///< the extension ids the answer kept (audio level, abs-send-time)
};

/// The client's answer to a server offer, as the worker applies it.
struct ServerAnswer {
    RemoteTransport remote;
    bool sfu_is_dtls_client = false;  ///< the answer says `a=setup:passive`
    std::vector<AnsweredSlot> slots;  ///< one per offered slot, same order
    std::optional<DataSection> data;  ///< the data section, when the answer accepted it
};

/// Reads an answer to `offered`: the same sections in the same order (same mids and kinds),
/// the ICE credentials and fingerprint of the first live section, its DTLS role (`active` or
/// `passive`), and per slot whether it was accepted with the offered codec. Fails on SDP that
/// does not parse, a section count or mid that differs from the offer, a codec that was not
/// offered, a missing transport, `a=setup:actpass`/`holdconn`, or an answer that accepts no
/// section at all.
[[nodiscard]] PlanResult<ServerAnswer> read_server_answer(std::string_view answer,
                                                          const ServerOffer& offered);

}  // namespace cohost::media::detail
