// SQLite commits of the changesets one invitation lifecycle writes (product.md §3, §5 outbox):
// invite (invitation insert + 2 events), accept (CAS update + member insert + 3 events) and
// leave (member delete + event). Each commit is one transaction on a WAL file database in the
// temp directory; Arg(0) is synchronous=NORMAL (the default), Arg(1) synchronous=FULL. Wall
// time (UseRealTime): commits wait on I/O, which CPU time would hide.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "cohost/server/store/store.hpp"

namespace {

namespace store = cohost::server::store;
namespace rooms = cohost::server::rooms;

rooms::TimePoint fixed_now() { return cohost::core::from_unix_ms(1'790'000'000'000); }

constexpr const char* kRoomId = "RM_benchroom00000001";
constexpr const char* kHostId = "host-1";

/// A temp database file, removed (with its WAL and SHM) afterwards.
class TempDb {
public:
    TempDb()
        : path_(std::filesystem::temp_directory_path() /
                ("cohost_bench_" + std::to_string(getpid()) + ".sqlite")) {
        remove_files();
    }
    ~TempDb() { remove_files(); }
    TempDb(const TempDb&) = delete;
    TempDb& operator=(const TempDb&) = delete;
    [[nodiscard]] std::string path() const { return path_.string(); }

private:
    void remove_files() {
        std::error_code ec;
        for (const char* suffix : {"", "-wal", "-shm"}) {
            std::filesystem::remove(path_.string() + suffix, ec);
        }
    }
    std::filesystem::path path_;
};

std::string invitation_json(const rooms::Invitation& inv) {
    return R"({"invitationId":")" + inv.invitation_id + R"(","roomId":")" + inv.room_id +
           R"(","inviterUserId":"host-1","inviteeUserId":")" + inv.invitee_user_id +
           R"(","status":"pending","createdAt":"2026-09-21T12:26:40.000Z","expiresAt":)"
           R"("2026-09-21T12:28:40.000Z","respondedAt":null,"reason":null,"roomTitle":"Bench )"
           R"(room","inviter":{"userId":"host-1","displayName":"Host","avatarUrl":""},)"
           R"("invitee":{"userId":")" +
           inv.invitee_user_id + R"(","displayName":"Guest","avatarUrl":""}})";
}

store::NewEvent event(std::string topic, std::string type, std::string data) {
    return store::NewEvent{std::move(topic), std::move(type), kRoomId, fixed_now(),
                           std::move(data)};
}

std::unique_ptr<store::Store> open_with_room(const TempDb& db, bool full) {
    auto s = store::open_sqlite({db.path(), full});
    store::Changeset cs;
    rooms::User host{kHostId, "Host", "", fixed_now(), fixed_now()};
    cs.users.push_back(host);
    rooms::Room room;
    room.room_id = kRoomId;
    room.title = "Bench room";
    room.host_user_id = kHostId;
    room.max_cohosts = 8;
    room.created_at = fixed_now();
    cs.room = room;
    rooms::StageMember m;
    m.room_id = kRoomId;
    m.user_id = kHostId;
    m.role = rooms::MemberRole::Host;
    m.state = rooms::MemberState::Offline;
    m.joined_at = m.state_since = fixed_now();
    cs.members.push_back(m);
    if (s->commit(cs).status != store::CommitStatus::Ok) {
        return nullptr;
    }
    return s;
}

rooms::Invitation new_invitation(std::uint64_t n) {
    rooms::Invitation inv;
    inv.invitation_id = "IN_bench" + std::to_string(n);
    inv.room_id = kRoomId;
    inv.inviter_user_id = kHostId;
    inv.invitee_user_id = "guest-" + std::to_string(n);
    inv.created_at = fixed_now();
    inv.expires_at = fixed_now() + std::chrono::seconds(120);
    return inv;
}

void BM_StoreCommitInvite(benchmark::State& state) {
    TempDb db;
    auto s = open_with_room(db, state.range(0) != 0);
    if (!s) {
        state.SkipWithError("set-up commit failed");
        return;
    }
    std::uint64_t n = 0;
    for (auto _ : state) {
        store::Changeset cs;
        const rooms::Invitation inv = new_invitation(++n);
        const std::string data = invitation_json(inv);
        cs.invitations.push_back(inv);
        cs.events.push_back(event("user:host-1", "invitation.created", data));
        cs.events.push_back(event("user:" + inv.invitee_user_id, "invitation.created", data));
        if (s->commit(cs).status != store::CommitStatus::Ok) {
            state.SkipWithError("commit conflict");
            break;
        }
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreCommitInvite)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();

/// The three commits of an accepted lifecycle (invite, accept, leave) per iteration.
void BM_StoreCommitAcceptLifecycle(benchmark::State& state) {
    TempDb db;
    auto s = open_with_room(db, state.range(0) != 0);
    if (!s) {
        state.SkipWithError("set-up commit failed");
        return;
    }
    std::uint64_t n = 0;
    for (auto _ : state) {
        rooms::Invitation inv = new_invitation(++n);
        const std::string data = invitation_json(inv);
        store::Changeset invite;
        invite.invitations.push_back(inv);
        invite.events.push_back(event("user:host-1", "invitation.created", data));
        invite.events.push_back(event("user:" + inv.invitee_user_id, "invitation.created", data));

        inv.version = 1;
        inv.status = rooms::InvitationStatus::Approved;
        inv.responded_at = fixed_now();
        rooms::StageMember m;
        m.room_id = kRoomId;
        m.user_id = inv.invitee_user_id;
        m.joined_at = m.state_since = fixed_now();
        m.invitation_id = inv.invitation_id;
        store::Changeset accept;
        accept.invitations.push_back(inv);
        accept.members.push_back(m);
        accept.events.push_back(event("user:host-1", "invitation.accepted", data));
        accept.events.push_back(event("user:" + inv.invitee_user_id, "invitation.accepted", data));
        accept.events.push_back(event(std::string("room:") + kRoomId, "stage.joined", data));

        m.version = 1;
        store::Changeset leave;
        leave.removed_members.push_back(m);
        leave.events.push_back(event(std::string("room:") + kRoomId, "stage.left", data));
        const bool ok = s->commit(invite).status == store::CommitStatus::Ok &&
                        s->commit(accept).status == store::CommitStatus::Ok &&
                        s->commit(leave).status == store::CommitStatus::Ok;
        if (!ok) {
            state.SkipWithError("commit conflict");
            break;
        }
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreCommitAcceptLifecycle)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

/// The read every command starts with (room + stage + pending invitations).
void BM_StoreLoadRoomState(benchmark::State& state) {
    TempDb db;
    auto s = open_with_room(db, false);
    if (!s) {
        state.SkipWithError("set-up commit failed");
        return;
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(s->load_room_state(kRoomId));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreLoadRoomState)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
