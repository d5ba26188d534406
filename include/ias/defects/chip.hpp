// SPDX-License-Identifier: MIT
// render_chip: material broken off at the object's edge, an irregular polygonal bite that shows what lies behind, with a lit fracture face.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <optional>
#include <stdexcept>
#include <string>

#include "../core/image.hpp"
#include "../core/rng.hpp"
#include "defect_spec.hpp"
#include "particle.hpp"
#include "placement.hpp"

namespace ias {

/// The most vertices a chip's outline has.
inline constexpr int chip_max_vertices = 12;

/// What one chip looks like, drawn from a defect_spec by `sample_chip`. The defaults are a
/// regular octagon of radius 6 that reveals a darker cavity, with a thin bright fracture face.
struct chip_params {
    float x = 0, y = 0;        ///< centre of the bite, pixels (the edge site moved outward)
    float radius = 6;          ///< nominal radius (half the diameter), pixels
    int vertices = 8;          ///< corners of the outline, 5 … chip_max_vertices
    float rotation = 0;        ///< angle of the first corner, radians
    /// Corner k sits at angle rotation + 2πk/vertices + angle_jitter[k] (radians, keep within
    /// ±π/vertices so the outline stays simple) and distance radius · radius_scale[k].
    std::array<float, chip_max_vertices> angle_jitter{};
    std::array<float, chip_max_vertices> radius_scale{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    float contrast = 0.4f;     ///< how much darker (or brighter) the exposed cavity is than the surface when no background shows, in [0, 1]
    bool bright = false;       ///< the cavity brighter and the fracture face darker, instead of the reverse
    std::optional<std::array<float, 3>> background{};  ///< RGB in [0, 1] that the missing material reveals; none: estimated
    float rim_width = 1.5f;    ///< the fracture face: a band inside the remaining material along the bite, pixels (0: none)
    float rim_contrast = 0.15f;  ///< the fracture face's brightening at the middle of the band (a fresh face catches light)
    float softness = 0.1f;     ///< edge softness in [0, 1]: the edge is max(1, 3·softness) pixels wide
};

/// Draws a chip for `spec` at the edge `site` on a W × H image: the diameter 2·radius from
/// spec.size (a fraction of min(W, H)), 6 to 12 corners at radii (0.65…1.25)·radius and angles
/// jittered by up to ±0.3 of half their spacing, and the centre moved out of the object by
/// (0.2…0.45)·radius along site.outward (y points down). Every corner lies at least
/// 0.65·cos(39°)·radius ≈ 0.505·radius from the centre and the angular gap between corners is at
/// most 78°, so the polygon contains the disc of radius 0.505·radius about its centre, and with
/// it the site: a chip always bites into the boundary pixel it was placed on and reaches out of
/// the object. Contrast from spec.contrast, bright only when spec.polarity is `bright` (a chip
/// usually shows a dark cavity), the background spec.colour, a fracture face of
/// max(1, (0.15…0.25)·radius) pixels at (0.3…0.5)·contrast, and spec.softness. All
/// chip_max_vertices corner jitters and scales are drawn whatever the corner count, so the
/// number of draws depends neither on the spec nor on the corners.
inline chip_params sample_chip(const defect_spec& spec, const defect_site& site, int width, int height, rng_stream& rng) {
    constexpr float pi = std::numbers::pi_v<float>;
    chip_params p;
    p.radius = detail::placement::radius_from_size(spec, width, height, rng);
    p.vertices = int(rng.integer(6, chip_max_vertices));
    p.rotation = rng.uniform(0.0f, 2.0f * pi);
    const float half_spacing = pi / float(p.vertices);
    for (int k = 0; k < chip_max_vertices; ++k) {
        p.angle_jitter[std::size_t(k)] = rng.uniform(-0.3f, 0.3f) * half_spacing;
        p.radius_scale[std::size_t(k)] = rng.uniform(0.65f, 1.25f);
    }
    const float offset = rng.uniform(0.2f, 0.45f) * p.radius;
    p.x = site.x + offset * std::cos(site.outward), p.y = site.y + offset * std::sin(site.outward);
    p.contrast = rng.uniform(spec.contrast.min, spec.contrast.max);
    p.bright = spec.polarity == defect_polarity::bright;
    p.background = spec.colour;
    p.rim_width = std::max(1.0f, rng.uniform(0.15f, 0.25f) * p.radius);
    p.rim_contrast = p.contrast * rng.uniform(0.3f, 0.5f);
    p.softness = spec.softness;
    return p;
}

namespace detail::chip {

/// The outline's corners into (vx, vy); returns their number (`vertices` clamped to
/// 3 … chip_max_vertices) and sets `extent` to the largest corner distance from the centre.
inline int outline(const chip_params& p, std::array<float, chip_max_vertices>& vx, std::array<float, chip_max_vertices>& vy,
                   float& extent) noexcept {
    const int n = std::clamp(p.vertices, 3, chip_max_vertices);
    extent = 0.0f;
    for (int k = 0; k < n; ++k) {
        const std::size_t i = std::size_t(k);
        const float phi = p.rotation + 2.0f * std::numbers::pi_v<float> * float(k) / float(n) + p.angle_jitter[i];
        const float r = p.radius * std::max(0.0f, p.radius_scale[i]);
        vx[i] = p.x + r * std::cos(phi), vy[i] = p.y + r * std::sin(phi);
        extent = std::max(extent, r);
    }
    return n;
}

}  // namespace detail::chip

/// Renders the chip into `pixels` (float [0, 1], 1, 3 or 4 channels) and raises `mask` (one
/// channel, the image's size) to its coverage. `foreground` (one channel, the image's size, or
/// empty) is the object: a pixel is material where it is empty or above 0.5, and only material
/// pixels change, so the mask is 0 off the object.
///
/// The bite's coverage is c = clamp(½ − s/e, 0, 1) for the signed distance s to the polygon
/// and e = max(1, 3·softness). Where material is gone the pixel shows the fill: `background`
/// when given (a one-channel image takes its luminance 0.299R + 0.587G + 0.114B; a fourth
/// channel keeps its value), else the mean, per channel, of the non-material pixels in the
/// visited box when it holds any (what lies behind the object shows through), else the mean of
/// its material pixels − contrast (+ contrast when `bright`), clamped to [0, 1]: a cavity. A
/// material pixel becomes v + c·(fill − v), exactly the fill where c = 1. The fracture face
/// occupies the material just outside the bite, s ∈ [e/2, e/2 + rim_width), with the profile
/// b = sin(π·t), t the position across the band, and brightens every channel by rim_contrast·b
/// (darkens when `bright`). The two never overlap, so the mask (c in the bite, b on the face)
/// is positive exactly where some channel changed (before clamping to [0, 1]; changes below
/// 1e-5 are dropped, mask included). Visits only the bounding box of the bite and its face;
/// allocates nothing.
/// Throws std::invalid_argument when the mask is not one channel of the image's size, ias::error
/// when the foreground is neither empty nor one channel of the image's size.
inline void render_chip(image<float>& pixels, image<float>& mask, const chip_params& p, const image<float>& foreground = {}) {
    namespace dp = detail::particle;
    detail::placement::expect_mask("render_chip", pixels, mask);
    detail::placement::expect_foreground("render_chip", foreground, pixels.width(), pixels.height());
    const bool has_object = !foreground.empty();
    if (!(p.radius > 0.0f)) return;
    std::array<float, chip_max_vertices> vx{}, vy{};
    float extent = 0.0f;
    const int n = detail::chip::outline(p, vx, vy, extent);
    const float edge = std::max(1.0f, 3.0f * std::clamp(p.softness, 0.0f, 1.0f));
    const float rim = p.rim_contrast > 0.0f ? std::max(0.0f, p.rim_width) : 0.0f;
    const float reach = extent + 0.5f * edge + rim + 1.0f;
    const int x0 = std::max(0, int(std::floor(p.x - reach))), x1 = std::min(pixels.width() - 1, int(std::ceil(p.x + reach)));
    const int y0 = std::max(0, int(std::floor(p.y - reach))), y1 = std::min(pixels.height() - 1, int(std::ceil(p.y + reach)));
    if (x0 > x1 || y0 > y1) return;
    const auto material = [&](int x, int y) { return !has_object || foreground(x, y) > 0.5f; };

    // The fill: the given background, what shows behind the object, or a cavity in it.
    const int channels = pixels.channels();
    const auto [fill, filled] = detail::placement::fill_of_missing_material(pixels, foreground, x0, y0, x1, y1, p.background, p.contrast, p.bright);

    // The signed distance is 1-Lipschitz and the polygon lies within `extent` of the centre, so
    // a pixel centre farther than `outer` from it is untouched, and one within `inner` of it
    // (when the centre is inside, at depth −s0) is fully covered: neither needs the distance.
    const float outer = extent + 0.5f * edge + rim;
    const float s0 = dp::signed_distance(vx.data(), vy.data(), n, p.x, p.y);
    const float inner = -s0 - 0.5f * edge - 1e-3f;  // a margin for rounding
    const float inner2 = inner > 0.0f ? inner * inner : -1.0f;
    const float face = p.bright ? -p.rim_contrast : p.rim_contrast;
    for (int y = y0; y <= y1; ++y) {
        const float dy = float(y) + 0.5f - p.y;
        const float span2 = outer * outer - dy * dy;
        if (span2 < 0.0f) continue;
        const float span = std::sqrt(span2);
        const int xa = std::max(x0, int(std::floor(p.x - span - 0.5f))), xb = std::min(x1, int(std::ceil(p.x + span - 0.5f)));
        for (int x = xa; x <= xb; ++x) {
            if (!material(x, y)) continue;
            const float dx = float(x) + 0.5f - p.x;
            const float s = dx * dx + dy * dy <= inner2 ? -0.5f * edge
                                                        : dp::signed_distance(vx.data(), vy.data(), n, float(x) + 0.5f, float(y) + 0.5f);
            if (s < 0.5f * edge) {  // the bite: c > 0
                const float cover = std::min(1.0f, 0.5f - s / edge);
                float largest = 0.0f;
                for (int c = 0; c < filled; ++c)
                    largest = std::max(largest, std::abs(cover * (fill[std::size_t(c)] - pixels(x, y, c))));
                if (!(largest >= dp::min_change)) continue;
                for (int c = 0; c < filled; ++c) {
                    float& v = pixels(x, y, c);
                    v = cover >= 1.0f ? fill[std::size_t(c)] : std::clamp(v + cover * (fill[std::size_t(c)] - v), 0.0f, 1.0f);
                }
                mask(x, y) = std::max(mask(x, y), cover);
            } else if (s < 0.5f * edge + rim) {  // the fracture face
                const float profile = std::sin(std::numbers::pi_v<float> * (s - 0.5f * edge) / rim);
                const float change = face * profile;
                if (!(std::abs(change) >= dp::min_change)) continue;
                for (int c = 0; c < channels; ++c) pixels(x, y, c) = std::clamp(pixels(x, y, c) + change, 0.0f, 1.0f);
                mask(x, y) = std::max(mask(x, y), profile);
            }
        }
    }
}

}  // namespace ias
