// SPDX-License-Identifier: MIT
// Gaussian noise in feature space: SimpleNet's additive noise, SuperSimpleNet's Perlin-masked
// noise on the feature grid, and UniAD's feature jitter.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/bulk_random.hpp"
#include "../core/image.hpp"
#include "../fn/perlin_noise.hpp"
#include "feature_matrix.hpp"

namespace ias::feature {
/// SimpleNet's noise (Liu et al., CVPR 2023; METHODS §2.11).
struct gaussian_feature_noise_settings {
    float sigma = 0.015f;  ///< run.sh's --noise_std (the code's default is 0.05)
    /// SimpleNet's mix_noise K: each row draws one level k uniform in {0, ..., K − 1} and gets
    /// σ·1.1^k. K = 1 (the default) is plain N(0, σ²) on every element.
    int levels = 1;
};

/// out = in + ε with ε ~ N(0, σ_r²) per element, σ_r the level of row r (SimpleNet's q⁻ = q + ε:
/// every row is a synthetic anomaly; there is no mask). Element (r, c) uses bulk position
/// r·C + c of `stream` and row r's level uniform position r of `stream.fork(1)`, so the result
/// is a pure function of (stream, in) however the rows are split among calls. `out` may be
/// `in` itself. Throws std::invalid_argument for a bad σ or K or mismatched shapes.
inline void gaussian_feature_noise(const_features in, const rng_stream& stream, features out,
                                   const gaussian_feature_noise_settings& options = {}) {
    constexpr const char* op = "gaussian_feature_noise";
    detail::expect_finite_non_negative(op, "sigma", options.sigma);
    if (options.levels < 1 || options.levels > 64)
        detail::fail(op, "levels is " + std::to_string(options.levels) + "; it must lie in [1, 64]");
    detail::expect_shape(op, "out", out, in.rows(), in.cols());
    const Eigen::Index rows = in.rows(), cols = in.cols();
    const bool packed = in.outerStride() == cols && out.outerStride() == cols;
    if (options.levels == 1 && packed) {  // one pass over the whole buffer
        const auto count = std::size_t(rows * cols);
        add_normal(stream, 0, std::span(in.data(), count), std::span(out.data(), count), options.sigma);
        return;
    }
    const rng_stream level_stream = stream.fork(1);
    for (Eigen::Index r = 0; r < rows; ++r) {
        float sigma = options.sigma;
        if (options.levels > 1) {
            float u = 0.0f;
            fill_uniform(level_stream, std::uint64_t(r), std::span(&u, 1));
            sigma *= std::pow(1.1f, float(std::min(int(u * float(options.levels)), options.levels - 1)));
        }
        add_normal(stream, detail::row_position(r, cols), std::span(in.row(r).data(), std::size_t(cols)),
                   detail::row_span(out, r), sigma);
    }
}

/// UniAD's feature jitter (You et al., NeurIPS 2022; METHODS §2.15), with UniAD's defaults.
struct jitter_settings {
    float scale = 20.0f;       ///< α
    float probability = 1.0f;  ///< p
};

/// With probability p, row f gets f + ε, ε ~ N(0, (α·‖f‖/C)²) per element: the scale follows
/// the feature's own norm, so jitter is relative. Randomness as in gaussian_feature_noise (the
/// coin of row r is uniform position r of `stream.fork(2)`). `out` may be `in`.
inline void feature_jitter(const_features in, const rng_stream& stream, features out, const jitter_settings& options = {}) {
    constexpr const char* op = "feature_jitter";
    detail::expect_finite_non_negative(op, "scale", options.scale);
    if (!(options.probability >= 0.0f && options.probability <= 1.0f))
        detail::fail(op, "probability is " + std::to_string(options.probability) + "; it must lie in [0, 1]");
    detail::expect_shape(op, "out", out, in.rows(), in.cols());
    const Eigen::Index cols = in.cols();
    const rng_stream coin_stream = stream.fork(2);
    for (Eigen::Index r = 0; r < in.rows(); ++r) {
        bool jitter = options.probability >= 1.0f;
        if (!jitter && options.probability > 0.0f) {
            float u = 0.0f;
            fill_uniform(coin_stream, std::uint64_t(r), std::span(&u, 1));
            jitter = u < options.probability;
        }
        if (!jitter) {
            out.row(r) = in.row(r);
            continue;
        }
        const float sigma = options.scale * in.row(r).norm() / float(cols);
        add_normal(stream, detail::row_position(r, cols), std::span(in.row(r).data(), std::size_t(cols)),
                   detail::row_span(out, r), sigma);
    }
}

/// SuperSimpleNet's feature-space anomalies (Rolih et al., ICPR 2024; METHODS §2.12).
struct supersimplenet_settings {
    float sigma = 0.015f;
    float threshold = 0.2f;           ///< the Perlin field is binarised at > threshold
    float normal_probability = 0.5f;  ///< chance that a copy's mask is zeroed (a normal sample)
    int scale_exponent_max = 5;       ///< lattice cells per axis 2^e, e uniform in [0, max] (§2.1)
    bool duplicate = true;            ///< concat(F, F): the output has twice the input's images
};

/// Reusable buffers of supersimplenet_noise: no allocation once warm.
struct supersimplenet_scratch {
    image<float> field;
    std::vector<float> perlin;
};

/// The output of one supersimplenet_noise call, for `images` images of height × width cells.
/// `mask` (images·h·w) and `labels` (images) are caller-owned.
struct supersimplenet_labels {
    std::span<float> mask;      ///< binarise(existing mask + noise mask), per row of `out`
    std::span<float> labels;    ///< binarise(existing label + any(noise mask)), per image
};

/// Duplicates the batch (unless options.duplicate is false) and adds N(0, σ²) noise inside a
/// binarised Perlin mask on the feature grid of each copy:
///   - `in` holds `batch` images of height × width rows each (rows y·w + x, image after image);
///   - for each output image b: a Perlin field on the h × w grid with 2^e cells per axis
///     (e uniform in [0, scale_exponent_max] independently per axis, drawn from
///     stream.fork(16 + b)), binarised at > threshold, zeroed with probability
///     normal_probability, and multiplied by (1 − existing mask) so that synthetic noise never
///     lands on labelled real defects (the supervised mode);
///   - out = in + ε·noise_mask, ε at bulk position (row·C + c) of `stream`.
/// SuperSimpleNet draws the field at the next power of two and resizes it bilinearly; here the
/// field is evaluated exactly on the grid, which needs no resize (the same noise, unblurred).
/// `existing_mask` (batch·h·w values in [0, 1], empty = none) and `existing_labels` (batch
/// values, empty = none) are the real labels of the input images, duplicated with them.
/// Throws std::invalid_argument for bad options or shapes.
inline void supersimplenet_noise(const_features in, int batch, int height, int width, const rng_stream& stream,
                                 features out, supersimplenet_labels labels, supersimplenet_scratch& scratch,
                                 const supersimplenet_settings& options = {},
                                 std::span<const float> existing_mask = {},
                                 std::span<const float> existing_labels = {}) {
    constexpr const char* op = "supersimplenet_noise";
    detail::expect_finite_non_negative(op, "sigma", options.sigma);
    if (!std::isfinite(options.threshold)) detail::fail(op, "threshold must be finite");
    if (!(options.normal_probability >= 0.0f && options.normal_probability <= 1.0f))
        detail::fail(op, "normal_probability is " + std::to_string(options.normal_probability) +
                             "; it must lie in [0, 1]");
    if (options.scale_exponent_max < 0 || options.scale_exponent_max > 10)
        detail::fail(op, "scale_exponent_max is " + std::to_string(options.scale_exponent_max) +
                             "; it must lie in [0, 10]");
    if (batch < 1 || height < 1 || width < 1)
        detail::fail(op, "batch, height and width are " + std::to_string(batch) + ", " + std::to_string(height) +
                             ", " + std::to_string(width) + "; each must be >= 1");
    const Eigen::Index cells = Eigen::Index(height) * width, cols = in.cols();
    detail::expect_shape(op, "in", in, cells * batch, cols);
    const int images = options.duplicate ? 2 * batch : batch;
    detail::expect_shape(op, "out", out, cells * images, cols);
    if (labels.mask.size() != std::size_t(cells * images) || labels.labels.size() != std::size_t(images))
        detail::fail(op, "labels need " + std::to_string(cells * images) + " mask values and " +
                             std::to_string(images) + " image labels, got " + std::to_string(labels.mask.size()) +
                             " and " + std::to_string(labels.labels.size()));
    detail::expect_count(op, "existing_mask", existing_mask.size(), std::size_t(cells * batch), "row of in", true);
    detail::expect_count(op, "existing_labels", existing_labels.size(), std::size_t(batch), "image", true);

    scratch.field.resize(width, height, 1);
    for (int b = 0; b < images; ++b) {
        const int source = b % batch;
        rng_stream draws = stream.fork(16u + std::uint32_t(b));
        fn::perlin_noise_params field;
        field.cells_y = float(1 << draws.integer(0, options.scale_exponent_max));
        field.cells_x = float(1 << draws.integer(0, options.scale_exponent_max));
        field.seed = draws.next_u64();
        const bool normal = draws.bernoulli(options.normal_probability);
        scratch.perlin.resize(fn::perlin_scratch_size(field));
        fn::perlin_noise(scratch.field.view(), field, scratch.perlin);

        bool any = false;
        float label = existing_labels.empty() ? 0.0f : existing_labels[std::size_t(source)];
        for (int y = 0; y < height; ++y) {
            for (int x = 0; x < width; ++x) {
                const Eigen::Index cell = Eigen::Index(y) * width + x;
                const Eigen::Index in_row = Eigen::Index(source) * cells + cell, out_row = Eigen::Index(b) * cells + cell;
                const float existing = existing_mask.empty() ? 0.0f : existing_mask[std::size_t(in_row)];
                const float noise = (!normal && scratch.field.view()(x, y, 0) > options.threshold) ? 1.0f - existing : 0.0f;
                const std::span<const float> source_row(in.row(in_row).data(), std::size_t(cols));
                if (noise > 0.0f) {
                    add_normal(stream, detail::row_position(out_row, cols), source_row, detail::row_span(out, out_row),
                               options.sigma * noise);
                    any = true;
                } else {
                    out.row(out_row) = in.row(in_row);
                }
                labels.mask[std::size_t(out_row)] = existing + noise > 0.0f ? 1.0f : 0.0f;
            }
        }
        labels.labels[std::size_t(b)] = label > 0.0f || any ? 1.0f : 0.0f;
    }
}

}  // namespace ias::feature
