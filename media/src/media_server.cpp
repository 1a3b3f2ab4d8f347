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
    unavailable.message = "the media server is not running";
    if (!impl_->started || impl_->workers.empty()) return unavailable;
    detail::Worker& w = impl_->worker_for(room);
    std::string offer(offer_sdp);
    return w.call([&w, kind, room, identity, offer, context] {
        return w.create_session(kind, room, identity, offer, context);
    }, unavailable);
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

SectionNeeds MediaServer::section_needs(const std::string& room, const std::string& resource_id) {
    detail::Worker* w = impl_->existing_worker(room);
    if (w == nullptr) return {};
    return w->call([w, room, resource_id] { return w->section_needs(room, resource_id); },
                   SectionNeeds{});
}

bool MediaServer::delete_session(const std::string& room, const std::string& resource_id,
                                 std::optional<SessionKind> kind, const std::string& identity) {
    detail::Worker* w = impl_->existing_worker(room);
    if (w == nullptr) return false;
    return w->call([w, room, resource_id, kind, identity] {
        return w->delete_session(room, resource_id, kind, identity);
    }, false);
}

bool MediaServer::set_bandwidth_cap(const std::string& room, const std::string& resource_id,
                                    std::uint64_t bps) {
    detail::Worker* w = impl_->existing_worker(room);
    if (w == nullptr) return false;
    return w->call([w, room, resource_id, bps] { return w->set_bandwidth_cap(room, resource_id, bps); },
                   false);
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
        total.srtp_errors += s.srtp_errors;
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
