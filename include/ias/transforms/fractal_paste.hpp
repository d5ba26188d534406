// SPDX-License-Identifier: MIT
// fractal_paste: FractalAD's anomaly generation (FAG), a jittered, flipped and rotated patch of the image pasted back through a random IFS fractal.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "../core/concepts.hpp"
#include "../core/configured.hpp"
#include "../core/error.hpp"
#include "../core/image.hpp"
#include "../core/sample.hpp"
#include "../fn/blend.hpp"
#include "../fn/morphology.hpp"
#include "../fn/shapes.hpp"
#include "../fn/warp.hpp"
#include "colour_jitter.hpp"
#include "float_pixels.hpp"
#include "shape_masks.hpp"

namespace ias {

namespace detail::fractal_paste {

/// The number of foreground pixels (> 0.5) of `fg`, which must be one channel of W × H;
/// throws ias::error otherwise.
inline std::size_t count_foreground(const image<float>& fg, int W, int H) {
    if (fg.width() != W || fg.height() != H || fg.channels() != 1)
        throw error("ias::fractal_paste: the foreground is " + std::to_string(fg.width()) + "x" + std::to_string(fg.height()) + "x" +
                    std::to_string(fg.channels()) + ", but it must be one channel of the image's size " + std::to_string(W) + "x" +
                    std::to_string(H));
    std::size_t n = 0;
    for (std::size_t i = 0; i < fg.size(); ++i) n += fg.data()[i] > 0.5f ? 1 : 0;
    return n;
}

/// The pixel (x, y) of the k-th foreground pixel (> 0.5) of `fg` in row-major order; k must
/// be below `count_foreground`.
inline std::array<int, 2> nth_foreground(const image<float>& fg, std::size_t k) noexcept {
    for (std::size_t i = 0; i < fg.size(); ++i)
        if (fg.data()[i] > 0.5f && k-- == 0) return {int(i % std::size_t(fg.width())), int(i / std::size_t(fg.width()))};
    return {0, 0};
}

/// True when `p` changes nothing (the identity jitter).
inline bool is_identity(const colour_jitter::params_type& p) noexcept {
    return p.brightness == 1.0f && p.contrast == 1.0f && p.saturation == 1.0f && p.hue == 0.0f;
}

/// The number of colour channels of a `channels`-channel image: 3 for RGBA (alpha is kept).
constexpr int colour_count(int channels) noexcept { return channels == 4 ? 3 : channels; }

}  // namespace detail::fractal_paste

/// The settings of `fractal_paste`.
struct fractal_paste_settings {
    range<float> size{0.1f, 0.5f};    ///< patch side, fraction of min(W, H), in [0, 1]
    range<float> region{0.1f, 0.9f};  ///< central region of source and target, fraction of each axis
    float patch_jitter = 0.2f;      ///< jitter strength of the mild patch jitter, in [0, 0.5]
    float strong_jitter = 1.0f;     ///< brightness and contrast of the strong patch jitter, in [0, 100]
    float channel_gain_max = 2.0f;  ///< channel change gains U[0, channel_gain_max), in [0, 100]
    float flip_probability = 0.5f;  ///< of each flip
    range<float> angle{15.0f, 75.0f};  ///< degrees
    int iterations = 100000;  ///< chaos-game points of the fractal (FractalAD: 100 000)
    int dilation = 3;         ///< 3×3 dilations of the footprint for the mask (FractalAD: 3)
    float noise_probability = 0.5f;
    float noise_stddev = 10.0f;   ///< grey levels of 0..255 (σ/255 on float images)
    float global_jitter = 0.05f;  ///< whole-image ColorJitter strength in [0, 0.5]; 0 = off
    bool object_aware = true;     ///< use the sample's foreground, when it has one

    static const description<fractal_paste_settings>& describe() {
        using S = fractal_paste_settings;
        static const auto d =
            description<S>()
                .field("size", &S::size, 0, 1, "patch side U[min, max], fraction of min(W, H)")
                .field("region", &S::region, 0, 1, "central region [min, max] of source and target, fraction of each axis")
                .field("patch_jitter", &S::patch_jitter, 0, 0.5, "ColorJitter strength of the mild patch jitter")
                .field("strong_jitter", &S::strong_jitter, 0, 100, "brightness and contrast of the strong patch jitter")
                .field("channel_gain_max", &S::channel_gain_max, 0, 100, "channel change gains U[0, channel_gain_max)")
                .field("flip_probability", &S::flip_probability, 0, 1, "probability of each flip of the patch")
                .field("angle", &S::angle, -3600, 3600, "patch rotation U[min, max], degrees counter-clockwise")
                .field("iterations", &S::iterations, 0, 10000000, "chaos-game points of the fractal (FractalAD: 100000)")
                .field("dilation", &S::dilation, 0, 64, "3x3 dilations of the footprint for the mask (FractalAD: 3)")
                .field("noise_probability", &S::noise_probability, 0, 1, "of adding Gaussian noise inside the mask")
                .field("noise_stddev", &S::noise_stddev, 0, 255, "the noise's standard deviation, grey levels of 0..255")
                .field("global_jitter", &S::global_jitter, 0, 0.5, "whole-image ColorJitter strength; 0 = off")
                .field("object_aware", &S::object_aware, {{"true", true}, {"false", false}},
                       "place source and target on the sample's foreground, when it has one");
        return d;
    }
};

/// FractalAD's anomaly generation, FAG (Xia et al., "FractalAD", 2023; METHODS §2.10, after
/// ASBench's `Fractal_Aug.py`): a square patch of the image itself is colour-jittered,
/// flipped, rotated and pasted back elsewhere in the same image through the attractor of a
/// random affine IFS, so the anomaly is a scatter of displaced texture in a fractal shape.
///
/// Steps, each drawn in `sample_params` and recorded in `params_type`:
/// 1. side c ~ U[size.min, size.max]·min(W, H) (rounded, at least 1); the source box lies in
///    the central region [region.min, region.max] of each axis (anywhere when it does not fit);
/// 2. one of three patch jitters (`jitter_kind`), uniformly: torchvision
///    ColorJitter(`patch_jitter`) on brightness, contrast, saturation and hue;
///    ColorJitter(brightness = contrast = `strong_jitter`); or "channel change", two distinct
///    colour channels each multiplied by its own gain U[0, `channel_gain_max`) (FractalAD:
///    2·U(0, 1); we read the gains as independent), clipped to [0, 1]. The ColorJitters are
///    `colour_jitter`'s, in its fixed order of the four adjustments;
/// 3. horizontal and vertical flips (each with `flip_probability`), then a rotation by
///    U[angle.min, angle.max] degrees (counter-clockwise) about the patch centre, bilinear,
///    without expanding the canvas: the corners the turned patch leaves are transparent;
/// 4. a random 2-map affine IFS drawn as `fractal_mask` draws it, rendered c×c with
///    `fn::ifs_fractal` (`iterations` points); the paste alpha is the rotated patch's alpha
///    (fractional on its turned edges) times the fractal, and the patch is pasted through it
///    (`fn::paste`) with its top-left corner at (target_x, target_y), a box in the central
///    region (FractalAD's "patch × fractal" then paste is the same for a binary fractal);
/// 5. `sample.mask` is the paste footprint (alpha > 0) dilated `dilation` times by a 3×3
///    square, binary; `sample.label` is 1 when it is not empty;
/// 6. with `noise_probability`, Gaussian noise of standard deviation `noise_stddev` grey
///    levels is added to every colour value inside the mask. We read FractalAD's "amplitude
///    10" as σ = 10 levels of 0..255 (σ = 10/255 on float images), values clipped to
///    [0, 255] (or [0, 1]);
/// 7. ColorJitter(`global_jitter`) on all four factors, the same mild jitter FractalAD applies
///    to the whole image. FractalAD applies it to the normal images as well: a host that
///    trains on normals and anomalies should run `colour_jitter({g, g, g, g})` (g =
///    `global_jitter`) on its normal samples too, or set `global_jitter = 0` and jitter every
///    sample in a later stage.
///
/// Object-aware mode (`object_aware`, FractalAD's foreground option): when the sample has a
/// `foreground`, the source box is centred on a uniformly drawn foreground pixel (> 0.5),
/// then moved into the image, and the paste centre (target_x + c/2, target_y + c/2, integer
/// halves) is another uniformly drawn foreground pixel; the pasted patch, mask and noise
/// are then clipped to the image (not to the foreground). A foreground with no pixel above
/// 0.5 falls back to the central region. FractalAD's own foreground rule (blur, corner
/// threshold, median 5, largest contour) is close to `estimate_foreground` with
/// `fn::foreground_method::background_distance`, `median_size = 5` and
/// `largest_component_only`.
///
/// Guarantees: the pixels outside the mask keep their exact bytes until step 7 (all of them,
/// when `global_jitter` is 0); the mask contains every pixel the paste or the noise changed.
/// Supported pixels: uint8 and float (values in [0, 1]), 1, 3 or 4 channels. Grey images get
/// brightness and contrast only from the jitters, and "channel change" scales the one grey
/// channel by the first gain; the alpha of RGBA images is pasted with the patch but never
/// jittered or noised. Determinism: every random value comes from the given stream, and the
/// params record everything (the fractal and noise streams as seeds), so `ias::replay` gives
/// the same bytes. No allocation per sample once the per-thread buffers have reached their
/// sizes. Cost: 2·`iterations` IFS steps plus work proportional to c² and, for the global
/// jitter, to W·H.
struct fractal_paste : configured<fractal_paste, fractal_paste_settings> {
    static constexpr std::string_view name = "fractal_paste";
    using configured::configured;

    /// The patch jitter of step 2.
    enum class jitter_kind : int {
        mild = 0,            ///< ColorJitter(patch_jitter) on all four factors
        strong = 1,          ///< ColorJitter(brightness = contrast = strong_jitter)
        channel_change = 2,  ///< two colour channels times gains U[0, channel_gain_max)
    };


    struct params_type {
        std::array<fn::affine_map, 2> maps{};
        std::uint64_t chaos_seed = 0;  ///< of the chaos game
        int size = 0;                  ///< patch side c, pixels (0: nothing is pasted)
        int source_x = 0, source_y = 0;  ///< top-left of the source box, inside the image
        int target_x = 0, target_y = 0;  ///< top-left of the paste; may lie partly outside
        jitter_kind jitter = jitter_kind::mild;
        colour_jitter::params_type patch{};    ///< mild and strong
        std::array<int, 2> channels{0, -1};    ///< channel change: channel indices (-1: none)
        std::array<float, 2> gains{1.0f, 1.0f};
        bool flip_horizontal = false, flip_vertical = false;
        float angle = 0.0f;  ///< degrees, counter-clockwise
        bool noise = false;
        std::uint64_t noise_seed = 0;    ///< of the noise, rng_stream(noise_seed, 0)
        colour_jitter::params_type global{};  ///< the identity when global_jitter is 0

        template <class F>
        void visit_fields(F&& f) const {
            f("maps", detail::shape_masks::flatten(maps));
            f("size", size);
            f("source", std::array<int, 2>{source_x, source_y});
            f("target", std::array<int, 2>{target_x, target_y});
            f("jitter", int(jitter));
            f("patch_jitter", std::array<float, 4>{patch.brightness, patch.contrast, patch.saturation, patch.hue});
            f("channels", channels);
            f("gains", gains);
            f("flips", std::array<int, 2>{flip_horizontal ? 1 : 0, flip_vertical ? 1 : 0});
            f("angle", angle);
            f("noise", noise ? 1 : 0);
            f("global_jitter", std::array<float, 4>{global.brightness, global.contrast, global.saturation, global.hue});
        }
    };

    /// Draws the parameters for `s`: size 0 (nothing pasted) for an empty image. Throws
    /// ias::error when the sample's foreground is used and is not one channel of the image's size.
    params_type sample_params(rng_stream& rng, const sample& s) const {
        params_type p;
        const int W = s.image.width(), H = s.image.height();
        if (W < 1 || H < 1) return p;
        p.maps = detail::shape_masks::draw_fractal_maps(rng);
        p.chaos_seed = rng.next_u64();
        const int side = std::min(W, H);
        p.size = std::clamp(int(std::lround(rng.uniform(size.min, size.max) * float(side))), 1, side);
        const std::size_t on_object = object_aware && s.has_foreground() ? detail::fractal_paste::count_foreground(s.foreground, W, H) : 0;
        if (on_object > 0) {
            const auto pick = [&] { return detail::fractal_paste::nth_foreground(s.foreground, std::size_t(rng.integer(0, std::int64_t(on_object) - 1))); };
            const auto source = pick();
            p.source_x = std::clamp(source[0] - p.size / 2, 0, W - p.size);
            p.source_y = std::clamp(source[1] - p.size / 2, 0, H - p.size);
            const auto target = pick();
            p.target_x = target[0] - p.size / 2;
            p.target_y = target[1] - p.size / 2;
        } else {
            auto place = [&](int extent) {
                const int lo = int(std::ceil(region.min * float(extent))), hi = int(std::floor(region.max * float(extent))) - p.size;
                return lo <= hi ? int(rng.integer(lo, hi)) : int(rng.integer(0, extent - p.size));
            };
            p.source_x = place(W);
            p.source_y = place(H);
            p.target_x = place(W);
            p.target_y = place(H);
        }
        p.jitter = jitter_kind(rng.integer(0, 2));
        switch (p.jitter) {
            case jitter_kind::mild: p.patch = colour_jitter::draw(rng, {patch_jitter, patch_jitter, patch_jitter, patch_jitter}); break;
            case jitter_kind::strong: p.patch = colour_jitter::draw(rng, {strong_jitter, strong_jitter, 0.0f, 0.0f}); break;
            case jitter_kind::channel_change: {
                const int n = detail::fractal_paste::colour_count(s.image.channels());
                p.channels[0] = int(rng.integer(0, n - 1));
                if (n > 1) {
                    const int other = int(rng.integer(0, n - 2));
                    p.channels[1] = other >= p.channels[0] ? other + 1 : other;
                }
                p.gains[0] = rng.uniform(0.0f, channel_gain_max);
                p.gains[1] = rng.uniform(0.0f, channel_gain_max);
                break;
            }
        }
        p.flip_horizontal = rng.bernoulli(flip_probability);
        p.flip_vertical = rng.bernoulli(flip_probability);
        p.angle = rng.uniform(angle.min, angle.max);
        p.noise = rng.bernoulli(noise_probability);
        p.noise_seed = rng.next_u64();
        if (global_jitter > 0.0f) p.global = colour_jitter::draw(rng, {global_jitter, global_jitter, global_jitter, global_jitter});
        return p;
    }

    /// Pastes, masks, adds noise and jitters by `p`. A source box that does not lie in the
    /// image (params replayed on another size) pastes nothing; the global jitter still applies.
    void apply(sample& s, const params_type& p) const {
        if (s.image.empty()) return;
        const int W = s.image.width(), H = s.image.height(), C = s.image.channels();
        s.mask.resize(W, H, 1, 0.0f);
        const int c = p.size;
        if (c > 0 && p.source_x >= 0 && p.source_y >= 0 && p.source_x <= W - c && p.source_y <= H - c) {
            paste_patch(s, p);
            const int r = dilation;
            const int x0 = std::max(0, p.target_x - r), y0 = std::max(0, p.target_y - r);
            const int x1 = std::min(W, p.target_x + c + r), y1 = std::min(H, p.target_y + c + r);
            if (x0 < x1 && y0 < y1) {
                if (r > 0) {
                    thread_local image<float> scratch;  // per-thread scratch
                    const auto region = s.mask.view().crop(x0, y0, x1 - x0, y1 - y0);
                    fn::dilate(region, region, {fn::kernel_shape::square, 2 * r + 1}, scratch);
                }
                if (p.noise && noise_stddev > 0.0f) add_noise(s, p, x0, y0, x1, y1, detail::fractal_paste::colour_count(C));
            }
        }
        s.label = any_positive(s.mask) ? 1 : 0;
        if (!detail::fractal_paste::is_identity(p.global))
            detail::edit_as_float(s, [&](image<float>& pixels) { colour_jitter::apply_to(pixels.view(), p.global); });
    }


private:
    /// Steps 1–5 up to the undilated mask: cuts, jitters, flips and rotates the patch, renders
    /// the fractal, pastes through rotated alpha × fractal, and marks the footprint in the mask.
    void paste_patch(sample& s, const params_type& p) const {
        const int c = p.size, C = s.image.channels();
        // Per-thread scratch: the patch, its rotation, the all-one alpha and its rotation, the fractal.
        thread_local image<float> patch, turned, ones, alpha, fractal;
        patch.ensure_size(c, c, C);
        s.image.visit([&](auto im) {
            using T = typename decltype(im)::value_type;
            const auto src = im.crop(p.source_x, p.source_y, c, c);
            const auto dst = patch.view();
            for (int y = 0; y < c; ++y)
                for (int x = 0; x < c; ++x)
                    for (int k = 0; k < C; ++k) {
                        if constexpr (std::is_same_v<T, float>) dst(x, y, k) = src(x, y, k);
                        else dst(x, y, k) = float(src(x, y, k)) * (1.0f / 255.0f);
                    }
        });
        jitter_patch(patch.view(), p);
        if (p.flip_horizontal) fn::flip_horizontal(patch.view());
        if (p.flip_vertical) fn::flip_vertical(patch.view());
        const float radians = p.angle * (std::numbers::pi_v<float> / 180.0f);
        turned.ensure_size(c, c, C);
        fn::rotate(std::as_const(patch).view(), turned.view(), radians, 0.0f);
        ones.resize(c, c, 1, 1.0f);
        alpha.ensure_size(c, c, 1);
        fn::rotate(std::as_const(ones).view(), alpha.view(), radians, 0.0f);
        fractal.resize(c, c, 1, 0.0f);
        fn::ifs_fractal(fractal.view(), p.maps, iterations, p.chaos_seed);
        for (int y = 0; y < c; ++y)
            for (int x = 0; x < c; ++x) {
                float& a = alpha(x, y);
                // The rotation with fill 0 weights only the taps inside the patch, so dividing
                // by the rotated alpha (their total weight) gives the patch colour without the
                // dark fringe of the fill (un-premultiplying).
                if (a > 0.0f && a < 1.0f)
                    for (int k = 0; k < C; ++k) turned(x, y, k) /= a;
                a = fractal(x, y) > 0.0f ? std::clamp(a, 0.0f, 1.0f) : 0.0f;
            }
        s.image.visit([&](auto im) { fn::paste(im, std::as_const(turned).view(), std::as_const(alpha).view(), p.target_x, p.target_y); });
        const auto m = s.mask.view();
        const int i0 = std::max(0, -p.target_x), i1 = std::min(c, m.width() - p.target_x);
        const int j0 = std::max(0, -p.target_y), j1 = std::min(c, m.height() - p.target_y);
        for (int j = j0; j < j1; ++j)
            for (int i = i0; i < i1; ++i)
                if (alpha(i, j) > 0.0f) m(p.target_x + i, p.target_y + j) = 1.0f;
    }

    /// Step 2 on the float patch.
    static void jitter_patch(image_view<float> v, const params_type& p) {
        if (p.jitter != jitter_kind::channel_change) {
            colour_jitter::apply_to(v, p.patch);
            return;
        }
        const int n = detail::fractal_paste::colour_count(v.channels());
        for (int k = 0; k < 2; ++k) {
            const int ch = p.channels[std::size_t(k)];
            if (ch < 0 || ch >= n) continue;
            const float gain = p.gains[std::size_t(k)];
            for (int y = 0; y < v.height(); ++y)
                for (int x = 0; x < v.width(); ++x) v(x, y, ch) = std::clamp(v(x, y, ch) * gain, 0.0f, 1.0f);
        }
    }

    /// Step 6: Gaussian noise on the colour values of the masked pixels of [x0, x1) × [y0, y1),
    /// from rng_stream(p.noise_seed, 0) in row-major order, colour values innermost.
    void add_noise(sample& s, const params_type& p, int x0, int y0, int x1, int y1, int colours) const {
        rng_stream noise(p.noise_seed, 0);
        const auto m = std::as_const(s.mask).view();
        s.image.visit([&](auto im) {
            using T = typename decltype(im)::value_type;
            for (int y = y0; y < y1; ++y)
                for (int x = x0; x < x1; ++x) {
                    if (!(m(x, y) > 0.0f)) continue;
                    for (int k = 0; k < colours; ++k) {
                        T& v = im(x, y, k);
                        const float n = noise.normal(0.0f, noise_stddev);
                        if constexpr (std::is_same_v<T, float>)
                            v = std::clamp(v + n * (1.0f / 255.0f), 0.0f, 1.0f);
                        else
                            v = T(std::clamp(float(v) + n, 0.0f, 255.0f) + 0.5f);
                    }
                }
        });
    }
};

}  // namespace ias
