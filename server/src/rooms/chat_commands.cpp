// Chat, moderation and slow mode (product.md §7, §10 "Engagement API details"; docs/engagement.md).
#include <algorithm>

#include "cohost/server/rooms/engagement.hpp"
#include "domain_detail.hpp"

namespace cohost::server::rooms {

namespace {

constexpr std::string_view kChatMessage = "chat.message";
constexpr std::string_view kChatDeleted = "chat.deleted";
constexpr std::string_view kChatModeration = "chat.moderation";

/// Code points of valid UTF-8 (the HTTP layer has already refused invalid UTF-8).
std::size_t code_points(std::string_view s) noexcept {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
    }));
}

bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

std::string iso_ms(TimePoint t) { return core::format_iso8601(t); }

/// Whole seconds until `until`, rounded up, at least 1.
std::int64_t seconds_until(TimePoint now, TimePoint until) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count();
    return std::max<std::int64_t>(1, (ms + 999) / 1000);
}

}  // namespace

std::string_view to_string(ChatRole r) noexcept {
    switch (r) {
        case ChatRole::Host:
            return "host";
        case ChatRole::Cohost:
            return "cohost";
        case ChatRole::Viewer:
            return "viewer";
    }
    return "viewer";
}

std::optional<ChatRole> chat_role_from(std::string_view s) noexcept {
    if (s == "host") return ChatRole::Host;
    if (s == "cohost") return ChatRole::Cohost;
    if (s == "viewer") return ChatRole::Viewer;
    return std::nullopt;
}

std::string_view to_string(ModerationAction a) noexcept {
    switch (a) {
        case ModerationAction::Mute:
            return "mute";
        case ModerationAction::Unmute:
            return "unmute";
        case ModerationAction::Ban:
            return "ban";
        case ModerationAction::Unban:
            return "unban";
    }
    return "mute";
}

std::optional<ModerationAction> moderation_action_from(std::string_view s) noexcept {
    if (s == "mute") return ModerationAction::Mute;
    if (s == "unmute") return ModerationAction::Unmute;
    if (s == "ban") return ModerationAction::Ban;
    if (s == "unban") return ModerationAction::Unban;
    return std::nullopt;
}

ChatRole role_in(const RoomState& s, std::string_view user_id) noexcept {
    if (user_id == s.room.host_user_id) return ChatRole::Host;
    if (const auto* m = s.member(user_id); m != nullptr) {
        return m->role == MemberRole::Host ? ChatRole::Host : ChatRole::Cohost;
    }
    return ChatRole::Viewer;
}

std::optional<Error> check_engage(const RoomState& s, const Actor& a, const Moderation* mod,
                                  TimePoint now) {
    if (s.room.status == RoomStatus::Ended) {
        return make_error(Errc::RoomEnded, "the room has ended");
    }
    if (!a.admin && mod != nullptr && mod->banned_at(now)) {
        boost::json::object details;
        if (mod->banned_until) details["until"] = iso_ms(*mod->banned_until);
        return make_error(Errc::Banned, "you are banned from this room", std::move(details));
    }
    return std::nullopt;
}

Outcome<ChatDecision> post_message(const RoomState& s, const Actor& a, const Moderation* mod,
                                   std::optional<TimePoint> last_post_at, std::string_view text,
                                   const std::string& message_id, const EngagementPolicy& policy,
                                   TimePoint now) {
    if (a.admin) return make_error(Errc::Forbidden, "the app backend cannot chat");
    const auto body = trim(text);
    if (body.empty() || code_points(body) > policy.max_message_chars) {
        return invalid("text", "must be 1-" + std::to_string(policy.max_message_chars) +
                                   " characters (not only white space)");
    }
    if (auto e = check_engage(s, a, mod, now)) return std::move(*e);
    if (mod != nullptr && mod->muted_at(now)) {
        return make_error(Errc::Muted, "you are muted in this room",
                          {{"until", iso_ms(*mod->muted_until)}});
    }
    const ChatRole role = role_in(s, a.user_id);
    if (role == ChatRole::Viewer && s.room.slow_mode_seconds > 0 && last_post_at) {
        const auto next = *last_post_at + std::chrono::seconds(s.room.slow_mode_seconds);
        if (now < next) {
            return make_error(Errc::SlowMode, "slow mode: wait before posting again",
                              {{"retryAfterSeconds", seconds_until(now, next)},
                               {"slowModeSeconds", s.room.slow_mode_seconds}});
        }
    }
    ChatDecision d;
    d.message.message_id = message_id;
    d.message.room_id = s.room.room_id;
    d.message.author_user_id = a.user_id;
    d.message.author_role = role;
    d.message.text = std::string(body);
    d.message.created_at = now;
    EngagementEvent e;
    e.type = kChatMessage;
    e.room_id = s.room.room_id;
    e.at = now;
    e.message = d.message;
    d.events.push_back(std::move(e));
    return d;
}

Outcome<ChatDecision> delete_message(const RoomState& s, const Actor& a, const ChatMessage& m,
                                     TimePoint now) {
    if (m.deleted_at || m.room_id != s.room.room_id) {
        return make_error(Errc::NotFound, "message not found");
    }
    const bool author = !a.admin && a.user_id == m.author_user_id;
    const ChatRole actor_role = a.admin ? ChatRole::Host : role_in(s, a.user_id);
    const bool allowed = author || actor_role == ChatRole::Host ||
                         (actor_role == ChatRole::Cohost && m.author_role == ChatRole::Viewer &&
                          role_in(s, m.author_user_id) == ChatRole::Viewer);
    if (!allowed) {
        return make_error(Errc::Forbidden,
                          "only the author, the host, or a co-host (viewers' messages) may delete");
    }
    ChatDecision d;
    d.message = m;
    d.message.deleted_at = now;
    d.message.deleted_by = a.user_id;
    EngagementEvent e;
    e.type = kChatDeleted;
    e.room_id = s.room.room_id;
    e.at = now;
    e.message = d.message;
    d.events.push_back(std::move(e));
    return d;
}

Outcome<ModerationDecision> moderate(const RoomState& s, const Actor& a,
                                     const ModerationCommand& cmd, const Moderation* current,
                                     const EngagementPolicy& policy, TimePoint now) {
    const ChatRole actor_role = a.admin ? ChatRole::Host : role_in(s, a.user_id);
    const ChatRole target_role = role_in(s, cmd.target_user_id);
    if (actor_role == ChatRole::Viewer) {
        return make_error(Errc::Forbidden, "only the host and co-hosts may moderate");
    }
    if (s.room.status == RoomStatus::Ended)
        return make_error(Errc::RoomEnded, "the room has ended");
    if (!a.admin && cmd.target_user_id == a.user_id) {
        return invalid("userId", "you cannot moderate yourself");
    }
    if (cmd.target_user_id == s.room.host_user_id) {
        return make_error(Errc::Forbidden, "the host cannot be moderated");
    }
    if (actor_role == ChatRole::Cohost) {
        const bool mute_action =
            cmd.action == ModerationAction::Mute || cmd.action == ModerationAction::Unmute;
        if (!mute_action || target_role != ChatRole::Viewer) {
            return make_error(Errc::Forbidden, "co-hosts may only mute and unmute viewers");
        }
    }
    const auto max = cmd.action == ModerationAction::Mute ? policy.max_mute : policy.max_ban;
    if (cmd.duration && (*cmd.duration < std::chrono::seconds(1) || *cmd.duration > max)) {
        return invalid(
            "durationSeconds",
            "must be 1-" +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(max).count()) +
                " seconds");
    }
    ModerationDecision d;
    if (current != nullptr) {
        d.moderation = *current;
    } else {
        d.moderation.room_id = s.room.room_id;
        d.moderation.user_id = cmd.target_user_id;
    }
    Moderation& m = d.moderation;
    switch (cmd.action) {
        case ModerationAction::Mute:
            if (!cmd.duration) return invalid("durationSeconds", "mute needs a duration");
            m.muted_until = now + *cmd.duration;
            break;
        case ModerationAction::Unmute:
            m.muted_until.reset();
            break;
        case ModerationAction::Ban:
            m.banned = true;
            m.banned_until =
                cmd.duration ? std::optional<TimePoint>(now + *cmd.duration) : std::nullopt;
            break;
        case ModerationAction::Unban:
            m.banned = false;
            m.banned_until.reset();
            break;
    }
    m.updated_at = now;
    m.updated_by = a.user_id;
    EngagementEvent e;
    e.type = kChatModeration;
    e.room_id = s.room.room_id;
    e.at = now;
    e.moderation = m;
    e.action = cmd.action;
    d.events.push_back(std::move(e));
    return d;
}

}  // namespace cohost::server::rooms
