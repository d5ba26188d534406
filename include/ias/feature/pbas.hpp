// SPDX-License-Identifier: MIT
// PBAS's boundary-guided synthesis: a bank of centres and the radial push of features away from them.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "feature_matrix.hpp"

namespace ias::feature {

namespace detail::pbas {

/// Rows per tile of the nearest-centre search: each centre row is read once per tile.
inline constexpr Eigen::Index tile = 8;

/// best[k] ← the index of the cosine-nearest row of `centres` to row first + k of `f`, for
/// k < count ≤ tile, the first one on ties (torch.argmax). Cosine similarity is
/// f·c / (‖f‖·max(‖c‖, 1e-12)) as F.normalize gives it; ‖f‖ is the same for every centre, so
/// the argmax is that of f·c / max(‖c‖, 1e-12) (a zero f ties everywhere and picks centre 0,
/// as torch does). Centre norms are computed once per tile, not stored: no allocation.
inline void nearest_tile(const const_features& f, Eigen::Index first, Eigen::Index count,
                         const const_features& centres, Eigen::Index (&best)[tile]) {
    float best_score[tile] = {};
    for (Eigen::Index i = 0; i < centres.rows(); ++i) {
        const float norm = std::max(centres.row(i).norm(), 1e-12f);
        for (Eigen::Index k = 0; k < count; ++k) {
            const float score = f.row(first + k).dot(centres.row(i)) / norm;
            if (i == 0 || score > best_score[k]) {
                best[k] = i;
                best_score[k] = score;
            }
        }
    }
}

inline void expect_centres(const char* op, const const_features& f, const const_features& centres) {
    if (centres.rows() < 1 || centres.cols() != f.cols())
        fail(op, "centres is " + shape(centres.rows(), centres.cols()) + "; it must have at least one row and " +
                     std::to_string(f.cols()) + " columns (those of f)");
}

}  // namespace detail::pbas

/// PBAS's centre bank (Chen et al., "Progressive Boundary Guided Anomaly Synthesis for
/// Industrial Anomaly Detection", TCSVT 2024; METHODS §8.7.3): the approximate centres of the
/// normal features, built once before training from the per-position batch means of the
/// projected features (an (h·w) × C bank for h × w feature maps).
///
/// Use: `centre_bank bank; for each batch: bank.update(mean over the batch's images)`, then pass
/// `bank.centres` to radial_push. An aggregate: `centre_bank{.momentum = 0.9f}`.
struct centre_bank {
    feature_matrix centres{};  ///< M × C; empty before the first update
    float momentum = 0.9f;   ///< weight of the old centre in the moving average, in [0, 1]

    /// True before the first update.
    [[nodiscard]] bool empty() const noexcept { return centres.size() == 0; }

    /// Folds one batch mean (M' × C, M' ≥ 1) into the bank. The first update copies it. Each
    /// later one matches every row m_j to its cosine-nearest centre i, all matches taken against
    /// the centres as they were before this update, then applies, for j = 0, 1, ... in order,
    /// c_i ← momentum·c_i + (1 − momentum)·m_j: the loop of PBAS's trainer (pbas.py), where two
    /// rows matched to one centre both move it, the later one last. Allocates the M' matches
    /// (it runs once per batch before training, not per training step).
    /// Throws std::invalid_argument for a momentum outside [0, 1] or a column count that differs
    /// from the bank's.
    void update(const_features batch_mean) {
        constexpr const char* op = "centre_bank::update";
        if (!(momentum >= 0.0f && momentum <= 1.0f))
            detail::fail(op, "momentum is " + std::to_string(momentum) + "; it must lie in [0, 1]");
        if (batch_mean.rows() < 1 || batch_mean.cols() < 1)
            detail::fail(op, "batch_mean is " + detail::shape(batch_mean.rows(), batch_mean.cols()) +
                                 "; it must have at least one row and one column");
        if (empty()) {
            centres = batch_mean;
            return;
        }
        if (batch_mean.cols() != centres.cols())
            detail::fail(op, "batch_mean is " + detail::shape(batch_mean.rows(), batch_mean.cols()) + "; it must have " +
                                 std::to_string(centres.cols()) + " columns (those of the bank's centres)");
        std::vector<Eigen::Index> match(std::size_t(batch_mean.rows()));
        for (Eigen::Index first = 0; first < batch_mean.rows(); first += detail::pbas::tile) {
            const Eigen::Index count = std::min(detail::pbas::tile, batch_mean.rows() - first);
            Eigen::Index best[detail::pbas::tile] = {};
            detail::pbas::nearest_tile(batch_mean, first, count, centres, best);
            for (Eigen::Index k = 0; k < count; ++k) match[std::size_t(first + k)] = best[k];
        }
        const float keep = momentum, take = 1.0f - momentum;
        for (Eigen::Index j = 0; j < batch_mean.rows(); ++j) {
            const Eigen::Index i = match[std::size_t(j)];
            centres.row(i) = keep * centres.row(i) + take * batch_mean.row(j);
        }
    }
};

/// For each row f of `f` (N × C): the index of its cosine-nearest centre c(f) = argmax_i
/// cos(f, c_i) (the first on ties) and the Euclidean distance d_f = ‖f − c(f)‖ (PBAS,
/// METHODS §8.7.3, step 2). `centres` is M × C with M ≥ 1; `index_out` and `distance_out`
/// hold N values each. No allocation. Throws std::invalid_argument for mismatched shapes.
inline void nearest_centre(const_features f, const_features centres, std::span<int> index_out,
                           std::span<float> distance_out) {
    constexpr const char* op = "nearest_centre";
    detail::pbas::expect_centres(op, f, centres);
    const auto rows = std::size_t(f.rows());
    detail::expect_count(op, "index_out", index_out.size(), rows, "row of f");
    detail::expect_count(op, "distance_out", distance_out.size(), rows, "row of f");
    for (Eigen::Index first = 0; first < f.rows(); first += detail::pbas::tile) {
        const Eigen::Index count = std::min(detail::pbas::tile, f.rows() - first);
        Eigen::Index best[detail::pbas::tile] = {};
        detail::pbas::nearest_tile(f, first, count, centres, best);
        for (Eigen::Index k = 0; k < count; ++k) {
            const Eigen::Index r = first + k;
            index_out[std::size_t(r)] = int(best[k]);
            distance_out[std::size_t(r)] = (f.row(r) - centres.row(best[k])).norm();
        }
    }
}

/// PBAS's directional anomaly synthesis (METHODS §8.7.3, step 2): each row f becomes
/// f⁻ = f + (f − c(f))/d_f · r · k, pushed straight away from its cosine-nearest centre c(f)
/// by k·r, where d_f = ‖f − c(f)‖ and r is `radius` when given, else the mean of d_f over the
/// batch (PBAS's r_ct, the radius its compactness loss shrinks, so the synthetic shell follows
/// the tightening boundary). PBAS uses k = 0.25. Returns r. Every row gets a synthetic partner
/// (no mask); the caller labels all of `out` anomalous.
///
/// A row on its centre (d_f = 0) has no direction to move in: PBAS would produce NaN there;
/// ias copies the row unchanged (it still counts, as 0, in the mean radius). The push is a
/// pure function of the inputs (no randomness). `out` (N × C) must not share memory with `f`
/// (a column block beside it is fine): it holds f − c(f) between the two passes, so no scratch
/// is needed and nothing is allocated. Passing `f` itself as `out` throws; other overlaps are
/// the caller's error. An empty batch returns r = `radius` or 0.
/// Throws std::invalid_argument unless k is finite and > 0 and `radius`, if given, finite and
/// ≥ 0; and for mismatched shapes or `out` = `f`.
inline float radial_push(const_features f, const_features centres, float k, features out,
                         std::optional<float> radius = {}) {
    constexpr const char* op = "radial_push";
    if (!(k > 0.0f) || !std::isfinite(k))
        detail::fail(op, "k is " + std::to_string(k) + "; it must be finite and > 0");
    if (radius) detail::expect_finite_non_negative(op, "radius", *radius);
    detail::pbas::expect_centres(op, f, centres);
    detail::expect_shape(op, "out", out, f.rows(), f.cols());
    const Eigen::Index rows = f.rows(), cols = f.cols();
    if (rows > 0 && cols > 0 && static_cast<const void*>(out.data()) == static_cast<const void*>(f.data()))
        detail::fail(op, "out is f itself; it must be a separate buffer");
    double total = 0.0;
    for (Eigen::Index first = 0; first < rows; first += detail::pbas::tile) {
        const Eigen::Index count = std::min(detail::pbas::tile, rows - first);
        Eigen::Index best[detail::pbas::tile] = {};
        detail::pbas::nearest_tile(f, first, count, centres, best);
        for (Eigen::Index j = 0; j < count; ++j) {
            out.row(first + j) = f.row(first + j) - centres.row(best[j]);
            total += double(out.row(first + j).norm());
        }
    }
    const float r_used = radius ? *radius : rows > 0 ? float(total / double(rows)) : 0.0f;
    const float length = r_used * k;
    for (Eigen::Index r = 0; r < rows; ++r) {
        const float d = out.row(r).norm();  // the same bits as in the first pass
        if (d > 0.0f)
            out.row(r) = f.row(r) + out.row(r) * (length / d);
        else
            out.row(r) = f.row(r);
    }
    return r_used;
}

}  // namespace ias::feature
