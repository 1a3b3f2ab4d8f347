#pragma once
// The realtime wire format (product.md §5, §10 "Realtime frames"): parsing of client frames and
// rendering of server frames. Pure: no I/O, no logging, no clock, no global state.
//
// Client → server:  {"type":"subscribe","topic":"room:RM_x","since":12?}
//                   {"type":"unsubscribe","topic":"room:RM_x"}
//                   {"type":"ping"}
// Server → client:  subscribed, unsubscribed, resync_required, event, pong, error.
//
// Unknown fields in client frames are ignored (forward compatibility); everything else that is
// not exactly one of the three shapes above is refused with an `invalid_json` or
// `invalid_argument` error frame.
#include <boost/system/result.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cohost/server/rooms/errors.hpp"

namespace cohost::server::realtime::detail {

/// A rendered server frame, shared by every session it is queued on (serialized once).
using Frame = std::shared_ptr<const std::string>;

/// Longest id accepted after `room:` / `user:`.
constexpr std::size_t kMaxTopicIdLength = 128;

/// `room:<id>` or `user:<id>`, id 1–128 chars of `[A-Za-z0-9_.@-]`.
[[nodiscard]] bool is_valid_topic(std::string_view topic) noexcept;

/// A well-formed client frame.
struct ClientFrame {
    enum class Kind : std::uint8_t { Subscribe, Unsubscribe, Ping };
    Kind kind = Kind::Ping;
    std::string topic;                  ///< subscribe / unsubscribe: a valid topic
    std::optional<std::int64_t> since;  ///< subscribe only: >= 0 when present
};

/// Why a client frame was refused; rendered as an `error` frame.
struct FrameError {
    rooms::Errc code = rooms::Errc::InvalidArgument;  ///< InvalidJson or InvalidArgument
    std::string message;
    std::string topic;  ///< echoed back when the frame carried a string `topic`; may be empty
};

using ParseResult = boost::system::result<ClientFrame, FrameError>;

/// Parses one text frame. Never throws on any input (allocation failure aside).
[[nodiscard]] ParseResult parse_client_frame(std::string_view text);

// ---- server frames -------------------------------------------------------------------------

/// Appends `s` as a JSON string literal (quotes included). `s` must be valid UTF-8; control
/// characters, `"` and `\` are escaped.
void append_json_string(std::string& out, std::string_view s);

[[nodiscard]] std::string render_subscribed(std::string_view topic, std::int64_t seq);
[[nodiscard]] std::string render_unsubscribed(std::string_view topic);
[[nodiscard]] std::string render_resync_required(std::string_view topic, std::int64_t seq);
/// `{"type":"error","code","message","topic"?}`; `topic` is omitted when empty.
[[nodiscard]] std::string render_error(std::string_view code, std::string_view message,
                                       std::string_view topic);
/// The shared `{"type":"pong"}` frame.
[[nodiscard]] const Frame& pong_frame();

// ---- WebSocket framing of server frames (RFC 6455 §5.2) -------------------------------------

/// Longest header of an unmasked server frame: 2 bytes + a 64-bit length.
constexpr std::size_t kMaxFrameHeader = 10;
/// Header bytes of an unmasked, final, uncompressed text frame of `payload` bytes: 2, 4 or 10.
[[nodiscard]] constexpr std::size_t text_frame_header_size(std::size_t payload) noexcept {
    return payload < 126 ? 2 : payload <= 0xFFFF ? 4 : 10;
}
/// Appends that header (FIN + opcode 1, no mask, the shortest length encoding) to `out`.
void append_text_frame_header(std::string& out, std::size_t payload);

}  // namespace cohost::server::realtime::detail
