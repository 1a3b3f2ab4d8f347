// EngagementService: chat, moderation, reactions, viewers and the per-second tick.
// Products are in engagement_products.cpp.
#include <boost/json/serialize.hpp>

#include "cohost/core/ids.hpp"
#include "engagement_impl.hpp"

namespace cohost::server::app {

namespace net = boost::asio;
using rooms::Errc;
using rooms::make_error;

void engagement_refuse(rooms::Error e) { throw rooms::ErrorException(std::move(e)); }

rooms::RoomState EngagementService::Impl::load(const std::string& room_id) {
    auto s = store.load_room_state(room_id);
    if (!s) engagement_refuse(make_error(Errc::NotFound, "room not found"));
    return std::move(*s);
}

bool EngagementService::Impl::commit(store::EngagementChangeset c,
                                     const std::vector<rooms::EngagementEvent>& events,
                                     store::EngagementCommitResult* out) {
    c.events = render_engagement_events(events, users(), products_of());
    // Forget before writing: whatever the outcome (written, conflict, exception), the next
    // check reads the row from the store.
    for (const auto& mod : c.moderation) viewer_cache.moderation_changed(mod.room_id, mod.user_id);
    auto result = es.commit_engagement(c);
    if (result.status == store::CommitStatus::Conflict) return false;
    if (publish && !result.events.empty()) publish(result.events);
    if (out != nullptr) *out = std::move(result);
    return true;
}

void EngagementService::Impl::schedule() {
    if (stopped) return;
    auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(opts.tick);
    if (opts.tick == std::chrono::milliseconds(1000)) {
        // Just after the next wall-clock second, so a burst covers exactly one closed second.
        const auto ms = core::to_unix_ms(clock.now());
        delay = std::chrono::milliseconds(1000 - ((ms % 1000) + 1000) % 1000 + 5);
    }
    timer.expires_after(delay);
    timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopped) return;
        // The timer belongs to the service; a failure here must not end the loop.
        try {
            tick_impl();
        } catch (const std::exception& e) {
            log->error("engagement tick failed error={}", e.what());
        }
        schedule();
    });
}

EngagementService::EngagementService(net::io_context& ioc, store::Store& store,
                                     const core::Clock& clock, EngagementOptions opts,
                                     EventPublisher publish) {
    auto* es = store.engagement();
    if (es == nullptr) throw std::invalid_argument("the store does not support engagement");
    impl_ = std::make_unique<Impl>(ioc, store, *es, clock, std::move(opts), std::move(publish));
}

EngagementService::~EngagementService() { stop(); }

void EngagementService::start() {
    impl_->stopped = false;
    impl_->schedule();
}

void EngagementService::stop() {
    impl_->stopped = true;
    impl_->timer.cancel();
}

const rooms::EngagementPolicy& EngagementService::policy() const noexcept {
    return impl_->opts.policy;
}

EngagementStats EngagementService::stats() const {
    EngagementStats out = impl_->stats;
    out.viewers = 0;
    for (const auto& [room, users] : impl_->watching) out.viewers += users.size();
    return out;
}

// ---- chat -------------------------------------------------------------------------------------

rooms::ChatMessage EngagementService::post_message(const rooms::Actor& a,
                                                   const std::string& room_id,
                                                   const std::string& text) {
    auto& m = *impl_;
    for (int attempt = 1;; ++attempt) {
        auto state = m.load(room_id);
        const auto mod = a.admin ? std::nullopt : m.es.get_moderation(room_id, a.user_id);
        const auto last = a.admin ? std::nullopt : m.es.last_message_at(room_id, a.user_id);
        auto d = engagement_value(rooms::post_message(state, a, mod ? &*mod : nullptr, last, text,
                                                      core::new_id("MS_", 16), m.opts.policy,
                                                      m.clock.now()));
        store::EngagementChangeset c;
        c.messages.push_back(d.message);
        store::EngagementCommitResult r;
        if (m.commit(std::move(c), d.events, &r)) {
            ++m.stats.messages;
            return r.messages.empty() ? d.message : r.messages.front();
        }
        if (attempt == Impl::kMaxCommitAttempts) {
            engagement_refuse(make_error(Errc::Conflict, "concurrent update, retry"));
        }
    }
}

store::Page<rooms::ChatMessage> EngagementService::list_messages(const rooms::Actor& a,
                                                                 const std::string& room_id,
                                                                 int limit,
                                                                 const std::string& cursor) {
    auto& m = *impl_;
    if (auto e = check_viewer(a, room_id, true)) engagement_refuse(std::move(*e));
    try {
        return m.es.list_messages(room_id, limit, cursor);
    } catch (const std::invalid_argument&) {
        engagement_refuse(rooms::invalid("cursor", "invalid cursor"));
    }
}

void EngagementService::delete_message(const rooms::Actor& a, const std::string& room_id,
                                       const std::string& message_id) {
    auto& m = *impl_;
    for (int attempt = 1;; ++attempt) {
        auto state = m.load(room_id);
        auto msg = m.es.get_message(room_id, message_id);
        if (!msg) engagement_refuse(make_error(Errc::NotFound, "message not found"));
        if (!a.admin) {
            const auto mod = m.es.get_moderation(room_id, a.user_id);
            if (mod && mod->banned_at(m.clock.now())) {
                engagement_refuse(make_error(Errc::Banned, "you are banned from this room"));
            }
        }
        auto d = engagement_value(rooms::delete_message(state, a, *msg, m.clock.now()));
        store::EngagementChangeset c;
        c.messages.push_back(d.message);
        if (m.commit(std::move(c), d.events)) return;
        if (attempt == Impl::kMaxCommitAttempts) {
            // The message was deleted concurrently.
            engagement_refuse(make_error(Errc::NotFound, "message not found"));
        }
    }
}

rooms::Moderation EngagementService::moderate(const rooms::Actor& a, const std::string& room_id,
                                              const rooms::ModerationCommand& cmd) {
    auto& m = *impl_;
    for (int attempt = 1;; ++attempt) {
        auto state = m.load(room_id);
        if (!m.store.get_user(cmd.target_user_id)) {
            engagement_refuse(
                make_error(Errc::UserNotFound, "user not found", {{"userId", cmd.target_user_id}}));
        }
        const auto current = m.es.get_moderation(room_id, cmd.target_user_id);
        auto d = engagement_value(rooms::moderate(state, a, cmd, current ? &*current : nullptr,
                                                  m.opts.policy, m.clock.now()));
        store::EngagementChangeset c;
        c.moderation.push_back(d.moderation);
        if (m.commit(std::move(c), d.events)) return d.moderation;
        if (attempt == Impl::kMaxCommitAttempts) {
            engagement_refuse(make_error(Errc::Conflict, "concurrent update, retry"));
        }
    }
}

std::optional<rooms::Error> EngagementService::check_viewer(const rooms::Actor& a,
                                                            const std::string& room_id,
                                                            bool allow_ended) {
    auto& m = *impl_;
    const auto now = m.clock.now();
    auto room = m.viewer_cache.room(room_id, now);
    if (!room) {
        auto row = m.store.get_room(room_id);
        if (!row) return make_error(Errc::NotFound, "room not found");  // not cached
        room = ViewerCache::RoomFacts{row->status == rooms::RoomStatus::Ended};
        m.viewer_cache.put_room(room_id, *room, now);
    }
    if (!allow_ended && room->ended) {
        return make_error(Errc::RoomEnded, "the room has ended");
    }
    if (a.admin) return std::nullopt;
    auto mod = m.viewer_cache.moderation(room_id, a.user_id, now);
    if (!mod) {
        mod = m.es.get_moderation(room_id, a.user_id);
        m.viewer_cache.put_moderation(room_id, a.user_id, *mod, now);
    }
    if (*mod && (*mod)->banned_at(now)) {
        return make_error(Errc::Banned, "you are banned from this room");
    }
    return std::nullopt;
}

void EngagementService::on_room_changed(const std::vector<store::StoredEvent>& events) {
    for (const auto& e : events) {
        if (!e.room_id.empty()) impl_->viewer_cache.room_changed(e.room_id);
    }
}

// ---- reactions --------------------------------------------------------------------------------

void EngagementService::react(const rooms::Actor& a, const std::string& room_id,
                              const std::string& reaction) {
    if (a.admin) engagement_refuse(make_error(Errc::Forbidden, "the app backend cannot react"));
    auto& m = *impl_;
    // Validate the name first: a bad request costs no store read.
    const auto& set = m.opts.policy.reactions;
    if (std::find(set.begin(), set.end(), reaction) == set.end()) {
        engagement_refuse(rooms::invalid("reaction", "unknown reaction"));
    }
    if (auto e = check_viewer(a, room_id, false)) engagement_refuse(std::move(*e));
    if (auto e = m.reactions.add(room_id, a.user_id, reaction, m.clock.now())) {
        engagement_refuse(std::move(*e));
    }
    ++m.stats.reactions;
}

// ---- viewers ----------------------------------------------------------------------------------

void EngagementService::on_subscribed(const rooms::Actor& actor, const std::string& topic) {
    if (actor.admin || actor.user_id.empty() || !topic.starts_with("room:")) return;
    auto& m = *impl_;
    const auto room_id = topic.substr(5);
    auto& w = m.watching[room_id][actor.user_id];
    if (w.subscriptions++ == 0) w.since = m.clock.now();
    m.dirty.insert(room_id);
}

void EngagementService::on_unsubscribed(const rooms::Actor& actor, const std::string& topic) {
    if (actor.admin || actor.user_id.empty() || !topic.starts_with("room:")) return;
    auto& m = *impl_;
    const auto room_id = topic.substr(5);
    auto room = m.watching.find(room_id);
    if (room == m.watching.end()) return;
    auto it = room->second.find(actor.user_id);
    if (it == room->second.end()) return;
    if (--it->second.subscriptions <= 0) room->second.erase(it);
    if (room->second.empty()) m.watching.erase(room);
    m.dirty.insert(room_id);
}

std::vector<Viewer> EngagementService::viewers(const std::string& room_id) {
    return impl_->viewers_of(room_id);
}

std::vector<Viewer> EngagementService::Impl::viewers_of(const std::string& room_id) {
    std::vector<Viewer> out;
    auto room = watching.find(room_id);
    if (room == watching.end()) return out;
    auto state = store.load_room_state(room_id);
    for (const auto& [user, w] : room->second) {
        if (state && state->member(user) != nullptr) continue;  // stage members do not count
        out.push_back(Viewer{user, w.since});
    }
    return out;
}

// ---- the tick ---------------------------------------------------------------------------------

void EngagementService::tick() { impl_->tick_impl(); }

void EngagementService::Impl::tick_impl() {
    namespace json = boost::json;
    const auto now = clock.now();
    store::EngagementChangeset c;
    for (auto& b : reactions.drain(now)) {
        json::object counts;
        for (const auto& [name, n] : b.counts) counts[name] = n;
        json::object data{{"roomId", b.room_id},
                          {"counts", std::move(counts)},
                          {"from", core::format_iso8601(b.from)},
                          {"to", core::format_iso8601(b.to)}};
        c.events.push_back(store::NewEvent{"room:" + b.room_id, "reactions.burst", b.room_id, b.to,
                                           json::serialize(data)});
    }
    // Rooms with watchers can change count without a subscription change (a viewer joins the
    // stage), so every watched room is looked at, plus those that just lost their last watcher.
    std::set<std::string> rooms = std::move(dirty);
    dirty.clear();
    for (const auto& [room_id, w] : watching) rooms.insert(room_id);
    for (const auto& room_id : rooms) {
        const auto count = static_cast<std::int64_t>(viewers_of(room_id).size());
        auto last = last_count.find(room_id);
        const std::int64_t before = last == last_count.end() ? 0 : last->second;
        if (count == before) continue;
        if (count == 0) {
            last_count.erase(room_id);
        } else {
            last_count[room_id] = count;
        }
        json::object data{{"roomId", room_id}, {"count", count}};
        c.events.push_back(store::NewEvent{"room:" + room_id, "viewers.count", room_id, now,
                                           json::serialize(data)});
    }
    if (c.events.empty()) return;
    auto result = es.commit_engagement(c);
    if (result.status != store::CommitStatus::Ok) return;
    for (const auto& e : result.events) {
        if (e.type == "reactions.burst") ++stats.bursts;
        if (e.type == "viewers.count") ++stats.viewer_events;
    }
    if (publish) publish(result.events);
}

}  // namespace cohost::server::app
