#pragma once
// Renders domain events into outbox rows: one row per topic, `data` = the resource after the
// change (product.md §10), serialized once here and never re-serialized afterwards.
#include <vector>

#include "cohost/server/app/json_codec.hpp"
#include "cohost/server/rooms/domain.hpp"
#include "cohost/server/store/store.hpp"

namespace cohost::server::app {

[[nodiscard]] std::vector<store::NewEvent> render_events(
    const std::vector<rooms::DomainEvent>& events, const UserLookup& users);

}  // namespace cohost::server::app
