// SPDX-License-Identifier: MIT
// Shape rasterisers for anomaly masks: boxes, ellipses, polygons, tapering strokes, Bezier blobs, IFS fractals, grids.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/image_view.hpp"
#include "../core/rng.hpp"

namespace ias::fn {

/// A point in pixel coordinates: x to the right, y down, pixel (i, j) centred at (i, j) and
/// covering the unit square [i - 0.5, i + 0.5] × [j - 0.5, j + 0.5].
struct point {
    float x = 0.0f, y = 0.0f;
    friend constexpr bool operator==(const point&, const point&) = default;
};

/// An affine map of the plane, (x, y) ↦ (a·x + b·y + e, c·x + d·y + f), as the iterated
/// function systems of FractalDB and FractalAD write them.
struct affine_map {
    float a = 1.0f, b = 0.0f, c = 0.0f, d = 1.0f, e = 0.0f, f = 0.0f;
    friend constexpr bool operator==(const affine_map&, const affine_map&) = default;
};

namespace detail::shapes {

[[noreturn]] inline void fail(const char* function, const std::string& what) {
    throw std::invalid_argument(std::string("ias::fn::") + function + ": " + what);
}

inline void check_mask(image_view<float> out, const char* function) {
    if (out.channels() != 1) fail(function, "the output must have one channel, it has " + std::to_string(out.channels()));
}

inline void check_finite(const char* function, const char* field, float v) {
    if (!std::isfinite(v)) fail(function, std::string(field) + " is " + std::to_string(v) + "; it must be finite");
}

inline void check_softness(const char* function, float softness) {
    if (!(softness >= 0.0f) || !std::isfinite(softness))
        fail(function, "softness is " + std::to_string(softness) + "; it must be finite and >= 0");
}

/// The pixel range [first, last] of one axis whose centres lie in the closed interval
/// [lo, hi], clipped to [0, size - 1]; empty (first > last) when there is none. Computed in
/// double so that huge or tiny coordinates cannot overflow the int conversion.
struct span_1d {
    int first, last;
};
inline span_1d pixel_range(double lo, double hi, int size) noexcept {
    const double a = std::max(std::ceil(lo), 0.0), b = std::min(std::floor(hi), double(size) - 1.0);
    if (!(a <= b)) return {0, -1};
    return {int(a), int(b)};
}

inline void composite(float& pixel, float value) noexcept { pixel = std::max(pixel, value); }

}  // namespace detail::shapes

/// Coverage of a pixel whose centre has signed distance `d` (pixels, negative inside) to a
/// shape's boundary: with `softness` = 0 the hard value (1 inside, 0 outside and on the
/// boundary); with `softness` > 0 the linear ramp clamp(0.5 - d / softness, 0, 1), which is
/// 0.5 on the boundary and reaches 0 and 1 at softness / 2 on either side. Because the ramp is
/// symmetric, the sum of the coverage of a large shape is its area, as with a hard edge.
[[nodiscard]] inline float edge_coverage(float d, float softness) noexcept {
    if (softness > 0.0f) return std::clamp(0.5f - d / softness, 0.0f, 1.0f);
    return d < 0.0f ? 1.0f : 0.0f;
}

/// Fills the axis-aligned box [x0, x1] × [y0, y1] (pixels) into the one-channel mask `out`,
/// compositing with max. With a hard edge it sets exactly the pixels whose centres satisfy
/// x0 <= x < x1 and y0 <= y < y1 (the top-left fill rule), so integer corners give an area
/// of (x1 - x0)·(y1 - y0) pixels; CutOut's and random erasing's holes (METHODS §2.9).
/// `softness` > 0 ramps the edge over that many pixels by the signed distance to the box
/// (see `edge_coverage`). Clipped to the view; x0 > x1 or y0 > y1 draws nothing.
/// Cost: the pixels of the box (plus softness). Throws std::invalid_argument for a view with
/// more than one channel, non-finite coordinates or negative softness.
inline void fill_rectangle(image_view<float> out, float x0, float y0, float x1, float y1, float softness = 0.0f) {
    constexpr const char* fn = "fill_rectangle";
    detail::shapes::check_mask(out, fn);
    for (float v : {x0, y0, x1, y1}) detail::shapes::check_finite(fn, "a corner coordinate", v);
    detail::shapes::check_softness(fn, softness);
    if (out.empty() || x0 > x1 || y0 > y1) return;
    if (softness == 0.0f) {
        // Centres in [x0, x1): ceil(x0) .. ceil(x1) - 1.
        const auto xs = detail::shapes::pixel_range(std::ceil(double(x0)), std::ceil(double(x1)) - 1.0, out.width());
        const auto ys = detail::shapes::pixel_range(std::ceil(double(y0)), std::ceil(double(y1)) - 1.0, out.height());
        for (int y = ys.first; y <= ys.last; ++y) {
            float* row = out.row(y);
            for (int x = xs.first; x <= xs.last; ++x) row[x * out.pixel_stride()] = 1.0f;
        }
        return;
    }
    const float r = softness / 2.0f;
    const auto xs = detail::shapes::pixel_range(double(x0) - r, double(x1) + r, out.width());
    const auto ys = detail::shapes::pixel_range(double(y0) - r, double(y1) + r, out.height());
    for (int y = ys.first; y <= ys.last; ++y) {
        const float dy = std::max(y0 - float(y), float(y) - y1);
        for (int x = xs.first; x <= xs.last; ++x) {
            const float dx = std::max(x0 - float(x), float(x) - x1);
            const float ox = std::max(dx, 0.0f), oy = std::max(dy, 0.0f);
            const float d = std::sqrt(ox * ox + oy * oy) + std::min(std::max(dx, dy), 0.0f);
            detail::shapes::composite(out(x, y), edge_coverage(d, softness));
        }
    }
}

/// Fills a `width` × `height` rectangle centred at (cx, cy) and rotated by `angle` radians:
/// its width axis points along (cos angle, sin angle), so with y pointing down a positive
/// angle turns it clockwise on screen. This is CutPaste-scar's rotated paste footprint
/// (METHODS §2.8): a thin rectangle of 2..16 × 10..25 pixels rotated by up to ±45°, taken
/// exactly rather than as the alpha of a rotated, resampled patch.
/// A hard edge sets the pixels whose centres have rotated coordinates (u, v) with
/// -width/2 <= u < width/2 and -height/2 <= v < height/2, so at angle 0 the result equals
/// `fill_rectangle(cx - width/2, cy - height/2, cx + width/2, cy + height/2)`. `softness` as in
/// `edge_coverage`. Clipped to the view; cost: the pixels of its bounding box. Throws
/// std::invalid_argument for a multi-channel view, non-finite values, negative sizes or softness.
inline void fill_rotated_rectangle(image_view<float> out, float cx, float cy, float width, float height, float angle,
                                   float softness = 0.0f) {
    constexpr const char* fn = "fill_rotated_rectangle";
    detail::shapes::check_mask(out, fn);
    for (float v : {cx, cy, width, height, angle}) detail::shapes::check_finite(fn, "a parameter", v);
    if (width < 0.0f || height < 0.0f)
        detail::shapes::fail(fn, "width and height must be >= 0, got " + std::to_string(width) + " and " + std::to_string(height));
    detail::shapes::check_softness(fn, softness);
    if (out.empty()) return;
    const float c = std::cos(angle), s = std::sin(angle);
    const float hw = width / 2.0f, hh = height / 2.0f;
    const float ex = std::abs(c) * hw + std::abs(s) * hh + softness / 2.0f + 1.0f;
    const float ey = std::abs(s) * hw + std::abs(c) * hh + softness / 2.0f + 1.0f;
    const auto xs = detail::shapes::pixel_range(double(cx) - ex, double(cx) + ex, out.width());
    const auto ys = detail::shapes::pixel_range(double(cy) - ey, double(cy) + ey, out.height());
    for (int y = ys.first; y <= ys.last; ++y) {
        const float py = float(y) - cy;
        for (int x = xs.first; x <= xs.last; ++x) {
            const float px = float(x) - cx;
            const float u = c * px + s * py, v = -s * px + c * py;
            float value;
            if (softness == 0.0f) {
                value = (u >= -hw && u < hw && v >= -hh && v < hh) ? 1.0f : 0.0f;
            } else {
                const float dx = std::abs(u) - hw, dy = std::abs(v) - hh;
                const float ox = std::max(dx, 0.0f), oy = std::max(dy, 0.0f);
                value = edge_coverage(std::sqrt(ox * ox + oy * oy) + std::min(std::max(dx, dy), 0.0f), softness);
            }
            if (value > 0.0f) detail::shapes::composite(out(x, y), value);
        }
    }
}

/// Fills the ellipse centred at (cx, cy) with semi-axes `rx` (along (cos angle, sin angle))
/// and `ry` (pixels), `angle` in radians as in `fill_rotated_rectangle`. A hard edge sets the
/// pixels whose centres satisfy (u/rx)² + (v/ry)² < 1. `softness` > 0 ramps the edge by an
/// approximate signed distance, k0·(k0 - 1)/k1 with k0 = |(u/rx, v/ry)| and
/// k1 = |(u/rx², v/ry²)| (first-order distance to the implicit curve, exact for circles and
/// within a few percent of the true distance near the boundary of moderate ellipses).
/// Semi-axes of 0 draw nothing. Clipped to the view; cost: the pixels of its bounding box.
/// Throws std::invalid_argument for a multi-channel view, non-finite values, negative radii or softness.
inline void fill_ellipse(image_view<float> out, float cx, float cy, float rx, float ry, float angle, float softness = 0.0f) {
    constexpr const char* fn = "fill_ellipse";
    detail::shapes::check_mask(out, fn);
    for (float v : {cx, cy, rx, ry, angle}) detail::shapes::check_finite(fn, "a parameter", v);
    if (rx < 0.0f || ry < 0.0f)
        detail::shapes::fail(fn, "rx and ry must be >= 0, got " + std::to_string(rx) + " and " + std::to_string(ry));
    detail::shapes::check_softness(fn, softness);
    if (out.empty() || rx <= 0.0f || ry <= 0.0f) return;
    const float c = std::cos(angle), s = std::sin(angle);
    const float ex = std::sqrt(rx * rx * c * c + ry * ry * s * s) + softness + 1.0f;
    const float ey = std::sqrt(rx * rx * s * s + ry * ry * c * c) + softness + 1.0f;
    const auto xs = detail::shapes::pixel_range(double(cx) - ex, double(cx) + ex, out.width());
    const auto ys = detail::shapes::pixel_range(double(cy) - ey, double(cy) + ey, out.height());
    const float irx = 1.0f / rx, iry = 1.0f / ry;
    for (int y = ys.first; y <= ys.last; ++y) {
        const float py = float(y) - cy;
        for (int x = xs.first; x <= xs.last; ++x) {
            const float px = float(x) - cx;
            const float u = (c * px + s * py) * irx, v = (-s * px + c * py) * iry;
            const float k0sq = u * u + v * v;
            float value;
            if (softness == 0.0f) {
                value = k0sq < 1.0f ? 1.0f : 0.0f;
            } else {
                const float k0 = std::sqrt(k0sq);
                const float k1 = std::sqrt(u * u * irx * irx + v * v * iry * iry);
                const float d = k1 > 0.0f ? k0 * (k0 - 1.0f) / k1 : -std::min(rx, ry);
                value = edge_coverage(d, softness);
            }
            if (value > 0.0f) detail::shapes::composite(out(x, y), value);
        }
    }
}

/// Fills the closed polygon through `vertices` (the last joins the first) by the **even-odd**
/// rule: a pixel is inside when a ray from its centre crosses the outline an odd number of
/// times. Edges are half-open in y and a crossing counts when it lies strictly right of the
/// centre: W. Randolph Franklin's PNPOLY test, evaluated per row as spans (pixels from
/// ceil(x_{2k-1}) to ceil(x_{2k}) - 1 between sorted crossings). For simple polygons such as
/// REB's angle-sorted Bezier blobs (METHODS §8.5.2) even-odd and nonzero agree.
/// `softness` > 0 ramps the edge by the distance to the nearest edge (inside from the
/// even-odd rule), which costs pixels-of-the-bounding-box × edges; the hard fill costs
/// rows × edges·log(edges) plus the filled pixels. Fewer than 3 vertices draw nothing.
/// Clipped to the view; allocates a scratch list of crossings. Throws std::invalid_argument
/// for a multi-channel view, non-finite vertices or negative softness.
inline void fill_polygon(image_view<float> out, std::span<const point> vertices, float softness = 0.0f) {
    constexpr const char* fn = "fill_polygon";
    detail::shapes::check_mask(out, fn);
    for (const point& p : vertices) {
        detail::shapes::check_finite(fn, "a vertex coordinate", p.x);
        detail::shapes::check_finite(fn, "a vertex coordinate", p.y);
    }
    detail::shapes::check_softness(fn, softness);
    const std::size_t n = vertices.size();
    if (out.empty() || n < 3) return;
    float xmin = vertices[0].x, xmax = xmin, ymin = vertices[0].y, ymax = ymin;
    for (const point& p : vertices) {
        xmin = std::min(xmin, p.x);
        xmax = std::max(xmax, p.x);
        ymin = std::min(ymin, p.y);
        ymax = std::max(ymax, p.y);
    }
    const float r = softness / 2.0f;
    const auto ys = detail::shapes::pixel_range(double(ymin) - r, double(ymax) + r, out.height());
    const auto xs = detail::shapes::pixel_range(double(xmin) - r, double(xmax) + r, out.width());
    thread_local std::vector<float> crossings;  // per-thread scratch: no allocation once grown
    for (int y = ys.first; y <= ys.last; ++y) {
        const float py = float(y);
        crossings.clear();
        for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
            const point a = vertices[i], b = vertices[j];
            if ((a.y > py) != (b.y > py)) crossings.push_back((b.x - a.x) * (py - a.y) / (b.y - a.y) + a.x);
        }
        std::sort(crossings.begin(), crossings.end());
        if (softness == 0.0f) {
            for (std::size_t k = 0; k + 1 < crossings.size(); k += 2) {
                const auto span = detail::shapes::pixel_range(std::ceil(double(crossings[k])),
                                                               std::ceil(double(crossings[k + 1])) - 1.0, out.width());
                float* row = out.row(y);
                for (int x = span.first; x <= span.last; ++x) row[x * out.pixel_stride()] = 1.0f;
            }
            continue;
        }
        std::size_t passed = 0;  // crossings at or left of the pixel centre
        for (int x = xs.first; x <= xs.last; ++x) {
            const float px = float(x);
            while (passed < crossings.size() && crossings[passed] <= px) ++passed;
            const bool inside = ((crossings.size() - passed) % 2) == 1;
            float d2 = std::numeric_limits<float>::infinity();
            for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
                const point a = vertices[j], b = vertices[i];
                const float ex = b.x - a.x, ey = b.y - a.y, wx = px - a.x, wy = py - a.y;
                const float len2 = ex * ex + ey * ey;
                const float t = len2 > 0.0f ? std::clamp((wx * ex + wy * ey) / len2, 0.0f, 1.0f) : 0.0f;
                const float qx = wx - t * ex, qy = wy - t * ey;
                d2 = std::min(d2, qx * qx + qy * qy);
            }
            const float d = std::sqrt(d2);
            const float value = edge_coverage(inside ? -d : d, softness);
            if (value > 0.0f) detail::shapes::composite(out(x, y), value);
        }
    }
}

/// Strokes the open polyline `path` with round caps and joins, its width varying linearly
/// with arc length from `width_start` at the first point to `width_end` at the last (pixels):
/// a tapering scratch or crack. Each segment is the set of points within the local
/// half-width of the segment, r(t) = r_a + t·(r_b - r_a) at the nearest point's parameter t,
/// and segments are composited with max, so the result is the union. A hard edge sets
/// centres with distance < r; `softness` ramps it as in `edge_coverage`. A horizontal stroke
/// of width w covers w pixels per column (exactly, for soft edges or half-integer centre lines).
/// A single point draws a disc of diameter `width_start`. Clipped to the view; cost: the pixels
/// of each segment's bounding box. Throws std::invalid_argument for a multi-channel view,
/// non-finite points, negative widths or softness.
inline void stroke_polyline(image_view<float> out, std::span<const point> path, float width_start, float width_end,
                            float softness = 0.0f) {
    constexpr const char* fn = "stroke_polyline";
    detail::shapes::check_mask(out, fn);
    for (const point& p : path) {
        detail::shapes::check_finite(fn, "a path coordinate", p.x);
        detail::shapes::check_finite(fn, "a path coordinate", p.y);
    }
    detail::shapes::check_finite(fn, "width_start", width_start);
    detail::shapes::check_finite(fn, "width_end", width_end);
    if (width_start < 0.0f || width_end < 0.0f)
        detail::shapes::fail(fn, "width_start and width_end must be >= 0, got " + std::to_string(width_start) + " and " +
                                     std::to_string(width_end));
    detail::shapes::check_softness(fn, softness);
    if (out.empty() || path.empty()) return;
    double total = 0.0;
    for (std::size_t i = 1; i < path.size(); ++i) total += std::hypot(double(path[i].x - path[i - 1].x), double(path[i].y - path[i - 1].y));
    auto radius_at = [&](double s) {
        const double t = total > 0.0 ? s / total : 0.0;
        return float((width_start + (width_end - width_start) * t) / 2.0);
    };
    auto segment = [&](point a, point b, float ra, float rb) {
        const float reach = std::max(ra, rb) + softness / 2.0f + 1.0f;
        const auto xs = detail::shapes::pixel_range(double(std::min(a.x, b.x)) - reach, double(std::max(a.x, b.x)) + reach, out.width());
        const auto ys = detail::shapes::pixel_range(double(std::min(a.y, b.y)) - reach, double(std::max(a.y, b.y)) + reach, out.height());
        const float ex = b.x - a.x, ey = b.y - a.y, len2 = ex * ex + ey * ey;
        for (int y = ys.first; y <= ys.last; ++y)
            for (int x = xs.first; x <= xs.last; ++x) {
                const float wx = float(x) - a.x, wy = float(y) - a.y;
                const float t = len2 > 0.0f ? std::clamp((wx * ex + wy * ey) / len2, 0.0f, 1.0f) : 0.0f;
                const float qx = wx - t * ex, qy = wy - t * ey;
                const float d = std::sqrt(qx * qx + qy * qy) - (ra + t * (rb - ra));
                const float value = edge_coverage(d, softness);
                if (value > 0.0f) detail::shapes::composite(out(x, y), value);
            }
    };
    if (path.size() == 1) {
        segment(path[0], path[0], width_start / 2.0f, width_start / 2.0f);
        return;
    }
    double s = 0.0;
    for (std::size_t i = 1; i < path.size(); ++i) {
        const double length = std::hypot(double(path[i].x - path[i - 1].x), double(path[i].y - path[i - 1].y));
        segment(path[i - 1], path[i], radius_at(s), radius_at(s + length));
        s += length;
    }
}

/// The cubic Bezier curve B(t) = (1-t)³p0 + 3t(1-t)²p1 + 3t²(1-t)p2 + t³p3, t in [0, 1].
[[nodiscard]] constexpr point cubic_bezier(point p0, point p1, point p2, point p3, float t) noexcept {
    const float u = 1.0f - t;
    const float b0 = u * u * u, b1 = 3.0f * t * u * u, b2 = 3.0f * t * t * u, b3 = t * t * t;
    return {b0 * p0.x + b1 * p1.x + b2 * p2.x + b3 * p3.x, b0 * p0.y + b1 * p1.y + b2 * p2.y + b3 * p3.y};
}

/// Samples the cubic Bezier (p0, p1, p2, p3) at `out.size()` equally spaced parameters
/// t = i / (n - 1), both ends included (one sample gives p0).
inline void sample_bezier(point p0, point p1, point p2, point p3, std::span<point> out) noexcept {
    const std::size_t n = out.size();
    for (std::size_t i = 0; i < n; ++i) out[i] = cubic_bezier(p0, p1, p2, p3, n > 1 ? float(i) / float(n - 1) : 0.0f);
}

/// Sorts `points` by their angle (atan2) about their centroid, ascending: REB's first step,
/// which makes the polygon through them simple (star-shaped about the centroid).
inline void sort_by_angle(std::span<point> points) {
    if (points.empty()) return;
    double mx = 0.0, my = 0.0;
    for (const point& p : points) {
        mx += p.x;
        my += p.y;
    }
    mx /= double(points.size());
    my /= double(points.size());
    // A stable insertion sort: shapes have a handful of points, and std::stable_sort would
    // allocate a buffer per call.
    auto angle = [&](const point& q) { return std::atan2(q.y - my, q.x - mx); };
    for (std::size_t i = 1; i < points.size(); ++i) {
        const point moving = points[i];
        const double a = angle(moving);
        std::size_t j = i;
        for (; j > 0 && angle(points[j - 1]) > a; --j) points[j] = points[j - 1];
        points[j] = moving;
    }
}

/// REB DefectMaker's closed smooth outline through `control` (METHODS §8.5.2), written to
/// `outline` (cleared first). For each vertex v with neighbours u and w, the midpoints
/// m1 = (u+v)/2 and m2 = (v+w)/2 are split in the ratio |v-u| : |w-v| at s and translated so
/// that s lands on v; each translated midpoint c then becomes the control point
/// c + (v - c)·k, pulled towards the vertex by `k` (0 = smoothest, 1 = the polygon itself;
/// REB uses 0.2, 0.3, 0.4). Edge v_i → v_{i+1} is the cubic Bezier from v_i through the
/// two control points beside it to v_{i+1}, sampled at `samples_per_segment` parameters
/// (REB: inserted + 2 = 12).
/// REB's quirk is decided by the caller, since kernels draw nothing: when
/// `chord_only[i]` is non-zero, segment i contributes only its first point (a straight chord
/// to the next vertex); otherwise all its samples but the last. An empty `chord_only` means
/// all smooth; otherwise it needs one entry per vertex. Fewer than 3 control points are copied
/// unchanged. Throws std::invalid_argument for k outside [0, 1], fewer than 2 samples per
/// segment, or a wrong `chord_only` size.
inline void bezier_blob_outline(std::span<const point> control, float k, std::span<const std::uint8_t> chord_only,
                                std::vector<point>& outline, int samples_per_segment = 12) {
    constexpr const char* fn = "bezier_blob_outline";
    if (!(k >= 0.0f && k <= 1.0f)) detail::shapes::fail(fn, "k is " + std::to_string(k) + "; it must lie in [0, 1]");
    if (samples_per_segment < 2)
        detail::shapes::fail(fn, "samples_per_segment is " + std::to_string(samples_per_segment) + "; it must be >= 2");
    const std::size_t n = control.size();
    if (!chord_only.empty() && chord_only.size() != n)
        detail::shapes::fail(fn, "chord_only has " + std::to_string(chord_only.size()) + " entries; it must be empty or have one per control point (" +
                                     std::to_string(n) + ")");
    outline.clear();
    if (n < 3) {
        outline.assign(control.begin(), control.end());
        return;
    }
    // Control points beside each vertex: before[i] on the side of v_{i-1}, after[i] on the side of v_{i+1}.
    thread_local std::vector<point> before, after, samples;  // per-thread scratch
    before.resize(n);
    after.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const point u = control[(i + n - 1) % n], v = control[i], w = control[(i + 1) % n];
        const point m1{(u.x + v.x) / 2, (u.y + v.y) / 2}, m2{(v.x + w.x) / 2, (v.y + w.y) / 2};
        const float l1 = std::hypot(v.x - u.x, v.y - u.y), l2 = std::hypot(w.x - v.x, w.y - v.y);
        const float ratio = l1 + l2 > 0.0f ? l1 / (l1 + l2) : 0.5f;
        const point s{m1.x + (m2.x - m1.x) * ratio, m1.y + (m2.y - m1.y) * ratio};
        const point c1{m1.x + v.x - s.x, m1.y + v.y - s.y}, c2{m2.x + v.x - s.x, m2.y + v.y - s.y};
        before[i] = {c1.x + (v.x - c1.x) * k, c1.y + (v.y - c1.y) * k};
        after[i] = {c2.x + (v.x - c2.x) * k, c2.y + (v.y - c2.y) * k};
    }
    samples.resize(static_cast<std::size_t>(samples_per_segment));
    for (std::size_t i = 0; i < n; ++i) {
        if (!chord_only.empty() && chord_only[i] != 0) {
            outline.push_back(control[i]);
            continue;
        }
        const std::size_t j = (i + 1) % n;
        sample_bezier(control[i], after[i], before[j], control[j], samples);
        outline.insert(outline.end(), samples.begin(), samples.end() - 1);
    }
}

/// Shifts and stretches `points`, independently per axis, so that their bounding box becomes
/// exactly [x0, x1] × [y0, y1]: REB's step 4 (METHODS §8.5.2). An axis on which all points
/// agree is placed at the middle of the target range.
inline void stretch_to_box(std::span<point> points, float x0, float y0, float x1, float y1) noexcept {
    if (points.empty()) return;
    float xmin = points[0].x, xmax = xmin, ymin = points[0].y, ymax = ymin;
    for (const point& p : points) {
        xmin = std::min(xmin, p.x);
        xmax = std::max(xmax, p.x);
        ymin = std::min(ymin, p.y);
        ymax = std::max(ymax, p.y);
    }
    const float sx = xmax > xmin ? (x1 - x0) / (xmax - xmin) : 0.0f, sy = ymax > ymin ? (y1 - y0) / (ymax - ymin) : 0.0f;
    for (point& p : points) {
        p.x = xmax > xmin ? x0 + (p.x - xmin) * sx : (x0 + x1) / 2;
        p.y = ymax > ymin ? y0 + (p.y - ymin) * sy : (y0 + y1) / 2;
    }
}

/// Renders the attractor of the iterated function system `maps` into `out` by the chaos game
/// (Barnsley): starting from the origin, apply a map chosen at random `iterations` times and
/// mark the pixel nearest each point (value 1, composited with max), skipping the first 20
/// points (burn-in). This is FractalAD's fractal mask (METHODS §2.10, after the IFS code of
/// Anderson and Farrell's fractal pre-training): 2 maps and 100 000 points there.
/// The attractor is fitted into the view keeping its aspect ratio, centred, its bounding
/// box spanning the full width or height (so pixel centres 0..W-1 or 0..H-1).
/// Randomness: the map choices come from `ias::rng_stream(seed, 0)`; the same seed gives the
/// same pixels. Map k is chosen with probability weights[k] / sum; empty `weights` means
/// |det A_k| (FractalDB's and Anderson and Farrell's convention), or uniform when every
/// determinant is 0. Precondition: the maps are contractive (non-contractive systems diverge;
/// non-finite points are skipped). Cost: 2·iterations map evaluations (one pass finds the
/// bounding box, a second renders). Throws std::invalid_argument for a multi-channel view, no
/// maps, a wrong number of weights, or iterations outside [0, 10^8].
inline void ifs_fractal(image_view<float> out, std::span<const affine_map> maps, int iterations, std::uint64_t seed,
                        std::span<const float> weights = {}) {
    constexpr const char* fn = "ifs_fractal";
    detail::shapes::check_mask(out, fn);
    if (maps.empty() || maps.size() > 64) detail::shapes::fail(fn, "maps has " + std::to_string(maps.size()) + " entries; it must have 1 to 64");
    if (!weights.empty() && weights.size() != maps.size())
        detail::shapes::fail(fn, "weights has " + std::to_string(weights.size()) + " entries; it must be empty or have one per map");
    if (iterations < 0 || iterations > 100'000'000)
        detail::shapes::fail(fn, "iterations is " + std::to_string(iterations) + "; it must lie in [0, 100000000]");
    std::array<float, 64> w{};  // at most 64 maps
    double total = 0.0;
    for (std::size_t k = 0; k < maps.size(); ++k) {
        w[k] = weights.empty() ? std::abs(maps[k].a * maps[k].d - maps[k].b * maps[k].c) : weights[k];
        if (!(w[k] >= 0.0f) || !std::isfinite(w[k])) detail::shapes::fail(fn, "weight " + std::to_string(k) + " is " + std::to_string(w[k]) + "; weights must be finite and >= 0");
        total += w[k];
    }
    if (!(total > 0.0)) {
        if (!weights.empty()) detail::shapes::fail(fn, "the weights sum to 0");
        std::fill(w.begin(), w.end(), 1.0f);
    }
    if (out.empty() || iterations == 0) return;
    // Only the maps' own weights: choice() sums its whole span per draw, and the 64 of `w`
    // made the chaos game 3x slower. Trailing zeros never change the draw, so the bytes agree.
    const std::span<const float> map_weights(w.data(), maps.size());
    constexpr int burn_in = 20;
    auto walk = [&](auto&& visit) {
        ias::rng_stream rng(seed, 0);
        double x = 0.0, y = 0.0;
        for (int i = 0; i < burn_in + iterations; ++i) {
            const affine_map& m = maps[rng.choice(map_weights)];
            const double nx = m.a * x + m.b * y + m.e, ny = m.c * x + m.d * y + m.f;
            x = nx;
            y = ny;
            if (i >= burn_in && std::isfinite(x) && std::isfinite(y)) visit(x, y);
        }
    };
    double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = xmin, ymax = -xmin;
    walk([&](double x, double y) {
        xmin = std::min(xmin, x);
        xmax = std::max(xmax, x);
        ymin = std::min(ymin, y);
        ymax = std::max(ymax, y);
    });
    if (!(xmin <= xmax) || !std::isfinite(xmax - xmin) || !std::isfinite(ymax - ymin)) return;
    const double bw = xmax - xmin, bh = ymax - ymin;
    const double W = out.width() - 1.0, H = out.height() - 1.0;
    double scale = 0.0;
    if (bw > 0.0 && bh > 0.0) scale = std::min(W / bw, H / bh);
    else if (bw > 0.0) scale = W / bw;
    else if (bh > 0.0) scale = H / bh;
    const double ox = (W - bw * scale) / 2.0, oy = (H - bh * scale) / 2.0;
    walk([&](double x, double y) {
        const int px = std::clamp(int(std::lround(ox + (x - xmin) * scale)), 0, out.width() - 1);
        const int py = std::clamp(int(std::lround(oy + (y - ymin) * scale)), 0, out.height() - 1);
        out(px, py) = 1.0f;
    });
}

/// Number of cells of a grid of `cell` × `cell` pixels over a `width` × `height` image:
/// ceil(width / cell) · ceil(height / cell) (border cells may be partial).
[[nodiscard]] constexpr std::size_t grid_cell_count(int width, int height, int cell) noexcept {
    if (cell < 1 || width < 1 || height < 1) return 0;
    return std::size_t((width + cell - 1) / cell) * std::size_t((height + cell - 1) / cell);
}

/// RIAD's disjoint grid masks (METHODS §8.6.2): the image is cut into `cell` × `cell` cells,
/// numbered row by row (border cells partial); the caller's `permutation` of the
/// `grid_cell_count` cells is split in order into `n_sets` consecutive runs of about equal
/// size (position j belongs to set floor(j·n_sets / cells)), and this writes 1 into `out` on
/// the cells of run `set_index` (composited with max; other pixels untouched). Across
/// set_index = 0..n_sets-1 every pixel is thus set exactly once. RIAD shows the network x ⊙
/// (1 - mask): here 1 marks the hidden, to-be-inpainted pixels, as everywhere in ias.
/// Cost: the pixels of the set. The permutation is not checked for repeats (a repeated cell
/// breaks disjointness); entries must be < the cell count. Throws std::invalid_argument for a
/// multi-channel view, cell < 1, n_sets < 1, set_index outside [0, n_sets) or a permutation
/// of the wrong size or with an entry out of range.
inline void disjoint_grid_masks(image_view<float> out, int cell, std::span<const std::uint32_t> permutation, int n_sets,
                                int set_index) {
    constexpr const char* fn = "disjoint_grid_masks";
    detail::shapes::check_mask(out, fn);
    if (cell < 1) detail::shapes::fail(fn, "cell is " + std::to_string(cell) + "; it must be >= 1");
    if (n_sets < 1) detail::shapes::fail(fn, "n_sets is " + std::to_string(n_sets) + "; it must be >= 1");
    if (set_index < 0 || set_index >= n_sets)
        detail::shapes::fail(fn, "set_index is " + std::to_string(set_index) + "; it must lie in [0, " + std::to_string(n_sets) + ")");
    const std::size_t cells = grid_cell_count(out.width(), out.height(), cell);
    if (permutation.size() != cells)
        detail::shapes::fail(fn, "permutation has " + std::to_string(permutation.size()) + " entries; the grid has " + std::to_string(cells) + " cells");
    const int across = (out.width() + cell - 1) / cell;
    // Positions j with floor(j·n / cells) == set_index: j in [ceil(i·cells / n), ceil((i+1)·cells / n)).
    const std::size_t n = std::size_t(n_sets), i = std::size_t(set_index);
    const std::size_t first = (i * cells + n - 1) / n, last = ((i + 1) * cells + n - 1) / n;
    for (std::size_t j = first; j < last; ++j) {
        const std::uint32_t c = permutation[j];
        if (c >= cells) detail::shapes::fail(fn, "permutation entry " + std::to_string(j) + " is " + std::to_string(c) + "; the grid has " + std::to_string(cells) + " cells");
        const int cx = int(c % std::uint32_t(across)) * cell, cy = int(c / std::uint32_t(across)) * cell;
        for (int y = cy; y < std::min(cy + cell, out.height()); ++y)
            for (int x = cx; x < std::min(cx + cell, out.width()); ++x) out(x, y) = 1.0f;
    }
}

/// One InTra training window (METHODS §8.6.4), in units of patches of `patch_size` pixels
/// on the grid starting at pixel (0, 0): the window's origin patch and size, and the hidden
/// patch relative to the window origin.
struct patch_window {
    int patch_size = 16;     ///< K, pixels per patch side (InTra: 16)
    int window_x = 0;        ///< window origin, in patches
    int window_y = 0;
    int window_width = 7;    ///< L, in patches (InTra: 7)
    int window_height = 7;
    int hidden_x = 3;        ///< hidden patch, in patches from the window origin, in [0, window_width)
    int hidden_y = 3;
    friend constexpr bool operator==(const patch_window&, const patch_window&) = default;
};

/// Writes InTra's inpainting target into `out`: 1 on the hidden patch, `window_value` on the
/// rest of the L×L context window (0 leaves it untouched), composited with max and clipped to
/// the view (border patches may be partial). Cost: the window's pixels. Throws
/// std::invalid_argument for a multi-channel view, patch_size < 1, a negative window, a
/// hidden patch outside the window, or window_value outside [0, 1].
inline void patch_window_mask(image_view<float> out, const patch_window& w, float window_value = 0.0f) {
    constexpr const char* fn = "patch_window_mask";
    detail::shapes::check_mask(out, fn);
    if (w.patch_size < 1) detail::shapes::fail(fn, "patch_size is " + std::to_string(w.patch_size) + "; it must be >= 1");
    if (w.window_width < 1 || w.window_height < 1 || w.window_x < 0 || w.window_y < 0)
        detail::shapes::fail(fn, "the window must have origin >= 0 and size >= 1 patch");
    if (w.hidden_x < 0 || w.hidden_x >= w.window_width || w.hidden_y < 0 || w.hidden_y >= w.window_height)
        detail::shapes::fail(fn, "hidden patch (" + std::to_string(w.hidden_x) + ", " + std::to_string(w.hidden_y) + ") is outside the " +
                                     std::to_string(w.window_width) + "x" + std::to_string(w.window_height) + " window");
    if (!(window_value >= 0.0f && window_value <= 1.0f)) detail::shapes::fail(fn, "window_value is " + std::to_string(window_value) + "; it must lie in [0, 1]");
    auto fill = [&](long long px, long long py, long long pw, long long ph, float value) {
        const long long k = w.patch_size;
        const long long x0 = std::min<long long>(px * k, out.width()), y0 = std::min<long long>(py * k, out.height());
        const long long x1 = std::min<long long>((px + pw) * k, out.width()), y1 = std::min<long long>((py + ph) * k, out.height());
        for (long long y = y0; y < y1; ++y)
            for (long long x = x0; x < x1; ++x) detail::shapes::composite(out(int(x), int(y)), value);
    };
    if (window_value > 0.0f) fill(w.window_x, w.window_y, w.window_width, w.window_height, window_value);
    fill(w.window_x + w.hidden_x, w.window_y + w.hidden_y, 1, 1, 1.0f);
}

}  // namespace ias::fn
