// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <ias/core/error.hpp>
#include <ias/core/image.hpp>
#include <ias/diffusion/glad.hpp>
#include <ias/diffusion/masks.hpp>
#include <ias/diffusion/paste_back.hpp>
#include <ias/diffusion/tensor.hpp>
#include <ias/fn/filters.hpp>
#include <ias/fn/labelling.hpp>
#include <ias/fn/morphology.hpp>

namespace {

using ias::image;
using ias::diffusion::tensor;
using ias::diffusion::tensor_shape;

/// Element (b, y, x, c) of an NHWC tensor.
float& at(tensor& t, int b, int y, int x, int c = 0) {
    const tensor_shape& s = t.shape();
    return t.data()[((std::size_t(b) * std::size_t(s.height) + std::size_t(y)) * std::size_t(s.width) + std::size_t(x)) *
                        std::size_t(s.channels) +
                    std::size_t(c)];
}

/// A deterministic pseudo-random float in [-1, 1) (a small LCG; the tests need variety, not quality).
float noise(std::uint32_t& state) {
    state = state * 1664525u + 1013904223u;
    return float(state >> 8) / float(1u << 23) - 1.0f;
}

tensor random_tensor(tensor_shape shape, std::uint32_t seed) {
    tensor t(shape);
    for (float& v : t.values()) v = noise(seed);
    return t;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// masks.hpp

TEST_CASE("diffusion masks: dilation radius follows the AnomalyDiffusion schedule", "[diffusion]") {
    using ias::diffusion::anomalydiffusion_dilation_radius;
    CHECK(anomalydiffusion_dilation_radius(999, 200) == 8);
    CHECK(anomalydiffusion_dilation_radius(0, 200) == 0);
    CHECK(anomalydiffusion_dilation_radius(900, 50) == 16);
    CHECK(anomalydiffusion_dilation_radius(999, 50) == 17);  // 1099 · 16 / 1000 = 17.584
    CHECK(anomalydiffusion_dilation_radius(0, 50) == 1);     // 100 · 16 / 1000 = 1.6
    CHECK(anomalydiffusion_dilation_radius(24, 200) == 0);   // 124 · 8 = 992
    CHECK(anomalydiffusion_dilation_radius(25, 200) == 1);   // 125 · 8 = 1000
    CHECK(anomalydiffusion_dilation_radius(900, 51) == 8);   // more than 50 steps: factor 8
    CHECK(anomalydiffusion_dilation_radius(900, 1) == 16);
    CHECK(anomalydiffusion_dilation_radius(std::numeric_limits<int>::max(), 50) == 34359739);

    REQUIRE_THROWS_AS(anomalydiffusion_dilation_radius(-1, 50), std::invalid_argument);
    REQUIRE_THROWS_WITH(anomalydiffusion_dilation_radius(-1, 50), Catch::Contains("timestep is -1"));
    REQUIRE_THROWS_AS(anomalydiffusion_dilation_radius(10, 0), std::invalid_argument);
    REQUIRE_THROWS_WITH(anomalydiffusion_dilation_radius(10, 0), Catch::Contains("sampling_steps is 0"));
}

TEST_CASE("diffusion masks: attention weight map on a hand-built 4x4 batch", "[diffusion]") {
    // Four planes of 4×4×2. z0 is 0.25 everywhere; x_t = z0 + diff. d = mean_c (m·diff)².
    tensor x_t({4, 4, 4, 2}, 0.25f), z0({4, 4, 4, 2}, 0.25f), mask({4, 4, 4, 1}, 0.0f);
    auto set = [&](int b, int x, int y, float m, float d0, float d1) {
        at(mask, b, y, x) = m;
        at(x_t, b, y, x, 0) = 0.25f + d0;
        at(x_t, b, y, x, 1) = 0.25f + d1;
    };
    // Outside every mask x_t departs from z0 arbitrarily: the weight there must stay exactly 1.
    std::uint32_t seed = 7;
    for (int b = 0; b < 4; ++b)
        for (int y = 0; y < 4; ++y)
            for (int x = 0; x < 4; ++x)
                for (int c = 0; c < 2; ++c) at(x_t, b, y, x, c) = 0.25f + 3.0f * noise(seed);
    // Plane 0: 2×2 block; (1,1) has d = 1 (inv 1), the others d = 0.5 (inv 2); mean inv = 7/4.
    set(0, 1, 1, 1.0f, 1.0f, 1.0f);
    set(0, 2, 1, 1.0f, 1.0f, 0.0f);
    set(0, 1, 2, 1.0f, 0.0f, -1.0f);
    set(0, 2, 2, 1.0f, -1.0f, 0.0f);
    // Plane 1: a soft pixel. m = 0.5 and diff (2, 2) give m·diff = (1, 1), so d = 1 as above.
    set(1, 0, 0, 0.5f, 2.0f, 2.0f);
    set(1, 1, 0, 1.0f, 1.0f, 0.0f);
    set(1, 2, 0, 1.0f, 0.0f, 1.0f);
    set(1, 3, 0, 1.0f, -1.0f, 0.0f);
    // Plane 2: (0,0) has not departed at all (d = 0 → inv 1e12): clamped to max; (3,3) to 1.
    set(2, 0, 0, 1.0f, 0.0f, 0.0f);
    set(2, 3, 3, 1.0f, 1.0f, 1.0f);
    // Plane 3: no mask at all.

    tensor weights({4, 4, 4, 1}, -5.0f);
    ias::diffusion::attention_weight_map(x_t, z0, mask, weights);

    const float eight_sevenths = float(2.0 / 1.75);
    for (int b = 0; b < 4; ++b)
        for (int y = 0; y < 4; ++y)
            for (int x = 0; x < 4; ++x) {
                const float w = at(weights, b, y, x);
                if (at(mask, b, y, x) > 0.0f) {
                    CHECK(w >= 1.0f);
                    CHECK(w <= 1.5f);
                } else {
                    CHECK(w == 1.0f);
                }
            }
    CHECK(at(weights, 0, 1, 1) == 1.0f);  // 4/7 clamped up to 1
    CHECK(at(weights, 0, 1, 2) == eight_sevenths);
    CHECK(at(weights, 0, 2, 1) == eight_sevenths);
    CHECK(at(weights, 0, 2, 2) == eight_sevenths);
    // Closer to the normal latent (smaller d) means a larger weight.
    CHECK(at(weights, 0, 1, 2) > at(weights, 0, 1, 1));

    CHECK(at(weights, 1, 0, 0) == 1.0f);  // without the factor m, d would be 4 and the others 1.28
    CHECK(at(weights, 1, 0, 1) == eight_sevenths);
    CHECK(at(weights, 1, 0, 2) == eight_sevenths);
    CHECK(at(weights, 1, 0, 3) == eight_sevenths);

    CHECK(at(weights, 2, 0, 0) == 1.5f);
    CHECK(at(weights, 2, 3, 3) == 1.0f);

    SECTION("max_weight caps the map") {
        ias::diffusion::attention_weight_map(x_t, z0, mask, weights, 1.1f);
        CHECK(at(weights, 0, 1, 2) == 1.1f);
        CHECK(at(weights, 2, 0, 0) == 1.1f);
        CHECK(at(weights, 0, 1, 1) == 1.0f);
    }
    SECTION("weights may overwrite the mask") {
        tensor inplace;
        inplace.assign(mask);
        ias::diffusion::attention_weight_map(x_t, z0, inplace, inplace);
        CHECK(std::equal(inplace.values().begin(), inplace.values().end(), weights.values().begin()));
    }
}

TEST_CASE("diffusion masks: attention weight map rejects bad shapes and max_weight", "[diffusion]") {
    tensor x_t({1, 4, 4, 2}), z0({1, 4, 4, 2}), mask({1, 4, 4, 1}), weights({1, 4, 4, 1});
    tensor z0_bad({1, 4, 3, 2}), mask_bad({2, 4, 4, 1}), weights_bad({1, 4, 4, 2});
    using ias::diffusion::attention_weight_map;
    REQUIRE_THROWS_AS(attention_weight_map(x_t, z0_bad, mask, weights), std::invalid_argument);
    REQUIRE_THROWS_WITH(attention_weight_map(x_t, z0_bad, mask, weights),
                        Catch::Contains("z0") && Catch::Contains("1x4x3x2") && Catch::Contains("1x4x4x2"));
    REQUIRE_THROWS_AS(attention_weight_map(x_t, z0, mask_bad, weights), std::invalid_argument);
    REQUIRE_THROWS_WITH(attention_weight_map(x_t, z0, mask_bad, weights),
                        Catch::Contains("mask is 2x4x4x1") && Catch::Contains("1x4x4x1"));
    REQUIRE_THROWS_AS(attention_weight_map(x_t, z0, mask, weights_bad), std::invalid_argument);
    REQUIRE_THROWS_WITH(attention_weight_map(x_t, z0, mask, weights_bad), Catch::Contains("weights is 1x4x4x2"));
    REQUIRE_THROWS_AS(attention_weight_map(x_t, z0, mask, weights, 0.5f), std::invalid_argument);
    REQUIRE_THROWS_WITH(attention_weight_map(x_t, z0, mask, weights, 0.5f), Catch::Contains("max_weight"));
}

TEST_CASE("diffusion masks: downsample by area and by max", "[diffusion]") {
    using ias::diffusion::downsample_mask;
    using ias::diffusion::mask_pooling;
    image<float> mask(4, 4, 1);
    const float values[16] = {0, 1, 0, 0,  //
                              1, 1, 0, 0.5f,
                              0, 0, 1, 1,  //
                              0, 0.25f, 1, 1};
    std::copy_n(values, 16, mask.data());
    image<float> out(2, 2, 1, -1.0f);

    downsample_mask(mask.view(), out.view(), mask_pooling::area);
    CHECK(out(0, 0) == 0.75f);
    CHECK(out(1, 0) == 0.125f);
    CHECK(out(0, 1) == 0.0625f);
    CHECK(out(1, 1) == 1.0f);

    downsample_mask(mask.view(), out.view(), mask_pooling::max);
    CHECK(out(0, 0) == 1.0f);
    CHECK(out(1, 0) == 0.5f);
    CHECK(out(0, 1) == 0.25f);
    CHECK(out(1, 1) == 1.0f);

    image<float> same(4, 4, 1), one(1, 1, 1);
    downsample_mask(mask.view(), same.view(), mask_pooling::area);
    CHECK(same == mask);
    downsample_mask(mask.view(), one.view(), mask_pooling::area);
    CHECK(one(0, 0) == 7.75f / 16.0f);
    downsample_mask(mask.view(), one.view(), mask_pooling::max);
    CHECK(one(0, 0) == 1.0f);

    image<float> three(3, 3, 1), wide(2, 2, 1), tall(4, 8, 1), empty;
    REQUIRE_THROWS_AS(downsample_mask(mask.view(), three.view(), mask_pooling::area), std::invalid_argument);
    REQUIRE_THROWS_WITH(downsample_mask(mask.view(), three.view(), mask_pooling::area),
                        Catch::Contains("mask is 4x4") && Catch::Contains("out is 3x3"));
    REQUIRE_THROWS_WITH(downsample_mask(tall.view(), wide.view(), mask_pooling::max),
                        Catch::Contains("mask is 4x8") && Catch::Contains("out is 2x2"));
    REQUIRE_THROWS_AS(downsample_mask(mask.view(), empty.view(), mask_pooling::max), std::invalid_argument);
    image<float> rgb(4, 4, 3);
    REQUIRE_THROWS_WITH(downsample_mask(rgb.view(), out.view(), mask_pooling::max), Catch::Contains("mask must have one channel"));
}

TEST_CASE("diffusion masks: attention sink averages resizes and thresholds", "[diffusion]") {
    ias::diffusion::attention_sink sink(4, 4);
    image<float> a(4, 4, 1), b(4, 4, 1);
    std::uint32_t seed = 3;
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x) {
            a(x, y) = noise(seed);
            b(x, y) = noise(seed);
        }
    sink.add("crack", a.view());
    sink.add("crack", b.view());
    CHECK(sink.count("crack") == 2);
    CHECK(sink.count("scratch") == 0);

    image<float> mean(4, 4, 1);
    sink.mean("crack", mean.view());
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x) CHECK(mean(x, y) == (a(x, y) + b(x, y)) / 2.0f);

    SECTION("a constant 2x2 map resizes to the constant") {
        ias::diffusion::attention_sink grid(8, 6);
        const image<float> constant(2, 2, 1, 0.7f);
        grid.add("hole", constant.view());
        image<float> out(8, 6, 1);
        grid.mean("hole", out.view());
        for (int y = 0; y < 6; ++y)
            for (int x = 0; x < 8; ++x) CHECK(out(x, y) == 0.7f);
    }
    SECTION("resizing samples at pixel centres") {
        ias::diffusion::attention_sink row(4, 1);
        image<float> map(2, 1, 1);
        map(0, 0) = 0.0f;
        map(1, 0) = 1.0f;
        row.add("dent", map.view());
        image<float> out(4, 1, 1);
        row.mean("dent", out.view());
        CHECK(out(0, 0) == 0.0f);
        CHECK(out(1, 0) == 0.25f);
        CHECK(out(2, 0) == 0.75f);
        CHECK(out(3, 0) == 1.0f);
    }
    SECTION("mask thresholds the normalised mean") {
        ias::diffusion::attention_sink row(4, 1);
        image<float> m1(4, 1, 1), m2(4, 1, 1);
        const float v1[4] = {1, 2, 3, 5}, v2[4] = {3, 4, 5, 7};  // mean 2 3 4 6 → 0 .25 .5 1
        std::copy_n(v1, 4, m1.data());
        std::copy_n(v2, 4, m2.data());
        row.add("crack", m1.view());
        row.add("crack", m2.view());
        image<float> out(4, 1, 1);
        row.mask("crack", 0.5f, out.view());
        CHECK(out(0, 0) == 0.0f);
        CHECK(out(1, 0) == 0.0f);
        CHECK(out(2, 0) == 1.0f);
        CHECK(out(3, 0) == 1.0f);
        row.mask("crack", 0.25f, out.view());
        CHECK(out(0, 0) == 0.0f);
        CHECK(out(1, 0) == 1.0f);
        const image<float> flat(3, 3, 1, 0.4f);
        row.add("flat", flat.view());
        row.mask("flat", 0.5f, out.view());
        for (int x = 0; x < 4; ++x) CHECK(out(x, 0) == 0.0f);
    }
    SECTION("tokens and clear") {
        sink.add("scratch", a.view());
        CHECK(sink.tokens() == std::vector<std::string>{"crack", "scratch"});
        sink.clear();
        CHECK(sink.tokens().empty());
        CHECK(sink.count("crack") == 0);
        REQUIRE_THROWS_AS(sink.mean("crack", mean.view()), ias::error);
        sink.add("dent", b.view());  // reuses a cleared slot: no stale sum
        sink.mean("dent", mean.view());
        CHECK(mean == b);
        CHECK(sink.tokens() == std::vector<std::string>{"dent"});
    }
    SECTION("errors name the token") {
        REQUIRE_THROWS_AS(sink.mean("scratch", mean.view()), ias::error);
        REQUIRE_THROWS_WITH(sink.mean("scratch", mean.view()),
                            Catch::Contains("'scratch'") && Catch::Contains("crack"));
        REQUIRE_THROWS_WITH(sink.mask("scratch", 0.5f, mean.view()), Catch::Contains("'scratch'"));
        image<float> bad = a;
        bad(2, 1) = std::numeric_limits<float>::quiet_NaN();
        REQUIRE_THROWS_AS(sink.add("rust", bad.view()), std::invalid_argument);
        REQUIRE_THROWS_WITH(sink.add("rust", bad.view()), Catch::Contains("'rust'"));
        bad(2, 1) = std::numeric_limits<float>::infinity();
        REQUIRE_THROWS_WITH(sink.add("rust", bad.view()), Catch::Contains("'rust'"));
        CHECK(sink.count("rust") == 0);
        image<float> small(3, 4, 1);
        REQUIRE_THROWS_AS(sink.mean("crack", small.view()), std::invalid_argument);
        REQUIRE_THROWS_AS(ias::diffusion::attention_sink(0, 4), std::invalid_argument);
        REQUIRE_THROWS_WITH(ias::diffusion::attention_sink(4, -1), Catch::Contains("4x-1"));
    }
}

TEST_CASE("diffusion masks: border rule rejects masks touching the frame", "[diffusion]") {
    using ias::diffusion::max_border_fraction;
    using ias::diffusion::rejected_by_border_rule;
    image<float> mask(16, 16, 1, 0.0f);
    // An interior blob never touches the border.
    for (int y = 4; y < 12; ++y)
        for (int x = 4; x < 12; ++x) mask(x, y) = 1.0f;
    CHECK(max_border_fraction(mask.view()) == 0.0f);
    CHECK_FALSE(rejected_by_border_rule(mask.view()));

    SECTION("top row: 5 of 16 pass, 6 of 16 are rejected") {
        for (int x = 5; x < 10; ++x) mask(x, 0) = 1.0f;
        CHECK(max_border_fraction(mask.view()) == 0.3125f);
        CHECK_FALSE(rejected_by_border_rule(mask.view()));
        mask(10, 0) = 1.0f;
        CHECK(max_border_fraction(mask.view()) == 0.375f);
        CHECK(rejected_by_border_rule(mask.view()));
        CHECK_FALSE(rejected_by_border_rule(mask.view(), 0.4f));
    }
    SECTION("right column counts too and 0.5 is not set") {
        for (int y = 2; y < 8; ++y) mask(15, y) = 0.5f;
        CHECK(max_border_fraction(mask.view()) == 0.0f);
        for (int y = 2; y < 8; ++y) mask(15, y) = 0.9f;
        CHECK(max_border_fraction(mask.view()) == 0.375f);
        CHECK(rejected_by_border_rule(mask.view()));
    }
    SECTION("exactly one third passes") {
        image<float> small(3, 3, 1, 0.0f);
        small(0, 0) = 1.0f;
        CHECK(max_border_fraction(small.view()) == 1.0f / 3.0f);
        CHECK_FALSE(rejected_by_border_rule(small.view()));
        small(1, 2) = 1.0f;
        small(2, 2) = 1.0f;
        CHECK(rejected_by_border_rule(small.view()));
    }
    image<float> rgb(4, 4, 3);
    REQUIRE_THROWS_AS(max_border_fraction(rgb.view()), std::invalid_argument);
}

TEST_CASE("diffusion masks: keep_largest_component keeps only the biggest blob", "[diffusion]") {
    using ias::diffusion::keep_largest_component;
    image<float> mask(8, 8, 1, 0.0f);
    for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 2; ++x) mask(x, y) = 1.0f;  // area 4
    for (int y = 4; y < 7; ++y)
        for (int x = 4; x < 7; ++x) mask(x, y) = 0.8f;  // area 9, soft
    mask(7, 0) = 1.0f;                                  // speck
    mask(2, 6) = 0.3f;                                  // below the level

    keep_largest_component(mask.view());
    for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 8; ++x) {
            const bool in_blob = x >= 4 && x < 7 && y >= 4 && y < 7;
            CHECK(mask(x, y) == (in_blob ? 0.8f : 0.0f));
        }

    SECTION("ties go to the first blob in raster order") {
        image<float> tie(6, 3, 1, 0.0f);
        tie(4, 0) = tie(5, 0) = 1.0f;  // first in raster order
        tie(0, 2) = tie(1, 2) = 1.0f;
        keep_largest_component(tie.view());
        CHECK(tie(4, 0) == 1.0f);
        CHECK(tie(5, 0) == 1.0f);
        CHECK(tie(0, 2) == 0.0f);
        CHECK(tie(1, 2) == 0.0f);
    }
    SECTION("connectivity decides whether a diagonal is one blob") {
        image<float> diag(8, 4, 1, 0.0f);
        diag(0, 0) = diag(1, 1) = diag(2, 2) = 1.0f;  // a diagonal of 3
        diag(6, 0) = diag(7, 0) = 1.0f;                // a bar of 2
        image<float> four = diag;
        keep_largest_component(diag.view(), ias::fn::connectivity::eight);
        CHECK(diag(1, 1) == 1.0f);
        CHECK(diag(6, 0) == 0.0f);
        keep_largest_component(four.view(), ias::fn::connectivity::four);
        CHECK(four(1, 1) == 0.0f);
        CHECK(four(0, 0) == 0.0f);
        CHECK(four(6, 0) == 1.0f);
        CHECK(four(7, 0) == 1.0f);
    }
    SECTION("a mask without foreground is left as is") {
        image<float> faint(5, 5, 1, 0.2f);
        const image<float> before = faint;
        keep_largest_component(faint.view());
        CHECK(faint == before);
    }
}

// ---------------------------------------------------------------------------------------------
// glad.hpp

TEST_CASE("diffusion glad: mix_latents interpolates and may alias", "[diffusion]") {
    tensor a({1, 2, 2, 4}, 4.0f), n({1, 2, 2, 4}, 0.0f), out({1, 2, 2, 4});
    ias::diffusion::mix_latents(a, n, 0.25f, out);
    for (float v : out.values()) CHECK(v == 1.0f);
    const tensor ra = random_tensor({2, 3, 3, 4}, 1), rn = random_tensor({2, 3, 3, 4}, 2);
    tensor mixed;
    mixed.assign(ra);
    ias::diffusion::mix_latents(mixed, rn, 0.7f, mixed);
    for (std::size_t i = 0; i < mixed.size(); ++i)
        CHECK(mixed.values()[i] == Approx(0.7 * ra.values()[i] + 0.3 * rn.values()[i]).margin(1e-6));
    ias::diffusion::mix_latents(ra, rn, 1.0f, mixed);
    CHECK(std::equal(mixed.values().begin(), mixed.values().end(), ra.values().begin()));

    tensor bad({1, 2, 2, 3});
    REQUIRE_THROWS_AS(ias::diffusion::mix_latents(a, bad, 0.5f, out), std::invalid_argument);
    REQUIRE_THROWS_WITH(ias::diffusion::mix_latents(a, bad, 0.5f, out),
                        Catch::Contains("normal is 1x2x2x3") && Catch::Contains("1x2x2x4"));
    REQUIRE_THROWS_WITH(ias::diffusion::mix_latents(a, n, 1.5f, out), Catch::Contains("alpha"));
}

TEST_CASE("diffusion glad: corrected epsilon denoises to the normal latent", "[diffusion]") {
    const tensor_shape shape{2, 4, 4, 4};
    const tensor za = random_tensor(shape, 11), zn = random_tensor(shape, 12), eps = random_tensor(shape, 13);
    const int t = 600, big_t = 1000;
    const double alpha_bar = GENERATE(0.05, 0.3, 0.9);
    tensor x0(shape), corrected(shape);
    ias::diffusion::mix_latents(za, zn, float(t) / float(big_t), x0);
    ias::diffusion::corrected_epsilon(x0, zn, eps, alpha_bar, corrected);
    const double sa = std::sqrt(alpha_bar), sb = std::sqrt(1.0 - alpha_bar);
    for (std::size_t i = 0; i < x0.size(); ++i) {
        const double x_t = sa * x0.values()[i] + sb * eps.values()[i];
        const double back = (x_t - sb * corrected.values()[i]) / sa;
        CHECK(back == Approx(zn.values()[i]).margin(1e-5));
        const double formula = (x_t - sa * zn.values()[i]) / sb;  // the eps that makes x_t consistent with z_n
        CHECK(corrected.values()[i] == Approx(formula).margin(1e-5));
    }
    // Without an anomaly (x0' = z_n) the target is the noise itself.
    ias::diffusion::corrected_epsilon(zn, zn, eps, alpha_bar, corrected);
    CHECK(std::equal(corrected.values().begin(), corrected.values().end(), eps.values().begin()));

    using ias::diffusion::corrected_epsilon;
    for (double bad : {0.0, 1.0, -0.5, std::numeric_limits<double>::quiet_NaN()}) {
        REQUIRE_THROWS_AS(corrected_epsilon(x0, zn, eps, bad, corrected), std::invalid_argument);
        REQUIRE_THROWS_WITH(corrected_epsilon(x0, zn, eps, bad, corrected), Catch::Contains("alpha_bar"));
    }
    tensor small({1, 4, 4, 4});
    REQUIRE_THROWS_WITH(corrected_epsilon(x0, zn, small, 0.5, corrected), Catch::Contains("eps is 1x4x4x4"));
}

TEST_CASE("diffusion glad: sigmoid fusion", "[diffusion]") {
    const tensor_shape shape{2, 3, 3, 3};
    tensor x0 = random_tensor(shape, 21), input = random_tensor(shape, 22);
    tensor map(shape.with_channels(1), 0.0f), out(shape);
    ias::diffusion::sigmoid_fusion(x0, input, map, out);
    for (std::size_t i = 0; i < out.size(); ++i) CHECK(out.values()[i] == (x0.values()[i] + input.values()[i]) / 2.0f);

    // σ(30) rounds to 1 and σ(−100) is 0 (exp overflows): each estimate alone, exactly.
    for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 3; ++x) {
            at(map, 0, y, x) = 30.0f;
            at(map, 1, y, x) = -100.0f;
        }
    tensor fused;
    fused.assign(x0);  // out aliases x0
    ias::diffusion::sigmoid_fusion(fused, input, map, fused);
    for (std::size_t i = 0; i < shape.plane_size(); ++i) {
        CHECK(fused.plane(0)[i] == x0.plane(0)[i]);
        CHECK(fused.plane(1)[i] == input.plane(1)[i]);
    }
    at(map, 0, 1, 1) = 1.0f;
    ias::diffusion::sigmoid_fusion(x0, input, map, out);
    const double s = 1.0 / (1.0 + std::exp(-1.0));
    for (int c = 0; c < 3; ++c)
        CHECK(at(out, 0, 1, 1, c) == Approx(s * at(x0, 0, 1, 1, c) + (1 - s) * at(input, 0, 1, 1, c)).margin(1e-6));

    tensor wrong(shape);
    REQUIRE_THROWS_AS(ias::diffusion::sigmoid_fusion(x0, input, wrong, out), std::invalid_argument);
    REQUIRE_THROWS_WITH(ias::diffusion::sigmoid_fusion(x0, input, wrong, out),
                        Catch::Contains("anomaly_map is 2x3x3x3") && Catch::Contains("2x3x3x1"));
}

TEST_CASE("diffusion glad: top_k_mean", "[diffusion]") {
    std::vector<float> values;
    for (int i = 1; i <= 20; ++i) values.push_back(float((i * 7) % 20 + 1));  // 1..20, shuffled
    std::vector<float> scratch;
    using ias::diffusion::top_k_mean;
    CHECK(top_k_mean(values, 10, scratch) == 15.5f);
    CHECK(top_k_mean(values, 1, scratch) == 20.0f);
    CHECK(top_k_mean(values, 20, scratch) == 10.5f);
    CHECK(top_k_mean(values, 100, scratch) == 10.5f);
    CHECK(top_k_mean(std::vector<float>{-3.0f}, 10, scratch) == -3.0f);
    REQUIRE_THROWS_AS(top_k_mean(values, 0, scratch), std::invalid_argument);
    REQUIRE_THROWS_WITH(top_k_mean(values, 0, scratch), Catch::Contains("k is 0"));
    REQUIRE_THROWS_AS(top_k_mean(std::vector<float>{}, 10, scratch), std::invalid_argument);
    REQUIRE_THROWS_WITH(top_k_mean(std::vector<float>{}, 10, scratch), Catch::Contains("values"));
}

TEST_CASE("diffusion glad: switch decisions and denoise steps", "[diffusion]") {
    using decision = ias::diffusion::glad_switch::decision;
    const ias::diffusion::glad_switch defaults;
    CHECK(defaults.decide(0.5f, 900) == decision::local_fusion);   // evident anomaly
    CHECK(defaults.decide(0.2f, 300) == decision::input_anchored); // late step, low score
    CHECK(defaults.decide(0.5f, 300) == decision::local_fusion);   // late step, high score
    CHECK(defaults.decide(0.2f, 900) == decision::keep);
    CHECK(defaults.decide(0.3f, 350) == decision::keep);           // both bounds are strict
    CHECK(defaults.decide(0.3f, 349) == decision::input_anchored);

    const ias::diffusion::glad_switch split{.input_threshold = 0.2f, .threshold = 0.6f, .min_timestep = 100};
    CHECK(split.decide(0.4f, 900) == decision::input_anchored);  // switches, but not above threshold
    CHECK(split.decide(0.7f, 900) == decision::local_fusion);
    CHECK(split.decide(0.1f, 150) == decision::keep);
    CHECK(split.decide(0.1f, 99) == decision::input_anchored);

    CHECK(ias::diffusion::glad_denoise_step("bottle") == 750);
    CHECK(ias::diffusion::glad_denoise_step("capsule") == 600);
    CHECK(ias::diffusion::glad_denoise_step("transistor") == 850);
    CHECK(ias::diffusion::glad_denoise_step("") == 750);
}

// ---------------------------------------------------------------------------------------------
// paste_back.hpp

namespace {

template <class T>
T pixel_value(int v) {
    if constexpr (std::is_same_v<T, float>)
        return float(v) / 255.0f;
    else
        return T(v);
}

/// An original of values 40..52 and a generated result of values 180..192.
template <class T>
void fill_pair(image<T>& original, image<T>& result) {
    for (int y = 0; y < original.height(); ++y)
        for (int x = 0; x < original.width(); ++x)
            for (int c = 0; c < original.channels(); ++c) {
                original(x, y, c) = pixel_value<T>(40 + (x + 2 * y + 3 * c) % 13);
                result(x, y, c) = pixel_value<T>(180 + (3 * x + y + c) % 13);
            }
}

template <class T>
void check_hard_paste() {
    image<T> original(10, 8, 3), result(10, 8, 3);
    fill_pair(original, result);
    const image<T> generated = result;
    image<float> mask(10, 8, 1, 0.0f);
    for (int y = 2; y < 5; ++y)
        for (int x = 3; x < 6; ++x) mask(x, y) = 1.0f;
    mask(8, 6) = 0.5f;  // a soft mask value blends even without feathering

    ias::diffusion::paste_back_scratch scratch;
    ias::diffusion::paste_back(result.view(), original.view(), mask.view(), {}, scratch);
    for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 10; ++x)
            for (int c = 0; c < 3; ++c) {
                if (mask(x, y) == 1.0f) {
                    CHECK(result(x, y, c) == generated(x, y, c));
                } else if (mask(x, y) == 0.0f) {
                    CHECK(result(x, y, c) == original(x, y, c));
                } else if constexpr (std::is_same_v<T, float>) {
                    CHECK(result(x, y, c) == generated(x, y, c) * 0.5f + original(x, y, c) * 0.5f);
                } else {
                    // (r + o)/2 rounded to nearest; the two values differ by an even amount or not.
                    const int sum = int(generated(x, y, c)) + int(original(x, y, c));
                    CHECK(int(result(x, y, c)) == (sum + 1) / 2);
                }
            }
}

template <class T>
void check_dilated_paste() {
    image<T> original(13, 13, 1), result(13, 13, 1);
    fill_pair(original, result);
    const image<T> generated = result;
    image<float> mask(13, 13, 1, 0.0f);
    mask(6, 6) = 1.0f;
    ias::diffusion::paste_back(result.view(), original.view(), mask.view(), {.dilation = 2});
    // The disk of radius 2 (diameter 5): offsets with dx² + dy² <= 6, rows of widths 3 5 5 5 3.
    int kept = 0;
    for (int y = 0; y < 13; ++y)
        for (int x = 0; x < 13; ++x) {
            const int dx = x - 6, dy = y - 6;
            const bool in_disk = dx * dx + dy * dy <= 6;
            kept += in_disk;
            CHECK(result(x, y) == (in_disk ? generated(x, y) : original(x, y)));
        }
    CHECK(kept == 21);
}

template <class T>
void check_feathered_paste() {
    image<T> original(32, 28, 3), result(32, 28, 3);
    fill_pair(original, result);
    const image<T> generated = result;
    image<float> mask(32, 28, 1, 0.0f);
    // Wide enough that the kernel (radius 5) fits inside the dilated block: w == 1 there.
    for (int y = 8; y < 19; ++y)
        for (int x = 10; x < 22; ++x) mask(x, y) = 1.0f;
    const ias::diffusion::paste_back_settings options{.dilation = 1, .feather_sigma = 1.5f};

    // The weight, built the documented way.
    image<float> w(32, 28, 1);
    ias::fn::dilate(mask.view(), w.view(), {ias::fn::kernel_shape::disk, 3});
    ias::fn::gaussian_feather(w.view(), w.view(), 1.5f);

    ias::diffusion::paste_back_scratch scratch;
    for (int round = 0; round < 2; ++round) {  // the scratch is reused the second time
        result = generated;
        ias::diffusion::paste_back(result.view(), original.view(), mask.view(), options, scratch);
        int zero = 0, between = 0, one = 0;
        for (int y = 0; y < 28; ++y)
            for (int x = 0; x < 32; ++x) {
                const float wv = std::clamp(w(x, y), 0.0f, 1.0f);
                zero += wv == 0.0f;
                one += wv == 1.0f;
                between += wv > 0.0f && wv < 1.0f;
                for (int c = 0; c < 3; ++c) {
                    const double r = double(generated(x, y, c)), o = double(original(x, y, c));
                    const double v = double(result(x, y, c));
                    if (wv == 0.0f) {
                        CHECK(result(x, y, c) == original(x, y, c));
                    } else if (wv == 1.0f) {
                        CHECK(result(x, y, c) == generated(x, y, c));
                    } else {
                        const double expected = r * wv + o * (1.0 - wv);
                        CHECK(std::abs(v - expected) <= (std::is_same_v<T, float> ? 1e-6 : 0.5 + 1e-4));
                        if (wv >= 0.01f && wv <= 0.99f) {
                            CHECK(v > o);
                            CHECK(v < r);
                        }
                    }
                }
            }
        CHECK(zero > 0);
        CHECK(between > 0);
        CHECK(one > 0);
    }
}

}  // namespace

TEST_CASE("diffusion paste_back: hard paste keeps original and result exactly", "[diffusion]") {
    check_hard_paste<std::uint8_t>();
    check_hard_paste<float>();
}

TEST_CASE("diffusion paste_back: dilation extends the kept region by exactly the disk", "[diffusion]") {
    check_dilated_paste<std::uint8_t>();
    check_dilated_paste<float>();
}

TEST_CASE("diffusion paste_back: feathering blends strictly between and keeps the background", "[diffusion]") {
    check_feathered_paste<std::uint8_t>();
    check_feathered_paste<float>();
}

TEST_CASE("diffusion paste_back: invalid shapes and options throw", "[diffusion]") {
    image<std::uint8_t> result(10, 8, 3), original(10, 8, 3), grey(10, 8, 1), small(9, 8, 3);
    image<float> mask(10, 8, 1), rgb_mask(10, 8, 3), short_mask(10, 7, 1);
    using ias::diffusion::paste_back;
    REQUIRE_THROWS_AS(paste_back(result.view(), small.view(), mask.view()), std::invalid_argument);
    REQUIRE_THROWS_WITH(paste_back(result.view(), small.view(), mask.view()),
                        Catch::Contains("original is 9x8x3") && Catch::Contains("10x8x3"));
    REQUIRE_THROWS_WITH(paste_back(result.view(), grey.view(), mask.view()), Catch::Contains("original is 10x8x1"));
    REQUIRE_THROWS_AS(paste_back(result.view(), original.view(), rgb_mask.view()), std::invalid_argument);
    REQUIRE_THROWS_WITH(paste_back(result.view(), original.view(), rgb_mask.view()), Catch::Contains("mask is 10x8x3"));
    REQUIRE_THROWS_WITH(paste_back(result.view(), original.view(), short_mask.view()), Catch::Contains("mask is 10x7x1"));
    REQUIRE_THROWS_AS(paste_back(result.view(), original.view(), mask.view(), {.dilation = -1}), std::invalid_argument);
    REQUIRE_THROWS_WITH(paste_back(result.view(), original.view(), mask.view(), {.dilation = -1}),
                        Catch::Contains("dilation is -1"));
    REQUIRE_THROWS_WITH(paste_back(result.view(), original.view(), mask.view(), {.dilation = 600}),
                        Catch::Contains("dilation is 600"));
    REQUIRE_THROWS_AS(paste_back(result.view(), original.view(), mask.view(), {.feather_sigma = -0.5f}),
                      std::invalid_argument);
    REQUIRE_THROWS_WITH(paste_back(result.view(), original.view(), mask.view(), {.feather_sigma = -0.5f}),
                        Catch::Contains("feather_sigma"));
    REQUIRE_THROWS_WITH(
        paste_back(result.view(), original.view(), mask.view(), {.feather_sigma = std::numeric_limits<float>::infinity()}),
        Catch::Contains("feather_sigma"));
}
