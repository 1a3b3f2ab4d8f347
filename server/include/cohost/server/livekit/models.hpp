#pragma once
/// \file The subset of LiveKit's protobuf messages the control plane reads and writes, as plain
/// structs, with their protobuf-JSON codecs (reference/livekit-protocol.md §2.3, §3).
///
/// JSON rules (protobuf canonical JSON): writers use lowerCamelCase names and omit defaults
/// (false, 0, "", empty lists, enum value 0); int64 are written as strings. Readers accept both
/// lowerCamelCase and proto (snake_case) names, int64 as string or number, enums as names or
/// numbers, treat absent fields as defaults and ignore unknown fields.
///
/// Enum fields hold the value name. A name this build does not know is kept as is; a number it
/// does not know is kept as its decimal text and written back as that number, so newer servers'
/// values survive a read/write round trip.
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cohost/core/result.hpp"

namespace cohost::server::livekit {

/// `ParticipantPermission` (JSON `canSubscribe`, `canPublish`, `canPublishData`,
/// `canPublishSources` [enum names: CAMERA, MICROPHONE, SCREEN_SHARE, SCREEN_SHARE_AUDIO], `hidden`).
struct ParticipantPermission {
    bool can_subscribe = false;
    bool can_publish = false;
    bool can_publish_data = false;
    std::vector<std::string> can_publish_sources;  ///< enum names
    bool hidden = false;
};

/// `TrackInfo`: `type` is AUDIO|VIDEO|DATA, `source` is UNKNOWN|CAMERA|MICROPHONE|SCREEN_SHARE|
/// SCREEN_SHARE_AUDIO (enum names; numbers are mapped to names when read).
struct TrackInfo {
    std::string sid;
    std::string type = "AUDIO";
    std::string name;
    std::string source = "UNKNOWN";
    bool muted = false;
};

/// `ParticipantInfo`: `state` is JOINING|JOINED|ACTIVE|DISCONNECTED.
struct ParticipantInfo {
    std::string sid;
    std::string identity;
    std::string name;
    std::string state = "JOINING";
    std::string metadata;
    std::int64_t joined_at = 0;  ///< unix seconds
    bool is_publisher = false;
    std::optional<ParticipantPermission> permission;
    std::vector<TrackInfo> tracks;
};

/// `Room`.
struct RoomInfo {
    std::string sid;
    std::string name;
    std::string metadata;
    std::uint32_t empty_timeout = 0;
    std::uint32_t max_participants = 0;
    std::int64_t creation_time = 0;  ///< unix seconds
    std::uint32_t num_participants = 0;
    std::uint32_t num_publishers = 0;
};

/// `WebhookEvent` (§3). `event` is e.g. `participant_joined`; `id` is `EV_…`.
struct WebhookEvent {
    std::string id;
    std::string event;
    std::optional<RoomInfo> room;
    std::optional<ParticipantInfo> participant;
    std::optional<TrackInfo> track;
    std::int64_t created_at = 0;  ///< unix seconds
    std::int32_t num_dropped = 0;
};

// ---- protobuf-JSON codecs -----------------------------------------------------------------
// Readers return an error (boost::system::errc::invalid_argument) when a known field has the
// wrong JSON type or the top level is not an object; they never throw.

[[nodiscard]] boost::json::object to_json(const ParticipantPermission& p);
[[nodiscard]] boost::json::object to_json(const TrackInfo& t);
[[nodiscard]] boost::json::object to_json(const ParticipantInfo& p);
[[nodiscard]] boost::json::object to_json(const RoomInfo& r);
[[nodiscard]] boost::json::object to_json(const WebhookEvent& e);

[[nodiscard]] Result<ParticipantPermission> permission_from_json(const boost::json::value& v);
[[nodiscard]] Result<TrackInfo> track_from_json(const boost::json::value& v);
[[nodiscard]] Result<ParticipantInfo> participant_from_json(const boost::json::value& v);
[[nodiscard]] Result<RoomInfo> room_from_json(const boost::json::value& v);
[[nodiscard]] Result<WebhookEvent> webhook_event_from_json(const boost::json::value& v);

}  // namespace cohost::server::livekit
