// cohostctl: command-line client of a cohost server. Examples:
//   cohostctl login alice --name Alice
//   cohostctl rooms create "Friday show" --max-cohosts 2
//   cohostctl invite RM_x bob --expires 60
//   cohostctl watch user:alice --since 0
// Output is JSON, one object per line; errors go to stderr with the error code (exit 1).
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.hpp"
#include "ctl_config.hpp"

using namespace cohost::ctl;

namespace {

/// Fills url/token: flags first, then the saved login, then the default URL.
Context resolve_context(const std::string& url_flag, const std::string& token_flag) {
    Context ctx;
    ctx.config_path = config_path();
    const CtlConfig saved = load_config(ctx.config_path);
    ctx.url = !url_flag.empty() ? url_flag : !saved.url.empty() ? saved.url : kDefaultUrl;
    ctx.token = !token_flag.empty() ? token_flag : saved.token;
    return ctx;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"cohostctl: command-line client of the cohost co-hosting server"};
    app.require_subcommand(1);
    std::string url_flag;
    std::string token_flag;
    app.add_option("--url", url_flag, "server base URL (default: from login, else http://127.0.0.1:7880)");
    app.add_option("--token", token_flag, "bearer token (default: from login)");

    // The selected command, bound once the context is known.
    std::function<int(const Context&)> run;

    // login USER [--name NAME]
    auto* login = app.add_subcommand("login", "dev login; saves the token for later commands");
    std::string login_user;
    std::string login_name;
    login->add_option("USER", login_user, "user id")->required();
    login->add_option("--name", login_name, "display name (default: the user id)");
    login->callback([&] { run = [&](const Context& c) { return cmd_login(c, login_user, login_name); }; });

    // rooms create|list|stop
    auto* rooms = app.add_subcommand("rooms", "create, list and stop rooms");
    rooms->require_subcommand(1);
    auto* rooms_create = rooms->add_subcommand("create", "create a room (you are its host)");
    std::string title;
    std::optional<int> max_cohosts;
    rooms_create->add_option("TITLE", title, "room title")->required();
    rooms_create->add_option("--max-cohosts", max_cohosts, "1-8 (default 4)");
    rooms_create->callback(
        [&] { run = [&](const Context& c) { return cmd_rooms_create(c, title, max_cohosts); }; });
    auto* rooms_list = rooms->add_subcommand("list", "list rooms (one per line)");
    std::optional<std::string> room_status;
    rooms_list->add_option("--status", room_status, "idle|live|reconnecting|ended");
    rooms_list->callback([&] { run = [&](const Context& c) { return cmd_rooms_list(c, room_status); }; });
    auto* rooms_stop = rooms->add_subcommand("stop", "end a room for good");
    std::string stop_room;
    rooms_stop->add_option("ROOM", stop_room, "room id")->required();
    rooms_stop->callback([&] { run = [&](const Context& c) { return cmd_rooms_stop(c, stop_room); }; });

    // invite ROOM USER [--expires S]
    auto* invite = app.add_subcommand("invite", "invite a user onto your stage");
    std::string invite_room;
    std::string invite_user;
    std::optional<int> expires;
    invite->add_option("ROOM", invite_room, "room id")->required();
    invite->add_option("USER", invite_user, "invitee user id")->required();
    invite->add_option("--expires", expires, "seconds until it expires (10-3600, default 120)");
    invite->callback([&] {
        run = [&](const Context& c) { return cmd_invite(c, invite_room, invite_user, expires); };
    });

    // invitations [--status S] [--room ROOM]
    auto* invitations =
        app.add_subcommand("invitations", "your invitations, or a room's with --room (host)");
    std::optional<std::string> inv_status;
    std::optional<std::string> inv_room;
    invitations->add_option("--status", inv_status, "pending|approved|rejected|cancelled|expired");
    invitations->add_option("--room", inv_room, "list this room's invitations (host only)");
    invitations->callback([&] {
        run = [&](const Context& c) { return cmd_invitations(c, inv_status, inv_room); };
    });

    // accept|reject|cancel INVITATION
    std::string invitation_id;
    for (const char* action : {"accept", "reject", "cancel"}) {
        auto* sub = app.add_subcommand(action, std::string(action) + " an invitation");
        sub->add_option("INVITATION", invitation_id, "invitation id")->required();
        sub->callback([&, action] {
            run = [&, action](const Context& c) { return cmd_transition(c, action, invitation_id); };
        });
    }

    // stage ROOM | stage leave ROOM | stage remove ROOM USER
    auto* stage = app.add_subcommand("stage", "show a stage, leave it, or remove a co-host");
    stage->require_subcommand(0, 1);
    std::string stage_room;
    stage->add_option("ROOM", stage_room, "room id (show its stage)");
    auto* stage_leave = stage->add_subcommand("leave", "leave the stage (co-host)");
    std::string leave_room;
    stage_leave->add_option("ROOM", leave_room, "room id")->required();
    stage_leave->callback([&] { run = [&](const Context& c) { return cmd_stage_leave(c, leave_room); }; });
    auto* stage_remove = stage->add_subcommand("remove", "remove a co-host (host)");
    std::string remove_room;
    std::string remove_user;
    stage_remove->add_option("ROOM", remove_room, "room id")->required();
    stage_remove->add_option("USER", remove_user, "co-host user id")->required();
    stage_remove->callback([&] {
        run = [&](const Context& c) { return cmd_stage_remove(c, remove_room, remove_user); };
    });
    stage->callback([&] {
        if (run) {
            return;  // a sub-subcommand already chose
        }
        if (stage_room.empty()) {
            throw CLI::RequiredError("ROOM");
        }
        run = [&](const Context& c) { return cmd_stage_show(c, stage_room); };
    });

    // token ROOM [--viewer]
    auto* token = app.add_subcommand("token", "media credentials for a room");
    std::string token_room;
    bool viewer = false;
    token->add_option("ROOM", token_room, "room id")->required();
    token->add_flag("--viewer", viewer, "subscribe-only viewer credentials");
    token->callback([&] { run = [&](const Context& c) { return cmd_token(c, token_room, viewer); }; });

    // watch TOPIC [--since N]
    auto* watch = app.add_subcommand("watch", "print realtime frames of a topic until Ctrl-C");
    std::string topic;
    std::optional<long long> since;
    watch->add_option("TOPIC", topic, "room:<roomId> or user:<userId>")->required();
    watch->add_option("--since", since, "replay events after this seq first");
    watch->callback([&] { run = [&](const Context& c) { return cmd_watch(c, topic, since); }; });

    CLI11_PARSE(app, argc, argv);
    if (!run) {
        std::cerr << app.help();
        return 1;
    }
    return run_guarded([&] { return run(resolve_context(url_flag, token_flag)); });
}
