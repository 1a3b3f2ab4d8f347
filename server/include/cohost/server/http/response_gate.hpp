#pragma once
/// \file A hold on HTTP responses until the state they reflect is durable (group commit).
///
/// The HTTP layer asks the gate, after a handler produced its response and before writing it,
/// whether something is pending; if so the session awaits `wait()` and then writes. The app's
/// group commit (app/group_commit.hpp) implements it; the HTTP layer only knows this interface.
#include <boost/asio/awaitable.hpp>

namespace cohost::server::http {

class ResponseGate {
public:
    virtual ~ResponseGate() = default;
    /// True while writes made by handlers are not yet durable.
    [[nodiscard]] virtual bool pending() const = 0;
    /// Completes once everything pending at the call is durable. Returns false when it could not
    /// be made durable (the response must then not claim success).
    virtual boost::asio::awaitable<bool> wait() = 0;
};

}  // namespace cohost::server::http
