#pragma once
/// \file The REST client of the cohost API (product.md §8, §10).
///
/// `ApiClient` wraps one `HttpClient` (one keep-alive connection) and a bearer token. It offers:
/// - `request()` / `request_raw()`: any method and path, any body, whatever the status — what
///   tests use to assert refusals;
/// - one typed helper per route, which returns the JSON body of a 2xx answer and throws
///   `ApiError` otherwise.
///
/// Threading: not thread-safe; give each thread its own client (they are cheap).
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "cohost/sdk/http_client.hpp"

namespace cohost::sdk {

/// A non-2xx answer turned into an exception by the typed helpers. `code`, `message` and
/// `details` come from the `{"error": {...}}` envelope (empty when the body had none).
struct ApiError : std::runtime_error {
    int status = 0;
    std::string code;
    std::string message;
    boost::json::object details;
    ApiError(int status_, std::string code_, std::string message_, boost::json::object details_);
};

/// An answer of the API: status, parsed body (null when empty or not JSON), raw body, headers.
struct ApiResponse {
    int status = 0;
    boost::json::value body;
    std::string raw;
    Headers headers;

    [[nodiscard]] bool ok() const noexcept { return status >= 200 && status < 300; }
    /// `error.code` of an error envelope, or "" when the body is not one.
    [[nodiscard]] std::string error_code() const;
    /// `error.details` of an error envelope, or an empty object.
    [[nodiscard]] boost::json::object error_details() const;
    [[nodiscard]] std::optional<std::string> header(std::string_view name) const {
        return find_header(headers, name);
    }
    /// The body on 2xx; throws ApiError built from the envelope otherwise. On a temporary
    /// (`api.request(...).value_or_throw()`) the body is moved out, so nothing dangles.
    [[nodiscard]] const boost::json::value& value_or_throw() const&;
    [[nodiscard]] boost::json::value value_or_throw() &&;
};

/// Common query parameters of list routes (product.md §10 "Lists"). Unset = not sent.
struct ListQuery {
    std::optional<std::string> status{};
    std::optional<std::string> cursor{};
    std::optional<int> limit{};
};

/// Body of `POST /v1/rooms`; unset optionals are not sent.
struct CreateRoom {
    std::string title;
    std::optional<std::string> description{};
    std::optional<std::string> thumbnail_url{};
    std::optional<boost::json::object> metadata{};
    std::optional<int> max_cohosts{};
};

/// Options of `POST /v1/rooms/{id}/invitations`.
struct InviteOptions {
    std::optional<int> expires_in_seconds{};
    std::optional<std::string> idempotency_key{};  ///< sent as the `Idempotency-Key` header
};

class ApiClient {
public:
    /// `base_url` like `http://127.0.0.1:7880`. Does not connect until the first call.
    explicit ApiClient(std::string_view base_url, ClientOptions opts = {});
    ApiClient(std::string_view base_url, std::string token, ClientOptions opts = {});

    /// Bearer token sent on every later call (empty = no Authorization header).
    void set_token(std::string token) { token_ = std::move(token); }
    [[nodiscard]] const std::string& token() const noexcept { return token_; }
    [[nodiscard]] const std::string& base_url() const noexcept { return base_url_; }

    /// Sends `method path` with `body` serialized as JSON. Adds `Authorization: Bearer <token>`
    /// unless `headers` already has an Authorization header. Never throws on an HTTP status;
    /// throws TransportError when no answer could be had.
    ApiResponse request(std::string_view method, std::string_view path,
                        const std::optional<boost::json::value>& body = std::nullopt,
                        const Headers& headers = {});
    /// Same, with the body sent byte for byte (malformed-input tests).
    ApiResponse request_raw(std::string_view method, std::string_view path, std::string body,
                            const Headers& headers = {});

    /// Drops the keep-alive connection (the next call reconnects).
    void disconnect() noexcept { http_.close(); }

    // ---- auth and users ----------------------------------------------------------------------
    /// `POST /v1/auth/dev-login` → `{token, user}`; also adopts the returned token.
    boost::json::value dev_login(std::string_view user_id, std::string_view display_name);
    boost::json::value me();                                         ///< `GET /v1/me`
    boost::json::value search_users(std::string_view query, const ListQuery& q = {});
    /// `PUT /v1/users/{userId}` (app backend token).
    boost::json::value put_user(std::string_view user_id, std::string_view display_name,
                                std::optional<std::string> avatar_url = std::nullopt);

    // ---- rooms -------------------------------------------------------------------------------
    boost::json::value create_room(const CreateRoom& body);
    boost::json::value list_rooms(const ListQuery& q = {});
    boost::json::value get_room(std::string_view room_id);
    boost::json::value patch_room(std::string_view room_id, const boost::json::object& patch);
    boost::json::value stop_room(std::string_view room_id);
    /// `{url, token, identity, expiresAt}` for the host or a co-host.
    boost::json::value broadcast_token(std::string_view room_id);
    boost::json::value viewer_token(std::string_view room_id);

    // ---- invitations --------------------------------------------------------------------------
    boost::json::value invite(std::string_view room_id, std::string_view invitee_user_id,
                              const InviteOptions& opts = {});
    boost::json::value list_room_invitations(std::string_view room_id, const ListQuery& q = {});
    boost::json::value my_invitations(const ListQuery& q = {});
    boost::json::value get_invitation(std::string_view invitation_id);
    boost::json::value accept(std::string_view invitation_id);
    boost::json::value reject(std::string_view invitation_id);
    boost::json::value cancel(std::string_view invitation_id);

    // ---- stage ------------------------------------------------------------------------------
    boost::json::value get_stage(std::string_view room_id);
    boost::json::value leave_stage(std::string_view room_id);
    boost::json::value remove_member(std::string_view room_id, std::string_view user_id);
    boost::json::value patch_member(std::string_view room_id, std::string_view user_id,
                                    bool can_manage_products);

    /// `true` when `GET /healthz` answers 2xx (sent without a token); `false` on any other
    /// status and when the server cannot be reached in time.
    bool healthy() noexcept;

private:
    std::string base_url_;
    std::string token_;
    HttpClient http_;
};

/// `?status=...&cursor=...&limit=...` (empty when nothing is set); `extra` goes first.
[[nodiscard]] std::string build_query(const ListQuery& q,
                                      const Headers& extra = {});

}  // namespace cohost::sdk
