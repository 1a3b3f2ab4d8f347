// Malformed and oversized input changes nothing (product.md §8, §10): every bad request gets
// its exact refusal, the visible state is byte-for-byte the same afterwards, and the server keeps
// answering /healthz.
#include "cohost/core/crypto.hpp"
#include "harness.hpp"

namespace cohost::it {
namespace {

class MalformedInputTest : public ServerTest {
protected:
    void SetUp() override {
        ServerTest::SetUp();
        host_ = std::make_unique<sdk::ApiClient>(login("host"));
        guest_ = std::make_unique<sdk::ApiClient>(login("guest"));
        (void)login("carol");
        room_id_ = str(host_->create_room({.title = "stable", .max_cohosts = 2}), "roomId");
        const std::string inv = str(host_->invite(room_id_, "guest"), "invitationId");
        guest_->accept(inv);
        invitation_id_ = str(host_->invite(room_id_, "carol"), "invitationId");
    }

    /// Everything a client can see of the scene.
    std::string snapshot() {
        return to_string(host_->get_room(room_id_)) + "\n" + to_string(host_->get_stage(room_id_)) +
               "\n" + to_string(host_->list_room_invitations(room_id_)) + "\n" +
               to_string(host_->list_rooms()) + "\n" + to_string(host_->search_users("")) + "\n" +
               to_string(host_->get_invitation(invitation_id_));
    }

    void expect_refused(const sdk::ApiResponse& r, int status, const std::string& code,
                        const std::string& field = {}) {
        EXPECT_EQ(r.status, status) << r.raw.substr(0, 300);
        EXPECT_EQ(r.error_code(), code) << r.raw.substr(0, 300);
        if (!field.empty()) {
            const json::object d = r.error_details();
            EXPECT_EQ(d.contains("field") ? str(d, "field") : "", field) << r.raw;
        }
    }

    std::unique_ptr<sdk::ApiClient> host_;
    std::unique_ptr<sdk::ApiClient> guest_;
    std::string room_id_;
    std::string invitation_id_;
};

TEST_F(MalformedInputTest, BadBodiesAreRefusedAndChangeNothing) {
    const std::string before = snapshot();
    const std::string room = "/v1/rooms/" + room_id_;
    auto& h = *host_;

    // Malformed JSON.
    for (const char* body : {"{", "{\"title\": }", "not json", "{\"title\":\"x\"}}", "\"\\ud800\"x",
                             "{\"title\":\"a\" \"b\"}"}) {
        SCOPED_TRACE(body);
        expect_refused(h.request_raw("POST", "/v1/rooms", body), 400, "invalid_json");
        expect_refused(h.request_raw("PATCH", room, body), 400, "invalid_json");
        expect_refused(h.request_raw("POST", room + "/invitations", body), 400, "invalid_json");
    }
    // Invalid UTF-8 inside a string.
    expect_refused(h.request_raw("POST", "/v1/rooms", "{\"title\":\"\xff\xfe\"}"), 400,
                   "invalid_json");

    // Wrong types and out-of-range values: invalid_argument naming the field.
    struct Case {
        std::string method, path, body, field;
    };
    const std::vector<Case> cases{
        {"POST", "/v1/rooms", R"({"title":5})", "title"},
        {"POST", "/v1/rooms", R"({"title":""})", "title"},
        {"POST", "/v1/rooms", R"({"title":"   "})", "title"},
        {"POST", "/v1/rooms", R"({"title":")" + std::string(201, 'x') + "\"}", "title"},
        {"POST", "/v1/rooms", R"({"title":"x","maxCoHosts":"4"})", "maxCoHosts"},
        {"POST", "/v1/rooms", R"({"title":"x","maxCoHosts":9})", "maxCoHosts"},
        {"POST", "/v1/rooms", R"({"title":"x","maxCoHosts":0})", "maxCoHosts"},
        {"POST", "/v1/rooms", R"({"title":"x","maxCoHosts":2.5})", "maxCoHosts"},
        {"POST", "/v1/rooms", R"({"title":"x","metadata":[1]})", "metadata"},
        {"POST", "/v1/rooms", R"({"title":"x","metadata":"{}"})", "metadata"},
        {"POST", "/v1/rooms", R"({"title":"x","description":7})", "description"},
        {"PATCH", room, R"({"maxCoHosts":-1})", "maxCoHosts"},
        {"PATCH", room, R"({"slowModeSeconds":301})", "slowModeSeconds"},
        {"PATCH", room, R"({"title":null,"maxCoHosts":true})", "maxCoHosts"},
        {"POST", room + "/invitations", R"({"inviteeUserId":123})", "inviteeUserId"},
        {"POST", room + "/invitations", R"({})", "inviteeUserId"},
        {"POST", room + "/invitations", R"({"inviteeUserId":"carol","expiresInSeconds":5})",
         "expiresInSeconds"},
        {"POST", room + "/invitations", R"({"inviteeUserId":"carol","expiresInSeconds":3601})",
         "expiresInSeconds"},
        {"POST", room + "/invitations", R"({"inviteeUserId":"carol","expiresInSeconds":"60"})",
         "expiresInSeconds"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.method + " " + c.path + " " + c.body.substr(0, 80));
        expect_refused(h.request_raw(c.method, c.path, c.body), 400, "invalid_argument", c.field);
    }
    // A non-boolean permission: invalid_argument, the field named (path form may vary).
    const auto perm = h.request_raw("PATCH", room + "/stage/guest",
                                    R"({"permissions":{"canManageProducts":"yes"}})");
    EXPECT_EQ(perm.status, 400) << perm.raw;
    EXPECT_EQ(perm.error_code(), "invalid_argument");
    const json::object pd = perm.error_details();
    EXPECT_NE((pd.contains("field") ? str(pd, "field") : "").find("canManageProducts"),
              std::string::npos)
        << perm.raw;
    // A body that is JSON but not an object.
    for (const char* body : {"[]", "42", "\"title\"", "null"}) {
        const auto r = h.request_raw("POST", "/v1/rooms", body);
        EXPECT_EQ(r.status, 400) << body << ": " << r.raw;
    }

    EXPECT_EQ(snapshot(), before);
    EXPECT_TRUE(anonymous().healthy());
}

TEST_F(MalformedInputTest, OversizedAndDeeplyNestedBodies) {
    const std::string before = snapshot();
    auto& h = *host_;
    // > 64 KiB: 413 payload_too_large, whatever the route.
    const std::string big =
        R"({"title":"big","description":")" + std::string(70 * 1024, 'a') + "\"}";
    expect_refused(h.request_raw("POST", "/v1/rooms", big), 413, "payload_too_large");
    expect_refused(h.request_raw("PATCH", "/v1/rooms/" + room_id_, big), 413, "payload_too_large");
    const std::string huge(2 * 1024 * 1024, ' ');
    const auto r = h.request_raw("POST", "/v1/rooms", huge);
    EXPECT_EQ(r.status, 413);
    // Deep nesting just below the size limit: refused with a 400, no crash.
    for (const auto& [open, close] : {std::pair{"[", "]"}, std::pair{"{\"a\":", "}"}}) {
        std::string deep;
        for (int i = 0; i < 10000; ++i) {
            deep += open;
        }
        for (int i = 0; i < 10000; ++i) {
            deep += close;
        }
        const auto d = h.request_raw("POST", "/v1/rooms", deep);
        EXPECT_EQ(d.status, 400) << d.raw.substr(0, 200);
        const std::string meta = R"({"title":"deep","metadata":)" + deep + "}";
        const auto m = h.request_raw("POST", "/v1/rooms", meta);
        EXPECT_EQ(m.status, 400) << m.raw.substr(0, 200);
        EXPECT_TRUE(m.error_code() == "invalid_json" || m.error_code() == "invalid_argument")
            << m.raw.substr(0, 200);
    }
    EXPECT_EQ(snapshot(), before);
    EXPECT_TRUE(anonymous().healthy());
}

TEST_F(MalformedInputTest, UnknownIdsAreNotFound) {
    const std::string before = snapshot();
    auto& h = *host_;
    for (const std::string path :
         {"/v1/rooms/RM_nope", "/v1/rooms/RM_nope/stage", "/v1/rooms/RM_nope/invitations",
          "/v1/invitations/IN_nope"}) {
        expect_refused(h.request("GET", path), 404, "not_found");
    }
    expect_refused(h.request("POST", "/v1/rooms/RM_nope/stop"), 404, "not_found");
    expect_refused(h.request("PATCH", "/v1/rooms/RM_nope", json::parse(R"({"title":"x"})")), 404,
                   "not_found");
    expect_refused(h.request("POST", "/v1/rooms/RM_nope/invitations",
                             json::parse(R"({"inviteeUserId":"guest"})")),
                   404, "not_found");
    expect_refused(h.request("POST", "/v1/rooms/RM_nope/broadcast-token"), 404, "not_found");
    for (const char* action : {"accept", "reject", "cancel"}) {
        expect_refused(h.request("POST", std::string("/v1/invitations/IN_nope/") + action), 404,
                       "not_found");
    }
    expect_refused(h.request("DELETE", "/v1/rooms/" + room_id_ + "/stage/nobody"), 404,
                   "not_found");
    expect_refused(h.request("POST", "/v1/rooms/" + room_id_ + "/invitations",
                             json::parse(R"({"inviteeUserId":"nobody"})")),
                   404, "user_not_found");
    expect_refused(h.request("POST", "/v1/rooms/" + room_id_ + "/invitations",
                             json::parse(R"({"inviteeUserId":"host"})")),
                   400, "cannot_invite_self");
    expect_refused(h.request("POST", "/v1/rooms/" + room_id_ + "/invitations",
                             json::parse(R"({"inviteeUserId":"guest"})")),
                   409, "already_on_stage");
    const auto dup = h.request("POST", "/v1/rooms/" + room_id_ + "/invitations",
                               json::parse(R"({"inviteeUserId":"carol"})"));
    expect_refused(dup, 409, "already_invited");
    const json::object dd = dup.error_details();
    EXPECT_EQ(dd.contains("invitationId") ? str(dd, "invitationId") : "", invitation_id_);
    // Path segments with odd bytes are just unknown ids.
    expect_refused(h.request("GET", "/v1/rooms/%00%ff..%2F"), 404, "not_found");
    EXPECT_EQ(snapshot(), before);
    EXPECT_TRUE(anonymous().healthy());
}

TEST_F(MalformedInputTest, BadTokensAreUnauthenticated) {
    const std::string before = snapshot();
    const auto creds = server_.credentials();
    const std::int64_t now = sdk::unix_now_seconds();
    auto claims = [&](std::int64_t exp) {
        // Same name as the dev login, so an accepted token does not refresh the profile.
        return json::object{{"name", "host"}, {"iss", creds.api_key}, {"sub", "host"},
                            {"nbf", now - 5}, {"exp", exp}};
    };
    json::object no_exp = claims(0);
    no_exp.erase("exp");
    json::object no_sub = claims(now + 600);
    no_sub.erase("sub");
    json::object other_iss = claims(now + 600);
    other_iss["iss"] = "APIsomeoneelse";
    json::object scoped_admin{{"video", json::object{{"roomAdmin", true}, {"room", room_id_}}},
                              {"iss", creds.api_key}, {"exp", now + 600}, {"nbf", now}};
    const std::string alg_none =
        core::base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
        core::base64url_encode(json::serialize(claims(now + 600))) + ".";
    const std::string valid = sdk::sign_claims(claims(now + 600), creds.api_secret);
    const std::string tampered = valid.substr(0, valid.size() - 2) + (valid.back() == 'A' ? "BB" : "AA");

    const std::vector<std::pair<std::string, std::string>> tokens{
        {"garbage", "garbage"},
        {"empty", ""},
        {"three dots", "a.b.c"},
        {"wrong secret", sdk::sign_claims(claims(now + 600), "another-secret-0123456789abcdefghij")},
        {"expired beyond leeway", sdk::sign_claims(claims(now - 60), creds.api_secret)},
        {"no exp", sdk::sign_claims(no_exp, creds.api_secret)},
        {"no sub, no admin grant", sdk::sign_claims(no_sub, creds.api_secret)},
        {"other issuer", sdk::sign_claims(other_iss, creds.api_secret)},
        {"alg none", alg_none},
        {"tampered signature", tampered},
        {"admin scoped to a room", sdk::sign_claims(scoped_admin, creds.api_secret)},
    };
    for (const auto& [name, token] : tokens) {
        SCOPED_TRACE(name);
        const sdk::Headers auth{{"Authorization", "Bearer " + token}};
        for (const auto& [method, path] :
             std::vector<std::pair<std::string, std::string>>{{"GET", "/v1/me"},
                                                              {"POST", "/v1/rooms/" + room_id_ + "/stop"},
                                                              {"GET", "/v1/rooms"}}) {
            const auto r = host_->request(method, path, std::nullopt, auth);
            EXPECT_EQ(r.status, 401) << method << " " << path << ": " << r.raw;
            EXPECT_EQ(r.error_code(), "unauthenticated") << r.raw;
        }
    }
    // Not a Bearer scheme at all.
    const auto basic = host_->request("GET", "/v1/me", std::nullopt,
                                      {{"Authorization", "Basic aG9zdDpwdw=="}});
    EXPECT_EQ(basic.status, 401);
    // Within the 10 s leeway a just-expired token still works.
    const auto lenient = host_->request(
        "GET", "/v1/me", std::nullopt,
        {{"Authorization", "Bearer " + sdk::sign_claims(claims(now - 3), creds.api_secret)}});
    EXPECT_EQ(lenient.status, 200) << lenient.raw;

    EXPECT_EQ(snapshot(), before);
    EXPECT_TRUE(anonymous().healthy());
}

}  // namespace
}  // namespace cohost::it
