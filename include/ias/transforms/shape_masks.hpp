// SPDX-License-Identifier: MIT
// Random shape masks: CutOut boxes, CutPaste scars, ellipses, tapering strokes, REB Bezier blobs, FractalAD fractals, RIAD grids, InTra windows.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string_view>
#include <vector>

#include "../core/concepts.hpp"
#include "../core/configured.hpp"
#include "../fn/morphology.hpp"
#include "../fn/shapes.hpp"

namespace ias {

/// The Bezier shape settings shared by REB DefectMaker's three families (METHODS §8.5.2):
/// n ~ Ui[n_points.min, n_points.max] control points, smoothing k ~ U[k.min, k.max] (REB picks
/// k from {0.2, 0.3, 0.4}), each segment replaced by its chord with `chord_probability` (REB's
/// quirk, 0.5; 0 gives smooth blobs), each smooth segment sampled at `samples_per_segment` points.
/// Included as `shape_*` parameters by the Bezier masks.
struct bezier_shape_settings {
    range<int> n_points{5, 6};
    range<float> k{0.2f, 0.4f};
    float chord_probability = 0.5f;
    int samples_per_segment = 12;

    static const description<bezier_shape_settings>& describe() {
        using S = bezier_shape_settings;
        static const auto d =
            description<S>()
                .field("n_points", &S::n_points, 3, 16, "control points, uniform in the range (at most 16)")
                .field("k", &S::k, 0, 1, "smoothing factor of the Bezier segments, uniform in the range")
                .field("chord_probability", &S::chord_probability, 0, 1, "each segment is replaced by its chord with this probability")
                .field("samples_per_segment", &S::samples_per_segment, 2, 1024, "points each smooth segment is sampled at");
        return d;
    }
};

namespace detail::shape_masks {

/// The bound of `reference_size` fields: the image side pixel sizes are given for (0 disables scaling).
inline constexpr double max_reference_size = 1e6;
/// The bound of `softness` fields: edge ramp in pixels.
inline constexpr double max_softness = 1024;

/// The factor that turns pixel sizes given for a `reference`-pixel image into pixels of
/// this one: min(W, H) / reference (1 when reference is 0).
inline float scale_of(const sample& s, float reference) noexcept {
    return reference > 0.0f ? float(std::min(s.image.width(), s.image.height())) / reference : 1.0f;
}

/// Sizes the mask like the image, all zeros, and returns its view.
inline image_view<float> begin_mask(sample& s) {
    s.mask.resize(s.image.width(), s.image.height(), 1, 0.0f);
    return s.mask.view();
}

/// Clips the mask to the foreground (when asked and present) and sets the label to whether
/// any pixel is positive.
inline void finish_mask(sample& s, bool restrict_to_foreground) {
    s.label = (restrict_to_foreground ? clip_to_foreground(s.mask, s.foreground) : any_positive(s.mask)) ? 1 : 0;
}

/// Log-uniform draw in [lo, hi] (both > 0).
inline float log_uniform(rng_stream& rng, float lo, float hi) noexcept {
    return std::exp(rng.uniform(std::log(lo), std::log(hi)));
}

/// A centre coordinate that keeps an extent of ±half inside the pixel squares of an axis of
/// `size` pixels ([-0.5, size - 0.5]); the middle when the shape is larger than the axis.
inline float place_centre(rng_stream& rng, float half, int size) noexcept {
    const float lo = half - 0.5f, hi = float(size) - 0.5f - half;
    if (!(lo < hi)) return (float(size) - 1.0f) / 2.0f;
    return rng.uniform(lo, hi);
}

inline constexpr float degrees = float(std::numbers::pi / 180.0);

/// REB DefectMaker's random closed Bezier shape (METHODS §8.5.2): n integer control points in
/// [0, 100)², sorted by angle about their centroid, the smoothing factor k, and per segment
/// whether it is replaced by its chord. Shared by the Bezier blob, scar and clump masks.
struct bezier_shape {
    static constexpr int max_points = 16;
    std::array<fn::point, max_points> control{};        ///< the first n are used
    std::array<std::uint8_t, max_points> chord_only{};  ///< one per segment
    int n = 0;
    float k = 0.3f;

    template <class F>
    void visit_fields(F&& f) const {
        std::vector<float> flat;
        for (int i = 0; i < n; ++i) flat.insert(flat.end(), {control[std::size_t(i)].x, control[std::size_t(i)].y});
        f("control", flat);
        f("chord_only", std::vector<int>(chord_only.begin(), chord_only.begin() + n));
        f("k", k);
    }

    /// Draws a shape by `settings`.
    static bezier_shape draw(rng_stream& rng, const bezier_shape_settings& settings) {
        bezier_shape b;
        b.n = int(rng.integer(settings.n_points.min, settings.n_points.max));
        b.k = rng.uniform(settings.k.min, settings.k.max);
        for (int i = 0; i < b.n; ++i) b.control[std::size_t(i)] = {float(rng.integer(0, 99)), float(rng.integer(0, 99))};
        fn::sort_by_angle(std::span<fn::point>(b.control.data(), std::size_t(b.n)));
        for (int i = 0; i < b.n; ++i) b.chord_only[std::size_t(i)] = rng.bernoulli(settings.chord_probability) ? 1 : 0;
        return b;
    }

    /// The smoothed outline stretched onto the rectangle [x0, x1] × [y0, y1] (REB: onto the
    /// box), into `outline`; empty when the shape has fewer than 3 points.
    void outline_in(float x0, float y0, float x1, float y1, int samples_per_segment, std::vector<fn::point>& outline) const {
        outline.clear();
        const auto count = std::size_t(std::clamp(n, 0, max_points));
        if (count < 3) return;
        fn::bezier_blob_outline(std::span<const fn::point>(control.data(), count), k,
                                std::span<const std::uint8_t>(chord_only.data(), count), outline, samples_per_segment);
        fn::stretch_to_box(outline, x0, y0, x1, y1);
    }
};

static_assert(bezier_shape::max_points == 16, "bezier_shape_settings' description bounds n_points by 16");

/// REB's box from the CutPaste area rule: area U[area_min, area_max]·W·H, aspect
/// log-uniform in [1/aspect_max, aspect_max], w = round(√(area·a)), h = round(√(area/a)),
/// clipped to the image with the other side keeping the area; placed uniformly inside.
inline std::array<int, 4> draw_area_box(rng_stream& rng, int W, int H, float area_min, float area_max, float aspect_max) {
    const float area = rng.uniform(area_min, area_max) * float(W) * float(H);
    const float aspect = log_uniform(rng, 1.0f / aspect_max, aspect_max);
    int w = std::clamp(int(std::lround(std::sqrt(area * aspect))), 1, W);
    int h = std::clamp(int(std::lround(std::sqrt(area / aspect))), 1, H);
    if (w == W) h = std::clamp(int(std::lround(area / float(W))), 1, H);
    else if (h == H) w = std::clamp(int(std::lround(area / float(H))), 1, W);
    const int x = int(rng.integer(0, W - w)), y = int(rng.integer(0, H - h));
    return {x, y, w, h};
}

/// The six coefficients (a, b, c, d, e, f) of each map in a row, as a trace records them.
inline std::array<float, 12> flatten(const std::array<fn::affine_map, 2>& maps) noexcept {
    std::array<float, 12> flat{};
    for (std::size_t k = 0; k < 2; ++k) {
        const fn::affine_map& m = maps[k];
        const std::array<float, 6> v{m.a, m.b, m.c, m.d, m.e, m.f};
        std::copy(v.begin(), v.end(), flat.begin() + std::ptrdiff_t(6 * k));
    }
    return flat;
}

/// FractalAD's random 2-map affine IFS (METHODS §2.10 step 4), as `fractal_mask` and
/// `fractal_paste` draw it: each map A = U·diag(s1, s2)·V with U, V random rotations with a
/// random reflection and translation uniform in [-1, 1]²; s1 >= s2 >= 0, s1 <= 1 and
/// Σ(s1 + 2·s2) = α with α ~ U[(5 + n)/2, (6 + n)/2], n = 2, each map's share drawn uniformly
/// within what keeps the rest feasible.
inline std::array<fn::affine_map, 2> draw_fractal_maps(rng_stream& rng) {
    std::array<fn::affine_map, 2> maps{};
    constexpr int n = 2;
    double budget = rng.uniform((5.0f + n) / 2.0f, (6.0f + n) / 2.0f);
    for (int k = 0; k < n; ++k) {
        const int rest = n - 1 - k;
        // This map's share c = s1 + 2·s2 in [0, 3], leaving a feasible budget for the rest.
        const double lo = std::max(0.0, budget - 3.0 * rest), hi = std::min(3.0, budget);
        const double c = rest == 0 ? std::clamp(budget, 0.0, 3.0) : lo + (hi - lo) * rng.uniform_double();
        budget -= c;
        // s1 = c - 2·s2 with s2 <= s1 <= 1: s2 in [max(0, (c - 1)/2), c/3].
        const double s2lo = std::max(0.0, (c - 1.0) / 2.0), s2hi = c / 3.0;
        const double s2 = s2lo + (s2hi - s2lo) * rng.uniform_double(), s1 = c - 2.0 * s2;
        auto rotation = [&](std::array<double, 4>& r) {
            const double t = 2.0 * std::numbers::pi * rng.uniform_double();
            const double flip = rng.bernoulli(0.5) ? -1.0 : 1.0;
            r = {std::cos(t), -std::sin(t) * flip, std::sin(t), std::cos(t) * flip};  // R(t)·diag(1, flip)
        };
        std::array<double, 4> u{}, v{};
        rotation(u);
        rotation(v);
        // A = U·diag(s1, s2)·V.
        const double m00 = u[0] * s1, m01 = u[1] * s2, m10 = u[2] * s1, m11 = u[3] * s2;
        fn::affine_map& m = maps[std::size_t(k)];
        m.a = float(m00 * v[0] + m01 * v[2]);
        m.b = float(m00 * v[1] + m01 * v[3]);
        m.c = float(m10 * v[0] + m11 * v[2]);
        m.d = float(m10 * v[1] + m11 * v[3]);
        m.e = rng.uniform(-1.0f, 1.0f);
        m.f = rng.uniform(-1.0f, 1.0f);
    }
    return maps;
}

}  // namespace detail::shape_masks

/// How `rectangle_mask` sizes its box.
enum class rectangle_sizing {
    side,         ///< a square of side uniform in [side.min, side.max] (CutOut)
    area_aspect,  ///< area fraction uniform in [area.min, area.max], aspect log-uniform (random erasing)
};

/// The settings of `rectangle_mask`.
struct rectangle_mask_settings {
    rectangle_sizing sizing = rectangle_sizing::side;
    range<float> side{20.0f, 50.0f};  ///< pixels at reference_size; scaled, then rounded (at least 1)
    range<float> area{0.02f, 0.33f};  ///< fraction of W·H, with area_aspect
    range<float> aspect{0.3f, 3.3f};  ///< width / height, log-uniform, with area_aspect
    bool allow_clipping = true;       ///< true: centre anywhere, box clipped (CutOut); false: box wholly inside
    float reference_size = 256.0f;    ///< image side the pixel sizes are given for; 0 = unscaled
    float softness = 0.0f;            ///< edge ramp in pixels (0 = binary)
    bool restrict_to_foreground = true;

    static const description<rectangle_mask_settings>& describe() {
        using S = rectangle_mask_settings;
        static const auto d =
            description<S>()
                .field("sizing", &S::sizing, {{"side", rectangle_sizing::side}, {"area_aspect", rectangle_sizing::area_aspect}},
                       "a square of side U[side] (CutOut) or an area fraction U[area] with a log-uniform aspect (random erasing)")
                .field("side", &S::side, 0, 1e6, "square side, pixels at reference_size, with side")
                .field("area", &S::area, 0, 1, "box area, fraction of the image, with area_aspect")
                .field("aspect", &S::aspect, 0.001, 1000, "box width / height, log-uniform, with area_aspect")
                .field("allow_clipping", &S::allow_clipping, {{"true", true}, {"false", false}},
                       "true: centre anywhere and the box clipped (CutOut); false: the box wholly inside")
                .field("reference_size", &S::reference_size, 0, detail::shape_masks::max_reference_size,
                       "image side the pixel sizes are given for; 0: unscaled")
                .field("softness", &S::softness, 0, detail::shape_masks::max_softness, "edge ramp, pixels (0: binary)")
                .field("restrict_to_foreground", &S::restrict_to_foreground, {{"true", true}, {"false", false}},
                       "clip the mask to the sample's foreground when it has one");
        return d;
    }
};

/// Sets `sample.mask` to one random axis-aligned box, the hole of CutOut and random erasing
/// (METHODS §2.9), and `sample.label` to whether it is non-empty. The defaults are ASBench's
/// CutOut: a square of side Ui[20, 50] pixels at 256×256 (scaled by min(W, H) / 256 at other
/// sizes), centre uniform over the image, clipped to it. `sizing = area_aspect` gives
/// torchvision's RandomErasing: area U[0.02, 0.33]·W·H, aspect log-uniform in [0.3, 3.3], the
/// box wholly inside the image (`allow_clipping = false` for that). The box never leaves the
/// image. Works on any image size, pixel type and channel count (only the size is read).
struct rectangle_mask : configured<rectangle_mask, rectangle_mask_settings> {
    static constexpr std::string_view name = "rectangle_mask";
    using configured::configured;

    struct params_type {
        int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  ///< pixels x0 <= x < x1, y0 <= y < y1
        template <class F>
        void visit_fields(F&& f) const {
            f("box", std::array<int, 4>{x0, y0, x1, y1});
        }
    };

    params_type sample_params(rng_stream& rng, const sample& s) const {
        const int W = s.image.width(), H = s.image.height();
        params_type p;
        if (W < 1 || H < 1) return p;
        int w, h;
        if (sizing == rectangle_sizing::side) {
            const float scale = detail::shape_masks::scale_of(s, reference_size);
            w = h = std::max(1, int(std::lround(rng.uniform(side.min, side.max) * scale)));
        } else {
            const float box_area = rng.uniform(area.min, area.max) * float(W) * float(H);
            const float box_aspect = detail::shape_masks::log_uniform(rng, aspect.min, aspect.max);
            w = std::max(1, int(std::lround(std::sqrt(box_area * box_aspect))));
            h = std::max(1, int(std::lround(std::sqrt(box_area / box_aspect))));
        }
        if (allow_clipping) {
            const int cx = int(rng.integer(0, W - 1)), cy = int(rng.integer(0, H - 1));
            p.x0 = std::max(0, cx - w / 2);
            p.y0 = std::max(0, cy - h / 2);
            p.x1 = std::min(W, cx - w / 2 + w);
            p.y1 = std::min(H, cy - h / 2 + h);
        } else {
            w = std::min(w, W);
            h = std::min(h, H);
            p.x0 = int(rng.integer(0, W - w));
            p.y0 = int(rng.integer(0, H - h));
            p.x1 = p.x0 + w;
            p.y1 = p.y0 + h;
        }
        return p;
    }

    void apply(sample& s, const params_type& p) const {
        fn::fill_rectangle(detail::shape_masks::begin_mask(s), float(p.x0), float(p.y0), float(p.x1), float(p.y1), softness);
        detail::shape_masks::finish_mask(s, restrict_to_foreground);
    }

};

/// The settings of `scar_mask`.
struct scar_mask_settings {
    range<float> width{2.0f, 16.0f};    ///< pixels at reference_size
    range<float> length{10.0f, 25.0f};  ///< pixels at reference_size
    range<float> angle{-45.0f, 45.0f};  ///< degrees
    float reference_size = 256.0f;
    float softness = 0.0f;
    bool restrict_to_foreground = true;

    static const description<scar_mask_settings>& describe() {
        using S = scar_mask_settings;
        static const auto d =
            description<S>()
                .field("width", &S::width, 0, 1e6, "scar width, pixels at reference_size")
                .field("length", &S::length, 0, 1e6, "scar length, pixels at reference_size")
                .field("angle", &S::angle, -3600, 3600, "the scar turns by U[min, max] degrees")
                .field("reference_size", &S::reference_size, 0, detail::shape_masks::max_reference_size,
                       "image side the pixel sizes are given for; 0: unscaled")
                .field("softness", &S::softness, 0, detail::shape_masks::max_softness, "edge ramp, pixels (0: binary)")
                .field("restrict_to_foreground", &S::restrict_to_foreground, {{"true", true}, {"false", false}},
                       "clip the mask to the sample's foreground when it has one");
        return d;
    }
};

/// Sets `sample.mask` to CutPaste-scar's footprint (METHODS §2.8): a rectangle of width
/// U[2, 16] and length U[10, 25] pixels at 256×256 (scaled by min(W, H) / 256, at least one
/// pixel), rotated by U[-45°, 45°], placed uniformly where its rotated bounding box lies in the
/// image (centred when it is larger). The rectangle is rasterised exactly
/// (`fn::fill_rotated_rectangle`) instead of as the alpha of a rotated patch.
struct scar_mask : configured<scar_mask, scar_mask_settings> {
    static constexpr std::string_view name = "scar_mask";
    using configured::configured;

    struct params_type {
        float cx = 0, cy = 0, width = 0, length = 0;
        float angle = 0;  ///< degrees
        template <class F>
        void visit_fields(F&& f) const {
            f("centre", std::array<float, 2>{cx, cy});
            f("width", width);
            f("length", length);
            f("angle", angle);
        }
    };

    params_type sample_params(rng_stream& rng, const sample& s) const {
        params_type p;
        if (s.image.empty()) return p;
        const float scale = detail::shape_masks::scale_of(s, reference_size);
        p.width = std::max(1.0f, rng.uniform(width.min, width.max) * scale);
        p.length = std::max(1.0f, rng.uniform(length.min, length.max) * scale);
        p.angle = rng.uniform(angle.min, angle.max);
        const float c = std::abs(std::cos(p.angle * detail::shape_masks::degrees)), sn = std::abs(std::sin(p.angle * detail::shape_masks::degrees));
        p.cx = detail::shape_masks::place_centre(rng, (c * p.width + sn * p.length) / 2.0f, s.image.width());
        p.cy = detail::shape_masks::place_centre(rng, (sn * p.width + c * p.length) / 2.0f, s.image.height());
        return p;
    }

    void apply(sample& s, const params_type& p) const {
        fn::fill_rotated_rectangle(detail::shape_masks::begin_mask(s), p.cx, p.cy, p.width, p.length,
                                   p.angle * detail::shape_masks::degrees, softness);
        detail::shape_masks::finish_mask(s, restrict_to_foreground);
    }

};

/// The settings of `ellipse_mask`.
struct ellipse_mask_settings {
    range<int> count{1, 3};
    range<float> radius{0.03f, 0.15f};  ///< fraction of min(W, H)
    float softness = 0.0f;
    bool restrict_to_foreground = true;

    static const description<ellipse_mask_settings>& describe() {
        using S = ellipse_mask_settings;
        static const auto d =
            description<S>()
                .field("count", &S::count, 0, 16, "ellipses per mask, uniform in the range (at most 16)")
                .field("radius", &S::radius, 0, 10, "each semi-axis, fraction of min(W, H), uniform in the range")
                .field("softness", &S::softness, 0, detail::shape_masks::max_softness, "edge ramp, pixels (0: binary)")
                .field("restrict_to_foreground", &S::restrict_to_foreground, {{"true", true}, {"false", false}},
                       "clip the mask to the sample's foreground when it has one");
        return d;
    }
};

/// Sets `sample.mask` to the union of Ui[count.min, count.max] random ellipses: semi-axes
/// U[radius.min, radius.max]·min(W, H) each, orientation U[0°, 180°), centres placed so that
/// each ellipse's bounding box lies in the image (centred when it is larger). A generic
/// blob-shaped defect region (spots, stains, dents).
struct ellipse_mask : configured<ellipse_mask, ellipse_mask_settings> {
    static constexpr std::string_view name = "ellipse_mask";
    using configured::configured;

    struct ellipse {
        float cx = 0, cy = 0, rx = 0, ry = 0;
        float angle = 0;  ///< degrees
    };
    static constexpr int max_count = 16;
    struct params_type {
        std::array<ellipse, max_count> ellipses{};  ///< the first `count` are drawn
        int count = 0;
        template <class F>
        void visit_fields(F&& f) const {
            std::vector<std::array<float, 5>> flat;
            for (int i = 0; i < count; ++i) {
                const ellipse& e = ellipses[std::size_t(i)];
                flat.push_back({e.cx, e.cy, e.rx, e.ry, e.angle});
            }
            f("ellipses", flat);
        }
    };

    static_assert(max_count == 16, "ellipse_mask_settings' description bounds count by 16");

    params_type sample_params(rng_stream& rng, const sample& s) const {
        params_type p;
        if (s.image.empty()) return p;
        const float side = float(std::min(s.image.width(), s.image.height()));
        const int n = int(rng.integer(count.min, count.max));
        for (int i = 0; i < n; ++i) {
            ellipse e;
            e.rx = rng.uniform(radius.min, radius.max) * side;
            e.ry = rng.uniform(radius.min, radius.max) * side;
            e.angle = rng.uniform(0.0f, 180.0f);
            const float c = std::cos(e.angle * detail::shape_masks::degrees), sn = std::sin(e.angle * detail::shape_masks::degrees);
            e.cx = detail::shape_masks::place_centre(rng, std::sqrt(e.rx * e.rx * c * c + e.ry * e.ry * sn * sn), s.image.width());
            e.cy = detail::shape_masks::place_centre(rng, std::sqrt(e.rx * e.rx * sn * sn + e.ry * e.ry * c * c), s.image.height());
            p.ellipses[std::size_t(p.count++)] = e;
        }
        return p;
    }

    void apply(sample& s, const params_type& p) const {
        const auto m = detail::shape_masks::begin_mask(s);
        for (int i = 0; i < std::min(p.count, max_count); ++i) {
            const ellipse& e = p.ellipses[std::size_t(i)];
            fn::fill_ellipse(m, e.cx, e.cy, e.rx, e.ry, e.angle * detail::shape_masks::degrees, softness);
        }
        detail::shape_masks::finish_mask(s, restrict_to_foreground);
    }

};

/// The settings of `stroke_mask`.
struct stroke_mask_settings {
    range<float> length{0.2f, 0.6f};  ///< fraction of min(W, H)
    float bend = 0.3f;                ///< sideways control-point offset, fraction of the length
    range<float> width{2.0f, 8.0f};   ///< pixels at reference_size
    range<float> taper{0.0f, 1.0f};   ///< end width / start width
    int segments = 32;
    float reference_size = 256.0f;
    float softness = 0.0f;
    bool restrict_to_foreground = true;

    static const description<stroke_mask_settings>& describe() {
        using S = stroke_mask_settings;
        static const auto d =
            description<S>()
                .field("length", &S::length, 0, 10, "chord length, fraction of min(W, H), uniform in the range")
                .field("bend", &S::bend, 0, 10, "inner control points are offset sideways by U[-bend, bend] times the length")
                .field("width", &S::width, 0, 1e6, "start width, pixels at reference_size, uniform in the range")
                .field("taper", &S::taper, 0, 100, "end width / start width, uniform in the range")
                .field("segments", &S::segments, 1, 4096, "the curve is sampled at segments + 1 points")
                .field("reference_size", &S::reference_size, 0, detail::shape_masks::max_reference_size,
                       "image side the pixel sizes are given for; 0: unscaled")
                .field("softness", &S::softness, 0, detail::shape_masks::max_softness, "edge ramp, pixels (0: binary)")
                .field("restrict_to_foreground", &S::restrict_to_foreground, {{"true", true}, {"false", false}},
                       "clip the mask to the sample's foreground when it has one");
        return d;
    }
};

/// Sets `sample.mask` to a random tapering stroke (scratch, crack, hair): a cubic Bezier of
/// chord length U[length.min, length.max]·min(W, H) in a uniform direction, its inner control
/// points offset sideways by U[-bend, bend]·length, stroked with a width going linearly from
/// U[width.min, width.max] pixels at 256×256 (scaled) to that times U[taper.min, taper.max].
/// All four control points are clamped into the image inset by the largest half-width, so
/// the curve (inside their convex hull) and the stroke stay in the image whenever it is wider
/// than the stroke. The curve is sampled at `segments` + 1 points (`fn::stroke_polyline`).
struct stroke_mask : configured<stroke_mask, stroke_mask_settings> {
    static constexpr std::string_view name = "stroke_mask";
    using configured::configured;

    struct params_type {
        std::array<fn::point, 4> control{};
        float width_start = 0, width_end = 0;
        template <class F>
        void visit_fields(F&& f) const {
            f("control", std::array<float, 8>{control[0].x, control[0].y, control[1].x, control[1].y, control[2].x, control[2].y,
                                              control[3].x, control[3].y});
            f("width_start", width_start);
            f("width_end", width_end);
        }
    };

    params_type sample_params(rng_stream& rng, const sample& s) const {
        params_type p;
        const int W = s.image.width(), H = s.image.height();
        if (W < 1 || H < 1) return p;
        const float scale = detail::shape_masks::scale_of(s, reference_size);
        p.width_start = std::max(1.0f, rng.uniform(width.min, width.max) * scale);
        p.width_end = p.width_start * rng.uniform(taper.min, taper.max);
        const float chord = rng.uniform(length.min, length.max) * float(std::min(W, H));
        const float theta = rng.uniform(0.0f, 2.0f * std::numbers::pi_v<float>);
        const float dx = std::cos(theta), dy = std::sin(theta);
        const fn::point start{rng.uniform(0.0f, float(W - 1)), rng.uniform(0.0f, float(H - 1))};
        const float o1 = rng.uniform(-bend, bend) * chord, o2 = rng.uniform(-bend, bend) * chord;
        p.control[0] = start;
        p.control[1] = {start.x + dx * chord / 3 - dy * o1, start.y + dy * chord / 3 + dx * o1};
        p.control[2] = {start.x + dx * chord * 2 / 3 - dy * o2, start.y + dy * chord * 2 / 3 + dx * o2};
        p.control[3] = {start.x + dx * chord, start.y + dy * chord};
        const float inset = std::max(p.width_start, p.width_end) / 2.0f;
        auto clamp_axis = [&](float v, int size) {
            const float lo = inset - 0.5f, hi = float(size) - 0.5f - inset;
            return lo <= hi ? std::clamp(v, lo, hi) : (float(size) - 1.0f) / 2.0f;
        };
        for (fn::point& c : p.control) c = {clamp_axis(c.x, W), clamp_axis(c.y, H)};
        return p;
    }

    void apply(sample& s, const params_type& p) const {
        const auto m = detail::shape_masks::begin_mask(s);
        thread_local std::vector<fn::point> path;  // per-thread scratch
        path.resize(std::size_t(segments) + 1);
        fn::sample_bezier(p.control[0], p.control[1], p.control[2], p.control[3], path);
        fn::stroke_polyline(m, path, p.width_start, p.width_end, softness);
        detail::shape_masks::finish_mask(s, restrict_to_foreground);
    }

};

/// The settings of `bezier_blob_mask`.
struct bezier_blob_mask_settings {
    bezier_shape_settings shape{};
    range<float> area{0.02f, 0.15f};  ///< fraction of W·H
    float aspect_max = 3.3f;          ///< aspect log-uniform in [1/aspect_max, aspect_max]
    float softness = 0.0f;
    bool restrict_to_foreground = true;

    static const description<bezier_blob_mask_settings>& describe() {
        using S = bezier_blob_mask_settings;
        static const auto d =
            description<S>()
                .include("shape_", &S::shape)
                .field("area", &S::area, 0, 1, "box area, fraction of the image, uniform in the range")
                .field("aspect_max", &S::aspect_max, 1, 1000, "box width / height is log-uniform in [1/aspect_max, aspect_max]")
                .field("softness", &S::softness, 0, detail::shape_masks::max_softness, "edge ramp, pixels (0: binary)")
                .field("restrict_to_foreground", &S::restrict_to_foreground, {{"true", true}, {"false", false}},
                       "clip the mask to the sample's foreground when it has one");
        return d;
    }
};

/// Sets `sample.mask` to REB DefectMaker's Bezier-rect shape (METHODS §8.5.2, §8.5.3): a
/// random Bezier shape (`shape`, see `bezier_shape_settings`) stretched to fill a w×h box from
/// the CutPaste area rule: area U[area.min, area.max]·W·H, aspect log-uniform in
/// [1/aspect_max, aspect_max], w = round(√(area·a)), h = round(√(area/a)), clipped to the
/// image. The box lies wholly in the image at a uniform position (REB anchors it on a
/// saliency pixel; here `restrict_to_foreground` clips instead). The outline is stretched
/// onto the box's pixel squares and filled by `fn::fill_polygon`.
struct bezier_blob_mask : configured<bezier_blob_mask, bezier_blob_mask_settings> {
    static constexpr std::string_view name = "bezier_blob_mask";
    using configured::configured;

    struct params_type {
        detail::shape_masks::bezier_shape shape;
        int x = 0, y = 0, width = 0, height = 0;  ///< the box, pixels
        template <class F>
        void visit_fields(F&& f) const {
            shape.visit_fields(f);
            f("box", std::array<int, 4>{x, y, width, height});
        }
    };

    params_type sample_params(rng_stream& rng, const sample& s) const {
        params_type p;
        const int W = s.image.width(), H = s.image.height();
        if (W < 1 || H < 1) return p;
        p.shape = detail::shape_masks::bezier_shape::draw(rng, shape);
        const auto box = detail::shape_masks::draw_area_box(rng, W, H, area.min, area.max, aspect_max);
        p.x = box[0], p.y = box[1], p.width = box[2], p.height = box[3];
        return p;
    }

    /// This mask drawing the hard shape: no soft edge, no clipping to the foreground (as
    /// `defect_maker` draws it). Both are always allowed, so nothing is checked again.
    [[nodiscard]] bezier_blob_mask hard() const noexcept {
        bezier_blob_mask m = *this;
        m.softness = 0.0f;
        m.restrict_to_foreground = false;
        return m;
    }

    void apply(sample& s, const params_type& p) const {
        const auto m = detail::shape_masks::begin_mask(s);
        thread_local std::vector<fn::point> outline;  // per-thread scratch
        // Onto the pixel squares of the box: centres x .. x + width - 1.
        p.shape.outline_in(float(p.x) - 0.5f, float(p.y) - 0.5f, float(p.x + p.width) - 0.5f, float(p.y + p.height) - 0.5f,
                           shape.samples_per_segment, outline);
        if (!outline.empty()) fn::fill_polygon(m, outline, softness);
        detail::shape_masks::finish_mask(s, restrict_to_foreground);
    }

};

/// The settings of `bezier_scar_mask`.
struct bezier_scar_mask_settings {
    bezier_shape_settings shape{};
    range<int> width{7, 21};  ///< pixels at reference_size
    range<int> length{15, 30};
    int rotation_max = 45;  ///< degrees
    float reference_size = 256.0f;
    float softness = 0.0f;
    bool restrict_to_foreground = true;

    static const description<bezier_scar_mask_settings>& describe() {
        using S = bezier_scar_mask_settings;
        static const auto d =
            description<S>()
                .include("shape_", &S::shape)
                .field("width", &S::width, 1, 1000000, "box width, pixels at reference_size, uniform integer in the range")
                .field("length", &S::length, 1, 1000000, "box length, pixels at reference_size, uniform integer in the range")
                .field("rotation_max", &S::rotation_max, 0, 180, "the scar turns by an integer angle in [-max, max] degrees")
                .field("reference_size", &S::reference_size, 0, detail::shape_masks::max_reference_size,
                       "image side the pixel sizes are given for; 0: unscaled")
                .field("softness", &S::softness, 0, detail::shape_masks::max_softness, "edge ramp, pixels (0: binary)")
                .field("restrict_to_foreground", &S::restrict_to_foreground, {{"true", true}, {"false", false}},
                       "clip the mask to the sample's foreground when it has one");
        return d;
    }
};

/// Sets `sample.mask` to REB DefectMaker's Bezier-scar (METHODS §8.5.3): a Bezier shape (as
/// in `bezier_blob_mask`) stretched into a w×h box, w ~ Ui[width.min, width.max] and h ~
/// Ui[length.min, length.max] pixels at 256×256 (REB: 7..21 and 15..30, the CutPaste-scar
/// ranges plus 5; scaled by min(W, H)/256), rotated by an integer angle ~ Ui[-rotation_max,
/// rotation_max] degrees about its centre. The rotated box (REB rotates with canvas expansion)
/// is placed uniformly inside the image (centred on an axis where it does not fit).
struct bezier_scar_mask : configured<bezier_scar_mask, bezier_scar_mask_settings> {
    static constexpr std::string_view name = "bezier_scar_mask";
    using configured::configured;

    struct params_type {
        detail::shape_masks::bezier_shape shape;
        float width = 0, length = 0;  ///< the unrotated box, pixels
        int rotation = 0;             ///< degrees
        float cx = 0, cy = 0;         ///< centre of the rotated box, pixels
        template <class F>
        void visit_fields(F&& f) const {
            shape.visit_fields(f);
            f("size", std::array<float, 2>{width, length});
            f("rotation", rotation);
            f("centre", std::array<float, 2>{cx, cy});
        }
    };

    params_type sample_params(rng_stream& rng, const sample& s) const {
        params_type p;
        const int W = s.image.width(), H = s.image.height();
        if (W < 1 || H < 1) return p;
        const float scale = detail::shape_masks::scale_of(s, reference_size);
        p.shape = detail::shape_masks::bezier_shape::draw(rng, shape);
        p.width = std::max(1.0f, std::round(float(rng.integer(width.min, width.max)) * scale));
        p.length = std::max(1.0f, std::round(float(rng.integer(length.min, length.max)) * scale));
        p.rotation = int(rng.integer(-rotation_max, rotation_max));
        const float c = std::abs(std::cos(float(p.rotation) * detail::shape_masks::degrees));
        const float sn = std::abs(std::sin(float(p.rotation) * detail::shape_masks::degrees));
        p.cx = detail::shape_masks::place_centre(rng, (p.width * c + p.length * sn) / 2.0f, W);
        p.cy = detail::shape_masks::place_centre(rng, (p.width * sn + p.length * c) / 2.0f, H);
        return p;
    }

    void apply(sample& s, const params_type& p) const {
        const auto m = detail::shape_masks::begin_mask(s);
        thread_local std::vector<fn::point> outline;  // per-thread scratch
        p.shape.outline_in(-p.width / 2.0f, -p.length / 2.0f, p.width / 2.0f, p.length / 2.0f, shape.samples_per_segment, outline);
        const float c = std::cos(float(p.rotation) * detail::shape_masks::degrees), sn = std::sin(float(p.rotation) * detail::shape_masks::degrees);
        for (fn::point& q : outline) q = {p.cx + c * q.x - sn * q.y, p.cy + sn * q.x + c * q.y};
        if (!outline.empty()) fn::fill_polygon(m, outline, softness);
        detail::shape_masks::finish_mask(s, restrict_to_foreground);
    }

    /// This mask drawing the hard shape: no soft edge, no clipping to the foreground (as
    /// `defect_maker` draws it). Both are always allowed, so nothing is checked again.
    [[nodiscard]] bezier_scar_mask hard() const noexcept {
        bezier_scar_mask m = *this;
        m.softness = 0.0f;
        m.restrict_to_foreground = false;
        return m;
    }
};

/// The settings of `bezier_clump_mask`.
struct bezier_clump_mask_settings {
    bezier_shape_settings shape{.n_points = {5, 9}};  ///< REB's clump passes no ranges: its defaults, 5..9 points
    range<float> area{0.02f, 0.15f};
    float aspect_max = 3.0f;
    float softness = 0.0f;
    bool restrict_to_foreground = true;

    static const description<bezier_clump_mask_settings>& describe() {
        using S = bezier_clump_mask_settings;
        static const auto d =
            description<S>()
                .include("shape_", &S::shape)
                .field("area", &S::area, 0, 1, "box area, fraction of the image, uniform in the range")
                .field("aspect_max", &S::aspect_max, 1, 1000, "box width / height is log-uniform in [1/aspect_max, aspect_max]")
                .field("softness", &S::softness, 0, detail::shape_masks::max_softness, "edge ramp, pixels (0: binary)")
                .field("restrict_to_foreground", &S::restrict_to_foreground, {{"true", true}, {"false", false}},
                       "clip the mask to the sample's foreground when it has one");
        return d;
    }
};

/// Sets `sample.mask` to REB DefectMaker's Bezier-clump (METHODS §8.5.3): a blob ∩ a Bezier
/// shape in a box from the CutPaste area rule (aspect bound 3). The blob is a grid of
/// uniform integer grey levels in [77, 177] of (max(1, int(w/s·a)), max(1, int(w/s/a))) cells
/// (REB's quirk: both from the width w), s ~ U[5, 7], a log-uniform in [1/2, 2], resized
/// bilinearly to the box (REB uses PIL's default resampler) and thresholded at > 138.
struct bezier_clump_mask : configured<bezier_clump_mask, bezier_clump_mask_settings> {
    static constexpr std::string_view name = "bezier_clump_mask";
    using configured::configured;

    struct params_type {
        detail::shape_masks::bezier_shape shape;
        int x = 0, y = 0, width = 0, height = 0;  ///< the box, pixels
        int grid_width = 1, grid_height = 1;      ///< blob noise cells
        std::uint64_t noise_seed = 0;             ///< the grey levels come from rng_stream(noise_seed, 0)
        template <class F>
        void visit_fields(F&& f) const {
            shape.visit_fields(f);
            f("box", std::array<int, 4>{x, y, width, height});
            f("grid", std::array<int, 2>{grid_width, grid_height});
        }
    };

    params_type sample_params(rng_stream& rng, const sample& s) const {
        params_type p;
        const int W = s.image.width(), H = s.image.height();
        if (W < 1 || H < 1) return p;
        p.shape = detail::shape_masks::bezier_shape::draw(rng, shape);
        const auto box = detail::shape_masks::draw_area_box(rng, W, H, area.min, area.max, aspect_max);
        p.x = box[0], p.y = box[1], p.width = box[2], p.height = box[3];
        const float cell = rng.uniform(5.0f, 7.0f), a = detail::shape_masks::log_uniform(rng, 0.5f, 2.0f);
        p.grid_width = std::max(1, int(float(p.width) / cell * a));
        p.grid_height = std::max(1, int(float(p.width) / cell / a));
        p.noise_seed = rng.next_u64();
        return p;
    }

    void apply(sample& s, const params_type& p) const {
        const auto m = detail::shape_masks::begin_mask(s);
        thread_local std::vector<fn::point> outline;  // per-thread scratch
        p.shape.outline_in(float(p.x) - 0.5f, float(p.y) - 0.5f, float(p.x + p.width) - 0.5f, float(p.y + p.height) - 0.5f,
                           shape.samples_per_segment, outline);
        if (!outline.empty() && p.width > 0 && p.height > 0 && p.x >= 0 && p.y >= 0 && p.x + p.width <= m.width() &&
            p.y + p.height <= m.height()) {
            fn::fill_polygon(m, outline, softness);
            // The blob: integer grey levels on a coarse grid, resized bilinearly (pixel-centre
            // aligned), kept where > 138.
            thread_local std::vector<float> grid;
            const int gw = std::max(1, p.grid_width), gh = std::max(1, p.grid_height);
            grid.resize(std::size_t(gw) * std::size_t(gh));
            rng_stream noise(p.noise_seed, 0);
            for (float& v : grid) v = float(noise.integer(77, 177));
            auto source = [](int i, int size, int cells) {
                return std::clamp((float(i) + 0.5f) * float(cells) / float(size) - 0.5f, 0.0f, float(cells - 1));
            };
            for (int y = 0; y < p.height; ++y) {
                const float sy = source(y, p.height, gh);
                const int y0 = int(sy), y1 = std::min(y0 + 1, gh - 1);
                const float fy = sy - float(y0);
                for (int x = 0; x < p.width; ++x) {
                    const float sx = source(x, p.width, gw);
                    const int x0 = int(sx), x1 = std::min(x0 + 1, gw - 1);
                    const float fx = sx - float(x0);
                    auto at = [&](int gx, int gy) { return grid[std::size_t(gy) * std::size_t(gw) + std::size_t(gx)]; };
                    const float top = at(x0, y0) + fx * (at(x1, y0) - at(x0, y0));
                    const float bottom = at(x0, y1) + fx * (at(x1, y1) - at(x0, y1));
                    if (!(top + fy * (bottom - top) > 138.0f)) m(p.x + x, p.y + y) = 0.0f;
                }
            }
        }
        detail::shape_masks::finish_mask(s, restrict_to_foreground);
    }

    /// This mask drawing the hard shape: no soft edge, no clipping to the foreground (as
    /// `defect_maker` draws it). Both are always allowed, so nothing is checked again.
    [[nodiscard]] bezier_clump_mask hard() const noexcept {
        bezier_clump_mask m = *this;
        m.softness = 0.0f;
        m.restrict_to_foreground = false;
        return m;
    }
};

/// The settings of `fractal_mask`.
struct fractal_mask_settings {
    range<float> size{0.1f, 0.5f};    ///< fraction of min(W, H)
    range<float> region{0.1f, 0.9f};  ///< central region, fraction of each axis
    int iterations = 100000;
    int dilation = 3;  ///< 3×3 dilations of the rendered points (FractalAD: 3)
    bool restrict_to_foreground = true;

    static const description<fractal_mask_settings>& describe() {
        using S = fractal_mask_settings;
        static const auto d =
            description<S>()
                .field("size", &S::size, 0, 1, "box side, fraction of min(W, H), uniform in the range")
                .field("region", &S::region, 0, 1, "the box lies in this central part of each axis when it fits")
                .field("iterations", &S::iterations, 0, 10000000, "chaos-game points (FractalAD: 100000)")
                .field("dilation", &S::dilation, 0, 64, "3x3 dilations of the rendered points (FractalAD: 3)")
                .field("restrict_to_foreground", &S::restrict_to_foreground, {{"true", true}, {"false", false}},
                       "clip the mask to the sample's foreground when it has one");
        return d;
    }
};

/// Sets `sample.mask` to FractalAD's fractal region (METHODS §2.10): the attractor of a
/// random 2-map affine IFS rendered into a c×c box, c ~ U[size.min, size.max]·min(W, H), the
/// box placed uniformly within the central region [region.min, region.max] of each axis
/// (anywhere when it does not fit there), then dilated `dilation` times with a 3×3 square.
/// Each map is A = U·diag(s1, s2)·V with U, V random rotations with a random reflection and
/// translation uniform in [-1, 1]²; the singular values satisfy s1 >= s2 >= 0, s1 <= 1 and
/// Σ(s1 + 2·s2) = α with α ~ U[(5 + n)/2, (6 + n)/2], n = 2 (Anderson and Farrell's
/// constraint; each map's share is drawn uniformly within what keeps the rest feasible).
/// The chaos game takes `iterations` points (FractalAD: 100 000) from a seed in the params.
struct fractal_mask : configured<fractal_mask, fractal_mask_settings> {
    static constexpr std::string_view name = "fractal_mask";
    using configured::configured;

    struct params_type {
        std::array<fn::affine_map, 2> maps{};
        std::uint64_t chaos_seed = 0;
        int x = 0, y = 0, size = 0;  ///< the box, pixels
        template <class F>
        void visit_fields(F&& f) const {
            f("maps", detail::shape_masks::flatten(maps));
            f("box", std::array<int, 3>{x, y, size});
        }
    };

    params_type sample_params(rng_stream& rng, const sample& s) const {
        params_type p;
        const int W = s.image.width(), H = s.image.height();
        if (W < 1 || H < 1) return p;
        p.maps = detail::shape_masks::draw_fractal_maps(rng);
        p.chaos_seed = rng.next_u64();
        p.size = std::clamp(int(std::lround(rng.uniform(size.min, size.max) * float(std::min(W, H)))), 1, std::min(W, H));
        auto place = [&](int extent) {
            const int lo = int(std::ceil(region.min * float(extent))), hi = int(std::floor(region.max * float(extent))) - p.size;
            return lo <= hi ? int(rng.integer(lo, hi)) : int(rng.integer(0, extent - p.size));
        };
        p.x = place(W);
        p.y = place(H);
        return p;
    }

    void apply(sample& s, const params_type& p) const {
        const auto m = detail::shape_masks::begin_mask(s);
        if (p.size > 0 && p.x >= 0 && p.y >= 0 && p.x + p.size <= m.width() && p.y + p.size <= m.height()) {
            fn::ifs_fractal(m.crop(p.x, p.y, p.size, p.size), p.maps, iterations, p.chaos_seed);
            dilate(s.mask, p.x - 1, p.y - 1, p.x + p.size + 1, p.y + p.size + 1);
        }
        detail::shape_masks::finish_mask(s, restrict_to_foreground);
    }


private:
    /// `dilation` 3×3 dilations, i.e. one (2·dilation + 1)² square dilation, of the region
    /// [x0, x1) × [y0, y1) grown by `dilation` and clipped to the mask (zero outside it).
    void dilate(ias::image<float>& mask, int x0, int y0, int x1, int y1) const {
        const int r = dilation;
        x0 = std::max(0, x0 - r);
        y0 = std::max(0, y0 - r);
        x1 = std::min(mask.width(), x1 + r);
        y1 = std::min(mask.height(), y1 + r);
        if (r == 0 || x0 >= x1 || y0 >= y1) return;
        thread_local ias::image<float> scratch;
        const auto region = mask.view().crop(x0, y0, x1 - x0, y1 - y0);
        fn::dilate(region, region, {fn::kernel_shape::square, 2 * r + 1}, scratch);
    }
};

/// The settings of `grid_mask`.
struct grid_mask_settings {
    range<int> cell_exponents{1, 4};  ///< cells are 2^e pixels at reference_size, e uniform in the range
    int n_sets = 3;
    float reference_size = 256.0f;
    bool restrict_to_foreground = true;

    static const description<grid_mask_settings>& describe() {
        using S = grid_mask_settings;
        static const auto d =
            description<S>()
                .field("cell_exponents", &S::cell_exponents, 0, 16, "cells are 2^e pixels at reference_size, e uniform in the range")
                .field("n_sets", &S::n_sets, 1, 1024, "the cells are split into this many disjoint sets (RIAD: 3)")
                .field("reference_size", &S::reference_size, 0, detail::shape_masks::max_reference_size,
                       "image side the pixel sizes are given for; 0: unscaled")
                .field("restrict_to_foreground", &S::restrict_to_foreground, {{"true", true}, {"false", false}},
                       "clip the mask to the sample's foreground when it has one");
        return d;
    }
};

/// Sets `sample.mask` to one of RIAD's disjoint grid masks (METHODS §8.6.2): a cell size
/// 2^e pixels at 256×256, e ~ Ui[cell_exponents.min, cell_exponents.max] (RIAD: {2, 4, 8, 16}),
/// scaled by min(W, H) / 256 and rounded (at least 1); the cells are permuted at random and
/// split into `n_sets` runs (RIAD: 3), and the mask hides the run `set_index` ~ Ui[0, n_sets).
/// The permutation is a pure function of the recorded `permutation_seed`, so all n_sets
/// complementary masks of one draw are obtained by replaying the params with each set_index
/// (`fn::disjoint_grid_masks` with the same permutation).
struct grid_mask : configured<grid_mask, grid_mask_settings> {
    static constexpr std::string_view name = "grid_mask";
    using configured::configured;

    struct params_type {
        int cell = 1;  ///< pixels
        int set_index = 0;
        std::uint64_t permutation_seed = 0;
        template <class F>
        void visit_fields(F&& f) const {
            f("cell", cell);
            f("set_index", set_index);
        }
    };

    params_type sample_params(rng_stream& rng, const sample& s) const {
        params_type p;
        const int e = int(rng.integer(cell_exponents.min, cell_exponents.max));
        const float scale = detail::shape_masks::scale_of(s, reference_size);
        p.cell = std::max(1, int(std::lround(float(1 << e) * scale)));
        p.set_index = int(rng.integer(0, n_sets - 1));
        p.permutation_seed = rng.next_u64();
        return p;
    }

    /// The cell permutation of `p` for an image of `width` × `height`: a uniform shuffle drawn
    /// from `rng_stream(p.permutation_seed, 0)`.
    [[nodiscard]] static std::vector<std::uint32_t> permutation(const params_type& p, int width, int height) {
        std::vector<std::uint32_t> order;
        permute(p, width, height, order);
        return order;
    }

    void apply(sample& s, const params_type& p) const {
        const auto m = detail::shape_masks::begin_mask(s);
        thread_local std::vector<std::uint32_t> order;  // per-thread scratch
        if (!m.empty()) {
            permute(p, m.width(), m.height(), order);
            fn::disjoint_grid_masks(m, p.cell, order, n_sets, p.set_index);
        }
        detail::shape_masks::finish_mask(s, restrict_to_foreground);
    }


private:
    static void permute(const params_type& p, int width, int height, std::vector<std::uint32_t>& order) {
        order.resize(fn::grid_cell_count(width, height, p.cell));
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = std::uint32_t(i);
        rng_stream rng(p.permutation_seed, 0);
        rng.shuffle(std::span<std::uint32_t>(order));
    }
};

/// The settings of `patch_window_mask`.
struct patch_window_mask_settings {
    int patch_size = 16;  ///< pixels at reference_size
    int window_patches = 7;
    float window_value = 0.0f;
    float reference_size = 256.0f;
    bool restrict_to_foreground = true;

    static const description<patch_window_mask_settings>& describe() {
        using S = patch_window_mask_settings;
        static const auto d =
            description<S>()
                .field("patch_size", &S::patch_size, 1, 1000000, "patch side, pixels at reference_size (InTra: 16)")
                .field("window_patches", &S::window_patches, 1, 1000000, "the window is L x L patches (InTra: 7)")
                .field("window_value", &S::window_value, 0, 1, "mask value of the rest of the window; 0: the hidden patch only")
                .field("reference_size", &S::reference_size, 0, detail::shape_masks::max_reference_size,
                       "image side the pixel sizes are given for; 0: unscaled")
                .field("restrict_to_foreground", &S::restrict_to_foreground, {{"true", true}, {"false", false}},
                       "clip the mask to the sample's foreground when it has one");
        return d;
    }
};

/// Sets `sample.mask` to InTra's hidden patch (METHODS §8.6.4): the image is cut into
/// patches of `patch_size` pixels at 256×256 (InTra: 16; scaled by min(W, H) / 256, at least
/// 1; border patches may be partial), an L×L window of patches (L = `window_patches`, 7,
/// shrunk to the patch grid when the image is smaller) is placed uniformly, and one patch in
/// it, uniform, is hidden (mask 1). `window_value` > 0 also marks the rest of the window with
/// that value (0: the mask is the hidden patch only); the window is in the params either way.
struct patch_window_mask : configured<patch_window_mask, patch_window_mask_settings> {
    static constexpr std::string_view name = "patch_window_mask";
    using configured::configured;

    struct params_type {
        fn::patch_window window{};
        template <class F>
        void visit_fields(F&& f) const {
            f("patch_size", window.patch_size);
            f("window", std::array<int, 4>{window.window_x, window.window_y, window.window_width, window.window_height});
            f("hidden", std::array<int, 2>{window.hidden_x, window.hidden_y});
        }
    };

    params_type sample_params(rng_stream& rng, const sample& s) const {
        params_type p;
        const int W = s.image.width(), H = s.image.height();
        if (W < 1 || H < 1) return p;
        fn::patch_window& w = p.window;
        w.patch_size = std::max(1, int(std::lround(float(patch_size) * detail::shape_masks::scale_of(s, reference_size))));
        const int across = (W + w.patch_size - 1) / w.patch_size, down = (H + w.patch_size - 1) / w.patch_size;
        w.window_width = std::min(window_patches, across);
        w.window_height = std::min(window_patches, down);
        w.window_x = int(rng.integer(0, across - w.window_width));
        w.window_y = int(rng.integer(0, down - w.window_height));
        w.hidden_x = int(rng.integer(0, w.window_width - 1));
        w.hidden_y = int(rng.integer(0, w.window_height - 1));
        return p;
    }

    void apply(sample& s, const params_type& p) const {
        const auto m = detail::shape_masks::begin_mask(s);
        if (!m.empty()) fn::patch_window_mask(m, p.window, window_value);
        detail::shape_masks::finish_mask(s, restrict_to_foreground);
    }

};

}  // namespace ias
