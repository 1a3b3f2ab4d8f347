#pragma once
/// \file Wire layer of LiveKit signalling (livekit-protocol.md §4): the `join_request` query
/// parameter, `SignalRequest` frames from the client and `SignalResponse` frames to it.
///
/// The message types are generated from media/proto/livekit_{models,rtc}.proto (package
/// `livekit`, wire-compatible with @livekit/protocol; checked against it by
/// tests/unit/media/signal_codec_test.cpp). This unit only converts between bytes and those
/// messages; what a message means is the signalling session's business.
///
/// Framing (§4.2): one protobuf message per WebSocket message. livekit-client sends binary frames;
/// it also parses text frames as protobuf-JSON, so a server may answer in the format the client
/// last used. Text frames are accepted here too (handy for debugging with a plain WebSocket tool).
///
/// Every function is pure: no I/O, no logging, no global state besides protobuf's generated
/// descriptor pool. Bad input never throws; it comes back as a `Result` error of category
/// "livekit_signal" (`SignalCodecErrc`). Every input is bounded before it is decoded.
/// Thread-safety: all functions may be called concurrently from any thread; a returned message
/// is an independent value owned by the caller.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "cohost/core/result.hpp"
#include "livekit_rtc.pb.h"

namespace cohost::media {

/// Largest `WrappedJoinRequest`, after base64 decoding, that `decode_join_request` accepts. A
/// real one is about 2 KB (a gzip'd 7-m-line offer); the Go server has no smaller bound.
inline constexpr std::size_t kMaxJoinRequestWrappedBytes = 64 * 1024;
/// Largest `JoinRequest` after gzip inflation (about 18 KB in practice). Guards against a small
/// query value that inflates to gigabytes (zip bomb).
inline constexpr std::size_t kMaxJoinRequestInflatedBytes = 1024 * 1024;
/// Largest signalling frame `parse_signal_request` accepts, binary or JSON. Offers with many
/// simulcast sections are 25-40 KB; the WebSocket reader should enforce the same limit.
inline constexpr std::size_t kMaxSignalFrameBytes = 1024 * 1024;

/// Why a signalling input was refused (category "livekit_signal").
enum class SignalCodecErrc {
    BadEncoding = 1,     ///< join_request: not base64/base64url, or a bad `%XX` escape
    TooLarge,            ///< input over kMaxJoinRequestWrappedBytes or kMaxSignalFrameBytes
    InflatedTooLarge,    ///< gzip'd JoinRequest inflates past kMaxJoinRequestInflatedBytes
    BadWrapper,          ///< bytes are not a WrappedJoinRequest
    UnknownCompression,  ///< WrappedJoinRequest.compression is neither NONE nor GZIP
    BadGzip,             ///< truncated or corrupt gzip stream, or bytes after its end
    BadMessage,          ///< binary protobuf that does not parse as the expected message
    BadJson,             ///< text frame that is not protobuf-JSON of a SignalRequest
    SerializeFailed,     ///< the message could not be encoded (should not happen)
};
[[nodiscard]] boost::system::error_code make_error_code(SignalCodecErrc e) noexcept;

/// Decodes the `join_request` query parameter of `/rtc/v1` (§4.1): base64url with `=` padding
/// (standard base64 and missing padding are accepted too), then a `WrappedJoinRequest`, whose
/// `join_request` bytes are gzip-inflated when `compression == GZIP` and parsed as a
/// `JoinRequest`. `query_value` may still be URL-encoded (`%3D` for `=`): `%XX` escapes are
/// decoded first. Unknown fields are kept (a newer client's extras survive a round trip).
/// Errors: BadEncoding, TooLarge, BadWrapper, UnknownCompression, BadGzip, InflatedTooLarge,
/// BadMessage. Called by the WebSocket upgrade handler on the control thread.
[[nodiscard]] cohost::Result<livekit::JoinRequest> decode_join_request(
    std::string_view query_value);

/// Parses one client frame. `is_text == false`: binary protobuf. `is_text == true`:
/// protobuf-JSON (lowerCamelCase or proto field names, enum names or numbers, int64 as string or
/// number; unknown fields ignored, as a newer client may send them). A frame whose oneof is a
/// message cohost does not model parses fine with `message_case() == MESSAGE_NOT_SET`: the caller
/// ignores it. Errors: TooLarge (over kMaxSignalFrameBytes), BadMessage, BadJson.
[[nodiscard]] cohost::Result<livekit::SignalRequest> parse_signal_request(
    std::span<const std::byte> frame, bool is_text);
/// Same, over the bytes of a `std::string_view` (Beast buffers, test fixtures).
[[nodiscard]] cohost::Result<livekit::SignalRequest> parse_signal_request(std::string_view frame,
                                                                          bool is_text);

/// Encodes one server frame: binary protobuf (`as_text == false`, send as a binary WebSocket
/// message), or protobuf-JSON as livekit-client's `SignalResponse.fromJson` reads it
/// (`as_text == true`, a text message): lowerCamelCase keys (`serverInfo`, `pingInterval`,
/// `midToTrackId`), enum value names (`"DISABLED"`), int64 as decimal strings, default values
/// omitted. Error: SerializeFailed. Serialize once and share the bytes when fanning out (style.md).
[[nodiscard]] cohost::Result<std::string> serialize_signal_response(
    const livekit::SignalResponse& response, bool as_text);

}  // namespace cohost::media

template <>
struct boost::system::is_error_code_enum<cohost::media::SignalCodecErrc> : std::true_type {};
