#pragma once
/// \file The control plane's refusal vocabulary: one enum plus one mapping (style.md "Error
/// handling"). The domain returns `Error`; `server/http` maps it to a status and the JSON
/// envelope `{"error": {"code", "message", "details"}}` (product.md §8, §10).
#include <boost/json/object.hpp>
#include <boost/system/result.hpp>
#include <string>
#include <string_view>

namespace cohost::server::rooms {

enum class Errc : std::uint8_t {
    InvalidArgument,       ///< 400 invalid_argument, details.field
    InvalidJson,           ///< 400 invalid_json
    CannotInviteSelf,      ///< 400 cannot_invite_self
    Unauthenticated,       ///< 401 unauthenticated
    Forbidden,             ///< 403 forbidden
    NotHost,               ///< 403 not_host
    NotOnStage,            ///< 403 not_on_stage
    NotInvitee,            ///< 403 not_invitee
    NotFound,              ///< 404 not_found
    UserNotFound,          ///< 404 user_not_found
    InvitationNotPending,  ///< 409 invitation_not_pending, details.status
    AlreadyInvited,        ///< 409 already_invited, details.invitationId
    AlreadyOnStage,        ///< 409 already_on_stage
    StageFull,             ///< 409 stage_full, details.maxCoHosts
    RoomEnded,             ///< 409 room_ended
    Conflict,              ///< 409 conflict: a concurrent change won the compare-and-set; retry
    PayloadTooLarge,       ///< 413 payload_too_large
    RateLimited,           ///< 429 rate_limited
    Muted,                 ///< 403 muted, details.until (engagement: chat while muted)
    Banned,                ///< 403 banned (engagement: banned from the room)
    SlowMode,              ///< 429 slow_mode, details.retryAfterSeconds
    TooManyProducts,       ///< 400 too_many_products, details.max
    Internal,              ///< 500 internal
};

/// HTTP status for `c` (400, 401, 403, 404, 409, 413, 429, 500).
[[nodiscard]] int http_status(Errc c) noexcept;
/// The snake_case wire code, e.g. `stage_full`.
[[nodiscard]] std::string_view code_string(Errc c) noexcept;

/// A refusal with a human message and structured details (never secrets, never other users' data).
struct Error {
    Errc code = Errc::Internal;
    std::string message;
    boost::json::object details;
};

/// Helpers so refusals read like the rules: `return invalid("title", "must be 1-200 chars");`
[[nodiscard]] Error make_error(Errc code, std::string message, boost::json::object details = {});
[[nodiscard]] Error invalid(std::string_view field, std::string message);

/// Thrown by ADL from `Outcome<T>::value()` on an error; caught once at the HTTP boundary.
struct ErrorException : std::exception {
    Error error;
    explicit ErrorException(Error e) : error(std::move(e)) {}
    [[nodiscard]] const char* what() const noexcept override { return error.message.c_str(); }
};
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

/// Value or refusal. `boost::system::result` with our Error as E.
template <class T>
using Outcome = boost::system::result<T, Error>;

}  // namespace cohost::server::rooms
