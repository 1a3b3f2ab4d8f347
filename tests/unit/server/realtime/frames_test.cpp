// The realtime frame codec, without sockets.
#include "../../../../server/src/realtime/frames.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "cohost/server/realtime/hub.hpp"

namespace cohost::server::realtime::detail {
namespace {

namespace json = boost::json;

TEST(RealtimeTopic, AcceptsRoomAndUserIdsOfAllowedCharacters) {
    EXPECT_TRUE(is_valid_topic("room:RM_abc"));
    EXPECT_TRUE(is_valid_topic("user:alice@example.com"));
    EXPECT_TRUE(is_valid_topic("user:a-b_c.d@E9"));
    EXPECT_TRUE(is_valid_topic("room:" + std::string(128, 'x')));
    EXPECT_TRUE(is_valid_topic("room:x"));
}

TEST(RealtimeTopic, RejectsOtherShapes) {
    for (const std::string& t : std::vector<std::string>{
             "", "room:", "user:", "room", "chat:RM_a", "Room:RM_a", "room:RM a", "room:RM/a",
             "room:RM:a", "room:\xC3\xA9", " room:RM_a", "room:" + std::string(129, 'x')}) {
        EXPECT_FALSE(is_valid_topic(t)) << t;
    }
}

TEST(RealtimeParse, ReadsSubscribeWithAndWithoutSince) {
    auto a = parse_client_frame(R"({"type":"subscribe","topic":"room:RM_a"})");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->kind, ClientFrame::Kind::Subscribe);
    EXPECT_EQ(a->topic, "room:RM_a");
    EXPECT_FALSE(a->since);

    auto b = parse_client_frame(R"({"since":12,"topic":"user:U_1","type":"subscribe","x":[1]})");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->topic, "user:U_1");
    EXPECT_EQ(b->since, 12);

    auto zero = parse_client_frame(R"({"type":"subscribe","topic":"room:a","since":0})");
    ASSERT_TRUE(zero);
    EXPECT_EQ(zero->since, 0);

    auto big =
        parse_client_frame(R"({"type":"subscribe","topic":"room:a","since":9223372036854775807})");
    ASSERT_TRUE(big);
    EXPECT_EQ(big->since, INT64_MAX);
}

TEST(RealtimeParse, ReadsUnsubscribeAndPing) {
    auto u = parse_client_frame(R"({"type":"unsubscribe","topic":"room:RM_a","since":"ignored"})");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->kind, ClientFrame::Kind::Unsubscribe);
    EXPECT_EQ(u->topic, "room:RM_a");
    auto p = parse_client_frame(R"({"type":"ping"})");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->kind, ClientFrame::Kind::Ping);
}

struct BadFrame {
    const char* text;
    rooms::Errc code;
    const char* topic;  // echoed topic
};

class RealtimeParseRejects : public ::testing::TestWithParam<BadFrame> {};

TEST_P(RealtimeParseRejects, WithTheRightCode) {
    const BadFrame& k = GetParam();
    auto r = parse_client_frame(k.text);
    ASSERT_FALSE(r) << k.text;
    EXPECT_EQ(r.error().code, k.code) << k.text;
    EXPECT_EQ(r.error().topic, k.topic) << k.text;
    EXPECT_FALSE(r.error().message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, RealtimeParseRejects,
    ::testing::Values(
        BadFrame{"", rooms::Errc::InvalidJson, ""}, BadFrame{"{", rooms::Errc::InvalidJson, ""},
        BadFrame{R"({"type":"ping"} trailing)", rooms::Errc::InvalidJson, ""},
        BadFrame{"null", rooms::Errc::InvalidArgument, ""},
        BadFrame{R"("ping")", rooms::Errc::InvalidArgument, ""},
        BadFrame{R"({})", rooms::Errc::InvalidArgument, ""},
        BadFrame{R"({"type":null})", rooms::Errc::InvalidArgument, ""},
        BadFrame{R"({"type":"PING"})", rooms::Errc::InvalidArgument, ""},
        BadFrame{R"({"type":"publish","topic":"room:a"})", rooms::Errc::InvalidArgument, "room:a"},
        BadFrame{R"({"type":"subscribe"})", rooms::Errc::InvalidArgument, ""},
        BadFrame{R"({"type":"subscribe","topic":null})", rooms::Errc::InvalidArgument, ""},
        BadFrame{R"({"type":"subscribe","topic":"nope"})", rooms::Errc::InvalidArgument, "nope"},
        BadFrame{R"({"type":"unsubscribe","topic":"room:"})", rooms::Errc::InvalidArgument,
                 "room:"},
        BadFrame{R"({"type":"subscribe","topic":"room:a","since":-1})",
                 rooms::Errc::InvalidArgument, "room:a"},
        BadFrame{R"({"type":"subscribe","topic":"room:a","since":2.0})",
                 rooms::Errc::InvalidArgument, "room:a"},
        BadFrame{R"({"type":"subscribe","topic":"room:a","since":"2"})",
                 rooms::Errc::InvalidArgument, "room:a"},
        BadFrame{R"({"type":"subscribe","topic":"room:a","since":null})",
                 rooms::Errc::InvalidArgument, "room:a"},
        BadFrame{R"({"type":"subscribe","topic":"room:a","since":true})",
                 rooms::Errc::InvalidArgument, "room:a"},
        BadFrame{R"({"type":"subscribe","topic":"room:a","since":9223372036854775808})",
                 rooms::Errc::InvalidArgument, "room:a"}));

TEST(RealtimeParse, RejectsDeepNestingAsInvalidJson) {
    const std::string deep = std::string(100, '[') + std::string(100, ']');
    auto r = parse_client_frame(deep);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, rooms::Errc::InvalidJson);
}

TEST(RealtimeRender, ControlFramesAreCompactJson) {
    EXPECT_EQ(render_subscribed("room:RM_a", 7),
              R"({"type":"subscribed","topic":"room:RM_a","seq":7})");
    EXPECT_EQ(render_unsubscribed("room:RM_a"), R"({"type":"unsubscribed","topic":"room:RM_a"})");
    EXPECT_EQ(render_resync_required("user:U_1", 12),
              R"({"type":"resync_required","topic":"user:U_1","seq":12})");
    EXPECT_EQ(*pong_frame(), R"({"type":"pong"})");
    EXPECT_EQ(render_error("forbidden", "no", ""),
              R"({"type":"error","code":"forbidden","message":"no"})");
}

TEST(RealtimeRender, ErrorEscapesItsStrings) {
    const std::string text =
        render_error("invalid_argument", "bad \"x\"\n\\ \x01 \xC3\xA9", "room:a");
    const json::object o = json::parse(text).as_object();
    EXPECT_EQ(o.at("message"), "bad \"x\"\n\\ \x01 \xC3\xA9");
    EXPECT_EQ(o.at("topic"), "room:a");
}

TEST(RealtimeRender, EventFrameWrapsTheStoredDataVerbatim) {
    store::StoredEvent e;
    e.topic = "room:RM_a";
    e.seq = 42;
    e.type = "stage.left";
    e.at = core::from_unix_ms(1'795'000'000'123);
    e.data_json = R"({"userId":"U_b", "reason":"removed"})";
    EXPECT_EQ(render_event_frame(e),
              R"({"type":"event","topic":"room:RM_a","seq":42,"event":"stage.left",)"
              R"("at":")" +
                  core::format_iso8601(e.at) + R"(","data":{"userId":"U_b", "reason":"removed"}})");
    EXPECT_EQ(core::format_iso8601(e.at).size(), 24U);  // 2026-11-19T...123Z

    e.data_json.clear();  // never emits an invalid frame
    EXPECT_TRUE(json::parse(render_event_frame(e)).as_object().at("data").is_object());
}

}  // namespace
}  // namespace cohost::server::realtime::detail
