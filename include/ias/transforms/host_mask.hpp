// SPDX-License-Identifier: MIT
// host_mask: the mask stage of a mask-first pipeline, drawn by a host model.
#pragma once

#include <cmath>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "../core/concepts.hpp"
#include "../core/configured.hpp"
#include "../diffusion/masks.hpp"

namespace ias {

/// The host's mask model: writes a mask for the sample into `mask` (already one channel of the
/// image's size, all zero), drawing any randomness from `rng`.
using mask_generator = std::function<void(const sample&, rng_stream& rng, image<float>& mask)>;

/// The settings of `host_mask`.
struct host_mask_settings {
    std::shared_ptr<const mask_generator> generator{};
    float threshold = 0.5f;
    bool largest_component = false;

    static const description<host_mask_settings>& describe() {
        using S = host_mask_settings;
        static const auto d = description<S>()
                                  .field("threshold", &S::threshold, 0, 1, "mask values at or above it become 1, the rest 0 (0: soft mask kept)")
                                  .field("largest_component", &S::largest_component, {{"true", true}, {"false", false}},
                                         "keep only the largest 8-connected component")
                                  .rule("generator must hold a mask_generator", [](const S& s) { return s.generator && *s.generator; });
        return d;
    }
};

/// A mask from a host model: AnomalyDiffusion's mask diffusion (its stage 1, METHODS §3.4), a
/// salient-object segmentation of a generated anomaly (DualAnoDiff), DFMGAN's mask branch, a
/// user's drawing. ias checks it and post-processes it: values at or above `threshold` become
/// 1 and the rest 0 (threshold 0 keeps the soft mask), optionally only the largest 8-connected
/// component is kept, and the foreground clips it. The label is 1 when a positive pixel
/// remains. AnomalyDiffusion's border rule is a filter around this stage:
/// `rejection_filter(host_mask({...}), border_score, 0, 1.0 / 3)` with
/// `border_score = [](const sample& s) { return diffusion::max_border_fraction(s.mask.view()); }`.
/// Throws ias::error when the generator returns a mask of another shape or values outside
/// [0, 1]; building one without a generator throws std::invalid_argument.
struct host_mask : configured<host_mask, host_mask_settings> {
    static constexpr std::string_view name = "host_mask";
    using configured::configured;

    void operator()(sample& s, rng_stream& rng) const {
        if (s.image.empty()) return;
        const int w = s.image.width(), h = s.image.height();
        s.mask.resize(w, h, 1, 0.0f);
        (*generator)(s, rng, s.mask);
        if (s.mask.width() != w || s.mask.height() != h || s.mask.channels() != 1)
            throw error("ias::host_mask: the generator returned a " + std::to_string(s.mask.width()) + "x" +
                        std::to_string(s.mask.height()) + "x" + std::to_string(s.mask.channels()) + " mask for a " +
                        std::to_string(w) + "x" + std::to_string(h) + " image; it must be one channel of the image's size");
        for (std::size_t i = 0; i < s.mask.size(); ++i)
            if (!(s.mask.data()[i] >= 0.0f && s.mask.data()[i] <= 1.0f))
                throw error("ias::host_mask: the generator's mask has the value " + std::to_string(s.mask.data()[i]) +
                            " at pixel " + std::to_string(i) + "; masks take values in [0, 1]");
        if (threshold > 0.0f)
            for (float& v : std::span(s.mask.data(), s.mask.size())) v = v >= threshold ? 1.0f : 0.0f;
        if (largest_component) diffusion::keep_largest_component(s.mask.view());
        s.label = clip_to_foreground(s.mask, s.foreground) ? 1 : 0;
    }
};

}  // namespace ias
