// SPDX-License-Identifier: MIT
// recipes::cutpaste, cutpaste_scar, cutpaste_union, cutpaste_3way, cutout and random_erasing: self-contained synthesis.
#pragma once

#include <string>
#include <vector>

#include "../core/any_transform.hpp"
#include "../core/compose.hpp"
#include "../core/describe.hpp"
#include "../core/pipeline.hpp"
#include "../transforms/cutpaste.hpp"
#include "../transforms/erase.hpp"
#include "../transforms/shape_masks.hpp"

namespace ias::recipes {

/// CutPaste's box (METHODS §2.8): the settings of the `cutpaste` recipe, and of the box half
/// of `cutpaste_union` and `cutpaste_3way`.
struct cutpaste_settings {
    range<float> area{0.02f, 0.15f};
    range<float> aspect{0.3f, 3.3f};
    std::string aspect_sampling = "coin";
    float jitter = 0.1f;

    [[nodiscard]] ias::cutpaste transform() const {
        validate(*this, "ias::recipes::cutpaste_settings");
        return ias::cutpaste({.area = area,
                              .aspect = aspect,
                              .aspect_sampling = aspect_sampling == "coin" ? cutpaste_aspect::coin : cutpaste_aspect::log_uniform,
                              .jitter = colour_jitter({jitter, jitter, jitter, std::min(jitter, 0.5f)})});
    }

    static const description<cutpaste_settings>& describe() {
        static const auto d =
            description<cutpaste_settings>()
                .field("area", &cutpaste_settings::area, 0, 1, "box area, fraction of the image")
                .field("aspect", &cutpaste_settings::aspect, 0.001, 1000, "box width / height")
                .field("aspect_sampling", &cutpaste_settings::aspect_sampling, {"coin", "log_uniform"},
                       "coin (the paper: U(aspect min, 1) or U(1, aspect max)) or log_uniform (pytorch-cutpaste)")
                .field("jitter", &cutpaste_settings::jitter, 0, 1, "ColorJitter strength of brightness, contrast, saturation and hue")
                .rule("aspect must enclose 1", [](const cutpaste_settings& s) { return s.aspect.min <= 1.0f && s.aspect.max >= 1.0f; });
        return d;
    }
};

/// CutPaste's scar (METHODS §2.8), included as `scar_*` parameters.
struct scar_settings {
    range<float> width{2.0f, 16.0f};  ///< pixels at 256 × 256
    range<float> length{10.0f, 25.0f};
    float angle_max = 45.0f;

    /// The scar, with `jitter` as CutPaste's ColorJitter strength.
    [[nodiscard]] ias::cutpaste_scar transform(float jitter) const {
        return ias::cutpaste_scar({.width = width,
                                   .length = length,
                                   .angle = {-angle_max, angle_max},
                                   .jitter = colour_jitter({jitter, jitter, jitter, std::min(jitter, 0.5f)})});
    }

    static const description<scar_settings>& describe() {
        static const auto d = description<scar_settings>()
                                  .field("width", &scar_settings::width, 0, 1e6, "scar width, pixels at 256x256")
                                  .field("length", &scar_settings::length, 0, 1e6, "scar length, pixels at 256x256")
                                  .field("angle_max", &scar_settings::angle_max, 0, 180,
                                         "the scar turns by U[-max, max] degrees");
        return d;
    }
};

/// The settings of `cutpaste_scar`: the scar and its jitter.
struct cutpaste_scar_settings {
    scar_settings scar{};
    float jitter = 0.1f;

    static const description<cutpaste_scar_settings>& describe() {
        static const auto d = description<cutpaste_scar_settings>()
                                  .include("scar_", &cutpaste_scar_settings::scar)
                                  .field("jitter", &cutpaste_scar_settings::jitter, 0, 1,
                                         "ColorJitter strength of brightness, contrast, saturation and hue");
        return d;
    }
};

/// The settings of `cutpaste_union`: the box and the scar, one jitter for both.
struct cutpaste_union_settings {
    cutpaste_settings box{};
    scar_settings scar{};

    static const description<cutpaste_union_settings>& describe() {
        static const auto d = description<cutpaste_union_settings>()
                                  .include("", &cutpaste_union_settings::box)
                                  .include("scar_", &cutpaste_union_settings::scar);
        return d;
    }
};

/// The settings of `cutpaste_3way`: the box, the scar and the view.
struct cutpaste_3way_settings {
    cutpaste_settings box{};
    scar_settings scar{};
    int view = -1;

    static const description<cutpaste_3way_settings>& describe() {
        static const auto d = description<cutpaste_3way_settings>()
                                  .include("", &cutpaste_3way_settings::box)
                                  .include("scar_", &cutpaste_3way_settings::scar)
                                  .field("view", &cutpaste_3way_settings::view, -1, 2, "-1 random, else the class 0, 1 or 2");
        return d;
    }
};

/// CutPaste (Li et al., CVPR 2021): a jittered box of the image pasted elsewhere in it; label 1,
/// mask the footprint. See `ias::cutpaste`.
inline dynamic_pipeline cutpaste(const cutpaste_settings& s = {}) {
    validate(s, "ias::recipes::cutpaste");
    return {s.transform()};
}
/// CutPaste-scar: a thin jittered box rotated by up to ±45° and pasted through its alpha.
inline dynamic_pipeline cutpaste_scar(const cutpaste_scar_settings& s = {}) {
    validate(s, "ias::recipes::cutpaste_scar");
    return {s.scar.transform(s.jitter)};
}
/// CutPaste's union: CutPaste or scar with equal chance, a binary classification.
inline dynamic_pipeline cutpaste_union(const cutpaste_union_settings& s = {}) {
    validate(s, "ias::recipes::cutpaste_union");
    return {one_of(s.box.transform(), s.scar.transform(s.box.jitter))};
}
/// CutPaste 3-way: original, CutPaste or scar as classes 0, 1, 2 (`sample.label`).
inline dynamic_pipeline cutpaste_3way(const cutpaste_3way_settings& s = {}) {
    validate(s, "ias::recipes::cutpaste_3way");
    return {ias::cutpaste_3way({.normal = s.box.transform(), .scar = s.scar.transform(s.box.jitter), .view = s.view})};
}

/// How CutOut and random erasing fill their hole (METHODS §2.9).
struct erasing_settings {
    float anomaly_probability = 0.5f;  ///< ASBench's `percent`, torchvision's p
    std::string fill = "constant";
    float value = 0.0f;

    [[nodiscard]] ias::erase eraser() const {
        validate(*this, "ias::recipes::erasing_settings");
        return ias::erase({.fill = fill == "constant" ? erase_fill::constant : fill == "noise" ? erase_fill::noise : erase_fill::mean,
                           .value = value});
    }

    static const description<erasing_settings>& describe() {
        static const auto d =
            description<erasing_settings>()
                .field("anomaly_probability", &erasing_settings::anomaly_probability, 0, 1, "share of samples that get a hole")
                .field("fill", &erasing_settings::fill, {"constant", "noise", "mean"}, "what the hole is filled with")
                .field("value", &erasing_settings::value, 0, 1, "the constant fill");
        return d;
    }
};

/// CutOut's settings: the fill and the square's side.
struct cutout_settings {
    erasing_settings erasing{};
    range<float> side{20.0f, 50.0f};  ///< pixels at 256 × 256

    static const description<cutout_settings>& describe() {
        static const auto d = description<cutout_settings>()
                                  .include("", &cutout_settings::erasing)
                                  .field("side", &cutout_settings::side, 0, 1e6, "square side, pixels at 256x256");
        return d;
    }
};

/// Random erasing's settings: the fill and the box.
struct random_erasing_settings {
    erasing_settings erasing{};
    range<float> area{0.02f, 0.33f};
    range<float> aspect{0.3f, 3.3f};

    static const description<random_erasing_settings>& describe() {
        static const auto d = description<random_erasing_settings>()
                                  .include("", &random_erasing_settings::erasing)
                                  .field("area", &random_erasing_settings::area, 0, 1, "box area, fraction of the image")
                                  .field("aspect", &random_erasing_settings::aspect, 0.001, 1000, "box width / height, log-uniform");
        return d;
    }
};

/// ASBench's CutOut: with probability 0.5 a square hole of side Ui[20, 50] pixels (at
/// 256 × 256), centre uniform and clipped, set to 0; mask the hole.
inline dynamic_pipeline cutout(const cutout_settings& s = {}) {
    validate(s, "ias::recipes::cutout");
    const rectangle_mask hole({.side = s.side});
    return {sometimes(s.erasing.anomaly_probability, pipeline(hole, s.erasing.eraser()))};
}

/// torchvision's RandomErasing: with probability 0.5 a box of area U[0.02, 0.33] and aspect
/// log-uniform in [0.3, 3.3], wholly inside the image, filled with `fill`; mask the box.
inline dynamic_pipeline random_erasing(const random_erasing_settings& s = {}) {
    validate(s, "ias::recipes::random_erasing");
    const rectangle_mask box({.sizing = rectangle_sizing::area_aspect, .area = s.area, .aspect = s.aspect, .allow_clipping = false});
    return {sometimes(s.erasing.anomaly_probability, pipeline(box, s.erasing.eraser()))};
}

}  // namespace ias::recipes
