// SPDX-License-Identifier: MIT
// pixel_gaussian: features and distances against a brute-force double-precision definition,
// an anomaly-detection sanity check on a striped texture, invariances and errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <Eigen/Dense>

#include <ias/core/image.hpp>
#include <ias/core/rng.hpp>
#include <ias/eval/metrics.hpp>
#include <ias/baseline/pixel_gaussian.hpp>

#include "thrown_message.hpp"

using Catch::Matchers::Contains;
using ias::image;
using ias::baseline::pixel_gaussian;
using ias::baseline::pixel_gaussian_settings;

using ias_test::thrown_message;

namespace {

/// A `w` × `h` image with `channels` channels of uniform random values in [0, 1).
image<float> random_image(int w, int h, int channels, std::uint32_t seed, std::uint32_t index) {
    ias::rng_stream rng(seed, index);
    image<float> im(w, h, channels);
    for (std::size_t i = 0; i < im.size(); ++i) im.data()[i] = rng.uniform();
    return im;
}

/// A one-channel scores image of the fitted size, scored by `model`.
template <class T>
image<float> scores_of(const pixel_gaussian& model, const image<T>& im) {
    image<float> out(im.width(), im.height(), 1);
    model.score(im.view(), out.view());
    return out;
}

// ---- the brute-force reference: the definitions, in double, with no running sums ----

using feature_vector = Eigen::Matrix<double, 5, 1>;
using feature_matrix = Eigen::Matrix<double, 5, 5>;

double luminance(ias::image_view<const float> im, int x, int y) {
    x = std::clamp(x, 0, im.width() - 1);
    y = std::clamp(y, 0, im.height() - 1);
    if (im.channels() == 1) return im(x, y);
    return 0.299 * im(x, y, 0) + 0.587 * im(x, y, 1) + 0.114 * im(x, y, 2);
}

feature_vector reference_features(ias::image_view<const float> im, int x, int y, int window) {
    const int r = window / 2;
    double sum = 0.0;
    for (int dy = -r; dy <= r; ++dy)
        for (int dx = -r; dx <= r; ++dx) sum += luminance(im, x + dx, y + dy);
    const double mean = sum / double(window * window);
    double squares = 0.0;
    for (int dy = -r; dy <= r; ++dy)
        for (int dx = -r; dx <= r; ++dx) squares += std::pow(luminance(im, x + dx, y + dy) - mean, 2);
    const auto l = [&](int dx, int dy) { return luminance(im, x + dx, y + dy); };
    const double gx = (l(1, -1) + 2 * l(1, 0) + l(1, 1) - l(-1, -1) - 2 * l(-1, 0) - l(-1, 1)) / 8.0;
    const double gy = (l(-1, 1) + 2 * l(0, 1) + l(1, 1) - l(-1, -1) - 2 * l(0, -1) - l(1, -1)) / 8.0;
    feature_vector f;
    f << l(0, 0), mean, std::sqrt(squares / double(window * window)), gx, gy;
    return f;
}

/// Mean and inverse of the regularised unbiased covariance of `samples`.
struct reference_gaussian {
    feature_vector mean;
    feature_matrix inverse;
};

reference_gaussian fit_reference(const std::vector<feature_vector>& samples, double regularisation) {
    const double n = double(samples.size());
    reference_gaussian g;
    g.mean.setZero();
    for (const auto& f : samples) g.mean += f;
    g.mean /= n;
    feature_matrix covariance = feature_matrix::Zero();
    for (const auto& f : samples) covariance += (f - g.mean) * (f - g.mean).transpose();
    covariance /= n - 1.0;
    covariance.diagonal().array() += regularisation * covariance.trace() / 5.0 + 1e-6;
    g.inverse = covariance.inverse();
    return g;
}

/// The reference distance maps of `tests` under a model fitted to `train`.
std::vector<std::vector<double>> reference_scores(const std::vector<image<float>>& train, const std::vector<image<float>>& tests,
                                                  int channel, const pixel_gaussian_settings& options,
                                                  std::vector<reference_gaussian>& fitted) {
    const int w = train[0].width(), h = train[0].height();
    // channel < 0: the whole image; otherwise that one channel (a strided view).
    const auto view = [&](const image<float>& im) { return channel < 0 ? im.view() : im.view().channel(channel); };
    fitted.clear();
    if (options.per_position) {
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                std::vector<feature_vector> samples;
                for (const auto& im : train) samples.push_back(reference_features(view(im), x, y, options.window));
                fitted.push_back(fit_reference(samples, options.regularisation));
            }
    } else {
        std::vector<feature_vector> samples;
        for (const auto& im : train)
            for (int y = 0; y < h; ++y)
                for (int x = 0; x < w; ++x) samples.push_back(reference_features(view(im), x, y, options.window));
        fitted.push_back(fit_reference(samples, options.regularisation));
    }
    std::vector<std::vector<double>> out;
    for (const auto& im : tests) {
        std::vector<double> d;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const auto& g = fitted[options.per_position ? std::size_t(y * w + x) : 0];
                const feature_vector delta = reference_features(view(im), x, y, options.window) - g.mean;
                d.push_back(std::sqrt(delta.dot(g.inverse * delta)));
            }
        out.push_back(d);
    }
    return out;
}

bool close_relative(double got, double want, double relative) {
    return std::abs(got - want) <= relative * std::abs(want) + 1e-6;
}

/// A 64 × 64 striped texture: 0.5 + 0.2 sin(2π x / 8), plus N(0, 0.05) noise per pixel. (With
/// stripes of amplitude 0.3, whose dark phase nearly reaches the pit, the shared Gaussian still
/// gives a pixel AUROC of about 0.99 but puts only about 60% of the pit pixels above the 99th
/// percentile: one ellipse cannot follow the ring that L and its derivative draw; see the
/// header's note on textures.)
image<float> stripes(std::uint32_t seed, std::uint32_t index) {
    ias::rng_stream rng(seed, index);
    image<float> im(64, 64, 1);
    for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 64; ++x)
            im(x, y) = 0.5f + 0.2f * float(std::sin(2.0 * 3.14159265358979 * x / 8.0)) + rng.normal(0.0f, 0.05f);
    return im;
}

}  // namespace

TEST_CASE("pixel_gaussian: a constant image scores low and a bright spot scores high on its window only", "[eval]") {
    const bool per_position = GENERATE(true, false);
    const int window = GENERATE(3, 5, 9);
    CAPTURE(per_position, window);
    const int w = 32, h = 24;
    pixel_gaussian model({.window = window, .per_position = per_position});
    ias::rng_stream rng(5, 0);
    for (int i = 0; i < 12; ++i) model.add(image<float>(w, h, 1, 0.5f + rng.normal(0.0f, 0.02f)).view());
    model.finish();

    // Trained on constant images, the means are (c, c, 0, 0, 0): the box mean of a constant is
    // the constant, and its standard deviation and derivatives are 0.
    for (const auto& [x, y] : {std::pair{0, 0}, std::pair{31, 23}, std::pair{13, 7}}) {
        const auto mean = model.mean(x, y);
        CHECK(mean[0] == Approx(0.5).margin(0.02));
        CHECK(mean[1] == Approx(mean[0]).margin(1e-6));
        CHECK(std::abs(mean[2]) < 1e-6f);
        CHECK(mean[3] == 0.0f);
        CHECK(mean[4] == 0.0f);
    }

    const image<float> constant(w, h, 1, 0.5f);
    const image<float> low = scores_of(model, constant);
    const float highest_low = *std::max_element(low.data(), low.data() + low.size());
    CHECK(highest_low < 3.0f);

    image<float> spot = constant;
    const int sx = 13, sy = 9;
    spot(sx, sy) = 1.0f;
    const image<float> high = scores_of(model, spot);
    // The spot changes the box features within window/2 of it and the Sobel ones within 1.
    const int reach = std::max(window / 2, 1);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            CAPTURE(x, y);
            if (std::abs(x - sx) <= reach && std::abs(y - sy) <= reach)
                CHECK(high(x, y) > 20.0f);
            else
                CHECK(high(x, y) == Approx(low(x, y)).margin(1e-4));
        }
}

TEST_CASE("pixel_gaussian: distances equal a brute-force double-precision computation", "[eval]") {
    const bool per_position = GENERATE(true, false);
    const int window = GENERATE(3, 5);
    const int channels = GENERATE(1, 3);  // 1: a strided channel view of an RGB image
    const float regularisation = GENERATE(0.0f, 0.05f);
    CAPTURE(per_position, window, channels, regularisation);
    const pixel_gaussian_settings options{.window = window, .per_position = per_position, .regularisation = regularisation};
    const int w = 11, h = 9;
    std::vector<image<float>> train, tests;
    for (std::uint32_t i = 0; i < 10; ++i) train.push_back(random_image(w, h, 3, 17, i));
    for (std::uint32_t i = 0; i < 3; ++i) tests.push_back(random_image(w, h, 3, 18, i));
    const int channel = channels == 1 ? 1 : -1;
    const auto view = [&](const image<float>& im) { return channel < 0 ? im.view() : im.view().channel(channel); };

    pixel_gaussian model(options);
    for (const auto& im : train) model.add(view(im));
    model.finish();
    std::vector<reference_gaussian> fitted;
    const auto want = reference_scores(train, tests, channel, options, fitted);

    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const auto& g = fitted[per_position ? std::size_t(y * w + x) : 0];
            const auto mean = model.mean(x, y);
            const auto inverse = model.inverse_covariance(x, y);
            for (int i = 0; i < 5; ++i) {
                CHECK(mean[std::size_t(i)] == Approx(g.mean(i)).margin(1e-5));
                for (int j = 0; j < 5; ++j)  // float W, so Wᵀ·W is exact to float rounding of its norm
                    CHECK(std::abs(inverse[std::size_t(i * 5 + j)] - g.inverse(i, j)) <= 1e-4 * g.inverse.norm());
            }
        }
    for (std::size_t t = 0; t < tests.size(); ++t) {
        image<float> out(w, h, 1);
        model.score(view(tests[t]), out.view());
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const double expected = want[t][std::size_t(y * w + x)];
                CAPTURE(t, x, y, out(x, y), expected);
                CHECK(close_relative(out(x, y), expected, 1e-3));
            }
    }
}

TEST_CASE("pixel_gaussian: finds dark pits in a striped texture", "[eval]") {
    const bool per_position = GENERATE(false, true);
    CAPTURE(per_position);
    pixel_gaussian model({.per_position = per_position});
    for (std::uint32_t i = 0; i < 20; ++i) model.add(stripes(40, i).view());
    model.finish();

    std::vector<float> normal_scores, pit_scores, all_scores;
    std::vector<std::uint8_t> labels;
    ias::rng_stream rng(41, 0);
    for (std::uint32_t i = 0; i < 20; ++i) {
        image<float> im = stripes(42, i);
        image<std::uint8_t> mask(64, 64, 1);
        if (i >= 10) {  // a dark 5 × 5 pit
            const int px = int(rng.integer(2, 57)), py = int(rng.integer(2, 57));
            for (int y = py; y < py + 5; ++y)
                for (int x = px; x < px + 5; ++x) {
                    im(x, y) = 0.05f + rng.normal(0.0f, 0.01f);
                    mask(x, y) = 1;
                }
        }
        const image<float> s = scores_of(model, im);
        for (int y = 0; y < 64; ++y)
            for (int x = 0; x < 64; ++x) {
                all_scores.push_back(s(x, y));
                labels.push_back(mask(x, y));
                if (i < 10) normal_scores.push_back(s(x, y));
                if (mask(x, y)) pit_scores.push_back(s(x, y));
            }
    }
    std::sort(normal_scores.begin(), normal_scores.end());
    const float p99 = normal_scores[normal_scores.size() * 99 / 100];
    const auto above = std::count_if(pit_scores.begin(), pit_scores.end(), [&](float v) { return v > p99; });
    const double fraction = double(above) / double(pit_scores.size());
    const double auroc = ias::eval::auroc(all_scores, labels);
    CAPTURE(p99, fraction, auroc);
    CHECK(fraction >= 0.9);
    CHECK(auroc > 0.95);
}

TEST_CASE("pixel_gaussian: the order of the images does not matter", "[eval]") {
    const bool per_position = GENERATE(true, false);
    CAPTURE(per_position);
    const int w = 23, h = 17;
    std::vector<image<float>> train;
    for (std::uint32_t i = 0; i < 9; ++i) train.push_back(random_image(w, h, 3, 50, i));
    pixel_gaussian forward({.per_position = per_position}), shuffled({.per_position = per_position});
    for (const auto& im : train) forward.add(im.view());
    for (const std::size_t i : {4u, 8u, 0u, 2u, 7u, 1u, 6u, 3u, 5u}) shuffled.add(train[i].view());
    forward.finish();
    shuffled.finish();
    REQUIRE(forward.images() == 9);
    REQUIRE(shuffled.images() == 9);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const auto m1 = forward.mean(x, y), m2 = shuffled.mean(x, y);
            const auto p1 = forward.inverse_covariance(x, y), p2 = shuffled.inverse_covariance(x, y);
            for (std::size_t i = 0; i < m1.size(); ++i) CHECK(m1[i] == Approx(m2[i]).epsilon(1e-5).margin(1e-7));
            for (std::size_t i = 0; i < p1.size(); ++i) CHECK(p1[i] == Approx(p2[i]).epsilon(1e-5).margin(1e-3));
        }
    const image<float> test = random_image(w, h, 3, 51, 0);
    const image<float> s1 = scores_of(forward, test), s2 = scores_of(shuffled, test);
    for (std::size_t i = 0; i < s1.size(); ++i) CHECK(s1.data()[i] == Approx(s2.data()[i]).epsilon(1e-5));
}

TEST_CASE("pixel_gaussian: uint8 input equals its float conversion", "[eval]") {
    const bool per_position = GENERATE(true, false);
    const int channels = GENERATE(1, 3);
    CAPTURE(per_position, channels);
    const int w = 19, h = 13;
    std::vector<image<std::uint8_t>> bytes;
    std::vector<image<float>> floats;
    for (std::uint32_t i = 0; i < 7; ++i) {
        ias::rng_stream rng(60, i);
        image<std::uint8_t> b(w, h, channels);
        for (std::size_t k = 0; k < b.size(); ++k) b.data()[k] = std::uint8_t(rng.integer(0, 255));
        image<float> f(w, h, channels);
        ias::convert_pixels(b.view(), f.view());
        bytes.push_back(b);
        floats.push_back(f);
    }
    pixel_gaussian from_bytes({.per_position = per_position}), from_floats({.per_position = per_position});
    for (std::size_t i = 0; i + 1 < bytes.size(); ++i) {
        from_bytes.add(bytes[i].view());
        from_floats.add(floats[i].view());
    }
    from_bytes.finish();
    from_floats.finish();
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const auto m1 = from_bytes.mean(x, y), m2 = from_floats.mean(x, y);
            for (std::size_t i = 0; i < m1.size(); ++i) CHECK(m1[i] == Approx(m2[i]).epsilon(1e-6).margin(1e-7));
        }
    const image<float> a = scores_of(from_bytes, bytes.back());
    const image<float> b = scores_of(from_floats, floats.back());
    const image<float> c = scores_of(from_floats, bytes.back());
    for (std::size_t i = 0; i < a.size(); ++i) {
        CHECK(a.data()[i] == Approx(b.data()[i]).epsilon(1e-6));
        CHECK(c.data()[i] == Approx(b.data()[i]).epsilon(1e-6));
    }
}

TEST_CASE("pixel_gaussian: strided out and in-place scoring and threads give the same scores", "[eval]") {
    const int w = 21, h = 15;
    pixel_gaussian model;
    for (std::uint32_t i = 0; i < 6; ++i) model.add(random_image(w, h, 1, 70, i).view());
    model.finish();
    const image<float> test = random_image(w, h, 1, 71, 0);
    const image<float> want = scores_of(model, test);

    SECTION("a channel of a 3-channel out") {
        image<float> out(w, h, 3, -1.0f);
        model.score(test.view(), out.view().channel(2));
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                CHECK(out(x, y, 2) == want(x, y));
                CHECK(out(x, y, 0) == -1.0f);
                CHECK(out(x, y, 1) == -1.0f);
            }
    }
    SECTION("out is the image itself") {
        image<float> in_place = test;
        model.score(in_place.view(), in_place.view());
        CHECK(in_place == want);
    }
    SECTION("four threads at once") {
        std::vector<image<float>> outs(4, image<float>(w, h, 1));
        std::vector<std::thread> threads;
        for (auto& out : outs)
            threads.emplace_back([&model, &test, &out] {
                for (int k = 0; k < 20; ++k) model.score(test.view(), out.view());
            });
        for (auto& t : threads) t.join();
        for (const auto& out : outs) CHECK(out == want);
    }
}

TEST_CASE("pixel_gaussian: bad options throw invalid_argument naming the field", "[eval]") {
    for (const int window : {1, 2, 4, 16, 17, -3}) {
        CAPTURE(window);
        const auto message = thrown_message<std::invalid_argument>([&] { pixel_gaussian({.window = window}); });
        CHECK_THAT(message, Contains("window is " + std::to_string(window)) && Contains("odd and in [3, 15]"));
    }
    for (const float regularisation : {-0.1f, 1.5f, std::numeric_limits<float>::quiet_NaN()}) {
        CAPTURE(regularisation);
        const auto message =
            thrown_message<std::invalid_argument>([&] { pixel_gaussian({.regularisation = regularisation}); });
        CHECK_THAT(message, Contains("regularisation is") && Contains("[0, 1]"));
    }
    CHECK_NOTHROW(pixel_gaussian({.window = 15, .regularisation = 0.0f}));
    CHECK_NOTHROW(pixel_gaussian({.window = 3, .regularisation = 1.0f}));
}

TEST_CASE("pixel_gaussian: bad data throw ias::error and calls out of order throw logic_error", "[eval]") {
    const image<float> a(8, 6, 1, 0.5f);
    const image<float> b(9, 6, 1, 0.5f);

    SECTION("a second size") {
        pixel_gaussian model;
        model.add(a.view());
        CHECK_THAT(thrown_message<ias::error>([&] { model.add(b.view()); }), Contains("9x6") && Contains("8x6"));
        CHECK(model.images() == 1);
    }
    SECTION("2 or 4 channels") {
        std::vector<float> pixels(8 * 6 * 4, 0.5f);
        const ias::image_view<const float> two(pixels.data(), 8, 6, 2), four(pixels.data(), 8, 6, 4);
        pixel_gaussian model;
        CHECK_THAT(thrown_message<ias::error>([&] { model.add(two); }), Contains("2 channels") && Contains("1 (grey) or 3 (RGB)"));
        CHECK_THAT(thrown_message<ias::error>([&] { model.add(four); }), Contains("4 channels"));
        const image<std::uint8_t> rgba(8, 6, 4);
        CHECK_THROWS_AS(model.add(rgba.view()), ias::error);
        CHECK(model.images() == 0);
    }
    SECTION("an empty image") {
        pixel_gaussian model;
        CHECK_THAT(thrown_message<ias::error>([&] { model.add(image<float>().view()); }), Contains("empty"));
    }
    SECTION("NaN and infinite pixels, named by element") {
        image<float> rgb(8, 6, 3, 0.5f);
        rgb(2, 1, 1) = std::numeric_limits<float>::quiet_NaN();
        pixel_gaussian model;
        CHECK_THAT(thrown_message<ias::error>([&] { model.add(rgb.view()); }), Contains("(x=2, y=1, c=1) is NaN"));
        CHECK(model.images() == 0);
        CHECK(model.width() == 0);  // the failed first image did not fix the size
        image<float> grey = a;
        grey(7, 5) = -std::numeric_limits<float>::infinity();
        CHECK_THAT(thrown_message<ias::error>([&] { model.add(grey.view()); }), Contains("(x=7, y=5, c=0) is infinite"));
        model.add(a.view());
        model.add(a.view());
        model.finish();
        image<float> out(8, 6, 1);
        CHECK_THAT(thrown_message<ias::error>([&] { model.score(grey.view(), out.view()); }), Contains("(x=7, y=5, c=0)"));
    }
    SECTION("too few images or pixels for finish") {
        pixel_gaussian none;
        CHECK_THAT(thrown_message<ias::error>([&] { none.finish(); }), Contains("0 images"));
        pixel_gaussian one;
        one.add(a.view());
        CHECK_THAT(thrown_message<ias::error>([&] { one.finish(); }), Contains("1 images") && Contains("at least 2 images"));
        pixel_gaussian shared_one_pixel({.per_position = false});
        shared_one_pixel.add(image<float>(1, 1, 1, 0.5f).view());
        CHECK_THAT(thrown_message<ias::error>([&] { shared_one_pixel.finish(); }), Contains("at least 2 pixels"));
        pixel_gaussian shared_two_pixels({.per_position = false});
        shared_two_pixels.add(image<float>(2, 1, 1, 0.5f).view());
        CHECK_NOTHROW(shared_two_pixels.finish());
    }
    SECTION("wrong sizes and shapes for score") {
        pixel_gaussian model;
        model.add(a.view());
        model.add(a.view());
        image<float> out(8, 6, 1);
        CHECK_THROWS_AS(model.score(a.view(), out.view()), std::logic_error);  // before finish
        model.finish();
        CHECK_NOTHROW(model.score(a.view(), out.view()));
        image<float> wide(9, 6, 1);
        CHECK_THAT(thrown_message<ias::error>([&] { model.score(b.view(), wide.view()); }),
                   Contains("9x6") && Contains("8x6"));
        CHECK_THAT(thrown_message<ias::error>([&] { model.score(a.view(), wide.view()); }),
                   Contains("out is 9x6 with channels=1") && Contains("it must be 8x6 with channels=1"));
        image<float> rgb_out(8, 6, 3);
        CHECK_THAT(thrown_message<ias::error>([&] { model.score(a.view(), rgb_out.view()); }), Contains("channels=3"));
        std::vector<float> pixels(8 * 6 * 2, 0.5f);
        CHECK_THROWS_AS(model.score(ias::image_view<const float>(pixels.data(), 8, 6, 2), out.view()), ias::error);
    }
    SECTION("calls out of order") {
        pixel_gaussian model;
        CHECK_THROWS_AS(model.mean(0, 0), std::logic_error);
        CHECK_THROWS_AS(model.inverse_covariance(0, 0), std::logic_error);
        model.add(a.view());
        model.add(a.view());
        model.finish();
        CHECK(model.finished());
        CHECK_THAT(thrown_message<std::logic_error>([&] { model.add(a.view()); }), Contains("finished"));
        CHECK_THAT(thrown_message<std::logic_error>([&] { model.finish(); }), Contains("already"));
        CHECK_THAT(thrown_message<std::out_of_range>([&] { (void)model.mean(8, 0); }), Contains("(x=8, y=0)"));
        CHECK_THROWS_AS(model.inverse_covariance(0, -1), std::out_of_range);
    }
}
