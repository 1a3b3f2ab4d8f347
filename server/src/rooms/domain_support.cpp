// Helpers shared by the command, media and timer translation units (see domain_detail.hpp).
#include <algorithm>
#include <string>

#include "domain_detail.hpp"

namespace cohost::server::rooms::detail {

namespace {

constexpr std::size_t kMaxTitleChars = 200;
constexpr std::size_t kMaxDescriptionChars = 2000;
constexpr std::size_t kMaxThumbnailUrlChars = 2048;
constexpr std::size_t kMaxMetadataBytes = 4096;
constexpr int kMinCohosts = 1;
constexpr int kMaxCohosts = 8;
constexpr int kMaxSlowModeSeconds = 300;

// product.md counts characters, not bytes: count UTF-8 code points (every byte that is not a
// continuation byte). The JSON parser at the edge has already rejected invalid UTF-8.
std::size_t utf8_length(std::string_view s) noexcept {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
    }));
}

bool is_blank(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    });
}

template <class Vec, class Pred>
void erase_where(Vec& v, Pred pred) {
    v.erase(std::remove_if(v.begin(), v.end(), pred), v.end());
}

}  // namespace

bool acts_as_host(const RoomState& s, const Actor& a) noexcept {
    return a.admin || (!a.user_id.empty() && a.user_id == s.room.host_user_id);
}

std::string room_topic(const Room& room) { return "room:" + room.room_id; }

std::vector<std::string> invitation_topics(const Room& room, const Invitation& inv) {
    std::vector<std::string> topics{"user:" + room.host_user_id};
    if (inv.invitee_user_id != room.host_user_id) {
        topics.push_back("user:" + inv.invitee_user_id);
    }
    return topics;
}

DomainEvent room_event(std::string_view type, const Room& room, TimePoint now) {
    DomainEvent e;
    e.type = type;
    e.topics = {room_topic(room)};
    e.subject = DomainEvent::Subject::Room;
    e.room = room;
    e.at = now;
    return e;
}

DomainEvent member_event(std::string_view type, const Room& room, const StageMember& m,
                         std::string_view reason, TimePoint now) {
    DomainEvent e = room_event(type, room, now);
    e.subject = DomainEvent::Subject::Member;
    e.member = m;
    e.reason = reason;
    return e;
}

DomainEvent invitation_event(std::string_view type, const Room& room, const Invitation& inv,
                             TimePoint now) {
    DomainEvent e;
    e.type = type;
    e.topics = invitation_topics(room, inv);
    e.subject = DomainEvent::Subject::Invitation;
    e.room = room;
    e.invitation = inv;
    e.at = now;
    return e;
}

void DecisionBuilder::put_room(const Room& room) { decision_.room = room; }

void DecisionBuilder::put_invitation(const Invitation& inv) {
    auto& list = decision_.invitations;
    auto it = std::find_if(list.begin(), list.end(), [&](const Invitation& x) {
        return x.invitation_id == inv.invitation_id;
    });
    if (it == list.end()) {
        list.push_back(inv);
    } else {
        *it = inv;
    }
}

void DecisionBuilder::put_member(const StageMember& m) {
    auto& list = decision_.members;
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const StageMember& x) { return x.user_id == m.user_id; });
    if (it == list.end()) {
        list.push_back(m);
    } else {
        *it = m;
    }
}

void DecisionBuilder::remove_member(const StageMember& m) {
    erase_where(decision_.members, [&](const StageMember& x) { return x.user_id == m.user_id; });
    auto& list = decision_.removed_members;
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const StageMember& x) { return x.user_id == m.user_id; });
    if (it == list.end()) {
        list.push_back(m);
    }
}

void DecisionBuilder::emit(DomainEvent e) { decision_.events.push_back(std::move(e)); }

void release_member(DecisionBuilder& b, RoomState& w, std::string_view user_id,
                    std::string_view reason, TimePoint now) {
    const StageMember* m = w.member(user_id);
    if (m == nullptr) {
        return;
    }
    StageMember gone = *m;
    erase_where(w.stage, [&](const StageMember& x) { return x.user_id == user_id; });
    b.remove_member(gone);
    b.emit(member_event(kStageLeft, w.room, gone, reason, now));
}

void expire_invitation(DecisionBuilder& b, RoomState& w, std::string_view invitation_id,
                       TimePoint now) {
    auto it = std::find_if(w.pending.begin(), w.pending.end(),
                           [&](const Invitation& x) { return x.invitation_id == invitation_id; });
    if (it == w.pending.end()) {
        return;
    }
    Invitation inv = *it;
    w.pending.erase(it);
    inv.status = InvitationStatus::Expired;
    inv.responded_at = now;
    b.put_invitation(inv);
    b.emit(invitation_event(kInvitationExpired, w.room, inv, now));
}

std::optional<Error> check_title(std::string_view title) {
    if (is_blank(title) || utf8_length(title) > kMaxTitleChars) {
        return invalid("title", "title must be 1-200 characters and not blank");
    }
    return std::nullopt;
}

std::optional<Error> check_description(std::string_view description) {
    if (utf8_length(description) > kMaxDescriptionChars) {
        return invalid("description", "description must be at most 2000 characters");
    }
    return std::nullopt;
}

std::optional<Error> check_thumbnail_url(std::string_view url) {
    if (utf8_length(url) > kMaxThumbnailUrlChars) {
        return invalid("thumbnailUrl", "thumbnailUrl must be at most 2048 characters");
    }
    return std::nullopt;
}

std::optional<Error> check_metadata(std::string_view metadata_json) {
    // The HTTP layer has parsed it as a JSON object; only the size rule and the trivial
    // "nothing at all" case are checked here.
    if (metadata_json.empty() || metadata_json.size() > kMaxMetadataBytes) {
        return invalid("metadata", "metadata must be a JSON object of at most 4096 bytes");
    }
    return std::nullopt;
}

std::optional<Error> check_max_cohosts(int max_cohosts) {
    if (max_cohosts < kMinCohosts || max_cohosts > kMaxCohosts) {
        return invalid("maxCoHosts", "maxCoHosts must be between 1 and 8");
    }
    return std::nullopt;
}

std::optional<Error> check_slow_mode(int seconds) {
    if (seconds < 0 || seconds > kMaxSlowModeSeconds) {
        return invalid("slowModeSeconds", "slowModeSeconds must be between 0 and 300");
    }
    return std::nullopt;
}

}  // namespace cohost::server::rooms::detail
