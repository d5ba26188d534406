// SPDX-License-Identifier: MIT
// Mask morphology: dilate, erode, open and close with a square or disk structuring element.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>

#include "../core/image.hpp"
#include "../core/image_view.hpp"
#include "../detail/mask_rows.hpp"

namespace ias::fn {

// All functions in this header work on masks: one-channel float views, values in [0, 1]
// (binary or soft), any strides. Values must not be NaN. Every function throws
// std::invalid_argument naming the parameter when a view has more than one channel, when
// shapes differ, or when a parameter is out of range.

/// The shape of a structuring element.
enum class kernel_shape {
    square,  ///< every offset of the size × size window
    disk,    ///< offsets inside a disc of diameter `size` (see `structuring_element`)
};

/// A flat structuring element: a set of offsets in a `size` × `size` window.
///
/// Offsets (dx, dy), 0 <= dx, dy < size, map to pixel offsets (dx - size/2, dy - size/2)
/// (integer division): the anchor sits at size/2 as in OpenCV, so an even size such as
/// RealNet's 6 × 6 square reaches one pixel further up and left than down and right.
///
/// A disk of diameter d contains (dx, dy) when (dx - c)² + (dy - c)² <= r² with
/// c = (d - 1)/2 and r = d/2, evaluated exactly in integers as
/// (2dx - (d-1))² + (2dy - (d-1))² <= d². It is symmetric about its centre for every d
/// (about the anchor for odd d). Diameters 1, 2 and 3 give the full square; 5 gives rows of
/// widths 3 5 5 5 3 and 7 gives 3 5 7 7 7 5 3.
struct structuring_element {
    kernel_shape shape = kernel_shape::square;
    int size = 3;  ///< side of the square or diameter of the disk, in [1, max_structuring_element_size]
};

/// The largest structuring element size accepted (it bounds scratch memory; see `dilate`).
inline constexpr int max_structuring_element_size = 1023;

namespace detail {

/// Dilation's extreme: max, with -inf as the value of pixels outside the image.
struct morph_max {
    static constexpr float pad = -std::numeric_limits<float>::infinity();
    static float pick(float a, float b) noexcept { return a < b ? b : a; }
};
/// Erosion's extreme: min, with +inf outside the image.
struct morph_min {
    static constexpr float pad = std::numeric_limits<float>::infinity();
    static float pick(float a, float b) noexcept { return b < a ? b : a; }
};

/// dst[x] = extreme of src[x + start .. x + start + len - 1] restricted to [0, n), for x in
/// [0, n), by van Herk / Gil–Werman: the padded line is cut into blocks of `len`; a window
/// is the suffix extreme of one block and the prefix extreme of the next, so the cost is
/// three comparisons per pixel whatever `len`. `buf` holds 3 (n + len) floats; `dst` must
/// not overlap `src`. The window must contain offset 0 (start <= 0 < start + len).
template <class Op>
void morph_line(const float* src, int n, int start, int len, float* dst, float* buf) noexcept {
    if (len == 1) {
        std::copy_n(src, n, dst);
        return;
    }
    const int m = n + len - 1;
    float* p = buf;
    float* g = p + m;
    float* h = g + m;
    // p[j] = src[j + start], padded.
    const int first = std::max(0, -start), last = std::min(m, n - start);
    std::fill(p, p + first, Op::pad);
    std::copy(src + (first + start), src + (last + start), p + first);
    std::fill(p + last, p + m, Op::pad);
    for (int j0 = 0; j0 < m; j0 += len) {
        const int j1 = std::min(j0 + len, m);
        g[j0] = p[j0];
        for (int j = j0 + 1; j < j1; ++j) g[j] = Op::pick(g[j - 1], p[j]);
        h[j1 - 1] = p[j1 - 1];
        for (int j = j1 - 2; j >= j0; --j) h[j] = Op::pick(h[j + 1], p[j]);
    }
    for (int x = 0; x < n; ++x) dst[x] = Op::pick(h[x], g[x + len - 1]);
}

/// Square window: a row pass of `morph_line` into a plane of scratch, then a column pass
/// running the same block algorithm on whole rows, so the inner loops are elementwise over
/// a row and vectorise. `reflect` mirrors the window through the anchor (used by open/close).
template <class Op>
void morph_square(image_view<const float> in, image_view<float> out, int size, bool reflect, image<float>& scratch) {
    const int w = in.width(), h = in.height();
    const int start = reflect ? -(size - 1 - size / 2) : -(size / 2);
    const std::size_t plane = std::size_t(w) * std::size_t(h);
    const std::size_t line = 3 * (std::size_t(w) + std::size_t(size));
    float* t = morph_scratch(scratch, plane + line + (std::size_t(size) + 3) * std::size_t(w));
    float* lb = t + plane;
    float* hb = lb + line;  // suffix extremes of one block of rows: size rows
    float* g = hb + std::size_t(size) * std::size_t(w);
    float* pad = g + w;
    float* row = pad + w;

    for (int y = 0; y < h; ++y) {
        morph_load_row(in, y, row);
        morph_line<Op>(row, w, start, size, t + std::size_t(y) * std::size_t(w), lb);
    }
    // From here on `in` is not read, so `out` may be `in`.
    std::fill_n(pad, w, Op::pad);
    const int m = h + size - 1;  // padded rows: j holds row j + start
    auto padded = [&](int j) -> const float* {
        const int yy = j + start;
        return yy >= 0 && yy < h ? t + std::size_t(yy) * std::size_t(w) : pad;
    };
    const bool packed = out.pixel_stride() == 1;
    for (int b0 = 0; b0 < h; b0 += size) {
        const int b1 = std::min(b0 + size, m);
        float* hl = hb + std::size_t(b1 - 1 - b0) * std::size_t(w);
        std::copy_n(padded(b1 - 1), w, hl);
        for (int j = b1 - 2; j >= b0; --j) {
            float* hj = hb + std::size_t(j - b0) * std::size_t(w);
            const float* hn = hj + w;
            const float* pj = padded(j);
            for (int x = 0; x < w; ++x) hj[x] = Op::pick(hn[x], pj[x]);
        }
        morph_store_row(hb, out, b0);  // a window starting a block is the whole block
        for (int k = 1; k < size && b0 + k < h; ++k) {
            const float* pj = padded(b0 + size + k - 1);
            if (k == 1)
                std::copy_n(pj, w, g);
            else
                for (int x = 0; x < w; ++x) g[x] = Op::pick(g[x], pj[x]);
            const float* hk = hb + std::size_t(k) * std::size_t(w);
            float* dst = packed ? out.row(b0 + k) : row;
            for (int x = 0; x < w; ++x) dst[x] = Op::pick(hk[x], g[x]);
            if (!packed) morph_store_row(row, out, b0 + k);
        }
    }
}

/// Leftmost dx of row dy of a disk of diameter d (the row spans [lo, d - 1 - lo]).
inline int morph_disk_lo(int d, int dy) noexcept {
    const int e = (2 * dy - (d - 1)) * (2 * dy - (d - 1));
    int lo = 0;
    while ((2 * lo - (d - 1)) * (2 * lo - (d - 1)) + e > d * d) ++lo;
    return lo;
}

/// Disk window as per-row horizontal spans. Each input row is reduced once per distinct
/// span width (`morph_line`, O(1) per pixel) into a ring of the last d rows; an output row is
/// then the elementwise extreme of d such reduced rows. Cost per pixel: one line pass per
/// distinct width (fewer than d/2 + 1) plus d vectorised comparisons. Scratch: d × widths × W
/// floats for the ring.
template <class Op>
void morph_disk(image_view<const float> in, image_view<float> out, int d, bool reflect, image<float>& scratch) {
    const int w = in.width(), h = in.height();
    std::array<int, max_structuring_element_size> plane_of{};  // distinct-width index of row dy
    std::array<int, max_structuring_element_size> starts{}, lengths{};  // per distinct width
    int planes = 0;
    for (int dy = 0; dy < d; ++dy) {
        const int lo = morph_disk_lo(d, dy), len = d - 2 * lo;
        int k = 0;
        while (k < planes && lengths[std::size_t(k)] != len) ++k;
        if (k == planes) {
            const int s = lo - d / 2;
            starts[std::size_t(k)] = reflect ? -(s + len - 1) : s;
            lengths[std::size_t(k)] = len;
            ++planes;
        }
        plane_of[std::size_t(dy)] = k;
    }
    auto row_offset = [&](int dy) { return reflect ? d / 2 - dy : dy - d / 2; };
    const int reach_down = reflect ? d / 2 : d - 1 - d / 2;  // largest row offset

    const std::size_t ring_rows = std::size_t(d) * std::size_t(planes);
    const std::size_t line = 3 * (std::size_t(w) + std::size_t(d));
    float* ring = morph_scratch(scratch, (ring_rows + 2) * std::size_t(w) + line);
    float* row = ring + ring_rows * std::size_t(w);
    float* acc = row + w;
    float* lb = acc + w;
    auto reduced = [&](int yy, int k) {
        return ring + (std::size_t(yy % d) * std::size_t(planes) + std::size_t(k)) * std::size_t(w);
    };

    int next = 0;  // next input row to reduce; rows are read before `out` overwrites them
    const bool packed = out.pixel_stride() == 1;
    for (int y = 0; y < h; ++y) {
        for (; next < h && next <= y + reach_down; ++next) {
            morph_load_row(in, next, row);
            for (int k = 0; k < planes; ++k)
                morph_line<Op>(row, w, starts[std::size_t(k)], lengths[std::size_t(k)], reduced(next, k), lb);
        }
        float* dst = packed ? out.row(y) : acc;
        bool first = true;
        for (int dy = 0; dy < d; ++dy) {
            const int yy = y + row_offset(dy);
            if (yy < 0 || yy >= h) continue;
            const float* src = reduced(yy, plane_of[std::size_t(dy)]);
            if (first)
                std::copy_n(src, w, dst);
            else
                for (int x = 0; x < w; ++x) dst[x] = Op::pick(dst[x], src[x]);
            first = false;
        }
        if (!packed) morph_store_row(acc, out, y);
    }
}

inline void morph_check_se(const char* fn, const structuring_element& se) {
    if (se.shape != kernel_shape::square && se.shape != kernel_shape::disk)
        throw std::invalid_argument(std::string("ias::fn::") + fn + ": se.shape is " +
                                    std::to_string(int(se.shape)) + "; it must be square or disk");
    if (se.size < 1 || se.size > max_structuring_element_size)
        throw std::invalid_argument(std::string("ias::fn::") + fn + ": se.size is " + std::to_string(se.size) +
                                    "; it must be in [1, " + std::to_string(max_structuring_element_size) + "]");
}

template <class Op>
void morph_apply(const char* fn, image_view<const float> in, image_view<float> out, const structuring_element& se,
                 bool reflect, image<float>& scratch) {
    morph_check_filter(fn, in, out);
    morph_check_se(fn, se);
    if (in.empty()) return;
    // Disks of diameter 1 to 3 are squares: their first row is full.
    if (se.shape == kernel_shape::square || morph_disk_lo(se.size, 0) == 0)
        morph_square<Op>(in, out, se.size, reflect, scratch);
    else
        morph_disk<Op>(in, out, se.size, reflect, scratch);
}

}  // namespace detail

/// Grey-level dilation: out(x, y) = max of `in` over the window of `se` anchored at (x, y)
/// (pixel offsets as `structuring_element` defines them). Pixels outside the image are
/// ignored: the window is clipped to the image, never padded with a value.
///
/// `out` may be the same view as `in` (no other overlap). `scratch` is caller-owned working
/// memory: it only grows, so reusing it makes steady-state calls allocation-free; its
/// contents and shape on return are unspecified, and it must not be `in` or `out`.
///
/// Cost: squares are separable, a row pass then a column pass, each O(1) per pixel by
/// van Herk / Gil–Werman (three comparisons per pixel whatever the size); scratch W·H + (size + 6)·W + 3·size
/// floats. Disks are cut into per-row horizontal spans, each reduced by the same O(1) row
/// pass, then combined: one row pass per distinct span width (fewer than size/2 + 1) plus
/// size vectorised comparisons per pixel; scratch about (size²/2 + size + 5)·W floats.
inline void dilate(image_view<const float> in, image_view<float> out, structuring_element se, image<float>& scratch) {
    detail::morph_apply<detail::morph_max>("dilate", in, out, se, false, scratch);
}

/// `dilate` with scratch of its own: convenient, but it allocates on every call.
inline void dilate(image_view<const float> in, image_view<float> out, structuring_element se) {
    image<float> scratch;
    dilate(in, out, se, scratch);
}

/// Grey-level erosion: out(x, y) = min of `in` over the window of `se` anchored at (x, y),
/// clipped to the image. It is dual to `dilate`: erode(m) = 1 − dilate(1 − m) with the same
/// element. Aliasing, scratch and cost as for `dilate`.
inline void erode(image_view<const float> in, image_view<float> out, structuring_element se, image<float>& scratch) {
    detail::morph_apply<detail::morph_min>("erode", in, out, se, false, scratch);
}

/// `erode` with scratch of its own: convenient, but it allocates on every call.
inline void erode(image_view<const float> in, image_view<float> out, structuring_element se) {
    image<float> scratch;
    erode(in, out, se, scratch);
}

/// Morphological opening: `erode` with `se`, then dilation with `se` mirrored through its
/// anchor. For odd sizes the mirror is the element itself, so this is erode then dilate.
/// For even sizes the mirror keeps a true opening (idempotent, open(m) <= m, the border
/// clipped consistently) instead of shifting the mask by one pixel, which is what applying
/// the same anchored window twice does (OpenCV's morphologyEx). Removes bright details
/// smaller than the element. Aliasing, scratch and cost: twice `dilate`'s time, same scratch.
inline void open(image_view<const float> in, image_view<float> out, structuring_element se, image<float>& scratch) {
    detail::morph_apply<detail::morph_min>("open", in, out, se, false, scratch);
    detail::morph_apply<detail::morph_max>("open", out, out, se, true, scratch);
}

/// `open` with scratch of its own: convenient, but it allocates on every call.
inline void open(image_view<const float> in, image_view<float> out, structuring_element se) {
    image<float> scratch;
    open(in, out, se, scratch);
}

/// Morphological closing: `dilate` with `se`, then erosion with `se` mirrored through its
/// anchor (for odd sizes: dilate then erode). Idempotent, close(m) >= m; fills holes and gaps
/// smaller than the element. Aliasing, scratch and cost as for `open`.
inline void close(image_view<const float> in, image_view<float> out, structuring_element se, image<float>& scratch) {
    detail::morph_apply<detail::morph_max>("close", in, out, se, false, scratch);
    detail::morph_apply<detail::morph_min>("close", out, out, se, true, scratch);
}

/// `close` with scratch of its own: convenient, but it allocates on every call.
inline void close(image_view<const float> in, image_view<float> out, structuring_element se) {
    image<float> scratch;
    close(in, out, se, scratch);
}

}  // namespace ias::fn
