// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include <ias/fn/perlin_noise.hpp>
#include <ias/transforms/perlin_mask.hpp>

#include "test_transforms.hpp"

namespace {

/// The noise of METHODS §2.1 evaluated pixel by pixel, straight from the formulas: the
/// reference the run-based kernel must match.
float reference_noise(const ias::fn::perlin_noise_params& p, int width, int height, double x, double y) {
    const double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0;
    const double c = std::cos(double(p.rotation)), s = std::sin(double(p.rotation));
    const double sx = c * (x - cx) + s * (y - cy) + cx, sy = -s * (x - cx) + c * (y - cy) + cy;
    if (sx < -1e-4 || sx > width - 1 + 1e-4 || sy < -1e-4 || sy > height - 1 + 1e-4) return p.fill;
    double total = 0.0;
    for (int k = 0; k < p.octaves; ++k) {
        const double f = std::pow(double(p.lacunarity), k);
        const double cells_x = p.cells_x * f, cells_y = p.cells_y * f;
        const int nodes_x = int(std::ceil(float(cells_x))) + 1;
        const int nodes_y = int(std::ceil(float(cells_y))) + 1;
        std::vector<double> gx, gy;
        ias::rng_stream g(p.seed, std::uint32_t(k));
        for (int n = 0; n < nodes_x * nodes_y; ++n) {
            const double theta = 2.0 * std::numbers::pi * g.uniform_double();
            gx.push_back(double(float(std::cos(theta))));
            gy.push_back(double(float(std::sin(theta))));
        }
        const double pp = sy * cells_y / height, qq = sx * cells_x / width;
        const int i = std::clamp(int(std::floor(pp)), 0, nodes_y - 2), j = std::clamp(int(std::floor(qq)), 0, nodes_x - 2);
        const double u = pp - i, v = qq - j;
        auto dot = [&](int di, int dj, double du, double dv) {
            const int n = (i + di) * nodes_x + (j + dj);
            return gx[std::size_t(n)] * du + gy[std::size_t(n)] * dv;
        };
        auto fade = [](double t) { return t * t * t * (t * (t * 6 - 15) + 10); };
        const double n00 = dot(0, 0, u, v), n10 = dot(1, 0, u - 1, v), n01 = dot(0, 1, u, v - 1), n11 = dot(1, 1, u - 1, v - 1);
        const double a = fade(u), b = fade(v);
        const double n0 = n00 + a * (n10 - n00), n1 = n01 + a * (n11 - n01);
        total += std::pow(double(p.persistence), k) * std::sqrt(2.0) * (n0 + b * (n1 - n0));
    }
    return float(total);
}

ias::image<float> noise(const ias::fn::perlin_noise_params& p, int width, int height) {
    ias::image<float> out(width, height, 1);
    ias::fn::perlin_noise(out.view(), p);
    return out;
}

double coverage(const ias::image<float>& m) {
    double sum = 0;
    for (std::size_t i = 0; i < m.size(); ++i) sum += m.data()[i];
    return sum / double(m.size());
}

}  // namespace

TEST_CASE("perlin_noise: matches the formulas pixel by pixel, at any size, rotated and fractal", "[perlin]") {
    struct setup {
        int width, height;
        ias::fn::perlin_noise_params p;
    };
    const std::vector<setup> setups{
        {64, 64, {.cells_x = 4, .cells_y = 2, .seed = 1}},
        {37, 53, {.cells_x = 5, .cells_y = 3, .seed = 2}},                          // no divisibility
        {100, 30, {.cells_x = 2.5f, .cells_y = 7.25f, .seed = 3}},                  // fractional lattices
        {64, 48, {.cells_x = 8, .cells_y = 8, .rotation = 0.7f, .fill = -3.0f, .seed = 4}},
        {50, 50, {.cells_x = 3, .cells_y = 6, .rotation = -1.5707964f, .seed = 5}},  // -90 degrees
        {61, 47, {.cells_x = 2, .cells_y = 3, .rotation = 2.9f, .seed = 6, .octaves = 4, .persistence = 0.6f, .lacunarity = 1.9f}},
        {1, 1, {.cells_x = 1, .cells_y = 1, .seed = 7}},
    };
    for (const auto& [w, h, p] : setups) {
        CAPTURE(w, h, p.cells_x, p.cells_y, p.rotation, p.octaves);
        const auto out = noise(p, w, h);
        double worst = 0;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) worst = std::max(worst, double(std::abs(out(x, y) - reference_noise(p, w, h, x, y))));
        CHECK(worst < 2e-4);
    }
}

TEST_CASE("perlin_noise: range, zero at the lattice nodes, continuity, determinism", "[perlin]") {
    double lowest = 0, highest = 0, sum = 0, sum2 = 0;
    std::size_t n = 0;
    for (std::uint64_t seed = 0; seed < 40; ++seed) {
        const auto out = noise({.cells_x = 8, .cells_y = 8, .seed = seed}, 128, 128);
        for (std::size_t i = 0; i < out.size(); ++i) {
            const double v = out.data()[i];
            lowest = std::min(lowest, v);
            highest = std::max(highest, v);
            sum += v;
            sum2 += v * v;
            ++n;
        }
        // Gradient noise is zero at every lattice node: pixel (16 a, 16 b) sits on node (a, b).
        for (int a = 0; a < 8; ++a)
            for (int b = 0; b < 8; ++b) REQUIRE(std::abs(out(16 * b, 16 * a)) < 1e-6f);
        // Continuity: neighbours differ little (a cell spans 16 pixels).
        float jump = 0;
        for (int y = 0; y < 128; ++y)
            for (int x = 1; x < 128; ++x) jump = std::max({jump, std::abs(out(x, y) - out(x - 1, y)), std::abs(out(y, x) - out(y, x - 1))});
        REQUIRE(jump < 0.25f);  // a seam between cells would jump by O(1)
    }
    CHECK(lowest >= -1.0);
    CHECK(highest <= 1.0);
    CHECK(lowest < -0.6);
    CHECK(highest > 0.6);
    CHECK(sum / double(n) == Approx(0.0).margin(0.02));
    const double sd = std::sqrt(sum2 / double(n));
    CHECK(sd > 0.2);
    CHECK(sd < 0.4);

    CHECK(noise({.cells_x = 3, .seed = 9}, 40, 30) == noise({.cells_x = 3, .seed = 9}, 40, 30));
    CHECK_FALSE(noise({.cells_x = 3, .seed = 9}, 40, 30) == noise({.cells_x = 3, .seed = 10}, 40, 30));
}

TEST_CASE("perlin_noise: a strided view (one channel of an RGB image) gets the same values", "[perlin]") {
    const ias::fn::perlin_noise_params p{.cells_x = 3, .cells_y = 5, .rotation = 0.4f, .fill = -1.0f, .seed = 21, .octaves = 2};
    const auto plain = noise(p, 45, 33);
    ias::image<float> rgb(45, 33, 3, 7.0f);
    ias::fn::perlin_noise(rgb.view().channel(1), p);
    for (int y = 0; y < 33; ++y)
        for (int x = 0; x < 45; ++x) {
            REQUIRE(rgb(x, y, 1) == plain(x, y));
            REQUIRE(rgb(x, y, 0) == 7.0f);  // the other channels are untouched
            REQUIRE(rgb(x, y, 2) == 7.0f);
        }
}

TEST_CASE("perlin_noise: rotation fills outside the rotated field and keeps the centre", "[perlin]") {
    const ias::fn::perlin_noise_params straight{.cells_x = 4, .cells_y = 4, .fill = -5.0f, .seed = 11};
    auto turned = straight;
    turned.rotation = float(std::numbers::pi / 4);
    const auto a = noise(straight, 65, 65), b = noise(turned, 65, 65);
    CHECK(b(32, 32) == Approx(a(32, 32)).margin(1e-5));  // the centre does not move
    CHECK(b(0, 0) == -5.0f);                              // corners come from outside
    CHECK(b(64, 64) == -5.0f);
    CHECK(b(32, 0) != -5.0f);
    // A quarter turn of a square image covers it completely and is a transposition.
    auto quarter = straight;
    quarter.rotation = float(std::numbers::pi / 2);
    const auto q = noise(quarter, 65, 65);
    for (int y = 0; y < 65; y += 8)
        for (int x = 0; x < 65; x += 8) CHECK(q(x, y) == Approx(a(y, 64 - x)).margin(2e-4));
}

TEST_CASE("perlin_noise: bad parameters and views are rejected by name", "[perlin]") {
    ias::image<float> out(8, 8, 1), rgb(8, 8, 3);
    CHECK_THROWS_WITH(ias::fn::perlin_noise(out.view(), {.cells_x = 0}), Catch::Contains("cells_x is 0.0") && Catch::Contains("(0, 65536]"));
    CHECK_THROWS_WITH(ias::fn::perlin_noise(out.view(), {.octaves = 0}), Catch::Contains("octaves"));
    CHECK_THROWS_WITH(ias::fn::perlin_noise(rgb.view(), {}), Catch::Contains("one channel, it has 3"));
    std::vector<float> small(3);
    CHECK_THROWS_WITH(ias::fn::perlin_noise(out.view(), {.cells_x = 4}, small), Catch::Contains("scratch holds 3 floats"));
}

TEST_CASE("perlin_mask: DRAEM defaults at 256x256 cover about 4.8% with about 5% empty masks", "[perlin_mask]") {
    // Reference figures: DRAEM's generator (numpy, benchmarks/compare/perlin_draem.py) gives
    // a mean coverage of about 4.8% and about 5% empty masks at 256x256. With n = 3000 masks
    // the standard error of the mean coverage is about 0.13% and of the empty share 0.4%.
    const ias::perlin_mask draem{};
    const int n = 3000;
    double covered = 0;
    int empty = 0;
    for (int i = 0; i < n; ++i) {
        ias::sample s(ias::image<std::uint8_t>(256, 256, 3));
        ias::rng_stream rng(2021, std::uint64_t(i));
        draem(s, rng);
        const double c = coverage(s.mask);
        REQUIRE(s.label == (c > 0 ? 1 : 0));
        covered += c;
        empty += c == 0;
    }
    CHECK(covered / n == Approx(0.048).margin(0.005));
    CHECK(empty / double(n) == Approx(0.05).margin(0.015));
}

TEST_CASE("perlin_mask: binary, deterministic, any size and pixel type", "[perlin_mask]") {
    const ias::perlin_mask t{};
    for (const auto& [w, h] : {std::pair{256, 256}, std::pair{97, 301}, std::pair{1, 1}, std::pair{640, 480}}) {
        ias::sample a(ias::image<float>(w, h, 1)), b(ias::image<std::uint8_t>(w, h, 3));
        ias::rng_stream r1(5, 42), r2(5, 42);
        t(a, r1);
        t(b, r2);
        REQUIRE(a.mask.width() == w);
        REQUIRE(a.mask.height() == h);
        CHECK(a.mask == b.mask);  // only the size matters
        for (std::size_t i = 0; i < a.mask.size(); ++i) REQUIRE((a.mask.data()[i] == 0.0f || a.mask.data()[i] == 1.0f));
    }
}

TEST_CASE("perlin_mask: redraw policy never leaves an empty mask, keep policy labels empty masks normal", "[perlin_mask]") {
    const ias::perlin_mask coarse({.scale_exponents = {0, 0}});  // one cell: often empty
    const ias::perlin_mask redraw({.scale_exponents = {0, 0}, .empty_policy = ias::empty_mask_policy::redraw});
    int empty_kept = 0;
    for (std::uint64_t i = 0; i < 300; ++i) {
        ias::sample a(ias::image<float>(64, 64, 1)), b(ias::image<float>(64, 64, 1));
        ias::rng_stream r1(1, i), r2(1, i);
        coarse(a, r1);
        redraw(b, r2);
        empty_kept += a.label == 0;
        REQUIRE(a.label == (coverage(a.mask) > 0));
        REQUIRE(b.label == 1);
        REQUIRE(coverage(b.mask) > 0);
    }
    CHECK(empty_kept > 30);
}

TEST_CASE("perlin_mask: GLASS combinations, foreground clipping, trace and replay", "[perlin_mask]") {
    const ias::perlin_mask glass({.empty_policy = ias::empty_mask_policy::redraw, .union_weight = 1, .intersection_weight = 1});
    std::array<int, 3> combinations{};
    for (std::uint64_t i = 0; i < 300; ++i) {
        ias::sample s(ias::image<float>(96, 80, 3));
        s.foreground.resize(96, 80, 1, 0.0f);
        for (int y = 10; y < 70; ++y)
            for (int x = 20; x < 80; ++x) s.foreground(x, y) = 1.0f;
        s.trace.emplace();
        ias::rng_stream rng(8, i);
        ias::run(glass, s, rng);
        REQUIRE(s.label == 1);
        for (int y = 0; y < 80; ++y)
            for (int x = 0; x < 96; ++x)
                if (s.foreground(x, y) == 0.0f) REQUIRE(s.mask(x, y) == 0.0f);
        const auto& params = s.trace->entries().at(0).params_as<ias::perlin_mask::params_type>();
        ++combinations[std::size_t(params.combination)];
        // Replay from the trace gives the same mask, and the untraced call agrees.
        ias::sample again(ias::image<float>(96, 80, 3));
        again.foreground = s.foreground;
        ias::replay(glass, again, *s.trace);
        REQUIRE(again.mask == s.mask);
        ias::sample plain(ias::image<float>(96, 80, 3));
        plain.foreground = s.foreground;
        ias::rng_stream rng2(8, i);
        glass(plain, rng2);
        REQUIRE(plain.mask == s.mask);
    }
    for (int c : combinations) CHECK(c / 300.0 == Approx(1.0 / 3).margin(0.1));
    CHECK_THROWS_WITH(ias::perlin_mask({.scale_exponents = {3, 2}}),
                      Catch::Contains("ias::perlin_mask: parameter 'scale_exponents' is [3, 2]") && Catch::Contains("0 <= min <= max <= 12"));
    CHECK_THROWS_WITH(ias::perlin_mask({.first_only_weight = 0}), Catch::Contains("at least one combination weight"));
}
