// The media-sync configuration keys (`media.mode`, `livekit.*`): parsing, cross-key rules,
// redaction, and what make_media_sync builds from them.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "cohost/core/clock.hpp"
#include "cohost/server/app/media_sync.hpp"
#include "cohost/server/config.hpp"

namespace cohost::server {
namespace {

using namespace std::chrono_literals;

std::string error_of(const std::map<std::string, std::string>& env) {
    try {
        (void)load_config({}, env);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

std::string yaml_error_of(const std::string& yaml) {
    try {
        Config c;
        apply_yaml(c, yaml);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(MediaSyncConfig, DefaultsAreEmbeddedWithTheDocumentedValues) {
    const Config c;
    EXPECT_EQ(c.media_mode, MediaMode::Embedded);
    EXPECT_EQ(c.livekit_url, "");
    EXPECT_EQ(c.livekit_timeout, 5s);
    EXPECT_EQ(c.livekit_reconcile_interval, 30s);
    EXPECT_EQ(c.livekit_webhook_dedup_size, 10000U);
}

TEST(MediaSyncConfig, TheInteropHarnessConfigLoads) {
    Config c;
    apply_yaml(c, R"(
media: { mode: livekit }
livekit: { url: "http://127.0.0.1:45678", reconcile_interval: 1s }
rooms: { cohost_grace: 2s, host_reconnect_window: 2s }
)");
    EXPECT_EQ(c.media_mode, MediaMode::Livekit);
    EXPECT_EQ(c.livekit_url, "http://127.0.0.1:45678");
    EXPECT_EQ(c.livekit_reconcile_interval, 1s);
    EXPECT_EQ(c.policy.cohost_grace, 2s);
}

TEST(MediaSyncConfig, EveryKeyParses) {
    Config c;
    apply_yaml(c, R"(
livekit:
  url: wss://media.example.com
  api_key: APIlk
  api_secret: lk-secret
  timeout: 750ms
  reconcile_interval: 0
  webhook_dedup_size: 5
)");
    EXPECT_EQ(c.livekit_url, "wss://media.example.com");
    EXPECT_EQ(c.livekit_api_key, "APIlk");
    EXPECT_EQ(c.livekit_api_secret, "lk-secret");
    EXPECT_EQ(c.livekit_timeout, 750ms);
    EXPECT_EQ(c.livekit_reconcile_interval, 0ms);  // off
    EXPECT_EQ(c.livekit_webhook_dedup_size, 5U);
    apply_yaml(c, "livekit: { reconcile_interval: 0s }");
    EXPECT_EQ(c.livekit_reconcile_interval, 0ms);
}

TEST(MediaSyncConfig, InvalidValuesNameTheKey) {
    EXPECT_EQ(yaml_error_of("media: { mode: sfu }").rfind("media.mode:", 0), 0U);
    EXPECT_EQ(yaml_error_of("livekit: { url: ftp://host }").rfind("livekit.url:", 0), 0U);
    EXPECT_EQ(yaml_error_of("livekit: { url: http:// }").rfind("livekit.url:", 0), 0U);
    EXPECT_EQ(yaml_error_of("livekit: { timeout: 0s }").rfind("livekit.timeout:", 0), 0U);
    EXPECT_EQ(yaml_error_of("livekit: { reconcile_interval: soon }")
                  .rfind("livekit.reconcile_interval:", 0),
              0U);
    EXPECT_EQ(yaml_error_of("livekit: { webhook_dedup_size: 0 }")
                  .rfind("livekit.webhook_dedup_size:", 0),
              0U);
    EXPECT_EQ(yaml_error_of("livekit: { nope: 1 }").rfind("livekit.nope:", 0), 0U);
    // Credentials in the URL are refused without being echoed.
    const auto e = yaml_error_of("livekit: { url: \"http://user:hunter2@host:7880\" }");
    EXPECT_EQ(e.rfind("livekit.url:", 0), 0U);
    EXPECT_EQ(e.find("hunter2"), std::string::npos);
}

TEST(MediaSyncConfig, LivekitModeNeedsAUrlAndKeysComeInPairs) {
    EXPECT_EQ(error_of({{"COHOST_MEDIA_MODE", "livekit"}}).rfind("livekit.url:", 0), 0U);
    EXPECT_NO_THROW((void)load_config(
        {}, {{"COHOST_MEDIA_MODE", "livekit"}, {"COHOST_LIVEKIT_URL", "http://127.0.0.1:1"}}));
    EXPECT_EQ(error_of({{"COHOST_LIVEKIT_API_KEY", "APIlk"}}).rfind("livekit.api_secret:", 0), 0U);
    EXPECT_EQ(error_of({{"COHOST_LIVEKIT_API_SECRET", "s"}}).rfind("livekit.api_key:", 0), 0U);
}

TEST(MediaSyncConfig, TheDumpRedactsTheSecret) {
    Config c;
    c.livekit_api_key = "APIlk";
    c.livekit_api_secret = "very-secret-livekit-value";
    const auto dump = c.dump_redacted();
    EXPECT_EQ(dump.find("very-secret-livekit-value"), std::string::npos);
    EXPECT_NE(dump.find("APIlk"), std::string::npos);
    EXPECT_NE(dump.find("reconcile_interval: 30s"), std::string::npos);
}

// ---- make_media_sync -----------------------------------------------------------------------

class MakeMediaSync : public ::testing::Test {
protected:
    std::unique_ptr<app::MediaSync> make(const Config& cfg) {
        return app::make_media_sync(ioc_, *service_, *store_, clock_, nullptr, cfg, "APIserver",
                                    "server-secret-0123456789-abcdefghijklmn");
    }
    boost::asio::io_context ioc_;
    core::ManualClock clock_;
    std::unique_ptr<store::Store> store_ = store::open_sqlite({":memory:", false});
    std::unique_ptr<app::RoomService> service_ =
        std::make_unique<app::RoomService>(ioc_, *store_, clock_, app::ServiceOptions{}, nullptr);
};

TEST_F(MakeMediaSync, EmbeddedHasNoClientAndLivekitHasOne) {
    Config cfg;
    EXPECT_FALSE(make(cfg)->has_client());
    cfg.media_mode = MediaMode::Livekit;
    cfg.livekit_url = "ws://127.0.0.1:7880";
    EXPECT_TRUE(make(cfg)->has_client());
    cfg.livekit_url = "https://media.example.com/livekit";
    EXPECT_TRUE(make(cfg)->has_client());
}

TEST_F(MakeMediaSync, AUrlTheClientRefusesIsAConfigErrorNamingTheKey) {
    Config cfg;
    cfg.media_mode = MediaMode::Livekit;
    cfg.livekit_url = "http://bad host:7880";  // (the config loader refuses it earlier too)
    try {
        (void)make(cfg);
        ADD_FAILURE() << "an invalid URL was accepted";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()).rfind("livekit.url:", 0), 0U) << e.what();
    }
}

}  // namespace
}  // namespace cohost::server
