// MediaSync: incoming LiveKit webhooks and the enforcement of committed stage decisions. The
// reconciler is in media_sync_reconcile.cpp; the HTTP edge in api_media.cpp.
#include "cohost/server/app/media_sync.hpp"

#include <array>
#include <boost/json/parse.hpp>
#include <cctype>

#include "cohost/server/livekit/webhook.hpp"
#include "media_sync_impl.hpp"

namespace cohost::server::app {

namespace json = boost::json;
using livekit::ParticipantInfo;
using livekit::TwirpError;
using livekit::TwirpResult;

namespace {

constexpr std::string_view kWebhooksTotal = "cohost_livekit_webhooks_total";
constexpr std::string_view kIgnoredTotal = "cohost_livekit_webhooks_ignored_total";
constexpr std::string_view kUninvitedTotal = "cohost_livekit_uninvited_removed_total";
constexpr std::string_view kEnforceFailures = "cohost_livekit_enforcement_failures_total";

/// Event names become a metric label: only LiveKit's own names, anything else is `other`, so an
/// authenticated but odd sender cannot grow the label set.
std::string event_label(std::string_view event) {
    static constexpr std::array<std::string_view, 14> kKnown{
        "room_started",      "room_finished",     "participant_joined",
        "participant_left",  "participant_connection_aborted",
        "track_published",   "track_unpublished", "egress_started",
        "egress_updated",    "egress_ended",      "ingress_started",
        "ingress_ended",     "agent_job_started", "agent_job_ended"};
    for (auto k : kKnown) {
        if (k == event) return std::string(k);
    }
    return "other";
}

/// `application/webhook+json` (LiveKit) or `application/json`, parameters after `;` ignored.
bool acceptable_content_type(std::string_view ct) {
    ct = ct.substr(0, ct.find(';'));
    while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
    while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) ct.remove_prefix(1);
    std::string lower(ct);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower == "application/webhook+json" || lower == "application/json";
}

std::string_view refusal_message(const boost::system::error_code& ec) {
    using livekit::WebhookError;
    if (ec == WebhookError::missing_authorization) {
        return "Authorization must be the raw webhook JWT (present, without a 'Bearer ' prefix)";
    }
    if (ec == WebhookError::missing_hash) return "the webhook token has no sha256 claim";
    if (ec == WebhookError::hash_mismatch) return "the body does not match the signed sha256";
    return "invalid webhook token (signature, issuer or expiry)";
}

std::string_view ignored_reason(MediaOutcome o) {
    switch (o) {
        case MediaOutcome::UnknownRoom:
            return "unknown_room";
        case MediaOutcome::RoomEnded:
            return "room_ended";
        case MediaOutcome::NotOnStage:
            return "not_on_stage";
        default:
            return "";
    }
}

}  // namespace

std::string_view to_string(WebhookResult r) noexcept {
    switch (r) {
        case WebhookResult::Applied:
            return "applied";
        case WebhookResult::Duplicate:
            return "duplicate";
        case WebhookResult::Ignored:
            return "ignored";
        case WebhookResult::Unauthorized:
            return "unauthorized";
        case WebhookResult::Malformed:
            return "malformed";
    }
    return "ignored";
}

rooms::TrackSource track_source(const livekit::TrackInfo& t) noexcept {
    if (t.source == "CAMERA") return rooms::TrackSource::Camera;
    if (t.source == "MICROPHONE") return rooms::TrackSource::Microphone;
    return rooms::TrackSource::Other;
}

bool may_publish(const livekit::ParticipantInfo& p) noexcept {
    return (p.permission && p.permission->can_publish) || !p.tracks.empty();
}

// ---- Impl helpers ------------------------------------------------------------------------------

std::optional<MediaOutcome> MediaSync::Impl::apply_logged(const std::string& room, MediaFact fact,
                                                          const std::string& identity,
                                                          rooms::TrackSource source) {
    try {
        return service.apply_media(room, fact, identity, source);
    } catch (const std::exception& e) {
        log->error("media fact not applied room={} identity={} error={}", room, identity,
                   e.what());
        return std::nullopt;
    }
}

void MediaSync::Impl::touch(const std::string& room) {
    ++webhook_seq;
    if (round) round->touched[room] = webhook_seq;
}

void MediaSync::Impl::remove_participant(const std::string& room, const std::string& identity,
                                         std::string_view why) {
    if (!client || stopped) return;
    log->info("removing media participant room={} identity={} why={}", room, identity, why);
    client->remove_participant(
        room, identity,
        [this, w = std::weak_ptr<int>(alive), room, identity](TwirpResult<livekit::Empty> r) {
            if (w.expired() || r.index() == 0) return;
            const TwirpError& err = std::get<TwirpError>(r);
            if (err.not_found()) return;  // already gone: the goal is reached
            log->warn("RemoveParticipant failed room={} identity={} code={} msg={}", room,
                      identity, err.code, err.msg);
            inc(kEnforceFailures, {{"action", "remove_participant"}});
        });
}

void MediaSync::Impl::remove_viewer(const std::string& room, const std::string& user) {
    if (!client || stopped) return;
    client->list_participants(
        room, [this, w = std::weak_ptr<int>(alive), room,
               user](TwirpResult<std::vector<ParticipantInfo>> r) {
            if (w.expired() || stopped) return;
            if (r.index() != 0) {
                const TwirpError& err = std::get<TwirpError>(r);
                if (err.not_found()) return;  // no media room: nobody to disconnect
                log->warn("ListParticipants failed room={} code={} msg={}", room, err.code, err.msg);
                inc(kEnforceFailures, {{"action", "remove_participant"}});
                return;
            }
            // Exactly `viewer-<user>-` + the 8-character suffix: user ids may contain '-', so a
            // prefix test alone would also match another user's `viewer-<user>-x-…` identity.
            const std::string prefix = "viewer-" + user + "-";
            for (const ParticipantInfo& p : std::get<0>(r)) {
                if (p.identity.size() == prefix.size() + 8 && p.identity.starts_with(prefix)) {
                    remove_participant(room, p.identity, "banned");
                }
            }
        });
}

bool MediaSync::Impl::remove_uninvited(const std::string& room, const std::string& identity) {
    if (!client || stopped) return false;
    inc(kUninvitedTotal);
    remove_participant(room, identity, "not on stage");
    return true;
}

void MediaSync::Impl::delete_room(const std::string& room, std::string_view why) {
    if (!client || stopped) return;
    log->info("deleting media room room={} why={}", room, why);
    client->delete_room(room,
                        [this, w = std::weak_ptr<int>(alive), room](TwirpResult<livekit::Empty> r) {
                            if (w.expired() || r.index() == 0) return;
                            const TwirpError& err = std::get<TwirpError>(r);
                            if (err.not_found()) return;
                            log->warn("DeleteRoom failed room={} code={} msg={}", room, err.code,
                                      err.msg);
                            inc(kEnforceFailures, {{"action", "delete_room"}});
                        });
}

// ---- MediaSync ---------------------------------------------------------------------------------

MediaSync::MediaSync(boost::asio::io_context& ioc, RoomService& service, store::Store& store,
                     const core::Clock& clock, std::unique_ptr<livekit::RoomServiceClient> client,
                     Metrics* metrics, MediaSyncOptions opts)
    : impl_(std::make_unique<Impl>(ioc, service, store, clock, std::move(client), metrics,
                                   std::move(opts))) {
    if (metrics != nullptr) {
        metrics->describe(kWebhooksTotal, "counter",
                          "LiveKit webhooks received, by event and result");
        metrics->describe(kIgnoredTotal, "counter",
                          "Verified LiveKit webhooks that changed nothing, by reason");
        metrics->describe(kUninvitedTotal, "counter",
                          "Media participants removed for publishing without being on stage");
        metrics->describe(kEnforceFailures, "counter",
                          "RemoveParticipant/DeleteRoom calls that failed after retries");
        metrics->describe("cohost_reconciler_repairs_total", "counter",
                          "Differences between media server and stage repaired, by kind");
        metrics->describe("cohost_reconciler_rounds_total", "counter",
                          "Reconcile rounds finished, by result");
    }
}

MediaSync::~MediaSync() { stop(); }

void MediaSync::stop() {
    impl_->stopped = true;
    impl_->timer.cancel();
    impl_->round.reset();
}

bool MediaSync::has_client() const noexcept { return impl_->client != nullptr; }

void MediaSync::set_client(std::unique_ptr<livekit::RoomServiceClient> client) {
    impl_->client = std::move(client);
}

WebhookReply MediaSync::receive_webhook(std::string_view content_type, std::string_view body,
                                        std::string_view authorization) {
    auto& m = *impl_;
    WebhookReply reply;
    reply.event = "unknown";
    const auto finish = [&m, &reply](WebhookResult r, std::string message = {}) {
        reply.result = r;
        reply.message = std::move(message);
        m.inc(kWebhooksTotal, {{"event", reply.event}, {"result", std::string(to_string(r))}});
        return reply;
    };
    if (!acceptable_content_type(content_type)) {
        return finish(WebhookResult::Malformed,
                      "Content-Type must be application/webhook+json (or application/json)");
    }
    livekit::WebhookVerifyOptions verify;  // default leeway: 10 s, as LiveKit's receiver
    verify.api_key = m.opts.api_key;
    verify.api_secret = m.opts.api_secret;
    verify.now = m.clock.now();
    auto verified = livekit::verify_webhook(body, authorization, verify);
    if (!verified) {
        if (verified.error() == livekit::WebhookError::malformed_body) {
            return finish(WebhookResult::Malformed, "the body is not a LiveKit WebhookEvent");
        }
        // Anyone can post here: log the 1st, 101st, 201st... refusal; the counter has them all.
        if (m.refused++ % 100 == 0) {
            m.log->warn("webhook refused: {} (refusals so far: {})",
                        refusal_message(verified.error()), m.refused);
        }
        return finish(WebhookResult::Unauthorized, std::string(refusal_message(verified.error())));
    }
    const livekit::WebhookEvent& ev = *verified;
    reply.event = event_label(ev.event);
    if (!ev.id.empty() && m.seen.contains(ev.id)) {
        m.lru.splice(m.lru.begin(), m.lru, m.seen[ev.id]);  // refresh
        return finish(WebhookResult::Duplicate);
    }

    const std::string room = ev.room ? ev.room->name : std::string();
    const std::string identity = ev.participant ? ev.participant->identity : std::string();
    std::optional<MediaFact> fact;
    if (ev.event == "participant_joined") {
        fact = MediaFact::ParticipantJoined;
    } else if (ev.event == "track_published") {
        fact = MediaFact::TrackPublished;
    } else if (ev.event == "track_unpublished") {
        fact = MediaFact::TrackUnpublished;
    } else if (ev.event == "participant_left" || ev.event == "participant_connection_aborted") {
        fact = MediaFact::ParticipantLeft;
    } else if (ev.event == "room_finished") {
        fact = MediaFact::RoomFinished;
    }
    const bool needs_identity = fact && *fact != MediaFact::RoomFinished;

    WebhookResult result = WebhookResult::Ignored;
    std::string_view reason = "event";
    if (fact && !room.empty() && !(needs_identity && identity.empty())) {
        m.touch(room);
        const auto source = ev.track ? track_source(*ev.track) : rooms::TrackSource::Other;
        // Throws on store failure: the id is not remembered, the sender retries.
        const MediaOutcome outcome = m.service.apply_media(room, *fact, identity, source);
        if (outcome == MediaOutcome::Applied || outcome == MediaOutcome::Unchanged) {
            result = WebhookResult::Applied;
        } else if (outcome == MediaOutcome::NotOnStage &&
                   ((*fact == MediaFact::ParticipantJoined && ev.participant &&
                     may_publish(*ev.participant)) ||
                    *fact == MediaFact::TrackPublished)) {
            // A publisher that is not on stage: uninvited, or released and reconnecting with an
            // old token. The media server disconnects it.
            m.log->info("uninvited publisher room={} identity={} event={}", room, identity,
                        ev.event);
            if (m.remove_uninvited(room, identity)) {
                result = WebhookResult::Applied;
            } else {
                reason = ignored_reason(outcome);  // embedded mode: nobody to ask
            }
        } else {
            reason = ignored_reason(outcome);
        }
    } else if (fact) {
        reason = "incomplete";
    }
    if (result == WebhookResult::Ignored) {
        m.inc(kIgnoredTotal, {{"reason", std::string(reason)}});
    }

    if (!ev.id.empty() && m.opts.dedup_size > 0) {
        m.lru.push_front(ev.id);
        m.seen[ev.id] = m.lru.begin();
        while (m.lru.size() > m.opts.dedup_size) {
            m.seen.erase(m.lru.back());
            m.lru.pop_back();
        }
    }
    return finish(result);
}

void MediaSync::on_committed(const std::vector<store::StoredEvent>& events) {
    auto& m = *impl_;
    if (!m.client || m.stopped) return;
    for (const auto& e : events) {
        // An event is stored once per topic; act on the room-topic copy only (exactly once).
        if (e.room_id.empty() || e.topic != "room:" + e.room_id) continue;
        if (e.type == "room.ended") {
            m.delete_room(e.room_id, "room ended");
            continue;
        }
        if (e.type != "stage.left" && e.type != "chat.moderation") continue;
        boost::system::error_code ec;
        const json::value data = json::parse(e.data_json, ec);
        const json::object* obj = ec ? nullptr : data.if_object();
        const json::value* user = obj ? obj->if_contains("userId") : nullptr;
        if (e.type == "chat.moderation") {
            // A ban also disconnects the user's media (docs/engagement.md): a viewer watching
            // with credentials issued before the ban. Not found (not connected) is fine.
            const json::value* action = obj ? obj->if_contains("action") : nullptr;
            if (action != nullptr && action->is_string() && action->get_string() == "ban" &&
                user != nullptr && user->is_string()) {
                m.remove_viewer(e.room_id, std::string(user->get_string()));
            }
            continue;
        }
        const json::value* reason = obj ? obj->if_contains("reason") : nullptr;
        if (user == nullptr || !user->is_string()) {
            m.log->error("stage.left without userId room={} event={}", e.room_id, e.id);
            continue;
        }
        const std::string why =
            reason && reason->is_string() ? std::string(reason->get_string()) : std::string();
        if (why == "room_ended") continue;  // the room.ended's DeleteRoom disconnects everyone
        m.remove_participant(e.room_id, std::string(user->get_string()), "stage.left " + why);
    }
}

livekit::CallObserver MediaSync::call_observer(Metrics* metrics) {
    if (metrics == nullptr) {
        return [](std::string_view, std::chrono::nanoseconds, std::string_view) {};
    }
    metrics->describe("cohost_livekit_twirp_seconds", "histogram",
                      "LiveKit RoomService call latency (after retries), by method");
    metrics->describe("cohost_livekit_twirp_errors_total", "counter",
                      "LiveKit RoomService calls that failed, by method and Twirp code");
    return [metrics](std::string_view method, std::chrono::nanoseconds latency,
                     std::string_view outcome) {
        const std::string name(method);
        metrics->observe("cohost_livekit_twirp_seconds", {{"method", name}},
                         std::chrono::duration<double>(latency).count());
        if (outcome != "ok") {
            metrics->inc("cohost_livekit_twirp_errors_total",
                         {{"method", name}, {"code", std::string(outcome)}});
        }
    };
}

}  // namespace cohost::server::app

namespace cohost::server::app {

std::unique_ptr<MediaSync> make_media_sync(boost::asio::io_context& ioc, RoomService& service,
                                           store::Store& store, const core::Clock& clock,
                                           Metrics* metrics, const Config& cfg,
                                           const std::string& server_api_key,
                                           const std::string& server_secret) {
    MediaSyncOptions opts;
    opts.api_key = cfg.livekit_api_key.empty() ? server_api_key : cfg.livekit_api_key;
    opts.api_secret = cfg.livekit_api_secret.empty() ? server_secret : cfg.livekit_api_secret;
    opts.reconcile_interval = cfg.livekit_reconcile_interval;
    opts.dedup_size = cfg.livekit_webhook_dedup_size;
    std::unique_ptr<livekit::RoomServiceClient> client;
    if (cfg.media_mode == MediaMode::Livekit) {
        livekit::ClientOptions co;
        co.url = cfg.livekit_url;
        co.api_key = opts.api_key;
        co.api_secret = opts.api_secret;
        co.timeout = cfg.livekit_timeout;
        co.observer = MediaSync::call_observer(metrics);
        try {
            client = livekit::make_twirp_client(ioc, std::move(co));
        } catch (const std::invalid_argument& e) {
            throw ConfigError(std::string("livekit.url: ") + e.what());
        }
    }
    return std::make_unique<MediaSync>(ioc, service, store, clock, std::move(client), metrics,
                                       std::move(opts));
}

}  // namespace cohost::server::app
