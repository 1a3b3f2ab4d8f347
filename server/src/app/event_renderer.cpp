#include "event_renderer.hpp"

#include <boost/json/serialize.hpp>

namespace cohost::server::app {

std::vector<store::NewEvent> render_events(const std::vector<rooms::DomainEvent>& events,
                                           const UserLookup& users) {
    std::vector<store::NewEvent> out;
    for (const auto& e : events) {
        boost::json::object data;
        switch (e.subject) {
            case rooms::DomainEvent::Subject::Room:
                data = room_json(e.room);
                break;
            case rooms::DomainEvent::Subject::Invitation:
                if (e.invitation) data = invitation_json(*e.invitation, e.room.title, users);
                break;
            case rooms::DomainEvent::Subject::Member:
                if (e.member) data = member_json(*e.member, users);
                break;
        }
        if (e.subject == rooms::DomainEvent::Subject::Member && !e.reason.empty()) {
            data["reason"] = e.reason;
        }
        const std::string text = boost::json::serialize(data);
        for (const auto& topic : e.topics) {
            out.push_back(store::NewEvent{topic, e.type, e.room.room_id, e.at, text});
        }
    }
    return out;
}

}  // namespace cohost::server::app
