// Wire names, RoomState helpers and the error mapping.
#include "cohost/server/rooms/model.hpp"

#include <gtest/gtest.h>

#include "cohost/server/rooms/errors.hpp"
#include "fixtures.hpp"

namespace cohost::server::rooms {
namespace {

using namespace test_support;

template <class E, class From>
void expect_round_trip(std::initializer_list<std::pair<E, std::string_view>> table, From from) {
    for (const auto& [value, name] : table) {
        EXPECT_EQ(to_string(value), name);
        auto back = from(name);
        ASSERT_TRUE(back.has_value()) << name;
        EXPECT_EQ(*back, value) << name;
    }
}

TEST(ModelNames, RoomStatusUsesProductWireNames) {
    expect_round_trip<RoomStatus>({{RoomStatus::Idle, "idle"},
                                   {RoomStatus::Live, "live"},
                                   {RoomStatus::Reconnecting, "reconnecting"},
                                   {RoomStatus::Ended, "ended"}},
                                  room_status_from);
}

TEST(ModelNames, EndReasonUsesProductWireNamesAndEmptyForNone) {
    expect_round_trip<EndReason>({{EndReason::None, ""},
                                  {EndReason::Stopped, "stopped"},
                                  {EndReason::HostLost, "host_lost"},
                                  {EndReason::MaxDuration, "max_duration"},
                                  {EndReason::Expired, "expired"}},
                                 end_reason_from);
}

TEST(ModelNames, InvitationStatusUsesProductWireNames) {
    expect_round_trip<InvitationStatus>({{InvitationStatus::Pending, "pending"},
                                         {InvitationStatus::Approved, "approved"},
                                         {InvitationStatus::Rejected, "rejected"},
                                         {InvitationStatus::Cancelled, "cancelled"},
                                         {InvitationStatus::Expired, "expired"}},
                                        invitation_status_from);
}

TEST(ModelNames, MemberRoleAndStateUseProductWireNames) {
    expect_round_trip<MemberRole>({{MemberRole::Host, "host"}, {MemberRole::Cohost, "cohost"}},
                                  member_role_from);
    expect_round_trip<MemberState>({{MemberState::Offline, "offline"},
                                    {MemberState::Backstage, "backstage"},
                                    {MemberState::Live, "live"},
                                    {MemberState::Reconnecting, "reconnecting"}},
                                   member_state_from);
}

TEST(ModelNames, RejectsUnknownOrDifferentlyCasedNames) {
    EXPECT_FALSE(room_status_from("IDLE"));
    EXPECT_FALSE(room_status_from(""));
    EXPECT_FALSE(invitation_status_from("accepted"));
    EXPECT_FALSE(member_role_from("co-host"));
    EXPECT_FALSE(member_state_from("Live"));
    EXPECT_FALSE(end_reason_from("none"));
}

TEST(RoomStateHelpers, MemberFindsByUserIdAndIgnoresEmptyId) {
    RoomState s = make_state();
    add_cohost(s, "alice");
    ASSERT_NE(s.member("alice"), nullptr);
    EXPECT_EQ(s.member("alice")->role, MemberRole::Cohost);
    EXPECT_EQ(s.member(kHost)->role, MemberRole::Host);
    EXPECT_EQ(s.member("bob"), nullptr);
    EXPECT_EQ(s.member(""), nullptr);
}

TEST(RoomStateHelpers, MutableMemberEditsTheStage) {
    RoomState s = make_state();
    add_cohost(s, "alice");
    s.member("alice")->can_manage_products = true;
    EXPECT_TRUE(s.stage.back().can_manage_products);
}

TEST(RoomStateHelpers, CohostsOnStageDoesNotCountTheHost) {
    RoomState s = make_state();
    EXPECT_EQ(s.cohosts_on_stage(), 0);
    add_cohost(s, "alice");
    add_cohost(s, "bob", MemberState::Live);
    EXPECT_EQ(s.cohosts_on_stage(), 2);
}

TEST(RoomStateHelpers, PendingForIgnoresOtherInviteesAndNonPending) {
    RoomState s = make_state();
    add_pending(s, "IN_a", "alice");
    add_pending(s, "IN_b", "bob").status = InvitationStatus::Rejected;
    ASSERT_NE(s.pending_for("alice"), nullptr);
    EXPECT_EQ(s.pending_for("alice")->invitation_id, "IN_a");
    EXPECT_EQ(s.pending_for("bob"), nullptr);
    EXPECT_EQ(s.pending_for("carol"), nullptr);
}

struct ErrcCase {
    Errc code;
    int status;
    std::string_view wire;
};

class ErrcMapping : public ::testing::TestWithParam<ErrcCase> {};

TEST_P(ErrcMapping, MapsToStatusAndWireCode) {
    EXPECT_EQ(http_status(GetParam().code), GetParam().status);
    EXPECT_EQ(code_string(GetParam().code), GetParam().wire);
}

INSTANTIATE_TEST_SUITE_P(
    AllCodes, ErrcMapping,
    ::testing::Values(
        ErrcCase{Errc::InvalidArgument, 400, "invalid_argument"},
        ErrcCase{Errc::InvalidJson, 400, "invalid_json"},
        ErrcCase{Errc::CannotInviteSelf, 400, "cannot_invite_self"},
        ErrcCase{Errc::Unauthenticated, 401, "unauthenticated"},
        ErrcCase{Errc::Forbidden, 403, "forbidden"}, ErrcCase{Errc::NotHost, 403, "not_host"},
        ErrcCase{Errc::NotOnStage, 403, "not_on_stage"},
        ErrcCase{Errc::NotInvitee, 403, "not_invitee"}, ErrcCase{Errc::NotFound, 404, "not_found"},
        ErrcCase{Errc::UserNotFound, 404, "user_not_found"},
        ErrcCase{Errc::InvitationNotPending, 409, "invitation_not_pending"},
        ErrcCase{Errc::AlreadyInvited, 409, "already_invited"},
        ErrcCase{Errc::AlreadyOnStage, 409, "already_on_stage"},
        ErrcCase{Errc::StageFull, 409, "stage_full"}, ErrcCase{Errc::RoomEnded, 409, "room_ended"},
        ErrcCase{Errc::Conflict, 409, "conflict"},
        ErrcCase{Errc::PayloadTooLarge, 413, "payload_too_large"},
        ErrcCase{Errc::RateLimited, 429, "rate_limited"},
        ErrcCase{Errc::Internal, 500, "internal"}),
    [](const auto& param_info) { return std::string(param_info.param.wire); });

TEST(Errors, InvalidCarriesTheFieldName) {
    Error e = invalid("maxCoHosts", "must be 1-8");
    EXPECT_EQ(e.code, Errc::InvalidArgument);
    EXPECT_EQ(e.message, "must be 1-8");
    EXPECT_EQ(e.details.at("field").as_string(), "maxCoHosts");
}

TEST(Errors, MakeErrorKeepsDetails) {
    boost::json::object details;
    details["status"] = "expired";
    Error e = make_error(Errc::InvitationNotPending, "no", details);
    EXPECT_EQ(e.code, Errc::InvitationNotPending);
    EXPECT_EQ(e.details, details);
}

TEST(Errors, OutcomeValueThrowsErrorExceptionWithTheError) {
    Outcome<int> r = make_error(Errc::StageFull, "the stage is full");
    try {
        (void)r.value();
        FAIL() << "value() must throw";
    } catch (const ErrorException& ex) {
        EXPECT_EQ(ex.error.code, Errc::StageFull);
        EXPECT_STREQ(ex.what(), "the stage is full");
    }
}

}  // namespace
}  // namespace cohost::server::rooms
