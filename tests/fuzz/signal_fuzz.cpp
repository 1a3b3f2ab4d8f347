// libFuzzer target for LiveKit signalling input (media/src/signal_codec.cpp): the `join_request`
// query value and the WebSocket frames an authenticated client sends.
//
// Properties, for any input bytes:
//  1. decode_join_request(), parse_signal_request(binary) and parse_signal_request(text) never
//     crash, never throw, and a refusal carries a message;
//  2. a binary frame that parses re-serializes, and the re-serialized bytes parse to an equal
//     message (protobuf round trip);
//  3. bounded: inputs above the documented limits are refused, not processed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <google/protobuf/util/message_differencer.h>

#include "cohost/media/signal_codec.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    if (auto jr = cohost::media::decode_join_request(in); !jr) {
        FUZZ_CHECK(!jr.error().message().empty());
    }
    if (auto text = cohost::media::parse_signal_request(in, true); !text) {
        FUZZ_CHECK(!text.error().message().empty());
    }
    auto bin = cohost::media::parse_signal_request(in, false);
    if (!bin) {
        FUZZ_CHECK(!bin.error().message().empty());
        return 0;
    }
    FUZZ_CHECK(size <= cohost::media::kMaxSignalFrameBytes);
    std::string again;
    FUZZ_CHECK(bin->SerializeToString(&again));
    auto back = cohost::media::parse_signal_request(again, false);
    FUZZ_CHECK(back.has_value());
    FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(*bin, *back));
    return 0;
}
