// SPDX-License-Identifier: MIT
// recipes::nsa, recipes::fpi and recipes::pii: patches of another normal image, Poisson-blended or interpolated.
#pragma once

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "../core/any_transform.hpp"
#include "../core/describe.hpp"
#include "../transforms/foreign_patch.hpp"
#include "../transforms/foreground.hpp"
#include "../transforms/nsa.hpp"

namespace ias::recipes {

/// NSA's recipe settings (METHODS §2.5).
struct nsa_settings {
    std::shared_ptr<const image_pool> pool{};  ///< the normal images patches come from; null: the sample itself
    std::string category{};                    ///< an MVTec AD category for NSA's per-class preset; empty: textures
    std::string blend = "normal_clone";
    std::string label = "logistic_intensity";
    int patch_count_max = 0;  ///< 0: the category's (4 for textures)

    /// The blend modes and label modes by name, in the order of `nsa_blend` and `fn::change_label_mode`.
    static constexpr std::array<std::string_view, 5> blends{"normal_clone", "mixed_clone", "mix", "swap", "uniform"};
    static constexpr std::array<std::string_view, 4> labels{"binary", "continuous", "intensity", "logistic_intensity"};

    static const description<nsa_settings>& describe() {
        static const auto d =
            description<nsa_settings>()
                .field("category", &nsa_settings::category, category_choices(),
                       "MVTec AD category whose NSA preset is used (object masks, widths, logistic k and x0); empty: textures")
                .field("blend", &nsa_settings::blend, {blends.begin(), blends.end()}, "how a patch is blended in")
                .field("label", &nsa_settings::label, {labels.begin(), labels.end()}, "how the changed pixels give the mask")
                .field("patch_count_max", &nsa_settings::patch_count_max, 0, ias::nsa::max_patches,
                       "most patches per sample; 0: the category's (4 for textures)");
        return d;
    }
};

/// NSA (Schlüter et al., ECCV 2022): one to four patches of another normal image from the
/// pool, resized and Poisson-blended in; the label comes from the pixels that changed
/// (logistic intensity by default, NSA's best). See `ias::nsa`. Throws std::invalid_argument
/// for an unknown category, blend or label.
inline dynamic_pipeline nsa(const nsa_settings& s = {}) {
    validate(s, "ias::recipes::nsa");
    const auto index_in = [](const auto& names, const std::string& name) {
        return int(std::find(names.begin(), names.end(), name) - names.begin());
    };
    ias::nsa_settings t = ias::nsa_settings::for_category(s.category);
    t.pool = s.pool;
    t.blend = nsa_blend(index_in(nsa_settings::blends, s.blend));
    t.label_mode = fn::change_label_mode(index_in(nsa_settings::labels, s.label));
    if (s.patch_count_max > 0) t.patch_count_max = s.patch_count_max;
    return {ias::nsa(t)};
}

/// FPI's and PII's recipe settings (METHODS §2.6, §2.7).
struct foreign_square_settings {
    std::shared_ptr<const image_pool> pool{};
    float core_fraction = 0.8f;
    range<float> half{0.05f, 0.2f};
    range<float> alpha{0.05f, 0.95f};

    [[nodiscard]] foreign_square square() const {
        return {.core_fraction = core_fraction, .half = half, .alpha = alpha};
    }

    static const description<foreign_square_settings>& describe() {
        static const auto d =
            description<foreign_square_settings>()
                .field("core_fraction", &foreign_square_settings::core_fraction, 0, 1,
                       "the square's centre lies in this central share of each axis")
                .field("half", &foreign_square_settings::half, 0, 1, "half-width of the square, fraction of the image height")
                .field("alpha", &foreign_square_settings::alpha, 0, 1, "the interpolation factor alpha is uniform in this range");
        return d;
    }
};

/// Foreign Patch Interpolation: a square of another normal image blended in with factor
/// 1 − α, the label 1 − α where the images differ. See `ias::fpi`.
inline dynamic_pipeline fpi(const foreign_square_settings& s = {}) {
    validate(s, "ias::recipes::fpi");
    return {ias::fpi({.pool = s.pool, .square = s.square()})};
}

/// Poisson Image Interpolation: FPI's square solved with α-weighted mixed gradients, the
/// label α where the result changed. See `ias::pii`.
inline dynamic_pipeline pii(const foreign_square_settings& s = {}) {
    validate(s, "ias::recipes::pii");
    return {ias::pii({.pool = s.pool, .square = s.square()})};
}

}  // namespace ias::recipes
