#include "cohost/server/app/json_codec.hpp"

#include <boost/json/parse.hpp>

namespace cohost::server::app {

namespace json = boost::json;
using core::format_iso8601;

namespace {
json::value opt_time(const std::optional<core::TimePoint>& t) {
    return t ? json::value(format_iso8601(*t)) : json::value(nullptr);
}
json::value opt_string(const std::string& s) {
    return s.empty() ? json::value(nullptr) : json::value(s);
}
}  // namespace

json::object user_json(const rooms::User& u) {
    return {{"userId", u.user_id},
            {"displayName", u.display_name},
            {"avatarUrl", opt_string(u.avatar_url)},
            {"createdAt", format_iso8601(u.created_at)}};
}

json::object room_json(const rooms::Room& r) {
    json::error_code ec;
    json::value meta = json::parse(r.metadata_json, ec);
    if (ec || !meta.is_object()) meta = json::object{};
    return {{"roomId", r.room_id},
            {"title", r.title},
            {"description", r.description},
            {"thumbnailUrl", opt_string(r.thumbnail_url)},
            {"metadata", std::move(meta)},
            {"hostUserId", r.host_user_id},
            {"status", rooms::to_string(r.status)},
            {"maxCoHosts", r.max_cohosts},
            {"slowModeSeconds", r.slow_mode_seconds},
            {"createdAt", format_iso8601(r.created_at)},
            {"liveAt", opt_time(r.live_at)},
            {"endedAt", opt_time(r.ended_at)},
            {"endReason", r.end_reason == rooms::EndReason::None
                              ? json::value(nullptr)
                              : json::value(rooms::to_string(r.end_reason))}};
}

json::value user_ref_json(const std::string& user_id, const UserLookup& users) {
    if (user_id.empty()) return nullptr;
    auto u = users ? users(user_id) : std::nullopt;
    return json::object{{"userId", user_id},
                        {"displayName", u ? u->display_name : user_id},
                        {"avatarUrl", u ? opt_string(u->avatar_url) : json::value(nullptr)}};
}

json::object invitation_json(const rooms::Invitation& inv, const std::string& room_title,
                             const UserLookup& users) {
    return {{"invitationId", inv.invitation_id},
            {"roomId", inv.room_id},
            {"inviterUserId", opt_string(inv.inviter_user_id)},
            {"inviteeUserId", inv.invitee_user_id},
            {"status", rooms::to_string(inv.status)},
            {"createdAt", format_iso8601(inv.created_at)},
            {"expiresAt", format_iso8601(inv.expires_at)},
            {"respondedAt", opt_time(inv.responded_at)},
            {"reason", opt_string(inv.reason)},
            {"roomTitle", room_title},
            {"inviter", user_ref_json(inv.inviter_user_id, users)},
            {"invitee", user_ref_json(inv.invitee_user_id, users)}};
}

json::object member_json(const rooms::StageMember& m, const UserLookup& users) {
    auto u = users ? users(m.user_id) : std::nullopt;
    return {{"roomId", m.room_id},
            {"userId", m.user_id},
            {"displayName", u ? u->display_name : m.user_id},
            {"avatarUrl", u ? opt_string(u->avatar_url) : json::value(nullptr)},
            {"role", rooms::to_string(m.role)},
            {"state", rooms::to_string(m.state)},
            {"permissions", json::object{{"canManageProducts", m.can_manage_products}}},
            {"camera", m.camera_on ? "on" : "off"},
            {"microphone", m.microphone_on ? "on" : "off"},
            {"joinedAt", format_iso8601(m.joined_at)}};
}

}  // namespace cohost::server::app
