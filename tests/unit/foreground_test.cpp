// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <ias/core.hpp>
#include <ias/transforms/foreground.hpp>
#include <ias/transforms/perlin_mask.hpp>

namespace {

std::array<std::uint64_t, 256> histogram(std::initializer_list<std::pair<int, std::uint64_t>> bins) {
    std::array<std::uint64_t, 256> h{};
    for (const auto& [level, count] : bins) h[std::size_t(level)] = count;
    return h;
}

/// A bright, slightly noisy background with a dark disk of radius r centred at (cx, cy).
ias::image<std::uint8_t> object_image(int w, int h, float cx, float cy, float r, std::uint8_t object, std::uint8_t background) {
    ias::image<std::uint8_t> im(w, h, 3);
    ias::rng_stream rng(3, 0);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const bool inside = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r;
            for (int c = 0; c < 3; ++c)
                im(x, y, c) = std::uint8_t(std::clamp(float(inside ? object : background) + rng.normal(0.0f, 6.0f), 0.0f, 255.0f));
        }
    return im;
}

double iou_with_disk(const ias::image<float>& fg, float cx, float cy, float r) {
    double both = 0, either = 0;
    for (int y = 0; y < fg.height(); ++y)
        for (int x = 0; x < fg.width(); ++x) {
            const bool truth = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r, found = fg(x, y) > 0.5f;
            both += truth && found;
            either += truth || found;
        }
    return both / either;
}

ias::image<float> foreground_of(const ias::image<std::uint8_t>& im, const ias::fn::foreground_settings& s) {
    ias::image<float> out(im.width(), im.height(), 1), scratch;
    ias::fn::estimate_foreground(im.view(), out.view(), s, scratch);
    return out;
}

}  // namespace

TEST_CASE("foreground: Otsu and Triangle thresholds on hand-computed histograms", "[foreground]") {
    // Otsu: {10: 6, 100: 2, 200: 4}. Splitting after 10 gives 6·6·(166.7 − 10)² = 883 600,
    // after 100 gives 8·4·(200 − 32.5)² = 897 800, the larger: t = 100 (OpenCV agrees).
    CHECK(ias::fn::otsu_threshold(histogram({{10, 6}, {100, 2}, {200, 4}})) == 100);
    // Two equal modes: every t in [50, 199] separates them equally well; the first wins.
    CHECK(ias::fn::otsu_threshold(histogram({{50, 10}, {200, 10}})) == 50);

    // Triangle: a peak of 100 at level 20 and a flat tail of 1 from 21 to 100. The tail is on
    // the right, so the histogram is mirrored: bounds 154 and peak 235, line a = 100, b = −81;
    // the distance 100·i − 81·h(i) is largest at i = 234; minus one is 233; mirrored back, 22
    // (OpenCV agrees).
    std::array<std::uint64_t, 256> tail{};
    tail[20] = 100;
    for (int i = 21; i <= 100; ++i) tail[std::size_t(i)] = 1;
    CHECK(ias::fn::triangle_threshold(tail) == 22);
    // Mirrored (peak 235, tail 155..234 on the left): no flip; the largest distance is again
    // at 234, minus one: 233 (OpenCV agrees). Note the asymmetry of the "minus one".
    std::array<std::uint64_t, 256> mirrored{};
    for (int i = 0; i < 256; ++i) mirrored[std::size_t(i)] = tail[std::size_t(255 - i)];
    CHECK(ias::fn::triangle_threshold(mirrored) == 233);
    CHECK(ias::fn::triangle_threshold({}) == 0);
}

TEST_CASE("foreground: every method finds a dark object on a bright background", "[foreground]") {
    const float cx = 70, cy = 50, r = 30;
    const auto im = object_image(128, 100, cx, cy, r, 60, 220);
    using ias::fn::foreground_method;
    const std::vector<ias::fn::foreground_settings> methods{
        {.method = foreground_method::threshold, .threshold = 140, .foreground_above = false},
        {.method = foreground_method::otsu, .foreground_above = false},
        {.method = foreground_method::triangle, .foreground_above = false},
        {.method = foreground_method::background_distance, .threshold = 60},                 // corners sampled
        {.method = foreground_method::background_distance, .threshold = 60, .background = 220, .median_size = 7},
        {.method = foreground_method::otsu, .foreground_above = false, .closing_size = 6, .opening_size = 6},
    };
    for (std::size_t k = 0; k < methods.size(); ++k) {
        CAPTURE(k);
        CHECK(iou_with_disk(foreground_of(im, methods[k]), cx, cy, r) > 0.97);
    }
    const auto whole = foreground_of(im, {});
    for (std::size_t i = 0; i < whole.size(); ++i) REQUIRE(whole.data()[i] == 1.0f);
}

TEST_CASE("foreground: plane fit finds a bump on a tilted depth map", "[foreground]") {
    ias::image<float> depth(90, 70, 1);
    for (int y = 0; y < 70; ++y)
        for (int x = 0; x < 90; ++x) {
            const bool bump = (x - 40) * (x - 40) + (y - 30) * (y - 30) <= 15 * 15;
            depth(x, y) = 0.2f + 0.004f * float(x) + 0.002f * float(y) + (bump ? 0.1f : 0.0f);
        }
    ias::image<float> fg(90, 70, 1), scratch;
    ias::fn::estimate_foreground(std::as_const(depth).view(), fg.view(), {.method = ias::fn::foreground_method::plane_fit, .threshold = 10}, scratch);
    CHECK(iou_with_disk(fg, 40, 30, 15) > 0.98);  // 0.1 depth = 25.5 levels above the plane; threshold 10
}

TEST_CASE("foreground: closing, opening and the largest component clean the mask", "[foreground]") {
    // Two objects of different sizes plus salt noise on the background.
    ias::image<std::uint8_t> im(100, 60, 1, 230);
    for (int y = 10; y < 50; ++y)
        for (int x = 10; x < 50; ++x) im(x, y) = 40;  // large square
    for (int y = 20; y < 30; ++y)
        for (int x = 70; x < 80; ++x) im(x, y) = 40;  // small square
    im(30, 30) = 230;                                  // a one-pixel hole in the large one
    im(90, 5) = 40;                                    // a speck on the background
    const ias::fn::foreground_settings base{.method = ias::fn::foreground_method::threshold, .threshold = 128, .foreground_above = false};
    auto cleaned = base;
    cleaned.closing_size = 3;
    cleaned.opening_size = 3;
    const auto raw = foreground_of(im, base), clean = foreground_of(im, cleaned);
    CHECK(raw(30, 30) == 0.0f);
    CHECK(clean(30, 30) == 1.0f);  // hole closed
    CHECK(raw(90, 5) == 1.0f);
    CHECK(clean(90, 5) == 0.0f);   // speck opened away
    auto largest = cleaned;
    largest.largest_component_only = true;
    const auto one = foreground_of(im, largest);
    CHECK(one(30, 30) == 1.0f);
    CHECK(one(75, 25) == 0.0f);  // the small square is dropped
}

TEST_CASE("foreground: published presets as data, unknown categories named", "[foreground]") {
    using ias::fn::foreground_method;
    CHECK(ias::memseg_foreground("bottle").threshold == 250);
    CHECK_FALSE(ias::memseg_foreground("bottle").foreground_above);
    CHECK(ias::memseg_foreground("hazelnut").foreground_above);
    CHECK(ias::memseg_foreground("carpet").method == foreground_method::whole_image);
    CHECK(ias::realnet_foreground("pill").method == foreground_method::otsu);
    CHECK_FALSE(ias::realnet_foreground("screw").foreground_above);
    CHECK(ias::realnet_foreground("toothbrush").method == foreground_method::triangle);
    CHECK(ias::realnet_foreground("toothbrush").closing_size == 6);
    CHECK(ias::realnet_foreground("pcb3").channel == 2);
    CHECK(ias::realnet_foreground("pcb3").closing_size == 8);
    CHECK_THROWS_WITH(ias::realnet_foreground("pcb9"), Catch::Contains("VisA's pcb1"));
    CHECK(ias::nsa_foreground("bottle").background == 200);
    CHECK(ias::nsa_foreground("pill").threshold == 20);
    CHECK_THROWS_WITH(ias::memseg_foreground("bottel"), Catch::Contains("unknown category 'bottel'") && Catch::Contains("bottle, cable"));
    CHECK_THROWS_WITH(ias::fn::validate(ias::fn::foreground_settings{.median_size = 4}), Catch::Contains("median_size must be 0 or odd, got 4"));
}

TEST_CASE("foreground: a colour-channel rule reads a grey image's only channel", "[foreground]") {
    // RealNet's pcb rule thresholds the blue channel; a grey image is its own blue channel.
    ias::image<std::uint8_t> grey(24, 16, 1, 30), rgb(24, 16, 3, 30);
    for (int y = 4; y < 12; ++y)
        for (int x = 6; x < 18; ++x) {
            grey(x, y) = 200;
            for (int c = 0; c < 3; ++c) rgb(x, y, c) = 200;
        }
    ias::image<float> from_grey(24, 16, 1), from_rgb(24, 16, 1), scratch;
    const auto rule = ias::realnet_foreground("pcb1");
    ias::fn::estimate_foreground(std::as_const(grey).view(), from_grey.view(), rule, scratch);
    ias::fn::estimate_foreground(std::as_const(rgb).view(), from_rgb.view(), rule, scratch);
    CHECK(from_grey == from_rgb);
    CHECK(from_grey(10, 8) == 1.0f);
    ias::image<float> out(24, 16, 1);
    CHECK_THROWS_WITH(ias::fn::grey_levels(std::as_const(rgb).view(), out.view(), ias::fn::grey_conversion::channel, 3),
                      Catch::Contains("channel 3 of an image with 3 channels"));
}

TEST_CASE("foreground: anomalies land on the object only", "[foreground]") {
    const auto im = object_image(128, 128, 64, 64, 40, 50, 230);
    const auto p = ias::pipeline(ias::estimate_foreground{ias::memseg_foreground("capsule")},
                                 ias::perlin_mask({.empty_policy = ias::empty_mask_policy::redraw}));
    for (std::uint64_t i = 0; i < 50; ++i) {
        ias::sample s(im);
        ias::rng_stream rng(4, i);
        ias::run(p, s, rng);
        REQUIRE(s.has_foreground());
        REQUIRE(s.label == 1);
        for (int y = 0; y < 128; ++y)
            for (int x = 0; x < 128; ++x)
                if (s.mask(x, y) > 0.0f) REQUIRE(s.foreground(x, y) == 1.0f);
    }
    // restrict_to_foreground clips a mask made before the foreground was known.
    ias::sample s(im);
    ias::rng_stream rng(5, 0);
    ias::run(ias::pipeline(ias::perlin_mask({.scale_exponents = {0, 1}, .empty_policy = ias::empty_mask_policy::redraw}),
                           ias::estimate_foreground{ias::memseg_foreground("capsule")}, ias::restrict_to_foreground{}),
             s, rng);
    for (std::size_t i = 0; i < s.mask.size(); ++i)
        if (s.foreground.data()[i] == 0.0f) REQUIRE(s.mask.data()[i] == 0.0f);
}
