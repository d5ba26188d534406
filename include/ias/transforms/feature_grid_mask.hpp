// SPDX-License-Identifier: MIT
// feature_grid_mask: the anomaly mask on a detector's feature grid, by max-pooling the pixel mask.
#pragma once

#include <string_view>

#include "../core/concepts.hpp"
#include "../core/configured.hpp"
#include "../fn/filters.hpp"

namespace ias {

/// The settings of `feature_grid_mask`.
struct feature_grid_mask_settings {
    int stride = 8;

    static const description<feature_grid_mask_settings>& describe() {
        using S = feature_grid_mask_settings;
        static const auto d = description<S>().field("stride", &S::stride, 1, 4096, "pixels per feature cell side (GLASS: 8)");
        return d;
    }
};

/// Sets `sample.feature_mask` to the max-pool of `sample.mask` by `stride` (GLASS's m_s,
/// METHODS §2.13: a 288 × 288 image with stride 8 gives a 36 × 36 grid): a cell is anomalous
/// when any of its pixels is. The grid is ⌈W/stride⌉ × ⌈H/stride⌉, a partial cell at the
/// border counting like a whole one, so a non-empty mask always gives a non-empty grid. A
/// sample without a mask gets an all-zero grid.
struct feature_grid_mask : configured<feature_grid_mask, feature_grid_mask_settings> {
    static constexpr std::string_view name = "feature_grid_mask";
    using configured::configured;

    void operator()(sample& s, rng_stream&) const {
        s.ensure_mask();
        s.feature_mask.resize((s.mask.width() + stride - 1) / stride, (s.mask.height() + stride - 1) / stride, 1);
        fn::max_pool(s.mask.view(), s.feature_mask.view(), stride);
    }
};

}  // namespace ias
