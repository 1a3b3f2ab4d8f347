// `cohostctl watch TOPIC`: a resilient realtime tail. Frames are printed as they arrive; when the
// connection drops, the watcher reconnects (with backoff) and resumes with `since` = the last seq
// it printed, so a script sees every event once and in order.
#include <algorithm>
#include <atomic>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include "cohost/sdk/realtime_client.hpp"
#include "commands.hpp"

namespace cohost::ctl {

namespace json = boost::json;

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int /*sig*/) { g_stop.store(true); }

std::string string_field(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::optional<long long> int_field(const json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (v->is_int64()) {
        return v->get_int64();
    }
    if (v->is_uint64()) {
        return static_cast<long long>(v->get_uint64());
    }
    return std::nullopt;
}

// Sleeps up to `d` in small steps so Ctrl-C stays responsive.
void interruptible_sleep(std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (!g_stop && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace

int cmd_watch(const Context& ctx, const std::string& topic, std::optional<long long> since) {
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    auto backoff = std::chrono::milliseconds(250);
    std::optional<long long> last = since;
    while (!g_stop) {
        sdk::RealtimeClient rt(ctx.url, ctx.token);
        try {
            rt.connect();
            rt.subscribe(topic, last);
        } catch (const sdk::HandshakeError& e) {
            std::cerr << "error: " << (e.status == 401 ? "unauthenticated" : "refused")
                      << " (HTTP " << e.status << "): " << e.what() << '\n';
            return 1;
        } catch (const sdk::TransportError& e) {
            std::cerr << "watch: " << e.what() << "; retrying\n";
            interruptible_sleep(backoff);
            backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
            continue;
        }
        backoff = std::chrono::milliseconds(250);
        while (!g_stop && rt.is_open()) {
            auto frame = rt.next_frame(std::chrono::milliseconds(250));
            if (!frame) {
                continue;
            }
            print_line(*frame);
            const std::string type = string_field(*frame, "type");
            if (type == "event" && string_field(*frame, "topic") == topic) {
                last = int_field(*frame, "seq");
            } else if (type == "subscribed" && !last) {
                last = int_field(*frame, "seq");  // live from here; resume from this point
            } else if (type == "resync_required") {
                last = int_field(*frame, "seq");  // state must be refetched; continue live
            } else if (type == "error" && string_field(*frame, "topic") == topic) {
                std::cerr << "error: " << string_field(*frame, "code") << ": "
                          << string_field(*frame, "message") << '\n';
                return 1;
            }
        }
        if (!g_stop) {
            std::cerr << "watch: connection lost (" << rt.close_reason() << "); reconnecting\n";
            interruptible_sleep(backoff);
        }
    }
    return 0;
}

}  // namespace cohost::ctl
