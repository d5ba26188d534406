// SPDX-License-Identifier: MIT
// recipes::nsa, recipes::fpi and recipes::pii: patches of another normal image, Poisson-blended or interpolated.
#pragma once

#include <memory>
#include <string>

#include "../core/any_transform.hpp"
#include "../transforms/foreign_patch.hpp"
#include "../transforms/nsa.hpp"
#include "../transforms/settings.hpp"

namespace ias::detail {
inline nsa_blend nsa_blend_named(const std::string& name) {
    if (name == "normal_clone") return nsa_blend::normal_clone;
    if (name == "mixed_clone") return nsa_blend::mixed_clone;
    if (name == "mix") return nsa_blend::mix;
    if (name == "swap") return nsa_blend::swap;
    if (name == "uniform") return nsa_blend::uniform;
    throw std::invalid_argument("blend is '" + name + "'; it must be normal_clone, mixed_clone, mix, swap or uniform");
}
inline fn::change_label_mode label_mode_named(const std::string& name) {
    if (name == "binary") return fn::change_label_mode::binary;
    if (name == "continuous") return fn::change_label_mode::continuous;
    if (name == "intensity") return fn::change_label_mode::intensity;
    if (name == "logistic_intensity") return fn::change_label_mode::logistic_intensity;
    throw std::invalid_argument("label is '" + name + "'; it must be binary, continuous, intensity or logistic_intensity");
}
}  // namespace ias::detail

namespace ias::recipes {

/// NSA's recipe settings (METHODS §2.5).
struct nsa_settings {
    std::shared_ptr<const image_pool> pool{};  ///< the normal images patches come from; null: the sample itself
    std::string category{};                    ///< an MVTec AD category for NSA's per-class preset; empty: textures
    std::string blend = "normal_clone";        ///< normal_clone, mixed_clone, mix, swap or uniform
    std::string label = "logistic_intensity";  ///< binary, continuous, intensity or logistic_intensity
    int patch_count_max = 0;                   ///< 0: the category's (4 for textures)
};

/// NSA (Schlüter et al., ECCV 2022): one to four patches of another normal image from the
/// pool, resized and Poisson-blended in; the label comes from the pixels that changed
/// (logistic intensity by default, NSA's best). See `ias::nsa`. Throws std::invalid_argument
/// for an unknown category, blend or label.
inline dynamic_pipeline nsa(const nsa_settings& s = {}) {
    ias::nsa t = ias::nsa::for_category(s.category);
    t.pool = s.pool;
    t.blend = ias::detail::nsa_blend_named(s.blend);
    t.label_mode = ias::detail::label_mode_named(s.label);
    if (s.patch_count_max > 0) t.patch_count_max = s.patch_count_max;
    t.validate();
    return {t};
}

/// FPI's and PII's recipe settings (METHODS §2.6, §2.7).
struct foreign_square_settings {
    std::shared_ptr<const image_pool> pool{};
    foreign_square square{};
};

/// Foreign Patch Interpolation: a square of another normal image blended in with factor
/// 1 − α, the label 1 − α where the images differ. See `ias::fpi`.
inline dynamic_pipeline fpi(const foreign_square_settings& s = {}) {
    const ias::fpi t{.pool = s.pool, .square = s.square};
    t.validate();
    return {t};
}

/// Poisson Image Interpolation: FPI's square solved with α-weighted mixed gradients, the
/// label α where the result changed. See `ias::pii`.
inline dynamic_pipeline pii(const foreign_square_settings& s = {}) {
    const ias::pii t{.pool = s.pool, .square = s.square};
    t.validate();
    return {t};
}

}  // namespace ias::recipes
