// SPDX-License-Identifier: MIT
// feature::glass_spectral_rule (GLASS's hypersphere-or-manifold choice) on known spectra and
// synthetic images of both verdicts, its option checks, and feature::mean_image.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include <ias/feature/spectral_rule.hpp>

namespace {

using ias::feature::glass_distribution;
using ias::feature::glass_spectral_rule;
using ias::feature::spectral_evidence;
using ias::feature::spectral_rule_settings;

constexpr float pi = 3.14159265358979f;

/// A `w` × `h` × `c` image with element (x, y, k) = f(x, y, k).
ias::image<float> make(int w, int h, int c, const std::function<float(int, int, int)>& f) {
    ias::image<float> im(w, h, c);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int k = 0; k < c; ++k) im(x, y, k) = f(x, y, k);
    return im;
}

/// A checkerboard of `period`-pixel periods (cells of period/2) in 0.2 and 0.8, its cells
/// starting at pixel 0: aligned with the image border.
ias::image<float> checker(int size, int period) {
    const int cell = period / 2;
    return make(size, size, 3, [=](int x, int y, int) { return (x / cell + y / cell) % 2 ? 0.8f : 0.2f; });
}

/// The evidence must hang together: the densities follow from n, s_x, s_y as the rule
/// defines them, R lies between the larger side and the corner, nothing is NaN.
void check_consistent(const spectral_evidence& e) {
    for (float v : {e.max_dx, e.max_dy, e.radius, e.l1_density, e.l2_density}) {
        CHECK(std::isfinite(v));
        CHECK(v >= 0.0f);
    }
    CHECK(e.l1_density == Approx(double(e.points) / (4.0 * std::max(1.0, double(e.max_dx)) * std::max(1.0, double(e.max_dy)))));
    CHECK(e.radius >= std::max(e.max_dx, e.max_dy) - 1e-4f);
    CHECK(e.radius <= std::hypot(e.max_dx, e.max_dy) + 1e-4f);
    const bool dense = e.l1_density > 0.21f || e.l2_density > 0.21f;
    const bool hypersphere = dense && e.radius > 12.0f && e.points > 60;
    CHECK((e.choice == glass_distribution::hypersphere) == hypersphere);
}

}  // namespace

TEST_CASE("glass_spectral_rule: two cosines give their known bright points", "[spectral_rule]") {
    // On the 289 grid itself (no resampling) and without blur, 0.5 + 0.2 cos(10 cycles in x)
    // + 0.1 cos(7 cycles in y) has exactly five frequencies: the zero frequency at
    // 20·ln(0.5·255·289²) ≈ 324, the x pair at ≈ 292 and the y pair at ≈ 278; everything else
    // is rounding noise near 0. So n = 5, s_x = 10, s_y = 7, R = 10, and the disc of radius 10
    // holds 317 grid points (Gauss's circle problem, N(10) = 317).
    const int n = 289;
    const auto im = make(n, n, 1, [&](int x, int y, int) {
        return 0.5f + 0.2f * std::cos(2.0f * pi * 10.0f * float(x) / float(n)) + 0.1f * std::cos(2.0f * pi * 7.0f * float(y) / float(n));
    });
    const spectral_evidence e = glass_spectral_rule(im.view(), {.blur = 1});
    CHECK(e.points == 5);
    CHECK(e.max_dx == 10.0f);
    CHECK(e.max_dy == 7.0f);
    CHECK(e.radius == 10.0f);
    CHECK(e.l1_density == Approx(5.0 / (4.0 * 10 * 7)));
    CHECK(e.l2_density == Approx(5.0 / 317.0));
    CHECK(e.choice == glass_distribution::manifold);  // 5 points are not more than 60
    check_consistent(e);

    SECTION("a threshold above the y pair keeps only the zero frequency and the x pair") {
        const spectral_evidence f = glass_spectral_rule(im.view(), {.blur = 1, .threshold = 285.0f});
        CHECK(f.points == 3);
        CHECK(f.max_dx == 10.0f);
        CHECK(f.max_dy == 0.0f);
        CHECK(f.l1_density == Approx(3.0 / 40.0));  // s_y clamped to 1
    }
    SECTION("an even grid puts the centre at size / 2") {
        const auto small = make(64, 64, 1, [](int x, int y, int) {
            return 0.5f + 0.2f * std::cos(2.0f * pi * 5.0f * float(x) / 64.0f) + 0.2f * std::cos(2.0f * pi * 3.0f * float(y) / 64.0f);
        });
        const spectral_evidence f = glass_spectral_rule(small.view(), {.size = 64, .blur = 1, .threshold = 100.0f});
        CHECK(f.points == 5);
        CHECK(f.max_dx == 5.0f);
        CHECK(f.max_dy == 3.0f);
        CHECK(f.radius == 5.0f);
    }
    SECTION("grey is 0.299 R + 0.587 G + 0.114 B and alpha is ignored") {
        const auto rgba = make(n, n, 4, [&](int x, int y, int k) { return k == 3 ? float((x * 7 + y) % 5) / 4.0f : im(x, y); });
        const spectral_evidence f = glass_spectral_rule(rgba.view(), {.blur = 1});
        CHECK(f.points == 5);
        CHECK(f.radius == 10.0f);
        // Only the red channel carries the pattern: its amplitudes shrink by 0.299, which
        // drops the y pair (≈ 278 − 24) below a threshold of 260 but keeps the x pair.
        const auto red = make(n, n, 3, [&](int x, int y, int k) { return k == 0 ? im(x, y) : 0.0f; });
        const spectral_evidence g = glass_spectral_rule(red.view(), {.blur = 1, .threshold = 260.0f});
        CHECK(g.points == 3);
        CHECK(g.max_dx == 10.0f);
    }
}

TEST_CASE("glass_spectral_rule: a border-aligned coarse checker is hypersphere", "[spectral_rule]") {
    // 9 periods of 32 pixels across 288, cells starting at the border. The 39 × 39 blur
    // leaves the checker's low harmonics and, through its reflect-101 border, which does not
    // continue the pattern, a dense cloud of bright frequencies around them: the rule's
    // hypersphere signature (n = 565, R ≈ 21.0, l1 ≈ 0.39, l2 ≈ 0.41 when this was written).
    for (int period : {32, 36}) {
        CAPTURE(period);
        const spectral_evidence e = glass_spectral_rule(checker(288, period).view());
        CHECK(e.choice == glass_distribution::hypersphere);
        CHECK(e.points > 60);
        CHECK(e.radius > 12.0f);
        CHECK(std::max(e.l1_density, e.l2_density) > 0.21f);
        check_consistent(e);
    }
    // The verdict is not a property of the periodicity alone: shifted by 5 pixels against the
    // border, the period-32 checker keeps its harmonics (R ≈ 28) but loses the dense cloud
    // (l1 ≈ 0.04), and is manifold.
    const auto shifted = make(288, 288, 3, [](int x, int y, int) { return ((x + 5) / 16 + (y + 5) / 16) % 2 ? 0.8f : 0.2f; });
    const spectral_evidence e = glass_spectral_rule(shifted.view());
    CHECK(e.choice == glass_distribution::manifold);
    CHECK(e.radius > 12.0f);
    CHECK(std::max(e.l1_density, e.l2_density) < 0.1f);
    check_consistent(e);
}

TEST_CASE("glass_spectral_rule: fine periodic textures are blurred away", "[spectral_rule]") {
    // The reference rule with its constants does not see short periods: the 39-pixel box
    // averages several whole periods, so a period-8 checker or a period-12 sinusoidal weave
    // keeps only the zero frequency (or a handful of points) above 170, and is manifold.
    const spectral_evidence fine = glass_spectral_rule(checker(288, 8).view());
    CHECK(fine.choice == glass_distribution::manifold);
    CHECK(fine.points <= 5);
    check_consistent(fine);
    const auto weave = make(288, 288, 3, [](int x, int y, int) {
        return 0.5f + 0.3f * std::sin(2.0f * pi * float(x) / 12.0f) * std::sin(2.0f * pi * float(y) / 12.0f);
    });
    const spectral_evidence w = glass_spectral_rule(weave.view());
    CHECK(w.choice == glass_distribution::manifold);
    CHECK(w.points <= 5);
    check_consistent(w);
    // Without the blur the same checker is full of bright harmonics, far from the centre.
    const spectral_evidence sharp = glass_spectral_rule(checker(288, 8).view(), {.blur = 1});
    CHECK(sharp.points > 60);
    CHECK(sharp.radius > 100.0f);
}

TEST_CASE("glass_spectral_rule: a smooth centred blob is manifold", "[spectral_rule]") {
    // An object-like mean image: a Gaussian blob on a flat background. Its bright points
    // are dense but stay within a few bins of the centre (R ≈ 5 against the required 12).
    for (float sigma : {15.0f, 25.0f, 40.0f}) {
        CAPTURE(sigma);
        const auto blob = make(288, 288, 3, [=](int x, int y, int k) {
            const float dx = float(x) - 143.5f, dy = float(y) - 143.5f;
            return 0.15f + (0.6f - 0.1f * float(k)) * std::exp(-(dx * dx + dy * dy) / (2.0f * sigma * sigma));
        });
        const spectral_evidence e = glass_spectral_rule(blob.view());
        CHECK(e.choice == glass_distribution::manifold);
        CHECK(e.radius < 8.0f);
        CHECK(e.points > 1);
        check_consistent(e);
    }
}

TEST_CASE("glass_spectral_rule: constant images are manifold without NaN", "[spectral_rule]") {
    SECTION("mid grey: only the zero frequency is bright") {
        const ias::image<float> grey(200, 150, 3, 0.5f);
        const spectral_evidence e = glass_spectral_rule(grey.view());
        CHECK(e.points == 1);
        CHECK(e.radius == 0.0f);
        CHECK(e.max_dx == 0.0f);
        CHECK(e.max_dy == 0.0f);
        CHECK(e.l1_density == Approx(0.25));  // 1 / (4·1·1): the sides are clamped to 1, as in GLASS
        CHECK(e.l2_density == Approx(1.0));   // the disc of radius 0 is the centre alone
        CHECK(e.choice == glass_distribution::manifold);
        check_consistent(e);
    }
    SECTION("black: no bright point at all, every magnitude zero") {
        const ias::image<float> black(64, 64, 1, 0.0f);
        const spectral_evidence e = glass_spectral_rule(black.view());
        CHECK(e.points == 0);
        CHECK(e.radius == 0.0f);
        CHECK(e.l1_density == 0.0f);
        CHECK(e.l2_density == 0.0f);
        CHECK(e.choice == glass_distribution::manifold);
        check_consistent(e);
    }
}

TEST_CASE("glass_spectral_rule: strided views give the same evidence as copies", "[spectral_rule]") {
    const auto big = checker(320, 32);
    const auto crop = big.view().crop(0, 0, 288, 288);
    const ias::image<float> copy{crop};
    const spectral_evidence a = glass_spectral_rule(crop);
    const spectral_evidence b = glass_spectral_rule(copy.view());
    CHECK(a.points == b.points);
    CHECK(a.radius == b.radius);
    CHECK(a.l1_density == b.l1_density);
    CHECK(a.l2_density == b.l2_density);
    CHECK(a.choice == b.choice);
}

TEST_CASE("glass_spectral_rule: bad options and inputs throw naming the field", "[spectral_rule]") {
    const ias::image<float> im(32, 32, 3, 0.5f);
    auto with = [&](spectral_rule_settings o) { return glass_spectral_rule(im.view(), o); };
    using Catch::Matchers::Contains;
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    CHECK_THROWS_WITH(with({.size = 1}), Contains("size must lie in [2, 4096], got 1"));
    CHECK_THROWS_WITH(with({.size = 5000}), Contains("size must lie in [2, 4096], got 5000"));
    CHECK_THROWS_WITH(with({.blur = 0}), Contains("blur must lie in [1, size = 289], got 0"));
    CHECK_THROWS_WITH(with({.size = 32, .blur = 33}), Contains("blur must lie in [1, size = 32], got 33"));
    CHECK_THROWS_WITH(with({.threshold = nan}), Contains("threshold must be finite"));
    CHECK_THROWS_WITH(with({.threshold = inf}), Contains("threshold must be finite"));
    CHECK_THROWS_WITH(with({.density = -0.1f}), Contains("density must be finite and >= 0"));
    CHECK_THROWS_WITH(with({.density = nan}), Contains("density must be finite and >= 0"));
    CHECK_THROWS_WITH(with({.min_radius = -1.0f}), Contains("min_radius must be finite and >= 0"));
    CHECK_THROWS_WITH(with({.min_radius = inf}), Contains("min_radius must be finite and >= 0"));
    CHECK_THROWS_WITH(with({.min_points = -1}), Contains("min_points must be >= 0, got -1"));
    CHECK_THROWS_AS(with({.min_points = -1}), std::invalid_argument);
    CHECK_NOTHROW(with({.size = 32, .blur = 32, .threshold = -1e9f, .density = 0.0f, .min_radius = 0.0f, .min_points = 0}));

    const ias::image<float> empty;
    CHECK_THROWS_WITH(glass_spectral_rule(empty.view()), Contains("mean_image is empty"));
    CHECK_THROWS_AS(glass_spectral_rule(empty.view()), std::invalid_argument);
    const std::vector<float> two(8 * 8 * 2, 0.5f);
    const ias::image_view<const float> two_channels(two.data(), 8, 8, 2);
    CHECK_THROWS_WITH(glass_spectral_rule(two_channels), Contains("mean_image must have 1, 3 or 4 channels, got 2"));
}

TEST_CASE("mean_image: averages element by element", "[spectral_rule]") {
    // Three 2 × 2 RGB images; every mean is exact in float.
    const auto a = make(2, 2, 3, [](int x, int y, int k) { return 0.25f * float(x + 2 * y) + 0.125f * float(k); });
    const auto b = make(2, 2, 3, [](int, int, int) { return 1.0f; });
    const auto c = make(2, 2, 3, [](int x, int, int k) { return x == 0 ? 0.5f : 0.125f * float(k); });
    const std::vector<ias::image_view<const float>> views{a.view(), b.view(), c.view()};
    ias::image<float> out;
    ias::feature::mean_image(views, out);
    REQUIRE(out.width() == 2);
    REQUIRE(out.height() == 2);
    REQUIRE(out.channels() == 3);
    for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 2; ++x)
            for (int k = 0; k < 3; ++k) {
                const float expected = (a(x, y, k) + b(x, y, k) + c(x, y, k)) / 3.0f;
                CAPTURE(x, y, k);
                CHECK(out(x, y, k) == Approx(expected).epsilon(1e-7));
            }
    CHECK(out(0, 0, 0) == 0.5f);   // (0 + 1 + 0.5) / 3
    CHECK(out(1, 1, 2) == 0.75f);  // (1 + 1 + 0.25) / 3

    SECTION("one image is its own mean, strides and all") {
        const auto big = make(5, 4, 1, [](int x, int y, int) { return float(x) * 0.5f + float(y); });
        const std::vector<ias::image_view<const float>> one{big.view().crop(1, 1, 3, 2)};
        ias::feature::mean_image(one, out);
        REQUIRE(out.width() == 3);
        REQUIRE(out.height() == 2);
        CHECK(out(0, 0) == 1.5f);
        CHECK(out(2, 1) == 3.5f);
    }
    SECTION("the output may be one of the inputs") {
        ias::image<float> first = a;
        const std::vector<ias::image_view<const float>> aliased{first.view(), b.view(), c.view()};
        ias::feature::mean_image(aliased, first);
        CHECK(first(0, 0, 0) == 0.5f);
        CHECK(first(1, 1, 2) == 0.75f);
    }
}

TEST_CASE("mean_image: empty and mismatched inputs throw", "[spectral_rule]") {
    using Catch::Matchers::Contains;
    ias::image<float> out;
    const ias::image<float> a(4, 4, 3, 0.5f), wide(5, 4, 3, 0.5f), grey(4, 4, 1, 0.5f), empty;
    CHECK_THROWS_WITH(ias::feature::mean_image({}, out), Contains("images is empty"));
    const std::vector<ias::image_view<const float>> sizes{a.view(), wide.view()};
    CHECK_THROWS_WITH(ias::feature::mean_image(sizes, out), Contains("images[1] is 5x4x3, images[0] is 4x4x3"));
    const std::vector<ias::image_view<const float>> channels{a.view(), a.view(), grey.view()};
    CHECK_THROWS_WITH(ias::feature::mean_image(channels, out), Contains("images[2] is 4x4x1, images[0] is 4x4x3"));
    const std::vector<ias::image_view<const float>> nothing{empty.view()};
    CHECK_THROWS_WITH(ias::feature::mean_image(nothing, out), Contains("images[0] is empty"));
    CHECK_THROWS_AS(ias::feature::mean_image(sizes, out), std::invalid_argument);
    CHECK(out.empty());
}
