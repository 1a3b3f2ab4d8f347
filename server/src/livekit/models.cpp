// Protobuf canonical JSON for the LiveKit messages in models.hpp (livekit-protocol.md §2.1, §2.3,
// Appendix A.3/B). Readers are lenient where proto3 JSON is (both name spellings, int64 as string
// or number, enums as name or number, `null` = default, unknown fields ignored) and strict where
// it is not (a known field of the wrong JSON type is an error).
#include "cohost/server/livekit/models.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <string_view>

namespace cohost::server::livekit {

namespace json = boost::json;

namespace {

constexpr auto kInvalid = boost::system::errc::invalid_argument;

/// A field that is absent, or JSON `null` (proto3 JSON: null means the default value).
const json::value* field(const json::object& o, std::string_view camel, std::string_view snake) {
    const json::value* v = o.if_contains(camel);
    if ((v == nullptr || v->is_null()) && !snake.empty() && snake != camel) {
        v = o.if_contains(snake);
    }
    return (v == nullptr || v->is_null()) ? nullptr : v;
}

/// Integer in [lo, hi] from a JSON number (an integral double is accepted) or a decimal string.
bool read_integer(const json::value& v, std::int64_t lo, std::int64_t hi, std::int64_t& out) {
    if (v.is_int64()) {
        out = v.get_int64();
    } else if (v.is_uint64()) {
        if (v.get_uint64() > static_cast<std::uint64_t>(hi)) return false;
        out = static_cast<std::int64_t>(v.get_uint64());
    } else if (v.is_double()) {
        const double d = v.get_double();
        // 2^63 is exactly representable; anything at or past it does not fit an int64.
        if (!std::isfinite(d) || std::trunc(d) != d || d < -9.2233720368547758e18 ||
            d >= 9.2233720368547758e18) {
            return false;
        }
        out = static_cast<std::int64_t>(d);
    } else if (v.is_string()) {
        const std::string_view s = v.get_string();
        if (s.empty()) return false;
        const char* first = s.data();
        const char* last = s.data() + s.size();
        auto [p, ec] = std::from_chars(first, last, out);
        if (ec != std::errc{} || p != last) return false;
    } else {
        return false;
    }
    return out >= lo && out <= hi;
}

/// Reads each known field into the struct; the first type error makes the whole read fail.
class Reader {
public:
    explicit Reader(const json::object& o) : o_(o) {}

    void str(std::string_view camel, std::string_view snake, std::string& out) {
        if (const json::value* v = field(o_, camel, snake)) {
            if (!v->is_string()) {
                ok_ = false;
                return;
            }
            out = v->get_string();
        }
    }
    void boolean(std::string_view camel, std::string_view snake, bool& out) {
        if (const json::value* v = field(o_, camel, snake)) {
            if (!v->is_bool()) {
                ok_ = false;
                return;
            }
            out = v->get_bool();
        }
    }
    template <class Int>
    void integer(std::string_view camel, std::string_view snake, Int& out) {
        if (const json::value* v = field(o_, camel, snake)) {
            std::int64_t n = 0;
            if (!read_integer(*v, std::numeric_limits<Int>::min(),
                              static_cast<std::int64_t>(std::numeric_limits<Int>::max()), n)) {
                ok_ = false;
                return;
            }
            out = static_cast<Int>(n);
        }
    }
    template <std::size_t N>
    void enumeration(std::string_view camel, std::string_view snake,
                     const std::array<std::string_view, N>& names, std::string& out) {
        if (const json::value* v = field(o_, camel, snake)) {
            ok_ = ok_ && enum_value(*v, names, out);
        }
    }
    template <std::size_t N>
    void enum_list(std::string_view camel, std::string_view snake,
                   const std::array<std::string_view, N>& names, std::vector<std::string>& out) {
        const json::value* v = field(o_, camel, snake);
        if (v == nullptr) return;
        if (!v->is_array()) {
            ok_ = false;
            return;
        }
        out.clear();
        for (const json::value& e : v->get_array()) {
            std::string name;
            if (!enum_value(e, names, name)) {
                ok_ = false;
                return;
            }
            out.push_back(std::move(name));
        }
    }
    template <class T, class Parse>
    void message(std::string_view camel, std::string_view snake, std::optional<T>& out,
                 Parse parse) {
        if (const json::value* v = field(o_, camel, snake)) {
            auto r = parse(*v);
            if (!r) {
                ok_ = false;
                return;
            }
            out = std::move(*r);
        }
    }
    template <class T, class Parse>
    void messages(std::string_view camel, std::string_view snake, std::vector<T>& out,
                  Parse parse) {
        const json::value* v = field(o_, camel, snake);
        if (v == nullptr) return;
        if (!v->is_array()) {
            ok_ = false;
            return;
        }
        out.clear();
        for (const json::value& e : v->get_array()) {
            auto r = parse(e);
            if (!r) {
                ok_ = false;
                return;
            }
            out.push_back(std::move(*r));
        }
    }

    [[nodiscard]] bool ok() const noexcept { return ok_; }

private:
    /// proto3 JSON enums: the value name, or its number. Unknown names are kept (newer servers
    /// add values); unknown numbers are kept as their decimal text, which to_json writes back
    /// as a number, so they round-trip.
    template <std::size_t N>
    static bool enum_value(const json::value& v, const std::array<std::string_view, N>& names,
                           std::string& out) {
        if (v.is_string()) {
            out = v.get_string();
            return true;
        }
        std::int64_t n = 0;
        if (!read_integer(v, std::numeric_limits<std::int32_t>::min(),
                          std::numeric_limits<std::int32_t>::max(), n)) {
            return false;
        }
        if (n >= 0 && static_cast<std::size_t>(n) < N) {
            out = names[static_cast<std::size_t>(n)];
        } else {
            out = std::to_string(n);
        }
        return true;
    }

    const json::object& o_;
    bool ok_ = true;
};

// Appendix A.3: value names indexed by number.
constexpr std::array<std::string_view, 3> kTrackType{"AUDIO", "VIDEO", "DATA"};
constexpr std::array<std::string_view, 5> kTrackSource{"UNKNOWN", "CAMERA", "MICROPHONE",
                                                       "SCREEN_SHARE", "SCREEN_SHARE_AUDIO"};
constexpr std::array<std::string_view, 4> kParticipantState{"JOINING", "JOINED", "ACTIVE",
                                                            "DISCONNECTED"};

/// An enum value for writing: the name for a known value (decimal text of a known number is
/// written as that name), a number for decimal text out of range (an unknown value that was
/// read as a number), any other text as is.
template <std::size_t N>
json::value enum_json(const std::string& name, const std::array<std::string_view, N>& names) {
    std::int64_t n = 0;
    const char* last = name.data() + name.size();
    if (auto [p, ec] = std::from_chars(name.data(), last, n); ec == std::errc{} && p == last) {
        if (n >= 0 && static_cast<std::size_t>(n) < N) {
            return json::value(names[static_cast<std::size_t>(n)]);
        }
        // Enums are int32 on the wire; wider text stays text so that it reads back.
        if (n >= std::numeric_limits<std::int32_t>::min() &&
            n <= std::numeric_limits<std::int32_t>::max()) {
            return n;
        }
    }
    return json::value(name);
}

/// A singular enum field: omitted when it is value 0 (proto3 default), else enum_json().
template <std::size_t N>
void put_enum(json::object& o, std::string_view key, const std::string& name,
              const std::array<std::string_view, N>& names) {
    json::value v = enum_json(name, names);
    if (name.empty() || (v.is_string() && v.get_string() == names[0])) return;
    o[key] = std::move(v);
}

void put_str(json::object& o, std::string_view key, const std::string& v) {
    if (!v.empty()) o[key] = v;
}
void put_bool(json::object& o, std::string_view key, bool v) {
    if (v) o[key] = true;
}
void put_u32(json::object& o, std::string_view key, std::uint32_t v) {
    if (v != 0) o[key] = v;
}
void put_i64(json::object& o, std::string_view key, std::int64_t v) {
    if (v != 0) o[key] = std::to_string(v);  // proto3 JSON: 64-bit integers are strings
}

Result<const json::object*> as_object(const json::value& v) {
    if (!v.is_object()) return boost::system::errc::make_error_code(kInvalid);
    return &v.get_object();
}

template <class T>
Result<T> finish(const Reader& r, T&& out) {
    if (!r.ok()) return boost::system::errc::make_error_code(kInvalid);
    return std::move(out);
}

}  // namespace

// ---- writers -------------------------------------------------------------------------------

json::object to_json(const ParticipantPermission& p) {
    json::object o;
    put_bool(o, "canSubscribe", p.can_subscribe);
    put_bool(o, "canPublish", p.can_publish);
    put_bool(o, "canPublishData", p.can_publish_data);
    if (!p.can_publish_sources.empty()) {
        json::array a;
        for (const auto& s : p.can_publish_sources) a.push_back(enum_json(s, kTrackSource));
        o["canPublishSources"] = std::move(a);
    }
    put_bool(o, "hidden", p.hidden);
    return o;
}

json::object to_json(const TrackInfo& t) {
    json::object o;
    put_str(o, "sid", t.sid);
    put_enum(o, "type", t.type, kTrackType);
    put_str(o, "name", t.name);
    put_bool(o, "muted", t.muted);
    put_enum(o, "source", t.source, kTrackSource);
    return o;
}

json::object to_json(const ParticipantInfo& p) {
    json::object o;
    put_str(o, "sid", p.sid);
    put_str(o, "identity", p.identity);
    put_enum(o, "state", p.state, kParticipantState);
    if (!p.tracks.empty()) {
        json::array a;
        for (const auto& t : p.tracks) a.push_back(to_json(t));
        o["tracks"] = std::move(a);
    }
    put_str(o, "metadata", p.metadata);
    put_i64(o, "joinedAt", p.joined_at);
    put_str(o, "name", p.name);
    if (p.permission) o["permission"] = to_json(*p.permission);
    put_bool(o, "isPublisher", p.is_publisher);
    return o;
}

json::object to_json(const RoomInfo& r) {
    json::object o;
    put_str(o, "sid", r.sid);
    put_str(o, "name", r.name);
    put_u32(o, "emptyTimeout", r.empty_timeout);
    put_u32(o, "maxParticipants", r.max_participants);
    put_i64(o, "creationTime", r.creation_time);
    put_str(o, "metadata", r.metadata);
    put_u32(o, "numParticipants", r.num_participants);
    put_u32(o, "numPublishers", r.num_publishers);
    return o;
}

json::object to_json(const WebhookEvent& e) {
    json::object o;
    put_str(o, "event", e.event);
    if (e.room) o["room"] = to_json(*e.room);
    if (e.participant) o["participant"] = to_json(*e.participant);
    put_str(o, "id", e.id);
    put_i64(o, "createdAt", e.created_at);
    if (e.track) o["track"] = to_json(*e.track);
    if (e.num_dropped != 0) o["numDropped"] = e.num_dropped;
    return o;
}

// ---- readers -------------------------------------------------------------------------------

Result<ParticipantPermission> permission_from_json(const json::value& v) {
    auto o = as_object(v);
    if (!o) return o.error();
    ParticipantPermission p;
    Reader r(**o);
    r.boolean("canSubscribe", "can_subscribe", p.can_subscribe);
    r.boolean("canPublish", "can_publish", p.can_publish);
    r.boolean("canPublishData", "can_publish_data", p.can_publish_data);
    r.enum_list("canPublishSources", "can_publish_sources", kTrackSource, p.can_publish_sources);
    r.boolean("hidden", "", p.hidden);
    return finish(r, std::move(p));
}

Result<TrackInfo> track_from_json(const json::value& v) {
    auto o = as_object(v);
    if (!o) return o.error();
    TrackInfo t;
    Reader r(**o);
    r.str("sid", "", t.sid);
    r.enumeration("type", "", kTrackType, t.type);
    r.str("name", "", t.name);
    r.enumeration("source", "", kTrackSource, t.source);
    r.boolean("muted", "", t.muted);
    return finish(r, std::move(t));
}

Result<ParticipantInfo> participant_from_json(const json::value& v) {
    auto o = as_object(v);
    if (!o) return o.error();
    ParticipantInfo p;
    Reader r(**o);
    r.str("sid", "", p.sid);
    r.str("identity", "", p.identity);
    r.str("name", "", p.name);
    r.enumeration("state", "", kParticipantState, p.state);
    r.str("metadata", "", p.metadata);
    r.integer("joinedAt", "joined_at", p.joined_at);
    r.boolean("isPublisher", "is_publisher", p.is_publisher);
    r.message("permission", "", p.permission, permission_from_json);
    r.messages("tracks", "", p.tracks, track_from_json);
    return finish(r, std::move(p));
}

Result<RoomInfo> room_from_json(const json::value& v) {
    auto o = as_object(v);
    if (!o) return o.error();
    RoomInfo room;
    Reader r(**o);
    r.str("sid", "", room.sid);
    r.str("name", "", room.name);
    r.str("metadata", "", room.metadata);
    r.integer("emptyTimeout", "empty_timeout", room.empty_timeout);
    r.integer("maxParticipants", "max_participants", room.max_participants);
    r.integer("creationTime", "creation_time", room.creation_time);
    r.integer("numParticipants", "num_participants", room.num_participants);
    r.integer("numPublishers", "num_publishers", room.num_publishers);
    return finish(r, std::move(room));
}

Result<WebhookEvent> webhook_event_from_json(const json::value& v) {
    auto o = as_object(v);
    if (!o) return o.error();
    WebhookEvent e;
    Reader r(**o);
    r.str("id", "", e.id);
    r.str("event", "", e.event);
    r.message("room", "", e.room, room_from_json);
    r.message("participant", "", e.participant, participant_from_json);
    r.message("track", "", e.track, track_from_json);
    r.integer("createdAt", "created_at", e.created_at);
    r.integer("numDropped", "num_dropped", e.num_dropped);
    return finish(r, std::move(e));
}

}  // namespace cohost::server::livekit
