// SPDX-License-Identifier: MIT
// GLASS's global anomaly synthesis (GAS) in feature space and its LAS feature projection.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>
#include <string>
#include <vector>

#include "feature_matrix.hpp"
#include "feature_noise.hpp"

namespace ias::feature {

/// How GLASS's global anomaly synthesis (GAS) keeps its synthetic features near the normal
/// ones (Chen et al., ECCV 2024, METHODS §2.13 step 6): around the feature centre c with the
/// normal radius r_t (`svd = 1`), or around each normal feature t with radius 0.5 (`svd = 0`).
/// `glass_spectral_rule` (spectral_rule.hpp) picks one per class from the mean training image.
enum class glass_distribution {
    hypersphere,  ///< GLASS's `svd = 1`: periodic, texture-like classes
    manifold,     ///< GLASS's `svd = 0`: object-like classes
};

/// GAS's defaults from GLASS's run-mvtec.sh.
struct glass_gas_settings {
    float noise = 0.015f;      ///< σ of the Gaussian start g = t + N(0, σ²)
    int steps = 20;            ///< gradient-ascent iterations; 0 = mining off (the Gaussian step only)
    float step_size = 0.001f;  ///< g ← g + step_size·∇/‖∇‖
    int project_every = 5;     ///< the truncated projection after every this many steps
    glass_distribution mode = glass_distribution::hypersphere;
    float manifold_radius = 0.5f;  ///< r in manifold mode (hypersphere mode takes r from the caller)
};

/// Reusable buffers of glass_gas: no allocation once warm.
struct glass_gas_scratch {
    feature_matrix gradient;
};

namespace detail {

/// Row r's anchor: row r mod P of a P-row matrix (P = 1: one global centre; P = h·w: GLASS's
/// per-position centre for a batch of images stacked row after row).
inline Eigen::Index anchor_row(Eigen::Index r, const const_features& anchors) { return r % anchors.rows(); }

inline void expect_anchor_rows(const char* op, const char* name, const const_features& anchors, Eigen::Index rows,
                               Eigen::Index cols) {
    if (anchors.rows() < 1 || rows % anchors.rows() != 0 || anchors.cols() != cols)
        fail(op, std::string(name) + " is " + shape(anchors.rows(), anchors.cols()) + "; it must have " +
                     std::to_string(cols) + " columns and a number of rows that divides " + std::to_string(rows));
}

}  // namespace detail

/// Moves each masked row x (mask empty: every row) radially about its anchor a so that
/// ‖x − a‖ lies in [inner, outer]: x ← a + (x − a)·clamp(‖x − a‖, inner, outer)/‖x − a‖, with
/// GLASS's 1e-10 in the denominator (a row on its anchor stays there). Anchors are row r mod P
/// of `anchors`. GLASS's truncated projection is [r, 2r]; its LAS projection [2r, 4r].
inline void project_to_shell(features x, const_features anchors, float inner, float outer,
                             std::span<const float> mask = {}) {
    constexpr const char* op = "project_to_shell";
    detail::expect_anchor_rows(op, "anchors", anchors, x.rows(), x.cols());
    if (!(inner >= 0.0f && inner <= outer) || !std::isfinite(outer))
        detail::fail(op, "the shell [" + std::to_string(inner) + ", " + std::to_string(outer) +
                             "] must satisfy 0 <= inner <= outer, both finite");
    detail::expect_count(op, "mask", mask.size(), std::size_t(x.rows()), "row", true);
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
        if (!mask.empty() && !(mask[std::size_t(r)] > 0.0f)) continue;
        const auto anchor = anchors.row(detail::anchor_row(r, anchors));
        const float norm = (x.row(r) - anchor).norm();
        const float scale = std::clamp(norm, inner, outer) / (norm + 1e-10f);
        x.row(r) = anchor + scale * (x.row(r) - anchor);
    }
}

/// GLASS's normal radius r_t: the `quantile` (0.75 in GLASS) of ‖x − c‖ over the rows of x,
/// c = row r mod P of `centre`, skipping rows whose `exclude` value is > 0 (the masked
/// positions of LAS features; empty = none). Quantiles interpolate linearly between order
/// statistics, as torch.quantile does. `distances` is scratch.
[[nodiscard]] inline float glass_radius(const_features x, const_features centre, std::vector<float>& distances,
                                        float quantile = 0.75f, std::span<const float> exclude = {}) {
    constexpr const char* op = "glass_radius";
    detail::expect_anchor_rows(op, "centre", centre, x.rows(), x.cols());
    if (!(quantile >= 0.0f && quantile <= 1.0f))
        detail::fail(op, "quantile is " + std::to_string(quantile) + "; it must lie in [0, 1]");
    detail::expect_count(op, "exclude", exclude.size(), std::size_t(x.rows()), "row", true);
    distances.clear();
    for (Eigen::Index r = 0; r < x.rows(); ++r)
        if (exclude.empty() || !(exclude[std::size_t(r)] > 0.0f))
            distances.push_back((x.row(r) - centre.row(detail::anchor_row(r, centre))).norm());
    if (distances.empty()) detail::fail(op, "no row is left to measure (x is empty or every row is excluded)");
    const double position = double(quantile) * double(distances.size() - 1);
    const auto below = std::size_t(position);
    std::nth_element(distances.begin(), distances.begin() + std::ptrdiff_t(below), distances.end());
    const float low = distances[below];
    if (below + 1 == distances.size()) return low;
    const float high = *std::min_element(distances.begin() + std::ptrdiff_t(below) + 1, distances.end());
    return low + float(position - double(below)) * (high - low);
}

/// What glass_gas asks the host for: the gradient of the discriminator's loss on the synthetic
/// features, L_g = BCE(D(g), 1) in GLASS, one row per row of g. The callback writes every
/// element of its second argument (an N × C matrix).
template <class F>
concept feature_gradient = std::invocable<F&, const_features, features>;

/// GLASS's global anomaly synthesis (GAS), a training-loop hook:
///   1. g = normal + N(0, noise²) (bulk positions r·C + c of `stream`);
///   2. `steps` times: grad ← gradient(g), normalised per row to unit L2 norm (GLASS adds 1e-10
///      to the norm), and g ← g + step_size·grad, which raises the host's loss on g, moving g
///      towards the normal decision boundary;
///   3. after every `project_every`-th step the truncated projection keeps g in the shell
///      [r, 2r] around its anchor: the centre (row r mod P of `centre`) and r = `radius` in
///      hypersphere mode; the row's own normal feature and r = manifold_radius in manifold
///      mode (`centre` is then unused and may have no rows).
/// `radius` is glass_radius's r_t. The result is in `out` (N × C, as `normal`).
template <feature_gradient Gradient>
void glass_gas(const_features normal, const_features centre, float radius, const rng_stream& stream,
               Gradient&& gradient, features out, glass_gas_scratch& scratch, const glass_gas_settings& options = {}) {
    constexpr const char* op = "glass_gas";
    detail::expect_finite_non_negative(op, "noise", options.noise);
    detail::expect_finite_non_negative(op, "step_size", options.step_size);
    if (options.steps < 0 || options.project_every < 1)
        detail::fail(op, "steps is " + std::to_string(options.steps) + " and project_every " +
                             std::to_string(options.project_every) + "; steps must be >= 0 and project_every >= 1");
    const bool hypersphere = options.mode == glass_distribution::hypersphere;
    const float shell = hypersphere ? radius : options.manifold_radius;
    detail::expect_finite_non_negative(op, hypersphere ? "radius" : "manifold_radius", shell);
    detail::expect_shape(op, "out", out, normal.rows(), normal.cols());
    if (hypersphere) detail::expect_anchor_rows(op, "centre", centre, normal.rows(), normal.cols());

    gaussian_feature_noise(normal, stream, out, {options.noise, 1});
    scratch.gradient.resize(normal.rows(), normal.cols());
    for (int step = 1; step <= options.steps; ++step) {
        gradient(const_features(out), features(scratch.gradient));
        for (Eigen::Index r = 0; r < out.rows(); ++r) {
            const float norm = scratch.gradient.row(r).norm();  // NaN or ∞ if any element is
            if (!std::isfinite(norm))
                detail::fail(op, "the gradient callback returned NaN or infinity in row " + std::to_string(r));
            out.row(r) += (options.step_size / (norm + 1e-10f)) * scratch.gradient.row(r);
        }
        if (step % options.project_every == 0) project_to_shell(out, hypersphere ? centre : normal, shell, 2.0f * shell);
    }
}

/// GLASS's LAS feature projection (hypersphere mode only): at the rows the feature mask marks
/// (> 0), rescale f − c to a norm in [2r, 4r], so that image-level synthetic defects sit
/// outside the GAS shell [r, 2r].
inline void las_projection(features f, const_features centre, std::span<const float> feature_mask, float radius) {
    detail::expect_finite_non_negative("las_projection", "radius", radius);
    detail::expect_anchor_rows("las_projection", "centre", centre, f.rows(), f.cols());
    detail::expect_count("las_projection", "feature_mask", feature_mask.size(), std::size_t(f.rows()), "row");
    project_to_shell(f, centre, 2.0f * radius, 4.0f * radius, feature_mask);
}

}  // namespace ias::feature
