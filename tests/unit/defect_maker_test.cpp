// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <ias/io/texture_bank.hpp>
#include <ias/transforms/defect_maker.hpp>

namespace {

constexpr std::array<ias::defect_shape, 3> all_shapes{ias::defect_shape::bezier_rect, ias::defect_shape::bezier_scar,
                                                      ias::defect_shape::bezier_clump};
constexpr std::array<ias::defect_fill, 2> all_fills{ias::defect_fill::noise, ias::defect_fill::cut};

/// A textured image of type T: every value differs from its neighbours.
template <class T>
ias::image<T> textured(int w, int h, int c, int seed = 0) {
    ias::image<T> im(w, h, c);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int k = 0; k < c; ++k) {
                const int v = (x * 7 + y * 13 + k * 50 + seed * 31) % 256;
                im(x, y, k) = std::is_same_v<T, float> ? T(float(v) / 255.0f) : T(v);
            }
    return im;
}

template <class T>
ias::sample make_sample(int w, int h, int c, bool with_foreground, int seed = 0) {
    ias::sample s{ias::any_image(textured<T>(w, h, c, seed))};
    if (with_foreground) {
        // A disc in the right half: the anchor must land there.
        s.foreground.resize(w, h, 1, 0.0f);
        const float cx = 0.7f * float(w), cy = 0.5f * float(h), r = 0.2f * float(std::min(w, h));
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                if ((float(x) - cx) * (float(x) - cx) + (float(y) - cy) * (float(y) - cy) <= r * r) s.foreground(x, y) = 1.0f;
    }
    return s;
}

/// A defect maker with no colour jitter, no softening and (for clumps) weight 1: the fill
/// lands unchanged inside the shape.
ias::defect_maker plain(ias::defect_shape shape, ias::defect_fill fill, std::shared_ptr<const ias::image_pool> pool = nullptr) {
    return ias::defect_maker({.shape = shape,
                              .fill = fill,
                              .pool = std::move(pool),
                              .jitter = ias::colour_jitter({.brightness = 0, .contrast = 0, .saturation = 0, .hue = 0}),
                              .soften_probability = 0.0f,
                              .clump_weight = {1.0f, 1.0f}});
}

/// The hard shape of `p`, drawn by the mask transform on its own.
ias::image<float> placed_shape(const ias::defect_maker& t, const ias::defect_maker::params_type& p, int w, int h) {
    ias::sample scratch{ias::any_image(ias::image<std::uint8_t>(w, h, 1))};
    switch (p.shape) {
        case ias::defect_shape::bezier_rect: t.settings().rect_shape.hard().apply(scratch, p.rect); break;
        case ias::defect_shape::bezier_scar: t.settings().scar_shape.hard().apply(scratch, p.scar); break;
        case ias::defect_shape::bezier_clump: t.settings().clump_shape.hard().apply(scratch, p.clump); break;
    }
    return scratch.mask;
}

bool in_box(const ias::defect_maker::params_type& p, int x, int y) {
    return x >= p.x && x < p.x + p.width && y >= p.y && y < p.y + p.height;
}

template <class T>
bool same_pixel(const ias::sample& a, const ias::sample& b, int x, int y) {
    const auto& ia = a.image.get<T>();
    const auto& ib = b.image.get<T>();
    for (int c = 0; c < ia.channels(); ++c)
        if (!(ia(x, y, c) == ib(x, y, c))) return false;
    return true;
}

std::shared_ptr<const ias::texture_bank> constant_pool(int w, int h, int n) {
    std::vector<ias::image<std::uint8_t>> images;
    for (int i = 0; i < n; ++i) images.emplace_back(w, h, 3, std::uint8_t(40 + 60 * i));
    return ias::texture_bank::from_images(images);
}

}  // namespace

TEMPLATE_TEST_CASE("defect_maker: pixels outside the alpha keep their bytes and the mask is the placed hard shape", "[defect_maker]",
                   std::uint8_t, float) {
    const auto pool = ias::texture_bank::from_images(std::vector<ias::image<std::uint8_t>>{textured<std::uint8_t>(50, 40, 3, 1),
                                                                                          textured<std::uint8_t>(70, 30, 3, 2)});
    for (const int channels : {1, 3, 4})
        for (const auto shape : all_shapes)
            for (const auto fill : all_fills)
                for (const float soften : {0.0f, 1.0f})
                    for (std::uint64_t seed = 0; seed < 8; ++seed) {
                        const int w = 96 + int(seed) * 5, h = 80;
                        CAPTURE(channels, int(shape), int(fill), soften, seed);
                        const ias::defect_maker t(
                            {.shape = shape, .fill = fill, .pool = seed % 2 == 1 ? pool : nullptr, .soften_probability = soften});
                        const ias::sample original = make_sample<TestType>(w, h, channels, seed % 4 < 2, int(seed));
                        ias::sample s = original;
                        ias::rng_stream rng(seed, 3);
                        const auto p = t.sample_params(rng, s);
                        t.apply(s, p);
                        REQUIRE(s.mask.width() == w);
                        REQUIRE(s.mask.height() == h);
                        const ias::image<float> expected = placed_shape(t, p, w, h);
                        REQUIRE(s.mask == expected);
                        bool any = false;
                        for (int y = 0; y < h; ++y)
                            for (int x = 0; x < w; ++x) {
                                const float m = s.mask(x, y);
                                REQUIRE((m == 0.0f || m == 1.0f));
                                any = any || m > 0.0f;
                                if (m > 0.0f) REQUIRE(in_box(p, x, y));  // the shape lies in its box
                                // Without softening α is the hard shape; with it, α stays in the box.
                                const bool outside_alpha = soften == 0.0f ? m == 0.0f : !in_box(p, x, y);
                                if (outside_alpha) REQUIRE(same_pixel<TestType>(s, original, x, y));
                                if (channels == 4) REQUIRE(s.image.get<TestType>()(x, y, 3) == original.image.get<TestType>()(x, y, 3));
                            }
                        REQUIRE(s.label == (any ? 1 : 0));
                        if (any) {
                            REQUIRE(s.defect_kind == std::string(ias::detail::defects::kind_names[std::size_t(shape)][std::size_t(fill)]));
                            REQUIRE(s.image != original.image);
                        }
                        REQUIRE(p.soften == (soften == 1.0f));
                        s.validate();
                    }
}

TEST_CASE("defect_maker: the anchor lies on the foreground and the box is centred on it", "[defect_maker]") {
    const int w = 128, h = 96;
    for (const auto shape : all_shapes)
        for (std::uint64_t i = 0; i < 60; ++i) {
            const ias::defect_maker t({.shape = shape});
            ias::sample s = make_sample<std::uint8_t>(w, h, 3, true);
            ias::rng_stream rng(5, i);
            const auto p = t.sample_params(rng, s);
            CAPTURE(int(shape), i, p.anchor_x, p.anchor_y, p.x, p.y, p.width, p.height);
            REQUIRE(s.foreground(p.anchor_x, p.anchor_y) > 0.5f);
            // Centred (top-left = anchor - size/2) unless clamped at the border.
            if (p.x > 0 && p.x + p.width < w) REQUIRE(p.x == p.anchor_x - p.width / 2);
            if (p.y > 0 && p.y + p.height < h) REQUIRE(p.y == p.anchor_y - p.height / 2);
            REQUIRE(in_box(p, p.anchor_x, p.anchor_y));
        }
    // Without a foreground, and with an empty one, the anchor covers the whole image.
    int left = 0, right = 0;
    for (std::uint64_t i = 0; i < 200; ++i) {
        ias::sample s = make_sample<std::uint8_t>(w, h, 3, false);
        if (i % 2 == 1) s.foreground.resize(w, h, 1, 0.0f);
        ias::rng_stream rng(6, i);
        const auto p = ias::defect_maker{}.sample_params(rng, s);
        (p.anchor_x < w / 2 ? left : right) += 1;
    }
    CHECK(left > 60);
    CHECK(right > 60);
    // A foreground of the wrong size is an error.
    ias::sample bad = make_sample<std::uint8_t>(w, h, 3, false);
    bad.foreground.resize(w - 1, h, 1, 1.0f);
    ias::rng_stream rng(1, 0);
    CHECK_THROWS_AS(ias::defect_maker{}.sample_params(rng, bad), ias::error);
}

TEST_CASE("defect_maker: noise fill levels stay within mean plus or minus the fluctuation", "[defect_maker]") {
    SECTION("the kernel") {
        ias::image<std::uint8_t> grid;
        ias::fn::resize_scratch scratch;
        for (const int channels : {1, 3, 4})
            for (const auto& [mean, fluct] : {std::pair{50, 0}, std::pair{120, 45}, std::pair{190, 5}, std::pair{250, 45}})
                for (const auto& [gw, gh] : {std::pair{1, 1}, std::pair{3, 17}, std::pair{40, 2}, std::pair{64, 64}}) {
                    ias::image<float> out(37, 23, channels);
                    ias::detail::defects::noise_fill(out.view(), mean, fluct, gw, gh, 99, grid, scratch);
                    CAPTURE(channels, mean, fluct, gw, gh);
                    const int lo = std::max(0, mean - fluct), hi = std::min(255, mean + fluct);
                    REQUIRE(grid.width() == gw);
                    REQUIRE(grid.height() == gh);
                    float vmin = 1e9f, vmax = -1e9f;
                    for (std::size_t i = 0; i < out.size(); ++i) {
                        const float v = out.data()[i] * 255.0f;
                        vmin = std::min(vmin, v);
                        vmax = std::max(vmax, v);
                    }
                    REQUIRE(vmin >= float(lo) - 1e-3f);
                    REQUIRE(vmax <= float(hi) + 1e-3f);
                    if (fluct > 0 && gw * gh > 1) REQUIRE(vmax > vmin);  // it is noise, not a constant
                }
    }
    SECTION("through the transform, without jitter") {
        for (const auto shape : all_shapes)
            for (std::uint64_t i = 0; i < 40; ++i) {
                const auto t = plain(shape, ias::defect_fill::noise);
                ias::sample s = make_sample<std::uint8_t>(100, 90, 3, false);
                ias::rng_stream rng(8, i);
                const auto p = t.sample_params(rng, s);
                CAPTURE(int(shape), i, p.noise_mean, p.noise_fluctuation);
                REQUIRE(p.noise_mean % 10 == 0);
                REQUIRE((p.noise_mean >= 50 && p.noise_mean <= 190));
                REQUIRE(p.noise_fluctuation % 5 == 0);
                REQUIRE((p.noise_fluctuation >= 0 && p.noise_fluctuation <= 45));
                const int gw_full = std::max(1, p.width);
                REQUIRE(p.noise_grid_width >= 1);
                REQUIRE(p.noise_grid_width <= 4 * gw_full);
                t.apply(s, p);
                const auto& im = s.image.get<std::uint8_t>();
                for (int y = 0; y < 90; ++y)
                    for (int x = 0; x < 100; ++x)
                        if (s.mask(x, y) > 0.0f)
                            for (int c = 0; c < 3; ++c) {
                                REQUIRE(int(im(x, y, c)) >= p.noise_mean - p.noise_fluctuation);
                                REQUIRE(int(im(x, y, c)) <= p.noise_mean + p.noise_fluctuation);
                            }
            }
    }
    SECTION("the draws cover REB's sets") {
        std::array<int, 15> means{};
        std::array<int, 10> flucts{};
        std::array<int, 3> scales{};
        for (std::uint64_t i = 0; i < 3000; ++i) {
            ias::sample s = make_sample<std::uint8_t>(64, 64, 1, false);
            ias::rng_stream rng(9, i);
            const auto p = ias::defect_maker{}.sample_params(rng, s);
            ++means[std::size_t((p.noise_mean - 50) / 10)];
            ++flucts[std::size_t(p.noise_fluctuation / 5)];
            // grid width = int(w/s·a) and grid height = int(w/s/a): their product is about (w/s)².
            const double ratio = double(p.width) / std::sqrt(double(p.noise_grid_width) * double(p.noise_grid_height));
            if (p.width >= 16) ++scales[ratio < 1.4 ? 0 : ratio < 2.8 ? 1 : 2];
        }
        for (const int n : means) CHECK(n > 100);
        for (const int n : flucts) CHECK(n > 150);
        for (const int n : scales) CHECK(n > 300);
    }
}

TEST_CASE("defect_maker: the cut fill never uses the sample's own pool image", "[defect_maker]") {
    const int w = 80, h = 64;
    for (const auto shape : all_shapes) {
        SECTION("a pool of several images") {
            const auto pool = constant_pool(w, h, 4);
            const auto t = plain(shape, ias::defect_fill::cut, pool);
            std::array<int, 4> used{};
            for (std::uint64_t i = 0; i < 400; ++i) {
                const int own = int(i % 4);
                ias::sample s{ias::any_image(ias::image<std::uint8_t>(w, h, 3, std::uint8_t(40 + 60 * own)))};
                s.source_index = own;
                ias::rng_stream rng(10, i);
                const auto p = t.sample_params(rng, s);
                REQUIRE(p.foreign_index != own);
                REQUIRE((p.foreign_index >= 0 && p.foreign_index < 4));
                ++used[std::size_t(p.foreign_index)];
                t.apply(s, p);
                // The pasted pixels are the foreign image's.
                const auto& im = s.image.get<std::uint8_t>();
                for (int y = 0; y < h; ++y)
                    for (int x = 0; x < w; ++x)
                        REQUIRE(int(im(x, y, 1)) == (s.mask(x, y) > 0.0f ? 40 + 60 * int(p.foreign_index) : 40 + 60 * own));
            }
            for (const int n : used) CHECK(n > 50);
        }
        SECTION("a pool of one image") {
            const auto t = plain(shape, ias::defect_fill::cut, constant_pool(w, h, 1));
            ias::sample s = make_sample<float>(w, h, 3, false);
            s.source_index = 0;
            ias::rng_stream rng(11, 0);
            CHECK(t.sample_params(rng, s).foreign_index == 0);
        }
        SECTION("no pool: a crop of the sample's own image") {
            const auto t = plain(shape, ias::defect_fill::cut);
            for (std::uint64_t i = 0; i < 20; ++i) {
                const ias::sample original = make_sample<std::uint8_t>(w, h, 3, true);
                ias::sample s = original;
                ias::rng_stream rng(12, i);
                const auto p = t.sample_params(rng, s);
                REQUIRE(p.foreign_index == -1);
                REQUIRE((p.source_x >= 0 && p.source_y >= 0 && p.source_x + p.width <= w && p.source_y + p.height <= h));
                t.apply(s, p);
                const auto& im = s.image.get<std::uint8_t>();
                const auto& before = original.image.get<std::uint8_t>();
                for (int y = 0; y < h; ++y)
                    for (int x = 0; x < w; ++x)
                        for (int c = 0; c < 3; ++c)
                            REQUIRE(im(x, y, c) ==
                                    (s.mask(x, y) > 0.0f ? before(p.source_x + x - p.x, p.source_y + y - p.y, c) : before(x, y, c)));
            }
        }
    }
}

TEST_CASE("defect_maker: deterministic and replayed from a trace", "[defect_maker]") {
    const auto pool = constant_pool(40, 40, 3);
    for (const auto shape : all_shapes)
        for (const auto fill : all_fills)
            for (std::uint64_t seed = 0; seed < 4; ++seed) {
                CAPTURE(int(shape), int(fill), seed);
                const ias::defect_maker t({.shape = shape, .fill = fill, .pool = seed % 2 ? pool : nullptr});
                auto make = [&] {
                    ias::sample s = make_sample<std::uint8_t>(120, 100, 3, seed >= 2, int(seed));
                    s.source_index = 1;
                    return s;
                };
                ias::sample traced = make();
                traced.trace.emplace();
                ias::rng_stream rng(seed, 21);
                ias::run(t, traced, rng);
                REQUIRE(traced.trace->size() == 1);
                REQUIRE(traced.trace->entries()[0].stage == "defect_maker");
                ias::sample plain_run = make();
                ias::rng_stream rng2(seed, 21);
                ias::run(t, plain_run, rng2);
                REQUIRE(plain_run.image == traced.image);
                REQUIRE(plain_run.mask == traced.mask);
                ias::sample replayed = make();
                ias::replay(t, replayed, *traced.trace);
                REQUIRE(replayed.image == traced.image);
                REQUIRE(replayed.mask == traced.mask);
                REQUIRE(replayed.label == traced.label);
                REQUIRE(replayed.defect_kind == traced.defect_kind);
                // Another index gives another defect.
                ias::sample other = make();
                ias::rng_stream rng3(seed, 22);
                ias::run(t, other, rng3);
                CHECK(other.mask != traced.mask);
            }
}

TEST_CASE("defect_maker: grey float images and soft alphas stay in range", "[defect_maker]") {
    for (const auto shape : all_shapes)
        for (const auto fill : all_fills)
            for (std::uint64_t i = 0; i < 10; ++i) {
                const ias::defect_maker t({.shape = shape, .fill = fill, .soften_probability = 1.0f});
                ias::sample s = make_sample<float>(64, 48, 1, i % 2 == 0);
                ias::rng_stream rng(13, i);
                ias::run(t, s, rng);
                REQUIRE(s.image.channels() == 1);
                const auto& im = s.image.get<float>();
                for (std::size_t k = 0; k < im.size(); ++k) REQUIRE((im.data()[k] >= 0.0f && im.data()[k] <= 1.0f));
                s.validate();
            }
}

TEST_CASE("defect_maker: the soft edge erodes with OpenCV's ellipse and blurs within the box", "[defect_maker]") {
    using ias::detail::defects::ellipse_half_width;
    CHECK(ellipse_half_width(3, -1) == 0);  // a cross
    CHECK(ellipse_half_width(3, 0) == 1);
    CHECK(ellipse_half_width(5, -2) == 0);  // widths 1 5 5 5 1
    CHECK(ellipse_half_width(5, -1) == 2);
    CHECK(ellipse_half_width(5, 0) == 2);
    CHECK(ellipse_half_width(5, 2) == 0);
    ias::image<float> scratch;
    // All ones stays all ones (the border is not eroded; the blur is normalised).
    ias::image<float> ones(9, 7, 1, 1.0f);
    ias::detail::defects::soften(ones, 5, 5.0f, scratch);
    for (std::size_t i = 0; i < ones.size(); ++i) CHECK(ones.data()[i] == Approx(1.0f));
    // A lone pixel, or a line one pixel wide, is eroded away.
    ias::image<float> dot(9, 9, 1, 0.0f);
    dot(4, 4) = 1.0f;
    ias::detail::defects::soften(dot, 3, 3.0f, scratch);
    for (std::size_t i = 0; i < dot.size(); ++i) CHECK(dot.data()[i] == 0.0f);
    // A 3x3 square survives a 3x3 cross erosion only at its centre; the blur then spreads it,
    // symmetric and below 1.
    ias::image<float> square(11, 11, 1, 0.0f);
    for (int y = 4; y < 7; ++y)
        for (int x = 4; x < 7; ++x) square(x, y) = 1.0f;
    ias::detail::defects::soften(square, 3, 3.0f, scratch);
    CHECK(square(5, 5) == Approx(std::pow(1.0 / (1.0 + 2.0 * std::exp(-1.0 / 18.0)), 2)));
    CHECK(square(4, 5) == Approx(square(6, 5)));
    CHECK(square(4, 4) == Approx(square(6, 6)));
    CHECK(square(3, 5) == 0.0f);  // the 3-tap blur reaches one pixel
    // One-pixel-wide boxes (reflection of a single row or column) work.
    ias::image<float> thin(1, 6, 1, 1.0f);
    ias::detail::defects::soften(thin, 5, 5.0f, scratch);
    for (std::size_t i = 0; i < thin.size(); ++i) CHECK(thin.data()[i] == Approx(1.0f));
}

TEST_CASE("defect_maker: clump weights lie in REB's range and rect and scar use 1", "[defect_maker]") {
    for (const auto shape : all_shapes)
        for (std::uint64_t i = 0; i < 50; ++i) {
            ias::sample s = make_sample<std::uint8_t>(64, 64, 3, false);
            ias::rng_stream rng(14, i);
            const auto p = ias::defect_maker({.shape = shape}).sample_params(rng, s);
            if (shape == ias::defect_shape::bezier_clump) {
                REQUIRE((p.weight >= 0.5f && p.weight <= 1.0f));
            } else {
                REQUIRE(p.weight == 1.0f);
            }
            REQUIRE((p.jitter.brightness >= 0.9f && p.jitter.brightness <= 1.1f));
            REQUIRE(std::abs(p.jitter.hue) <= 0.1f);
        }
}

TEST_CASE("defect_maker: invalid settings throw", "[defect_maker]") {
    CHECK_THROWS_WITH(ias::defect_maker({.noise_mean_step = 0}), Catch::Contains("ias::defect_maker: parameter 'noise_mean_step' is 0"));
    CHECK_THROWS_WITH(ias::defect_maker({.noise_mean = {200, 100}}), Catch::Contains("parameter 'noise_mean' is [200, 100]"));
    CHECK_THROWS_WITH(ias::defect_maker({.soften_probability = 2.0f}), Catch::Contains("parameter 'soften_probability' is 2"));
    CHECK_THROWS_WITH(ias::defect_maker({.soften_kernel_rect = 4}), Catch::Contains("soften_kernel_rect must be odd"));
    CHECK_THROWS_WITH(ias::defect_maker({.clump_weight = {0.8f, 0.5f}}), Catch::Contains("parameter 'clump_weight' is [0.8, 0.5]"));
    CHECK_THROWS_WITH(ias::defect_maker({.rect_shape = ias::bezier_blob_mask({.area = {0.5f, 0.1f}})}),
                      Catch::Contains("ias::bezier_blob_mask: parameter 'area' is [0.5, 0.1]"));
    CHECK_THROWS_WITH(ias::defect_maker_dm6({.view = 7}), Catch::Contains("ias::defect_maker_dm6: parameter 'view' is 7"));
    CHECK_THROWS_WITH(ias::defect_maker_dm6({.view = -2}), Catch::Contains("parameter 'view' is -2"));
    CHECK_NOTHROW(ias::defect_maker{});
    CHECK_NOTHROW(ias::defect_maker_dm6{});
}

TEST_CASE("defect_maker_dm6: views are uniform and the label is the class", "[defect_maker]") {
    const auto pool = constant_pool(48, 48, 3);
    const ias::defect_maker_dm6 t({.pool = pool});
    std::array<int, 7> counts{};
    const int n = 2100;
    for (std::uint64_t i = 0; i < std::uint64_t(n); ++i) {
        const ias::sample original = make_sample<std::uint8_t>(48, 48, 3, i % 3 == 0);
        ias::sample s = original;
        s.source_index = std::int64_t(i % 3);
        ias::rng_stream rng(15, i);
        const auto p = t.sample_params(rng, s);
        REQUIRE((p.view >= 0 && p.view < 7));
        ++counts[std::size_t(p.view)];
        t.apply(s, p);
        REQUIRE(s.label == p.view);
        REQUIRE(s.mask.width() == 48);
        if (p.view == 0) {
            REQUIRE(s.image == original.image);
            REQUIRE(!ias::any_positive(s.mask));
            REQUIRE(s.defect_kind.empty());
            continue;
        }
        const int v = p.view;
        REQUIRE(p.defect.shape == ias::defect_shape((v - 1) % 3));
        REQUIRE(p.defect.fill == (v <= 3 ? ias::defect_fill::noise : ias::defect_fill::cut));
        if (v > 3) REQUIRE(p.defect.foreign_index != s.source_index);
        if (ias::any_positive(s.mask))
            REQUIRE(s.defect_kind ==
                    std::array<std::string, 6>{"bezier_noise", "bezier_scar_noise", "bezier_clump_noise", "bezier_cp", "bezier_scar_cp",
                                               "bezier_clump_cp"}[std::size_t(v - 1)]);
    }
    // 300 expected per view; the binomial standard deviation is about 16.
    for (const int c : counts) CHECK(std::abs(c - n / 7) < 80);
}

TEST_CASE("defect_maker_dm6: a fixed view and replay", "[defect_maker]") {
    const auto pool = constant_pool(48, 48, 2);
    for (int v = 0; v < 7; ++v)
        for (std::uint64_t i = 0; i < 5; ++i) {
            CAPTURE(v, i);
            const ias::defect_maker_dm6 t({.view = v, .pool = pool});
            auto make = [&] { return make_sample<float>(56, 48, 3, i % 2 == 0); };
            ias::sample s = make();
            s.trace.emplace();
            ias::rng_stream rng(16, i);
            ias::run(t, s, rng);
            REQUIRE(s.label == v);
            ias::sample replayed = make();
            ias::replay(t, replayed, *s.trace);
            REQUIRE(replayed.image == s.image);
            REQUIRE(replayed.mask == s.mask);
            REQUIRE(replayed.label == s.label);
            REQUIRE(replayed.defect_kind == s.defect_kind);
            REQUIRE(s.trace->entries()[0].fields[0].name == "view");
            REQUIRE(s.trace->entries()[0].fields[0].values == std::vector<double>{double(v)});
        }
}

TEST_CASE("defect_maker: tiny and empty images", "[defect_maker]") {
    for (const auto shape : all_shapes)
        for (const auto fill : all_fills)
            for (const auto& [w, h] : {std::pair{1, 1}, std::pair{3, 40}, std::pair{40, 2}, std::pair{9, 9}})
                for (std::uint64_t i = 0; i < 6; ++i) {
                    CAPTURE(int(shape), int(fill), w, h, i);
                    const ias::defect_maker t({.shape = shape, .fill = fill, .soften_probability = 0.5f});
                    const ias::sample original = make_sample<std::uint8_t>(w, h, 3, false);
                    ias::sample s = original;
                    ias::rng_stream rng(17, i);
                    const auto p = t.sample_params(rng, s);
                    t.apply(s, p);
                    REQUIRE(s.mask.width() == w);
                    REQUIRE((p.x >= 0 && p.y >= 0 && p.x + p.width <= w && p.y + p.height <= h));
                    for (int y = 0; y < h; ++y)
                        for (int x = 0; x < w; ++x)
                            if (!in_box(p, x, y)) REQUIRE(same_pixel<std::uint8_t>(s, original, x, y));
                }
    ias::sample empty{ias::any_image(ias::image<float>(0, 0, 3))};
    ias::rng_stream rng(0, 0);
    ias::run(ias::defect_maker{}, empty, rng);
    CHECK(empty.label == 0);
}
