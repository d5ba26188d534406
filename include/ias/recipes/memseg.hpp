// SPDX-License-Identifier: MIT
// recipes::memseg: Perlin mask inside the foreground, filled from a texture or the image's own shuffled tiles.
#pragma once

#include <memory>
#include <string>

#include "../core/any_transform.hpp"
#include "../core/compose.hpp"
#include "../core/pipeline.hpp"
#include "../transforms/foreground.hpp"
#include "../transforms/structure_blend.hpp"
#include "perlin_blend.hpp"
#include "texture_ops.hpp"

namespace ias::recipes {

/// MemSeg's settings (METHODS §2.3), with the reference defaults.
struct memseg_settings {
    std::shared_ptr<const texture_source> textures{};  ///< the texture sources (DTD); null: procedural textures
    /// An MVTec AD category: its foreground preset (`memseg_foreground`) is estimated from the
    /// image. Empty: the sample's own foreground is used (or none).
    std::string category{};
    float structure_probability = 0.5f;
    range<float> texture_opacity{0.15f, 1.0f};  ///< MemSeg's δ ~ U[0.15, 1]
    int grid_size = 8;
    int structure_op_count = 3;
    draem_mask_settings mask{};

    static const description<memseg_settings>& describe() {
        static const auto d =
            description<memseg_settings>()
                .field("category", &memseg_settings::category, category_choices(),
                       "MVTec AD category whose foreground preset is used; empty: the sample's own foreground")
                .field("structure_probability", &memseg_settings::structure_probability, 0, 1,
                       "of the structure source (the image's shuffled tiles) rather than a texture")
                .field("texture_opacity", &memseg_settings::texture_opacity, 0, 1, texture_opacity_help)
                .field("grid_size", &memseg_settings::grid_size, 1, structure_blend::max_grid_size, "structure tiles per side")
                .field("structure_op_count", &memseg_settings::structure_op_count, 0, 10,
                       "distinct operations of DRAEM's ten applied to the structure source")
                .include("mask_", &memseg_settings::mask);
        return d;
    }
};

/// MemSeg (Yang et al., EAAI 2023; TooTouch/MemSeg `dataset.py`): every second sample (odd
/// indices: exactly half, as MemSeg's toggling flag) gets a Perlin mask clipped to the
/// foreground and, with equal chance, a raw texture or the structure source (the image
/// after 3 of DRAEM's operations, cut into 8 × 8 shuffled tiles), blended with opacity
/// δ ~ U[0.15, 1]. MemSeg's 288 → 256 resize and centre crop belong to the data loader.
/// Throws std::invalid_argument for settings out of range or an unknown category.
inline dynamic_pipeline memseg(const memseg_settings& s = {}) {
    validate(s, "ias::recipes::memseg");
    const texture_blend texture({.source = s.textures, .texture_opacity = s.texture_opacity});
    const structure_blend structure({.grid_size = s.grid_size, .texture_opacity = s.texture_opacity,
                                     .structure_ops = {draem_texture_ops(s.structure_op_count)}});
    const perlin_mask mask = s.mask.transform();
    dynamic_pipeline stages;
    if (!s.category.empty()) stages.push_back(estimate_foreground{memseg_foreground(s.category)});
    const float p = s.structure_probability;
    stages.push_back(alternate(pipeline(mask, one_of({1.0f - p, p}, texture, structure))));
    return stages;
}

}  // namespace ias::recipes
