// cohostctl end to end against a real server: JSON lines on stdout, errors with their code on
// stderr and exit code 1, login state in $COHOSTCTL_CONFIG, and `watch` printing frames until
// interrupted.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness.hpp"

namespace cohost::it {
namespace {

struct CtlRun {
    int exit_code = -1;
    std::vector<json::value> lines;  ///< stdout, one JSON document per line
    std::string out;
    std::string err;
};

[[maybe_unused]] std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) {
        q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return q + "'";
}

class CohostctlTest : public ServerTest {
protected:
    void SetUp() override {
#ifndef COHOSTCTL_PATH
        GTEST_SKIP() << "cohostctl is not built";
#else
        ServerTest::SetUp();
        dir_ = server_.data_dir() + "/../ctl";
        std::filesystem::create_directories(dir_);
#endif
    }

    /// Runs cohostctl as `user` (its own config file) with `args`; `prefix` wraps the command
    /// (e.g. `timeout`).
    CtlRun ctl(const std::string& user, const std::vector<std::string>& args,
            const std::string& prefix = {}) {
        CtlRun r;
#ifdef COHOSTCTL_PATH
        const std::string err_file = dir_ + "/stderr-" + user;
        std::string cmd = "COHOSTCTL_CONFIG=" + quote(dir_ + "/" + user + ".json") + " " + prefix +
                          " " + quote(COHOSTCTL_PATH);
        for (const auto& a : args) {
            cmd += " " + quote(a);
        }
        cmd += " 2>" + quote(err_file);
        FILE* p = ::popen(cmd.c_str(), "r");
        if (p == nullptr) {
            ADD_FAILURE() << "popen failed";
            return r;
        }
        std::array<char, 4096> buf{};
        while (std::fgets(buf.data(), buf.size(), p) != nullptr) {
            r.out += buf.data();
        }
        const int status = ::pclose(p);
        r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        std::istringstream lines(r.out);
        for (std::string line; std::getline(lines, line);) {
            boost::system::error_code ec;
            json::value v = json::parse(line, ec);
            EXPECT_FALSE(ec) << "stdout line is not JSON: " << line;
            r.lines.push_back(std::move(v));
        }
        std::ifstream in(err_file);
        std::stringstream ss;
        ss << in.rdbuf();
        r.err = ss.str();
#else
        (void)user;
        (void)args;
        (void)prefix;
#endif
        return r;
    }

    std::string dir_;
};

TEST_F(CohostctlTest, ScriptsTheWholeFlow) {
    auto login_host = ctl("host", {"--url", url(), "login", "host", "--name", "Hana"});
    ASSERT_EQ(login_host.exit_code, 0) << login_host.err;
    ASSERT_EQ(login_host.lines.size(), 1U);
    EXPECT_EQ(str(at(login_host.lines[0], "user"), "displayName"), "Hana");
    ASSERT_EQ(ctl("alice", {"--url", url(), "login", "alice"}).exit_code, 0);

    // Later commands reuse the saved URL and token.
    auto room = ctl("host", {"rooms", "create", "CLI show", "--max-cohosts", "2"});
    ASSERT_EQ(room.exit_code, 0) << room.err;
    const std::string room_id = str(room.lines.at(0), "roomId");
    auto inv = ctl("host", {"invite", room_id, "alice", "--expires", "60"});
    ASSERT_EQ(inv.exit_code, 0) << inv.err;
    const std::string inv_id = str(inv.lines.at(0), "invitationId");

    auto mine = ctl("alice", {"invitations", "--status", "pending"});
    ASSERT_EQ(mine.lines.size(), 1U) << mine.out;
    EXPECT_EQ(str(mine.lines[0], "invitationId"), inv_id);
    EXPECT_EQ(str(ctl("alice", {"accept", inv_id}).lines.at(0), "status"), "approved");

    auto stage = ctl("bob-less", {"--url", url(), "--token", login("bob").token(), "stage", room_id});
    ASSERT_EQ(stage.exit_code, 0) << stage.err;
    ASSERT_EQ(stage.lines.size(), 2U);
    EXPECT_EQ(str(stage.lines[0], "role"), "host");
    EXPECT_EQ(str(stage.lines[1], "userId"), "alice");

    auto token = ctl("alice", {"token", room_id});
    EXPECT_EQ(str(token.lines.at(0), "identity"), "alice");
    auto viewer = ctl("alice", {"token", room_id, "--viewer"});
    EXPECT_EQ(str(viewer.lines.at(0), "identity").rfind("viewer-alice-", 0), 0U);

    // `watch` replays from --since and prints every frame as one JSON line until SIGINT.
    auto watch = ctl("alice", {"watch", "room:" + room_id, "--since", "0"},
                     "timeout --preserve-status -s INT 1.5");
    EXPECT_EQ(watch.exit_code, 0) << watch.err;
    ASSERT_GE(watch.lines.size(), 3U) << watch.out;
    EXPECT_EQ(str(watch.lines[0], "type"), "subscribed");
    EXPECT_EQ(str(watch.lines[1], "event"), "room.updated");
    EXPECT_EQ(str(watch.lines[2], "event"), "stage.joined");

    EXPECT_EQ(ctl("alice", {"stage", "leave", room_id}).exit_code, 0);
    EXPECT_EQ(size_of(login("x").get_stage(room_id), "members"), 1U);

    // Refusals: code on stderr, exit 1, nothing on stdout.
    auto refused = ctl("alice", {"rooms", "stop", room_id});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_TRUE(refused.lines.empty());
    EXPECT_NE(refused.err.find("not_host"), std::string::npos) << refused.err;
    auto rooms = ctl("host", {"rooms", "list", "--status", "idle"});
    ASSERT_EQ(rooms.lines.size(), 1U);
    EXPECT_EQ(ctl("host", {"rooms", "stop", room_id}).exit_code, 0);
    auto again = ctl("host", {"rooms", "stop", room_id});
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_NE(again.err.find("room_ended"), std::string::npos) << again.err;
    auto unreachable = ctl("host", {"--url", "http://127.0.0.1:1", "rooms", "list"});
    EXPECT_EQ(unreachable.exit_code, 1);
    EXPECT_NE(unreachable.err.find("unavailable"), std::string::npos) << unreachable.err;
}

}  // namespace
}  // namespace cohost::it
