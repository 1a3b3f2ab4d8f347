// cohostd: the cohost server. With no arguments it runs the embedded default: SQLite in ./data,
// dev login on, loopback only (http://127.0.0.1:7880).
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <csignal>
#include <iostream>
#include <thread>

#include "cohost/core/log.hpp"
#include "cohost/media/media_server.hpp"
#include "media_routes.hpp"
#include "cohost/server/app/server.hpp"
#include "cohost/server/config.hpp"

namespace {
cohost::server::app::Server* g_server = nullptr;

void on_signal(int) {
    // Only posting happens here; Server::stop is safe from any thread.
    if (g_server) g_server->stop();
}
}  // namespace

int main(int argc, char** argv) {
    // glibc returns freed heap to the kernel as soon as 128 KiB sit free at the top, and grows it
    // again a moment later: SQLite transactions made that churn (brk, page faults, trims) about
    // a fifth of the server's CPU in the webhook benchmark (bench/RESULTS.md). Keep 64 MiB of
    // slack and trim only past 256 MiB; untouched slack costs address space, not memory.
    mallopt(M_TOP_PAD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    CLI::App cli{"cohostd: self-hostable livestream co-hosting server"};
    cohost::server::CliOverrides o;
    std::string config_path, http_addr, data_dir, api_key, api_secret;
    int udp_port = 0;
    bool dev_login = false;
    auto* c = cli.add_option("--config", config_path, "YAML config file");
    auto* h = cli.add_option("--http-addr", http_addr, "HTTP listen address HOST:PORT (127.0.0.1:7880)");
    auto* u = cli.add_option("--udp-port", udp_port, "first media UDP port (7882; 0 = ephemeral)")->check(CLI::Range(0, 65535));
    auto* d = cli.add_option("--data-dir", data_dir, "data directory (./data)");
    auto* k = cli.add_option("--api-key", api_key, "API key (token issuer)");
    auto* s = cli.add_option("--api-secret", api_secret, "API secret (>= 32 bytes; generated if absent)");
    auto* dl = cli.add_flag("--dev-login{true},--no-dev-login{false}", dev_login,
                            "enable/disable POST /v1/auth/dev-login");
    CLI11_PARSE(cli, argc, argv);
    if (*c) o.config_path = config_path;
    if (*h) o.http_addr = http_addr;
    if (*u) o.udp_port = static_cast<std::uint16_t>(udp_port);
    if (*d) o.data_dir = data_dir;
    if (*k) o.api_key = api_key;
    if (*s) o.api_secret = api_secret;
    if (*dl) o.dev_login = dev_login;

    cohost::server::Config cfg;
    try {
        cfg = cohost::server::load_config(o, cohost::server::cohost_environment());
    } catch (const std::exception& e) {
        std::cerr << "cohostd: configuration error: " << e.what() << '\n';
        return 2;
    }
    cohost::core::set_log_level(cfg.log_level);
    auto log = cohost::core::logger("app");
    log->info("effective config:\n{}", cfg.dump_redacted());

    try {
        // The embedded SFU (media.mode: embedded): its UDP workers start before the HTTP
        // listener, so a WHIP/WHEP offer never reaches a server that cannot answer it.
        std::unique_ptr<cohost::media::MediaServer> media;
        if (cfg.media_mode == cohost::server::MediaMode::Embedded) {
            cohost::media::MediaConfig mc;
            mc.public_ip = cfg.media_public_ip;
            mc.bind_ip = cfg.media_bind_ip;
            mc.udp_port = cfg.udp_port;
            mc.workers = cfg.media_workers;
            mc.max_queue_delay = cfg.media_max_queue_delay;
            mc.test_drop_video_percent = cfg.media_test_drop_video_percent;
            mc.test_capture_dir = cfg.media_test_capture_dir;
            media = std::make_unique<cohost::media::MediaServer>(mc);
            media->start();
        }
        cohost::server::app::Server server(cfg);
        // LiveKit signalling (/rtc/v1) for livekit-client, on the control thread; created once
        // the API secret is known (inside start()).
        std::unique_ptr<cohost::media::SignalServer> signal;
        if (media) {
            server.add_routes([&media, &cfg, &signal, &server](cohost::server::http::Router& router,
                                                      const std::string& secret) {
                cohost::apps::mount_media_routes(router, *media, cfg, secret);
                cohost::media::SignalConfig sc;
                sc.api_key = cfg.livekit_api_key.empty() ? cfg.api_key : cfg.livekit_api_key;
                sc.api_secret = cfg.livekit_api_secret.empty() ? secret : cfg.livekit_api_secret;
                signal = std::make_unique<cohost::media::SignalServer>(*media, sc);
                // The domain's word on each join: a removed co-host's old broadcast token (or
                // any token for an ended room) is refused before it connects.
                signal->set_admission([&server](const std::string& room,
                                                const std::string& identity, bool can_publish) {
                    return server.media_admission(room, identity, can_publish);
                });
                cohost::apps::mount_signal_routes(router, *signal);
                cohost::apps::route_media_webhooks(*signal, router, server.io_context(), sc.api_key,
                                                   sc.api_secret);
            });
            server.add_upgrade("/rtc/v1", [&signal](boost::beast::tcp_stream stream,
                                                    cohost::server::http::RawRequest req,
                                                    std::map<std::string, std::string> query) {
                if (signal) signal->accept(std::move(stream), std::move(req), std::move(query));
            });
            // The two-peer-connection mode (livekit-client `singlePeerConnection: false`).
            server.add_upgrade("/rtc", [&signal](boost::beast::tcp_stream stream,
                                                 cohost::server::http::RawRequest req,
                                                 std::map<std::string, std::string> query) {
                if (signal) {
                    signal->accept(std::move(stream), std::move(req), std::move(query), true);
                }
            });
            server.add_stop_hook([&signal] {
                if (signal) signal->shutdown();
            });
        }
        server.start();
        g_server = &server;
        std::signal(SIGTERM, on_signal);
        std::signal(SIGINT, on_signal);
        std::signal(SIGPIPE, SIG_IGN);
        if (server.secret_generated()) {
            std::cout << "cohostd: generated a new API secret (stored in " << cfg.data_dir
                      << "/api_secret, shown only this once): " << server.api_secret() << '\n';
        }
        const auto ep = server.local_endpoint();
        std::cout << "cohostd ready http://" << ep.address().to_string() << ':' << ep.port()
                  << " (api key " << cfg.api_key << ")" << std::endl;
        server.run();
        g_server = nullptr;
        if (media) media->stop();
        log->info("stopped");
        std::cout << "cohostd stopped" << std::endl;
    } catch (const std::exception& e) {
        std::cerr << "cohostd: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
