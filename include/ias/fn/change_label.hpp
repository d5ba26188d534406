// SPDX-License-Identifier: MIT
// Labels from the pixels that actually changed: NSA's binary, intensity and logistic-intensity labels.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/image.hpp"
#include "../detail/grow.hpp"
#include "../core/image_view.hpp"

namespace ias::fn {

/// How a label is made from the change between the original and the synthetic image.
enum class change_label_mode {
    binary,              ///< changed pixels (NSA "binary")
    continuous,          ///< changed × a factor, e.g. FPI's 1 − α (NSA "continuous")
    intensity,           ///< changed × d, d the disk-median of the change in [0, 1] (NSA "intensity")
    logistic_intensity,  ///< changed / (1 + exp(−k·(255·d − x0))) (NSA's best, per-class k and x0)
};

/// Reusable buffers of `change_label` (one per thread).
struct change_label_scratch {
    std::vector<std::uint8_t> level;  ///< the change in 8-bit levels with a margin of 5, for the disk median
    std::vector<std::uint8_t> changed;
    std::vector<std::uint16_t> counts;  ///< 5×5 box counts of changed pixels
};

namespace detail::change_label {

/// Half-widths of the disk of radius 5 per row offset −5 .. 5 (skimage's disk(5), 81 pixels).
inline constexpr std::array<int, 11> disk5 = {0, 3, 4, 4, 4, 5, 4, 4, 4, 3, 0};

/// The median of the 81 levels of the disk of radius 5 around each pixel x in [x_begin,
/// x_end) of row y where `wanted(x)`, by Huang's sliding histogram with the median tracked
/// as it moves: each step right removes the disk's left edge (11 pixels) and adds its right
/// edge. `padded` holds the levels with a margin of 5 on every side, `stride` wide, pixel
/// (x, y) at (x + 5, y + 5).
template <class Wanted, class Out>
void disk_median_row(const std::uint8_t* padded, std::size_t stride, int y, int x_begin, int x_end, Wanted&& wanted, Out&& out) {
    std::array<std::uint16_t, 256> histogram{};
    const std::uint8_t* rows[11];
    for (int dy = -5; dy <= 5; ++dy) rows[dy + 5] = padded + std::size_t(y + 5 + dy) * stride + 5;
    for (int dy = 0; dy < 11; ++dy)
        for (int dx = -disk5[std::size_t(dy)]; dx <= disk5[std::size_t(dy)]; ++dx) ++histogram[rows[dy][x_begin + dx]];
    // The median m is the 41st smallest of 81: below counts the values < m, so below <= 40 < below + histogram[m].
    int m = 0, below = 0;
    while (below + histogram[std::size_t(m)] <= 40) below += histogram[std::size_t(m++)];
    for (int x = x_begin;; ++x) {
        if (wanted(x)) out(x, m);
        if (x + 1 >= x_end) break;
        for (int dy = 0; dy < 11; ++dy) {
            const int r = disk5[std::size_t(dy)];
            const std::uint8_t gone = rows[dy][x - r], come = rows[dy][x + 1 + r];
            --histogram[gone];
            ++histogram[come];
            below += int(come < m) - int(gone < m);
        }
        while (below > 40) below -= histogram[std::size_t(--m)];
        while (below + histogram[std::size_t(m)] <= 40) below += histogram[std::size_t(m++)];
    }
}

}  // namespace detail::change_label

/// The label of a synthetic change (NSA, Schlüter et al. ECCV 2022, METHODS §2.5 step 8),
/// written to `label` (one channel, the images' size) within the box [x0, x1) × [y0, y1);
/// the rest of `label` is left as it is. Pixels outside the box count as unchanged, so the
/// box must hold every changed pixel within 7 pixels of it, plus a margin of 2 (the whole
/// image always does; so do the boxes of separate changes 8 or more pixels apart).
///
/// changed = mean over channels of |after − before| > `tolerance` (NSA: one grey level,
/// 1/255), then a 5×5 median (a majority of the 25 pixels); the label is then, by `mode`:
/// changed; changed × `factor`; changed × d; or changed / (1 + exp(−k·(255·d − x0))), with d
/// the median over a disk of radius 5 of the mean absolute change (in [0, 1]; computed on
/// 8-bit levels, as NSA's uint8 images). A paste that changes nothing gets an empty label.
/// Both images are float in [0, 1] with the same shape. Throws std::invalid_argument when
/// the shapes or the box do not fit.
inline void change_label(image_view<const float> before, image_view<const float> after, image_view<float> label, change_label_mode mode,
                         change_label_scratch& scratch, int x0, int y0, int x1, int y1, float tolerance = 1.0f / 255.0f,
                         float factor = 1.0f, float k = 1.0f / 6.0f, float x0_level = 20.0f) {
    const int w = before.width(), h = before.height(), channels = before.channels();
    if (!same_extent(before, after) || !same_extent(before, label) || after.channels() != channels || label.channels() != 1)
        throw std::invalid_argument("ias::fn::change_label: before, after and label must have one size, label one channel and after "
                                    "the channels of before");
    x0 = std::max(x0, 0), y0 = std::max(y0, 0), x1 = std::min(x1, w), y1 = std::min(y1, h);
    if (x0 >= x1 || y0 >= y1) return;
    const int bw = x1 - x0, bh = y1 - y0;
    const std::size_t n = std::size_t(bw) * std::size_t(bh);
    ias::detail::assign_grown(scratch.changed, n, std::uint8_t(0));
    // The levels with a margin of 5: image borders replicated (scipy's `nearest`), zero
    // elsewhere outside the box, where nothing changed.
    const std::size_t stride = std::size_t(bw) + 10;
    ias::detail::assign_grown(scratch.level, stride * (std::size_t(bh) + 10), std::uint8_t(0));
    auto level_at = [&](int x, int y) -> std::uint8_t& { return scratch.level[std::size_t(y + 5) * stride + std::size_t(x + 5)]; };
    for (int y = 0; y < bh; ++y) {
        const float* a = &after(x0, y0 + y, 0);
        const float* b = &before(x0, y0 + y, 0);
        const std::ptrdiff_t ap = after.pixel_stride(), bp = before.pixel_stride();
        std::uint8_t* changed = scratch.changed.data() + std::size_t(y) * std::size_t(bw);
        std::uint8_t* level = &level_at(0, y);
        for (int x = 0; x < bw; ++x) {
            float sum = 0.0f;
            for (int c = 0; c < channels; ++c) sum += std::abs(a[x * ap + c] - b[x * bp + c]);
            const float d = sum / float(channels);
            changed[x] = d > tolerance ? 1 : 0;
            level[x] = std::uint8_t(std::min(255.0f, d * 255.0f + 0.5f));
        }
    }
    // The margin: only where the box touches the image's border is it not zero.
    for (int y = -5; y < bh + 5; ++y) {
        const bool inner_row = y >= 0 && y < bh;
        for (int x = -5; x < bw + 5; x = inner_row && x == -1 ? bw : x + 1) {
            const int cx = std::clamp(x0 + x, 0, w - 1) - x0, cy = std::clamp(y0 + y, 0, h - 1) - y0;
            if (cx != x || cy != y) level_at(x, y) = cx >= 0 && cx < bw && cy >= 0 && cy < bh ? level_at(cx, cy) : 0;
        }
    }
    // The 5×5 majority: separable box counts (zero outside the box, where nothing changed).
    ias::detail::assign_grown(scratch.counts, n, std::uint16_t(0));
    for (int y = 0; y < bh; ++y)
        for (int x = 0; x < bw; ++x) {
            int sum = 0;
            for (int dx = -2; dx <= 2; ++dx) {
                const int xx = x + dx;
                if (xx >= 0 && xx < bw) sum += scratch.changed[std::size_t(y) * std::size_t(bw) + std::size_t(xx)];
            }
            scratch.counts[std::size_t(y) * std::size_t(bw) + std::size_t(x)] = std::uint16_t(sum);
        }
    auto majority = [&](int x, int y) {
        int sum = 0;
        for (int dy = -2; dy <= 2; ++dy) {
            const int yy = y + dy;
            if (yy >= 0 && yy < bh) sum += scratch.counts[std::size_t(yy) * std::size_t(bw) + std::size_t(x)];
        }
        return sum >= 13;
    };
    std::array<float, 256> logistic{};  // the label per median level
    for (int v = 0; v < 256; ++v) logistic[std::size_t(v)] = 1.0f / (1.0f + std::exp(-k * (float(v) - x0_level)));
    for (int y = 0; y < bh; ++y) {
        int first = bw, last = -1;  // the span of changed pixels in this row
        for (int x = 0; x < bw; ++x) {
            const bool changed = majority(x, y);
            if (changed) first = std::min(first, x), last = x;
            label(x0 + x, y0 + y) = !changed ? 0.0f : mode == change_label_mode::continuous ? factor : 1.0f;
        }
        if (last < 0 || mode == change_label_mode::binary || mode == change_label_mode::continuous) continue;
        detail::change_label::disk_median_row(
            scratch.level.data(), stride, y, first, last + 1, [&](int x) { return label(x0 + x, y0 + y) > 0.0f; },
            [&](int x, int v) {
                float& out = label(x0 + x, y0 + y);
                out = mode == change_label_mode::intensity ? float(v) / 255.0f : logistic[std::size_t(v)];
            });
    }
}

}  // namespace ias::fn
