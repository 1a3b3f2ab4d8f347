#pragma once
/// \file Building the SDP an ICE-lite SFU sends: answers to publisher offers (livekit-client on
/// Chromium, OBS WHIP) and, for the server-offers mode, basic sendonly offers.
///
/// Pure functions from (offer, local parameters) to a `SessionDescription`; no I/O, no clock, no
/// randomness (ids and versions come in through the parameters). The caller serializes the result
/// with `serialize()` and owns it.
///
/// Answer policy (JSEP RFC 8829 §5.3.1 and RFC 3264 §6 unless noted):
///  - one answer section per offer section, same order, same mid, same media kind and protocol;
///  - a section is rejected (port 0, first offered format, `a=mid` only, left out of BUNDLE) when
///    the offer rejected it, its kind or protocol is unsupported, no codec is acceptable, it is
///    data and `accept_data_channels` is off, or it is outside the offer's BUNDLE group;
///  - transport: `a=ice-lite` (session), ICE ufrag/pwd, one sha-256 (or other) fingerprint and the
///    setup role in every accepted section; `a=rtcp-mux` (required with BUNDLE); one host
///    candidate plus `a=end-of-candidates` in the BUNDLE-tag section (RFC 8843 §7.2);
///  - direction: offer sendonly → recvonly; recvonly → sendonly when a `SendTrack` names the
///    mid, else inactive; sendrecv → sendrecv with a track, else recvonly; inactive → inactive;
///  - codecs: intersection with `Codecs`, in the SFU's preference order, keeping the offer's
///    payload type numbers and fmtp (RFC 3264 §6.1). One payload type per codec: the first
///    offered opus/48000/2; VP8; H.264 with packetization-mode=1 and a Constrained Baseline /
///    Baseline profile (42e0xx preferred over 4200xx, profile-level-id 42e01f first), because a
///    forwarding SFU must send subscribers a stream every browser decodes. RTX (RFC 4588) for
///    each accepted codec when offered and enabled. RED/ULPFEC off by default: the SFU does not
///    process them and offering them changes what publishers send;
///  - rtcp-fb and extmap: the offer's entries whose type/URI the SFU supports (ids kept);
///  - simulcast (RFC 8853 §5.3): when the offer sends `a=simulcast:send` with matching
///    `a=rid:<id> send` lines, the answer has `a=rid:<id> recv` for each and
///    `a=simulcast:recv <same list>`; restrictions are dropped;
///  - data (RFC 8841): `UDP/DTLS/SCTP webrtc-datachannel` answered with sctp-port and
///    max-message-size, or rejected per `accept_data_channels`.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cohost/wire/sdp.hpp"

namespace cohost::wire::sdp {

/// The local transport every answer/offer section carries. ufrag ≥ 4 and pwd ≥ 22 ice-chars
/// (RFC 8839 §5.4; Chromium refuses shorter), fingerprint of the DTLS certificate.
struct LocalTransport {
    std::string ice_ufrag;
    std::string ice_pwd;
    Fingerprint fingerprint;        ///< normally sha-256 of the certificate
    std::string candidate_address;  ///< IPv4/IPv6 literal the media port listens on
    std::uint16_t candidate_port = 0;
    std::string candidate_transport = "udp";
};

/// A track the SFU sends on a section: `a=msid:<stream_id> <track_id>` (livekit-client needs it,
/// livekit-protocol.md §6.1), and `a=ssrc`/`a=ssrc-group:FID` lines when SSRCs are given.
struct SendTrack {
    std::string mid;
    std::string stream_id;  ///< e.g. "PA_xxx|camera"
    std::string track_id;   ///< e.g. "TR_xxx"
    std::optional<std::uint32_t> ssrc;
    std::optional<std::uint32_t> rtx_ssrc;
    std::string cname = "cohost";
};

/// What the SFU can receive and forward.
struct Codecs {
    bool opus = true;
    bool vp8 = true;
    bool h264 = true;
    bool rtx = true;
    bool audio_red = false;  ///< `red/48000/2` whose fmtp names the accepted opus pt
    bool video_red_ulpfec = false;
    bool prefer_h264 = false;  ///< default order is VP8 then H.264 (livekit's default is VP8)
    /// rtcp-fb kept from the offer ("type" or "type subtype"); REMB and transport-cc oblige the
    /// media layer to send that feedback.
    std::vector<std::string> rtcp_fb = {"nack", "nack pli", "ccm fir", "goog-remb", "transport-cc"};
    std::vector<std::string> audio_extensions = {
        "urn:ietf:params:rtp-hdrext:sdes:mid",
        "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
        "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
        "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time",
    };
    std::vector<std::string> video_extensions = {
        "urn:ietf:params:rtp-hdrext:sdes:mid",
        "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
        "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
        "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
        "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
        "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time",
    };
};

/// Parameters of an answer.
struct AnswerOptions {
    LocalTransport transport;
    /// The DTLS role answered to `a=setup:actpass` (RFC 5763 §5: the answerer picks active or
    /// passive; passive makes the browser the DTLS client). Offers of active/passive get the
    /// opposite role whatever this says.
    SetupRole setup = SetupRole::Passive;
    std::string session_id = "1";        ///< o= session id (digits)
    std::string session_version = "1";   ///< o= version; bump on every new answer (digits)
    std::vector<SendTrack> send_tracks;  ///< sections on which the SFU sends media
    Codecs codecs;
    bool accept_data_channels = true;
    bool accept_simulcast = true;
    std::uint16_t sctp_port = 5000;
    std::uint64_t max_message_size = 262144;
};

/// Builds the answer to `offer`. Fails with Errc::InvalidOffer (and a message naming the
/// section) if the offer has no sections, an accepted section lacks a mid, ICE credentials or a
/// fingerprint, or its setup is holdconn; with Errc::InvalidParameters if `opts` has a bad
/// ufrag/pwd/fingerprint/candidate. The result always serializes to text `parse()` accepts.
[[nodiscard]] SdpResult<SessionDescription> build_answer(const SessionDescription& offer,
                                                         const AnswerOptions& opts);

/// A codec the SFU offers on a sendonly section, with the payload type it chose.
struct OfferCodec {
    std::uint8_t payload_type = 0;
    std::string encoding;  ///< "opus", "VP8", "H264"
    std::uint32_t clock_rate = 90000;
    std::optional<std::uint16_t> channels;
    std::vector<Param> fmtp;
    std::vector<std::string> rtcp_fb;              ///< "nack", "nack pli", ...
    std::optional<std::uint8_t> rtx_payload_type;  ///< adds rtx/<clock> with apt=
};

/// One sendonly section of an SFU offer.
struct OfferSection {
    MediaKind kind = MediaKind::Video;
    SendTrack track;  ///< mid, msid and SSRCs
    std::vector<OfferCodec> codecs;
    std::vector<ExtMap> extensions;  ///< ids chosen by the SFU
};

/// Parameters of an SFU offer (server-offers mode, e.g. LiveKit v0 subscriber PC).
struct OfferOptions {
    LocalTransport transport;
    std::string session_id = "1";
    std::string session_version = "1";
    std::vector<OfferSection> sections;
    bool data_channel = false;  ///< append an `m=application` section (mid "data")
    std::uint16_t sctp_port = 5000;
    std::uint64_t max_message_size = 262144;
};

/// Builds an ICE-lite offer with `a=setup:actpass`, BUNDLE over all sections, sendonly
/// audio/video sections with msid/ssrc, and the host candidate in the first section. Fails
/// with Errc::InvalidParameters on bad transport parameters, a section without codecs, an
/// Application/Other kind in `sections`, or duplicate mids.
[[nodiscard]] SdpResult<SessionDescription> build_offer(const OfferOptions& opts);

/// Default codec list for build_offer: audio opus/48000/2 pt 111 (minptime=10;useinbandfec=1,
/// transport-cc); video VP8 pt 96 + RTX 97 and H.264 42e01f packetization-mode=1 pt 102 + RTX
/// 103, with goog-remb, transport-cc, ccm fir, nack, nack pli. Empty for other kinds. The SFU
/// must rewrite the pt of forwarded packets when the publisher negotiated different numbers.
[[nodiscard]] std::vector<OfferCodec> default_offer_codecs(MediaKind kind);

}  // namespace cohost::wire::sdp
