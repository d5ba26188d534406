// SPDX-License-Identifier: MIT
// AMI-Net's token masks: a random mask of uniform ratio for training, per-cluster outliers at test time.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "../core/rng.hpp"
#include "feature_matrix.hpp"

namespace ias::feature {

/// AMI-Net's training mask (Luo et al., "AMI-Net: Adaptive Mask Inpainting Network for
/// Industrial Anomaly Detection and Localization", IEEE TASE 2024; METHODS §8.6.5,
/// `rand_mask` in models/model_MAE.py): a ratio r ~ U[0, 1) per sample and int(N·r) of the N
/// tokens masked, chosen uniformly. mask_out[i] = 1 for a masked token, 0 for a visible one
/// (AMI-Net's `binary_anomaly` is the complement). Returns the number masked.
///
/// AMI-Net takes the first int(N·r) entries of a random permutation; ias draws the same
/// distribution over subsets (every subset of that size equally likely) by selection sampling
/// (Knuth's Algorithm S), so no index buffer is needed. The draws come from `stream.fork(0)`:
/// a pure function of the stream, and the same stream gives the same mask. Throws
/// std::invalid_argument for tokens < 0 or a mask_out of another size.
inline int random_token_mask(int tokens, const rng_stream& stream, std::span<std::uint8_t> mask_out) {
    constexpr const char* op = "random_token_mask";
    if (tokens < 0) detail::fail(op, "tokens is " + std::to_string(tokens) + "; it must be >= 0");
    detail::expect_count(op, "mask_out", mask_out.size(), std::size_t(tokens), "token");
    rng_stream draws = stream.fork(0);
    const float ratio = draws.uniform();
    const int count = std::min(int(double(tokens) * double(ratio)), tokens);
    int left = count;
    for (int i = 0; i < tokens; ++i) {
        // Token i is chosen with probability left / (tokens − i): Algorithm S, exact with integers.
        const bool take = left > 0 && draws.integer(0, std::int64_t(tokens - i) - 1) < left;
        mask_out[std::size_t(i)] = take ? 1 : 0;
        left -= take ? 1 : 0;
    }
    return count;
}

/// AMI-Net's test-time distance of token x to centre c (METHODS §8.6.5):
/// d = ‖x − c‖·(1 − cos(x, c)), minimised over the centres; distance_out[r] is the minimum and
/// cluster_out[r] the index of its centre (the first on ties, as torch.min). The cosine is
/// x·c / (max(‖x‖, 1e-8)·max(‖c‖, 1e-8)) (F.cosine_similarity). `x` is N × C, `centres` M × C
/// with M ≥ 1 (AMI-Net learns 8; it adds the position embedding to x first, which is the
/// host's business). No allocation. Throws std::invalid_argument for mismatched shapes.
inline void ami_distance(const_features x, const_features centres, std::span<float> distance_out,
                         std::span<int> cluster_out) {
    constexpr const char* op = "ami_distance";
    if (centres.rows() < 1 || centres.cols() != x.cols())
        detail::fail(op, "centres is " + detail::shape(centres.rows(), centres.cols()) +
                             "; it must have at least one row and " + std::to_string(x.cols()) +
                             " columns (those of x)");
    const auto rows = std::size_t(x.rows());
    detail::expect_count(op, "distance_out", distance_out.size(), rows, "row of x");
    detail::expect_count(op, "cluster_out", cluster_out.size(), rows, "row of x");
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
        const float x_norm = std::max(x.row(r).norm(), 1e-8f);
        float best = 0.0f;
        int best_index = 0;
        for (Eigen::Index i = 0; i < centres.rows(); ++i) {
            const float cosine = x.row(r).dot(centres.row(i)) / (x_norm * std::max(centres.row(i).norm(), 1e-8f));
            const float d = (x.row(r) - centres.row(i)).norm() * (1.0f - cosine);
            if (i == 0 || d < best) {
                best = d;
                best_index = int(i);
            }
        }
        distance_out[std::size_t(r)] = best;
        cluster_out[std::size_t(r)] = best_index;
    }
}

/// AMI-Net's adaptive test-time mask (METHODS §8.6.5, `find_outliers`): within each cluster,
/// the tokens whose distance is at least mean + σ·std of that cluster's distances are masked
/// (mask_out = 1; everything else 0). AMI-Net uses σ = 0.5.
///
/// As in AMI-Net's code, std is torch.std, the sample standard deviation (divisor n − 1), and a
/// cluster of a single token is never masked. `unbiased = false` takes the population standard
/// deviation (divisor n) instead; singletons stay unmasked either way (with divisor n a
/// singleton would always be masked, its distance equal to its mean). Means and deviations
/// are accumulated in double. Cluster ids are ≥ 0 and need not be contiguous; the work is
/// O(N·(1 + max id/64)), with no allocation. Throws std::invalid_argument for σ not finite,
/// a negative id or spans of different sizes.
inline void cluster_outlier_mask(std::span<const float> distance, std::span<const int> cluster, float sigma,
                                 std::span<std::uint8_t> mask_out, bool unbiased = true) {
    constexpr const char* op = "cluster_outlier_mask";
    if (!std::isfinite(sigma)) detail::fail(op, "sigma is " + std::to_string(sigma) + "; it must be finite");
    const std::size_t n = distance.size();
    detail::expect_count(op, "cluster", cluster.size(), n, "distance");
    detail::expect_count(op, "mask_out", mask_out.size(), n, "distance");
    int max_id = -1;
    for (std::size_t i = 0; i < n; ++i) {
        if (cluster[i] < 0)
            detail::fail(op, "cluster[" + std::to_string(i) + "] is " + std::to_string(cluster[i]) + "; ids must be >= 0");
        max_id = std::max(max_id, cluster[i]);
    }
    // Clusters in chunks of 64 ids: three passes per chunk (counts and sums, squared deviations,
    // thresholds) on fixed-size stack arrays.
    constexpr int chunk = 64;
    for (long long base = 0; base <= max_id; base += chunk) {
        double sum[chunk] = {}, squares[chunk] = {}, threshold[chunk] = {};
        long count[chunk] = {};
        auto slot = [&](std::size_t i) { return cluster[i] - base; };  // in [0, chunk) for this chunk's ids
        for (std::size_t i = 0; i < n; ++i) {
            const long long s = slot(i);
            if (s < 0 || s >= chunk) continue;
            sum[s] += double(distance[i]);
            ++count[s];
        }
        for (int s = 0; s < chunk; ++s)
            if (count[s] > 0) sum[s] /= double(count[s]);  // now the mean
        for (std::size_t i = 0; i < n; ++i) {
            const long long s = slot(i);
            if (s < 0 || s >= chunk) continue;
            const double deviation = double(distance[i]) - sum[s];
            squares[s] += deviation * deviation;
        }
        for (int s = 0; s < chunk; ++s)
            if (count[s] > 1)
                threshold[s] = sum[s] + double(sigma) * std::sqrt(squares[s] / double(unbiased ? count[s] - 1 : count[s]));
        for (std::size_t i = 0; i < n; ++i) {
            const long long s = slot(i);
            if (s < 0 || s >= chunk) continue;
            mask_out[i] = count[s] > 1 && double(distance[i]) >= threshold[s] ? 1 : 0;
        }
    }
}

}  // namespace ias::feature
