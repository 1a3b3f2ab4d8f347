#pragma once
/// \file JSON forms of the entities, exactly as the API and realtime events show them (camelCase,
/// ISO 8601 timestamps with milliseconds, absent optionals as null). Pure functions.
#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>

#include "cohost/server/rooms/model.hpp"

namespace cohost::server::app {

/// Looks a user up for display fields; nullopt when unknown.
using UserLookup = std::function<std::optional<rooms::User>(const std::string& user_id)>;

[[nodiscard]] boost::json::object user_json(const rooms::User& u);
[[nodiscard]] boost::json::object room_json(const rooms::Room& r);
/// `{userId, displayName, avatarUrl}` of `user_id` (displayName = userId when unknown); null
/// for an empty id (the app backend as inviter).
[[nodiscard]] boost::json::value user_ref_json(const std::string& user_id, const UserLookup& users);
/// The invitation plus `roomTitle`, `inviter`, `invitee` display fields.
[[nodiscard]] boost::json::object invitation_json(const rooms::Invitation& inv,
                                                  const std::string& room_title,
                                                  const UserLookup& users);
[[nodiscard]] boost::json::object member_json(const rooms::StageMember& m, const UserLookup& users);

}  // namespace cohost::server::app
