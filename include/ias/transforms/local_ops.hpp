// SPDX-License-Identifier: MIT
// Dynamic local augmentation (Yoa et al. 2021): any transform applied inside a local region, five local changes, and a weighted choice whose weights the host updates between epochs.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <limits>
#include <memory>
#include <mutex>
#include <numbers>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/any_transform.hpp"
#include "../core/compose.hpp"
#include "../core/concepts.hpp"
#include "../core/configured.hpp"
#include "../core/image.hpp"
#include "../core/sample.hpp"
#include "../fn/warp.hpp"
#include "colour_jitter.hpp"
#include "float_pixels.hpp"
#include "settings.hpp"
#include "shape_masks.hpp"

namespace ias {

// METHODS §8.1 (Yoa, Lee, Kim and Kim, "Self-supervised learning for anomaly detection with
// dynamic local augmentation", IEEE Access 9, 2021): a normal image and a copy changed only
// inside a local region form a negative pair; the kind of change is drawn with probabilities
// the training loop re-weights. What METHODS could verify is the abstract; the pool of changes,
// the box sizes and the weighting rule are recalled with low confidence. This header gives the
// building blocks (`local_op`, five local changes, `weighted_choice`) and one reading of the
// paper (`local_ops_preset`), whose unverified choices are listed there.

namespace detail::local_ops {

/// A per-thread sample for the operation a `local_op` runs, one per nesting depth (a
/// `local_op` inside a `local_op` gets its own) and pixel type (so that a dataset mixing
/// uint8 and float images does not trade one buffer type for the other), reused from sample
/// to sample so that the steady state does not allocate.
class scratch_sample {
public:
    explicit scratch_sample(bool float_pixels) : slot_(acquire()[float_pixels ? 1 : 0]) {}
    ~scratch_sample() { --depth(); }
    scratch_sample(const scratch_sample&) = delete;
    scratch_sample& operator=(const scratch_sample&) = delete;
    [[nodiscard]] sample& get() noexcept { return slot_.s; }

    /// Makes the scratch image's buffer hold `elements` values of type T (the whole image's
    /// count), once per thread and size, so that crops of any size fit without allocating:
    /// crops vary from sample to sample, and a buffer that grew to each new largest crop
    /// would allocate now and then for ever.
    template <pixel T>
    void reserve(int width, int height, int channels) {
        const std::size_t elements = std::size_t(width) * std::size_t(height) * std::size_t(channels);
        if (slot_.reserved >= elements) return;
        slot_.s.image.emplace<T>(width, height, channels);
        slot_.reserved = elements;
    }

private:
    struct slot {
        sample s;
        std::size_t reserved = 0;  ///< elements the image's buffer was last grown to
    };
    static std::size_t& depth() noexcept {
        thread_local std::size_t d = 0;
        return d;
    }
    static std::array<slot, 2>& acquire() {
        thread_local std::deque<std::array<slot, 2>> pool;  // a deque: references survive growth
        if (depth() == pool.size()) pool.emplace_back();
        return pool[depth()++];
    }
    slot& slot_;
};

/// The largest image the local changes may be given on this thread just now: `local_op` sets
/// it to the whole image's size while its operation runs on a crop, so that the per-thread
/// buffers of the local changes grow once to what any crop of it needs instead of to each
/// new largest crop (which would allocate now and then for ever). Zero outside `local_op`.
struct size_bound {
    int width = 0, height = 0, channels = 0;
    [[nodiscard]] std::size_t elements() const noexcept { return std::size_t(width) * std::size_t(height) * std::size_t(channels); }
};
inline size_bound& current_bound() noexcept {
    thread_local size_bound bound;
    return bound;
}
/// Sets `current_bound()` to at least width × height × channels for its lifetime.
class bound_scope {
public:
    bound_scope(int width, int height, int channels) noexcept : saved_(current_bound()) {
        current_bound() = {std::max(saved_.width, width), std::max(saved_.height, height), std::max(saved_.channels, channels)};
    }
    ~bound_scope() { current_bound() = saved_; }
    bound_scope(const bound_scope&) = delete;
    bound_scope& operator=(const bound_scope&) = delete;

private:
    size_bound saved_;
};

/// Sizes `v` to `n` values; when it must grow, it grows to at least `bound` (what the largest
/// crop of the current image needs, from `current_bound()`) and twice its capacity. Returns
/// the data.
inline float* grow(std::vector<float>& v, std::size_t n, std::size_t bound = 0) {
    if (n > v.capacity()) v.reserve(std::max({n, bound, 2 * v.capacity()}));
    v.resize(n);
    return v.data();
}

/// Lends `from`'s trace to `to` for its lifetime (so that the stages run on `to` record into
/// it), and gives it back even when a stage throws. Swapping optionals moves no entries.
class lent_trace {
public:
    lent_trace(sample& from, sample& to) noexcept : from_(from), to_(to) { std::swap(from_.trace, to_.trace); }
    ~lent_trace() { std::swap(from_.trace, to_.trace); }
    lent_trace(const lent_trace&) = delete;
    lent_trace& operator=(const lent_trace&) = delete;

private:
    sample& from_;
    sample& to_;
};

/// Separable Gaussian blur of every channel of the packed float image `im`, in place, with
/// standard deviation `sigma` pixels and kernel radius ceil(3·sigma) (capped where taps stop
/// reaching the image). Near the border the weights are renormalised over the taps inside
/// the image (no padding), as `fn::gaussian_feather` does for masks. Each pass computes
/// v + Σ w·(v_i − v) / Σ w rather than Σ w·v_i / Σ w, so a constant image stays exactly
/// constant (the differences are exactly 0), whatever the rounding of the weights.
inline void gaussian_blur(image<float>& im, float sigma) {
    const int w = im.width(), h = im.height(), c = im.channels();
    if (im.empty() || !(sigma > 0.0f)) return;
    const int radius = int(std::min(std::ceil(3.0 * double(sigma)), double(std::max(w, h) - 1)));
    if (radius <= 0) return;
    thread_local std::vector<float> weight, norm, acc, pass;
    const size_bound& bound = current_bound();
    const std::size_t side = std::size_t(std::max(bound.width, bound.height));
    grow(weight, std::size_t(2 * radius + 1), 2 * side + 1);
    for (int i = -radius; i <= radius; ++i)
        weight[std::size_t(i + radius)] = float(std::exp(-double(i) * double(i) / (2.0 * double(sigma) * double(sigma))));
    const std::size_t row = std::size_t(w) * std::size_t(c);
    float* const passed = grow(pass, row * std::size_t(h), bound.elements());

    // Horizontal: im → pass. The normaliser of column x depends on x only.
    grow(norm, std::size_t(w), std::size_t(bound.width));
    for (int x = 0; x < w; ++x) {
        float n = 0.0f;
        for (int i = std::max(-radius, -x); i <= std::min(radius, w - 1 - x); ++i) n += weight[std::size_t(i + radius)];
        norm[std::size_t(x)] = n;
    }
    for (int y = 0; y < h; ++y) {
        const float* in = im.view().row(y);
        float* out = passed + std::size_t(y) * row;
        for (int x = 0; x < w; ++x) {
            const int lo = std::max(-radius, -x), hi = std::min(radius, w - 1 - x);
            for (int ch = 0; ch < c; ++ch) {
                const float centre = in[std::ptrdiff_t(x) * c + ch];
                float sum = 0.0f;
                for (int i = lo; i <= hi; ++i) sum += weight[std::size_t(i + radius)] * (in[std::ptrdiff_t(x + i) * c + ch] - centre);
                out[std::ptrdiff_t(x) * c + ch] = centre + sum / norm[std::size_t(x)];
            }
        }
    }
    // Vertical: pass → im, whole rows at a time (the inner loop runs along a row and vectorises).
    grow(acc, row, std::size_t(bound.width) * std::size_t(bound.channels));
    for (int y = 0; y < h; ++y) {
        const float* centre = passed + std::size_t(y) * row;
        std::fill(acc.begin(), acc.end(), 0.0f);
        float n = 0.0f;
        for (int i = std::max(-radius, -y); i <= std::min(radius, h - 1 - y); ++i) {
            const float wi = weight[std::size_t(i + radius)];
            const float* src = passed + std::size_t(y + i) * row;
            for (std::size_t k = 0; k < row; ++k) acc[k] += wi * (src[k] - centre[k]);
            n += wi;
        }
        float* out = im.view().row(y);
        for (std::size_t k = 0; k < row; ++k) out[k] = centre[k] + acc[k] / n;
    }
}

/// `rotate_content` on an image narrower or lower than 3 pixels: `fn::rotate`'s mapping
/// (output (x, y) samples c + R(−angle)·((x, y) − c) about c = ((W−1)/2, (H−1)/2), bilinear),
/// with the pixels whose four taps are not all inside keeping their value. Allocates nothing
/// beyond a per-thread copy.
inline void rotate_keep_small(image<float>& im, float radians) {
    const int w = im.width(), h = im.height(), c = im.channels();
    thread_local std::vector<float> copy;
    std::copy_n(im.data(), im.size(), grow(copy, im.size(), current_bound().elements()));
    const image_view<const float> source(copy.data(), w, h, c);
    const double cosine = std::cos(double(radians)), sine = std::sin(double(radians));
    const double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const double sx = cosine * (x - cx) - sine * (y - cy) + cx, sy = sine * (x - cx) + cosine * (y - cy) + cy;
            const double fx = std::floor(sx), fy = std::floor(sy);
            if (!(fx >= 0.0 && fy >= 0.0 && fx + 1.0 <= w - 1.0 && fy + 1.0 <= h - 1.0)) continue;  // keeps its value
            const int x0 = int(fx), y0 = int(fy);
            const float ax = float(sx - fx), ay = float(sy - fy);
            for (int ch = 0; ch < c; ++ch) {
                const float top = source(x0, y0, ch) + ax * (source(x0 + 1, y0, ch) - source(x0, y0, ch));
                const float bottom = source(x0, y0 + 1, ch) + ax * (source(x0 + 1, y0 + 1, ch) - source(x0, y0 + 1, ch));
                im(x, y, ch) = top + ay * (bottom - top);
            }
        }
}

/// The number of nodes of the elastic displacement grid along an axis of `size` pixels with
/// nodes every `spacing` pixels from pixel 0: enough for the last node to reach size − 1.
inline int grid_nodes(int size, float spacing) noexcept {
    if (size <= 1) return 1;
    return int(std::ceil(double(size - 1) / double(spacing))) + 1;
}

/// Bilinear value of a node grid (nx × ny nodes, `stride` floats per node, component `k`)
/// at grid coordinates (gx, gy), 0 <= gx <= nx − 1 and 0 <= gy <= ny − 1.
inline float grid_value(const float* nodes, int nx, int ny, int stride, int k, float gx, float gy) noexcept {
    const int i0 = std::min(int(gx), std::max(nx - 2, 0)), j0 = std::min(int(gy), std::max(ny - 2, 0));
    const int i1 = std::min(i0 + 1, nx - 1), j1 = std::min(j0 + 1, ny - 1);
    const float fx = gx - float(i0), fy = gy - float(j0);
    auto at = [&](int i, int j) { return nodes[(std::ptrdiff_t(j) * nx + i) * stride + k]; };
    const float top = at(i0, j0) + fx * (at(i1, j0) - at(i0, j0));
    const float bottom = at(i0, j1) + fx * (at(i1, j1) - at(i0, j1));
    return top + fy * (bottom - top);
}

/// out(x, y) = src(x + dx(x, y), y + dy(x, y)), bilinear, with the source position clamped
/// to the image (replicated border); (dx, dy) is the node grid `field` (nx × ny nodes of two
/// floats, node (i, j) at pixel (i·spacing, j·spacing)) interpolated bilinearly. `src` is
/// packed; `out` holds a packed image of its shape and does not overlap it. A zero field
/// gives `out` equal to `src` exactly.
inline void elastic_remap(image_view<const float> in, float* out, std::span<const float> field, int nx, int ny, float spacing) {
    const int w = in.width(), h = in.height(), c = in.channels();
    const float inv = 1.0f / spacing;
    for (int y = 0; y < h; ++y) {
        const float gy = std::min(float(y) * inv, float(ny - 1));
        float* o = out + std::size_t(y) * std::size_t(w) * std::size_t(c);
        for (int x = 0; x < w; ++x) {
            const float gx = std::min(float(x) * inv, float(nx - 1));
            const float dx = grid_value(field.data(), nx, ny, 2, 0, gx, gy);
            const float dy = grid_value(field.data(), nx, ny, 2, 1, gx, gy);
            const float sx = std::clamp(float(x) + dx, 0.0f, float(w - 1)), sy = std::clamp(float(y) + dy, 0.0f, float(h - 1));
            const int x0 = int(sx), y0 = int(sy);  // non-negative, so truncation is floor
            const int x1 = std::min(x0 + 1, w - 1), y1 = std::min(y0 + 1, h - 1);
            const float ax = sx - float(x0), ay = sy - float(y0);
            const float* a0 = in.row(y0);
            const float* a1 = in.row(y1);
            for (int ch = 0; ch < c; ++ch) {
                const float p00 = a0[std::ptrdiff_t(x0) * c + ch], p10 = a0[std::ptrdiff_t(x1) * c + ch];
                const float p01 = a1[std::ptrdiff_t(x0) * c + ch], p11 = a1[std::ptrdiff_t(x1) * c + ch];
                const float top = p00 + ax * (p10 - p00), bottom = p01 + ax * (p11 - p01);
                o[std::ptrdiff_t(x) * c + ch] = top + ay * (bottom - top);
            }
        }
    }
}

}  // namespace detail::local_ops

// ---------------------------------------------------------------------------------------
// The five local changes. Each is an ordinary transform: it changes the whole image it is
// given, so inside `local_op` it changes only the region (run on the region's crop), and
// alone it changes the whole image. None of them touches the mask, foreground or label.
// ---------------------------------------------------------------------------------------

/// The settings of `gaussian_blur`.
struct gaussian_blur_settings {
    range<float> sigma{1.0f, 3.0f};  ///< pixels, >= 0

    static const description<gaussian_blur_settings>& describe() {
        using S = gaussian_blur_settings;
        static const auto d = description<S>().field("sigma", &S::sigma, 0, 1000, "blur standard deviation U[min, max], pixels");
        return d;
    }
};

/// Blurs the image with a Gaussian of standard deviation σ ~ U[sigma.min, sigma.max] pixels
/// (kernel radius ceil(3σ), separable, weights renormalised at the border): one of the local
/// changes of dynamic local augmentation (METHODS §8.1; the paper's σ range is not verified,
/// the defaults are a choice). Every channel is blurred, alpha included. A constant image
/// stays exactly constant. uint8 (through a float copy, rounded back) and float, 1, 3 or 4
/// channels. Deterministic per stream.
struct gaussian_blur : configured<gaussian_blur, gaussian_blur_settings> {
    static constexpr std::string_view name = "gaussian_blur";
    using configured::configured;

    struct params_type {
        float sigma = 0.0f;  ///< pixels
        template <class F>
        void visit_fields(F&& f) const { f("sigma", sigma); }
    };

    params_type sample_params(rng_stream& rng, const sample&) const { return {rng.uniform(sigma.min, sigma.max)}; }
    void apply(sample& s, const params_type& p) const {
        detail::edit_as_float(s, [&](image<float>& pixels) { detail::local_ops::gaussian_blur(pixels, p.sigma); });
    }
};

/// The settings of `gaussian_noise`.
struct gaussian_noise_settings {
    range<float> sigma{0.02f, 0.1f};  ///< fraction of full scale
    bool per_channel = true;

    static const description<gaussian_noise_settings>& describe() {
        using S = gaussian_noise_settings;
        static const auto d = description<S>()
                                  .field("sigma", &S::sigma, 0, 10, "noise standard deviation U[min, max], fraction of full scale")
                                  .field("per_channel", &S::per_channel, {{"true", true}, {"false", false}},
                                         "an independent deviate per channel (colour noise), else one per pixel (grey noise)");
        return d;
    }
};

/// Adds Gaussian noise of standard deviation σ ~ U[sigma.min, sigma.max] (fraction of full
/// scale: 1 for float, 255 for uint8) to the colour channels and clips to [0, 1]: one of the
/// local changes of dynamic local augmentation (METHODS §8.1; σ range not verified, the
/// defaults are a choice). `per_channel`: an independent deviate per channel (colour noise);
/// otherwise one per pixel shared by the colour channels (grey noise). Alpha is kept. The
/// deviates come from a stream recorded in the parameters, so a replay adds the same noise.
/// uint8 (rounded back) and float, 1, 3 or 4 channels.
struct gaussian_noise : configured<gaussian_noise, gaussian_noise_settings> {
    static constexpr std::string_view name = "gaussian_noise";
    using configured::configured;

    struct params_type {
        float sigma = 0.0f;
        rng_stream noise{};  ///< draws the deviates, row by row, pixel by pixel
        template <class F>
        void visit_fields(F&& f) const { f("sigma", sigma); }
    };

    params_type sample_params(rng_stream& rng, const sample&) const {
        params_type p;
        p.sigma = rng.uniform(sigma.min, sigma.max);
        p.noise = rng.fork(0);
        return p;
    }
    void apply(sample& s, const params_type& p) const {
        detail::edit_as_float(s, [&](image<float>& pixels) {
            rng_stream noise = p.noise;
            const auto v = fn::colour_channels(pixels.view());
            for (int y = 0; y < v.height(); ++y)
                for (int x = 0; x < v.width(); ++x) {
                    const float shared = per_channel ? 0.0f : noise.normal(0.0f, p.sigma);
                    for (int c = 0; c < v.channels(); ++c) {
                        const float n = per_channel ? noise.normal(0.0f, p.sigma) : shared;
                        v(x, y, c) = std::clamp(v(x, y, c) + n, 0.0f, 1.0f);
                    }
                }
        });
    }
};

/// The settings of `rotate_content`.
struct rotate_content_settings {
    range<float> angle_magnitude{15.0f, 90.0f};  ///< degrees
    bool random_direction = true;  ///< false: counter-clockwise only

    static const description<rotate_content_settings>& describe() {
        using S = rotate_content_settings;
        static const auto d = description<S>()
                                  .field("angle_magnitude", &S::angle_magnitude, 0, 360, "rotation magnitude U[min, max], degrees")
                                  .field("random_direction", &S::random_direction, {{"true", true}, {"false", false}},
                                         "clockwise with probability 1/2, else counter-clockwise only");
        return d;
    }
};

/// Rotates the image's content about its centre ((W−1)/2, (H−1)/2) by an angle of magnitude
/// U[angle_magnitude.min, angle_magnitude.max] degrees, counter-clockwise on screen, or
/// clockwise with probability 1/2 when `random_direction`: the rotation among the local
/// changes of dynamic local augmentation (METHODS §8.1; the range is not verified, the
/// defaults are a choice that avoids near-invisible turns). Bilinear (`fn::rotate`). Unlike
/// `rotate`, pixels whose source falls outside the image (any bilinear tap outside) keep their
/// own value instead of a fill, so a box rotated in place inside `local_op` shows its
/// unrotated corners rather than black ones; and the mask and foreground are not moved (this
/// changes content, it is not a geometric augmentation of the sample). Every channel turns,
/// alpha included. uint8 (rounded back) and float, 1, 3 or 4 channels.
struct rotate_content : configured<rotate_content, rotate_content_settings> {
    static constexpr std::string_view name = "rotate_content";
    using configured::configured;

    struct params_type {
        float angle = 0.0f;  ///< degrees, counter-clockwise on screen
        template <class F>
        void visit_fields(F&& f) const { f("angle", angle); }
    };

    params_type sample_params(rng_stream& rng, const sample&) const {
        const float magnitude = rng.uniform(angle_magnitude.min, angle_magnitude.max);
        const bool clockwise = random_direction && rng.bernoulli(0.5);
        return {clockwise ? -magnitude : magnitude};
    }
    void apply(sample& s, const params_type& p) const {
        detail::edit_as_float(s, [&](image<float>& pixels) {
            const float radians = p.angle * (std::numbers::pi_v<float> / 180.0f);
            if (pixels.width() < 3 || pixels.height() < 3) {
                // fn::rotate reads past the buffer on images one pixel high, or one wide with 3
                // channels (its interior interval is not empty-checked); such slivers, e.g. a
                // thin box's crop, take a plain loop with the same mapping and rule.
                detail::local_ops::rotate_keep_small(pixels, radians);
                return;
            }
            thread_local std::vector<float> buffer;
            const std::size_t n = pixels.size();
            float* const rotated = detail::local_ops::grow(buffer, n, detail::local_ops::current_bound().elements());
            // NaN marks the pixels that read outside the source (the fill, or a bilinear mix with
            // it); they keep their own value. Interior pixels never read the fill.
            fn::rotate(std::as_const(pixels).view(), image_view<float>(rotated, pixels.width(), pixels.height(), pixels.channels()),
                       radians, std::numeric_limits<float>::quiet_NaN());
            float* const out = pixels.data();
            for (std::size_t i = 0; i < n; ++i) out[i] = std::isnan(rotated[i]) ? out[i] : rotated[i];
        });
    }
};

/// The settings of `elastic_deform`.
struct elastic_deform_settings {
    range<float> alpha{1.0f, 4.0f};  ///< pixels
    float grid_spacing = 8.0f;  ///< pixels between grid nodes, >= 1

    static const description<elastic_deform_settings>& describe() {
        using S = elastic_deform_settings;
        static const auto d = description<S>()
                                  .field("alpha", &S::alpha, 0, 10000, "displacement amplitude U[min, max], pixels")
                                  .field("grid_spacing", &S::grid_spacing, 1, 100000, "pixels between the displacement grid's nodes");
        return d;
    }
};

/// Elastic deformation by a smooth random displacement field: one random vector per node of
/// a grid with nodes every `grid_spacing` pixels (each component α·U[−1, 1], so no pixel moves
/// more than α along an axis), interpolated bilinearly to every pixel, then a bilinear remap
/// out(x, y) = in(x + dx, y + dy) with the source clamped to the image. α ~ U[alpha.min,
/// alpha.max] pixels. This is the α/σ deformation of Simard et al. (ICDAR 2003) with the
/// Gaussian-smoothed noise replaced by a coarse grid: `grid_spacing` plays σ's part (the
/// scale over which the field varies) and α is the amplitude in pixels directly. The elastic
/// change among the local changes of dynamic local augmentation (METHODS §8.1; settings not
/// verified, the defaults are a choice). α = 0 gives the identity, exactly. The field's
/// vectors come from a stream recorded in the parameters. Every channel moves, alpha
/// included. uint8 (rounded back) and float, 1, 3 or 4 channels.
struct elastic_deform : configured<elastic_deform, elastic_deform_settings> {
    static constexpr std::string_view name = "elastic_deform";
    using configured::configured;

    struct params_type {
        float alpha = 0.0f;  ///< pixels
        rng_stream field{};  ///< draws the node vectors, row-major, (dx, dy) per node
        template <class F>
        void visit_fields(F&& f) const { f("alpha", alpha); }
    };

    params_type sample_params(rng_stream& rng, const sample&) const {
        params_type p;
        p.alpha = rng.uniform(alpha.min, alpha.max);
        p.field = rng.fork(0);
        return p;
    }
    void apply(sample& s, const params_type& p) const {
        detail::edit_as_float(s, [&](image<float>& pixels) {
            const int nx = detail::local_ops::grid_nodes(pixels.width(), grid_spacing);
            const int ny = detail::local_ops::grid_nodes(pixels.height(), grid_spacing);
            thread_local std::vector<float> field, buffer;
            const auto& bound = detail::local_ops::current_bound();
            detail::local_ops::grow(field, std::size_t(nx) * std::size_t(ny) * 2,
                                    std::size_t(detail::local_ops::grid_nodes(bound.width, grid_spacing)) *
                                        std::size_t(detail::local_ops::grid_nodes(bound.height, grid_spacing)) * 2);
            rng_stream draw = p.field;
            for (float& v : field) v = p.alpha * draw.uniform(-1.0f, 1.0f);
            float* const warped = detail::local_ops::grow(buffer, pixels.size(), bound.elements());
            detail::local_ops::elastic_remap(std::as_const(pixels).view(), warped, field, nx, ny, grid_spacing);
            std::copy_n(warped, pixels.size(), pixels.data());
        });
    }
};

// ---------------------------------------------------------------------------------------
// local_op: any transform, inside a region only.
// ---------------------------------------------------------------------------------------

/// Where `local_op` changes the image.
enum class local_region {
    box,   ///< a CutPaste-sized box drawn by `local_op` (METHODS §2.8 area rule)
    mask,  ///< the pixels where the incoming `sample.mask` exceeds `mask_threshold`
};

/// How `local_op` chooses its region and runs its operation (see `local_op`). The defaults
/// are CutPaste's box rule (METHODS §2.8), which METHODS §8.1 proposes for the local box.
struct local_region_settings {
    local_region region = local_region::box;
    range<float> area{0.02f, 0.15f};  ///< fraction of W·H, with local_region::box (CutPaste: [0.02, 0.15])
    float aspect_max = 3.3f;  ///< width/height log-uniform in [1/aspect_max, aspect_max] (CutPaste: 3.3)
    float mask_threshold = 0.5f;  ///< with local_region::mask: the region is mask > mask_threshold
    bool restrict_to_foreground = true;  ///< with local_region::box: the box ∩ the foreground (when present)
    bool whole_image = false;  ///< run the operation on a copy of the whole image instead of the region's box
    /// Give the operation float pixels in [0, 1] even for a uint8 image: the region is
    /// converted (v/255) and rounded back to nearest afterwards, exactly what ias's own
    /// transforms do internally (`detail::edit_as_float`), so for them the bytes are the same
    /// either way. It lets the one float buffer be reserved at the image's size, so that crops
    /// of varying sizes never allocate (the preset turns it on). Off: the operation sees the
    /// image's own pixel type.
    bool work_in_float = false;

    static const description<local_region_settings>& describe() {
        using S = local_region_settings;
        static const auto d =
            description<S>()
                .field("region", &S::region, {{"box", local_region::box}, {"mask", local_region::mask}},
                       "where the operation runs: a CutPaste-sized box, or where the incoming mask exceeds mask_threshold")
                .field("area", &S::area, 0, 1, "with region box: the box's area U[min, max], fraction of W·H")
                .field("aspect_max", &S::aspect_max, 1, 1000, "with region box: width/height log-uniform in [1/aspect_max, aspect_max]")
                .field("mask_threshold", &S::mask_threshold, 0, 1, "with region mask: the region is mask > mask_threshold; below 1")
                .field("restrict_to_foreground", &S::restrict_to_foreground, {{"true", true}, {"false", false}},
                       "with region box: the box intersected with the sample's foreground when it has one")
                .field("whole_image", &S::whole_image, {{"true", true}, {"false", false}},
                       "run the operation on a copy of the whole image instead of the region's box")
                .field("work_in_float", &S::work_in_float, {{"true", true}, {"false", false}},
                       "give the operation float pixels in [0, 1] even for a uint8 image")
                .rule("mask_threshold must be below 1", [](const S& s) { return s.mask_threshold < 1.0f; });
        return d;
    }
};

/// Applies an operation, any transform, only inside a local region, and leaves every pixel
/// outside it bit-identical: the "local augmentation" of Yoa et al. (METHODS §8.1, item 1 of
/// "What ias needs"). Build it as `local_op(gaussian_blur{})` or
/// `local_op(gaussian_blur{}, {.region = local_region::mask})`.
///
/// The region is, by default (`region = local_region::box`), a box by CutPaste's area rule
/// (METHODS §2.8): area U[area.min, area.max]·W·H, aspect (width/height) log-uniform in
/// [1/aspect_max, aspect_max], wholly inside the image (`detail::shape_masks::draw_area_box`),
/// intersected with the foreground when `restrict_to_foreground` and one is present. With
/// `region = local_region::mask` it is where the mask already in the sample exceeds
/// `mask_threshold`, so `ellipse_mask{} | local_op(gaussian_blur{}, {.region = local_region::mask})`
/// blurs inside ellipses.
///
/// The operation runs on a per-thread scratch sample holding a copy of the region's bounding
/// box only (the default): its geometry and statistics are then the region's own (a rotation
/// turns about the box centre, colour jitter's contrast uses the box's mean grey), and the
/// cost scales with the region. `whole_image = true` gives it a copy of the whole image
/// instead (for operations that need context). The scratch sample has no mask, foreground or
/// trace of its own; whatever the operation does to them is discarded. The result is then
/// copied back only where the region is, byte for byte. The operation must keep the image's
/// size and pixel type (ias::error otherwise). With `work_in_float` it sees float pixels
/// whatever the image's type (see `local_region_settings`).
///
/// Afterwards `sample.mask` is the region (binary, 0 or 1) and `sample.label` is 1 (0 when
/// the region is empty: a box outside the foreground, or an empty incoming mask; the
/// operation is then not run).
///
/// Randomness: the box is drawn from the stage's stream; the operation runs with
/// `rng.fork(0)`, so its draws do not depend on the box. Tracing: the box is recorded, then
/// the operation records its own parameters as if it were a stage, and `ias::replay` gives
/// the same bytes. The operation's stream is also in the parameters, so
/// `apply(s, sample_params(rng, s))` equals `t(s, rng)` without a trace. uint8 and float, 1,
/// 3 or 4 channels (whatever the operation supports). Steady state allocates nothing: the
/// scratch image is reserved at the whole image's size once per thread, and while the
/// operation runs the five local changes of this header reserve their buffers for the whole
/// image too, so crops of varying sizes fit (other operations' own per-thread buffers, and
/// uint8 conversions inside ias transforms unless `work_in_float`, grow to the largest crop
/// seen). For a type-erased operation use
/// `local_op<any_transform>`. Copies share nothing mutable; one transform serves many threads.
/// Note: `local_op(t)` of a `local_op` `t` is a copy of `t` (class template argument deduction
/// prefers the copy); nest one explicitly with `local_op<local_op<Op>>(t)` or by passing settings.
template <transform Op>
class local_op : public configured<local_op<Op>, local_region_settings> {
public:
    static constexpr std::string_view name = "local_op";

    struct params_type {
        int x = 0, y = 0, width = 0, height = 0;  ///< the box (local_region::mask: the region's bounding box)
        rng_stream op_stream{};                    ///< the stream the operation runs with
        template <class F>
        void visit_fields(F&& f) const { f("box", std::array<int, 4>{x, y, width, height}); }
    };

    /// Throws std::invalid_argument naming the field when a setting is out of range.
    explicit local_op(Op op, local_region_settings settings = {})
        : configured<local_op, local_region_settings>(settings), op_(std::move(op)) {}

    /// The operation applied inside the region.
    [[nodiscard]] const Op& op() const noexcept { return op_; }

    /// Draws the box (local_region::box) or finds the incoming mask's bounding box
    /// (local_region::mask), and forks the stream for the operation. Throws ias::error when
    /// the mask is not empty and not one channel of the image's size.
    params_type sample_params(rng_stream& rng, const sample& s) const {
        params_type p;
        const int W = s.image.width(), H = s.image.height();
        if (W >= 1 && H >= 1) {
            if (this->region == local_region::box) {
                const auto box = detail::shape_masks::draw_area_box(rng, W, H, this->area.min, this->area.max, this->aspect_max);
                p.x = box[0];
                p.y = box[1];
                p.width = box[2];
                p.height = box[3];
            } else if (!s.mask.empty()) {
                check_mask(s);
                int x0 = W, y0 = H, x1 = -1, y1 = -1;
                for (int y = 0; y < H; ++y)
                    for (int x = 0; x < W; ++x)
                        if (s.mask(x, y) > this->mask_threshold) {
                            x0 = std::min(x0, x);
                            x1 = std::max(x1, x);
                            y0 = std::min(y0, y);
                            y1 = std::max(y1, y);
                        }
                if (x1 >= 0) p = {x0, y0, x1 - x0 + 1, y1 - y0 + 1, {}};
            }
        }
        p.op_stream = rng.fork(0);
        return p;
    }

    /// Runs the operation with `p.op_stream` inside the region `p` describes (untraced).
    void apply(sample& s, const params_type& p) const {
        run_in_region(s, p, [&](sample& scratch) {
            rng_stream r = p.op_stream;
            ias::run(op_, scratch, r);
        });
    }

    void operator()(sample& s, rng_stream& rng) const {
        const params_type p = sample_params(rng, s);
        if (s.trace) s.trace->record(name, p);
        run_in_region(s, p, [&](sample& scratch) {
            const detail::local_ops::lent_trace lent(s, scratch);  // the operation's entries follow ours
            rng_stream r = p.op_stream;
            ias::run(op_, scratch, r);
        });
    }

    void replay(sample& s, trace_reader& reader) const {
        const params_type& p = reader.next(name).template params_as<params_type>();
        run_in_region(s, p, [&](sample& scratch) { ias::replay(op_, scratch, reader); });
    }

private:
    static void check_mask(const sample& s) {
        if (s.mask.width() != s.image.width() || s.mask.height() != s.image.height() || s.mask.channels() != 1)
            throw error("ias::local_op: the mask is " + std::to_string(s.mask.width()) + "x" + std::to_string(s.mask.height()) + "x" +
                        std::to_string(s.mask.channels()) + " but it must be one channel of the image's size " +
                        std::to_string(s.image.width()) + "x" + std::to_string(s.image.height()));
    }

    /// Makes `s.mask` the region of `p` and sets the label; when the region is not empty, calls
    /// `run_op(scratch)` on a scratch sample holding the box (or the whole image) and copies
    /// the result back where the region is.
    template <class RunOp>
    void run_in_region(sample& s, const params_type& p, RunOp&& run_op) const {
        if (s.image.empty()) return;
        const int W = s.image.width(), H = s.image.height();
        if (p.width < 0 || p.height < 0 || p.x < 0 || p.y < 0 || p.x > W - p.width || p.y > H - p.height)
            throw error("ias::local_op: the box (x=" + std::to_string(p.x) + ", y=" + std::to_string(p.y) + ", w=" +
                        std::to_string(p.width) + ", h=" + std::to_string(p.height) + ") is not inside the " + std::to_string(W) +
                        "x" + std::to_string(H) + " image");
        const int bx0 = p.x, by0 = p.y, bx1 = p.x + p.width, by1 = p.y + p.height;
        bool any = false;
        if (this->region == local_region::box) {
            s.mask.resize(W, H, 1, 0.0f);
            for (int y = by0; y < by1; ++y) std::fill_n(s.mask.view().row(y) + bx0, p.width, 1.0f);
            any = this->restrict_to_foreground ? clip_to_foreground(s.mask, s.foreground) : p.width > 0 && p.height > 0;
        } else {
            if (s.mask.empty()) s.mask.resize(W, H, 1, 0.0f);
            check_mask(s);
            for (int y = 0; y < H; ++y) {
                float* m = s.mask.view().row(y);
                for (int x = 0; x < W; ++x) {
                    const bool in = x >= bx0 && x < bx1 && y >= by0 && y < by1 && m[x] > this->mask_threshold;
                    m[x] = in ? 1.0f : 0.0f;
                    any |= in;
                }
            }
        }
        s.label = any ? 1 : 0;
        if (!any) return;

        const bool as_float = this->work_in_float || s.image.holds<float>();
        detail::local_ops::scratch_sample lease(as_float);
        sample& scratch = lease.get();
        scratch.clear_annotations();
        scratch.trace.reset();
        scratch.source_index = s.source_index;
        const bool whole = this->whole_image;
        const int ox = whole ? 0 : bx0, oy = whole ? 0 : by0;
        const int sw = whole ? W : p.width, sh = whole ? H : p.height, C = s.image.channels();
        s.image.visit([&]<class T>(image_view<T> v) {
            const image_view<const T> crop = v.crop(ox, oy, sw, sh);
            if constexpr (std::is_same_v<T, float>) {
                lease.reserve<float>(W, H, C);
                scratch.image.assign<float>(crop);
            } else if (as_float) {
                lease.reserve<float>(W, H, C);
                convert_pixels(crop, scratch.image.ensure_size<float>(sw, sh, C).view());
            } else {
                lease.reserve<T>(W, H, C);
                scratch.image.assign<T>(crop);
            }
        });

        {
            const detail::local_ops::bound_scope bound(W, H, C);  // the local changes reserve for any crop
            run_op(scratch);
        }

        s.image.visit([&]<class T>(image_view<T> dst) {
            auto copy_back = [&]<class U>(image_view<const U> src) {
                for (int y = by0; y < by1; ++y) {
                    const float* m = s.mask.view().row(y);
                    T* out = dst.row(y);
                    const U* in = src.row(y - oy);
                    for (int x = bx0; x < bx1; ++x) {
                        if (!(m[x] > 0.0f)) continue;
                        for (int ch = 0; ch < C; ++ch) {
                            const U v = in[std::ptrdiff_t(x - ox) * C + ch];
                            if constexpr (std::is_same_v<U, T>) {
                                out[std::ptrdiff_t(x) * C + ch] = v;
                            } else {  // float → uint8 as convert_pixels (and so edit_as_float) rounds
                                const float clamped = v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f;  // NaN -> 0
                                out[std::ptrdiff_t(x) * C + ch] = T(clamped * 255.0f + 0.5f);
                            }
                        }
                    }
                }
            };
            const bool float_scratch = as_float && !std::is_same_v<T, float>;
            const bool kept = (float_scratch ? scratch.image.holds<float>() : scratch.image.holds<T>()) && scratch.image.width() == sw &&
                              scratch.image.height() == sh && scratch.image.channels() == C;
            if (!kept)
                throw error("ias::local_op: the operation '" + std::string(detail::stage_name<Op>()) +
                            "' changed the image's size, channels or pixel type; a local operation must keep them");
            if (float_scratch)
                copy_back(std::as_const(scratch.image).get<float>().view());
            else
                copy_back(std::as_const(scratch.image).get<T>().view());
        });
    }

    Op op_;
};

// ---------------------------------------------------------------------------------------
// weighted_choice: one of N transforms, with weights the host may update between epochs.
// ---------------------------------------------------------------------------------------

/// A table of N non-negative weights, shared between the host and the `weighted_choice`
/// transforms that read it (METHODS §8.1, item 2 of "What ias needs": the weighting policy,
/// e.g. from per-operation losses, stays in the host).
///
/// Transforms read it per sample without locking or allocating; the host writes it with
/// `set`. Each weight is a relaxed `std::atomic<float>`, and a sequence counter (a seqlock)
/// makes every read see one whole table: either the one before an update or the one after,
/// never a mix of the two (so a reader never sees all zeros while the host swaps which
/// weight is zero). Writers are serialised by a mutex.
///
/// Reproducibility: a sample's choice is a pure function of (seed, index, epoch, stage) and
/// the table it reads. Update the table between epochs, not while samples are being made,
/// if runs must be reproducible; the choice is recorded in the trace, so a traced sample
/// replays exactly even after the weights change.
///
/// Every weight must be finite and >= 0, with a positive sum; `set` throws
/// std::invalid_argument naming the weight and value otherwise, and leaves the table as it was.
class op_weights {
public:
    /// `count` equal weights of 1. Throws std::invalid_argument when count is 0. As with
    /// std::vector, braces pick the list constructor: `op_weights{3}` is one weight of 3.
    explicit op_weights(std::size_t count) : values_(make(count)), size_(count) {
        for (std::size_t i = 0; i < size_; ++i) values_[i].store(1.0f, std::memory_order_relaxed);
    }
    /// The given weights (validated as by `set`).
    explicit op_weights(std::span<const float> weights) : values_(make(weights.size())), size_(weights.size()) {
        check_all(weights);
        for (std::size_t i = 0; i < size_; ++i) values_[i].store(weights[i], std::memory_order_relaxed);
    }
    op_weights(std::initializer_list<float> weights) : op_weights(std::span<const float>(weights.begin(), weights.size())) {}

    op_weights(const op_weights&) = delete;
    op_weights& operator=(const op_weights&) = delete;

    /// The number of weights (of transforms to choose from).
    [[nodiscard]] std::size_t size() const noexcept { return size_; }

    /// Weight `i` as last written (no consistency with the others; see `values`).
    /// Throws std::out_of_range when i >= size().
    [[nodiscard]] float get(std::size_t i) const {
        check_index(i);
        return values_[i].load(std::memory_order_relaxed);
    }

    /// A consistent copy of the whole table (allocates; for the host).
    [[nodiscard]] std::vector<float> values() const {
        std::vector<float> out(size_);
        read([&] {
            for (std::size_t i = 0; i < size_; ++i) out[i] = values_[i].load(std::memory_order_relaxed);
            return 0;
        });
        return out;
    }

    /// The probabilities the table gives, w_i / Σ w (allocates; for the host).
    [[nodiscard]] std::vector<double> probabilities() const {
        const std::vector<float> w = values();
        double total = 0.0;
        for (const float v : w) total += v;
        std::vector<double> p(w.size());
        for (std::size_t i = 0; i < w.size(); ++i) p[i] = double(w[i]) / total;
        return p;
    }

    /// Sets weight `i` to `weight`. Throws std::out_of_range when i >= size(), and
    /// std::invalid_argument, leaving the table unchanged, when the weight is negative, NaN
    /// or infinite or when it would make every weight 0.
    void set(std::size_t i, float weight) {
        check_index(i);
        check_one(i, weight);
        const std::lock_guard<std::mutex> lock(write_);
        double total = weight;
        for (std::size_t k = 0; k < size_; ++k)
            if (k != i) total += values_[k].load(std::memory_order_relaxed);
        if (!(total > 0.0)) zero_sum();
        write([&] { values_[i].store(weight, std::memory_order_relaxed); });
    }

    /// Replaces the whole table, atomically for readers. Throws std::invalid_argument,
    /// leaving the table unchanged, when the count differs from size() or a weight is
    /// invalid (naming it), or when they sum to 0.
    void set(std::span<const float> weights) {
        if (weights.size() != size_)
            throw std::invalid_argument("ias::op_weights: got " + std::to_string(weights.size()) + " weights for a table of " +
                                        std::to_string(size_));
        check_all(weights);
        const std::lock_guard<std::mutex> lock(write_);
        write([&] {
            for (std::size_t k = 0; k < size_; ++k) values_[k].store(weights[k], std::memory_order_relaxed);
        });
    }
    void set(std::initializer_list<float> weights) { set(std::span<const float>(weights.begin(), weights.size())); }

    /// The result of `draw`: the index chosen and the probability it had.
    struct draw_result {
        std::size_t index = 0;
        double probability = 0.0;
    };

    /// Draws index i with probability w_i / Σ w from one `uniform_double()` of `rng`, as
    /// `rng_stream::choice` does, reading one consistent table. A zero weight is never
    /// chosen. Lock-free for readers (it retries only while a `set` is being written);
    /// no allocation.
    draw_result draw(rng_stream& rng) const noexcept {
        const double u = rng.uniform_double();
        return read([&] {
            double total = 0.0;
            for (std::size_t i = 0; i < size_; ++i) total += values_[i].load(std::memory_order_relaxed);
            const double target = u * total;
            double cumulative = 0.0;
            draw_result r;
            for (std::size_t i = 0; i < size_; ++i) {
                const float w = values_[i].load(std::memory_order_relaxed);
                if (!(w > 0.0f)) continue;
                cumulative += w;
                r = {i, double(w) / total};
                if (target < cumulative) break;  // else the last positive weight (rounding)
            }
            return r;
        });
    }

private:
    static std::unique_ptr<std::atomic<float>[]> make(std::size_t count) {
        if (count == 0) throw std::invalid_argument("ias::op_weights: the table needs at least one weight");
        return std::make_unique<std::atomic<float>[]>(count);
    }
    void check_index(std::size_t i) const {
        if (i >= size_)
            throw std::out_of_range("ias::op_weights: weight " + std::to_string(i) + " requested from a table of " + std::to_string(size_));
    }
    static void check_one(std::size_t i, float w) {
        if (!(w >= 0.0f) || !std::isfinite(w))
            throw std::invalid_argument("ias::op_weights: weight " + std::to_string(i) + " is " + detail::settings::number(w) +
                                        "; weights must be finite and >= 0");
    }
    [[noreturn]] static void zero_sum() {
        throw std::invalid_argument("ias::op_weights: the weights would all be 0; at least one must be positive");
    }
    static void check_all(std::span<const float> weights) {
        double total = 0.0;
        for (std::size_t i = 0; i < weights.size(); ++i) {
            check_one(i, weights[i]);
            total += weights[i];
        }
        if (!(total > 0.0)) zero_sum();
    }

    /// The seqlock's reader: runs `f` (relaxed loads of the weights) until no write overlapped it.
    template <class F>
    std::invoke_result_t<F&> read(F&& f) const noexcept {
        for (;;) {
            const std::uint64_t before = version_.load(std::memory_order_acquire);
            if (before & 1u) {  // a write is in progress
                std::this_thread::yield();
                continue;
            }
            auto result = f();
            std::atomic_thread_fence(std::memory_order_acquire);
            if (version_.load(std::memory_order_relaxed) == before) return result;
        }
    }
    /// The seqlock's writer (with `write_` held): odd version while `f` stores.
    template <class F>
    void write(F&& f) noexcept {
        const std::uint64_t v = version_.load(std::memory_order_relaxed);
        version_.store(v + 1, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_release);
        f();
        version_.store(v + 2, std::memory_order_release);
    }

    std::unique_ptr<std::atomic<float>[]> values_;
    std::size_t size_;
    std::atomic<std::uint64_t> version_{0};
    std::mutex write_;
};

/// Applies exactly one of its transforms, the k-th with probability w_k / Σ w, where the
/// weights live in a shared `op_weights` table that the host may update between epochs while
/// the transform itself stays immutable and thread-safe (METHODS §8.1: a mutable-weight
/// `one_of`, the "dynamically weighted" choice of local augmentations). Copies of the
/// transform share the table (`weights()`).
///
/// The k-th transform runs with `rng.fork(k)`, as in `one_of`; the choice takes one
/// `uniform_double()` of the stage's stream. The trace records the index chosen (and the
/// probability it had), and `ias::replay` applies that index whatever the table holds by
/// then. Reproducible for a given table: see `op_weights`. No allocation per sample.
template <transform... Ts>
    requires(sizeof...(Ts) >= 1)
class weighted_choice {
public:
    static constexpr std::string_view name = "weighted_choice";
    struct params_type {
        std::size_t choice = 0;
        double probability = 0.0;  ///< for people and manifests; replay uses `choice` only
        template <class F>
        void visit_fields(F&& f) const {
            f("choice", choice);
            f("probability", probability);
        }
    };

    /// Equal weights, in a new table.
    explicit weighted_choice(Ts... ts) : weights_(std::make_shared<op_weights>(sizeof...(Ts))), transforms_(std::move(ts)...) {}
    /// The given weights, in a new table (validated as by `op_weights::set`).
    weighted_choice(std::initializer_list<float> weights, Ts... ts)
        : weights_(checked(std::make_shared<op_weights>(weights))), transforms_(std::move(ts)...) {}
    /// A table shared with the host (and with other transforms). Throws std::invalid_argument
    /// when it is null or its size is not the number of transforms.
    weighted_choice(std::shared_ptr<op_weights> weights, Ts... ts) : weights_(checked(std::move(weights))), transforms_(std::move(ts)...) {}

    void operator()(sample& s, rng_stream& rng) const {
        const op_weights::draw_result drawn = weights_->draw(rng);
        const std::size_t k = drawn.index;  // a plain variable: clang 14 cannot capture structured bindings
        if (s.trace) s.trace->record(name, params_type{k, drawn.probability});
        detail::with_index<sizeof...(Ts)>(k, [&](auto i) { detail::run_child(std::get<i>(transforms_), s, rng, std::uint32_t(i)); });
    }
    void replay(sample& s, trace_reader& reader) const {
        const std::size_t k = reader.next(name).params_as<params_type>().choice;
        if (k >= sizeof...(Ts))
            throw error("ias::weighted_choice: the trace chose transform " + std::to_string(k) + " of " + std::to_string(sizeof...(Ts)));
        detail::with_index<sizeof...(Ts)>(k, [&](auto i) { ias::replay(std::get<i>(transforms_), s, reader); });
    }

    /// The shared weight table: the host's handle for updates.
    [[nodiscard]] const std::shared_ptr<op_weights>& weights() const noexcept { return weights_; }
    /// The transforms, in order.
    [[nodiscard]] const std::tuple<Ts...>& transforms() const noexcept { return transforms_; }
    [[nodiscard]] static constexpr std::size_t size() noexcept { return sizeof...(Ts); }

private:
    static std::shared_ptr<op_weights> checked(std::shared_ptr<op_weights> w) {
        if (!w) throw std::invalid_argument("ias::weighted_choice: the weight table is null");
        if (w->size() != sizeof...(Ts))
            throw std::invalid_argument("ias::weighted_choice: the weight table has " + std::to_string(w->size()) + " weights for " +
                                        std::to_string(sizeof...(Ts)) + " transforms");
        return w;
    }

    std::shared_ptr<op_weights> weights_;
    std::tuple<Ts...> transforms_;
};

// ---------------------------------------------------------------------------------------
// The paper's setup.
// ---------------------------------------------------------------------------------------

/// A weighted choice among `ops` (equal weights, a new table) applied inside a local region:
/// `local_op(weighted_choice(ops...), settings)`. The weight table is `result.op().weights()`.
template <transform... Ts>
    requires(sizeof...(Ts) >= 1)
[[nodiscard]] local_op<weighted_choice<Ts...>> local_ops(local_region_settings settings, Ts... ops) {
    return local_op<weighted_choice<Ts...>>(weighted_choice<Ts...>(std::move(ops)...), settings);
}
/// `local_ops` with the default region: a CutPaste-sized box.
template <transform... Ts>
    requires(sizeof...(Ts) >= 1)
[[nodiscard]] local_op<weighted_choice<Ts...>> local_ops(Ts... ops) {
    return local_ops(local_region_settings{}, std::move(ops)...);
}

/// The type of `local_ops_preset().augmentation`.
using dynamic_local_augmentation =
    local_op<weighted_choice<gaussian_blur, gaussian_noise, colour_jitter, rotate_content, elastic_deform>>;

/// What `local_ops_preset` returns: the transform and the handle of its weight table.
struct local_ops_setup {
    dynamic_local_augmentation augmentation;
    std::shared_ptr<op_weights> weights;  ///< the table `augmentation` reads; the host updates it
    /// The operations, in the order of the weights (and of the trace's `choice`).
    static constexpr std::array<std::string_view, 5> op_names{gaussian_blur::name, gaussian_noise::name, colour_jitter::name,
                                                               rotate_content::name, elastic_deform::name};
};

/// One reading of dynamic local augmentation (Yoa et al., IEEE Access 2021; METHODS §8.1):
/// a weighted choice among five local changes, Gaussian blur, Gaussian noise, colour jitter,
/// rotation of the region's content and elastic deformation, applied inside a box by
/// CutPaste's area rule (area U[0.02, 0.15]·W·H, aspect log-uniform in [1/3.3, 3.3]; other
/// `settings` change the region), with equal weights at first. The host re-weights the
/// table between epochs, e.g. towards the operations the model currently finds hard:
///
///     auto [augment, weights] = ias::local_ops_preset();
///     // ... an epoch of ias::generate(augment, ...), losses summed per trace `choice` ...
///     weights->set(new_weights);  // five floats, in the order of local_ops_setup::op_names
///
/// Unverified (METHODS §8.1 marks the mechanism "[recall, low confidence]"): the pool of
/// operations (the paper's may include cut-and-paste style changes), every operation's
/// range (the defaults of each transform here are choices: blur σ U[1, 3] px, noise σ
/// U[0.02, 0.1], colour jitter 0.4/0.4/0.4/0.1 as SimCLR's at strength 0.5, rotation
/// 15°–90° either way, elastic α U[1, 4] px on an 8-px grid), the box size rule (taken from
/// CutPaste), and the weighting rule (left to the host). `{.region = local_region::mask}`
/// takes the region from a mask transform placed before it instead of the box. The preset
/// always sets `work_in_float` (its five operations give the same bytes either way).
[[nodiscard]] inline local_ops_setup local_ops_preset(local_region_settings settings = {}) {
    settings.work_in_float = true;  // the same bytes for these five operations, and no allocation once warm
    auto augmentation = local_ops(settings, gaussian_blur{}, gaussian_noise{},
                                  colour_jitter({.brightness = 0.4f, .contrast = 0.4f, .saturation = 0.4f, .hue = 0.1f}),
                                  rotate_content{}, elastic_deform{});
    auto weights = augmentation.op().weights();
    return {std::move(augmentation), std::move(weights)};
}

}  // namespace ias
