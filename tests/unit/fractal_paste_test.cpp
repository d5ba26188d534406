// SPDX-License-Identifier: MIT
// fractal_paste (FractalAD's FAG, METHODS §2.10): bytes outside the mask, the mask as the dilated
// footprint, the published size rules, determinism and replay, pixel types, grey, object-aware mode.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <type_traits>
#include <utility>

#include <ias/fn/shapes.hpp>
#include <ias/fn/warp.hpp>
#include <ias/transforms/colour_jitter.hpp>
#include <ias/transforms/fractal_paste.hpp>

namespace {

/// A textured image: every element differs from its neighbours, so that any paste shows.
template <class T>
ias::image<T> textured(int w, int h, int channels, std::uint32_t salt = 0) {
    ias::image<T> im(w, h, channels);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < channels; ++c) {
                const std::uint32_t v = (std::uint32_t(x) * 37u + std::uint32_t(y) * 101u + std::uint32_t(c) * 59u + salt) % 251u;
                if constexpr (std::is_same_v<T, float>)
                    im(x, y, c) = float(v) / 250.0f;
                else
                    im(x, y, c) = std::uint8_t(v);
            }
    return im;
}

/// The paste footprint of `p` recomputed from its parts (rotated all-one alpha × fractal,
/// placed at the target and clipped), then dilated `dilation` times by a 3×3 square with a
/// plain neighbourhood loop.
ias::image<float> expected_mask(const ias::fractal_paste& t, const ias::fractal_paste::params_type& p, int w, int h) {
    ias::image<float> mask(w, h, 1, 0.0f);
    const int c = p.size;
    ias::image<float> ones(c, c, 1, 1.0f), alpha(c, c, 1, 0.0f), fractal(c, c, 1, 0.0f);
    ias::fn::rotate(std::as_const(ones).view(), alpha.view(), p.angle * std::numbers::pi_v<float> / 180.0f, 0.0f);
    ias::fn::ifs_fractal(fractal.view(), p.maps, t.settings().iterations, p.chaos_seed);
    for (int j = 0; j < c; ++j)
        for (int i = 0; i < c; ++i) {
            const int x = p.target_x + i, y = p.target_y + j;
            if (x >= 0 && y >= 0 && x < w && y < h && alpha(i, j) > 0.0f && fractal(i, j) > 0.0f) mask(x, y) = 1.0f;
        }
    for (int k = 0; k < t.settings().dilation; ++k) {
        ias::image<float> next(w, h, 1, 0.0f);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                for (int dy = -1; dy <= 1; ++dy)
                    for (int dx = -1; dx <= 1; ++dx) {
                        const int u = x + dx, v = y + dy;
                        if (u >= 0 && v >= 0 && u < w && v < h && mask(u, v) > 0.0f) next(x, y) = 1.0f;
                    }
        mask = next;
    }
    return mask;
}

template <class T>
bool pixel_differs(const ias::image<T>& a, const ias::image<T>& b, int x, int y) {
    for (int c = 0; c < a.channels(); ++c)
        if (a(x, y, c) != b(x, y, c)) return true;
    return false;
}

}  // namespace

TEMPLATE_TEST_CASE("fractal_paste: bytes outside the mask are kept and the mask is the dilated footprint", "[fractal_paste]",
                   std::uint8_t, float) {
    const int channels = GENERATE(1, 3, 4);
    const float noise_probability = GENERATE(0.0f, 1.0f);
    const ias::fractal_paste t({.iterations = 5000, .noise_probability = noise_probability, .global_jitter = 0.0f});
    int changed_samples = 0;
    for (std::uint64_t i = 0; i < 12; ++i) {
        const int w = 96 + int(i % 3) * 17, h = 80 + int(i % 2) * 31;
        CAPTURE(channels, noise_probability, i, w, h);
        const ias::image<TestType> before = textured<TestType>(w, h, channels, std::uint32_t(i));
        ias::sample s(before);
        ias::rng_stream rng(5, i);
        const auto p = t.sample_params(rng, s);
        t.apply(s, p);
        const auto& after = s.image.get<TestType>();
        REQUIRE(s.mask.width() == w);
        REQUIRE(s.mask.height() == h);
        REQUIRE(s.mask == expected_mask(t, p, w, h));
        REQUIRE(s.label == (ias::any_positive(s.mask) ? 1 : 0));
        REQUIRE(s.label == 1);
        s.validate();
        // Without noise the changes lie on the undilated footprint, with it inside the mask.
        const ias::image<float> footprint = expected_mask(ias::fractal_paste({.iterations = t.settings().iterations, .dilation = 0}), p, w, h);
        int changed = 0, changed_outside_mask = 0, changed_outside_footprint = 0, not_binary = 0;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const float m = s.mask(x, y);
                not_binary += m != 0.0f && m != 1.0f;
                if (!pixel_differs(before, after, x, y)) continue;
                ++changed;
                changed_outside_mask += m != 1.0f;
                changed_outside_footprint += footprint(x, y) != 1.0f;
            }
        REQUIRE(not_binary == 0);
        REQUIRE(changed_outside_mask == 0);
        if (!p.noise) REQUIRE(changed_outside_footprint == 0);
        changed_samples += changed > 0;
    }
    CHECK(changed_samples >= 10);
}

TEST_CASE("fractal_paste: parameters follow the published rules", "[fractal_paste]") {
    const ias::fractal_paste t{};
    const int w = 300, h = 200, n = 3000;
    const ias::sample s(ias::image<std::uint8_t>(w, h, 3));
    double size_sum = 0;
    int below_middle = 0, flips_h = 0, flips_v = 0, noise = 0;
    std::array<int, 3> kinds{};
    for (int i = 0; i < n; ++i) {
        ias::rng_stream rng(21, std::uint64_t(i));
        const auto p = t.sample_params(rng, s);
        const double fraction = double(p.size) / 200.0;
        REQUIRE(p.size >= 20);
        REQUIRE(p.size <= 100);
        size_sum += fraction;
        below_middle += fraction < 0.3;
        // Source and target boxes lie in the central 10%–90% of each axis.
        for (const auto& [x, y] : {std::pair{p.source_x, p.source_y}, std::pair{p.target_x, p.target_y}}) {
            REQUIRE(x >= 30);
            REQUIRE(x + p.size <= 270);
            REQUIRE(y >= 20);
            REQUIRE(y + p.size <= 180);
        }
        REQUIRE(p.angle >= 15.0f);
        REQUIRE(p.angle < 75.0f);
        kinds[std::size_t(p.jitter)] += 1;
        switch (p.jitter) {
            case ias::fractal_paste::jitter_kind::mild:
                REQUIRE(std::abs(p.patch.brightness - 1.0f) <= 0.2f);
                REQUIRE(std::abs(p.patch.contrast - 1.0f) <= 0.2f);
                REQUIRE(std::abs(p.patch.saturation - 1.0f) <= 0.2f);
                REQUIRE(std::abs(p.patch.hue) <= 0.2f);
                break;
            case ias::fractal_paste::jitter_kind::strong:
                REQUIRE((p.patch.brightness >= 0.0f && p.patch.brightness <= 2.0f));
                REQUIRE((p.patch.contrast >= 0.0f && p.patch.contrast <= 2.0f));
                REQUIRE(p.patch.saturation == 1.0f);
                REQUIRE(p.patch.hue == 0.0f);
                break;
            case ias::fractal_paste::jitter_kind::channel_change:
                REQUIRE(p.channels[0] != p.channels[1]);
                REQUIRE((p.channels[0] >= 0 && p.channels[0] < 3 && p.channels[1] >= 0 && p.channels[1] < 3));
                REQUIRE((p.gains[0] >= 0.0f && p.gains[0] < 2.0f && p.gains[1] >= 0.0f && p.gains[1] < 2.0f));
                break;
        }
        REQUIRE(std::abs(p.global.brightness - 1.0f) <= 0.05f);
        REQUIRE(std::abs(p.global.hue) <= 0.05f);
        flips_h += p.flip_horizontal;
        flips_v += p.flip_vertical;
        noise += p.noise;
    }
    // c ~ U[0.1, 0.5]·min(W, H): mean 0.3, half below 0.3 (bands of 5 standard deviations).
    CHECK(size_sum / n == Approx(0.3).margin(5 * 0.1155 / std::sqrt(double(n))));
    const double half_band = 5 * 0.5 / std::sqrt(double(n));
    CHECK(double(below_middle) / n == Approx(0.5).margin(half_band));
    CHECK(double(flips_h) / n == Approx(0.5).margin(half_band));
    CHECK(double(flips_v) / n == Approx(0.5).margin(half_band));
    CHECK(double(noise) / n == Approx(0.5).margin(half_band));
    for (const int k : kinds) CHECK(double(k) / n == Approx(1.0 / 3).margin(5 * 0.4714 / std::sqrt(double(n))));
}

TEMPLATE_TEST_CASE("fractal_paste: same seed and index give the same bytes and a trace replays them", "[fractal_paste]", std::uint8_t,
                   float) {
    const int channels = GENERATE(1, 3, 4);
    const ias::fractal_paste t({.iterations = 5000});
    for (std::uint64_t i = 0; i < 6; ++i) {
        CAPTURE(channels, i);
        const ias::image<TestType> normal = textured<TestType>(120, 90, channels);
        ias::sample traced(normal);
        traced.trace.emplace();
        ias::rng_stream rng(33, i);
        ias::run(t, traced, rng);
        REQUIRE(traced.trace->size() == 1);
        REQUIRE(traced.trace->entries()[0].stage == "fractal_paste");

        ias::sample plain(normal);
        ias::rng_stream again(33, i);
        ias::run(t, plain, again);
        REQUIRE(plain.image.get<TestType>() == traced.image.get<TestType>());
        REQUIRE(plain.mask == traced.mask);
        REQUIRE(plain.label == traced.label);

        ias::sample replayed(normal);
        ias::replay(t, replayed, *traced.trace);
        REQUIRE(replayed.image.get<TestType>() == traced.image.get<TestType>());
        REQUIRE(replayed.mask == traced.mask);
        REQUIRE(replayed.label == traced.label);

        ias::sample other(normal);
        ias::rng_stream next(33, i + 100);
        ias::run(t, other, next);
        CHECK(other.image.get<TestType>() != traced.image.get<TestType>());
    }
}

TEMPLATE_TEST_CASE("fractal_paste: the global jitter is colour_jitter with the recorded factors on the whole image", "[fractal_paste]",
                   std::uint8_t, float) {
    const ias::fractal_paste t({.iterations = 5000});
    const ias::image<TestType> normal = textured<TestType>(100, 70, 3);
    for (std::uint64_t i = 0; i < 5; ++i) {
        ias::sample s(normal);
        ias::rng_stream rng(8, i);
        auto p = t.sample_params(rng, s);
        REQUIRE(!(p.global.brightness == 1.0f && p.global.contrast == 1.0f));
        t.apply(s, p);
        ias::sample split(normal);
        const auto global = p.global;
        p.global = {};
        t.apply(split, p);
        ias::colour_jitter{}.apply(split, global);
        REQUIRE(split.image.get<TestType>() == s.image.get<TestType>());
        REQUIRE(split.mask == s.mask);
    }
}

TEMPLATE_TEST_CASE("fractal_paste: the noise inside the mask has a standard deviation of 10 grey levels", "[fractal_paste]",
                   std::uint8_t, float) {
    const ias::fractal_paste t({.iterations = 5000, .noise_probability = 1.0f, .global_jitter = 0.0f});
    const TestType grey = std::is_same_v<TestType, float> ? TestType(0.5f) : TestType(128);
    const ias::image<TestType> flat(160, 160, 3, grey);
    double sum = 0, sum2 = 0;
    long count = 0;
    for (std::uint64_t i = 0; i < 6; ++i) {
        ias::sample s(flat);
        ias::rng_stream rng(4, i);
        auto p = t.sample_params(rng, s);
        p.jitter = ias::fractal_paste::jitter_kind::mild;
        p.patch = {};  // the identity: the pasted patch is the flat grey
        REQUIRE(p.noise);
        t.apply(s, p);
        const auto& im = s.image.get<TestType>();
        for (int y = 0; y < 160; ++y)
            for (int x = 0; x < 160; ++x)
                for (int c = 0; c < 3; ++c) {
                    const double d = std::is_same_v<TestType, float> ? (double(im(x, y, c)) - 0.5) * 255.0 : double(im(x, y, c)) - 128.0;
                    if (s.mask(x, y) == 0.0f) {
                        REQUIRE(d == 0.0);
                        continue;
                    }
                    sum += d;
                    sum2 += d * d;
                    ++count;
                }
        // Without the noise the flat patch pastes onto the flat image without a trace.
        ias::sample quiet(flat);
        p.noise = false;
        t.apply(quiet, p);
        const auto& kept = quiet.image.get<TestType>();
        for (std::size_t k = 0; k < kept.size(); ++k) REQUIRE(double(kept.data()[k]) == Approx(double(grey)).margin(1e-6));
        REQUIRE(quiet.label == 1);
    }
    REQUIRE(count > 2000);
    const double mean = sum / double(count), sd = std::sqrt(sum2 / double(count) - mean * mean);
    CHECK(mean == Approx(0.0).margin(0.5));
    CHECK(sd == Approx(10.0).epsilon(0.05));  // uint8 rounding adds 1/12 level² of variance
}

TEMPLATE_TEST_CASE("fractal_paste: the pasted pixels are the source patch moved with the recorded flips", "[fractal_paste]",
                   std::uint8_t, float) {
    const ias::fractal_paste t({.iterations = 5000, .noise_probability = 0.0f, .global_jitter = 0.0f});
    const int w = 90, h = 70, channels = GENERATE(1, 3);
    const ias::image<TestType> before = textured<TestType>(w, h, channels, 5);
    for (std::uint64_t i = 0; i < 8; ++i) {
        CAPTURE(channels, i);
        ias::sample s(before);
        ias::rng_stream rng(17, i);
        auto p = t.sample_params(rng, s);
        p.jitter = ias::fractal_paste::jitter_kind::mild;
        p.patch = {};     // no colour change
        p.angle = 0.0f;  // no turn: alpha 1 on the whole patch
        p.flip_horizontal = i % 2 == 1;
        p.flip_vertical = i / 2 % 2 == 1;
        t.apply(s, p);
        const ias::image<float> footprint = expected_mask(ias::fractal_paste({.iterations = t.settings().iterations, .dilation = 0}), p, w, h);
        const auto& after = s.image.get<TestType>();
        const int c = p.size;
        int pasted = 0, wrong = 0;
        for (int j = 0; j < c; ++j)
            for (int k = 0; k < c; ++k) {
                const int x = p.target_x + k, y = p.target_y + j;
                if (x < 0 || y < 0 || x >= w || y >= h || footprint(x, y) == 0.0f) continue;
                ++pasted;
                const int sx = p.source_x + (p.flip_horizontal ? c - 1 - k : k), sy = p.source_y + (p.flip_vertical ? c - 1 - j : j);
                for (int ch = 0; ch < channels; ++ch)
                    wrong += std::abs(double(after(x, y, ch)) - double(before(sx, sy, ch))) > (std::is_same_v<TestType, float> ? 1e-6 : 0.0);
            }
        CHECK(pasted > 0);
        REQUIRE(wrong == 0);
    }
}

TEST_CASE("fractal_paste: channel change scales the chosen channels and grey images their one channel", "[fractal_paste]") {
    const ias::fractal_paste t({.iterations = 5000, .noise_probability = 0.0f, .global_jitter = 0.0f});
    SECTION("colour") {
        const ias::image<float> flat(80, 80, 3, 0.0f);
        ias::image<float> start = flat;
        for (int y = 0; y < 80; ++y)
            for (int x = 0; x < 80; ++x) {
                start(x, y, 0) = 0.2f;
                start(x, y, 1) = 0.4f;
                start(x, y, 2) = 0.6f;
            }
        ias::sample s(start);
        ias::rng_stream rng(2, 0);
        auto p = t.sample_params(rng, s);
        p.jitter = ias::fractal_paste::jitter_kind::channel_change;
        p.channels = {0, 2};
        p.gains = {2.0f, 0.5f};
        p.angle = 0.0f;  // alpha 1 on the whole patch: pasted pixels take the patch's colour exactly
        t.apply(s, p);
        const auto& im = s.image.get<float>();
        int pasted = 0;
        for (int y = 0; y < 80; ++y)
            for (int x = 0; x < 80; ++x) {
                if (im(x, y, 0) == 0.2f) {
                    REQUIRE(im(x, y, 1) == 0.4f);
                    REQUIRE(im(x, y, 2) == 0.6f);
                    continue;
                }
                ++pasted;
                REQUIRE(s.mask(x, y) == 1.0f);
                CHECK(im(x, y, 0) == Approx(0.4f));
                CHECK(im(x, y, 1) == Approx(0.4f));
                CHECK(im(x, y, 2) == Approx(0.3f));
            }
        CHECK(pasted > 10);
    }
    SECTION("grey") {
        ias::sample s(ias::image<std::uint8_t>(80, 80, 1, 200));
        ias::rng_stream rng(2, 1);
        auto p = t.sample_params(rng, s);
        p.jitter = ias::fractal_paste::jitter_kind::channel_change;
        p.channels = {0, -1};
        p.gains = {0.5f, 7.0f};
        p.angle = 0.0f;
        t.apply(s, p);
        const auto& im = s.image.get<std::uint8_t>();
        int pasted = 0;
        for (int y = 0; y < 80; ++y)
            for (int x = 0; x < 80; ++x) {
                REQUIRE((im(x, y) == 200 || im(x, y) == 100));
                pasted += im(x, y) == 100;
            }
        CHECK(pasted > 10);
    }
    SECTION("grey images draw one channel") {
        const ias::sample grey(ias::image<float>(64, 64, 1));
        int changes = 0;
        for (std::uint64_t i = 0; i < 300; ++i) {
            ias::rng_stream rng(6, i);
            const auto p = t.sample_params(rng, grey);
            if (p.jitter != ias::fractal_paste::jitter_kind::channel_change) continue;
            ++changes;
            REQUIRE(p.channels[0] == 0);
            REQUIRE(p.channels[1] == -1);
        }
        CHECK(changes > 50);
    }
}

TEST_CASE("fractal_paste: with a foreground the paste centre lies on it and the source box touches it", "[fractal_paste]") {
    const int w = 128, h = 96;
    // An object on the right: a disc that the central region barely reaches.
    ias::image<float> fg(w, h, 1, 0.0f);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            if ((x - 105) * (x - 105) + (y - 70) * (y - 70) <= 15 * 15) fg(x, y) = 1.0f;
    const ias::fractal_paste t({.iterations = 5000});
    SECTION("paste centre and source box") {
        for (std::uint64_t i = 0; i < 40; ++i) {
            CAPTURE(i);
            ias::sample s(textured<std::uint8_t>(w, h, 3));
            s.foreground = fg;
            s.trace.emplace();
            ias::rng_stream rng(13, i);
            ias::run(t, s, rng);
            const auto& p = s.trace->entries()[0].params_as<ias::fractal_paste::params_type>();
            const int cx = p.target_x + p.size / 2, cy = p.target_y + p.size / 2;
            REQUIRE((cx >= 0 && cy >= 0 && cx < w && cy < h));
            REQUIRE(fg(cx, cy) == 1.0f);
            bool touches = false;
            for (int y = p.source_y; y < p.source_y + p.size; ++y)
                for (int x = p.source_x; x < p.source_x + p.size; ++x) touches |= fg(x, y) > 0.5f;
            REQUIRE(touches);
            REQUIRE((p.source_x >= 0 && p.source_y >= 0 && p.source_x + p.size <= w && p.source_y + p.size <= h));
            REQUIRE(s.label == (ias::any_positive(s.mask) ? 1 : 0));
            ias::sample replayed(textured<std::uint8_t>(w, h, 3));
            replayed.foreground = fg;
            ias::replay(t, replayed, *s.trace);
            REQUIRE(replayed.image.get<std::uint8_t>() == s.image.get<std::uint8_t>());
            REQUIRE(replayed.mask == s.mask);
        }
    }
    SECTION("object_aware = false and an empty foreground use the central region") {
        for (const bool aware : {false, true}) {
            ias::sample s(textured<std::uint8_t>(w, h, 3));
            s.foreground = aware ? ias::image<float>(w, h, 1, 0.0f) : fg;
            const ias::fractal_paste central({.object_aware = aware});
            for (std::uint64_t i = 0; i < 40; ++i) {
                ias::rng_stream rng(14, i);
                const auto p = central.sample_params(rng, s);
                REQUIRE((p.target_x >= 13 && p.target_x + p.size <= 115 && p.target_y >= 10 && p.target_y + p.size <= 86));
            }
        }
    }
    SECTION("a foreground of another size is an error") {
        ias::sample s(textured<std::uint8_t>(w, h, 3));
        s.foreground = ias::image<float>(w - 1, h, 1, 1.0f);
        ias::rng_stream rng(1, 0);
        CHECK_THROWS_AS(t.sample_params(rng, s), ias::error);
    }
}

TEST_CASE("fractal_paste: tiny images and replay on another size stay inside the image", "[fractal_paste]") {
    const ias::fractal_paste t({.iterations = 2000});
    for (const auto& size : {std::pair{1, 1}, std::pair{3, 40}, std::pair{40, 2}, std::pair{7, 7}}) {
        for (std::uint64_t i = 0; i < 8; ++i) {
            ias::sample s(ias::image<float>(size.first, size.second, 3, 0.25f));
            ias::rng_stream rng(3, i);
            ias::run(t, s, rng);
            REQUIRE(s.mask.width() == size.first);
            REQUIRE(s.label == (ias::any_positive(s.mask) ? 1 : 0));
            s.validate();
        }
    }
    // Params of a large image on a small one paste nothing (the source box is outside it).
    ias::sample big(ias::image<std::uint8_t>(200, 200, 3, 90)), small(ias::image<std::uint8_t>(30, 30, 3, 90));
    ias::rng_stream rng(3, 99);
    auto p = t.sample_params(rng, big);
    p.source_x = 150;
    p.global = {};
    t.apply(small, p);
    CHECK(small.label == 0);
    CHECK(!ias::any_positive(small.mask));
    CHECK(small.image.get<std::uint8_t>() == ias::image<std::uint8_t>(30, 30, 3, 90));
}

TEST_CASE("fractal_paste: validation names the field", "[fractal_paste]") {
    CHECK_THROWS_WITH(ias::fractal_paste({.size = {0.6f, 0.5f}}), Catch::Contains("ias::fractal_paste: parameter 'size' is [0.6, 0.5]"));
    CHECK_THROWS_WITH(ias::fractal_paste({.patch_jitter = 0.7f}), Catch::Contains("parameter 'patch_jitter' is 0.7"));
    CHECK_THROWS_WITH(ias::fractal_paste({.dilation = -1}), Catch::Contains("parameter 'dilation' is -1"));
    CHECK_THROWS_WITH(ias::fractal_paste({.iterations = -5}), Catch::Contains("parameter 'iterations' is -5"));
    CHECK_THROWS_WITH(ias::fractal_paste({.noise_probability = 2.0f}), Catch::Contains("parameter 'noise_probability' is 2"));
    CHECK_THROWS_WITH(ias::fractal_paste({.global_jitter = -0.1f}), Catch::Contains("parameter 'global_jitter' is -0.1"));
    CHECK_THROWS_AS(ias::fractal_paste({.angle = {80.0f, 75.0f}}), std::invalid_argument);
    STATIC_REQUIRE(ias::parametrised_transform<ias::fractal_paste>);
}
