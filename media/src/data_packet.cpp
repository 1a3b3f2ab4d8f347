// LiveKit DataPacket handling for forwarding and SendData. See data_packet.hpp.
#include "data_packet.hpp"

#include <google/protobuf/unknown_field_set.h>

#include <algorithm>

#include "livekit_models.pb.h"

namespace cohost::media::detail {

namespace {

// DataPacket oneof members our .proto subset does not model (livekit-protocol.md Appendix A).
constexpr int kFieldTranscription = 7;
constexpr int kFieldMetrics = 8;

// boost::system::error_category has a protected non-virtual destructor by design.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class DataPacketCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "livekit_data"; }
    std::string message(int ev) const override {
        switch (static_cast<DataPacketErrc>(ev)) {
            case DataPacketErrc::Malformed: return "not a DataPacket";
            case DataPacketErrc::NotForwarded: return "packet type is not forwarded";
            case DataPacketErrc::Duplicate: return "reliable sequence already seen";
            case DataPacketErrc::TooLarge: return "data packet is too large";
            case DataPacketErrc::BadNonce: return "nonce should be 16 bytes or not present";
        }
        return "unknown data packet error";
    }
};
#pragma GCC diagnostic pop

bool has_unknown_field(const livekit::DataPacket& dp, int number) {
    const auto& unknown = dp.GetReflection()->GetUnknownFields(dp);
    for (int i = 0; i < unknown.field_count(); ++i) {
        if (unknown.field(i).number() == number) return true;
    }
    return false;
}

cohost::Result<DataRoute> finish(const livekit::DataPacket& dp, DataKind kind) {
    DataRoute route;
    route.kind = kind;
    if (!dp.SerializeToString(&route.bytes)) return make_error_code(DataPacketErrc::Malformed);
    if (route.bytes.size() > kMaxDataPacketBytes) return make_error_code(DataPacketErrc::TooLarge);
    route.destination_identities.assign(dp.destination_identities().begin(),
                                        dp.destination_identities().end());
    if (dp.has_user()) {
        route.destination_sids.assign(dp.user().destination_sids().begin(),
                                      dp.user().destination_sids().end());
    }
    return route;
}

}  // namespace

boost::system::error_code make_error_code(DataPacketErrc e) noexcept {
    static const DataPacketCategory category;
    return {static_cast<int>(e), category};
}

std::optional<DataKind> data_kind_of_label(std::string_view label) noexcept {
    if (label == kReliableLabel) return DataKind::Reliable;
    if (label == kLossyLabel) return DataKind::Lossy;
    return std::nullopt;
}

std::string_view label_of(DataKind kind) noexcept {
    return kind == DataKind::Lossy ? kLossyLabel : kReliableLabel;
}

bool DataRoute::addresses(std::string_view identity, std::string_view sid) const {
    if (destination_identities.empty() && destination_sids.empty()) return true;
    return std::find(destination_identities.begin(), destination_identities.end(), identity) !=
               destination_identities.end() ||
           (!sid.empty() &&
            std::find(destination_sids.begin(), destination_sids.end(), sid) !=
                destination_sids.end());
}

cohost::Result<DataRoute> route_participant_packet(std::span<const std::byte> bytes,
                                                   DataKind kind, const DataSender& sender,
                                                   std::uint32_t& last_sequence) {
    livekit::DataPacket dp;
    if (bytes.size() > static_cast<std::size_t>(INT32_MAX) ||
        !dp.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
        return make_error_code(DataPacketErrc::Malformed);
    }
    if (dp.has_speaker() || has_unknown_field(dp, kFieldMetrics) ||
        has_unknown_field(dp, kFieldTranscription)) {
        return make_error_code(DataPacketErrc::NotForwarded);
    }
    if (kind == DataKind::Reliable && dp.sequence() > 0) {
        if (dp.sequence() <= last_sequence) return make_error_code(DataPacketErrc::Duplicate);
        last_sequence = dp.sequence();
    }
    dp.set_kind(static_cast<livekit::DataPacket::Kind>(kind));  // the channel is the truth
    dp.set_participant_sid(sender.sid);
    dp.set_participant_identity(sender.hidden ? std::string{} : sender.identity);
    if (dp.has_user()) {
        auto* u = dp.mutable_user();
        u->set_participant_sid(sender.hidden ? std::string{} : sender.sid);
        u->set_participant_identity(sender.hidden ? std::string{} : sender.identity);
        if (dp.destination_identities_size() > 0) {
            *u->mutable_destination_identities() = dp.destination_identities();
        } else {
            *dp.mutable_destination_identities() = u->destination_identities();
        }
    }
    return finish(dp, kind);
}

cohost::Result<DataRoute> route_server_packet(const ServerDataRequest& request) {
    if (!request.nonce.empty() && request.nonce.size() != 16) {
        return make_error_code(DataPacketErrc::BadNonce);
    }
    if (request.payload.size() > kMaxDataPacketBytes) return make_error_code(DataPacketErrc::TooLarge);
    livekit::DataPacket dp;
    dp.set_kind(static_cast<livekit::DataPacket::Kind>(request.kind));
    for (const auto& id : request.destination_identities) dp.add_destination_identities(id);
    auto* u = dp.mutable_user();
    u->set_payload(request.payload);
    for (const auto& sid : request.destination_sids) u->add_destination_sids(sid);
    for (const auto& id : request.destination_identities) u->add_destination_identities(id);
    if (request.topic) u->set_topic(*request.topic);
    if (!request.nonce.empty()) u->set_nonce(request.nonce);
    return finish(dp, request.kind);
}

}  // namespace cohost::media::detail
