// SPDX-License-Identifier: MIT
// Mask filters: the median, the Gaussian feather (the one Gaussian blur of masks) and max pooling.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/image.hpp"
#include "../core/image_view.hpp"
#include "../detail/mask_rows.hpp"
#include "morphology.hpp"  // max_structuring_element_size

namespace ias::fn {

// All functions in this header work on masks: one-channel float views, values in [0, 1]
// (binary or soft), any strides. Values must not be NaN. Every function throws
// std::invalid_argument naming the parameter when a view has more than one channel, when
// shapes differ, or when a parameter is out of range.

/// Median filter: out(x, y) = median of the pixels of the `size` × `size` window centred on
/// (x, y) that lie inside the image (clipped at the border, no padding). Where the clipped
/// window holds an even number n of pixels the lower median is taken: the value of rank
/// (n − 1)/2, counting from 0, in ascending order, so the result is always one of the
/// input values (a 5 × 5 median of 0/1 labels stays 0/1).
///
/// `size` is odd, in [1, 1023]. `out` may be the same view as `in`. Scratch: W·H +
/// max(size², W + 1) + 2W floats, grown only. Cost: when every value is 0 or 1 (labels),
/// O(1) per pixel from box counts; otherwise O(size²) per pixel (a selection in the
/// gathered window).
inline void median_filter(image_view<const float> in, image_view<float> out, int size, image<float>& scratch) {
    detail::morph_check_filter("median_filter", in, out);
    if (size < 1 || size > max_structuring_element_size || size % 2 == 0)
        throw std::invalid_argument("ias::fn::median_filter: size is " + std::to_string(size) +
                                    "; it must be odd and in [1, " +
                                    std::to_string(max_structuring_element_size) + "]");
    if (in.empty()) return;
    if (size == 1) {
        detail::morph_copy(in, out);
        return;
    }
    const int w = in.width(), h = in.height(), r = size / 2;
    const std::size_t plane = std::size_t(w) * std::size_t(h);
    const std::size_t gather = std::max(std::size_t(size) * std::size_t(size), std::size_t(w) + 1);
    float* t = detail::morph_scratch(scratch, plane + gather + 2 * std::size_t(w));
    float* window = t + plane;
    float* row = window + gather;
    float* column = row + w;
    bool binary = true;
    for (int y = 0; y < h; ++y) {
        float* ty = t + std::size_t(y) * std::size_t(w);
        detail::morph_load_row(in, y, ty);
        for (int x = 0; x < w; ++x) binary = binary && (ty[x] == 0.0f || ty[x] == 1.0f);
    }
    if (binary) {
        // 0/1 masks (labels): the lower median of n values holding k ones is 1 exactly when
        // k >= n - (n-1)/2, so box counts (exact integers in float) give it in O(1) per pixel.
        for (int y = 0; y < h; ++y) {
            float* ty = t + std::size_t(y) * std::size_t(w);
            window[0] = 0.0f;
            for (int x = 0; x < w; ++x) window[x + 1] = window[x] + ty[x];
            for (int x = 0; x < w; ++x) ty[x] = window[std::min(w, x + r + 1)] - window[std::max(0, x - r)];
        }
        std::fill_n(column, w, 0.0f);
        for (int yy = 0; yy < std::min(h, r); ++yy)
            for (int x = 0; x < w; ++x) column[x] += t[std::size_t(yy) * std::size_t(w) + std::size_t(x)];
        for (int y = 0; y < h; ++y) {
            if (y + r < h)
                for (int x = 0; x < w; ++x) column[x] += t[std::size_t(y + r) * std::size_t(w) + std::size_t(x)];
            if (y - r - 1 >= 0)
                for (int x = 0; x < w; ++x) column[x] -= t[std::size_t(y - r - 1) * std::size_t(w) + std::size_t(x)];
            const int rows = std::min(h - 1, y + r) - std::max(0, y - r) + 1;
            for (int x = 0; x < w; ++x) {
                const int n = rows * (std::min(w - 1, x + r) - std::max(0, x - r) + 1);
                row[x] = column[x] >= float(n - (n - 1) / 2) ? 1.0f : 0.0f;
            }
            detail::morph_store_row(row, out, y);
        }
        return;
    }
    for (int y = 0; y < h; ++y) {
        const int y0 = std::max(0, y - r), y1 = std::min(h - 1, y + r);
        for (int x = 0; x < w; ++x) {
            const int x0 = std::max(0, x - r), x1 = std::min(w - 1, x + r);
            float* end = window;
            for (int yy = y0; yy <= y1; ++yy) end = std::copy(t + std::size_t(yy) * std::size_t(w) + x0,
                                                              t + std::size_t(yy) * std::size_t(w) + x1 + 1, end);
            float* mid = window + (end - window - 1) / 2;
            std::nth_element(window, mid, end);
            row[x] = *mid;
        }
        detail::morph_store_row(row, out, y);
    }
}

/// `median_filter` with scratch of its own: convenient, but it allocates on every call.
inline void median_filter(image_view<const float> in, image_view<float> out, int size) {
    image<float> scratch;
    median_filter(in, out, size, scratch);
}

/// Feathers a mask with a separable Gaussian blur of standard deviation `sigma` pixels,
/// kernel radius ceil(3·sigma). At the border the weights are renormalised over the part of
/// the window inside the image (no padding): each output is Σ w·v / Σ w over in-image taps,
/// both sums taken in the same order, so an all-ones mask stays exactly 1 everywhere and a
/// mask in [0, 1] stays in [0, 1]. Away from the border the total mass is preserved.
///
/// `sigma` is finite and >= 0; 0 copies. `out` may be the same view as `in`. Scratch:
/// W·H + 3W + 2·radius + 1 floats. Cost: O(radius) per pixel per pass; the inner loops run
/// along rows and vectorise.
inline void gaussian_feather(image_view<const float> in, image_view<float> out, float sigma, image<float>& scratch) {
    detail::morph_check_filter("gaussian_feather", in, out);
    if (!(sigma >= 0.0f) || !std::isfinite(sigma))
        throw std::invalid_argument("ias::fn::gaussian_feather: sigma is " + std::to_string(sigma) +
                                    "; it must be finite and >= 0");
    if (in.empty()) return;
    const int w = in.width(), h = in.height();
    // Taps further than max(W, H) - 1 never touch the image, so the radius is capped there.
    const int radius = int(std::min(std::ceil(3.0 * double(sigma)), double(std::max(w, h) - 1)));
    if (sigma == 0.0f || radius == 0) {
        detail::morph_copy(in, out);
        return;
    }
    const std::size_t plane = std::size_t(w) * std::size_t(h);
    float* t = detail::morph_scratch(scratch, plane + 3 * std::size_t(w) + 2 * std::size_t(radius) + 1);
    float* den = t + plane;  // horizontal normaliser per column
    float* line = den + w;
    float* acc = line + w;
    float* weight = acc + w;  // weight[i + radius] for tap i
    for (int i = -radius; i <= radius; ++i)
        weight[i + radius] = float(std::exp(-double(i) * double(i) / (2.0 * double(sigma) * double(sigma))));

    // Taps in increasing i, both for the value and for the normaliser.
    std::fill_n(den, w, 0.0f);
    for (int i = -radius; i <= radius; ++i) {
        const float wi = weight[i + radius];
        for (int x = std::max(0, -i); x < std::min(w, w - i); ++x) den[x] += wi;
    }
    for (int y = 0; y < h; ++y) {
        detail::morph_load_row(in, y, line);
        std::fill_n(acc, w, 0.0f);
        for (int i = -radius; i <= radius; ++i) {
            const float wi = weight[i + radius];
            for (int x = std::max(0, -i); x < std::min(w, w - i); ++x) acc[x] += wi * line[x + i];
        }
        float* dst = t + std::size_t(y) * std::size_t(w);
        for (int x = 0; x < w; ++x) dst[x] = acc[x] / den[x];
    }
    for (int y = 0; y < h; ++y) {
        std::fill_n(acc, w, 0.0f);
        float norm = 0.0f;
        for (int i = std::max(-radius, -y); i <= std::min(radius, h - 1 - y); ++i) {
            const float wi = weight[i + radius];
            const float* src = t + std::size_t(y + i) * std::size_t(w);
            for (int x = 0; x < w; ++x) acc[x] += wi * src[x];
            norm += wi;
        }
        for (int x = 0; x < w; ++x) acc[x] /= norm;
        detail::morph_store_row(acc, out, y);
    }
}

/// `gaussian_feather` with scratch of its own: convenient, but it allocates on every call.
inline void gaussian_feather(image_view<const float> in, image_view<float> out, float sigma) {
    image<float> scratch;
    gaussian_feather(in, out, sigma, scratch);
}

/// Max pooling with a `stride` × `stride` window and the same stride: out(i, j) = max of
/// in over [i·stride, (i+1)·stride) × [j·stride, (j+1)·stride), clipped at the right and
/// bottom borders. `out` must be ceil(W/stride) × ceil(H/stride). This is GLASS's mask on
/// the feature grid: a cell is anomalous when any pixel in it is.
///
/// `stride` >= 1. `out` must not overlap `in` unless stride is 1 and they are the same view.
/// Cost: one read per input pixel; no scratch.
inline void max_pool(image_view<const float> in, image_view<float> out, int stride) {
    detail::morph_check_channels("max_pool", "in", in);
    detail::morph_check_channels("max_pool", "out", out);
    if (stride < 1)
        throw std::invalid_argument("ias::fn::max_pool: stride is " + std::to_string(stride) + "; it must be >= 1");
    const int w = in.width(), h = in.height();
    const int ow = int((std::int64_t(w) + stride - 1) / stride), oh = int((std::int64_t(h) + stride - 1) / stride);
    if (out.width() != ow || out.height() != oh)
        throw std::invalid_argument("ias::fn::max_pool: out is " + detail::morph_extent(out.width(), out.height()) +
                                    "; for a " + detail::morph_extent(w, h) + " input and stride " +
                                    std::to_string(stride) + " it must be " + detail::morph_extent(ow, oh));
    for (int j = 0; j < oh; ++j) {
        const int y0 = j * stride, y1 = std::min(h, y0 + stride);
        float* dst = out.row(j);
        for (int i = 0; i < ow; ++i) {
            const int x0 = i * stride, x1 = std::min(w, x0 + stride);
            float best = -std::numeric_limits<float>::infinity();
            for (int y = y0; y < y1; ++y) {
                const float* src = in.row(y);
                for (int x = x0; x < x1; ++x) best = std::max(best, src[x * in.pixel_stride()]);
            }
            dst[i * out.pixel_stride()] = best;
        }
    }
}

}  // namespace ias::fn
