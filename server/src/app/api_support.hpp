#pragma once
// Input helpers for the REST handlers: body parsing with limits, typed field access that refuses
// with `invalid_argument` + details.field, pagination parameters.
#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "cohost/server/http/router.hpp"
#include "cohost/server/rooms/errors.hpp"

namespace cohost::server::app::detail {

/// Parses the body as a JSON object (max nesting `max_depth`). An empty body is `{}`.
/// Throws invalid_json for malformed JSON or a non-object.
[[nodiscard]] boost::json::object parse_body(const http::Request& req, int max_depth);

/// Refuses unknown fields: every key of `body` must be in `allowed`.
void only_fields(const boost::json::object& body, std::initializer_list<std::string_view> allowed);

/// String field: nullopt when absent (or null if `null_ok`); invalid_argument when not a string,
/// or its length in code points is outside [min_len, max_len].
[[nodiscard]] std::optional<std::string> opt_string(const boost::json::object& body,
                                                    std::string_view field, std::size_t min_len,
                                                    std::size_t max_len);
[[nodiscard]] std::string req_string(const boost::json::object& body, std::string_view field,
                                     std::size_t min_len, std::size_t max_len);
/// Integer field in [min, max] (JSON integers only, no floats, no strings).
[[nodiscard]] std::optional<std::int64_t> opt_int(const boost::json::object& body,
                                                  std::string_view field, std::int64_t min,
                                                  std::int64_t max);
[[nodiscard]] std::optional<bool> opt_bool(const boost::json::object& body, std::string_view field);

/// `limit` query parameter: default 50, 1–200.
[[nodiscard]] int page_limit(const http::Request& req);

/// Counts UTF-8 code points; nullopt for invalid UTF-8.
[[nodiscard]] std::optional<std::size_t> utf8_length(std::string_view s);

[[noreturn]] void refuse(rooms::Errc code, std::string message, boost::json::object details = {});
[[noreturn]] void refuse_field(std::string_view field, std::string message);

}  // namespace cohost::server::app::detail
