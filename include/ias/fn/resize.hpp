// SPDX-License-Identifier: MIT
// Bilinear resampling of an image to another size, as OpenCV's INTER_LINEAR defines it.
#pragma once

#include <algorithm>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "../core/image_view.hpp"

namespace ias::fn {

/// Resamples `src` (uint8 or float, any strides) into `dst` (float, same channel count) with
/// bilinear interpolation on pixel centres: destination pixel x samples the source at
/// (x + 0.5)·W_src/W_dst − 0.5, clamped to the border, the convention of OpenCV's
/// `cv2.resize(..., INTER_LINEAR)`, which DRAEM and its descendants use to fit textures to
/// the image. uint8 values are scaled to [0, 1]. Like OpenCV's INTER_LINEAR it does not
/// low-pass before shrinking. `scratch` keeps the per-column weights between calls.
/// Throws std::invalid_argument for different channel counts or an empty source.
template <class T>
void resize_bilinear(image_view<const T> src, image_view<float> dst, std::vector<float>& scratch) {
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
    // Per destination column: left source column and weight of the right one.
    scratch.resize(2 * std::size_t(dst.width()));
    for (int x = 0; x < dst.width(); ++x) {
        const float sx = coordinate(x, sw, dst.width());
        scratch[2 * std::size_t(x)] = float(int(sx));
        scratch[2 * std::size_t(x) + 1] = sx - float(int(sx));
    }
    for (int y = 0; y < dst.height(); ++y) {
        const float sy = coordinate(y, sh, dst.height());
        const int y0 = int(sy), y1 = std::min(y0 + 1, sh - 1);
        const float fy = sy - float(y0);
        for (int x = 0; x < dst.width(); ++x) {
            const int x0 = int(scratch[2 * std::size_t(x)]), x1 = std::min(x0 + 1, sw - 1);
            const float fx = scratch[2 * std::size_t(x) + 1];
            for (int k = 0; k < c; ++k) {
                const float top = float(src(x0, y0, k)) + fx * (float(src(x1, y0, k)) - float(src(x0, y0, k)));
                const float bottom = float(src(x0, y1, k)) + fx * (float(src(x1, y1, k)) - float(src(x0, y1, k)));
                dst(x, y, k) = (top + fy * (bottom - top)) * scale;
            }
        }
    }
}

}  // namespace ias::fn
