// SPDX-License-Identifier: MIT
// Mask algebra: union, intersection, difference and product of two masks, elementwise.
#pragma once

#include "../core/image_view.hpp"
#include "../detail/mask_rows.hpp"

namespace ias::fn {

// All functions in this header work on masks: one-channel float views, values in [0, 1]
// (binary or soft), any strides. Values must not be NaN. Every function throws
// std::invalid_argument naming the parameter when a view has more than one channel, when
// shapes differ, or when a parameter is out of range.

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


}  // namespace ias::fn
