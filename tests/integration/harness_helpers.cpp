// JSON accessors and realtime/list helpers of the integration harness (see harness.hpp).
#include <algorithm>
#include <stdexcept>

#include "harness.hpp"

namespace cohost::it {

// ---- JSON access --------------------------------------------------------------------------------

std::string to_string(const json::value& v) { return json::serialize(v); }

const json::value& at(const json::object& o, std::string_view key) {
    const auto it = o.find(key);
    if (it == o.end()) {
        throw std::runtime_error("missing key '" + std::string(key) + "' in " +
                                 json::serialize(o));
    }
    return it->value();
}

const json::value& at(const json::value& v, std::string_view key) {
    const auto* o = v.if_object();
    if (o == nullptr) {
        throw std::runtime_error("not an object (looking for '" + std::string(key) +
                                 "'): " + to_string(v));
    }
    return at(*o, key);
}

// Type checks on a found value, shared by the object and value overloads.
namespace {
std::string str_of(const json::value& x, std::string_view key) {
    if (!x.is_string()) {
        throw std::runtime_error("'" + std::string(key) + "' is not a string: " + to_string(x));
    }
    return std::string(x.get_string());
}
std::int64_t num_of(const json::value& x, std::string_view key) {
    if (x.is_int64()) {
        return x.get_int64();
    }
    if (x.is_uint64()) {
        return static_cast<std::int64_t>(x.get_uint64());
    }
    throw std::runtime_error("'" + std::string(key) + "' is not an integer: " + to_string(x));
}
bool bool_of(const json::value& x, std::string_view key) {
    if (!x.is_bool()) {
        throw std::runtime_error("'" + std::string(key) + "' is not a bool: " + to_string(x));
    }
    return x.get_bool();
}
const json::array& arr_of(const json::value& x, std::string_view key) {
    if (!x.is_array()) {
        throw std::runtime_error("'" + std::string(key) + "' is not an array: " + to_string(x));
    }
    return x.get_array();
}
}  // namespace

std::string str(const json::object& o, std::string_view key) { return str_of(at(o, key), key); }
std::int64_t num(const json::object& o, std::string_view key) { return num_of(at(o, key), key); }
bool boolean(const json::object& o, std::string_view key) { return bool_of(at(o, key), key); }
const json::array& arr(const json::object& o, std::string_view key) {
    return arr_of(at(o, key), key);
}

std::string str(const json::value& v, std::string_view key) { return str_of(at(v, key), key); }
std::int64_t num(const json::value& v, std::string_view key) { return num_of(at(v, key), key); }
bool boolean(const json::value& v, std::string_view key) { return bool_of(at(v, key), key); }
bool is_null(const json::value& v, std::string_view key) { return at(v, key).is_null(); }
const json::array& arr(const json::value& v, std::string_view key) {
    return arr_of(at(v, key), key);
}

std::size_t size_of(const json::value& v, std::string_view key) { return arr(v, key).size(); }

// ---- realtime ---------------------------------------------------------------------------------

std::optional<json::object> next_non_pong(sdk::RealtimeClient& rt,
                                          std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        auto f = rt.next_frame(std::max(left, 0ms));
        if (!f) {
            return std::nullopt;
        }
        if (str(*f, "type") != "pong") {
            return f;
        }
    }
}

std::int64_t subscribe(sdk::RealtimeClient& rt, std::string_view topic,
                       std::optional<std::int64_t> since, std::vector<json::object>* others) {
    rt.subscribe(topic, since);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
        auto f = next_non_pong(rt, 500ms);
        if (!f) {
            continue;
        }
        const std::string type = str(*f, "type");
        const bool same_topic = f->contains("topic") && str(*f, "topic") == topic;
        if (type == "subscribed" && same_topic) {
            return num(*f, "seq");
        }
        if (type == "error" && (same_topic || !f->contains("topic"))) {
            ADD_FAILURE() << "subscribe " << topic << " refused: " << to_string(*f);
            return -1;
        }
        if (others != nullptr) {
            others->push_back(std::move(*f));
        }
    }
    ADD_FAILURE() << "no subscribed frame for " << topic << " (" << rt.close_reason() << ")";
    return -1;
}

std::vector<json::object> read_events(sdk::RealtimeClient& rt, std::string_view topic,
                                      std::size_t count, std::chrono::milliseconds timeout,
                                      std::vector<json::object>* others) {
    std::vector<json::object> out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.size() < count) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) {
            break;
        }
        auto f = next_non_pong(rt, left);
        if (!f) {
            break;
        }
        if (str(*f, "type") == "event" && (topic == "*" || str(*f, "topic") == topic)) {
            out.push_back(std::move(*f));
        } else if (others != nullptr) {
            others->push_back(std::move(*f));
        }
    }
    return out;
}

std::vector<json::object> of_topic(const std::vector<json::object>& frames,
                                   std::string_view topic) {
    std::vector<json::object> out;
    for (const auto& f : frames) {
        if (str(f, "type") == "event" && str(f, "topic") == topic) {
            out.push_back(f);
        }
    }
    return out;
}

std::vector<json::object> read_until_quiet(sdk::RealtimeClient& rt,
                                           std::chrono::milliseconds quiet) {
    std::vector<json::object> out;
    while (auto f = rt.next_frame(quiet)) {
        out.push_back(std::move(*f));
    }
    return out;
}

std::string event_names(const std::vector<json::object>& frames) {
    std::string out;
    for (const auto& f : frames) {
        if (!out.empty()) {
            out += ',';
        }
        out += f.contains("event") ? str(f, "event") : str(f, "type");
    }
    return out;
}

json::array list_all(sdk::ApiClient& api, std::string_view path_with_query,
                     std::string_view plural) {
    json::array all;
    std::string cursor;
    for (int page = 0; page < 1000; ++page) {
        std::string path(path_with_query);
        if (!cursor.empty()) {
            path += (path.find('?') == std::string::npos ? "?cursor=" : "&cursor=") +
                    sdk::url_encode(cursor);
        }
        const json::value body = api.request("GET", path).value_or_throw();
        for (const auto& item : arr(body, plural)) {
            all.push_back(item);
        }
        const json::value& next = at(body, "nextCursor");
        if (!next.is_string() || next.get_string().empty()) {
            break;
        }
        cursor = std::string(next.get_string());
    }
    return all;
}

}  // namespace cohost::it
