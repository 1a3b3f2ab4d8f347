#pragma once
/// \file The commands of cohostctl. Each prints its result to stdout as JSON, one object per
/// line (lists print one item per line), and returns the process exit code. Failures are
/// reported by `run_guarded` on stderr as `error: <code> (HTTP <status>): <message>`, exit 1.
#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>

namespace cohost::ctl {

/// What every command needs: where the server is, who we are, where settings are saved.
struct Context {
    std::string url;
    std::string token;
    std::string config_path;
};

/// Prints `v` as one line of JSON and flushes (scripts read line by line).
void print_line(const boost::json::value& v);

/// Runs `command`, turning SDK and other exceptions into a message on stderr and exit code 1.
int run_guarded(const std::function<int()>& command);

/// `login USER [--name NAME]`: dev login; saves url + token; prints `{token, user}`.
int cmd_login(const Context& ctx, const std::string& user_id, const std::string& name);
/// `rooms create TITLE [--max-cohosts N]`: prints the room.
int cmd_rooms_create(const Context& ctx, const std::string& title, std::optional<int> max_cohosts);
/// `rooms list [--status S]`: one room per line, every page.
int cmd_rooms_list(const Context& ctx, const std::optional<std::string>& status);
/// `rooms stop ROOM`: prints the ended room.
int cmd_rooms_stop(const Context& ctx, const std::string& room_id);
/// `invite ROOM USER [--expires S]`: prints the invitation.
int cmd_invite(const Context& ctx, const std::string& room_id, const std::string& user_id,
               std::optional<int> expires_in_seconds);
/// `invitations [--status S] [--room ROOM]`: mine, or a room's (host); one per line.
int cmd_invitations(const Context& ctx, const std::optional<std::string>& status,
                    const std::optional<std::string>& room_id);
/// `accept|reject|cancel INVITATION`: prints the invitation after the transition.
int cmd_transition(const Context& ctx, const std::string& action,
                   const std::string& invitation_id);
/// `stage ROOM`: one stage member per line, host first.
int cmd_stage_show(const Context& ctx, const std::string& room_id);
/// `stage leave ROOM`: prints the stage after leaving.
int cmd_stage_leave(const Context& ctx, const std::string& room_id);
/// `stage remove ROOM USER`: prints the stage after the removal.
int cmd_stage_remove(const Context& ctx, const std::string& room_id, const std::string& user_id);
/// `token ROOM [--viewer]`: broadcast (default) or viewer credentials.
int cmd_token(const Context& ctx, const std::string& room_id, bool viewer);
/// `watch TOPIC [--since N]`: prints every frame as it arrives until SIGINT/SIGTERM; reconnects
/// with `since` = the last seq seen when the connection drops. Defined in watch.cpp.
int cmd_watch(const Context& ctx, const std::string& topic, std::optional<long long> since);

}  // namespace cohost::ctl
