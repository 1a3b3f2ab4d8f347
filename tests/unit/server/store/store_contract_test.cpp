// The Store contract: entities, compare-and-set commits, idempotency, settings, durability.
// Events and lists are in store_contract_events_test.cpp and store_contract_lists_test.cpp.
#include "unit/server/store/store_contract.hpp"

#include <algorithm>

namespace cohost::server::store::testing {
namespace {

template <class F>
class StoreContract : public StoreContractBase<F> {};
TYPED_TEST_SUITE(StoreContract, StoreFactories, FactoryName);

/// A room with every optional set and every field away from its default.
Room full_room() {
    Room r = make_room("RM_full", 5);
    r.title = "Ünïcode title ✓";
    r.description = "it's a \"quoted\" description; DROP TABLE rooms; --";
    r.thumbnail_url = "https://cdn.example/t.png";
    r.metadata_json = R"({"k":[1,2,{"x":null}]})";
    r.status = RoomStatus::Ended;
    r.max_cohosts = 8;
    r.slow_mode_seconds = 300;
    r.live_at = at_ms(10);
    r.ended_at = at_ms(20);
    r.end_reason = EndReason::MaxDuration;
    r.reconnecting_since = at_ms(15);
    return r;
}

// ---- entities ---------------------------------------------------------------------------------

TYPED_TEST(StoreContract, UserRoundTripsAllFields) {
    User plain = make_user("alice", "Alice", 1);
    User with_avatar = make_user("bob@x.io", "Bob B.", 2);
    with_avatar.avatar_url = "https://a.example/b.png";
    with_avatar.updated_at = at_ms(3);
    Changeset c;
    c.users = {plain, with_avatar};
    this->commit_ok(c);

    expect_same(plain, this->store().get_user("alice").value());
    expect_same(with_avatar, this->store().get_user("bob@x.io").value());
    EXPECT_FALSE(this->store().get_user("carol").has_value());
    EXPECT_FALSE(this->store().get_user("ALICE").has_value());  // ids are case-sensitive
}

TYPED_TEST(StoreContract, UserUpsertLastWriterWinsAndKeepsCreatedAt) {
    Changeset first;
    first.users = {make_user("alice", "Alice", 1)};
    this->commit_ok(first);
    User changed = make_user("alice", "Alice Cooper", 50);
    changed.avatar_url = "https://a.example/a.png";
    Changeset second;
    second.users = {changed};
    this->commit_ok(second);

    User got = this->store().get_user("alice").value();
    EXPECT_EQ(got.display_name, "Alice Cooper");
    EXPECT_EQ(got.avatar_url, "https://a.example/a.png");
    EXPECT_EQ(got.updated_at, at_ms(50));
    EXPECT_EQ(got.created_at, at_ms(1));
}

TYPED_TEST(StoreContract, RoomInsertRoundTripsWithOptionalsUnset) {
    Room r = make_room("RM_1", 7);
    this->commit_ok(room_changeset(r));
    Room got = this->store().get_room("RM_1").value();
    expect_same(r, got);
    EXPECT_EQ(got.version, 1);
    EXPECT_FALSE(got.live_at.has_value());
    EXPECT_FALSE(got.ended_at.has_value());
    EXPECT_FALSE(got.reconnecting_since.has_value());
    EXPECT_EQ(got.end_reason, EndReason::None);
    EXPECT_EQ(got.metadata_json, "{}");
    EXPECT_FALSE(this->store().get_room("RM_2").has_value());
}

TYPED_TEST(StoreContract, RoomUpdateRoundTripsWithOptionalsSetAndBumpsVersion) {
    this->commit_ok(room_changeset(make_room("RM_full", 5)));
    Room r = full_room();
    r.version = 1;
    this->commit_ok(room_changeset(r));
    Room got = this->store().get_room("RM_full").value();
    expect_same(r, got);
    EXPECT_EQ(got.version, 2);

    // And back to unset: optionals are cleared, not kept.
    Room cleared = make_room("RM_full", 5);
    cleared.version = 2;
    this->commit_ok(room_changeset(cleared));
    got = this->store().get_room("RM_full").value();
    expect_same(cleared, got);
    EXPECT_EQ(got.version, 3);
}

TYPED_TEST(StoreContract, InvitationRoundTripsAllFields) {
    Changeset c = room_changeset(make_room("RM_1"));
    Invitation pending = make_invitation("IN_1", "RM_1", "bob", 1);
    Invitation by_backend = make_invitation("IN_2", "RM_1", "carol", 2);
    by_backend.inviter_user_id = "";  // the app backend invited
    by_backend.status = InvitationStatus::Cancelled;
    by_backend.responded_at = at_ms(9);
    by_backend.reason = "room_ended";
    c.invitations = {pending, by_backend};
    this->commit_ok(c);

    Invitation got = this->store().get_invitation("IN_1").value();
    expect_same(pending, got);
    EXPECT_EQ(got.version, 1);
    EXPECT_FALSE(got.responded_at.has_value());
    expect_same(by_backend, this->store().get_invitation("IN_2").value());
    EXPECT_FALSE(this->store().get_invitation("IN_3").has_value());

    // CAS update: pending -> approved.
    got.status = InvitationStatus::Approved;
    got.responded_at = at_ms(30);
    Changeset accept;
    accept.invitations = {got};
    this->commit_ok(accept);
    Invitation after = this->store().get_invitation("IN_1").value();
    expect_same(got, after);
    EXPECT_EQ(after.version, 2);
}

TYPED_TEST(StoreContract, StageMemberRoundTripsAllFields) {
    Changeset c = room_changeset(make_room("RM_1"));
    StageMember host = make_member("RM_1", "host", MemberRole::Host, 0);
    StageMember cohost = make_member("RM_1", "bob", MemberRole::Cohost, 5);
    cohost.state = MemberState::Reconnecting;
    cohost.can_manage_products = true;
    cohost.camera_on = true;
    cohost.microphone_on = false;
    cohost.state_since = at_ms(8);
    cohost.invitation_id = "IN_1";
    c.members = {host, cohost};
    this->commit_ok(c);

    RoomState state = this->store().load_room_state("RM_1").value();
    ASSERT_EQ(state.stage.size(), 2u);
    expect_same(host, state.stage[0]);
    expect_same(cohost, state.stage[1]);
    EXPECT_EQ(state.stage[1].version, 1);

    StageMember live = state.stage[1];
    live.state = MemberState::Live;
    live.camera_on = false;
    live.microphone_on = true;
    live.can_manage_products = false;
    Changeset update;
    update.members = {live};
    this->commit_ok(update);
    state = this->store().load_room_state("RM_1").value();
    expect_same(live, state.stage[1]);
    EXPECT_EQ(state.stage[1].version, 2);
}

// ---- compare-and-set ----------------------------------------------------------------------------

TYPED_TEST(StoreContract, StaleRoomUpdateConflictsAndWritesNothing) {
    this->commit_ok(room_changeset(make_room("RM_1")));
    Room winner = make_room("RM_1");
    winner.version = 1;
    winner.title = "winner";
    this->commit_ok(room_changeset(winner));

    Room stale = make_room("RM_1");
    stale.version = 1;  // read before the winner's write
    stale.title = "loser";
    Changeset c = room_changeset(stale);
    c.users = {make_user("zed", "Zed")};
    c.events = {make_event("room:RM_1"), make_event("user:zed")};
    c.idempotency = IdempotencyRecord{"zed", "POST /v1/rooms", "k1", 201, "{}", at_ms(0)};
    EXPECT_TRUE(this->conflicts(c));

    Room got = this->store().get_room("RM_1").value();
    EXPECT_EQ(got.title, "winner");
    EXPECT_EQ(got.version, 2);
    EXPECT_FALSE(this->store().get_user("zed").has_value());
    EXPECT_EQ(this->store().topic_seq("room:RM_1"), 0);
    EXPECT_EQ(this->store().topic_seq("user:zed"), 0);
    EXPECT_TRUE(this->store().events_after("room:RM_1", 0, 10).empty());
    EXPECT_FALSE(this->store().get_idempotency("zed", "POST /v1/rooms", "k1").has_value());
}

TYPED_TEST(StoreContract, ConflictLateInChangesetRollsBackEarlierWrites) {
    Changeset setup = room_changeset(make_room("RM_1"));
    setup.invitations = {make_invitation("IN_1", "RM_1", "bob")};
    this->commit_ok(setup);

    Room room = this->store().get_room("RM_1").value();
    room.title = "changed";
    Invitation stale = make_invitation("IN_1", "RM_1", "bob");
    stale.version = 7;
    Changeset c = room_changeset(room);
    c.invitations = {make_invitation("IN_2", "RM_1", "carol"), stale};
    c.events = {make_event("room:RM_1")};
    EXPECT_TRUE(this->conflicts(c));

    EXPECT_EQ(this->store().get_room("RM_1")->title, "Room RM_1");
    EXPECT_EQ(this->store().get_room("RM_1")->version, 1);
    EXPECT_FALSE(this->store().get_invitation("IN_2").has_value());
    EXPECT_EQ(this->store().topic_seq("room:RM_1"), 0);
}

TYPED_TEST(StoreContract, UpdateOfMissingEntityConflicts) {
    Room ghost = make_room("RM_ghost");
    ghost.version = 3;
    EXPECT_TRUE(this->conflicts(room_changeset(ghost)));
    EXPECT_FALSE(this->store().get_room("RM_ghost").has_value());
}

TYPED_TEST(StoreContract, DuplicateInsertsConflict) {
    Changeset setup = room_changeset(make_room("RM_1"));
    setup.invitations = {make_invitation("IN_1", "RM_1", "bob")};
    setup.members = {make_member("RM_1", "host", MemberRole::Host)};
    this->commit_ok(setup);

    EXPECT_TRUE(this->conflicts(room_changeset(make_room("RM_1"))));
    Changeset dup_invitation;
    dup_invitation.invitations = {make_invitation("IN_1", "RM_1", "carol")};
    dup_invitation.events = {make_event("user:carol")};
    EXPECT_TRUE(this->conflicts(dup_invitation));
    Changeset dup_member;
    dup_member.members = {make_member("RM_1", "host", MemberRole::Cohost)};
    EXPECT_TRUE(this->conflicts(dup_member));

    EXPECT_EQ(this->store().get_invitation("IN_1")->invitee_user_id, "bob");
    EXPECT_EQ(this->store().load_room_state("RM_1")->stage.at(0).role, MemberRole::Host);
    EXPECT_EQ(this->store().topic_seq("user:carol"), 0);
}

TYPED_TEST(StoreContract, StaleMemberUpdateConflicts) {
    Changeset setup = room_changeset(make_room("RM_1"));
    setup.members = {make_member("RM_1", "bob", MemberRole::Cohost)};
    this->commit_ok(setup);

    StageMember stale = make_member("RM_1", "bob", MemberRole::Cohost);
    stale.version = 2;
    stale.camera_on = true;
    Changeset c;
    c.members = {stale};
    EXPECT_TRUE(this->conflicts(c));
    EXPECT_FALSE(this->store().load_room_state("RM_1")->stage.at(0).camera_on);
}

TYPED_TEST(StoreContract, RemovedMemberIsDeletedOnlyAtItsVersion) {
    Changeset setup = room_changeset(make_room("RM_1"));
    setup.members = {make_member("RM_1", "host", MemberRole::Host),
                     make_member("RM_1", "bob", MemberRole::Cohost, 1)};
    this->commit_ok(setup);

    StageMember bob = this->store().load_room_state("RM_1")->stage.at(1);
    StageMember stale = bob;
    stale.version = bob.version + 1;
    Changeset wrong;
    wrong.removed_members = {stale};
    wrong.events = {make_event("room:RM_1", "stage.left")};
    EXPECT_TRUE(this->conflicts(wrong));
    EXPECT_EQ(this->store().load_room_state("RM_1")->stage.size(), 2u);

    Changeset unknown;
    unknown.removed_members = {make_member("RM_1", "nobody", MemberRole::Cohost)};
    unknown.removed_members[0].version = 1;
    EXPECT_TRUE(this->conflicts(unknown));

    Changeset right;
    right.removed_members = {bob};
    right.events = {make_event("room:RM_1", "stage.left")};
    EXPECT_EQ(this->commit_ok(right).size(), 1u);
    RoomState state = this->store().load_room_state("RM_1").value();
    ASSERT_EQ(state.stage.size(), 1u);
    EXPECT_EQ(state.stage[0].user_id, "host");
}

TYPED_TEST(StoreContract, CommitReturnsEventsInOrderWithIdsAndSeqs) {
    Changeset c = room_changeset(make_room("RM_1"));
    c.events = {make_event("room:RM_1", "room.updated", 1), make_event("user:bob", "x", 2),
                make_event("room:RM_1", "room.live", 3)};
    std::vector<StoredEvent> events = this->commit_ok(c);
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0].seq, 1);
    EXPECT_EQ(events[1].seq, 1);
    EXPECT_EQ(events[2].seq, 2);
    EXPECT_LT(events[0].id, events[1].id);
    EXPECT_LT(events[1].id, events[2].id);
    EXPECT_EQ(events[2].type, "room.live");
    EXPECT_EQ(events[2].topic, "room:RM_1");
    EXPECT_EQ(events[2].room_id, "RM_1");
    EXPECT_EQ(events[2].at, at_ms(3));
    EXPECT_EQ(events[2].data_json, R"({"n":1})");
}

// ---- room state ---------------------------------------------------------------------------------

TYPED_TEST(StoreContract, LoadRoomStateOrdersStageAndKeepsOnlyPending) {
    Changeset c = room_changeset(make_room("RM_1"));
    c.members = {make_member("RM_1", "zoe", MemberRole::Cohost, 5),
                 make_member("RM_1", "amy", MemberRole::Cohost, 5),
                 make_member("RM_1", "host", MemberRole::Host, 9),  // joined last, listed first
                 make_member("RM_1", "bob", MemberRole::Cohost, 2)};
    Invitation answered = make_invitation("IN_a", "RM_1", "dan", 1);
    answered.status = InvitationStatus::Rejected;
    c.invitations = {make_invitation("IN_late", "RM_1", "eve", 30), answered,
                     make_invitation("IN_early", "RM_1", "fay", 10)};
    this->commit_ok(c);
    Changeset other = room_changeset(make_room("RM_2"));
    other.members = {make_member("RM_2", "host", MemberRole::Host)};
    other.invitations = {make_invitation("IN_other", "RM_2", "gus", 0)};
    this->commit_ok(other);

    RoomState state = this->store().load_room_state("RM_1").value();
    EXPECT_EQ(state.room.room_id, "RM_1");
    std::vector<std::string> stage;
    for (const auto& m : state.stage) {
        stage.push_back(m.user_id);
    }
    EXPECT_EQ(stage, (std::vector<std::string>{"host", "bob", "amy", "zoe"}));
    std::vector<std::string> pending;
    for (const auto& i : state.pending) {
        pending.push_back(i.invitation_id);
    }
    EXPECT_EQ(pending, (std::vector<std::string>{"IN_early", "IN_late"}));
    EXPECT_FALSE(this->store().load_room_state("RM_none").has_value());
}

TYPED_TEST(StoreContract, ActiveRoomIdsExcludeEndedRooms) {
    const RoomStatus statuses[] = {RoomStatus::Idle, RoomStatus::Live, RoomStatus::Reconnecting,
                                   RoomStatus::Ended};
    int n = 0;
    for (RoomStatus s : statuses) {
        Room r = make_room("RM_" + std::to_string(n), n);
        r.status = s;
        this->commit_ok(room_changeset(r));
        ++n;
    }
    std::vector<std::string> ids = this->store().active_room_ids();
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, (std::vector<std::string>{"RM_0", "RM_1", "RM_2"}));
}

// ---- idempotency, settings ------------------------------------------------------------------

TYPED_TEST(StoreContract, IdempotencyRecordRoundTripsAndDuplicateKeyConflicts) {
    const std::string route = "POST /v1/rooms/RM_1/invitations";
    IdempotencyRecord rec{"host",  route, "key-1", 201, std::string("{\"a\":1}\0tail", 12),
                          at_ms(4)};
    Changeset c;
    c.idempotency = rec;
    this->commit_ok(c);
    IdempotencyRecord got = this->store().get_idempotency("host", route, "key-1").value();
    EXPECT_EQ(got.user_id, "host");
    EXPECT_EQ(got.route, route);
    EXPECT_EQ(got.key, "key-1");
    EXPECT_EQ(got.status, 201);
    EXPECT_EQ(got.body, rec.body);  // embedded NUL kept
    EXPECT_EQ(got.created_at, at_ms(4));

    Changeset dup;
    dup.idempotency = rec;
    dup.idempotency->body = "second";
    dup.events = {make_event("user:host")};
    EXPECT_TRUE(this->conflicts(dup));
    EXPECT_EQ(this->store().get_idempotency("host", route, "key-1")->body, rec.body);
    EXPECT_EQ(this->store().topic_seq("user:host"), 0);

    // The key is (user, route, key): each part distinguishes.
    Changeset backend;
    backend.idempotency = rec;
    backend.idempotency->user_id = "";  // the app backend
    this->commit_ok(backend);
    Changeset other_route;
    other_route.idempotency = rec;
    other_route.idempotency->route = "POST /v1/rooms";
    this->commit_ok(other_route);
    EXPECT_TRUE(this->store().get_idempotency("", route, "key-1").has_value());
    EXPECT_FALSE(this->store().get_idempotency("host", route, "key-2").has_value());
}

TYPED_TEST(StoreContract, PruneIdempotencyDeletesOnlyOlderRecords) {
    for (int i = 0; i < 3; ++i) {
        Changeset c;
        c.idempotency = IdempotencyRecord{"u", "r", "k" + std::to_string(i), 200, "{}", at_ms(i)};
        this->commit_ok(c);
    }
    this->store().prune_idempotency(at_ms(1));
    EXPECT_FALSE(this->store().get_idempotency("u", "r", "k0").has_value());
    EXPECT_TRUE(this->store().get_idempotency("u", "r", "k1").has_value());
    EXPECT_TRUE(this->store().get_idempotency("u", "r", "k2").has_value());
}

TYPED_TEST(StoreContract, SettingsPutGetOverwrite) {
    EXPECT_FALSE(this->store().get_setting("api_secret").has_value());
    this->store().put_setting("api_secret", "s1");
    this->store().put_setting("empty", "");
    EXPECT_EQ(this->store().get_setting("api_secret"), "s1");
    EXPECT_EQ(this->store().get_setting("empty"), "");
    this->store().put_setting("api_secret", "s2");
    EXPECT_EQ(this->store().get_setting("api_secret"), "s2");
}

// ---- durability ---------------------------------------------------------------------------------

TYPED_TEST(StoreContract, ReopenKeepsEverythingAndSeqsContinue) {
    Changeset c = room_changeset(full_room());
    c.users = {make_user("alice", "Alice")};
    c.invitations = {make_invitation("IN_1", "RM_full", "alice")};
    c.members = {make_member("RM_full", "host", MemberRole::Host)};
    c.events = {make_event("room:RM_full"), make_event("room:RM_full")};
    c.idempotency = IdempotencyRecord{"host", "POST /v1/rooms", "k", 201, "{}", at_ms(0)};
    const std::int64_t last_id = this->commit_ok(c).back().id;
    this->store().put_setting("api_secret", "s");
    if (!this->reopen()) {
        // Only a non-durable factory (`:memory:`) may refuse to reopen; its contract ends here.
        ASSERT_FALSE(TypeParam::kDurable) << "a durable store failed to reopen";
        return;
    }

    expect_same(full_room(), this->store().get_room("RM_full").value());
    EXPECT_EQ(this->store().get_user("alice")->display_name, "Alice");
    EXPECT_EQ(this->store().load_room_state("RM_full")->pending.size(), 1u);
    EXPECT_EQ(this->store().load_room_state("RM_full")->stage.size(), 1u);
    EXPECT_TRUE(this->store().get_idempotency("host", "POST /v1/rooms", "k").has_value());
    EXPECT_EQ(this->store().get_setting("api_secret"), "s");
    EXPECT_EQ(this->store().topic_seq("room:RM_full"), 2);
    EXPECT_EQ(this->store().events_after("room:RM_full", 0, 10).size(), 2u);

    Changeset next;
    next.events = {make_event("room:RM_full")};
    std::vector<StoredEvent> events = this->commit_ok(next);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].seq, 3);
    EXPECT_GT(events[0].id, last_id);
}

}  // namespace
}  // namespace cohost::server::store::testing
