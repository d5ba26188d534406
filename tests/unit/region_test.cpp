// SPDX-License-Identifier: MIT
// pixel_region and run_on_region: computing an image only where it will be read gives the
// same bytes there as computing all of it, and reads nothing outside the declared input.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <ias/core.hpp>
#include <ias/fn/blend.hpp>
#include <ias/fn/resize.hpp>
#include <ias/io/texture_bank.hpp>
#include <ias/recipes/texture_ops.hpp>
#include <ias/transforms/perlin_mask.hpp>
#include <ias/transforms/structure_blend.hpp>

#include "texture_op_list.hpp"

namespace {

ias::image<float> random_image(int width, int height, int channels, std::uint64_t seed) {
    ias::image<float> im(width, height, channels);
    ias::rng_stream rng(seed, 0);
    for (std::size_t i = 0; i < im.size(); ++i) im.data()[i] = rng.uniform();
    return im;
}

/// DRAEM's Perlin mask for (seed 3, index), redrawn with the next index until not empty.
ias::image<float> perlin_region_mask(int width, int height, std::uint32_t index) {
    ias::sample s(ias::image<float>(width, height, 1));
    for (std::uint32_t i = index;; i += 1000) {
        ias::rng_stream rng(3, i);
        ias::run(ias::perlin_mask{}, s, rng);
        if (s.label == 1) return s.mask;
    }
}

std::set<std::pair<int, int>> pixels_of(const ias::pixel_region& r, int width, int height) {
    std::set<std::pair<int, int>> out;
    r.for_each_span(width, height, [&](int y, int x0, int x1) {
        CHECK(x0 < x1);
        for (int x = x0; x < x1; ++x) out.emplace(x, y);
    });
    return out;
}

/// Runs `op` on `clean` through run_on_region for `where`, with every input pixel outside the
/// region the op asks for set to NaN; returns the result.
template <class Op>
ias::image<float> run_poisoned(const Op& op, const ias::image<float>& clean, const ias::pixel_region& where, std::uint32_t index) {
    ias::sample s(clean);
    ias::rng_stream rng(11, index);
    auto& pixels = s.image.get<float>();
    ias::run_on_region(op, s, rng, where, [&](const ias::pixel_region& needed) {
        std::fill(pixels.data(), pixels.data() + pixels.size(), std::numeric_limits<float>::quiet_NaN());
        needed.for_each_span(clean.width(), clean.height(), [&](int y, int x0, int x1) {
            const int c = clean.channels();
            std::copy(clean.view().row(y) + x0 * c, clean.view().row(y) + x1 * c, pixels.view().row(y) + x0 * c);
        });
    });
    return pixels;
}

/// The number of values of `where` at which `a` and `b` differ (NaN differs from everything).
int differences_on(const ias::image<float>& a, const ias::image<float>& b, const ias::pixel_region& where) {
    int differ = 0;
    where.for_each_span(a.width(), a.height(), [&](int y, int x0, int x1) {
        for (int x = x0; x < x1; ++x)
            for (int c = 0; c < a.channels(); ++c) differ += !(a(x, y, c) == b(x, y, c));
    });
    return differ;
}

}  // namespace

TEST_CASE("pixel_region: a default region is every pixel and a bounded one keeps whole chunks") {
    const ias::pixel_region all;
    CHECK(all.everywhere());
    CHECK(all.pixel_count(13, 7) == 13 * 7);

    ias::pixel_region r;
    r.clear(21, 5);
    CHECK_FALSE(r.everywhere());
    CHECK(r.pixel_count(21, 5) == 0);
    r.add_span(1, 3, 4);
    r.add_span(4, 17, 18);
    r.add_span(2, -1, 0);  // outside: ignored
    r.add_span(2, 21, 22);
    const auto pixels = pixels_of(r, 21, 5);
    CHECK(pixels.size() == 8 + 5);  // chunk [0, 8) of row 1, and the last chunk [16, 21) of row 4
    CHECK(pixels.count({0, 1}) == 1);
    CHECK(pixels.count({7, 1}) == 1);
    CHECK(pixels.count({20, 4}) == 1);
    CHECK(pixels.count({8, 1}) == 0);
}

TEST_CASE("pixel_region: assign_positive holds every positive pixel and no chunk without one") {
    const auto mask = perlin_region_mask(64, 40, 1);
    ias::pixel_region r;
    REQUIRE(r.assign_positive(mask.data(), mask.width(), mask.height()));
    const auto pixels = pixels_of(r, 64, 40);
    int chunks_with_positive = 0;
    for (int y = 0; y < 40; ++y)
        for (int c = 0; c < 8; ++c) {
            bool positive = false;
            for (int x = c * 8; x < c * 8 + 8; ++x) positive = positive || mask(x, y) > 0.0f;
            chunks_with_positive += positive;
            for (int x = c * 8; x < c * 8 + 8; ++x) CHECK(pixels.count({x, y}) == std::size_t(positive));
        }
    CHECK(int(pixels.size()) == 8 * chunks_with_positive);
    ias::image<float> zero(64, 40, 1);
    CHECK_FALSE(r.assign_positive(zero.data(), 64, 40));
}

TEST_CASE("pixel_region: dilate adds the 8-neighbourhood and mirror reflects every pixel") {
    const auto mask = perlin_region_mask(45, 30, 2);
    ias::pixel_region r;
    REQUIRE(r.assign_positive(mask.data(), 45, 30));
    const auto before = pixels_of(r, 45, 30);

    ias::pixel_region dilated = r;
    dilated.dilate();
    const auto grown = pixels_of(dilated, 45, 30);
    for (const auto& [x, y] : before)
        for (int dy = -1; dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx)
                if (x + dx >= 0 && x + dx < 45 && y + dy >= 0 && y + dy < 30) CHECK(grown.count({x + dx, y + dy}) == 1);

    for (const bool horizontal : {true, false}) {
        ias::pixel_region mirrored = r;
        mirrored.mirror(horizontal);
        const auto reflected = pixels_of(mirrored, 45, 30);
        for (const auto& [x, y] : before) CHECK(reflected.count(horizontal ? std::pair{44 - x, y} : std::pair{x, 29 - y}) == 1);
        CHECK(reflected.size() <= 2 * before.size());
    }
}

TEST_CASE("run_on_region: every texture operation reads only its declared input and matches the whole image") {
    // Odd sizes, so that chunks straddle the right border; RGB, grey and RGBA.
    for (const int channels : {3, 1, 4}) {
        const auto clean = random_image(77, 51, channels, 40 + std::uint64_t(channels));
        ias::pixel_region where;
        for (std::uint32_t index = 0; index < 24; ++index) {
            REQUIRE(where.assign_positive(perlin_region_mask(77, 51, index).data(), 77, 51));
            auto check = [&](const auto& op) {
                ias::sample whole(clean);
                ias::rng_stream rng(11, index);
                ias::run(op, whole, rng);
                const auto partial = run_poisoned(op, clean, where, index);
                INFO(std::string(op.name) << " with " << channels << " channels, index " << index);
                CHECK(differences_on(partial, whole.image.get<float>(), where) == 0);
            };
            ias_test::for_each_colour_op(check);
            ias_test::for_each_geometry_op(check);
            check(ias::rotate({.angle = {-90.0f, 90.0f}, .fill = 0.5f}));
        }
    }
}

TEST_CASE("run_on_region: chains of three texture operations match the whole image under DRAEM masks") {
    const auto clean = random_image(96, 64, 3, 7);
    const ias::dynamic_pipeline draem{ias::recipes::draem_texture_ops()};
    const ias::dynamic_pipeline glass{ias::recipes::glass_texture_ops()};
    ias::pixel_region where;
    std::size_t partial_inputs = 0;
    for (std::uint32_t index = 0; index < 300; ++index) {
        REQUIRE(where.assign_positive(perlin_region_mask(96, 64, index).data(), 96, 64));
        for (const auto* chain : {&draem, &glass}) {
            ias::sample whole(clean);
            ias::rng_stream rng(11, index);
            (*chain)(whole, rng);
            ias::sample s(clean);
            ias::rng_stream same(11, index);
            auto& pixels = s.image.get<float>();
            ias::run_on_region(*chain, s, same, where, [&](const ias::pixel_region& needed) {
                partial_inputs += !needed.everywhere();
                for (int y = 0; y < 64; ++y)
                    for (int x = 0; x < 96 * 3; ++x) pixels.view().row(y)[x] = std::numeric_limits<float>::quiet_NaN();
                needed.for_each_span(96, 64, [&](int y, int x0, int x1) {
                    std::copy(clean.view().row(y) + x0 * 3, clean.view().row(y) + x1 * 3, pixels.view().row(y) + x0 * 3);
                });
            });
            INFO("index " << index);
            CHECK(differences_on(pixels, whole.image.get<float>(), where) == 0);
        }
    }
    CHECK(partial_inputs > 200);  // most chains need only part of their input
}

TEST_CASE("run_on_region: a transform that is not region-aware gets its whole input") {
    struct shift_right {  // reads its left neighbour, and says nothing about regions
        void operator()(ias::sample& s, ias::rng_stream&) const {
            auto& im = s.image.get<float>();
            for (int y = 0; y < im.height(); ++y)
                for (int x = im.width() - 1; x > 0; --x) im(x, y) = im(x - 1, y);
        }
    };
    const auto clean = random_image(40, 8, 1, 3);
    ias::pixel_region where;
    where.clear(40, 8);
    where.add_span(4, 20, 21);
    ias::sample s(clean);
    ias::rng_stream rng(1, 0);
    bool asked_everywhere = false;
    ias::run_on_region(ias::pipeline(ias::invert{}, shift_right{}), s, rng, where,
                       [&](const ias::pixel_region& needed) { asked_everywhere = needed.everywhere(); });
    CHECK(asked_everywhere);
}

TEST_CASE("texture_bank: filling a region writes the same values there as filling everything") {
    std::vector<ias::image<float>> images{random_image(50, 41, 3, 1)};
    const auto bank = ias::texture_bank::from_images(images);
    const auto fitted = bank->resized(67, 45);
    ias::pixel_region where;
    REQUIRE(where.assign_positive(perlin_region_mask(67, 45, 5).data(), 67, 45));
    for (const auto* source : {bank.get(), fitted.get()})
        for (const int channels : {3, 1}) {
            ias::image<float> whole(67, 45, channels), partial(67, 45, channels, std::numeric_limits<float>::quiet_NaN());
            ias::rng_stream a(2, 0), b(2, 0);
            source->fill(a, whole.view());
            source->fill_region(b, partial.view(), where);
            CHECK(differences_on(partial, whole, where) == 0);
        }
}

TEST_CASE("structure_blend: under the mask, tile k holds tile order[k] of the augmented image and the strips stay") {
    // 43×37 with a 4×4 grid: tiles of 10×9 pixels, a 3-pixel strip on the right and 1 below.
    const auto input = random_image(43, 37, 3, 12);
    const ias::structure_blend blend({.grid_size = 4, .texture_opacity = {1.0f, 1.0f}, .structure_ops = {ias::invert{}, ias::sharpness{}}});
    for (std::uint32_t index = 0; index < 40; ++index) {
        const auto mask = index % 2 ? perlin_region_mask(43, 37, index) : ias::image<float>(43, 37, 1, 1.0f);
        ias::sample s(input);
        s.mask = mask;
        ias::rng_stream rng(8, index);
        const auto p = blend.sample_params(rng, s);
        blend.apply(s, p);

        // The reference: the structure operations on the whole image, then the tiles moved.
        ias::sample whole(input);
        ias::rng_stream ops = p.ops_stream;
        blend.settings().structure_ops(whole, ops);
        const auto& augmented = whole.image.get<float>();
        const auto& out = s.image.get<float>();
        int wrong = 0;
        for (int y = 0; y < 37; ++y)
            for (int x = 0; x < 43; ++x) {
                int fx = x, fy = y;
                if (x < 40 && y < 36) {
                    const int from = p.order[std::size_t((y / 9) * 4 + x / 10)];
                    fx = (from % 4) * 10 + x % 10;
                    fy = (from / 4) * 9 + y % 9;
                }
                for (int c = 0; c < 3; ++c) {  // the blend's formula with opacity 1
                    const float w = mask(x, y), before = input(x, y, c);
                    const float expected = w > 0.0f ? before + w * (augmented(fx, fy, c) - before) : before;
                    wrong += !(out(x, y, c) == expected);
                }
            }
        INFO("index " << index);
        CHECK(wrong == 0);
    }
}
