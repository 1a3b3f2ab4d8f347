// libFuzzer target for core base64 (core/include/cohost/core/crypto.hpp).
//
// Properties, for any input x:
//  * base64_decode(x) succeeds ⇒ encoding the bytes again (either alphabet) decodes to the same
//    bytes, and the re-encoding is x itself up to alphabet and padding (decoding is canonical:
//    one byte string has one accepted spelling per alphabet/padding choice);
//  * x read as raw bytes: base64_encode(x) and base64url_encode(x) always decode back to x.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cohost/core/crypto.hpp"
#include "fuzz_check.hpp"

namespace {

using cohost::core::base64_decode;
using cohost::core::base64_encode;
using cohost::core::base64url_encode;

/// `text` in the standard alphabet without `=`: the form both alphabets and paddings map to.
std::string normalize(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '=') continue;
        out.push_back(c == '-' ? '+' : c == '_' ? '/' : c);
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view x = cohost::fuzz::as_text(data, size);

    if (const auto decoded = base64_decode(x)) {
        const std::string std_form = base64_encode(*decoded);
        const std::string url_form = base64url_encode(*decoded);
        FUZZ_CHECK(base64_decode(std_form) == decoded);
        FUZZ_CHECK(base64_decode(url_form) == decoded);
        FUZZ_CHECK(normalize(x) == normalize(std_form));
        FUZZ_CHECK(decoded->size() == normalize(x).size() * 6 / 8);
    }

    const std::string std_form = base64_encode(x);
    const std::string url_form = base64url_encode(x);
    FUZZ_CHECK(std_form.size() % 4 == 0);
    FUZZ_CHECK(url_form.find_first_of("+/=") == std::string::npos);
    FUZZ_CHECK(base64_decode(std_form) == x);
    FUZZ_CHECK(base64_decode(url_form) == x);
    return 0;
}
