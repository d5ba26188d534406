// SPDX-License-Identifier: MIT
// fn::poisson_blend against a direct sparse solve (Eigen's SimplicialLDLT) for every guidance and
// several mask shapes, pixels outside the mask bit for bit, and fn::change_label.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include <Eigen/SparseCholesky>
#include <ias/core/rng.hpp>
#include <ias/fn/change_label.hpp>
#include <ias/fn/poisson.hpp>

namespace {

/// A smooth image with some noise, different per channel.
ias::image<float> smooth_noisy(int w, int h, int channels, std::uint64_t seed, float frequency) {
    ias::image<float> im(w, h, channels);
    ias::rng_stream rng(seed, 0);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < channels; ++c)
                im(x, y, c) = 0.5f + 0.3f * std::sin(frequency * float(x) + float(c)) * std::cos(1.3f * frequency * float(y)) +
                              0.1f * rng.uniform();
    return im;
}

/// The masks the solver must handle: a full square, a disc with rectangular holes, a ring,
/// scattered one-pixel holes (many small boundaries) and a thin diagonal band.
ias::image<float> mask_of(int kind, int w, int h) {
    ias::image<float> m(w, h, 1, 0.0f);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const float dx = float(x) - float(w) / 2, dy = float(y) - float(h) / 2, r = std::sqrt(dx * dx + dy * dy);
            bool in = true;
            switch (kind) {
                case 0: break;
                case 1: in = r < float(std::min(w, h)) * 0.4f && (x / 6 + y / 4) % 4 != 0; break;
                case 2: in = r < float(std::min(w, h)) * 0.45f && r > float(std::min(w, h)) * 0.2f; break;
                case 3: in = (x + 2 * y) % 13 != 0 && (3 * x + y) % 17 != 0; break;
                case 4: in = std::abs(x - y) < 3; break;
            }
            m(x, y) = in ? 1.0f : 0.0f;
        }
    return m;
}

/// The discrete equations of fn::poisson_blend, built independently and solved by Eigen's
/// sparse LDLᵀ in double precision: the reference solution per channel.
ias::image<float> direct_solve(const ias::image<float>& target, const ias::image<float>& source, const ias::image<float>& mask,
                               ias::fn::poisson_guidance guidance, const ias::image<float>& alpha) {
    const int w = target.width(), h = target.height();
    std::vector<int> id(std::size_t(w) * std::size_t(h), -1);
    int n = 0;
    for (int y = 1; y < h - 1; ++y)
        for (int x = 1; x < w - 1; ++x)
            if (mask(x, y) > 0.0f) id[std::size_t(y) * std::size_t(w) + std::size_t(x)] = n++;
    ias::image<float> out = target;
    for (int c = 0; c < target.channels(); ++c) {
        std::vector<Eigen::Triplet<double>> entries;
        Eigen::VectorXd b = Eigen::VectorXd::Zero(n);
        for (int y = 1; y < h - 1; ++y)
            for (int x = 1; x < w - 1; ++x) {
                const int i = id[std::size_t(y) * std::size_t(w) + std::size_t(x)];
                if (i < 0) continue;
                entries.emplace_back(i, i, 4.0);
                for (const auto& [dx, dy] : {std::pair{-1, 0}, std::pair{1, 0}, std::pair{0, -1}, std::pair{0, 1}}) {
                    const double gs = double(source(x, y, c)) - double(source(x + dx, y + dy, c));
                    const double gt = double(target(x, y, c)) - double(target(x + dx, y + dy, c));
                    const double a = alpha.empty() ? 0.0 : double(alpha(x, y));
                    switch (guidance) {
                        case ias::fn::poisson_guidance::source: b[i] += gs; break;
                        case ias::fn::poisson_guidance::mixed: b[i] += std::abs(gs) > std::abs(gt) ? gs : gt; break;
                        case ias::fn::poisson_guidance::weighted_mixed:
                            b[i] += (1 - a) * std::abs(gt) > a * std::abs(gs) ? (1 - a) * gt : a * gs;
                            break;
                    }
                    const int j = id[std::size_t(y + dy) * std::size_t(w) + std::size_t(x + dx)];
                    if (j < 0) b[i] += double(target(x + dx, y + dy, c));
                    else entries.emplace_back(i, j, -1.0);
                }
            }
        Eigen::SparseMatrix<double> A(n, n);
        A.setFromTriplets(entries.begin(), entries.end());
        const Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> ldlt(A);
        REQUIRE(ldlt.info() == Eigen::Success);
        const Eigen::VectorXd f = ldlt.solve(b);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                if (const int i = id[std::size_t(y) * std::size_t(w) + std::size_t(x)]; i >= 0) out(x, y, c) = float(f[i]);
    }
    return out;
}

}  // namespace

TEST_CASE("poisson_blend: matches a direct sparse solve to 1e-4 and keeps every other pixel bit for bit", "[poisson]") {
    using ias::fn::poisson_guidance;
    ias::fn::poisson_scratch scratch;  // reused across sizes and shapes, as a worker does
    for (const auto& [w, h] : {std::pair{64, 64}, std::pair{97, 61}, std::pair{33, 80}, std::pair{12, 9}, std::pair{4, 4}})
        for (int kind = 0; kind < 5; ++kind)
            for (const auto guidance : {poisson_guidance::source, poisson_guidance::mixed, poisson_guidance::weighted_mixed})
                for (const int channels : {1, 3}) {
                    CAPTURE(w, h, kind, int(guidance), channels);
                    const auto target = smooth_noisy(w, h, channels, 1, 0.11f);
                    const auto source = smooth_noisy(w, h, channels, 2, 0.07f);
                    const auto mask = mask_of(kind, w, h);
                    const ias::image<float> alpha(w, h, 1, 0.35f);
                    const auto expected = direct_solve(target, source, mask, guidance, alpha);
                    ias::image<float> result = target;
                    const int iterations = ias::fn::poisson_blend(result.view(), std::as_const(source).view(), std::as_const(mask).view(),
                                                                  guidance, scratch, {}, std::as_const(alpha).view());
                    CHECK(iterations <= 60);
                    float worst = 0.0f;
                    for (int y = 0; y < h; ++y)
                        for (int x = 0; x < w; ++x)
                            for (int c = 0; c < channels; ++c) {
                                const bool unknown = mask(x, y) > 0.0f && x > 0 && y > 0 && x < w - 1 && y < h - 1;
                                if (unknown) worst = std::max(worst, std::abs(result(x, y, c) - expected(x, y, c)));
                                else REQUIRE(result(x, y, c) == target(x, y, c));  // the exact bits
                            }
                    CHECK(worst <= 1e-4f);
                }
}

TEST_CASE("poisson_blend: a source equal to the target reproduces it and seamless cloning keeps offsets out", "[poisson]") {
    ias::fn::poisson_scratch scratch;
    const auto target = smooth_noisy(40, 30, 3, 3, 0.2f);
    const auto mask = mask_of(1, 40, 30);
    ias::image<float> same = target;
    ias::fn::poisson_blend(same.view(), std::as_const(target).view(), std::as_const(mask).view(), ias::fn::poisson_guidance::source, scratch);
    for (std::size_t i = 0; i < same.size(); ++i) REQUIRE(same.data()[i] == Approx(target.data()[i]).margin(1e-4));
    // The source plus a constant has the source's gradients: the result is the same.
    ias::image<float> brighter = target;
    for (std::size_t i = 0; i < brighter.size(); ++i) brighter.data()[i] += 0.3f;
    ias::image<float> shifted = target;
    ias::fn::poisson_blend(shifted.view(), std::as_const(brighter).view(), std::as_const(mask).view(), ias::fn::poisson_guidance::source,
                           scratch);
    for (std::size_t i = 0; i < shifted.size(); ++i) REQUIRE(shifted.data()[i] == Approx(target.data()[i]).margin(1e-4));
}

TEST_CASE("poisson_blend: views that do not fit together are an error", "[poisson]") {
    ias::fn::poisson_scratch scratch;
    ias::image<float> target(10, 10, 3), source(10, 10, 1), mask(10, 10, 1), small(9, 10, 1);
    CHECK_THROWS_AS(ias::fn::poisson_blend(target.view(), std::as_const(source).view(), std::as_const(mask).view(),
                                           ias::fn::poisson_guidance::source, scratch),
                    std::invalid_argument);
    ias::image<float> source3(10, 10, 3);
    CHECK_THROWS_AS(ias::fn::poisson_blend(target.view(), std::as_const(source3).view(), std::as_const(small).view(),
                                           ias::fn::poisson_guidance::source, scratch),
                    std::invalid_argument);
    CHECK_THROWS_AS(ias::fn::poisson_blend(target.view(), std::as_const(source3).view(), std::as_const(mask).view(),
                                           ias::fn::poisson_guidance::weighted_mixed, scratch),
                    std::invalid_argument);  // weighted_mixed needs alpha
}

TEST_CASE("change_label: nothing changed gives an empty label and a block gives its median-cleaned footprint", "[change_label]") {
    using ias::fn::change_label_mode;
    ias::fn::change_label_scratch scratch;
    const auto before = smooth_noisy(48, 40, 3, 4, 0.1f);
    ias::image<float> after = before, label(48, 40, 1, 7.0f);
    for (const auto mode : {change_label_mode::binary, change_label_mode::continuous, change_label_mode::intensity,
                            change_label_mode::logistic_intensity}) {
        ias::fn::change_label(std::as_const(before).view(), std::as_const(after).view(), label.view(), mode, scratch, 0, 0, 48, 40);
        CHECK(std::all_of(label.data(), label.data() + label.size(), [](float v) { return v == 0.0f; }));
    }
    // A 12 × 10 block raised by 40 grey levels, a lone pixel and a change below the tolerance.
    for (int y = 10; y < 20; ++y)
        for (int x = 8; x < 20; ++x)
            for (int c = 0; c < 3; ++c) after(x, y, c) += 40.0f / 255.0f;
    for (int c = 0; c < 3; ++c) after(40, 30, c) += 0.5f, after(30, 5, c) += 0.5f / 255.0f;
    ias::fn::change_label(std::as_const(before).view(), std::as_const(after).view(), label.view(), change_label_mode::binary, scratch, 0, 0,
                          48, 40);
    auto in_block = [](int x, int y) { return x >= 8 && x < 20 && y >= 10 && y < 20; };
    int cut_corners = 0;
    for (int y = 0; y < 40; ++y)
        for (int x = 0; x < 48; ++x) {
            // The 5×5 median of a binary map is the majority: 13 or more of the 25 changed.
            // It removes the lone pixel and rounds the block's corners.
            int changed = 0;
            for (int dy = -2; dy <= 2; ++dy)
                for (int dx = -2; dx <= 2; ++dx) changed += in_block(x + dx, y + dy);
            CAPTURE(x, y);
            REQUIRE(label(x, y) == (changed >= 13 ? 1.0f : 0.0f));
            cut_corners += in_block(x, y) && changed < 13;
        }
    CHECK(cut_corners == 12);  // three pixels at each corner
    // Intensity: the disk median of a uniform 40-level change is 40 levels inside the block.
    ias::fn::change_label(std::as_const(before).view(), std::as_const(after).view(), label.view(), change_label_mode::intensity, scratch, 0, 0,
                          48, 40);
    // Where most of the disk of radius 5 (81 pixels) lies in the block the median is the
    // 40-level change, elsewhere 0.
    for (int y = 0; y < 40; ++y)
        for (int x = 0; x < 48; ++x) {
            if (label(x, y) == 0.0f) continue;
            int inside = 0;
            for (int dy = -5; dy <= 5; ++dy)
                for (int dx = -5; dx <= 5; ++dx) inside += dx * dx + dy * dy <= 25 && in_block(x + dx, y + dy);
            CAPTURE(x, y, inside);
            REQUIRE(label(x, y) == Approx(inside >= 41 ? 40.0f / 255.0f : 0.0f).margin(0.5f / 255.0f));
        }
    // Logistic: 1 / (1 + exp(−k·(40 − x0))).
    ias::fn::change_label(std::as_const(before).view(), std::as_const(after).view(), label.view(), change_label_mode::logistic_intensity,
                          scratch, 0, 0, 48, 40, 1.0f / 255.0f, 1.0f, 1.0f / 3.0f, 7.0f);
    CHECK(label(14, 15) == Approx(1.0 / (1.0 + std::exp(-(40.0 - 7.0) / 3.0))).margin(0.01));
    // A box around the change gives the same label as the whole image.
    ias::image<float> boxed(48, 40, 1);
    ias::fn::change_label(std::as_const(before).view(), std::as_const(after).view(), boxed.view(), change_label_mode::logistic_intensity,
                          scratch, 5, 7, 23, 23, 1.0f / 255.0f, 1.0f, 1.0f / 3.0f, 7.0f);
    for (int y = 0; y < 40; ++y)
        for (int x = 0; x < 48; ++x)
            if (!(x == 40 && y == 30)) REQUIRE(boxed(x, y) == label(x, y));
}
