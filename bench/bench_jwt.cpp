// HS256 user tokens (product.md §8): every authenticated request verifies one.
#include <benchmark/benchmark.h>

#include <chrono>

#include "cohost/core/jwt.hpp"

namespace {

namespace jwt = cohost::core::jwt;

constexpr std::string_view kSecret = "bench-secret-0123456789abcdef0123456789";
constexpr std::string_view kIssuer = "APIbench";

cohost::core::TimePoint fixed_now() { return cohost::core::from_unix_ms(1'790'000'000'000); }

boost::json::object claims() {
    return boost::json::object{{"iss", kIssuer},
                               {"sub", "user-000123"},
                               {"name", "Bench User"},
                               {"nbf", 1'790'000'000 - 60},
                               {"exp", 1'790'000'000 + 3600}};
}

void BM_JwtSign(benchmark::State& state) {
    const auto c = claims();
    for (auto _ : state) {
        benchmark::DoNotOptimize(jwt::sign_hs256(c, kSecret));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JwtSign);

void BM_JwtVerify(benchmark::State& state) {
    const std::string token = jwt::sign_hs256(claims(), kSecret);
    const jwt::VerifyOptions opts{kSecret, kIssuer, fixed_now(), std::chrono::seconds(10)};
    for (auto _ : state) {
        auto r = jwt::verify_hs256(token, opts);
        if (!r) {
            state.SkipWithError("verify failed");
            break;
        }
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JwtVerify);

void BM_JwtVerifyBadSignature(benchmark::State& state) {
    std::string token = jwt::sign_hs256(claims(), kSecret);
    token.back() = token.back() == 'A' ? 'B' : 'A';
    const jwt::VerifyOptions opts{kSecret, kIssuer, fixed_now(), std::chrono::seconds(10)};
    for (auto _ : state) {
        benchmark::DoNotOptimize(jwt::verify_hs256(token, opts));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JwtVerifyBadSignature);

}  // namespace
