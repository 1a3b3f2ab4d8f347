// MediaServer: the facade over the media workers; rooms are pinned to workers here.
#include "cohost/media/media_server.hpp"

#include <mutex>
#include <thread>
#include <unordered_map>

#include "cohost/core/log.hpp"
#include "worker.hpp"

namespace cohost::media {

struct MediaServer::Impl {
    MediaConfig cfg;
    std::vector<std::unique_ptr<detail::Worker>> workers;
    mutable std::mutex mutex;  // guards room_worker and next
    /// Held by the calls that create rooms and by prune(), so a room that empties is never
    /// unpinned while a session for it is being created on its worker (the room would split).
    std::mutex create_mutex;
    std::unordered_map<std::string, std::size_t> room_worker;
    std::size_t next = 0;
    bool started = false;
    std::mutex handler_mutex;
    std::function<void(const std::string&, const std::string&)> connected;

    void notify_connected(const std::string& room, const std::string& id) {
        std::function<void(const std::string&, const std::string&)> h;
        {
            std::lock_guard lock(handler_mutex);
            h = connected;
        }
        if (h) h(room, id);
    }

    /// The worker a room lives on; new rooms go round-robin.
    detail::Worker& worker_for(const std::string& room) {
        std::lock_guard lock(mutex);
        auto it = room_worker.find(room);
        if (it == room_worker.end()) {
            it = room_worker.emplace(room, next++ % workers.size()).first;
        }
        return *workers[it->second];
    }
    detail::Worker* existing_worker(const std::string& room) {
        std::lock_guard lock(mutex);
        auto it = room_worker.find(room);
        return it == room_worker.end() ? nullptr : workers[it->second].get();
    }
    /// Unpins `room` when its worker no longer has it (its last session ended), so the map does
    /// not grow with every room ever used; the next session of that name goes round-robin.
    void prune(const std::string& room) {
        std::lock_guard creating(create_mutex);
        detail::Worker* w = existing_worker(room);
        if (w == nullptr || w->call([w, room] { return w->has_room(room); }, true)) return;
        std::lock_guard lock(mutex);
        room_worker.erase(room);
    }
};

MediaServer::MediaServer(MediaConfig config) : impl_(std::make_unique<Impl>()) {
    impl_->cfg = std::move(config);
}

MediaServer::~MediaServer() { stop(); }

void MediaServer::start() {
    unsigned n = impl_->cfg.workers;
    if (n == 0) {
        const unsigned hw = std::thread::hardware_concurrency();
        n = hw > 1 ? hw - 1 : 1;
    }
    auto cert = DtlsCertificate::generate();
    for (unsigned i = 0; i < n; ++i) {
        impl_->workers.push_back(std::make_unique<detail::Worker>(
            i, impl_->cfg, cert, [impl = impl_.get()](const std::string& room, const std::string& id) {
                impl->notify_connected(room, id);
            }));
        impl_->workers.back()->start();
    }
    impl_->started = true;
    std::string ports;
    for (auto p : udp_ports()) ports += (ports.empty() ? "" : ",") + std::to_string(p);
    core::logger("media")->info("media: {} worker(s), udp {}:{} (candidate {})", n,
                                impl_->cfg.bind_ip.empty() ? impl_->cfg.public_ip
                                                           : impl_->cfg.bind_ip,
                                ports, impl_->cfg.public_ip);
}

void MediaServer::stop() {
    for (auto& w : impl_->workers) w->stop();
}

SessionAnswer MediaServer::create_session(SessionKind kind, const std::string& room,
                                          const std::string& identity, std::string_view offer_sdp,
                                          const ParticipantContext& context) {
    SessionAnswer unavailable;
    unavailable.status = 503;
    unavailable.code = "unavailable";
    unavailable.message = "the media server is not running or too busy; try again";
    if (!impl_->started || impl_->workers.empty()) return unavailable;
    std::string offer(offer_sdp);
    SessionAnswer a;
    {
        std::lock_guard creating(impl_->create_mutex);
        detail::Worker& w = impl_->worker_for(room);
        a = w.call([&w, kind, room, identity, offer, context] {
            return w.create_session(kind, room, identity, offer, context);
        }, unavailable);
    }
    if (a.status != 201) impl_->prune(room);  // a refused first session leaves no room
    return a;
}

SessionAnswer MediaServer::renegotiate(const std::string& room, const std::string& resource_id,
                                       std::string_view offer_sdp,
                                       const ParticipantContext& context) {
    SessionAnswer missing;
    missing.status = 404;
    missing.code = "not_found";
    missing.message = "no such session";
    detail::Worker* w = impl_->existing_worker(room);
    if (w == nullptr) return missing;
    std::string offer(offer_sdp);
    return w->call([w, room, resource_id, offer, context] {
        return w->renegotiate(room, resource_id, offer, context);
    }, missing);
}

SectionNeeds MediaServer::section_needs(const std::string& room, const std::string& resource_id,
                                        const std::optional<std::vector<std::string>>& subscribed) {
    detail::Worker* w = impl_->existing_worker(room);
    if (w == nullptr) return {};
    return w->call([w, room, resource_id, subscribed] {
        return w->section_needs(room, resource_id, subscribed);
    }, SectionNeeds{});
}

// Two-peer-connection subscriber sessions (worker_offer.cpp).
namespace {
ServerOfferUpdate offer_failure(int status, const char* code, const char* message) {
    ServerOfferUpdate u;
    u.status = status;
    u.code = code;
    u.message = message;
    return u;
}
}  // namespace

ServerOfferUpdate MediaServer::create_subscriber_session(const std::string& room,
                                                         const std::string& identity,
                                                         const ParticipantContext& context,
                                                         std::vector<std::string> tracks) {
    const auto unavailable =
        offer_failure(503, "unavailable", "the media server is not running or too busy; try again");
    if (!impl_->started || impl_->workers.empty()) return unavailable;
    ServerOfferUpdate u;
    {
        std::lock_guard creating(impl_->create_mutex);
        detail::Worker& w = impl_->worker_for(room);
        u = w.call([&w, room, identity, context, tracks = std::move(tracks)] {
            return w.create_subscriber_session(room, identity, context, tracks);
        }, unavailable);
    }
    if (u.status != 200) impl_->prune(room);
    return u;
}

ServerOfferUpdate MediaServer::set_subscriber_tracks(const std::string& room,
                                                     const std::string& resource_id,
                                                     std::vector<std::string> tracks) {
    const auto missing = offer_failure(404, "not_found", "no such subscriber session");
    detail::Worker* w = impl_->existing_worker(room);
    if (w == nullptr) return missing;
    return w->call([w, room, resource_id, tracks = std::move(tracks)] {
        return w->set_subscriber_tracks(room, resource_id, tracks);
    }, missing);
}

ServerOfferUpdate MediaServer::apply_subscriber_answer(const std::string& room,
                                                       const std::string& resource_id,
                                                       std::string_view answer_sdp,
                                                       std::uint32_t answer_id) {
    const auto missing = offer_failure(404, "not_found", "no such subscriber session");
    detail::Worker* w = impl_->existing_worker(room);
    if (w == nullptr) return missing;
    return w->call([w, room, resource_id, answer = std::string(answer_sdp), answer_id] {
        return w->apply_subscriber_answer(room, resource_id, answer, answer_id);
    }, missing);
}

bool MediaServer::delete_session(const std::string& room, const std::string& resource_id,
                                 std::optional<SessionKind> kind, const std::string& identity) {
    detail::Worker* w = impl_->existing_worker(room);
    if (w == nullptr) return false;
    const bool deleted = w->call([w, room, resource_id, kind, identity] {
        return w->delete_session(room, resource_id, kind, identity);
    }, false);
    if (deleted) impl_->prune(room);  // the room's last session: unpin it
    return deleted;
}

bool MediaServer::depart_session(const std::string& room, const std::string& resource_id,
                                 std::chrono::milliseconds linger) {
    detail::Worker* w = impl_->existing_worker(room);
    if (w == nullptr) return false;
    const bool departed = w->call([w, room, resource_id, linger] {
        return w->depart_session(room, resource_id, linger);
    }, false);
    if (departed) impl_->prune(room);  // the room's last session: unpin it
    return departed;
}

std::size_t MediaServer::pinned_rooms() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->room_worker.size();
}

bool MediaServer::set_bandwidth_cap(const std::string& room, const std::string& resource_id,
                                    std::uint64_t bps) {
    detail::Worker* w = impl_->existing_worker(room);
    if (w == nullptr) return false;
    return w->call([w, room, resource_id, bps] { return w->set_bandwidth_cap(room, resource_id, bps); },
                   false);
}

std::size_t MediaServer::send_data(const std::string& room, DataDelivery delivery) {
    detail::Worker* w = impl_->existing_worker(room);
    if (w == nullptr) return 0;
    return w->call([w, room, d = std::move(delivery)] { return w->send_data(room, d); },
                   std::size_t{0});
}

bool MediaServer::set_data_permission(const std::string& room, const std::string& resource_id,
                                      bool can_publish_data) {
    detail::Worker* w = impl_->existing_worker(room);
    if (w == nullptr) return false;
    return w->call([w, room, resource_id, can_publish_data] {
        return w->set_data_permission(room, resource_id, can_publish_data);
    }, false);
}

MediaStats MediaServer::stats() const {
    MediaStats total;
    for (const auto& w : impl_->workers) {
        const MediaStats s = w->call([&w] { return w->stats(); }, MediaStats{});
        total.sessions += s.sessions;
        total.rooms += s.rooms;
        total.rtp_in += s.rtp_in;
        total.rtp_out += s.rtp_out;
        total.nack_resent += s.nack_resent;
        total.keyframe_requests += s.keyframe_requests;
        total.dropped_test += s.dropped_test;
        total.send_failed += s.send_failed;
        total.send_calls += s.send_calls;
        total.rtp_stale += s.rtp_stale;
        total.srtp_errors += s.srtp_errors;
        total.data_in += s.data_in;
        total.data_out += s.data_out;
        total.data_malformed += s.data_malformed;
        total.data_refused += s.data_refused;
        total.data_dropped += s.data_dropped;
    }
    return total;
}

void MediaServer::set_connected_handler(
    std::function<void(const std::string&, const std::string&)> h) {
    std::lock_guard lock(impl_->handler_mutex);
    impl_->connected = std::move(h);
}

std::vector<std::uint16_t> MediaServer::udp_ports() const {
    std::vector<std::uint16_t> ports;
    for (const auto& w : impl_->workers) ports.push_back(w->port());
    return ports;
}

}  // namespace cohost::media
