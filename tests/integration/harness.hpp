#pragma once
/// \file Integration-test harness: runs the real `cohostd` binary as a child process on a free
/// loopback port with its own temporary data directory, and offers small helpers over the SDK
/// (log users in, read realtime frames, pick JSON fields).
///
/// Every fixture owns one ServerProcess, so tests run in parallel without sharing state. The
/// binary is COHOSTD_PATH (compile definition), overridable with the environment variable
/// `COHOSTD_BIN`. Set `COHOSTD_KEEP_DATA=1` to keep the temporary directories for inspection.
/// The child gets the test's environment minus every `COHOST_*` variable (cohostd reads those as
/// configuration), so a developer's shell settings cannot leak into a test.
#include <gtest/gtest.h>
#include <sys/types.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cohost/sdk/api_client.hpp"
#include "cohost/sdk/realtime_client.hpp"
#include "cohost/sdk/tokens.hpp"

namespace cohost::it {

namespace json = boost::json;
using namespace std::chrono_literals;

/// How the server is launched.
struct ServerOptions {
    std::string api_key = "APIintegration";
    std::string api_secret = "integration-secret-0123456789-abcdefghijklmnop";  // ≥ 32 chars
    std::vector<std::string> extra_args;     ///< appended to the command line
    std::chrono::milliseconds ready_timeout = 20s;
};

/// One `cohostd` child process. Not thread-safe: drive it from the test's main thread (the
/// parent-death signal that reaps the child if the test binary dies is tied to that thread).
class ServerProcess {
public:
    explicit ServerProcess(ServerOptions opts = {});
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    /// Starts the server (`--http-addr 127.0.0.1:0 --data-dir DIR --api-key --api-secret
    /// --dev-login` + extra args) and waits for `cohostd ready http://127.0.0.1:PORT` on its
    /// stdout. Throws std::runtime_error (with the log tail) if it exits or is not ready in time.
    void start();
    /// SIGTERM and wait (bounded); returns the exit status (`-1` if it had to be SIGKILLed,
    /// `128+sig` if a signal ended it).
    int sigterm(std::chrono::milliseconds wait = 10s);
    /// SIGKILL and reap. No-op when not running.
    void sigkill();
    /// Starts again on the same data directory and credentials (after sigterm/sigkill); on the
    /// same port when `same_port` (so existing clients can reconnect), else on a new free one.
    void restart(bool same_port = false);
    [[nodiscard]] bool running();

    /// `http://127.0.0.1:PORT` of the current run.
    [[nodiscard]] const std::string& url() const noexcept { return url_; }
    [[nodiscard]] const std::string& data_dir() const noexcept { return data_dir_; }
    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    [[nodiscard]] sdk::ApiCredentials credentials() const {
        return {opts_.api_key, opts_.api_secret};
    }
    /// An app-backend token (`video.roomAdmin`, no `sub`).
    [[nodiscard]] std::string admin_token() const { return sdk::mint_admin_token(credentials()); }
    /// The last `bytes` of the server's stdout + stderr (for failure messages).
    [[nodiscard]] std::string log_tail(std::size_t bytes = 4000) const;

private:
    void reap_drain_thread();
    void drain_stdout(int fd);

    ServerOptions opts_;
    std::string root_dir_;
    std::string data_dir_;
    std::string stderr_path_;
    std::string url_;
    std::string http_addr_ = "127.0.0.1:0";
    pid_t pid_ = -1;
    std::thread drain_;
    mutable std::mutex mutex_;
    std::condition_variable ready_cv_;
    std::string stdout_log_;
    std::string ready_url_;
    bool stdout_closed_ = false;
};

/// gtest fixture base: one server per test, started in SetUp, its log printed when a test fails.
class ServerTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;
    [[nodiscard]] const std::string& url() const { return server_.url(); }
    /// A client logged in (dev login) as `user_id` (display name defaults to the id).
    [[nodiscard]] sdk::ApiClient login(std::string_view user_id, std::string_view name = {});
    /// A client carrying the app-backend token.
    [[nodiscard]] sdk::ApiClient admin();
    /// A client without a token.
    [[nodiscard]] sdk::ApiClient anonymous() { return sdk::ApiClient(url()); }
    /// A connected realtime client for `api`'s token.
    [[nodiscard]] std::unique_ptr<sdk::RealtimeClient> realtime(const sdk::ApiClient& api);

    ServerProcess server_;
};

// ---- JSON access (fail loudly with the document in the message) -------------------------------

// Each accessor exists for json::value and json::object: passing an object where a value is
// expected would bind a temporary copy and return references into it.
[[nodiscard]] const json::value& at(const json::object& o, std::string_view key);
[[nodiscard]] const json::value& at(const json::value& v, std::string_view key);
[[nodiscard]] std::string str(const json::object& o, std::string_view key);
[[nodiscard]] std::int64_t num(const json::object& o, std::string_view key);
[[nodiscard]] bool boolean(const json::object& o, std::string_view key);
[[nodiscard]] const json::array& arr(const json::object& o, std::string_view key);
// References into a temporary would dangle (e.g. `for (auto& m : arr(api.get_stage(r), ...))`):
// name the document first.
const json::value& at(json::value&&, std::string_view) = delete;
const json::value& at(json::object&&, std::string_view) = delete;
const json::array& arr(json::value&&, std::string_view) = delete;
const json::array& arr(json::object&&, std::string_view) = delete;
/// Length of the array `v[key]` (safe on temporaries: `size_of(api.get_stage(r), "members")`).
[[nodiscard]] std::size_t size_of(const json::value& v, std::string_view key);
[[nodiscard]] std::string str(const json::value& v, std::string_view key);
[[nodiscard]] std::int64_t num(const json::value& v, std::string_view key);
[[nodiscard]] bool boolean(const json::value& v, std::string_view key);
[[nodiscard]] bool is_null(const json::value& v, std::string_view key);
/// The array `v[key]` (e.g. `rooms`, `members`, `invitations`).
[[nodiscard]] const json::array& arr(const json::value& v, std::string_view key);
[[nodiscard]] std::string to_string(const json::value& v);

// ---- realtime ----------------------------------------------------------------------------------

/// Next frame that is not a `pong`, or nullopt after `timeout`.
[[nodiscard]] std::optional<json::object> next_non_pong(sdk::RealtimeClient& rt,
                                                        std::chrono::milliseconds timeout);
/// Subscribes and waits for `subscribed` on `topic`; returns its `seq`. Fails the test (and
/// returns -1) on an error frame or timeout. Frames of other kinds seen first are appended to
/// `others` when given.
std::int64_t subscribe(sdk::RealtimeClient& rt, std::string_view topic,
                       std::optional<std::int64_t> since = std::nullopt,
                       std::vector<json::object>* others = nullptr);
/// Reads `event` frames until `count` of them arrived for `topic` (`"*"` = any topic; other
/// frames are kept in `others` when given) or `timeout` passed; returns what arrived.
[[nodiscard]] std::vector<json::object> read_events(sdk::RealtimeClient& rt,
                                                    std::string_view topic, std::size_t count,
                                                    std::chrono::milliseconds timeout,
                                                    std::vector<json::object>* others = nullptr);
/// The `event` frames of `topic` among `frames`, in order.
[[nodiscard]] std::vector<json::object> of_topic(const std::vector<json::object>& frames,
                                                 std::string_view topic);
/// Reads every frame until none arrives for `quiet`.
[[nodiscard]] std::vector<json::object> read_until_quiet(sdk::RealtimeClient& rt,
                                                         std::chrono::milliseconds quiet);
/// `"a,b,c"` of the frames' `event` names (for readable assertions).
[[nodiscard]] std::string event_names(const std::vector<json::object>& frames);

/// Items of a paged list route, following `nextCursor` until the end.
[[nodiscard]] json::array list_all(sdk::ApiClient& api, std::string_view path_with_query,
                                   std::string_view plural);

}  // namespace cohost::it
