// SPDX-License-Identifier: MIT
// render_dent: a smooth elliptical dent or bump, seen only through its shading under a directional light.
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

/// What one dent (or bump) looks like, drawn from a defect_spec by `sample_dent`.
struct dent_params {
    float x = 0, y = 0;                        ///< centre, pixels
    float radius = 10;                         ///< semi-major axis R, pixels
    float aspect = 1;                          ///< semi-minor / semi-major axis, (0, 1]
    float angle = 0;                           ///< direction of the major axis, radians
    float slope = 0.6f;                        ///< steepest slope of the surface (height per pixel), > 0
    float contrast = 0.2f;                     ///< the largest intensity change, [0, 1]
    float light_azimuth = 0;                   ///< direction towards the light in the image plane, radians (y down)
    float light_elevation = 0.78539816f;       ///< the light's angle above the surface, radians (45°)
    bool bump = false;                         ///< raised (a bump) rather than sunk (a dent)
};

/// Draws a dent for `spec` at `site` on a W × H image: R = size × min(W, H) / 2 (spec.size is a
/// diameter), aspect uniform in [0.6, 1], the major axis along spec.orientation (or uniform),
/// contrast from spec.contrast, the light's azimuth uniform, its elevation 45°; a bump when
/// spec.polarity is bright, a dent otherwise (dark or any).
inline dent_params sample_dent(const defect_spec& spec, const defect_site& site, int width, int height, rng_stream& rng) {
    constexpr float pi = std::numbers::pi_v<float>;
    dent_params p;
    p.x = site.x, p.y = site.y;
    p.radius = detail::placement::radius_from_size(spec, width, height, rng);
    p.aspect = rng.uniform(0.6f, 1.0f);
    p.angle = spec.orientation ? *spec.orientation * pi / 180.0f : rng.uniform(0.0f, pi);
    p.contrast = rng.uniform(spec.contrast.min, spec.contrast.max);
    p.light_azimuth = rng.uniform(-pi, pi);
    p.bump = spec.polarity == defect_polarity::bright;
    return p;
}

/// Renders the dent into `pixels` (float [0, 1], any channels) and raises `mask` (one channel,
/// the image's size) where it is visible.
///
/// The surface is h = ±A·(1 − ρ²)² for ρ < 1, where ρ is the elliptical radius
/// √((u/R)² + (v/(aspect·R))²) in the frame of the major axis: smooth (C¹ at the rim) and flat
/// at the centre; negative for a dent, positive for a bump, with A chosen so that the steepest
/// slope, across the minor axis, is `slope`. Under a light l = (cos e·cos a, cos e·sin a, sin e),
/// Lambert's law gives n·l = (sin e − ∇h·l_xy) / √(1 + |∇h|²) with n the normal. Only its odd
/// part in h, −∇h·l_xy / √(1 + |∇h|²), is kept: the even part darkens both a dent's and a
/// bump's flanks a little (foreshortening), and dropping it makes a dent and a bump exact
/// mirror images, as they look on a real surface. ΔI = contrast × that odd part / its largest
/// value (cos e·slope / √(1 + slope²)), so |ΔI| ≤ contrast, reached where the steepest slope
/// faces the light. For a dent the wall nearer the light turns away from it and darkens, and
/// the far wall brightens; a bump is the reverse. The mask is min(1, |ΔI| / (0.25·contrast))
/// inside the ellipse, and a pixel changes (ΔI, clamped to [0, 1]) exactly where |ΔI| ≥ 1e-4,
/// where the mask is then > 0; so the mask is non-zero exactly where the image changed, when
/// no clamping occurs. Visits only the ellipse's bounding box; allocates nothing.
/// Throws std::invalid_argument when the mask is not one channel of the image's size.
inline void render_dent(image<float>& pixels, image<float>& mask, const dent_params& p) {
    detail::placement::expect_mask("render_dent", pixels, mask);
    if (!(p.radius > 0.0f) || !(p.contrast > 0.0f) || !(p.aspect > 0.0f) || !(p.slope > 0.0f)) return;
    const float major = p.radius, minor = p.aspect * p.radius;
    // The steepest slope of A·(1 − s²)² over s ∈ [0, 1] is A·8 / (3√3) per unit s; s runs over
    // the semi-minor axis fastest.
    const float amplitude = (p.bump ? 1.0f : -1.0f) * p.slope * minor * 3.0f * std::sqrt(3.0f) / 8.0f;
    const float ca = std::cos(p.angle), sa = std::sin(p.angle);
    const float flat = std::cos(p.light_elevation);
    const float lx = flat * std::cos(p.light_azimuth), ly = flat * std::sin(p.light_azimuth);
    const float peak = flat * p.slope / std::sqrt(1.0f + p.slope * p.slope);
    if (!(peak > 0.0f)) return;  // a light straight overhead shows no relief
    const float scale = p.contrast / peak, significant = 0.25f * p.contrast;
    const float inv_major2 = 1.0f / (major * major), inv_minor2 = 1.0f / (minor * minor);

    const int x0 = std::max(0, int(std::floor(p.x - major))), x1 = std::min(pixels.width() - 1, int(std::ceil(p.x + major)));
    const int y0 = std::max(0, int(std::floor(p.y - major))), y1 = std::min(pixels.height() - 1, int(std::ceil(p.y + major)));
    for (int y = y0; y <= y1; ++y)
        for (int x = x0; x <= x1; ++x) {
            const float qx = float(x) + 0.5f - p.x, qy = float(y) + 0.5f - p.y;
            const float u = ca * qx + sa * qy, v = -sa * qx + ca * qy;
            const float rho2 = u * u * inv_major2 + v * v * inv_minor2;
            if (rho2 >= 1.0f) continue;
            // ∇h = −4A(1 − ρ²)·(u / R², v / (aspect·R)²) in the (u, v) frame, rotated back.
            const float k = -4.0f * amplitude * (1.0f - rho2);
            const float hu = k * u * inv_major2, hv = k * v * inv_minor2;
            const float hx = ca * hu - sa * hv, hy = sa * hu + ca * hv;
            const float change = -scale * (hx * lx + hy * ly) / std::sqrt(1.0f + hx * hx + hy * hy);
            if (!(std::abs(change) >= 1e-4f)) continue;  // too small to see or to represent
            for (int c = 0; c < pixels.channels(); ++c) pixels(x, y, c) = std::clamp(pixels(x, y, c) + change, 0.0f, 1.0f);
            mask(x, y) = std::max(mask(x, y), std::min(1.0f, std::abs(change) / significant));
        }
}

}  // namespace ias
