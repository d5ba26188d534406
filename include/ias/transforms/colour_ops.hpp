// SPDX-License-Identifier: MIT
// Colour augmentations as transforms: DRAEM's imgaug texture operations and GLASS's torchvision ones.
#pragma once

#include <array>
#include <string_view>
#include <vector>

#include "../core/concepts.hpp"
#include "../core/configured.hpp"
#include "../core/image.hpp"
#include "../core/pixel_region.hpp"
#include "../fn/colour.hpp"
#include "float_pixels.hpp"

namespace ias {

// Each transform changes the colour channels of `sample.image` (alpha is kept) and nothing
// else; they are the texture operations of DRAEM (METHODS §2.2, imgaug, 8-bit scales given
// here as fractions of 255) and GLASS (§2.13, torchvision), with those papers' ranges as
// defaults. Float images are changed in place, uint8 images through a float copy rounded back.
// Use them alone, in a pipeline, or as `some_of(3, ...)` in `texture_blend_settings::texture_ops`;
// `recipes::draem_texture_ops()` and `recipes::glass_texture_ops()` build those sets. Each is
// region-aware (`run_on_region`): given the pixels `where` that will be read, it computes
// only those, from the pixels it declares with `input_region` (the whole image for the
// operations that take statistics of it).

namespace detail {
/// For the operations that read every pixel: the whole image, whatever is wanted from the output.
inline void whole_image(pixel_region& region) noexcept { region.set_everywhere(); }

/// Runs `kernel(image_view<float>)` on the colour channels of the sample's image.
template <class F>
void edit_colour(sample& s, F&& kernel) {
    edit_as_float(s, [&](image<float>& pixels) { kernel(fn::colour_channels(pixels.view())); });
}

/// The settings of `factor_op<Op>`.
template <class Op>
struct factor_op_settings {
    range<float> factor{Op::default_min, Op::default_max};

    static const description<factor_op_settings>& describe() {
        using S = factor_op_settings;
        static const auto d = description<S>().field("factor", &S::factor, 0, 100, "the factor is U[min, max] (1 keeps the image)");
        return d;
    }
};

/// A colour operation with one factor drawn from U[factor.min, factor.max] and applied by
/// `Op::apply(view, factor)`; `Op` also gives the name and the default range.
template <class Op>
struct factor_op : configured<factor_op<Op>, factor_op_settings<Op>> {
    static constexpr std::string_view name = Op::name;
    using configured<factor_op<Op>, factor_op_settings<Op>>::configured;

    struct params_type {
        float factor = 1.0f;
        template <class F>
        void visit_fields(F&& f) const { f("factor", factor); }
    };
    params_type sample_params(rng_stream& rng, const sample&) const { return {rng.uniform(this->factor.min, this->factor.max)}; }
    void apply(sample& s, const params_type& p, const pixel_region& where = {}) const {
        edit_colour(s, [&](image_view<float> v) { Op::apply(v, p.factor, where); });
    }
    void input_region(const params_type&, pixel_region& region) const
        requires requires { Op::input_region(region); }
    {
        Op::input_region(region);
    }
};

struct sharpness_op {
    static constexpr std::string_view name = "sharpness";
    static constexpr float default_min = 0.0f, default_max = 2.0f;
    static void apply(image_view<float> v, float factor, const pixel_region& where) {
        thread_local std::vector<float> scratch;
        fn::sharpness(v, factor, scratch, where);
    }
    static void input_region(pixel_region& region) { region.dilate(); }  // the 3×3 neighbourhood
};
struct contrast_op {
    static constexpr std::string_view name = "contrast";
    static constexpr float default_min = 0.8f, default_max = 1.2f;
    static void apply(image_view<float> v, float factor, const pixel_region& where) { fn::adjust_contrast(v, factor, where); }
    static void input_region(pixel_region& region) { whole_image(region); }  // the mean grey level
};
struct brightness_op {
    static constexpr std::string_view name = "brightness";
    static constexpr float default_min = 0.8f, default_max = 1.2f;
    static void apply(image_view<float> v, float factor, const pixel_region& where) { fn::scale_brightness(v, factor, where); }
};
}  // namespace detail

/// The settings of `gamma_contrast`.
struct gamma_contrast_settings {
    range<float> gamma{0.5f, 2.0f};
    bool per_channel = true;

    static const description<gamma_contrast_settings>& describe() {
        using S = gamma_contrast_settings;
        static const auto d = description<S>()
                                  .field("gamma", &S::gamma, 1e-3, 1e3, "v becomes v^gamma, gamma U[min, max]")
                                  .field("per_channel", &S::per_channel, {{"true", true}, {"false", false}},
                                         "one gamma per channel, or one for all");
        return d;
    }
};

/// v ← v^γ, with γ ~ U[gamma.min, gamma.max], one per channel when `per_channel` (DRAEM:
/// imgaug GammaContrast((0.5, 2.0), per_channel=True)).
struct gamma_contrast : configured<gamma_contrast, gamma_contrast_settings> {
    static constexpr std::string_view name = "gamma_contrast";
    using configured::configured;

    struct params_type {
        std::array<float, 4> gamma{1.0f, 1.0f, 1.0f, 1.0f};
        template <class F>
        void visit_fields(F&& f) const { f("gamma", gamma); }
    };
    params_type sample_params(rng_stream& rng, const sample&) const {
        params_type p;
        for (auto& g : p.gamma) g = per_channel || &g == p.gamma.data() ? rng.uniform(gamma.min, gamma.max) : p.gamma[0];
        return p;
    }
    void apply(sample& s, const params_type& p, const pixel_region& where = {}) const {
        detail::edit_colour(s, [&](image_view<float> v) { fn::gamma_contrast(v, p.gamma, where); });
    }
};

/// The settings of `multiply_add_brightness`.
struct multiply_add_brightness_settings {
    range<float> multiply{0.8f, 1.2f};
    range<float> add{-30.0f / 255.0f, 30.0f / 255.0f};

    static const description<multiply_add_brightness_settings>& describe() {
        using S = multiply_add_brightness_settings;
        static const auto d = description<S>()
                                  .field("multiply", &S::multiply, 0, 100, "the luma is multiplied by U[min, max]")
                                  .field("add", &S::add, -1, 1, "then U[min, max] is added to it, in [0, 1] units (DRAEM: +-30/255)");
        return d;
    }
};

/// Brightness (luma) Y ← m·Y + a with m ~ U[multiply.min, multiply.max] and
/// a ~ U[add.min, add.max], chroma kept (DRAEM: imgaug MultiplyAndAddToBrightness(mul=(0.8,
/// 1.2), add=(−30, 30)) in its YCrCb mode; a is in [0, 1] units, so ±30/255).
struct multiply_add_brightness : configured<multiply_add_brightness, multiply_add_brightness_settings> {
    static constexpr std::string_view name = "multiply_add_brightness";
    using configured::configured;

    struct params_type {
        float multiply = 1.0f, add = 0.0f;
        template <class F>
        void visit_fields(F&& f) const {
            f("multiply", multiply);
            f("add", add);
        }
    };
    params_type sample_params(rng_stream& rng, const sample&) const {
        params_type p;
        p.multiply = rng.uniform(multiply.min, multiply.max);
        p.add = rng.uniform(add.min, add.max);
        return p;
    }
    void apply(sample& s, const params_type& p, const pixel_region& where = {}) const {
        detail::edit_colour(s, [&](image_view<float> v) { fn::multiply_add_brightness(v, p.multiply, p.add, where); });
    }
};

/// PIL's sharpness enhancement with factor ~ U[factor.min, factor.max]: 0 smooths, 1 keeps,
/// 2 sharpens (DRAEM: imgaug pillike.EnhanceSharpness, factor range [0, 2]).
using sharpness = detail::factor_op<detail::sharpness_op>;

/// The settings of `hue_saturation`.
struct hue_saturation_settings {
    range<float> hue{-50.0f / 255.0f, 50.0f / 255.0f};
    range<float> saturation{-50.0f / 255.0f, 50.0f / 255.0f};

    static const description<hue_saturation_settings>& describe() {
        using S = hue_saturation_settings;
        static const auto d = description<S>()
                                  .field("hue", &S::hue, -1, 1, "the hue turns by U[min, max] of a full circle (DRAEM: +-50/255)")
                                  .field("saturation", &S::saturation, -1, 1, "U[min, max] is added to the HSV saturation (DRAEM: +-50/255)");
        return d;
    }
};

/// Turns the hue by h ~ U[hue.min, hue.max] of a full circle and adds s ~ U[saturation.min,
/// saturation.max] to the HSV saturation (DRAEM: imgaug AddToHueAndSaturation((−50, 50),
/// per_channel=True), i.e. ±50/255 each, drawn independently). Grey images are unchanged.
struct hue_saturation : configured<hue_saturation, hue_saturation_settings> {
    static constexpr std::string_view name = "hue_saturation";
    using configured::configured;

    struct params_type {
        float hue = 0.0f, saturation = 0.0f;
        template <class F>
        void visit_fields(F&& f) const {
            f("hue", hue);
            f("saturation", saturation);
        }
    };
    params_type sample_params(rng_stream& rng, const sample&) const {
        params_type p;
        p.hue = rng.uniform(hue.min, hue.max);
        p.saturation = rng.uniform(saturation.min, saturation.max);
        return p;
    }
    void apply(sample& s, const params_type& p, const pixel_region& where = {}) const {
        detail::edit_colour(s, [&](image_view<float> v) { fn::shift_hue_saturation(v, p.hue, p.saturation, where); });
    }
};

/// The settings of `solarize`.
struct solarize_settings {
    float probability = 0.5f;
    range<float> threshold{32.0f / 255.0f, 128.0f / 255.0f};

    static const description<solarize_settings>& describe() {
        using S = solarize_settings;
        static const auto d = description<S>()
                                  .field("probability", &S::probability, 0, 1, "share of samples solarized")
                                  .field("threshold", &S::threshold, 0, 1, "values >= t are inverted, t U[min, max] (DRAEM: 32/255 to 128/255)");
        return d;
    }
};

/// With probability `probability`, inverts every value >= t, t ~ U[threshold.min,
/// threshold.max] (DRAEM: imgaug Solarize(0.5, threshold=(32, 128)), so 32/255 to 128/255).
struct solarize : configured<solarize, solarize_settings> {
    static constexpr std::string_view name = "solarize";
    using configured::configured;

    struct params_type {
        bool applied = false;
        float threshold = 1.0f;
        template <class F>
        void visit_fields(F&& f) const {
            f("applied", applied);
            f("threshold", threshold);
        }
    };
    params_type sample_params(rng_stream& rng, const sample&) const {
        params_type p;
        p.applied = rng.bernoulli(probability);
        p.threshold = rng.uniform(threshold.min, threshold.max);
        return p;
    }
    void apply(sample& s, const params_type& p, const pixel_region& where = {}) const {
        if (p.applied) detail::edit_colour(s, [&](image_view<float> v) { fn::solarize(v, p.threshold, where); });
    }
};

/// The settings of `posterize`.
struct posterize_settings {
    range<int> bits{1, 8};

    static const description<posterize_settings>& describe() {
        using S = posterize_settings;
        static const auto d = description<S>().field("bits", &S::bits, 1, 8, "the top b bits of each 8-bit level are kept, b uniform in the range");
        return d;
    }
};

/// Keeps the top b ~ Ui[bits.min, bits.max] bits of each 8-bit level (DRAEM: imgaug
/// pillike.Posterize, 1 to 8 bits; anomalib uses 4).
struct posterize : configured<posterize, posterize_settings> {
    static constexpr std::string_view name = "posterize";
    using configured::configured;

    struct params_type {
        int bits = 8;
        template <class F>
        void visit_fields(F&& f) const { f("bits", bits); }
    };
    params_type sample_params(rng_stream& rng, const sample&) const { return {int(rng.integer(bits.min, bits.max))}; }
    void apply(sample& s, const params_type& p, const pixel_region& where = {}) const {
        detail::edit_colour(s, [&](image_view<float> v) { fn::posterize(v, p.bits, where); });
    }
};

/// v ← 1 − v (DRAEM: imgaug Invert).
struct invert : draws_nothing {
    static constexpr std::string_view name = "invert";
    void apply(sample& s, no_params, const pixel_region& where = {}) const {
        detail::edit_colour(s, [&](image_view<float> v) { fn::invert(v, where); });
    }
};

/// The settings of `autocontrast`.
struct autocontrast_settings {
    range<float> cutoff{0.0f, 20.0f};  ///< percent

    static const description<autocontrast_settings>& describe() {
        using S = autocontrast_settings;
        static const auto d = description<S>().field("cutoff", &S::cutoff, 0, 49,
                                                     "percent of the pixels ignored at each end of the histogram, U[min, max]");
        return d;
    }
};

/// PIL's autocontrast, ignoring c ~ U[cutoff.min, cutoff.max] percent of the pixels at each
/// end of every channel's histogram (DRAEM: imgaug pillike.Autocontrast, cutoff (0, 20);
/// GLASS: torchvision RandomAutocontrast, cutoff 0: set both ends to 0).
struct autocontrast : configured<autocontrast, autocontrast_settings> {
    static constexpr std::string_view name = "autocontrast";
    using configured::configured;

    struct params_type {
        float cutoff = 0.0f;
        template <class F>
        void visit_fields(F&& f) const { f("cutoff", cutoff); }
    };
    params_type sample_params(rng_stream& rng, const sample&) const { return {rng.uniform(cutoff.min, cutoff.max)}; }
    void apply(sample& s, const params_type& p, const pixel_region& where = {}) const {
        detail::edit_colour(s, [&](image_view<float> v) { fn::autocontrast(v, p.cutoff, where); });
    }
    void input_region(const params_type&, pixel_region& region) const { detail::whole_image(region); }  // the histogram
};

/// PIL's histogram equalisation per channel (DRAEM: imgaug pillike.Equalize; GLASS:
/// torchvision RandomEqualize(p=1)).
struct equalize : draws_nothing {
    static constexpr std::string_view name = "equalize";
    void apply(sample& s, no_params, const pixel_region& where = {}) const {
        detail::edit_colour(s, [&](image_view<float> v) { fn::equalize(v, where); });
    }
    void input_region(no_params, pixel_region& region) const { detail::whole_image(region); }  // the histogram
};

/// Blends with the mean grey level, factor ~ U[factor.min, factor.max] (GLASS: torchvision
/// ColorJitter(contrast=[0.8, 1.2])).
using contrast = detail::factor_op<detail::contrast_op>;

/// v ← v·factor, factor ~ U[factor.min, factor.max] (GLASS: torchvision ColorJitter(brightness=[0.8, 1.2])).
using brightness = detail::factor_op<detail::brightness_op>;

/// The settings of `saturation_hue`.
struct saturation_hue_settings {
    range<float> saturation{0.8f, 1.2f};
    range<float> hue{-0.2f, 0.2f};

    static const description<saturation_hue_settings>& describe() {
        using S = saturation_hue_settings;
        static const auto d = description<S>()
                                  .field("saturation", &S::saturation, 0, 100, "saturation blend factor with the grey image, U[min, max]")
                                  .field("hue", &S::hue, -0.5, 0.5, "then the hue turns by U[min, max] of a full circle");
        return d;
    }
};

/// Saturation blend with the grey image by s ~ U[saturation.min, saturation.max], then a hue
/// turn by h ~ U[hue.min, hue.max] of a circle (GLASS: torchvision ColorJitter(saturation=
/// [0.8, 1.2], hue=[−0.2, 0.2]); torchvision draws the order of the two, ias applies
/// saturation first).
struct saturation_hue : configured<saturation_hue, saturation_hue_settings> {
    static constexpr std::string_view name = "saturation_hue";
    using configured::configured;

    struct params_type {
        float saturation = 1.0f, hue = 0.0f;
        template <class F>
        void visit_fields(F&& f) const {
            f("saturation", saturation);
            f("hue", hue);
        }
    };
    params_type sample_params(rng_stream& rng, const sample&) const {
        params_type p;
        p.saturation = rng.uniform(saturation.min, saturation.max);
        p.hue = rng.uniform(hue.min, hue.max);
        return p;
    }
    void apply(sample& s, const params_type& p, const pixel_region& where = {}) const {
        detail::edit_colour(s, [&](image_view<float> v) {
            fn::adjust_saturation(v, p.saturation, where);
            fn::shift_hue_saturation(v, p.hue, 0.0f, where);
        });
    }
};

/// Replaces the colour by its grey value (GLASS: torchvision RandomGrayscale(p=1)).
struct grayscale : draws_nothing {
    static constexpr std::string_view name = "grayscale";
    void apply(sample& s, no_params, const pixel_region& where = {}) const {
        detail::edit_colour(s, [&](image_view<float> v) { fn::grayscale(v, where); });
    }
};

}  // namespace ias
