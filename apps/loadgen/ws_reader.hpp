#pragma once
/// \file Lean client-side WebSocket frame reader for loadgen's realtime subscribers.
///
/// Once the HTTP upgrade is done, a subscriber reads the raw socket into this reader's buffer
/// (`prepare` / `commit`) and pulls every complete message out of it (`next`), so one read of
/// many frames costs one syscall and no per-frame allocation, UTF-8 validation or copy.
///
/// Scope (RFC 6455, client side, no extensions negotiated):
///  - server→client frames must be unmasked; RSV bits must be 0; lengths use the minimal
///    7-bit / 16-bit / 64-bit encoding; anything else is a protocol error (`Kind::error`).
///  - text and binary messages may be fragmented (FIN / continuation); control frames (ping,
///    pong, close) may arrive between fragments, must have FIN set and at most 125 bytes.
///  - a message larger than `max_message` is an error (the same limit Beast's
///    `read_message_max` enforced before).
///  - after an error the reader stays failed: every later `next()` returns the same error.
///
/// Not thread-safe; one reader per connection. `encode_client_frame` builds the masked frames a
/// client must send (pong, close).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace cohost::loadgen {

/// One thing `WsReader::next()` found.
struct WsMessage {
    enum class Kind {
        need_more,  ///< no complete message buffered: read more bytes
        text,       ///< a complete text message in `payload`
        binary,     ///< a complete binary message in `payload`
        ping,       ///< `payload` must be echoed in a pong
        pong,
        close,  ///< `close_code` (0 when the frame had no body) and `payload` = the reason
        error,  ///< protocol error, described in `payload` (a static string)
    };
    Kind kind = Kind::need_more;
    /// Views the reader's buffer: valid until the next call to `next()`, `prepare()` or
    /// `commit()` on the same reader.
    std::string_view payload;
    std::uint16_t close_code = 0;
};

class WsReader {
public:
    /// `read_size`: the buffer space `prepare()` offers per read (it grows beyond it only to fit
    /// one frame that is larger). `max_message`: the largest accepted message, in bytes.
    explicit WsReader(std::size_t read_size = 64 * 1024, std::size_t max_message = 256 * 1024);

    /// Free space to read into (at least `read_size` bytes). Moves a buffered partial frame to
    /// the front of the buffer first, which invalidates earlier payload views.
    [[nodiscard]] std::span<char> prepare();
    /// Marks `n` bytes of the span returned by `prepare()` as received.
    void commit(std::size_t n);
    /// The next complete message, control frame or error; `need_more` when the buffer ends
    /// inside a frame (or is empty).
    [[nodiscard]] WsMessage next();

    /// Bytes received but not yet returned by `next()` (a partial frame, usually).
    [[nodiscard]] std::size_t buffered() const noexcept { return end_ - begin_; }

private:
    WsMessage fail(const char* why);

    std::size_t read_size_;
    std::size_t max_message_;
    std::unique_ptr<char[]> buf_;  // uninitialised: only the pages that reads touch get mapped
    std::size_t cap_ = 0;
    std::size_t begin_ = 0;  // first unparsed byte
    std::size_t end_ = 0;    // one past the last received byte
    std::string fragments_;  // a fragmented message being reassembled
    bool in_fragmented_ = false;
    bool fragmented_binary_ = false;
    const char* error_ = nullptr;
};

/// Opcodes a client sends.
enum class WsOpcode : std::uint8_t { text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA };

/// A complete, FIN-set client frame masked with `mask_key` (clients must mask, RFC 6455 §5.3).
[[nodiscard]] std::string encode_client_frame(WsOpcode op, std::string_view payload,
                                              std::uint32_t mask_key);
/// The payload of a close frame: `code` (big-endian) followed by `reason`.
[[nodiscard]] std::string close_payload(std::uint16_t code, std::string_view reason);

}  // namespace cohost::loadgen
