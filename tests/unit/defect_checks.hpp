// SPDX-License-Identifier: MIT
// Scenes and checks shared by the procedural defect tests.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include <ias/core/image.hpp>
#include <ias/fn/labelling.hpp>

namespace ias_test {

/// A one-channel foreground of a w × h image holding a disk of radius r at the image's centre.
inline ias::image<float> disk_foreground(int w, int h, float r) {
    ias::image<float> fg(w, h, 1, 0.0f);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            fg(x, y) = std::hypot(float(x) + 0.5f - 0.5f * float(w), float(y) + 0.5f - 0.5f * float(h)) < r ? 1.0f : 0.0f;
    return fg;
}

/// Whether some channel of pixel (x, y) differs between `a` and `b`.
inline bool pixel_changed(const ias::image<float>& a, const ias::image<float>& b, int x, int y) {
    for (int c = 0; c < a.channels(); ++c)
        if (a(x, y, c) != b(x, y, c)) return true;
    return false;
}

/// Whether the mask is positive exactly where some channel of `after` differs from `before`.
inline bool mask_matches_change(const ias::image<float>& before, const ias::image<float>& after, const ias::image<float>& mask) {
    for (int y = 0; y < after.height(); ++y)
        for (int x = 0; x < after.width(); ++x)
            if ((mask(x, y) > 0.0f) != pixel_changed(before, after, x, y)) return false;
    return true;
}

/// The number of 8-connected components of the pixels where mask > threshold.
inline int components_above(const ias::image<float>& mask, float threshold) {
    std::vector<std::int32_t> labels(mask.size());
    return ias::fn::connected_components(mask.view(), labels, ias::fn::connectivity::eight, threshold);
}

}  // namespace ias_test
