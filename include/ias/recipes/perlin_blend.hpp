// SPDX-License-Identifier: MIT
// The Perlin mask settings that DRAEM and its descendants share, and their blend opacity.
#pragma once

#include <string_view>

#include "../core/describe.hpp"
#include "../transforms/perlin_mask.hpp"
#include "../transforms/texture_blend.hpp"

namespace ias::recipes {

/// DRAEM's Perlin mask as the recipes expose it (METHODS §2.1): the lattice scales, the
/// threshold and a rotation symmetric about 0. A recipe includes it as `mask_*` parameters.
struct draem_mask_settings {
    range<int> scale_exponents{0, 5};
    float threshold = 0.5f;
    float rotation_max = 90.0f;

    /// The transform's settings, with DRAEM's other defaults (one octave, empty masks kept).
    [[nodiscard]] perlin_mask_settings transform_settings() const {
        return {.scale_exponents = scale_exponents, .rotation = {-rotation_max, rotation_max}, .threshold = threshold};
    }
    /// The transform of `transform_settings()`.
    [[nodiscard]] perlin_mask transform() const { return perlin_mask(transform_settings()); }

    static const description<draem_mask_settings>& describe() {
        static const auto d =
            description<draem_mask_settings>()
                .field("scale_exponents", &draem_mask_settings::scale_exponents, 0, 12,
                       "Perlin lattice: 2^e cells per axis, e uniform in the range (torch.randint(0, 6) in DRAEM)")
                .field("threshold", &draem_mask_settings::threshold, -1, 1, "Perlin noise above it is anomalous")
                .field("rotation_max", &draem_mask_settings::rotation_max, 0, 180,
                       "the noise is rotated by U[-max, max] degrees");
        return d;
    }
};

/// The help text of every recipe's `texture_opacity`.
inline constexpr std::string_view texture_opacity_help = "the texture's weight o in the blend I + o*M*(T - I) (DRAEM: 1 - beta)";

}  // namespace ias::recipes
