#include "livekit_join.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "cohost/core/crypto.hpp"
#include "livekit_rtc.pb.h"

namespace cohost::media_loadgen {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// Signalling figures summed over every client (signalling thread only).
struct Counters {
    std::uint64_t updates = 0;           ///< ParticipantUpdate messages received
    std::uint64_t pings_sent = 0;        ///< ping + ping_req pairs sent
    std::uint64_t pongs = 0;             ///< pong and pong_resp received
    std::uint64_t requirements = 0;      ///< media_sections_requirement received
    std::uint64_t reoffers = 0;          ///< offers sent after the first
    std::uint64_t reanswers = 0;         ///< answers to those
    std::uint64_t stale_answers = 0;     ///< answers whose id was not the latest offer's
    std::uint64_t refresh_tokens = 0;    ///< refresh_token received
    std::uint64_t track_subscribed = 0;  ///< track_subscribed received (publisher)
    std::uint64_t unknown_cids = 0;      ///< track_published for a cid never sent
    std::uint64_t leaves = 0;            ///< leave received from the server
    std::uint64_t dropped = 0;           ///< joined sockets that ended before close()
    std::uint64_t unreadable = 0;        ///< frames that are not a binary SignalResponse
    /// Subscriber answers whose mid_to_track_id did not name exactly the others' tracks.
    std::uint64_t track_map_mismatch = 0;
};

/// A sendonly section of an offer: what its `add_track` announces.
struct OfferedTrack {
    std::string cid;  ///< the msid track id
    bool video = false;
};

/// The sendonly sections of `sdp` that carry an `a=msid:<stream> <track>` line.
std::vector<OfferedTrack> sendonly_tracks(const std::string& sdp) {
    std::vector<OfferedTrack> out;
    std::istringstream in(sdp);
    std::string line;
    OfferedTrack cur;
    bool sendonly = false;
    auto flush = [&] {
        if (sendonly && !cur.cid.empty()) out.push_back(cur);
        cur = {};
        sendonly = false;
    };
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("m=", 0) == 0) {
            flush();
            cur.video = line.rfind("m=video", 0) == 0;
        } else if (line == "a=sendonly") {
            sendonly = true;
        } else if (line.rfind("a=msid:", 0) == 0) {
            const auto space = line.find(' ');
            if (space != std::string::npos) cur.cid = line.substr(space + 1);
        }
    }
    flush();
    return out;
}

/// The `join_request` query value (livekit-protocol.md §4.1): a JoinRequest (client info,
/// auto-subscribe, the offer if any as `publisher_offer` id 1) in a WrappedJoinRequest
/// (compression NONE, which livekit-client uses where CompressionStream is missing), standard
/// base64 with the URL-safe alphabet and `=` kept (sent as `%3D`).
std::string join_request_param(const std::string& offer) {
    livekit::JoinRequest jr;
    auto* ci = jr.mutable_client_info();
    ci->set_sdk(livekit::ClientInfo::CPP);
    ci->set_version("media_loadgen");
    ci->set_protocol(17);
    ci->set_client_protocol(2);
    jr.mutable_connection_settings()->set_auto_subscribe(true);
    if (!offer.empty()) {
        auto* o = jr.mutable_publisher_offer();
        o->set_type("offer");
        o->set_sdp(offer);
        o->set_id(1);
    }
    livekit::WrappedJoinRequest w;
    w.set_compression(livekit::WrappedJoinRequest::NONE);
    w.set_join_request(jr.SerializeAsString());
    std::string out;
    for (const char c : core::base64_encode(w.SerializeAsString())) {
        if (c == '+') {
            out += '-';
        } else if (c == '/') {
            out += '_';
        } else if (c == '=') {
            out += "%3D";
        } else {
            out += c;
        }
    }
    return out;
}

/// One participant's signalling WebSocket (see the file comment of livekit_join.hpp). Lives on
/// the signalling thread; `done` is called there exactly once, with the answer or the failure.
class Client : public std::enable_shared_from_this<Client> {
public:
    struct Spec {
        tcp::endpoint endpoint;
        std::string host;
        std::string token;
        std::string offer;
        bool publisher = false;
    };
    using Done = std::function<void(SetupResult)>;

    Client(asio::io_context& ioc, Spec spec, Counters& counters, Done done)
        : ws_(ioc),
          ping_timer_(ioc),
          spec_(std::move(spec)),
          counters_(counters),
          done_(std::move(done)) {}

    static void start(const std::shared_ptr<Client>& self) {
        asio::co_spawn(self->ws_.get_executor(), run(self), asio::detached);
    }
    [[nodiscard]] bool open() const noexcept { return open_; }

    /// `leave` (CLIENT_INITIATED), then the WebSocket close once it is written.
    void leave() {
        if (leaving_) return;
        leaving_ = true;
        ping_timer_.cancel();
        if (!open_) return;
        livekit::SignalRequest r;
        r.mutable_leave()->set_reason(livekit::CLIENT_INITIATED);
        r.mutable_leave()->set_action(livekit::LeaveRequest::DISCONNECT);
        send(r);
        close_after_ = true;
        pump();
    }
    /// Closes the socket now (the read loop ends); a join still pending fails with `why`.
    void abort(const std::string& why) {
        fail(why);
        leaving_ = true;
        ping_timer_.cancel();
        boost::system::error_code ec;
        beast::get_lowest_layer(ws_).socket().close(ec);
    }

private:
    static asio::awaitable<void> run(std::shared_ptr<Client> self) {
        Client& c = *self;
        c.t0_ = Clock::now();
        auto& stream = beast::get_lowest_layer(c.ws_);
        stream.expires_after(std::chrono::seconds(10));
        auto [cec] =
            co_await stream.async_connect(c.spec_.endpoint, asio::as_tuple(asio::use_awaitable));
        if (cec) {
            c.fail("connect: " + cec.message());
            co_return;
        }
        stream.expires_never();
        c.ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
        c.ws_.read_message_max(1 << 20);
        const std::string target = "/rtc/v1?access_token=" + c.spec_.token + "&join_request=" +
                                   join_request_param(c.spec_.publisher ? "" : c.spec_.offer);
        websocket::response_type res;
        auto [hec] = co_await c.ws_.async_handshake(res, c.spec_.host, target,
                                                    asio::as_tuple(asio::use_awaitable));
        if (hec) {
            c.fail("upgrade: " + (res.result_int() != 0
                                      ? std::to_string(res.result_int()) + " " + res.body()
                                      : hec.message()));
            co_return;
        }
        c.open_ = true;
        c.ws_.binary(true);
        beast::flat_buffer buf;
        for (;;) {
            auto [ec, n] = co_await c.ws_.async_read(buf, asio::as_tuple(asio::use_awaitable));
            if (ec) break;
            livekit::SignalResponse r;
            const auto data = buf.cdata();
            const bool parsed =
                !c.ws_.got_text() && r.ParseFromArray(data.data(), static_cast<int>(data.size()));
            buf.consume(buf.size());
            if (!parsed) {
                ++c.counters_.unreadable;
                continue;
            }
            c.on_response(r);
        }
        c.open_ = false;
        c.ping_timer_.cancel();
        if (!c.finished_) {
            c.fail("the signalling socket closed before the answer" +
                   (c.leave_reason_ >= 0 ? " (leave reason " + std::to_string(c.leave_reason_) + ")"
                                         : std::string()));
        } else if (!c.leaving_) {
            ++c.counters_.dropped;
        }
    }

    void on_response(const livekit::SignalResponse& r) {
        using R = livekit::SignalResponse;
        if (!got_join_) {  // the first message must be the JoinResponse (or a refusal)
            if (r.message_case() == R::kJoin) {
                got_join_ = true;
                on_join(r.join());
            } else if (r.message_case() == R::kLeave) {
                abort("leave (reason " + std::to_string(r.leave().reason()) + ") instead of join");
            } else {
                abort("the first signalling message was not join (case " +
                      std::to_string(static_cast<int>(r.message_case())) + ")");
            }
            return;
        }
        switch (r.message_case()) {
            case R::kTrackPublished:
                on_track_published(r.track_published());
                break;
            case R::kAnswer:
                on_answer(r.answer());
                break;
            case R::kUpdate:
                ++counters_.updates;
                for (const auto& p : r.update().participants()) note_tracks(p);
                break;
            case R::kMediaSectionsRequirement:
                ++counters_.requirements;
                if (finished_ && !leaving_) {  // livekit-client re-offers; nothing to add here
                    ++counters_.reoffers;
                    send_offer();
                }
                break;
            case R::kPong:
            case R::kPongResp:
                ++counters_.pongs;
                break;
            case R::kRefreshToken:
                ++counters_.refresh_tokens;
                break;
            case R::kTrackSubscribed:
                ++counters_.track_subscribed;
                break;
            case R::kLeave:
                ++counters_.leaves;
                leave_reason_ = r.leave().reason();
                break;
            default:
                break;  // trickle (the SFU's candidate is in its SDP), quality, speakers
        }
    }

    void on_join(const livekit::JoinResponse& j) {
        identity_ = j.participant().identity();
        for (const auto& p : j.other_participants()) note_tracks(p);
        ping_interval_s_ = j.ping_interval();
        schedule_ping();
        if (!spec_.publisher) {
            offer_id_ = 1;  // the offer rode in join_request
            return;
        }
        if (!j.participant().permission().can_publish()) {
            abort("JoinResponse: the publisher may not publish");
            return;
        }
        // livekit-client: add_track per local track, then the offer once every track_published
        // is back (no enabled_publish_codecs in cohost's JoinResponse).
        for (const auto& t : sendonly_tracks(spec_.offer)) {
            livekit::SignalRequest req;
            auto* a = req.mutable_add_track();
            a->set_cid(t.cid);
            a->set_type(t.video ? livekit::VIDEO : livekit::AUDIO);
            a->set_source(t.video ? livekit::CAMERA : livekit::MICROPHONE);
            a->set_name(t.video ? "camera" : "microphone");
            if (t.video) {
                a->set_width(1280);
                a->set_height(720);
                auto* layer = a->add_layers();
                layer->set_quality(livekit::HIGH);
                layer->set_width(1280);
                layer->set_height(720);
                auto* codec = a->add_simulcast_codecs();
                codec->set_codec("vp8");
                codec->set_cid(t.cid);
            }
            pending_cids_.insert(t.cid);
            send(req);
        }
        if (pending_cids_.empty()) abort("the publisher's offer has no sendonly section with msid");
    }

    void on_track_published(const livekit::TrackPublishedResponse& tp) {
        if (pending_cids_.erase(tp.cid()) == 0) {
            ++counters_.unknown_cids;
            return;
        }
        if (tp.track().sid().rfind("TR_", 0) != 0) {
            abort("track_published for '" + tp.cid() + "' without a TR_ sid");
            return;
        }
        if (pending_cids_.empty() && offer_id_ == 0) send_offer();
    }

    void on_answer(const livekit::SessionDescription& a) {
        if (a.id() != 0 && a.id() != offer_id_) {  // livekit-client drops it too
            ++counters_.stale_answers;
            return;
        }
        if (!spec_.publisher) {
            // v1: only mid_to_track_id names what arrives on each section (§6.1).
            std::set<std::string> mapped;
            for (const auto& [mid, sid] : a.mid_to_track_id()) mapped.insert(sid);
            std::set<std::string> expected;
            for (const auto& [identity, sids] : others_) expected.insert(sids.begin(), sids.end());
            if (mapped != expected) ++counters_.track_map_mismatch;
        }
        if (finished_) {
            ++counters_.reanswers;
            return;
        }
        if (a.type() != "answer" || a.sdp().empty()) {
            abort("the answer is not an SDP answer");
            return;
        }
        finished_ = true;
        SetupResult out;
        out.ok = true;
        out.answer_sdp = a.sdp();
        out.join_ms = elapsed_ms();
        if (done_) done_(std::move(out));
        done_ = nullptr;
    }

    void note_tracks(const livekit::ParticipantInfo& p) {
        if (p.identity() == identity_ || p.identity().empty()) return;
        auto& sids = others_[p.identity()];
        sids.clear();
        if (p.state() == livekit::ParticipantInfo::DISCONNECTED) return;
        for (const auto& t : p.tracks()) sids.insert(t.sid());
    }

    void send_offer() {
        livekit::SignalRequest req;
        auto* o = req.mutable_offer();
        o->set_type("offer");
        o->set_sdp(spec_.offer);
        o->set_id(++offer_id_);
        send(req);
    }

    void schedule_ping() {
        if (ping_interval_s_ <= 0 || leaving_) return;
        ping_timer_.expires_after(std::chrono::seconds(ping_interval_s_));
        ping_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (ec || self->leaving_ || !self->open_) return;
            // livekit-client sends both every interval (§4.8).
            const std::int64_t now = wall_ms();
            livekit::SignalRequest ping;
            ping.set_ping(now);
            self->send(ping);
            livekit::SignalRequest req;
            req.mutable_ping_req()->set_timestamp(now);
            self->send(req);
            ++self->counters_.pings_sent;
            self->schedule_ping();
        });
    }

    void send(const livekit::SignalRequest& r) {
        if (!open_ || close_sent_) return;
        outbox_.push_back(r.SerializeAsString());
        pump();
    }

    /// One write at a time (Beast allows one pending write next to the pending read).
    void pump() {
        if (writing_ || !open_) return;
        if (outbox_.empty()) {
            if (close_after_ && !close_sent_) {
                close_sent_ = true;
                writing_ = true;
                ws_.async_close(
                    websocket::close_code::normal,
                    [self = shared_from_this()](beast::error_code) { self->writing_ = false; });
            }
            return;
        }
        writing_ = true;
        ws_.async_write(asio::buffer(outbox_.front()),
                        [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            self->writing_ = false;
                            if (!self->outbox_.empty()) self->outbox_.pop_front();
                            if (ec) {
                                self->outbox_.clear();
                                return;
                            }
                            self->pump();
                        });
    }

    void fail(const std::string& why) {
        if (finished_) return;
        finished_ = true;
        SetupResult out;
        out.error = why;
        out.join_ms = elapsed_ms();
        if (done_) done_(std::move(out));
        done_ = nullptr;
    }

    [[nodiscard]] double elapsed_ms() const {
        return std::chrono::duration<double, std::milli>(Clock::now() - t0_).count();
    }

    websocket::stream<beast::tcp_stream> ws_;
    asio::steady_timer ping_timer_;
    Spec spec_;
    Counters& counters_;
    Done done_;
    Clock::time_point t0_;
    std::deque<std::string> outbox_;
    bool writing_ = false;
    bool open_ = false;  ///< upgraded and not yet closed
    bool got_join_ = false;
    bool finished_ = false;     ///< done_ was called
    bool leaving_ = false;      ///< leave() or abort(): an ending socket is not a drop
    bool close_after_ = false;  ///< close the WebSocket once the outbox is written
    bool close_sent_ = false;
    int leave_reason_ = -1;
    int ping_interval_s_ = 0;
    std::uint32_t offer_id_ = 0;  ///< id of the latest offer sent (0: none yet)
    std::string identity_;
    std::set<std::string> pending_cids_;  ///< add_track sent, track_published not yet
    std::map<std::string, std::set<std::string>> others_;  ///< identity -> its track sids
};

class LiveKitSetup final : public SessionSetup {
public:
    LiveKitSetup(const HttpSync& http, SetupAuth auth)
        : endpoint_(http.endpoint()),
          host_(http.host()),
          auth_(std::move(auth)),
          guard_(ioc_.get_executor()),
          thread_([this] { ioc_.run(); }) {}
    ~LiveKitSetup() override { stop(); }
    LiveKitSetup(const LiveKitSetup&) = delete;
    LiveKitSetup& operator=(const LiveKitSetup&) = delete;

    const char* mode() const noexcept override { return "livekit"; }
    SetupResult publish(const std::string& identity, const std::string& offer) override {
        return join(identity, offer, true);
    }
    SetupResult subscribe(const std::string& identity, const std::string& offer) override {
        return join(identity, offer, false);
    }

    boost::json::object report() override {
        Counters c;
        std::size_t open = 0;
        run_on([&] {
            c = counters_;
            for (const auto& client : clients_) open += client->open() ? 1 : 0;
        });
        return {{"socketsOpen", open},
                {"socketsDropped", c.dropped},
                {"leavesReceived", c.leaves},
                {"participantUpdates", c.updates},
                {"pingsSent", c.pings_sent},
                {"pongsReceived", c.pongs},
                {"mediaSectionsRequirements", c.requirements},
                {"reoffers", c.reoffers},
                {"reanswers", c.reanswers},
                {"staleAnswers", c.stale_answers},
                {"refreshTokens", c.refresh_tokens},
                {"trackSubscribed", c.track_subscribed},
                {"unknownCids", c.unknown_cids},
                {"unreadableFrames", c.unreadable},
                {"trackMapMismatches", c.track_map_mismatch}};
    }

    void close() override {
        if (stopped_) return;
        run_on([&] {
            for (const auto& client : clients_) client->leave();
        });
        const auto deadline = Clock::now() + std::chrono::seconds(3);
        for (bool open = true; open && Clock::now() < deadline;) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            open = false;
            run_on([&] {
                for (const auto& client : clients_) open = open || client->open();
            });
        }
        stop();
    }

private:
    SetupResult join(const std::string& identity, const std::string& offer, bool publisher) {
        Client::Spec spec{endpoint_, host_,
                          mint_token(auth_.api_key, auth_.api_secret, identity,
                                     Grant{auth_.room, publisher, !publisher}),
                          offer, publisher};
        auto promise = std::make_shared<std::promise<SetupResult>>();
        auto result = promise->get_future();
        std::shared_ptr<Client> client;
        run_on([&] {
            client = std::make_shared<Client>(
                ioc_, std::move(spec), counters_,
                [promise](SetupResult r) { promise->set_value(std::move(r)); });
            clients_.push_back(client);
            Client::start(client);
        });
        if (result.wait_for(std::chrono::seconds(15)) != std::future_status::ready) {
            run_on([&] { client->abort("no answer within 15 s"); });
        }
        return result.get();
    }

    template <class Fn>
    void run_on(Fn&& fn) {
        std::promise<void> done;
        asio::post(ioc_, [&] {
            fn();
            done.set_value();
        });
        done.get_future().wait();
    }

    /// Closes what is left, lets the coroutines end, then joins the thread.
    void stop() {
        if (stopped_) return;
        stopped_ = true;
        run_on([&] {
            for (const auto& client : clients_) client->abort("stopped");
        });
        guard_.reset();
        const auto deadline = Clock::now() + std::chrono::seconds(2);
        while (!ioc_.stopped() && Clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        ioc_.stop();
        if (thread_.joinable()) thread_.join();
        clients_.clear();
    }

    tcp::endpoint endpoint_;
    std::string host_;
    SetupAuth auth_;
    asio::io_context ioc_{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard_;
    Counters counters_;                             ///< signalling thread only
    std::vector<std::shared_ptr<Client>> clients_;  ///< signalling thread only
    bool stopped_ = false;
    std::thread thread_;  ///< last: starts after everything it uses
};

}  // namespace

std::unique_ptr<SessionSetup> make_livekit_setup(const HttpSync& http, SetupAuth auth) {
    return std::make_unique<LiveKitSetup>(http, std::move(auth));
}

}  // namespace cohost::media_loadgen
