// Batched datagram sending for the media worker's fan-out (send_batch.hpp).
#include "send_batch.hpp"

#include <cerrno>

#include <sys/socket.h>
#include <sys/uio.h>

namespace cohost::media::detail {

SendBatch::SendBatch() : slots_(std::make_unique<std::array<Slot, kSlots>>()) {}

std::span<std::byte> SendBatch::next() noexcept { return (*slots_)[count_].bytes; }

bool SendBatch::commit(std::size_t len, const boost::asio::ip::udp::endpoint& to) noexcept {
    Slot& s = (*slots_)[count_];
    s.len = len < kSlotBytes ? len : kSlotBytes;
    s.to = to;
    ++count_;
    return count_ == kSlots;
}

std::size_t SendBatch::flush(int fd) noexcept {
    const std::size_t n = count_;
    count_ = 0;
    if (n == 0) {
        return 0;
    }
    std::size_t sent = 0;
#if defined(__linux__)
    std::array<iovec, kSlots> iov{};
    std::array<mmsghdr, kSlots> msgs{};
    for (std::size_t i = 0; i < n; ++i) {
        Slot& s = (*slots_)[i];
        iov[i] = iovec{s.bytes.data(), s.len};
        msghdr& h = msgs[i].msg_hdr;
        h.msg_name = s.to.data();
        h.msg_namelen = static_cast<socklen_t>(s.to.size());
        h.msg_iov = &iov[i];
        h.msg_iovlen = 1;
    }
    std::size_t at = 0;
    while (at < n) {
        ++calls_;
        const int r = ::sendmmsg(fd, &msgs[at], static_cast<unsigned>(n - at), MSG_DONTWAIT);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            ++failed_;  // the datagram at `at` was refused: skip it, as a lone sendto would
            ++at;
            continue;
        }
        sent += static_cast<std::size_t>(r);
        at += static_cast<std::size_t>(r);
    }
#else
    for (std::size_t i = 0; i < n; ++i) {
        Slot& s = (*slots_)[i];
        ++calls_;
        if (::sendto(fd, s.bytes.data(), s.len, 0, s.to.data(), s.to.size()) < 0) {
            ++failed_;
        } else {
            ++sent;
        }
    }
#endif
    return sent;
}

}  // namespace cohost::media::detail
