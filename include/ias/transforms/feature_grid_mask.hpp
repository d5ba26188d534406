// SPDX-License-Identifier: MIT
// feature_grid_mask: the anomaly mask on a detector's feature grid, by max-pooling the pixel mask.
#pragma once

#include <string>
#include <string_view>

#include "../core/concepts.hpp"
#include "../fn/filters.hpp"
#include "settings.hpp"

namespace ias {

/// Sets `sample.feature_mask` to the max-pool of `sample.mask` by `stride` (GLASS's m_s,
/// METHODS §2.13: a 288 × 288 image with stride 8 gives a 36 × 36 grid): a cell is anomalous
/// when any of its pixels is. The grid is ⌈W/stride⌉ × ⌈H/stride⌉, a partial cell at the
/// border counting like a whole one, so a non-empty mask always gives a non-empty grid. A
/// sample without a mask gets an all-zero grid.
struct feature_grid_mask {
    static constexpr std::string_view name = "feature_grid_mask";
    int stride = 8;

    void validate() const {
        if (stride < 1 || stride > 4096)
            detail::settings::fail(name, "stride is " + std::to_string(stride) + "; it must lie in [1, 4096]");
    }
    void operator()(sample& s, rng_stream&) const {
        validate();
        s.ensure_mask();
        s.feature_mask.resize((s.mask.width() + stride - 1) / stride, (s.mask.height() + stride - 1) / stride, 1);
        fn::max_pool(s.mask.view(), s.feature_mask.view(), stride);
    }
};

}  // namespace ias
