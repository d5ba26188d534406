// SPDX-License-Identifier: MIT
// Poisson blending over an arbitrary mask: seamless (normal) clone, mixed gradients and PII's α-weighted mixed gradients.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/image.hpp"
#include "../detail/grow.hpp"

namespace ias::fn {

/// The guidance field of a Poisson blend: what the gradients inside the mask should be.
enum class poisson_guidance {
    source,          ///< the source's gradients: seamless cloning (Pérez et al. 2003; OpenCV NORMAL_CLONE; NSA "Shift")
    mixed,           ///< per neighbour pair and channel the larger of source and target gradient (MIXED_CLONE; NSA "Shift-M")
    weighted_mixed,  ///< PII (Tan et al., IPMI 2021): (1−α)·g_target if (1−α)|g_target| > α|g_source|, else α·g_source
};

/// How exactly `poisson_blend` solves.
struct poisson_settings {
    /// The solve stops when the largest residual of the discrete equations is at most this
    /// (image units). At 1e-5 the result is within about 1e-5 of a direct sparse solve (the
    /// tests check 1e-4 against Eigen's SimplicialLDLT).
    float residual_tolerance = 1e-5f;
    int max_iterations = 100;  ///< conjugate-gradient iterations, each one multigrid V-cycle
};

/// Reusable buffers of `poisson_blend` (one per thread); nothing is allocated once they have grown.
struct poisson_scratch {
    struct level {
        int nx = 0, ny = 0;  ///< interior nodes 1 .. nx, 1 .. ny; arrays hold (nx + 2)·(ny + 2) with a zero ring
        std::vector<float> inside, u, f;
        [[nodiscard]] std::size_t stride() const noexcept { return std::size_t(nx) + 2; }
    };
    std::vector<level> levels;
    std::size_t depth = 0;  ///< the levels in use
    std::vector<float> current, target, source, alpha, residual, direction, product;  // level-0 planes
    std::vector<float> row, column, coarse_residual;  // per-row work of the V-cycle
    std::size_t unknowns = 0;
    // The direct solver of rectangles: the sine basis of the current width, the transformed
    // right-hand side and the tridiagonal eliminations along y.
    int basis_size = 0;
    std::size_t even_stride = 0, odd_stride = 0;
    std::vector<float> basis, sums, differences, even_out, odd_out, eigenvalue, transformed, solved, elimination, pivot;
};

namespace detail::poisson {

/// One red-black Gauss–Seidel half sweep on the nodes with (x + y) % 2 == colour:
/// u ← inside·(f + Σ neighbours)/4. Nodes of one colour never neighbour each other, so the
/// stride-2 loop has no dependence between its iterations and vectorises.
inline void relax(poisson_scratch::level& l, int colour) noexcept {
    const std::size_t s = l.stride();
    for (int y = 1; y <= l.ny; ++y) {
        float* __restrict u = l.u.data() + std::size_t(y) * s;
        const float* __restrict f = l.f.data() + std::size_t(y) * s;
        const float* __restrict in = l.inside.data() + std::size_t(y) * s;
        const float* __restrict up = u - s;
        const float* __restrict down = u + s;
        for (int x = 1 + ((1 + y + colour) & 1); x <= l.nx; x += 2)
            u[x] = in[x] * 0.25f * (f[x] + u[x - 1] + u[x + 1] + up[x] + down[x]);
    }
}

/// out ← inside·(f − A u), the residual of the homogeneous equations (u is 0 outside).
inline void residual(const poisson_scratch::level& l, const float* __restrict u_all, const float* __restrict f_all,
                     float* __restrict out_all) noexcept {
    const auto s = std::ptrdiff_t(l.stride());  // signed: x − s must not wrap
    for (int y = 1; y <= l.ny; ++y) {
        const std::ptrdiff_t o = y * s;
        const float* __restrict u = u_all + o;
        const float* __restrict f = f_all + o;
        const float* __restrict in = l.inside.data() + o;
        float* __restrict out = out_all + o;
        for (int x = 1; x <= l.nx; ++x)
            out[x] = in[x] * (f[x] - (4.0f * u[x] - u[x - 1] - u[x + 1] - u[x - s] - u[x + s]));
    }
}

/// out[x] = inside·Σ_q v_pq for cells 1 .. nx of one row (pointers at the row's start; the
/// rows above and below are `stride` away), with v_pq by the guidance rule.
inline void guidance_divergence(poisson_guidance guidance, const float* __restrict s, const float* __restrict t,
                                const float* __restrict alpha, const float* __restrict in, float* __restrict out, std::size_t stride,
                                int nx) noexcept {
    const std::ptrdiff_t step[4] = {-1, 1, -std::ptrdiff_t(stride), std::ptrdiff_t(stride)};
    for (int x = 1; x <= nx; ++x) out[x] = 0.0f;
    for (const std::ptrdiff_t k : step) {
        switch (guidance) {
            case poisson_guidance::source:
                for (int x = 1; x <= nx; ++x) out[x] += s[x] - s[x + k];
                break;
            case poisson_guidance::mixed:
                for (int x = 1; x <= nx; ++x) {
                    const float gs = s[x] - s[x + k], gt = t[x] - t[x + k];
                    out[x] += std::abs(gs) > std::abs(gt) ? gs : gt;
                }
                break;
            case poisson_guidance::weighted_mixed:
                for (int x = 1; x <= nx; ++x) {
                    const float ws = alpha[x] * (s[x] - s[x + k]), wt = (1.0f - alpha[x]) * (t[x] - t[x + k]);
                    out[x] += std::abs(wt) > std::abs(ws) ? wt : ws;
                }
                break;
        }
    }
    for (int x = 1; x <= nx; ++x) out[x] *= in[x];
}

/// out ← A u over the unknowns (u is 0 outside them).
inline void apply_operator(const poisson_scratch::level& l, const float* __restrict u_all, float* __restrict out_all) noexcept {
    const auto s = std::ptrdiff_t(l.stride());  // signed: x − s must not wrap
    for (int y = 1; y <= l.ny; ++y) {
        const std::ptrdiff_t o = y * s;
        const float* __restrict u = u_all + o;
        const float* __restrict in = l.inside.data() + o;
        float* __restrict out = out_all + o;
        for (int x = 1; x <= l.nx; ++x) out[x] = in[x] * (4.0f * u[x] - u[x - 1] - u[x + 1] - u[x - s] - u[x + s]);
    }
}

/// The coarse level's right-hand side from the fine residual: the transpose of bilinear
/// prolongation (full weighting times 4: weights 1/2, 1, 1/2 over fine nodes 2X − 1 .. 2X + 1
/// per axis), which matches the unscaled 5-point stencil on the coarse grid (Galerkin:
/// Pᵀ A_h P = A_2h). The vertical weights are applied to whole fine rows first (a loop that
/// vectorises).
inline void restrict_to(const std::vector<float>& fine_r, const poisson_scratch::level& fine, poisson_scratch::level& coarse,
                        float* __restrict row) {
    const std::size_t fs = fine.stride(), cs = coarse.stride();
    for (int Y = 1; Y <= coarse.ny; ++Y) {
        const float* __restrict r1 = fine_r.data() + std::size_t(2 * Y) * fs;
        const float* __restrict r0 = r1 - fs;
        const float* __restrict r2 = r1 + fs;
        for (std::size_t x = 0; x < fs; ++x) row[x] = r1[x] + 0.5f * (r0[x] + r2[x]);
        float* __restrict out = coarse.f.data() + std::size_t(Y) * cs;
        const float* __restrict in = coarse.inside.data() + std::size_t(Y) * cs;
        for (int X = 1; X <= coarse.nx; ++X) out[X] = in[X] * (row[2 * X] + 0.5f * (row[2 * X - 1] + row[2 * X + 1]));
    }
}

/// fine.u += inside·(bilinear interpolation of coarse.u): fine node 2X is coarse node X,
/// fine node 2X + 1 the mean of X and X + 1, per axis. Each fine row is interpolated into
/// `row` first, so that the update loop vectorises.
inline void prolong_add(const poisson_scratch::level& coarse, poisson_scratch::level& fine, float* __restrict row,
                        float* __restrict column) noexcept {
    const std::size_t fs = fine.stride(), cs = coarse.stride();
    for (int y = 1; y <= fine.ny; ++y) {
        const float* __restrict c0 = coarse.u.data() + std::size_t(y / 2) * cs;
        const float* __restrict c1 = c0 + cs;
        const float weight = (y & 1) ? 0.5f : 0.0f;  // odd rows lie between coarse rows y/2 and y/2 + 1
        for (int X = 0; X <= coarse.nx + 1; ++X) column[X] = c0[X] + weight * (c1[X] - c0[X]);
        for (int X = 0; X <= coarse.nx; ++X) {
            row[2 * X] = column[X];
            row[2 * X + 1] = 0.5f * (column[X] + column[X + 1]);
        }
        float* __restrict u = fine.u.data() + std::size_t(y) * fs;
        const float* __restrict in = fine.inside.data() + std::size_t(y) * fs;
        for (int x = 1; x <= fine.nx; ++x) u[x] += in[x] * row[x];
    }
}

/// One symmetric V-cycle for A u = f on level k from u = 0: red-black pre-smoothing, the
/// coarse correction, black-red post-smoothing (so the cycle is a symmetric preconditioner).
inline void v_cycle(poisson_scratch& s, std::size_t k) {
    auto& l = s.levels[k];
    std::fill(l.u.begin(), l.u.end(), 0.0f);
    float* row = s.row.data();
    auto smooth = [&](int first, int repeat) {
        for (int i = 0; i < repeat; ++i) relax(l, first), relax(l, 1 - first);
    };
    if (k + 1 == s.depth) {  // the coarsest level, a few cells: smooth it out
        smooth(0, 8);
        smooth(1, 8);
        return;
    }
    smooth(0, 2);
    std::fill(s.coarse_residual.begin(), s.coarse_residual.begin() + std::ptrdiff_t(l.u.size()), 0.0f);
    residual(l, l.u.data(), l.f.data(), s.coarse_residual.data());
    restrict_to(s.coarse_residual, l, s.levels[k + 1], row);
    v_cycle(s, k + 1);
    prolong_add(s.levels[k + 1], l, row, s.column.data());
    smooth(1, 2);
}

inline double dot(const std::vector<float>& a, const std::vector<float>& b) noexcept {
    constexpr std::size_t lanes = 16;  // partial sums the compiler keeps in vector registers
    float partial[lanes] = {};
    const std::size_t n = a.size() / lanes * lanes;
    for (std::size_t i = 0; i < n; i += lanes)
        for (std::size_t j = 0; j < lanes; ++j) partial[j] += a[i + j] * b[i + j];
    double sum = 0.0;
    for (float p : partial) sum += double(p);
    for (std::size_t i = n; i < a.size(); ++i) sum += double(a[i]) * double(b[i]);
    return sum;
}

inline float max_abs(const std::vector<float>& a) noexcept {
    constexpr std::size_t lanes = 16;  // partial maxima in vector registers (a select, which vectorises)
    float partial[lanes] = {};
    const std::size_t n = a.size() / lanes * lanes;
    for (std::size_t i = 0; i < n; i += lanes)
        for (std::size_t j = 0; j < lanes; ++j) {
            const float v = std::abs(a[i + j]);
            partial[j] = v > partial[j] ? v : partial[j];
        }
    float m = 0.0f;
    for (float v : partial) m = std::max(m, v);
    for (std::size_t i = n; i < a.size(); ++i) m = std::max(m, std::abs(a[i]));
    return m;
}

/// out = a·b for row-major a (rows × inner) and b (inner × columns, rows `b_stride` apart,
/// zero-padded to a multiple of 32 columns): blocks of 4 rows × 32 columns are accumulated in
/// registers over the whole inner dimension, so that each value loaded from b feeds four
/// multiply-adds.
inline void multiply(const float* __restrict a, const float* __restrict b, std::size_t b_stride, float* __restrict out, int rows,
                     int inner, int columns) noexcept {
    constexpr int tile_rows = 4, tile_columns = 32;
    for (int k0 = 0; k0 < columns; k0 += tile_columns) {
        const int width = std::min(tile_columns, columns - k0);
        int i0 = 0;
        for (; i0 + tile_rows <= rows; i0 += tile_rows) {
            float acc[tile_rows][tile_columns] = {};
            const float* a0 = a + std::size_t(i0) * std::size_t(inner);
            for (int j = 0; j < inner; ++j) {
                const float* __restrict bj = b + std::size_t(j) * b_stride + std::size_t(k0);
                for (int r = 0; r < tile_rows; ++r) {
                    const float arj = a0[std::size_t(r) * std::size_t(inner) + std::size_t(j)];
                    for (int k = 0; k < tile_columns; ++k) acc[r][k] += arj * bj[k];
                }
            }
            for (int r = 0; r < tile_rows; ++r)
                std::copy_n(acc[r], width, out + std::size_t(i0 + r) * std::size_t(columns) + std::size_t(k0));
        }
        for (; i0 < rows; ++i0) {  // the last rows, one at a time
            float acc[tile_columns] = {};
            for (int j = 0; j < inner; ++j) {
                const float aij = a[std::size_t(i0) * std::size_t(inner) + std::size_t(j)];
                const float* __restrict bj = b + std::size_t(j) * b_stride + std::size_t(k0);
                for (int k = 0; k < tile_columns; ++k) acc[k] += aij * bj[k];
            }
            std::copy_n(acc, width, out + std::size_t(i0) * std::size_t(columns) + std::size_t(k0));
        }
    }
}

/// The sine basis of length n in the two halves `sine_transform` multiplies by: the rows
/// i < ⌈n/2⌉ of S's even columns and the rows i < ⌊n/2⌋ of its odd columns, each zero-padded to
/// a multiple of 32 columns. Computed in double by the Chebyshev recurrence
/// sin((k+1)θ) = 2cos θ·sin(kθ) − sin((k−1)θ).
inline void sine_basis(poisson_scratch& s, int n) {
    if (s.basis_size == n) return;
    const int half = n / 2, middle = n & 1, evens = (n + 1) / 2, odds = n / 2;
    s.even_stride = (std::size_t(evens) + 31) / 32 * 32;
    s.odd_stride = (std::size_t(odds) + 31) / 32 * 32;
    ias::detail::assign_grown(s.basis, std::size_t(half + middle) * s.even_stride + std::size_t(half) * s.odd_stride, 0.0f);
    float* even = s.basis.data();
    float* odd = even + std::size_t(half + middle) * s.even_stride;
    const double step = 3.14159265358979323846 / double(n + 1), norm = std::sqrt(2.0 / double(n + 1));
    for (int i = 0; i < half + middle; ++i) {
        const double theta = step * double(i + 1), twice_cos = 2.0 * std::cos(theta);
        double previous = 0.0, current = std::sin(theta);  // sin((k + 1)·θ) for k = 0, 1, ...
        for (int k = 0; k < n; ++k) {
            if (k % 2 == 0) even[std::size_t(i) * s.even_stride + std::size_t(k / 2)] = float(norm * current);
            else if (i < half) odd[std::size_t(i) * s.odd_stride + std::size_t(k / 2)] = float(norm * current);
            const double next = twice_cos * current - previous;
            previous = current;
            current = next;
        }
    }
    s.basis_size = n;
}

/// out = in·S for `rows` rows of length n, with the symmetry S(n−1−i, k) = (−1)^k·S(i, k):
/// even columns take the sums in[i] + in[n−1−i], odd columns the differences, over the first
/// half of i (plus the middle value, which only even columns see) — half the multiply-adds
/// of the full product.
inline void sine_transform(poisson_scratch& s, const float* in, float* out, int rows, int n) {
    sine_basis(s, n);
    const int half = n / 2, middle = n & 1, evens = (n + 1) / 2, odds = n / 2;
    ias::detail::resize_grown(s.sums, std::size_t(rows) * std::size_t(half + middle));
    ias::detail::resize_grown(s.differences, std::size_t(rows) * std::size_t(std::max(half, 1)));
    ias::detail::resize_grown(s.even_out, std::size_t(rows) * std::size_t(evens));
    ias::detail::resize_grown(s.odd_out, std::size_t(rows) * std::size_t(std::max(odds, 1)));
    for (int r = 0; r < rows; ++r) {
        const float* __restrict v = in + std::size_t(r) * std::size_t(n);
        float* __restrict sum = s.sums.data() + std::size_t(r) * std::size_t(half + middle);
        float* __restrict difference = s.differences.data() + std::size_t(r) * std::size_t(half);
        for (int i = 0; i < half; ++i) sum[i] = v[i] + v[n - 1 - i], difference[i] = v[i] - v[n - 1 - i];
        if (middle) sum[half] = v[half];
    }
    const float* even = s.basis.data();
    const float* odd = even + std::size_t(half + middle) * s.even_stride;
    multiply(s.sums.data(), even, s.even_stride, s.even_out.data(), rows, half + middle, evens);
    if (odds > 0) multiply(s.differences.data(), odd, s.odd_stride, s.odd_out.data(), rows, half, odds);
    for (int r = 0; r < rows; ++r) {
        float* __restrict o = out + std::size_t(r) * std::size_t(n);
        const float* __restrict e = s.even_out.data() + std::size_t(r) * std::size_t(evens);
        const float* __restrict d = s.odd_out.data() + std::size_t(r) * std::size_t(odds);
        for (int k = 0; k < evens; ++k) o[2 * k] = e[k];
        for (int k = 0; k < odds; ++k) o[2 * k + 1] = d[k];
    }
}

/// Solves A e = r exactly when the unknowns are every interior pixel of a w × h view (the
/// common case of a rectangular patch), by the matrix decomposition of the Laplacian (Hockney's
/// fast Poisson solver): A = T_x ⊗ I + I ⊗ T_y with T = tridiag(−1, 2, −1), and T_x = S Λ S
/// with the orthonormal sine basis S(i, k) = √(2/(n+1))·sin(π(i+1)(k+1)/(n+1)),
/// λ_k = 2 − 2cos(π(k+1)/(n+1)). The rows of r are transformed along x (one matrix product
/// for all channels), each sine mode is a tridiagonal system along y (Thomas' elimination,
/// vectorised across the modes), and the result is transformed back. `r` and `e` are in the
/// side-by-side layout of `build_levels`.
inline void solve_rectangle(poisson_scratch& s, const std::vector<float>& r, std::vector<float>& e, int w, int h, int channels, int block) {
    const int nx = w - 2, ny = h - 2, rows = channels * ny;
    const std::size_t st = s.levels[0].stride();
    const double step = 3.14159265358979323846 / double(nx + 1);
    ias::detail::assign_grown(s.eigenvalue, std::size_t(nx), 0.0f);
    for (int k = 0; k < nx; ++k) s.eigenvalue[std::size_t(k)] = float(2.0 - 2.0 * std::cos(step * double(k + 1)));
    ias::detail::assign_grown(s.transformed, std::size_t(rows) * std::size_t(nx), 0.0f);
    ias::detail::assign_grown(s.solved, std::size_t(rows) * std::size_t(nx), 0.0f);
    for (int c = 0; c < channels; ++c)
        for (int y = 0; y < ny; ++y)
            std::copy_n(r.data() + std::size_t(y + 1) * st + std::size_t(c * block + 1), nx,
                        s.solved.data() + std::size_t(c * ny + y) * std::size_t(nx));
    sine_transform(s, s.solved.data(), s.transformed.data(), rows, nx);
    // Thomas' elimination per mode k: −f_{j−1} + (2 + λ_k)·f_j − f_{j+1} = b_j. The
    // coefficients are the same for every channel: elimination(j, k) = c'_j, pivot(j, k) = 1 / denominator.
    ias::detail::assign_grown(s.elimination, std::size_t(ny) * std::size_t(nx), 0.0f);
    ias::detail::assign_grown(s.pivot, std::size_t(ny) * std::size_t(nx), 0.0f);
    for (int j = 0; j < ny; ++j) {  // row by row, so that the loop over the modes vectorises
        float* __restrict pivot = s.pivot.data() + std::size_t(j) * std::size_t(nx);
        float* __restrict elimination = s.elimination.data() + std::size_t(j) * std::size_t(nx);
        const float* __restrict above = j > 0 ? elimination - nx : nullptr;
        for (int k = 0; k < nx; ++k) {
            const float diagonal = 2.0f + s.eigenvalue[std::size_t(k)];
            pivot[k] = 1.0f / (diagonal + (j > 0 ? above[k] : 0.0f));
            elimination[k] = -pivot[k];
        }
    }
    for (int c = 0; c < channels; ++c) {
        float* b = s.transformed.data() + std::size_t(c) * std::size_t(ny) * std::size_t(nx);
        for (int k = 0; k < nx; ++k) b[k] *= s.pivot[std::size_t(k)];
        for (int j = 1; j < ny; ++j) {  // forward: b'_j = (b_j + b'_{j−1}) / denominator
            float* __restrict row = b + std::size_t(j) * std::size_t(nx);
            const float* __restrict above = row - nx;
            const float* __restrict pivot = s.pivot.data() + std::size_t(j) * std::size_t(nx);
            for (int k = 0; k < nx; ++k) row[k] = (row[k] + above[k]) * pivot[k];
        }
        for (int j = ny - 2; j >= 0; --j) {  // back: f_j = b'_j − c'_j·f_{j+1}
            float* __restrict row = b + std::size_t(j) * std::size_t(nx);
            const float* __restrict below = row + nx;
            const float* __restrict elimination = s.elimination.data() + std::size_t(j) * std::size_t(nx);
            for (int k = 0; k < nx; ++k) row[k] -= elimination[k] * below[k];
        }
    }
    sine_transform(s, s.transformed.data(), s.solved.data(), rows, nx);  // S is symmetric and orthogonal: its own inverse
    for (int c = 0; c < channels; ++c)
        for (int y = 0; y < ny; ++y)
            std::copy_n(s.solved.data() + std::size_t(c * ny + y) * std::size_t(nx), nx,
                        e.data() + std::size_t(y + 1) * st + std::size_t(c * block + 1));
}

/// Sizes the levels for `channels` channels of a view of w × h pixels and marks the unknowns
/// of level 0 (`coarsen` makes the others; vertex-centred multigrid: coarse node X is fine node 2X, so the Dirichlet boundary stays
/// where it is on every level). The channels are independent systems with one operator,
/// solved as one so that every loop runs over all of them: level 0 lays them side by side,
/// channel c's view column x at node c·B + x, with the block width B >= w a multiple of
/// 2^(levels − 1). The view's outer ring is never unknown, and node c·B stays a boundary node
/// on every level, so the channels never couple. A coarse node is inside when its fine node
/// is. Coarsening stops at about 4 nodes per side and channel. Returns B, or 0 when there is
/// no unknown.
inline int build_levels(poisson_scratch& s, image_view<const float> mask, int channels) {
    const int w = mask.width(), h = mask.height();
    int coarsenings = 0;
    while (((w - 1) >> (coarsenings + 1)) >= 4 && ((h - 1) >> (coarsenings + 1)) >= 4) ++coarsenings;
    const int align = 1 << coarsenings;
    const int block = (w + align - 1) / align * align;
    s.depth = std::size_t(coarsenings) + 1;
    if (s.levels.size() < s.depth) s.levels.resize(s.depth);  // never shrunk: the levels keep their buffers
    auto& l = s.levels[0];
    l.nx = channels * block - 1;
    l.ny = (h - 1 + align - 1) / align * align - 1;
    const std::size_t st = l.stride(), n = st * (std::size_t(l.ny) + 2);
    ias::detail::assign_grown(l.inside, n, 0.0f);
    ias::detail::assign_grown(l.f, n, 0.0f);
    std::size_t unknowns = 0;
    for (int y = 1; y < h - 1; ++y)
        for (int x = 1; x < w - 1; ++x) {
            const bool in = mask(x, y) > 0.0f;
            unknowns += in;
            for (int c = 0; c < channels; ++c) l.inside[std::size_t(y) * st + std::size_t(c * block + x)] = in ? 1.0f : 0.0f;
        }
    s.unknowns = unknowns;
    return unknowns == 0 ? 0 : block;
}

/// The coarse levels of the multigrid cycle below level 0 (which `build_levels` made).
inline void coarsen(poisson_scratch& s) {
    ias::detail::assign_grown(s.levels[0].u, s.levels[0].inside.size(), 0.0f);
    for (std::size_t k = 1; k < s.depth; ++k) {
        auto& l = s.levels[k];
        const auto& f = s.levels[k - 1];
        l.nx = (f.nx - 1) / 2;
        l.ny = (f.ny - 1) / 2;
        const std::size_t st = l.stride(), n = st * (std::size_t(l.ny) + 2);
        ias::detail::assign_grown(l.inside, n, 0.0f);
        ias::detail::assign_grown(l.u, n, 0.0f);
        ias::detail::assign_grown(l.f, n, 0.0f);
        for (int y = 1; y <= l.ny; ++y)
            for (int x = 1; x <= l.nx; ++x)
                l.inside[std::size_t(y) * st + std::size_t(x)] = f.inside[std::size_t(2 * y) * f.stride() + std::size_t(2 * x)];
    }
    const std::size_t row = s.levels[0].stride();
    ias::detail::assign_grown(s.row, row, 0.0f);
    ias::detail::assign_grown(s.column, row, 0.0f);
    ias::detail::assign_grown(s.coarse_residual, s.levels[0].u.size(), 0.0f);
}

}  // namespace detail::poisson

/// Solves the Poisson equation of Pérez et al. (2003) on the pixels of `target` where `mask`
/// is positive, per channel, and writes the solution there: the discrete 4-neighbour
/// Laplacian of the result equals the divergence of the guidance field, with the other
/// pixels of `target` as the Dirichlet boundary. For an unknown pixel p with neighbours q:
///
///     4·f_p − Σ_{q unknown} f_q = Σ_{q known} target_q + Σ_q v_pq,
///
/// with v_pq by `guidance` from g_s = source_p − source_q and g_t = target_p − target_q:
/// g_s (seamless clone), the larger in magnitude of g_s and g_t (mixed gradients), or PII's
/// α-weighted rule with α = `alpha`(p) (METHODS §2.5, §2.7).
///
/// `target`, `source` (same size and channels) and `mask`, `alpha` (one channel, same size;
/// `alpha` only for weighted_mixed) are views of the region to blend, typically a crop
/// around a pasted patch. The outer ring of the views is never unknown (NSA and PII zero it
/// too), so every pixel outside the mask or on the ring keeps its exact bytes.
///
/// The solver is conjugate gradients preconditioned by a multigrid V-cycle (red-black
/// Gauss–Seidel, bilinear transfer), started from the source (seamless clone) or the target
/// (the mixed rules); it stops at `options.residual_tolerance` and agrees with a direct
/// sparse solve to about 1e-5. Returns the number of iterations (about 6 for a square, more for
/// masks with many holes or thin parts).
/// Throws std::invalid_argument when the views do not fit together.
inline int poisson_blend(image_view<float> target, image_view<const float> source, image_view<const float> mask,
                         poisson_guidance guidance, poisson_scratch& scratch, const poisson_settings& options = {},
                         image_view<const float> alpha = {}) {
    if (!same_extent(target, source) || !same_extent(target, mask) || target.channels() != source.channels() ||
        mask.channels() != 1 || (guidance == poisson_guidance::weighted_mixed && (!same_extent(target, alpha) || alpha.channels() != 1)))
        throw std::invalid_argument("ias::fn::poisson_blend: the target (" + std::to_string(target.width()) + "x" +
                                    std::to_string(target.height()) + "x" + std::to_string(target.channels()) + "), source (" +
                                    std::to_string(source.width()) + "x" + std::to_string(source.height()) + "x" +
                                    std::to_string(source.channels()) + "), mask and (for weighted_mixed) alpha must be of one size, "
                                    "the source with the target's channels, mask and alpha with one channel");
    if (target.width() < 3 || target.height() < 3) return 0;
    namespace d = detail::poisson;
    const int w = target.width(), h = target.height(), channels = target.channels();
    const int block = d::build_levels(scratch, mask, channels);
    if (block == 0) return 0;
    auto& top = scratch.levels[0];
    const std::size_t st = top.stride(), n = top.inside.size();
    auto& g = scratch.current;  // the current image: the target outside the unknowns, the iterate inside
    auto& t = scratch.target;
    auto& src = scratch.source;
    auto& a = scratch.alpha;
    auto& r = scratch.residual;
    auto& p = scratch.direction;
    auto& q = scratch.product;
    for (auto* v : {&g, &t, &src, &r, &p}) ias::detail::assign_grown(*v, n, 0.0f);
    if (guidance == poisson_guidance::weighted_mixed) ias::detail::assign_grown(a, n, 0.0f);  // only that rule reads α
    auto index = [&](int x, int y, int c) { return std::size_t(y) * st + std::size_t(c * block + x); };
    const std::ptrdiff_t pixel = target.pixel_stride(), source_pixel = source.pixel_stride();
    for (int y = 0; y < h; ++y)
        for (int c = 0; c < channels; ++c) {
            const float* from_target = &target(0, y, c);
            const float* from_source = &source(0, y, c);
            float* to_target = t.data() + index(0, y, c);
            float* to_source = src.data() + index(0, y, c);
            for (int x = 0; x < w; ++x) {
                to_target[x] = from_target[x * pixel];
                to_source[x] = from_source[x * source_pixel];
            }
            if (guidance == poisson_guidance::weighted_mixed)
                for (int x = 0; x < w; ++x) a[index(x, y, c)] = alpha(x, y);
        }
    // The start in g (the source inside for seamless cloning, else the target) and the
    // right-hand side Σ_q v_pq in top.f.
    if (guidance == poisson_guidance::source)
        for (std::size_t i = 0; i < n; ++i) g[i] = top.inside[i] != 0.0f ? src[i] : t[i];
    else
        std::copy(t.begin(), t.end(), g.begin());
    for (int y = 1; y <= top.ny; ++y) {
        const std::size_t o = std::size_t(y) * st;
        const float* alpha_row = guidance == poisson_guidance::weighted_mixed ? a.data() + o : nullptr;
        d::guidance_divergence(guidance, src.data() + o, t.data() + o, alpha_row, top.inside.data() + o, top.f.data() + o, st, top.nx);
    }
    // r = b − A·g over the unknowns, with the known neighbours taken from g (= target).
    d::residual(top, g.data(), top.f.data(), r.data());
    int iterations = 0;
    if (scratch.unknowns == std::size_t(w - 2) * std::size_t(h - 2)) {  // a full rectangle: solved directly
        d::solve_rectangle(scratch, r, p, w, h, channels, block);
        for (std::size_t i = 0; i < n; ++i) g[i] += p[i];
    } else {
    // Preconditioned conjugate gradients on A e = r; e accumulates into g's unknowns.
    d::coarsen(scratch);
    ias::detail::assign_grown(q, n, 0.0f);
    auto precondition = [&] {  // z = M r, into top.u (top.f holds r for the cycle)
        std::copy(r.begin(), r.end(), top.f.begin());
        d::v_cycle(scratch, 0);
    };
    if (d::max_abs(r) > options.residual_tolerance) {
        precondition();
        p = top.u;
        double rz = d::dot(r, top.u);
        for (iterations = 1; iterations <= options.max_iterations; ++iterations) {
            d::apply_operator(top, p.data(), q.data());
            const double pq = d::dot(p, q);
            if (!(pq > 0.0)) break;
            const float step = float(rz / pq);
            for (std::size_t i = 0; i < n; ++i) {
                g[i] += step * p[i];
                r[i] -= step * q[i];
            }
            if (d::max_abs(r) <= options.residual_tolerance) break;
            precondition();
            const double rz_next = d::dot(r, top.u);
            const float beta = float(rz_next / rz);
            rz = rz_next;
            for (std::size_t i = 0; i < n; ++i) p[i] = top.u[i] + beta * p[i];
        }
    }
    }
    for (int y = 1; y < h - 1; ++y)
        for (int c = 0; c < channels; ++c)
            for (int x = 1; x < w - 1; ++x)
                if (top.inside[index(x, y, c)] > 0.0f) target(x, y, c) = g[index(x, y, c)];
    return iterations;
}

}  // namespace ias::fn
