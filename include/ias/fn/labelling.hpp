// SPDX-License-Identifier: MIT
// Labelling: the connected components of a mask and their areas.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/image_view.hpp"
#include "../detail/mask_rows.hpp"

namespace ias::fn {

// All functions in this header work on masks: one-channel float views, values in [0, 1]
// (binary or soft), any strides. Values must not be NaN. Every function throws
// std::invalid_argument naming the parameter when a view has more than one channel, when
// shapes differ, or when a parameter is out of range.

/// Pixel connectivity for `connected_components`.
enum class connectivity {
    four,   ///< left, right, up, down
    eight,  ///< also the four diagonal neighbours
};

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
