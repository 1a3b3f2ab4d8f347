#pragma once
// The one assertion the fuzz drivers use. A failed property aborts, so libFuzzer reports a crash
// and writes the input that caused it (artifact_prefix in tests/fuzz/CMakeLists.txt).
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace cohost::fuzz {

[[noreturn]] inline void fail(const char* what, const char* file, int line) {
    std::fprintf(stderr, "\nFUZZ PROPERTY VIOLATED at %s:%d: %s\n", file, line, what);
    std::abort();
}

/// Input bytes as text; libFuzzer hands out `const uint8_t*`.
inline std::string_view as_text(const unsigned char* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

}  // namespace cohost::fuzz

#define FUZZ_CHECK(cond)                                              \
    do {                                                              \
        if (!(cond)) ::cohost::fuzz::fail(#cond, __FILE__, __LINE__); \
    } while (false)
