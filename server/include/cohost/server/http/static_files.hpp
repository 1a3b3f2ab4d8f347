#pragma once
/// \file Serves the web demo app (web/demo/dist) at `/` from a directory.
///
/// `GET` of a path that no API route matched: a file under the root is answered with its content
/// type; any other path without a file extension answers `index.html` (client-side routes); paths
/// under the API prefixes (`/v1/`, `/twirp/`, `/rtc`, `/whip/`, `/whep/`) never fall back to the
/// app. `..` segments, NUL bytes and symlinks leaving the root are refused with 404. Files are read
/// per request (the bundle is small and served from the page cache), with
/// `Cache-Control: no-cache` so a rebuilt bundle is picked up at once.
#include <filesystem>
#include <optional>
#include <string>

#include "cohost/server/http/router.hpp"

namespace cohost::server::http {

class StaticFiles {
public:
    /// `root` must be a directory (checked by `find_ui_dir`).
    explicit StaticFiles(std::filesystem::path root);

    /// The answer for `req`, or nullopt when the request is not for the app (not GET, or an API
    /// path): the caller answers its usual 404/405 then.
    [[nodiscard]] std::optional<Response> serve(const Request& req) const;

    [[nodiscard]] const std::filesystem::path& root() const noexcept { return root_; }

private:
    std::filesystem::path root_;  ///< canonical
};

/// `Content-Type` for a file name by extension (`application/octet-stream` when unknown).
[[nodiscard]] std::string content_type_for(const std::filesystem::path& file);

/// The directory to serve: `configured` when not empty (must hold index.html, else nullopt);
/// otherwise the first of `<exe_dir>/../../web/demo/dist` and `./web/demo/dist` holding an
/// index.html; nullopt when none does.
[[nodiscard]] std::optional<std::filesystem::path> find_ui_dir(const std::string& configured,
                                                               const std::filesystem::path& exe_dir);

/// The page `/` answers when no UI directory was found: says how to build the demo app.
[[nodiscard]] Response ui_missing_page();

}  // namespace cohost::server::http
