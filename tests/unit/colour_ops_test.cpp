// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <ias/core.hpp>
#include <ias/fn/colour.hpp>
#include <ias/fn/warp.hpp>
#include <ias/recipes/texture_ops.hpp>
#include <ias/transforms/colour_ops.hpp>
#include <ias/transforms/geometry_ops.hpp>

#include "test_transforms.hpp"
#include "texture_op_list.hpp"

namespace {

using ias_test::random_image;

/// A one-channel float image holding `levels`/255 in reading order.
ias::image<float> from_levels(int width, int height, const std::vector<int>& levels) {
    ias::image<float> im(width, height, 1);
    for (std::size_t i = 0; i < im.size(); ++i) im.data()[i] = float(levels[i]) / 255.0f;
    return im;
}

/// Runs `kernel` on a single RGB pixel and returns it.
template <class F>
std::array<float, 3> on_pixel(std::array<float, 3> rgb, F&& kernel) {
    ias::image<float> im(1, 1, 3);
    for (int c = 0; c < 3; ++c) im(0, 0, c) = rgb[std::size_t(c)];
    kernel(im.view());
    return {im(0, 0, 0), im(0, 0, 1), im(0, 0, 2)};
}

void check_rgb(const std::array<float, 3>& actual, const std::array<float, 3>& expected, double margin = 1e-6) {
    for (std::size_t c = 0; c < 3; ++c) CHECK(actual[c] == Approx(expected[c]).margin(margin));
}

float max_difference(const ias::image<float>& a, const ias::image<float>& b) {
    REQUIRE(a.size() == b.size());
    float worst = 0.0f;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a.data()[i] - b.data()[i]));
    return worst;
}

/// `src` rotated by `degrees` through ias::fn::rotate.
ias::image<float> rotated(const ias::image<float>& src, float degrees, float fill = 0.0f) {
    ias::image<float> dst(src.width(), src.height(), src.channels());
    ias::fn::rotate(src.view(), dst.view(), degrees * (std::numbers::pi_v<float> / 180.0f), fill);
    return dst;
}

/// A sample with one mask pixel at (mx, my) and one foreground pixel at (fx, fy).
ias::sample annotated(ias::any_image im, int mx, int my, int fx, int fy) {
    ias::sample s(std::move(im));
    s.mask(mx, my) = 1.0f;
    s.label = 1;
    s.foreground.resize(s.image.width(), s.image.height(), 1, 0.0f);
    s.foreground(fx, fy) = 1.0f;
    return s;
}

/// Runs `ops` (some_of over the stages named `names`) on many samples and checks from the
/// trace that each picks `count` distinct stages, runs exactly those, and that every stage is used.
template <class Ops>
void check_texture_ops(const Ops& ops, const std::vector<std::string>& names, std::size_t count) {
    std::vector<int> chosen(names.size(), 0);
    for (std::uint64_t i = 0; i < 300; ++i) {
        ias::sample s(random_image<std::uint8_t>(16, 12, 3, i));
        s.trace.emplace();
        ias::rng_stream rng(11, i);
        ias::run(ops, s, rng);
        const auto& entries = s.trace->entries();
        REQUIRE(entries.size() == count + 1);
        REQUIRE(entries[0].stage == "some_of");
        REQUIRE(entries[0].fields.at(0).name == "order");
        const auto& order = entries[0].fields[0].values;
        REQUIRE(order.size() == count);
        std::set<std::size_t> distinct;
        for (std::size_t k = 0; k < count; ++k) {
            const auto op = std::size_t(order[k]);
            REQUIRE(op < names.size());
            CHECK(entries[k + 1].stage == names[op]);
            distinct.insert(op);
            ++chosen[op];
        }
        REQUIRE(distinct.size() == count);
    }
    for (std::size_t k = 0; k < names.size(); ++k) {
        INFO(names[k]);
        CHECK(chosen[k] > 300 * int(count) / int(names.size()) / 2);  // expected 300·count/n each
    }
}

template <class T>
void check_rejects(const typename T::settings_type& settings, const char* field) {
    INFO(T::name << ": " << field);
    CHECK_THROWS_WITH(T(settings), Catch::Contains("ias::" + std::string(T::name)) &&
                                       Catch::Contains("parameter '" + std::string(field) + "'"));
    CHECK_THROWS_AS(T(settings), std::invalid_argument);
}

}  // namespace

TEST_CASE("colour_ops: 8-bit levels and the fast log2 and exp2", "[colour_ops]") {
    using namespace ias::fn::detail;
    for (int k = 0; k < 256; ++k) {
        REQUIRE(level(float(k) / 255.0f) == std::uint32_t(k));
        REQUIRE(level((float(k) + 0.45f) / 255.0f) == std::uint32_t(k));
        if (k < 255) REQUIRE(level((float(k) + 0.55f) / 255.0f) == std::uint32_t(k + 1));
    }
    CHECK(level(-0.3f) == 0);
    CHECK(level(1.7f) == 255);
    // log2: within 1e-6 plus the float rounding of the result, over the whole normal range.
    for (float x = 1.17549435e-38f; x <= 1.0f; x *= 1.0137f) {
        const double exact = std::log2(double(x));
        REQUIRE(double(log2_positive(x)) == Approx(exact).margin(1e-6 + std::abs(exact) * 0x1p-23));
    }
    for (int k = 0; k <= 126; ++k) {
        REQUIRE(log2_positive(std::ldexp(1.0f, -k)) == float(-k));
        REQUIRE(exp2_nonpositive(float(-k)) == std::ldexp(1.0f, -k));  // integers are exact
    }
    // exp2: within 5e-6 relative (worst just above each integer, where 2^f is near 0.5).
    for (float y = -20.0f; y <= 0.0f; y += 0.000731f) {
        const double exact = std::exp2(double(y));
        REQUIRE(std::abs(double(exp2_nonpositive(y)) - exact) <= 5e-6 * exact);
    }
    CHECK(exp2_nonpositive(-127.5f) == 0.0f);
    CHECK(exp2_nonpositive(-1000.0f) == 0.0f);
}

TEST_CASE("colour_ops: gamma_contrast is pow per channel", "[colour_ops]") {
    ias::image<float> ramp(201, 1, 1);
    for (int step = 0; step <= 30; ++step) {
        const float gamma = 0.5f + 0.05f * float(step);
        for (int i = 0; i <= 200; ++i) ramp(i, 0) = float(i) / 200.0f;
        ias::fn::gamma_contrast(ramp.view(), {gamma, gamma, gamma, gamma});
        for (int i = 0; i <= 200; ++i) REQUIRE(ramp(i, 0) == Approx(std::pow(i / 200.0, double(gamma))).margin(1e-4));
        CHECK(ramp(200, 0) == 1.0f);
        CHECK(ramp(0, 0) < 1e-12f);
    }
    check_rgb(on_pixel({0.25f, 0.25f, 0.25f}, [](auto v) { ias::fn::gamma_contrast(v, {0.5f, 1.0f, 2.0f, 1.0f}); }),
              {0.5f, 0.25f, 0.0625f}, 1e-5);

    for (std::uint64_t i = 0; i < 20; ++i) {
        ias::rng_stream rng(3, i), rng2(3, i);
        const auto each = ias::gamma_contrast{}.sample_params(rng, ias::sample{}).gamma;
        const auto one = ias::gamma_contrast({.per_channel = false}).sample_params(rng2, ias::sample{}).gamma;
        for (float g : each) CHECK((g >= 0.5f && g <= 2.0f));
        CHECK(each[0] != each[1]);
        CHECK(each[1] != each[2]);
        CHECK((one[0] == one[1] && one[1] == one[2] && one[2] == one[3]));
    }
    // uint8: black and white stay exactly.
    ias::sample s(ias::image<std::uint8_t>(2, 1, 3, 0));
    s.image.get<std::uint8_t>()(1, 0, 1) = 255;
    ias::gamma_contrast{}.apply(s, {{0.5f, 2.0f, 1.5f, 1.0f}});
    CHECK(s.image.get<std::uint8_t>()(0, 0, 0) == 0);
    CHECK(s.image.get<std::uint8_t>()(1, 0, 1) == 255);
}

TEST_CASE("colour_ops: brightness contrast saturation and grayscale", "[colour_ops]") {
    using ias::fn::multiply_add_brightness;
    check_rgb(on_pixel({0.4f, 0.4f, 0.4f}, [](auto v) { multiply_add_brightness(v, 1.1f, 0.05f); }), {0.49f, 0.49f, 0.49f});
    // Every channel moves by (m - 1)·Y + a with Y = 0.299 R + 0.587 G + 0.114 B = 0.4331.
    const float shift = 0.2f * 0.4331f - 0.1f;
    check_rgb(on_pixel({0.2f, 0.5f, 0.7f}, [](auto v) { multiply_add_brightness(v, 1.2f, -0.1f); }),
              {0.2f + shift, 0.5f + shift, 0.7f + shift});
    check_rgb(on_pixel({0.1f, 0.5f, 0.95f}, [](auto v) { multiply_add_brightness(v, 1.0f, 0.1f); }), {0.2f, 0.6f, 1.0f});
    check_rgb(on_pixel({0.1f, 0.5f, 0.95f}, [](auto v) { multiply_add_brightness(v, 1.0f, -0.2f); }), {0.0f, 0.3f, 0.75f});
    ias::image<float> grey(1, 1, 1, 0.4f);
    multiply_add_brightness(grey.view(), 1.5f, 0.1f);
    CHECK(grey(0, 0) == Approx(0.7f).margin(1e-6));

    check_rgb(on_pixel({0.5f, 0.8f, 0.0f}, [](auto v) { ias::fn::scale_brightness(v, 1.5f); }), {0.75f, 1.0f, 0.0f});
    for (auto [primary, weight] : {std::pair{0, 0.299f}, std::pair{1, 0.587f}, std::pair{2, 0.114f}}) {
        std::array<float, 3> rgb{};
        rgb[std::size_t(primary)] = 1.0f;
        check_rgb(on_pixel(rgb, [](auto v) { ias::fn::grayscale(v); }), {weight, weight, weight});
    }
    const float y = 0.299f * 0.2f + 0.587f * 0.5f + 0.114f * 0.7f;
    check_rgb(on_pixel({0.2f, 0.5f, 0.7f}, [](auto v) { ias::fn::adjust_saturation(v, 0.0f); }), {y, y, y});
    check_rgb(on_pixel({0.2f, 0.5f, 0.7f}, [](auto v) { ias::fn::adjust_saturation(v, 2.0f); }),
              {0.0f, 1.0f - y, 1.4f - y});  // red clipped

    // Contrast 0: the mean grey level everywhere; contrast 1: the identity.
    const auto im = random_image<float>(37, 23, 3, 4);
    double sum = 0;
    for (int yy = 0; yy < 23; ++yy)
        for (int x = 0; x < 37; ++x) sum += 0.299 * im(x, yy, 0) + 0.587 * im(x, yy, 1) + 0.114 * im(x, yy, 2);
    auto flat = im, same = im;
    ias::fn::adjust_contrast(flat.view(), 0.0f);
    for (std::size_t i = 0; i < flat.size(); ++i) REQUIRE(flat.data()[i] == Approx(sum / (37 * 23)).margin(1e-5));
    ias::fn::adjust_contrast(same.view(), 1.0f);
    CHECK(max_difference(same, im) < 1e-6f);
}

TEST_CASE("colour_ops: shift_hue_saturation turns the hue and keeps the value", "[colour_ops]") {
    using ias::fn::shift_hue_saturation;
    check_rgb(on_pixel({1, 0, 0}, [](auto v) { shift_hue_saturation(v, 1.0f / 3, 0.0f); }), {0, 1, 0});
    check_rgb(on_pixel({1, 0, 0}, [](auto v) { shift_hue_saturation(v, 2.0f / 3, 0.0f); }), {0, 0, 1});
    check_rgb(on_pixel({1, 0, 0}, [](auto v) { shift_hue_saturation(v, -1.0f / 3, 0.0f); }), {0, 0, 1});
    check_rgb(on_pixel({1, 1, 0}, [](auto v) { shift_hue_saturation(v, 0.5f, 0.0f); }), {0, 0, 1});
    check_rgb(on_pixel({0.2f, 0.6f, 0.4f}, [](auto v) { shift_hue_saturation(v, 0.0f, -1.0f); }), {0.6f, 0.6f, 0.6f});
    check_rgb(on_pixel({0.3f, 0.3f, 0.3f}, [](auto v) { shift_hue_saturation(v, 0.2f, 0.5f); }), {0.3f, 0.3f, 0.3f});
    // Saturation 0.5 -> 1 at value 0.8: the minimum channel drops to 0, hue kept.
    check_rgb(on_pixel({0.8f, 0.6f, 0.4f}, [](auto v) { shift_hue_saturation(v, 0.0f, 0.5f); }), {0.8f, 0.4f, 0.0f});

    const auto im = random_image<float>(37, 23, 3, 5);
    auto full_turn = im, changed = im;
    shift_hue_saturation(full_turn.view(), 1.0f, 0.0f);
    CHECK(max_difference(full_turn, im) < 1e-5f);
    shift_hue_saturation(changed.view(), 0.3f, 0.2f);
    CHECK(max_difference(changed, im) > 0.1f);
    for (int y = 0; y < 23; ++y)
        for (int x = 0; x < 37; ++x) {
            const float before = std::max({im(x, y, 0), im(x, y, 1), im(x, y, 2)});
            REQUIRE(std::max({changed(x, y, 0), changed(x, y, 1), changed(x, y, 2)}) == Approx(before).margin(1e-6));
        }
    // Grey images have no hue: the transforms leave them exactly as they are.
    for (std::uint64_t i = 0; i < 5; ++i) {
        ias::sample s(random_image<std::uint8_t>(9, 7, 1, i));
        const auto before = s.image;
        ias::rng_stream rng(6, i);
        ias::run(ias::hue_saturation({.hue = {0.2f, 0.3f}, .saturation = {0.5f, 0.6f}}), s, rng);
        CHECK(s.image == before);
    }
}

TEST_CASE("colour_ops: sharpness blends with the PIL smoothing kernel", "[colour_ops]") {
    std::vector<float> scratch;
    ias::image<float> dot(7, 7, 1, 0.0f);
    dot(3, 3) = 1.0f;
    ias::fn::sharpness(dot.view(), 0.0f, scratch);
    for (int y = 0; y < 7; ++y)
        for (int x = 0; x < 7; ++x) {
            const bool centre = x == 3 && y == 3, ring = std::abs(x - 3) <= 1 && std::abs(y - 3) <= 1;
            REQUIRE(dot(x, y) == Approx(centre ? 5.0 / 13 : ring ? 1.0 / 13 : 0.0).margin(1e-6));
        }
    const auto im = random_image<float>(37, 23, 3, 7);
    auto same = im, sharp = im;
    ias::fn::sharpness(same.view(), 1.0f, scratch);
    CHECK(max_difference(same, im) < 1e-6f);
    ias::fn::sharpness(sharp.view(), 2.0f, scratch);
    CHECK(max_difference(sharp, im) > 0.1f);
    for (int c = 0; c < 3; ++c) {
        for (int x = 0; x < 37; ++x) REQUIRE((sharp(x, 0, c) == im(x, 0, c) && sharp(x, 22, c) == im(x, 22, c)));
        for (int y = 0; y < 23; ++y) REQUIRE((sharp(0, y, c) == im(0, y, c) && sharp(36, y, c) == im(36, y, c)));
    }
    // Factor 2 on the dot: 2 - 5/13 at the centre (clipped to 1), -1/13 around it (clipped to 0).
    ias::image<float> dot2(7, 7, 1, 0.5f);
    dot2(3, 3) = 1.0f;
    ias::fn::sharpness(dot2.view(), 2.0f, scratch);
    CHECK(dot2(3, 3) == 1.0f);
    CHECK(dot2(2, 3) == Approx(0.5 - 0.5 / 13).margin(1e-6));
    CHECK(dot2(1, 1) == Approx(0.5).margin(1e-6));
}

TEST_CASE("colour_ops: solarize posterize and invert", "[colour_ops]") {
    auto im = from_levels(5, 1, {0, 51, 127, 128, 255});
    ias::fn::solarize(im.view(), 0.5f);
    const std::vector<float> solarized{0.0f, 0.2f, 127.0f / 255, 1.0f - 128.0f / 255, 0.0f};
    for (int x = 0; x < 5; ++x) CHECK(im(x, 0) == Approx(solarized[std::size_t(x)]).margin(1e-6));
    ias::image<float> at(1, 1, 1, 0.2f);
    ias::fn::solarize(at.view(), 0.2f);  // the threshold itself is inverted
    CHECK(at(0, 0) == 0.8f);

    auto levels = from_levels(4, 1, {0, 127, 128, 255});
    ias::fn::posterize(levels.view(), 1);
    for (int x = 0; x < 4; ++x) CHECK(levels(x, 0) == Approx(x < 2 ? 0.0f : 128.0f / 255).margin(1e-7));
    ias::image<float> ramp(256, 1, 1);
    for (int k = 0; k < 256; ++k) ramp(k, 0) = (float(k) + (k % 2 ? 0.3f : -0.3f)) / 255.0f;
    ias::fn::posterize(ramp.view(), 8);
    for (int k = 0; k < 256; ++k) REQUIRE(ramp(k, 0) == Approx(float(k) / 255.0f).margin(1e-7));

    const auto random = random_image<float>(37, 23, 3, 8);
    auto twice = random;
    ias::fn::invert(twice.view());
    CHECK(twice(3, 4, 1) == 1.0f - random(3, 4, 1));
    ias::fn::invert(twice.view());
    CHECK(twice == random);

    // uint8: exact 255 - v, v >= 128 inverted at threshold 127.5/255, v & top bits.
    ias::image<std::uint8_t> all(16, 16, 1);
    for (int k = 0; k < 256; ++k) all.data()[k] = std::uint8_t(k);
    ias::sample inverted(all), solar(all);
    ias::rng_stream rng(9, 0);
    ias::run(ias::invert{}, inverted, rng);
    ias::solarize{}.apply(solar, {.applied = true, .threshold = 127.5f / 255});
    for (int k = 0; k < 256; ++k) {
        REQUIRE(int(inverted.image.get<std::uint8_t>().data()[k]) == 255 - k);
        REQUIRE(int(solar.image.get<std::uint8_t>().data()[k]) == (k >= 128 ? 255 - k : k));
    }
    // solarize draws whether it applies (probability) and a threshold in its range.
    int applied = 0;
    for (std::uint64_t i = 0; i < 1000; ++i) {
        ias::rng_stream r(25, i), r0(25, i);
        const auto p = ias::solarize({.probability = 0.25f}).sample_params(r, ias::sample{});
        applied += p.applied;
        REQUIRE((p.threshold >= 32.0f / 255 && p.threshold <= 128.0f / 255));
        REQUIRE(!ias::solarize({.probability = 0.0f}).sample_params(r0, ias::sample{}).applied);
    }
    CHECK(applied / 1000.0 == Approx(0.25).margin(0.05));
    ias::sample untouched(all);
    ias::solarize{}.apply(untouched, {.applied = false, .threshold = 0.0f});
    CHECK(untouched.image == ias::any_image(all));
    for (int bits = 1; bits <= 8; ++bits) {
        ias::sample s(all);
        ias::posterize{}.apply(s, {bits});
        const int keep = 0xFF & ~((1 << (8 - bits)) - 1);
        for (int k = 0; k < 256; ++k) REQUIRE(int(s.image.get<std::uint8_t>().data()[k]) == (k & keep));
    }
}

TEST_CASE("colour_ops: autocontrast stretches each channel's level range", "[colour_ops]") {
    // Channel 0 spans [51, 153] (stretched by 2.5), channel 1 is constant, channel 2 spans [0, 255].
    const std::array<std::array<int, 3>, 5> in{{{51, 102, 0}, {76, 102, 60}, {102, 102, 128}, {127, 102, 200}, {153, 102, 255}}};
    const std::array<int, 5> stretched{0, 63, 128, 190, 255};
    ias::image<float> im(5, 1, 3);
    for (int x = 0; x < 5; ++x)
        for (int c = 0; c < 3; ++c) im(x, 0, c) = float(in[std::size_t(x)][std::size_t(c)]) / 255.0f;
    ias::fn::autocontrast(im.view());
    for (int x = 0; x < 5; ++x) {
        CHECK(im(x, 0, 0) == float(stretched[std::size_t(x)]) / 255.0f);
        CHECK(im(x, 0, 1) == 102.0f / 255.0f);
        CHECK(im(x, 0, 2) == float(in[std::size_t(x)][2]) / 255.0f);
    }
    // 1% of the pixels at each extreme: cutoff 2% ignores them, cutoff 0 does not.
    std::vector<int> levels(100, 51);
    for (std::size_t i = 50; i < 100; ++i) levels[i] = 153;
    levels[0] = 0;
    levels[99] = 255;
    auto cut = from_levels(10, 10, levels), uncut = cut;
    ias::fn::autocontrast(cut.view(), 2.0f);
    ias::fn::autocontrast(uncut.view(), 0.0f);
    CHECK(cut(0, 0) == 0.0f);
    CHECK(cut(1, 0) == 0.0f);
    CHECK(cut(8, 9) == 1.0f);
    CHECK(cut(9, 9) == 1.0f);
    CHECK(uncut == from_levels(10, 10, levels));

    ias::sample s(ias::image<std::uint8_t>(5, 1, 1));
    for (int x = 0; x < 5; ++x) s.image.get<std::uint8_t>()(x, 0) = std::uint8_t(in[std::size_t(x)][0]);
    ias::autocontrast{}.apply(s, {0.0f});
    for (int x = 0; x < 5; ++x) CHECK(int(s.image.get<std::uint8_t>()(x, 0)) == stretched[std::size_t(x)]);
}

TEST_CASE("colour_ops: equalize follows the PIL rule", "[colour_ops]") {
    // 1020 pixels: 510 at level 10, 255 at 20, 255 at 30. step = (1020 - 255) / 255 = 3, and
    // the levels map to (1 + pixels below) / 3: 0, 170, 255.
    std::vector<int> levels(1020, 10);
    for (std::size_t i = 510; i < 1020; ++i) levels[i] = i < 765 ? 20 : 30;
    auto im = from_levels(34, 30, levels);
    ias::fn::equalize(im.view());
    for (std::size_t i = 0; i < 1020; ++i) REQUIRE(im.data()[i] == float(i < 510 ? 0 : i < 765 ? 170 : 255) / 255.0f);

    ias::sample s(ias::image<std::uint8_t>(34, 30, 3));
    for (std::size_t i = 0; i < 3060; ++i) s.image.get<std::uint8_t>().data()[i] = std::uint8_t(levels[i / 3]);
    ias::rng_stream rng(10, 0);
    ias::run(ias::equalize{}, s, rng);
    for (std::size_t i = 0; i < 3060; ++i)
        REQUIRE(int(s.image.get<std::uint8_t>().data()[i]) == (i / 3 < 510 ? 0 : i / 3 < 765 ? 170 : 255));

    // Rounding to nearest: 6 at level 0, 1014 at 50, 100 at 100 give step 4, and 50 maps to
    // (2 + 6) / 4 = 2 (not 6 / 4 = 1).
    std::vector<int> rounded(1120, 50);
    for (std::size_t i = 0; i < 6; ++i) rounded[i] = 0;
    for (std::size_t i = 1020; i < 1120; ++i) rounded[i] = 100;
    auto round_im = from_levels(40, 28, rounded);
    ias::fn::equalize(round_im.view());
    for (std::size_t i = 0; i < 1120; ++i) REQUIRE(round_im.data()[i] == float(i < 6 ? 0 : i < 1020 ? 2 : 255) / 255.0f);

    // Fewer than 255 pixels below the last used level: step 0, the image is kept.
    std::vector<int> mostly_top(1000, 200);
    for (std::size_t i = 0; i < 200; ++i) mostly_top[i] = int(i * 7 % 200);
    auto kept = from_levels(40, 25, mostly_top);
    ias::fn::equalize(kept.view());
    CHECK(kept == from_levels(40, 25, mostly_top));
}

TEMPLATE_TEST_CASE("colour_ops: every op keeps shape and range and is deterministic", "[colour_ops]", std::uint8_t, float) {
    const int channels = GENERATE(1, 3, 4);
    const auto original = random_image<TestType>(37, 23, channels, 12);
    auto check = [&](const auto& op, bool colour) {
        INFO(op.name << " on " << channels << " channels");
        for (std::uint64_t i = 0; i < 3; ++i) {
            ias::sample a(original), b(original), replayed(original);
            a.trace.emplace();
            ias::rng_stream rng(13, i), same(13, i);
            ias::run(op, a, rng);
            ias::run(op, b, same);
            ias::replay(op, replayed, *a.trace);
            REQUIRE(a.image == b.image);
            REQUIRE(replayed.image == a.image);
            const auto& out = a.image.template get<TestType>();
            REQUIRE((out.width() == 37 && out.height() == 23 && out.channels() == channels));
            if constexpr (std::is_same_v<TestType, float>)
                for (std::size_t k = 0; k < out.size(); ++k) REQUIRE((out.data()[k] >= 0.0f && out.data()[k] <= 1.0f));
            if (!colour) continue;
            CHECK(a.label == 0);
            if (channels == 4)
                for (std::size_t k = 3; k < out.size(); k += 4) REQUIRE(out.data()[k] == original.data()[k]);
        }
    };
    ias_test::for_each_colour_op([&](const auto& op) { check(op, true); });
    ias_test::for_each_geometry_op([&](const auto& op) { check(op, false); });
}

TEMPLATE_TEST_CASE("colour_ops: on RGBA the colour changes as on RGB", "[colour_ops]", std::uint8_t, float) {
    auto rgba = random_image<TestType>(37, 23, 4, 14);
    const auto colour = ias::fn::colour_channels(rgba.view());  // the first three, in place
    CHECK((colour.channels() == 3 && &colour(4, 2, 2) == &rgba(4, 2, 2)));
    ias::image<TestType> rgb(37, 23, 3);
    CHECK(ias::fn::colour_channels(rgb.view()).channels() == 3);
    for (std::size_t p = 0; p < 37 * 23; ++p)
        for (std::size_t c = 0; c < 3; ++c) rgb.data()[3 * p + c] = rgba.data()[4 * p + c];
    ias_test::for_each_colour_op([&](const auto& op) {
        INFO(op.name);
        ias::sample a(rgba), b(rgb);
        ias::rng_stream rng(15, 0), same(15, 0);
        ias::run(op, a, rng);
        ias::run(op, b, same);
        const auto &four = a.image.template get<TestType>(), &three = b.image.template get<TestType>();
        for (std::size_t p = 0; p < 37 * 23; ++p) {
            REQUIRE(four.data()[4 * p + 3] == rgba.data()[4 * p + 3]);
            for (std::size_t c = 0; c < 3; ++c) REQUIRE(four.data()[4 * p + c] == three.data()[3 * p + c]);
        }
    });
}

TEST_CASE("colour_ops: fn rotate turns about the centre with constant fill", "[colour_ops]") {
    const auto im = random_image<float>(9, 7, 3, 16);
    CHECK(rotated(im, 0.0f) == im);
    const auto half_turn = rotated(im, 180.0f);
    for (int y = 0; y < 7; ++y)
        for (int x = 0; x < 9; ++x)
            for (int c = 0; c < 3; ++c) REQUIRE(half_turn(8 - x, 6 - y, c) == Approx(im(x, y, c)).margin(1e-5));

    // A quarter turn of an odd square image moves every pixel exactly onto the pixel grid,
    // counter-clockwise on screen: (x, y) goes to (y, W - 1 - x), right of centre to the top.
    const auto square = random_image<float>(7, 7, 1, 17);
    const auto quarter = rotated(square, 90.0f);
    for (int y = 0; y < 7; ++y)
        for (int x = 0; x < 7; ++x) REQUIRE(quarter(y, 6 - x) == Approx(square(x, y)).margin(1e-5));
    CHECK(max_difference(rotated(quarter, -90.0f), square) < 1e-5f);
    CHECK(max_difference(rotated(rotated(rotated(quarter, 90.0f), 90.0f), 90.0f), square) < 1e-5f);
    CHECK(max_difference(rotated(rotated(square, -90.0f), -90.0f), rotated(square, 180.0f)) < 1e-5f);

    // 45 degrees: the corners sample beyond the image and get the fill.
    const auto turned = rotated(random_image<float>(9, 9, 3, 18), 45.0f, 0.3f);
    for (int c = 0; c < 3; ++c)
        for (auto [x, y] : {std::pair{0, 0}, std::pair{8, 0}, std::pair{0, 8}, std::pair{8, 8}}) CHECK(turned(x, y, c) == 0.3f);
    // Packed RGB, strided RGBA and grey take different paths: each channel turns alike.
    for (float angle : {-37.0f, 12.5f, 45.0f, 90.0f, 171.0f}) {
        for (int channels : {3, 4}) {
            const auto colour = random_image<float>(37, 23, channels, 26);
            const auto turned_colour = rotated(colour, angle, 0.25f);
            for (int c = 0; c < channels; ++c) {
                ias::image<float> plane(colour.view().channel(c));
                const auto turned_plane = rotated(plane, angle, 0.25f);
                for (int y = 0; y < 23; ++y)
                    for (int x = 0; x < 37; ++x) REQUIRE(turned_colour(x, y, c) == Approx(turned_plane(x, y)).margin(1e-5));
            }
        }
    }
    ias::image<float> small(8, 7, 3);
    CHECK_THROWS_AS(ias::fn::rotate(im.view(), small.view(), 1.0f), std::invalid_argument);
    // Images one or two pixels thin have no interior: every pixel takes the checked path, and
    // each channel still turns like its own plane (this read past the row once, under ASan).
    for (const auto& [w, h] : {std::pair{7, 1}, std::pair{1, 7}, std::pair{1, 1}, std::pair{2, 4}, std::pair{4, 2}})
        for (int channels : {1, 3, 4}) {
            CAPTURE(w, h, channels);
            const auto thin = random_image<float>(w, h, channels, 27);
            for (float angle : {20.0f, -65.0f, 90.0f}) {
                const auto turned_thin = rotated(thin, angle, 0.25f);
                for (int c = 0; c < channels; ++c) {
                    ias::image<float> plane(thin.view().channel(c));
                    const auto turned_plane = rotated(plane, angle, 0.25f);
                    for (int y = 0; y < h; ++y)
                        for (int x = 0; x < w; ++x) REQUIRE(turned_thin(x, y, c) == Approx(turned_plane(x, y)).margin(1e-5));
                }
            }
        }
}

TEST_CASE("colour_ops: rotate moves mask and foreground and recomputes the label", "[colour_ops]") {
    const auto bytes = random_image<std::uint8_t>(9, 7, 3, 19);
    ias::sample s = annotated(bytes, 1, 2, 3, 1);
    ias::rotate{}.apply(s, {180.0f});
    const auto& out = s.image.get<std::uint8_t>();
    for (int y = 0; y < 7; ++y)
        for (int x = 0; x < 9; ++x)
            for (int c = 0; c < 3; ++c) REQUIRE(out(8 - x, 6 - y, c) == bytes(x, y, c));
    CHECK(s.mask(7, 4) == Approx(1.0f).margin(1e-5));
    CHECK(s.foreground(5, 5) == Approx(1.0f).margin(1e-5));
    CHECK(s.mask(1, 2) == Approx(0.0f).margin(1e-5));
    CHECK(s.label == 1);

    // A defect in the corner turns out of the image: mask empty, label 0; fill only in the image.
    ias::sample corner = annotated(ias::image<float>(15, 15, 3, 0.5f), 0, 0, 7, 7);
    corner.foreground.fill(1.0f);
    ias::rotate({.fill = 1.0f}).apply(corner, {45.0f});
    CHECK(corner.label == 0);
    for (std::size_t i = 0; i < corner.mask.size(); ++i) REQUIRE(corner.mask.data()[i] == 0.0f);
    CHECK(corner.foreground(0, 0) == 0.0f);
    CHECK(corner.foreground(7, 7) == Approx(1.0f).margin(1e-6));
    CHECK(corner.image.get<float>()(0, 0, 1) == 1.0f);
    CHECK(corner.image.get<float>()(7, 7, 1) == Approx(0.5f).margin(1e-6));

    ias::sample grey(random_image<std::uint8_t>(9, 9, 1, 20));
    ias::rotate({.fill = 1.0f}).apply(grey, {45.0f});
    CHECK(grey.image.get<std::uint8_t>()(0, 0) == 255);
    for (std::uint64_t i = 0; i < 100; ++i) {
        ias::rng_stream rng(21, i);
        REQUIRE(ias::rotate({.angle = {-10.0f, 30.0f}}).sample_params(rng, ias::sample{}).angle == Approx(10).margin(20));
    }
}

TEST_CASE("colour_ops: flips mirror image mask and foreground", "[colour_ops]") {
    const int channels = GENERATE(1, 3, 4);
    const auto im = random_image<float>(37, 23, channels, 22);
    auto h = im, v = im;
    ias::fn::flip_horizontal(h.view());
    ias::fn::flip_vertical(v.view());
    for (int y = 0; y < 23; ++y)
        for (int x = 0; x < 37; ++x)
            for (int c = 0; c < channels; ++c) {
                REQUIRE(h(36 - x, y, c) == im(x, y, c));
                REQUIRE(v(x, 22 - y, c) == im(x, y, c));
            }
    ias::fn::flip_horizontal(h.view());
    ias::fn::flip_vertical(v.view());
    CHECK(h == im);
    CHECK(v == im);

    const auto bytes = random_image<std::uint8_t>(37, 23, channels, 23);
    ias::rng_stream rng(24, 0);
    ias::sample horizontal = annotated(bytes, 0, 5, 2, 3), vertical = annotated(bytes, 0, 5, 2, 3);
    ias::run(ias::flip_horizontal{}, horizontal, rng);
    ias::run(ias::flip_vertical{}, vertical, rng);
    CHECK(horizontal.mask(36, 5) == 1.0f);
    CHECK(horizontal.foreground(34, 3) == 1.0f);
    CHECK(vertical.mask(0, 17) == 1.0f);
    CHECK(vertical.foreground(2, 19) == 1.0f);
    CHECK((horizontal.label == 1 && vertical.label == 1));
    for (int c = 0; c < channels; ++c) {
        CHECK(horizontal.image.get<std::uint8_t>()(36, 4, c) == bytes(0, 4, c));
        CHECK(vertical.image.get<std::uint8_t>()(5, 22, c) == bytes(5, 0, c));
    }
}

TEST_CASE("colour_ops: texture op recipes pick distinct ops", "[colour_ops]") {
    check_texture_ops(ias::recipes::draem_texture_ops(3),
                      {"gamma_contrast", "multiply_add_brightness", "sharpness", "hue_saturation", "solarize", "posterize",
                       "invert", "autocontrast", "equalize", "rotate"},
                      3);
    check_texture_ops(ias::recipes::glass_texture_ops(3),
                      {"contrast", "brightness", "saturation_hue", "flip_horizontal", "flip_vertical", "grayscale",
                       "autocontrast", "equalize", "rotate"},
                      3);
    CHECK(ias::recipes::draem_texture_ops().count() == 3);
    CHECK(ias::recipes::draem_texture_ops(10).count() == 10);
    CHECK(ias::recipes::glass_texture_ops(0).count() == 0);
    CHECK_THROWS_AS(ias::recipes::draem_texture_ops(11), std::invalid_argument);
    CHECK_THROWS_AS(ias::recipes::draem_texture_ops(-1), std::invalid_argument);
    CHECK_THROWS_AS(ias::recipes::glass_texture_ops(10), std::invalid_argument);
    CHECK_THROWS_AS(ias::recipes::glass_texture_ops(-1), std::invalid_argument);
}

TEST_CASE("colour_ops: settings are validated naming the field", "[colour_ops]") {
    CHECK_NOTHROW(ias_test::for_each_colour_op([](const auto&) {}));  // the defaults are allowed
    CHECK_NOTHROW(ias::rotate{});
    check_rejects<ias::gamma_contrast>({.gamma = {2.0f, 1.0f}}, "gamma");
    check_rejects<ias::gamma_contrast>({.gamma = {std::nanf(""), 2.0f}}, "gamma");
    check_rejects<ias::multiply_add_brightness>({.add = {-2.0f, 30.0f / 255.0f}}, "add");
    check_rejects<ias::multiply_add_brightness>({.multiply = {-0.5f, 1.2f}}, "multiply");
    check_rejects<ias::sharpness>({.factor = {3.0f, 2.0f}}, "factor");
    check_rejects<ias::hue_saturation>({.hue = {-50.0f / 255.0f, 2.0f}}, "hue");
    check_rejects<ias::hue_saturation>({.saturation = {0.5f, 0.1f}}, "saturation");
    check_rejects<ias::solarize>({.probability = 1.5f}, "probability");
    check_rejects<ias::solarize>({.threshold = {0.6f, 0.5f}}, "threshold");
    check_rejects<ias::posterize>({.bits = {0, 8}}, "bits");
    check_rejects<ias::posterize>({.bits = {1, 9}}, "bits");
    check_rejects<ias::autocontrast>({.cutoff = {0.0f, 60.0f}}, "cutoff");
    check_rejects<ias::contrast>({.factor = {2.0f, 1.0f}}, "factor");
    check_rejects<ias::brightness>({.factor = {0.8f, std::numeric_limits<float>::infinity()}}, "factor");
    check_rejects<ias::saturation_hue>({.hue = {-0.7f, 0.2f}}, "hue");
    check_rejects<ias::rotate>({.fill = 2.0f}, "fill");
    check_rejects<ias::rotate>({.angle = {10.0f, -10.0f}}, "angle");
    check_rejects<ias::rotate>({.angle = {-45.0f, 400.0f}}, "angle");
}
