// SPDX-License-Identifier: MIT
// Mask morphology: mask algebra, dilate/erode/open/close, median, feathering, max pooling, connected components.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/image.hpp"
#include "../core/image_view.hpp"

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

/// Pixel connectivity for `connected_components`.
enum class connectivity {
    four,   ///< left, right, up, down
    eight,  ///< also the four diagonal neighbours
};

namespace detail {

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

/// out = max(a, b), elementwise: the union of two masks. `out` may be `a` or `b`.
inline void mask_union(image_view<const float> a, image_view<const float> b, image_view<float> out) {
    detail::morph_elementwise("mask_union", a, b, out, [](float u, float v) { return u < v ? v : u; });
}

/// out = min(a, b), elementwise: the intersection of two masks. `out` may be `a` or `b`.
inline void mask_intersection(image_view<const float> a, image_view<const float> b, image_view<float> out) {
    detail::morph_elementwise("mask_intersection", a, b, out, [](float u, float v) { return v < u ? v : u; });
}

/// out = a · (1 − b), elementwise: `a` with `b` removed (exact set difference for binary
/// masks). `out` may be `a` or `b`.
inline void mask_difference(image_view<const float> a, image_view<const float> b, image_view<float> out) {
    detail::morph_elementwise("mask_difference", a, b, out, [](float u, float v) { return u * (1.0f - v); });
}

/// out = a · b, elementwise: the soft intersection (equal to min for binary masks). `out`
/// may be `a` or `b`.
inline void mask_product(image_view<const float> a, image_view<const float> b, image_view<float> out) {
    detail::morph_elementwise("mask_product", a, b, out, [](float u, float v) { return u * v; });
}

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

/// Labels the connected components of a mask's foreground, the pixels whose value is
/// greater than `threshold` (NaN is background), with `c` connectivity.
///
/// `labels` (caller-owned, row-major, exactly width × height entries) receives 0 for
/// background and 1..n for the components, numbered in raster order of each component's
/// first pixel; returns n. Deterministic.
///
/// Algorithm: union-find over pixel indices stored in `labels` itself (each foreground
/// pixel points to a smaller index; the root of a component is its first pixel), with path
/// halving, then one raster pass that resolves every pixel through its already-resolved
/// parent. No allocation; near-linear cost.
inline int connected_components(image_view<const float> mask, std::span<std::int32_t> labels,
                                connectivity c = connectivity::eight, float threshold = 0.5f) {
    detail::morph_check_channels("connected_components", "mask", mask);
    if (c != connectivity::four && c != connectivity::eight)
        throw std::invalid_argument("ias::fn::connected_components: c is " + std::to_string(int(c)) +
                                    "; it must be connectivity::four or connectivity::eight");
    if (std::isnan(threshold))
        throw std::invalid_argument("ias::fn::connected_components: threshold is NaN");
    const int w = mask.width(), h = mask.height();
    const std::uint64_t n = std::uint64_t(w) * std::uint64_t(h);
    if (n >= std::uint64_t(std::numeric_limits<std::int32_t>::max()))
        throw std::invalid_argument("ias::fn::connected_components: mask is " + detail::morph_extent(w, h) +
                                    "; it must have fewer than 2^31 - 1 pixels");
    if (labels.size() != n)
        throw std::invalid_argument("ias::fn::connected_components: labels has " + std::to_string(labels.size()) +
                                    " entries; it must have width * height = " + std::to_string(n));
    // First pass: labels[p] = parent index + 1, or 0 for background.
    auto find = [&](std::int32_t p) {
        while (labels[std::size_t(p)] - 1 != p) {
            const std::int32_t parent = labels[std::size_t(p)] - 1;
            const std::int32_t grand = labels[std::size_t(parent)] - 1;
            labels[std::size_t(p)] = grand + 1;  // path halving
            p = grand;
        }
        return p;
    };
    auto unite = [&](std::int32_t p, std::int32_t q) {
        const std::int32_t rp = find(p), rq = find(q);
        if (rp < rq)
            labels[std::size_t(rq)] = rp + 1;
        else if (rq < rp)
            labels[std::size_t(rp)] = rq + 1;
    };
    const bool eight = c == connectivity::eight;
    for (int y = 0; y < h; ++y) {
        const float* row = mask.row(y);
        for (int x = 0; x < w; ++x) {
            const std::int32_t p = y * w + x;
            if (!(row[x * mask.pixel_stride()] > threshold)) {
                labels[std::size_t(p)] = 0;
                continue;
            }
            labels[std::size_t(p)] = p + 1;
            auto join = [&](std::int32_t q) {
                if (labels[std::size_t(q)] != 0) unite(p, q);
            };
            if (x > 0) join(p - 1);
            if (y > 0) {
                join(p - w);
                if (eight && x > 0) join(p - w - 1);
                if (eight && x + 1 < w) join(p - w + 1);
            }
        }
    }
    // Second pass in raster order: a root gets the next label (stored negated); any other
    // pixel points to a smaller index, which is already resolved.
    std::int32_t count = 0;
    for (std::size_t p = 0; p < labels.size(); ++p) {
        const std::int32_t v = labels[p];
        if (v == 0) continue;
        labels[p] = std::size_t(v - 1) == p ? -++count : labels[std::size_t(v - 1)];
    }
    for (auto& v : labels) v = -v;
    return count;
}

/// Pixel count of every label of a `connected_components` result into `areas`: element k is
/// the area of component k, element 0 the background; `areas` gets `count` + 1 elements (its
/// capacity is reused, so a per-thread vector stops allocating). Throws std::invalid_argument
/// when `count` < 0 or a label lies outside [0, count].
inline void component_areas(std::span<const std::int32_t> labels, int count, std::vector<std::int64_t>& areas) {
    if (count < 0)
        throw std::invalid_argument("ias::fn::component_areas: count is " + std::to_string(count) +
                                    "; it must be >= 0");
    areas.assign(std::size_t(count) + 1, 0);
    for (const std::int32_t v : labels) {
        if (v < 0 || v > count)
            throw std::invalid_argument("ias::fn::component_areas: labels holds " + std::to_string(v) +
                                        ", outside [0, count] = [0, " + std::to_string(count) + "]");
        ++areas[std::size_t(v)];
    }
}

/// `component_areas` into a new vector.
inline std::vector<std::int64_t> component_areas(std::span<const std::int32_t> labels, int count) {
    std::vector<std::int64_t> areas;
    component_areas(labels, count, areas);
    return areas;
}

}  // namespace ias::fn
