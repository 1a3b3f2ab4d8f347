#pragma once
/// \file Helpers shared by the config tests.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "cohost/server/config.hpp"

namespace cohost::server::test {

using Env = std::map<std::string, std::string>;

/// The repo's `config/cohost.sample.yaml` (COHOST_SOURCE_DIR is set by tests/CMakeLists.txt).
inline std::string sample_path() {
    return std::string(COHOST_SOURCE_DIR) + "/config/cohost.sample.yaml";
}

/// Writes `text` to a fresh file under gtest's temp dir and returns its path.
inline std::string write_temp(const std::string& name, const std::string& text) {
    const auto path = std::filesystem::path(testing::TempDir()) / ("cohost_cfg_" + name + ".yaml");
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    return path.string();
}

/// Defaults with one YAML document applied.
inline Config from_yaml(const std::string& text) {
    Config c;
    apply_yaml(c, text);
    return c;
}

/// The ConfigError message `f` throws, or "<no error>".
template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "<no error>";
}

/// Every field, one by one, so a failure names the field that differs.
inline void expect_same(const Config& a, const Config& b) {
    EXPECT_EQ(a.http_addr, b.http_addr);
    EXPECT_EQ(a.udp_port, b.udp_port);
    EXPECT_EQ(a.data_dir, b.data_dir);
    EXPECT_EQ(a.log_level, b.log_level);
    EXPECT_EQ(a.api_key, b.api_key);
    EXPECT_EQ(a.api_secret, b.api_secret);
    EXPECT_EQ(a.dev_login, b.dev_login);
    EXPECT_EQ(a.user_token_ttl, b.user_token_ttl);
    EXPECT_EQ(a.token_cache_size, b.token_cache_size);
    EXPECT_EQ(a.engagement_viewer_cache_ttl, b.engagement_viewer_cache_ttl);
    EXPECT_EQ(a.media_public_url, b.media_public_url);
    EXPECT_EQ(a.media_token_ttl, b.media_token_ttl);
    EXPECT_EQ(a.store_url, b.store_url);
    EXPECT_EQ(a.sqlite_synchronous_full, b.sqlite_synchronous_full);
    EXPECT_EQ(a.policy.invitation_ttl, b.policy.invitation_ttl);
    EXPECT_EQ(a.policy.invitation_ttl_min, b.policy.invitation_ttl_min);
    EXPECT_EQ(a.policy.invitation_ttl_max, b.policy.invitation_ttl_max);
    EXPECT_EQ(a.policy.backstage_timeout, b.policy.backstage_timeout);
    EXPECT_EQ(a.policy.cohost_grace, b.policy.cohost_grace);
    EXPECT_EQ(a.policy.host_reconnect_window, b.policy.host_reconnect_window);
    EXPECT_EQ(a.policy.max_duration, b.policy.max_duration);
    EXPECT_EQ(a.policy.idle_expiry, b.policy.idle_expiry);
    EXPECT_EQ(a.realtime_retention_events, b.realtime_retention_events);
    EXPECT_EQ(a.realtime_retention_age, b.realtime_retention_age);
    EXPECT_EQ(a.realtime_queue_limit, b.realtime_queue_limit);
    EXPECT_EQ(a.realtime_ping_interval, b.realtime_ping_interval);
    EXPECT_EQ(a.realtime_idle_timeout, b.realtime_idle_timeout);
    EXPECT_EQ(a.realtime_max_connections, b.realtime_max_connections);
    EXPECT_EQ(a.http_max_body, b.http_max_body);
    EXPECT_EQ(a.http_max_json_depth, b.http_max_json_depth);
    EXPECT_EQ(a.http_threads, b.http_threads);
    EXPECT_EQ(a.realtime_write_interval, b.realtime_write_interval);
    EXPECT_EQ(a.metrics_enabled, b.metrics_enabled);
    EXPECT_EQ(a.webhook_urls, b.webhook_urls);
    EXPECT_EQ(a.webhook_timeout, b.webhook_timeout);
    EXPECT_EQ(a.webhook_retry_initial, b.webhook_retry_initial);
    EXPECT_EQ(a.webhook_retry_max, b.webhook_retry_max);
    EXPECT_EQ(a.webhook_max_backlog_age, b.webhook_max_backlog_age);
}

}  // namespace cohost::server::test
