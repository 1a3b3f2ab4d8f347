#pragma once
// MediaSync tests: a real RoomService over an in-memory SQLite store, a manual clock, a
// recording fake of LiveKit's RoomService client, and signed LiveKit webhook bodies.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cohost/core/clock.hpp"
#include "cohost/server/app/media_sync.hpp"
#include "cohost/server/app/metrics.hpp"
#include "cohost/server/app/room_service.hpp"
#include "cohost/server/livekit/webhook.hpp"
#include "cohost/server/store/store.hpp"

namespace cohost::server::app::testing {

namespace net = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

inline constexpr const char* kKey = "APImediasync";
inline constexpr const char* kSecret = "media-sync-secret-0123456789-abcdefghijkl";

/// Records every call; answers on the io_context (as the real client does). ListParticipants
/// answers with `participants[room]` as it is when the call is made (not_found when absent), and
/// can be held back to reproduce a webhook racing with the list.
class FakeRoomServiceClient final : public livekit::RoomServiceClient {
public:
    struct Call {
        std::string method, room, identity;
    };
    explicit FakeRoomServiceClient(net::io_context& ioc) : ioc_(ioc) {}

    std::vector<Call> calls;
    std::vector<livekit::RoomInfo> media_rooms;
    std::map<std::string, std::vector<livekit::ParticipantInfo>> participants;
    bool hold_participants = false;
    std::vector<std::function<void()>> held;
    /// When set, ListRooms answers with this error.
    std::optional<livekit::TwirpError> list_rooms_error;
    /// When set, RemoveParticipant / DeleteRoom answer with this error.
    std::optional<livekit::TwirpError> enforcement_error;

    [[nodiscard]] int count(const std::string& method, const std::string& room = {},
                            const std::string& identity = {}) const {
        int n = 0;
        for (const auto& c : calls) {
            n += c.method == method && (room.empty() || c.room == room) &&
                 (identity.empty() || c.identity == identity);
        }
        return n;
    }
    void release_held() {
        auto h = std::move(held);
        held.clear();
        for (auto& f : h) f();
    }

    void create_room(const std::string& room, std::uint32_t, const std::string&,
                     livekit::Callback<livekit::RoomInfo> cb) override {
        calls.push_back({"CreateRoom", room, {}});
        reply(std::move(cb), livekit::TwirpResult<livekit::RoomInfo>{livekit::RoomInfo{}});
    }
    void list_rooms(const std::vector<std::string>&,
                    livekit::Callback<std::vector<livekit::RoomInfo>> cb) override {
        calls.push_back({"ListRooms", {}, {}});
        using R = livekit::TwirpResult<std::vector<livekit::RoomInfo>>;
        reply(std::move(cb), list_rooms_error ? R{*list_rooms_error} : R{media_rooms});
    }
    void delete_room(const std::string& room, livekit::Callback<livekit::Empty> cb) override {
        calls.push_back({"DeleteRoom", room, {}});
        reply(std::move(cb), enforcement_result());
    }
    void list_participants(const std::string& room,
                           livekit::Callback<std::vector<livekit::ParticipantInfo>> cb) override {
        calls.push_back({"ListParticipants", room, {}});
        using R = livekit::TwirpResult<std::vector<livekit::ParticipantInfo>>;
        const auto it = participants.find(room);
        R r = it == participants.end()
                  ? R{livekit::TwirpError{404, "not_found", "requested room does not exist"}}
                  : R{it->second};
        if (hold_participants) {
            held.push_back([cb = std::move(cb), r = std::move(r)]() mutable { cb(std::move(r)); });
            return;
        }
        reply(std::move(cb), std::move(r));
    }
    void remove_participant(const std::string& room, const std::string& identity,
                            livekit::Callback<livekit::Empty> cb) override {
        calls.push_back({"RemoveParticipant", room, identity});
        reply(std::move(cb), enforcement_result());
    }
    void update_participant(const std::string& room, const std::string& identity,
                            const std::optional<std::string>&,
                            const std::optional<livekit::ParticipantPermission>&,
                            livekit::Callback<livekit::ParticipantInfo> cb) override {
        calls.push_back({"UpdateParticipant", room, identity});
        reply(std::move(cb),
              livekit::TwirpResult<livekit::ParticipantInfo>{livekit::ParticipantInfo{}});
    }
    void mute_published_track(const std::string& room, const std::string& identity,
                              const std::string&, bool,
                              livekit::Callback<livekit::TrackInfo> cb) override {
        calls.push_back({"MutePublishedTrack", room, identity});
        reply(std::move(cb), livekit::TwirpResult<livekit::TrackInfo>{livekit::TrackInfo{}});
    }
    void send_data(const std::string& room, const std::string&, bool,
                   const std::vector<std::string>&, const std::optional<std::string>&,
                   livekit::Callback<livekit::Empty> cb) override {
        calls.push_back({"SendData", room, {}});
        reply(std::move(cb), livekit::TwirpResult<livekit::Empty>{livekit::Empty{}});
    }

private:
    livekit::TwirpResult<livekit::Empty> enforcement_result() const {
        if (enforcement_error) return *enforcement_error;
        return livekit::Empty{};
    }
    template <class T>
    void reply(livekit::Callback<T> cb, livekit::TwirpResult<T> r) {
        net::post(ioc_, [cb = std::move(cb), r = std::move(r)]() mutable { cb(std::move(r)); });
    }
    net::io_context& ioc_;
};

/// What a webhook names. Defaults: a publishing participant (canPublish) with a camera track.
struct Hook {
    Hook(std::string e, std::string r, std::string i, std::string s = "CAMERA")
        : event(std::move(e)), room(std::move(r)), identity(std::move(i)), source(std::move(s)) {}
    std::string event;
    std::string room;
    std::string identity;  ///< empty = no participant (room events)
    std::string source;    ///< TrackInfo.source of track events
    std::string id;        ///< empty = a fresh `EV_n`
    bool can_publish = true;
    bool hidden = false;
};

inline livekit::ParticipantInfo participant(const std::string& identity,
                                            std::vector<std::string> sources = {},
                                            bool can_publish = true, bool hidden = false,
                                            std::string state = "ACTIVE") {
    livekit::ParticipantInfo p;
    p.sid = "PA_" + identity;
    p.identity = identity;
    p.state = std::move(state);
    livekit::ParticipantPermission perm;
    perm.can_subscribe = true;
    perm.can_publish = can_publish;
    perm.can_publish_data = can_publish;
    perm.hidden = hidden;
    p.permission = perm;
    for (const auto& s : sources) {
        livekit::TrackInfo t;
        t.sid = "TR_" + identity + s;
        t.type = s == "MICROPHONE" ? "AUDIO" : "VIDEO";
        t.source = s;
        p.tracks.push_back(t);
    }
    return p;
}

inline livekit::RoomInfo media_room(const std::string& name) {
    livekit::RoomInfo r;
    r.sid = "RM_sid_" + name;
    r.name = name;
    return r;
}

class MediaSyncFixture : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = store::open_sqlite({":memory:", false});
        ServiceOptions svc;
        service_ = std::make_unique<RoomService>(
            ioc_, *store_, clock_, svc, [this](const std::vector<store::StoredEvent>& events) {
                published_.insert(published_.end(), events.begin(), events.end());
                if (sync_) sync_->on_committed(events);
            });
        make_sync(true);
    }

    /// (Re)creates the MediaSync, with the fake client or without any (embedded mode).
    void make_sync(bool with_client,
                   std::chrono::milliseconds reconcile_interval = std::chrono::milliseconds(0)) {
        sync_.reset();
        fake_ = nullptr;
        std::unique_ptr<livekit::RoomServiceClient> client;
        if (with_client) {
            auto f = std::make_unique<FakeRoomServiceClient>(ioc_);
            fake_ = f.get();
            client = std::move(f);
        }
        MediaSyncOptions opts;
        opts.api_key = kKey;
        opts.api_secret = kSecret;
        opts.reconcile_interval = reconcile_interval;  // 0: rounds are started by the tests
        opts.dedup_size = 100;
        sync_ = std::make_unique<MediaSync>(ioc_, *service_, *store_, clock_, std::move(client),
                                            &metrics_, opts);
    }

    /// Runs every handler that is ready (client answers); timers are driven with the clock.
    void settle() {
        ioc_.restart();
        ioc_.poll();
    }

    std::string create_room(const std::string& host = "host") {
        service_->ensure_user(host, "Host " + host);
        rooms::CreateRoomParams p;
        p.title = "Friday live";
        return service_->create_room(p, host).room_id;
    }

    /// Invites `user` and accepts: the co-host is on stage, `backstage`.
    void add_cohost(const std::string& room, const std::string& user,
                    const std::string& host = "host") {
        service_->ensure_user(user, "Co " + user);
        const auto reply = service_->invite(rooms::Actor::user(host), room, user, std::nullopt,
                                            std::nullopt);
        const auto inv = json::parse(reply.body).as_object();
        const std::string id(inv.at("invitationId").as_string());
        service_->respond(rooms::Actor::user(user), id, RoomService::Response::Accept);
    }

    /// The webhook body LiveKit would send for `h`.
    std::string body_of(const Hook& h) {
        json::object ev;
        ev["event"] = h.event;
        ev["id"] = h.id.empty() ? "EV_" + std::to_string(++next_event_) : h.id;
        ev["createdAt"] = std::to_string(core::to_unix_seconds(clock_.now()));
        ev["room"] = json::object{{"sid", "RM_sid"}, {"name", h.room}};
        if (!h.identity.empty()) {
            json::object perm{{"canSubscribe", true}};
            if (h.can_publish) {
                perm["canPublish"] = true;
                perm["canPublishData"] = true;
            }
            if (h.hidden) perm["hidden"] = true;
            ev["participant"] = json::object{{"sid", "PA_" + h.identity},
                                             {"identity", h.identity},
                                             {"state", "ACTIVE"},
                                             {"permission", std::move(perm)}};
        }
        if (h.event == "track_published" || h.event == "track_unpublished") {
            ev["track"] = json::object{{"sid", "TR_" + h.identity + h.source},
                                       {"type", h.source == "MICROPHONE" ? "AUDIO" : "VIDEO"},
                                       {"source", h.source}};
        }
        return json::serialize(ev);
    }

    /// Signs and delivers `h`, then lets the client answer.
    WebhookReply hook(const Hook& h) {
        const std::string body = body_of(h);
        auto reply = sync_->receive_webhook("application/webhook+json", body,
                                            livekit::sign_webhook(body, kKey, kSecret,
                                                                  clock_.now()));
        settle();
        return reply;
    }

    [[nodiscard]] rooms::RoomState state(const std::string& room) { return service_->load(room); }
    [[nodiscard]] rooms::MemberState member_state(const std::string& room,
                                                  const std::string& user) {
        const auto s = state(room);
        const auto* m = s.member(user);
        EXPECT_NE(m, nullptr) << user << " is not on stage";
        return m ? m->state : rooms::MemberState::Offline;
    }
    [[nodiscard]] bool on_stage(const std::string& room, const std::string& user) {
        return state(room).member(user) != nullptr;
    }

    /// Types of the events published on `room:{room}` since index `from`.
    [[nodiscard]] std::vector<std::string> room_events(const std::string& room,
                                                       std::size_t from = 0) const {
        std::vector<std::string> out;
        for (std::size_t i = from; i < published_.size(); ++i) {
            if (published_[i].topic == "room:" + room) out.push_back(published_[i].type);
        }
        return out;
    }
    [[nodiscard]] double counter(std::string_view name, const Labels& labels = {}) const {
        return metrics_.counter(name, labels);
    }

    net::io_context ioc_;
    core::ManualClock clock_;
    Metrics metrics_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<RoomService> service_;
    std::unique_ptr<MediaSync> sync_;
    FakeRoomServiceClient* fake_ = nullptr;
    std::vector<store::StoredEvent> published_;
    int next_event_ = 0;
};

}  // namespace cohost::server::app::testing
