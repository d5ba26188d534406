// SPDX-License-Identifier: MIT
// Bilinear resampling of an image to another size, as OpenCV's INTER_LINEAR defines it.
#pragma once

#include <algorithm>
#include <cstring>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "../core/image_view.hpp"
#include "../detail/grow.hpp"
#include "../core/pixel_region.hpp"

namespace ias::fn {

/// Reusable buffers of `resize_bilinear`: per destination value, the source offset and
/// weight; and one vertically interpolated source row.
struct resize_scratch {
    std::vector<std::int32_t> offsets;
    std::vector<float> weights;
    std::vector<float> row;
};

/// Resamples `src` (uint8 or float, any strides) into the pixels `where` of `dst` (every pixel
/// by default; float, same channel count) with
/// bilinear interpolation on pixel centres: destination pixel x samples the source at
/// (x + 0.5)·W_src/W_dst − 0.5, clamped to the border, the convention of OpenCV's
/// `cv2.resize(..., INTER_LINEAR)`, which DRAEM and its descendants use to fit textures to
/// the image. uint8 values are scaled to [0, 1]. Like OpenCV's INTER_LINEAR it does not
/// low-pass before shrinking. Each destination row first blends its two source rows, then
/// resamples that row along x with precomputed offsets: both loops vectorise (the second
/// with gathers where the machine has them). Throws std::invalid_argument for different
/// channel counts or an empty source.
template <class T>
void resize_bilinear(image_view<const T> src, image_view<float> dst, resize_scratch& scratch, const pixel_region& where = {}) {
    if (src.channels() != dst.channels())
        throw std::invalid_argument("ias::fn::resize_bilinear: source and destination have " + std::to_string(src.channels()) +
                                    " and " + std::to_string(dst.channels()) + " channels");
    if (src.empty()) throw std::invalid_argument("ias::fn::resize_bilinear: the source is empty");
    const int sw = src.width(), sh = src.height(), c = src.channels();
    const float scale = std::is_same_v<std::remove_const_t<T>, float> ? 1.0f : 1.0f / 255.0f;
    auto coordinate = [](int i, int from, int to) {
        const float s = (float(i) + 0.5f) * float(from) / float(to) - 0.5f;
        return std::clamp(s, 0.0f, float(from - 1));
    };
    const std::size_t values = std::size_t(dst.width()) * std::size_t(c);
    ias::detail::resize_grown(scratch.offsets, values);
    ias::detail::resize_grown(scratch.weights, values);
    // Two spare pixels: the right tap of the last column, and what the packed-RGB path reads past it.
    ias::detail::resize_grown(scratch.row, std::size_t(sw + 2) * std::size_t(c));
    for (int x = 0; x < dst.width(); ++x) {
        const float sx = coordinate(x, sw, dst.width());
        for (int k = 0; k < c; ++k) {
            scratch.offsets[std::size_t(x) * std::size_t(c) + std::size_t(k)] = int(sx) * c + k;
            scratch.weights[std::size_t(x) * std::size_t(c) + std::size_t(k)] = sx - float(int(sx));
        }
    }
    const std::size_t row_values = std::size_t(sw) * std::size_t(c);
    const auto cs = std::size_t(c);
    where.for_each_span(dst.width(), dst.height(), [&](int y, int x_begin, int x_end) {
        // The buffers never overlap `dst`; saying so (with pointers local to this function,
        // not reloaded after every store) lets the compiler vectorise.
        const std::int32_t* __restrict offsets = scratch.offsets.data();
        const float* __restrict weights = scratch.weights.data();
        float* __restrict row = scratch.row.data();
        const float sy = coordinate(y, sh, dst.height());
        const int y0 = int(sy), y1 = std::min(y0 + 1, sh - 1);
        const float fy = sy - float(y0);
        // The source values the span's taps read: [first, last] of the blended row.
        const auto first = std::size_t(offsets[std::size_t(x_begin) * cs]);
        const auto last = std::min(std::size_t(offsets[std::size_t(x_end) * cs - 1]) + cs, row_values - 1);
        if (src.pixel_stride() == c) {
            const T* top = src.row(y0);
            const T* bottom = src.row(y1);
            for (std::size_t i = first; i <= last; ++i) row[i] = (float(top[i]) + fy * (float(bottom[i]) - float(top[i]))) * scale;
        } else {
            for (std::size_t i = first; i <= last; ++i) {
                const int x = int(i / cs), k = int(i % cs);
                row[i] = (float(src(x, y0, k)) + fy * (float(src(x, y1, k)) - float(src(x, y0, k)))) * scale;
            }
        }
        for (int k = 0; k < c; ++k) row[row_values + std::size_t(k)] = row[row_values - cs + std::size_t(k)];
        float* __restrict out = dst.row(y);
        const std::size_t begin = std::size_t(x_begin) * cs, end = std::size_t(x_end) * cs;
        if (c == 3 && dst.pixel_stride() == 3) {
            // Packed RGB: a pixel's three values as one 4-wide operation, reading and writing
            // one value past the pixel (the compiler's SLP vectoriser makes it one vector op;
            // gathers would be slower). The last pixel of the span is left to the plain loop,
            // so that the extra write only touches a pixel that is written again afterwards.
            int x = x_begin;
            for (; x + 1 < x_end; ++x) {
                const float* left = row + offsets[3 * x];
                const float w = weights[3 * x];
                float result[4];
                for (int k = 0; k < 4; ++k) result[k] = left[k] + w * (left[3 + k] - left[k]);
                std::memcpy(out + 3 * x, result, sizeof result);
            }
            for (std::size_t i = std::size_t(x) * 3; i < end; ++i) out[i] = row[offsets[i]] + weights[i] * (row[offsets[i] + 3] - row[offsets[i]]);
        } else if (dst.pixel_stride() == c) {
            for (std::size_t i = begin; i < end; ++i) {
                const float left = row[offsets[i]], right = row[offsets[i] + c];
                out[i] = left + weights[i] * (right - left);
            }
        } else {
            for (std::size_t i = begin; i < end; ++i) {
                const float left = row[offsets[i]], right = row[offsets[i] + c];
                dst(int(i / cs), y, int(i % cs)) = left + weights[i] * (right - left);
            }
        }
    });
}

}  // namespace ias::fn
