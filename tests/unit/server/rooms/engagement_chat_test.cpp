// Chat, moderation and slow mode rules of the engagement domain (docs/engagement.md).
#include <gtest/gtest.h>

#include "cohost/server/rooms/engagement.hpp"
#include "fixtures.hpp"

namespace cohost::server::rooms {
namespace {

using namespace test_support;

const EngagementPolicy kPolicy{};

Moderation muted_until(const std::string& user, TimePoint until) {
    Moderation m;
    m.room_id = kRoomId;
    m.user_id = user;
    m.muted_until = until;
    m.version = 1;
    return m;
}

TEST(Chat, ViewerPostsAMessageWithRoleAndEvent) {
    auto s = make_state(RoomStatus::Live);
    auto r = post_message(s, Actor::user("ann"), nullptr, std::nullopt, "  hello  ", "MS_1",
                          kPolicy, kT0 + 5s);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->message.text, "hello");  // trimmed
    EXPECT_EQ(r->message.author_role, ChatRole::Viewer);
    EXPECT_EQ(r->message.created_at, kT0 + 5s);
    ASSERT_EQ(r->events.size(), 1U);
    EXPECT_EQ(r->events[0].type, "chat.message");
    EXPECT_EQ(r->events[0].message->message_id, "MS_1");
}

TEST(Chat, BadgesFollowTheStage) {
    auto s = make_state(RoomStatus::Live);
    add_cohost(s, "cara", MemberState::Live);
    EXPECT_EQ(role_in(s, kHost), ChatRole::Host);
    EXPECT_EQ(role_in(s, "cara"), ChatRole::Cohost);
    EXPECT_EQ(role_in(s, "ann"), ChatRole::Viewer);
    auto r =
        post_message(s, Actor::user("cara"), nullptr, std::nullopt, "hi", "MS_1", kPolicy, kT0);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->message.author_role, ChatRole::Cohost);
}

TEST(Chat, TextLengthIsCountedInCodePointsAfterTrimming) {
    auto s = make_state();
    EXPECT_EQ(errc(post_message(s, Actor::user("a"), nullptr, {}, "   ", "M", kPolicy, kT0)),
              Errc::InvalidArgument);
    std::string max;
    for (int i = 0; i < 2000; ++i) max += "\xC3\xA9";  // é: 2 bytes, 1 code point
    EXPECT_TRUE(post_message(s, Actor::user("a"), nullptr, {}, max, "M", kPolicy, kT0).has_value());
    auto r = post_message(s, Actor::user("a"), nullptr, {}, max + "x", "M", kPolicy, kT0);
    ASSERT_EQ(errc(r), Errc::InvalidArgument);
    EXPECT_EQ(r.error().details.at("field").as_string(), "text");
}

TEST(Chat, EndedRoomAndAppBackendAreRefused) {
    auto ended = make_state(RoomStatus::Ended);
    EXPECT_EQ(errc(post_message(ended, Actor::user("a"), nullptr, {}, "x", "M", kPolicy, kT0)),
              Errc::RoomEnded);
    auto s = make_state();
    EXPECT_EQ(errc(post_message(s, Actor::backend(), nullptr, {}, "x", "M", kPolicy, kT0)),
              Errc::Forbidden);
}

TEST(Chat, MuteExpiresWithTheClock) {
    auto s = make_state(RoomStatus::Live);
    core::ManualClock clock(kT0);
    // The host mutes ann for 60 s.
    auto mod = moderate(s, host_actor(), {ModerationAction::Mute, "ann", 60s}, nullptr, kPolicy,
                        clock.now());
    ASSERT_TRUE(mod.has_value());
    const Moderation m = mod->moderation;
    EXPECT_EQ(m.muted_until, kT0 + 60s);
    clock.advance(59s);
    auto refused = post_message(s, Actor::user("ann"), &m, {}, "hi", "M", kPolicy, clock.now());
    ASSERT_EQ(errc(refused), Errc::Muted);
    EXPECT_EQ(refused.error().details.at("until").as_string(), core::format_iso8601(kT0 + 60s));
    clock.advance(1s);  // exactly at muted_until: free again
    EXPECT_TRUE(
        post_message(s, Actor::user("ann"), &m, {}, "hi", "M", kPolicy, clock.now()).has_value());
}

TEST(Chat, UnmuteLiftsTheMuteAtOnce) {
    auto s = make_state(RoomStatus::Live);
    auto muted = muted_until("ann", kT0 + 1h);
    auto r = moderate(s, host_actor(), {ModerationAction::Unmute, "ann", {}}, &muted, kPolicy, kT0);
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->moderation.muted_at(kT0));
    EXPECT_EQ(r->moderation.version, 1);  // CAS on the version read
    EXPECT_TRUE(post_message(s, Actor::user("ann"), &r->moderation, {}, "ok", "M", kPolicy, kT0)
                    .has_value());
}

TEST(Chat, BanRefusesChatUntilUnbannedOrExpired) {
    auto s = make_state(RoomStatus::Live);
    auto ban = moderate(s, host_actor(), {ModerationAction::Ban, "ann", {}}, nullptr, kPolicy, kT0);
    ASSERT_TRUE(ban.has_value());
    const auto banned = ban->moderation;
    EXPECT_EQ(errc(post_message(s, Actor::user("ann"), &banned, {}, "x", "M", kPolicy, kT0 + 24h)),
              Errc::Banned);
    EXPECT_TRUE(check_engage(s, Actor::user("ann"), &banned, kT0 + 24h).has_value());
    // The app backend is never banned.
    EXPECT_FALSE(check_engage(s, Actor::backend(), &banned, kT0).has_value());
    auto unban =
        moderate(s, host_actor(), {ModerationAction::Unban, "ann", {}}, &banned, kPolicy, kT0);
    ASSERT_TRUE(unban.has_value());
    EXPECT_TRUE(post_message(s, Actor::user("ann"), &unban->moderation, {}, "x", "M", kPolicy, kT0)
                    .has_value());
    // A timed ban ends by itself.
    auto timed =
        moderate(s, host_actor(), {ModerationAction::Ban, "bob", 10s}, nullptr, kPolicy, kT0);
    ASSERT_TRUE(timed.has_value());
    EXPECT_TRUE(timed->moderation.banned_at(kT0 + 9s));
    EXPECT_FALSE(timed->moderation.banned_at(kT0 + 10s));
}

TEST(Chat, ModerationPermissions) {
    auto s = make_state(RoomStatus::Live);
    add_cohost(s, "cara", MemberState::Live);
    add_cohost(s, "carl", MemberState::Live);
    const auto cohost = Actor::user("cara");
    // Co-host: mute/unmute viewers only.
    EXPECT_TRUE(moderate(s, cohost, {ModerationAction::Mute, "ann", 60s}, nullptr, kPolicy, kT0)
                    .has_value());
    EXPECT_TRUE(moderate(s, cohost, {ModerationAction::Unmute, "ann", {}}, nullptr, kPolicy, kT0)
                    .has_value());
    EXPECT_EQ(errc(moderate(s, cohost, {ModerationAction::Ban, "ann", {}}, nullptr, kPolicy, kT0)),
              Errc::Forbidden);
    EXPECT_EQ(
        errc(moderate(s, cohost, {ModerationAction::Mute, "carl", 60s}, nullptr, kPolicy, kT0)),
        Errc::Forbidden);
    EXPECT_EQ(
        errc(moderate(s, cohost, {ModerationAction::Mute, kHost, 60s}, nullptr, kPolicy, kT0)),
        Errc::Forbidden);
    // Viewers cannot moderate.
    EXPECT_EQ(errc(moderate(s, Actor::user("ann"), {ModerationAction::Mute, "bob", 60s}, nullptr,
                            kPolicy, kT0)),
              Errc::Forbidden);
    // Host: anyone but itself; the app backend too, but never the host.
    EXPECT_TRUE(
        moderate(s, host_actor(), {ModerationAction::Ban, "carl", {}}, nullptr, kPolicy, kT0)
            .has_value());
    EXPECT_EQ(errc(moderate(s, host_actor(), {ModerationAction::Mute, kHost, 60s}, nullptr, kPolicy,
                            kT0)),
              Errc::InvalidArgument);
    EXPECT_TRUE(
        moderate(s, Actor::backend(), {ModerationAction::Ban, "ann", 60s}, nullptr, kPolicy, kT0)
            .has_value());
    EXPECT_EQ(errc(moderate(s, Actor::backend(), {ModerationAction::Mute, kHost, 60s}, nullptr,
                            kPolicy, kT0)),
              Errc::Forbidden);
}

TEST(Chat, ModerationDurationsAreChecked) {
    auto s = make_state(RoomStatus::Live);
    auto no_duration =
        moderate(s, host_actor(), {ModerationAction::Mute, "ann", {}}, nullptr, kPolicy, kT0);
    ASSERT_EQ(errc(no_duration), Errc::InvalidArgument);
    EXPECT_EQ(no_duration.error().details.at("field").as_string(), "durationSeconds");
    EXPECT_EQ(errc(moderate(s, host_actor(), {ModerationAction::Mute, "ann", kPolicy.max_mute + 1s},
                            nullptr, kPolicy, kT0)),
              Errc::InvalidArgument);
    EXPECT_EQ(
        errc(moderate(s, host_actor(), {ModerationAction::Mute, "ann", 0s}, nullptr, kPolicy, kT0)),
        Errc::InvalidArgument);
    auto ended = make_state(RoomStatus::Ended);
    EXPECT_EQ(errc(moderate(ended, host_actor(), {ModerationAction::Mute, "ann", 1s}, nullptr,
                            kPolicy, kT0)),
              Errc::RoomEnded);
}

TEST(Chat, ModerationEmitsOneEventWithTheAction) {
    auto s = make_state(RoomStatus::Live);
    auto r = moderate(s, host_actor(), {ModerationAction::Mute, "ann", 30s}, nullptr, kPolicy, kT0);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->events.size(), 1U);
    EXPECT_EQ(r->events[0].type, "chat.moderation");
    EXPECT_EQ(r->events[0].action, ModerationAction::Mute);
    EXPECT_EQ(r->events[0].moderation->user_id, "ann");
    EXPECT_EQ(r->moderation.version, 0);  // new row: insert
}

TEST(Chat, SlowModeAppliesToViewersOnly) {
    auto s = make_state(RoomStatus::Live);
    s.room.slow_mode_seconds = 10;
    add_cohost(s, "cara", MemberState::Live);
    const auto last = kT0;
    auto refused =
        post_message(s, Actor::user("ann"), nullptr, last, "x", "M", kPolicy, kT0 + 3500ms);
    ASSERT_EQ(errc(refused), Errc::SlowMode);
    EXPECT_EQ(refused.error().details.at("retryAfterSeconds").as_int64(), 7);  // 6.5 s rounded up
    EXPECT_TRUE(post_message(s, Actor::user("ann"), nullptr, last, "x", "M", kPolicy, kT0 + 10s)
                    .has_value());
    // Host and co-hosts are exempt.
    EXPECT_TRUE(
        post_message(s, host_actor(), nullptr, last, "x", "M", kPolicy, kT0 + 1s).has_value());
    EXPECT_TRUE(post_message(s, Actor::user("cara"), nullptr, last, "x", "M", kPolicy, kT0 + 1s)
                    .has_value());
    // First message, and slow mode off.
    EXPECT_TRUE(post_message(s, Actor::user("bob"), nullptr, std::nullopt, "x", "M", kPolicy, kT0)
                    .has_value());
    s.room.slow_mode_seconds = 0;
    EXPECT_TRUE(post_message(s, Actor::user("ann"), nullptr, last, "x", "M", kPolicy, kT0 + 1ms)
                    .has_value());
}

TEST(Chat, DeletePermissions) {
    auto s = make_state(RoomStatus::Live);
    add_cohost(s, "cara", MemberState::Live);
    ChatMessage viewer_msg{"MS_v", kRoomId, "ann", ChatRole::Viewer, "x", kT0, {}, {}, 1};
    ChatMessage host_msg{"MS_h", kRoomId, kHost, ChatRole::Host, "x", kT0, {}, {}, 2};
    ChatMessage cohost_msg{"MS_c", kRoomId, "cara", ChatRole::Cohost, "x", kT0, {}, {}, 3};
    // The author.
    auto own = delete_message(s, Actor::user("ann"), viewer_msg, kT0 + 1s);
    ASSERT_TRUE(own.has_value());
    EXPECT_EQ(own->message.deleted_at, kT0 + 1s);
    EXPECT_EQ(own->events.at(0).type, "chat.deleted");
    // Another viewer may not.
    EXPECT_EQ(errc(delete_message(s, Actor::user("bob"), viewer_msg, kT0)), Errc::Forbidden);
    // Co-host: viewers' messages, not the host's.
    EXPECT_TRUE(delete_message(s, Actor::user("cara"), viewer_msg, kT0).has_value());
    EXPECT_EQ(errc(delete_message(s, Actor::user("cara"), host_msg, kT0)), Errc::Forbidden);
    // Host and app backend: anything.
    EXPECT_TRUE(delete_message(s, host_actor(), cohost_msg, kT0).has_value());
    EXPECT_TRUE(delete_message(s, Actor::backend(), host_msg, kT0).has_value());
    // Already deleted: gone.
    EXPECT_EQ(errc(delete_message(s, host_actor(), own->message, kT0)), Errc::NotFound);
}

TEST(Chat, WireNamesRoundTrip) {
    for (auto a : {ModerationAction::Mute, ModerationAction::Unmute, ModerationAction::Ban,
                   ModerationAction::Unban}) {
        EXPECT_EQ(moderation_action_from(to_string(a)), a);
    }
    for (auto r : {ChatRole::Host, ChatRole::Cohost, ChatRole::Viewer}) {
        EXPECT_EQ(chat_role_from(to_string(r)), r);
    }
    EXPECT_FALSE(moderation_action_from("kick").has_value());
}

}  // namespace
}  // namespace cohost::server::rooms
