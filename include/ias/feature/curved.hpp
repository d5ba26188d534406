// SPDX-License-Identifier: MIT
// Curved feature spaces: the sphere and its stereographic chart, the Poincaré ball, and sampling at chosen geodesic distances.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>

#include "../core/bulk_random.hpp"
#include "feature_matrix.hpp"

namespace ias::feature {

// Naud & Lavin, "Manifolds for Unsupervised Visual Anomaly Detection" (arXiv 2006.11364;
// METHODS §8.7.1) give a VAE a constant-curvature latent space and no explicit synthesis; these
// operators place synthetic features at controlled geodesic distances in such a latent, the
// curved counterparts of GLASS's and PBAS's Euclidean shells. Conventions (Ganea et al. 2018,
// Skopek et al. 2020): the sphere of curvature K > 0 has radius 1/√K; the Poincaré ball of
// curvature K < 0 is the open ball of radius 1/√c, c = −K, with metric λ_x²·I,
// λ_x = 2/(1 − c‖x‖²). Every operator works row by row on N × C matrices, accumulates norms
// and dot products in double, and allocates nothing.

/// Relative margin that keeps ball points off the boundary: every result of a ball operator,
/// and every input it reads, has its norm clamped to at most (1 − margin)/√c. At 1e-5,
/// 1 − c‖x‖² stays ≥ 2e-5, about 300 float ulps of 1, so λ_x and artanh keep three or more
/// significant digits; the largest reachable geodesic distance from the origin is
/// (2/√c)·artanh(1 − 1e-5) ≈ 12.2/√c. (geoopt keeps a margin of 4e-3 in float32.)
inline constexpr double poincare_boundary_margin = 1e-5;

namespace detail::curved {

inline double sphere_curvature(const char* op, float K) {
    if (!(K > 0.0f) || !std::isfinite(K)) fail(op, "K is " + std::to_string(K) + "; it must be finite and > 0 (a sphere)");
    return double(K);
}

/// c = −K of a ball of curvature K < 0.
inline double ball_c(const char* op, float K) {
    if (!(K < 0.0f) || !std::isfinite(K))
        fail(op, "K is " + std::to_string(K) + "; it must be finite and < 0 (a Poincaré ball)");
    return -double(K);
}

inline double max_norm(double c) { return (1.0 - poincare_boundary_margin) / std::sqrt(c); }

template <class A, class B>
double dot_double(const A& a, const B& b) {
    return a.template cast<double>().dot(b.template cast<double>());
}
template <class A>
double squared_norm_double(const A& a) {
    return a.template cast<double>().squaredNorm();
}

/// The factor that brings a point of squared norm `n2` inside the clamp radius (1 if it is).
inline double clamp_scale(double n2, double c) {
    const double limit = max_norm(c);
    return n2 > limit * limit ? limit / std::sqrt(n2) : 1.0;
}

template <class Row>
void clamp_to_ball(Row row, double c) {
    const double s = clamp_scale(squared_norm_double(row), c);
    if (s < 1.0) row *= float(s);
}

/// out = (sx·x) ⊕ (sy·y), then clamped. `out` may be `x` or `y` (the scalars come first and
/// the vector step is element-wise).
template <class X, class Y, class Out>
void mobius_add_row(const X& x, double sx, const Y& y, double sy, double c, Out out) {
    const double xy = sx * sy * dot_double(x, y), x2 = sx * sx * squared_norm_double(x), y2 = sy * sy * squared_norm_double(y);
    const double a = 1.0 + 2.0 * c * xy + c * y2, b = 1.0 - c * x2;
    const double den = std::max(1.0 + 2.0 * c * xy + c * c * x2 * y2, 1e-30);
    out = float(a * sx / den) * x + float(b * sy / den) * y;
    clamp_to_ball(out, c);
}

/// out = exp_0(v) = tanh(√c‖v‖)·v/(√c‖v‖), clamped; `out` may be `v`.
template <class V, class Out>
void exp0_row(const V& v, double c, Out out) {
    const double n = std::sqrt(squared_norm_double(v));
    const double root_c = std::sqrt(c);
    const double factor = n > 0.0 ? std::tanh(root_c * n) / (root_c * n) : 1.0;
    out = float(factor) * v;
    clamp_to_ball(out, c);
}

/// A unit direction from a row of standard normals (in place); e_0 for the (practically
/// impossible) all-zero row.
template <class Row>
void normalise_direction(Row row) {
    const double n = std::sqrt(squared_norm_double(row));
    if (n > 0.0) {
        row *= float(1.0 / n);
    } else {
        row.setZero();
        row(0) = 1.0f;
    }
}

/// Throws when `out` is `in` itself (operators that keep an intermediate in `out`).
inline void expect_separate(const char* op, const char* name, const const_features& in, const features& out) {
    if (in.size() > 0 && static_cast<const void*>(in.data()) == static_cast<const void*>(out.data()))
        fail(op, std::string("out is ") + name + " itself; it must be a separate buffer");
}

}  // namespace detail::curved

/// out = r·f/‖f‖ per row: the features put on the sphere of radius r (curvature 1/r²).
/// A zero row, which has no direction, becomes r·e_0 (its first coordinate r). `out` (same
/// shape as f) may be `f`. Throws std::invalid_argument unless r is finite and > 0, and for
/// mismatched shapes.
inline void project_to_sphere(const_features f, float r, features out) {
    constexpr const char* op = "project_to_sphere";
    if (!(r > 0.0f) || !std::isfinite(r)) detail::fail(op, "r is " + std::to_string(r) + "; it must be finite and > 0");
    detail::expect_shape(op, "out", out, f.rows(), f.cols());
    for (Eigen::Index i = 0; i < f.rows(); ++i) {
        const double n = std::sqrt(detail::curved::squared_norm_double(f.row(i)));
        if (n > 0.0) {
            out.row(i) = float(double(r) / n) * f.row(i);
        } else {
            out.row(i).setZero();
            if (f.cols() > 0) out(i, 0) = r;
        }
    }
}

/// The stereographic projection of the sphere of curvature K > 0 (radius 1/√K) in R^{d+1} to
/// R^d (Skopek et al., "Mixed-curvature Variational Autoencoders", ICLR 2020; METHODS §8.7.1):
/// π(x) = x_{1:d}/(1 + √K·x_{d+1}), from the pole x_{d+1} = −1/√K. The opposite pole maps to 0
/// and the equator to the sphere ‖y‖ = 1/√K. Rows of `x` (N × (d+1), d ≥ 1) should lie on the
/// sphere (project_to_sphere(x, 1/√K) puts them there); off-sphere rows get the same formula.
/// At the projection pole π is undefined: the denominator is floored at 1e-6, so such a row
/// maps to a large finite point. `out` is N × d. Throws std::invalid_argument unless K is
/// finite and > 0, and for mismatched shapes.
inline void stereographic(const_features x, float K, features out) {
    constexpr const char* op = "stereographic";
    const double root_k = std::sqrt(detail::curved::sphere_curvature(op, K));
    if (x.cols() < 2)
        detail::fail(op, "x is " + detail::shape(x.rows(), x.cols()) + "; it must have at least 2 columns (d + 1, d >= 1)");
    const Eigen::Index d = x.cols() - 1;
    detail::expect_shape(op, "out", out, x.rows(), d);
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        const double den = std::max(1.0 + root_k * double(x(i, d)), 1e-6);
        out.row(i) = float(1.0 / den) * x.row(i).head(d);
    }
}

/// The inverse of stereographic: y ∈ R^d (N × d) to the sphere of curvature K > 0 in R^{d+1}
/// (N × (d+1)): π⁻¹(y) = (2y/(1 + K‖y‖²), (1/√K)·(1 − K‖y‖²)/(1 + K‖y‖²)). Every row of the
/// result has norm 1/√K (up to rounding). Throws std::invalid_argument unless K is finite and
/// > 0, and for mismatched shapes.
inline void inverse_stereographic(const_features y, float K, features out) {
    constexpr const char* op = "inverse_stereographic";
    const double k = detail::curved::sphere_curvature(op, K);
    if (y.cols() < 1) detail::fail(op, "y is " + detail::shape(y.rows(), y.cols()) + "; it must have at least 1 column");
    const Eigen::Index d = y.cols();
    detail::expect_shape(op, "out", out, y.rows(), d + 1);
    for (Eigen::Index i = 0; i < y.rows(); ++i) {
        const double s = k * detail::curved::squared_norm_double(y.row(i));
        out.row(i).head(d) = float(2.0 / (1.0 + s)) * y.row(i);
        out(i, d) = float((1.0 - s) / ((1.0 + s) * std::sqrt(k)));
    }
}

/// The exponential map at the origin of the Poincaré ball of curvature K < 0 (c = −K):
/// exp_0(v) = tanh(√c‖v‖)·v/(√c‖v‖), exp_0(0) = 0 (Ganea et al., "Hyperbolic Neural
/// Networks", NeurIPS 2018; METHODS §8.7.1). Tangent vectors `v` (N × C) in Euclidean
/// coordinates; results are clamped inside the ball (poincare_boundary_margin). `out` may be
/// `v`. Throws std::invalid_argument unless K is finite and < 0, and for mismatched shapes.
inline void poincare_exp0(const_features v, float K, features out) {
    constexpr const char* op = "poincare_exp0";
    const double c = detail::curved::ball_c(op, K);
    detail::expect_shape(op, "out", out, v.rows(), v.cols());
    for (Eigen::Index i = 0; i < v.rows(); ++i) detail::curved::exp0_row(v.row(i), c, out.row(i));
}

/// The logarithmic map at the origin, the inverse of poincare_exp0:
/// log_0(y) = artanh(√c‖y‖)·y/(√c‖y‖), log_0(0) = 0. Rows of `x` beyond the clamp radius are
/// read as if clamped to it. `out` may be `x`. Throws as poincare_exp0.
inline void poincare_log0(const_features x, float K, features out) {
    constexpr const char* op = "poincare_log0";
    const double c = detail::curved::ball_c(op, K);
    detail::expect_shape(op, "out", out, x.rows(), x.cols());
    const double root_c = std::sqrt(c), limit = detail::curved::max_norm(c);
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        const double n = std::sqrt(detail::curved::squared_norm_double(x.row(i)));
        const double factor = n > 0.0 ? std::atanh(root_c * std::min(n, limit)) / (root_c * n) : 1.0;
        out.row(i) = float(factor) * x.row(i);
    }
}

/// Möbius addition, row by row, in the ball of curvature K < 0 (c = −K):
/// x ⊕ y = ((1 + 2c⟨x,y⟩ + c‖y‖²)·x + (1 − c‖x‖²)·y) / (1 + 2c⟨x,y⟩ + c²‖x‖²‖y‖²).
/// The ball's "translation": x ⊕ 0 = x, (−x) ⊕ x = 0 and (−x) ⊕ (x ⊕ y) = y; y ↦ x ⊕ y is an
/// isometry taking 0 to x. Inputs beyond the clamp radius are read as if clamped; results
/// are clamped. `out` may be `x` or `y`. Throws as poincare_exp0.
inline void mobius_add(const_features x, const_features y, float K, features out) {
    constexpr const char* op = "mobius_add";
    const double c = detail::curved::ball_c(op, K);
    detail::expect_shape(op, "y", y, x.rows(), x.cols());
    detail::expect_shape(op, "out", out, x.rows(), x.cols());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        const double sx = detail::curved::clamp_scale(detail::curved::squared_norm_double(x.row(i)), c);
        const double sy = detail::curved::clamp_scale(detail::curved::squared_norm_double(y.row(i)), c);
        detail::curved::mobius_add_row(x.row(i), sx, y.row(i), sy, c, out.row(i));
    }
}

/// The geodesic distance between rows x_i and y_i of the ball of curvature K < 0:
/// d(x, y) = (2/√c)·artanh(√c‖(−x) ⊕ y‖), evaluated in the equal form
/// (1/√c)·arcosh(1 + 2c‖x − y‖²/((1 − c‖x‖²)(1 − c‖y‖²))) with arcosh(1 + δ) =
/// log1p(δ + √(δ(δ + 2))), in double: it reads ‖x − y‖ directly, so nearby points keep their
/// precision. Inputs beyond the clamp radius are read as if clamped. `out` holds N values.
/// Throws as poincare_exp0.
inline void poincare_distance(const_features x, const_features y, float K, std::span<float> out) {
    constexpr const char* op = "poincare_distance";
    const double c = detail::curved::ball_c(op, K);
    detail::expect_shape(op, "y", y, x.rows(), x.cols());
    detail::expect_count(op, "out", out.size(), std::size_t(x.rows()), "row of x");
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        const double x2 = detail::curved::squared_norm_double(x.row(i)), y2 = detail::curved::squared_norm_double(y.row(i));
        const double sx = detail::curved::clamp_scale(x2, c), sy = detail::curved::clamp_scale(y2, c);
        const double gap = (sx * x.row(i).cast<double>() - sy * y.row(i).cast<double>()).squaredNorm();
        const double delta = 2.0 * c * gap / ((1.0 - c * sx * sx * x2) * (1.0 - c * sy * sy * y2));
        out[std::size_t(i)] = float(std::log1p(delta + std::sqrt(delta * (delta + 2.0))) / std::sqrt(c));
    }
}

/// Samples the wrapped normal 𝒩_W(μ, σ²) of the Poincaré ball of curvature K < 0 (Nagano et
/// al., ICML 2019; Mathieu et al., "Continuous Hierarchical Representations with Poincaré
/// Variational Auto-Encoders", NeurIPS 2019, whose pvae `WrappedNormal` this follows), one
/// sample per row of `mu` (N × C, points of the ball):
///
/// 1. ε ~ N(0, I) in T_0, and v = σε/λ_0 = σε/2, so that v has Riemannian length σ‖ε‖
///    (the metric at 0 is λ_0² = 4 times the Euclidean one);
/// 2. parallel transport to μ: u = (λ_0/λ_μ)·v = (1 − c‖μ‖²)·v (along the geodesic from 0 the
///    gyration is the identity, so transport only rescales);
/// 3. out = exp_μ(u) = μ ⊕ tanh(√c·λ_μ‖u‖/2)·u/(√c‖u‖).
///
/// As λ_μ‖u‖ = λ_0‖v‖ = 2‖v‖, step 3 is out = μ ⊕ exp_0(σε/2), which is what is computed; and
/// d(μ, out) = σ‖ε‖ exactly (left cancellation), so σ is the geodesic scale: the distance
/// from μ is σ times a χ_C variable, in a direction uniform at μ (the differential of
/// y ↦ μ ⊕ y at 0 is (1 − c‖μ‖²)·I, a pure scaling). Element (r, c) of ε is bulk position
/// r·C + c of `stream`, so the result is a pure function of (stream, μ). Results (and μ, if
/// outside) are clamped inside the ball, which shortens samples that would pass the clamp
/// radius. σ = 0 returns μ. `out` (N × C) must not be `mu`: it holds the tangent sample before
/// the addition. Throws std::invalid_argument unless σ is finite and ≥ 0 and K finite and
/// < 0, and for mismatched shapes or `out` = `mu`.
inline void wrapped_normal_sample(const_features mu, float sigma, float K, const rng_stream& stream, features out) {
    constexpr const char* op = "wrapped_normal_sample";
    detail::expect_finite_non_negative(op, "sigma", sigma);
    const double c = detail::curved::ball_c(op, K);
    detail::expect_shape(op, "out", out, mu.rows(), mu.cols());
    detail::curved::expect_separate(op, "mu", mu, out);
    const Eigen::Index cols = mu.cols();
    for (Eigen::Index r = 0; r < mu.rows(); ++r) {
        fill_normal(stream, detail::row_position(r, cols), detail::row_span(out, r), 0.0f, 0.5f * sigma);
        detail::curved::exp0_row(out.row(r), c, out.row(r));
        const double s_mu = detail::curved::clamp_scale(detail::curved::squared_norm_double(mu.row(r)), c);
        detail::curved::mobius_add_row(mu.row(r), s_mu, out.row(r), 1.0, c, out.row(r));
    }
}

/// Samples, for each row μ of `mu` (N × C, points of the ball of curvature K < 0), a point at
/// geodesic distance ρ ~ U[r1, r2] from μ in a uniformly random direction: the hyperbolic
/// shell that GLASS's [r, 2r] and PBAS's k·r push are in Euclidean space. With u a unit vector
/// (row r's standard normals, bulk positions r·C + c of `stream`, normalised) and ρ from
/// uniform position r of `stream.fork(1)`:
/// out = μ ⊕ (tanh(√c·ρ/2)/√c)·u, and d(μ, out) = (2/√c)·artanh(tanh(√c·ρ/2)) = ρ by left
/// cancellation; the translation μ ⊕ · is an isometry whose differential at 0 is a scaling,
/// so the direction stays uniform. A target beyond the clamp radius (poincare_boundary_margin)
/// is pulled back to it and lands nearer than r1: keep μ and r2 well inside the ball (from
/// the origin, distances up to about 12/√c are reachable). `out` must not be `mu`. Throws
/// std::invalid_argument unless 0 ≤ r1 ≤ r2 are finite and K is finite and < 0, and for
/// mismatched shapes or `out` = `mu`.
inline void geodesic_shell_sample(const_features mu, float r1, float r2, float K, const rng_stream& stream,
                                  features out) {
    constexpr const char* op = "geodesic_shell_sample";
    if (!(r1 >= 0.0f && r1 <= r2) || !std::isfinite(r2))
        detail::fail(op, "r1 = " + std::to_string(r1) + " and r2 = " + std::to_string(r2) +
                             " must be finite with 0 <= r1 <= r2");
    const double c = detail::curved::ball_c(op, K);
    detail::expect_shape(op, "out", out, mu.rows(), mu.cols());
    detail::curved::expect_separate(op, "mu", mu, out);
    const Eigen::Index cols = mu.cols();
    if (cols < 1) return;
    const rng_stream radius_stream = stream.fork(1);
    const double root_c = std::sqrt(c), limit = 1.0 - poincare_boundary_margin;
    for (Eigen::Index r = 0; r < mu.rows(); ++r) {
        fill_normal(stream, detail::row_position(r, cols), detail::row_span(out, r));
        detail::curved::normalise_direction(out.row(r));
        float u = 0.0f;
        fill_uniform(radius_stream, std::uint64_t(r), std::span(&u, 1));
        const double rho = double(r1) + (double(r2) - double(r1)) * double(u);
        out.row(r) *= float(std::min(std::tanh(0.5 * root_c * rho), limit) / root_c);
        const double s_mu = detail::curved::clamp_scale(detail::curved::squared_norm_double(mu.row(r)), c);
        detail::curved::mobius_add_row(mu.row(r), s_mu, out.row(r), 1.0, c, out.row(r));
    }
}

}  // namespace ias::feature
