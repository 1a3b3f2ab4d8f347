// libFuzzer target for the RTCP compound codec (wire/include/cohost/wire/rtcp.hpp,
// rtcp_twcc.hpp, rtcp_build.hpp).
//
// Properties, for any input bytes:
//  1. parse() never reads out of bounds (ASan/UBSan) and its options only widen or narrow what is
//     accepted: strict (report first) accepts a subset of the default, lenient padding a superset;
//  2. an accepted compound tiles the input exactly: packets are whole 32-bit words, their count
//     is packet_count(), each has the kind its typed accessor agrees with;
//  3. every accessor of every packet is exercised (report blocks, SDES items, BYE reason, NACK
//     lost list, FIR entries, REMB SSRCs, every transport-cc status), and counts agree with the
//     decoded lists (NACK: 1 + popcount(BLP) per entry; transport-cc: received_count());
//  4. what the builders can express is re-encoded and re-parsed to the same values: SR, RR
//     (without profile extensions), CNAME-only SDES, BYE, NACK (same set of sequence numbers),
//     PLI, FIR, REMB, and transport-cc (same received sequence numbers and arrival times modulo
//     the reference-time wrap; everything in between reported lost).
#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string_view>
#include <vector>

#include "cohost/wire/rtcp.hpp"
#include "cohost/wire/rtcp_build.hpp"
#include "cohost/wire/rtcp_twcc.hpp"
#include "fuzz_check.hpp"

namespace {

namespace rtcp = cohost::wire::rtcp;

// Room for any packet a builder can produce from a parsed one (transport-cc: 64K statuses).
std::vector<std::byte>& scratch() {
    static std::vector<std::byte> buf(std::size_t{65536} * 4 + 64);
    return buf;
}

// Builds `packet`, parses the result as a lone packet (reduced-size rules) and returns it.
template <class P>
rtcp::PacketView rebuild(const P& packet) {
    auto& buf = scratch();
    auto n = rtcp::serialize(packet, buf);
    FUZZ_CHECK(n.has_value());
    FUZZ_CHECK(*n % 4 == 0);
    auto c = rtcp::parse(std::span<const std::byte>(buf).first(*n));
    FUZZ_CHECK(c.has_value());
    FUZZ_CHECK(c->packet_count() == 1);
    return *c->begin();
}

void check_reports(const rtcp::PacketView& p) {
    if (auto sr = rtcp::as_sender_report(p)) {
        FUZZ_CHECK(sr->report_count() == p.count_or_format());
        std::vector<rtcp::ReportBlock> blocks;
        for (std::size_t i = 0; i < sr->report_count(); ++i) blocks.push_back(sr->report_block(i));
        FUZZ_CHECK(sr->report_block(sr->report_count()) == rtcp::ReportBlock{});
        FUZZ_CHECK(24 + 24 * blocks.size() + sr->extension().size() == p.body().size());
        const rtcp::SenderInfo info = sr->sender_info();
        auto again = rtcp::as_sender_report(rebuild(rtcp::SenderReport{sr->ssrc(), info, blocks}));
        FUZZ_CHECK(again && again->ssrc() == sr->ssrc() && again->sender_info() == info);
        FUZZ_CHECK(again->report_count() == blocks.size() && again->extension().empty());
        for (std::size_t i = 0; i < blocks.size(); ++i) {
            FUZZ_CHECK(again->report_block(i) == blocks[i]);
        }
    }
    if (auto rr = rtcp::as_receiver_report(p)) {
        FUZZ_CHECK(rr->report_count() == p.count_or_format());
        std::vector<rtcp::ReportBlock> blocks;
        for (std::size_t i = 0; i < rr->report_count(); ++i) blocks.push_back(rr->report_block(i));
        FUZZ_CHECK(4 + 24 * blocks.size() + rr->extension().size() == p.body().size());
        auto again = rtcp::as_receiver_report(rebuild(rtcp::ReceiverReport{rr->ssrc(), blocks}));
        FUZZ_CHECK(again && again->ssrc() == rr->ssrc() && again->report_count() == blocks.size());
        for (std::size_t i = 0; i < blocks.size(); ++i) {
            FUZZ_CHECK(again->report_block(i) == blocks[i]);
        }
    }
}

void check_sdes_bye(const rtcp::PacketView& p) {
    if (auto sdes = rtcp::as_sdes(p)) {
        std::vector<rtcp::SdesCname> cnames;
        std::size_t chunks = 0;
        bool cname_only = true;
        for (const rtcp::SdesChunkView chunk : *sdes) {
            ++chunks;
            std::size_t items = 0;
            for (const rtcp::SdesItem item : chunk) {
                ++items;
                FUZZ_CHECK(item.type != 0);
                FUZZ_CHECK(item.value.size() <= 255);
            }
            const auto cname = chunk.cname();
            cname_only = cname_only && items == 1 && cname.has_value();
            if (cname) cnames.push_back({chunk.ssrc(), *cname});
        }
        FUZZ_CHECK(chunks == sdes->chunk_count());
        if (cname_only) {
            auto again = rtcp::as_sdes(rebuild(rtcp::Sdes{cnames}));
            FUZZ_CHECK(again && again->chunk_count() == cnames.size());
            std::size_t i = 0;
            for (const rtcp::SdesChunkView chunk : *again) {
                FUZZ_CHECK(chunk.ssrc() == cnames[i].ssrc && chunk.cname() == cnames[i].cname);
                ++i;
            }
        }
    }
    if (auto bye = rtcp::as_bye(p)) {
        std::vector<std::uint32_t> ssrcs;
        for (std::size_t i = 0; i < bye->ssrc_count(); ++i) ssrcs.push_back(bye->ssrc(i));
        FUZZ_CHECK(bye->ssrc(bye->ssrc_count()) == 0);
        const std::string_view reason = bye->reason().value_or("");
        auto again = rtcp::as_bye(rebuild(rtcp::Bye{ssrcs, reason}));
        FUZZ_CHECK(again && again->ssrc_count() == ssrcs.size());
        for (std::size_t i = 0; i < ssrcs.size(); ++i) FUZZ_CHECK(again->ssrc(i) == ssrcs[i]);
        FUZZ_CHECK(again->reason().value_or("") == reason);
    }
}

void check_feedback(const rtcp::PacketView& p) {
    if (auto nack = rtcp::as_nack(p)) {
        std::size_t expected = 0;
        for (std::size_t i = 0; i < nack->item_count(); ++i) {
            expected += 1 + static_cast<std::size_t>(std::popcount(nack->item(i).blp));
        }
        std::vector<std::uint16_t> lost;
        for (std::uint16_t s : nack->lost()) lost.push_back(s);
        FUZZ_CHECK(lost.size() == expected);
        auto again = rtcp::as_nack(
            rebuild(rtcp::GenericNack{nack->sender_ssrc(), nack->media_ssrc(), lost}));
        FUZZ_CHECK(again && again->media_ssrc() == nack->media_ssrc());
        std::vector<std::uint16_t> lost_again;
        for (std::uint16_t s : again->lost()) lost_again.push_back(s);
        FUZZ_CHECK(std::set<std::uint16_t>(lost.begin(), lost.end()) ==
                   std::set<std::uint16_t>(lost_again.begin(), lost_again.end()));
        FUZZ_CHECK(again->item_count() <= nack->item_count());  // greedy packing never grows
    }
    if (auto pli = rtcp::as_pli(p)) {
        auto again = rtcp::as_pli(rebuild(rtcp::Pli{pli->sender_ssrc(), pli->media_ssrc()}));
        FUZZ_CHECK(again && again->sender_ssrc() == pli->sender_ssrc() &&
                   again->media_ssrc() == pli->media_ssrc());
    }
    if (auto fir = rtcp::as_fir(p)) {
        std::vector<rtcp::FirEntry> entries;
        for (std::size_t i = 0; i < fir->entry_count(); ++i) entries.push_back(fir->entry(i));
        FUZZ_CHECK(!entries.empty() && fir->entry(entries.size()) == rtcp::FirEntry{});
        auto again = rtcp::as_fir(rebuild(rtcp::Fir{fir->sender_ssrc(), entries}));
        FUZZ_CHECK(again && again->entry_count() == entries.size() && again->media_ssrc() == 0);
        for (std::size_t i = 0; i < entries.size(); ++i) FUZZ_CHECK(again->entry(i) == entries[i]);
    }
    if (auto remb = rtcp::as_remb(p)) {
        std::vector<std::uint32_t> ssrcs;
        for (std::size_t i = 0; i < remb->ssrc_count(); ++i) ssrcs.push_back(remb->ssrc(i));
        auto again =
            rtcp::as_remb(rebuild(rtcp::Remb{remb->sender_ssrc(), remb->bitrate_bps(), ssrcs}));
        FUZZ_CHECK(again && again->bitrate_bps() == remb->bitrate_bps());
        FUZZ_CHECK(again->ssrc_count() == ssrcs.size());
        for (std::size_t i = 0; i < ssrcs.size(); ++i) FUZZ_CHECK(again->ssrc(i) == ssrcs[i]);
    }
}

void check_transport_cc(const rtcp::PacketView& p) {
    auto tcc = rtcp::as_transport_cc(p);
    if (!tcc) return;
    FUZZ_CHECK(tcc->status_count() > 0);
    std::vector<rtcp::TwccPacketStatus> all;
    std::vector<rtcp::TwccArrival> received;
    auto seq = tcc->base_seq();
    std::int64_t time = tcc->reference_time_us();
    for (const rtcp::TwccPacketStatus& s : *tcc) {
        FUZZ_CHECK(s.seq == seq);
        ++seq;
        if (s.received) {
            time += s.delta_us;
            FUZZ_CHECK(s.arrival_us == time);
            FUZZ_CHECK(s.delta_us % 250 == 0);
            received.push_back({s.seq, s.arrival_us});
        } else {
            FUZZ_CHECK(s.delta_us == 0);
        }
        all.push_back(s);
    }
    FUZZ_CHECK(all.size() == tcc->status_count());
    FUZZ_CHECK(received.size() == tcc->received_count());
    std::vector<rtcp::TwccPacketStatus> decoded(all.size());
    auto n = tcc->decode(decoded);
    FUZZ_CHECK(n && *n == all.size() && decoded == all);
    if (!all.empty()) {
        FUZZ_CHECK(tcc->decode(std::span(decoded).first(all.size() - 1)).has_error());
    }
    if (received.empty()) return;

    // Re-encode the received packets; the result reports the same packets at the same times.
    const rtcp::TransportCcFeedback fb{tcc->sender_ssrc(), tcc->media_ssrc(), tcc->base_seq(),
                                       tcc->fb_pkt_count(), received};
    auto again = rtcp::as_transport_cc(rebuild(fb));
    FUZZ_CHECK(again.has_value());
    const auto last = static_cast<std::uint16_t>(received.back().seq - tcc->base_seq());
    FUZZ_CHECK(again->status_count() == last + 1);
    FUZZ_CHECK(again->received_count() == received.size());
    FUZZ_CHECK(again->base_seq() == tcc->base_seq() &&
               again->fb_pkt_count() == tcc->fb_pkt_count());
    std::size_t i = 0;
    std::size_t k = 0;
    for (const rtcp::TwccPacketStatus& s : *again) {
        FUZZ_CHECK(s.seq == all[i].seq && s.received == all[i].received);
        if (s.received) {
            const std::int64_t diff = s.arrival_us - received[k].arrival_us;
            FUZZ_CHECK(diff % rtcp::kReferenceTimeWrapUs == 0);
            ++k;
        }
        ++i;
    }
    FUZZ_CHECK(k == received.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> in(reinterpret_cast<const std::byte*>(data), size);
    const auto parsed = rtcp::parse(in);
    const auto strict = rtcp::parse(in, {.require_report_first = true});
    const auto lenient = rtcp::parse(in, {.allow_padding_on_any_packet = true});
    FUZZ_CHECK(!strict || parsed);
    FUZZ_CHECK(!parsed || lenient);
    if (!parsed) {
        FUZZ_CHECK(parsed.error().category().name() == std::string_view("rtcp"));
        if (!lenient) return 0;
    }
    // Walk whichever compound was accepted (the lenient one covers inner padding too).
    const rtcp::CompoundView compound = parsed ? *parsed : *lenient;
    std::size_t total = 0;
    std::size_t count = 0;
    for (const rtcp::PacketView p : compound) {
        FUZZ_CHECK(p.bytes().data() == in.data() + total);
        FUZZ_CHECK(p.bytes().size() % 4 == 0 && p.bytes().size() >= 4);
        FUZZ_CHECK(p.body().size() + 4 <= p.bytes().size());
        total += p.bytes().size();
        ++count;
        const int typed = int(rtcp::as_sender_report(p).has_value()) +
                          int(rtcp::as_receiver_report(p).has_value()) +
                          int(rtcp::as_sdes(p).has_value()) + int(rtcp::as_bye(p).has_value()) +
                          int(rtcp::as_nack(p).has_value()) + int(rtcp::as_pli(p).has_value()) +
                          int(rtcp::as_fir(p).has_value()) + int(rtcp::as_remb(p).has_value()) +
                          int(rtcp::as_transport_cc(p).has_value());
        FUZZ_CHECK(typed == (p.kind() == rtcp::PacketKind::Other ? 0 : 1));
        check_reports(p);
        check_sdes_bye(p);
        check_feedback(p);
        check_transport_cc(p);
    }
    FUZZ_CHECK(total == in.size());
    FUZZ_CHECK(count == compound.packet_count());
    return 0;
}
