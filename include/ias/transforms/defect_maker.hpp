// SPDX-License-Identifier: MIT
// defect_maker: REB's DefectMaker (Bezier shape × noise or cut fill × saliency placement × alpha fuse) and its 7-way dm_com6.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/concepts.hpp"
#include "../core/configured.hpp"
#include "../core/image.hpp"
#include "../core/pixel_region.hpp"
#include "../fn/blend.hpp"
#include "../fn/resize.hpp"
#include "../textures/image_pool.hpp"
#include "colour_jitter.hpp"
#include "shape_masks.hpp"

namespace ias {

/// The shape family of a `defect_maker` (REB, METHODS §8.5.3).
enum class defect_shape {
    bezier_rect,   ///< a Bezier shape filling a box from the CutPaste area rule (`bezier_blob_mask`)
    bezier_scar,   ///< a thin rotated Bezier shape (`bezier_scar_mask`)
    bezier_clump,  ///< a thresholded blob noise ∩ a Bezier shape (`bezier_clump_mask`)
};

/// What a `defect_maker` paints into its shape (REB, METHODS §8.5.4).
enum class defect_fill {
    noise,  ///< coarse uniform integer noise, resized to the box
    cut,    ///< a crop of another normal image (REB's "cp")
};

namespace detail::defects {

/// REB's names of the shape × fill combinations (`dm_com6`'s views 1–6), used as `sample.defect_kind`.
inline constexpr std::array<std::array<std::string_view, 2>, 3> kind_names{{
    {"bezier_noise", "bezier_cp"},
    {"bezier_scar_noise", "bezier_scar_cp"},
    {"bezier_clump_noise", "bezier_clump_cp"},
}};

/// Throws ias::error unless `foreground` is empty or one channel of W × H.
inline void check_foreground(const image<float>& foreground, int W, int H) {
    if (!foreground.empty() && (foreground.width() != W || foreground.height() != H || foreground.channels() != 1))
        throw error("ias::defect_maker: the foreground is " + std::to_string(foreground.width()) + "x" +
                    std::to_string(foreground.height()) + "x" + std::to_string(foreground.channels()) +
                    ", but it must be one channel of the image's size " + std::to_string(W) + "x" + std::to_string(H));
}

/// A pixel drawn uniformly among those where `foreground` > 0.5 (REB's saliency-positive
/// pixels), or among all W × H pixels when `foreground` is empty or has no such pixel.
/// Precondition: W, H >= 1 and `foreground` empty or one channel of W × H.
inline std::array<int, 2> draw_anchor(rng_stream& rng, const image<float>& foreground, int W, int H) {
    std::size_t count = 0;
    const float* fg = foreground.data();
    for (std::size_t i = 0; i < foreground.size(); ++i) count += fg[i] > 0.5f ? 1u : 0u;
    if (count == 0) {
        const int x = int(rng.integer(0, W - 1));
        return {x, int(rng.integer(0, H - 1))};
    }
    auto k = std::size_t(rng.integer(0, std::int64_t(count) - 1));
    for (std::size_t i = 0; i < foreground.size(); ++i)
        if (fg[i] > 0.5f && k-- == 0) return {int(i % std::size_t(W)), int(i / std::size_t(W))};
    return {0, 0};  // not reached
}

/// The first pixel of an extent of `extent` pixels centred on `anchor` (anchor − extent/2),
/// clamped so that it lies inside an axis of `size` pixels; centred on the axis (and so
/// clipped on both sides) when it is longer than the axis.
inline int centre_on(int anchor, int extent, int size) noexcept {
    if (extent > size) return (size - extent) / 2;
    return std::clamp(anchor - extent / 2, 0, size - extent);
}

/// REB's noise fill (METHODS §8.5.4) into `out` (float, any channels, values / 255): a
/// `grid_width` × `grid_height` grid of integers uniform in [mean − fluctuation, mean +
/// fluctuation] (clipped to [0, 255]), independent per channel, drawn from
/// `rng_stream(seed, 0)` pixel after pixel and channel after channel, then resized
/// bilinearly to `out` (`fn::resize_bilinear`, pixel-centre aligned). Bilinear weights are
/// convex, so every value stays within the grid's range. `grid` and `scratch` are reused.
inline void noise_fill(image_view<float> out, int mean, int fluctuation, int grid_width, int grid_height, std::uint64_t seed,
                       image<std::uint8_t>& grid, fn::resize_scratch& scratch) {
    if (out.empty()) return;
    const int lo = std::clamp(mean - fluctuation, 0, 255), hi = std::clamp(mean + fluctuation, lo, 255);
    grid.ensure_size(std::max(1, grid_width), std::max(1, grid_height), out.channels());
    rng_stream noise(seed, 0);
    std::uint8_t* g = grid.data();
    for (std::size_t i = 0; i < grid.size(); ++i) g[i] = std::uint8_t(noise.integer(lo, hi));
    fn::resize_bilinear(std::as_const(grid).view(), out, scratch);
}

/// The row half-widths of OpenCV's `MORPH_ELLIPSE` k × k element, which REB erodes with:
/// row dy ∈ [−k/2, k/2] spans [−hw, hw] with hw = round((k/2)·√(1 − dy²/(k/2)²)). For k = 3
/// this is a cross, for k = 5 rows of widths 1 5 5 5 1 (unlike `fn::kernel_shape::disk`).
inline int ellipse_half_width(int k, int dy) noexcept {
    const int r = k / 2;
    if (r == 0) return 0;
    return int(std::lround(double(r) * std::sqrt(double(r * r - dy * dy) / double(r * r))));
}

/// In place: erodes the binary `alpha` with the k × k ellipse (taps outside the view are
/// ignored, as OpenCV pads erosion with +∞), then blurs it with a separable k-tap Gaussian of
/// σ = `sigma` (OpenCV's `GaussianBlur((k, k), σ)`: normalised weights, borders reflected
/// without repeating the edge, BORDER_REFLECT_101), in float, without 8-bit quantisation.
/// REB's soft edge (METHODS §8.5.5).
/// `alpha` is packed, one channel; `scratch` is reused.
inline void soften(image<float>& alpha, int k, float sigma, image<float>& scratch) {
    const int w = alpha.width(), h = alpha.height(), r = k / 2;
    if (alpha.empty() || r == 0) return;
    scratch.ensure_size(w, h, 1);
    const float* a = alpha.data();
    float* t = scratch.data();
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            float m = a[std::size_t(y) * std::size_t(w) + std::size_t(x)];
            for (int dy = -r; dy <= r && m > 0.0f; ++dy) {
                const int yy = y + dy;
                if (yy < 0 || yy >= h) continue;
                const int hw = ellipse_half_width(k, dy);
                for (int dx = std::max(-hw, -x); dx <= std::min(hw, w - 1 - x); ++dx)
                    m = std::min(m, a[std::size_t(yy) * std::size_t(w) + std::size_t(x + dx)]);
            }
            t[std::size_t(y) * std::size_t(w) + std::size_t(x)] = m;
        }
    // Gaussian weights for taps −r .. r, normalised to sum 1.
    std::array<double, 64> weight{};
    double total = 0.0;
    for (int i = -r; i <= r; ++i) total += weight[std::size_t(i + r)] = std::exp(-double(i * i) / (2.0 * double(sigma) * double(sigma)));
    for (int i = 0; i <= 2 * r; ++i) weight[std::size_t(i)] /= total;
    auto reflect = [](int i, int n) {  // BORDER_REFLECT_101
        if (n == 1) return 0;
        const int period = 2 * (n - 1);
        i = std::abs(i) % period;
        return i < n ? i : period - i;
    };
    float* out = alpha.data();
    for (int y = 0; y < h; ++y)  // horizontal: eroded (t) → alpha
        for (int x = 0; x < w; ++x) {
            double v = 0.0;
            for (int i = -r; i <= r; ++i) v += weight[std::size_t(i + r)] * t[std::size_t(y) * std::size_t(w) + std::size_t(reflect(x + i, w))];
            out[std::size_t(y) * std::size_t(w) + std::size_t(x)] = float(v);
        }
    std::copy_n(out, alpha.size(), t);
    for (int y = 0; y < h; ++y)  // vertical: t → alpha
        for (int x = 0; x < w; ++x) {
            double v = 0.0;
            for (int i = -r; i <= r; ++i) v += weight[std::size_t(i + r)] * t[std::size_t(reflect(y + i, h)) * std::size_t(w) + std::size_t(x)];
            out[std::size_t(y) * std::size_t(w) + std::size_t(x)] = std::clamp(float(v), 0.0f, 1.0f);
        }
}

/// The largest soften kernel accepted (it bounds the Gaussian's weight table).
inline constexpr int max_soften_kernel = 63;

}  // namespace detail::defects

/// The settings of `defect_maker`.
struct defect_maker_settings {
    defect_shape shape = defect_shape::bezier_rect;
    defect_fill fill = defect_fill::noise;
    /// The normal images the cut fill crops from (REB: the class's training images); null:
    /// the sample's own image. Set `sample.source_index` so a sample never crops from itself.
    std::shared_ptr<const image_pool> pool{};

    bezier_blob_mask rect_shape{};    ///< REB's Bezier-rect: 5..6 points, area 0.02..0.15, aspect 3.3
    bezier_scar_mask scar_shape{};    ///< REB's Bezier-scar: 7..21 × 15..30 px at 256², ±45°
    bezier_clump_mask clump_shape{};  ///< REB's Bezier-clump: 5..9 points, aspect 3, blob > 138

    range<int> noise_mean{50, 190};  ///< noise mean m on the 0–255 scale: min, min + step, …, max
    int noise_mean_step = 10;
    range<int> noise_fluctuation{0, 45};  ///< half-range f: min, min + step, …, max
    int noise_fluctuation_step = 5;
    int noise_scale_exponent_max = 2;   ///< grid coarseness s = 2^Ui[0, this]: {1, 2, 4}
    int noise_aspect_exponent_max = 2;  ///< grid aspect a = 2^Ui[−this, this]: {1/4, …, 4}

    colour_jitter jitter{};  ///< the fill's ColorJitter (REB: 0.1 each)
    float soften_probability = 0.5f;
    int soften_kernel_rect = 5;  ///< k of the ellipse erosion and of the k × k Gaussian (σ = k); odd
    int soften_kernel_scar = 3;
    int soften_kernel_clump = 3;
    range<float> clump_weight{0.5f, 1.0f};  ///< the clump's alpha weight U[min, max]; rect and scar use 1

    static const description<defect_maker_settings>& describe() {
        using S = defect_maker_settings;
        constexpr double most = std::numeric_limits<int>::max();
        static const auto d =
            description<S>()
                .field("shape", &S::shape,
                       {{"bezier_rect", defect_shape::bezier_rect}, {"bezier_scar", defect_shape::bezier_scar},
                        {"bezier_clump", defect_shape::bezier_clump}},
                       "the shape family: a Bezier shape in a CutPaste box, a thin rotated scar, or a blob noise clump")
                .field("fill", &S::fill, {{"noise", defect_fill::noise}, {"cut", defect_fill::cut}},
                       "what the shape is filled with: coarse integer noise, or a crop of another normal image")
                .field("noise_mean", &S::noise_mean, 0, 255, "noise fill: the mean's range on the 0-255 scale, in steps of noise_mean_step")
                .field("noise_mean_step", &S::noise_mean_step, 1, most, "noise fill: the step between the means drawn")
                .field("noise_fluctuation", &S::noise_fluctuation, 0, 255,
                       "noise fill: the half-range's range on the 0-255 scale, in steps of noise_fluctuation_step")
                .field("noise_fluctuation_step", &S::noise_fluctuation_step, 1, most, "noise fill: the step between the half-ranges drawn")
                .field("noise_scale_exponent_max", &S::noise_scale_exponent_max, 0, 16, "noise grid coarseness 2^Ui[0, this]")
                .field("noise_aspect_exponent_max", &S::noise_aspect_exponent_max, 0, 16, "noise grid aspect 2^Ui[-this, this]")
                .field("soften_probability", &S::soften_probability, 0, 1, "of softening the alpha (erosion, then a Gaussian blur)")
                .field("soften_kernel_rect", &S::soften_kernel_rect, 1, detail::defects::max_soften_kernel,
                       "odd soften kernel k of the rect shape (sigma = k)")
                .field("soften_kernel_scar", &S::soften_kernel_scar, 1, detail::defects::max_soften_kernel,
                       "odd soften kernel k of the scar shape (sigma = k)")
                .field("soften_kernel_clump", &S::soften_kernel_clump, 1, detail::defects::max_soften_kernel,
                       "odd soften kernel k of the clump shape (sigma = k)")
                .field("clump_weight", &S::clump_weight, 0, 1, "the clump's alpha weight U[min, max]")
                .rule("soften_kernel_rect must be odd", [](const S& s) { return s.soften_kernel_rect % 2 == 1; })
                .rule("soften_kernel_scar must be odd", [](const S& s) { return s.soften_kernel_scar % 2 == 1; })
                .rule("soften_kernel_clump must be odd", [](const S& s) { return s.soften_kernel_clump % 2 == 1; });
        return d;
    }
};

/// REB's DefectMaker (Lyu et al., "REB: Reducing biases in representation for industrial
/// anomaly detection", KBS 2024; METHODS §8.5): one synthetic defect made of a shape, a
/// fill, a placement and a fuse.
///
/// 1. **Shape** (§8.5.2–8.5.3): `shape` picks `rect_shape` (a Bezier shape stretched into a
///    box of area U[0.02, 0.15]·W·H and aspect log-uniform in [1/3.3, 3.3]), `scar_shape`
///    (7..21 × 15..30 pixels at 256 × 256, rotated by Ui[−45, 45]°, its box the rotated
///    shape's bounding box) or `clump_shape` (blob noise > 138 ∩ a Bezier shape, aspect
///    bound 3). The mask transforms draw and rasterise the hard shape; their `softness` and
///    `restrict_to_foreground` are not used (REB's `dm_com6` does not intersect the shape with
///    the saliency, so a defect may spill off the object near its edge).
/// 2. **Placement** (§8.5.5): an anchor uniform among the pixels where `sample.foreground` >
///    0.5 (REB's saliency map; the whole image when there is no foreground or it is empty);
///    the shape's box is centred on it (top-left = anchor − size/2) and clamped inside the image.
/// 3. **Fill** (§8.5.4), the box's size:
///    - `noise`: integers uniform in [m − f, m + f] per channel on the 0–255 scale, m ∈
///      {noise_mean.min, + noise_mean_step, …, noise_mean.max} (REB: 50, 60, …, 190), f ∈
///      {noise_fluctuation.min, + step, …, max} (0, 5, …, 45), on a grid of
///      (max(1, int(w/s·a)), max(1, int(w/s/a))) cells (both from the box width w, as METHODS
///      §8.5.4 gives REB's rule) with s = 2^Ui[0, noise_scale_exponent_max] ∈ {1, 2, 4} and a =
///      2^Ui[−noise_aspect_exponent_max, noise_aspect_exponent_max] ∈ {1/4, …, 4}, resized
///      bilinearly to the box (REB resizes with PIL; ias uses `fn::resize_bilinear`);
///    - `cut`: a crop of the box's size from a foreign normal image, pool image
///      `detail::draw_foreign_index` (never the sample's own, `sample.source_index`, when the
///      pool has several), resized to the sample's size as `image_pool::fill` does; the crop is
///      centred on a uniform pixel of that image and clamped inside it. The pool knows no
///      saliency, so any pixel counts; with a null `pool` the crop comes from the sample's
///      own image and is centred on one of its foreground pixels (when it has any).
/// 4. **Fuse** (§8.5.5): the fill is colour-jittered (`jitter`, torchvision's ColorJitter,
///    0.1 each); the alpha is the hard shape in its box, softened with probability
///    `soften_probability` (0.5: erosion with OpenCV's k × k ellipse, then a k × k Gaussian
///    blur with σ = k; k = 5 for rect, 3 for scar and clump) and multiplied by a weight (1 for
///    rect and scar, U[clump_weight.min, clump_weight.max] = U[0.5, 1] for clump); then
///    I' = α·F + (1 − α)·I inside the box (`fn::paste`, uint8 rounded to nearest).
///
/// Sets `sample.mask` to the hard shape in its box (binary, the image's size), `sample.label`
/// to 1 when it is non-empty (0, image untouched and `defect_kind` cleared otherwise) and
/// `sample.defect_kind` to REB's name ("bezier_noise", "bezier_scar_cp", "bezier_clump_noise",
/// …). Pixels where α is 0 (everything outside the box, and outside the shape unless the
/// alpha was softened) keep their exact bytes; the alpha channel of an RGBA image is kept.
/// REB's Poisson fuse (off in `dm_com6`) and its 4 retries on errors are not reproduced.
///
/// Supported pixels: uint8 and float, 1, 3 or 4 channels (grey images get grey fills and
/// brightness/contrast jitter only). Determinism: every draw comes from the given stream;
/// the params record the shape, box, anchor, fill draws (including the foreign pool index and
/// crop) and fuse draws, so `ias::replay` gives the same bytes. No allocation per sample once
/// the per-thread buffers have grown (with a pool whose `fill` does not allocate).
struct defect_maker : configured<defect_maker, defect_maker_settings> {
    static constexpr std::string_view name = "defect_maker";
    using configured::configured;


    /// What one defect drew. `shape` and `fill` are copied from the settings and `apply`
    /// follows them (so `defect_maker_dm6` replays a view's defect). The shape's params are
    /// those of the mask transform of `shape` (only that one is meaningful), with its
    /// placement replaced by the anchored one. The noise grid is sized from the box width
    /// after clipping to the image (only a scar on a tiny image is ever clipped).
    struct params_type {
        defect_shape shape = defect_shape::bezier_rect;
        defect_fill fill = defect_fill::noise;
        bezier_blob_mask::params_type rect{};
        bezier_scar_mask::params_type scar{};
        bezier_clump_mask::params_type clump{};
        int anchor_x = 0, anchor_y = 0;           ///< the placement anchor, pixels
        int x = 0, y = 0, width = 0, height = 0;  ///< the box (clipped to the image), pixels
        int noise_mean = 0, noise_fluctuation = 0;
        int noise_grid_width = 1, noise_grid_height = 1;
        std::uint64_t noise_seed = 0;  ///< the noise levels come from rng_stream(noise_seed, 0)
        std::int64_t foreign_index = -1;  ///< pool image of the cut fill; -1: the sample's own image
        int source_x = 0, source_y = 0;   ///< top-left of the crop in the (resized) foreign image
        colour_jitter::params_type jitter{};
        bool soften = false;
        float weight = 1.0f;  ///< alpha weight

        template <class F>
        void visit_fields(F&& f) const {
            f("shape", int(shape));
            f("fill", int(fill));
            switch (shape) {
                case defect_shape::bezier_rect: rect.visit_fields(f); break;
                case defect_shape::bezier_scar: scar.visit_fields(f); break;
                case defect_shape::bezier_clump: clump.visit_fields(f); break;
            }
            f("anchor", std::array<int, 2>{anchor_x, anchor_y});
            f("defect_box", std::array<int, 4>{x, y, width, height});
            if (fill == defect_fill::noise) {
                f("noise_mean", noise_mean);
                f("noise_fluctuation", noise_fluctuation);
                f("noise_grid", std::array<int, 2>{noise_grid_width, noise_grid_height});
            } else {
                f("foreign_index", foreign_index);
                f("source", std::array<int, 2>{source_x, source_y});
            }
            jitter.visit_fields(f);
            f("soften", int(soften));
            f("weight", weight);
        }
    };

    params_type sample_params(rng_stream& rng, const sample& s) const {
        params_type p;
        p.shape = shape;
        p.fill = fill;
        const int W = s.image.width(), H = s.image.height();
        if (W < 1 || H < 1) return p;
        detail::defects::check_foreground(s.foreground, W, H);
        // 1. The shape and its box size, by the mask transform's own rules.
        int box_w = 0, box_h = 0;
        float scar_left = 0, scar_top = 0;  // the rotated scar outline's bounding box, relative to its centre
        switch (shape) {
            case defect_shape::bezier_rect:
                p.rect = rect_shape.sample_params(rng, s);
                box_w = p.rect.width, box_h = p.rect.height;
                break;
            case defect_shape::bezier_clump:
                p.clump = clump_shape.sample_params(rng, s);
                box_w = p.clump.width, box_h = p.clump.height;
                break;
            case defect_shape::bezier_scar: {
                p.scar = scar_shape.sample_params(rng, s);
                // REB crops the rotated shape to its bounding box: the box is that of the outline
                // bezier_scar_mask::apply draws, rotated about its centre.
                thread_local std::vector<fn::point> outline;  // per-thread scratch
                p.scar.shape.outline_in(-p.scar.width / 2.0f, -p.scar.length / 2.0f, p.scar.width / 2.0f, p.scar.length / 2.0f,
                                        scar_shape.settings().shape.samples_per_segment, outline);
                const float c = std::cos(float(p.scar.rotation) * detail::shape_masks::degrees);
                const float sn = std::sin(float(p.scar.rotation) * detail::shape_masks::degrees);
                float x0 = 0, x1 = 0, y0 = 0, y1 = 0;
                for (std::size_t i = 0; i < outline.size(); ++i) {
                    const fn::point& q = outline[i];
                    const float rx = c * q.x - sn * q.y, ry = sn * q.x + c * q.y;
                    if (i == 0) {
                        x0 = x1 = rx;
                        y0 = y1 = ry;
                        continue;
                    }
                    x0 = std::min(x0, rx);
                    x1 = std::max(x1, rx);
                    y0 = std::min(y0, ry);
                    y1 = std::max(y1, ry);
                }
                scar_left = x0, scar_top = y0;
                box_w = std::max(1, int(std::ceil(x1 - x0)));
                box_h = std::max(1, int(std::ceil(y1 - y0)));
                break;
            }
        }
        // 2. Placement: the box centred on a foreground anchor, clamped inside the image.
        const auto anchor = detail::defects::draw_anchor(rng, s.foreground, W, H);
        p.anchor_x = anchor[0], p.anchor_y = anchor[1];
        const int bx = detail::defects::centre_on(p.anchor_x, box_w, W), by = detail::defects::centre_on(p.anchor_y, box_h, H);
        switch (shape) {
            case defect_shape::bezier_rect: p.rect.x = bx, p.rect.y = by; break;
            case defect_shape::bezier_clump: p.clump.x = bx, p.clump.y = by; break;
            case defect_shape::bezier_scar:
                // The outline's left and top edges on the box's first pixel square (as
                // bezier_blob_mask stretches onto pixel squares), so the shape lies in the box.
                p.scar.cx = float(bx) - 0.5f - scar_left;
                p.scar.cy = float(by) - 0.5f - scar_top;
                break;
        }
        p.x = std::max(0, bx), p.y = std::max(0, by);
        p.width = std::min(W, bx + box_w) - p.x, p.height = std::min(H, by + box_h) - p.y;
        // 3. The fill's draws.
        if (fill == defect_fill::noise) {
            p.noise_mean = noise_mean.min + noise_mean_step * int(rng.integer(0, (noise_mean.max - noise_mean.min) / noise_mean_step));
            p.noise_fluctuation = noise_fluctuation.min +
                                  noise_fluctuation_step * int(rng.integer(0, (noise_fluctuation.max - noise_fluctuation.min) / noise_fluctuation_step));
            const float scale = std::ldexp(1.0f, int(rng.integer(0, noise_scale_exponent_max)));
            const float aspect = std::ldexp(1.0f, int(rng.integer(-noise_aspect_exponent_max, noise_aspect_exponent_max)));
            p.noise_grid_width = std::max(1, int(float(p.width) / scale * aspect));
            p.noise_grid_height = std::max(1, int(float(p.width) / scale / aspect));  // REB: both from the width
            p.noise_seed = rng.next_u64();
        } else {
            p.foreign_index = pool ? detail::draw_foreign_index(rng, *pool, s.source_index) : -1;
            // The pool knows no saliency: any pixel; the sample's own image: its foreground.
            static const image<float> no_foreground;
            const auto centre = detail::defects::draw_anchor(rng, pool ? no_foreground : s.foreground, W, H);
            p.source_x = std::clamp(centre[0] - p.width / 2, 0, W - p.width);
            p.source_y = std::clamp(centre[1] - p.height / 2, 0, H - p.height);
        }
        // 4. The fuse's draws.
        p.jitter = jitter.sample_params(rng, s);
        p.soften = rng.bernoulli(soften_probability);
        p.weight = shape == defect_shape::bezier_clump ? rng.uniform(clump_weight.min, clump_weight.max) : 1.0f;
        return p;
    }

    void apply(sample& s, const params_type& p) const {
        // The hard shape, placed: the mask and the label.
        switch (p.shape) {
            case defect_shape::bezier_rect: hard(rect_shape).apply(s, p.rect); break;
            case defect_shape::bezier_scar: hard(scar_shape).apply(s, p.scar); break;
            case defect_shape::bezier_clump: hard(clump_shape).apply(s, p.clump); break;
        }
        const int W = s.image.width(), H = s.image.height(), C = s.image.channels();
        if (s.label == 0 || p.width < 1 || p.height < 1 || p.x < 0 || p.y < 0 || p.x + p.width > W || p.y + p.height > H) {
            s.defect_kind.clear();
            return;
        }
        // The fill, the box's size.
        thread_local image<float> fill_pixels;  // per-thread scratch
        fill_pixels.ensure_size(p.width, p.height, C);
        if (p.fill == defect_fill::noise) {
            thread_local image<std::uint8_t> grid;
            thread_local fn::resize_scratch resize_buffers;
            detail::defects::noise_fill(fill_pixels.view(), p.noise_mean, p.noise_fluctuation, p.noise_grid_width, p.noise_grid_height,
                                        p.noise_seed, grid, resize_buffers);
        } else {
            if (p.source_x < 0 || p.source_y < 0 || p.source_x + p.width > W || p.source_y + p.height > H)
                throw error("ias::defect_maker: the cut fill's crop (" + std::to_string(p.source_x) + ", " + std::to_string(p.source_y) +
                            ") of " + std::to_string(p.width) + "x" + std::to_string(p.height) + " leaves the " + std::to_string(W) +
                            "x" + std::to_string(H) + " image");
            thread_local image<float> foreign;
            thread_local pixel_region crop;
            crop.clear(W, H);
            for (int y = p.source_y; y < p.source_y + p.height; ++y) crop.add_span(y, p.source_x, p.source_x + p.width);
            detail::load_foreign(p.foreign_index >= 0 ? pool.get() : nullptr, p.foreign_index, s, foreign, name, crop);
            fill_pixels.assign(std::as_const(foreign).view().crop(p.source_x, p.source_y, p.width, p.height));
        }
        const colour_jitter::params_type& j = p.jitter;
        if (j.brightness != 1.0f || j.contrast != 1.0f || j.saturation != 1.0f || j.hue != 0.0f)
            colour_jitter::apply_to(fill_pixels.view(), j);
        // The alpha: the hard shape in its box, softened, weighted.
        thread_local image<float> alpha, scratch;
        alpha.assign(std::as_const(s.mask).view().crop(p.x, p.y, p.width, p.height));
        if (p.soften) {
            const int k = p.shape == defect_shape::bezier_rect   ? soften_kernel_rect
                          : p.shape == defect_shape::bezier_scar ? soften_kernel_scar
                                                                 : soften_kernel_clump;
            detail::defects::soften(alpha, k, float(k), scratch);
        }
        if (p.weight != 1.0f)
            for (std::size_t i = 0; i < alpha.size(); ++i) alpha.data()[i] *= p.weight;
        // I' = α·F + (1 − α)·I in the box; an RGBA image keeps its alpha channel.
        s.image.visit([&]<class T>(image_view<T> im) {
            if (C == 4)
                for (int y = 0; y < p.height; ++y)
                    for (int x = 0; x < p.width; ++x) {
                        const float a = float(im(p.x + x, p.y + y, 3));
                        fill_pixels(x, y, 3) = std::is_same_v<T, float> ? a : a * (1.0f / 255.0f);
                    }
            fn::paste(im, std::as_const(fill_pixels).view(), std::as_const(alpha).view(), p.x, p.y);
        });
        s.defect_kind.assign(detail::defects::kind_names[std::size_t(p.shape)][std::size_t(p.fill)]);
    }


private:
    /// The mask transform drawing the hard shape: no soft edge, no clipping to the foreground.
    template <class Mask>
    static Mask hard(const Mask& m) noexcept {
        return m.hard();
    }
};

/// The settings of `defect_maker_dm6`.
struct defect_maker_dm6_settings {
    int view = -1;  ///< −1: uniform in 0..6 per sample; 0..6: that view
    std::shared_ptr<const image_pool> pool{};  ///< the cut fill's source (null: the sample's own image)
    defect_maker maker{};                    ///< the ranges of the six defects (shape, fill and pool replaced)

    static const description<defect_maker_dm6_settings>& describe() {
        using S = defect_maker_dm6_settings;
        static const auto d = description<S>().field("view", &S::view, -1, 6, "-1: one of the 7 views uniformly; 0 (original) .. 6: that view");
        return d;
    }
};

/// REB's `dm_com6` (METHODS §8.5.1): a 7-way self-supervised classification. View 0 is the
/// original image (mask all zeros, label 0, `defect_kind` cleared); views 1–6 are a
/// `defect_maker` with, in order, bezier_rect, bezier_scar, bezier_clump × the noise fill
/// (`bezier_noise`, `bezier_scar_noise`, `bezier_clump_noise`), then the same three shapes ×
/// the cut fill (`bezier_cp`, `bezier_scar_cp`, `bezier_clump_cp`). `sample.label` is set to
/// the view (the class id, 0–6), not to 0/1, whatever the mask: in the rare case that a
/// clump's blob misses its Bezier shape, a view 1–6 has an empty mask and an untouched image.
///
/// `view` = −1 draws the view uniformly in 0..6 per sample; 0..6 makes that view, e.g. to
/// build all seven views of one image by running the transform seven times. The defect's
/// settings come from `maker` (its `shape`, `fill` and `pool` are replaced by the view's and
/// by `pool`).
///
/// REB's quirks (§8.5.6): its combine-mode enum gives `ALL` and `RANDOM_ONE` the same value,
/// so "random one" silently applies all six makers to every image (here: `view` fixed per
/// call, or −1 for a genuine random one); and REB uses `np.bool`/`np.float`, which break on
/// NumPy >= 1.24. REB also trains on the six views with an effective batch split over the 7
/// classes; that batching is the host's. Pixel types, determinism and replay as for
/// `defect_maker`.
struct defect_maker_dm6 : configured<defect_maker_dm6, defect_maker_dm6_settings> {
    static constexpr std::string_view name = "defect_maker_dm6";
    static constexpr int views = 7;

    /// Checks the settings and builds the defect makers of views 1..6 once.
    defect_maker_dm6(const defect_maker_dm6_settings& settings = {})  // NOLINT(google-explicit-constructor): as `configured`'s
        : configured(settings), makers_(make_makers()) {}

    struct params_type {
        int view = 0;
        defect_maker::params_type defect{};  ///< meaningful for views 1–6
        template <class F>
        void visit_fields(F&& f) const {
            f("view", view);
            if (view > 0) defect.visit_fields(f);
        }
    };

    /// The defect maker of view 1..6: `maker` with the view's shape and fill and with `pool`.
    [[nodiscard]] const defect_maker& maker_for(int v) const { return makers_[std::size_t(v - 1)]; }

    params_type sample_params(rng_stream& rng, const sample& s) const {
        params_type p;
        p.view = view < 0 ? int(rng.integer(0, views - 1)) : view;
        if (p.view > 0) p.defect = maker_for(p.view).sample_params(rng, s);
        return p;
    }

    void apply(sample& s, const params_type& p) const {
        if (p.view < 0 || p.view >= views)
            throw error("ias::defect_maker_dm6: the params' view is " + std::to_string(p.view) + "; it must lie in [0, 6]");
        if (p.view == 0) {
            s.mask.resize(s.image.width(), s.image.height(), 1, 0.0f);
            s.label = 0;
            s.defect_kind.clear();
            return;
        }
        maker_for(p.view).apply(s, p.defect);
        s.label = p.view;  // the class, as REB labels its views, even in the rare case of an empty shape
    }

private:
    [[nodiscard]] std::array<defect_maker, views - 1> make_makers() const {
        auto make = [&](int v) {
            defect_maker_settings m = maker.settings();
            m.shape = defect_shape((v - 1) % 3);
            m.fill = v <= 3 ? defect_fill::noise : defect_fill::cut;
            m.pool = pool;
            return defect_maker(m);
        };
        return {make(1), make(2), make(3), make(4), make(5), make(6)};
    }

    std::array<defect_maker, views - 1> makers_;
};

}  // namespace ias
