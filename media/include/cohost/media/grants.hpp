#pragma once
/// \file LiveKit access tokens as the media plane reads them (livekit-protocol.md §1): verify an
/// HS256 token under the API key/secret and extract the identity and the `video` grant, with
/// LiveKit's defaults (absent `canPublish`/`canSubscribe` = true, absent `canPublishData` = the
/// value of `canPublish`). Used by WHIP/WHEP today and by `/rtc` signalling next.
/// Pure functions, any thread; error messages never contain the token or the secret.
#include <string>
#include <string_view>
#include <vector>

#include "cohost/core/result.hpp"
#include "cohost/core/time.hpp"

namespace cohost::media {

/// The parts of a verified token the SFU enforces.
struct Grants {
    std::string identity;  ///< `sub`
    std::string name;      ///< `name` (may be empty)
    std::string room;      ///< `video.room` (may be empty: then the token is not for a room)
    bool room_join = false;
    bool can_publish = true;
    bool can_subscribe = true;
    bool can_publish_data = true;
    bool hidden = false;
    bool room_create = false;  ///< RoomService: CreateRoom, DeleteRoom
    bool room_list = false;    ///< RoomService: ListRooms
    bool room_admin = false;   ///< RoomService: per-room administration (with `room`)
    std::vector<std::string> can_publish_sources;  ///< empty = all sources
};

/// Why a token was refused (category "media-token").
enum class TokenErrc {
    Missing = 1,  ///< no token at all
    Invalid,      ///< malformed, wrong algorithm or a claim of the wrong type
    Expired,      ///< `exp` (plus leeway) has passed, or `nbf` is still ahead
    BadSignature, ///< signed with another secret, or tampered with
    UnknownKey,   ///< `iss` is not this server's API key
    NoIdentity,   ///< no `sub`
    BadGrant,     ///< `video` is present but not an object, or a field has the wrong type
};
[[nodiscard]] boost::system::error_code make_error_code(TokenErrc e) noexcept;

/// Verifies `token` (HS256, `iss` = `api_key`, `exp` required, 10 s leeway) and reads its grants.
/// `require_identity`: participant tokens need `sub`; server API tokens (RoomService) have none.
[[nodiscard]] Result<Grants> verify_access_token(std::string_view token, std::string_view api_key,
                                                 std::string_view api_secret, core::TimePoint now,
                                                 bool require_identity = true) noexcept;

/// The token of an `Authorization: Bearer <token>` header value ("" when the scheme is not
/// Bearer; the scheme is case-insensitive, RFC 6750 §2.1).
[[nodiscard]] std::string_view bearer_token(std::string_view authorization) noexcept;

}  // namespace cohost::media

template <>
struct boost::system::is_error_code_enum<cohost::media::TokenErrc> : std::true_type {};
