// `POST /v1/livekit/webhook`: the HTTP edge of MediaSync (product.md §6). Authentication is the
// webhook's own raw JWT (LiveKit format), not a bearer token.
#include <boost/beast/http/field.hpp>

#include "cohost/server/app/media_sync.hpp"

namespace cohost::server::app {

http::Response webhook_response(MediaSync* media, const http::Request& req) {
    using boost::beast::http::field;
    using rooms::Errc;
    if (media == nullptr) {
        throw rooms::ErrorException(rooms::make_error(Errc::NotFound, "no such route"));
    }
    const WebhookReply reply = media->receive_webhook(req.header(field::content_type), req.body(),
                                                      req.header(field::authorization));
    switch (reply.result) {
        case WebhookResult::Applied:
        case WebhookResult::Duplicate:
        case WebhookResult::Ignored:
            return http::Response::json(200, "{}");
        case WebhookResult::Unauthorized:
            return http::Response::error(rooms::make_error(Errc::Unauthenticated, reply.message));
        case WebhookResult::Malformed:
            break;
    }
    return http::Response::error(rooms::make_error(Errc::InvalidArgument, reply.message));
}

}  // namespace cohost::server::app
