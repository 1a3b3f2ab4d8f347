// The web app's static files (http.ui_dir): content types, the index fallback for client routes,
// API paths never falling back, traversal and symlinks out of the root refused, and the router
// asking the fallback only when no route matched.
#include "cohost/server/http/static_files.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cohost/server/http/router.hpp"

namespace cohost::server::http {
namespace {

namespace fs = std::filesystem;
using boost::beast::http::verb;

void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
}

class StaticFilesTest : public ::testing::Test {
protected:
    void SetUp() override {
        base_ = fs::temp_directory_path() / ("cohost-static-" + std::to_string(::getpid()));
        fs::remove_all(base_);
        root_ = base_ / "dist";
        write(root_ / "index.html", "<!doctype html>app");
        write(root_ / "app.js", "console.log(1)");
        write(root_ / "app.css", "body{}");
        write(root_ / "img" / "logo.svg", "<svg/>");
        write(base_ / "secret.txt", "outside");
        fs::create_symlink(base_ / "secret.txt", root_ / "leak.txt");
    }
    void TearDown() override { fs::remove_all(base_); }

    std::optional<Response> get(const std::string& path, verb method = verb::get) {
        raw_ = RawRequest(method, path, 11);
        Request req;
        req.raw = &raw_;
        req.path = path;
        return StaticFiles(root_).serve(req);
    }

    fs::path base_, root_;
    RawRequest raw_;
};

TEST_F(StaticFilesTest, ServesFilesWithTheirContentType) {
    auto r = get("/app.js");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "console.log(1)");
    EXPECT_EQ(r->content_type, "text/javascript; charset=utf-8");
    r = get("/app.css");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->content_type, "text/css; charset=utf-8");
    r = get("/img/logo.svg");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->content_type, "image/svg+xml");
    EXPECT_EQ(r->body, "<svg/>");
}

TEST_F(StaticFilesTest, RootAndClientRoutesAnswerIndex) {
    for (const char* path : {"/", "/rooms", "/rooms/RM_1/watch"}) {
        auto r = get(path);
        ASSERT_TRUE(r) << path;
        EXPECT_EQ(r->status, 200) << path;
        EXPECT_EQ(r->body, "<!doctype html>app") << path;
        EXPECT_EQ(r->content_type, "text/html; charset=utf-8");
    }
}

TEST_F(StaticFilesTest, MissingAssetIs404NotIndex) {
    auto r = get("/missing.js");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404);
}

TEST_F(StaticFilesTest, ApiPathsAndOtherMethodsAreNotServed) {
    for (const char* path : {"/v1/rooms", "/v1", "/twirp/livekit.RoomService/ListRooms", "/rtc/v1",
                             "/whip/room", "/whep/room", "/healthz", "/metrics"}) {
        EXPECT_FALSE(get(path)) << path;
    }
    EXPECT_FALSE(get("/app.js", verb::post));
    EXPECT_FALSE(get("/", verb::delete_));
}

TEST_F(StaticFilesTest, TraversalAndSymlinksOutOfTheRootAreRefused) {
    for (const char* path : {"/../secret.txt", "/img/../../secret.txt", "/./app.js", "/a\\b"}) {
        auto r = get(path);
        ASSERT_TRUE(r) << path;
        EXPECT_EQ(r->status, 404) << path;
        EXPECT_EQ(r->body.find("outside"), std::string::npos);
    }
    auto r = get("/leak.txt");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404);
    EXPECT_EQ(r->body.find("outside"), std::string::npos);
}

TEST_F(StaticFilesTest, FindUiDirNeedsAnIndex) {
    EXPECT_EQ(find_ui_dir(root_.string(), "/nonexistent"), root_);
    EXPECT_FALSE(find_ui_dir((base_ / "nothing").string(), "/nonexistent"));
    // Auto: <exe_dir>/../../web/demo/dist.
    write(base_ / "repo" / "web" / "demo" / "dist" / "index.html", "x");
    fs::create_directories(base_ / "repo" / "build" / "bin");
    const auto found = find_ui_dir("", base_ / "repo" / "build" / "bin");
    ASSERT_TRUE(found);
    EXPECT_EQ(*found, fs::weakly_canonical(base_ / "repo" / "web" / "demo" / "dist"));
}

TEST(RouterFallback, AskedOnlyWhenNoRouteMatches) {
    Router router;
    router.add(verb::get, "/v1/rooms", [](Request&) { return Response::json(200, "{}"); });
    int asked = 0;
    router.set_fallback([&asked](const Request& req) -> std::optional<Response> {
        ++asked;
        if (req.path == "/app") return Response::json(200, "\"app\"");
        return std::nullopt;
    });
    const auto dispatch = [&router](verb method, const std::string& path) {
        RawRequest raw(method, path, 11);
        Request req;
        req.raw = &raw;
        req.path = path;
        return router.dispatch(req);
    };
    EXPECT_EQ(dispatch(verb::get, "/v1/rooms").body, "{}");
    EXPECT_EQ(asked, 0);
    EXPECT_EQ(dispatch(verb::post, "/v1/rooms").status, 405);  // a 405 is not the fallback's
    EXPECT_EQ(asked, 0);
    EXPECT_EQ(dispatch(verb::get, "/app").body, "\"app\"");
    EXPECT_EQ(asked, 1);
    EXPECT_EQ(dispatch(verb::get, "/other").status, 404);
    EXPECT_EQ(asked, 2);
}

}  // namespace
}  // namespace cohost::server::http
