// LiveKit RoomService (Twirp) served by the embedded SFU: the rooms and participants of the
// SignalServer, with LiveKit's grants, JSON/protobuf bodies and Twirp error shapes
// (livekit-protocol.md §2).
#include <google/protobuf/util/json_util.h>

#include <chrono>

#include "cohost/core/log.hpp"
#include "data_packet.hpp"
#include "livekit_room.pb.h"
#include "signal_impl.hpp"

namespace cohost::media {

namespace {

using TwirpResponse = SignalServer::TwirpResponse;

TwirpResponse twirp_error(int status, std::string_view code, std::string_view msg) {
    TwirpResponse r;
    r.status = status;
    r.content_type = "application/json";  // exactly this string: the SDK compares it
    std::string body = "{\"code\":\"";
    body += code;
    body += "\",\"msg\":\"";
    for (char c : msg) {
        if (c == '"' || c == '\\') body.push_back('\\');
        if (static_cast<unsigned char>(c) >= 0x20) body.push_back(c);
    }
    body += "\"}";
    r.body = std::move(body);
    return r;
}

struct Codec {
    bool json = true;

    bool read(std::string_view body, google::protobuf::Message& out) const {
        if (!json) return out.ParseFromArray(body.data(), static_cast<int>(body.size()));
        if (body.empty()) return true;  // `{}` and nothing both mean defaults
        google::protobuf::util::JsonParseOptions o;
        o.ignore_unknown_fields = true;
        return google::protobuf::util::JsonStringToMessage(std::string(body), &out, o).ok();
    }
    TwirpResponse write(const google::protobuf::Message& m) const {
        TwirpResponse r;
        if (!json) {
            r.content_type = "application/protobuf";
            m.SerializeToString(&r.body);
            return r;
        }
        google::protobuf::util::JsonPrintOptions o;
        o.preserve_proto_field_names = false;
        if (!google::protobuf::util::MessageToJsonString(m, &r.body, o).ok() || r.body.empty()) {
            r.body = "{}";
        }
        return r;
    }
};

}  // namespace

TwirpResponse SignalServer::twirp(std::string_view method, std::string_view content_type,
                                  std::string_view authorization, std::string_view body) {
    Impl& im = *impl_;
    Codec codec;
    const auto type = content_type.substr(0, content_type.find(';'));
    if (type == "application/protobuf") {
        codec.json = false;
    } else if (type != "application/json") {
        return twirp_error(400, "malformed", "Content-Type must be application/json or application/protobuf");
    }
    auto grants = verify_access_token(bearer_token(authorization), im.cfg.api_key, im.cfg.api_secret,
                                      std::chrono::time_point_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now()),
                                      false);
    if (!grants) return twirp_error(401, "unauthenticated", grants.error().message());
    auto malformed = [] { return twirp_error(400, "malformed", "the request body does not parse"); };
    auto admin = [&](const std::string& room) -> std::optional<TwirpResponse> {
        if (!grants->room_admin || grants->room != room) {
            return twirp_error(401, "unauthenticated", "the token lacks roomAdmin for this room");
        }
        return std::nullopt;
    };
    auto find_participant = [&](const std::string& room,
                                const std::string& identity) -> std::shared_ptr<SignalSession> {
        auto it = im.rooms.find(room);
        if (it == im.rooms.end()) return nullptr;
        auto p = it->second.participants.find(identity);
        return p == it->second.participants.end() ? nullptr : p->second;
    };

    if (method == "CreateRoom") {
        livekit::CreateRoomRequest req;
        if (!codec.read(body, req)) return malformed();
        if (!grants->room_create) return twirp_error(401, "unauthenticated", "the token lacks roomCreate");
        if (req.name().empty()) return twirp_error(400, "invalid_argument", "name is required");
        const bool fresh = im.rooms.find(req.name()) == im.rooms.end();
        SignalRoom& room = im.room_entry(req.name());
        if (fresh) im.emit("room_started", room, nullptr, nullptr);
        room.created_by_api = true;
        room.empty_timeout = req.empty_timeout();
        room.max_participants = req.max_participants();
        if (!req.metadata().empty()) room.metadata = req.metadata();
        return codec.write(im.describe(room));
    }
    if (method == "ListRooms") {
        livekit::ListRoomsRequest req;
        if (!codec.read(body, req)) return malformed();
        if (!grants->room_list) return twirp_error(401, "unauthenticated", "the token lacks roomList");
        livekit::ListRoomsResponse out;
        for (const auto& [name, room] : im.rooms) {
            const bool wanted = req.names().empty() ||
                                std::find(req.names().begin(), req.names().end(), name) != req.names().end();
            if (wanted) *out.add_rooms() = im.describe(room);
        }
        return codec.write(out);
    }
    if (method == "DeleteRoom") {
        livekit::DeleteRoomRequest req;
        if (!codec.read(body, req)) return malformed();
        if (!grants->room_create) return twirp_error(401, "unauthenticated", "the token lacks roomCreate");
        if (!im.rooms.count(req.room())) return twirp_error(404, "not_found", "requested room does not exist");
        delete_room(req.room());
        if (auto it = im.rooms.find(req.room()); it != im.rooms.end()) {
            im.emit("room_finished", it->second, nullptr, nullptr);
            im.rooms.erase(it);
        }
        return codec.write(livekit::DeleteRoomResponse{});
    }
    if (method == "ListParticipants") {
        livekit::ListParticipantsRequest req;
        if (!codec.read(body, req)) return malformed();
        if (auto e = admin(req.room())) return *e;
        livekit::ListParticipantsResponse out;
        if (auto it = im.rooms.find(req.room()); it != im.rooms.end()) {
            for (const auto& [identity, s] : it->second.participants) *out.add_participants() = s->info;
        }
        return codec.write(out);
    }
    if (method == "GetParticipant" || method == "RemoveParticipant") {
        livekit::RoomParticipantIdentity req;
        if (!codec.read(body, req)) return malformed();
        if (auto e = admin(req.room())) return *e;
        auto s = find_participant(req.room(), req.identity());
        if (!s) return twirp_error(404, "not_found", "participant not found");
        if (method == "GetParticipant") return codec.write(s->info);
        remove_participant(req.room(), req.identity());
        return codec.write(livekit::RemoveParticipantResponse{});
    }
    if (method == "MutePublishedTrack") {
        livekit::MuteRoomTrackRequest req;
        if (!codec.read(body, req)) return malformed();
        if (auto e = admin(req.room())) return *e;
        auto s = find_participant(req.room(), req.identity());
        if (!s) return twirp_error(404, "not_found", "participant not found");
        for (auto& t : *s->info.mutable_tracks()) {
            if (t.sid() != req.track_sid()) continue;
            // Ask the client to mute its own track; its `mute` request then updates everyone.
            livekit::SignalResponse m;
            m.mutable_mute()->set_sid(t.sid());
            m.mutable_mute()->set_muted(req.muted());
            s->send(m);
            t.set_muted(req.muted());
            s->info.set_version(s->info.version() + 1);
            im.broadcast_info(im.rooms.at(req.room()), *s);
            livekit::MuteRoomTrackResponse out;
            *out.mutable_track() = t;
            return codec.write(out);
        }
        return twirp_error(404, "not_found", "track not found");
    }
    if (method == "UpdateParticipant") {
        livekit::UpdateParticipantRequest req;
        if (!codec.read(body, req)) return malformed();
        if (auto e = admin(req.room())) return *e;
        auto s = find_participant(req.room(), req.identity());
        if (!s) return twirp_error(404, "not_found", "participant not found");
        if (!req.metadata().empty()) s->info.set_metadata(req.metadata());
        if (!req.name().empty()) s->info.set_name(req.name());
        for (const auto& [k, v] : req.attributes()) (*s->info.mutable_attributes())[k] = v;
        if (req.has_permission()) {
            // LiveKit replaces the whole permission; revoking canPublish unpublishes the tracks
            // (the client removes them and re-offers, which ends them in the SFU).
            *s->info.mutable_permission() = req.permission();
            const bool subscribe_changed =
                s->grants.can_subscribe != req.permission().can_subscribe();
            s->grants.can_publish = req.permission().can_publish();
            s->grants.can_subscribe = req.permission().can_subscribe();
            s->grants.can_publish_data = req.permission().can_publish_data();
            if (!s->resource.empty()) {  // the worker checks it on every DataPacket
                im.media.set_data_permission(req.room(), s->resource, s->grants.can_publish_data);
            }
            if (!req.permission().can_publish()) {
                for (const auto& t : s->info.tracks()) {
                    livekit::SignalResponse u;
                    u.mutable_track_unpublished()->set_track_sid(t.sid());
                    s->send(u);
                }
                s->pending.clear();
            }
            if (subscribe_changed) {  // receive everything it subscribes to, or nothing
                im.sync_subscriptions(im.rooms.at(req.room()), s, true);
            }
        }
        s->info.set_version(s->info.version() + 1);
        im.broadcast_info(im.rooms.at(req.room()), *s);
        return codec.write(s->info);
    }
    if (method == "UpdateSubscriptions") {
        livekit::UpdateSubscriptionsRequest req;
        if (!codec.read(body, req)) return malformed();
        if (auto e = admin(req.room())) return *e;
        auto s = find_participant(req.room(), req.identity());
        if (!s) return twirp_error(404, "not_found", "participant not found");
        // As the client's own UpdateSubscription (signal_subscribe.cpp): track sids, plain or
        // grouped by participant, explicitly (un)subscribed.
        std::vector<std::string> sids(req.track_sids().begin(), req.track_sids().end());
        for (const auto& pt : req.participant_tracks()) {
            sids.insert(sids.end(), pt.track_sids().begin(), pt.track_sids().end());
        }
        im.update_subscriptions(im.rooms.at(req.room()), s, sids, req.subscribe());
        return codec.write(livekit::UpdateSubscriptionsResponse{});
    }
    if (method == "SendData") {
        livekit::SendDataRequest req;
        if (!codec.read(body, req)) return malformed();
        if (auto e = admin(req.room())) return *e;
        if (!im.rooms.count(req.room())) {
            return twirp_error(404, "not_found", "requested room does not exist");
        }
        detail::ServerDataRequest d;
        d.payload = req.data();
        d.kind = req.kind() == livekit::DataPacket::LOSSY ? detail::DataKind::Lossy
                                                          : detail::DataKind::Reliable;
        if (req.has_topic()) d.topic = req.topic();
        d.destination_identities.assign(req.destination_identities().begin(),
                                        req.destination_identities().end());
        d.destination_sids.assign(req.destination_sids().begin(), req.destination_sids().end());
        d.nonce = req.nonce();
        auto route = detail::route_server_packet(d);
        if (!route) {
            return twirp_error(400, "invalid_argument",
                               route.error() == detail::DataPacketErrc::BadNonce
                                   ? "nonce should be 16 bytes or not present"
                                   : "data is too large (at most 65,536 bytes with its envelope)");
        }
        DataDelivery delivery;
        delivery.packet = std::move(route->bytes);
        delivery.lossy = route->kind == detail::DataKind::Lossy;
        delivery.destination_identities = std::move(route->destination_identities);
        delivery.destination_sids = std::move(route->destination_sids);
        const std::size_t receivers = im.media.send_data(req.room(), std::move(delivery));
        core::logger("signal")->debug("signal: SendData to room '{}': {} bytes to {} participant(s)",
                                      req.room(), req.data().size(), receivers);
        return codec.write(livekit::SendDataResponse{});
    }
    if (method == "UpdateRoomMetadata") {
        livekit::UpdateRoomMetadataRequest req;
        if (!codec.read(body, req)) return malformed();
        if (auto e = admin(req.room())) return *e;
        auto it = im.rooms.find(req.room());
        if (it == im.rooms.end()) return twirp_error(404, "not_found", "requested room does not exist");
        it->second.metadata = req.metadata();
        livekit::SignalResponse u;
        *u.mutable_room_update()->mutable_room() = im.describe(it->second);
        for (const auto& [identity, s] : it->second.participants) s->send(u);
        return codec.write(im.describe(it->second));
    }
    return twirp_error(404, "bad_route", "no such method");
}

}  // namespace cohost::media
