// SPDX-License-Identifier: MIT
// render_pore: a dark elliptical pit (blowhole) with a bowl-shaped floor and a bright rim, or its inverse, a bump.
#pragma once

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "../core/image.hpp"
#include "../core/rng.hpp"
#include "defect_spec.hpp"
#include "placement.hpp"

namespace ias {

/// What one pore looks like, drawn from a defect_spec by `sample_pore`.
struct pore_params {
    float x = 0, y = 0;         ///< centre, pixels
    float rx = 4, ry = 4;       ///< semi-axes, pixels (rx along `angle`, ry across it)
    float angle = 0;            ///< direction of the rx axis, radians
    float depth = 0.3f;         ///< intensity change at the centre of the pit, in [0, 1]
    float rim_width = 1;        ///< width of the ring just outside the pit, pixels (0: no rim)
    float rim_contrast = 0.12f; ///< intensity change at the middle of the rim (about 0.4 · depth)
    bool bright = false;        ///< a bright bump with a dark rim instead of a dark pit with a bright rim
    float softness = 0.2f;      ///< edge softness in [0, 1]: the pit's edge is max(1, 3·softness) pixels wide
};

/// Draws a pore for `spec` at `site` on a W × H image: the major diameter 2·rx from spec.size
/// (a fraction of min(W, H)), ry = rx · aspect with aspect uniform in [0.6, 1], the angle
/// spec.orientation (degrees, ±5°) or uniform, depth from spec.contrast, a rim of
/// max(1, (0.2…0.3)·r) pixels (r = √(rx·ry)) at (0.3…0.5)·depth, and spec.softness. A pore is
/// dark unless spec.polarity is `bright`. Draws the same number of values whatever the spec.
inline pore_params sample_pore(const defect_spec& spec, const defect_site& site, int width, int height, rng_stream& rng) {
    constexpr float pi = std::numbers::pi_v<float>;
    pore_params p;
    p.x = site.x, p.y = site.y;
    p.rx = detail::placement::radius_from_size(spec, width, height, rng);
    p.ry = p.rx * rng.uniform(0.6f, 1.0f);
    const float jitter = rng.uniform(-5.0f, 5.0f) * pi / 180.0f;
    const float any_angle = rng.uniform(0.0f, pi);
    p.angle = spec.orientation ? *spec.orientation * pi / 180.0f + jitter : any_angle;
    p.depth = rng.uniform(spec.contrast.min, spec.contrast.max);
    p.rim_width = std::max(1.0f, rng.uniform(0.2f, 0.3f) * std::sqrt(p.rx * p.ry));
    p.rim_contrast = p.depth * rng.uniform(0.3f, 0.5f);
    p.bright = spec.polarity == defect_polarity::bright;
    p.softness = spec.softness;
    return p;
}

/// Renders the pore into `pixels` (float [0, 1], 1, 3 or 4 channels, every channel alike) and
/// raises `mask` (one channel, the image's size) to its coverage.
///
/// With u, v the pixel centre's offset along and across the axes, ρ = √((u/rx)² + (v/ry)²) is
/// the normalised elliptical radius and s = (ρ − 1)·|(u, v)|/ρ approximates the signed distance
/// to the ellipse in pixels. Inside, the pit's coverage c = clamp(½ − s/e, 0, 1) with
/// e = max(1, 3·softness), and the pixel darkens by depth·c·(0.35 + 0.65·√(1 − ρ²)): a bowl,
/// deepest at the centre, whose steep walls stay in shadow down to the edge. Outside, the rim
/// occupies s ∈ (e/2, e/2 + rim_width) with the profile b = sin(π·t), t the position across
/// the band, and brightens the pixel by rim_contrast·b. The two never overlap, so the mask
/// (c in the pit, b on the rim) is positive exactly where the pixel changed (before clamping
/// to [0, 1]; changes below 1e-5 are dropped, mask included). `bright` swaps the signs.
/// Visits only the pore's bounding box; allocates nothing.
/// Throws std::invalid_argument when the mask is not one channel of the image's size.
inline void render_pore(image<float>& pixels, image<float>& mask, const pore_params& p) {
    detail::placement::expect_mask("render_pore", pixels, mask);
    if (!(p.rx > 0.0f && p.ry > 0.0f) || (p.depth <= 0.0f && p.rim_contrast <= 0.0f)) return;
    const float edge = std::max(1.0f, 3.0f * p.softness);
    const float rim = std::max(0.0f, p.rim_width);
    const float reach = std::max(p.rx, p.ry) + 0.5f * edge + rim + 1.0f;
    const int x0 = std::max(0, int(std::floor(p.x - reach))), x1 = std::min(pixels.width() - 1, int(std::ceil(p.x + reach)));
    const int y0 = std::max(0, int(std::floor(p.y - reach))), y1 = std::min(pixels.height() - 1, int(std::ceil(p.y + reach)));
    const float ca = std::cos(p.angle), sa = std::sin(p.angle);
    const float irx = 1.0f / p.rx, iry = 1.0f / p.ry;
    const float sign = p.bright ? 1.0f : -1.0f;
    const int channels = pixels.channels();
    for (int y = y0; y <= y1; ++y)
        for (int x = x0; x <= x1; ++x) {
            const float dx = float(x) + 0.5f - p.x, dy = float(y) + 0.5f - p.y;
            const float u = dx * ca + dy * sa, v = -dx * sa + dy * ca;
            const float rho2 = (u * irx) * (u * irx) + (v * iry) * (v * iry);
            const float rho = std::sqrt(rho2);
            // Signed distance to the ellipse along the ray from the centre (exact for a circle).
            const float s = rho > 0.0f ? (rho - 1.0f) * std::sqrt(dx * dx + dy * dy) / rho : -std::min(p.rx, p.ry);
            float change = 0.0f, coverage = 0.0f;
            if (s < 0.5f * edge) {
                coverage = std::min(1.0f, 0.5f - s / edge);
                const float bowl = 0.35f + 0.65f * std::sqrt(std::max(0.0f, 1.0f - rho2));
                change = sign * p.depth * coverage * bowl;
            } else if (rim > 0.0f && s < 0.5f * edge + rim) {
                coverage = std::sin(std::numbers::pi_v<float> * (s - 0.5f * edge) / rim);
                change = -sign * p.rim_contrast * coverage;
            }
            // Drop changes too small to survive float rounding, so every masked pixel changes.
            if (!(std::abs(change) >= 1e-5f)) continue;
            for (int c = 0; c < channels; ++c) pixels(x, y, c) = std::clamp(pixels(x, y, c) + change, 0.0f, 1.0f);
            mask(x, y) = std::max(mask(x, y), coverage);
        }
}

}  // namespace ias
