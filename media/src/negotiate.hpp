#pragma once
/// \file Internal to media/: turns a WHIP/WHEP offer into the SFU's answer plus what the
/// forwarding path needs to know about each accepted section (codec, payload type, simulcast
/// rids, header extension ids). Pure: no sockets, no clock; the caller supplies the local ICE
/// credentials, certificate fingerprint, candidate and SSRCs.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cohost/media/forwarder.hpp"
#include "cohost/wire/sdp.hpp"
#include "cohost/wire/sdp_answer.hpp"

namespace cohost::media::detail {

/// Header extension ids negotiated on one section (0 = not negotiated).
struct ExtIds {
    std::uint8_t mid = 0;
    std::uint8_t rid = 0;
    std::uint8_t repaired_rid = 0;
    std::uint8_t abs_send_time = 0;
    std::uint8_t audio_level = 0;
    std::uint8_t transport_cc = 0;
};

/// The codec of a section as the forwarder needs it.
struct CodecChoice {
    VideoCodec codec = VideoCodec::None;  ///< None = opus audio
    std::uint8_t payload_type = 0;
    std::uint32_t clock_rate = 0;
    std::string fmtp;  ///< H.264 profile-level-id (lower-case hex) for matching subscribers
};

/// One accepted section of a subscriber offer: a track slot the SFU sends on.
struct SubscribeSection {
    std::string mid;
    bool video = false;
    CodecChoice codec;
    ExtIds ext;
    std::uint32_t ssrc = 0;
    std::string track_id;
};

/// The remote transport parameters of an offer (first BUNDLE section).
struct RemoteTransport {
    std::string ufrag;
    std::string pwd;
    wire::sdp::Fingerprint fingerprint;
};

/// One answered section of a two-way session (LiveKit single peer connection).
struct SessionSection {
    std::string mid;
    bool video = false;
    bool publish = false;  ///< the SFU receives here (else it sends, or the section is inactive)
    bool send = false;     ///< the SFU sends here (a SendTrack named the mid)
    CodecChoice codec;
    ExtIds ext;
    std::vector<std::string> rids;     ///< publish sections: simulcast layers, low to high
    std::vector<std::uint32_t> ssrcs;  ///< publish sections: signalled media SSRCs
    std::string msid_stream, msid_track;
};
/// One accepted section of a publisher offer: a track the SFU receives.
using PublishSection = SessionSection;

struct PublishPlan {
    std::string answer_sdp;
    RemoteTransport remote;
    std::vector<PublishSection> sections;
    bool transport_cc = false;  ///< transport-cc feedback negotiated (else REMB)
};

struct SubscribePlan {
    std::string answer_sdp;
    RemoteTransport remote;
    std::vector<SubscribeSection> sections;
};

/// An offer the SFU cannot use; `message` names the problem (never echoes whole SDP).
struct PlanError {
    std::string message;
};

template <class T>
struct PlanResult {
    std::optional<T> value;
    PlanError error;
    [[nodiscard]] explicit operator bool() const noexcept { return value.has_value(); }
};

/// An offer parsed once, with what each audio/video section asks of the SFU.
struct OfferedSection {
    std::string mid;
    bool video = false;
    bool client_sends = false;     ///< sendonly/sendrecv: the SFU receives a track here
    bool client_receives = false;  ///< recvonly/sendrecv: the SFU may send a track here
    std::string msid_track;        ///< the sender's track id (livekit-client: the AddTrack cid)
};
struct InspectedOffer {
    wire::sdp::SessionDescription offer;
    RemoteTransport remote;
    std::vector<OfferedSection> sections;  ///< active audio/video sections with a mid
};
/// Parses an offer and lists its usable sections (no decision yet).
[[nodiscard]] PlanResult<InspectedOffer> inspect_offer(std::string_view offer);

/// The offer's `m=application` data channel section (RFC 8841), when the answer accepted it.
struct DataSection {
    std::string mid;
    std::uint16_t remote_port = 5000;           ///< the offer's `a=sctp-port` (default 5000)
    std::uint64_t remote_max_message = 65536;   ///< the offer's `a=max-message-size` (0: none)
};
/// Our `a=max-message-size` for data channels (what livekit-client expects: it sends at most
/// 64,000 bytes; data_packet.hpp kMaxDataPacketBytes is the same bound).
inline constexpr std::uint64_t kDataMaxMessageSize = 65536;

struct SessionPlan {
    std::string answer_sdp;
    std::vector<SessionSection> sections;
    bool transport_cc = false;
    std::optional<DataSection> data;  ///< set when data channels were accepted
};
/// Answers an inspected offer: sections the client sends on are received (simulcast accepted,
/// no RTX, transport-cc), sections named by `send_tracks` are answered sendonly with their
/// msid/SSRC, other receive sections inactive. Data channels (`m=application ...
/// webrtc-datachannel`) are accepted with `a=sctp-port:5000` and `a=max-message-size:65536`
/// when `accept_data_channels`, else rejected (port 0).
[[nodiscard]] PlanResult<SessionPlan> answer_offer(const InspectedOffer& offer,
                                                   const wire::sdp::LocalTransport& local,
                                                   std::uint64_t session_id,
                                                   std::uint64_t session_version,
                                                   const std::vector<wire::sdp::SendTrack>& send_tracks,
                                                   std::optional<VideoCodec> video_codec = {},
                                                   bool accept_data_channels = false);

/// WHIP: accepts sendonly/sendrecv audio (opus) and video (VP8, H.264) sections, simulcast by
/// rid, without RTX; transport-cc and REMB feedback. Refuses an offer with nothing to publish.
[[nodiscard]] PlanResult<PublishPlan> plan_publish(std::string_view offer,
                                                   const wire::sdp::LocalTransport& local,
                                                   std::uint64_t session_id);

/// What a subscriber may be sent: the video codec of the track(s) it will get, if known.
struct SubscribeConstraints {
    std::optional<VideoCodec> video_codec;  ///< nullopt: VP8 preferred, H.264 accepted
    std::string stream_id = "cohost";
};

/// WHEP: answers recvonly/sendrecv audio and video sections as sendonly with one SSRC each
/// (`ssrcs` supplies them, one per accepted section, in order; it must be long enough for every
/// section of the offer). Refuses an offer with no audio or video section to send on.
[[nodiscard]] PlanResult<SubscribePlan> plan_subscribe(std::string_view offer,
                                                       const wire::sdp::LocalTransport& local,
                                                       std::uint64_t session_id,
                                                       const SubscribeConstraints& constraints,
                                                       const std::vector<std::uint32_t>& ssrcs);

/// Layer order of simulcast rids: `q` < `h` < `f` when those names are used (livekit-client and
/// most WHIP senders), else the order of `a=simulcast` (first = lowest).
[[nodiscard]] std::vector<std::string> order_rids(std::vector<std::string> rids);

}  // namespace cohost::media::detail
