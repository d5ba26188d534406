// SPDX-License-Identifier: MIT
// Synthetic features on a chosen band of Mahalanobis distance from a Gaussian fitted to normal features.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>

#include <Eigen/Cholesky>

#include "../core/bulk_random.hpp"
#include "feature_matrix.hpp"

namespace ias::feature {

/// A Gaussian N(μ, Σ) fitted to normal features, factored for sampling and scoring: the model
/// PaDiM (Defard et al., ICPR 2020) keeps per feature position and Gaussian-AD (Rippel et al.,
/// ICPR 2020) per image, whose anomaly score is the Mahalanobis distance
/// d(x) = √((x − μ)ᵀ Σ⁻¹ (x − μ)). Fit one per position for PaDiM-style banks.
struct gaussian_fit {
    /// The storage of `whitening`, whose rows the distance reads.
    using row_major_matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

    Eigen::VectorXf mean;         ///< μ, C values
    Eigen::MatrixXf factor;       ///< L, C × C lower triangular, with Σ + εI = L·Lᵀ (Cholesky)
    row_major_matrix whitening;   ///< W = L⁻¹, C × C lower triangular: d(x) = ‖W(x − μ)‖
    float ridge = 0.0f;           ///< ε, the value added to Σ's diagonal

    /// C, the feature dimension (0 before fit).
    [[nodiscard]] Eigen::Index dimension() const noexcept { return mean.size(); }

    /// Fits μ and the sample covariance Σ (divisor N − 1, as numpy.cov in PaDiM) of the rows of
    /// `normal` (N × C, N ≥ 2), regularised as Σ + εI with ε = shrinkage·tr(Σ)/C, a ridge
    /// relative to the mean variance (PaDiM adds an absolute 0.01·I, which depends on the
    /// features' scale). The ridge keeps Σ positive definite when C ≥ N, where the sample
    /// covariance is singular. Computed in double (rows in blocks of 256, so the extra memory
    /// is O(C²)), then stored in float. Allocates: it runs once, not per batch.
    /// Throws std::invalid_argument for N < 2 or C < 1, unless shrinkage is finite and ≥ 0,
    /// for features that do not vary (tr Σ = 0) or are not finite, and for a Σ + εI that is not
    /// positive definite (shrinkage 0 with C ≥ N).
    [[nodiscard]] static gaussian_fit fit(const_features normal, float shrinkage = 0.01f) {
        constexpr const char* op = "gaussian_fit::fit";
        detail::expect_finite_non_negative(op, "shrinkage", shrinkage);
        const Eigen::Index n = normal.rows(), cols = normal.cols();
        if (n < 2 || cols < 1)
            detail::fail(op, "normal is " + detail::shape(n, cols) + "; it must have at least 2 rows and 1 column");
        constexpr Eigen::Index block = 256;
        Eigen::VectorXd mean = Eigen::VectorXd::Zero(cols);
        for (Eigen::Index r = 0; r < n; ++r) mean += normal.row(r).transpose().cast<double>();
        mean /= double(n);
        Eigen::MatrixXd covariance = Eigen::MatrixXd::Zero(cols, cols);
        Eigen::MatrixXd centred(std::min(block, n), cols);
        for (Eigen::Index first = 0; first < n; first += block) {
            const Eigen::Index rows = std::min(block, n - first);
            centred.topRows(rows) = normal.middleRows(first, rows).cast<double>().rowwise() - mean.transpose();
            covariance.selfadjointView<Eigen::Lower>().rankUpdate(centred.topRows(rows).transpose());
        }
        covariance = covariance.selfadjointView<Eigen::Lower>();
        covariance /= double(n - 1);
        const double mean_variance = covariance.trace() / double(cols);
        if (!std::isfinite(mean_variance) || !(mean_variance > 0.0))
            detail::fail(op, "normal has a total variance of " + std::to_string(mean_variance * double(cols)) +
                                 "; its features must be finite and must vary");
        const double ridge = double(shrinkage) * mean_variance;
        covariance.diagonal().array() += ridge;
        const Eigen::LLT<Eigen::MatrixXd> cholesky(covariance);
        if (cholesky.info() != Eigen::Success)
            detail::fail(op, "the covariance of normal (" + detail::shape(n, cols) + ") plus shrinkage " +
                                 std::to_string(shrinkage) +
                                 " times its mean variance is not positive definite; raise shrinkage above 0");
        const Eigen::MatrixXd lower = cholesky.matrixL();
        gaussian_fit result;
        result.mean = mean.cast<float>();
        result.factor = lower.cast<float>();
        result.whitening =
            lower.triangularView<Eigen::Lower>().solve(Eigen::MatrixXd::Identity(cols, cols)).cast<float>();
        result.ridge = float(ridge);
        return result;
    }
};

namespace detail::mahalanobis {

inline void expect_fit(const char* op, const gaussian_fit& g) {
    const Eigen::Index c = g.mean.size();
    if (c < 1 || g.factor.rows() != c || g.factor.cols() != c || g.whitening.rows() != c || g.whitening.cols() != c)
        fail(op, "the fit has a mean of " + std::to_string(c) + " values, a factor of " +
                     shape(g.factor.rows(), g.factor.cols()) + " and a whitening of " +
                     shape(g.whitening.rows(), g.whitening.cols()) +
                     "; it must have C >= 1 values and two C × C matrices (use gaussian_fit::fit)");
}

}  // namespace detail::mahalanobis

/// The Mahalanobis distance d(x) = ‖W(x − μ)‖ of each row of `x` (N × C) under the fit: the
/// PaDiM/Gaussian-AD anomaly score. Normal features fall near √C (d² of Gaussian data is χ²_C,
/// mean C; the ridge makes it a little smaller). `out` holds N values. O(C²/2) per row in
/// float with a double sum, no allocation. Throws std::invalid_argument for an unfitted
/// gaussian_fit or mismatched shapes.
inline void mahalanobis_distance(const gaussian_fit& g, const_features x, std::span<float> out) {
    constexpr const char* op = "mahalanobis_distance";
    detail::mahalanobis::expect_fit(op, g);
    const Eigen::Index cols = g.dimension();
    if (x.cols() != cols)
        detail::fail(op, "x is " + detail::shape(x.rows(), x.cols()) + "; it must have " + std::to_string(cols) +
                             " columns (the fit's dimension)");
    detail::expect_count(op, "out", out.size(), std::size_t(x.rows()), "row of x");
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
        double total = 0.0;
        for (Eigen::Index i = 0; i < cols; ++i) {
            // W is lower triangular: row i of W(x − μ) reads the first i + 1 entries.
            const float w = g.whitening.row(i).head(i + 1).dot(x.row(r).head(i + 1) - g.mean.head(i + 1).transpose());
            total += double(w) * double(w);
        }
        out[std::size_t(r)] = float(std::sqrt(total));
    }
}

/// Synthetic anomalies on a band of Mahalanobis distance: each row of `out` (N × C) becomes
/// μ + L·(ρ·u), with u a uniformly random unit direction (row r's standard normals, bulk
/// positions r·C + c of `stream`, normalised) and ρ ~ U[d_min, d_max] (uniform position r of
/// `stream.fork(1)`). As W·L = I, its distance d = ρ exactly (up to float rounding).
///
/// Why: the Mahalanobis distance under a Gaussian of the normal features is the score of
/// PaDiM and Gaussian-AD, so a band of it is a direct dial of how hard the synthetic
/// anomalies are for that family of detectors: a band just past the normal features'
/// distances gives near-distribution anomalies, a far band easy ones. The directions follow
/// the normal features' covariance (L·u), unlike GLASS's isotropic noise. Choose the band
/// against the normal features' own distances (χ_C, about √C; take quantiles of
/// mahalanobis_distance over them), not against 0: in C dimensions almost no normal feature
/// lies near μ. No allocation. Throws std::invalid_argument unless 0 ≤ d_min ≤ d_max are
/// finite, for an unfitted gaussian_fit or an `out` without C columns.
inline void mahalanobis_shell(const gaussian_fit& g, float d_min, float d_max, const rng_stream& stream,
                              features out) {
    constexpr const char* op = "mahalanobis_shell";
    detail::mahalanobis::expect_fit(op, g);
    if (!(d_min >= 0.0f && d_min <= d_max) || !std::isfinite(d_max))
        detail::fail(op, "d_min = " + std::to_string(d_min) + " and d_max = " + std::to_string(d_max) +
                             " must be finite with 0 <= d_min <= d_max");
    const Eigen::Index cols = g.dimension();
    if (out.cols() != cols)
        detail::fail(op, "out is " + detail::shape(out.rows(), out.cols()) + "; it must have " + std::to_string(cols) +
                             " columns (the fit's dimension)");
    const rng_stream radius_stream = stream.fork(1);
    for (Eigen::Index r = 0; r < out.rows(); ++r) {
        auto z = out.row(r);
        fill_normal(stream, detail::row_position(r, cols), detail::row_span(out, r));
        float u = 0.0f;
        fill_uniform(radius_stream, std::uint64_t(r), std::span(&u, 1));
        const double rho = double(d_min) + (double(d_max) - double(d_min)) * double(u);
        const double norm = std::sqrt(z.template cast<double>().squaredNorm());
        if (norm > 0.0) {
            z *= float(rho / norm);
        } else {  // an all-zero draw: no direction, take e_0
            z.setZero();
            z(0) = float(rho);
        }
        // z ← L·z in place, columns from the last: entry j is read before any write to it,
        // and each column of L (column-major) is contiguous.
        for (Eigen::Index j = cols - 1; j >= 0; --j) {
            const float zj = z(j);
            z(j) = g.factor(j, j) * zj;
            const Eigen::Index below = cols - 1 - j;
            if (below > 0) z.tail(below) += zj * g.factor.col(j).tail(below).transpose();
        }
        z += g.mean.transpose();
    }
}

}  // namespace ias::feature
