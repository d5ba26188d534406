// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <vector>

#include <ias/core/rng.hpp>

using ias::rng_stream;

// Random123's known-answer vectors for Philox4x32-10 (kat_vectors), checked at compile time.
static_assert(ias::detail::philox4x32_10({0, 0, 0, 0}, {0, 0}) ==
              std::array<std::uint32_t, 4>{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
static_assert(ias::detail::philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}) ==
              std::array<std::uint32_t, 4>{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
static_assert(ias::detail::philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}) ==
              std::array<std::uint32_t, 4>{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
// SplitMix64's first output from state 0.
static_assert([] {
    std::uint64_t state = 0;
    return ias::detail::splitmix64(state);
}() == 0xe220a8397b1dcdafULL);

namespace {
double mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()); }
double variance(const std::vector<double>& v) {
    const double m = mean(v);
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return s / double(v.size() - 1);
}
}  // namespace

TEST_CASE("rng_stream: the counter is (draw, stage, epoch, index) and the key is the seed", "[rng]") {
    const std::uint64_t seed = 0x0123456789abcdefULL;
    rng_stream rng(seed, 7, 3);
    const auto block0 = ias::detail::philox4x32_10({0, 0, 3, 7}, {0x89abcdef, 0x01234567});
    const auto block1 = ias::detail::philox4x32_10({1, 0, 3, 7}, {0x89abcdef, 0x01234567});
    for (auto v : block0) CHECK(rng.next_u32() == v);
    for (auto v : block1) CHECK(rng.next_u32() == v);
    CHECK(rng.seed() == seed);
    CHECK(rng.index() == 7);
    CHECK(rng.epoch() == 3);
    CHECK(rng.stage() == 0);
}

TEST_CASE("rng_stream: known answers of every distribution", "[rng]") {
    // Pinned outputs (the same with g++ and clang++): a change here changes every dataset
    // ias has generated.
    rng_stream rng(2026, 11, 0);
    CHECK(rng.next_u32() == 0x5865f13bu);
    CHECK(rng.uniform() == 0.984334528f);
    CHECK(rng.integer(-5, 5) == -5);
    CHECK(rng.normal() == 0.30472964f);
    CHECK(rng.gamma(2.0f, 1.5f) == 0.886287689f);
    CHECK(rng.bernoulli(0.5) == true);
    const std::array<float, 3> w{1, 2, 3};
    CHECK(rng.choice(w) == 2);
    std::array<int, 6> perm{0, 1, 2, 3, 4, 5};
    rng.shuffle(std::span<int>(perm));
    CHECK(perm == std::array<int, 6>{1, 4, 2, 0, 5, 3});
}

TEST_CASE("rng_stream: the same coordinates give the same numbers, other coordinates others", "[rng]") {
    auto first = [](rng_stream r) {
        std::array<std::uint32_t, 8> out{};
        for (auto& v : out) v = r.next_u32();
        return out;
    };
    CHECK(first(rng_stream(1, 2, 3)) == first(rng_stream(1, 2, 3)));
    CHECK(first(rng_stream(1, 2, 3)) != first(rng_stream(2, 2, 3)));
    CHECK(first(rng_stream(1, 2, 3)) != first(rng_stream(1, 3, 3)));
    CHECK(first(rng_stream(1, 2, 3)) != first(rng_stream(1, 2, 4)));
    CHECK(first(rng_stream(1, 2, 3).fork(0)) != first(rng_stream(1, 2, 3).fork(1)));
    CHECK(first(rng_stream(1, 2, 3).fork(0)) != first(rng_stream(1, 2, 3)));
}

TEST_CASE("rng_stream: fork does not depend on the draws already consumed", "[rng]") {
    rng_stream a(9, 9), b(9, 9);
    for (int i = 0; i < 13; ++i) b.next_u32();
    b.normal();
    CHECK(a.fork(5) == b.fork(5));
    CHECK(a.fork(5).fork(2) == b.fork(5).fork(2));
    CHECK(a.fork(5).stage() != a.fork(6).stage());
}

TEST_CASE("rng_stream: indices beyond 32 bits are rejected", "[rng]") {
    CHECK_NOTHROW(rng_stream(0, 0xFFFFFFFFull));
    CHECK_THROWS_WITH(rng_stream(0, 0x100000000ull), Catch::Contains("4294967295"));
}

TEST_CASE("rng_stream: uniform has the moments of U(0, 1) and respects bounds", "[rng]") {
    rng_stream rng(1, 0);
    std::vector<double> v(200000);
    for (auto& x : v) {
        const float u = rng.uniform();
        REQUIRE(u >= 0.0f);
        REQUIRE(u < 1.0f);
        x = u;
    }
    CHECK(mean(v) == Approx(0.5).margin(0.003));
    CHECK(variance(v) == Approx(1.0 / 12).margin(0.001));
    for (int i = 0; i < 10000; ++i) {
        const float x = rng.uniform(-2.0f, 3.0f);
        REQUIRE(x >= -2.0f);
        REQUIRE(x < 3.0f);
    }
    CHECK(rng.uniform(4.0f, 4.0f) == 4.0f);
}

TEST_CASE("rng_stream: integer is uniform over lo..hi (chi-square)", "[rng]") {
    rng_stream rng(2, 0);
    const int lo = -3, hi = 6, n = 100000;
    std::array<int, 10> counts{};
    for (int i = 0; i < n; ++i) {
        const auto k = rng.integer(lo, hi);
        REQUIRE(k >= lo);
        REQUIRE(k <= hi);
        ++counts[std::size_t(k - lo)];
    }
    double chi2 = 0;
    for (int c : counts) chi2 += (c - n / 10.0) * (c - n / 10.0) / (n / 10.0);
    CHECK(chi2 < 27.88);  // 99.9th percentile of chi-square with 9 degrees of freedom
    CHECK(rng.integer(5, 5) == 5);
    // The full 64-bit range and a range above 2^32 take the 64-bit path.
    std::int64_t big = rng.integer(std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
    static_cast<void>(big);
    for (int i = 0; i < 1000; ++i) {
        const auto k = rng.integer(0, std::int64_t{1} << 40);
        REQUIRE(k >= 0);
        REQUIRE(k <= std::int64_t{1} << 40);
    }
}

TEST_CASE("rng_stream: normal has mean, variance, skew and tails of N(mu, sigma)", "[rng]") {
    rng_stream rng(3, 0);
    std::vector<double> v(200000);
    for (auto& x : v) x = rng.normal(2.0f, 0.5f);
    CHECK(mean(v) == Approx(2.0).margin(0.005));
    CHECK(variance(v) == Approx(0.25).margin(0.004));
    double skew = 0;
    const double m = mean(v);
    for (double x : v) skew += std::pow((x - m) / 0.5, 3);
    CHECK(skew / double(v.size()) == Approx(0.0).margin(0.03));
    const auto beyond_2sigma = std::count_if(v.begin(), v.end(), [](double x) { return std::abs(x - 2.0) > 1.0; });
    CHECK(double(beyond_2sigma) / double(v.size()) == Approx(0.0455).margin(0.003));
}

TEST_CASE("rng_stream: gamma has mean k*theta and variance k*theta^2", "[rng]") {
    for (const float shape : {0.3f, 1.0f, 2.5f, 9.0f}) {
        CAPTURE(shape);
        rng_stream rng(4, 0);
        std::vector<double> v(100000);
        for (auto& x : v) {
            x = rng.gamma(shape, 2.0f);
            REQUIRE(x >= 0.0);
        }
        CHECK(mean(v) == Approx(2.0 * shape).epsilon(0.02));
        CHECK(variance(v) == Approx(4.0 * shape).epsilon(0.05));
    }
}

TEST_CASE("rng_stream: bernoulli, choice and shuffle frequencies", "[rng]") {
    rng_stream rng(5, 0);
    const int n = 100000;
    int heads = 0;
    for (int i = 0; i < n; ++i) heads += rng.bernoulli(0.3);
    CHECK(heads / double(n) == Approx(0.3).margin(0.005));
    CHECK_FALSE(rng.bernoulli(0.0));
    CHECK(rng.bernoulli(1.0));

    const std::array<float, 4> weights{0.0f, 1.0f, 3.0f, 6.0f};
    std::array<int, 4> picks{};
    for (int i = 0; i < n; ++i) ++picks[rng.choice(weights)];
    CHECK(picks[0] == 0);
    CHECK(picks[1] / double(n) == Approx(0.1).margin(0.005));
    CHECK(picks[2] / double(n) == Approx(0.3).margin(0.005));
    CHECK(picks[3] / double(n) == Approx(0.6).margin(0.005));

    // Every element lands in every position with probability 1/4.
    std::array<std::array<int, 4>, 4> position{};
    for (int i = 0; i < n; ++i) {
        std::array<int, 4> p{0, 1, 2, 3};
        rng.shuffle(std::span<int>(p));
        for (int k = 0; k < 4; ++k) ++position[std::size_t(p[std::size_t(k)])][std::size_t(k)];
    }
    for (const auto& row : position)
        for (int c : row) CHECK(c / double(n) == Approx(0.25).margin(0.01));
}
