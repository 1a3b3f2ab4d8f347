#pragma once
// Test helper: bytes from a hex string ("80 60 00 01", "8060…"); anything that is not a hex digit
// (spaces, newlines, '|') is skipped, so vectors can be written as they appear in RFCs.
#include <cstddef>
#include <string_view>
#include <vector>

namespace cohost::wire::testing {

inline std::vector<std::byte> hex(std::string_view text) {
    std::vector<std::byte> out;
    int nibble = -1;
    for (char c : text) {
        int v = -1;
        if (c >= '0' && c <= '9') v = c - '0';
        if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        if (v < 0) continue;
        if (nibble < 0) {
            nibble = v;
        } else {
            out.push_back(static_cast<std::byte>(nibble * 16 + v));
            nibble = -1;
        }
    }
    return out;
}

}  // namespace cohost::wire::testing
