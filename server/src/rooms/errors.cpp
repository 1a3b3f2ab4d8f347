// The one mapping from Errc to HTTP status and wire code (product.md §8, §10).
#include "cohost/server/rooms/errors.hpp"

#include <utility>

namespace cohost::server::rooms {

namespace {

struct ErrcInfo {
    int status;
    std::string_view code;
};

constexpr ErrcInfo info(Errc c) noexcept {
    switch (c) {
        case Errc::InvalidArgument:
            return {400, "invalid_argument"};
        case Errc::InvalidJson:
            return {400, "invalid_json"};
        case Errc::CannotInviteSelf:
            return {400, "cannot_invite_self"};
        case Errc::Unauthenticated:
            return {401, "unauthenticated"};
        case Errc::Forbidden:
            return {403, "forbidden"};
        case Errc::NotHost:
            return {403, "not_host"};
        case Errc::NotOnStage:
            return {403, "not_on_stage"};
        case Errc::NotInvitee:
            return {403, "not_invitee"};
        case Errc::NotFound:
            return {404, "not_found"};
        case Errc::UserNotFound:
            return {404, "user_not_found"};
        case Errc::InvitationNotPending:
            return {409, "invitation_not_pending"};
        case Errc::AlreadyInvited:
            return {409, "already_invited"};
        case Errc::AlreadyOnStage:
            return {409, "already_on_stage"};
        case Errc::StageFull:
            return {409, "stage_full"};
        case Errc::RoomEnded:
            return {409, "room_ended"};
        case Errc::Conflict:
            return {409, "conflict"};
        case Errc::PayloadTooLarge:
            return {413, "payload_too_large"};
        case Errc::RateLimited:
            return {429, "rate_limited"};
        case Errc::Muted:
            return {403, "muted"};
        case Errc::Banned:
            return {403, "banned"};
        case Errc::SlowMode:
            return {429, "slow_mode"};
        case Errc::TooManyProducts:
            return {400, "too_many_products"};
        case Errc::Internal:
            return {500, "internal"};
    }
    // An out-of-range value is a bug upstream; answer as an internal error rather than crash.
    return {500, "internal"};
}

}  // namespace

int http_status(Errc c) noexcept { return info(c).status; }

std::string_view code_string(Errc c) noexcept { return info(c).code; }

Error make_error(Errc code, std::string message, boost::json::object details) {
    return Error{code, std::move(message), std::move(details)};
}

Error invalid(std::string_view field, std::string message) {
    boost::json::object details;
    details["field"] = field;
    return make_error(Errc::InvalidArgument, std::move(message), std::move(details));
}

void throw_exception_from_error(const Error& e, const boost::source_location& /*loc*/) {
    throw ErrorException(e);
}

}  // namespace cohost::server::rooms
