// Co-host invitations (product.md §3): invite, accept, reject, cancel.
//
// Only `pending` moves. The store's compare-and-set on the invitation's version makes exactly one
// of accept / reject / cancel / expire win; here each command checks the status it was given.
#include <algorithm>
#include <string>

#include "domain_detail.hpp"

namespace cohost::server::rooms {

using namespace detail;

namespace {

int count_pending(const RoomState& s) {
    return static_cast<int>(std::count_if(s.pending.begin(), s.pending.end(), [](const auto& i) {
        return i.status == InvitationStatus::Pending;
    }));
}

Error stage_full(int max_cohosts) {
    boost::json::object details;
    details["maxCoHosts"] = max_cohosts;
    return make_error(Errc::StageFull, "the stage is full", std::move(details));
}

Error not_pending(InvitationStatus status) {
    boost::json::object details;
    details["status"] = to_string(status);
    return make_error(Errc::InvitationNotPending,
                      "the invitation is " + std::string(to_string(status)), std::move(details));
}

std::string seconds_text(Duration d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

enum class Gate : std::uint8_t { Proceed, Repeat };

// The rules every answer to an invitation shares, after the actor check: a repeat of the winning
// call succeeds again, an ended room refuses, and only a pending invitation that has not yet
// passed `expires_at` moves (the timer may not have fired yet; the answer is still "expired").
Outcome<Gate> gate(const RoomState& s, const Invitation& inv, InvitationStatus winning,
                   TimePoint now) {
    if (inv.status == winning) {
        return Gate::Repeat;
    }
    if (s.room.status == RoomStatus::Ended) {
        return make_error(Errc::RoomEnded, "the room has ended");
    }
    if (inv.status != InvitationStatus::Pending) {
        return not_pending(inv.status);
    }
    if (now >= inv.expires_at) {
        return not_pending(InvitationStatus::Expired);
    }
    return Gate::Proceed;
}

bool is_invitee(const Invitation& inv, const Actor& a) {
    return !a.user_id.empty() && a.user_id == inv.invitee_user_id;
}

// Moves `inv` out of pending to `status`, records it and emits `type`.
Invitation respond(DecisionBuilder& b, RoomState& w, Invitation inv, InvitationStatus status,
                   std::string_view reason, std::string_view type, TimePoint now) {
    std::erase_if(w.pending,
                  [&](const Invitation& x) { return x.invitation_id == inv.invitation_id; });
    inv.status = status;
    inv.responded_at = now;
    inv.reason = reason;
    b.put_invitation(inv);
    b.emit(invitation_event(type, w.room, inv, now));
    return inv;
}

}  // namespace

Outcome<InvitationDecision> invite(const RoomState& s, const Actor& a, const User* invitee,
                                   std::optional<Duration> expires_in,
                                   const std::string& invitation_id, const Policy& policy,
                                   TimePoint now) {
    if (!acts_as_host(s, a)) {
        return make_error(Errc::NotHost, "only the host can invite");
    }
    if (s.room.status == RoomStatus::Ended) {
        return make_error(Errc::RoomEnded, "the room has ended");
    }
    const Duration ttl = expires_in.value_or(policy.invitation_ttl);
    if (ttl < policy.invitation_ttl_min || ttl > policy.invitation_ttl_max) {
        return invalid("expiresInSeconds", "expiresInSeconds must be between " +
                                               seconds_text(policy.invitation_ttl_min) + " and " +
                                               seconds_text(policy.invitation_ttl_max));
    }
    // The host inviting itself, and the app backend inviting the host, are the same mistake.
    if (invitee != nullptr && invitee->user_id == s.room.host_user_id) {
        return make_error(Errc::CannotInviteSelf, "the host cannot invite itself");
    }
    if (invitee == nullptr) {
        return make_error(Errc::UserNotFound, "no such user");
    }
    if (s.member(invitee->user_id) != nullptr) {
        return make_error(Errc::AlreadyOnStage, "the user is already on stage");
    }

    // Pending invitations already past `expires_at` (their timer has not fired yet) neither
    // block a new invitation nor take a seat: expire them as part of this decision.
    DecisionBuilder b;
    RoomState w = s;
    for (const Invitation& inv : s.pending) {
        if (inv.status == InvitationStatus::Pending && inv.expires_at <= now) {
            expire_invitation(b, w, inv.invitation_id, now);
        }
    }
    if (const Invitation* existing = w.pending_for(invitee->user_id)) {
        boost::json::object details;
        details["invitationId"] = existing->invitation_id;
        return make_error(Errc::AlreadyInvited, "the user already has a pending invitation",
                          std::move(details));
    }
    if (w.cohosts_on_stage() + count_pending(w) >= w.room.max_cohosts) {
        return stage_full(w.room.max_cohosts);
    }

    Invitation inv;
    inv.invitation_id = invitation_id;
    inv.room_id = s.room.room_id;
    inv.inviter_user_id = a.user_id;
    inv.invitee_user_id = invitee->user_id;
    inv.status = InvitationStatus::Pending;
    inv.created_at = now;
    inv.expires_at = now + ttl;
    b.put_invitation(inv);
    b.emit(invitation_event(kInvitationCreated, w.room, inv, now));
    return InvitationDecision{std::move(b).take(), inv};
}

Outcome<InvitationDecision> accept(const RoomState& s, const Invitation& inv, const Actor& a,
                                   TimePoint now) {
    if (!is_invitee(inv, a)) {
        return make_error(Errc::NotInvitee, "only the invitee can accept");
    }
    auto g = gate(s, inv, InvitationStatus::Approved, now);
    if (!g) {
        return g.error();
    }
    if (*g == Gate::Repeat) {
        return InvitationDecision{{}, inv};
    }
    if (s.member(inv.invitee_user_id) != nullptr) {
        return make_error(Errc::AlreadyOnStage, "already on stage");
    }
    // The invitation being accepted already counted at invite time; only seats taken count now.
    if (s.cohosts_on_stage() >= s.room.max_cohosts) {
        return stage_full(s.room.max_cohosts);
    }

    DecisionBuilder b;
    RoomState w = s;
    Invitation done = respond(b, w, inv, InvitationStatus::Approved, "", kInvitationAccepted, now);

    StageMember m;
    m.room_id = s.room.room_id;
    m.user_id = inv.invitee_user_id;
    m.role = MemberRole::Cohost;
    m.state = MemberState::Backstage;
    m.joined_at = now;
    m.state_since = now;
    m.invitation_id = inv.invitation_id;
    w.stage.push_back(m);
    b.put_member(m);
    b.emit(member_event(kStageJoined, w.room, m, "", now));
    return InvitationDecision{std::move(b).take(), std::move(done)};
}

Outcome<InvitationDecision> reject(const RoomState& s, const Invitation& inv, const Actor& a,
                                   TimePoint now) {
    if (!is_invitee(inv, a)) {
        return make_error(Errc::NotInvitee, "only the invitee can reject");
    }
    auto g = gate(s, inv, InvitationStatus::Rejected, now);
    if (!g) {
        return g.error();
    }
    if (*g == Gate::Repeat) {
        return InvitationDecision{{}, inv};
    }
    DecisionBuilder b;
    RoomState w = s;
    Invitation done = respond(b, w, inv, InvitationStatus::Rejected, "", kInvitationRejected, now);
    return InvitationDecision{std::move(b).take(), std::move(done)};
}

Outcome<InvitationDecision> cancel(const RoomState& s, const Invitation& inv, const Actor& a,
                                   TimePoint now) {
    if (!acts_as_host(s, a)) {
        return make_error(Errc::NotHost, "only the host can cancel an invitation");
    }
    // Any cancelled invitation, including one cancelled by the room ending, answers a repeat.
    auto g = gate(s, inv, InvitationStatus::Cancelled, now);
    if (!g) {
        return g.error();
    }
    if (*g == Gate::Repeat) {
        return InvitationDecision{{}, inv};
    }
    DecisionBuilder b;
    RoomState w = s;
    Invitation done = respond(b, w, inv, InvitationStatus::Cancelled, kReasonCancelledByHost,
                              kInvitationCancelled, now);
    return InvitationDecision{std::move(b).take(), std::move(done)};
}

bool can_view_invitation(const RoomState& s, const Invitation& inv, const Actor& a) {
    if (a.admin) {
        return true;
    }
    if (a.user_id.empty()) {
        return false;
    }
    return a.user_id == inv.invitee_user_id ||
           (inv.room_id == s.room.room_id && a.user_id == s.room.host_user_id);
}

}  // namespace cohost::server::rooms
