// What the Twirp client puts on the wire for each RoomService method (livekit-protocol.md §2.2):
// path, API token grant, exact protobuf-JSON body; and how it decodes the answers.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <algorithm>
#include <functional>

#include "cohost/core/crypto.hpp"
#include "unit/server/livekit/twirp_test_util.hpp"

namespace cohost::server::livekit::testing {
namespace {

namespace json = boost::json;

using Invoke = std::function<void(RoomServiceClient&, int& done)>;

template <class T>
Callback<T> count_success(int& done) {
    return [&done](TwirpResult<T> r) {
        EXPECT_EQ(r.index(), 0u) << (r.index() == 1 ? std::get<1>(r).code : "");
        ++done;
    };
}

struct MethodCase {
    const char* name;
    Invoke invoke;
    const char* method;
    const char* grant;
    const char* body;
    const char* reply;
};

ParticipantPermission subscribe_only() {
    ParticipantPermission p;
    p.can_subscribe = true;
    return p;
}

const MethodCase kCases[] = {
    {"create_room",
     [](RoomServiceClient& c, int& d) { c.create_room("r", 300, "", count_success<RoomInfo>(d)); },
     "CreateRoom", R"({"roomCreate":true})", R"({"name":"r","emptyTimeout":300})",
     R"({"sid":"RM_1","name":"r"})"},
    {"create_room_metadata",
     [](RoomServiceClient& c, int& d) { c.create_room("r", 0, "m", count_success<RoomInfo>(d)); },
     "CreateRoom", R"({"roomCreate":true})", R"({"name":"r","metadata":"m"})", R"({})"},
    {"list_rooms_all",
     [](RoomServiceClient& c, int& d) {
         c.list_rooms({}, count_success<std::vector<RoomInfo>>(d));
     },
     "ListRooms", R"({"roomList":true})", R"({})", R"({"rooms":[]})"},
    {"list_rooms_named",
     [](RoomServiceClient& c, int& d) {
         c.list_rooms({"a", "b"}, count_success<std::vector<RoomInfo>>(d));
     },
     "ListRooms", R"({"roomList":true})", R"({"names":["a","b"]})", R"({})"},
    {"delete_room",
     [](RoomServiceClient& c, int& d) { c.delete_room("r", count_success<Empty>(d)); },
     "DeleteRoom", R"({"roomCreate":true})", R"({"room":"r"})", R"({})"},
    {"list_participants",
     [](RoomServiceClient& c, int& d) {
         c.list_participants("r", count_success<std::vector<ParticipantInfo>>(d));
     },
     "ListParticipants", R"({"roomAdmin":true,"room":"r"})", R"({"room":"r"})",
     R"({"participants":[]})"},
    {"remove_participant",
     [](RoomServiceClient& c, int& d) {
         c.remove_participant("r", "u", count_success<Empty>(d));
     },
     "RemoveParticipant", R"({"roomAdmin":true,"room":"r"})", R"({"room":"r","identity":"u"})",
     R"({})"},
    {"update_participant",
     [](RoomServiceClient& c, int& d) {
         c.update_participant("r", "alice", std::string("x"), subscribe_only(),
                              count_success<ParticipantInfo>(d));
     },
     "UpdateParticipant", R"({"roomAdmin":true,"room":"r"})",
     R"({"room":"r","identity":"alice","metadata":"x","permission":{"canSubscribe":true}})",
     R"({"identity":"alice"})"},
    {"update_participant_revoke_all",
     [](RoomServiceClient& c, int& d) {
         c.update_participant("r", "alice", std::nullopt, ParticipantPermission{},
                              count_success<ParticipantInfo>(d));
     },
     "UpdateParticipant", R"({"roomAdmin":true,"room":"r"})",
     R"({"room":"r","identity":"alice","permission":{}})", R"({"identity":"alice"})"},
    {"update_participant_metadata_only",
     [](RoomServiceClient& c, int& d) {
         c.update_participant("r", "alice", std::string("m"), std::nullopt,
                              count_success<ParticipantInfo>(d));
     },
     "UpdateParticipant", R"({"roomAdmin":true,"room":"r"})",
     R"({"room":"r","identity":"alice","metadata":"m"})", R"({})"},
    {"mute_published_track",
     [](RoomServiceClient& c, int& d) {
         c.mute_published_track("r", "alice", "TR_1", true, count_success<TrackInfo>(d));
     },
     "MutePublishedTrack", R"({"roomAdmin":true,"room":"r"})",
     R"({"room":"r","identity":"alice","trackSid":"TR_1","muted":true})",
     R"({"track":{"sid":"TR_1","muted":true}})"},
    {"unmute_published_track",
     [](RoomServiceClient& c, int& d) {
         c.mute_published_track("r", "alice", "TR_1", false, count_success<TrackInfo>(d));
     },
     "MutePublishedTrack", R"({"roomAdmin":true,"room":"r"})",
     R"({"room":"r","identity":"alice","trackSid":"TR_1"})", R"({"track":{}})"},
};

class TwirpRequests : public ::testing::TestWithParam<MethodCase> {
protected:
    net::io_context ioc;
    FakeTwirpServer server{ioc};
    std::vector<Observed> observed;
};

TEST_P(TwirpRequests, PathGrantAndBodyAreExact) {
    const MethodCase& c = GetParam();
    server.push({200, "application/json", c.reply});
    auto client = make_twirp_client(ioc, options_for(server.url(), observed));
    int done = 0;
    c.invoke(*client, done);
    ASSERT_TRUE(run_until(ioc, [&] { return done > 0; }));
    ASSERT_EQ(server.requests().size(), 1u);
    const RecordedRequest& r = server.requests()[0];
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, std::string("/twirp/livekit.RoomService/") + c.method);
    EXPECT_EQ(r.host, "127.0.0.1:" + std::to_string(server.port()));
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.body, c.body);
    EXPECT_EQ(check_token(r), json::parse(c.grant));
    ASSERT_EQ(observed.size(), 1u);
    EXPECT_EQ(observed[0].method, c.method);
    EXPECT_EQ(observed[0].outcome, "ok");
}

INSTANTIATE_TEST_SUITE_P(Methods, TwirpRequests, ::testing::ValuesIn(kCases),
                         [](const auto& tp) { return std::string(tp.param.name); });

class TwirpClientTest : public ::testing::Test {
protected:
    net::io_context ioc;
    FakeTwirpServer server{ioc};
    std::vector<Observed> observed;
    std::unique_ptr<RoomServiceClient> client =
        make_twirp_client(ioc, options_for(server.url(), observed));
};

/// The body with its `nonce` member cut off, and the nonce decoded. The nonce is written last,
/// so the rest stays byte-exact.
std::pair<std::string, std::string> split_nonce(const std::string& body) {
    const json::value v = json::parse(body);
    const json::value* nonce = v.as_object().if_contains("nonce");
    const auto at = body.rfind(R"("nonce":)");
    EXPECT_TRUE(nonce != nullptr && nonce->is_string() && at != std::string::npos) << body;
    if (nonce == nullptr || !nonce->is_string() || at == std::string::npos) return {body, ""};
    std::string rest = body.substr(0, at);
    if (rest.back() == ',') rest.pop_back();
    return {rest + "}", core::base64_decode(nonce->get_string()).value_or("")};
}

TEST_F(TwirpClientTest, SendDataBodiesMatchTheSdk) {
    // §2.2 wire samples: RELIABLE omits `kind`; LOSSY names it; 16-byte random nonce.
    Captured<Empty> reliable;
    Captured<Empty> lossy;
    client->send_data("r", "hello", true, {"bob"}, std::string("chat"), reliable.cb());
    client->send_data("r", "x", false, {}, std::nullopt, lossy.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return reliable.calls + lossy.calls == 2; }));
    EXPECT_TRUE(reliable.ok());
    EXPECT_TRUE(lossy.ok());
    ASSERT_EQ(server.requests().size(), 2u);
    std::vector<std::pair<std::string, std::string>> seen;
    for (const auto& r : server.requests()) {
        EXPECT_EQ(r.target, "/twirp/livekit.RoomService/SendData");
        EXPECT_EQ(check_token(r), json::parse(R"({"roomAdmin":true,"room":"r"})"));
        seen.push_back(split_nonce(r.body));
    }
    std::sort(seen.begin(), seen.end());  // the two calls race to the server
    EXPECT_EQ(seen[0].first,
              R"({"room":"r","data":"aGVsbG8=","topic":"chat","destinationIdentities":["bob"]})");
    EXPECT_EQ(seen[1].first, R"({"room":"r","data":"eA==","kind":"LOSSY"})");
    EXPECT_EQ(seen[0].second.size(), 16u);
    EXPECT_EQ(seen[1].second.size(), 16u);
    EXPECT_NE(seen[0].second, seen[1].second);
}

TEST_F(TwirpClientTest, SendDataWithEmptyTopicKeepsIt) {
    Captured<Empty> cap;
    client->send_data("r", "", true, {}, std::string(""), cap.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return cap.calls == 1; }));
    ASSERT_EQ(server.requests().size(), 1u);
    EXPECT_EQ(split_nonce(server.requests()[0].body).first, R"({"room":"r","topic":""})");
}

TEST_F(TwirpClientTest, DecodesGoServerStyleAnswers) {
    // The Go server answers with proto names and every default written out (§2.1).
    server.push({200, "application/json",
                 R"({"sid":"RM_1","name":"r","empty_timeout":300,"max_participants":0,
                     "creation_time":"1795820000","metadata":"","num_participants":2,
                     "num_publishers":0,"active_recording":false})"});
    server.push({200, "application/json",
                 R"({"rooms":[{"sid":"RM_1","name":"a"},{"sid":"RM_2","name":"b"}]})"});
    server.push({200, "application/json",
                 R"({"participants":[{"sid":"PA_1","identity":"alice","state":"ACTIVE",
                     "joined_at":"1795820001","tracks":[{"sid":"TR_1","type":"VIDEO"}]}]})"});
    server.push({200, "application/json", R"({"track":{"sid":"TR_1","muted":true,"source":1}})"});
    Captured<RoomInfo> created;
    Captured<std::vector<RoomInfo>> rooms;
    Captured<std::vector<ParticipantInfo>> people;
    Captured<TrackInfo> track;
    // One at a time, so each takes the next scripted answer.
    client->create_room("r", 300, "", created.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return created.calls == 1; }));
    client->list_rooms({}, rooms.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return rooms.calls == 1; }));
    client->list_participants("r", people.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return people.calls == 1; }));
    client->mute_published_track("r", "alice", "TR_1", true, track.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return track.calls == 1; }));

    ASSERT_TRUE(created.ok());
    EXPECT_EQ(created.value().empty_timeout, 300u);
    EXPECT_EQ(created.value().creation_time, 1795820000);
    EXPECT_EQ(created.value().num_participants, 2u);
    ASSERT_TRUE(rooms.ok());
    ASSERT_EQ(rooms.value().size(), 2u);
    EXPECT_EQ(rooms.value()[1].name, "b");
    ASSERT_TRUE(people.ok());
    ASSERT_EQ(people.value().size(), 1u);
    EXPECT_EQ(people.value()[0].joined_at, 1795820001);
    EXPECT_EQ(people.value()[0].tracks.at(0).type, "VIDEO");
    ASSERT_TRUE(track.ok());
    EXPECT_TRUE(track.value().muted);
    EXPECT_EQ(track.value().source, "CAMERA");
}

TEST_F(TwirpClientTest, AnswerOfTheWrongShapeIsMalformed) {
    server.push({200, "application/json", ""});
    server.push({200, "application/json", R"({"rooms":"RM_1"})"});
    server.push({200, "application/json", R"({})"});  // MuteRoomTrackResponse without track
    server.push({204, "", ""});
    Captured<Empty> empty_body;
    Captured<std::vector<RoomInfo>> bad_rooms;
    Captured<TrackInfo> no_track;
    Captured<Empty> no_content;
    client->delete_room("r", empty_body.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return empty_body.calls == 1; }));
    client->list_rooms({}, bad_rooms.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return bad_rooms.calls == 1; }));
    client->mute_published_track("r", "a", "TR_1", true, no_track.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return no_track.calls == 1; }));
    client->delete_room("r", no_content.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return no_content.calls == 1; }));

    for (const TwirpError* e :
         {&empty_body.error(), &bad_rooms.error(), &no_track.error(), &no_content.error()}) {
        EXPECT_EQ(e->code, "malformed");
    }
    EXPECT_EQ(empty_body.error().http_status, 200);
    EXPECT_EQ(no_content.error().http_status, 204);
    EXPECT_EQ(server.requests().size(), 4u);  // never retried
    ASSERT_EQ(observed.size(), 4u);
    EXPECT_EQ(observed[0].outcome, "malformed");
}

TEST(TwirpClientUrl, WsSchemeAndPathPrefix) {
    net::io_context ioc;
    FakeTwirpServer server(ioc);
    std::vector<Observed> observed;
    auto ws = make_twirp_client(ioc, options_for(server.url("ws"), observed));
    auto prefixed = make_twirp_client(ioc, options_for(server.url() + "/lk/", observed));
    Captured<Empty> a;
    Captured<Empty> b;
    ws->delete_room("r", a.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return a.calls == 1; }));
    prefixed->delete_room("r", b.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return b.calls == 1; }));
    EXPECT_TRUE(a.ok());
    EXPECT_TRUE(b.ok());
    ASSERT_EQ(server.requests().size(), 2u);
    EXPECT_EQ(server.requests()[0].target, "/twirp/livekit.RoomService/DeleteRoom");
    EXPECT_EQ(server.requests()[1].target, "/lk/twirp/livekit.RoomService/DeleteRoom");
}

TEST(TwirpClientUrl, RefusesOtherSchemesAndGarbage) {
    net::io_context ioc;
    std::vector<Observed> observed;
    try {
        (void)make_twirp_client(ioc, options_for("ftp://127.0.0.1:21", observed));
        FAIL() << "ftp accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("ftp"), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)make_twirp_client(ioc, options_for("127.0.0.1:7880", observed)),
                 std::invalid_argument);
    EXPECT_THROW((void)make_twirp_client(ioc, options_for("http://", observed)),
                 std::invalid_argument);
    EXPECT_THROW((void)make_twirp_client(ioc, options_for("", observed)), std::invalid_argument);
}

}  // namespace
}  // namespace cohost::server::livekit::testing
