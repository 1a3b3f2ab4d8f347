// LiveKit signalling wire layer. See signal_codec.hpp for the contract.
#include "cohost/media/signal_codec.hpp"

#include <google/protobuf/stubs/stringpiece.h>
#include <google/protobuf/util/json_util.h>
#include <zlib.h>

#include <optional>
#include <string>

#include "cohost/core/crypto.hpp"

namespace cohost::media {
namespace {

// boost::system::error_category has a protected non-virtual destructor by design.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class SignalCodecCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "livekit_signal"; }
    std::string message(int ev) const override {
        switch (static_cast<SignalCodecErrc>(ev)) {
            case SignalCodecErrc::BadEncoding:
                return "join_request is not valid base64url";
            case SignalCodecErrc::TooLarge:
                return "signalling input too large";
            case SignalCodecErrc::InflatedTooLarge:
                return "join_request inflates past the size limit";
            case SignalCodecErrc::BadWrapper:
                return "join_request is not a WrappedJoinRequest";
            case SignalCodecErrc::UnknownCompression:
                return "unknown WrappedJoinRequest compression";
            case SignalCodecErrc::BadGzip:
                return "corrupt or truncated gzip in join_request";
            case SignalCodecErrc::BadMessage:
                return "malformed protobuf message";
            case SignalCodecErrc::BadJson:
                return "malformed protobuf-JSON signalling message";
            case SignalCodecErrc::SerializeFailed:
                return "could not serialize signalling message";
        }
        return "unknown livekit_signal error";
    }
};
#pragma GCC diagnostic pop

const SignalCodecCategory kCategory;

boost::system::error_code err(SignalCodecErrc e) noexcept { return make_error_code(e); }

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The value normally arrives already URL-decoded by the HTTP layer; a raw one carries `%3D` for
// each `=` of padding (URLSearchParams encoding). The base64url alphabet has no `%`, so decoding
// escapes here cannot change a value that was already decoded.
std::optional<std::string> percent_decode(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out.push_back(in[i]);
            continue;
        }
        if (i + 2 >= in.size()) return std::nullopt;
        const int hi = hex_value(in[i + 1]);
        const int lo = hex_value(in[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

// RFC 1952 gzip, one member, inflated into at most `limit` bytes. livekit-client compresses with
// `CompressionStream('gzip')` (§4.1 step 2), which writes exactly one member.
Result<std::string> gunzip(const std::string& in, std::size_t limit) {
    z_stream zs{};
    // 15 window bits + 16: expect a gzip header and trailer (CRC-32 and size are verified).
    if (inflateInit2(&zs, 15 + 16) != Z_OK) return err(SignalCodecErrc::BadGzip);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());

    std::string out;
    char chunk[16 * 1024];
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        zs.next_out = reinterpret_cast<Bytef*>(chunk);
        zs.avail_out = sizeof(chunk);
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            // Z_BUF_ERROR here means the input ended before the stream did (truncated).
            inflateEnd(&zs);
            return err(SignalCodecErrc::BadGzip);
        }
        const std::size_t produced = sizeof(chunk) - zs.avail_out;
        if (out.size() + produced > limit) {
            inflateEnd(&zs);
            return err(SignalCodecErrc::InflatedTooLarge);
        }
        out.append(chunk, produced);
        if (rc == Z_OK && zs.avail_in == 0 && produced == 0) {
            inflateEnd(&zs);
            return err(SignalCodecErrc::BadGzip);  // no more input, stream not finished
        }
    }
    const bool trailing = zs.avail_in != 0;
    inflateEnd(&zs);
    if (trailing) return err(SignalCodecErrc::BadGzip);
    return out;
}

}  // namespace

boost::system::error_code make_error_code(SignalCodecErrc e) noexcept {
    return {static_cast<int>(e), kCategory};
}

Result<livekit::JoinRequest> decode_join_request(std::string_view query_value) {
    // Bound the text before decoding: base64 of kMaxJoinRequestWrappedBytes, each character
    // possibly written as a 3-character %XX escape.
    constexpr std::size_t kMaxBase64Chars = (kMaxJoinRequestWrappedBytes + 2) / 3 * 4;
    if (query_value.size() > 3 * kMaxBase64Chars) return err(SignalCodecErrc::TooLarge);
    const auto text = percent_decode(query_value);
    if (!text) return err(SignalCodecErrc::BadEncoding);
    if (text->size() > kMaxBase64Chars) return err(SignalCodecErrc::TooLarge);
    if (text->empty()) return err(SignalCodecErrc::BadEncoding);

    // §4.1 step 4: standard base64 with padding, `+` -> `-`, `/` -> `_` (Go: base64.URLEncoding).
    const auto wrapped_bytes = core::base64_decode(*text);
    if (!wrapped_bytes) return err(SignalCodecErrc::BadEncoding);
    if (wrapped_bytes->size() > kMaxJoinRequestWrappedBytes) return err(SignalCodecErrc::TooLarge);

    livekit::WrappedJoinRequest wrapped;
    if (!wrapped.ParseFromString(*wrapped_bytes)) return err(SignalCodecErrc::BadWrapper);

    livekit::JoinRequest join;
    switch (wrapped.compression()) {
        case livekit::WrappedJoinRequest::NONE:
            if (!join.ParseFromString(wrapped.join_request())) {
                return err(SignalCodecErrc::BadMessage);
            }
            return join;
        case livekit::WrappedJoinRequest::GZIP: {
            auto inflated = gunzip(wrapped.join_request(), kMaxJoinRequestInflatedBytes);
            if (!inflated) return inflated.error();
            if (!join.ParseFromString(*inflated)) return err(SignalCodecErrc::BadMessage);
            return join;
        }
        default:
            return err(SignalCodecErrc::UnknownCompression);
    }
}

Result<livekit::SignalRequest> parse_signal_request(std::string_view frame, bool is_text) {
    if (frame.size() > kMaxSignalFrameBytes) return err(SignalCodecErrc::TooLarge);
    livekit::SignalRequest request;
    if (!is_text) {
        if (!request.ParseFromArray(frame.data(), static_cast<int>(frame.size()))) {
            return err(SignalCodecErrc::BadMessage);
        }
        return request;
    }
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    const auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(frame.data(), frame.size()), &request, options);
    if (!status.ok()) return err(SignalCodecErrc::BadJson);
    return request;
}

Result<livekit::SignalRequest> parse_signal_request(std::span<const std::byte> frame,
                                                    bool is_text) {
    return parse_signal_request(
        std::string_view(reinterpret_cast<const char*>(frame.data()), frame.size()), is_text);
}

Result<std::string> serialize_signal_response(const livekit::SignalResponse& response,
                                              bool as_text) {
    std::string out;
    if (!as_text) {
        if (!response.SerializeToString(&out)) return err(SignalCodecErrc::SerializeFailed);
        return out;
    }
    // protobuf-es (livekit-client) reads lowerCamelCase json names and enum names; the defaults
    // below are exactly that: no proto names, enums as names, no default-valued fields.
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = false;
    options.always_print_primitive_fields = false;
    options.always_print_enums_as_ints = false;
    options.preserve_proto_field_names = false;
    const auto status = google::protobuf::util::MessageToJsonString(response, &out, options);
    if (!status.ok()) return err(SignalCodecErrc::SerializeFailed);
    return out;
}

}  // namespace cohost::media
