// REST commands of cohostctl (the realtime `watch` is in watch.cpp).
#include "commands.hpp"

#include <boost/json/serialize.hpp>
#include <iostream>

#include "cohost/sdk/api_client.hpp"
#include "ctl_config.hpp"

namespace cohost::ctl {

namespace json = boost::json;

namespace {

constexpr int kMaxPages = 1000;  // a runaway cursor must not loop forever

sdk::ApiClient client(const Context& ctx) { return sdk::ApiClient(ctx.url, ctx.token); }

// Prints every item of `plural`, following nextCursor through every page of `path`.
int print_pages(sdk::ApiClient& api, const std::string& path, const char* plural) {
    std::string cursor;
    for (int page = 0; page < kMaxPages; ++page) {
        std::string target = path;
        if (!cursor.empty()) {
            target += (target.find('?') == std::string::npos ? "?cursor=" : "&cursor=") +
                      sdk::url_encode(cursor);
        }
        const json::value body = api.request("GET", target).value_or_throw();
        const auto& o = body.as_object();
        if (const auto* items = o.if_contains(plural); items != nullptr && items->is_array()) {
            for (const auto& item : items->get_array()) {
                print_line(item);
            }
        }
        const auto* next = o.if_contains("nextCursor");
        if (next == nullptr || !next->is_string() || next->get_string().empty()) {
            return 0;
        }
        cursor = std::string(next->get_string());
    }
    return 0;
}

std::string with_status(std::string path, const std::optional<std::string>& status) {
    if (status) {
        path += (path.find('?') == std::string::npos ? "?status=" : "&status=") +
                sdk::url_encode(*status);
    }
    return path;
}

}  // namespace

void print_line(const json::value& v) { std::cout << json::serialize(v) << std::endl; }

int run_guarded(const std::function<int()>& command) {
    try {
        return command();
    } catch (const sdk::ApiError& e) {
        std::cerr << "error: " << (e.code.empty() ? "http_error" : e.code) << " (HTTP " << e.status
                  << "): " << e.message;
        if (!e.details.empty()) {
            std::cerr << ' ' << json::serialize(e.details);
        }
        std::cerr << '\n';
    } catch (const sdk::TransportError& e) {
        std::cerr << "error: unavailable: " << e.what() << '\n';
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << '\n';
    }
    return 1;
}

int cmd_login(const Context& ctx, const std::string& user_id, const std::string& name) {
    sdk::ApiClient api(ctx.url);
    const json::value res = api.dev_login(user_id, name.empty() ? user_id : name);
    save_config(ctx.config_path, CtlConfig{ctx.url, api.token(), user_id});
    print_line(res);
    return 0;
}

int cmd_rooms_create(const Context& ctx, const std::string& title,
                     std::optional<int> max_cohosts) {
    auto api = client(ctx);
    print_line(api.create_room({.title = title, .max_cohosts = max_cohosts}));
    return 0;
}

int cmd_rooms_list(const Context& ctx, const std::optional<std::string>& status) {
    auto api = client(ctx);
    return print_pages(api, with_status("/v1/rooms", status), "rooms");
}

int cmd_rooms_stop(const Context& ctx, const std::string& room_id) {
    auto api = client(ctx);
    print_line(api.stop_room(room_id));
    return 0;
}

int cmd_invite(const Context& ctx, const std::string& room_id, const std::string& user_id,
               std::optional<int> expires_in_seconds) {
    auto api = client(ctx);
    print_line(api.invite(room_id, user_id, {.expires_in_seconds = expires_in_seconds}));
    return 0;
}

int cmd_invitations(const Context& ctx, const std::optional<std::string>& status,
                    const std::optional<std::string>& room_id) {
    auto api = client(ctx);
    const std::string path = room_id ? "/v1/rooms/" + sdk::url_encode(*room_id) + "/invitations"
                                     : std::string("/v1/me/invitations");
    return print_pages(api, with_status(path, status), "invitations");
}

int cmd_transition(const Context& ctx, const std::string& action,
                   const std::string& invitation_id) {
    auto api = client(ctx);
    if (action == "accept") {
        print_line(api.accept(invitation_id));
    } else if (action == "reject") {
        print_line(api.reject(invitation_id));
    } else {
        print_line(api.cancel(invitation_id));
    }
    return 0;
}

int cmd_stage_show(const Context& ctx, const std::string& room_id) {
    auto api = client(ctx);
    const json::value stage = api.get_stage(room_id);
    if (const auto* members = stage.as_object().if_contains("members");
        members != nullptr && members->is_array()) {
        for (const auto& m : members->get_array()) {
            print_line(m);
        }
    }
    return 0;
}

int cmd_stage_leave(const Context& ctx, const std::string& room_id) {
    auto api = client(ctx);
    print_line(api.leave_stage(room_id));
    return 0;
}

int cmd_stage_remove(const Context& ctx, const std::string& room_id, const std::string& user_id) {
    auto api = client(ctx);
    print_line(api.remove_member(room_id, user_id));
    return 0;
}

int cmd_token(const Context& ctx, const std::string& room_id, bool viewer) {
    auto api = client(ctx);
    print_line(viewer ? api.viewer_token(room_id) : api.broadcast_token(room_id));
    return 0;
}

}  // namespace cohost::ctl
