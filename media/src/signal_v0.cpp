// LiveKit signalling, two-peer-connection mode (`/rtc`, livekit-protocol.md §4.3): the client
// publishes on its publisher PC (its offers are answered like single-PC offers, by the
// Participant session in `resource`) and receives on a subscriber PC that the SFU offers
// (`sub_resource`, a ParticipantSubscriber session; worker_offer.cpp). The JoinResponse says
// `subscriber_primary` (the participant may subscribe: the subscriber PC is offered at once and
// is the one room.connect() waits for) and `fast_publish` (it may publish: the client negotiates
// its publisher PC at once), as LiveKit's createJoinResponseLocked does.
#include "cohost/core/log.hpp"
#include "signal_impl.hpp"

namespace cohost::media {

void SignalServer::Impl::start_subscriber(const std::shared_ptr<SignalSession>& s) {
    auto it = rooms.find(s->room);
    if (it == rooms.end()) return;
    sync_subscriptions(it->second, s, false);  // creates the subscriber PC and its first offer
}

void SignalServer::Impl::deliver_offer(SignalRoom& room, const std::shared_ptr<SignalSession>& s,
                                       const ServerOfferUpdate& u) {
    if (u.status != 200) {
        core::logger("signal")->warn("signal: subscriber connection of '{}': {} {}",
                                     s->info.identity(), u.status, u.message);
        return;
    }
    report_subscribed(room, u.confirmed);
    if (u.offer_sdp.empty()) return;
    livekit::SignalResponse r;
    auto* o = r.mutable_offer();
    o->set_type("offer");
    o->set_sdp(u.offer_sdp);
    o->set_id(u.offer_id);
    for (const auto& [mid, track] : u.mid_to_track_id) (*o->mutable_mid_to_track_id())[mid] = track;
    s->send(r);
}

void SignalServer::Impl::on_answer(const std::shared_ptr<SignalSession>& s,
                                   const livekit::SessionDescription& a) {
    auto it = rooms.find(s->room);
    if (!s->two_pc || s->sub_resource.empty() || it == rooms.end()) {
        core::logger("signal")->debug("signal: '{}' sent an answer to no offer",
                                      s->info.identity());
        return;
    }
    const ServerOfferUpdate u =
        media.apply_subscriber_answer(s->room, s->sub_resource, a.sdp(), a.id());
    deliver_offer(it->second, s, u);
}

}  // namespace cohost::media
