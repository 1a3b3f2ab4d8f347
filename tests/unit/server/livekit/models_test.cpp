// protobuf-JSON codecs of the LiveKit models (livekit-protocol.md §2.1, §2.3, §3).
#include "cohost/server/livekit/models.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace cohost::server::livekit {
namespace {

namespace json = boost::json;

json::value parse(std::string_view text) { return json::parse(text); }

ParticipantInfo full_participant() {
    ParticipantInfo p;
    p.sid = "PA_xyz";
    p.identity = "alice";
    p.name = "Alice";
    p.state = "ACTIVE";
    p.metadata = R"({"role":"host"})";
    p.joined_at = 1795820001;
    p.is_publisher = true;
    p.permission = ParticipantPermission{true, true, false, {"CAMERA", "MICROPHONE"}, false};
    p.tracks.push_back(TrackInfo{"TR_1", "VIDEO", "cam", "CAMERA", true});
    p.tracks.push_back(TrackInfo{"TR_2", "AUDIO", "mic", "MICROPHONE", false});
    return p;
}

void expect_same(const ParticipantInfo& a, const ParticipantInfo& b) {
    EXPECT_EQ(json::serialize(to_json(a)), json::serialize(to_json(b)));
    EXPECT_EQ(a.sid, b.sid);
    EXPECT_EQ(a.state, b.state);
    EXPECT_EQ(a.joined_at, b.joined_at);
    ASSERT_EQ(a.tracks.size(), b.tracks.size());
    ASSERT_EQ(a.permission.has_value(), b.permission.has_value());
}

TEST(LivekitModels, ParticipantRoundTrips) {
    const ParticipantInfo p = full_participant();
    auto back = participant_from_json(to_json(p));
    ASSERT_TRUE(back) << back.error().message();
    expect_same(p, *back);
    EXPECT_EQ(back->tracks[0].type, "VIDEO");
    EXPECT_EQ(back->tracks[0].source, "CAMERA");
    EXPECT_TRUE(back->tracks[0].muted);
    EXPECT_EQ(back->permission->can_publish_sources,
              (std::vector<std::string>{"CAMERA", "MICROPHONE"}));
}

TEST(LivekitModels, WritersUseCamelCaseAndOmitDefaults) {
    ParticipantInfo p;
    p.identity = "bob";
    p.joined_at = 42;
    p.permission = ParticipantPermission{};  // present but all default: written as {}
    EXPECT_EQ(json::serialize(to_json(p)),
              R"({"identity":"bob","joinedAt":"42","permission":{}})");

    RoomInfo r;
    r.name = "r";
    r.empty_timeout = 300;
    r.creation_time = 1795820000;
    EXPECT_EQ(json::serialize(to_json(r)),
              R"({"name":"r","emptyTimeout":300,"creationTime":"1795820000"})");

    EXPECT_EQ(json::serialize(to_json(TrackInfo{})), "{}");  // AUDIO and UNKNOWN are value 0
    EXPECT_EQ(json::serialize(to_json(WebhookEvent{})), "{}");
}

TEST(LivekitModels, RoomRoundTripsBothSpellings) {
    RoomInfo r{"RM_1", "my-room", "meta", 300, 10, 1795820000, 3, 1};
    auto back = room_from_json(to_json(r));
    ASSERT_TRUE(back);
    EXPECT_EQ(json::serialize(to_json(*back)), json::serialize(to_json(r)));

    // What the Go server answers: proto names, every default written out, int64 as strings.
    auto snake = room_from_json(parse(
        R"({"sid":"RM_1","name":"my-room","empty_timeout":300,"departure_timeout":20,
            "max_participants":10,"creation_time":"1795820000","creation_time_ms":"0",
            "turn_password":"","enabled_codecs":[],"metadata":"meta","num_participants":3,
            "num_publishers":1,"active_recording":false,"version":null})"));
    ASSERT_TRUE(snake) << snake.error().message();
    EXPECT_EQ(json::serialize(to_json(*snake)), json::serialize(to_json(r)));
}

TEST(LivekitModels, Int64AcceptsStringsAndNumbers) {
    for (std::string_view text :
         {R"({"joinedAt":"1795820001"})", R"({"joinedAt":1795820001})",
          R"({"joined_at":"1795820001"})", R"({"joined_at":1795820001})",
          R"({"joinedAt":1795820001.0})"}) {
        auto p = participant_from_json(parse(text));
        ASSERT_TRUE(p) << text;
        EXPECT_EQ(p->joined_at, 1795820001) << text;
    }
    auto big = room_from_json(parse(R"({"creationTime":"-9223372036854775808"})"));
    ASSERT_TRUE(big);
    EXPECT_EQ(big->creation_time, std::numeric_limits<std::int64_t>::min());
}

TEST(LivekitModels, EnumNumbersMapToNames) {
    auto t = track_from_json(parse(R"({"sid":"TR_1","type":1,"source":3})"));
    ASSERT_TRUE(t);
    EXPECT_EQ(t->type, "VIDEO");
    EXPECT_EQ(t->source, "SCREEN_SHARE");

    auto p = participant_from_json(
        parse(R"({"state":2,"permission":{"canPublishSources":[1,"MICROPHONE",4]}})"));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->state, "ACTIVE");
    EXPECT_EQ(p->permission->can_publish_sources,
              (std::vector<std::string>{"CAMERA", "MICROPHONE", "SCREEN_SHARE_AUDIO"}));

    auto zero = track_from_json(parse(R"({"type":0,"source":0})"));
    ASSERT_TRUE(zero);
    EXPECT_EQ(zero->type, "AUDIO");
    EXPECT_EQ(zero->source, "UNKNOWN");
}

TEST(LivekitModels, UnknownEnumValuesRoundTrip) {
    // A newer server may send values this build does not know.
    auto t = track_from_json(parse(R"({"source":9,"type":"HOLOGRAM"})"));
    ASSERT_TRUE(t);
    EXPECT_EQ(t->source, "9");
    EXPECT_EQ(t->type, "HOLOGRAM");
    EXPECT_EQ(json::serialize(to_json(*t)), R"({"type":"HOLOGRAM","source":9})");

    // Decimal text of a known value is written as its name (one spelling per value).
    TrackInfo numeric;
    numeric.type = "1";
    numeric.source = "0";
    EXPECT_EQ(json::serialize(to_json(numeric)), R"({"type":"VIDEO"})");
    ParticipantPermission perm;
    perm.can_publish_sources = {"2", "7", "CAMERA"};
    EXPECT_EQ(json::serialize(to_json(perm)), R"({"canPublishSources":["MICROPHONE",7,"CAMERA"]})");
}

TEST(LivekitModels, AbsentNullAndUnknownFieldsAreDefaults) {
    auto p = participant_from_json(
        parse(R"({"identity":"a","name":null,"permission":null,"tracks":null,
                  "kind":"AGENT","attributes":{"x":"y"},"futureField":[1,2]})"));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->identity, "a");
    EXPECT_EQ(p->name, "");
    EXPECT_FALSE(p->permission.has_value());
    EXPECT_TRUE(p->tracks.empty());
    EXPECT_EQ(p->state, "JOINING");
}

TEST(LivekitModels, CamelCaseWinsOverSnakeCase) {
    auto r = room_from_json(parse(R"({"emptyTimeout":5,"empty_timeout":7})"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->empty_timeout, 5u);
}

struct BadCase {
    const char* name;
    const char* json;
};

class LivekitModelsRejects : public ::testing::TestWithParam<BadCase> {};

TEST_P(LivekitModelsRejects, WrongTypes) {
    auto e = webhook_event_from_json(parse(GetParam().json));
    ASSERT_FALSE(e) << GetParam().name;
    EXPECT_EQ(e.error(), boost::system::errc::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(
    Table, LivekitModelsRejects,
    ::testing::Values(
        BadCase{"top_level_array", R"([])"}, BadCase{"top_level_string", R"("x")"},
        BadCase{"event_number", R"({"event":5})"},
        BadCase{"created_at_bool", R"({"createdAt":true})"},
        BadCase{"created_at_text", R"({"createdAt":"12abc"})"},
        BadCase{"created_at_empty", R"({"createdAt":""})"},
        BadCase{"created_at_fraction", R"({"createdAt":1.5})"},
        BadCase{"created_at_overflow", R"({"createdAt":"9223372036854775808"})"},
        BadCase{"num_dropped_overflow", R"({"numDropped":2147483648})"},
        BadCase{"room_not_object", R"({"room":"RM_1"})"},
        BadCase{"room_timeout_negative", R"({"room":{"emptyTimeout":-1}})"},
        BadCase{"room_timeout_over_u32", R"({"room":{"empty_timeout":4294967296}})"},
        BadCase{"participant_tracks_object", R"({"participant":{"tracks":{}}})"},
        BadCase{"track_muted_string", R"({"track":{"muted":"true"}})"},
        BadCase{"track_type_bool", R"({"track":{"type":true}})"},
        BadCase{"track_type_fraction", R"({"track":{"type":1.5}})"},
        BadCase{"sources_not_array",
                R"({"participant":{"permission":{"canPublishSources":"CAMERA"}}})"},
        BadCase{"sources_item_object",
                R"({"participant":{"permission":{"can_publish_sources":[{}]}}})"},
        BadCase{"permission_bool_number", R"({"participant":{"permission":{"hidden":1}}})"}),
    [](const auto& tp) { return std::string(tp.param.name); });

TEST(LivekitModels, WebhookSampleFromReferenceParses) {
    // livekit-protocol.md §3, accepted by WebhookReceiver 2.19.2.
    const char* body =
        R"({"event":"participant_joined","room":{"sid":"RM_abc","name":"my-room","emptyTimeout":300,"creationTime":"1795820000","numParticipants":1},
 "participant":{"sid":"PA_xyz","identity":"alice","state":"ACTIVE","joinedAt":"1795820001","name":"Alice","version":3,
 "permission":{"canSubscribe":true,"canPublish":true,"canPublishData":true}},"id":"EV_123","createdAt":"1795820002"})";
    auto e = webhook_event_from_json(parse(body));
    ASSERT_TRUE(e) << e.error().message();
    EXPECT_EQ(e->event, "participant_joined");
    EXPECT_EQ(e->id, "EV_123");
    EXPECT_EQ(e->created_at, 1795820002);
    ASSERT_TRUE(e->room);
    EXPECT_EQ(e->room->sid, "RM_abc");
    EXPECT_EQ(e->room->empty_timeout, 300u);
    EXPECT_EQ(e->room->creation_time, 1795820000);
    EXPECT_EQ(e->room->num_participants, 1u);
    ASSERT_TRUE(e->participant);
    EXPECT_EQ(e->participant->state, "ACTIVE");
    EXPECT_EQ(e->participant->joined_at, 1795820001);
    ASSERT_TRUE(e->participant->permission);
    EXPECT_TRUE(e->participant->permission->can_publish_data);
    EXPECT_FALSE(e->participant->permission->hidden);
    EXPECT_FALSE(e->track);
}

TEST(LivekitModels, WebhookSnakeCaseParses) {
    auto e = webhook_event_from_json(parse(
        R"({"event":"track_published","created_at":1795820002,"num_dropped":2,
            "room":{"sid":"RM_abc","creation_time":1795820000},
            "participant":{"sid":"PA_xyz","identity":"alice","is_publisher":true},
            "track":{"sid":"TR_1","type":"VIDEO","source":"CAMERA"},
            "egress_info":{"egressId":"EG_1"},"room_end_reason":"ROOM_END_UNKNOWN"})"));
    ASSERT_TRUE(e) << e.error().message();
    EXPECT_EQ(e->created_at, 1795820002);
    EXPECT_EQ(e->num_dropped, 2);
    EXPECT_EQ(e->room->creation_time, 1795820000);
    EXPECT_TRUE(e->participant->is_publisher);
    EXPECT_EQ(e->track->source, "CAMERA");
}

TEST(LivekitModels, WebhookEventRoundTrips) {
    WebhookEvent e;
    e.id = "EV_1";
    e.event = "track_published";
    e.room = RoomInfo{"RM_1", "r", "", 0, 0, 1795820000, 1, 1};
    e.participant = full_participant();
    e.track = TrackInfo{"TR_1", "VIDEO", "cam", "CAMERA", false};
    e.created_at = 1795820003;
    e.num_dropped = 1;
    const std::string text = json::serialize(to_json(e));
    auto back = webhook_event_from_json(parse(text));
    ASSERT_TRUE(back);
    EXPECT_EQ(json::serialize(to_json(*back)), text);
    EXPECT_NE(text.find(R"("createdAt":"1795820003")"), std::string::npos);
    EXPECT_NE(text.find(R"("numDropped":1)"), std::string::npos);
}

}  // namespace
}  // namespace cohost::server::livekit
