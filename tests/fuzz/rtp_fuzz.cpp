// libFuzzer target for the RTP codec (wire/include/cohost/wire/rtp.hpp), its extension value
// helpers, sequence unwrapping, and VP8/H.264 payload inspection (rtp_codecs.hpp).
//
// Properties, for any input bytes:
//  1. parse() never reads out of bounds; on success header_size + payload + padding is the
//     input size, the extension block lies in the header, and demux calls it RTP or RTCP;
//  2. for a one-byte, two-byte or absent extension block whose elements are well formed,
//     serialize() of the parsed fields, elements, payload and padding parses back to the same
//     fields, the same elements in order and the same payload;
//  3. rewrite_extension_ids() with an id map derived from the input either fails and leaves the
//     packet byte-identical, or keeps the packet parseable with the same size and payload and
//     the mapped (non-stripped) elements in the original order;
//  4. the set_* helpers change exactly their field;
//  5. VP8/H.264 inspection of the payload never crashes; a VP8 keyframe is a frame start, the
//     descriptor is shorter than the payload, and a rewritten picture id reads back;
//  6. unwrapping sequence numbers taken from the input stays congruent mod 2^16 and moves by
//     less than 2^15 per step.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cohost/wire/bytes.hpp"
#include "cohost/wire/demux.hpp"
#include "cohost/wire/rtp.hpp"
#include "cohost/wire/rtp_codecs.hpp"
#include "cohost/wire/rtp_extensions.hpp"
#include "cohost/wire/rtp_sequence.hpp"
#include "fuzz_check.hpp"

namespace {

namespace rtp = cohost::wire::rtp;
using Bytes = std::span<const std::byte>;

bool same_bytes(Bytes a, Bytes b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

struct Walk {
    std::vector<rtp::Extension> elements;
    bool malformed = false;
};

Walk walk(const rtp::PacketView& p) {
    Walk w;
    rtp::ExtensionReader r(p);
    rtp::Extension e;
    while (r.next(e)) {
        FUZZ_CHECK(e.id != 0);
        FUZZ_CHECK(e.data.data() == p.bytes.data() + e.data_offset);
        FUZZ_CHECK(e.data_offset + e.data.size() <= p.header_size);
        w.elements.push_back(e);
        // Value helpers on every element: must not crash whatever the size.
        (void)rtp::read_abs_send_time(e.data);
        (void)rtp::read_transport_cc(e.data);
        (void)rtp::read_audio_level(e.data);
        if (auto s = rtp::read_sdes_string(e.data))
            FUZZ_CHECK(!s->empty() && s->size() <= e.data.size());
    }
    w.malformed = r.malformed();
    return w;
}

void check_invariants(const rtp::PacketView& p, Bytes in) {
    FUZZ_CHECK(p.header_size + p.payload.size() + p.padding_size == in.size());
    FUZZ_CHECK(p.payload.data() == in.data() + p.header_size || p.payload.empty());
    FUZZ_CHECK((p.padding_size == 0) == !p.has_padding);
    FUZZ_CHECK(p.extension_data.size() % 4 == 0);
    if (p.has_extension) {
        FUZZ_CHECK(p.extension_data.data() + p.extension_data.size() == in.data() + p.header_size);
    }
    const auto kind = cohost::wire::classify(in);
    FUZZ_CHECK(kind == cohost::wire::PacketKind::Rtp || kind == cohost::wire::PacketKind::Rtcp);
}

void check_round_trip(const rtp::PacketView& p, const Walk& w) {
    const auto form = p.extension_form();
    if (form == rtp::ExtensionForm::Other || w.malformed) return;
    std::vector<std::uint32_t> csrcs;
    for (std::size_t i = 0; i < p.csrc_count; ++i) csrcs.push_back(p.csrc(i));
    std::vector<rtp::ExtensionElement> ext;
    for (const auto& e : w.elements) ext.push_back({e.id, e.data});
    rtp::Packet pkt;
    pkt.marker = p.marker;
    pkt.payload_type = p.payload_type;
    pkt.sequence_number = p.sequence_number;
    pkt.timestamp = p.timestamp;
    pkt.ssrc = p.ssrc;
    pkt.csrcs = csrcs;
    pkt.extensions = ext;
    pkt.force_two_byte = form == rtp::ExtensionForm::TwoByte;
    pkt.payload = p.payload;
    pkt.padding_size = p.padding_size;
    std::vector<std::byte> out(rtp::serialized_size(pkt));
    FUZZ_CHECK(!out.empty());
    const auto n = rtp::serialize(pkt, out);
    FUZZ_CHECK(n.has_value() && *n == out.size());
    const auto q = rtp::parse(out);
    FUZZ_CHECK(q.has_value());
    FUZZ_CHECK(q->marker == p.marker && q->payload_type == p.payload_type);
    FUZZ_CHECK(q->sequence_number == p.sequence_number && q->timestamp == p.timestamp);
    FUZZ_CHECK(q->ssrc == p.ssrc && q->csrc_count == p.csrc_count);
    FUZZ_CHECK(q->padding_size == p.padding_size);
    FUZZ_CHECK(same_bytes(q->payload, p.payload));
    FUZZ_CHECK(q->extension_form() == (ext.empty() ? rtp::ExtensionForm::None : form));
    const Walk w2 = walk(*q);
    FUZZ_CHECK(!w2.malformed && w2.elements.size() == w.elements.size());
    for (std::size_t i = 0; i < w.elements.size(); ++i) {
        FUZZ_CHECK(w2.elements[i].id == w.elements[i].id);
        FUZZ_CHECK(same_bytes(w2.elements[i].data, w.elements[i].data));
    }
}

void check_rewrite(const rtp::PacketView& p, const Walk& w, Bytes in) {
    rtp::ExtensionIdMap ids;
    const auto seed = static_cast<unsigned>(p.ssrc);
    for (unsigned i = 1; i < 256; ++i) {
        // Mostly valid one-byte ids, some strips, and occasionally an id a one-byte block
        // cannot carry.
        const unsigned r = (i * 2654435761U + seed) >> 24;
        ids.to[i] = static_cast<std::uint8_t>(r % 8 == 0 ? 0 : (r % 31 == 0 ? 200 : 1 + r % 14));
    }
    std::vector<std::byte> copy(in.begin(), in.end());
    const auto res = rtp::rewrite_extension_ids(copy, ids);
    if (!res) {
        FUZZ_CHECK(same_bytes(copy, in));
        return;
    }
    const auto q = rtp::parse(copy);
    FUZZ_CHECK(q.has_value() && q->header_size == p.header_size);
    FUZZ_CHECK(same_bytes(q->payload, p.payload));
    const Walk w2 = walk(*q);
    FUZZ_CHECK(!w2.malformed);
    std::size_t j = 0;
    for (const auto& e : w.elements) {
        const std::uint8_t to = ids.to[e.id];
        if (to == 0) continue;
        FUZZ_CHECK(j < w2.elements.size());
        FUZZ_CHECK(w2.elements[j].id == to && same_bytes(w2.elements[j].data, e.data));
        ++j;
    }
    FUZZ_CHECK(j == w2.elements.size());
}

void check_setters(const rtp::PacketView& p, Bytes in) {
    std::vector<std::byte> copy(in.begin(), in.end());
    const auto pt = static_cast<std::uint8_t>((p.payload_type + 1) & 0x7F);
    FUZZ_CHECK(rtp::set_ssrc(copy, ~p.ssrc) && rtp::set_payload_type(copy, pt));
    FUZZ_CHECK(rtp::set_sequence_number(copy, static_cast<std::uint16_t>(p.sequence_number + 1)));
    FUZZ_CHECK(rtp::set_timestamp(copy, p.timestamp + 90000) && rtp::set_marker(copy, !p.marker));
    const auto q = rtp::parse(copy);
    FUZZ_CHECK(q.has_value());
    FUZZ_CHECK(q->ssrc == ~p.ssrc && q->payload_type == pt && q->marker == !p.marker);
    FUZZ_CHECK(q->sequence_number == static_cast<std::uint16_t>(p.sequence_number + 1));
    FUZZ_CHECK(q->timestamp == p.timestamp + 90000);
    FUZZ_CHECK(same_bytes(q->payload, p.payload) && q->header_size == p.header_size);
}

void check_payload(Bytes payload) {
    if (auto d = rtp::parse_vp8(payload)) {
        FUZZ_CHECK(d->size < payload.size());
        FUZZ_CHECK(!d->keyframe || d->frame_start());
        if (d->picture_id) {
            std::vector<std::byte> copy(payload.begin(), payload.end());
            FUZZ_CHECK(rtp::set_vp8_picture_id(copy, *d, 0x1234));
            const auto again = rtp::parse_vp8(copy);
            FUZZ_CHECK(again.has_value() && again->size == d->size);
            FUZZ_CHECK(*again->picture_id == (d->picture_id_15bit ? 0x1234 : 0x34));
        }
    }
    if (auto h = rtp::parse_h264(payload)) FUZZ_CHECK(h->keyframe() == (h->has_idr || h->has_sps));
}

void check_unwrap(Bytes in) {
    rtp::SequenceUnwrapper u;
    std::int64_t prev = 0;
    for (std::size_t i = 0; i + 1 < in.size() && i < 64; i += 2) {
        const auto seq = cohost::wire::load_be16(in.data() + i);
        const std::int64_t v = u.unwrap(seq);
        FUZZ_CHECK(static_cast<std::uint16_t>(v) == seq);
        if (i > 0) FUZZ_CHECK(v - prev <= 32767 && prev - v <= 32768);
        prev = v;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Bytes in(reinterpret_cast<const std::byte*>(data), size);
    check_unwrap(in);
    const auto p = rtp::parse(in);
    if (!p) return 0;
    check_invariants(*p, in);
    const Walk w = walk(*p);
    check_round_trip(*p, w);
    check_rewrite(*p, w, in);
    check_setters(*p, in);
    check_payload(p->payload);
    return 0;
}
