// SPDX-License-Identifier: MIT
// recipes::cutpaste, cutpaste_scar, cutpaste_union, cutpaste_3way, cutout and random_erasing: self-contained synthesis.
#pragma once

#include <string>

#include "../core/any_transform.hpp"
#include "../core/compose.hpp"
#include "../core/pipeline.hpp"
#include "../transforms/cutpaste.hpp"
#include "../transforms/erase.hpp"
#include "../transforms/shape_masks.hpp"

namespace ias::recipes {

/// CutPaste's recipe settings (METHODS §2.8), shared by the four CutPaste recipes.
struct cutpaste_settings {
    float area_min = 0.02f, area_max = 0.15f;
    float aspect_min = 0.3f, aspect_max = 3.3f;
    std::string aspect_sampling = "coin";  ///< coin (the paper, NSA) or log_uniform (pytorch-cutpaste)
    float jitter = 0.1f;                   ///< ColorJitter brightness, contrast, saturation and hue
    float scar_width_min = 2.0f, scar_width_max = 16.0f;    ///< pixels at 256 × 256
    float scar_length_min = 10.0f, scar_length_max = 25.0f;
    float scar_angle_max = 45.0f;  ///< degrees, symmetric
    int view = -1;                 ///< cutpaste_3way only: −1 random, else the class 0, 1 or 2

    [[nodiscard]] ias::cutpaste normal() const {
        if (aspect_sampling != "coin" && aspect_sampling != "log_uniform")
            throw std::invalid_argument("aspect_sampling is '" + aspect_sampling + "'; it must be coin or log_uniform");
        ias::cutpaste t{.area_min = area_min, .area_max = area_max, .aspect_min = aspect_min, .aspect_max = aspect_max,
                        .aspect_sampling = aspect_sampling == "coin" ? cutpaste_aspect::coin : cutpaste_aspect::log_uniform,
                        .jitter = {jitter, jitter, jitter, std::min(jitter, 0.5f)}};
        t.validate();
        return t;
    }
    [[nodiscard]] ias::cutpaste_scar scar() const {
        ias::cutpaste_scar t{.width_min = scar_width_min, .width_max = scar_width_max, .length_min = scar_length_min,
                             .length_max = scar_length_max, .angle_min = -scar_angle_max, .angle_max = scar_angle_max,
                             .jitter = {jitter, jitter, jitter, std::min(jitter, 0.5f)}};
        t.validate();
        return t;
    }
};

/// CutPaste (Li et al., CVPR 2021): a jittered box of the image pasted elsewhere in it; label 1,
/// mask the footprint. See `ias::cutpaste`.
inline dynamic_pipeline cutpaste(const cutpaste_settings& s = {}) { return {s.normal()}; }
/// CutPaste-scar: a thin jittered box rotated by up to ±45° and pasted through its alpha.
inline dynamic_pipeline cutpaste_scar(const cutpaste_settings& s = {}) { return {s.scar()}; }
/// CutPaste's union: CutPaste or scar with equal chance, a binary classification.
inline dynamic_pipeline cutpaste_union(const cutpaste_settings& s = {}) { return {one_of(s.normal(), s.scar())}; }
/// CutPaste 3-way: original, CutPaste or scar as classes 0, 1, 2 (`sample.label`).
inline dynamic_pipeline cutpaste_3way(const cutpaste_settings& s = {}) {
    const ias::cutpaste_3way t{.normal = s.normal(), .scar = s.scar(), .view = s.view};
    t.validate();
    return {t};
}

/// CutOut's and random erasing's settings (METHODS §2.9).
struct erasing_settings {
    float anomaly_probability = 0.5f;  ///< ASBench's `percent`, torchvision's p
    std::string fill = "constant";     ///< constant, noise or mean
    float value = 0.0f;                ///< the constant
    float side_min = 20.0f, side_max = 50.0f;  ///< CutOut's square side, pixels at 256 × 256
    float area_min = 0.02f, area_max = 0.33f;  ///< random erasing's area fraction
    float aspect_min = 0.3f, aspect_max = 3.3f;

    [[nodiscard]] ias::erase eraser() const {
        const erase_fill f = fill == "constant" ? erase_fill::constant
                             : fill == "noise"  ? erase_fill::noise
                             : fill == "mean"   ? erase_fill::mean
                                                : throw std::invalid_argument("fill is '" + fill + "'; it must be constant, noise or mean");
        const ias::erase e{.fill = f, .value = value};
        e.validate();
        return e;
    }
};

/// ASBench's CutOut: with probability 0.5 a square hole of side Ui[20, 50] pixels (at
/// 256 × 256), centre uniform and clipped, set to 0; mask the hole.
inline dynamic_pipeline cutout(const erasing_settings& s = {}) {
    const rectangle_mask hole{.side_min = s.side_min, .side_max = s.side_max};
    hole.validate();
    ias::detail::settings::check_value("recipes::cutout", "anomaly_probability", s.anomaly_probability, 0.0f, 1.0f);
    return {sometimes(s.anomaly_probability, pipeline(hole, s.eraser()))};
}

/// torchvision's RandomErasing: with probability 0.5 a box of area U[0.02, 0.33] and aspect
/// log-uniform in [0.3, 3.3], wholly inside the image, filled with `fill`; mask the box.
inline dynamic_pipeline random_erasing(const erasing_settings& s = {}) {
    const rectangle_mask box{.sizing = rectangle_sizing::area_aspect, .area_min = s.area_min, .area_max = s.area_max,
                             .aspect_min = s.aspect_min, .aspect_max = s.aspect_max, .allow_clipping = false};
    box.validate();
    ias::detail::settings::check_value("recipes::random_erasing", "anomaly_probability", s.anomaly_probability, 0.0f, 1.0f);
    return {sometimes(s.anomaly_probability, pipeline(box, s.eraser()))};
}

}  // namespace ias::recipes
