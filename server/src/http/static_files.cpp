#include "cohost/server/http/static_files.hpp"

#include <array>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

namespace cohost::server::http {

namespace fs = std::filesystem;

namespace {

constexpr std::array<std::string_view, 5> kApiPrefixes = {"/v1", "/twirp/", "/rtc", "/whip/",
                                                          "/whep/"};

bool is_api_path(std::string_view path) {
    for (std::string_view p : kApiPrefixes) {
        if (path.starts_with(p)) return true;
    }
    return path == "/healthz" || path == "/metrics";
}

/// True when some segment of `path` is `..` or `.`, or the path holds a NUL or a backslash.
bool unsafe_path(std::string_view path) {
    if (path.find('\0') != std::string_view::npos || path.find('\\') != std::string_view::npos) {
        return true;
    }
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t end = std::min(path.find('/', start), path.size());
        const std::string_view seg = path.substr(start, end - start);
        if (seg == ".." || seg == ".") return true;
        start = end + 1;
    }
    return false;
}

std::optional<std::string> read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Response not_found() {
    return Response::error(rooms::make_error(rooms::Errc::NotFound, "no such route"));
}

Response file_response(std::string body, const fs::path& file) {
    Response r;
    r.status = 200;
    r.body = std::move(body);
    r.content_type = content_type_for(file);
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return r;
}

}  // namespace

std::string content_type_for(const fs::path& file) {
    const std::string ext = file.extension().string();
    if (ext == ".html") return "text/html; charset=utf-8";
    if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
    if (ext == ".css") return "text/css; charset=utf-8";
    if (ext == ".json" || ext == ".map") return "application/json";
    if (ext == ".svg") return "image/svg+xml";
    if (ext == ".png") return "image/png";
    if (ext == ".ico") return "image/x-icon";
    if (ext == ".webp") return "image/webp";
    if (ext == ".woff2") return "font/woff2";
    if (ext == ".txt") return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

StaticFiles::StaticFiles(fs::path root) {
    std::error_code ec;
    root_ = fs::canonical(root, ec);
    if (ec) root_ = std::move(root);
}

std::optional<Response> StaticFiles::serve(const Request& req) const {
    if (req.method() != boost::beast::http::verb::get || is_api_path(req.path)) return std::nullopt;
    if (unsafe_path(req.path)) return not_found();
    const std::string rel = req.path.size() > 1 ? req.path.substr(1) : "index.html";
    fs::path wanted = root_ / rel;
    std::error_code ec;
    if (fs::is_directory(wanted, ec)) wanted /= "index.html";
    if (fs::is_regular_file(wanted, ec)) {
        // A symlink may point outside the root: serve only what resolves inside it.
        const fs::path real = fs::canonical(wanted, ec);
        if (ec) return not_found();
        const auto [root_end, _] = std::mismatch(root_.begin(), root_.end(), real.begin(), real.end());
        if (root_end != root_.end()) return not_found();
        if (auto body = read_file(real)) return file_response(std::move(*body), real);
        return not_found();
    }
    // No such file: a path with an extension is a missing asset; anything else is a client route.
    if (fs::path(rel).has_extension()) return not_found();
    const fs::path index = root_ / "index.html";
    if (auto body = read_file(index)) return file_response(std::move(*body), index);
    return not_found();
}

std::optional<fs::path> find_ui_dir(const std::string& configured, const fs::path& exe_dir) {
    std::error_code ec;
    const auto usable = [&ec](const fs::path& dir) {
        return fs::is_regular_file(dir / "index.html", ec);
    };
    if (!configured.empty()) {
        if (usable(configured)) return fs::path(configured);
        return std::nullopt;
    }
    for (const fs::path& dir : {exe_dir / ".." / ".." / "web" / "demo" / "dist",
                                fs::path("web") / "demo" / "dist"}) {
        if (usable(dir)) return fs::weakly_canonical(dir, ec);
    }
    return std::nullopt;
}

Response ui_missing_page() {
    Response r;
    r.status = 200;
    r.content_type = "text/html; charset=utf-8";
    r.body =
        "<!doctype html><meta charset=utf-8><title>cohost</title>"
        "<h1>cohostd is running</h1><p>The demo app is not built. Run <code>scripts/build</code> "
        "(it bundles <code>web/demo</code> into <code>web/demo/dist</code>) or set "
        "<code>http.ui_dir</code>. The REST API is under <code>/v1</code> "
        "(<code>docs/api/openapi.yaml</code>).</p>";
    return r;
}

}  // namespace cohost::server::http
