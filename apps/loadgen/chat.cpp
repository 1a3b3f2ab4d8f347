#include "chat.hpp"

namespace cohost::loadgen {

CLI::App* add_chat_command(CLI::App& app, FanoutArgs& a, const CLI::Validator& duration_check) {
    FanoutOptions& fo = a.fanout;
    fo.kind = EventKind::ChatMessage;
    fo.subscribers = 10'000;
    fo.rate = 50;
    fo.posters = 8;
    fo.publishers = 16;
    auto* chat = app.add_subcommand(
        "chat", "chat fan-out: POST /v1/rooms/{id}/messages to many WebSocket subscribers");
    add_fanout_options(chat, a, duration_check, "chat POST");
    chat->add_option("--posters", fo.posters,
                     "authors: the first N subscriber users in turn, N <= --users (0: the host)")
        ->check(CLI::Range(0, 100000));
    return chat;
}

}  // namespace cohost::loadgen
