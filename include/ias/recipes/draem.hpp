// SPDX-License-Identifier: MIT
// recipes::draem and recipes::destseg: a texture blended through a Perlin mask.
#pragma once

#include <memory>

#include "../core/any_transform.hpp"
#include "../core/compose.hpp"
#include "../core/describe.hpp"
#include "../core/pipeline.hpp"
#include "../transforms/geometry_ops.hpp"
#include "perlin_blend.hpp"
#include "texture_ops.hpp"

namespace ias::recipes {

/// DRAEM's settings (METHODS §2.2), with the reference defaults.
struct draem_settings {
    std::shared_ptr<const texture_source> textures{};  ///< the anomaly sources (DTD); null: procedural textures
    float anomaly_probability = 0.5f;
    float rotation_probability = 0.3f;
    float rotation_max = 90.0f;
    range<float> texture_opacity{0.2f, 1.0f};  ///< 1 − β with β ~ U[0, 0.8)
    int texture_op_count = 3;
    draem_mask_settings mask{};

    static const description<draem_settings>& describe() {
        static const auto d =
            description<draem_settings>()
                .field("anomaly_probability", &draem_settings::anomaly_probability, 0, 1,
                       "share of samples that get an anomaly; the rest keep their image and an empty mask")
                .field("rotation_probability", &draem_settings::rotation_probability, 0, 1, "of rotating the whole normal image first")
                .field("rotation_max", &draem_settings::rotation_max, 0, 180,
                       "the whole-image rotation is U[-rotation_max, rotation_max] degrees")
                .field("texture_opacity", &draem_settings::texture_opacity, 0, 1, texture_opacity_help)
                .field("texture_op_count", &draem_settings::texture_op_count, 0, 10, "distinct operations of DRAEM's ten applied to the texture")
                .include("mask_", &draem_settings::mask);
        return d;
    }
};

/// DRAEM (Zavrtanik et al., ICCV 2021; `data_loader.py`): with probability 0.3 the normal
/// image is rotated by U[−90°, 90°]; then, for half of the samples, a Perlin mask (clipped
/// to the sample's foreground when it has one) and a texture from `textures`, changed by 3 of
/// DRAEM's 10 operations, blended in with opacity (0.2, 1]. The other half stay normal, as do
/// the samples whose mask comes out empty (about 5%). Throws std::invalid_argument for
/// settings out of range.
inline dynamic_pipeline draem(const draem_settings& s = {}) {
    validate(s, "ias::recipes::draem");
    const rotate whole_image({.angle = {-s.rotation_max, s.rotation_max}});
    const texture_blend blend({.source = s.textures, .texture_opacity = s.texture_opacity,
                               .texture_ops = {draem_texture_ops(s.texture_op_count)}});
    const perlin_mask mask = s.mask.transform();
    return {sometimes(s.rotation_probability, whole_image), sometimes(s.anomaly_probability, pipeline(mask, blend))};
}

/// DeSTSeg's settings (METHODS §2.2, variants): DRAEM's blend, raw textures, every sample anomalous.
struct destseg_settings {
    std::shared_ptr<const texture_source> textures{};  ///< null: procedural textures
    range<float> texture_opacity{0.2f, 1.0f};          ///< as DRAEM
    draem_mask_settings mask{};

    static const description<destseg_settings>& describe() {
        static const auto d = description<destseg_settings>()
                                  .field("texture_opacity", &destseg_settings::texture_opacity, 0, 1, texture_opacity_help)
                                  .include("mask_", &destseg_settings::mask);
        return d;
    }
};

/// DeSTSeg (Zhang et al., CVPR 2023; `data/data_utils.py::perlin_noise`): DRAEM's Perlin
/// mask and blend with the texture not augmented, applied to every sample (a sample whose
/// mask comes out empty stays normal). DeSTSeg's optional per-category rotation of the normal
/// image is left to the user (`rotate({.fill = 114.0f / 255})` before this recipe).
inline dynamic_pipeline destseg(const destseg_settings& s = {}) {
    validate(s, "ias::recipes::destseg");
    const texture_blend blend({.source = s.textures, .texture_opacity = s.texture_opacity});
    const perlin_mask mask = s.mask.transform();
    return {mask, blend};
}

}  // namespace ias::recipes
