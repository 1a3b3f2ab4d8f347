#include "rehome_socket.hpp"

#include <unistd.h>

#include <boost/asio/error.hpp>

namespace cohost::server::realtime::detail {

namespace net = boost::asio;
using tcp = net::ip::tcp;

RehomeResult rehome_socket(boost::beast::tcp_stream&& stream, net::io_context& target) {
    boost::system::error_code ec;
    tcp::socket from = stream.release_socket();
    const auto protocol = from.local_endpoint(ec).protocol();
    const int fd = ec ? -1 : from.release(ec);
    if (ec || fd < 0) {
        if (!ec) {
            ec = net::error::bad_descriptor;
        }
        return RehomeError{RehomeStep::Release, ec};  // `from` closes what is left
    }
    tcp::socket to(target);
    to.assign(protocol, fd, ec);
    if (ec) {
        ::close(fd);  // assign failed, so `to` does not own it
        return RehomeError{RehomeStep::Assign, ec};
    }
    return to;
}

}  // namespace cohost::server::realtime::detail
