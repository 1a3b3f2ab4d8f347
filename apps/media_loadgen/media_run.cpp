#include "media_run.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdio>
#include <future>
#include <iostream>
#include <memory>
#include <regex>
#include <set>
#include <thread>
#include <vector>

#include "cohost/media/testkit/synthetic_peer.hpp"
#include "http_sync.hpp"
#include "livekit_join.hpp"
#include "proc_stats.hpp"
#include "session_setup.hpp"

namespace cohost::media_loadgen {

namespace asio = boost::asio;
namespace json = boost::json;
using media::testkit::PeerOptions;
using media::testkit::SyntheticPeer;
using Clock = std::chrono::steady_clock;

namespace {

/// The peer threads: one io_context each, kept alive by a work guard until `stop()`.
class PeerThreads {
public:
    explicit PeerThreads(unsigned n) {
        for (unsigned i = 0; i < n; ++i) {
            ctx_.push_back(std::make_unique<asio::io_context>(1));
            guards_.emplace_back(ctx_.back()->get_executor());
        }
        for (unsigned i = 0; i < n; ++i) {
            threads_.emplace_back([c = ctx_[i].get()] { c->run(); });
        }
    }
    ~PeerThreads() { stop(); }
    PeerThreads(const PeerThreads&) = delete;
    PeerThreads& operator=(const PeerThreads&) = delete;

    [[nodiscard]] std::size_t size() const noexcept { return ctx_.size(); }
    asio::io_context& ctx(std::size_t i) { return *ctx_[i]; }

    /// Runs `fn` on thread `i` and waits for it.
    template <class Fn>
    void run_on(std::size_t i, Fn&& fn) {
        std::promise<void> done;
        asio::post(*ctx_[i], [&] {
            fn();
            done.set_value();
        });
        done.get_future().wait();
    }
    void stop() {
        for (auto& g : guards_) g.reset();
        for (auto& c : ctx_) c->stop();
        for (auto& t : threads_) {
            if (t.joinable()) t.join();
        }
    }

private:
    std::vector<std::unique_ptr<asio::io_context>> ctx_;
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
    std::vector<std::thread> threads_;
};

/// Paces the publisher on its thread: video frames at `fps` (keyframe every interval, the
/// average payload at the bitrate), audio every 20 ms, on absolute deadlines so that a late
/// tick catches up rather than drifting. With `pacing_factor` > 0 the packets of a frame are
/// spread at that multiple of the bitrate, as Chromium's pacer does (2.5x); with 0 a frame
/// leaves in one burst. Counters are read on the same thread.
class PublisherLoop {
public:
    PublisherLoop(asio::io_context& ioc, SyntheticPeer& peer, const RunOptions& o)
        : timer_(ioc), peer_(peer), frame_interval_(std::chrono::microseconds(1'000'000 / o.fps)) {
        const std::uint64_t frames = std::uint64_t{o.fps} * o.keyframe_interval_s;
        const std::uint64_t bytes = o.bitrate_bps / 8 * o.keyframe_interval_s;
        delta_bytes_ = static_cast<std::size_t>(bytes / (frames - 1 + o.keyframe_ratio));
        key_bytes_ = delta_bytes_ * o.keyframe_ratio;
        key_every_ = frames;
        if (o.pacing_factor > 0) {
            // ~1,150 bytes on the wire per packet.
            packet_interval_ = std::chrono::microseconds(static_cast<std::int64_t>(
                1150.0 * 8 * 1e6 / (o.pacing_factor * static_cast<double>(o.bitrate_bps))));
        }
    }
    void start() {
        next_video_ = next_audio_ = next_packet_ = Clock::now();
        tick();
    }
    void stop() {
        stopped_ = true;
        timer_.cancel();
    }
    std::uint64_t video_packets = 0;
    std::uint64_t audio_packets = 0;
    std::int64_t max_lag_us = 0;  ///< worst lateness of a send deadline (loadgen overload)
    std::size_t delta_bytes() const noexcept { return delta_bytes_; }
    std::size_t key_bytes() const noexcept { return key_bytes_; }
    Clock::duration packet_interval() const noexcept { return packet_interval_; }

private:
    void tick() {
        if (stopped_) return;
        const auto now = Clock::now();
        if (now - next_video_ > std::chrono::seconds(1)) next_video_ = now;  // stalled: resync
        if (now - next_audio_ > std::chrono::seconds(1)) next_audio_ = now;
        while (now >= next_video_) {
            note_lag(now - next_video_);
            while (peer_.send_video_packet()) ++video_packets;  // a frame overran its pacing
            const bool key = frame_++ % key_every_ == 0;
            const std::size_t size = key ? key_bytes_ : delta_bytes_;
            if (packet_interval_.count() == 0) {
                video_packets += peer_.send_video_frame(0, key, size);
            } else {
                // A frame never takes longer than the frame interval (a keyframe is paced
                // faster), so frames do not queue up behind each other.
                const std::size_t packets = std::max<std::size_t>(1, (size + 1099) / 1100);
                frame_packet_interval_ = std::min<Clock::duration>(
                    packet_interval_, frame_interval_ / static_cast<int>(packets));
                peer_.begin_video_frame(0, key, size);
                next_packet_ = std::max(next_packet_, next_video_);
            }
            next_video_ += frame_interval_;
        }
        while (peer_.video_frame_pending() && now >= next_packet_) {
            if (peer_.send_video_packet()) ++video_packets;
            next_packet_ += frame_packet_interval_;
        }
        if (now - next_packet_ > std::chrono::milliseconds(100)) next_packet_ = now;
        while (now >= next_audio_) {
            note_lag(now - next_audio_);
            peer_.send_audio();
            ++audio_packets;
            next_audio_ += std::chrono::milliseconds(20);
        }
        auto wake = std::min(next_video_, next_audio_);
        if (peer_.video_frame_pending()) wake = std::min(wake, next_packet_);
        timer_.expires_at(wake);
        timer_.async_wait([this](boost::system::error_code ec) {
            if (!ec) tick();
        });
    }
    void note_lag(Clock::duration d) {
        max_lag_us = std::max<std::int64_t>(
            max_lag_us, std::chrono::duration_cast<std::chrono::microseconds>(d).count());
    }

    asio::steady_timer timer_;
    SyntheticPeer& peer_;
    Clock::duration frame_interval_;
    Clock::duration packet_interval_{0};
    Clock::duration frame_packet_interval_{0};
    Clock::time_point next_video_, next_audio_, next_packet_;
    std::size_t delta_bytes_ = 0, key_bytes_ = 0;
    std::uint64_t key_every_ = 60, frame_ = 0;
    bool stopped_ = false;
};

struct Subscriber {
    std::unique_ptr<SyntheticPeer> peer;
    std::size_t thread = 0;
    std::size_t order = 0;  ///< join order (the SFU fans out in this order)
    bool probe = false;
    bool created = false;  ///< WHEP answered 201 and the peer was started
    std::vector<std::int64_t> delays_us;  ///< probes only, during the window
};

/// Counters of one subscriber at one instant (read on its thread).
struct SubSnap {
    bool connected = false;
    std::uint64_t packets = 0;
    std::uint64_t gaps = 0;
    std::uint64_t video_packets = 0;
};

struct Snapshot {
    std::vector<SubSnap> subs;
    std::uint64_t pub_video = 0;
    std::uint64_t pub_audio = 0;
    std::int64_t pub_max_lag_us = 0;
};

template <class T>
double percentile(const std::vector<T>& sorted, double p) {
    if (sorted.empty()) return 0;
    const auto idx = static_cast<std::size_t>(
        std::min<double>(static_cast<double>(sorted.size() - 1),
                         std::ceil(p / 100.0 * static_cast<double>(sorted.size())) - 1));
    return static_cast<double>(sorted[idx]);
}

double client_cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::uint16_t candidate_port(const std::string& sdp) {
    static const std::regex re(R"(a=candidate:\S+ \d+ (?:udp|UDP) \d+ \S+ (\d+) typ)");
    std::smatch m;
    if (!std::regex_search(sdp, m, re)) return 0;
    return static_cast<std::uint16_t>(std::stoul(m[1]));
}

double round2(double v) { return std::round(v * 100.0) / 100.0; }

}  // namespace

int run_media_load(const RunOptions& opt) {
    auto http = HttpSync::for_url(opt.url);
    if (!http) {
        std::cerr << "media_loadgen: --url must be http://127.x.y.z:PORT (loopback only)\n";
        return 1;
    }
    const std::string load_start = load_average();
    const auto cert = media::DtlsCertificate::generate();
    PeerThreads threads(std::max(1U, opt.threads));

    // ---- publisher ------------------------------------------------------------------------
    std::unique_ptr<SessionSetup> setup;
    const SetupAuth auth{opt.api_key, opt.api_secret, opt.room};
    if (opt.signalling == "livekit") {
        setup = make_livekit_setup(*http, auth);
    } else {
        setup = make_whip_setup(std::move(*http), auth);
    }
    auto pub = std::make_unique<SyntheticPeer>(threads.ctx(0), cert, PeerOptions{});
    auto r = setup->publish("loadgen-publisher", pub->offer());
    if (!r.ok) {
        std::cerr << "media_loadgen: " << setup->mode() << " publish refused: " << r.error << "\n";
        return 1;
    }
    const std::uint16_t server_port = candidate_port(r.answer_sdp);
    bool ok = false;
    threads.run_on(0, [&] { ok = static_cast<bool>(pub->start(r.answer_sdp)); });
    const auto pub_deadline = Clock::now() + std::chrono::seconds(10);
    bool pub_connected = false;
    while (ok && !pub_connected && Clock::now() < pub_deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        threads.run_on(0, [&] { pub_connected = pub->connected(); });
    }
    if (!pub_connected) {
        std::cerr << "media_loadgen: the publisher did not connect (ICE/DTLS)\n";
        return 1;
    }
    PublisherLoop loop(threads.ctx(0), *pub, opt);
    threads.run_on(0, [&] { loop.start(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const std::uint64_t rss_before = opt.server_pid ? rss_kib(opt.server_pid) : 0;

    // ---- subscribers, in batches ----------------------------------------------------------
    const std::size_t n = opt.subscribers;
    std::vector<Subscriber> subs(n);
    std::set<std::size_t> probe_at;
    const std::size_t probes = std::min(opt.probes, n);
    for (std::size_t k = 0; k < probes; ++k) {
        probe_at.insert(probes == 1 ? 0 : k * (n - 1) / (probes - 1));
    }
    std::atomic<bool> measuring{false};
    std::set<std::uint16_t> client_ports;
    std::size_t setup_failures = 0;
    std::string first_failure;
    std::vector<double> join_ms;  ///< each subscriber's setup: offer sent -> answer received
    join_ms.reserve(n);
    const auto ramp_start = Clock::now();
    for (std::size_t base = 0; base < n; base += opt.batch) {
        const std::size_t end = std::min(n, base + opt.batch);
        for (std::size_t i = base; i < end; ++i) {
            Subscriber& s = subs[i];
            s.thread = i % threads.size();
            s.order = i;
            s.probe = probe_at.count(i) != 0;
            PeerOptions po;
            po.publish = false;
            po.light = !s.probe;
            po.kernel_rx_time = s.probe;
            s.peer = std::make_unique<SyntheticPeer>(threads.ctx(s.thread), cert, po);
            client_ports.insert(s.peer->local_port());
            if (s.probe) {
                s.delays_us.reserve(static_cast<std::size_t>(
                    opt.duration.count() / 1000 * 400 + 1000));
                s.peer->on_rtp = [&s, &measuring](const wire::rtp::PacketView&, std::int64_t d) {
                    if (d >= 0 && measuring.load(std::memory_order_relaxed)) {
                        s.delays_us.push_back(d);
                    }
                };
            }
            auto a = setup->subscribe("loadgen-sub-" + std::to_string(i), s.peer->offer());
            join_ms.push_back(a.join_ms);
            if (!a.ok) {
                ++setup_failures;
                if (first_failure.empty()) first_failure = a.error;
                continue;
            }
            threads.run_on(s.thread,
                           [&] { s.created = static_cast<bool>(s.peer->start(a.answer_sdp)); });
        }
        // Wait for this batch's ICE + DTLS before the next (bounded).
        const auto deadline = Clock::now() + std::chrono::seconds(10);
        while (Clock::now() < deadline) {
            std::size_t pending = 0;
            for (std::size_t t = 0; t < threads.size(); ++t) {
                threads.run_on(t, [&] {
                    for (std::size_t i = base; i < end; ++i) {
                        if (subs[i].thread == t && subs[i].created && !subs[i].peer->connected()) {
                            ++pending;
                        }
                    }
                });
            }
            if (pending == 0) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    const double ramp_s = std::chrono::duration<double>(Clock::now() - ramp_start).count();
    std::this_thread::sleep_for(opt.warmup);  // every subscriber sees a keyframe
    const std::uint64_t rss_after_ramp = opt.server_pid ? rss_kib(opt.server_pid) : 0;

    auto snapshot = [&] {
        Snapshot snap;
        snap.subs.resize(n);
        for (std::size_t t = 0; t < threads.size(); ++t) {
            threads.run_on(t, [&] {
                if (t == 0) {
                    snap.pub_video = loop.video_packets;
                    snap.pub_audio = loop.audio_packets;
                    snap.pub_max_lag_us = loop.max_lag_us;
                }
                for (std::size_t i = 0; i < n; ++i) {
                    const Subscriber& s = subs[i];
                    if (s.thread != t || !s.created) continue;
                    SubSnap& o = snap.subs[i];
                    o.connected = s.peer->connected();
                    o.packets = s.peer->rtp_packets();
                    for (const auto& [ssrc, st] : s.peer->streams()) o.gaps += st.gaps;
                    const auto& ann = s.peer->announced_ssrcs();
                    if (ann.size() >= 2) {
                        auto it = s.peer->streams().find(ann[1]);
                        if (it != s.peer->streams().end()) o.video_packets = it->second.packets;
                    }
                }
            });
        }
        return snap;
    };

    // ---- measurement window ---------------------------------------------------------------
    const auto drops0 = udp_drops(client_ports, server_port);
    const double server_cpu0 = opt.server_pid ? process_cpu_seconds(opt.server_pid) : 0;
    const auto threads0 = opt.server_pid ? thread_cpu_seconds(opt.server_pid)
                                         : std::map<int, CpuSample>{};
    const double client_cpu0 = client_cpu_seconds();
    measuring = true;
    const Snapshot s0 = snapshot();
    const auto t0 = Clock::now();
    std::this_thread::sleep_for(opt.duration);
    const double window_s = std::chrono::duration<double>(Clock::now() - t0).count();
    const double server_cpu1 = opt.server_pid ? process_cpu_seconds(opt.server_pid) : 0;
    const auto threads1 = opt.server_pid ? thread_cpu_seconds(opt.server_pid)
                                         : std::map<int, CpuSample>{};
    const double client_cpu1 = client_cpu_seconds();
    const std::string load_end = load_average();
    threads.run_on(0, [&] { loop.stop(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // drain socket buffers
    measuring = false;
    const Snapshot s1 = snapshot();
    const auto drops1 = udp_drops(client_ports, server_port);
    const std::uint64_t rss_end = opt.server_pid ? rss_kib(opt.server_pid) : 0;

    // ---- results --------------------------------------------------------------------------
    const std::uint64_t expected =
        (s1.pub_video - s0.pub_video) + (s1.pub_audio - s0.pub_audio);
    std::uint64_t measured = 0, no_video = 0, over_limit = 0, total_lost = 0, total_recv = 0;
    std::uint64_t total_gaps = 0;
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!s0.subs[i].connected) continue;
        ++measured;
        if (s0.subs[i].video_packets == 0) ++no_video;
        const std::uint64_t recv = s1.subs[i].packets - s0.subs[i].packets;
        const std::uint64_t lost = recv >= expected ? 0 : expected - recv;
        total_recv += recv;
        total_lost += lost;
        total_gaps += s1.subs[i].gaps - s0.subs[i].gaps;
        const double loss = expected ? 100.0 * static_cast<double>(lost) /
                                           static_cast<double>(expected)
                                     : 100.0;
        worst = std::max(worst, loss);
        if (loss >= opt.loss_limit_percent) ++over_limit;
    }
    const std::uint64_t not_connected = n - measured;
    const double loss_pct =
        measured && expected ? 100.0 * static_cast<double>(total_lost) /
                                   (static_cast<double>(expected) * static_cast<double>(measured))
                             : 100.0;
    const double gap_pct = total_recv + total_gaps
                               ? 100.0 * static_cast<double>(total_gaps) /
                                     static_cast<double>(total_recv + total_gaps)
                               : 0.0;
    std::vector<std::int64_t> all;
    json::array per_probe;
    for (auto& s : subs) {
        if (!s.probe) continue;
        std::sort(s.delays_us.begin(), s.delays_us.end());
        all.insert(all.end(), s.delays_us.begin(), s.delays_us.end());
        per_probe.push_back(json::object{{"order", s.order},
                                         {"samples", s.delays_us.size()},
                                         {"p50Us", percentile(s.delays_us, 50)},
                                         {"p99Us", percentile(s.delays_us, 99)},
                                         {"maxUs", s.delays_us.empty() ? 0 : s.delays_us.back()}});
    }
    std::sort(all.begin(), all.end());
    // A packet this late misses any real-time jitter buffer: as good as lost for a viewer.
    const auto late = static_cast<std::size_t>(
        all.end() - std::upper_bound(all.begin(), all.end(), std::int64_t{100'000}));
    const double late_pct =
        all.empty() ? 0.0 : 100.0 * static_cast<double>(late) / static_cast<double>(all.size());
    const double pps = static_cast<double>(expected) / window_s;

    std::sort(join_ms.begin(), join_ms.end());
    auto join_pct = [&](double p) { return round2(percentile(join_ms, p)); };
    const double join_max = join_ms.empty() ? 0.0 : round2(join_ms.back());
    json::object out{{"scenario", "media_fanout"},
                     {"signalling", setup->mode()},
                     {"subscribers", n},
                     {"connected", measured},
                     {"notConnected", not_connected},
                     {"setupFailures", setup_failures},
                     {"noVideo", no_video},
                     {"threads", threads.size()},
                     {"rampSeconds", round2(ramp_s)},
                     {"joinMs", json::object{{"p50", join_pct(50)},
                                             {"p90", join_pct(90)},
                                             {"p99", join_pct(99)},
                                             {"max", join_max}}},
                     {"windowSeconds", round2(window_s)},
                     {"publisherPacketsPerSecond", round2(pps)},
                     {"pacingFactor", opt.pacing_factor},
                     {"forwardedPacketsPerSecond", round2(static_cast<double>(total_recv) / window_s)},
                     {"lossPercent", std::round(loss_pct * 1000) / 1000},
                     {"seqGapPercent", std::round(gap_pct * 1000) / 1000},
                     {"worstSubscriberLossPercent", round2(worst)},
                     {"subscribersOverLossLimit", over_limit},
                     {"pass", measured == n && loss_pct < opt.loss_limit_percent},
                     {"delay", json::object{{"samples", all.size()},
                                            {"p50Us", percentile(all, 50)},
                                            {"p90Us", percentile(all, 90)},
                                            {"p99Us", percentile(all, 99)},
                                            {"p999Us", percentile(all, 99.9)},
                                            {"maxUs", all.empty() ? 0 : all.back()},
                                            {"over100msPercent", round2(late_pct)},
                                            {"probes", per_probe}}},
                     {"udpDrops", json::object{{"client", drops1.client - drops0.client},
                                               {"server", drops1.server - drops0.server}}},
                     {"loadgenCpuPercent", round2(100.0 * (client_cpu1 - client_cpu0) / window_s)},
                     {"publisherMaxLagMs", round2(static_cast<double>(s1.pub_max_lag_us) / 1000)},
                     {"loadAverageStart", load_start},
                     {"loadAverageEnd", load_end}};
    if (auto health = setup->report(); !health.empty()) out["livekit"] = std::move(health);
    if (opt.server_pid) {
        int busiest = 0;
        double busiest_s = -1;
        std::string busiest_name;
        for (const auto& [tid, c] : threads1) {
            auto it = threads0.find(tid);
            const double d = c.seconds - (it == threads0.end() ? 0 : it->second.seconds);
            if (d > busiest_s) {
                busiest_s = d;
                busiest = tid;
                busiest_name = c.name;
            }
        }
        const double per_sub =
            n ? (static_cast<double>(rss_after_ramp) - static_cast<double>(rss_before)) /
                    static_cast<double>(n)
              : 0;
        out["server"] = json::object{
            {"cpuPercent", round2(100.0 * (server_cpu1 - server_cpu0) / window_s)},
            {"busiestThread", busiest_name},
            {"busiestThreadTid", busiest},
            {"busiestThreadCpuPercent", round2(100.0 * busiest_s / window_s)},
            {"cpuMicrosPerForwardedPacket",
             total_recv ? round2((server_cpu1 - server_cpu0) * 1e6 / static_cast<double>(total_recv))
                        : 0.0},
            {"rssBeforeKiB", rss_before},
            {"rssAfterRampKiB", rss_after_ramp},
            {"rssEndKiB", rss_end},
            {"rssPerSubscriberKiB", round2(per_sub)}};
    }

    std::printf("media_loadgen: %zu subscribers via %s (%llu connected, %zu setup failures%s%s), "
                "%u peer thread(s), ramp %.1f s, window %.1f s\n",
                n, setup->mode(), static_cast<unsigned long long>(measured), setup_failures,
                first_failure.empty() ? "" : ", first: ", first_failure.c_str(),
                static_cast<unsigned>(threads.size()), ramp_s, window_s);
    std::printf("  publisher: %.0f packets/s (video %zu B delta / %zu B key frames, + audio), "
                "%s\n",
                pps, loop.delta_bytes(), loop.key_bytes(),
                opt.pacing_factor > 0
                    ? ("paced at " + std::to_string(opt.pacing_factor).substr(0, 4) + "x").c_str()
                    : "frames in bursts");
    std::printf("  loss: %.3f %% (seq gaps %.3f %%), worst subscriber %.2f %%, %llu over %.1f %%, "
                "%llu without video -> %s\n",
                loss_pct, gap_pct, worst, static_cast<unsigned long long>(over_limit),
                opt.loss_limit_percent, static_cast<unsigned long long>(no_video),
                out["pass"].as_bool() ? "PASS" : "FAIL");
    std::printf("  delay (probes, %zu samples): p50 %.0f us, p99 %.0f us, max %.0f us, "
                "%.2f %% over 100 ms\n",
                all.size(), percentile(all, 50), percentile(all, 99),
                all.empty() ? 0.0 : static_cast<double>(all.back()), late_pct);
    std::printf("  udp drops: client sockets %llu, server socket %llu; loadgen cpu %.0f %%, "
                "publisher max lag %.1f ms\n",
                static_cast<unsigned long long>(drops1.client - drops0.client),
                static_cast<unsigned long long>(drops1.server - drops0.server),
                100.0 * (client_cpu1 - client_cpu0) / window_s,
                static_cast<double>(s1.pub_max_lag_us) / 1000);
    if (opt.server_pid) {
        const auto& sv = out["server"].as_object();
        std::printf("  cohostd: cpu %.1f %% (busiest thread %s %.1f %%), %.2f us per forwarded "
                    "packet, rss %llu -> %llu KiB (%.1f KiB per subscriber)\n",
                    sv.at("cpuPercent").as_double(), sv.at("busiestThread").as_string().c_str(),
                    sv.at("busiestThreadCpuPercent").as_double(),
                    sv.at("cpuMicrosPerForwardedPacket").as_double(),
                    static_cast<unsigned long long>(rss_before),
                    static_cast<unsigned long long>(rss_after_ramp),
                    sv.at("rssPerSubscriberKiB").as_double());
    }
    std::printf("  join (offer -> answer) per subscriber: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
                join_pct(50), join_pct(99), join_max);
    if (out.contains("livekit")) {
        std::printf("  livekit signalling: %s\n", json::serialize(out["livekit"]).c_str());
    }
    std::printf("  load average: %s -> %s\n", load_start.c_str(), load_end.c_str());
    std::cout << json::serialize(out) << std::endl;

    // ---- teardown: close_notify from every peer, then stop the threads ---------------------
    for (std::size_t t = 0; t < threads.size(); ++t) {
        threads.run_on(t, [&] {
            for (auto& s : subs) {
                if (s.thread == t && s.peer) s.peer->close();
            }
            if (t == 0) pub->close();
        });
    }
    setup->close();  // LiveKit: leave + close on every signalling socket
    threads.stop();
    subs.clear();
    pub.reset();
    return 0;
}

}  // namespace cohost::media_loadgen
