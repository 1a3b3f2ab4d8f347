// The pure domain decision of one invitation lifecycle (product.md §3): invite, then accept or
// reject, on a room with the host on stage. No store, no I/O: this is the floor under the
// REST lifecycle that `loadgen lifecycles` measures end to end.
#include <benchmark/benchmark.h>

#include "cohost/server/rooms/domain.hpp"

namespace {

namespace rooms = cohost::server::rooms;

rooms::TimePoint fixed_now() { return cohost::core::from_unix_ms(1'790'000'000'000); }

rooms::RoomState room_with_host(int cohosts_on_stage) {
    rooms::RoomState s;
    s.room.room_id = "RM_benchroom00000001";
    s.room.title = "Bench room";
    s.room.host_user_id = "host-1";
    s.room.max_cohosts = 8;
    s.room.created_at = fixed_now();
    s.room.version = 1;
    rooms::StageMember host;
    host.room_id = s.room.room_id;
    host.user_id = "host-1";
    host.role = rooms::MemberRole::Host;
    host.state = rooms::MemberState::Offline;
    host.joined_at = fixed_now();
    host.version = 1;
    s.stage.push_back(host);
    for (int i = 0; i < cohosts_on_stage; ++i) {
        rooms::StageMember m = host;
        m.user_id = "cohost-" + std::to_string(i);
        m.role = rooms::MemberRole::Cohost;
        m.state = rooms::MemberState::Live;
        s.stage.push_back(m);
    }
    return s;
}

rooms::User invitee() {
    rooms::User u;
    u.user_id = "guest-1";
    u.display_name = "Guest";
    return u;
}

void BM_DomainInviteAccept(benchmark::State& state) {
    const rooms::RoomState s = room_with_host(static_cast<int>(state.range(0)));
    const rooms::User guest = invitee();
    const rooms::Policy policy;
    const rooms::Actor host = rooms::Actor::user("host-1");
    const rooms::Actor guest_actor = rooms::Actor::user("guest-1");
    for (auto _ : state) {
        auto inv =
            rooms::invite(s, host, &guest, std::nullopt, "IN_bench0000000001", policy, fixed_now());
        if (!inv) {
            state.SkipWithError("invite refused");
            break;
        }
        auto acc = rooms::accept(s, inv->invitation, guest_actor, fixed_now());
        if (!acc) {
            state.SkipWithError("accept refused");
            break;
        }
        benchmark::DoNotOptimize(acc);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DomainInviteAccept)->Arg(0)->Arg(6);

void BM_DomainInviteReject(benchmark::State& state) {
    const rooms::RoomState s = room_with_host(0);
    const rooms::User guest = invitee();
    const rooms::Policy policy;
    const rooms::Actor host = rooms::Actor::user("host-1");
    const rooms::Actor guest_actor = rooms::Actor::user("guest-1");
    for (auto _ : state) {
        auto inv =
            rooms::invite(s, host, &guest, std::nullopt, "IN_bench0000000001", policy, fixed_now());
        auto rej = rooms::reject(s, inv->invitation, guest_actor, fixed_now());
        benchmark::DoNotOptimize(rej);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DomainInviteReject);

void BM_DomainStageFullRefusal(benchmark::State& state) {
    const rooms::RoomState s = room_with_host(8);
    const rooms::User guest = invitee();
    const rooms::Policy policy;
    const rooms::Actor host = rooms::Actor::user("host-1");
    for (auto _ : state) {
        auto inv =
            rooms::invite(s, host, &guest, std::nullopt, "IN_bench0000000001", policy, fixed_now());
        benchmark::DoNotOptimize(inv);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DomainStageFullRefusal);

}  // namespace
