// SPDX-License-Identifier: MIT
// Checks and row access shared by the mask functions of fn/ (mask algebra, morphology, filters, labelling).
#pragma once

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "../core/image.hpp"
#include "../core/image_view.hpp"

namespace ias::fn::detail {

inline std::string morph_extent(int width, int height) {
    return std::to_string(width) + "x" + std::to_string(height);
}

template <class T>
void morph_check_channels(const char* fn, const char* name, image_view<T> v) {
    if (v.channels() != 1)
        throw std::invalid_argument(std::string("ias::fn::") + fn + ": " + name +
                                    " must have one channel, it has " + std::to_string(v.channels()));
}

template <class T, class U>
void morph_check_same(const char* fn, const char* name, image_view<T> v, const char* ref_name, image_view<U> ref) {
    if (!same_extent(v, ref))
        throw std::invalid_argument(std::string("ias::fn::") + fn + ": " + name + " is " +
                                    morph_extent(v.width(), v.height()) + " but " + ref_name + " is " +
                                    morph_extent(ref.width(), ref.height()) + "; the shapes must match");
}

/// Checks the one-channel `in` and `out` views of a filter and their shapes.
inline void morph_check_filter(const char* fn, image_view<const float> in, image_view<float> out) {
    morph_check_channels(fn, "in", in);
    morph_check_channels(fn, "out", out);
    morph_check_same(fn, "out", out, "in", in);
}

/// At least `n` floats of `scratch`. The image only grows (its shape is an implementation
/// detail), so a caller that reuses it stops allocating once it has seen its largest input.
inline float* morph_scratch(image<float>& scratch, std::size_t n) {
    if (scratch.size() < n) {
        constexpr std::size_t row = std::size_t{1} << 16;
        if (n <= row)
            scratch.resize(int(n), 1, 1);
        else
            scratch.resize(int(row), int((n + row - 1) / row), 1);
    }
    return scratch.data();
}

inline void morph_load_row(image_view<const float> v, int y, float* dst) noexcept {
    const float* src = v.row(y);
    const std::ptrdiff_t step = v.pixel_stride();
    if (step == 1)
        std::copy_n(src, v.width(), dst);
    else
        for (int x = 0; x < v.width(); ++x) dst[x] = src[x * step];
}

inline void morph_store_row(const float* src, image_view<float> v, int y) noexcept {
    float* dst = v.row(y);
    const std::ptrdiff_t step = v.pixel_stride();
    if (step == 1)
        std::copy_n(src, v.width(), dst);
    else
        for (int x = 0; x < v.width(); ++x) dst[x * step] = src[x];
}

/// Copies `in` to `out` row by row (they may be the same view).
inline void morph_copy(image_view<const float> in, image_view<float> out) noexcept {
    if (in.data() == out.data() && in.row_stride() == out.row_stride() && in.pixel_stride() == out.pixel_stride())
        return;
    for (int y = 0; y < in.height(); ++y) {
        const float* src = in.row(y);
        float* dst = out.row(y);
        for (int x = 0; x < in.width(); ++x) dst[x * out.pixel_stride()] = src[x * in.pixel_stride()];
    }
}

template <class F>
void morph_elementwise(const char* fn, image_view<const float> a, image_view<const float> b, image_view<float> out, F f) {
    morph_check_channels(fn, "a", a);
    morph_check_channels(fn, "b", b);
    morph_check_channels(fn, "out", out);
    morph_check_same(fn, "b", b, "a", a);
    morph_check_same(fn, "out", out, "a", a);
    const bool packed = a.pixel_stride() == 1 && b.pixel_stride() == 1 && out.pixel_stride() == 1;
    for (int y = 0; y < a.height(); ++y) {
        const float* ra = a.row(y);
        const float* rb = b.row(y);
        float* ro = out.row(y);
        if (packed) {
            for (int x = 0; x < a.width(); ++x) ro[x] = f(ra[x], rb[x]);
        } else {
            for (int x = 0; x < a.width(); ++x)
                ro[x * out.pixel_stride()] = f(ra[x * a.pixel_stride()], rb[x * b.pixel_stride()]);
        }
    }
}

}  // namespace ias::fn::detail
