// SCTP over DTLS on usrsctp (AF_CONN). See sctp.hpp for the threading contract.
#include "sctp.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <usrsctp.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace cohost::media::detail {

namespace {

/// One callback from usrsctp, queued for the owner thread.
struct Event {
    enum class Kind : std::uint8_t { Packet, Data, Eof };
    Kind kind = Kind::Packet;
    std::vector<std::byte> bytes;
    std::uint16_t stream = 0;
    std::uint32_t ppid = 0;
    int flags = 0;
};

/// The association whose owner is inside a usrsctp call on this thread (0: none). Callbacks
/// for it are drained by the owner when the call returns, so they need no post.
thread_local std::uintptr_t tls_driving = 0;

struct DriveScope {
    explicit DriveScope(std::uintptr_t id) noexcept : saved(tls_driving) { tls_driving = id; }
    ~DriveScope() { tls_driving = saved; }
    DriveScope(const DriveScope&) = delete;
    DriveScope& operator=(const DriveScope&) = delete;
    std::uintptr_t saved;
};

std::int64_t steady_ms() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

struct SctpAssociation::Inbox {
    std::mutex mutex;
    bool alive = true;          // guarded by mutex
    bool drain_posted = false;  // guarded by mutex
    std::vector<Event> events;  // guarded by mutex
    std::uintptr_t id = 0;
    PostFn post;
    SctpAssociation* owner = nullptr;  // owner thread only
};

namespace {

/// Process-wide usrsctp state. Never destroyed: usrsctp may call back until the process ends.
struct Stack {
    std::once_flag init;
    std::atomic<bool> initialised{false};
    std::mutex mutex;  // guards registry
    std::unordered_map<std::uintptr_t, std::shared_ptr<SctpAssociation::Inbox>> registry;
    std::atomic<std::uintptr_t> next_id{1};
    std::atomic<std::size_t> live{0};
    std::atomic<std::int64_t> last_timer_ms{0};
};

Stack& stack() {
    static Stack* const s = new Stack;  // intentionally leaked (see above)
    return *s;
}

std::shared_ptr<SctpAssociation::Inbox> lookup(std::uintptr_t id) {
    Stack& s = stack();
    std::lock_guard lock(s.mutex);
    const auto it = s.registry.find(id);
    return it == s.registry.end() ? nullptr : it->second;
}

/// Queues `e` for the owner; posts a drain unless the owner is inside a call for this
/// association on this thread (it drains on return) or a drain is already posted.
void push(const std::shared_ptr<SctpAssociation::Inbox>& in, Event&& e) {
    std::lock_guard lock(in->mutex);
    if (!in->alive) return;
    in->events.push_back(std::move(e));
    if (tls_driving == in->id || in->drain_posted) return;
    in->drain_posted = true;
    try {
        in->post([weak = std::weak_ptr<SctpAssociation::Inbox>(in)] {
            const auto inbox = weak.lock();
            if (inbox && inbox->owner != nullptr) inbox->owner->drain_posted_events();
        });
    } catch (...) {
        in->drain_posted = false;  // the next callback tries again
    }
}

// usrsctp: an SCTP packet to send to the AF_CONN address `addr` (our association id).
int conn_output(void* addr, void* buffer, std::size_t length, std::uint8_t, std::uint8_t) {
    const auto in = lookup(reinterpret_cast<std::uintptr_t>(addr));
    if (!in || length == 0) return 0;
    try {
        Event e;
        e.kind = Event::Kind::Packet;
        const auto* p = static_cast<const std::byte*>(buffer);
        e.bytes.assign(p, p + length);
        push(in, std::move(e));
    } catch (...) {  // std::bad_alloc: the packet is lost, SCTP retransmits
    }
    return 0;
}

// usrsctp: a message (or a piece of one, or a notification) for the socket of `ulp_info`;
// `data == nullptr` means the association is gone. We own `data` (malloc'd by usrsctp).
int receive_cb(struct socket*, union sctp_sockstore, void* data, std::size_t length,
               struct sctp_rcvinfo info, int flags, void* ulp_info) {
    const auto in = lookup(reinterpret_cast<std::uintptr_t>(ulp_info));
    if (in) {
        try {
            Event e;
            if (data == nullptr) {
                e.kind = Event::Kind::Eof;
            } else {
                e.kind = Event::Kind::Data;
                const auto* p = static_cast<const std::byte*>(data);
                e.bytes.assign(p, p + length);
                e.stream = info.rcv_sid;
                e.ppid = ntohl(info.rcv_ppid);
                e.flags = flags;
            }
            push(in, std::move(e));
        } catch (...) {  // std::bad_alloc: the message is lost
        }
    }
    std::free(data);
    return 1;
}

void init_usrsctp() {
    Stack& s = stack();
    std::call_once(s.init, [&s] {
        usrsctp_init_nothreads(0, &conn_output, nullptr);
        usrsctp_sysctl_set_sctp_ecn_enable(0);  // as browsers: no ECN over DTLS
        // RFC 6298 values rather than usrsctp's 3 s initial RTO: a lost packet on a
        // loopback-class link should not stall a reliable channel for seconds.
        usrsctp_sysctl_set_sctp_rto_initial_default(1000);
        usrsctp_sysctl_set_sctp_rto_min_default(400);
        usrsctp_sysctl_set_sctp_rto_max_default(10000);
        usrsctp_sysctl_set_sctp_init_rto_max_default(10000);
        s.last_timer_ms = steady_ms();
        s.initialised = true;
    });
}

template <class T>
bool set_option(struct socket* sock, int level, int name, const T& value) {
    return usrsctp_setsockopt(sock, level, name, &value, sizeof value) == 0;
}

}  // namespace

SctpAssociation::SctpAssociation(SctpOptions options, Callbacks callbacks, PostFn post)
    : options_(options), callbacks_(std::move(callbacks)) {
    if (!callbacks_.send || !post) {
        throw std::invalid_argument("SctpAssociation: send and post functions are required");
    }
    init_usrsctp();
    Stack& s = stack();
    id_ = s.next_id.fetch_add(1);
    inbox_ = std::make_shared<Inbox>();
    inbox_->id = id_;
    inbox_->post = std::move(post);
    inbox_->owner = this;
    {
        std::lock_guard lock(s.mutex);
        s.registry[id_] = inbox_;
    }
    usrsctp_register_address(reinterpret_cast<void*>(id_));
    sock_ = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, &receive_cb, nullptr, 0,
                           reinterpret_cast<void*>(id_));
    const char* failed = sock_ == nullptr ? "socket" : nullptr;
    if (failed == nullptr && usrsctp_set_non_blocking(sock_, 1) != 0) failed = "non-blocking";
    if (failed == nullptr) {
        linger l{};
        l.l_onoff = 1;  // close() aborts at once: no SHUTDOWN handshake with a peer that left
        l.l_linger = 0;
        if (!set_option(sock_, SOL_SOCKET, SO_LINGER, l)) failed = "SO_LINGER";
    }
    if (failed == nullptr) {
        sctp_assoc_value av{};
        av.assoc_id = SCTP_ALL_ASSOC;
        av.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ;  // RFC 8831 §6.7: channels close by reset
        if (!set_option(sock_, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, av)) failed = "stream reset";
    }
    const int on = 1;
    if (failed == nullptr && !set_option(sock_, IPPROTO_SCTP, SCTP_NODELAY, on)) failed = "nodelay";
    if (failed == nullptr && !set_option(sock_, IPPROTO_SCTP, SCTP_RECVRCVINFO, on)) failed = "rcvinfo";
    for (const std::uint16_t type : {static_cast<std::uint16_t>(SCTP_ASSOC_CHANGE),
                                     static_cast<std::uint16_t>(SCTP_STREAM_RESET_EVENT),
                                     static_cast<std::uint16_t>(SCTP_SEND_FAILED_EVENT)}) {
        sctp_event ev{};
        ev.se_assoc_id = SCTP_ALL_ASSOC;
        ev.se_type = type;
        ev.se_on = 1;
        if (failed == nullptr && !set_option(sock_, IPPROTO_SCTP, SCTP_EVENT, ev)) failed = "events";
    }
    if (failed == nullptr) {
        sctp_initmsg init{};
        init.sinit_num_ostreams = options_.streams;
        init.sinit_max_instreams = options_.streams;
        if (!set_option(sock_, IPPROTO_SCTP, SCTP_INITMSG, init)) failed = "initmsg";
    }
    if (failed == nullptr) {
        // Room for a few maximum-size messages each way.
        const std::size_t largest = std::max(options_.max_message_size, options_.max_send_size);
        const int buffer = static_cast<int>(
            std::clamp<std::size_t>(largest * 8, 256 * 1024, 8 * 1024 * 1024));
        if (!set_option(sock_, SOL_SOCKET, SO_RCVBUF, buffer) ||
            !set_option(sock_, SOL_SOCKET, SO_SNDBUF, buffer))
            failed = "buffers";
    }
    if (failed == nullptr) {
        sockaddr_conn local{};
        local.sconn_family = AF_CONN;
        local.sconn_port = htons(options_.local_port);
        local.sconn_addr = reinterpret_cast<void*>(id_);
        if (usrsctp_bind(sock_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
            failed = "bind";
        }
    }
    if (failed != nullptr) {
        const int err = errno;
        abort_socket();
        usrsctp_deregister_address(reinterpret_cast<void*>(id_));
        std::lock_guard lock(s.mutex);
        s.registry.erase(id_);
        throw std::runtime_error(std::string("SctpAssociation: usrsctp ") + failed +
                                 " failed: " + std::strerror(err));
    }
    s.live.fetch_add(1);
}

SctpAssociation::~SctpAssociation() {
    {
        std::lock_guard lock(inbox_->mutex);
        inbox_->alive = false;  // late callbacks from other threads are dropped
        inbox_->events.clear();
    }
    inbox_->owner = nullptr;
    abort_socket();
    usrsctp_deregister_address(reinterpret_cast<void*>(id_));
    Stack& s = stack();
    {
        std::lock_guard lock(s.mutex);
        s.registry.erase(id_);
    }
    s.live.fetch_sub(1);
}

void SctpAssociation::abort_socket() noexcept {
    if (sock_ == nullptr) return;
    const DriveScope scope(id_);
    usrsctp_close(sock_);  // SO_LINGER 0: ABORT (queued; sent by the caller's drain if alive)
    sock_ = nullptr;
}

void SctpAssociation::connect() {
    if (state_ != SctpState::New || sock_ == nullptr) return;
    set_state(SctpState::Connecting);
    {
        const DriveScope scope(id_);
        sockaddr_conn remote{};
        remote.sconn_family = AF_CONN;
        remote.sconn_port = htons(options_.remote_port);
        remote.sconn_addr = reinterpret_cast<void*>(id_);
        const int ret = usrsctp_connect(sock_, reinterpret_cast<sockaddr*>(&remote), sizeof remote);
        if (ret != 0 && errno != EINPROGRESS) {
            abort_socket();
            set_state(SctpState::Closed);
        } else {
            // The path MTU is ours to choose (no PMTU discovery under DTLS). For AF_CONN,
            // usrsctp's packets come out up to 12 bytes (the common header) above it.
            sctp_paddrparams params{};
            std::memcpy(&params.spp_address, &remote, sizeof remote);
            params.spp_assoc_id = 0;
            params.spp_flags = SPP_PMTUD_DISABLE;
            params.spp_pathmtu = options_.mtu > 512 ? options_.mtu - 12 : 500;
            (void)set_option(sock_, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, params);
        }
    }
    drain();
}

void SctpAssociation::feed(std::span<const std::byte> packet) {
    if (state_ == SctpState::Closed || sock_ == nullptr || packet.empty()) return;
    ++counters_.packets_in;
    {
        const DriveScope scope(id_);
        usrsctp_conninput(reinterpret_cast<void*>(id_), packet.data(), packet.size(), 0);
    }
    drain();
}

SctpSendResult SctpAssociation::send(std::uint16_t stream, std::uint32_t ppid,
                                     std::span<const std::byte> data,
                                     const SctpSendOptions& options) {
    if (state_ != SctpState::Connected || sock_ == nullptr) return SctpSendResult::NotConnected;
    if (data.empty() || data.size() > options_.max_send_size) return SctpSendResult::TooLarge;
    sctp_sendv_spa spa{};
    spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
    spa.sendv_sndinfo.snd_sid = stream;
    spa.sendv_sndinfo.snd_ppid = htonl(ppid);
    spa.sendv_sndinfo.snd_flags = SCTP_EOR | (options.ordered ? 0 : SCTP_UNORDERED);
    if (options.max_retransmits) {
        spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
        spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_RTX;
        spa.sendv_prinfo.pr_value = *options.max_retransmits;
    } else if (options.lifetime_ms) {
        spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
        spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_TTL;
        spa.sendv_prinfo.pr_value = *options.lifetime_ms;
    }
    ssize_t sent = 0;
    int err = 0;
    {
        const DriveScope scope(id_);
        sent = usrsctp_sendv(sock_, data.data(), data.size(), nullptr, 0, &spa, sizeof spa,
                             SCTP_SENDV_SPA, 0);
        err = errno;
    }
    drain();
    if (sent < 0) {
        return err == EWOULDBLOCK || err == EAGAIN ? SctpSendResult::Busy : SctpSendResult::Failed;
    }
    ++counters_.messages_out;
    return SctpSendResult::Sent;
}

bool SctpAssociation::reset_stream(std::uint16_t stream) {
    if (state_ != SctpState::Connected || sock_ == nullptr) return false;
    // struct sctp_reset_streams ends in a flexible array: room for one stream id.
    alignas(sctp_reset_streams) std::byte buf[sizeof(sctp_reset_streams) + sizeof(std::uint16_t)]{};
    auto* srs = reinterpret_cast<sctp_reset_streams*>(buf);
    srs->srs_assoc_id = SCTP_ALL_ASSOC;
    srs->srs_flags = SCTP_STREAM_RESET_OUTGOING;
    srs->srs_number_streams = 1;
    srs->srs_stream_list[0] = stream;
    int ret = 0;
    {
        const DriveScope scope(id_);
        ret = usrsctp_setsockopt(sock_, IPPROTO_SCTP, SCTP_RESET_STREAMS, srs,
                                 static_cast<socklen_t>(sizeof buf));
    }
    drain();
    return ret == 0;
}

void SctpAssociation::close() {
    if (state_ == SctpState::Closed) return;
    abort_socket();
    drain();  // sends the ABORT
    set_state(SctpState::Closed);
}

void SctpAssociation::set_state(SctpState s) {
    if (state_ == s) return;
    state_ = s;
    if (callbacks_.state) callbacks_.state(s);
}

void SctpAssociation::drain_posted_events() { drain(); }

void SctpAssociation::drain() {
    if (draining_) return;  // a callback re-entered: the outer loop picks the new events up
    draining_ = true;
    for (;;) {
        std::vector<Event> batch;
        {
            std::lock_guard lock(inbox_->mutex);
            batch.swap(inbox_->events);
            inbox_->drain_posted = false;
        }
        if (batch.empty()) break;
        for (Event& e : batch) {
            switch (e.kind) {
                case Event::Kind::Packet:
                    ++counters_.packets_out;
                    callbacks_.send(e.bytes);
                    break;
                case Event::Kind::Data:
                    if ((e.flags & MSG_NOTIFICATION) != 0) {
                        handle_notification(e.bytes);
                    } else {
                        handle_message(e.stream, e.ppid, e.flags, e.bytes);
                    }
                    break;
                case Event::Kind::Eof:
                    set_state(SctpState::Closed);
                    break;
            }
        }
    }
    draining_ = false;
}

void SctpAssociation::handle_message(std::uint16_t stream, std::uint32_t ppid, int flags,
                                     std::vector<std::byte>& data) {
    if (state_ == SctpState::Closed) return;
    const bool end = (flags & MSG_EOR) != 0;
    auto it = partial_.find(stream);
    if (!end || it != partial_.end()) {
        // Partial delivery (RFC 6458 §8.1.20): pieces of one message arrive in order; keep
        // them until the last, dropping the whole message once it exceeds the limit.
        Partial& p = it != partial_.end() ? it->second : partial_[stream];
        if (!p.overflow && p.bytes.size() + data.size() <= options_.max_message_size) {
            p.bytes.insert(p.bytes.end(), data.begin(), data.end());
        } else {
            p.overflow = true;
            p.bytes.clear();
        }
        if (!end) return;
        Partial done = std::move(partial_[stream]);
        partial_.erase(stream);
        if (done.overflow) {
            ++counters_.oversize_dropped;
            return;
        }
        data = std::move(done.bytes);
    } else if (data.size() > options_.max_message_size) {
        ++counters_.oversize_dropped;
        return;
    }
    ++counters_.messages_in;
    if (callbacks_.message) callbacks_.message(stream, ppid, data);
}

void SctpAssociation::handle_notification(std::span<const std::byte> data) {
    // The event bytes live in a heap vector (aligned for any type), copied from usrsctp's.
    if (data.size() < sizeof(sctp_notification::sn_header)) return;
    const auto* n = reinterpret_cast<const sctp_notification*>(data.data());
    if (n->sn_header.sn_length > data.size()) return;
    switch (n->sn_header.sn_type) {
        case SCTP_ASSOC_CHANGE: {
            if (data.size() < sizeof(sctp_assoc_change)) return;
            switch (n->sn_assoc_change.sac_state) {
                case SCTP_COMM_UP:
                case SCTP_RESTART:
                    if (state_ != SctpState::Closed) set_state(SctpState::Connected);
                    break;
                case SCTP_COMM_LOST:
                case SCTP_SHUTDOWN_COMP:
                case SCTP_CANT_STR_ASSOC:
                    set_state(SctpState::Closed);
                    break;
                default:
                    break;
            }
            break;
        }
        case SCTP_STREAM_RESET_EVENT: {
            const auto& ev = n->sn_strreset_event;
            if (data.size() < sizeof(sctp_stream_reset_event) ||
                ev.strreset_length > data.size() || ev.strreset_length < sizeof ev)
                return;
            if ((ev.strreset_flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED)) != 0)
                return;
            if ((ev.strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN) == 0) return;
            const std::size_t count = (ev.strreset_length - sizeof ev) / sizeof(std::uint16_t);
            for (std::size_t i = 0; i < count; ++i) {
                std::uint16_t sid = 0;
                std::memcpy(&sid, data.data() + sizeof ev + i * sizeof sid, sizeof sid);
                partial_.erase(sid);
                if (callbacks_.stream_reset) callbacks_.stream_reset(sid);
            }
            break;
        }
        case SCTP_SEND_FAILED_EVENT:
            ++counters_.send_failed;
            break;
        default:
            break;
    }
}

void SctpAssociation::drive_timers() noexcept {
    Stack& s = stack();
    if (!s.initialised.load()) return;
    const std::int64_t now = steady_ms();
    std::int64_t last = s.last_timer_ms.load();
    do {
        if (now <= last) return;  // another worker just ran them
    } while (!s.last_timer_ms.compare_exchange_weak(last, now));
    usrsctp_handle_timers(static_cast<std::uint32_t>(std::min<std::int64_t>(now - last, 60'000)));
}

std::size_t SctpAssociation::live_count() noexcept { return stack().live.load(); }

}  // namespace cohost::media::detail
