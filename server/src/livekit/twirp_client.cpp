// RoomService over Twirp (livekit-protocol.md §2.2): request bodies in protobuf-JSON as the Node
// SDK sends them (lowerCamelCase, defaults omitted, proto field order), the grant each method
// needs, and the typed decoding of the answers. The HTTP side is twirp_call.cpp.
#include <openssl/rand.h>

#include <boost/json/serialize.hpp>
#include <random>

#include "cohost/core/crypto.hpp"
#include "cohost/server/livekit/room_service_client.hpp"
#include "twirp_call.hpp"

namespace cohost::server::livekit {

namespace json = boost::json;

namespace {

constexpr auto kInvalid = boost::system::errc::invalid_argument;

/// Stores the decoded answer (or the error) until the call ends, then runs the callback.
template <class T>
class TypedSink final : public detail::Sink {
public:
    using Decode = Result<T> (*)(const json::value&);

    TypedSink(Callback<T> cb, Decode decode) : cb_(std::move(cb)), decode_(decode) {}

    bool accept(const json::value& body) override {
        auto r = decode_(body);
        if (!r) return false;
        result_.template emplace<0>(std::move(*r));
        return true;
    }
    void fail(TwirpError e) override { result_.template emplace<1>(std::move(e)); }
    void deliver() override {
        auto cb = std::move(cb_);
        if (cb) cb(std::move(result_));
    }

private:
    Callback<T> cb_;
    Decode decode_;
    TwirpResult<T> result_;
};

// ---- answers ----------------------------------------------------------------------------------

Result<Empty> decode_empty(const json::value& v) {
    if (!v.is_object()) return boost::system::errc::make_error_code(kInvalid);
    return Empty{};
}

/// `{<key>: [T...]}` (ListRoomsResponse, ListParticipantsResponse); absent or null = empty.
template <class T, Result<T> (*Parse)(const json::value&)>
Result<std::vector<T>> decode_list(const json::value& v, std::string_view key) {
    const json::object* o = v.if_object();
    if (o == nullptr) return boost::system::errc::make_error_code(kInvalid);
    std::vector<T> out;
    const json::value* list = o->if_contains(key);
    if (list == nullptr || list->is_null()) return out;
    if (!list->is_array()) return boost::system::errc::make_error_code(kInvalid);
    for (const json::value& e : list->get_array()) {
        auto item = Parse(e);
        if (!item) return item.error();
        out.push_back(std::move(*item));
    }
    return out;
}

Result<std::vector<RoomInfo>> decode_rooms(const json::value& v) {
    return decode_list<RoomInfo, room_from_json>(v, "rooms");
}

Result<std::vector<ParticipantInfo>> decode_participants(const json::value& v) {
    return decode_list<ParticipantInfo, participant_from_json>(v, "participants");
}

/// MuteRoomTrackResponse `{track}`; a response without the track is not one.
Result<TrackInfo> decode_muted_track(const json::value& v) {
    const json::object* o = v.if_object();
    const json::value* track = o != nullptr ? o->if_contains("track") : nullptr;
    if (track == nullptr) return boost::system::errc::make_error_code(kInvalid);
    return track_from_json(*track);
}

// ---- grants (§2.2) ----------------------------------------------------------------------------

json::object create_grant() { return {{"roomCreate", true}}; }
json::object list_grant() { return {{"roomList", true}}; }
json::object admin_grant(const std::string& room) { return {{"roomAdmin", true}, {"room", room}}; }

void put_str(json::object& o, std::string_view key, const std::string& v) {
    if (!v.empty()) o[key] = v;  // proto3 JSON: defaults are omitted
}

json::array string_array(const std::vector<std::string>& v) {
    json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
}

/// 16 random bytes (the Go server rejects a present nonce of any other size).
std::string random_nonce() {
    std::string bytes(16, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), int(bytes.size())) != 1) {
        std::random_device rd;
        for (auto& b : bytes) b = static_cast<char>(rd());
    }
    return bytes;
}

class TwirpClient final : public RoomServiceClient {
public:
    TwirpClient(boost::asio::io_context& ioc, ClientOptions opts)
        : state_(std::make_shared<detail::ClientState>(ioc, opts,
                                                       detail::parse_endpoint(opts.url))) {}

    ~TwirpClient() override { detail::cancel_all(*state_); }

    TwirpClient(const TwirpClient&) = delete;
    TwirpClient& operator=(const TwirpClient&) = delete;

    void create_room(const std::string& room, std::uint32_t empty_timeout_s,
                     const std::string& metadata, Callback<RoomInfo> cb) override {
        json::object body;
        put_str(body, "name", room);
        if (empty_timeout_s != 0) body["emptyTimeout"] = empty_timeout_s;
        put_str(body, "metadata", metadata);
        start<RoomInfo>("CreateRoom", body, create_grant(), true, std::move(cb), room_from_json);
    }

    void list_rooms(const std::vector<std::string>& names,
                    Callback<std::vector<RoomInfo>> cb) override {
        json::object body;
        if (!names.empty()) body["names"] = string_array(names);
        start<std::vector<RoomInfo>>("ListRooms", body, list_grant(), true, std::move(cb),
                                     decode_rooms);
    }

    void delete_room(const std::string& room, Callback<Empty> cb) override {
        json::object body;
        put_str(body, "room", room);
        start<Empty>("DeleteRoom", body, create_grant(), true, std::move(cb), decode_empty);
    }

    void list_participants(const std::string& room,
                           Callback<std::vector<ParticipantInfo>> cb) override {
        json::object body;
        put_str(body, "room", room);
        start<std::vector<ParticipantInfo>>("ListParticipants", body, admin_grant(room), true,
                                            std::move(cb), decode_participants);
    }

    void remove_participant(const std::string& room, const std::string& identity,
                            Callback<Empty> cb) override {
        json::object body;
        put_str(body, "room", room);
        put_str(body, "identity", identity);
        start<Empty>("RemoveParticipant", body, admin_grant(room), true, std::move(cb),
                     decode_empty);
    }

    void update_participant(const std::string& room, const std::string& identity,
                            const std::optional<std::string>& metadata,
                            const std::optional<ParticipantPermission>& permission,
                            Callback<ParticipantInfo> cb) override {
        json::object body;
        put_str(body, "room", room);
        put_str(body, "identity", identity);
        // proto3 `string metadata` has no presence: an empty value is the default, so it is
        // omitted like any default (the server then leaves the metadata alone).
        if (metadata) put_str(body, "metadata", *metadata);
        // A message field has presence: `{}` still replaces the permission with all-false.
        if (permission) body["permission"] = to_json(*permission);
        start<ParticipantInfo>("UpdateParticipant", body, admin_grant(room), true, std::move(cb),
                               participant_from_json);
    }

    void mute_published_track(const std::string& room, const std::string& identity,
                              const std::string& track_sid, bool muted,
                              Callback<TrackInfo> cb) override {
        json::object body;
        put_str(body, "room", room);
        put_str(body, "identity", identity);
        put_str(body, "trackSid", track_sid);
        if (muted) body["muted"] = true;
        start<TrackInfo>("MutePublishedTrack", body, admin_grant(room), true, std::move(cb),
                         decode_muted_track);
    }

    void send_data(const std::string& room, const std::string& data, bool reliable,
                   const std::vector<std::string>& destination_identities,
                   const std::optional<std::string>& topic, Callback<Empty> cb) override {
        json::object body;
        put_str(body, "room", room);
        if (!data.empty()) body["data"] = core::base64_encode(data);
        if (!reliable) body["kind"] = "LOSSY";  // RELIABLE is enum value 0, omitted
        // `optional string topic` has presence: written whenever it is set, even when empty.
        if (topic) body["topic"] = *topic;
        if (!destination_identities.empty()) {
            body["destinationIdentities"] = string_array(destination_identities);
        }
        body["nonce"] = core::base64_encode(random_nonce());
        start<Empty>("SendData", body, admin_grant(room), false, std::move(cb), decode_empty);
    }

private:
    template <class T>
    void start(std::string method, const json::object& body, json::object grant, bool retry,
               Callback<T> cb, typename TypedSink<T>::Decode decode) {
        detail::CallSpec spec;
        spec.method = std::move(method);
        spec.body = json::serialize(body);
        spec.grant = std::move(grant);
        spec.retry = retry;
        spec.sink = std::make_unique<TypedSink<T>>(std::move(cb), decode);
        detail::start_call(state_, std::move(spec));
    }

    std::shared_ptr<detail::ClientState> state_;
};

}  // namespace

std::unique_ptr<RoomServiceClient> make_twirp_client(boost::asio::io_context& ioc,
                                                     ClientOptions opts) {
    return std::make_unique<TwirpClient>(ioc, std::move(opts));
}

}  // namespace cohost::server::livekit
