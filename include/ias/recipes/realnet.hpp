// SPDX-License-Identifier: MIT
// recipes::realnet_dtd: RealNet's image-level synthesis with DTD textures.
#pragma once

#include <memory>
#include <string>

#include "../core/any_transform.hpp"
#include "../core/compose.hpp"
#include "../core/pipeline.hpp"
#include "../transforms/foreground.hpp"
#include "perlin_blend.hpp"
#include "texture_ops.hpp"

namespace ias::recipes {

/// RealNet's settings for its DTD anomalies (METHODS §2.4), with the reference defaults.
struct realnet_dtd_settings {
    std::shared_ptr<const texture_source> textures{};  ///< null: procedural textures
    /// An MVTec AD or VisA pcb category: its foreground rule (`realnet_foreground`) is
    /// estimated from the image. Empty: the sample's own foreground is used (or none).
    std::string category{};
    float anomaly_probability = 0.5f;          ///< RealNet's {normal 0.5, dtd 0.5}
    range<float> texture_opacity{0.2f, 1.0f};  ///< U[0.2, 1]
    int texture_op_count = 3;
    draem_mask_settings mask{};

    static const description<realnet_dtd_settings>& describe() {
        static const auto d =
            description<realnet_dtd_settings>()
                .field("category", &realnet_dtd_settings::category, category_choices({"pcb1", "pcb2", "pcb3", "pcb4"}),
                       "MVTec AD or VisA pcb category whose foreground rule is used; empty: the sample's own foreground")
                .field("anomaly_probability", &realnet_dtd_settings::anomaly_probability, 0, 1,
                       "share of samples that get an anomaly; the rest stay normal")
                .field("texture_opacity", &realnet_dtd_settings::texture_opacity, 0, 1, texture_opacity_help)
                .field("texture_op_count", &realnet_dtd_settings::texture_op_count, 0, 10,
                       "distinct operations of DRAEM's ten applied to the texture")
                .include("mask_", &realnet_dtd_settings::mask);
        return d;
    }
};

/// RealNet (Zhang et al., CVPR 2024; `datasets/realnet_dataset.py`) with the DTD anomaly
/// type: half of the samples get a Perlin mask clipped to the foreground and a DTD texture
/// changed by 3 of DRAEM's operations, blended with opacity U[0.2, 1]; the rest stay normal.
/// (RealNet's SDAS type blends pre-generated diffusion images: a `texture_source` of them
/// with opacity [0.5, 1] gives it.) Throws std::invalid_argument for bad settings.
inline dynamic_pipeline realnet_dtd(const realnet_dtd_settings& s = {}) {
    validate(s, "ias::recipes::realnet_dtd");
    const texture_blend blend({.source = s.textures, .texture_opacity = s.texture_opacity,
                               .texture_ops = {draem_texture_ops(s.texture_op_count)}});
    const perlin_mask mask = s.mask.transform();
    dynamic_pipeline stages;
    if (!s.category.empty()) stages.push_back(estimate_foreground{realnet_foreground(s.category)});
    stages.push_back(sometimes(s.anomaly_probability, pipeline(mask, blend)));
    return stages;
}

}  // namespace ias::recipes
