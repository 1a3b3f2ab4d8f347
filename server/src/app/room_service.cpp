#include "cohost/server/app/room_service.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/json/serialize.hpp>
#include <unordered_map>

#include "cohost/core/ids.hpp"
#include "cohost/core/log.hpp"
#include "event_renderer.hpp"

namespace cohost::server::app {

namespace net = boost::asio;
using rooms::Errc;
using rooms::ErrorException;
using rooms::make_error;

namespace {
constexpr int kMaxCommitAttempts = 5;

[[noreturn]] void refuse(rooms::Error e) { throw ErrorException(std::move(e)); }

template <class T>
T value_or_throw(rooms::Outcome<T>&& o) {
    if (!o) refuse(std::move(o.error()));
    return std::move(*o);
}
}  // namespace

void apply_committed(rooms::RoomState& s, const rooms::Decision& d) {
    if (d.room) {
        s.room = *d.room;
        s.room.version += 1;
    }
    for (const auto& inv : d.invitations) {
        auto it = std::find_if(s.pending.begin(), s.pending.end(), [&](const rooms::Invitation& p) {
            return p.invitation_id == inv.invitation_id;
        });
        if (inv.status == rooms::InvitationStatus::Pending) {
            auto stored = inv;
            stored.version += 1;
            if (it == s.pending.end()) {
                s.pending.push_back(std::move(stored));
            } else {
                *it = std::move(stored);
            }
        } else if (it != s.pending.end()) {
            s.pending.erase(it);
        }
    }
    for (const auto& m : d.members) {
        auto stored = m;
        stored.version += 1;
        if (auto* cur = s.member(m.user_id)) {
            *cur = std::move(stored);
        } else {
            s.stage.push_back(std::move(stored));
        }
    }
    for (const auto& m : d.removed_members) {
        std::erase_if(s.stage, [&](const rooms::StageMember& x) { return x.user_id == m.user_id; });
    }
}

struct RoomService::Impl {
    net::io_context& ioc;
    store::Store& store;
    const core::Clock& clock;
    ServiceOptions opts;
    EventPublisher publish;
    std::shared_ptr<spdlog::logger> log = core::logger("rooms");

    struct Timer {
        net::steady_timer timer;
        std::optional<core::TimePoint> deadline;
        explicit Timer(net::io_context& i) : timer(i) {}
    };
    std::unordered_map<std::string, std::unique_ptr<Timer>> timers;
    net::steady_timer maintenance;
    bool stopped = false;

    Impl(net::io_context& i, store::Store& s, const core::Clock& c, ServiceOptions o,
         EventPublisher p)
        : ioc(i), store(s), clock(c), opts(std::move(o)), publish(std::move(p)), maintenance(i) {}

    UserLookup users() {
        return [this](const std::string& id) { return store.get_user(id); };
    }

    rooms::RoomState load(const std::string& room_id) {
        auto s = store.load_room_state(room_id);
        if (!s) refuse(make_error(Errc::NotFound, "room not found"));
        return std::move(*s);
    }

    /// Commits `d` (+ extras). Returns false on a compare-and-set conflict (nothing written).
    bool commit(const rooms::RoomState& before, const rooms::Decision& d,
                std::optional<store::IdempotencyRecord> idem = std::nullopt) {
        store::Changeset cs;
        cs.room = d.room;
        cs.invitations = d.invitations;
        cs.members = d.members;
        cs.removed_members = d.removed_members;
        cs.events = render_events(d.events, users());
        cs.idempotency = std::move(idem);
        auto result = store.commit(cs);
        if (result.status == store::CommitStatus::Conflict) {
            return false;
        }
        if (publish && !result.events.empty()) {
            publish(result.events);
        }
        auto after = before;
        apply_committed(after, d);
        arm(after);
        return true;
    }

    /// Loads, decides, commits; retries from a fresh load when another writer won the CAS.
    template <class Decide>
    auto run(const std::string& room_id, Decide&& decide) {
        for (int attempt = 1;; ++attempt) {
            auto state = load(room_id);
            auto result = decide(state, clock.now());
            if (commit(state, decision_of(result))) {
                return result;
            }
            if (attempt == kMaxCommitAttempts) {
                refuse(make_error(Errc::Conflict, "concurrent update, retry"));
            }
        }
    }

    static const rooms::Decision& decision_of(const rooms::Decision& d) { return d; }
    static const rooms::Decision& decision_of(const rooms::InvitationDecision& d) {
        return d.decision;
    }
    static const rooms::Decision& decision_of(const rooms::MemberDecision& d) { return d.decision; }

    // ---- timers ---------------------------------------------------------------------------
    void arm(const rooms::RoomState& s) {
        if (stopped) return;
        const auto deadline = rooms::next_deadline(s, opts.policy);
        auto it = timers.find(s.room.room_id);
        if (!deadline) {
            if (it != timers.end()) {
                it->second->timer.cancel();
                it->second->deadline.reset();
            }
            return;
        }
        if (it == timers.end()) {
            it = timers.emplace(s.room.room_id, std::make_unique<Timer>(ioc)).first;
        } else if (it->second->deadline == deadline) {
            return;
        }
        Timer& t = *it->second;
        t.deadline = deadline;
        const auto delay = std::max(rooms::Duration{0}, *deadline - clock.now());
        t.timer.expires_after(delay);
        t.timer.async_wait([this, room_id = s.room.room_id](const boost::system::error_code& ec) {
            if (ec || stopped) return;
            on_timer(room_id);
        });
    }

    void on_timer(const std::string& room_id) {
        if (auto it = timers.find(room_id); it != timers.end()) {
            it->second->deadline.reset();
        }
        try {
            for (int attempt = 1; attempt <= kMaxCommitAttempts; ++attempt) {
                auto state = store.load_room_state(room_id);
                if (!state) return;
                const auto now = clock.now();
                auto d = rooms::on_timer(*state, opts.policy, now);
                if (d.empty()) {
                    // Nothing due (early wake-up): re-arm, at least 100 ms ahead.
                    auto next = rooms::next_deadline(*state, opts.policy);
                    if (next && *next <= now) {
                        log->warn("timer due but nothing to do room={}", room_id);
                        return;
                    }
                    arm(*state);
                    return;
                }
                if (commit(*state, d)) return;
            }
        } catch (const std::exception& e) {
            log->error("timer failed room={} error={}", room_id, e.what());
        }
    }

    void schedule_maintenance() {
        maintenance.expires_after(opts.maintenance_interval);
        maintenance.async_wait([this](const boost::system::error_code& ec) {
            if (ec || stopped) return;
            try {
                const auto now = clock.now();
                store.prune_events(now - opts.retention_age, opts.retention_events,
                                   opts.outbox_hold ? opts.outbox_hold() : store::OutboxHold{});
                store.prune_idempotency(now - opts.idempotency_ttl);
            } catch (const std::exception& e) {
                log->error("maintenance failed error={}", e.what());
            }
            schedule_maintenance();
        });
    }
};

RoomService::RoomService(net::io_context& ioc, store::Store& store, const core::Clock& clock,
                         ServiceOptions opts, EventPublisher publish)
    : impl_(std::make_unique<Impl>(ioc, store, clock, std::move(opts), std::move(publish))) {}

RoomService::~RoomService() { stop(); }

void RoomService::start() {
    impl_->stopped = false;
    for (const auto& id : impl_->store.active_room_ids()) {
        if (auto s = impl_->store.load_room_state(id)) {
            impl_->arm(*s);
        }
    }
    impl_->schedule_maintenance();
}

void RoomService::stop() {
    impl_->stopped = true;
    for (auto& [id, t] : impl_->timers) {
        t->timer.cancel();
    }
    impl_->maintenance.cancel();
}

std::size_t RoomService::armed_timers() const noexcept {
    std::size_t n = 0;
    for (const auto& [id, t] : impl_->timers) {
        n += t->deadline ? 1 : 0;
    }
    return n;
}

// ---- users ---------------------------------------------------------------------------------

rooms::User RoomService::ensure_user(const std::string& user_id, const std::string& display_name) {
    auto existing = impl_->store.get_user(user_id);
    const std::string name = display_name.empty() ? (existing ? existing->display_name : user_id)
                                                   : display_name.substr(0, 100);
    if (existing && existing->display_name == name) {
        return *existing;
    }
    rooms::User u = existing.value_or(rooms::User{});
    const auto now = impl_->clock.now();
    if (!existing) {
        u.user_id = user_id;
        u.created_at = now;
    }
    u.display_name = name;
    u.updated_at = now;
    store::Changeset cs;
    cs.users.push_back(u);
    (void)impl_->store.commit(cs);
    return u;
}

rooms::User RoomService::put_user(const std::string& user_id, const std::string& display_name,
                                  const std::string& avatar_url) {
    auto existing = impl_->store.get_user(user_id);
    rooms::User u = existing.value_or(rooms::User{});
    const auto now = impl_->clock.now();
    if (!existing) {
        u.user_id = user_id;
        u.created_at = now;
    }
    u.display_name = display_name;
    u.avatar_url = avatar_url;
    u.updated_at = now;
    store::Changeset cs;
    cs.users.push_back(u);
    (void)impl_->store.commit(cs);
    return u;
}

std::optional<rooms::User> RoomService::find_user(const std::string& user_id) {
    return impl_->store.get_user(user_id);
}

UserLookup RoomService::user_lookup() { return impl_->users(); }

// ---- rooms ---------------------------------------------------------------------------------

rooms::Room RoomService::create_room(const rooms::CreateRoomParams& p,
                                     const std::string& host_user_id) {
    for (int attempt = 1;; ++attempt) {
        const auto id = core::new_id("RM_", 12);
        auto d = value_or_throw(rooms::create_room(p, id, host_user_id, impl_->clock.now()));
        rooms::RoomState empty;
        if (impl_->commit(empty, d)) {
            return *d.room;
        }
        if (attempt == kMaxCommitAttempts) refuse(make_error(Errc::Conflict, "retry"));
    }
}

rooms::Room RoomService::update_room(const rooms::Actor& a, const std::string& room_id,
                                     const rooms::RoomPatch& patch) {
    auto d = impl_->run(room_id, [&](const rooms::RoomState& s, core::TimePoint now) {
        return value_or_throw(rooms::update_room(s, a, patch, now));
    });
    return d.room ? *d.room : impl_->load(room_id).room;
}

rooms::Room RoomService::stop_room(const rooms::Actor& a, const std::string& room_id) {
    auto d = impl_->run(room_id, [&](const rooms::RoomState& s, core::TimePoint now) {
        return value_or_throw(rooms::stop_room(s, a, now));
    });
    return *d.room;
}

rooms::RoomState RoomService::load(const std::string& room_id) { return impl_->load(room_id); }

// ---- invitations ---------------------------------------------------------------------------

StoredReply RoomService::invite(const rooms::Actor& a, const std::string& room_id,
                                const std::string& invitee_id,
                                std::optional<rooms::Duration> expires_in,
                                const std::optional<IdempotencyKey>& idem) {
    if (idem) {
        if (auto rec = impl_->store.get_idempotency(idem->user_id, idem->route, idem->key)) {
            return {rec->status, rec->body};
        }
    }
    const auto invitee = impl_->store.get_user(invitee_id);
    for (int attempt = 1;; ++attempt) {
        auto state = impl_->load(room_id);
        const auto now = impl_->clock.now();
        auto r = value_or_throw(rooms::invite(state, a, invitee ? &*invitee : nullptr, expires_in,
                                              core::new_id("IN_", 16), impl_->opts.policy, now));
        StoredReply reply{201, boost::json::serialize(
                                   invitation_json(r.invitation, state.room.title, impl_->users()))};
        std::optional<store::IdempotencyRecord> rec;
        if (idem) {
            rec = store::IdempotencyRecord{idem->user_id, idem->route, idem->key, reply.status,
                                           reply.body, now};
        }
        if (impl_->commit(state, r.decision, rec)) {
            return reply;
        }
        // A conflict may be a racing request with the same key that already committed.
        if (idem) {
            if (auto stored = impl_->store.get_idempotency(idem->user_id, idem->route, idem->key)) {
                return {stored->status, stored->body};
            }
        }
        if (attempt == kMaxCommitAttempts) refuse(make_error(Errc::Conflict, "retry"));
    }
}

rooms::Invitation RoomService::get_invitation(const rooms::Actor& a,
                                              const std::string& invitation_id) {
    auto inv = impl_->store.get_invitation(invitation_id);
    if (!inv) refuse(make_error(Errc::NotFound, "invitation not found"));
    auto state = impl_->store.load_room_state(inv->room_id);
    if (!state || !rooms::can_view_invitation(*state, *inv, a)) {
        refuse(make_error(Errc::NotFound, "invitation not found"));
    }
    return *inv;
}

rooms::Invitation RoomService::respond(const rooms::Actor& a, const std::string& invitation_id,
                                       Response what) {
    for (int attempt = 1;; ++attempt) {
        auto inv = get_invitation(a, invitation_id);
        auto state = impl_->load(inv.room_id);
        const auto now = impl_->clock.now();
        auto outcome = what == Response::Accept   ? rooms::accept(state, inv, a, now)
                       : what == Response::Reject ? rooms::reject(state, inv, a, now)
                                                  : rooms::cancel(state, inv, a, now);
        auto r = value_or_throw(std::move(outcome));
        if (r.decision.empty() || impl_->commit(state, r.decision)) {
            return r.invitation;
        }
        if (attempt == kMaxCommitAttempts) refuse(make_error(Errc::Conflict, "retry"));
    }
}

// ---- stage ---------------------------------------------------------------------------------

void RoomService::leave_stage(const rooms::Actor& a, const std::string& room_id) {
    impl_->run(room_id, [&](const rooms::RoomState& s, core::TimePoint now) {
        return value_or_throw(rooms::leave_stage(s, a, now));
    });
}

rooms::StageMember RoomService::remove_member(const rooms::Actor& a, const std::string& room_id,
                                              const std::string& user_id) {
    return impl_
        ->run(room_id,
              [&](const rooms::RoomState& s, core::TimePoint now) {
                  return value_or_throw(rooms::remove_member(s, a, user_id, now));
              })
        .member;
}

rooms::StageMember RoomService::set_permissions(const rooms::Actor& a, const std::string& room_id,
                                                const std::string& user_id, bool can_manage) {
    return impl_
        ->run(room_id,
              [&](const rooms::RoomState& s, core::TimePoint now) {
                  return value_or_throw(rooms::set_permissions(s, a, user_id, can_manage, now));
              })
        .member;
}

void RoomService::run_timers(const std::string& room_id) { impl_->on_timer(room_id); }

// ---- media facts ---------------------------------------------------------------------------

std::string RoomService::media_admission(const std::string& room_id, const std::string& identity,
                                         bool can_publish) {
    const auto state = impl_->store.load_room_state(room_id);
    if (!state) return {};
    if (state->room.status == rooms::RoomStatus::Ended) return "the room has ended";
    if (can_publish && state->member(identity) == nullptr) {
        return "not on the stage of this room: only its host and co-hosts may publish";
    }
    return {};
}

MediaOutcome RoomService::apply_media(const std::string& room_id, MediaFact fact,
                                      const std::string& identity, rooms::TrackSource source) {
    for (int attempt = 1;; ++attempt) {
        auto state = impl_->store.load_room_state(room_id);
        if (!state) return MediaOutcome::UnknownRoom;
        if (state->room.status == rooms::RoomStatus::Ended) return MediaOutcome::RoomEnded;
        if (fact != MediaFact::RoomFinished && state->member(identity) == nullptr) {
            return MediaOutcome::NotOnStage;
        }
        const auto now = impl_->clock.now();
        rooms::Decision d;
        switch (fact) {
            case MediaFact::ParticipantJoined:
                d = rooms::on_participant_joined(*state, identity, now);
                break;
            case MediaFact::TrackPublished:
                d = rooms::on_track_published(*state, identity, source, now);
                break;
            case MediaFact::TrackUnpublished:
                d = rooms::on_track_unpublished(*state, identity, source, now);
                break;
            case MediaFact::ParticipantLeft:
                d = rooms::on_participant_left(*state, identity, now);
                break;
            case MediaFact::RoomFinished:
                d = rooms::on_media_room_finished(*state, now);
                break;
        }
        if (d.empty()) return MediaOutcome::Unchanged;
        if (impl_->commit(*state, d)) return MediaOutcome::Applied;
        if (attempt == kMaxCommitAttempts) {
            refuse(make_error(Errc::Conflict, "concurrent update, retry"));
        }
    }
}

}  // namespace cohost::server::app
