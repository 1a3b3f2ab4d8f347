#pragma once
// Test helper for captured_packets_test.cpp and captured_rtp_rtcp_test.cpp: loads the real
// Chromium captures of tests/data/packets/ (packets, SDPs, session credentials) and reads the
// extension ids the capture's SDP negotiated.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cohost/wire/demux.hpp"
#include "cohost/wire/sdp.hpp"

namespace cohost::wire::testing {

using Bytes = std::vector<std::byte>;

inline std::string path_of(const std::string& name) {
    return std::string(COHOST_TEST_DATA) + "/packets/" + name;
}

inline std::string load_text(const std::string& name) {
    std::ifstream in(path_of(name), std::ios::binary);
    EXPECT_TRUE(in.good()) << "missing test data file " << path_of(name);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline Bytes load(const std::string& name) {
    const std::string s = load_text(name);
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    return Bytes(p, p + s.size());
}

/// `<key> <value>` lines of a capture's `<session>.txt`.
inline std::map<std::string, std::string> load_credentials(const std::string& name) {
    std::map<std::string, std::string> kv;
    std::istringstream in(load_text(name));
    std::string k;
    std::string v;
    while (in >> k >> v) kv[k] = v;
    return kv;
}

inline sdp::SessionDescription load_sdp(const std::string& name) {
    auto parsed = sdp::parse(load_text(name));
    EXPECT_TRUE(parsed.has_value()) << name << ": " << parsed.error().message;
    return parsed.has_value() ? *parsed : sdp::SessionDescription{};
}

inline const sdp::MediaSection& section(const sdp::SessionDescription& sd, sdp::MediaKind kind) {
    for (const auto& m : sd.media) {
        if (m.kind == kind) return m;
    }
    ADD_FAILURE() << "no section of the asked kind";
    static const sdp::MediaSection kEmpty;
    return kEmpty;
}

inline std::uint8_t ext_id(const sdp::MediaSection& m, std::string_view uri) {
    const auto* e = m.find_extmap(uri);
    EXPECT_NE(e, nullptr) << "no a=extmap for " << uri;
    return e != nullptr ? static_cast<std::uint8_t>(e->id) : 0;
}

inline constexpr std::string_view kUriAudioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
inline constexpr std::string_view kUriAbsSendTime =
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
inline constexpr std::string_view kUriTwcc =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
inline constexpr std::string_view kUriMid = "urn:ietf:params:rtp-hdrext:sdes:mid";
inline constexpr std::string_view kUriRid = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";

/// Every `*.bin` of tests/data/packets/ (sorted) and the kind its name prefix says it is.
inline std::vector<std::pair<std::string, PacketKind>> all_files() {
    std::vector<std::pair<std::string, PacketKind>> files;
    for (const auto& e : std::filesystem::directory_iterator(path_of(""))) {
        const std::string name = e.path().filename().string();
        if (e.path().extension() != ".bin") continue;
        const PacketKind kind = name.starts_with("stun_")   ? PacketKind::Stun
                                : name.starts_with("dtls_") ? PacketKind::Dtls
                                : name.starts_with("rtp_")  ? PacketKind::Rtp
                                : name.starts_with("rtcp_") ? PacketKind::Rtcp
                                                            : PacketKind::Unknown;
        files.emplace_back(name, kind);
    }
    std::sort(files.begin(), files.end());
    EXPECT_GE(files.size(), 18U) << "capture.mjs keeps at least 18 packet files";
    return files;
}

inline std::vector<std::string> files_of(PacketKind kind) {
    std::vector<std::string> out;
    for (const auto& [name, k] : all_files()) {
        if (k == kind) out.push_back(name);
    }
    return out;
}

}  // namespace cohost::wire::testing
