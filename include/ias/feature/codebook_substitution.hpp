// SPDX-License-Identifier: MIT
// DSR's anomalies in a quantised latent space: codewords swapped for farther ones inside a mask.
#pragma once

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../core/bulk_random.hpp"
#include "feature_matrix.hpp"

namespace ias::feature {

/// Reusable buffers of codebook_substitution: no allocation once warm.
struct codebook_scratch {
    Eigen::VectorXf codeword_norms, scores;
    std::vector<std::pair<float, int>> ranked;
};

/// The rank window [first, last) that DSR draws a replacement from, for a codebook of K
/// entries and strength λ: last = max(1, min(int(λ·K) + 1, K − 1)) nearest codewords, of which
/// the nearest int(drop·K) are dropped (204 of 4096 at drop = 5%). When λ is so small that
/// nothing would be left, the window keeps its farthest codeword.
struct rank_window {
    int first, last;
};

[[nodiscard]] inline rank_window dsr_rank_window(int codewords, float strength, float drop = 0.05f) {
    const int last = std::max(1, std::min(int(strength * float(codewords)) + 1, codewords - 1));
    return {std::min(int(drop * float(codewords)), last - 1), last};
}

/// DSR's codebook substitution (Zavrtanik et al., ECCV 2022; METHODS §2.14), over a
/// host-supplied codebook (K × D; DSR's VQ-VAE has K = 4096, D = 128): for every row z of the
/// quantised features with mask m > 0, rank the codewords by squared distance to z, draw a rank
/// uniformly from dsr_rank_window(K, strength, drop), and set out = m·z_random + (1 − m)·z. Rows
/// with m = 0 are copied. `mask` has one value in [0, 1] per row (the Perlin mask max-pooled to
/// this feature grid); `chosen` (optional, one per row) receives the codeword index, or −1.
/// Row r's rank uses uniform position r of `stream`. Ties in distance rank by index.
/// DSR draws strength λ ~ U[0.2, 1] per image and applies the substitution to half the images.
inline void codebook_substitution(const_features z, const_features codebook, std::span<const float> mask,
                                  float strength, const rng_stream& stream, features out, codebook_scratch& scratch,
                                  std::span<int> chosen = {}, float drop = 0.05f) {
    constexpr const char* op = "codebook_substitution";
    if (codebook.rows() < 2 || codebook.cols() != z.cols())
        detail::fail(op, "codebook is " + detail::shape(codebook.rows(), codebook.cols()) +
                             "; it needs at least 2 codewords of " + std::to_string(z.cols()) + " values");
    if (!(strength > 0.0f && strength <= 1.0f))
        detail::fail(op, "strength is " + std::to_string(strength) + "; it must lie in (0, 1]");
    if (!(drop >= 0.0f && drop < 1.0f)) detail::fail(op, "drop is " + std::to_string(drop) + "; it must lie in [0, 1)");
    detail::expect_shape(op, "out", out, z.rows(), z.cols());
    detail::expect_count(op, "mask", mask.size(), std::size_t(z.rows()), "row");
    if (!chosen.empty() && chosen.size() != std::size_t(z.rows()))
        detail::fail(op, "chosen has " + std::to_string(chosen.size()) + " slots; it must have one per row or none");

    const auto codewords = int(codebook.rows());
    const rank_window window = dsr_rank_window(codewords, strength, drop);
    scratch.codeword_norms = codebook.rowwise().squaredNorm();
    scratch.ranked.resize(std::size_t(codewords));
    for (Eigen::Index r = 0; r < z.rows(); ++r) {
        const float m = mask[std::size_t(r)];
        if (!(m >= 0.0f && m <= 1.0f))
            detail::fail(op, "mask[" + std::to_string(r) + "] is " + std::to_string(m) + "; it must lie in [0, 1]");
        if (!chosen.empty()) chosen[std::size_t(r)] = -1;
        if (m == 0.0f) {
            out.row(r) = z.row(r);
            continue;
        }
        // ‖c − z‖² ranks like ‖c‖² − 2⟨c, z⟩: one matrix-vector product per row.
        scratch.scores.noalias() = codebook * z.row(r).transpose();
        for (int k = 0; k < codewords; ++k) scratch.ranked[std::size_t(k)] = {scratch.codeword_norms[k] - 2.0f * scratch.scores[k], k};
        float u = 0.0f;
        fill_uniform(stream, std::uint64_t(r), std::span(&u, 1));
        const int rank = std::min(window.first + int(u * float(window.last - window.first)), window.last - 1);
        std::nth_element(scratch.ranked.begin(), scratch.ranked.begin() + rank, scratch.ranked.end());
        const int index = scratch.ranked[std::size_t(rank)].second;
        if (!chosen.empty()) chosen[std::size_t(r)] = index;
        out.row(r) = m * codebook.row(index) + (1.0f - m) * z.row(r);
    }
}

}  // namespace ias::feature
