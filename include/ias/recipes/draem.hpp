// SPDX-License-Identifier: MIT
// recipes::draem and recipes::destseg: a texture blended through a Perlin mask.
#pragma once

#include <memory>

#include "../core/any_transform.hpp"
#include "../core/compose.hpp"
#include "../core/pipeline.hpp"
#include "../transforms/geometry_ops.hpp"
#include "../transforms/perlin_mask.hpp"
#include "../transforms/texture_blend.hpp"
#include "texture_ops.hpp"

namespace ias::recipes {

/// DRAEM's settings (METHODS §2.2), with the reference defaults.
struct draem_settings {
    std::shared_ptr<const texture_source> textures{};  ///< the anomaly sources (DTD); null: procedural textures
    float anomaly_probability = 0.5f;   ///< the other samples keep their image and an empty mask
    float rotation_probability = 0.3f;  ///< of rotating the whole normal image first
    float rotation_max = 90.0f;         ///< degrees: the angle is U[−max, max]
    opacity_range texture_opacity{};    ///< 1 − β with β ~ U[0, 0.8): (0.2, 1]
    int texture_op_count = 3;           ///< distinct operations of DRAEM's ten
    perlin_mask mask{};                 ///< DRAEM's: scales 2^{0..5}, rotation ±90°, threshold 0.5
};

/// DRAEM (Zavrtanik et al., ICCV 2021; `data_loader.py`): with probability 0.3 the normal
/// image is rotated by U[−90°, 90°]; then, for half of the samples, a Perlin mask (clipped
/// to the sample's foreground when it has one) and a texture from `textures`, changed by 3 of
/// DRAEM's 10 operations, blended in with opacity (0.2, 1]. The other half stay normal, as do
/// the samples whose mask comes out empty (about 5%). Throws std::invalid_argument for
/// settings out of range.
inline dynamic_pipeline draem(const draem_settings& s = {}) {
    const rotate whole_image{.angle_min = -s.rotation_max, .angle_max = s.rotation_max};
    const texture_blend blend{.source = s.textures, .texture_opacity = s.texture_opacity,
                              .texture_ops = {draem_texture_ops(s.texture_op_count)}};
    detail::settings::check_value("recipes::draem", "anomaly_probability", s.anomaly_probability, 0.0f, 1.0f);
    detail::settings::check_value("recipes::draem", "rotation_probability", s.rotation_probability, 0.0f, 1.0f);
    detail::settings::check_value("recipes::draem", "rotation_max", s.rotation_max, 0.0f, 180.0f);
    s.mask.validate();
    blend.validate();
    return {sometimes(s.rotation_probability, whole_image), sometimes(s.anomaly_probability, pipeline(s.mask, blend))};
}

/// DeSTSeg's settings (METHODS §2.2, variants): DRAEM's blend, raw textures, every sample anomalous.
struct destseg_settings {
    std::shared_ptr<const texture_source> textures{};  ///< null: procedural textures
    opacity_range texture_opacity{};                   ///< (0.2, 1], as DRAEM
    perlin_mask mask{};
};

/// DeSTSeg (Zhang et al., CVPR 2023; `data/data_utils.py::perlin_noise`): DRAEM's Perlin
/// mask and blend with the texture not augmented, applied to every sample (a sample whose
/// mask comes out empty stays normal). DeSTSeg's optional per-category rotation of the normal
/// image is left to the user (`rotate{.fill = 114.0f / 255}` before this recipe).
inline dynamic_pipeline destseg(const destseg_settings& s = {}) {
    const texture_blend blend{.source = s.textures, .texture_opacity = s.texture_opacity};
    s.mask.validate();
    blend.validate();
    return {s.mask, blend};
}

}  // namespace ias::recipes
