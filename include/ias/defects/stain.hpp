// SPDX-License-Identifier: MIT
// render_stain: a soft-edged fractal blob (contamination, an oily spot) shifting intensity or tinting toward a colour.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <optional>
#include <stdexcept>

#include "../core/image.hpp"
#include "../core/luma.hpp"
#include "../core/rng.hpp"
#include "defect_spec.hpp"
#include "placement.hpp"

namespace ias {

/// Lattice values of the stain's boundary noise: octave k has 5·2^k of them around the circle.
inline constexpr int stain_max_octaves = 4;
inline constexpr std::size_t stain_boundary_values = 5 + 10 + 20 + 40;
/// Side of the square lattice of the stain's interior mottling.
inline constexpr int stain_mottle_side = 6;

/// What one stain looks like, drawn from a defect_spec by `sample_stain`. With the default
/// (zero) boundary lattice the outline is an exact ellipse.
struct stain_params {
    float x = 0, y = 0;       ///< centre, pixels
    float radius = 10;        ///< semi-axis along `angle`, pixels (half the diameter)
    float aspect = 1;         ///< the other semi-axis over `radius`, in (0, 1]
    float angle = 0;          ///< direction of the `radius` axis, radians
    float contrast = 0.12f;   ///< intensity change at full coverage; with a colour, half the blend weight
    bool bright = false;      ///< lighter rather than darker (ignored with a colour)
    std::optional<std::array<float, 3>> colour{};  ///< RGB in [0, 1] to tint toward; none: an intensity shift
    float softness = 0.7f;    ///< edge softness in [0, 1]: the edge is max(1, 0.3·softness·radius) pixels wide
    int octaves = 3;          ///< octaves of boundary noise used, 1 … stain_max_octaves
    float roughness = 0.25f;  ///< boundary displacement at noise ±1, as a fraction of the radius, in [0, 0.45]
    /// Boundary noise lattice values in [-1, 1]: octave k's 5·2^k values follow octave k−1's.
    std::array<float, stain_boundary_values> boundary{};
    float mottle = 0.0f;      ///< depth of the interior mottling in [0, 0.5]: coverage × (1 − mottle·m), m ∈ [0, 1]
    /// Mottling lattice values in [0, 1], row-major, spanning ±1.5 radii about the centre.
    std::array<float, stain_mottle_side * stain_mottle_side> mottle_lattice{};
};

/// Draws a stain for `spec` at `site` on a W × H image: the diameter from spec.size (a fraction
/// of min(W, H)), an aspect in [0.7, 1], the angle spec.orientation (degrees, ±5°) or uniform,
/// contrast from spec.contrast, polarity (any: dark with probability ¾, since stains are
/// usually darker), spec.colour and spec.softness; 2 to 4 octaves of boundary noise with
/// roughness in [0.2, 0.4], and mottling in [0.1, 0.35]. Every lattice value comes from `rng`,
/// and the number of draws does not depend on the spec.
inline stain_params sample_stain(const defect_spec& spec, const defect_site& site, int width, int height, rng_stream& rng) {
    constexpr float pi = std::numbers::pi_v<float>;
    stain_params p;
    p.x = site.x, p.y = site.y;
    p.radius = detail::placement::radius_from_size(spec, width, height, rng);
    p.aspect = rng.uniform(0.7f, 1.0f);
    const float jitter = rng.uniform(-5.0f, 5.0f) * pi / 180.0f;
    const float any_angle = rng.uniform(0.0f, pi);
    p.angle = spec.orientation ? *spec.orientation * pi / 180.0f + jitter : any_angle;
    p.contrast = rng.uniform(spec.contrast.min, spec.contrast.max);
    const bool coin = rng.bernoulli(0.25);
    p.bright = spec.polarity == defect_polarity::bright || (spec.polarity == defect_polarity::any && coin);
    p.colour = spec.colour;
    p.softness = spec.softness;
    p.octaves = int(rng.integer(2, stain_max_octaves));
    p.roughness = rng.uniform(0.2f, 0.4f);
    for (float& v : p.boundary) v = rng.uniform(-1.0f, 1.0f);
    p.mottle = rng.uniform(0.1f, 0.35f);
    for (float& v : p.mottle_lattice) v = rng.uniform();
    return p;
}

namespace detail::stain {

/// Changes smaller than this are dropped, coverage and all, so that every masked pixel
/// visibly changes: a smaller step could vanish in float rounding (half an ulp of 0.5 is 3e-8).
inline constexpr float min_change = 1e-5f;

/// Cubic smoothstep weight, so value noise has a continuous slope at the lattice nodes.
constexpr float smooth(float t) noexcept { return t * t * (3.0f - 2.0f * t); }

/// Fractal periodic value noise of the boundary at turn fraction `t` ∈ [0, 1), in [-1, 1].
inline float boundary_noise(const stain_params& p, float t) noexcept {
    float sum = 0.0f, norm = 0.0f, amplitude = 1.0f;
    std::size_t offset = 0;
    const int octaves = std::clamp(p.octaves, 1, stain_max_octaves);
    for (int k = 0; k < octaves; ++k) {
        const int n = 5 << k;
        const float f = t * float(n);
        const int i = std::min(int(f), n - 1);
        const float w = smooth(f - float(i));
        const float a = p.boundary[offset + std::size_t(i)], b = p.boundary[offset + std::size_t((i + 1) % n)];
        sum += amplitude * (a + w * (b - a));
        norm += amplitude;
        amplitude *= 0.6f;
        offset += std::size_t(n);
    }
    return sum / norm;
}

/// The polar angle of (x, y) as a fraction of a turn in [0, 1), by an odd minimax polynomial
/// for atan on [0, 1] (Abramowitz and Stegun 4.4.49, error 1e-5 rad) and octant symmetry:
/// a table lookup needs no more, and it is several times cheaper than std::atan2.
inline float turn_fraction(float x, float y) noexcept {
    const float ax = std::abs(x), ay = std::abs(y);
    const float hi = std::max(ax, ay), lo = std::min(ax, ay);
    if (!(hi > 0.0f)) return 0.0f;
    const float z = lo / hi, z2 = z * z;
    float a = z * (0.9998660f + z2 * (-0.3302995f + z2 * (0.1801410f + z2 * (-0.0851330f + z2 * 0.0208351f))));
    constexpr float quarter = 0.5f * std::numbers::pi_v<float>, pi = std::numbers::pi_v<float>;
    if (ay > ax) a = quarter - a;
    if (x < 0.0f) a = pi - a;
    if (y < 0.0f) a = 2.0f * pi - a;
    const float t = a * (0.5f / pi);
    return t < 1.0f ? t : 0.0f;
}

}  // namespace detail::stain

/// Renders the stain into `pixels` (float [0, 1], 1, 3 or 4 channels) and raises `mask` (one
/// channel, the image's size) to its coverage.
///
/// The outline is an ellipse whose normalised radius at polar angle θ is
/// ρ(θ) = 1 + roughness·N(θ), with N fractal periodic value noise (octave k: 5·2^k lattice
/// values around the circle, amplitude 0.6^k, smoothstep interpolation). With d the pixel's
/// normalised elliptical radius and s = (d − ρ(θ))·|offset|/d its approximate distance outside
/// the outline in pixels, the coverage is smoothstep(clamp(½ − s/e, 0, 1)) · (1 − mottle·m(x, y))
/// with e = max(1, 0.3·softness·radius) and m bilinear-smoothstep value noise on a 6 × 6
/// lattice. The covered set is star-shaped about the centre, hence one connected region.
///
/// Without a colour each channel moves by ±contrast·coverage. With one, each colour channel
/// moves toward the colour by the weight min(1, 2·contrast·coverage) (a one-channel image
/// toward its luminance 0.299R + 0.587G + 0.114B; a fourth channel is left alone). Results
/// are clamped to [0, 1]. Pixels whose change would be below 1e-5 are left alone, mask
/// included, so the mask is positive exactly where the pixel changed (before clamping). ρ is tabulated at 256 angles per call;
/// visits only the stain's bounding box; allocates nothing.
/// Throws std::invalid_argument when the mask is not one channel of the image's size.
inline void render_stain(image<float>& pixels, image<float>& mask, const stain_params& p) {
    namespace ds = detail::stain;
    detail::placement::expect_mask("render_stain", pixels, mask);
    if (!(p.radius > 0.0f && p.aspect > 0.0f && p.contrast > 0.0f)) return;
    constexpr int bins = 256;
    const float roughness = std::clamp(p.roughness, 0.0f, 0.45f);
    std::array<float, bins + 1> rho{};
    float rho_max = 0.0f;
    for (int k = 0; k < bins; ++k) {
        rho[std::size_t(k)] = 1.0f + roughness * ds::boundary_noise(p, float(k) / float(bins));
        rho_max = std::max(rho_max, rho[std::size_t(k)]);
    }
    rho[bins] = rho[0];

    const float a = p.radius, b = p.radius * std::min(1.0f, p.aspect);
    const float edge = std::max(1.0f, 0.3f * std::clamp(p.softness, 0.0f, 1.0f) * p.radius);
    const float reach = a * (rho_max + 0.05f) + 0.5f * edge + 1.0f;  // + 0.05: between the tabulated angles
    const int x0 = std::max(0, int(std::floor(p.x - reach))), x1 = std::min(pixels.width() - 1, int(std::ceil(p.x + reach)));
    const int y0 = std::max(0, int(std::floor(p.y - reach))), y1 = std::min(pixels.height() - 1, int(std::ceil(p.y + reach)));
    if (x0 > x1 || y0 > y1) return;

    const float ca = std::cos(p.angle), sa = std::sin(p.angle), ia = 1.0f / a, ib = 1.0f / b;
    const float mottle = std::clamp(p.mottle, 0.0f, 0.5f);
    constexpr int side = stain_mottle_side;
    const float lattice_scale = float(side - 1) / 3.0f;  // ±1.5 radii onto [0, side − 1]
    const int channels = pixels.channels();
    const float sign = p.bright ? 1.0f : -1.0f;
    std::array<float, 4> target{};
    int tinted = 0;
    if (p.colour) {
        const auto& col = *p.colour;
        if (channels == 1) target[0] = luma(col[0], col[1], col[2]), tinted = 1;
        else target = {col[0], col[1], col[2], 0.0f}, tinted = 3;
    }
    for (int y = y0; y <= y1; ++y)
        for (int x = x0; x <= x1; ++x) {
            const float dx = float(x) + 0.5f - p.x, dy = float(y) + 0.5f - p.y;
            const float u = (dx * ca + dy * sa) * ia, v = (-dx * sa + dy * ca) * ib;
            const float d = std::sqrt(u * u + v * v);
            const float t = ds::turn_fraction(u, v) * float(bins);
            const int i = std::clamp(int(t), 0, bins - 1);
            const float outline = rho[std::size_t(i)] + (t - float(i)) * (rho[std::size_t(i) + 1] - rho[std::size_t(i)]);
            const float s = d > 0.0f ? (d - outline) * std::sqrt(dx * dx + dy * dy) / d : -a;
            const float ramp = std::clamp(0.5f - s / edge, 0.0f, 1.0f);
            if (ramp <= 0.0f) continue;
            // Mottling: value noise on the lattice spanning ±1.5 radii, in the ellipse's frame.
            const float gx = std::clamp((u + 1.5f) * lattice_scale, 0.0f, float(side - 1) - 1e-4f);
            const float gy = std::clamp((v * (b * ia) + 1.5f) * lattice_scale, 0.0f, float(side - 1) - 1e-4f);
            const int ix = int(gx), iy = int(gy);
            const float wx = ds::smooth(gx - float(ix)), wy = ds::smooth(gy - float(iy));
            const float* row = p.mottle_lattice.data() + iy * side + ix;
            const float top = row[0] + wx * (row[1] - row[0]), bottom = row[side] + wx * (row[side + 1] - row[side]);
            const float m = std::clamp(top + wy * (bottom - top), 0.0f, 1.0f);
            const float coverage = ds::smooth(ramp) * (1.0f - mottle * m);
            if (tinted > 0) {
                const float weight = std::min(1.0f, 2.0f * p.contrast * coverage);
                float largest = 0.0f;
                for (int c = 0; c < tinted; ++c)
                    largest = std::max(largest, std::abs(weight * (target[std::size_t(c)] - pixels(x, y, c))));
                if (!(largest >= ds::min_change)) continue;
                for (int c = 0; c < tinted; ++c) {
                    float& px = pixels(x, y, c);
                    px = std::clamp(px + weight * (target[std::size_t(c)] - px), 0.0f, 1.0f);
                }
            } else {
                const float change = sign * p.contrast * coverage;
                if (!(std::abs(change) >= ds::min_change)) continue;
                for (int c = 0; c < channels; ++c) pixels(x, y, c) = std::clamp(pixels(x, y, c) + change, 0.0f, 1.0f);
            }
            mask(x, y) = std::max(mask(x, y), coverage);
        }
}

}  // namespace ias
