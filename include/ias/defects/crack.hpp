// SPDX-License-Identifier: MIT
// render_crack: a branching random walk whose width decays to a hairline tip, dark, with a faint highlight on one edge.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "../core/image.hpp"
#include "../core/rng.hpp"
#include "../detail/grow.hpp"
#include "defect_spec.hpp"
#include "placement.hpp"

namespace ias {

/// What one crack looks like, drawn from a defect_spec by `sample_crack`. The walk itself is
/// not stored: `trace_crack` regenerates it from `walk`, so the parameters stay small and a
/// crack can be replayed, or edited (say, a longer one with the same shape), exactly.
struct crack_params {
    float x = 0, y = 0;                ///< start of the main path, pixels
    float angle = 0;                   ///< initial direction of the main path, radians (0 along +x, y down)
    float length = 0;                  ///< length of the main path, pixels
    float width = 2;                   ///< width at the start, pixels
    float tip_width = 0.3f;            ///< width at every tip, pixels; the width decays linearly towards it
    float contrast = 0.3f;             ///< intensity change of the core at full coverage, [0, 1]
    float branch_probability = 0.03f;  ///< chance of a branch starting at each step, [0, 1]
    int max_branches = 3;              ///< most branches in all (sub-branches included), [0, 16]
    float jitter = 0.43633231f;        ///< largest direction change per step, radians (25°)
    float persistence = 0.5f;          ///< how much of the last step's deviation carries over, [0, 1)
    float step = 2.0f;                 ///< nominal step length, pixels (> 0)
    float light = -2.3561945f;         ///< direction towards the light, radians (−3π/4: the upper left)
    float highlight = 0.3f;            ///< strength of the lit edge, as a fraction of the contrast
    bool bright = false;               ///< a bright crack (rare: a filled or reflective one) rather than a dark one
    float softness = 0.3f;             ///< edge softness in [0, 1]
    rng_stream walk{};                 ///< the stream that shapes the walk and its branches
};

/// One vertex of a traced crack. The vertices of a path are consecutive in `trace_crack`'s
/// output; path 0 is the main path, and each branch's first vertex lies on its parent.
struct crack_point {
    float x = 0, y = 0;  ///< pixels
    float width = 0;     ///< full width here, pixels
    int path = 0;        ///< 0 the main path, k ≥ 1 the k-th branch
    int depth = 0;       ///< 0 the main path, 1 a branch, 2 a branch of a branch
};

namespace detail::crack {

inline constexpr int max_depth = 2;      // a branch of a branch may not branch again
inline constexpr int branch_cap = 16;    // the bound on crack_params::max_branches
inline constexpr float min_half = 0.75f;  // thinner strokes are drawn this wide, fainter (see render_crack)
inline constexpr float drift = 0.15f;    // the course wanders by up to this fraction of the jitter per step

struct start {
    float x, y, angle, width, length;
    int depth;
};

/// Walks one path from `s`: `steps` equal steps whose direction is a slowly drifting course plus
/// an AR(1) deviation (persistence·previous + uniform ±jitter), so the path zigzags like a real
/// crack but keeps its heading. Every step draws the same values whatever `branch_probability`
/// is, so the main path's shape does not depend on it; branch starts are queued in `pending`.
inline void walk_path(const crack_params& p, rng_stream rng, const start& s, int path, std::vector<crack_point>& out,
                      std::array<start, branch_cap>& pending, int& queued) {
    const int steps = std::max(1, int(std::lround(s.length / p.step)));
    const float step = s.length / float(steps);
    const int limit = std::clamp(p.max_branches, 0, branch_cap);
    float course = s.angle, deviation = 0.0f, x = s.x, y = s.y;
    out.push_back({x, y, s.width, path, s.depth});
    for (int k = 1; k <= steps; ++k) {
        course += drift * rng.uniform(-p.jitter, p.jitter);
        deviation = p.persistence * deviation + rng.uniform(-p.jitter, p.jitter);
        const float direction = course + deviation;
        x += step * std::cos(direction), y += step * std::sin(direction);
        const float w = s.width + (p.tip_width - s.width) * float(k) / float(steps);
        out.push_back({x, y, w, path, s.depth});
        const bool fork = rng.uniform() < p.branch_probability;
        const float remaining = float(steps - k) * step;
        if (fork && s.depth < max_depth && queued < limit && 0.5f * remaining >= 2.0f * p.step)
            pending[std::size_t(queued++)] = {x, y, direction, 0.6f * w, 0.5f * remaining, s.depth + 1};
    }
}

}  // namespace detail::crack

/// Regenerates the crack's polyline into `out` (cleared first; its capacity is reused): the
/// main path of round(length / step) equal steps from (x, y), then each branch in the order it
/// was started. A branch starts at a vertex of its parent with probability branch_probability
/// per step, at ±(20°–60°) from the parent's direction there, with 0.6 × the parent's width and
/// half its remaining length; branches nest at most two deep and number at most max_branches.
/// Widths decay linearly from each path's start to tip_width. Deterministic in `p`.
inline void trace_crack(const crack_params& p, std::vector<crack_point>& out) {
    namespace dc = detail::crack;
    constexpr float degree = std::numbers::pi_v<float> / 180.0f;
    out.clear();
    if (!(p.length > 0.0f) || !(p.step > 0.0f)) return;
    std::array<dc::start, dc::branch_cap> pending{};
    int queued = 0;
    dc::walk_path(p, p.walk, {p.x, p.y, p.angle, p.width, p.length, 0}, 0, out, pending, queued);
    // Each branch walks its own fork, so adding one never changes the paths before it.
    for (int b = 0; b < queued; ++b) {
        rng_stream rng = p.walk.fork(std::uint32_t(b + 1));
        dc::start s = pending[std::size_t(b)];
        const float side = rng.bernoulli(0.5) ? 1.0f : -1.0f;
        s.angle += side * rng.uniform(20.0f, 60.0f) * degree;
        dc::walk_path(p, rng, s, b + 1, out, pending, queued);
    }
}

/// Draws a crack for `spec` at `site` on a W × H image: length from spec.size (a fraction of
/// min(W, H)), start width from spec.thickness, contrast from spec.contrast, a branch probability
/// of 1–4 % per step, polarity bright only when spec.polarity is bright (or, rarely, 10 %, when
/// it is any). At an object edge (spec.location) the crack starts at the site and runs into the
/// object; elsewhere it is centred on the site. The direction is spec.orientation ± 10° or uniform.
inline crack_params sample_crack(const defect_spec& spec, const defect_site& site, int width, int height, rng_stream& rng) {
    constexpr float pi = std::numbers::pi_v<float>;
    crack_params p;
    p.length = detail::placement::length_from_size(spec, width, height, rng);
    p.width = rng.uniform(spec.thickness.min, spec.thickness.max);
    p.contrast = rng.uniform(spec.contrast.min, spec.contrast.max);
    p.branch_probability = rng.uniform(0.01f, 0.04f);
    const bool at_edge = spec.location == defect_location::object_edge;
    const float spread = rng.uniform(-1.0f, 1.0f);
    if (spec.orientation)
        p.angle = *spec.orientation * pi / 180.0f + spread * 10.0f * pi / 180.0f;
    else if (at_edge)
        p.angle = site.outward + pi + spread * 30.0f * pi / 180.0f;  // into the object
    else
        p.angle = rng.uniform(-pi, pi);
    p.x = site.x, p.y = site.y;
    if (!at_edge) p.x -= 0.5f * p.length * std::cos(p.angle), p.y -= 0.5f * p.length * std::sin(p.angle);
    p.bright = spec.polarity == defect_polarity::bright || (spec.polarity == defect_polarity::any && rng.bernoulli(0.1));
    p.softness = spec.softness;
    const std::uint64_t seed = rng.next_u64();
    p.walk = rng_stream(seed, rng.next_u32());
    return p;
}

/// Renders the crack into `pixels` (float [0, 1], any channels) and raises `mask` (one channel,
/// the image's size) to its coverage.
///
/// Each segment of `trace_crack`'s polyline is drawn as scratch.hpp draws one: coverage
/// 0.5 + (h − d) / edge, clamped to [0, 1], from the distance d to the segment and the half-width
/// h interpolated along it, with edge = max(1, 3·softness) pixels; the maximum over segments, so
/// joints are not drawn twice. A stroke thinner than 1.5 px is drawn 1.5 px wide with its
/// darkening scaled by width / 1.5 (the same amount of ink, without the tip breaking into dots);
/// the mask is the stroke's footprint, so the faint tip stays labelled and the mask ≥ 0.5 is one
/// 8-connected piece. The side of the crack facing away from `light` (whose wall the light
/// falls on) gets a 1 px band just outside the core, changed by highlight·contrast the other
/// way, in proportion to how squarely the crack faces the light. Each pixel changes by
/// ΔI = ±contrast·(core − highlight·band·(1 − footprint)) (clamped to [0, 1]), and the mask rises
/// to max(footprint, highlight·band·(1 − footprint)) exactly where |ΔI| ≥ 1e-4, so the mask is
/// non-zero exactly where the image changed (as long as no clamping occurs). Visits only the
/// pixels within reach of each segment; no allocation once the per-thread buffers have grown.
/// Throws std::invalid_argument when the mask is not one channel of the image's size.
inline void render_crack(image<float>& pixels, image<float>& mask, const crack_params& p) {
    namespace dc = detail::crack;
    detail::placement::expect_mask("render_crack", pixels, mask);
    if (!(p.contrast > 0.0f)) return;
    thread_local std::vector<crack_point> points;
    trace_crack(p, points);
    if (points.size() < 2) return;

    const float edge = std::max(1.0f, 3.0f * p.softness);
    const float band_out = 0.5f * edge + 1.5f;  // the band's far side, beyond the core's half-width
    float xmin = points[0].x, xmax = xmin, ymin = points[0].y, ymax = ymin, widest = 0.0f;
    for (const crack_point& q : points) {
        xmin = std::min(xmin, q.x), xmax = std::max(xmax, q.x);
        ymin = std::min(ymin, q.y), ymax = std::max(ymax, q.y);
        widest = std::max(widest, q.width);
    }
    const float reach = std::max(0.5f * widest, dc::min_half) + band_out;
    const int x0 = std::max(0, int(std::floor(xmin - reach))), x1 = std::min(pixels.width() - 1, int(std::ceil(xmax + reach)));
    const int y0 = std::max(0, int(std::floor(ymin - reach))), y1 = std::min(pixels.height() - 1, int(std::ceil(ymax + reach)));
    const int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
    if (bw <= 0 || bh <= 0) return;

    // Per pixel of the box: footprint, core darkening (footprint × opacity) and lit band.
    struct cell {
        float foot, core, band;
    };
    thread_local std::vector<cell> cells;
    detail::assign_grown(cells, std::size_t(bw) * std::size_t(bh), cell{0.0f, 0.0f, 0.0f});
    const float lx = std::cos(p.light), ly = std::sin(p.light);
    for (std::size_t i = 0; i + 1 < points.size(); ++i) {
        const crack_point& a = points[i];
        const crack_point& b = points[i + 1];
        if (a.path != b.path) continue;
        const float sx = b.x - a.x, sy = b.y - a.y, len2 = sx * sx + sy * sy;
        const float ha = 0.5f * a.width, hb = 0.5f * b.width;
        const float r = std::max(std::max(ha, hb), dc::min_half) + band_out;
        const int sx0 = std::max(x0, int(std::floor(std::min(a.x, b.x) - r)));
        const int sx1 = std::min(x1, int(std::ceil(std::max(a.x, b.x) + r)));
        const int sy0 = std::max(y0, int(std::floor(std::min(a.y, b.y) - r)));
        const int sy1 = std::min(y1, int(std::ceil(std::max(a.y, b.y) + r)));
        for (int y = sy0; y <= sy1; ++y) {
            cell* row = cells.data() + std::size_t(y - y0) * std::size_t(bw) - std::size_t(x0);
            for (int x = sx0; x <= sx1; ++x) {
                const float qx = float(x) + 0.5f, qy = float(y) + 0.5f;
                const float t = len2 > 0 ? std::clamp(((qx - a.x) * sx + (qy - a.y) * sy) / len2, 0.0f, 1.0f) : 0.0f;
                const float dx = qx - (a.x + t * sx), dy = qy - (a.y + t * sy);
                const float d = std::sqrt(dx * dx + dy * dy);
                const float h = ha + t * (hb - ha), drawn = std::max(h, dc::min_half);
                const float foot = std::clamp(0.5f + (drawn - d) / edge, 0.0f, 1.0f);
                // A tent 1 px wide at half height, centred just outside the core's soft edge,
                // on the side of the crack away from the light.
                const float centre = drawn + 0.5f * edge + 0.5f;
                const float facing = d > 0.0f ? std::max(0.0f, -(dx * lx + dy * ly) / d) : 0.0f;
                const float band = std::max(0.0f, 1.0f - std::abs(d - centre)) * facing;
                cell& c = row[x];
                const float opacity = std::min(1.0f, h / dc::min_half);
                c.foot = std::max(c.foot, foot);
                c.core = std::max(c.core, opacity * foot);
                c.band = std::max(c.band, opacity * band);
            }
        }
    }
    const float sign = p.bright ? 1.0f : -1.0f;
    for (int y = y0; y <= y1; ++y) {
        const cell* row = cells.data() + std::size_t(y - y0) * std::size_t(bw) - std::size_t(x0);
        for (int x = x0; x <= x1; ++x) {
            const cell& c = row[x];
            const float lit = p.highlight * c.band * (1.0f - c.foot);
            const float change = sign * p.contrast * (c.core - lit);
            if (!(std::abs(change) >= 1e-4f)) continue;  // too small to represent: neither drawn nor labelled
            for (int ch = 0; ch < pixels.channels(); ++ch)
                pixels(x, y, ch) = std::clamp(pixels(x, y, ch) + change, 0.0f, 1.0f);
            mask(x, y) = std::max(mask(x, y), std::max(c.foot, lit));
        }
    }
}

}  // namespace ias
