// SPDX-License-Identifier: MIT
// SPR's variance-exploding perturbation: the VE-SDE schedule, x + σ(t)·z, and the score residual.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <string>

#include "../core/bulk_random.hpp"
#include "feature_matrix.hpp"

namespace ias::feature {

namespace detail::spr {

inline void expect_schedule(const char* op, float t, float sigma) {
    if (!(t >= 0.0f) || !std::isfinite(t)) fail(op, "t is " + std::to_string(t) + "; it must be finite and >= 0");
    if (!(sigma > 0.0f) || !std::isfinite(sigma) || sigma == 1.0f)
        fail(op, "sigma is " + std::to_string(sigma) + "; it must be finite, > 0 and not 1");
}

}  // namespace detail::spr

/// The marginal standard deviation of the variance-exploding SDE that SPR perturbs with
/// (Shin et al., "Anomaly Detection using Score-based Perturbation Resilience", ICCV 2023;
/// METHODS §8.7.2; Song et al.'s `marginal_prob_std`): σ(t) = √((σ^{2t} − 1)/(2 ln σ)), with
/// base σ = 25. σ(0) = 0 and σ(1) = √(624/(2 ln 25)) ≈ 9.845. Computed in double with expm1, so
/// small t (SPR scores at t = 1e-3) keep full precision. Throws std::invalid_argument for
/// t < 0 or not finite, or σ ≤ 0, σ = 1 or not finite.
[[nodiscard]] inline float ve_sigma(float t, float sigma = 25.0f) {
    detail::spr::expect_schedule("ve_sigma", t, sigma);
    const double log_sigma = std::log(double(sigma));
    return float(std::sqrt(std::expm1(2.0 * double(t) * log_sigma) / (2.0 * log_sigma)));
}

/// The diffusion coefficient of the same SDE, g(t) = σ^t (Song et al.'s `diffusion_coeff`).
/// Throws as ve_sigma.
[[nodiscard]] inline float ve_diffusion(float t, float sigma = 25.0f) {
    detail::spr::expect_schedule("ve_diffusion", t, sigma);
    return float(std::pow(double(sigma), double(t)));
}

/// SPR's perturbation (METHODS §8.7.2): noise_out = z ~ N(0, I) and out = x + σ(t)·z, for
/// N × C features or an image plane mapped as a matrix (any shape; one sample per call, so
/// a per-sample t is one call per sample with that sample's stream). Element (r, c) takes bulk
/// position r·C + c of `stream`, so the result is a pure function of (stream, x, t). SPR trains
/// with t ~ U[1e-5, 1) and scores at t = 1e-3. `out` may be `x`; `noise_out` must be separate
/// from both. Throws std::invalid_argument for a bad t or σ (see ve_sigma) or mismatched shapes.
inline void ve_perturb(const_features x, float t, const rng_stream& stream, features out, features noise_out,
                       float sigma = 25.0f) {
    constexpr const char* op = "ve_perturb";
    detail::spr::expect_schedule(op, t, sigma);
    detail::expect_shape(op, "out", out, x.rows(), x.cols());
    detail::expect_shape(op, "noise_out", noise_out, x.rows(), x.cols());
    const float std_t = ve_sigma(t, sigma);
    const Eigen::Index cols = x.cols();
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
        fill_normal(stream, detail::row_position(r, cols), detail::row_span(noise_out, r));
        out.row(r) = x.row(r) + std_t * noise_out.row(r);
    }
}

/// SPR's per-element residual (METHODS §8.7.2, scoring): out = score·σ(t)² + noise, where
/// `score` is the host network's s_θ(x + noise, t) and `noise` the n = σ(t)·z added to x (not
/// z: SPR's scoring passes n). For a perfect score of the Gaussian perturbation,
/// s = −n/σ(t)², the residual is 0; SPR's anomaly map is the channel mean of out². Training
/// instead weights the loss (s·σ(t) + z)², which is out/σ(t) with noise = n. `out` may be
/// `score` or `noise`. Throws std::invalid_argument for a bad t or σ or mismatched shapes.
inline void spr_residual(const_features score, const_features noise, float t, features out, float sigma = 25.0f) {
    constexpr const char* op = "spr_residual";
    detail::spr::expect_schedule(op, t, sigma);
    detail::expect_shape(op, "noise", noise, score.rows(), score.cols());
    detail::expect_shape(op, "out", out, score.rows(), score.cols());
    const float std_t = ve_sigma(t, sigma);
    const float weight = std_t * std_t;
    for (Eigen::Index r = 0; r < score.rows(); ++r) out.row(r) = weight * score.row(r) + noise.row(r);
}

}  // namespace ias::feature
