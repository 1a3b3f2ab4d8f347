#include "cohost/media/testkit/synthetic_peer.hpp"

#include <sys/socket.h>

#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstring>
#include <ctime>
#include <random>

#include "cohost/wire/bytes.hpp"
#include "cohost/wire/demux.hpp"
#include "cohost/wire/rtcp.hpp"
#include "cohost/wire/rtcp_build.hpp"
#include "cohost/wire/sdp.hpp"
#include "cohost/wire/stun.hpp"

namespace cohost::media::testkit {

namespace asio = boost::asio;
namespace stun = wire::stun;
namespace rtp = wire::rtp;
namespace rtcp = wire::rtcp;

namespace {

constexpr std::uint8_t kExtMid = 1;
constexpr std::uint8_t kExtRid = 2;
constexpr std::uint8_t kExtTwcc = 3;
constexpr std::uint8_t kPtOpus = 111;
constexpr std::uint8_t kPtVp8 = 96;
constexpr const char* kRids[3] = {"q", "h", "f"};

std::mt19937_64& rng() {
    thread_local std::mt19937_64 r{std::random_device{}()};
    return r;
}

std::string token(std::size_t n) {
    static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::uniform_int_distribution<std::size_t> pick(0, sizeof(kAlphabet) - 2);
    std::string s(n, 'a');
    for (auto& c : s) c = kAlphabet[pick(rng())];
    return s;
}

std::uint32_t random_ssrc() { return static_cast<std::uint32_t>(rng()() | 1U); }

}  // namespace

std::int64_t SyntheticPeer::now_us() noexcept {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

SyntheticPeer::SyntheticPeer(asio::io_context& ioc, std::shared_ptr<const DtlsCertificate> cert,
                             PeerOptions options)
    : ioc_(ioc), cert_(std::move(cert)), opt_(options), socket_(ioc), timer_(ioc) {
    local_ufrag_ = token(8);
    local_pwd_ = token(24);
    audio_ssrc_ = random_ssrc();
    for (auto& s : video_ssrcs_) s = random_ssrc();
    for (auto& s : video_seq_) s = static_cast<std::uint16_t>(rng()());
    for (auto& t : video_ts_) t = static_cast<std::uint32_t>(rng()());
    socket_.open(asio::ip::udp::v4());
    socket_.bind(asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    socket_.set_option(asio::socket_base::receive_buffer_size(1 << 20));
    build_offer();
}

SyntheticPeer::~SyntheticPeer() { close(); }

void SyntheticPeer::build_offer() {
    const bool pub = opt_.publish;
    const std::string fp = wire::sdp::fingerprint_hex(cert_->fingerprint());
    std::string mids;
    if (opt_.audio) mids += " a";
    if (opt_.video) mids += " v";
    std::string s = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE" + mids +
                    "\r\na=msid-semantic: WMS s\r\n";
    auto transport = [&](const char* mid) {
        return "c=IN IP4 0.0.0.0\r\na=ice-ufrag:" + local_ufrag_ + "\r\na=ice-pwd:" + local_pwd_ +
               "\r\na=fingerprint:sha-256 " + fp + "\r\na=setup:actpass\r\na=mid:" + mid +
               "\r\na=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
               "a=extmap:2 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
               "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n" +
               std::string(pub ? "a=sendonly\r\n" : "a=recvonly\r\n") + "a=rtcp-mux\r\na=rtcp-rsize\r\n";
    };
    if (opt_.audio) {
        s += "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" + transport("a");
        if (pub) s += "a=msid:s audio\r\n";
        s += "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\n"
             "a=fmtp:111 minptime=10;useinbandfec=1\r\n";
        if (pub) s += "a=ssrc:" + std::to_string(audio_ssrc_) + " cname:synthetic\r\n";
    }
    if (opt_.video) {
        s += "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n" + transport("v");
        if (pub) s += "a=msid:s video\r\n";
        s += "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 goog-remb\r\na=rtcp-fb:96 transport-cc\r\n"
             "a=rtcp-fb:96 ccm fir\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n";
        if (pub && opt_.simulcast_layers > 0) {
            std::string list;
            for (int i = 0; i < opt_.simulcast_layers; ++i) {
                s += std::string("a=rid:") + kRids[i] + " send\r\n";
                list += (i ? ";" : "") + std::string(kRids[i]);
            }
            s += "a=simulcast:send " + list + "\r\n";
        } else if (pub) {
            s += "a=ssrc:" + std::to_string(video_ssrcs_[0]) + " cname:synthetic\r\n";
        }
    }
    offer_ = std::move(s);
}

Result<void> SyntheticPeer::start(std::string_view answer_sdp) {
    auto answer = wire::sdp::parse(answer_sdp);
    if (!answer) return make_error_code(boost::system::errc::invalid_argument);
    bool have_candidate = false;
    for (const auto& m : answer->media) {
        if (m.port == 0) continue;
        if (auto* u = answer->ice_ufrag_for(m)) remote_ufrag_ = *u;
        if (auto* p = answer->ice_pwd_for(m)) remote_pwd_ = *p;
        if (!answer->fingerprints_for(m).empty()) remote_fp_ = answer->fingerprints_for(m).front();
        for (const auto& c : m.candidates) {
            if (have_candidate) break;
            boost::system::error_code ec;
            auto addr = asio::ip::make_address(c.address, ec);
            if (ec) continue;
            server_ = asio::ip::udp::endpoint(addr, c.port);
            have_candidate = true;
        }
        if (!m.ssrcs.empty()) announced_.push_back(m.ssrcs.front().ssrc);
    }
    if (!have_candidate || remote_ufrag_.empty() || remote_pwd_.empty()) {
        return make_error_code(boost::system::errc::invalid_argument);
    }
    dtls_ = std::make_unique<DtlsTransport>(cert_, DtlsRole::Client, remote_fp_,
                                            [this](std::span<const std::byte> d) { send_raw(d); });
    if ((opt_.light || opt_.kernel_rx_time) && !opt_.publish) {
        if (opt_.kernel_rx_time) {
            const int on = 1;
            ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
        }
        receive_batch();
    } else {
        receive();
    }
    send_binding_request();
    timer_.expires_after(std::chrono::milliseconds(50));
    timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) on_timer();
    });
    return {};
}

DtlsTransport::State SyntheticPeer::dtls_state() const noexcept {
    return dtls_ ? dtls_->state() : DtlsTransport::State::New;
}

std::uint16_t SyntheticPeer::local_port() const {
    boost::system::error_code ec;
    return socket_.local_endpoint(ec).port();
}

void SyntheticPeer::close() {
    if (closed_) return;
    if (dtls_ && srtp_) dtls_->close();  // close_notify goes out before the socket closes
    closed_ = true;
    timer_.cancel();
    boost::system::error_code ec;
    socket_.close(ec);
}

void SyntheticPeer::send_raw(std::span<const std::byte> data) {
    if (closed_) return;
    boost::system::error_code ec;
    socket_.send_to(asio::buffer(data.data(), data.size()), server_, 0, ec);
}

void SyntheticPeer::send_binding_request() {
    stun::TransactionId tid{};
    for (auto& b : tid) b = static_cast<std::byte>(rng()());
    std::array<std::byte, 512> out{};
    stun::MessageBuilder b(out, stun::kBindingRequest, tid);
    b.add_string(stun::attr::kUsername, remote_ufrag_ + ":" + local_ufrag_)
        .add_u32(stun::attr::kPriority, 2130706431)
        .add_u64(stun::attr::kIceControlling, rng()())
        .add_flag(stun::attr::kUseCandidate)
        .add_message_integrity(remote_pwd_)
        .add_fingerprint();
    if (auto n = b.finish()) send_raw(std::span<const std::byte>(out.data(), *n));
}

void SyntheticPeer::on_timer() {
    if (closed_) return;
    ++ticks_;
    // Light peers, once connected, tick once a second: consent only (the SFU's timeout is 30 s).
    const bool idle = opt_.light && srtp_ != nullptr;
    // Checks every 50 ms until ICE succeeds, then consent every 0.5 s.
    if (idle || !ice_ok_ || ticks_ % 10 == 0) send_binding_request();
    if (dtls_ && dtls_->state() == DtlsTransport::State::Connecting) dtls_->handle_timeout();
    timer_.expires_after(std::chrono::milliseconds(idle ? 1000 : 50));
    timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) on_timer();
    });
}

void SyntheticPeer::receive() {
    socket_.async_receive_from(asio::buffer(rx_.data(), 1500), from_,
                               [this](boost::system::error_code ec, std::size_t n) {
                                   if (ec) return;
                                   on_datagram(std::span<std::byte>(rx_.data(), n));
                                   receive();
                               });
}

void SyntheticPeer::receive_batch() {
    socket_.async_wait(asio::ip::udp::socket::wait_read, [this](boost::system::error_code ec) {
        if (ec) return;  // aborted: the peer may be gone, touch nothing
        drain_socket();
        if (!closed_) receive_batch();
    });
}

void SyntheticPeer::drain_socket() {
    // One batch buffer per thread, shared by every light peer of that thread: the datagrams are
    // consumed before the next peer's handler runs.
    constexpr unsigned kBatch = 32;
    constexpr std::size_t kSlot = 1500;
    constexpr std::size_t kControl = CMSG_SPACE(sizeof(timespec));
    thread_local std::array<std::array<std::byte, kSlot>, kBatch> slots{};
    thread_local std::array<std::array<std::byte, kControl>, kBatch> control{};
    std::array<mmsghdr, kBatch> msgs{};
    std::array<iovec, kBatch> iov{};
    const int fd = socket_.native_handle();
    for (int round = 0; round < 16 && !closed_; ++round) {
        for (unsigned i = 0; i < kBatch; ++i) {
            iov[i] = iovec{slots[i].data(), kSlot};
            msgs[i] = mmsghdr{};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            if (opt_.kernel_rx_time) {
                msgs[i].msg_hdr.msg_control = control[i].data();
                msgs[i].msg_hdr.msg_controllen = kControl;
            }
        }
        const int n = ::recvmmsg(fd, msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (n <= 0) return;
        // SO_TIMESTAMPNS stamps with CLOCK_REALTIME; the publisher stamps with the steady clock.
        // Map through the offset between the two clocks, read now (microseconds apart).
        std::int64_t realtime_to_steady_us = 0;
        if (opt_.kernel_rx_time) {
            timespec rt{};
            ::clock_gettime(CLOCK_REALTIME, &rt);
            realtime_to_steady_us = now_us() - (static_cast<std::int64_t>(rt.tv_sec) * 1'000'000 +
                                                rt.tv_nsec / 1000);
        }
        for (int i = 0; i < n && !closed_; ++i) {
            const std::size_t len = msgs[static_cast<std::size_t>(i)].msg_len;
            std::byte* d = slots[static_cast<std::size_t>(i)].data();
            const std::span<std::byte> data(d, len);
            rx_time_us_ = 0;
            if (opt_.kernel_rx_time) {
                msghdr& h = msgs[static_cast<std::size_t>(i)].msg_hdr;
                for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
                    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                        timespec ts{};
                        std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
                        rx_time_us_ = static_cast<std::int64_t>(ts.tv_sec) * 1'000'000 +
                                      ts.tv_nsec / 1000 + realtime_to_steady_us;
                    }
                }
            }
            if (opt_.light && srtp_ && len >= 12 &&
                wire::classify(data) == wire::PacketKind::Rtp) {
                // Cleartext RTP header (RFC 3550 §5.1): SRTP leaves it readable.
                count_rtp(wire::load_be32(d + 8), wire::load_be16(d + 2),
                          static_cast<std::uint8_t>(std::to_integer<unsigned>(d[1]) & 0x7FU), len);
                continue;
            }
            std::memcpy(rx_.data(), d, len);  // the other paths work in rx_
            on_datagram(std::span<std::byte>(rx_.data(), len));
            rx_time_us_ = 0;
        }
        if (static_cast<unsigned>(n) < kBatch) return;
    }
}

void SyntheticPeer::count_rtp(std::uint32_t ssrc, std::uint16_t seq, std::uint8_t payload_type,
                              std::size_t bytes) {
    auto& st = streams_[ssrc];
    st.payload_type = payload_type;
    if (st.have_seq) {
        const auto d = static_cast<std::int16_t>(seq - st.last_seq);
        if (d > 1) st.gaps += static_cast<std::uint64_t>(d - 1);
        if (d <= 0) ++st.duplicates;
        if (d > 0) st.last_seq = seq;
    } else {
        st.have_seq = true;
        st.last_seq = seq;
    }
    ++st.packets;
    ++rtp_packets_;
    st.bytes += bytes;
}

void SyntheticPeer::on_datagram(std::span<std::byte> data) {
    switch (wire::classify(data)) {
        case wire::PacketKind::Stun: {
            auto m = stun::parse(data);
            if (m && m->type() == stun::kBindingSuccess &&
                stun::verify_message_integrity(*m, remote_pwd_) && !ice_ok_) {
                ice_ok_ = true;
                dtls_->start();
            }
            break;
        }
        case wire::PacketKind::Dtls: {
            if (!dtls_) break;
            const auto state = dtls_->feed(data);
            if (state == DtlsTransport::State::Connected && !srtp_) {
                auto s = SrtpSession::create(dtls_->srtp_keys());
                if (s) srtp_ = std::move(*s);
            }
            break;
        }
        case wire::PacketKind::Rtp: {
            if (!srtp_ || data.size() < 12) break;
            if (drop_incoming && drop_incoming(wire::load_be16(data.data() + 2))) break;
            auto n = srtp_->unprotect_rtp(std::span<std::byte>(rx_.data(), rx_.size()), data.size());
            if (!n) break;
            auto p = rtp::parse(std::span<const std::byte>(rx_.data(), *n));
            if (!p) break;
            count_rtp(p->ssrc, p->sequence_number, p->payload_type, *n);
            std::int64_t delay = -1;
            if (p->payload.size() >= 8) {
                const auto* tail = p->payload.data() + p->payload.size() - 8;
                const std::int64_t rx = rx_time_us_ != 0 ? rx_time_us_ : now_us();
                delay = rx - static_cast<std::int64_t>(wire::load_be64(tail));
            }
            if (on_rtp) on_rtp(*p, delay);
            break;
        }
        case wire::PacketKind::Rtcp: {
            if (!srtp_) break;
            auto n = srtp_->unprotect_rtcp(std::span<std::byte>(rx_.data(), rx_.size()), data.size());
            if (n) handle_rtcp(std::span<const std::byte>(rx_.data(), *n));
            break;
        }
        default: break;
    }
}

void SyntheticPeer::handle_rtcp(std::span<const std::byte> plain) {
    rtcp::ParseOptions o;
    o.allow_padding_on_any_packet = true;
    auto c = rtcp::parse(plain, o);
    if (!c) return;
    ++rtcp_received;
    for (const auto p : *c) {
        if (auto pli = rtcp::as_pli(p)) plis_received.push_back(pli->media_ssrc());
        if (auto bye = rtcp::as_bye(p)) {
            for (std::size_t i = 0; i < bye->ssrc_count(); ++i) byes_received.push_back(bye->ssrc(i));
        }
        if (p.kind() == rtcp::PacketKind::TransportCc) ++twcc_received;
    }
}

void SyntheticPeer::send_rtp(std::span<std::byte> buf, std::size_t len) {
    if (!srtp_) return;
    auto n = srtp_->protect_rtp(buf, len);
    if (n) send_raw(buf.first(*n));
}

void SyntheticPeer::send_rtcp(std::span<std::byte> buf, std::size_t len) {
    if (!srtp_) return;
    auto n = srtp_->protect_rtcp(buf, len);
    if (n) send_raw(buf.first(*n));
}

std::size_t SyntheticPeer::send_video_frame(int layer, bool keyframe, std::size_t bytes) {
    begin_video_frame(layer, keyframe, bytes);
    std::size_t sent = 0;
    while (send_video_packet()) ++sent;
    return sent;
}

void SyntheticPeer::begin_video_frame(int layer, bool keyframe, std::size_t bytes) {
    frame_ = PendingFrame{};
    if (!srtp_ || layer < 0 || layer > 2) return;
    ++picture_id_;
    video_ts_[layer] += 3000;  // 30 fps
    frame_ = PendingFrame{true, keyframe, true, layer, bytes};
}

bool SyntheticPeer::send_video_packet() {
    if (!frame_.active || !srtp_) return false;
    const int layer = frame_.layer;
    const std::size_t chunk = std::min<std::size_t>(frame_.left, 1100);
    frame_.left -= chunk;
    const bool first = frame_.first;
    frame_.first = false;
    frame_.active = frame_.left > 0;
    const std::string_view rid = kRids[layer];
    std::array<std::byte, 1400> payload{};
    // VP8 descriptor (RFC 7741): X=1, S (frame start), PID=0; I=1; 15-bit picture id.
    payload[0] = std::byte{static_cast<std::uint8_t>(0x80 | (first ? 0x10 : 0x00))};
    payload[1] = std::byte{0x80};
    payload[2] = std::byte{static_cast<std::uint8_t>(0x80 | ((picture_id_ >> 8) & 0x7F))};
    payload[3] = std::byte{static_cast<std::uint8_t>(picture_id_ & 0xFF)};
    // VP8 payload header byte: bit 0 is the inverse keyframe flag P.
    payload[4] = std::byte{static_cast<std::uint8_t>(frame_.keyframe ? 0x00 : 0x01)};
    const std::size_t size = std::max<std::size_t>(5 + chunk, 13);
    wire::store_be64(payload.data() + size - 8, static_cast<std::uint64_t>(now_us()));
    std::array<std::uint8_t, 2> twcc{};
    wire::store_be16(reinterpret_cast<std::byte*>(twcc.data()), twcc_seq_++);
    const std::array<rtp::ExtensionElement, 3> ext{
        rtp::ExtensionElement{kExtMid, wire::as_bytes(std::string_view("v"))},
        rtp::ExtensionElement{kExtRid, wire::as_bytes(rid)},
        rtp::ExtensionElement{kExtTwcc, std::as_bytes(std::span(twcc))},
    };
    rtp::Packet p;
    p.marker = !frame_.active;
    p.payload_type = kPtVp8;
    p.sequence_number = video_seq_[layer]++;
    p.timestamp = video_ts_[layer];
    p.ssrc = video_ssrcs_[layer];
    p.extensions = opt_.simulcast_layers > 0 ? std::span(ext) : std::span(ext).first(1);
    p.payload = std::span<const std::byte>(payload.data(), size);
    auto n = rtp::serialize(p, tx_);
    if (!n) {
        frame_.active = false;
        return false;
    }
    send_rtp(tx_, *n);
    return true;
}

void SyntheticPeer::send_audio() {
    if (!srtp_) return;
    std::array<std::byte, 80> payload{};
    wire::store_be64(payload.data() + payload.size() - 8, static_cast<std::uint64_t>(now_us()));
    audio_ts_ += 960;
    const std::array<rtp::ExtensionElement, 1> ext{
        rtp::ExtensionElement{kExtMid, wire::as_bytes(std::string_view("a"))}};
    rtp::Packet p;
    p.payload_type = kPtOpus;
    p.sequence_number = audio_seq_++;
    p.timestamp = audio_ts_;
    p.ssrc = audio_ssrc_;
    p.extensions = ext;
    p.payload = payload;
    if (auto n = rtp::serialize(p, tx_)) send_rtp(tx_, *n);
}

void SyntheticPeer::send_pli(std::uint32_t media_ssrc) {
    std::array<std::byte, 64> buf{};
    rtcp::CompoundWriter w(buf, rtcp::CompoundMode::ReducedSize);
    if (!w.add(rtcp::Pli{1, media_ssrc})) return;
    std::copy(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(w.size()), tx_.begin());
    send_rtcp(tx_, w.size());
}

void SyntheticPeer::send_nack(std::uint32_t media_ssrc, std::span<const std::uint16_t> lost) {
    std::array<std::byte, 512> buf{};
    rtcp::CompoundWriter w(buf, rtcp::CompoundMode::ReducedSize);
    if (!w.add(rtcp::GenericNack{1, media_ssrc, lost})) return;
    std::copy(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(w.size()), tx_.begin());
    send_rtcp(tx_, w.size());
}

}  // namespace cohost::media::testkit
