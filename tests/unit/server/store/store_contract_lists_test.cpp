// The Store contract, lists: newest-first cursor paging of rooms and invitations, user search.
#include <set>
#include <stdexcept>

#include "unit/server/store/store_contract.hpp"

namespace cohost::server::store::testing {
namespace {

template <class F>
class StoreListsContract : public StoreContractBase<F> {
protected:
    /// Follows cursors from the start, `limit` at a time, checking page sizes; returns the ids.
    template <class T, class Fetch, class IdOf>
    std::vector<std::string> walk(Fetch fetch, IdOf id_of, int limit, int expected_pages) {
        std::vector<std::string> ids;
        std::string cursor;
        int pages = 0;
        for (;;) {
            Page<T> page = fetch(limit, cursor);
            ++pages;
            EXPECT_LE(static_cast<int>(page.items.size()), limit);
            for (const T& item : page.items) {
                ids.push_back(id_of(item));
            }
            if (!page.next_cursor) {
                break;
            }
            EXPECT_EQ(static_cast<int>(page.items.size()), limit);
            cursor = *page.next_cursor;
            if (pages > 100) {
                ADD_FAILURE() << "cursor does not advance";
                break;
            }
        }
        EXPECT_EQ(pages, expected_pages);
        return ids;
    }

    std::vector<std::string> walk_rooms(std::optional<RoomStatus> status, int limit,
                                        int expected_pages) {
        return walk<Room>(
            [&](int n, const std::string& c) { return this->store().list_rooms(status, n, c); },
            [](const Room& r) { return r.room_id; }, limit, expected_pages);
    }

    void add_room(const std::string& id, std::int64_t created, RoomStatus status) {
        Room r = make_room(id, created);
        r.status = status;
        this->commit_ok(room_changeset(r));
    }
};
TYPED_TEST_SUITE(StoreListsContract, StoreFactories, FactoryName);

TYPED_TEST(StoreListsContract, ListRoomsPagesNewestFirstWithoutDuplicatesOrMisses) {
    // Ties on created_at are broken by id, descending.
    this->add_room("RM_a", 1, RoomStatus::Idle);
    this->add_room("RM_b", 2, RoomStatus::Live);
    this->add_room("RM_c", 2, RoomStatus::Ended);
    this->add_room("RM_d", 2, RoomStatus::Live);
    this->add_room("RM_e", 3, RoomStatus::Idle);
    this->add_room("RM_f", 4, RoomStatus::Reconnecting);
    this->add_room("RM_g", 0, RoomStatus::Live);
    const std::vector<std::string> all{"RM_f", "RM_e", "RM_d", "RM_c", "RM_b", "RM_a", "RM_g"};
    EXPECT_EQ(this->walk_rooms(std::nullopt, 3, 3), all);
    EXPECT_EQ(this->walk_rooms(std::nullopt, 200, 1), all);
    EXPECT_EQ(this->walk_rooms(std::nullopt, 1, 7), all);
}

TYPED_TEST(StoreListsContract, ListRoomsExactMultipleEndsWithoutCursor) {
    for (int i = 0; i < 6; ++i) {
        this->add_room("RM_" + std::to_string(i), i, RoomStatus::Idle);
    }
    auto ids = this->walk_rooms(std::nullopt, 3, 2);
    EXPECT_EQ(ids.size(), 6u);
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 6u);
}

TYPED_TEST(StoreListsContract, ListRoomsFiltersByStatusAcrossPages) {
    for (int i = 0; i < 9; ++i) {
        this->add_room("RM_" + std::to_string(i), i,
                       i % 3 == 0 ? RoomStatus::Live : RoomStatus::Idle);
    }
    EXPECT_EQ(this->walk_rooms(RoomStatus::Live, 1, 3),
              (std::vector<std::string>{"RM_6", "RM_3", "RM_0"}));
    EXPECT_EQ(this->walk_rooms(RoomStatus::Idle, 2, 3).size(), 6u);
    EXPECT_TRUE(this->walk_rooms(RoomStatus::Ended, 5, 1).empty());
}

TYPED_TEST(StoreListsContract, ListRoomsOnEmptyStore) {
    Page<Room> page = this->store().list_rooms(std::nullopt, 50, "");
    EXPECT_TRUE(page.items.empty());
    EXPECT_FALSE(page.next_cursor.has_value());
}

TYPED_TEST(StoreListsContract, ListRoomInvitationsNewestFirstWithStatusFilter) {
    Changeset c = room_changeset(make_room("RM_1"));
    for (int i = 0; i < 5; ++i) {
        Invitation inv =
            make_invitation("IN_" + std::to_string(i), "RM_1", "u" + std::to_string(i), i);
        inv.status = i % 2 == 0 ? InvitationStatus::Pending : InvitationStatus::Expired;
        c.invitations.push_back(inv);
    }
    this->commit_ok(c);
    Changeset other = room_changeset(make_room("RM_2"));
    other.invitations = {make_invitation("IN_x", "RM_2", "u0", 9)};
    this->commit_ok(other);

    auto fetch_all = [&](int n, const std::string& cur) {
        return this->store().list_room_invitations("RM_1", std::nullopt, n, cur);
    };
    auto id_of = [](const Invitation& i) { return i.invitation_id; };
    EXPECT_EQ(this->template walk<Invitation>(fetch_all, id_of, 2, 3),
              (std::vector<std::string>{"IN_4", "IN_3", "IN_2", "IN_1", "IN_0"}));
    auto fetch_pending = [&](int n, const std::string& cur) {
        return this->store().list_room_invitations("RM_1", InvitationStatus::Pending, n, cur);
    };
    EXPECT_EQ(this->template walk<Invitation>(fetch_pending, id_of, 2, 2),
              (std::vector<std::string>{"IN_4", "IN_2", "IN_0"}));
    EXPECT_TRUE(this->store().list_room_invitations("RM_none", std::nullopt, 10, "").items.empty());
}

TYPED_TEST(StoreListsContract, ListUserInvitationsAcrossRoomsWithStatusFilter) {
    for (int r = 0; r < 3; ++r) {
        const std::string room = "RM_" + std::to_string(r);
        Changeset c = room_changeset(make_room(room, r));
        Invitation mine = make_invitation("IN_b" + std::to_string(r), room, "bob", 10 * r);
        mine.status = r == 1 ? InvitationStatus::Rejected : InvitationStatus::Pending;
        c.invitations = {mine, make_invitation("IN_c" + std::to_string(r), room, "carol", 10 * r)};
        this->commit_ok(c);
    }
    auto id_of = [](const Invitation& i) { return i.invitation_id; };
    auto fetch_all = [&](int n, const std::string& cur) {
        return this->store().list_user_invitations("bob", std::nullopt, n, cur);
    };
    EXPECT_EQ(this->template walk<Invitation>(fetch_all, id_of, 1, 3),
              (std::vector<std::string>{"IN_b2", "IN_b1", "IN_b0"}));
    auto fetch_pending = [&](int n, const std::string& cur) {
        return this->store().list_user_invitations("bob", InvitationStatus::Pending, n, cur);
    };
    EXPECT_EQ(this->template walk<Invitation>(fetch_pending, id_of, 50, 1),
              (std::vector<std::string>{"IN_b2", "IN_b0"}));
}

TYPED_TEST(StoreListsContract, MalformedCursorIsInvalidArgument) {
    this->add_room("RM_1", 0, RoomStatus::Idle);
    for (const std::string bad : {"garbage", ":RM_1", "12:", "12x:RM_1", "-:RM_1",
                                  "99999999999999999999999:RM_1", " 12:RM_1"}) {
        SCOPED_TRACE(bad);
        EXPECT_THROW((void)this->store().list_rooms(std::nullopt, 10, bad), std::invalid_argument);
        EXPECT_THROW((void)this->store().list_room_invitations("RM_1", std::nullopt, 10, bad),
                     std::invalid_argument);
        EXPECT_THROW((void)this->store().list_user_invitations("bob", std::nullopt, 10, bad),
                     std::invalid_argument);
    }
    // A well-formed cursor past the end is simply an empty page.
    Page<Room> page = this->store().list_rooms(std::nullopt, 10, "0:RM_0");
    EXPECT_TRUE(page.items.empty());
    EXPECT_FALSE(page.next_cursor.has_value());
}

// ---- search_users -------------------------------------------------------------------------------

TYPED_TEST(StoreListsContract, SearchUsersMatchesIdOrNamePrefixCaseInsensitively) {
    Changeset c;
    c.users = {make_user("alice", "Zed Alpha"), make_user("bob", "Alice Smith"),
               make_user("carol", "Carol"), make_user("ALFRED", "Al"),
               make_user("dave", "dave alison")};
    this->commit_ok(c);
    auto ids = [&](const std::string& prefix) {
        std::vector<std::string> out;
        for (const auto& u : this->store().search_users(prefix, 50, "").items) {
            out.push_back(u.user_id);
        }
        return out;
    };
    // Ordered by user_id (binary: upper case first). "dave alison" does not start with "ali".
    EXPECT_EQ(ids("ali"), (std::vector<std::string>{"alice", "bob"}));
    EXPECT_EQ(ids("AL"), (std::vector<std::string>{"ALFRED", "alice", "bob"}));
    EXPECT_EQ(ids("carol"), (std::vector<std::string>{"carol"}));
    EXPECT_EQ(ids("zed a"), (std::vector<std::string>{"alice"}));
    EXPECT_TRUE(ids("x").empty());
    EXPECT_EQ(ids("").size(), 5u);
    // Non-ASCII text matches byte for byte (case folding is ASCII-only).
    Changeset more;
    more.users = {make_user("emi", "Émilie")};
    this->commit_ok(more);
    EXPECT_EQ(ids("Ém"), (std::vector<std::string>{"emi"}));
    EXPECT_EQ(ids("É"), (std::vector<std::string>{"emi"}));
    expect_same(make_user("carol", "Carol"), this->store().search_users("car", 5, "").items.at(0));
}

TYPED_TEST(StoreListsContract, SearchUsersTakesWildcardsLiterally) {
    Changeset c;
    c.users = {make_user("a%b", "x"),          make_user("axb", "x"),
               make_user("a_c", "x"),          make_user("abc", "x"),
               make_user("u1", "50% off"),     make_user("u2", "500 off"),
               make_user("u3", "back\\slash"), make_user("u4", "backslash")};
    this->commit_ok(c);
    auto ids = [&](const std::string& prefix) {
        std::vector<std::string> out;
        for (const auto& u : this->store().search_users(prefix, 50, "").items) {
            out.push_back(u.user_id);
        }
        return out;
    };
    EXPECT_EQ(ids("a%"), (std::vector<std::string>{"a%b"}));
    EXPECT_EQ(ids("a_"), (std::vector<std::string>{"a_c"}));
    EXPECT_EQ(ids("50%"), (std::vector<std::string>{"u1"}));
    EXPECT_EQ(ids("back\\"), (std::vector<std::string>{"u3"}));
}

TYPED_TEST(StoreListsContract, SearchUsersPagesByUserId) {
    Changeset c;
    for (int i = 0; i < 7; ++i) {
        c.users.push_back(make_user("user" + std::to_string(i), "Name"));
    }
    c.users.push_back(make_user("zzz", "Other"));
    this->commit_ok(c);
    const std::vector<std::string> want{"user0", "user1", "user2", "user3",
                                        "user4", "user5", "user6"};
    for (const std::string prefix : {"n", "NAME", "user"}) {  // short and long prefixes
        SCOPED_TRACE(prefix);
        auto fetch = [&](int n, const std::string& cur) {
            return this->store().search_users(prefix, n, cur);
        };
        EXPECT_EQ(this->template walk<User>(
                      fetch, [](const User& u) { return u.user_id; }, 3, 3),
                  want);
    }
}

}  // namespace
}  // namespace cohost::server::store::testing
