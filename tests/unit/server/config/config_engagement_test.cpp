// The `engagement.*` keys (docs/engagement.md): defaults, YAML and environment values, refusals
// that name the key, and the dump.
#include "unit/server/config/config_test_util.hpp"

namespace cohost::server::test {
namespace {

using namespace std::chrono_literals;

TEST(ConfigEngagement, DefaultsAreTheDocumentedLimits) {
    const Config c;
    EXPECT_EQ(c.engagement.max_message_chars, 2000U);
    EXPECT_EQ(c.engagement.max_mute, 168h);
    EXPECT_EQ(c.engagement.max_ban, 720h);
    EXPECT_EQ(c.engagement.max_room_products, 20U);
    EXPECT_EQ(c.engagement.reactions,
              (std::vector<std::string>{"heart", "like", "laugh", "wow", "sad", "fire", "clap"}));
    EXPECT_EQ(c.engagement.reactions_per_user_per_second, 20);
}

TEST(ConfigEngagement, YamlAndEnvironment) {
    const Config c = from_yaml(R"(
engagement:
  max_message_chars: 500
  max_mute: 1h
  max_ban: 2h
  max_room_products: 5
  reactions: heart, fire ,party-popper
  reactions_per_user_per_second: 3
)");
    EXPECT_EQ(c.engagement.max_message_chars, 500U);
    EXPECT_EQ(c.engagement.max_mute, 1h);
    EXPECT_EQ(c.engagement.max_ban, 2h);
    EXPECT_EQ(c.engagement.max_room_products, 5U);
    EXPECT_EQ(c.engagement.reactions, (std::vector<std::string>{"heart", "fire", "party-popper"}));
    EXPECT_EQ(c.engagement.reactions_per_user_per_second, 3);
    const Config e = load_config({}, {{"COHOST_ENGAGEMENT_REACTIONS", "a,b"}});
    EXPECT_EQ(e.engagement.reactions, (std::vector<std::string>{"a", "b"}));
}

TEST(ConfigEngagement, RefusalsNameTheKey) {
    auto err = [](const std::string& yaml) {
        return error_of([&] { from_yaml("engagement:\n" + yaml); });
    };
    EXPECT_TRUE(err("  reactions: heart,,fire\n").starts_with("engagement.reactions:"));
    EXPECT_TRUE(err("  reactions: Heart\n").starts_with("engagement.reactions:"));
    EXPECT_TRUE(err("  reactions: heart,heart\n").starts_with("engagement.reactions:"));
    EXPECT_TRUE(err("  reactions: \"\"\n").starts_with("engagement.reactions:"));
    EXPECT_TRUE(err("  max_room_products: 0\n").starts_with("engagement.max_room_products:"));
    EXPECT_TRUE(err("  max_message_chars: 100000\n").starts_with("engagement.max_message_chars:"));
    EXPECT_TRUE(err("  max_mute: soon\n").starts_with("engagement.max_mute:"));
    EXPECT_TRUE(err("  reactions_per_user_per_second: 0\n")
                    .starts_with("engagement.reactions_per_user_per_second:"));
}

TEST(ConfigEngagement, DumpShowsTheEffectiveValues) {
    Config c;
    c.engagement.reactions = {"heart", "fire"};
    c.engagement.max_room_products = 7;
    const std::string dump = c.dump_redacted();
    EXPECT_NE(dump.find("engagement:"), std::string::npos) << dump;
    EXPECT_NE(dump.find("reactions: heart,fire"), std::string::npos) << dump;
    EXPECT_NE(dump.find("max_room_products: 7"), std::string::npos) << dump;
}

}  // namespace
}  // namespace cohost::server::test
