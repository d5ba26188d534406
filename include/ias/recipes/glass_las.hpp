// SPDX-License-Identifier: MIT
// recipes::glass_las: GLASS's local anomaly synthesis, with the pixel and the feature-grid masks.
#pragma once

#include <memory>

#include "../core/any_transform.hpp"
#include "../transforms/feature_grid_mask.hpp"
#include "../transforms/perlin_mask.hpp"
#include "../transforms/texture_blend.hpp"
#include "texture_ops.hpp"

namespace ias::recipes {

/// GLASS LAS settings (METHODS §2.13), with the reference defaults.
struct glass_las_settings {
    std::shared_ptr<const texture_source> textures{};  ///< null: procedural textures
    /// 1 − β with β ~ N(0.5, 0.1²) clipped to [0.2, 0.8].
    opacity_range texture_opacity{.min = 0.2f, .max = 0.8f, .law = opacity_law::normal, .mean = 0.5f, .stddev = 0.1f};
    int texture_op_count = 3;  ///< distinct operations of GLASS's nine
    int feature_stride = 8;    ///< pixels per feature-grid cell
    /// Two Perlin masks, kept as their union, intersection or the first alone (1/3 each),
    /// redrawn until the result, clipped to the foreground, is not empty.
    perlin_mask mask{.empty_policy = empty_mask_policy::redraw, .first_only_weight = 1.0f, .union_weight = 1.0f,
                     .intersection_weight = 1.0f};
};

/// GLASS's local anomaly synthesis (Chen et al., ECCV 2024; `datasets/mvtec.py`,
/// `perlin.py`): a mask combined from two Perlin masks and clipped to the sample's
/// foreground (GLASS reads a foreground PNG per image: put it in `sample.foreground`),
/// redrawn until not empty; a texture changed by 3 of GLASS's 9 operations blended with
/// opacity 1 − β; and `sample.feature_mask`, the max-pool of the mask by 8 (GLASS's m_s).
/// Every sample is anomalous unless its foreground is empty or 100 redraws all fail. GLASS's
/// resize to 288 belongs to the data loader. Throws std::invalid_argument for bad settings.
inline dynamic_pipeline glass_las(const glass_las_settings& s = {}) {
    const texture_blend blend{.source = s.textures, .texture_opacity = s.texture_opacity,
                              .texture_ops = {glass_texture_ops(s.texture_op_count)}};
    const feature_grid_mask grid{.stride = s.feature_stride};
    s.mask.validate();
    blend.validate();
    grid.validate();
    return {s.mask, blend, grid};
}

}  // namespace ias::recipes
