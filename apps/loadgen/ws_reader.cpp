// Client-side WebSocket frame parser (RFC 6455 §5.2), see ws_reader.hpp for the scope.
#include "ws_reader.hpp"

#include <algorithm>
#include <cstring>

namespace cohost::loadgen {

namespace {

constexpr std::uint8_t kFin = 0x80;
constexpr std::uint8_t kRsv = 0x70;
constexpr std::uint8_t kMask = 0x80;

std::uint8_t byte(const char* p, std::size_t i) noexcept {
    return static_cast<std::uint8_t>(p[i]);
}

}  // namespace

WsReader::WsReader(std::size_t read_size, std::size_t max_message)
    : read_size_(std::max<std::size_t>(read_size, 16)), max_message_(max_message) {}

std::span<char> WsReader::prepare() {
    if (begin_ == end_) {
        begin_ = end_ = 0;
    }
    if (cap_ - end_ < read_size_ && begin_ > 0) {
        std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (cap_ - end_ < read_size_) {
        const std::size_t cap = end_ + read_size_;
        std::unique_ptr<char[]> grown(new char[cap]);
        if (end_ > 0) {
            std::memcpy(grown.get(), buf_.get(), end_);
        }
        buf_ = std::move(grown);
        cap_ = cap;
    }
    return {buf_.get() + end_, cap_ - end_};
}

void WsReader::commit(std::size_t n) {
    end_ += std::min(n, cap_ - end_);
}

WsMessage WsReader::fail(const char* why) {
    error_ = why;
    begin_ = end_;  // nothing after a framing error can be trusted
    return {WsMessage::Kind::error, why, 0};
}

WsMessage WsReader::next() {
    using Kind = WsMessage::Kind;
    if (error_ != nullptr) {
        return {Kind::error, error_, 0};
    }
    for (;;) {
        const char* p = buf_.get() + begin_;
        const std::size_t n = end_ - begin_;
        if (n < 2) {
            return {};
        }
        const std::uint8_t b0 = byte(p, 0);
        const std::uint8_t b1 = byte(p, 1);
        if ((b0 & kRsv) != 0) {
            return fail("reserved bits set (no extension was negotiated)");
        }
        if ((b1 & kMask) != 0) {
            return fail("masked frame from the server");
        }
        const std::uint8_t op = b0 & 0x0F;
        const bool fin = (b0 & kFin) != 0;
        const bool control = (op & 0x08) != 0;
        if (control ? (op > 0xA) : (op > 0x2)) {
            return fail("unknown opcode");
        }
        std::uint64_t len = b1 & 0x7F;
        std::size_t header = 2;
        if (len == 126) {
            if (n < 4) {
                return {};
            }
            len = (std::uint64_t{byte(p, 2)} << 8) | byte(p, 3);
            header = 4;
            if (len < 126) {
                return fail("non-minimal 16-bit length");
            }
        } else if (len == 127) {
            if (n < 10) {
                return {};
            }
            len = 0;
            for (std::size_t i = 2; i < 10; ++i) {
                len = (len << 8) | byte(p, i);
            }
            header = 10;
            if ((len >> 63) != 0) {
                return fail("64-bit length with the high bit set");
            }
            if (len <= 0xFFFF) {
                return fail("non-minimal 64-bit length");
            }
        }
        if (control) {
            if (!fin) {
                return fail("fragmented control frame");
            }
            if (len > 125) {
                return fail("control frame longer than 125 bytes");
            }
        } else {
            const std::uint64_t so_far = (op == 0 && in_fragmented_) ? fragments_.size() : 0;
            if (len > max_message_ || so_far + len > max_message_) {
                return fail("message larger than the limit");
            }
        }
        if (n - header < len) {
            return {};
        }
        const std::string_view payload(p + header, static_cast<std::size_t>(len));
        begin_ += header + static_cast<std::size_t>(len);
        switch (op) {
            case 0x0:
                if (!in_fragmented_) {
                    return fail("continuation frame outside a fragmented message");
                }
                fragments_.append(payload);
                if (fin) {
                    in_fragmented_ = false;
                    return {fragmented_binary_ ? Kind::binary : Kind::text, fragments_, 0};
                }
                continue;
            case 0x1:
            case 0x2:
                if (in_fragmented_) {
                    return fail("new message inside a fragmented message");
                }
                if (fin) {
                    return {op == 0x2 ? Kind::binary : Kind::text, payload, 0};
                }
                in_fragmented_ = true;
                fragmented_binary_ = op == 0x2;
                fragments_.assign(payload);
                continue;
            case 0x8: {
                if (len == 1) {
                    return fail("close frame with a 1-byte body");
                }
                WsMessage m{Kind::close, {}, 0};
                if (len >= 2) {
                    m.close_code = static_cast<std::uint16_t>((byte(payload.data(), 0) << 8) |
                                                              byte(payload.data(), 1));
                    m.payload = payload.substr(2);
                }
                return m;
            }
            case 0x9:
                return {Kind::ping, payload, 0};
            case 0xA:
                return {Kind::pong, payload, 0};
            default:
                return fail("unknown opcode");  // reserved control opcodes 0xB-0xF
        }
    }
}

std::string encode_client_frame(WsOpcode op, std::string_view payload, std::uint32_t mask_key) {
    std::string out;
    out.reserve(payload.size() + 14);
    out.push_back(static_cast<char>(kFin | static_cast<std::uint8_t>(op)));
    const std::uint64_t len = payload.size();
    if (len < 126) {
        out.push_back(static_cast<char>(kMask | len));
    } else if (len <= 0xFFFF) {
        out.push_back(static_cast<char>(kMask | 126));
        out.push_back(static_cast<char>(len >> 8));
        out.push_back(static_cast<char>(len & 0xFF));
    } else {
        out.push_back(static_cast<char>(kMask | 127));
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.push_back(static_cast<char>((len >> shift) & 0xFF));
        }
    }
    char key[4];
    for (int i = 0; i < 4; ++i) {
        key[i] = static_cast<char>((mask_key >> (24 - 8 * i)) & 0xFF);
        out.push_back(key[i]);
    }
    for (std::size_t i = 0; i < payload.size(); ++i) {
        out.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
    }
    return out;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
    std::string out;
    out.reserve(2 + reason.size());
    out.push_back(static_cast<char>(code >> 8));
    out.push_back(static_cast<char>(code & 0xFF));
    out.append(reason);
    return out;
}

}  // namespace cohost::loadgen
