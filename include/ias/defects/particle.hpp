// SPDX-License-Identifier: MIT
// render_particle: a small irregular polygonal foreign body (dust, debris) in a solid shade, with a faint offset shadow.
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

/// The most vertices a particle's outline has.
inline constexpr int particle_max_vertices = 9;

/// What one particle looks like, drawn from a defect_spec by `sample_particle`. The defaults
/// are a regular hexagon without a shadow.
struct particle_params {
    float x = 0, y = 0;        ///< centre, pixels
    float radius = 3;          ///< nominal radius (half the diameter), pixels
    int vertices = 6;          ///< corners of the outline, 3 … particle_max_vertices
    float rotation = 0;        ///< angle of the first corner, radians
    /// Corner k sits at angle rotation + 2πk/vertices + angle_jitter[k] (radians, keep within
    /// ±π/vertices so the outline stays simple) and distance radius · radius_scale[k].
    std::array<float, particle_max_vertices> angle_jitter{};
    std::array<float, particle_max_vertices> radius_scale{1, 1, 1, 1, 1, 1, 1, 1, 1};
    float contrast = 0.4f;     ///< the fill's offset from the surface's mean, in [0, 1]
    bool bright = false;       ///< lighter than the surface rather than darker (ignored with a colour)
    std::optional<std::array<float, 3>> colour{};  ///< RGB fill in [0, 1]; none: the surface's mean ± contrast
    float shadow = 0;          ///< shadow darkening as a fraction of contrast (0: none; about 0.3)
    float shadow_dx = 0, shadow_dy = 0;  ///< shadow offset, pixels
    float softness = 0.15f;    ///< edge softness in [0, 1]: the edge is max(1, 3·softness) pixels wide
};

/// Draws a particle for `spec` at `site` on a W × H image: the diameter 2·radius from spec.size
/// (a fraction of min(W, H)), 5 to 9 corners at radii jittered ±30 % and angles jittered by up to
/// ±0.3 of half their spacing, contrast from spec.contrast, polarity (any: dark or bright with
/// probability ½), spec.colour and spec.softness; with probability 0.7 a shadow at 0.3·contrast
/// offset (0.25…0.35)·radius in a uniform direction. The number of draws does not depend on the spec.
inline particle_params sample_particle(const defect_spec& spec, const defect_site& site, int width, int height, rng_stream& rng) {
    constexpr float pi = std::numbers::pi_v<float>;
    particle_params p;
    p.x = site.x, p.y = site.y;
    p.radius = detail::placement::radius_from_size(spec, width, height, rng);
    p.vertices = int(rng.integer(5, particle_max_vertices));
    p.rotation = rng.uniform(0.0f, 2.0f * pi);
    const float spacing = 2.0f * pi / float(p.vertices);
    for (int k = 0; k < particle_max_vertices; ++k) {
        p.angle_jitter[std::size_t(k)] = rng.uniform(-0.15f, 0.15f) * spacing;
        p.radius_scale[std::size_t(k)] = rng.uniform(0.7f, 1.3f);
    }
    p.contrast = rng.uniform(spec.contrast.min, spec.contrast.max);
    const bool coin = rng.bernoulli(0.5);
    p.bright = spec.polarity == defect_polarity::bright || (spec.polarity == defect_polarity::any && coin);
    p.colour = spec.colour;
    p.softness = spec.softness;
    const bool shadowed = rng.bernoulli(0.7);
    const float direction = rng.uniform(-pi, pi), offset = rng.uniform(0.25f, 0.35f) * p.radius;
    p.shadow = shadowed ? 0.3f : 0.0f;
    p.shadow_dx = offset * std::cos(direction), p.shadow_dy = offset * std::sin(direction);
    return p;
}

namespace detail::particle {

/// Changes smaller than this are dropped, coverage and all, so that every masked pixel
/// visibly changes (half an ulp of 0.5 is 3e-8).
inline constexpr float min_change = 1e-5f;

/// Signed distance from (qx, qy) to the closed polygon of `n` corners (negative inside):
/// the nearest edge's distance, signed by the even-odd rule.
inline float signed_distance(const float* vx, const float* vy, int n, float qx, float qy) noexcept {
    float best = 3.4e38f;
    bool inside = false;
    for (int i = 0, j = n - 1; i < n; j = i++) {
        const float ex = vx[i] - vx[j], ey = vy[i] - vy[j];
        const float wx = qx - vx[j], wy = qy - vy[j];
        const float len2 = ex * ex + ey * ey;
        const float t = len2 > 0.0f ? std::clamp((wx * ex + wy * ey) / len2, 0.0f, 1.0f) : 0.0f;
        const float dx = wx - t * ex, dy = wy - t * ey;
        best = std::min(best, dx * dx + dy * dy);
        if ((vy[i] > qy) != (vy[j] > qy) && qx < vx[j] + (qy - vy[j]) * ex / ey) inside = !inside;
    }
    const float d = std::sqrt(best);
    return inside ? -d : d;
}

}  // namespace detail::particle

/// Renders the particle into `pixels` (float [0, 1], 1, 3 or 4 channels) and raises `mask`
/// (one channel, the image's size) to its coverage.
///
/// The particle is opaque: it hides the surface under a solid fill, the mean of each channel
/// over its bounding box ± contrast (clamped to [0, 1]), or the colour (a one-channel image
/// takes its luminance 0.299R + 0.587G + 0.114B; a fourth channel keeps the surface). Its
/// coverage is clamp(½ − s/e, 0, 1) for the signed distance s to the polygon and
/// e = max(1, 3·softness), and a pixel becomes surface + coverage·(fill − surface), so on a flat
/// surface the interior is exactly surface ± contrast. The shadow is the same polygon moved by
/// (shadow_dx, shadow_dy) with an edge twice as wide; it darkens every channel by
/// shadow·contrast·coverage, only where the particle does not cover, so the two never cancel.
/// The mask is the larger of the two coverages, positive exactly where the pixel changed (before
/// clamping; changes below 1e-5 are dropped, mask included). Visits only the bounding box of the
/// particle and its shadow; allocates nothing.
/// Throws std::invalid_argument when the mask is not one channel of the image's size.
inline void render_particle(image<float>& pixels, image<float>& mask, const particle_params& p) {
    namespace dp = detail::particle;
    detail::placement::expect_mask("render_particle", pixels, mask);
    if (!(p.radius > 0.0f)) return;
    const int n = std::clamp(p.vertices, 3, particle_max_vertices);
    std::array<float, particle_max_vertices> vx{}, vy{}, sx{}, sy{};
    float extent = 0.0f;
    for (int k = 0; k < n; ++k) {
        const std::size_t i = std::size_t(k);
        const float phi = p.rotation + 2.0f * std::numbers::pi_v<float> * float(k) / float(n) + p.angle_jitter[i];
        const float r = p.radius * std::max(0.0f, p.radius_scale[i]);
        vx[i] = p.x + r * std::cos(phi), vy[i] = p.y + r * std::sin(phi);
        sx[i] = vx[i] + p.shadow_dx, sy[i] = vy[i] + p.shadow_dy;
        extent = std::max(extent, r);
    }
    const float edge = std::max(1.0f, 3.0f * std::clamp(p.softness, 0.0f, 1.0f));
    const float shadow_edge = 2.0f * edge;
    const bool shadowed = p.shadow > 0.0f && p.contrast > 0.0f;
    const float reach = extent + 0.5f * std::max(edge, shadowed ? shadow_edge : 0.0f) +
                        (shadowed ? std::max(std::abs(p.shadow_dx), std::abs(p.shadow_dy)) : 0.0f) + 1.0f;
    const int x0 = std::max(0, int(std::floor(p.x - reach))), x1 = std::min(pixels.width() - 1, int(std::ceil(p.x + reach)));
    const int y0 = std::max(0, int(std::floor(p.y - reach))), y1 = std::min(pixels.height() - 1, int(std::ceil(p.y + reach)));
    if (x0 > x1 || y0 > y1) return;

    // The fill: the surface's mean over the box, shifted by the contrast, or the colour.
    const int channels = pixels.channels();
    std::array<float, 4> fill{};
    int filled = channels;  // channels the particle paints; with a colour a fourth one keeps the surface
    if (p.colour) {
        const auto& col = *p.colour;
        if (channels == 1) fill[0] = luma(col[0], col[1], col[2]);
        else fill = {col[0], col[1], col[2], 0.0f}, filled = 3;
    } else {
        std::array<double, 4> sum{};
        for (int y = y0; y <= y1; ++y)
            for (int x = x0; x <= x1; ++x)
                for (int c = 0; c < channels; ++c) sum[std::size_t(c)] += pixels(x, y, c);
        const double count = double(x1 - x0 + 1) * double(y1 - y0 + 1);
        const float sign = p.bright ? 1.0f : -1.0f;
        for (int c = 0; c < channels; ++c)
            fill[std::size_t(c)] = std::clamp(float(sum[std::size_t(c)] / count) + sign * p.contrast, 0.0f, 1.0f);
    }

    const float darken = p.shadow * p.contrast;
    for (int y = y0; y <= y1; ++y)
        for (int x = x0; x <= x1; ++x) {
            const float qx = float(x) + 0.5f, qy = float(y) + 0.5f;
            const float cover = std::clamp(0.5f - dp::signed_distance(vx.data(), vy.data(), n, qx, qy) / edge, 0.0f, 1.0f);
            const float shade = shadowed ? std::clamp(0.5f - dp::signed_distance(sx.data(), sy.data(), n, qx, qy) / shadow_edge,
                                                      0.0f, 1.0f)
                                         : 0.0f;
            if (cover > 0.0f) {
                float largest = 0.0f;
                for (int c = 0; c < filled; ++c)
                    largest = std::max(largest, std::abs(cover * (fill[std::size_t(c)] - pixels(x, y, c))));
                if (largest >= dp::min_change) {
                    for (int c = 0; c < filled; ++c) {
                        float& v = pixels(x, y, c);
                        v = cover >= 1.0f ? fill[std::size_t(c)] : std::clamp(v + cover * (fill[std::size_t(c)] - v), 0.0f, 1.0f);
                    }
                    mask(x, y) = std::max(mask(x, y), std::max(cover, shade));
                    continue;
                }
            }
            // Not (visibly) covered by the particle: its shadow, if any.
            const float change = darken * shade;
            if (!(change >= dp::min_change)) continue;
            for (int c = 0; c < channels; ++c) pixels(x, y, c) = std::clamp(pixels(x, y, c) - change, 0.0f, 1.0f);
            mask(x, y) = std::max(mask(x, y), shade);
        }
}

}  // namespace ias
