// Every refusal names the key it is about: the message starts with the dotted key (or, for an
// unknown environment variable, the variable) followed by ": ".
#include "unit/server/config/config_test_util.hpp"

namespace cohost::server::test {
namespace {

struct BadYaml {
    const char* yaml;
    const char* key;  ///< expected message prefix before ": "
};

void PrintTo(const BadYaml& c, std::ostream* os) { *os << c.key << " <- " << c.yaml; }

class ConfigRejectsYaml : public testing::TestWithParam<BadYaml> {};

TEST_P(ConfigRejectsYaml, NamingTheKey) {
    const std::string msg = error_of([] { (void)from_yaml(GetParam().yaml); });
    EXPECT_EQ(msg.rfind(std::string(GetParam().key) + ": ", 0), 0u) << msg;
}

INSTANTIATE_TEST_SUITE_P(
    UnknownKeysAndShapes, ConfigRejectsYaml,
    testing::Values(BadYaml{"bogus: 1\n", "bogus"}, BadYaml{"http:\n  adr: x:1\n", "http.adr"},
                    BadYaml{"rooms:\n  cohost_grace: 30s\n  extra: 1\n", "rooms.extra"},
                    BadYaml{"http.addr: 1.2.3.4:5\n", "http.addr"}, BadYaml{"http: 5\n", "http"},
                    BadYaml{"rooms: [1, 2]\n", "rooms"},
                    BadYaml{"data_dir:\n  nested: x\n", "data_dir"},
                    BadYaml{"http:\n  addr:\n    deep: 1\n", "http.addr"},
                    BadYaml{"http:\n  addr: [1]\n", "http.addr"},
                    BadYaml{"http:\n  addr: 1.2.3.4:1\n  addr: 1.2.3.4:2\n", "http.addr"},
                    BadYaml{"- a\n- b\n", "config"}, BadYaml{"just text\n", "config"},
                    BadYaml{"http: {addr: [\n", "config"}));

INSTANTIATE_TEST_SUITE_P(
    InvalidValues, ConfigRejectsYaml,
    testing::Values(BadYaml{"log:\n  level: verbose\n", "log.level"},
                    BadYaml{"log:\n  level: INFO\n", "log.level"},
                    BadYaml{"data_dir: \"\"\n", "data_dir"}, BadYaml{"data_dir:\n", "data_dir"},
                    BadYaml{"http:\n  addr: localhost\n", "http.addr"},
                    BadYaml{"http:\n  addr: \"::1:7880\"\n", "http.addr"},
                    BadYaml{"http:\n  addr: 127.0.0.1:70000\n", "http.addr"},
                    BadYaml{"http:\n  addr: 127.0.0.1:-1\n", "http.addr"},
                    BadYaml{"http:\n  addr: 999.1.1.1:80\n", "http.addr"},
                    BadYaml{"http:\n  addr: 127.1:80\n", "http.addr"},
                    BadYaml{"http:\n  addr: \":7880\"\n", "http.addr"},
                    BadYaml{"http:\n  addr: \"[::1]7880\"\n", "http.addr"},
                    BadYaml{"http:\n  addr: \"[zz]:7880\"\n", "http.addr"},
                    BadYaml{"http:\n  addr: \"bad_host:80\"\n", "http.addr"},
                    BadYaml{"http:\n  max_body_bytes: 1023\n", "http.max_body_bytes"},
                    BadYaml{"http:\n  max_body_bytes: -1\n", "http.max_body_bytes"},
                    BadYaml{"http:\n  max_body_bytes: \"2048\"\n", "http.max_body_bytes"},
                    BadYaml{"http:\n  max_body_bytes: 64KiB\n", "http.max_body_bytes"},
                    BadYaml{"http:\n  max_body_bytes: 99999999999999999999999\n",
                            "http.max_body_bytes"},
                    BadYaml{"http:\n  max_json_depth: 0\n", "http.max_json_depth"},
                    BadYaml{"auth:\n  api_key: \"\"\n", "auth.api_key"},
                    BadYaml{"auth:\n  api_secret: tooshort\n", "auth.api_secret"},
                    BadYaml{"auth:\n  dev_login: maybe\n", "auth.dev_login"},
                    BadYaml{"auth:\n  dev_login: \"true\"\n", "auth.dev_login"},
                    BadYaml{"auth:\n  user_token_ttl: 1500ms\n", "auth.user_token_ttl"},
                    BadYaml{"media:\n  public_ip: example.com\n", "media.public_ip"},
                    BadYaml{"media:\n  bind_ip: 10.0.0\n", "media.bind_ip"},
                    BadYaml{"media:\n  workers: 65\n", "media.workers"},
                    BadYaml{"media:\n  test_hooks: maybe\n", "media.test_hooks"},
                    BadYaml{"media:\n  test_drop_video_percent: 51\n", "media.test_drop_video_percent"},
                    BadYaml{"media:\n  udp_port: 65536\n", "media.udp_port"},
                    BadYaml{"media:\n  udp_port: abc\n", "media.udp_port"},
                    BadYaml{"media:\n  udp_port: 7882.5\n", "media.udp_port"},
                    BadYaml{"media:\n  public_url: http://example.com\n", "media.public_url"},
                    BadYaml{"media:\n  public_url: ws://\n", "media.public_url"},
                    BadYaml{"media:\n  token_ttl: 10\n", "media.token_ttl"},
                    BadYaml{"store:\n  url: mysql://db\n", "store.url"},
                    BadYaml{"store:\n  url: sqlite://\n", "store.url"},
                    BadYaml{"store:\n  sqlite_synchronous: extra\n", "store.sqlite_synchronous"},
                    BadYaml{"rooms:\n  cohost_grace: abc\n", "rooms.cohost_grace"},
                    BadYaml{"rooms:\n  cohost_grace: 30\n", "rooms.cohost_grace"},
                    BadYaml{"rooms:\n  cohost_grace: -5s\n", "rooms.cohost_grace"},
                    BadYaml{"rooms:\n  cohost_grace: 0s\n", "rooms.cohost_grace"},
                    BadYaml{"rooms:\n  cohost_grace: 1.5s\n", "rooms.cohost_grace"},
                    BadYaml{"rooms:\n  cohost_grace: 30 s\n", "rooms.cohost_grace"},
                    BadYaml{"rooms:\n  invitation_ttl: 2d\n", "rooms.invitation_ttl"},
                    BadYaml{"rooms:\n  invitation_ttl_min: x\n", "rooms.invitation_ttl_min"},
                    BadYaml{"rooms:\n  invitation_ttl_max: x\n", "rooms.invitation_ttl_max"},
                    BadYaml{"rooms:\n  backstage_timeout: x\n", "rooms.backstage_timeout"},
                    BadYaml{"rooms:\n  host_reconnect_window: x\n", "rooms.host_reconnect_window"},
                    BadYaml{"rooms:\n  max_duration: 9000h\n", "rooms.max_duration"},
                    BadYaml{"rooms:\n  idle_expiry: 99999999999999h\n", "rooms.idle_expiry"},
                    BadYaml{"realtime:\n  retention_events: -1\n", "realtime.retention_events"},
                    BadYaml{"realtime:\n  retention_age: forever\n", "realtime.retention_age"},
                    BadYaml{"realtime:\n  queue_limit: 0\n", "realtime.queue_limit"},
                    BadYaml{"realtime:\n  ping_interval: 10x\n", "realtime.ping_interval"},
                    BadYaml{"realtime:\n  idle_timeout: {}\n", "realtime.idle_timeout"},
                    BadYaml{"realtime:\n  max_connections: 1.5\n", "realtime.max_connections"}));

TEST(ConfigErrors, DurationMessageIsExact) {
    EXPECT_EQ(error_of([] { (void)from_yaml("rooms:\n  cohost_grace: abc\n"); }),
              "rooms.cohost_grace: invalid duration 'abc' (use 500ms, 30s, 10m or 4h)");
}

TEST(ConfigErrors, ShortSecretIsNotEchoed) {
    const std::string msg = error_of([] { (void)from_yaml("auth:\n  api_secret: hunter2xyz\n"); });
    EXPECT_EQ(msg.rfind("auth.api_secret: ", 0), 0u) << msg;
    EXPECT_EQ(msg.find("hunter2xyz"), std::string::npos) << msg;
}

TEST(ConfigErrors, StoreUrlCredentialsAreNotEchoed) {
    const std::string msg =
        error_of([] { (void)from_yaml("store:\n  url: postgresql://u:pa55word@db/x\n"); });
    EXPECT_EQ(msg.rfind("store.url: ", 0), 0u) << msg;
    EXPECT_EQ(msg.find("pa55word"), std::string::npos) << msg;
}

TEST(ConfigErrors, YamlSyntaxErrorCarriesTheParserMessage) {
    const std::string msg = error_of([] { (void)from_yaml("http: {addr: [\n"); });
    EXPECT_NE(msg.find("yaml-cpp"), std::string::npos) << msg;
    EXPECT_NE(msg.find("line"), std::string::npos) << msg;
}

TEST(ConfigErrors, UnreadableFile) {
    CliOverrides cli;
    cli.config_path = "/nonexistent/dir/cohost.yaml";
    EXPECT_EQ(error_of([&] { (void)load_config(cli, {}); }),
              "config: cannot read /nonexistent/dir/cohost.yaml");
    cli.config_path = testing::TempDir();  // a directory
    EXPECT_EQ(error_of([&] { (void)load_config(cli, {}); }),
              "config: cannot read " + *cli.config_path);
    EXPECT_EQ(error_of([] {
                  (void)load_config({}, {{"COHOST_CONFIG", "/nonexistent/c.yaml"}});
              }),
              "config: cannot read /nonexistent/c.yaml");
}

TEST(ConfigErrors, FileErrorsNameKeyAndFile) {
    CliOverrides cli;
    cli.config_path = write_temp("badvalue", "rooms:\n  cohost_grace: soon\n");
    const std::string msg = error_of([&] { (void)load_config(cli, {}); });
    EXPECT_EQ(msg.rfind("rooms.cohost_grace: ", 0), 0u) << msg;
    EXPECT_NE(msg.find(*cli.config_path), std::string::npos) << msg;
}

TEST(ConfigErrors, UnknownEnvironmentVariableIsNamed) {
    for (const char* name : {"COHOST_HTTP_ADR", "COHOST_HTTP", "COHOST_", "COHOST_ROOMS_GRACE"}) {
        const std::string msg = error_of([&] { (void)load_config({}, {{name, "1"}}); });
        EXPECT_EQ(msg.rfind(std::string(name) + ": ", 0), 0u) << msg;
    }
}

TEST(ConfigErrors, InvalidEnvironmentValueNamesKeyAndVariable) {
    const std::string msg = error_of([] {
        (void)load_config({}, {{"COHOST_ROOMS_COHOST_GRACE", "abc"}});
    });
    EXPECT_EQ(msg,
              "rooms.cohost_grace: invalid duration 'abc' (use 500ms, 30s, 10m or 4h) "
              "(from COHOST_ROOMS_COHOST_GRACE)");
    EXPECT_EQ(error_of([] {
                  (void)load_config({}, {{"COHOST_MEDIA_UDP_PORT", "-1"}});
              }).rfind("media.udp_port: ", 0),
              0u);
    EXPECT_EQ(error_of([] {
                  (void)load_config({}, {{"COHOST_AUTH_API_KEY", ""}});
              }).rfind("auth.api_key: ", 0),
              0u);
}

TEST(ConfigErrors, InvalidFlagNamesKeyAndFlag) {
    CliOverrides cli;
    cli.udp_port = 0;  // ephemeral: allowed (tests run several servers)
    EXPECT_EQ(load_config(cli, {}).udp_port, 0);
    cli = {};
    cli.http_addr = "nowhere";
    EXPECT_EQ(error_of([&] { (void)load_config(cli, {}); }).rfind("http.addr: ", 0), 0u);
    cli = {};
    cli.api_secret = "zq9zq-secret";
    const std::string msg = error_of([&] { (void)load_config(cli, {}); });
    EXPECT_EQ(msg.rfind("auth.api_secret: ", 0), 0u) << msg;
    EXPECT_EQ(msg.find("zq9zq"), std::string::npos) << msg;  // the value itself is not echoed
}

TEST(ConfigErrors, InvitationTtlOutsideItsBounds) {
    const auto err = [](const Env& env) { return error_of([&] { (void)load_config({}, env); }); };
    EXPECT_EQ(err({{"COHOST_ROOMS_INVITATION_TTL", "5s"}}).rfind("rooms.invitation_ttl: ", 0), 0u);
    EXPECT_EQ(err({{"COHOST_ROOMS_INVITATION_TTL", "2h"}}).rfind("rooms.invitation_ttl: ", 0), 0u);
    EXPECT_EQ(err({{"COHOST_ROOMS_INVITATION_TTL_MIN", "3m"}}).rfind("rooms.invitation_ttl: ", 0),
              0u);
    EXPECT_EQ(
        err({{"COHOST_ROOMS_INVITATION_TTL_MIN", "2h"}}).rfind("rooms.invitation_ttl_min: ", 0),
        0u);
    EXPECT_EQ(err({{"COHOST_ROOMS_INVITATION_TTL_MAX", "1m"}}).rfind("rooms.invitation_ttl: ", 0),
              0u);
}

TEST(ConfigErrors, IdleTimeoutMustExceedPingInterval) {
    const std::string msg = error_of([] {
        (void)load_config({}, {{"COHOST_REALTIME_IDLE_TIMEOUT", "20s"}});
    });
    EXPECT_EQ(msg.rfind("realtime.idle_timeout: ", 0), 0u) << msg;
}

}  // namespace
}  // namespace cohost::server::test
