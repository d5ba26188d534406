// SPDX-License-Identifier: MIT
// recipes::fractal (FractalAD), recipes::reb_defectmaker (REB's DefectMaker) and recipes::local_ops: local changes of the image itself.
#pragma once

#include <memory>

#include "../core/any_transform.hpp"
#include "../core/describe.hpp"
#include "../transforms/defect_maker.hpp"
#include "../transforms/fractal_paste.hpp"
#include "../transforms/local_ops.hpp"

namespace ias::recipes {

/// FractalAD's recipe settings (METHODS §2.10).
struct fractal_settings {
    int iterations = 100000;  ///< fewer is faster and coarser
    float noise_probability = 0.5f;
    float global_jitter = 0.05f;  ///< FractalAD applies it to the normals too

    static const description<fractal_settings>& describe() {
        static const auto d =
            description<fractal_settings>()
                .field("iterations", &fractal_settings::iterations, 0, 10000000, "chaos-game points of the fractal (FractalAD: 100000)")
                .field("noise_probability", &fractal_settings::noise_probability, 0, 1,
                       "of adding Gaussian noise (10 grey levels) inside the mask")
                .field("global_jitter", &fractal_settings::global_jitter, 0, 0.5, "whole-image ColorJitter strength; 0 = off");
        return d;
    }
};

/// FractalAD's anomaly generation: a jittered, flipped and rotated square of the image pasted
/// through a random IFS fractal; mask the footprint dilated three times. See `ias::fractal_paste`.
inline dynamic_pipeline fractal(const fractal_settings& s = {}) {
    validate(s, "ias::recipes::fractal");
    return {fractal_paste({.iterations = s.iterations, .noise_probability = s.noise_probability, .global_jitter = s.global_jitter})};
}

/// REB DefectMaker's recipe settings (METHODS §8.5).
struct defect_maker_settings {
    std::shared_ptr<const image_pool> pool{};  ///< the cut fill's foreign images; null: the sample itself
    int view = -1;

    static const description<defect_maker_settings>& describe() {
        static const auto d = description<defect_maker_settings>().field(
            "view", &defect_maker_settings::view, -1, 6, "-1: one of the 7 views uniformly; 0 (original) .. 6: that view");
        return d;
    }
};

/// REB's `dm_com6`: the original (class 0) or one of six Bezier defects, {rect, scar, clump}
/// × {noise fill, cut fill} (classes 1–6), as the sample's label. See `ias::defect_maker_dm6`.
inline dynamic_pipeline reb_defectmaker(const defect_maker_settings& s = {}) {
    validate(s, "ias::recipes::reb_defectmaker");
    return {defect_maker_dm6({.view = s.view, .pool = s.pool})};
}

/// Dynamic local augmentation's recipe settings (METHODS §8.1).
struct local_ops_settings {
    range<float> area{0.02f, 0.15f};

    static const description<local_ops_settings>& describe() {
        static const auto d = description<local_ops_settings>().field(
            "area", &local_ops_settings::area, 0, 1, "the region: a CutPaste box of this share of the image");
        return d;
    }
};

/// Dynamic local augmentation (Yoa et al., IEEE Access 2021): one of five changes (blur, noise,
/// colour, rotation, elastic) inside a CutPaste box, equal weights; mask the box. The weights
/// the host updates between epochs come with `ias::local_ops_preset()`, which this recipe
/// builds with the box settings.
inline dynamic_pipeline local_ops(const local_ops_settings& s = {}) {
    validate(s, "ias::recipes::local_ops");
    auto setup = local_ops_preset({.area = s.area});
    return {std::move(setup.augmentation)};
}

}  // namespace ias::recipes
