#include "capture.hpp"

#include <cstdio>
#include <fstream>

namespace cohost::media::detail {

void PacketCapture::session(const std::string& id, const std::string& local_ufrag,
                            const std::string& local_pwd, const std::string& remote_ufrag) {
    if (!enabled()) return;
    std::ofstream f(dir_ + "/" + id + ".txt");
    f << "local_ufrag " << local_ufrag << "\nlocal_pwd " << local_pwd << "\nremote_ufrag "
      << remote_ufrag << "\n";
}

void PacketCapture::packet(const std::string& id, const char* kind,
                           std::span<const std::byte> bytes) {
    if (!enabled()) return;
    int& n = counts_[id + "/" + kind];
    if (n >= kPerKind) return;
    char name[32];
    std::snprintf(name, sizeof name, "-%02d-", n++);
    std::ofstream f(dir_ + "/" + id + name + kind + ".bin", std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace cohost::media::detail
