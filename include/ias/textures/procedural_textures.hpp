// SPDX-License-Identifier: MIT
// procedural_textures: random procedural anomaly sources, so that synthesis needs no texture dataset.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "../core/rng.hpp"
#include "../fn/procedural_texture.hpp"

namespace ias {

/// Draws random procedural textures (`fn::procedural_texture`): a pattern chosen uniformly
/// among those enabled, feature size log-uniform in [scale_min, scale_max] pixels at
/// 256×256 (scaled by min(W, H)/256), orientation uniform, turbulence in [0.5, 1.5] and two
/// colours uniform in [0, 1]³ (at least `contrast_min` apart in mean level), so that the
/// anomaly source needs no data at all. The default source of the texture recipes when no
/// folder is given.
struct procedural_textures {
    std::array<bool, fn::texture_pattern_count> enabled{true, true, true, true, true, true, true, true};
    float scale_min = 4.0f;
    float scale_max = 48.0f;
    float contrast_min = 0.2f;
    float reference_size = 256.0f;

    /// Throws std::invalid_argument naming the field unless the settings are usable.
    void validate() const {
        if (std::none_of(enabled.begin(), enabled.end(), [](bool b) { return b; }))
            throw std::invalid_argument("ias::procedural_textures: at least one pattern must be enabled");
        if (!(scale_min >= 1.0f && scale_max >= scale_min && std::isfinite(scale_max)))
            throw std::invalid_argument("ias::procedural_textures: scales must satisfy 1 <= scale_min <= scale_max");
        if (!(contrast_min >= 0.0f && contrast_min <= 0.5f))
            throw std::invalid_argument("ias::procedural_textures: contrast_min must lie in [0, 0.5]");
        if (!(reference_size >= 0.0f)) throw std::invalid_argument("ias::procedural_textures: reference_size must be >= 0");
    }

    /// The parameters of one texture for an image of `width` × `height`.
    [[nodiscard]] fn::procedural_texture_params draw(rng_stream& rng, int width, int height) const {
        validate();
        std::array<float, fn::texture_pattern_count> weights{};
        for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = enabled[i] ? 1.0f : 0.0f;
        fn::procedural_texture_params p;
        p.pattern = fn::texture_pattern(rng.choice(weights));
        const float size_scale = reference_size > 0.0f ? float(std::min(width, height)) / reference_size : 1.0f;
        p.scale = std::max(1.0f, std::exp(rng.uniform(std::log(scale_min), std::log(scale_max))) * size_scale);
        p.angle = rng.uniform(0.0f, std::numbers::pi_v<float>);
        p.turbulence = rng.uniform(0.5f, 1.5f);
        for (float& c : p.colour_a) c = rng.uniform();
        for (float& c : p.colour_b) c = rng.uniform();
        // Keep the two colours apart, so that the texture is visible: when their mean levels
        // are closer than contrast_min, move colour_b from colour_a towards white (or black,
        // for a light colour_a) until they are exactly contrast_min apart. The target is at
        // least 0.5 away in mean, so t <= 1 and every channel stays in [0, 1].
        const float level_a = (p.colour_a[0] + p.colour_a[1] + p.colour_a[2]) / 3.0f;
        const float level_b = (p.colour_b[0] + p.colour_b[1] + p.colour_b[2]) / 3.0f;
        if (std::abs(level_b - level_a) < contrast_min) {
            const float target = level_a < 0.5f ? 1.0f : 0.0f;
            const float t = contrast_min / std::abs(target - level_a);
            for (std::size_t c = 0; c < 3; ++c) p.colour_b[c] = p.colour_a[c] + t * (target - p.colour_a[c]);
        }
        p.seed = rng.next_u64();
        return p;
    }
};

}  // namespace ias
