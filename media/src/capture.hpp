#pragma once
/// \file Internal to media/: the `test_capture_dir` hook. Writes the first packets a session
/// receives, one file each, named `<session>-<nn>-<kind>.bin` (kind: stun, dtls, rtp, rtcp; RTP
/// and RTCP after SRTP unprotect), plus `<session>.txt` with its ICE credentials so STUN
/// MESSAGE-INTEGRITY can be checked offline. Worker thread only; a few dozen files per session.
#include <cstddef>
#include <span>
#include <string>
#include <unordered_map>

namespace cohost::media::detail {

class PacketCapture {
public:
    explicit PacketCapture(std::string dir) : dir_(std::move(dir)) {}
    [[nodiscard]] bool enabled() const noexcept { return !dir_.empty(); }
    /// Records the session's ICE credentials (once per session).
    void session(const std::string& id, const std::string& local_ufrag,
                 const std::string& local_pwd, const std::string& remote_ufrag);
    /// Writes `bytes` if fewer than `kPerKind` packets of `kind` were written for the session.
    void packet(const std::string& id, const char* kind, std::span<const std::byte> bytes);

    static constexpr int kPerKind = 12;

private:
    std::string dir_;
    std::unordered_map<std::string, int> counts_;  ///< "<session>/<kind>" -> written
};

}  // namespace cohost::media::detail
