// LiveKit signalling: rooms and participants as clients see them, and the protocol of
// livekit-protocol.md §4 on top of MediaServer Participant sessions.
#include <algorithm>
#include <chrono>
#include <random>

#include <google/protobuf/util/json_util.h>

#include <boost/json.hpp>

#include "cohost/core/jwt.hpp"
#include "cohost/core/log.hpp"
#include "livekit_room.pb.h"
#include "signal_impl.hpp"

namespace cohost::media {

namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

livekit::TrackSource source_of(const std::string& s) {
    if (s == "camera") return livekit::CAMERA;
    if (s == "microphone") return livekit::MICROPHONE;
    if (s == "screen_share") return livekit::SCREEN_SHARE;
    if (s == "screen_share_audio") return livekit::SCREEN_SHARE_AUDIO;
    return livekit::UNKNOWN;
}

void fill_permission(const Grants& g, livekit::ParticipantPermission* p) {
    p->set_can_subscribe(g.can_subscribe);
    p->set_can_publish(g.can_publish);
    p->set_can_publish_data(g.can_publish_data);
    p->set_hidden(g.hidden);
    for (const auto& s : g.can_publish_sources) p->add_can_publish_sources(source_of(s));
}

}  // namespace

std::string SignalServer::Impl::random_sid(const char* prefix) const {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::uniform_int_distribution<std::size_t> pick(0, sizeof(kAlphabet) - 2);
    std::string s(prefix);
    for (int i = 0; i < 12; ++i) s.push_back(kAlphabet[pick(rng)]);
    return s;
}

void SignalServer::Impl::join(const std::shared_ptr<SignalSession>& s, const livekit::JoinRequest& jr) {
    const bool fresh = rooms.find(s->room) == rooms.end();
    auto& room = room_entry(s->room);
    if (fresh) emit("room_started", room, nullptr, nullptr);
    if (auto old = room.participants.find(s->grants.identity); old != room.participants.end()) {
        auto previous = old->second;  // LiveKit: the older session gives way
        previous->leave(livekit::DUPLICATE_IDENTITY);
        depart(previous);
    }
    s->info.set_sid(random_sid("PA_"));
    s->info.set_identity(s->grants.identity);
    s->info.set_name(s->grants.name);
    s->info.set_state(livekit::ParticipantInfo::JOINED);
    s->info.set_version(1);
    s->info.set_joined_at(now_ms() / 1000);
    s->info.set_joined_at_ms(now_ms());
    fill_permission(s->grants, s->info.mutable_permission());
    s->joined = true;
    // LiveKit's default; a join_request without connection_settings (not livekit-client) too.
    s->auto_subscribe = !jr.has_connection_settings() || jr.connection_settings().auto_subscribe();

    livekit::SignalResponse r;
    auto* j = r.mutable_join();
    *j->mutable_room() = describe(room);
    j->mutable_room()->set_num_participants(static_cast<std::uint32_t>(room.participants.size() + 1));
    *j->mutable_participant() = s->info;
    for (const auto& [identity, other] : room.participants) {
        if (!other->grants.hidden) *j->add_other_participants() = other->info;
    }
    j->set_server_version(cfg.server_version);
    j->mutable_server_info()->set_version(cfg.server_version);
    j->mutable_server_info()->set_protocol(16);
    j->set_ping_interval(cfg.ping_interval_s);
    j->set_ping_timeout(cfg.ping_timeout_s);
    j->mutable_client_configuration()->set_resume_connection(livekit::DISABLED);
    if (s->two_pc) {  // signal_v0.cpp
        j->set_subscriber_primary(s->grants.can_subscribe);
        j->set_fast_publish(s->grants.can_publish);
    }
    s->send(r);
    room.participants[s->grants.identity] = s;
    core::logger("signal")->info("signal: '{}' joined room '{}' as {}", s->info.identity(), room.name,
                                 s->info.sid());
    if (!s->grants.hidden) broadcast_info(room, *s);
    refresh_token(s);
    if (jr.has_publisher_offer()) on_offer(s, jr.publisher_offer());
    if (s->two_pc) start_subscriber(s);
}

void SignalServer::Impl::on_request(const std::shared_ptr<SignalSession>& s,
                                    const livekit::SignalRequest& req) {
    switch (req.message_case()) {
        case livekit::SignalRequest::kOffer: on_offer(s, req.offer()); break;
        case livekit::SignalRequest::kAddTrack: on_add_track(s, req.add_track()); break;
        case livekit::SignalRequest::kAnswer: on_answer(s, req.answer()); break;  // signal_v0.cpp
        case livekit::SignalRequest::kSubscription: {  // signal_subscribe.cpp
            std::vector<std::string> sids(req.subscription().track_sids().begin(),
                                          req.subscription().track_sids().end());
            for (const auto& pt : req.subscription().participant_tracks()) {
                sids.insert(sids.end(), pt.track_sids().begin(), pt.track_sids().end());
            }
            if (auto it = rooms.find(s->room); it != rooms.end()) {
                update_subscriptions(it->second, s, sids, req.subscription().subscribe());
            }
            break;
        }
        case livekit::SignalRequest::kPing: {
            livekit::SignalResponse r;
            r.set_pong(now_ms());
            s->send(r);
            break;
        }
        case livekit::SignalRequest::kPingReq: {
            livekit::SignalResponse r;
            r.mutable_pong_resp()->set_last_ping_timestamp(req.ping_req().timestamp());
            r.mutable_pong_resp()->set_timestamp(now_ms());
            s->send(r);
            break;
        }
        case livekit::SignalRequest::kLeave:
            s->closing = true;
            depart(s);
            s->pump();  // closes the socket once the queue is empty
            break;
        case livekit::SignalRequest::kMute: {
            bool changed = false;
            for (auto& t : *s->info.mutable_tracks()) {
                if (t.sid() == req.mute().sid() && t.muted() != req.mute().muted()) {
                    t.set_muted(req.mute().muted());
                    changed = true;
                }
            }
            if (changed) {
                s->info.set_version(s->info.version() + 1);
                if (auto it = rooms.find(s->room); it != rooms.end()) broadcast_info(it->second, *s);
            }
            break;
        }
        default:
            break;  // trickle (ICE-lite learns the address from STUN), settings, permissions
    }
}

void SignalServer::Impl::on_add_track(const std::shared_ptr<SignalSession>& s,
                                      const livekit::AddTrackRequest& r) {
    livekit::TrackInfo t;
    t.set_sid(random_sid("TR_"));
    t.set_type(r.type());
    t.set_name(r.name());
    t.set_muted(r.muted());
    t.set_width(r.width());
    t.set_height(r.height());
    t.set_source(r.source());
    t.set_disable_dtx(r.disable_dtx());
    t.set_stereo(r.stereo());
    t.set_stream(r.stream());
    *t.mutable_layers() = r.layers();
    const bool video = r.type() == livekit::VIDEO;
    t.set_simulcast(video && r.layers_size() > 1);
    t.set_mime_type(video ? "video/VP8" : "audio/opus");
    auto* codec = t.add_codecs();
    codec->set_mime_type(t.mime_type());
    codec->set_cid(r.cid());
    *codec->mutable_layers() = r.layers();
    const bool allowed = s->grants.can_publish &&
                         (s->grants.can_publish_sources.empty() ||
                          std::any_of(s->grants.can_publish_sources.begin(),
                                      s->grants.can_publish_sources.end(),
                                      [&](const std::string& src) { return source_of(src) == r.source(); }));
    if (!allowed) {
        core::logger("signal")->info("signal: '{}' may not publish source {}", s->info.identity(),
                                     static_cast<int>(r.source()));
        return;  // the client's publish times out, as with LiveKit
    }
    s->pending[r.cid()] = t;
    livekit::SignalResponse resp;
    resp.mutable_track_published()->set_cid(r.cid());
    *resp.mutable_track_published()->mutable_track() = t;
    s->send(resp);
}

void SignalServer::Impl::on_offer(const std::shared_ptr<SignalSession>& s,
                                  const livekit::SessionDescription& offer) {
    ParticipantContext ctx;
    ctx.participant_sid = s->info.sid();
    for (const auto& [cid, t] : s->pending) ctx.pending_tracks.emplace_back(cid, t.sid());
    ctx.can_publish_data = s->grants.can_publish_data;  // data channels (worker_data.cpp)
    ctx.hidden = s->grants.hidden;
    if (auto room = rooms.find(s->room); room != rooms.end()) {
        ctx.subscribed_tracks = subscribed_tracks(room->second, *s);  // signal_subscribe.cpp
    }
    SessionAnswer a = s->resource.empty()
                          ? media.create_session(SessionKind::Participant, s->room,
                                                 s->info.identity(), offer.sdp(), ctx)
                          : media.renegotiate(s->room, s->resource, offer.sdp(), ctx);
    if (a.status != 201) {
        core::logger("signal")->warn("signal: offer {} of '{}' refused: {}", offer.id(),
                                     s->info.identity(), a.message);
        if (s->resource.empty()) {
            s->leave(livekit::JOIN_FAILURE);
            depart(s);
        }
        return;
    }
    s->resource = a.resource_id;
    bool changed = false;
    std::vector<livekit::TrackInfo> published_now;
    std::vector<livekit::TrackInfo> unpublished_now;
    for (const auto& p : a.published) {
        auto it = s->pending.find(p.cid);
        livekit::TrackInfo t;
        if (it != s->pending.end()) {
            t = it->second;
            s->pending.erase(it);
        } else {  // published without add_track (not livekit-client): describe it from the SDP
            t.set_sid(p.track_sid);
            t.set_type(p.video ? livekit::VIDEO : livekit::AUDIO);
            t.set_source(p.video ? livekit::CAMERA : livekit::MICROPHONE);
            t.set_mime_type(p.mime_type);
        }
        t.set_mid(p.mid);
        t.set_mime_type(p.mime_type);
        if (t.codecs_size() > 0) {
            t.mutable_codecs(0)->set_mime_type(p.mime_type);
            t.mutable_codecs(0)->set_mid(p.mid);
        }
        t.set_simulcast(p.layers > 1);
        *s->info.add_tracks() = t;
        changed = true;
        published_now.push_back(t);
    }
    for (const auto& sid : a.unpublished) {
        auto* tracks = s->info.mutable_tracks();
        const auto before = tracks->size();
        for (const auto& t : *tracks) {
            if (t.sid() == sid) unpublished_now.push_back(t);
        }
        tracks->erase(std::remove_if(tracks->begin(), tracks->end(),
                                     [&](const livekit::TrackInfo& t) { return t.sid() == sid; }),
                      tracks->end());
        changed = changed || tracks->size() != before;
    }
    s->info.set_is_publisher(s->info.tracks_size() > 0);
    livekit::SignalResponse r;
    auto* ans = r.mutable_answer();
    ans->set_type("answer");
    ans->set_sdp(a.answer_sdp);
    ans->set_id(offer.id());
    for (const auto& [mid, track] : a.mid_to_track_id) (*ans->mutable_mid_to_track_id())[mid] = track;
    s->send(r);
    if (!a.mid_to_track_id.empty()) {  // track_subscribed to their publishers (once per track)
        std::vector<std::string> received;
        for (const auto& [mid, track] : a.mid_to_track_id) received.push_back(track);
        if (auto room = rooms.find(s->room); room != rooms.end()) {
            report_subscribed(room->second, received);
        }
    }
    if (changed) {
        s->info.set_version(s->info.version() + 1);
        auto it = rooms.find(s->room);
        if (it != rooms.end()) {
            broadcast_info(it->second, *s);
            request_sections(it->second, s.get());
            if (s->active) {  // else reported with participant_joined once connected
                for (const auto& t : published_now) {
                    emit("track_published", it->second, &s->info, &t);
                }
                for (const auto& t : unpublished_now) {
                    emit("track_unpublished", it->second, &s->info, &t);
                }
            }
        }
    }
}

void SignalServer::Impl::on_media_connected(const std::string& room_name,
                                            const std::string& resource) {
    auto it = rooms.find(room_name);
    if (it == rooms.end()) return;
    for (const auto& [identity, s] : it->second.participants) {
        const bool mine =  // either peer connection of a two-PC participant
            s->resource == resource || (!resource.empty() && s->sub_resource == resource);
        if (!mine || !s->joined || s->active) continue;
        s->active = true;
        s->info.set_state(livekit::ParticipantInfo::ACTIVE);
        s->info.set_version(s->info.version() + 1);
        broadcast_info(it->second, *s);
        emit("participant_joined", it->second, &s->info, nullptr);
        // Tracks published before the transport came up are reported after the join.
        for (const auto& t : s->info.tracks()) emit("track_published", it->second, &s->info, &t);
    }
}

void SignalServer::Impl::refresh_token(const std::shared_ptr<SignalSession>& s) {
    if (!s->joined || s->closing) return;
    const auto& g = s->grants;
    boost::json::object video{{"room", g.room}, {"roomJoin", true}, {"canPublish", g.can_publish},
                              {"canSubscribe", g.can_subscribe},
                              {"canPublishData", g.can_publish_data}, {"hidden", g.hidden}};
    if (!g.can_publish_sources.empty()) {
        boost::json::array sources;
        for (const auto& src : g.can_publish_sources) sources.emplace_back(src);
        video["canPublishSources"] = std::move(sources);
    }
    const std::int64_t now = now_ms() / 1000;
    boost::json::object claims{{"iss", cfg.api_key}, {"sub", g.identity}, {"name", g.name},
                               {"nbf", now}, {"exp", now + cfg.refresh_token_ttl_s},
                               {"video", std::move(video)}};
    livekit::SignalResponse r;
    r.set_refresh_token(core::jwt::sign_hs256(claims, cfg.api_secret));
    s->send(r);
    s->refresh.expires_after(std::chrono::seconds(std::max(cfg.refresh_token_ttl_s / 2, 1)));
    s->refresh.async_wait([weak = std::weak_ptr<SignalSession>(s),
                           self = weak_from_this()](boost::system::error_code ec) {
        auto session = weak.lock();
        auto impl = self.lock();
        if (!ec && session && impl) impl->refresh_token(session);
    });
}

void SignalServer::Impl::broadcast_info(const SignalRoom& room, const SignalSession& who) {
    if (who.grants.hidden) return;
    livekit::SignalResponse r;
    *r.mutable_update()->add_participants() = who.info;
    SharedResponse shared(r);  // encoded once, not once per participant
    for (const auto& [identity, other] : room.participants) other->send(shared);
}

void SignalServer::Impl::request_sections(SignalRoom& room, const SignalSession* except) {
    for (const auto& [identity, other] : room.participants) {
        if (other.get() != except) sync_subscriptions(room, other, false);  // signal_subscribe.cpp
    }
}

/// How long a departed participant's transport may stay up for the client to read its `leave`
/// and close the connection itself (livekit-client does within a few ms).
constexpr std::chrono::milliseconds kLeaveLinger{5000};

void SignalServer::Impl::depart(const std::shared_ptr<SignalSession>& s) {
    if (!s->joined) return;
    s->joined = false;
    s->refresh.cancel();
    // The session's media leaves the room now; its transport lingers so that the client
    // handles the `leave` it was just sent before its peer connection (and data channels) close.
    if (!s->resource.empty()) media.depart_session(s->room, s->resource, kLeaveLinger);
    if (!s->sub_resource.empty()) media.depart_session(s->room, s->sub_resource, kLeaveLinger);
    auto it = rooms.find(s->room);
    if (it == rooms.end()) return;
    SignalRoom& room = it->second;
    auto p = room.participants.find(s->info.identity());
    if (p == room.participants.end() || p->second != s) return;
    room.participants.erase(p);
    core::logger("signal")->info("signal: '{}' left room '{}'", s->info.identity(), room.name);
    s->info.set_state(livekit::ParticipantInfo::DISCONNECTED);
    s->info.set_version(s->info.version() + 1);
    const bool published = s->info.tracks_size() > 0;
    if (s->active) {
        for (const auto& t : s->info.tracks()) emit("track_unpublished", room, &s->info, &t);
    }
    s->info.clear_tracks();
    broadcast_info(room, *s);
    emit_departure(room, *s);  // participant_left, or participant_connection_aborted
    // The others' sections that carried its tracks are stale: a new offer lets the answer
    // mark them inactive (the client ends those tracks). A participant that published nothing
    // (a viewer) left no such section: nobody renegotiates.
    if (published) {
        for (const auto& [identity, other] : room.participants) {
            if (other->two_pc) {  // the SFU offers: the sections end in its next offer
                sync_subscriptions(room, other, false);
                continue;
            }
            if (other->resource.empty()) continue;
            livekit::SignalResponse r;
            r.mutable_media_sections_requirement();
            other->send(r);
        }
    }
    if (room.participants.empty() && !room.created_by_api) {
        emit("room_finished", room, nullptr, nullptr);
        rooms.erase(it);
    }
}

void SignalServer::Impl::emit(const char* event, const SignalRoom& room,
                              const livekit::ParticipantInfo* who, const livekit::TrackInfo* track) {
    if (!sink) return;
    livekit::WebhookEvent e;
    e.set_event(event);
    *e.mutable_room() = describe(room);
    if (who) *e.mutable_participant() = *who;
    if (track) *e.mutable_track() = *track;
    e.set_id(random_sid("EV_"));
    e.set_created_at(now_ms() / 1000);
    std::string json;
    if (google::protobuf::util::MessageToJsonString(e, &json).ok()) sink(std::move(json));
}

void SignalServer::set_event_sink(std::function<void(std::string)> sink) {
    impl_->sink = std::move(sink);
}

livekit::Room SignalServer::Impl::describe(const SignalRoom& room) const {
    livekit::Room r;
    r.set_sid(room.sid);
    r.set_name(room.name);
    r.set_empty_timeout(room.empty_timeout);
    r.set_max_participants(room.max_participants);
    r.set_creation_time(room.created_ms / 1000);
    r.set_creation_time_ms(room.created_ms);
    r.set_metadata(room.metadata);
    std::uint32_t publishers = 0;
    for (const auto& [identity, s] : room.participants) {
        if (s->info.tracks_size() > 0) ++publishers;
    }
    r.set_num_participants(static_cast<std::uint32_t>(room.participants.size()));
    r.set_num_publishers(publishers);
    return r;
}

SignalRoom& SignalServer::Impl::room_entry(const std::string& name) {
    auto& room = rooms[name];
    if (room.sid.empty()) {
        room.sid = random_sid("RM_");
        room.name = name;
        room.created_ms = now_ms();
    }
    return room;
}

void SignalServer::shutdown() {
    impl_->stopping = true;
    for (auto& [name, room] : std::map<std::string, SignalRoom>(impl_->rooms)) {
        for (auto& [identity, s] : room.participants) {
            s->leave(livekit::SERVER_SHUTDOWN);
            impl_->depart(s);
        }
    }
}

bool SignalServer::remove_participant(const std::string& room, const std::string& identity) {
    auto it = impl_->rooms.find(room);
    if (it == impl_->rooms.end()) return false;
    auto p = it->second.participants.find(identity);
    if (p == it->second.participants.end()) return false;
    auto s = p->second;
    s->leave(livekit::PARTICIPANT_REMOVED);
    impl_->depart(s);
    return true;
}

bool SignalServer::delete_room(const std::string& room) {
    auto it = impl_->rooms.find(room);
    if (it == impl_->rooms.end()) return false;
    auto participants = it->second.participants;
    for (auto& [identity, s] : participants) {
        s->leave(livekit::ROOM_DELETED);
        impl_->depart(s);
    }
    return true;
}

std::vector<std::string> SignalServer::room_names() const {
    std::vector<std::string> out;
    for (const auto& [name, room] : impl_->rooms) out.push_back(name);
    return out;
}

std::vector<SignalParticipant> SignalServer::participants(const std::string& room) const {
    std::vector<SignalParticipant> out;
    auto it = impl_->rooms.find(room);
    if (it == impl_->rooms.end()) return out;
    for (const auto& [identity, s] : it->second.participants) {
        SignalParticipant p{s->info.sid(), identity, s->info.name(), {}};
        for (const auto& t : s->info.tracks()) p.track_sids.push_back(t.sid());
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace cohost::media
