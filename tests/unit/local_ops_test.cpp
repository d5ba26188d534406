// SPDX-License-Identifier: MIT
// Dynamic local augmentation (METHODS §8.1): local_op, the five local changes, weighted_choice.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <ias/core/pipeline.hpp>
#include <ias/transforms/local_ops.hpp>

#include "test_transforms.hpp"

namespace {

using ias_test::random_image;

/// True when pixel (x, y) has the same bytes in both images.
template <class T>
bool same_pixel(const ias::image<T>& a, const ias::image<T>& b, int x, int y) {
    return std::memcmp(&a(x, y, 0), &b(x, y, 0), sizeof(T) * std::size_t(a.channels())) == 0;
}

/// The pixels where `after` differs from `before` inside and outside `inside(x, y)`.
struct changes {
    int inside = 0;
    int outside = 0;
};
template <class T, class Inside>
changes count_changes(const ias::image<T>& before, const ias::image<T>& after, Inside&& inside) {
    changes n;
    for (int y = 0; y < before.height(); ++y)
        for (int x = 0; x < before.width(); ++x)
            if (!same_pixel(before, after, x, y)) (inside(x, y) ? n.inside : n.outside)++;
    return n;
}

/// The five local changes, with the preset's colour jitter.
const auto five_ops = std::tuple{ias::gaussian_blur{}, ias::gaussian_noise{},
                                 ias::colour_jitter({.brightness = 0.4f, .contrast = 0.4f, .saturation = 0.4f, .hue = 0.1f}),
                                 ias::rotate_content{}, ias::elastic_deform{}};

/// Sets the sample's label to `k`: shows which branch of a choice ran.
struct mark {
    int k;
    void operator()(ias::sample& s, ias::rng_stream&) const { s.label = k; }
};

/// Pearson's chi-square statistic of `counts` against `n` draws with probabilities `p`
/// (categories of probability 0 must have count 0 and are skipped).
double chi_square(const std::vector<int>& counts, const std::vector<double>& p, int n) {
    double x2 = 0.0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        if (p[i] == 0.0) continue;
        const double expected = p[i] * n;
        x2 += (counts[i] - expected) * (counts[i] - expected) / expected;
    }
    return x2;
}

/// Runs `t` on a fresh sample of `pixels` for `draws` indices and counts the labels set by `mark`.
template <class T>
std::vector<int> label_counts(const T& t, int categories, int draws, std::uint64_t seed) {
    std::vector<int> counts(std::size_t(categories), 0);
    for (int i = 0; i < draws; ++i) {
        ias::sample s(ias::image<std::uint8_t>(4, 4, 1));
        ias::rng_stream rng(seed, std::uint64_t(i));
        t(s, rng);
        counts[std::size_t(s.label)]++;
    }
    return counts;
}

using choice_params = std::remove_cvref_t<decltype(std::declval<ias::dynamic_local_augmentation>().op())>::params_type;

template <class T>
const ias::image<T>& pixels(const ias::sample& s) {
    return s.image.get<T>();
}

}  // namespace

TEMPLATE_TEST_CASE("local_op: each of the five local changes leaves every pixel outside its box bit-identical", "[local_ops]",
                   std::uint8_t, float) {
    const int channels = GENERATE(1, 3, 4);
    const auto size = GENERATE(std::pair{64, 48}, std::pair{23, 71});
    std::apply(
        [&](const auto&... op) {
            (
                [&](const auto& o) {
                    using Op = std::remove_cvref_t<decltype(o)>;
                    const ias::local_op t(o);
                    for (std::uint64_t seed = 0; seed < 6; ++seed) {
                        CAPTURE(Op::name, channels, size.first, size.second, seed);
                        const auto original = random_image<TestType>(size.first, size.second, channels, 100 + seed);
                        ias::sample s{ias::image<TestType>(original)};
                        s.trace.emplace();
                        ias::rng_stream rng(seed, 3);
                        ias::run(t, s, rng);

                        // The trace: the box, then the operation's own parameters.
                        REQUIRE(s.trace->size() >= 2);
                        REQUIRE(s.trace->entries()[0].stage == "local_op");
                        REQUIRE(s.trace->entries()[1].stage == Op::name);
                        const auto& box = s.trace->entries()[0].params_as<typename ias::local_op<Op>::params_type>();
                        auto in_box = [&](int x, int y) {
                            return x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height;
                        };
                        // The CutPaste area rule, wholly inside the image.
                        const double area = double(box.width) * box.height / (double(size.first) * size.second);
                        CHECK(area >= 0.02 * 0.75);
                        CHECK(area <= 0.15 * 1.35);
                        REQUIRE((box.x >= 0 && box.y >= 0 && box.x + box.width <= size.first && box.y + box.height <= size.second));

                        // The mask is exactly the box, binary, and the label says so.
                        REQUIRE(s.mask.width() == size.first);
                        REQUIRE(s.mask.height() == size.second);
                        int mask_errors = 0;
                        for (int y = 0; y < size.second; ++y)
                            for (int x = 0; x < size.first; ++x) mask_errors += s.mask(x, y) != (in_box(x, y) ? 1.0f : 0.0f);
                        REQUIRE(mask_errors == 0);
                        REQUIRE(s.label == 1);
                        s.validate();

                        // Outside: the same bytes; inside: something changed.
                        const auto n = count_changes(original, pixels<TestType>(s), in_box);
                        REQUIRE(n.outside == 0);
                        CHECK(n.inside > 0);

                        // Deterministic per (seed, index), traced or not; and replayed exactly.
                        ias::sample again{ias::image<TestType>(original)};
                        ias::rng_stream rng2(seed, 3);
                        t(again, rng2);
                        REQUIRE(again.image == s.image);
                        REQUIRE(again.mask == s.mask);
                        ias::sample replayed{ias::image<TestType>(original)};
                        ias::replay(t, replayed, *s.trace);
                        REQUIRE(replayed.image == s.image);
                        REQUIRE(replayed.mask == s.mask);
                        REQUIRE(replayed.label == s.label);
                        // apply(sample_params) without a trace gives the same bytes too.
                        ias::sample applied{ias::image<TestType>(original)};
                        ias::rng_stream rng3(seed, 3);
                        t.apply(applied, t.sample_params(rng3, applied));
                        REQUIRE(applied.image == s.image);
                    }
                }(op),
                ...);
        },
        five_ops);
}

TEMPLATE_TEST_CASE("local_op: the region from the incoming mask is the mask and nothing outside it changes", "[local_ops]",
                   std::uint8_t, float) {
    const int channels = GENERATE(1, 3, 4);
    const ias::local_op t(ias::gaussian_noise({.sigma = {0.1f, 0.2f}}), {.region = ias::local_region::mask});
    const ias::ellipse_mask shape({.count = {1, 4}, .softness = 3.0f});
    for (std::uint64_t seed = 0; seed < 8; ++seed) {
        CAPTURE(channels, seed);
        const auto original = random_image<TestType>(80, 60, channels, seed);
        // The mask first, as a pipeline's stage 0 would make it.
        ias::sample s{ias::image<TestType>(original)};
        const ias::rng_stream root(seed, 5);
        ias::rng_stream stage0 = root.fork(0), stage1 = root.fork(1);
        ias::run(shape, s, stage0);
        const ias::image<float> soft = s.mask;
        REQUIRE(s.label == 1);
        t(s, stage1);

        // The mask is the soft mask's > 0.5 part, binary.
        int mask_errors = 0, region = 0;
        for (int y = 0; y < 60; ++y)
            for (int x = 0; x < 80; ++x) {
                const float want = soft(x, y) > 0.5f ? 1.0f : 0.0f;
                mask_errors += s.mask(x, y) != want;
                region += want > 0.0f;
            }
        REQUIRE(mask_errors == 0);
        REQUIRE(s.label == (region > 0 ? 1 : 0));
        const auto n = count_changes(original, pixels<TestType>(s), [&](int x, int y) { return s.mask(x, y) > 0.0f; });
        REQUIRE(n.outside == 0);
        CHECK(n.inside > region / 2);

        // The same as the pipeline `ellipse_mask | local_op`, which also replays.
        const auto p = shape | t;
        ias::sample piped{ias::image<TestType>(original)};
        piped.trace.emplace();
        ias::rng_stream rng(seed, 5);
        ias::run(p, piped, rng);
        REQUIRE(piped.image == s.image);
        REQUIRE(piped.mask == s.mask);
        ias::sample replayed{ias::image<TestType>(original)};
        ias::replay(p, replayed, *piped.trace);
        REQUIRE(replayed.image == s.image);
        REQUIRE(replayed.mask == s.mask);
    }
}

TEST_CASE("local_op: working in float gives the same bytes for the five local changes on uint8 images", "[local_ops]") {
    const int channels = GENERATE(1, 3, 4);
    std::apply(
        [&](const auto&... op) {
            (
                [&](const auto& o) {
                    const ias::local_op native(o), in_float(o, {.work_in_float = true});
                    for (std::uint64_t seed = 0; seed < 5; ++seed) {
                        CAPTURE(std::remove_cvref_t<decltype(o)>::name, channels, seed);
                        const auto original = random_image<std::uint8_t>(57, 43, channels, 40 + seed);
                        ias::sample a{ias::image<std::uint8_t>(original)}, b{ias::image<std::uint8_t>(original)};
                        ias::rng_stream ra(seed, 9), rb(seed, 9);
                        native(a, ra);
                        in_float(b, rb);
                        REQUIRE(a.image.holds<std::uint8_t>());
                        REQUIRE(b.image.holds<std::uint8_t>());
                        REQUIRE(a.image == b.image);
                        REQUIRE(a.mask == b.mask);
                    }
                }(op),
                ...);
        },
        five_ops);
}

TEST_CASE("local_op: an empty incoming mask changes nothing and gives label 0", "[local_ops]") {
    const ias::local_op t(ias::gaussian_blur{}, {.region = ias::local_region::mask});
    const auto original = random_image<std::uint8_t>(30, 20, 3, 1);
    ias::sample s{ias::image<std::uint8_t>(original)};
    s.label = 1;
    s.trace.emplace();
    ias::rng_stream rng(1, 1);
    ias::run(t, s, rng);
    CHECK(s.image.get<std::uint8_t>() == original);
    CHECK(s.label == 0);
    CHECK_FALSE(ias::any_positive(s.mask));
    CHECK(s.trace->size() == 1);  // the operation did not run
    ias::sample replayed{ias::image<std::uint8_t>(original)};
    ias::replay(t, replayed, *s.trace);
    CHECK(replayed.image == s.image);

    // A mask of the wrong size is an error.
    s.mask.resize(10, 10, 1, 1.0f);
    CHECK_THROWS_AS(t(s, rng), ias::error);
}

TEST_CASE("local_op: a box is clipped to the foreground and whole-image mode also keeps the outside", "[local_ops]") {
    const auto original = random_image<float>(64, 64, 3, 9);
    SECTION("foreground") {
        const ias::local_op t(ias::rotate_content{});
        int labelled = 0;
        for (std::uint64_t seed = 0; seed < 20; ++seed) {
            ias::sample s{ias::image<float>(original)};
            s.foreground.resize(64, 64, 1, 0.0f);
            for (int y = 0; y < 64; ++y)
                for (int x = 0; x < 32; ++x) s.foreground(x, y) = 1.0f;
            ias::rng_stream rng(seed, 0);
            t(s, rng);
            labelled += s.label;
            REQUIRE(s.label == (ias::any_positive(s.mask) ? 1 : 0));
            for (int y = 0; y < 64; ++y)
                for (int x = 32; x < 64; ++x) REQUIRE(s.mask(x, y) == 0.0f);
            const auto n = count_changes(original, pixels<float>(s), [&](int x, int y) { return s.mask(x, y) > 0.0f; });
            REQUIRE(n.outside == 0);
        }
        CHECK(labelled > 5);
    }
    SECTION("whole image") {
        const ias::local_op t(ias::rotate_content{}, {.whole_image = true});
        for (std::uint64_t seed = 0; seed < 10; ++seed) {
            ias::sample s{ias::image<float>(original)};
            s.trace.emplace();
            ias::rng_stream rng(seed, 0);
            ias::run(t, s, rng);
            REQUIRE(s.label == 1);
            const auto n = count_changes(original, pixels<float>(s), [&](int x, int y) { return s.mask(x, y) > 0.0f; });
            REQUIRE(n.outside == 0);
            CHECK(n.inside > 0);
            ias::sample replayed{ias::image<float>(original)};
            ias::replay(t, replayed, *s.trace);
            REQUIRE(replayed.image == s.image);
        }
    }
    SECTION("nested local operations") {
        const ias::local_op t(ias::local_op(ias::gaussian_noise{}), {.area = {0.3f, 0.5f}});
        for (std::uint64_t seed = 0; seed < 10; ++seed) {
            ias::sample s{ias::image<float>(original)};
            s.trace.emplace();
            ias::rng_stream rng(seed, 1);
            ias::run(t, s, rng);
            REQUIRE(s.trace->size() == 3);  // outer box, inner box, noise
            const auto n = count_changes(original, pixels<float>(s), [&](int x, int y) { return s.mask(x, y) > 0.0f; });
            REQUIRE(n.outside == 0);
            CHECK(n.inside > 0);
            // Only the inner box changed, and it is a small part of the outer one.
            CHECK(n.inside < 0.5 * 64 * 64 * 0.5);
            ias::sample replayed{ias::image<float>(original)};
            ias::replay(t, replayed, *s.trace);
            REQUIRE(replayed.image == s.image);
        }
    }
    SECTION("type-erased operation") {
        const ias::local_op t(ias::any_transform(ias::elastic_deform{}));
        ias::sample s{ias::image<float>(original)};
        ias::rng_stream rng(4, 4);
        t(s, rng);
        const auto n = count_changes(original, pixels<float>(s), [&](int x, int y) { return s.mask(x, y) > 0.0f; });
        REQUIRE(n.outside == 0);
        CHECK(n.inside > 0);
    }
}

TEST_CASE("local_op: tiny images work with every local change", "[local_ops]") {
    for (const auto& size : {std::pair{1, 1}, std::pair{2, 3}, std::pair{1, 7}, std::pair{9, 1}}) {
        const int w = size.first, h = size.second;  // clang 14 cannot capture structured bindings
        std::apply(
            [&](const auto&... op) {
                (
                    [&](const auto& o) {
                        const ias::local_op t(o, {.area = {0.5f, 1.0f}});
                        for (std::uint64_t seed = 0; seed < 4; ++seed) {
                            CAPTURE(std::remove_cvref_t<decltype(o)>::name, w, h, seed);
                            const auto original = random_image<std::uint8_t>(w, h, 3, seed);
                            ias::sample s{ias::image<std::uint8_t>(original)};
                            s.trace.emplace();
                            ias::rng_stream rng(seed, 0);
                            ias::run(t, s, rng);
                            REQUIRE(s.label == 1);
                            const auto n = count_changes(original, pixels<std::uint8_t>(s), [&](int x, int y) { return s.mask(x, y) > 0.0f; });
                            REQUIRE(n.outside == 0);
                            ias::sample replayed{ias::image<std::uint8_t>(original)};
                            ias::replay(t, replayed, *s.trace);
                            REQUIRE(replayed.image == s.image);
                            // Alone, on the whole image.
                            ias::sample whole{ias::image<float>(w, h, 4, 0.25f)};
                            ias::rng_stream rng2(seed, 0);
                            ias::run(o, whole, rng2);
                            REQUIRE(whole.image.get<float>().width() == w);
                            for (std::size_t i = 0; i < whole.image.get<float>().size(); ++i)
                                REQUIRE(std::isfinite(whole.image.get<float>().data()[i]));
                        }
                    }(op),
                    ...);
            },
            five_ops);
    }
}

TEST_CASE("local_op: an operation that changes the image's size is an error", "[local_ops]") {
    struct shrink {
        void operator()(ias::sample& s, ias::rng_stream&) const { s.image = ias::image<float>(1, 1, 3); }
    };
    const ias::local_op t(shrink{});
    ias::sample s{ias::image<float>(32, 32, 3)};
    ias::rng_stream rng(0, 0);
    CHECK_THROWS_WITH(t(s, rng), Catch::Contains("changed the image's size"));
}

TEMPLATE_TEST_CASE("local_ops: elastic deformation with zero amplitude is the identity", "[local_ops]", std::uint8_t, float) {
    const int channels = GENERATE(1, 3, 4);
    const auto original = random_image<TestType>(37, 29, channels, 2);
    for (const float spacing : {1.0f, 3.5f, 8.0f, 100.0f}) {
        ias::sample s{ias::image<TestType>(original)};
        ias::rng_stream rng(1, 2);
        ias::run(ias::elastic_deform({.alpha = {0.0f, 0.0f}, .grid_spacing = spacing}), s, rng);
        REQUIRE(s.image.get<TestType>() == original);
    }
    // A positive amplitude moves pixels by at most alpha: a horizontal ramp changes by at most alpha steps.
    ias::image<float> ramp(64, 16, 1);
    for (int y = 0; y < 16; ++y)
        for (int x = 0; x < 64; ++x) ramp(x, y) = float(x) / 63.0f;
    ias::sample s{ias::image<float>(ramp)};
    ias::rng_stream rng(1, 3);
    ias::run(ias::elastic_deform({.alpha = {2.0f, 2.0f}}), s, rng);
    float largest = 0.0f;
    for (int y = 0; y < 16; ++y)
        for (int x = 0; x < 64; ++x) largest = std::max(largest, std::abs(s.image.get<float>()(x, y) - ramp(x, y)));
    CHECK(largest > 0.5f / 63.0f);
    CHECK(largest <= 2.0f / 63.0f + 1e-5f);
}

TEST_CASE("local_ops: blur preserves a constant image and smooths noise", "[local_ops]") {
    const int channels = GENERATE(1, 3, 4);
    for (const float sigma : {0.5f, 1.0f, 3.0f, 40.0f}) {
        CAPTURE(channels, sigma);
        const ias::gaussian_blur blur({.sigma = {sigma, sigma}});
        ias::sample f{ias::image<float>(31, 17, channels, 0.37f)};
        ias::sample u{ias::image<std::uint8_t>(31, 17, channels, 200)};
        ias::rng_stream rng(0, 0), rng2(0, 0);
        ias::run(blur, f, rng);
        ias::run(blur, u, rng2);
        REQUIRE(f.image.get<float>() == ias::image<float>(31, 17, channels, 0.37f));
        REQUIRE(u.image.get<std::uint8_t>() == ias::image<std::uint8_t>(31, 17, channels, 200));
    }
    // Noise: the variance drops.
    const auto noisy = random_image<float>(64, 64, 1, 3);
    ias::sample s{ias::image<float>(noisy)};
    ias::rng_stream rng(0, 0);
    ias::run(ias::gaussian_blur({.sigma = {2.0f, 2.0f}}), s, rng);
    auto variance = [](const ias::image<float>& im) {
        double sum = 0, sum2 = 0;
        for (std::size_t i = 0; i < im.size(); ++i) {
            sum += im.data()[i];
            sum2 += double(im.data()[i]) * im.data()[i];
        }
        const double mean = sum / double(im.size());
        return sum2 / double(im.size()) - mean * mean;
    };
    CHECK(variance(s.image.get<float>()) < variance(noisy) / 10);
}

TEST_CASE("local_ops: rotate_content turns the content and keeps uncovered pixels", "[local_ops]") {
    // A constant image stays exactly constant: no fill value appears anywhere.
    for (const float angle : {15.0f, 33.0f, 90.0f}) {
        ias::sample s{ias::image<float>(40, 24, 3, 0.6f)};
        ias::rotate_content{}.apply(s, {angle});
        REQUIRE(s.image.get<float>() == ias::image<float>(40, 24, 3, 0.6f));
    }
    // 180 degrees maps (x, y) to (W−1−x, H−1−y).
    const auto original = random_image<float>(21, 15, 3, 4);
    ias::sample s{ias::image<float>(original)};
    ias::rotate_content{}.apply(s, {180.0f});
    const auto& turned = s.image.get<float>();
    for (int y = 1; y < 14; ++y)
        for (int x = 1; x < 20; ++x)
            for (int c = 0; c < 3; ++c) REQUIRE(turned(x, y, c) == Approx(original(20 - x, 14 - y, c)).margin(1e-4));
    // The angles drawn have the configured magnitude and both signs.
    int negative = 0;
    for (std::uint64_t i = 0; i < 200; ++i) {
        ias::rng_stream rng(5, i);
        const auto p = ias::rotate_content{}.sample_params(rng, s);
        REQUIRE(std::abs(p.angle) >= 15.0f);
        REQUIRE(std::abs(p.angle) <= 90.0f);
        negative += p.angle < 0.0f;
    }
    CHECK(negative > 60);
    CHECK(negative < 140);
}

TEST_CASE("local_ops: grey noise is the same in every colour channel and alpha is kept", "[local_ops]") {
    ias::sample s{ias::image<float>(16, 16, 4, 0.5f)};
    ias::rng_stream rng(2, 2);
    ias::run(ias::gaussian_noise({.sigma = {0.1f, 0.1f}, .per_channel = false}), s, rng);
    const auto& im = s.image.get<float>();
    int changed = 0;
    for (int y = 0; y < 16; ++y)
        for (int x = 0; x < 16; ++x) {
            REQUIRE(im(x, y, 0) == im(x, y, 1));
            REQUIRE(im(x, y, 0) == im(x, y, 2));
            REQUIRE(im(x, y, 3) == 0.5f);
            changed += im(x, y, 0) != 0.5f;
        }
    CHECK(changed > 200);
}

TEST_CASE("local_ops: settings out of range throw naming the field", "[local_ops]") {
    CHECK_THROWS_WITH(ias::gaussian_blur({.sigma = {3.0f, 1.0f}}), Catch::Contains("ias::gaussian_blur: parameter 'sigma' is [3, 1]"));
    CHECK_THROWS_WITH(ias::gaussian_noise({.sigma = {-1.0f, 0.1f}}), Catch::Contains("parameter 'sigma' is [-1, 0.1]"));
    CHECK_THROWS_WITH(ias::rotate_content({.angle_magnitude = {15.0f, 400.0f}}), Catch::Contains("parameter 'angle_magnitude' is [15, 400]"));
    CHECK_THROWS_WITH(ias::elastic_deform({.grid_spacing = 0.5f}), Catch::Contains("parameter 'grid_spacing' is 0.5"));
    CHECK_THROWS_WITH((ias::local_op(ias::gaussian_blur{}, {.area = {0.02f, 2.0f}})), Catch::Contains("ias::local_op: parameter 'area' is [0.02, 2]"));
    CHECK_THROWS_WITH((ias::local_op(ias::gaussian_blur{}, {.mask_threshold = 1.0f})), Catch::Contains("mask_threshold must be below 1"));
    CHECK_THROWS_WITH((ias::local_op(ias::gaussian_blur{}, {.aspect_max = 0.5f})), Catch::Contains("parameter 'aspect_max' is 0.5"));
}

TEST_CASE("weighted_choice: frequencies follow the weights and then the host's new weights", "[weighted_choice]") {
    const ias::weighted_choice t({1.0f, 2.0f, 3.0f, 0.0f, 4.0f}, mark{0}, mark{1}, mark{2}, mark{3}, mark{4});
    const auto copy = t;  // copies share the table
    REQUIRE(copy.weights() == t.weights());
    const int n = 5000;
    // Pearson's chi-square with 3 degrees of freedom exceeds 16.27 with probability 0.001.
    auto counts = label_counts(t, 5, n, 11);
    CAPTURE(counts);
    CHECK(counts[3] == 0);
    CHECK(chi_square(counts, {0.1, 0.2, 0.3, 0.0, 0.4}, n) < 16.27);

    // The host re-weights between epochs; every copy of the transform follows.
    t.weights()->set({4.0f, 0.0f, 1.0f, 1.0f, 2.0f});
    counts = label_counts(copy, 5, n, 12);
    CAPTURE(counts);
    CHECK(counts[1] == 0);
    CHECK(chi_square(counts, {0.5, 0.0, 0.125, 0.125, 0.25}, n) < 16.27);

    // One weight at a time.
    t.weights()->set(1, 8.0f);
    t.weights()->set(0, 0.0f);
    CHECK(t.weights()->values() == std::vector<float>{0.0f, 8.0f, 1.0f, 1.0f, 2.0f});
    counts = label_counts(t, 5, n, 13);
    CAPTURE(counts);
    CHECK(counts[0] == 0);
    CHECK(chi_square(counts, {0.0, 8.0 / 12, 1.0 / 12, 1.0 / 12, 2.0 / 12}, n) < 16.27);
    const auto p = t.weights()->probabilities();
    CHECK(p[1] == Approx(8.0 / 12));
}

TEST_CASE("weighted_choice: a zero weight is never chosen", "[weighted_choice]") {
    auto weights = std::make_shared<ias::op_weights>(std::initializer_list<float>{0.0f, 1e-3f, 0.0f});
    const ias::weighted_choice t(weights, mark{0}, mark{1}, mark{2});
    const auto counts = label_counts(t, 3, 2000, 1);
    CHECK(counts == std::vector<int>{0, 2000, 0});
    // A tiny weight next to a large one is still chosen now and then, a zero one never.
    weights->set({0.0f, 1.0f, 1e-2f});
    const auto counts2 = label_counts(t, 3, 4000, 2);
    CHECK(counts2[0] == 0);
    CHECK(counts2[2] > 10);
}

TEST_CASE("weighted_choice: invalid weights throw naming the weight and the value", "[weighted_choice]") {
    ias::op_weights w{1.0f, 1.0f, 1.0f};
    CHECK_THROWS_AS(w.set(1, -0.5f), std::invalid_argument);
    CHECK_THROWS_WITH(w.set(1, -0.5f), Catch::Contains("weight 1 is -0.5"));
    CHECK_THROWS_WITH(w.set(2, std::numeric_limits<float>::quiet_NaN()), Catch::Contains("weight 2 is nan"));
    CHECK_THROWS_WITH(w.set(0, std::numeric_limits<float>::infinity()), Catch::Contains("weight 0 is inf"));
    CHECK_THROWS_WITH(w.set({1.0f, 2.0f, -3.0f}), Catch::Contains("weight 2 is -3"));
    CHECK_THROWS_WITH(w.set({0.0f, 0.0f, 0.0f}), Catch::Contains("all be 0"));
    CHECK_THROWS_WITH(w.set({1.0f, 2.0f}), Catch::Contains("got 2 weights for a table of 3"));
    CHECK_THROWS_AS(w.set(3, 1.0f), std::out_of_range);
    // Setting each weight to 0 in turn fails at the last one.
    w.set(0, 0.0f);
    w.set(1, 0.0f);
    CHECK_THROWS_WITH(w.set(2, 0.0f), Catch::Contains("all be 0"));
    // Failed updates leave the table as it was.
    CHECK(w.values() == std::vector<float>{0.0f, 0.0f, 1.0f});

    CHECK_THROWS_WITH((ias::weighted_choice({1.0f, -2.0f}, mark{0}, mark{1})), Catch::Contains("weight 1 is -2"));
    CHECK_THROWS_WITH((ias::weighted_choice({0.0f, 0.0f}, mark{0}, mark{1})), Catch::Contains("all be 0"));
    CHECK_THROWS_WITH((ias::weighted_choice(std::make_shared<ias::op_weights>(3), mark{0}, mark{1})),
                      Catch::Contains("3 weights for 2 transforms"));
    CHECK_THROWS_WITH((ias::weighted_choice(std::shared_ptr<ias::op_weights>{}, mark{0})), Catch::Contains("null"));
    CHECK_THROWS_WITH(ias::op_weights(0), Catch::Contains("at least one"));
}

TEST_CASE("weighted_choice: readers see whole tables while the host writes", "[weighted_choice]") {
    // The host moves the one positive weight between the ends of a table of 32; a reader that
    // mixed two tables would see both ends positive (probability 1/2) or none (probability 0).
    // A smoke test: a race shows only when the threads interleave just so, so a table without
    // the sequence counter fails here in some runs only.
    constexpr std::size_t n = 32;
    std::vector<float> first(n, 0.0f), last(n, 0.0f);
    first.front() = 1.0f;
    last.back() = 1.0f;
    auto weights = std::make_shared<ias::op_weights>(std::span<const float>(first));
    std::atomic<bool> stop{false};
    std::atomic<long> mixed{0}, draws{0};
    auto reader = [&](std::uint64_t seed) {
        std::uint64_t i = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            ias::rng_stream rng(seed, i++ & 0xFFFFFFFFu);
            const auto r = weights->draw(rng);
            if (r.probability != 1.0 || (r.index != 0 && r.index != n - 1)) mixed.fetch_add(1);
            draws.fetch_add(1, std::memory_order_relaxed);
        }
    };
    std::thread a(reader, 1), b(reader, 2);
    // Write until the readers have drawn enough during the writes (or for a few seconds at most).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    long writes = 0;
    const long drawn_before = draws.load();
    while ((writes < 20000 || draws.load() - drawn_before < 100000) && std::chrono::steady_clock::now() < deadline)
        weights->set(++writes % 2 == 0 ? first : last);
    stop = true;
    a.join();
    b.join();
    CHECK(draws.load() - drawn_before > 1000);
    CHECK(writes >= 20000);
    CHECK(mixed.load() == 0);
}

TEMPLATE_TEST_CASE("local_ops_preset: deterministic and replayed exactly even after the weights change", "[local_ops]", std::uint8_t,
                   float) {
    const int channels = GENERATE(1, 3, 4);
    const auto [augment, weights] = ias::local_ops_preset();
    REQUIRE(weights == augment.op().weights());
    REQUIRE(weights->values() == std::vector<float>(5, 1.0f));
    REQUIRE(ias::local_ops_setup::op_names.size() == 5);
    const auto original = random_image<TestType>(72, 56, channels, 21);
    std::vector<int> chosen(5, 0);
    for (std::uint64_t index = 0; index < 40; ++index) {
        CAPTURE(channels, index);
        ias::sample s{ias::image<TestType>(original)};
        s.trace.emplace();
        ias::rng_stream rng(7, index);
        ias::run(augment, s, rng);
        // Trace: local_op, weighted_choice, then the chosen operation.
        REQUIRE(s.trace->size() >= 3);
        const auto k = s.trace->entries()[1].params_as<choice_params>().choice;
        REQUIRE(k < 5);
        chosen[k]++;
        REQUIRE(s.trace->entries()[2].stage == ias::local_ops_setup::op_names[k]);
        const auto n = count_changes(original, pixels<TestType>(s), [&](int x, int y) { return s.mask(x, y) > 0.0f; });
        REQUIRE(n.outside == 0);
        REQUIRE(s.label == 1);

        // The same (seed, index) gives the same bytes; untraced too.
        ias::sample again{ias::image<TestType>(original)};
        ias::rng_stream rng2(7, index);
        augment(again, rng2);
        REQUIRE(again.image == s.image);
        REQUIRE(again.mask == s.mask);

        // Replay gives the same bytes, also after the host has made the chosen operation impossible.
        ias::sample replayed{ias::image<TestType>(original)};
        ias::replay(augment, replayed, *s.trace);
        REQUIRE(replayed.image == s.image);
        REQUIRE(replayed.mask == s.mask);
        std::vector<float> others(5, 1.0f);
        others[k] = 0.0f;
        weights->set(others);
        ias::sample replayed_later{ias::image<TestType>(original)};
        ias::replay(augment, replayed_later, *s.trace);
        REQUIRE(replayed_later.image == s.image);
        // ...while a fresh run now picks another operation.
        ias::sample fresh{ias::image<TestType>(original)};
        fresh.trace.emplace();
        ias::rng_stream rng3(7, index);
        ias::run(augment, fresh, rng3);
        CHECK(fresh.trace->entries()[1].params_as<choice_params>().choice != k);
        weights->set(std::vector<float>(5, 1.0f));
    }
    for (int k = 0; k < 5; ++k) CHECK(chosen[std::size_t(k)] > 0);

    // Different indices give different samples.
    ias::sample a{ias::image<TestType>(original)}, b{ias::image<TestType>(original)};
    ias::rng_stream ra(7, 100), rb(7, 101);
    augment(a, ra);
    augment(b, rb);
    CHECK_FALSE(a.image == b.image);
}

TEST_CASE("local_ops_preset: the mask region variant follows a mask stage", "[local_ops]") {
    const auto [augment, weights] = ias::local_ops_preset({.region = ias::local_region::mask});
    const auto p = ias::pipeline(ias::ellipse_mask{}, augment);
    const auto original = random_image<std::uint8_t>(64, 64, 3, 5);
    for (std::uint64_t index = 0; index < 10; ++index) {
        ias::sample s{ias::image<std::uint8_t>(original)};
        s.trace.emplace();
        ias::rng_stream rng(3, index);
        ias::run(p, s, rng);
        const auto n = count_changes(original, pixels<std::uint8_t>(s), [&](int x, int y) { return s.mask(x, y) > 0.0f; });
        REQUIRE(n.outside == 0);
        ias::sample replayed{ias::image<std::uint8_t>(original)};
        ias::replay(p, replayed, *s.trace);
        REQUIRE(replayed.image == s.image);
        REQUIRE(replayed.mask == s.mask);
    }
}
