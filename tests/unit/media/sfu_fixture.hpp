#pragma once
/// \file Test fixture for the SFU end to end in one process: a started MediaServer (one worker,
/// ephemeral UDP ports) whose workers run on their own threads, a DTLS certificate for synthetic
/// peers, and a client io_context that `run_until` drives. Derive and override `configure` to
/// change the MediaConfig (e.g. a short consent timeout).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "cohost/media/media_server.hpp"
#include "cohost/media/testkit/synthetic_peer.hpp"

namespace cohost::media::test_support {

class SfuFixture : public ::testing::Test {
protected:
    /// Adjusts the server's configuration before it starts.
    virtual void configure(MediaConfig& /*cfg*/) {}

    void SetUp() override {
        MediaConfig cfg;
        cfg.udp_port = 0;
        cfg.workers = 1;
        configure(cfg);
        server_ = std::make_unique<MediaServer>(cfg);
        server_->start();
        cert_ = DtlsCertificate::generate();
    }
    void TearDown() override {
        peers_.clear();
        server_->stop();
    }

    /// Runs the client loop until `done()` or `timeout`; true when done.
    bool run_until(const std::function<bool()>& done,
                   std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            ioc_.run_for(std::chrono::milliseconds(5));
            if (ioc_.stopped()) ioc_.restart();
            if (done()) return true;
        }
        return false;
    }

    boost::asio::io_context ioc_;
    std::unique_ptr<MediaServer> server_;
    std::shared_ptr<const DtlsCertificate> cert_;
    std::vector<std::unique_ptr<testkit::SyntheticPeer>> peers_;
};

}  // namespace cohost::media::test_support
