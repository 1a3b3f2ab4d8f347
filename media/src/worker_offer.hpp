#pragma once
/// \file Internal to media/: what a media worker keeps for a session whose SDP the SFU offers
/// (SessionKind::ParticipantSubscriber, LiveKit's two-peer-connection subscriber PC;
/// worker_offer.cpp has the logic, negotiate_offer.hpp the SDP).
///
/// Negotiation state: at most one offer is outstanding. A change (a track to add or end) while
/// an offer waits for its answer only marks the state dirty; the answer then triggers the next
/// offer. An ended section is recycled (new mid, new track) only after the client answered the
/// offer that ended it, as JSEP allows.
///
/// Threading: owned by its `Peer` on the worker thread.
#include <cstdint>
#include <string>
#include <vector>

#include "negotiate_offer.hpp"

namespace cohost::media::detail {

struct SubscriberOfferState {
    /// Audio/video sections in offer order (the data section, `data_mid`, always comes first).
    std::vector<OfferSlot> slots;
    /// Per slot (same index): the offer id that ended it (0 while live), and whether the
    /// client has accepted its current track in an answer.
    struct SlotState {
        std::uint32_t ended_in = 0;
        bool answered = false;
    };
    std::vector<SlotState> slot_state;
    std::string data_mid = "0";
    unsigned next_mid = 1;
    std::uint32_t offer_id = 0;     ///< id of the last offer made (LiveKit SessionDescription.id)
    std::uint32_t answered_id = 0;  ///< id of the last offer the client answered
    bool awaiting_answer = false;
    bool dirty = false;  ///< a change arrived while waiting: offer again after the answer
    std::vector<std::string> wanted;  ///< track sids the participant should receive
    ServerOffer last;                 ///< the offer waiting for its answer
};

}  // namespace cohost::media::detail
