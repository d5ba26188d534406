// SPDX-License-Identifier: MIT
// render_scratch: a thin curved stroke with tapering width, darker (a groove) or brighter (a specular line).
#pragma once

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/image.hpp"
#include "../core/rng.hpp"
#include "../detail/grow.hpp"
#include "defect_spec.hpp"
#include "placement.hpp"

namespace ias {

/// What one scratch looks like, drawn from a defect_spec by `sample_scratch`.
struct scratch_params {
    float x = 0, y = 0;        ///< centre, pixels
    float angle = 0;           ///< direction of the chord, radians
    float length = 0;          ///< chord length, pixels
    float bend = 0;            ///< sagitta of the quadratic Bézier, as a fraction of the length
    float width = 1;           ///< the widest point, pixels
    float contrast = 0.2f;     ///< intensity change at full coverage
    bool bright = false;       ///< a specular line rather than a groove
    float softness = 0.3f;     ///< edge softness in [0, 1]
};

/// Draws a scratch for `spec` at `site` on a W × H image: length from spec.size (a fraction of
/// min(W, H)), width from spec.thickness, a bend of up to ±12 % of the length, the direction
/// spec.orientation ± 4° (or uniform), the polarity (any: dark or bright with probability ½).
inline scratch_params sample_scratch(const defect_spec& spec, const defect_site& site, int width, int height, rng_stream& rng) {
    constexpr float pi = std::numbers::pi_v<float>;
    scratch_params p;
    p.x = site.x, p.y = site.y;
    p.length = detail::placement::length_from_size(spec, width, height, rng);
    p.angle = spec.orientation ? *spec.orientation * pi / 180.0f + rng.uniform(-4.0f, 4.0f) * pi / 180.0f : rng.uniform(0.0f, pi);
    p.bend = rng.uniform(-0.12f, 0.12f);
    p.width = rng.uniform(spec.thickness.min, spec.thickness.max);
    p.contrast = rng.uniform(spec.contrast.min, spec.contrast.max);
    p.bright = spec.polarity == defect_polarity::bright || (spec.polarity == defect_polarity::any && rng.bernoulli(0.5));
    p.softness = spec.softness;
    return p;
}

/// Renders the scratch into `pixels` (float [0, 1], any channels) and raises `mask` (one
/// channel, the image's size) to its coverage. The stroke is a quadratic Bézier through the
/// chord's ends whose width tapers as sin(πs)^0.35 along its arc s ∈ [0, 1], so both ends are
/// sharp as real scratches are; coverage falls from 1 to 0 over an edge of max(1, 3·softness)
/// pixels around the half-width. Each pixel changes by ±contrast·coverage (clamped to [0, 1]),
/// so the mask is exactly where the image changed. Each segment visits only the pixels within
/// reach of it; no allocation once the per-thread buffers have grown.
inline void render_scratch(image<float>& pixels, image<float>& mask, const scratch_params& p) {
    detail::placement::expect_mask("render_scratch", pixels, mask);
    const float ux = std::cos(p.angle), uy = std::sin(p.angle), half = 0.5f * p.length;
    const float ax = p.x - half * ux, ay = p.y - half * uy, bx = p.x + half * ux, by = p.y + half * uy;
    const float cx = p.x - 2.0f * p.bend * p.length * uy, cy = p.y + 2.0f * p.bend * p.length * ux;  // Bézier control point
    const int segments = std::max(8, int(p.length / 2.0f));
    const float edge = std::max(1.0f, 3.0f * p.softness);
    const float reach = 0.5f * p.width + edge;

    // The polyline and its half-widths.
    thread_local std::vector<float> px, py, hw;
    for (auto* v : {&px, &py, &hw}) ias::detail::resize_grown(*v, std::size_t(segments) + 1);
    for (int k = 0; k <= segments; ++k) {
        const float s = float(k) / float(segments), r = 1.0f - s;
        px[std::size_t(k)] = r * r * ax + 2 * r * s * cx + s * s * bx;
        py[std::size_t(k)] = r * r * ay + 2 * r * s * cy + s * s * by;
        hw[std::size_t(k)] = 0.5f * p.width * std::pow(std::sin(std::numbers::pi_v<float> * s), 0.35f);
    }
    const auto [xmin, xmax] = std::minmax_element(px.begin(), px.end());
    const auto [ymin, ymax] = std::minmax_element(py.begin(), py.end());
    const int x0 = std::max(0, int(std::floor(*xmin - reach))), x1 = std::min(pixels.width() - 1, int(std::ceil(*xmax + reach)));
    const int y0 = std::max(0, int(std::floor(*ymin - reach))), y1 = std::min(pixels.height() - 1, int(std::ceil(*ymax + reach)));
    // Each segment raises the coverage of the pixels within reach of it (the maximum over
    // segments, so joints are not drawn twice); then the box is applied once.
    const int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
    if (bw <= 0 || bh <= 0) return;
    thread_local std::vector<float> cover;
    ias::detail::assign_grown(cover, std::size_t(bw) * std::size_t(bh), 0.0f);
    for (int k = 0; k < segments; ++k) {
        const std::size_t i = std::size_t(k);
        const float sx = px[i + 1] - px[i], sy = py[i + 1] - py[i];
        const float len2 = sx * sx + sy * sy;
        const int sx0 = std::max(x0, int(std::floor(std::min(px[i], px[i + 1]) - reach)));
        const int sx1 = std::min(x1, int(std::ceil(std::max(px[i], px[i + 1]) + reach)));
        const int sy0 = std::max(y0, int(std::floor(std::min(py[i], py[i + 1]) - reach)));
        const int sy1 = std::min(y1, int(std::ceil(std::max(py[i], py[i + 1]) + reach)));
        for (int y = sy0; y <= sy1; ++y)
            for (int x = sx0; x <= sx1; ++x) {
                const float qx = float(x) + 0.5f, qy = float(y) + 0.5f;
                const float t = len2 > 0 ? std::clamp(((qx - px[i]) * sx + (qy - py[i]) * sy) / len2, 0.0f, 1.0f) : 0.0f;
                const float dx = qx - (px[i] + t * sx), dy = qy - (py[i] + t * sy);
                const float h = hw[i] + t * (hw[i + 1] - hw[i]);
                float& c = cover[std::size_t(y - y0) * std::size_t(bw) + std::size_t(x - x0)];
                c = std::max(c, std::clamp(0.5f + (h - std::sqrt(dx * dx + dy * dy)) / edge, 0.0f, 1.0f));
            }
    }
    const float sign = p.bright ? 1.0f : -1.0f;
    for (int y = y0; y <= y1; ++y)
        for (int x = x0; x <= x1; ++x) {
            const float coverage = cover[std::size_t(y - y0) * std::size_t(bw) + std::size_t(x - x0)];
            if (coverage <= 0.0f) continue;
            for (int c = 0; c < pixels.channels(); ++c)
                pixels(x, y, c) = std::clamp(pixels(x, y, c) + sign * p.contrast * coverage, 0.0f, 1.0f);
            mask(x, y) = std::max(mask(x, y), coverage);
        }
}

}  // namespace ias
