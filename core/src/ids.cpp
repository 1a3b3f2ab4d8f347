#include "cohost/core/ids.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace cohost::core {

std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), int(n)) != 1) {
        throw std::runtime_error("RAND_bytes failed");
    }
    return out;
}

std::string new_id(std::string_view prefix, std::size_t length) {
    static constexpr std::string_view kAlphabet =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    std::string out(prefix);
    out.reserve(prefix.size() + length);
    // Rejection sampling keeps the distribution uniform over 62 symbols.
    while (out.size() < prefix.size() + length) {
        for (unsigned char c : random_bytes(length * 2)) {
            if (c < 248 && out.size() < prefix.size() + length) {
                out.push_back(kAlphabet[c % 62]);
            }
        }
    }
    return out;
}

}  // namespace cohost::core
