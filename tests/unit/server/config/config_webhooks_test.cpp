// The `metrics.*` and `webhooks.*` keys: defaults, YAML lists, comma-separated environment
// values, and refusals that name the key without echoing query strings or credentials.
#include "unit/server/config/config_test_util.hpp"

namespace cohost::server::test {
namespace {

using namespace std::chrono_literals;

TEST(ConfigWebhooks, DefaultsAreOffWithTheDocumentedDurations) {
    const Config c;
    EXPECT_TRUE(c.metrics_enabled);
    EXPECT_TRUE(c.webhook_urls.empty());
    EXPECT_EQ(c.webhook_timeout, 5s);
    EXPECT_EQ(c.webhook_retry_initial, 1s);
    EXPECT_EQ(c.webhook_retry_max, 60s);
    EXPECT_EQ(c.webhook_max_backlog_age, 24h);
}

TEST(ConfigWebhooks, YamlListAndDurations) {
    const Config c = from_yaml(R"(
metrics:
  enabled: false
webhooks:
  urls:
    - http://127.0.0.1:8080/hooks?token=abc
    - http://hooks.example.com/a
  timeout: 2500ms
  retry_initial: 200ms
  retry_max: 10s
  max_backlog_age: 1h
)");
    EXPECT_FALSE(c.metrics_enabled);
    EXPECT_EQ(c.webhook_urls, (std::vector<std::string>{"http://127.0.0.1:8080/hooks?token=abc",
                                                        "http://hooks.example.com/a"}));
    EXPECT_EQ(c.webhook_timeout, 2500ms);
    EXPECT_EQ(c.webhook_retry_initial, 200ms);
    EXPECT_EQ(c.webhook_retry_max, 10s);
    EXPECT_EQ(c.webhook_max_backlog_age, 1h);
}

TEST(ConfigWebhooks, EnvironmentIsCommaSeparatedAndEmptyMeansOff) {
    const Config c =
        load_config({}, {{"COHOST_WEBHOOKS_URLS", "http://a.example/x, http://[::1]:9000/y"}});
    EXPECT_EQ(c.webhook_urls,
              (std::vector<std::string>{"http://a.example/x", "http://[::1]:9000/y"}));
    EXPECT_TRUE(load_config({}, {{"COHOST_WEBHOOKS_URLS", ""}}).webhook_urls.empty());
}

TEST(ConfigWebhooks, DumpRedactsQueryStrings) {
    Config c;
    c.webhook_urls = {"http://127.0.0.1:8080/hooks?token=abc", "http://b.example/x"};
    const std::string dump = c.dump_redacted();
    EXPECT_EQ(dump.find("token=abc"), std::string::npos) << dump;
    EXPECT_NE(dump.find("http://127.0.0.1:8080/hooks?<redacted>"), std::string::npos) << dump;
    EXPECT_NE(dump.find("http://b.example/x"), std::string::npos) << dump;
}

TEST(ConfigWebhooks, RefusalsNameTheKeyAndHideSecrets) {
    auto urls = [](const std::string& list) {
        return error_of([&] { from_yaml("webhooks:\n  urls: [" + list + "]\n"); });
    };
    EXPECT_EQ(urls("\"ftp://a.example/x?k=secret\""),
              "webhooks.urls: 'ftp://a.example/x' is not an http:// URL");
    const auto https = urls("\"https://a.example/x?k=secret\"");
    EXPECT_TRUE(
        https.starts_with("webhooks.urls: 'https://a.example/x': https:// is not supported"))
        << https;
    EXPECT_EQ(https.find("secret"), std::string::npos);
    const auto creds = urls("\"http://user:pw@a.example/x\"");
    EXPECT_TRUE(creds.starts_with("webhooks.urls: credentials")) << creds;
    EXPECT_EQ(creds.find("pw"), std::string::npos) << creds;
    EXPECT_TRUE(
        urls("\"http://a.example:0/x\"").starts_with("webhooks.urls: 'http://a.example:0/x'"));
    EXPECT_TRUE(
        urls("\"http://a.example/x\", \"http://a.example/x\"").ends_with("is listed twice"));
    EXPECT_TRUE(urls("[\"http://a\"]").starts_with("webhooks.urls: expected a list of URLs"));
    EXPECT_EQ(error_of([] { from_yaml("webhooks:\n  timeout: 0s\n"); }),
              "webhooks.timeout: must be longer than 0, got '0s'");
    EXPECT_EQ(error_of([] { from_yaml("metrics:\n  enabled: maybe\n"); }),
              "metrics.enabled: expected a boolean (true or false), got 'maybe'");
    const auto order = error_of([] {
        (void)load_config(
            {}, {{"COHOST_WEBHOOKS_RETRY_INITIAL", "2m"}, {"COHOST_WEBHOOKS_RETRY_MAX", "1m"}});
    });
    EXPECT_EQ(order, "webhooks.retry_initial: 2m is longer than webhooks.retry_max (1m)");
}

}  // namespace
}  // namespace cohost::server::test
