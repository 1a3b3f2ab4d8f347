// Realtime fan-out cost per event (product.md §5): the `event` frame is rendered once per event
// (`render_event_frame`), then shared by every subscriber; this measures that rendering for a
// typical `room.updated` and a larger payload.
#include <benchmark/benchmark.h>

#include "cohost/server/realtime/hub.hpp"

namespace {

namespace store = cohost::server::store;

std::string room_json(std::size_t description_bytes) {
    return R"({"roomId":"RM_4fZk2pQ9xT1bYc7d","title":"e42|1790000000123456789","description":")" +
           std::string(description_bytes, 'd') +
           R"(","thumbnailUrl":"","metadata":{},"hostUserId":"host-1","status":"live",)"
           R"("maxCoHosts":8,"slowModeSeconds":0,"createdAt":"2026-09-21T12:26:40.000Z",)"
           R"("liveAt":"2026-09-21T12:27:00.000Z","endedAt":null,"endReason":null})";
}

store::StoredEvent room_updated(std::size_t description_bytes) {
    store::StoredEvent e;
    e.id = 123456;
    e.topic = "room:RM_4fZk2pQ9xT1bYc7d";
    e.seq = 4242;
    e.type = "room.updated";
    e.room_id = "RM_4fZk2pQ9xT1bYc7d";
    e.at = cohost::core::from_unix_ms(1'790'000'000'123);
    e.data_json = room_json(description_bytes);
    return e;
}

void BM_RenderEventFrame(benchmark::State& state) {
    const store::StoredEvent e = room_updated(static_cast<std::size_t>(state.range(0)));
    std::size_t bytes = 0;
    for (auto _ : state) {
        std::string frame = cohost::server::realtime::render_event_frame(e);
        bytes += frame.size();
        benchmark::DoNotOptimize(frame);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_RenderEventFrame)->Arg(0)->Arg(2000);

}  // namespace
