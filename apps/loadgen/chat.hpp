#pragma once
/// \file `loadgen chat`: chat fan-out (issue 7). N realtime subscribers on one room's topic, and
/// chat messages posted at a fixed rate through `POST /v1/rooms/{id}/messages`, each text
/// stamped with its send instant; per-subscriber delivery latency from that instant, seq
/// continuity (gaps, duplicates, out-of-order) and the server's CPU from /proc/<pid>/stat.
///
/// It is the `fanout` scenario with another event source: the same subscribers
/// (subscriber.hpp), open-loop sender (publisher.hpp, `EventKind::ChatMessage`), histogram,
/// ramp, options (fanout_cli.hpp) and report. The authors are the first `--posters` subscriber
/// users in turn (viewers: chat has no per-user rate limit, and slow mode is off in a new room),
/// or the host with `--posters 0`.
#include "fanout_cli.hpp"

namespace cohost::loadgen {

/// Registers `loadgen chat` on `app`; its options write into `args`, whose `fanout` gets the
/// chat defaults first: 10,000 subscribers, 50 messages/s, 8 posting users, 16 connections.
CLI::App* add_chat_command(CLI::App& app, FanoutArgs& args, const CLI::Validator& duration_check);

}  // namespace cohost::loadgen
