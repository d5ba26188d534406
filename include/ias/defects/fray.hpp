// SPDX-License-Identifier: MIT
// render_fray: wear along an object's edge, a tapering band with a ragged inner limit and streaks across the edge.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
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

/// What one stretch of fraying or wear looks like, drawn from a defect_spec by `sample_fray`.
struct fray_params {
    float x = 0, y = 0;         ///< site on the edge, pixels
    float outward = 0;          ///< direction out of the object at the site, radians (y down)
    float length = 40;          ///< extent along the edge, pixels
    float depth = 4;            ///< nominal band width into the material, pixels
    float raggedness = 0.5f;    ///< [0, 1]: how much the band's inner limit varies along the edge
    float contrast = 0.25f;     ///< intensity change at full strength, [0, 1]
    bool bright = false;        ///< worn lighter (coating worn through) instead of darker (dirt, burnish)
    float streak_period = 3;    ///< spacing of the fibre streaks along the edge, pixels
    std::uint64_t pattern = 0;  ///< seed of the band's noise (raggedness and streaks), drawn from the stream
    float softness = 0.3f;      ///< edge softness in [0, 1]: the inner limit is max(1, 3·softness) pixels wide
    float tear = 0;             ///< [0, 1]: how deep the torn-away edge reaches, as a fraction of the band (0: worn, not torn)
};

/// Draws a fray for `spec` at `site` on a W × H image: the length along the edge from spec.size
/// (a fraction of min(W, H)), the depth into the material from spec.thickness (pixels),
/// raggedness in [0.3, 0.7], contrast from spec.contrast, polarity (any: dark or bright with
/// probability ½), a streak period in [2, 5] pixels, a 64-bit noise pattern, spec.softness and
/// a tear in [0.3, 0.9]. The site's outward direction is kept. Draws the same number of values whatever the spec.
inline fray_params sample_fray(const defect_spec& spec, const defect_site& site, int width, int height, rng_stream& rng) {
    fray_params p;
    p.x = site.x, p.y = site.y, p.outward = site.outward;
    p.length = detail::placement::length_from_size(spec, width, height, rng);
    p.depth = rng.uniform(spec.thickness.min, spec.thickness.max);
    p.raggedness = rng.uniform(0.3f, 0.7f);
    p.contrast = rng.uniform(spec.contrast.min, spec.contrast.max);
    const bool coin = rng.bernoulli(0.5);  // drawn whatever the polarity, so the draws do not depend on the spec
    p.bright = spec.polarity == defect_polarity::bright || (spec.polarity == defect_polarity::any && coin);
    p.streak_period = rng.uniform(2.0f, 5.0f);
    p.pattern = rng.next_u64();
    p.softness = spec.softness;
    p.tear = rng.uniform(0.3f, 0.9f);
    return p;
}

namespace detail::fray {

/// Changes smaller than this are dropped, coverage and all, so that every masked pixel
/// visibly changes (half an ulp of 0.5 is 3e-8).
inline constexpr float min_change = 1e-5f;

/// Chamfer weights of the 5-7-11 distance transform (Borgefors 1986): an axial step costs 5,
/// a diagonal one 7, a knight's move 11; distances are the sums over 5, within about 2 % of
/// Euclidean.
inline constexpr std::int32_t axial = 5, diagonal = 7, knight = 11;
inline constexpr std::int32_t unreached = 1 << 28;  // no background seen yet; + 11 does not overflow
inline constexpr int pad = 2;                 // the knight's move reaches two cells

/// Salts that give the two noises of a pattern their own lattices.
inline constexpr std::uint64_t ragged_salt = 0x52a6c3e9b1f04d17ULL, streak_salt = 0xd1b54a32d192ed03ULL,
                               tear_salt = 0x8cb92ba72f3d8dd7ULL;

/// Lowers each of the n cells of `row` to the chamfer distance through its neighbours in the
/// adjacent row `next` (axial, diagonal, knight) and the row `beyond` it (knight).
/// The rows are distinct, so the loop vectorises.
inline void relax_from(std::int32_t* __restrict row, const std::int32_t* __restrict next, const std::int32_t* __restrict beyond,
                       int n) noexcept {
    for (int i = 0; i < n; ++i) {
        std::int32_t v = row[i];
        v = std::min(v, next[i] + axial);
        v = std::min(v, std::min(next[i - 1], next[i + 1]) + diagonal);
        v = std::min(v, std::min(std::min(next[i - 2], next[i + 2]), std::min(beyond[i - 1], beyond[i + 1])) + knight);
        row[i] = v;
    }
}

/// The lattice value of node k of the noise seeded by `seed`, in [0, 1).
inline float lattice(std::uint64_t seed, std::int64_t k) noexcept {
    std::uint64_t state = seed ^ (std::uint64_t(k) * 0x9e3779b97f4a7c15ULL);
    ias::detail::splitmix64(state);
    return float(ias::detail::splitmix64(state) >> 40) * 0x1p-24f;
}

/// Smooth 1-D value noise in [0, 1] at `u` lattice cells: the two nearest lattice values
/// blended with the cubic smoothstep, so the slope is continuous at the nodes.
inline float value_noise(std::uint64_t seed, float u) noexcept {
    u = std::clamp(u, -1e12f, 1e12f);  // so that the node index fits, whatever the parameters
    const float f = std::floor(u);
    const auto k = std::int64_t(f);
    const float w = u - f, s = w * w * (3.0f - 2.0f * w);
    const float a = lattice(seed, k), b = lattice(seed, k + 1);
    return a + s * (b - a);
}

inline float squared(float v) noexcept { return v * v; }

/// floor(v) and ceil(v) clamped to [lo, hi] before the conversion, so that huge parameters
/// cannot overflow an int.
inline int clamp_floor(float v, int lo, int hi) noexcept {
    return v >= float(hi) ? hi : (v > float(lo) ? int(std::floor(v)) : lo);
}
inline int clamp_ceil(float v, int lo, int hi) noexcept {
    return v >= float(hi) ? hi : (v > float(lo) ? int(std::ceil(v)) : lo);
}

}  // namespace detail::fray

/// Renders the fray into `pixels` (float [0, 1], 1, 3 or 4 channels, every channel alike) and
/// raises `mask` (one channel, the image's size) to its coverage. `foreground` (one channel,
/// the image's size) marks the object, > 0.5; empty, the whole image is the object.
///
/// Material is the object's pixels; outside the image counts as background, so without a
/// foreground the edge is the image's border. d(q) is the distance from the centre of pixel q
/// to the centre of the nearest non-material pixel (a pixel on the object's outline has d = 1,
/// the outline itself lies at d = ½), by a two-pass 5-7-11 chamfer transform over a box around
/// the site: the box of pixels within length/2 + depth + e + 2 of the site, where the band is
/// drawn, widened by a margin of ⌈depth + ½ + e/2⌉ + 2 pixels (and by the ring of outside
/// pixels where it meets the border). Cells beyond the box count as far, which is harmless: a
/// pixel the band can reach has d < depth + ½ + e/2, and a chamfer distance is never below the
/// Chebyshev distance, so its nearest background lies within the margin, inside the box, as
/// does the monotone chamfer path to it; d is then exactly what a transform of the whole image
/// gives, and elsewhere both exceed the band's reach. For the same reason the transform and
/// the band keep to the cells within the margin of the bounding box of the box's non-material
/// cells (along a straight border, a strip rather than a square).
///
/// With the tangent u = (−sin outward, cos outward), t = (q − site)·u is the position along
/// the edge, and only |t| < length/2 counts. The band's depth there is
/// D(t) = depth · taper(t) · (1 − raggedness·n₁(t)), taper(t) = sin(π(t/length + ½))^½
/// (0 at both ends), n₁ ∈ [0, 1] smooth 1-D value noise with lattice spacing max(2, depth)
/// seeded by `pattern`. A material pixel's coverage is
/// c = clamp(½ + (D(t) − (d(q) − ½))/e, 0, 1) with e = max(1, 3·softness): full near the edge,
/// fading out over e pixels at the ragged inner limit. The streaks
/// s(t) = 0.55 + 0.45·n₂(t), n₂ value noise of lattice spacing streak_period from another
/// seed derived from `pattern`, are constant across the band, so they run across the edge.
///
/// Each channel moves by ±contrast·c·s(t) (+ when bright), clamped to [0, 1], and the mask
/// rises to c. Where the edge is torn, material is gone: the torn depth is
/// T(t) = tear · D(t) · n₃(t)², n₃ value noise of lattice spacing max(1.5, depth/2) from a third
/// seed (squared, so tears are jagged and separated by intact stretches), the loss
/// l = clamp(½ + (T(t) − (d(q) − ½))/e, 0, 1), and the worn value v moves to v + l·(f − v),
/// f the fill `detail::placement::fill_of_missing_material` gives for the draw box: what lies
/// behind the object, or a dark cavity when nothing does. T ≤ D, so the torn pixels lie inside
/// the band and under its mask. Changes below 1e-5 are dropped, mask included, so the mask is positive exactly
/// where a pixel changed (before clamping); non-material pixels never change. Of the pixels
/// so changed, only the 8-connected stretch through the one nearest the site is drawn: the
/// band stays on the site's edge and does not reappear on another edge that crosses the box
/// (the far side of an object thinner than the band is long, or of the image); where the band
/// wraps round a corner or a small object it stays connected and is drawn whole. Visits only
/// the box; the distances, coverages and the fill's stack live in per-thread buffers, so
/// nothing is allocated once they have grown.
/// Throws std::invalid_argument when the mask, and ias::error when a non-empty foreground, is
/// not one channel of the image's size.
inline void render_fray(image<float>& pixels, image<float>& mask, const fray_params& p, const image<float>& foreground = {}) {
    namespace df = detail::fray;
    detail::placement::expect_mask("render_fray", pixels, mask);
    const int w = pixels.width(), h = pixels.height();
    detail::placement::expect_foreground("render_fray", foreground, w, h);
    const bool object = !foreground.empty();
    if (!(p.length > 0.0f && p.depth > 0.0f) || w == 0 || h == 0) return;

    const float edge = std::max(1.0f, 3.0f * p.softness);
    const float half = 0.5f * p.length;
    const float reach = p.depth + 0.5f + 0.5f * edge;  // c > 0 needs d < reach
    // The box where the band is drawn, and around it the box where distances are computed.
    const float around = half + p.depth + edge + 2.0f;
    if (!(p.x + around >= 0.0f && p.x - around < float(w) && p.y + around >= 0.0f && p.y - around < float(h))) return;
    int x0 = df::clamp_floor(p.x - around, 0, w - 1), x1 = df::clamp_ceil(p.x + around, 0, w - 1);
    int y0 = df::clamp_floor(p.y - around, 0, h - 1), y1 = df::clamp_ceil(p.y + around, 0, h - 1);
    const int margin = int(std::min(std::ceil(reach), float(w + h))) + 2;  // the outside ring is nearer than w + h
    const int bx0 = std::max(-1, x0 - margin), bx1 = std::min(w, x1 + margin);
    const int by0 = std::max(-1, y0 - margin), by1 = std::min(h, y1 + margin);
    const int bw = bx1 - bx0 + 1, bh = by1 - by0 + 1;
    const std::ptrdiff_t stride = bw + 2 * df::pad;

    // Seeds: 0 at non-material cells (the outside ring included), unreached at material ones
    // and in the padding, which stands for the unknown cells beyond the box. [gx0, gx1] ×
    // [gy0, gy1] bounds the non-material cells.
    thread_local std::vector<std::int32_t> dist;
    ias::detail::assign_grown(dist, std::size_t(stride) * std::size_t(bh + 2 * df::pad), df::unreached);
    const auto at = [&](int x, int y) { return dist.data() + std::ptrdiff_t(y - by0 + df::pad) * stride + (x - bx0 + df::pad); };
    const int ix0 = std::max(0, bx0), ix1 = std::min(w - 1, bx1);  // the columns inside the image
    int gx0 = bx1 + 1, gx1 = bx0 - 1, gy0 = by1 + 1, gy1 = by0 - 1;
    for (int y = by0; y <= by1; ++y) {
        std::int32_t* row = at(bx0, y);
        if (y < 0 || y >= h) {
            std::fill(row, row + bw, 0);
            gx0 = bx0, gx1 = bx1, gy0 = std::min(gy0, y), gy1 = y;
            continue;
        }
        if (bx0 < 0) row[0] = 0;
        if (bx1 >= w) row[bw - 1] = 0;
        std::int32_t* cells = row + (ix0 - bx0);
        if (object) {
            const float* fg = foreground.data() + std::ptrdiff_t(y) * w;
            for (int x = ix0; x <= ix1; ++x) cells[x - ix0] = fg[x] > 0.5f ? df::unreached : 0;
        } else {
            std::fill(cells, cells + (ix1 - ix0 + 1), df::unreached);
        }
        int first = 0, last = bw - 1;
        while (first < bw && row[first] != 0) ++first;
        if (first == bw) continue;
        while (row[last] != 0) --last;
        gx0 = std::min(gx0, bx0 + first), gx1 = std::max(gx1, bx0 + last), gy0 = std::min(gy0, y), gy1 = y;
    }
    if (gx0 > gx1) return;  // no background within the margin of the box: nothing within reach
    // Only cells within the margin of some background can be within reach, and the chamfer
    // paths to them stay there: the transform and the band keep to that part of the box.
    const int cx0 = std::max(bx0, gx0 - margin), cx1 = std::min(bx1, gx1 + margin);
    const int cy0 = std::max(by0, gy0 - margin), cy1 = std::min(by1, gy1 + margin);
    x0 = std::max(x0, cx0), x1 = std::min(x1, cx1), y0 = std::max(y0, cy0), y1 = std::min(y1, cy1);
    if (x0 > x1 || y0 > y1) return;

    // Forward pass: the neighbours above, then a sweep to the right; backward pass: the
    // neighbours below, then a sweep to the left. The terms from other rows are final when a
    // row is reached, so they are taken first, over the whole row at once (this vectorises),
    // and only the sweep along the row is sequential: the same minima as the cell-by-cell
    // passes. Background cells stay 0, every term being non-negative.
    const std::ptrdiff_t s1 = stride, s2 = 2 * stride;
    const int cw = cx1 - cx0 + 1;
    for (int y = cy0; y <= cy1; ++y) {
        std::int32_t* c = at(cx0, y);
        df::relax_from(c, c - s1, c - s2, cw);
        for (std::int32_t i = 0, run = df::unreached; i < cw; ++i) c[i] = run = std::min(c[i], run + df::axial);
    }
    for (int y = cy1; y >= cy0; --y) {
        std::int32_t* c = at(cx0, y);
        df::relax_from(c, c + s1, c + s2, cw);
        for (std::int32_t i = cw - 1, run = df::unreached; i >= 0; --i) c[i] = run = std::min(c[i], run + df::axial);
    }

    // The coverage and the change of every pixel of the draw box (0: none), and the band pixel
    // nearest the site.
    const int dw = x1 - x0 + 1, dh = y1 - y0 + 1;
    thread_local std::vector<float> cover, shift, lost;
    ias::detail::assign_grown(cover, std::size_t(dw) * std::size_t(dh), 0.0f);
    ias::detail::resize_grown(shift, std::size_t(dw) * std::size_t(dh));
    ias::detail::resize_grown(lost, std::size_t(dw) * std::size_t(dh));
    const float tear = std::clamp(p.tear, 0.0f, 1.0f), tear_scale = 1.0f / std::max(1.5f, 0.5f * p.depth);
    const std::uint64_t tear_seed = p.pattern ^ df::tear_salt;
    const float tx = -std::sin(p.outward), ty = std::cos(p.outward);
    const float raggedness = std::clamp(p.raggedness, 0.0f, 1.0f);
    const float ragged_scale = 1.0f / std::max(2.0f, p.depth);
    const float streak_scale = 1.0f / std::max(1e-3f, p.streak_period);
    const std::uint64_t ragged_seed = p.pattern ^ df::ragged_salt, streak_seed = p.pattern ^ df::streak_salt;
    const float pi_over_length = std::numbers::pi_v<float> / p.length, inverse_edge = 1.0f / edge;
    const float strength = (p.bright ? 1.0f : -1.0f) * p.contrast;
    const float reach_cells = reach * float(df::axial);
    std::ptrdiff_t nearest = -1;
    float nearest_distance = 0.0f;
    for (int y = y0; y <= y1; ++y) {
        const std::int32_t* row = at(x0, y);
        const float qy = float(y) + 0.5f - p.y;
        for (int x = x0; x <= x1; ++x) {
            const std::int32_t cells = row[x - x0];
            if (cells == 0 || !(float(cells) < reach_cells)) continue;  // background, or beyond the band's reach
            const float qx = float(x) + 0.5f - p.x;
            const float t = qx * tx + qy * ty;
            if (!(std::abs(t) < half)) continue;
            const float d = float(cells) * (1.0f / float(df::axial));
            // sin(π(t/length + ½)) = cos(πt/length), positive for |t| < length/2.
            const float taper = std::sqrt(std::max(0.0f, std::cos(t * pi_over_length)));
            if (0.5f + (p.depth * taper - (d - 0.5f)) * inverse_edge <= 0.0f) continue;  // out of reach even with n₁ = 0
            const float band = p.depth * taper * (1.0f - raggedness * df::value_noise(ragged_seed, t * ragged_scale));
            const float coverage = std::clamp(0.5f + (band - (d - 0.5f)) * inverse_edge, 0.0f, 1.0f);
            if (coverage <= 0.0f) continue;
            const float change = strength * coverage * (0.55f + 0.45f * df::value_noise(streak_seed, t * streak_scale));
            if (!(std::abs(change) >= df::min_change)) continue;
            const std::ptrdiff_t k = std::ptrdiff_t(y - y0) * dw + (x - x0);
            const float torn = tear > 0.0f ? tear * band * df::squared(df::value_noise(tear_seed, t * tear_scale)) : 0.0f;
            cover[std::size_t(k)] = coverage, shift[std::size_t(k)] = change;
            lost[std::size_t(k)] = std::clamp(0.5f + (torn - (d - 0.5f)) * inverse_edge, 0.0f, 1.0f);
            const float from_site = qx * qx + qy * qy;
            if (nearest < 0 || from_site < nearest_distance) nearest = k, nearest_distance = from_site;
        }
    }
    if (nearest < 0) return;

    // The 8-connected stretch of the band through that pixel: each pixel reached has its
    // coverage negated, so it is pushed once.
    thread_local std::vector<std::ptrdiff_t> stack;
    stack.clear();
    stack.push_back(nearest);
    cover[std::size_t(nearest)] = -cover[std::size_t(nearest)];
    while (!stack.empty()) {
        const std::ptrdiff_t k = stack.back();
        stack.pop_back();
        const int kx = int(k % dw), ky = int(k / dw);
        for (int ny = std::max(0, ky - 1); ny <= std::min(dh - 1, ky + 1); ++ny)
            for (int nx = std::max(0, kx - 1); nx <= std::min(dw - 1, kx + 1); ++nx) {
                float& c = cover[std::size_t(std::ptrdiff_t(ny) * dw + nx)];
                if (c > 0.0f) c = -c, stack.push_back(std::ptrdiff_t(ny) * dw + nx);
            }
    }

    const int channels = pixels.channels();
    const auto fill = tear > 0.0f ? detail::placement::fill_of_missing_material(pixels, foreground, x0, y0, x1, y1, {}, p.contrast, false)
                                  : detail::placement::exposed_fill{};
    for (int y = y0; y <= y1; ++y)
        for (int x = x0; x <= x1; ++x) {
            const std::size_t k = std::size_t(y - y0) * std::size_t(dw) + std::size_t(x - x0);
            if (!(cover[k] < 0.0f)) continue;
            for (int c = 0; c < channels; ++c) {
                float& v = pixels(x, y, c);
                v = std::clamp(v + shift[k], 0.0f, 1.0f);
                if (c < fill.channels) v += lost[k] * (fill.value[std::size_t(c)] - v);
            }
            mask(x, y) = std::max(mask(x, y), -cover[k]);
        }
}

}  // namespace ias
