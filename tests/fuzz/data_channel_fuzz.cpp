// libFuzzer target for what a participant sends on its data channels: DCEP messages
// (media/src/dcep.cpp, RFC 8832) and LiveKit DataPackets (media/src/data_packet.cpp).
//
// Properties, for any input bytes:
//  1. parse_dcep() never crashes and a refusal carries a message; an ACK is exactly one byte;
//     an OPEN re-encodes to the same bytes, except a reliable type's ignored reliability field;
//  2. route_participant_packet() never crashes, on either channel kind; a forwarded packet parses
//     as a DataPacket stamped with the sender (identity, sid, channel kind), is at most
//     kMaxDataPacketBytes, and routing it again from the same sender gives the same bytes
//     (stamping is idempotent);
//  3. route_server_packet() with the input as payload succeeds exactly when the envelope fits.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "data_packet.hpp"
#include "dcep.hpp"
#include "fuzz_check.hpp"
#include "livekit_models.pb.h"

namespace detail = cohost::media::detail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto in = std::as_bytes(std::span(data, size));

    if (auto msg = detail::parse_dcep(in); !msg) {
        FUZZ_CHECK(!msg.error().message().empty());
    } else if (!msg->open) {
        FUZZ_CHECK(size == 1 && msg->type == detail::kDcepAck);
    } else {
        auto again = detail::encode_dcep_open(*msg->open);
        FUZZ_CHECK(again.has_value());
        FUZZ_CHECK(again->size() == size);
        const bool reliable = (static_cast<int>(msg->open->channel_type) & 0x7F) == 0;
        for (std::size_t i = 0; i < size; ++i) {
            if (reliable && i >= 4 && i < 8) continue;  // reliability: ignored, encoded as 0
            FUZZ_CHECK((*again)[i] == in[i]);
        }
    }

    const detail::DataSender sender{"alice", "PA_alice", false};
    for (const auto kind : {detail::DataKind::Reliable, detail::DataKind::Lossy}) {
        std::uint32_t seq = 0;
        auto route = detail::route_participant_packet(in, kind, sender, seq);
        if (!route) {
            FUZZ_CHECK(!route.error().message().empty());
            continue;
        }
        FUZZ_CHECK(route->bytes.size() <= detail::kMaxDataPacketBytes);
        livekit::DataPacket dp;
        FUZZ_CHECK(dp.ParseFromString(route->bytes));
        FUZZ_CHECK(dp.participant_identity() == "alice");
        FUZZ_CHECK(dp.participant_sid() == "PA_alice");
        FUZZ_CHECK(static_cast<int>(dp.kind()) == static_cast<int>(kind));
        if (dp.has_user()) FUZZ_CHECK(dp.user().participant_identity() == "alice");
        std::uint32_t seq2 = 0;
        auto twice = detail::route_participant_packet(
            std::as_bytes(std::span(route->bytes.data(), route->bytes.size())), kind, sender, seq2);
        FUZZ_CHECK(twice.has_value());
        FUZZ_CHECK(twice->bytes == route->bytes);
        FUZZ_CHECK(twice->destination_identities == route->destination_identities);
        FUZZ_CHECK(twice->destination_sids == route->destination_sids);
    }

    detail::ServerDataRequest req;
    req.payload.assign(reinterpret_cast<const char*>(data), size);
    auto server = detail::route_server_packet(req);
    FUZZ_CHECK(server.has_value() == (size + 8 <= detail::kMaxDataPacketBytes));
    return 0;
}
