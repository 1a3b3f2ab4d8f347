// Authorization matrix (product.md §1, §8, §10): every route × {host, co-host, invitee, other
// user, no token, app backend} → the expected status and error code. Routes that change the
// scene get a fresh scene per caller so one row never influences another.
#include <array>
#include <functional>

#include "harness.hpp"

namespace cohost::it {
namespace {

enum Caller : std::size_t { kHost, kCohost, kInvitee, kOther, kNone, kAdmin, kCallerCount };
constexpr std::array<const char*, kCallerCount> kCallerNames{"host",  "co-host", "invitee",
                                                             "other", "no token", "admin"};

/// Expected answer. `status == 0` means "not asserted" (the contract is silent), `code` empty
/// means any code.
struct Expect {
    int status = 0;
    std::string code;
};

/// The state every row starts from: a room of `host` with `carol` on stage (approved invitation)
/// and a pending invitation for `ivan`. `olga` has nothing to do with it.
struct Scene {
    std::string room_id;
    std::string cohost_invitation;
    std::string pending_invitation;
};

struct Row {
    std::string name;
    std::string method;
    std::function<std::string(const Scene&)> path;
    std::optional<json::value> body;
    std::array<Expect, kCallerCount> expect;
    bool mutates = false;  ///< needs a fresh scene per caller
};

const Expect kOk{200, ""};
const Expect kCreated{201, ""};
const Expect kUnauth{401, "unauthenticated"};
const Expect kNotHost{403, "not_host"};
const Expect kNotInvitee{403, "not_invitee"};
const Expect kNotOnStage{403, "not_on_stage"};
const Expect kForbidden{403, "forbidden"};
const Expect kNotFound{404, "not_found"};

std::vector<Row> rows() {
    auto fixed = [](std::string p) { return [p](const Scene&) { return p; }; };
    auto room = [](std::string suffix) {
        return [suffix](const Scene& s) { return "/v1/rooms/" + s.room_id + suffix; };
    };
    auto pending = [](std::string suffix) {
        return [suffix](const Scene& s) { return "/v1/invitations/" + s.pending_invitation + suffix; };
    };
    const json::value perm = json::parse(R"({"permissions":{"canManageProducts":true}})");
    //                H            C            I            O            none     admin
    return {
        {"me", "GET", fixed("/v1/me"), {}, {kOk, kOk, kOk, kOk, kUnauth, kForbidden}},
        {"search users", "GET", fixed("/v1/users?query=o"), {}, {kOk, kOk, kOk, kOk, kUnauth, kOk}},
        {"put user", "PUT", fixed("/v1/users/zed"), json::parse(R"({"displayName":"Zed"})"),
         {kForbidden, kForbidden, kForbidden, kForbidden, kUnauth, kOk}},
        {"create room", "POST", fixed("/v1/rooms"), json::parse(R"({"title":"mine"})"),
         // The app backend must name a host (hostUserId): without it, invalid_argument.
         {kCreated, kCreated, kCreated, kCreated, kUnauth, Expect{400, "invalid_argument"}}},
        {"list rooms", "GET", fixed("/v1/rooms"), {}, {kOk, kOk, kOk, kOk, kUnauth, kOk}},
        {"get room", "GET", room(""), {}, {kOk, kOk, kOk, kOk, kUnauth, kOk}},
        {"patch room", "PATCH", room(""), json::parse(R"({"description":"changed"})"),
         {kOk, kNotHost, kNotHost, kNotHost, kUnauth, kOk}},
        {"stop room", "POST", room("/stop"), {}, {kOk, kNotHost, kNotHost, kNotHost, kUnauth, kOk}, true},
        {"broadcast token", "POST", room("/broadcast-token"), {},
         {kOk, kOk, kNotOnStage, kNotOnStage, kUnauth, kNotOnStage}},
        {"viewer token", "POST", room("/viewer-token"), {}, {kOk, kOk, kOk, kOk, kUnauth, kForbidden}},
        {"invite", "POST", room("/invitations"), json::parse(R"({"inviteeUserId":"xena"})"),
         {kCreated, kNotHost, kNotHost, kNotHost, kUnauth, kCreated}, true},
        {"list room invitations", "GET", room("/invitations"), {},
         {kOk, kNotHost, kNotHost, kNotHost, kUnauth, kOk}},
        {"my invitations", "GET", fixed("/v1/me/invitations"), {},
         {kOk, kOk, kOk, kOk, kUnauth, kForbidden}},
        {"get invitation", "GET", pending(""), {}, {kOk, kNotFound, kOk, kNotFound, kUnauth, kOk}},
        {"get approved invitation", "GET",
         [](const Scene& s) { return "/v1/invitations/" + s.cohost_invitation; }, {},
         {kOk, kOk, kNotFound, kNotFound, kUnauth, kOk}},
        {"accept", "POST", pending("/accept"), {},
         {kNotInvitee, kNotFound, kOk, kNotFound, kUnauth, kNotInvitee}, true},
        {"reject", "POST", pending("/reject"), {},
         {kNotInvitee, kNotFound, kOk, kNotFound, kUnauth, kNotInvitee}, true},
        {"cancel", "POST", pending("/cancel"), {},
         {kOk, kNotFound, kNotHost, kNotFound, kUnauth, kOk}, true},
        {"get stage", "GET", room("/stage"), {}, {kOk, kOk, kOk, kOk, kUnauth, kOk}},
        {"leave stage", "POST", room("/stage/leave"), {},
         {kForbidden, kOk, kNotOnStage, kNotOnStage, kUnauth, Expect{403, ""}}, true},
        {"remove co-host", "DELETE", room("/stage/carol"), {},
         {kOk, kNotHost, kNotHost, kNotHost, kUnauth, kOk}, true},
        {"remove host", "DELETE", room("/stage/host"), {},
         {kForbidden, kNotHost, kNotHost, kNotHost, kUnauth, kForbidden}},
        {"patch co-host", "PATCH", room("/stage/carol"), perm,
         {kOk, kNotHost, kNotHost, kNotHost, kUnauth, kOk}},
    };
}

class AuthorizationTest : public ServerTest {
protected:
    void SetUp() override {
        ServerTest::SetUp();
        clients_.emplace_back(login("host"));
        clients_.emplace_back(login("carol"));
        clients_.emplace_back(login("ivan"));
        clients_.emplace_back(login("olga"));
        clients_.emplace_back(anonymous());
        clients_.emplace_back(admin());
        (void)login("xena");
    }

    Scene make_scene() {
        auto& host = clients_[kHost];
        Scene s;
        s.room_id = str(host.create_room({.title = "matrix", .max_cohosts = 4}), "roomId");
        s.cohost_invitation = str(host.invite(s.room_id, "carol"), "invitationId");
        clients_[kCohost].accept(s.cohost_invitation);
        s.pending_invitation = str(host.invite(s.room_id, "ivan"), "invitationId");
        return s;
    }

    std::vector<sdk::ApiClient> clients_;
};

TEST_F(AuthorizationTest, EveryRouteForEveryCaller) {
    const Scene shared = make_scene();
    int checked = 0;
    for (const Row& row : rows()) {
        for (std::size_t c = 0; c < kCallerCount; ++c) {
            const Expect& want = row.expect[c];
            if (want.status == 0) {
                continue;
            }
            const Scene scene = row.mutates ? make_scene() : shared;
            const std::string path = row.path(scene);
            const auto res = clients_[c].request(row.method, path, row.body);
            ++checked;
            const std::string where = row.name + " (" + row.method + " " + path + ") as " +
                                      kCallerNames[c];
            EXPECT_EQ(res.status, want.status) << where << ": " << res.raw;
            if (!want.code.empty()) {
                EXPECT_EQ(res.error_code(), want.code) << where << ": " << res.raw;
            }
            if (res.status >= 400) {
                // Every refusal uses the error envelope.
                EXPECT_FALSE(res.error_code().empty()) << where << ": " << res.raw;
            }
        }
    }
    EXPECT_GT(checked, 120);
}

TEST_F(AuthorizationTest, RefusedCallsChangeNothing) {
    const Scene s = make_scene();
    auto snapshot = [&] {
        auto& host = clients_[kHost];
        return to_string(host.get_room(s.room_id)) + to_string(host.get_stage(s.room_id)) +
               to_string(host.list_room_invitations(s.room_id));
    };
    const std::string before = snapshot();
    for (std::size_t c : {kCohost, kInvitee, kOther, kNone}) {
        auto& api = clients_[c];
        (void)api.request("POST", "/v1/rooms/" + s.room_id + "/stop");
        (void)api.request("PATCH", "/v1/rooms/" + s.room_id, json::parse(R"({"title":"hijack"})"));
        (void)api.request("POST", "/v1/rooms/" + s.room_id + "/invitations",
                          json::parse(R"({"inviteeUserId":"xena"})"));
        (void)api.request("DELETE", "/v1/rooms/" + s.room_id + "/stage/carol");
        (void)api.request("POST", "/v1/invitations/" + s.pending_invitation + "/cancel");
        if (c != kInvitee) {
            (void)api.request("POST", "/v1/invitations/" + s.pending_invitation + "/accept");
            (void)api.request("POST", "/v1/invitations/" + s.pending_invitation + "/reject");
        }
    }
    EXPECT_EQ(snapshot(), before);
}

TEST_F(AuthorizationTest, UserTopicsBelongToTheirUser) {
    const Scene s = make_scene();
    //                                      H      C      I      O     admin
    const std::array<bool, kCallerCount> may{false, false, true, false, false, true};
    for (std::size_t c : {kHost, kCohost, kInvitee, kOther, kAdmin}) {
        auto rt = realtime(clients_[c]);
        rt->subscribe("user:ivan");
        auto f = next_non_pong(*rt, 3s);
        ASSERT_TRUE(f.has_value()) << kCallerNames[c];
        if (may[c]) {
            EXPECT_EQ(str(*f, "type"), "subscribed") << kCallerNames[c] << ": " << to_string(*f);
        } else {
            EXPECT_EQ(str(*f, "type"), "error") << kCallerNames[c] << ": " << to_string(*f);
            EXPECT_EQ(str(*f, "code"), "forbidden") << kCallerNames[c];
        }
        // Anyone may watch the room.
        EXPECT_GE(subscribe(*rt, "room:" + s.room_id), 1) << kCallerNames[c];
    }
}

}  // namespace
}  // namespace cohost::it
