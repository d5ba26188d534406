// SPDX-License-Identifier: MIT
// Colour operations on float images in [0, 1]: the texture augmentations of DRAEM (imgaug)
// and GLASS (torchvision), written as pure kernels.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "../core/image_view.hpp"
#include "../core/luma.hpp"
#include "../core/pixel_region.hpp"

namespace ias::fn {

// Every kernel works in place on a float view in [0, 1] with any strides, leaves values in
// [0, 1], and treats the channels it is given as colour channels: pass the first three of an
// RGBA image (`colour_channels`) to leave alpha alone. Kernels that read colour (luma, hue,
// saturation) need 1 or 3 channels and treat 1 channel as grey. Operations that the
// reference libraries define on 8-bit levels (posterize, solarize's threshold, autocontrast,
// equalize) use the levels round(255·v). Each takes the region `where` to compute (default:
// every pixel); the other pixels may be left as they were. Statistics (histograms, the mean
// grey) are always taken over the whole image.

/// The colour channels of `v`: all of them, except alpha (the fourth).
template <class T>
[[nodiscard]] image_view<T> colour_channels(image_view<T> v) noexcept {
    if (v.channels() != 4) return v;
    return image_view<T>(v.data(), v.width(), v.height(), 3, v.row_stride(), v.pixel_stride());
}

namespace detail {

/// Calls `f(values, count)` for each run of adjacent values of the pixels in `where`: whole
/// spans of a row when pixels are packed, else single pixels. Kernels that treat every value
/// alike use it so that the loops vectorise.
template <class F>
void for_each_run(image_view<float> v, const pixel_region& where, F&& f) {
    const bool packed = v.pixel_stride() == v.channels();
    const auto c = std::size_t(v.channels());
    where.for_each_span(v.width(), v.height(), [&](int y, int x0, int x1) {
        float* row = v.row(y);
        if (packed) {
            f(row + std::size_t(x0) * c, std::size_t(x1 - x0) * c);
        } else {
            for (int x = x0; x < x1; ++x) f(row + std::ptrdiff_t(x) * v.pixel_stride(), c);
        }
    });
}

// Flattened: `f` must be inlined into the pixel loop for it to vectorise, which g++ does
// not always decide on its own once the loop sits in a span callback.
template <int C, int S, class F>
[[gnu::flatten]] void for_each_pixel_of(image_view<float> v, const pixel_region& where, F& f) {
    where.for_each_span(v.width(), v.height(), [&](int y, int x0, int x1) {
        float* __restrict row = v.row(y);
        for (int x = x0; x < x1; ++x) f(row + std::ptrdiff_t(x) * S, std::integral_constant<int, C>{});
    });
}

/// Calls `f(pixel, channels)` for each pixel of `where`, with `channels` a compile-time
/// constant for the common layouts (packed grey and RGB, RGB inside RGBA), so that the
/// per-pixel loops vectorise; other layouts get it as an int.
template <class F>
void for_each_pixel(image_view<float> v, const pixel_region& where, F&& f) {
    const int c = v.channels();
    const auto s = v.pixel_stride();
    if (c == 3 && s == 3) return for_each_pixel_of<3, 3>(v, where, f);
    if (c == 3 && s == 4) return for_each_pixel_of<3, 4>(v, where, f);
    if (c == 1 && s == 1) return for_each_pixel_of<1, 1>(v, where, f);
    where.for_each_span(v.width(), v.height(), [&](int y, int x0, int x1) {
        for (int x = x0; x < x1; ++x) f(v.row(y) + std::ptrdiff_t(x) * s, c);
    });
}

/// Calls `f(r, g, b)` with references to the three colour values of each pixel of `where`;
/// a grey pixel is passed as three equal copies and keeps the first (so grey stays grey).
template <class F>
void for_each_rgb(image_view<float> v, const pixel_region& where, F&& f) {
    for_each_pixel(v, where, [&](float* p, auto channels) {
        if (channels >= 3) {
            f(p[0], p[1], p[2]);
        } else {
            float g = p[0], b = p[0];
            f(p[0], g, b);
        }
    });
}

inline float clamp01(float v) noexcept { return std::min(std::max(v, 0.0f), 1.0f); }

/// The 8-bit level round(255·v) (ties to even), clamped to [0, 255]: the float rounding of
/// adding 1.5·2^23 leaves the integer in the low mantissa bits, and the clamp is on integers.
/// g++ does not vectorise a float clamp followed by a float-to-int conversion (it keeps
/// floating-point traps exact); this form vectorises everywhere.
inline std::uint32_t level(float v) noexcept {
    const auto rounded = std::int32_t(std::bit_cast<std::uint32_t>(v * 255.0f + 12582912.0f) & 0x7FFFFFu) - 0x400000;
    return std::uint32_t(std::min(std::max(rounded, 0), 255));
}

/// 2^y for −2^31 < y <= 0, within 5e-6 relative, and 0 below 2^−126: a polynomial with
/// integer selects only, so that it vectorises.
inline float exp2_nonpositive(float y) noexcept {
    const int whole = int(y);  // truncates towards 0, so f = y - whole lies in (-1, 0]
    const float f = y - float(whole);
    // Taylor series of 2^f = e^(f ln 2) to degree 7; the remainder is below 1.4e-6 on (-1, 0],
    // where 2^f >= 0.5.
    const float t = f * 0.693147181f;
    const float p =
        1.0f + t * (1.0f + t * (0.5f + t * (1.0f / 6 + t * (1.0f / 24 + t * (1.0f / 120 + t * (1.0f / 720 + t * (1.0f / 5040)))))));
    const int biased = std::max(whole + 127, 0);  // 0: the bits of +0.0f
    return p * std::bit_cast<float>(std::uint32_t(biased) << 23);
}

/// log2(x) for normal x > 0, within 1e-6 absolute plus the float rounding of the result:
/// exponent plus 2·atanh((m−1)/(m+1))/ln 2.
inline float log2_positive(float x) noexcept {
    const auto bits = std::bit_cast<std::uint32_t>(x);
    const float exponent = float(int(bits >> 23) - 127);
    const float m = std::bit_cast<float>((bits & 0x007FFFFFu) | 0x3F800000u);  // in [1, 2)
    const float s = (m - 1.0f) / (m + 1.0f), s2 = s * s;                     // s in [0, 1/3)
    const float atanh = s * (1.0f + s2 * (1.0f / 3 + s2 * (1.0f / 5 + s2 * (1.0f / 7 + s2 * (1.0f / 9 + s2 / 11)))));
    return exponent + 2.8853900818f * atanh;  // 2 / ln 2
}

/// Value and hue of one pixel: V = max, S·V = chroma, H in [0, 6) sextants.
struct hsv {
    float h, s, v;
};
// These use selects between values computed beforehand, never arithmetic inside a select's
// arms: g++ keeps floating-point traps exact and so does not vectorise a select whose arm
// could trap (a division, even an addition).
inline hsv to_hsv(float r, float g, float b) noexcept {
    const float v = std::max(r, std::max(g, b));
    const float chroma = v - std::min(r, std::min(g, b));
    const float d = std::max(chroma, 1e-30f);  // chroma 0 makes every numerator 0 too
    const float from_r = (g - b) / d, from_g = 2.0f + (b - r) / d, from_b = 4.0f + (r - g) / d;
    const float h = v == r ? from_r : (v == g ? from_g : from_b);
    const float wrapped = h + 6.0f;
    return {h >= 0.0f ? h : wrapped, chroma / std::max(v, 1e-30f), v};
}
/// The inverse of `to_hsv`, in the branch-free form c_n = V − V·S·clamp(min(k, 4 − k), 0, 1)
/// with k = (n + H) mod 6 and n = 5, 3, 1 for r, g, b.
inline void from_hsv(hsv c, float& r, float& g, float& b) noexcept {
    auto channel = [&](float n) {
        const float k = n + c.h, wrapped = k - 6.0f;
        const float m = k >= 6.0f ? wrapped : k;
        return c.v - c.v * c.s * clamp01(std::min(m, 4.0f - m));
    };
    r = channel(5.0f);
    g = channel(3.0f);
    b = channel(1.0f);
}

using level_histograms = std::array<std::array<std::uint32_t, 256>, 4>;
using level_map = std::array<std::array<float, 256>, 4>;  ///< per channel: level -> new value in [0, 1]

/// The 8-bit levels of `v` (pixel after pixel, channel after channel) in `levels`, and the
/// per-channel histograms of them (at most 4 channels). The levels are computed in a loop
/// that vectorises; then counted, even and odd pixels into separate tables (neighbouring
/// pixels of smooth images share levels, and incrementing one counter back to back stalls).
inline void level_histograms_of(image_view<float> v, std::vector<std::uint8_t>& levels, level_histograms& histograms) {
    const int c = v.channels();
    const std::size_t row_values = std::size_t(v.width()) * std::size_t(c);
    levels.resize(row_values * std::size_t(v.height()));
    for (int y = 0; y < v.height(); ++y) {
        std::uint8_t* __restrict out = levels.data() + std::size_t(y) * row_values;
        const float* row = v.row(y);
        if (v.pixel_stride() == c) {
            for (std::size_t i = 0; i < row_values; ++i) out[i] = std::uint8_t(level(row[i]));
        } else {
            for (int x = 0; x < v.width(); ++x)
                for (int k = 0; k < c; ++k) out[std::size_t(x * c + k)] = std::uint8_t(level(row[std::ptrdiff_t(x) * v.pixel_stride() + k]));
        }
    }
    std::array<level_histograms, 2> split{};
    const std::size_t pixels = std::size_t(v.width()) * std::size_t(v.height());
    for (std::size_t i = 0; i < pixels; ++i)
        for (int k = 0; k < c; ++k) ++split[i & 1][std::size_t(k)][levels[i * std::size_t(c) + std::size_t(k)]];
    for (std::size_t k = 0; k < histograms.size(); ++k)
        for (std::size_t i = 0; i < 256; ++i) histograms[k][i] = split[0][k][i] + split[1][k][i];
}

/// Writes map[c][level] for every value of the pixels of `where`, their levels given by
/// `level_histograms_of`.
inline void map_levels(image_view<float> v, const pixel_region& where, const std::vector<std::uint8_t>& levels, const level_map& map) {
    const auto c = std::size_t(v.channels());
    where.for_each_span(v.width(), v.height(), [&](int y, int x0, int x1) {
        const std::uint8_t* l = levels.data() + (std::size_t(y) * std::size_t(v.width()) + std::size_t(x0)) * c;
        for_each_pixel(v.crop(x0, y, x1 - x0, 1), pixel_region{}, [&](float* p, auto channels) {
            for (int k = 0; k < channels; ++k) p[k] = map[std::size_t(k)][l[k]];
            l += c;
        });
    });
}
}  // namespace detail

/// v ← v^gamma[c] per channel (imgaug's GammaContrast with per_channel). gamma > 0.
inline void gamma_contrast(image_view<float> v, const std::array<float, 4>& gamma, const pixel_region& where = {}) {
    // Per value, with the channel's gamma from a row-long pattern: one flat loop that
    // vectorises without shuffling channels.
    thread_local std::vector<float> pattern;
    pattern.resize(std::size_t(v.width()) * std::size_t(v.channels()));
    for (std::size_t i = 0; i < pattern.size(); ++i) pattern[i] = gamma[i % std::size_t(v.channels())];
    const float* g = pattern.data();
    detail::for_each_run(v, where, [g](float* p, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            // The smallest normal float stands in for 0 and below (an integer max: for floats
            // >= 0 the bits order like the values, negative ones have the sign bit set).
            const float value = std::bit_cast<float>(std::max(std::bit_cast<std::int32_t>(p[i]), 0x00800000));
            p[i] = detail::clamp01(detail::exp2_nonpositive(g[i] * detail::log2_positive(value)));
        }
    });
}

/// Changes the brightness (luma) Y = 0.299 R + 0.587 G + 0.114 B to multiply·Y + add,
/// keeping the chroma: every channel moves by the same amount, as imgaug's
/// MultiplyAndAddToBrightness does in YCrCb.
inline void multiply_add_brightness(image_view<float> v, float multiply, float add, const pixel_region& where = {}) {
    detail::for_each_rgb(v, where, [=](float& r, float& g, float& b) {
        const float shift = (multiply - 1.0f) * (luma(r, g, b)) + add;
        r = detail::clamp01(r + shift);
        g = detail::clamp01(g + shift);
        b = detail::clamp01(b + shift);
    });
}

/// v ← v·factor, clipped (torchvision's adjust_brightness).
inline void scale_brightness(image_view<float> v, float factor, const pixel_region& where = {}) {
    detail::for_each_run(v, where, [&](float* p, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) p[i] = detail::clamp01(p[i] * factor);
    });
}

/// Blends with the mean grey level: v ← mean + factor·(v − mean), clipped (torchvision's
/// adjust_contrast: the mean of the image's grey version, one value for all channels).
inline void adjust_contrast(image_view<float> v, float factor, const pixel_region& where = {}) {
    double sum = 0.0;
    detail::for_each_rgb(v, pixel_region{}, [&](float& r, float& g, float& b) { sum += double(luma(r, g, b)); });
    const float mean = float(sum / double(std::max<std::size_t>(1, std::size_t(v.width()) * std::size_t(v.height()))));
    detail::for_each_run(v, where, [&](float* p, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) p[i] = detail::clamp01(mean + factor * (p[i] - mean));
    });
}

/// Blends each pixel with its grey value: c ← Y + factor·(c − Y), clipped (torchvision's
/// adjust_saturation). factor 0 gives grey.
inline void adjust_saturation(image_view<float> v, float factor, const pixel_region& where = {}) {
    detail::for_each_rgb(v, where, [=](float& r, float& g, float& b) {
        const float grey = luma(r, g, b);
        r = detail::clamp01(grey + factor * (r - grey));
        g = detail::clamp01(grey + factor * (g - grey));
        b = detail::clamp01(grey + factor * (b - grey));
    });
}

/// Replaces every channel by the grey value 0.299 R + 0.587 G + 0.114 B (torchvision's
/// rgb_to_grayscale with as many output channels as input).
inline void grayscale(image_view<float> v, const pixel_region& where = {}) {
    detail::for_each_rgb(v, where, [](float& r, float& g, float& b) { r = g = b = luma(r, g, b); });
}

/// In HSV, turns the hue by `hue_turns` of a full circle and adds `saturation_add` to the
/// saturation (clipped to [0, 1]); value is kept. imgaug's AddToHueAndSaturation adds ±50
/// on its 0..255 scales: hue_turns = saturation_add = ±50/255. torchvision's adjust_hue
/// takes hue_turns in [−0.5, 0.5]. Grey pixels have no hue and stay grey. Needs 1 or 3 channels.
inline void shift_hue_saturation(image_view<float> v, float hue_turns, float saturation_add, const pixel_region& where = {}) {
    const float shift = 6.0f * (hue_turns - std::floor(hue_turns));  // in sextants, [0, 6)
    detail::for_each_rgb(v, where, [=](float& r, float& g, float& b) {
        auto c = detail::to_hsv(r, g, b);
        const float turned = c.h + shift, wrapped = turned - 6.0f;
        const float saturated = detail::clamp01(c.s + saturation_add);
        c.h = turned >= 6.0f ? wrapped : turned;
        c.s = c.s > 0.0f ? saturated : 0.0f;  // grey stays grey
        detail::from_hsv(c, r, g, b);
    });
}

/// PIL's ImageEnhance.Sharpness: blends with the image smoothed by the 3×3 kernel
/// [1 1 1; 1 5 1; 1 1 1]/13 (border pixels are their own smoothed value), v ← s + factor·(v − s).
/// factor 1 is the identity, 0 the smoothed image, 2 sharpens. `scratch` holds a copy of the
/// image (the filter reads the original while the image is overwritten) between calls.
inline void sharpness(image_view<float> v, float factor, std::vector<float>& scratch, const pixel_region& where = {}) {
    const int w = v.width(), h = v.height(), ch = v.channels();
    if (w < 3 || h < 3) return;
    const std::size_t s = std::size_t(ch), row_values = std::size_t(w) * s;
    const bool packed = v.pixel_stride() == ch;
    scratch.resize(row_values * std::size_t(h));
    for (int y = 0; y < h; ++y) {
        float* copy = scratch.data() + std::size_t(y) * row_values;
        if (packed) {
            std::copy_n(v.row(y), row_values, copy);
            continue;
        }
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < ch; ++c) copy[std::size_t(x) * s + std::size_t(c)] = v(x, y, c);
    }
    where.for_each_span(w, h, [&](int y, int x0, int x1) {
        const int begin = std::max(x0, 1), end = std::min(x1, w - 1);  // border pixels keep their values
        if (y == 0 || y == h - 1 || begin >= end) return;
        // Locals rather than captures, so that they are not reloaded after every store.
        const std::size_t step = s;
        const float f = factor;
        const float* __restrict centre = scratch.data() + std::size_t(y) * row_values;
        const float* __restrict above = centre - row_values;
        const float* __restrict below = centre + row_values;
        auto sharpened = [=](std::size_t i) {
            const float ring = above[i - step] + above[i] + above[i + step] + centre[i - step] + centre[i + step] +
                               below[i - step] + below[i] + below[i + step];
            const float smooth = (ring + 5.0f * centre[i]) * (1.0f / 13.0f);
            return detail::clamp01(smooth + f * (centre[i] - smooth));
        };
        if (packed) {
            float* __restrict out = v.row(y);
            for (std::size_t i = std::size_t(begin) * step; i < std::size_t(end) * step; ++i) out[i] = sharpened(i);
            return;
        }
        for (int x = begin; x < end; ++x)
            for (int c = 0; c < ch; ++c) v(x, y, c) = sharpened(std::size_t(x) * step + std::size_t(c));
    });
}

/// v ← 1 − v where v ≥ threshold (imgaug's Solarize / PIL's solarize on levels: threshold in
/// [0, 1] is level/255).
inline void solarize(image_view<float> v, float threshold, const pixel_region& where = {}) {
    detail::for_each_run(v, where, [&](float* p, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            const float inverted = 1.0f - p[i];  // outside the select, so that it vectorises
            p[i] = p[i] >= threshold ? inverted : p[i];
        }
    });
}

/// Keeps the top `bits` (1..8) bits of each 8-bit level (PIL's posterize).
inline void posterize(image_view<float> v, int bits, const pixel_region& where = {}) {
    const std::uint32_t keep = 0xFFu & ~((1u << (8 - std::clamp(bits, 1, 8))) - 1u);
    detail::for_each_run(v, where, [&](float* p, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) p[i] = float(detail::level(p[i]) & keep) * (1.0f / 255.0f);
    });
}

/// v ← 1 − v.
inline void invert(image_view<float> v, const pixel_region& where = {}) {
    detail::for_each_run(v, where, [](float* p, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) p[i] = 1.0f - p[i];
    });
}

/// PIL's ImageOps.autocontrast per channel: ignores `cutoff_percent` % of the pixels at each
/// end of the level histogram, then stretches the remaining range [lo, hi] to [0, 255]
/// (a channel with lo >= hi is left as it is). torchvision's autocontrast is cutoff 0
/// (it stretches the float range exactly; on 8-bit data the two agree).
inline void autocontrast(image_view<float> v, float cutoff_percent = 0.0f, const pixel_region& where = {}) {
    thread_local std::vector<std::uint8_t> levels;
    detail::level_histograms histograms;
    detail::level_histograms_of(v, levels, histograms);
    detail::level_map map;
    const double total = double(v.width()) * double(v.height());
    const auto cut = std::uint64_t(total * double(std::clamp(cutoff_percent, 0.0f, 50.0f)) / 100.0);
    for (int c = 0; c < v.channels(); ++c) {
        const auto& hist = histograms[std::size_t(c)];
        // lo: the first level after `cut` pixels are dropped from below; hi likewise from above.
        int lo = 0, hi = 255;
        for (std::uint64_t seen = 0; lo < 255 && seen + hist[std::size_t(lo)] <= cut; ++lo) seen += hist[std::size_t(lo)];
        for (std::uint64_t seen = 0; hi > 0 && seen + hist[std::size_t(hi)] <= cut; --hi) seen += hist[std::size_t(hi)];
        const double scale = lo < hi ? 255.0 / double(hi - lo) : 1.0, offset = lo < hi ? -double(lo) * scale : 0.0;
        for (int i = 0; i < 256; ++i)
            map[std::size_t(c)][std::size_t(i)] = float(std::clamp(int(double(i) * scale + offset + 0.5), 0, 255)) / 255.0f;
    }
    detail::map_levels(v, where, levels, map);
}

/// PIL's ImageOps.equalize per channel: with the level histogram h and the last used level
/// L, step = (Σh − h[L]) / 255 (integer division), and level i maps to
/// (Σ_{j<i} h[j] + step/2) / step (clipped to 255); a channel with step 0 keeps its levels.
/// torchvision's equalize follows the same rule.
inline void equalize(image_view<float> v, const pixel_region& where = {}) {
    thread_local std::vector<std::uint8_t> levels;
    detail::level_histograms histograms;
    detail::level_histograms_of(v, levels, histograms);
    detail::level_map map;
    for (int c = 0; c < v.channels(); ++c) {
        const auto& hist = histograms[std::size_t(c)];
        std::uint64_t total = 0;
        int last = 0;
        for (int i = 0; i < 256; ++i) {
            total += hist[std::size_t(i)];
            if (hist[std::size_t(i)] != 0) last = i;
        }
        const std::uint64_t step = (total - hist[std::size_t(last)]) / 255;
        std::uint64_t below = step / 2;
        for (int i = 0; i < 256; ++i) {
            const std::uint64_t mapped = step == 0 ? std::uint64_t(i) : std::min<std::uint64_t>(below / std::max<std::uint64_t>(step, 1), 255);
            map[std::size_t(c)][std::size_t(i)] = float(mapped) / 255.0f;
            below += hist[std::size_t(i)];
        }
    }
    detail::map_levels(v, where, levels, map);
}

}  // namespace ias::fn
