// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <ias/core.hpp>
#include <ias/io/texture_bank.hpp>
#include <ias/transforms/perlin_mask.hpp>
#include <ias/transforms/texture_blend.hpp>

#include "test_transforms.hpp"

namespace {

using ias_test::constant_source;

/// A texture operation for the tests: replaces the texture by its complement.
struct invert_texture {
    void operator()(ias::sample& s, ias::rng_stream&) const {
        auto& t = s.image.get<float>();
        for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = 1.0f - t.data()[i];
    }
};

ias::sample with_mask(ias::any_image im) {
    ias::sample s(std::move(im));
    for (int y = 0; y < s.mask.height(); ++y)
        for (int x = 0; x < s.mask.width(); ++x) s.mask(x, y) = x < 4 ? 0.0f : float(x % 5) / 4.0f;
    s.label = 1;
    return s;
}

}  // namespace

TEST_CASE("texture_blend: I + o*M*(T - I) exactly, untouched outside the mask", "[texture_blend]") {
    const ias::texture_blend blend({.source = std::make_shared<constant_source>(0.75f), .texture_opacity = {0.5f, 0.5f}});
    ias::image<float> im(10, 6, 3);
    for (std::size_t i = 0; i < im.size(); ++i) im.data()[i] = float(i % 17) / 16.0f;
    ias::sample s = with_mask(im);
    ias::rng_stream rng(1, 0);
    ias::run(blend, s, rng);
    const auto& out = s.image.get<float>();
    for (int y = 0; y < 6; ++y)
        for (int x = 0; x < 10; ++x)
            for (int c = 0; c < 3; ++c) {
                const float w = 0.5f * s.mask(x, y), before = im(x, y, c);
                REQUIRE(out(x, y, c) == (w == 0.0f ? before : before + w * (0.75f - before)));
            }

    // uint8: the same in 0..255, rounded; grey images work alike.
    ias::image<std::uint8_t> grey(10, 6, 1);
    for (std::size_t i = 0; i < grey.size(); ++i) grey.data()[i] = std::uint8_t(i * 4);
    ias::sample g = with_mask(grey);
    ias::rng_stream rng2(1, 0);
    ias::run(blend, g, rng2);
    const auto& gout = g.image.get<std::uint8_t>();
    for (int y = 0; y < 6; ++y)
        for (int x = 0; x < 10; ++x) {
            const float w = 0.5f * g.mask(x, y), before = float(grey(x, y));
            REQUIRE(gout(x, y) == (w == 0.0f ? grey(x, y) : std::uint8_t(before + w * (0.75f * 255.0f - before) + 0.5f)));
        }
}

TEST_CASE("texture_blend: opacity range, texture operations, trace and replay", "[texture_blend]") {
    const ias::texture_blend defaults{};
    double sum = 0;
    const int n = 2000;
    for (int i = 0; i < n; ++i) {
        ias::rng_stream rng(2, std::uint64_t(i));
        const auto p = defaults.sample_params(rng, ias::sample{});
        REQUIRE(p.opacity >= 0.2f);  // DRAEM: 1 - beta, beta ~ U[0, 0.8)
        REQUIRE(p.opacity < 1.0f);
        sum += p.opacity;
    }
    CHECK(sum / n == Approx(0.6).margin(0.015));

    // Texture operations run on the texture: inverting a constant 0.25 texture paints 0.75.
    ias::texture_blend_settings inverting{.source = std::make_shared<constant_source>(0.25f), .texture_opacity = {1.0f, 1.0f}};
    inverting.texture_ops.push_back(invert_texture{});
    const ias::texture_blend inverted(inverting);
    ias::sample s = with_mask(ias::image<float>(10, 6, 1, 0.0f));
    ias::rng_stream rng(3, 0);
    ias::run(inverted, s, rng);
    CHECK(s.image.get<float>()(9, 0) == Approx(0.75f * s.mask(9, 0)));

    // A full DRAEM-like chain with procedural textures replays from its trace, bit for bit.
    const auto chain = ias::pipeline(ias::perlin_mask({.empty_policy = ias::empty_mask_policy::redraw}), ias::texture_blend{});
    for (std::uint64_t i = 0; i < 20; ++i) {
        ias::sample a(ias::image<std::uint8_t>(64, 48, 3, 100));
        a.trace.emplace();
        ias::rng_stream r(4, i);
        ias::run(chain, a, r);
        ias::sample b(ias::image<std::uint8_t>(64, 48, 3, 100));
        ias::replay(chain, b, *a.trace);
        REQUIRE(a.image == b.image);
        REQUIRE(a.label == 1);
        bool changed = false;
        const auto& pixels = a.image.get<std::uint8_t>();
        for (std::size_t k = 0; k < pixels.size(); ++k) changed = changed || pixels.data()[k] != 100;
        CHECK(changed);
    }
    CHECK_THROWS_WITH(ias::texture_blend({.texture_opacity = {0.9f, 0.1f}}),
                      Catch::Contains("ias::texture_blend: parameter 'texture_opacity' is [0.9, 0.1]") &&
                          Catch::Contains("0 <= min <= max <= 1"));
    CHECK_THROWS_WITH(ias::texture_blend({.texture_opacity_law = ias::opacity_law::normal, .texture_opacity_stddev = -0.1f}),
                      Catch::Contains("parameter 'texture_opacity_stddev' is -0.1"));
}

TEST_CASE("texture_blend: a texture bank is a source, drawn uniformly", "[texture_blend]") {
    const auto bank = ias::texture_bank::from_images({ias::image<float>(8, 8, 3, 0.0f), ias::image<float>(8, 8, 3, 1.0f)});
    const ias::texture_blend blend({.source = bank, .texture_opacity = {1.0f, 1.0f}});
    int white = 0;
    for (std::uint64_t i = 0; i < 400; ++i) {
        ias::sample s = with_mask(ias::image<float>(10, 6, 3, 0.5f));
        ias::rng_stream rng(5, i);
        ias::run(blend, s, rng);
        white += s.image.get<float>()(9, 0, 0) > 0.5f;  // mask 1 there: the texture itself
    }
    CHECK(white / 400.0 == Approx(0.5).margin(0.1));
}
