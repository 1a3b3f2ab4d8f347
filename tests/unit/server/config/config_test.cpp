// The loader's happy paths: the sample file, the precedence of the layers, loopback detection and
// the redacted dump. Refusals are in config_errors_test.cpp.
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <set>

#include "unit/server/config/config_test_util.hpp"

namespace cohost::server::test {
namespace {

using namespace std::chrono_literals;

/// Dotted names of every leaf of a YAML mapping (`rooms.cohost_grace`).
std::set<std::string> leaf_keys(const YAML::Node& node, const std::string& prefix = {}) {
    std::set<std::string> out;
    for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string name =
            prefix.empty() ? it->first.Scalar() : prefix + "." + it->first.Scalar();
        if (it->second.IsMap()) {
            out.merge(leaf_keys(it->second, name));
        } else {
            out.insert(name);
        }
    }
    return out;
}

std::string env_name_of(const std::string& key) {
    std::string out = "COHOST_";
    for (char c : key) {
        out += c == '.' ? '_' : char(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

// ---- the sample file -----------------------------------------------------------------------

TEST(ConfigSample, LoadsAndEqualsTheDefaultsInCode) {
    CliOverrides cli;
    cli.config_path = sample_path();
    const Config loaded = load_config(cli, {});
    expect_same(loaded, Config{});
    EXPECT_FALSE(loaded.dev_login.has_value());
    EXPECT_TRUE(loaded.api_secret.empty());
}

TEST(ConfigSample, ListsExactlyTheKeysOfTheDump) {
    const auto sample = leaf_keys(YAML::LoadFile(sample_path()));
    const auto dumped = leaf_keys(YAML::Load(Config{}.dump_redacted()));
    EXPECT_EQ(sample, dumped);
    // the core keys, metrics.enabled, webhooks.* (5), media.mode + livekit.* (7) and
    // store.group_commit* (2), engagement.* (7), the embedded SFU's media.* (7), http.ui_dir,
    // auth.token_cache_size, http.threads, realtime.write_interval: the equality above is the
    // real check, this catches a silent drop
    EXPECT_EQ(sample.size(), 62u);
}

TEST(ConfigSample, EveryKeyHasAnEnvironmentVariable) {
    const YAML::Node root = YAML::LoadFile(sample_path());
    for (const auto& key : leaf_keys(root)) {
        const auto dot = key.find('.');
        const YAML::Node leaf =
            dot == std::string::npos ? root[key] : root[key.substr(0, dot)][key.substr(dot + 1)];
        const Env env{{env_name_of(key), leaf.Scalar()}};
        EXPECT_NO_THROW(expect_same(load_config({}, env), Config{})) << key;
    }
}

// ---- precedence: defaults < file < environment < CLI ---------------------------------------

constexpr const char* kFile = R"(
http:
  addr: 0.0.0.0:9000
media:
  udp_port: 9100
data_dir: /var/lib/cohost-file
auth:
  api_key: filekey
  api_secret: "file-secret-file-secret-file-secret!"
  dev_login: false
rooms:
  cohost_grace: 45s
realtime:
  queue_limit: 10
)";

TEST(ConfigPrecedence, FileOverridesDefaults) {
    CliOverrides cli;
    cli.config_path = write_temp("file", kFile);
    const Config c = load_config(cli, {});
    EXPECT_EQ(c.http_addr, "0.0.0.0:9000");
    EXPECT_EQ(c.udp_port, 9100);
    EXPECT_EQ(c.data_dir, "/var/lib/cohost-file");
    EXPECT_EQ(c.api_key, "filekey");
    EXPECT_EQ(c.api_secret, "file-secret-file-secret-file-secret!");
    EXPECT_EQ(c.dev_login, false);
    EXPECT_EQ(c.policy.cohost_grace, 45s);
    EXPECT_EQ(c.realtime_queue_limit, 10u);
    // Keys the file does not name keep their defaults.
    EXPECT_EQ(c.policy.backstage_timeout, Config{}.policy.backstage_timeout);
    EXPECT_EQ(c.log_level, "info");
}

TEST(ConfigPrecedence, EnvironmentOverridesFile) {
    CliOverrides cli;
    cli.config_path = write_temp("env", kFile);
    const Env env{{"COHOST_HTTP_ADDR", "127.0.0.1:9001"},
                  {"COHOST_MEDIA_UDP_PORT", "9101"},
                  {"COHOST_DATA_DIR", "/env"},
                  {"COHOST_AUTH_API_KEY", "envkey"},
                  {"COHOST_AUTH_API_SECRET", "env-secret-env-secret-env-secret-env"},
                  {"COHOST_AUTH_DEV_LOGIN", "true"},
                  {"COHOST_ROOMS_COHOST_GRACE", "50s"},
                  {"COHOST_LOG_LEVEL", "debug"},
                  {"PATH", "/usr/bin"}};  // not ours: ignored
    const Config c = load_config(cli, env);
    EXPECT_EQ(c.http_addr, "127.0.0.1:9001");
    EXPECT_EQ(c.udp_port, 9101);
    EXPECT_EQ(c.data_dir, "/env");
    EXPECT_EQ(c.api_key, "envkey");
    EXPECT_EQ(c.api_secret, "env-secret-env-secret-env-secret-env");
    EXPECT_EQ(c.dev_login, true);
    EXPECT_EQ(c.policy.cohost_grace, 50s);
    EXPECT_EQ(c.log_level, "debug");
    EXPECT_EQ(c.realtime_queue_limit, 10u);  // from the file, not overridden
}

TEST(ConfigPrecedence, CliOverridesEnvironment) {
    CliOverrides cli;
    cli.config_path = write_temp("cli", kFile);
    cli.http_addr = "[::1]:9002";
    cli.udp_port = 9102;
    cli.data_dir = "/cli";
    cli.api_key = "clikey";
    cli.api_secret = "cli-secret-cli-secret-cli-secret-cli";
    cli.dev_login = false;
    const Env env{{"COHOST_HTTP_ADDR", "127.0.0.1:9001"},
                  {"COHOST_MEDIA_UDP_PORT", "9101"},
                  {"COHOST_DATA_DIR", "/env"},
                  {"COHOST_AUTH_API_KEY", "envkey"},
                  {"COHOST_AUTH_API_SECRET", "env-secret-env-secret-env-secret-env"},
                  {"COHOST_AUTH_DEV_LOGIN", "true"}};
    const Config c = load_config(cli, env);
    EXPECT_EQ(c.http_addr, "[::1]:9002");
    EXPECT_EQ(c.udp_port, 9102);
    EXPECT_EQ(c.data_dir, "/cli");
    EXPECT_EQ(c.api_key, "clikey");
    EXPECT_EQ(c.api_secret, "cli-secret-cli-secret-cli-secret-cli");
    EXPECT_EQ(c.dev_login, false);
}

TEST(ConfigPrecedence, EnvironmentAloneOverridesDefaults) {
    const Config c = load_config({}, {{"COHOST_REALTIME_RETENTION_AGE", "15m"},
                                      {"COHOST_STORE_SQLITE_SYNCHRONOUS", "full"},
                                      {"COHOST_STORE_URL", "sqlite:///tmp/x.db"},
                                      {"COHOST_HTTP_MAX_BODY_BYTES", "1024"}});
    EXPECT_EQ(c.realtime_retention_age, 15min);
    EXPECT_TRUE(c.sqlite_synchronous_full);
    EXPECT_EQ(c.store_url, "sqlite:///tmp/x.db");
    EXPECT_EQ(c.http_max_body, 1024u);
}

TEST(ConfigPrecedence, ConfigPathFromEnvironmentWhenNoFlag) {
    const Config c = load_config({}, {{"COHOST_CONFIG", write_temp("envpath", kFile)}});
    EXPECT_EQ(c.api_key, "filekey");
}

TEST(ConfigPrecedence, ConfigFlagWinsOverCohostConfig) {
    CliOverrides cli;
    cli.config_path = write_temp("flagpath", kFile);
    const Config c = load_config(cli, {{"COHOST_CONFIG", "/nonexistent/cohost.yaml"}});
    EXPECT_EQ(c.api_key, "filekey");
}

TEST(ConfigPrecedence, NoFileMeansDefaults) { expect_same(load_config({}, {}), Config{}); }

TEST(ConfigPrecedence, EmptyFileAndEmptySectionsChangeNothing) {
    expect_same(from_yaml(""), Config{});
    expect_same(from_yaml("# only a comment\n"), Config{});
    expect_same(from_yaml("rooms:\nhttp:\n"), Config{});
}

TEST(ConfigValues, DurationsKeepMillisecondsWhereTheFieldDoes) {
    const Config c = from_yaml(
        "rooms:\n  cohost_grace: 1500ms\n  max_duration: 90m\n"
        "auth:\n  user_token_ttl: 2m\n");
    EXPECT_EQ(c.policy.cohost_grace, 1500ms);
    EXPECT_EQ(c.policy.max_duration, 90min);
    EXPECT_EQ(c.user_token_ttl, 120s);
}

TEST(ConfigValues, BooleansAndAutoForDevLogin) {
    for (const char* t : {"true", "yes", "on", "1", "TRUE"}) {
        EXPECT_EQ(load_config({}, {{"COHOST_AUTH_DEV_LOGIN", t}}).dev_login, true) << t;
    }
    for (const char* f : {"false", "no", "off", "0", "False"}) {
        EXPECT_EQ(load_config({}, {{"COHOST_AUTH_DEV_LOGIN", f}}).dev_login, false) << f;
    }
    Config c = from_yaml("auth:\n  dev_login: true\n");
    apply_yaml(c, "auth:\n  dev_login: auto\n");
    EXPECT_FALSE(c.dev_login.has_value());
    EXPECT_FALSE(from_yaml("auth:\n  dev_login:\n").dev_login.has_value());
}

TEST(ConfigValues, AddressesAccepted) {
    for (const char* a : {"127.0.0.1:0", "0.0.0.0:65535", "[::1]:7880", "[::]:80", "localhost:1",
                          "cohost.example.com:443", "[::ffff:10.0.0.1]:8080"}) {
        EXPECT_EQ(from_yaml(std::string("http:\n  addr: \"") + a + "\"\n").http_addr, a);
    }
}

TEST(ConfigValues, InvitationTtlMayEqualItsBounds) {
    const Config c = load_config({}, {{"COHOST_ROOMS_INVITATION_TTL", "10s"},
                                      {"COHOST_ROOMS_INVITATION_TTL_MIN", "10s"},
                                      {"COHOST_ROOMS_INVITATION_TTL_MAX", "10s"}});
    EXPECT_EQ(c.policy.invitation_ttl, 10s);
}

// ---- loopback --------------------------------------------------------------------------------

TEST(ConfigLoopback, DetectsLoopbackHosts) {
    const std::pair<const char*, bool> cases[] = {
        {"127.0.0.1:7880", true},
        {"127.255.3.4:1", true},
        {"localhost:80", true},
        {"LocalHost:80", true},
        {"[::1]:7880", true},
        {"[::ffff:127.0.0.1]:80", true},
        {"[0:0:0:0:0:0:0:1]:80", true},
        {"0.0.0.0:7880", false},
        {"[::]:7880", false},
        {"192.168.1.2:80", false},
        {"128.0.0.1:80", false},
        {"10.127.0.1:80", false},
        {"example.com:80", false},
        {"localhost.example.com:80", false},
        {"[::2]:80", false},
        {"not an address", false},
    };
    for (const auto& [addr, loopback] : cases) {
        Config c;
        c.http_addr = addr;
        EXPECT_EQ(c.listens_on_loopback(), loopback) << addr;
    }
}

TEST(ConfigLoopback, DevLoginDefaultsToLoopback) {
    Config c;
    EXPECT_TRUE(c.dev_login_enabled());
    c.http_addr = "0.0.0.0:7880";
    EXPECT_FALSE(c.dev_login_enabled());
    c.dev_login = true;
    EXPECT_TRUE(c.dev_login_enabled());
    c.http_addr = "127.0.0.1:7880";
    c.dev_login = false;
    EXPECT_FALSE(c.dev_login_enabled());
}

// ---- redacted dump ---------------------------------------------------------------------------

TEST(ConfigDump, NeverContainsTheSecret) {
    Config c;
    c.api_secret = "s3cr3t-value-that-must-never-be-logged-0123456789";
    const std::string dump = c.dump_redacted();
    EXPECT_EQ(dump.find(c.api_secret), std::string::npos);
    EXPECT_EQ(dump.find("s3cr3t"), std::string::npos);
    EXPECT_EQ(YAML::Load(dump)["auth"]["api_secret"].Scalar(), "<redacted>");
}

TEST(ConfigDump, EmptySecretShowsGenerated) {
    EXPECT_EQ(YAML::Load(Config{}.dump_redacted())["auth"]["api_secret"].Scalar(), "<generated>");
}

TEST(ConfigDump, ShowsEffectiveValuesAndReloadsToTheSameConfig) {
    Config c = from_yaml(
        "http:\n  addr: 0.0.0.0:1234\nrooms:\n  cohost_grace: 1500ms\n"
        "store:\n  url: sqlite:///srv/c.db\n  sqlite_synchronous: full\n");
    c.api_secret = "0123456789abcdef0123456789abcdef";
    YAML::Node dumped = YAML::Load(c.dump_redacted());
    EXPECT_EQ(dumped["auth"]["dev_login"].Scalar(), "false");  // auto, not loopback
    EXPECT_EQ(dumped["rooms"]["cohost_grace"].Scalar(), "1500ms");
    dumped["auth"].remove("api_secret");
    dumped["auth"].remove("dev_login");
    Config reloaded;
    reloaded.api_secret = c.api_secret;
    apply_yaml(reloaded, YAML::Dump(dumped));
    expect_same(reloaded, c);
}

TEST(ConfigDump, EmptyStoreUrlShowsTheDerivedPath) {
    Config c;
    c.data_dir = "/srv/cohost";
    EXPECT_EQ(YAML::Load(c.dump_redacted())["store"]["url"].Scalar(),
              "sqlite:///srv/cohost/cohost.db");
}

// ---- process environment --------------------------------------------------------------------

TEST(ConfigEnvironment, CollectsOnlyCohostVariables) {
    ::setenv("COHOST_TEST_ONLY_VAR", "a=b", 1);
    ::setenv("NOT_COHOST_TEST_VAR", "x", 1);
    const auto env = cohost_environment();
    ::unsetenv("COHOST_TEST_ONLY_VAR");
    ::unsetenv("NOT_COHOST_TEST_VAR");
    ASSERT_EQ(env.count("COHOST_TEST_ONLY_VAR"), 1u);
    EXPECT_EQ(env.at("COHOST_TEST_ONLY_VAR"), "a=b");
    EXPECT_EQ(env.count("NOT_COHOST_TEST_VAR"), 0u);
    for (const auto& [name, value] : env) {
        EXPECT_EQ(name.rfind("COHOST_", 0), 0u) << name;
    }
}

}  // namespace
}  // namespace cohost::server::test
