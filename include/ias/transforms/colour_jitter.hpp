// SPDX-License-Identifier: MIT
// colour_jitter: torchvision's ColorJitter (brightness, contrast, saturation, hue), as CutPaste and REB jitter their patches.
#pragma once

#include <algorithm>
#include <string_view>

#include "../core/concepts.hpp"
#include "../core/configured.hpp"
#include "../fn/colour.hpp"
#include "float_pixels.hpp"

namespace ias {

/// The settings of `colour_jitter`.
struct colour_jitter_settings {
    float brightness = 0.1f;  ///< factor U[max(0, 1 − brightness), 1 + brightness]
    float contrast = 0.1f;
    float saturation = 0.1f;
    float hue = 0.1f;  ///< turn U[−hue, hue], hue in [0, 0.5]

    static const description<colour_jitter_settings>& describe() {
        using S = colour_jitter_settings;
        static const auto d =
            description<S>()
                .field("brightness", &S::brightness, 0, 100, "brightness factor U[max(0, 1 - x), 1 + x]")
                .field("contrast", &S::contrast, 0, 100, "contrast factor U[max(0, 1 - x), 1 + x]")
                .field("saturation", &S::saturation, 0, 100, "saturation factor U[max(0, 1 - x), 1 + x]")
                .field("hue", &S::hue, 0, 0.5, "hue turn U[-x, x] of a full circle");
        return d;
    }
};

/// torchvision's `ColorJitter(brightness, contrast, saturation, hue)`: brightness, contrast
/// and saturation factors U[1 − x, 1 + x] (floored at 0) and a hue turn U[−hue, hue] of a full
/// circle, applied in that fixed order (torchvision shuffles the order per call; a fixed order
/// keeps the parameters a plain record). The defaults, 0.1 each, are CutPaste's patch jitter
/// (Runinho's pytorch-cutpaste, METHODS §2.8) and REB DefectMaker's fill jitter (§8.5.5).
/// Changes the colour channels of the whole image (alpha is kept); grey images get
/// brightness and contrast only. uint8 and float, 1, 3 or 4 channels.
struct colour_jitter : configured<colour_jitter, colour_jitter_settings> {
    static constexpr std::string_view name = "colour_jitter";
    using configured::configured;

    struct params_type {
        float brightness = 1.0f, contrast = 1.0f, saturation = 1.0f, hue = 0.0f;
        template <class F>
        void visit_fields(F&& f) const {
            f("brightness", brightness);
            f("contrast", contrast);
            f("saturation", saturation);
            f("hue", hue);
        }
    };

    params_type sample_params(rng_stream& rng, const sample&) const { return draw(rng, settings()); }

    /// The draw of `sample_params` for jitter settings `j`, without building a transform (for
    /// the transforms that jitter with settings they choose per sample; they check `j` themselves).
    static params_type draw(rng_stream& rng, const colour_jitter_settings& j) {
        auto factor = [&](float x) { return rng.uniform(std::max(0.0f, 1.0f - x), 1.0f + x); };
        params_type p;
        p.brightness = factor(j.brightness);
        p.contrast = factor(j.contrast);
        p.saturation = factor(j.saturation);
        p.hue = rng.uniform(-j.hue, j.hue);
        return p;
    }

    /// The jitter `p` on a float view (values in [0, 1]); the kernel the transform applies.
    /// Factors of exactly 1 (and a hue of 0) are skipped, so a zero jitter keeps every bit.
    static void apply_to(image_view<float> v, const params_type& p) {
        const auto colour = fn::colour_channels(v);
        if (p.brightness != 1.0f) fn::scale_brightness(colour, p.brightness);
        if (p.contrast != 1.0f) fn::adjust_contrast(colour, p.contrast);
        if (colour.channels() < 3) return;
        if (p.saturation != 1.0f) fn::adjust_saturation(colour, p.saturation);
        if (p.hue != 0.0f) fn::shift_hue_saturation(colour, p.hue, 0.0f);
    }

    void apply(sample& s, const params_type& p) const {
        detail::edit_as_float(s, [&](image<float>& pixels) { apply_to(pixels.view(), p); });
    }
};

}  // namespace ias
