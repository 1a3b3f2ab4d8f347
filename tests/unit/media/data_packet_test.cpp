// LiveKit DataPacket handling (media/src/data_packet.hpp): what the SFU forwards, with which
// sender stamp and to whom, compared with the Go server's rules (livekit-protocol.md §5).
#include "data_packet.hpp"

#include <gtest/gtest.h>

#include <google/protobuf/unknown_field_set.h>

#include <string>

#include "livekit_models.pb.h"
#include "livekit_room.pb.h"

namespace cohost::media::detail {
namespace {

std::span<const std::byte> bytes_of(const std::string& s) {
    return std::as_bytes(std::span(s.data(), s.size()));
}

livekit::DataPacket parse(const std::string& bytes) {
    livekit::DataPacket dp;
    EXPECT_TRUE(dp.ParseFromString(bytes));
    return dp;
}

/// What livekit-client 2.23.0 sends for publishData(payload, {topic, destinationIdentities}).
std::string client_packet(const std::string& payload, const std::string& topic,
                          std::vector<std::string> to = {}, std::uint32_t sequence = 0) {
    livekit::DataPacket dp;
    dp.set_kind(livekit::DataPacket::RELIABLE);
    auto* u = dp.mutable_user();
    u->set_payload(payload);
    u->set_topic(topic);
    for (const auto& id : to) {
        u->add_destination_identities(id);
        dp.add_destination_identities(id);
    }
    dp.set_sequence(sequence);
    return dp.SerializeAsString();
}

const DataSender kAlice{"alice", "PA_alice", false};

TEST(DataPacket, UserPacketIsStampedWithTheSender) {
    std::uint32_t seq = 0;
    // A client trying to pass for someone else: the SFU overwrites both stamps.
    livekit::DataPacket forged = parse(client_packet("hello", "chat"));
    forged.set_participant_identity("mallory");
    forged.set_participant_sid("PA_mallory");
    forged.mutable_user()->set_participant_identity("mallory");
    auto route = route_participant_packet(bytes_of(forged.SerializeAsString()), DataKind::Lossy,
                                          kAlice, seq);
    ASSERT_TRUE(route) << route.error().message();
    const auto dp = parse(route->bytes);
    EXPECT_EQ(dp.participant_identity(), "alice");
    EXPECT_EQ(dp.participant_sid(), "PA_alice");
    EXPECT_EQ(dp.user().participant_identity(), "alice");
    EXPECT_EQ(dp.user().participant_sid(), "PA_alice");
    EXPECT_EQ(dp.user().payload(), "hello");
    EXPECT_EQ(dp.user().topic(), "chat");
    EXPECT_EQ(dp.kind(), livekit::DataPacket::LOSSY);  // the channel it came on
    EXPECT_EQ(route->kind, DataKind::Lossy);
    EXPECT_TRUE(route->destination_identities.empty());
    EXPECT_TRUE(route->addresses("bob", "PA_bob"));
}

TEST(DataPacket, HiddenSendersAreForwardedWithoutIdentity) {
    std::uint32_t seq = 0;
    const DataSender hidden{"recorder", "PA_rec", true};
    auto route = route_participant_packet(bytes_of(client_packet("x", "t")), DataKind::Reliable,
                                          hidden, seq);
    ASSERT_TRUE(route);
    const auto dp = parse(route->bytes);
    EXPECT_EQ(dp.participant_identity(), "");
    EXPECT_EQ(dp.user().participant_identity(), "");
    EXPECT_EQ(dp.user().participant_sid(), "");
    EXPECT_EQ(dp.participant_sid(), "PA_rec");  // as LiveKit: the packet keeps the sid
}

TEST(DataPacket, DestinationsComeFromEitherListAndThePacketsWins) {
    std::uint32_t seq = 0;
    // Only the user packet names them (older clients): copied to the packet.
    livekit::DataPacket dp = parse(client_packet("x", "t"));
    dp.mutable_user()->add_destination_identities("bob");
    auto route = route_participant_packet(bytes_of(dp.SerializeAsString()), DataKind::Reliable,
                                          kAlice, seq);
    ASSERT_TRUE(route);
    EXPECT_EQ(route->destination_identities, std::vector<std::string>{"bob"});
    EXPECT_EQ(parse(route->bytes).destination_identities(0), "bob");
    EXPECT_TRUE(route->addresses("bob", "PA_bob"));
    EXPECT_FALSE(route->addresses("carol", "PA_carol"));
    // Both name someone: the packet's list wins and is copied into the user packet.
    dp.add_destination_identities("carol");
    route = route_participant_packet(bytes_of(dp.SerializeAsString()), DataKind::Reliable, kAlice,
                                     seq);
    ASSERT_TRUE(route);
    EXPECT_EQ(route->destination_identities, std::vector<std::string>{"carol"});
    EXPECT_EQ(parse(route->bytes).user().destination_identities(0), "carol");
    // Destination sids of the user packet address by sid.
    livekit::DataPacket by_sid = parse(client_packet("x", "t"));
    by_sid.mutable_user()->add_destination_sids("PA_dave");
    route = route_participant_packet(bytes_of(by_sid.SerializeAsString()), DataKind::Reliable,
                                     kAlice, seq);
    ASSERT_TRUE(route);
    EXPECT_TRUE(route->addresses("dave", "PA_dave"));
    EXPECT_FALSE(route->addresses("bob", "PA_bob"));
    EXPECT_FALSE(route->addresses("", ""));
}

TEST(DataPacket, ReliableSequencesMustIncrease) {
    std::uint32_t seq = 0;
    EXPECT_TRUE(route_participant_packet(bytes_of(client_packet("a", "", {}, 1)),
                                         DataKind::Reliable, kAlice, seq));
    EXPECT_TRUE(route_participant_packet(bytes_of(client_packet("b", "", {}, 2)),
                                         DataKind::Reliable, kAlice, seq));
    EXPECT_EQ(seq, 2U);
    auto dup = route_participant_packet(bytes_of(client_packet("b", "", {}, 2)),
                                        DataKind::Reliable, kAlice, seq);
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error(), make_error_code(DataPacketErrc::Duplicate));
    // Lossy packets and sequence 0 are not numbered.
    EXPECT_TRUE(route_participant_packet(bytes_of(client_packet("c", "", {}, 1)), DataKind::Lossy,
                                         kAlice, seq));
    EXPECT_TRUE(route_participant_packet(bytes_of(client_packet("d", "", {}, 0)),
                                         DataKind::Reliable, kAlice, seq));
    EXPECT_EQ(seq, 2U);
}

TEST(DataPacket, PayloadsCohostDoesNotModelAreForwardedUnchanged) {
    // An rpc_request (field 10) and a stream chunk (14): unknown to our .proto subset, kept as
    // unknown fields and re-serialized as they came.
    std::uint32_t seq = 0;
    livekit::DataPacket dp;
    dp.set_kind(livekit::DataPacket::RELIABLE);
    dp.add_destination_identities("bob");
    auto* unknown = dp.GetReflection()->MutableUnknownFields(&dp);
    unknown->AddLengthDelimited(10, std::string("\x0a\x03" "abc", 5));
    auto route = route_participant_packet(bytes_of(dp.SerializeAsString()), DataKind::Reliable,
                                          kAlice, seq);
    ASSERT_TRUE(route);
    const auto out = parse(route->bytes);
    EXPECT_EQ(out.participant_identity(), "alice");
    const auto& fields = out.GetReflection()->GetUnknownFields(out);
    ASSERT_EQ(fields.field_count(), 1);
    EXPECT_EQ(fields.field(0).number(), 10);
    EXPECT_EQ(fields.field(0).length_delimited(), std::string("\x0a\x03" "abc", 5));
    EXPECT_EQ(route->destination_identities, std::vector<std::string>{"bob"});
}

TEST(DataPacket, MetricsTranscriptionAndSpeakerPacketsAreNotForwarded) {
    std::uint32_t seq = 0;
    for (int field : {7, 8}) {
        livekit::DataPacket dp;
        dp.GetReflection()->MutableUnknownFields(&dp)->AddLengthDelimited(field, "");
        auto r = route_participant_packet(bytes_of(dp.SerializeAsString()), DataKind::Reliable,
                                          kAlice, seq);
        ASSERT_FALSE(r) << field;
        EXPECT_EQ(r.error(), make_error_code(DataPacketErrc::NotForwarded));
    }
    livekit::DataPacket speaker;
    speaker.mutable_speaker()->add_speakers()->set_sid("PA_alice");
    auto r = route_participant_packet(bytes_of(speaker.SerializeAsString()), DataKind::Lossy, kAlice,
                                      seq);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(DataPacketErrc::NotForwarded));
}

TEST(DataPacket, MalformedBytesAreRefusedEveryTruncationIncluded) {
    std::uint32_t seq = 0;
    const std::string good = client_packet("payload", "topic", {"bob"}, 5);
    std::size_t refused = 0;
    for (std::size_t n = 0; n < good.size(); ++n) {
        auto r = route_participant_packet(bytes_of(good.substr(0, n)), DataKind::Reliable, kAlice,
                                          seq);
        if (!r) {
            ++refused;
            EXPECT_TRUE(r.error() == make_error_code(DataPacketErrc::Malformed) ||
                        r.error() == make_error_code(DataPacketErrc::Duplicate));
        }
    }
    EXPECT_GT(refused, good.size() / 2);
    const std::string junk = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01";
    auto r = route_participant_packet(bytes_of(junk), DataKind::Reliable, kAlice, seq);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(DataPacketErrc::Malformed));
}

TEST(DataPacket, ServerPacketsCarryPayloadTopicAndDestinations) {
    ServerDataRequest req;
    req.payload = std::string("\x00\x01hello", 7);
    req.kind = DataKind::Lossy;
    req.topic = "announcements";
    req.destination_identities = {"bob"};
    req.destination_sids = {"PA_carol"};
    req.nonce.assign(16, 'n');
    auto route = route_server_packet(req);
    ASSERT_TRUE(route);
    const auto dp = parse(route->bytes);
    EXPECT_EQ(dp.kind(), livekit::DataPacket::LOSSY);
    EXPECT_EQ(dp.participant_identity(), "");  // from the server: no sender
    EXPECT_EQ(dp.user().payload(), req.payload);
    EXPECT_EQ(dp.user().topic(), "announcements");
    EXPECT_EQ(dp.user().nonce(), req.nonce);
    EXPECT_EQ(dp.destination_identities(0), "bob");
    EXPECT_EQ(dp.user().destination_sids(0), "PA_carol");
    EXPECT_TRUE(route->addresses("bob", "PA_bob"));
    EXPECT_TRUE(route->addresses("carol", "PA_carol"));
    EXPECT_FALSE(route->addresses("dave", "PA_dave"));
    ServerDataRequest no_topic;
    no_topic.payload = "x";
    route = route_server_packet(no_topic);
    ASSERT_TRUE(route);
    EXPECT_FALSE(parse(route->bytes).user().has_topic());
}

TEST(DataPacket, ServerPacketsRefuseBadNoncesAndOversizePayloads) {
    ServerDataRequest req;
    req.payload = "x";
    req.nonce = "short";
    EXPECT_EQ(route_server_packet(req).error(), make_error_code(DataPacketErrc::BadNonce));
    req.nonce.clear();
    // The envelope of a bare payload is 8 bytes (two tags, two 3-byte lengths).
    req.payload.assign(kMaxDataPacketBytes - 7, 'a');
    EXPECT_EQ(route_server_packet(req).error(), make_error_code(DataPacketErrc::TooLarge));
    req.payload.assign(kMaxDataPacketBytes - 8, 'a');
    auto route = route_server_packet(req);
    ASSERT_TRUE(route);
    EXPECT_EQ(route->bytes.size(), kMaxDataPacketBytes);
    req.payload.assign(kMaxDataPacketBytes + 1, 'a');
    EXPECT_EQ(route_server_packet(req).error(), make_error_code(DataPacketErrc::TooLarge));
}

TEST(DataPacket, LabelsMapToKinds) {
    EXPECT_EQ(data_kind_of_label("_reliable"), DataKind::Reliable);
    EXPECT_EQ(data_kind_of_label("_lossy"), DataKind::Lossy);
    EXPECT_EQ(data_kind_of_label("_data_track"), std::nullopt);
    EXPECT_EQ(data_kind_of_label("chat"), std::nullopt);
    EXPECT_EQ(label_of(DataKind::Lossy), "_lossy");
    EXPECT_EQ(label_of(DataKind::Reliable), "_reliable");
}

}  // namespace
}  // namespace cohost::media::detail
