// SPDX-License-Identifier: MIT
// Perlin gradient noise and its fractal sum, at any size, on an anisotropic and rotated lattice.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/image_view.hpp"
#include "../core/rng.hpp"

namespace ias::fn {

/// What `perlin_noise` computes. Lattice sizes are floats and need not divide the image
/// size: lattice positions are computed in floating point, so any width and height work
/// (DRAEM's `rand_perlin_2d_np` needs H % cells == 0; anomalib pads to a power of two).
struct perlin_noise_params {
    float cells_x = 1.0f;   ///< lattice cells across the width (DRAEM's second scale), > 0
    float cells_y = 1.0f;   ///< lattice cells down the height (DRAEM's first scale), > 0
    float rotation = 0.0f;  ///< radians, counter-clockwise, about the image centre
    float fill = 0.0f;      ///< value where the rotated field does not cover the image
    std::uint64_t seed = 0; ///< selects the gradient field; the kernel itself draws nothing
    int octaves = 1;        ///< fractal sum of this many octaves (1..16)
    float persistence = 0.5f;  ///< amplitude factor from one octave to the next
    float lacunarity = 2.0f;   ///< lattice frequency factor from one octave to the next
};

namespace detail {

struct perlin_octave {
    float cells_x, cells_y, amplitude;
    int nodes_x, nodes_y;  // lattice nodes: cells rounded up, plus one
};

inline perlin_octave octave(const perlin_noise_params& p, int k) noexcept {
    const float f = std::pow(p.lacunarity, float(k));
    const float cx = p.cells_x * f, cy = p.cells_y * f;
    return {cx, cy, std::pow(p.persistence, float(k)), int(std::ceil(cx)) + 1, int(std::ceil(cy)) + 1};
}

/// Ken Perlin's quintic fade 6t^5 - 15t^4 + 10t^3 (Perlin, "Improving noise", SIGGRAPH 2002).
constexpr float fade(float t) noexcept { return t * t * t * (t * (t * 6.0f - 15.0f) + 10.0f); }

}  // namespace detail

/// Floats of scratch `perlin_noise` needs for `p`: two per lattice node of every octave.
inline std::size_t perlin_scratch_size(const perlin_noise_params& p) noexcept {
    std::size_t n = 0;
    for (int k = 0; k < p.octaves; ++k) {
        const auto o = detail::octave(p, k);
        n += 2 * std::size_t(o.nodes_x) * std::size_t(o.nodes_y);
    }
    return n;
}

/// Throws std::invalid_argument naming the field unless `p` describes computable noise.
inline void validate(const perlin_noise_params& p) {
    auto bad = [](const char* field, float v, const char* allowed) {
        throw std::invalid_argument(std::string("ias::perlin_noise_params::") + field + " is " + std::to_string(v) +
                                    "; it must be " + allowed);
    };
    if (!(p.cells_x > 0.0f && p.cells_x <= 65536.0f)) bad("cells_x", p.cells_x, "in (0, 65536]");
    if (!(p.cells_y > 0.0f && p.cells_y <= 65536.0f)) bad("cells_y", p.cells_y, "in (0, 65536]");
    if (!std::isfinite(p.rotation)) bad("rotation", p.rotation, "finite");
    if (!std::isfinite(p.fill)) bad("fill", p.fill, "finite");
    if (p.octaves < 1 || p.octaves > 16) bad("octaves", float(p.octaves), "in [1, 16]");
    if (!(p.persistence > 0.0f && p.persistence <= 4.0f)) bad("persistence", p.persistence, "in (0, 4]");
    if (!(p.lacunarity >= 1.0f && p.lacunarity <= 8.0f)) bad("lacunarity", p.lacunarity, "in [1, 8]");
    if (detail::octave(p, p.octaves - 1).cells_x > 65536.0f || detail::octave(p, p.octaves - 1).cells_y > 65536.0f)
        throw std::invalid_argument("ias::perlin_noise_params: the last octave has more than 65536 cells");
}

/// Writes Perlin gradient noise into the one-channel view `out`, as DRAEM's
/// `rand_perlin_2d_np` defines it (METHODS §2.1): pixel (x, y) sits at lattice position
/// (p, q) = (y·cells_y/H, x·cells_x/W); unit gradients g = (cos θ, sin θ) with θ uniform in
/// [0, 2π) at the nodes; value √2·lerp(lerp(n00, n10, f(u)), lerp(n01, n11, f(u)), f(v)),
/// in about [-1, 1]. Octave k adds persistence^k times the noise of a lattice lacunarity^k
/// times finer, with its own gradients.
///
/// Rotation samples the field at the rotated pixel coordinates instead of resampling a
/// rotated image, so the result is the exact noise rather than its bilinear interpolation
/// (DRAEM rotates the noise image with imgaug, bilinear, fill 0); pixels whose source falls
/// outside the image get `fill`. Gradients are a pure function of (`seed`, octave, node).
///
/// Cost: linear in pixels; along a row the field is evaluated in runs that stay in one
/// lattice cell, where the inner loop has no lookups and vectorises.
/// `scratch` must hold `perlin_scratch_size(p)` floats. Throws std::invalid_argument for bad
/// parameters, a view with more than one channel, or too little scratch.
inline void perlin_noise(image_view<float> out, const perlin_noise_params& p, std::span<float> scratch) {
    constexpr int run_block = 8;  // pixels computed together (one AVX vector)
    validate(p);
    if (out.channels() != 1)
        throw std::invalid_argument("ias::fn::perlin_noise: the output must have one channel, it has " +
                                    std::to_string(out.channels()));
    if (scratch.size() < perlin_scratch_size(p))
        throw std::invalid_argument("ias::fn::perlin_noise: scratch holds " + std::to_string(scratch.size()) +
                                    " floats, it needs perlin_scratch_size() = " +
                                    std::to_string(perlin_scratch_size(p)));
    const int width = out.width(), height = out.height();
    if (out.empty()) return;

    // Gradients of every octave: node (i, j) of octave k at scratch[base_k + 2 * (i * nodes_x + j)].
    {
        float* g = scratch.data();
        for (int k = 0; k < p.octaves; ++k) {
            const auto o = detail::octave(p, k);
            rng_stream gradients(p.seed, std::uint32_t(k));
            for (int n = 0; n < o.nodes_x * o.nodes_y; ++n) {
                const double theta = 2.0 * std::numbers::pi * gradients.uniform_double();
                *g++ = float(std::cos(theta));
                *g++ = float(std::sin(theta));
            }
        }
    }

    // Output pixel (x, y) samples the field at source (sx, sy) = R(-rotation)·((x, y) - c) + c.
    const double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0;
    const double cosr = std::cos(double(p.rotation)), sinr = std::sin(double(p.rotation));
    for (int y = 0; y < height; ++y) {
        // Rows are computed in per-thread buffers with room for a whole vector past the end
        // (runs are computed in whole vectors, see below), and copied out at the end of the row.
        thread_local std::vector<float> row_buffer, octave_buffer;
        row_buffer.resize(std::size_t(width) + run_block);
        float* row = row_buffer.data();
        int first = 0, last = -1;  // the pixels whose source is inside: [first, last]; `fill` elsewhere
        auto finish_row = [&] {
            // The fill goes in last: the runs' whole blocks may have written past `last`.
            for (int x = 0; x < std::min(first, width); ++x) row[x] = p.fill;
            for (int x = std::max(last + 1, 0); x < width; ++x) row[x] = p.fill;
            if (out.pixel_stride() == 1) {
                std::copy_n(row, width, out.row(y));
                return;
            }
            for (int x = 0; x < width; ++x) out(x, y) = row[x];
        };
        // sx = cosr·x + ax, sy = -sinr·x + ay along this row.
        const double ax = -cosr * cx + sinr * (y - cy) + cx, ay = sinr * cx + cosr * (y - cy) + cy;
        // The x-interval whose source lies inside [0, W-1] × [0, H-1].
        double lo = 0.0, hi = width - 1.0;
        auto clip = [&](double a, double b, double upper) {  // 0 <= a + b·x <= upper
            constexpr double eps = 1e-4;  // pixels: a source on the border counts as inside
            if (std::abs(b) < 1e-12) {
                if (a < -eps || a > upper + eps) hi = -1.0;
                return;
            }
            double x0 = (-eps - a) / b, x1 = (upper + eps - a) / b;
            if (x0 > x1) std::swap(x0, x1);
            lo = std::max(lo, x0);
            hi = std::min(hi, x1);
        };
        clip(ax, cosr, width - 1.0);
        clip(ay, -sinr, height - 1.0);
        first = int(std::ceil(lo));
        last = int(std::floor(hi));
        if (first > last) {
            finish_row();
            continue;
        }

        const float* g = scratch.data();
        for (int k = 0; k < p.octaves; ++k) {
            const auto o = detail::octave(p, k);
            // Lattice coordinates along the row: p = p0 + dp·x (rows), q = q0 + dq·x (columns).
            const double ky = o.cells_y / height, kx = o.cells_x / width;
            const double p0 = ay * ky, dp = -sinr * ky, q0 = ax * kx, dq = cosr * kx;
            const float scale = float(std::numbers::sqrt2) * o.amplitude;
            // Octave 0 is written into the row; the others into a row of their own, added after.
            if (k > 0) octave_buffer.resize(std::size_t(width) + run_block);
            float* octave_row = k > 0 ? octave_buffer.data() : row;
            // Walk the row in runs that stay in one lattice cell. The pixels where p (or q)
            // enters the next cell form an arithmetic sequence, followed incrementally.
            struct axis {
                double start, step;  // coordinate = start + step·x
                int cell, last_cell;
                double next;  // x where the coordinate leaves `cell`
                double spacing;

                axis(double start_, double step_, int x, int last_cell_) : start(start_), step(step_), last_cell(last_cell_) {
                    cell = std::clamp(int(std::floor(start + step * x)), 0, last_cell);
                    spacing = step != 0.0 ? std::abs(1.0 / step) : 0.0;
                    next = step > 0.0 ? (cell + 1 - start) / step : step < 0.0 ? (cell - start) / step : 1e300;
                }
                /// The first pixel at or after which the coordinate is in another cell.
                [[nodiscard]] double boundary() const { return step > 0.0 ? std::ceil(next) : std::floor(next) + 1.0; }
                /// Moves `cell` on past every boundary at or before pixel x.
                void advance_to(int x) {
                    while (boundary() <= x) {
                        cell = std::clamp(cell + (step > 0.0 ? 1 : -1), 0, last_cell);
                        next += spacing;
                    }
                }
            };
            axis rows(p0, dp, first, o.nodes_y - 2), cols(q0, dq, first, o.nodes_x - 2);
            for (int x = first; x <= last;) {
                const int end = int(std::max(std::min({rows.boundary(), cols.boundary(), double(last + 1)}), double(x + 1)));
                const int ci = rows.cell, cj = cols.cell;
                const float* g00 = g + 2 * (ci * o.nodes_x + cj);
                const float* g10 = g00 + 2 * o.nodes_x;  // next lattice row
                // Within the run u = u0 + du·t and v = v0 + dv·t (t = pixel - x) are linear,
                // so are the corner dot products: n00 = c00 + e00·t, and so on.
                const float u0 = float(p0 + dp * x - ci), du = float(dp), v0 = float(q0 + dq * x - cj), dv = float(dq);
                // Corner (i, j) has gradient grad and offset (u - i, v - j): constant c, slope e.
                auto constant = [&](const float* grad, float i, float j) { return grad[0] * (u0 - i) + grad[1] * (v0 - j); };
                auto slope = [&](const float* grad) { return grad[0] * du + grad[1] * dv; };
                const float c00 = constant(g00, 0, 0), e00 = slope(g00), c01 = constant(g00 + 2, 0, 1), e01 = slope(g00 + 2);
                const float a0 = constant(g10, 1, 0) - c00, b0 = slope(g10) - e00;
                const float a1 = constant(g10 + 2, 1, 1) - c01, b1 = slope(g10 + 2) - e01;
                float* out_run = octave_row + x;
                const int length = end - x;
                auto value = [=](int t) {
                    const float ft = float(t);
                    const float a = detail::fade(u0 + du * ft), b = detail::fade(v0 + dv * ft);
                    const float n0 = (c00 + e00 * ft) + a * (a0 + b0 * ft);
                    const float n1 = (c01 + e01 * ft) + a * (a1 + b1 * ft);
                    return scale * (n0 + b * (n1 - n0));
                };
                // Whole blocks of `run_block` pixels, so that short runs (a few pixels per cell at
                // fine scales) take vector code rather than a scalar remainder loop; what a block
                // writes past the run is overwritten by the next run or lies in the padding.
                for (int t0 = 0; t0 < length; t0 += run_block)
                    for (int t = t0; t < t0 + run_block; ++t) out_run[t] = value(t);
                x = end;
                rows.advance_to(x);
                cols.advance_to(x);
            }
            if (k > 0)
                for (int x = first; x <= last; ++x) row[x] += octave_row[x];
            g += 2 * std::size_t(o.nodes_x) * std::size_t(o.nodes_y);
        }
        finish_row();
    }
}

/// `perlin_noise` with scratch of its own: convenient, but it allocates on every call.
inline void perlin_noise(image_view<float> out, const perlin_noise_params& p) {
    validate(p);
    std::vector<float> scratch(perlin_scratch_size(p));
    perlin_noise(out, p, scratch);
}

}  // namespace ias::fn
