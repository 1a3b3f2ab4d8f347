// RTP packet codec (RFC 3550) and RFC 8285 header extensions. See rtp.hpp for the contract.
#include "cohost/wire/rtp.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "cohost/wire/bytes.hpp"

namespace cohost::wire::rtp {

namespace {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class RtpCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "rtp"; }
    std::string message(int ev) const override {
        switch (static_cast<Errc>(ev)) {
            case Errc::TooShort:
                return "shorter than the RTP fixed header";
            case Errc::BadVersion:
                return "RTP version is not 2";
            case Errc::CsrcOverrun:
                return "CSRC list runs past the end";
            case Errc::ExtensionOverrun:
                return "header extension runs past the end";
            case Errc::PaddingOverrun:
                return "invalid padding count";
            case Errc::BadExtension:
                return "malformed header extension element";
            case Errc::BadField:
                return "header field out of range";
            case Errc::BufferTooSmall:
                return "output buffer too small";
        }
        return "rtp error";
    }
};
#pragma GCC diagnostic pop
const RtpCategory kCategory;

ExtensionForm form_of(std::uint16_t profile) noexcept {
    if (profile == kOneByteProfile) return ExtensionForm::OneByte;
    if ((profile & 0xFFF0) == kTwoByteProfile) return ExtensionForm::TwoByte;
    return ExtensionForm::Other;
}

/// One element's position inside the extension block, as the walker sees it.
struct Element {
    std::uint8_t id;
    std::size_t header;  // offset of the element header in the block
    std::size_t data;    // offset of the value in the block
    std::size_t size;
};

enum class Step { Element, End, Malformed };

/// RFC 8285 §4.2/§4.3: advances `pos` over padding and one element of `block`.
Step next_element(std::span<const std::byte> block, ExtensionForm form, std::size_t& pos,
                  Element& out) noexcept {
    // Padding bytes (value 0) may sit between elements and after the last one (§4.1).
    while (pos < block.size() && block[pos] == std::byte{0}) ++pos;
    if (pos >= block.size()) return Step::End;
    const std::uint8_t b = u8_at(block, pos);
    if (form == ExtensionForm::OneByte) {
        const auto id = static_cast<std::uint8_t>(b >> 4);
        const std::size_t size = (b & 0x0FU) + 1;
        if (id == 15) return Step::End;       // §4.2: stop processing, keep what came before
        if (id == 0) return Step::Malformed;  // id 0 with a non-zero length nibble
        if (size > block.size() - pos - 1) return Step::Malformed;
        out = {id, pos, pos + 1, size};
        pos += 1 + size;
        return Step::Element;
    }
    if (block.size() - pos < 2) return Step::Malformed;
    const std::size_t size = u8_at(block, pos + 1);
    if (size > block.size() - pos - 2) return Step::Malformed;
    out = {b, pos, pos + 2, size};
    pos += 2 + size;
    return Step::Element;
}

}  // namespace

boost::system::error_code make_error_code(Errc e) noexcept {
    return {static_cast<int>(e), kCategory};
}

std::uint32_t PacketView::csrc(std::size_t i) const noexcept {
    if (i >= csrc_count) return 0;
    return load_be32(bytes.data() + kFixedHeaderSize + 4 * i);
}

ExtensionForm PacketView::extension_form() const noexcept {
    return has_extension ? form_of(extension_profile) : ExtensionForm::None;
}

Result<PacketView> parse(std::span<const std::byte> in) noexcept {
    // RFC 3550 §5.1: V=2 | P | X | CC | M | PT | sequence | timestamp | SSRC | CSRC list.
    if (in.size() < kFixedHeaderSize) return make_error_code(Errc::TooShort);
    const std::uint8_t b0 = u8_at(in, 0);
    const std::uint8_t b1 = u8_at(in, 1);
    if ((b0 >> 6) != 2) return make_error_code(Errc::BadVersion);
    PacketView p;
    p.bytes = in;
    p.has_padding = (b0 & 0x20U) != 0;
    p.has_extension = (b0 & 0x10U) != 0;
    p.csrc_count = static_cast<std::uint8_t>(b0 & 0x0FU);
    p.marker = (b1 & 0x80U) != 0;
    p.payload_type = static_cast<std::uint8_t>(b1 & 0x7FU);
    p.sequence_number = load_be16(in.data() + 2);
    p.timestamp = load_be32(in.data() + 4);
    p.ssrc = load_be32(in.data() + 8);

    std::size_t pos = kFixedHeaderSize + 4 * std::size_t{p.csrc_count};
    if (pos > in.size()) return make_error_code(Errc::CsrcOverrun);
    if (p.has_extension) {
        // RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words, then the data.
        if (in.size() - pos < 4) return make_error_code(Errc::ExtensionOverrun);
        p.extension_profile = load_be16(in.data() + pos);
        const std::size_t words = load_be16(in.data() + pos + 2);
        pos += 4;
        if (4 * words > in.size() - pos) return make_error_code(Errc::ExtensionOverrun);
        p.extension_data = in.subspan(pos, 4 * words);
        pos += 4 * words;
    }
    p.header_size = pos;
    std::size_t end = in.size();
    if (p.has_padding) {
        // RFC 3550 §5.1: the last byte counts the padding, itself included. A count of 0 or
        // one reaching into the header is invalid. A padding-only packet (empty payload) is
        // valid: senders use it for bandwidth probing.
        if (end == pos) return make_error_code(Errc::PaddingOverrun);
        const std::uint8_t count = u8_at(in, end - 1);
        if (count == 0 || count > end - pos) return make_error_code(Errc::PaddingOverrun);
        p.padding_size = count;
        end -= count;
    }
    p.payload = in.subspan(pos, end - pos);
    return p;
}

// ---------------------------------------------------------------------------------------------
// Extensions

ExtensionReader::ExtensionReader(const PacketView& packet) noexcept
    : data_(packet.extension_data), form_(packet.extension_form()) {
    if (!data_.empty()) base_ = static_cast<std::size_t>(data_.data() - packet.bytes.data());
}

bool ExtensionReader::next(Extension& out) noexcept {
    if (malformed_ || (form_ != ExtensionForm::OneByte && form_ != ExtensionForm::TwoByte)) {
        return false;
    }
    Element e{};
    switch (next_element(data_, form_, pos_, e)) {
        case Step::Element:
            out = {e.id, data_.subspan(e.data, e.size), base_ + e.data};
            return true;
        case Step::End:
            pos_ = data_.size();
            return false;
        case Step::Malformed:
            malformed_ = true;
            return false;
    }
    return false;
}

std::optional<Extension> find_extension(const PacketView& packet, std::uint8_t id) noexcept {
    ExtensionReader r(packet);
    Extension e;
    while (r.next(e)) {
        if (e.id == id) return e;
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// In-place edits

bool set_marker(std::span<std::byte> packet, bool marker) noexcept {
    if (packet.size() < kFixedHeaderSize) return false;
    packet[1] = marker ? (packet[1] | std::byte{0x80}) : (packet[1] & std::byte{0x7F});
    return true;
}

bool set_payload_type(std::span<std::byte> packet, std::uint8_t payload_type) noexcept {
    if (packet.size() < kFixedHeaderSize || payload_type > 127) return false;
    packet[1] = (packet[1] & std::byte{0x80}) | std::byte{payload_type};
    return true;
}

bool set_sequence_number(std::span<std::byte> packet, std::uint16_t seq) noexcept {
    if (packet.size() < kFixedHeaderSize) return false;
    store_be16(packet.data() + 2, seq);
    return true;
}

bool set_timestamp(std::span<std::byte> packet, std::uint32_t timestamp) noexcept {
    if (packet.size() < kFixedHeaderSize) return false;
    store_be32(packet.data() + 4, timestamp);
    return true;
}

bool set_ssrc(std::span<std::byte> packet, std::uint32_t ssrc) noexcept {
    if (packet.size() < kFixedHeaderSize) return false;
    store_be32(packet.data() + 8, ssrc);
    return true;
}

Result<void> rewrite_extension_ids(std::span<std::byte> packet,
                                   const ExtensionIdMap& ids) noexcept {
    auto view = parse(packet);
    if (!view) return view.error();
    const ExtensionForm form = view->extension_form();
    if (form == ExtensionForm::None) return {};
    if (form == ExtensionForm::Other) return make_error_code(Errc::BadExtension);
    const std::span<const std::byte> block = view->extension_data;
    const auto base = static_cast<std::size_t>(block.data() - packet.data());

    // Pass 1: validate the whole list and every target id before touching anything.
    std::size_t pos = 0;
    Element e{};
    Step step;
    while ((step = next_element(block, form, pos, e)) == Step::Element) {
        const std::uint8_t to = ids.to[e.id];
        if (form == ExtensionForm::OneByte && to > kMaxOneByteId) {
            return make_error_code(Errc::BadExtension);
        }
    }
    if (step == Step::Malformed) return make_error_code(Errc::BadExtension);

    // Pass 2: rewrite. Stripped elements become zero (padding) bytes.
    pos = 0;
    while (next_element(block, form, pos, e) == Step::Element) {
        const std::uint8_t to = ids.to[e.id];
        std::byte* header = packet.data() + base + e.header;
        if (to == 0) {
            std::fill(header, packet.data() + base + e.data + e.size, std::byte{0});
        } else if (form == ExtensionForm::OneByte) {
            *header = static_cast<std::byte>((to << 4) | ((e.size - 1) & 0x0FU));
        } else {
            *header = std::byte{to};
        }
    }
    return {};
}

// ---------------------------------------------------------------------------------------------
// Serializer

namespace {

/// Size of the extension block (4-byte header + padded elements), 0 without extensions, or
/// nullopt when an element cannot be written. Sets `one_byte` to the form chosen.
std::optional<std::size_t> extension_block_size(const Packet& p, bool& one_byte) noexcept {
    if (p.extensions.empty()) return 0;
    one_byte = !p.force_two_byte;
    for (const auto& e : p.extensions) {
        if (e.id == 0 || e.data.size() > 255) return std::nullopt;
        if (e.id > kMaxOneByteId || e.data.empty() || e.data.size() > 16) one_byte = false;
    }
    std::size_t n = 0;
    for (const auto& e : p.extensions) n += (one_byte ? 1 : 2) + e.data.size();
    return 4 + ((n + 3) & ~std::size_t{3});
}

}  // namespace

std::size_t serialized_size(const Packet& p) noexcept {
    if (p.payload_type > 127 || p.csrcs.size() > kMaxCsrcs) return 0;
    bool one_byte = true;
    const auto ext = extension_block_size(p, one_byte);
    if (!ext) return 0;
    return kFixedHeaderSize + 4 * p.csrcs.size() + *ext + p.payload.size() + p.padding_size;
}

Result<std::size_t> serialize(const Packet& p, std::span<std::byte> out) noexcept {
    if (p.payload_type > 127 || p.csrcs.size() > kMaxCsrcs) return make_error_code(Errc::BadField);
    bool one_byte = true;
    const auto ext = extension_block_size(p, one_byte);
    if (!ext) return make_error_code(Errc::BadExtension);
    const std::size_t total =
        kFixedHeaderSize + 4 * p.csrcs.size() + *ext + p.payload.size() + p.padding_size;
    if (out.size() < total) return make_error_code(Errc::BufferTooSmall);

    std::byte* w = out.data();
    w[0] = std::byte{static_cast<std::uint8_t>(0x80U | (p.padding_size > 0 ? 0x20U : 0U) |
                                               (*ext > 0 ? 0x10U : 0U) | p.csrcs.size())};
    w[1] = std::byte{static_cast<std::uint8_t>((p.marker ? 0x80U : 0U) | p.payload_type)};
    store_be16(w + 2, p.sequence_number);
    store_be32(w + 4, p.timestamp);
    store_be32(w + 8, p.ssrc);
    w += kFixedHeaderSize;
    for (std::uint32_t c : p.csrcs) {
        store_be32(w, c);
        w += 4;
    }
    if (*ext > 0) {
        store_be16(w, one_byte ? kOneByteProfile : kTwoByteProfile);
        store_be16(w + 2, static_cast<std::uint16_t>((*ext - 4) / 4));
        std::byte* e = w + 4;
        std::fill(e, w + *ext, std::byte{0});
        for (const auto& x : p.extensions) {
            if (one_byte) {
                *e++ = std::byte{static_cast<std::uint8_t>((x.id << 4) | (x.data.size() - 1))};
            } else {
                *e++ = std::byte{x.id};
                *e++ = std::byte{static_cast<std::uint8_t>(x.data.size())};
            }
            if (!x.data.empty()) std::memcpy(e, x.data.data(), x.data.size());
            e += x.data.size();
        }
        w += *ext;
    }
    if (!p.payload.empty()) std::memcpy(w, p.payload.data(), p.payload.size());
    w += p.payload.size();
    if (p.padding_size > 0) {
        std::fill(w, w + p.padding_size - 1, std::byte{0});
        w[p.padding_size - 1] = std::byte{p.padding_size};
    }
    return total;
}

}  // namespace cohost::wire::rtp
