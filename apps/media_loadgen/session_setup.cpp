#include "session_setup.hpp"

#include <boost/beast/http/verb.hpp>
#include <chrono>

namespace cohost::media_loadgen {

namespace {

class WhipSetup final : public SessionSetup {
public:
    WhipSetup(HttpSync http, SetupAuth auth) : http_(std::move(http)), auth_(std::move(auth)) {}

    const char* mode() const noexcept override { return "whip"; }
    SetupResult publish(const std::string& identity, const std::string& offer) override {
        return post("/whip/", identity, offer, Grant{auth_.room, true, false});
    }
    SetupResult subscribe(const std::string& identity, const std::string& offer) override {
        return post("/whep/", identity, offer, Grant{auth_.room, false, true});
    }
    boost::json::object report() override { return {}; }
    void close() override {}  // WHIP/WHEP resources end with the peers' DTLS close_notify

private:
    SetupResult post(const char* prefix, const std::string& identity, const std::string& offer,
                     const Grant& grant) {
        const std::string token = mint_token(auth_.api_key, auth_.api_secret, identity, grant);
        const auto t0 = std::chrono::steady_clock::now();
        auto r = http_.request(boost::beast::http::verb::post, prefix + auth_.room, offer, token);
        SetupResult out;
        out.join_ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count();
        if (r.status != 201) {
            out.error = std::to_string(r.status) + " " + r.error + r.body.substr(0, 200);
            return out;
        }
        out.ok = true;
        out.answer_sdp = std::move(r.body);
        return out;
    }

    HttpSync http_;
    SetupAuth auth_;
};

}  // namespace

std::unique_ptr<SessionSetup> make_whip_setup(HttpSync http, SetupAuth auth) {
    return std::make_unique<WhipSetup>(std::move(http), std::move(auth));
}

}  // namespace cohost::media_loadgen
