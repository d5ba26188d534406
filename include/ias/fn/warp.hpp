// SPDX-License-Identifier: MIT
// Geometric warps: rotation about the centre (bilinear, constant fill) and flips.
#pragma once

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <cstddef>
#include <cstring>
#include <utility>

#include "../core/image_view.hpp"
#include "../core/pixel_region.hpp"

namespace ias::fn {

namespace detail {
/// Output pixels [x_begin, x_end) of one row, each sampling the source at (sx, sy) + x·(dx, dy).
/// `Interior`: every sample's four taps are known to lie inside the source; coordinates are
/// then computed in float relative to column `anchor`, the same for every span of the row,
/// so that a row computed in pieces equals the row computed whole, bit for bit.
template <bool Interior, int C>
void rotate_span(image_view<const float> src, float* out, std::ptrdiff_t out_stride, int x_begin, int x_end, int anchor,
                 double sx0, double sy0, double dx, double dy, int channels, float fill) {
    const int w = src.width(), h = src.height();
    const std::ptrdiff_t ps = src.pixel_stride(), rs = src.row_stride();
    if constexpr (C > 0) channels = C;
    out += std::ptrdiff_t(x_begin) * out_stride;
    if constexpr (Interior) {
        // Source coordinates relative to the anchor, in float: exact enough (1e-4 px over 4096
        // columns) and cheaper than double per pixel.
        const float fx = float(sx0 + dx * anchor), fy = float(sy0 + dy * anchor), fdx = float(dx), fdy = float(dy);
        const int skipped = x_begin - anchor;
        const float* __restrict base = src.data();
        float* __restrict o = out;
        const int n = x_end - x_begin;
        int i = 0;
        if constexpr (C == 3) {
            // Packed RGB, in blocks of pixels: first the taps' offsets and weights of the block
            // (a loop that vectorises), then each pixel's three channels as one 4-wide
            // operation (the compiler's SLP vectoriser makes it one vector op), reading and
            // writing one value past the pixel. The caller keeps the taps one column inside
            // the right border, and the last pixel of the span is left to the plain loop, so
            // that the extra write only touches a pixel that is written again afterwards.
            if (ps == 3 && out_stride == 3)
                while (i + 1 < n) {
                    constexpr int block = 64;
                    const int count = std::min(block, n - 1 - i);
                    std::ptrdiff_t offset[block];
                    float weight_x[block], weight_y[block];
                    for (int k = 0; k < count; ++k) {
                        const float sx = fx + fdx * float(i + k + skipped), sy = fy + fdy * float(i + k + skipped);
                        const int x0 = int(sx), y0 = int(sy);
                        weight_x[k] = sx - float(x0);
                        weight_y[k] = sy - float(y0);
                        offset[k] = std::ptrdiff_t(y0) * rs + std::ptrdiff_t(x0) * 3;
                    }
                    for (int k = 0; k < count; ++k, o += 3) {
                        const float* a = base + offset[k];
                        const float* b = a + rs;
                        const float ax = weight_x[k], ay = weight_y[k];
                        float result[4];
                        for (int c = 0; c < 4; ++c) {
                            const float top = a[c] + ax * (a[3 + c] - a[c]);
                            const float bottom = b[c] + ax * (b[3 + c] - b[c]);
                            result[c] = top + ay * (bottom - top);
                        }
                        std::memcpy(o, result, sizeof result);
                    }
                    i += count;
                }
        }
        for (; i < n; ++i, o += out_stride) {
            const float sx = fx + fdx * float(i + skipped), sy = fy + fdy * float(i + skipped);
            const int x0 = int(sx), y0 = int(sy);  // non-negative here, so truncation is floor
            const float ax = sx - float(x0), ay = sy - float(y0);
            const float* a = base + std::ptrdiff_t(y0) * rs + std::ptrdiff_t(x0) * ps;
            const float* b = a + rs;
            for (int c = 0; c < channels; ++c) {
                const float top = a[c] + ax * (a[ps + c] - a[c]);
                const float bottom = b[c] + ax * (b[ps + c] - b[c]);
                o[c] = top + ay * (bottom - top);
            }
        }
        return;
    }
    for (int x = x_begin; x < x_end; ++x, out += out_stride) {
        const float sx = float(sx0 + dx * x), sy = float(sy0 + dy * x);
        {
            const float fx0 = std::floor(sx), fy0 = std::floor(sy);
            const float ax = sx - fx0, ay = sy - fy0;
            if (!(fx0 >= -1.0f && fy0 >= -1.0f && fx0 < float(w) && fy0 < float(h))) {  // no tap inside (or NaN)
                for (int c = 0; c < channels; ++c) out[c] = fill;
                continue;
            }
            const int x0 = int(fx0), y0 = int(fy0);
            // Taps outside the image read the fill value (a constant border).
            auto tap = [&](int tx, int ty, int c) { return tx >= 0 && ty >= 0 && tx < w && ty < h ? src(tx, ty, c) : fill; };
            for (int c = 0; c < channels; ++c) {
                const float top = tap(x0, y0, c) + ax * (tap(x0 + 1, y0, c) - tap(x0, y0, c));
                const float bottom = tap(x0, y0 + 1, c) + ax * (tap(x0 + 1, y0 + 1, c) - tap(x0, y0 + 1, c));
                out[c] = top + ay * (bottom - top);
            }
        }
    }
}

/// Where output pixels of a rotation by `radians` (counter-clockwise on screen) about the
/// centre ((W−1)/2, (H−1)/2) sample the source: output (x, y) reads
/// (row_x(y) + dx·x, row_y(y) + dy·x).
struct rotation_map {
    double dx, dy, cx, cy;
    rotation_map(int width, int height, float radians) noexcept
        // The sample point is R(−angle)·(p − c) + c in y-up terms; the image's y axis points
        // down, so a counter-clockwise turn on screen is a clockwise one there.
        : dx(std::cos(double(radians))), dy(std::sin(double(radians))), cx((width - 1) / 2.0), cy((height - 1) / 2.0) {}
    [[nodiscard]] double row_x(int y) const noexcept { return -dx * cx - dy * (y - cy) + cx; }
    [[nodiscard]] double row_y(int y) const noexcept { return -dy * cx + dx * (y - cy) + cy; }
};

/// Sets pixels [x_begin, x_end) of a row to `fill`.
inline void fill_span(float* out, std::ptrdiff_t out_stride, int x_begin, int x_end, int channels, float fill) {
    for (int x = x_begin; x < x_end; ++x)
        for (int c = 0; c < channels; ++c) out[std::ptrdiff_t(x) * out_stride + c] = fill;
}

template <int C>
void rotate_rows(image_view<const float> src, image_view<float> dst, const rotation_map& map, float fill, const pixel_region& where) {
    const int w = src.width(), h = src.height();
    const int channels = src.channels();
    const auto os = dst.pixel_stride();
    where.for_each_span(w, h, [&](int y, int x_begin, int x_end) {
        const double ax = map.row_x(y), ay = map.row_y(y);
        // The interior: the x-interval where eps <= sx <= W−1−eps and eps <= sy <= H−1−eps, so
        // that all four taps are inside whatever the rounding; around it, the band where some
        // tap may be inside takes the checked path, and beyond that the pixels are fill.
        auto interval = [&](double margin_low, double margin_high) {  // where low <= s <= high on both axes
            double lo = 0.0, hi = w - 1.0;
            auto clip = [&](double a, double b, double low, double high) {
                if (high < low) {  // an axis too short for the margins (1 or 2 pixels): nothing is inside
                    lo = 1.0, hi = 0.0;
                    return;
                }
                if (std::abs(b) < 1e-12) {
                    if (a < low || a > high) lo = 1.0, hi = 0.0;
                    return;
                }
                double x1 = (low - a) / b, x2 = (high - a) / b;
                if (x1 > x2) std::swap(x1, x2);
                lo = std::max(lo, x1);
                hi = std::min(hi, x2);
            };
            // Packed RGB reads one value past the right tap: keep that tap inside the row.
            clip(ax, map.dx, margin_low, (C == 3 && margin_high < 0.0 ? w - 2.0 : w - 1.0) + margin_high);
            clip(ay, map.dy, margin_low, h - 1.0 + margin_high);
            return std::pair{lo, hi};
        };
        constexpr double eps = 1e-3;
        const auto [lo, hi] = interval(eps, -eps);
        const auto [near_lo, near_hi] = interval(-1.0 - eps, 1.0 + eps);
        const bool near_any = near_lo <= near_hi;
        const int near_first = near_any ? std::clamp(int(std::ceil(near_lo)), x_begin, x_end) : x_end;
        const int near_end = near_any ? std::clamp(int(std::floor(near_hi)) + 1, near_first, x_end) : x_end;
        const int anchor = lo <= hi ? std::clamp(int(std::ceil(lo)), 0, w) : w;
        const int first = std::clamp(anchor, near_first, near_end);
        const int end = lo <= hi ? std::clamp(int(std::floor(hi)) + 1, first, near_end) : first;
        float* out = dst.row(y);
        fill_span(out, os, x_begin, near_first, channels, fill);
        rotate_span<false, C>(src, out, os, near_first, first, anchor, ax, ay, map.dx, map.dy, channels, fill);
        rotate_span<true, C>(src, out, os, first, end, anchor, ax, ay, map.dx, map.dy, channels, fill);
        rotate_span<false, C>(src, out, os, end, near_end, anchor, ax, ay, map.dx, map.dy, channels, fill);
        fill_span(out, os, near_end, x_end, channels, fill);
    });
}
}  // namespace detail

/// Writes `src` rotated by `radians` counter-clockwise (on screen) about the image centre
/// ((W−1)/2, (H−1)/2) into the pixels `where` of `dst` (every pixel by default), which has
/// the same size, with bilinear interpolation and `fill` outside the source (with partial
/// weight on the border), as imgaug's Affine(rotate) and OpenCV's warpAffine with
/// BORDER_CONSTANT resample. `src` and `dst` must not overlap. Throws std::invalid_argument
/// when the sizes or channel counts differ.
inline void rotate(image_view<const float> src, image_view<float> dst, float radians, float fill = 0.0f, const pixel_region& where = {}) {
    if (!same_extent(src, dst) || src.channels() != dst.channels())
        throw std::invalid_argument("ias::fn::rotate: the source is " + std::to_string(src.width()) + "x" +
                                    std::to_string(src.height()) + "x" + std::to_string(src.channels()) +
                                    " but the destination is " + std::to_string(dst.width()) + "x" +
                                    std::to_string(dst.height()) + "x" + std::to_string(dst.channels()));
    const detail::rotation_map map(src.width(), src.height(), radians);
    switch (src.channels()) {
        case 1: detail::rotate_rows<1>(src, dst, map, fill, where); break;
        case 3: detail::rotate_rows<3>(src, dst, map, fill, where); break;
        default: detail::rotate_rows<0>(src, dst, map, fill, where); break;
    }
}

/// The source pixels that `rotate(src, dst, radians, fill, where)` reads for a
/// `width` × `height` image, written to `read`: the bilinear taps of every pixel of `where`
/// (with a margin for rounding), or every pixel when `where` is everywhere.
inline void rotation_source_region(const pixel_region& where, int width, int height, float radians, pixel_region& read) {
    if (where.everywhere()) {
        read.set_everywhere();
        return;
    }
    read.clear(width, height);
    const detail::rotation_map map(width, height, radians);
    where.for_each_span(width, height, [&](int y, int x_begin, int x_end) {
        const double ax = map.row_x(y), ay = map.row_y(y);
        // Pieces of a chunk's width: their sample points lie on a segment, whose bounding box
        // (widened by the bilinear taps and a margin for the kernel's float rounding) is added.
        for (int x0 = x_begin; x0 < x_end; x0 += pixel_region::chunk) {
            const int x1 = std::min(x0 + pixel_region::chunk, x_end) - 1;
            const double sx0 = ax + map.dx * x0, sx1 = ax + map.dx * x1, sy0 = ay + map.dy * x0, sy1 = ay + map.dy * x1;
            constexpr double margin = 1e-2;
            const int left = int(std::floor(std::min(sx0, sx1) - margin)), right = int(std::floor(std::max(sx0, sx1) + margin)) + 1;
            const int top = int(std::floor(std::min(sy0, sy1) - margin)), bottom = int(std::floor(std::max(sy0, sy1) + margin)) + 1;
            for (int ty = top; ty <= bottom; ++ty) read.add_span(ty, left, right + 1);
        }
    });
}

namespace detail {
template <int C, class T>  // C = 0: the view's channel count, at run time
void flip_rows(image_view<T> v) {
    const auto step = v.pixel_stride();
    const int channels = C > 0 ? C : v.channels();
    for (int y = 0; y < v.height(); ++y) {
        T* row = v.row(y);
        for (int x = 0, mirror = v.width() - 1; x < mirror; ++x, --mirror)
            for (int c = 0; c < channels; ++c) std::swap(row[std::ptrdiff_t(x) * step + c], row[std::ptrdiff_t(mirror) * step + c]);
    }
}
}  // namespace detail

/// Mirrors `v` left to right, in place.
template <class T>
void flip_horizontal(image_view<T> v) {
    switch (v.channels()) {
        case 1: return detail::flip_rows<1>(v);
        case 3: return detail::flip_rows<3>(v);
        default: return detail::flip_rows<0>(v);
    }
}

/// Mirrors `v` top to bottom, in place.
template <class T>
void flip_vertical(image_view<T> v) {
    for (int y = 0, mirror = v.height() - 1; y < mirror; ++y, --mirror) {
        if (v.pixel_stride() == v.channels()) {
            std::swap_ranges(v.row(y), v.row(y) + std::size_t(v.width()) * std::size_t(v.channels()), v.row(mirror));
            continue;
        }
        for (int x = 0; x < v.width(); ++x)
            for (int c = 0; c < v.channels(); ++c) std::swap(v(x, y, c), v(x, mirror, c));
    }
}

}  // namespace ias::fn
