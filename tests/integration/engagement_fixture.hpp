#pragma once
// The room the engagement integration tests start from: host "host" (Hanna) with a room of the
// given title, viewer "vic" logged in and, when asked, "cara" invited and on stage as co-host.
#include <memory>
#include <string>
#include <string_view>

#include "harness.hpp"

namespace cohost::it {

class EngagementFixture : public ServerTest {
protected:
    /// Logs the users in and creates the room (call from SetUp, after ServerTest::SetUp()).
    void open_room(const std::string& title, bool with_cohost) {
        host_ = std::make_unique<sdk::ApiClient>(login("host", "Hanna"));
        if (with_cohost) cohost_ = std::make_unique<sdk::ApiClient>(login("cara", "Cara"));
        viewer_ = std::make_unique<sdk::ApiClient>(login("vic", "Vic"));
        room_ = str(host_->create_room({.title = title}), "roomId");
        topic_ = "room:" + room_;
        if (with_cohost) cohost_->accept(str(host_->invite(room_, "cara"), "invitationId"));
    }

    /// `/v1/rooms/{room}` followed by `rest`.
    [[nodiscard]] std::string path(std::string_view rest) const {
        return "/v1/rooms/" + room_ + std::string(rest);
    }

    std::unique_ptr<sdk::ApiClient> host_, cohost_, viewer_;
    std::string room_, topic_;
};

}  // namespace cohost::it
