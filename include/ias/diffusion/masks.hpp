// SPDX-License-Identifier: MIT
// Mask logic of masked diffusion samplers: AnomalyDiffusion's dilation schedule and attention re-weighting, latent-grid down-sampling, a cross-attention sink, and mask post-processing.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "../core/error.hpp"
#include "../core/image.hpp"
#include "../core/image_view.hpp"
#include "../detail/grow.hpp"
#include "../fn/labelling.hpp"
#include "../fn/morphology.hpp"
#include "../fn/resize.hpp"
#include "sampler.hpp"
#include "tensor.hpp"

namespace ias::diffusion {

namespace detail {

inline std::string mask_extent(int width, int height) { return std::to_string(width) + "x" + std::to_string(height); }

template <class T>
void mask_check_one_channel(const char* fn, const char* name, image_view<T> v) {
    if (v.channels() != 1)
        throw std::invalid_argument(std::string("ias::diffusion::") + fn + ": " + name + " must have one channel, it has " +
                                    std::to_string(v.channels()));
}

}  // namespace detail

/// The radius, in latent pixels, by which AnomalyDiffusion dilates the generation mask before
/// it measures the discrepancy of the attention re-weighting at `timestep` (METHODS §3.3,
/// AnomalyDiffusion's `ddim.py`): `(timestep + 100) · factor / 1000` in integer arithmetic,
/// with factor 16 for schedules of at most 50 sampling steps and 8 otherwise. The radius
/// shrinks as t falls, so early, noisy steps look at a wide neighbourhood of the mask and late
/// steps at the mask itself. For example t = 999 with 200 steps gives 8, t = 0 gives 0 and
/// t = 900 with 50 steps gives 16.
///
/// `timestep` >= 0 (a training timestep, 0..T−1); `sampling_steps` >= 1 (the length of the
/// sampler's schedule). Throws std::invalid_argument naming the argument otherwise.
[[nodiscard]] inline int anomalydiffusion_dilation_radius(int timestep, int sampling_steps) {
    if (timestep < 0)
        throw std::invalid_argument("ias::diffusion::anomalydiffusion_dilation_radius: timestep is " +
                                    std::to_string(timestep) + "; it must be >= 0");
    if (sampling_steps < 1)
        throw std::invalid_argument("ias::diffusion::anomalydiffusion_dilation_radius: sampling_steps is " +
                                    std::to_string(sampling_steps) + "; it must be >= 1");
    const std::int64_t factor = sampling_steps <= 50 ? 16 : 8;
    // 64-bit so that timesteps near INT_MAX do not overflow; the quotient fits in an int.
    return int((std::int64_t(timestep) + 100) * factor / 1000);
}

/// A region schedule for `blended_region::schedule` that dilates the generation mask at every
/// step by a disk of radius anomalydiffusion_dilation_radius(timestep, steps): early, noisy
/// steps regenerate a wide band around the mask and the last ones the mask itself, which lets
/// thin masks be filled in context (AnomalyDiffusion; Blended Latent Diffusion's
/// dilate-then-shrink; METHODS §3.3, §8.10 item 4). The region at the end stays the undilated
/// mask. Per-thread buffers: no allocation once warm.
[[nodiscard]] inline std::function<bool(const step_info&, tensor_view)> shrinking_dilation() {
    return [](const step_info& info, tensor_view mask) {
        const int radius = anomalydiffusion_dilation_radius(info.timestep, info.steps);
        if (radius == 0) return true;
        thread_local image<float> dilated, scratch;
        for (int b = 0; b < mask.shape().batch; ++b) {
            const image_view<float> plane = mask.image(b);
            dilated.ensure_size(plane.width(), plane.height(), 1);
            fn::dilate(plane, dilated.view(), {fn::kernel_shape::disk, 2 * radius + 1}, scratch);
            std::copy_n(dilated.data(), dilated.size(), plane.data());
        }
        return true;
    };
}

/// AnomalyDiffusion's adaptive attention re-weighting map (METHODS §3.3): the per-pixel factor
/// by which the host's UNet scales the cross-attention of the anomaly tokens.
///
/// For every plane b: d = mean over channels of (m·(x_t − z0))², where m is the plane's mask
/// value (normally the mask dilated by `anomalydiffusion_dilation_radius`). Inside the mask
/// (m > 0) the weight is `clamp(inv / mean_inside(inv), 1, max_weight)` with
/// inv = 1 / max(d, 1e-12) and mean_inside the mean of inv over the plane's masked pixels;
/// outside it is exactly 1. A plane without masked pixels is all ones.
///
/// Why the mean and not the sum: METHODS §3.3 writes the normalisation as `(1/d) / Σ(1/d)`.
/// With a sum every weight of a mask of more than one pixel is below 1, so the clamp to
/// [1, 1.5] makes the map constant 1 and the re-weighting does nothing. Normalising by the
/// mean over the mask keeps the map near 1 and still weights up (to `max_weight`) the pixels
/// where x_t is closest to the normal latent: the re-weighting pushes the anomaly tokens to
/// where the sample has not yet departed from the normal image.
///
/// Shapes: `x_t` and `z0` are N×H×W×C of one shape; `mask` and `weights` are N×H×W×1 with the
/// same N, H, W. `max_weight` >= 1 (AnomalyDiffusion: 1.5). `weights` may be the same buffer
/// as `mask` (each pixel's mask value is read before its weight is written). Throws
/// std::invalid_argument naming the shapes, or `max_weight`. Two passes per plane, no
/// allocation; deterministic (sums in double, in raster order).
inline void attention_weight_map(const_tensor_view x_t, const_tensor_view z0, const_tensor_view mask, tensor_view weights,
                                 float max_weight = 1.5f) {
    const char* fn = "ias::diffusion::attention_weight_map: ";
    if (x_t.shape() != z0.shape())
        throw std::invalid_argument(std::string(fn) + "x_t is " + to_string(x_t.shape()) + " but z0 is " +
                                    to_string(z0.shape()) + "; they must have the same shape");
    const tensor_shape grid = x_t.shape().with_channels(1);
    if (mask.shape() != grid)
        throw std::invalid_argument(std::string(fn) + "mask is " + to_string(mask.shape()) + "; for x_t of shape " +
                                    to_string(x_t.shape()) + " it must be " + to_string(grid));
    if (weights.shape() != grid)
        throw std::invalid_argument(std::string(fn) + "weights is " + to_string(weights.shape()) + "; for x_t of shape " +
                                    to_string(x_t.shape()) + " it must be " + to_string(grid));
    if (!(max_weight >= 1.0f))
        throw std::invalid_argument(std::string(fn) + "max_weight is " + std::to_string(max_weight) + "; it must be >= 1");

    const std::size_t pixels = grid.plane_size();
    const auto channels = std::size_t(x_t.shape().channels);
    for (int b = 0; b < grid.batch; ++b) {
        const float* xs = x_t.plane(b).data();
        const float* zs = z0.plane(b).data();
        const float* ms = mask.plane(b).data();
        float* ws = weights.plane(b).data();
        // Pass 1: inv into `weights` for masked pixels, 0 (never an inv value) outside, so
        // pass 2 needs neither the mask (which `weights` may overwrite) nor d again.
        double sum = 0.0;
        std::size_t inside = 0;
        for (std::size_t p = 0; p < pixels; ++p) {
            const float m = ms[p];
            if (!(m > 0.0f)) {
                ws[p] = 0.0f;
                continue;
            }
            float d = 0.0f;
            for (std::size_t c = 0; c < channels; ++c) {
                const float v = m * (xs[p * channels + c] - zs[p * channels + c]);
                d += v * v;
            }
            d /= float(channels);
            const float inv = 1.0f / std::max(d, 1e-12f);
            ws[p] = inv;
            sum += double(inv);
            ++inside;
        }
        const double mean = inside > 0 ? sum / double(inside) : 1.0;
        for (std::size_t p = 0; p < pixels; ++p) {
            if (ws[p] == 0.0f) {
                ws[p] = 1.0f;
                continue;
            }
            ws[p] = std::clamp(float(double(ws[p]) / mean), 1.0f, max_weight);
        }
    }
}

/// How `downsample_mask` reduces a block of pixels to one latent pixel.
enum class mask_pooling {
    area,  ///< mean of the block: a soft mask, what an area resize (AnomalyDiffusion's resize to 32) gives
    max,   ///< maximum of the block: a latent pixel is masked when any of its pixels is
};

/// Down-samples a pixel mask to the latent grid of a latent diffusion model (METHODS §3.3:
/// factor 8 for Stable Diffusion, so a 256 mask gives 32×32) for blended sampling.
///
/// `mask` must be exactly f times `out` along both axes for one integer f >= 1:
/// mask.width() == out.width()·f and mask.height() == out.height()·f, with `out` non-empty.
/// Both have one channel; any strides. `area` writes the mean of each f×f block (summed in
/// double), `max` its maximum. Throws std::invalid_argument naming the sizes otherwise.
inline void downsample_mask(image_view<const float> mask, image_view<float> out, mask_pooling mode) {
    const char* fn = "downsample_mask";
    detail::mask_check_one_channel(fn, "mask", mask);
    detail::mask_check_one_channel(fn, "out", out);
    if (mode != mask_pooling::area && mode != mask_pooling::max)
        throw std::invalid_argument("ias::diffusion::downsample_mask: mode is " + std::to_string(int(mode)) +
                                    "; it must be mask_pooling::area or mask_pooling::max");
    const int ow = out.width(), oh = out.height();
    const bool fits = ow >= 1 && oh >= 1 && mask.width() % ow == 0 && mask.height() % oh == 0 &&
                      mask.width() / ow >= 1 && mask.width() / ow == mask.height() / oh;
    if (!fits)
        throw std::invalid_argument("ias::diffusion::downsample_mask: mask is " +
                                    detail::mask_extent(mask.width(), mask.height()) + " and out is " +
                                    detail::mask_extent(ow, oh) +
                                    "; mask must be out scaled by one integer factor >= 1 on both axes");
    const int f = mask.width() / ow;
    const double area = double(f) * double(f);
    for (int j = 0; j < oh; ++j)
        for (int i = 0; i < ow; ++i) {
            double sum = 0.0;
            float best = mask(i * f, j * f);
            for (int y = j * f; y < (j + 1) * f; ++y)
                for (int x = i * f; x < (i + 1) * f; ++x) {
                    const float v = mask(x, y);
                    sum += double(v);
                    best = std::max(best, v);
                }
            out(i, j) = mode == mask_pooling::area ? float(sum / area) : best;
        }
}

/// Collects the cross-attention maps a host pushes while it samples (METHODS §8.10's
/// CrossAttentionSink): one map per layer, per step and per named token, averaged into a map
/// per token and thresholded into a mask, as CUT/AnomalyAny and DefectDiffu derive the
/// anomaly mask from the anomaly token's attention.
///
/// The host averages over heads before it pushes (or pushes each head); every map is resized
/// bilinearly to the sink's grid (pixel centres, `ias::fn::resize_bilinear`) and added to the
/// token's running sum, so maps of different layers (16×16, 32×32, 64×64 in Stable Diffusion)
/// mix freely. Not thread-safe: one sink per sample. Once warm, `add` does not allocate.
class attention_sink {
public:
    /// A sink aggregating on a `width` × `height` grid (the latent or the pixel grid); both >= 1.
    explicit attention_sink(int width, int height) : width_(width), height_(height) {
        if (width < 1 || height < 1)
            throw std::invalid_argument("ias::diffusion::attention_sink: the grid is " + detail::mask_extent(width, height) +
                                        "; width and height must be >= 1");
    }

    [[nodiscard]] int width() const noexcept { return width_; }
    [[nodiscard]] int height() const noexcept { return height_; }

    /// Adds `map` (any size, one channel, any strides, non-empty, finite) to `token`'s sum.
    /// Throws std::invalid_argument naming the token for a non-finite value, an empty map or
    /// more than one channel; the sink is unchanged then.
    void add(std::string_view token, image_view<const float> map) {
        const std::string who = "ias::diffusion::attention_sink::add: the map of token '" + std::string(token) + "'";
        if (map.channels() != 1)
            throw std::invalid_argument(who + " has " + std::to_string(map.channels()) + " channels; it must have one");
        if (map.empty()) throw std::invalid_argument(who + " is empty (" + detail::mask_extent(map.width(), map.height()) + ")");
        for (int y = 0; y < map.height(); ++y)
            for (int x = 0; x < map.width(); ++x)
                if (!std::isfinite(map(x, y)))
                    throw std::invalid_argument(who + " holds the non-finite value " + std::to_string(map(x, y)) +
                                                " at (" + std::to_string(x) + ", " + std::to_string(y) + ")");
        entry& e = slot(token);
        if (e.count == 0) e.sum.resize(width_, height_, 1, 0.0f);
        resized_.ensure_size(width_, height_, 1);
        fn::resize_bilinear(map, resized_.view(), scratch_);
        float* sum = e.sum.data();
        const float* src = resized_.data();
        for (std::size_t i = 0; i < e.sum.size(); ++i) sum[i] += src[i];
        ++e.count;
    }

    /// Number of maps added for `token` since construction or the last `clear` (0 if none).
    [[nodiscard]] std::size_t count(std::string_view token) const noexcept {
        const entry* e = find(token);
        return e ? e->count : 0;
    }

    /// The mean of `token`'s maps (sum / count) into `out`, which must be the sink's size with
    /// one channel (std::invalid_argument otherwise). Throws ias::error naming the token and
    /// the known tokens when no map was added for it.
    void mean(std::string_view token, image_view<float> out) const {
        const entry& e = require(token, "mean", out);
        const float n = float(e.count);
        for (int y = 0; y < height_; ++y)
            for (int x = 0; x < width_; ++x) out(x, y) = e.sum(x, y) / n;
    }

    /// The binary mask of `token`: its mean map min-max normalised to [0, 1] (a constant map
    /// normalises to all zeros), then 1 where the normalised value is >= `threshold`, else 0.
    /// `threshold` must not be NaN. Errors as for `mean`.
    void mask(std::string_view token, float threshold, image_view<float> out) const {
        if (std::isnan(threshold))
            throw std::invalid_argument("ias::diffusion::attention_sink::mask: threshold is NaN");
        mean(token, out);
        float lo = out(0, 0), hi = out(0, 0);
        for (int y = 0; y < height_; ++y)
            for (int x = 0; x < width_; ++x) {
                lo = std::min(lo, out(x, y));
                hi = std::max(hi, out(x, y));
            }
        const float range = hi - lo;
        for (int y = 0; y < height_; ++y)
            for (int x = 0; x < width_; ++x) {
                const float v = range > 0.0f ? (out(x, y) - lo) / range : 0.0f;
                out(x, y) = v >= threshold ? 1.0f : 0.0f;
            }
    }

    /// The tokens that have maps, in the order they were first added.
    [[nodiscard]] std::vector<std::string> tokens() const {
        std::vector<std::string> names;
        for (const entry& e : entries_)
            if (e.count > 0) names.push_back(e.name);
        return names;
    }

    /// Forgets every map but keeps the allocations (for the next sample).
    void clear() noexcept {
        for (entry& e : entries_) e.count = 0;
    }

private:
    struct entry {
        std::string name;
        image<float> sum;
        std::size_t count = 0;
    };

    [[nodiscard]] const entry* find(std::string_view token) const noexcept {
        for (const entry& e : entries_)
            if (e.count > 0 && e.name == token) return &e;
        return nullptr;
    }

    /// The entry of `token`: its own, else a cleared one renamed (reusing its buffers), else a new one.
    entry& slot(std::string_view token) {
        for (entry& e : entries_)
            if (e.count > 0 && e.name == token) return e;
        for (entry& e : entries_)
            if (e.count == 0) {
                e.name.assign(token);
                return e;
            }
        entries_.push_back({std::string(token), image<float>(), 0});
        return entries_.back();
    }

    const entry& require(std::string_view token, const char* fn, image_view<float> out) const {
        if (out.channels() != 1 || out.width() != width_ || out.height() != height_)
            throw std::invalid_argument(std::string("ias::diffusion::attention_sink::") + fn + ": out is " +
                                        detail::mask_extent(out.width(), out.height()) + "x" +
                                        std::to_string(out.channels()) + "; it must be the sink's grid " +
                                        detail::mask_extent(width_, height_) + "x1");
        if (const entry* e = find(token)) return *e;
        std::string known;
        for (const std::string& name : tokens()) known += (known.empty() ? "" : ", ") + name;
        throw error(std::string("ias::diffusion::attention_sink::") + fn + ": no maps for token '" + std::string(token) +
                    "' (the sink has: " + (known.empty() ? std::string("nothing") : known) + ")");
    }

    int width_;
    int height_;
    std::vector<entry> entries_;
    image<float> resized_;
    fn::resize_scratch scratch_;
};

/// The largest, over the four border lines of `mask` (top row, bottom row, left column,
/// right column), of the fraction of the line's pixels whose value is > `level`. 0 for an
/// empty mask. One channel, any strides (std::invalid_argument otherwise).
[[nodiscard]] inline float max_border_fraction(image_view<const float> mask, float level = 0.5f) {
    detail::mask_check_one_channel("max_border_fraction", "mask", mask);
    if (mask.empty()) return 0.0f;
    const int w = mask.width(), h = mask.height();
    int top = 0, bottom = 0, left = 0, right = 0;
    for (int x = 0; x < w; ++x) {
        top += mask(x, 0) > level;
        bottom += mask(x, h - 1) > level;
    }
    for (int y = 0; y < h; ++y) {
        left += mask(0, y) > level;
        right += mask(w - 1, y) > level;
    }
    const double rows = double(std::max(top, bottom)) / double(w);
    const double columns = double(std::max(left, right)) / double(h);
    return float(std::max(rows, columns));
}

/// AnomalyDiffusion's mask filter (METHODS §3.4, mask stage; also §8.9's post-processing):
/// a generated mask is rejected when more than `fraction` of any border row or column is set
/// (> 0.5), since such masks are background or cut off by the frame. Returns
/// `max_border_fraction(mask) > fraction`: exactly `fraction` set passes.
[[nodiscard]] inline bool rejected_by_border_rule(image_view<const float> mask, float fraction = 1.0f / 3.0f) {
    return max_border_fraction(mask) > fraction;
}

/// Keeps only the largest connected component of the pixels > `level` (METHODS §8.9: mask
/// post-processing of generated masks, which often carry specks beside the defect): every
/// pixel outside that component, including soft values <= `level`, becomes 0; the component's
/// values are kept. Ties go to the component with the smallest label, i.e. the one whose first
/// pixel comes first in raster order. A mask with no pixel > `level` is left as is. One channel,
/// any strides; uses `fn::connected_components` with connectivity `c`. Allocates the label image.
inline void keep_largest_component(image_view<float> mask, fn::connectivity c = fn::connectivity::eight,
                                   float level = 0.5f) {
    detail::mask_check_one_channel("keep_largest_component", "mask", mask);
    const int w = mask.width(), h = mask.height();
    thread_local std::vector<std::int32_t> labels;  // per-thread: a mask stage runs once per sample
    thread_local std::vector<std::int64_t> areas;
    ias::detail::resize_grown(labels, std::size_t(w) * std::size_t(h));
    const int count = fn::connected_components(mask, labels, c, level);
    if (count == 0) return;
    fn::component_areas(labels, count, areas);
    std::int32_t keep = 1;
    for (int k = 2; k <= count; ++k)
        if (areas[std::size_t(k)] > areas[std::size_t(keep)]) keep = k;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            if (labels[std::size_t(y) * std::size_t(w) + std::size_t(x)] != keep) mask(x, y) = 0.0f;
}

}  // namespace ias::diffusion
