// ApiClient: transport, error envelope and the typed helpers of every REST route.
#include "cohost/sdk/api_client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace cohost::sdk {

namespace json = boost::json;

namespace {

std::string path_of(std::string_view prefix, std::string_view id, std::string_view suffix = {}) {
    std::string out(prefix);
    out += url_encode(id);
    out += suffix;
    return out;
}

const json::object* error_envelope(const json::value& body) {
    const auto* top = body.if_object();
    if (top == nullptr) {
        return nullptr;
    }
    const auto it = top->find("error");
    if (it == top->end()) {
        return nullptr;
    }
    return it->value().if_object();
}

std::string string_field(const json::object& o, std::string_view key) {
    const auto it = o.find(key);
    if (it == o.end() || !it->value().is_string()) {
        return {};
    }
    return std::string(it->value().get_string());
}

}  // namespace

ApiError::ApiError(int status_, std::string code_, std::string message_, json::object details_)
    : std::runtime_error("HTTP " + std::to_string(status_) + " " + code_ +
                         (message_.empty() ? std::string() : ": " + message_)),
      status(status_),
      code(std::move(code_)),
      message(std::move(message_)),
      details(std::move(details_)) {}

std::string ApiResponse::error_code() const {
    const json::object* err = error_envelope(body);
    return err == nullptr ? std::string() : string_field(*err, "code");
}

json::object ApiResponse::error_details() const {
    const json::object* err = error_envelope(body);
    if (err == nullptr) {
        return {};
    }
    const auto it = err->find("details");
    if (it == err->end() || !it->value().is_object()) {
        return {};
    }
    return it->value().get_object();
}

json::value ApiResponse::value_or_throw() && {
    (void)static_cast<const ApiResponse&>(*this).value_or_throw();  // throws unless 2xx
    return std::move(body);
}

const json::value& ApiResponse::value_or_throw() const& {
    if (ok()) {
        return body;
    }
    const json::object* err = error_envelope(body);
    if (err == nullptr) {
        throw ApiError(status, "", raw.substr(0, 200), {});
    }
    throw ApiError(status, string_field(*err, "code"), string_field(*err, "message"),
                   error_details());
}

std::string build_query(const ListQuery& q, const Headers& extra) {
    std::string out;
    auto add = [&out](std::string_view key, std::string_view value) {
        out += out.empty() ? '?' : '&';
        out += key;
        out += '=';
        out += url_encode(value);
    };
    for (const auto& [k, v] : extra) {
        add(k, v);
    }
    if (q.status) {
        add("status", *q.status);
    }
    if (q.cursor) {
        add("cursor", *q.cursor);
    }
    if (q.limit) {
        add("limit", std::to_string(*q.limit));
    }
    return out;
}

ApiClient::ApiClient(std::string_view base_url, ClientOptions opts)
    : base_url_(base_url), http_(base_url, std::move(opts)) {}

ApiClient::ApiClient(std::string_view base_url, std::string token, ClientOptions opts)
    : base_url_(base_url), token_(std::move(token)), http_(base_url, std::move(opts)) {}

ApiResponse ApiClient::request(std::string_view method, std::string_view path,
                               const std::optional<json::value>& body, const Headers& headers) {
    return request_raw(method, path, body ? json::serialize(*body) : std::string(), headers);
}

ApiResponse ApiClient::request_raw(std::string_view method, std::string_view path,
                                   std::string body, const Headers& headers) {
    Headers all = headers;
    if (!token_.empty() && !find_header(headers, "Authorization")) {
        all.emplace_back("Authorization", "Bearer " + token_);
    }
    HttpResponse res = http_.send(method, path, std::move(body), all);
    ApiResponse out;
    out.status = res.status;
    out.headers = std::move(res.headers);
    out.raw = std::move(res.body);
    if (!out.raw.empty()) {
        boost::system::error_code ec;
        json::value v = json::parse(out.raw, ec);
        if (!ec) {
            out.body = std::move(v);
        }
    }
    return out;
}

// ---- auth and users ---------------------------------------------------------------------------

json::value ApiClient::dev_login(std::string_view user_id, std::string_view display_name) {
    json::object body{{"userId", user_id}, {"displayName", display_name}};
    // Dev login needs no token: the request goes out without an Authorization header.
    HttpResponse raw = http_.send("POST", "/v1/auth/dev-login", json::serialize(body));
    ApiResponse res;
    res.status = raw.status;
    res.raw = std::move(raw.body);
    res.headers = std::move(raw.headers);
    boost::system::error_code ec;
    res.body = json::parse(res.raw, ec);
    if (ec) {
        res.body = nullptr;
    }
    json::value v = res.value_or_throw();
    if (const auto* o = v.if_object(); o != nullptr && o->contains("token") &&
                                       o->at("token").is_string()) {
        token_ = std::string(o->at("token").get_string());
    }
    return v;
}

json::value ApiClient::me() { return request("GET", "/v1/me").value_or_throw(); }

json::value ApiClient::search_users(std::string_view query, const ListQuery& q) {
    return request("GET", "/v1/users" + build_query(q, {{"query", std::string(query)}}))
        .value_or_throw();
}

json::value ApiClient::put_user(std::string_view user_id, std::string_view display_name,
                                std::optional<std::string> avatar_url) {
    json::object body{{"displayName", display_name}};
    if (avatar_url) {
        body["avatarUrl"] = *avatar_url;
    }
    return request("PUT", path_of("/v1/users/", user_id), json::value(std::move(body)))
        .value_or_throw();
}

// ---- rooms ------------------------------------------------------------------------------------

json::value ApiClient::create_room(const CreateRoom& r) {
    json::object body{{"title", r.title}};
    if (r.description) {
        body["description"] = *r.description;
    }
    if (r.thumbnail_url) {
        body["thumbnailUrl"] = *r.thumbnail_url;
    }
    if (r.metadata) {
        body["metadata"] = *r.metadata;
    }
    if (r.max_cohosts) {
        body["maxCoHosts"] = *r.max_cohosts;
    }
    return request("POST", "/v1/rooms", json::value(std::move(body))).value_or_throw();
}

json::value ApiClient::list_rooms(const ListQuery& q) {
    return request("GET", "/v1/rooms" + build_query(q)).value_or_throw();
}

json::value ApiClient::get_room(std::string_view room_id) {
    return request("GET", path_of("/v1/rooms/", room_id)).value_or_throw();
}

json::value ApiClient::patch_room(std::string_view room_id, const json::object& patch) {
    return request("PATCH", path_of("/v1/rooms/", room_id), json::value(patch)).value_or_throw();
}

json::value ApiClient::stop_room(std::string_view room_id) {
    return request("POST", path_of("/v1/rooms/", room_id, "/stop")).value_or_throw();
}

json::value ApiClient::broadcast_token(std::string_view room_id) {
    return request("POST", path_of("/v1/rooms/", room_id, "/broadcast-token")).value_or_throw();
}

json::value ApiClient::viewer_token(std::string_view room_id) {
    return request("POST", path_of("/v1/rooms/", room_id, "/viewer-token")).value_or_throw();
}

// ---- invitations ------------------------------------------------------------------------------

json::value ApiClient::invite(std::string_view room_id, std::string_view invitee_user_id,
                              const InviteOptions& opts) {
    json::object body{{"inviteeUserId", invitee_user_id}};
    if (opts.expires_in_seconds) {
        body["expiresInSeconds"] = *opts.expires_in_seconds;
    }
    Headers headers;
    if (opts.idempotency_key) {
        headers.emplace_back("Idempotency-Key", *opts.idempotency_key);
    }
    return request("POST", path_of("/v1/rooms/", room_id, "/invitations"),
                   json::value(std::move(body)), headers)
        .value_or_throw();
}

json::value ApiClient::list_room_invitations(std::string_view room_id, const ListQuery& q) {
    return request("GET", path_of("/v1/rooms/", room_id, "/invitations") + build_query(q))
        .value_or_throw();
}

json::value ApiClient::my_invitations(const ListQuery& q) {
    return request("GET", "/v1/me/invitations" + build_query(q)).value_or_throw();
}

json::value ApiClient::get_invitation(std::string_view invitation_id) {
    return request("GET", path_of("/v1/invitations/", invitation_id)).value_or_throw();
}

json::value ApiClient::accept(std::string_view invitation_id) {
    return request("POST", path_of("/v1/invitations/", invitation_id, "/accept"))
        .value_or_throw();
}

json::value ApiClient::reject(std::string_view invitation_id) {
    return request("POST", path_of("/v1/invitations/", invitation_id, "/reject"))
        .value_or_throw();
}

json::value ApiClient::cancel(std::string_view invitation_id) {
    return request("POST", path_of("/v1/invitations/", invitation_id, "/cancel"))
        .value_or_throw();
}

// ---- stage ------------------------------------------------------------------------------------

json::value ApiClient::get_stage(std::string_view room_id) {
    return request("GET", path_of("/v1/rooms/", room_id, "/stage")).value_or_throw();
}

json::value ApiClient::leave_stage(std::string_view room_id) {
    return request("POST", path_of("/v1/rooms/", room_id, "/stage/leave")).value_or_throw();
}

json::value ApiClient::remove_member(std::string_view room_id, std::string_view user_id) {
    return request("DELETE", path_of("/v1/rooms/", room_id, "/stage/") + url_encode(user_id))
        .value_or_throw();
}

json::value ApiClient::patch_member(std::string_view room_id, std::string_view user_id,
                                    bool can_manage_products) {
    json::object body{{"permissions", json::object{{"canManageProducts", can_manage_products}}}};
    return request("PATCH", path_of("/v1/rooms/", room_id, "/stage/") + url_encode(user_id),
                   json::value(std::move(body)))
        .value_or_throw();
}

bool ApiClient::healthy() noexcept {
    try {
        const HttpResponse res = http_.send("GET", "/healthz");
        return res.status >= 200 && res.status < 300;
    } catch (const std::exception&) {
        return false;  // unreachable, timed out or not HTTP: not healthy
    }
}

}  // namespace cohost::sdk
