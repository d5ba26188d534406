// SPDX-License-Identifier: MIT
// recipes::glass_las: GLASS's local anomaly synthesis, with the pixel and the feature-grid masks.
#pragma once

#include <memory>

#include "../core/any_transform.hpp"
#include "../transforms/feature_grid_mask.hpp"
#include "../core/describe.hpp"
#include "perlin_blend.hpp"
#include "texture_ops.hpp"

namespace ias::recipes {

/// GLASS LAS settings (METHODS §2.13), with the reference defaults.
struct glass_las_settings {
    std::shared_ptr<const texture_source> textures{};  ///< null: procedural textures
    /// 1 − β with β ~ N(0.5, 0.1²) clipped to [0.2, 0.8].
    range<float> texture_opacity{0.2f, 0.8f};
    float texture_opacity_mean = 0.5f;
    float texture_opacity_stddev = 0.1f;
    int texture_op_count = 3;
    int feature_stride = 8;
    /// Two such Perlin masks, kept as their union, intersection or the first alone (1/3
    /// each), redrawn until the result, clipped to the foreground, is not empty.
    draem_mask_settings mask{};

    static const description<glass_las_settings>& describe() {
        static const auto d =
            description<glass_las_settings>()
                .field("texture_opacity", &glass_las_settings::texture_opacity, 0, 1,
                       "the texture's weight o in the blend I + o*M*(T - I), N(mean, stddev^2) clipped to this range")
                .field("texture_opacity_mean", &glass_las_settings::texture_opacity_mean, 0, 1, "mean of the opacity's normal law")
                .field("texture_opacity_stddev", &glass_las_settings::texture_opacity_stddev, 0, 1,
                       "standard deviation of the opacity's normal law")
                .field("texture_op_count", &glass_las_settings::texture_op_count, 0, 9,
                       "distinct operations of GLASS's nine applied to the texture")
                .field("feature_stride", &glass_las_settings::feature_stride, 1, 64, "pixels per cell of the feature-grid mask")
                .include("mask_", &glass_las_settings::mask);
        return d;
    }
};

/// GLASS's local anomaly synthesis (Chen et al., ECCV 2024; `datasets/mvtec.py`,
/// `perlin.py`): a mask combined from two Perlin masks and clipped to the sample's
/// foreground (GLASS reads a foreground PNG per image: put it in `sample.foreground`),
/// redrawn until not empty; a texture changed by 3 of GLASS's 9 operations blended with
/// opacity 1 − β; and `sample.feature_mask`, the max-pool of the mask by 8 (GLASS's m_s).
/// Every sample is anomalous unless its foreground is empty or 100 redraws all fail. GLASS's
/// resize to 288 belongs to the data loader. Throws std::invalid_argument for bad settings.
inline dynamic_pipeline glass_las(const glass_las_settings& s = {}) {
    validate(s, "ias::recipes::glass_las");
    const texture_blend blend({.source = s.textures,
                               .texture_opacity = s.texture_opacity,
                               .texture_opacity_law = opacity_law::normal,
                               .texture_opacity_mean = s.texture_opacity_mean,
                               .texture_opacity_stddev = s.texture_opacity_stddev,
                               .texture_ops = {glass_texture_ops(s.texture_op_count)}});
    const feature_grid_mask grid({.stride = s.feature_stride});
    perlin_mask_settings mask = s.mask.transform_settings();
    mask.empty_policy = empty_mask_policy::redraw;
    mask.union_weight = mask.intersection_weight = 1.0f;
    return {perlin_mask(mask), blend, grid};
}

}  // namespace ias::recipes
