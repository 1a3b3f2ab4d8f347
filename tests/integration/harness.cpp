#include "harness.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#ifndef COHOSTD_PATH
#define COHOSTD_PATH "cohostd"
#endif

namespace cohost::it {

namespace {

constexpr std::string_view kReadyPrefix = "cohostd ready ";

std::string binary_path() {
    if (const char* env = std::getenv("COHOSTD_BIN"); env != nullptr && *env != '\0') {
        return env;
    }
    return COHOSTD_PATH;
}

std::string make_temp_root() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cohost-it-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
        throw std::runtime_error(std::string("mkdtemp failed: ") + std::strerror(errno));
    }
    return tmpl;
}

std::string read_file_tail(const std::string& path, std::size_t bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return {};
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::string all = ss.str();
    return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

int decode_wait_status(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return -1;
}

}  // namespace

ServerProcess::ServerProcess(ServerOptions opts) : opts_(std::move(opts)) {
    root_dir_ = make_temp_root();
    data_dir_ = root_dir_ + "/data";
    stderr_path_ = root_dir_ + "/stderr.log";
    std::filesystem::create_directories(data_dir_);
}

ServerProcess::~ServerProcess() {
    sigkill();
    reap_drain_thread();
    const char* keep = std::getenv("COHOSTD_KEEP_DATA");
    if (keep == nullptr || *keep == '\0') {
        std::error_code ec;
        std::filesystem::remove_all(root_dir_, ec);
    }
}

void ServerProcess::reap_drain_thread() {
    if (drain_.joinable()) {
        drain_.join();
    }
}

void ServerProcess::drain_stdout(int fd) {
    std::array<char, 4096> buf{};
    std::string pending;
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        std::lock_guard lock(mutex_);
        stdout_log_.append(buf.data(), static_cast<std::size_t>(n));
        pending.append(buf.data(), static_cast<std::size_t>(n));
        for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
            std::string line = pending.substr(0, nl);
            pending.erase(0, nl + 1);
            if (const auto p = line.find(kReadyPrefix); p != std::string::npos && ready_url_.empty()) {
                // `cohostd ready http://127.0.0.1:PORT (api key ...)`: the URL is one word.
                std::string u = line.substr(p + kReadyPrefix.size());
                u = u.substr(0, u.find_first_of(" \r\t"));
                ready_url_ = u;
                ready_cv_.notify_all();
            }
        }
        if (stdout_log_.size() > (1U << 20U)) {  // keep memory bounded on chatty servers
            stdout_log_.erase(0, stdout_log_.size() - (1U << 19U));
        }
    }
    ::close(fd);
    std::lock_guard lock(mutex_);
    stdout_closed_ = true;
    ready_cv_.notify_all();
}

void ServerProcess::start() {
    if (pid_ > 0) {
        throw std::runtime_error("server already running");
    }
    reap_drain_thread();
    {
        std::lock_guard lock(mutex_);
        ready_url_.clear();
        stdout_closed_ = false;
        stdout_log_ += "---- start ----\n";
    }
    const std::string bin = binary_path();
    std::vector<std::string> args{bin,           "--http-addr", http_addr_,    "--data-dir",
                                  data_dir_,     "--api-key",   opts_.api_key, "--api-secret",
                                  opts_.api_secret, "--dev-login"};
    // The embedded SFU binds a UDP port: an ephemeral one, so tests can run side by side.
    if (std::find(opts_.extra_args.begin(), opts_.extra_args.end(), "--udp-port") ==
        opts_.extra_args.end()) {
        args.insert(args.end(), {"--udp-port", "0"});
    }
    args.insert(args.end(), opts_.extra_args.begin(), opts_.extra_args.end());
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        if (std::string_view(*e).rfind("COHOST_", 0) != 0) {
            env_strings.emplace_back(*e);
        }
    }
    std::vector<char*> envp;
    envp.reserve(env_strings.size() + 1);
    for (auto& e : env_strings) {
        envp.push_back(e.data());
    }
    envp.push_back(nullptr);

    std::array<int, 2> out{};
    if (::pipe2(out.data(), O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string("pipe2 failed: ") + std::strerror(errno));
    }
    const int err_fd = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (err_fd < 0) {
        ::close(out[0]);
        ::close(out[1]);
        throw std::runtime_error("cannot open " + stderr_path_);
    }
    const pid_t parent = ::getpid();
    // fork + exec rather than posix_spawn: the child must ask for PR_SET_PDEATHSIG so that a
    // crashed or timed-out test binary never leaves a server behind. Only async-signal-safe
    // calls happen between fork and exec (argv was built above).
    const pid_t child = ::fork();
    if (child < 0) {
        ::close(out[0]);
        ::close(out[1]);
        ::close(err_fd);
        throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
    }
    if (child == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) {
            ::_exit(127);
        }
        ::dup2(out[1], STDOUT_FILENO);
        ::dup2(err_fd, STDERR_FILENO);
        const int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) {
            ::dup2(devnull, STDIN_FILENO);
        }
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(out[1]);
    ::close(err_fd);
    pid_ = child;
    drain_ = std::thread([this, fd = out[0]] { drain_stdout(fd); });

    std::unique_lock lock(mutex_);
    const bool ready = ready_cv_.wait_for(lock, opts_.ready_timeout, [this] {
        return !ready_url_.empty() || stdout_closed_;
    });
    if (ready && !ready_url_.empty()) {
        url_ = ready_url_;
        return;
    }
    const bool closed = stdout_closed_;
    lock.unlock();
    sigkill();
    throw std::runtime_error(std::string(closed ? "cohostd exited before it was ready"
                                                : "cohostd not ready in time") +
                             " (binary " + bin + ")\n" + log_tail());
}

void ServerProcess::restart(bool same_port) {
    if (pid_ > 0) {
        throw std::runtime_error("restart: the server is still running");
    }
    if (same_port && !url_.empty()) {
        http_addr_ = url_.substr(url_.find("://") + 3);
    } else {
        http_addr_ = "127.0.0.1:0";
    }
    start();
}

bool ServerProcess::running() {
    if (pid_ <= 0) {
        return false;
    }
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        pid_ = -1;
        return false;
    }
    return true;
}

int ServerProcess::sigterm(std::chrono::milliseconds wait) {
    if (pid_ <= 0) {
        return -1;
    }
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + wait;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            pid_ = -1;
            reap_drain_thread();
            return decode_wait_status(status);
        }
        std::this_thread::sleep_for(10ms);
    }
    sigkill();
    return -1;
}

void ServerProcess::sigkill() {
    if (pid_ <= 0) {
        return;
    }
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    reap_drain_thread();
}

std::string ServerProcess::log_tail(std::size_t bytes) const {
    std::string out;
    {
        std::lock_guard lock(mutex_);
        out = stdout_log_.size() > bytes ? stdout_log_.substr(stdout_log_.size() - bytes)
                                         : stdout_log_;
    }
    return "---- stdout ----\n" + out + "\n---- stderr ----\n" +
           read_file_tail(stderr_path_, bytes);
}

// ---- fixture --------------------------------------------------------------------------------

void ServerTest::SetUp() { server_.start(); }

void ServerTest::TearDown() {
    if (HasFailure()) {
        std::cerr << "server log (" << server_.data_dir() << "):\n" << server_.log_tail() << "\n";
    }
}

sdk::ApiClient ServerTest::login(std::string_view user_id, std::string_view name) {
    sdk::ApiClient api(url());
    api.dev_login(user_id, name.empty() ? user_id : name);
    return api;
}

sdk::ApiClient ServerTest::admin() { return sdk::ApiClient(url(), server_.admin_token()); }

std::unique_ptr<sdk::RealtimeClient> ServerTest::realtime(const sdk::ApiClient& api) {
    auto rt = std::make_unique<sdk::RealtimeClient>(url(), api.token());
    rt->connect();
    return rt;
}

}  // namespace cohost::it
