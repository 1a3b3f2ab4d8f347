// Media worker: socket loop, RFC 7983 demux, ICE-lite responder, DTLS, timers, sending.
#include "worker.hpp"

#include <boost/asio/post.hpp>
#include <cstring>
#include <ctime>

#if defined(__linux__)
#include <sys/socket.h>
#endif

#include "cohost/core/log.hpp"
#include "cohost/wire/demux.hpp"
#include "cohost/wire/stun.hpp"
#include "rx_time.hpp"

namespace cohost::media::detail {

namespace asio = boost::asio;
namespace stun = wire::stun;

std::size_t EndpointHash::operator()(const EndpointKey& k) const noexcept {
    std::size_t h = k.port * 0x9E3779B97F4A7C15ULL;
    for (auto b : k.addr) h = (h ^ b) * 0x100000001B3ULL;
    return h ^ (k.v6 ? 1U : 0U);
}

EndpointKey key_of(const Udp::endpoint& ep) noexcept {
    EndpointKey k;
    k.port = ep.port();
    const auto a = ep.address();
    if (a.is_v4()) {
        const auto b = a.to_v4().to_bytes();
        std::copy(b.begin(), b.end(), k.addr.begin());
    } else {
        k.v6 = true;
        const auto b = a.to_v6().to_bytes();
        std::copy(b.begin(), b.end(), k.addr.begin());
    }
    return k;
}

DownTrack::DownTrack(Peer* p, SubscribeSection s) : peer(p), spec(std::move(s)) {}

Worker::Worker(unsigned index, const MediaConfig& cfg, std::shared_ptr<const DtlsCertificate> cert,
               ConnectedFn connected)
    : index_(index), cfg_(cfg), cert_(std::move(cert)), connected_(std::move(connected)),
      socket_(ioc_), tick_(ioc_),
      rng_(std::random_device{}()), capture_(cfg.test_capture_dir),
      max_queue_us_(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(cfg.max_queue_delay).count())) {}

Worker::~Worker() { stop(); }

void Worker::start() {
    const std::string bind_ip = cfg_.bind_ip.empty() ? cfg_.public_ip : cfg_.bind_ip;
    const auto address = asio::ip::make_address(bind_ip);
    const std::uint16_t port =
        cfg_.udp_port == 0 ? 0 : static_cast<std::uint16_t>(cfg_.udp_port + index_);
    socket_.open(address.is_v4() ? Udp::v4() : Udp::v6());
    socket_.bind(Udp::endpoint(address, port));
    socket_.non_blocking(true);
    // Room for bursts of keyframe packets from several publishers.
    socket_.set_option(asio::socket_base::receive_buffer_size(4 << 20));
    socket_.set_option(asio::socket_base::send_buffer_size(4 << 20));
#if defined(__linux__)
    // Kernel receive stamps for transport-cc arrival times (rx_time.hpp); without them (the
    // option refused) every datagram is stamped when it is read.
    const int on = 1;
    (void)::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
#endif
    port_ = socket_.local_endpoint().port();
    running_ = true;
    wait_readable();
    tick_.expires_after(std::chrono::milliseconds(20));
    tick_.async_wait([this](boost::system::error_code ec) {
        if (!ec) on_tick();
    });
    thread_ = std::thread([this] { ioc_.run(); });
}

void Worker::stop() {
    if (!running_.exchange(false)) return;
    std::promise<void> done;
    asio::post(ioc_, [this, &done] {
        std::vector<Peer*> all;
        for (auto& [id, p] : peers_) all.push_back(p.get());
        for (Peer* p : all) remove_peer(*p, true);
        tick_.cancel();
        boost::system::error_code ec;
        socket_.close(ec);
        done.set_value();
    });
    done.get_future().wait_for(std::chrono::seconds(2));
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
}

std::uint64_t Worker::now_us() const noexcept {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}

std::string Worker::random_token(std::size_t n) {
    static constexpr char kAlphabet[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::uniform_int_distribution<std::size_t> pick(0, sizeof(kAlphabet) - 2);
    std::string s(n, 'a');
    for (auto& c : s) c = kAlphabet[pick(rng_)];
    return s;
}

void Worker::wait_readable() {
    socket_.async_wait(Udp::socket::wait_read, [this](boost::system::error_code ec) {
        if (ec) return;  // closed
        drain_socket();
        wait_readable();
    });
}

void Worker::drain_socket() {
    // Bounded batch per wake-up so timers and posted calls are not starved.
    for (int i = 0; i < 256; ++i) {
        Udp::endpoint from;
#if defined(__linux__)
        // recvmsg for the kernel's receive stamp (SO_TIMESTAMPNS, see rx_time.hpp).
        iovec iov{rx_.data(), kMaxDatagram};
        alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(timespec))> control{};
        msghdr msg{};
        msg.msg_name = from.data();
        msg.msg_namelen = static_cast<socklen_t>(from.capacity());
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.data();
        msg.msg_controllen = control.size();
        const ssize_t got = ::recvmsg(socket_.native_handle(), &msg, MSG_DONTWAIT);
        if (got < 0) return;  // would block, or an ICMP error surfaced on a later read
        from.resize(msg.msg_namelen);
        std::int64_t stamp_ns = 0;
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                timespec ts{};
                std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
                stamp_ns = static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
            }
        }
        timespec real{};
        ::clock_gettime(CLOCK_REALTIME, &real);
        const std::uint64_t now = now_us();
        rx_arrival_us_ = arrival_us(
            now, static_cast<std::int64_t>(real.tv_sec) * 1'000'000'000 + real.tv_nsec, stamp_ns);
        const auto n = static_cast<std::size_t>(got);
        // Overloaded: media that already waited too long is dropped unread (MediaConfig::
        // max_queue_delay), so the worker catches up instead of staying seconds behind.
        if (waited_too_long(now, rx_arrival_us_, max_queue_us_) &&
            wire::classify(std::span<const std::byte>(rx_.data(), n)) == wire::PacketKind::Rtp) {
            ++stats_.rtp_stale;
            continue;
        }
#else
        boost::system::error_code ec;
        const std::size_t n = socket_.receive_from(asio::buffer(rx_.data(), kMaxDatagram), from, 0, ec);
        if (ec) return;  // would_block, or an ICMP error surfaced on a later read
        rx_arrival_us_ = now_us();
#endif
        on_datagram(std::span<std::byte>(rx_.data(), n), from);
    }
}

void Worker::on_datagram(std::span<std::byte> data, const Udp::endpoint& from) {
    const auto kind = wire::classify(data);
    if (kind == wire::PacketKind::Stun) {
        on_stun(data, from);
        return;
    }
    const auto it = by_endpoint_.find(key_of(from));
    if (it == by_endpoint_.end()) return;  // no ICE check from there yet: drop
    Peer& peer = *it->second;
    switch (kind) {
        case wire::PacketKind::Dtls: on_dtls(peer, data); break;
        case wire::PacketKind::Rtp: on_rtp(peer, data); break;
        case wire::PacketKind::Rtcp: on_rtcp(peer, data); break;
        default: break;
    }
}

void Worker::on_stun(std::span<const std::byte> data, const Udp::endpoint& from) {
    auto msg = stun::parse(data);
    if (!msg || msg->type() != stun::kBindingRequest) return;  // ICE-lite: requests only
    auto user = stun::username(*msg);
    if (!user) return;
    const auto colon = user->find(':');
    if (colon == std::string_view::npos) return;
    const auto it = by_ufrag_.find(std::string(user->substr(0, colon)));
    std::array<std::byte, 256> out{};
    if (it == by_ufrag_.end()) return;  // unknown session: silence (RFC 8445 §7.3)
    Peer& peer = *it->second;
    if (capture_.enabled()) capture_.packet(peer.id, "stun", data);
    // A session the SFU offered learns the client's ufrag from its answer; checks that arrive
    // before it get no answer (a 401 would fail the pair), the client retransmits them.
    if (peer.remote.ufrag.empty()) return;
    if (user->substr(colon + 1) != peer.remote.ufrag ||
        !stun::verify_message_integrity(*msg, peer.local_pwd) ||
        (msg->has(stun::attr::kFingerprint) && !stun::verify_fingerprint(*msg))) {
        auto n = stun::write_error_response(out, stun::kMethodBinding, msg->transaction_id(), 401,
                                            "Unauthorized");
        if (n) {
            boost::system::error_code ec;
            socket_.send_to(asio::buffer(out.data(), *n), from, 0, ec);
        }
        return;
    }
    stun::Address mapped;
    const auto a = from.address();
    if (a.is_v4()) {
        const auto b = a.to_v4().to_bytes();
        mapped = stun::Address::v4(b[0], b[1], b[2], b[3], from.port());
    } else {
        std::array<std::uint8_t, 16> ip{};
        const auto b = a.to_v6().to_bytes();
        std::copy(b.begin(), b.end(), ip.begin());
        mapped = stun::Address::v6(ip, from.port());
    }
    auto n = stun::write_binding_success(out, msg->transaction_id(), mapped, peer.local_pwd);
    if (!n) return;
    boost::system::error_code ec;
    socket_.send_to(asio::buffer(out.data(), *n), from, 0, ec);
    peer.last_stun_us = now_us();
    // ICE-lite (RFC 8445 §7.3.1.5): the controlling agent nominates; take the nominated pair,
    // or the first valid one until a nomination arrives.
    if (!peer.endpoint || stun::use_candidate(*msg)) {
        if (peer.endpoint && *peer.endpoint != from) by_endpoint_.erase(key_of(*peer.endpoint));
        peer.endpoint = from;
        by_endpoint_[key_of(from)] = &peer;
    }
}

void Worker::on_dtls(Peer& peer, std::span<const std::byte> data) {
    if (!peer.dtls || peer.closed) return;
    if (capture_.enabled()) capture_.packet(peer.id, "dtls", data);
    const auto before = peer.dtls->state();
    const auto state = peer.dtls->feed(data);
    if (state == DtlsTransport::State::Connected && before != DtlsTransport::State::Connected) {
        on_connected(peer);
    } else if (state == DtlsTransport::State::Failed && before != DtlsTransport::State::Failed) {
        core::logger("media")->warn("media: session {} DTLS failed: {}", peer.id, peer.dtls->error());
        peer.closed = true;
    } else if (state == DtlsTransport::State::Closed) {
        peer.closed = true;  // the peer sent close_notify; the session waits for DELETE/timeout
    }
}

void Worker::send_raw(Peer& peer, std::span<const std::byte> data) {
    if (!peer.endpoint) return;
    boost::system::error_code ec;
    socket_.send_to(asio::buffer(data.data(), data.size()), *peer.endpoint, 0, ec);
    ++stats_.send_calls;
    if (ec) ++stats_.send_failed;
}

void Worker::flush_batch() { batch_.flush(socket_.native_handle()); }

void Worker::send_rtp(Peer& peer, std::span<std::byte> buf, std::size_t len) {
    if (!peer.connected()) return;
    auto n = peer.srtp->protect_rtp(buf, len);
    if (!n) {
        ++stats_.srtp_errors;
        return;
    }
    ++stats_.rtp_out;
    send_raw(peer, buf.first(*n));
}

void Worker::send_rtcp(Peer& peer, std::span<std::byte> buf, std::size_t len) {
    if (!peer.connected()) return;
    auto n = peer.srtp->protect_rtcp(buf, len);
    if (!n) {
        ++stats_.srtp_errors;
        return;
    }
    send_raw(peer, buf.first(*n));
}

void Worker::on_tick() {
    const std::uint64_t now = now_us();
    ++tick_count_;
    SctpAssociation::drive_timers();  // usrsctp's timers, process-wide (sctp.hpp)
    const bool every_second = tick_count_ % 50 == 0;
    const bool every_200ms = tick_count_ % 10 == 0;
    const auto consent_us = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(cfg_.consent_timeout).count());
    std::vector<Peer*> expired;
    std::vector<Peer*> departed;
    for (auto& [id, p] : peers_) {
        Peer& peer = *p;
        if (peer.dtls && !peer.closed) {
            if (auto t = peer.dtls->next_timeout(); t && t->count() == 0) {
                peer.dtls->handle_timeout();
                if (peer.dtls->state() == DtlsTransport::State::Failed) peer.closed = true;
            }
        }
        const std::uint64_t last = peer.last_stun_us ? peer.last_stun_us : peer.created_us;
        if (now - last > consent_us) {
            expired.push_back(&peer);
            continue;
        }
        if (peer.departed()) {  // its transport lingers until the peer closes it or the deadline
            if (peer.closed || now >= peer.depart_deadline_us) departed.push_back(&peer);
            continue;
        }
        if (!peer.connected()) continue;
        if (!peer.tracks.empty()) send_publisher_feedback(peer, every_second);
        if (!peer.downs.empty()) {
            if (every_200ms) {
                for (auto& d : peer.downs) update_layers(*d);
            }
            if (every_second) send_sender_reports(peer);
        }
    }
    for (Peer* p : expired) {
        core::logger("media")->info("media: session {} timed out (no ICE consent for {} ms)", p->id,
                                    cfg_.consent_timeout.count());
        remove_peer(*p, true);
    }
    for (Peer* p : departed) remove_peer(*p, true);
    tick_.expires_after(std::chrono::milliseconds(20));
    tick_.async_wait([this](boost::system::error_code ec) {
        if (!ec) on_tick();
    });
}

MediaStats Worker::stats() const {
    MediaStats s = stats_;
    s.send_failed += batch_.failed();
    s.send_calls += batch_.calls();
    s.sessions = peers_.size();
    s.rooms = rooms_.size();
    return s;
}

}  // namespace cohost::media::detail
