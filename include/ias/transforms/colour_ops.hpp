// SPDX-License-Identifier: MIT
// Colour augmentations as transforms: DRAEM's imgaug texture operations and GLASS's torchvision ones.
#pragma once

#include <array>
#include <string_view>
#include <vector>

#include "../core/concepts.hpp"
#include "../core/image.hpp"
#include "../core/pixel_region.hpp"
#include "../fn/colour.hpp"
#include "float_pixels.hpp"
#include "settings.hpp"

namespace ias {

// Each transform changes the colour channels of `sample.image` (alpha is kept) and nothing
// else; they are the texture operations of DRAEM (METHODS §2.2, imgaug, 8-bit scales given
// here as fractions of 255) and GLASS (§2.13, torchvision), with those papers' ranges as
// defaults. Float images are changed in place, uint8 images through a float copy rounded back.
// Use them alone, in a pipeline, or as `some_of(3, ...)` in `texture_blend::texture_ops`;
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

/// A colour operation with one factor drawn from U[factor_min, factor_max] and applied by
/// `Op::apply(view, factor)`; `Op` also gives the name and the default range.
template <class Op>
struct factor_op {
    static constexpr std::string_view name = Op::name;
    float factor_min = Op::default_min;
    float factor_max = Op::default_max;

    struct params_type {
        float factor = 1.0f;
        template <class F>
        void visit_fields(F&& f) const { f("factor", factor); }
    };
    void validate() const { settings::check_range(name, "factor_min", factor_min, "factor_max", factor_max, 0.0f, 100.0f); }
    params_type sample_params(rng_stream& rng, const sample&) const {
        validate();
        return {rng.uniform(factor_min, factor_max)};
    }
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

/// v ← v^γ, with γ ~ U[gamma_min, gamma_max], one per channel when `per_channel` (DRAEM:
/// imgaug GammaContrast((0.5, 2.0), per_channel=True)).
struct gamma_contrast {
    static constexpr std::string_view name = "gamma_contrast";
    float gamma_min = 0.5f;
    float gamma_max = 2.0f;
    bool per_channel = true;

    struct params_type {
        std::array<float, 4> gamma{1.0f, 1.0f, 1.0f, 1.0f};
        template <class F>
        void visit_fields(F&& f) const { f("gamma", gamma); }
    };
    void validate() const { detail::settings::check_range(name, "gamma_min", gamma_min, "gamma_max", gamma_max, 1e-3f, 1e3f); }
    params_type sample_params(rng_stream& rng, const sample&) const {
        validate();
        params_type p;
        for (auto& g : p.gamma) g = per_channel || &g == p.gamma.data() ? rng.uniform(gamma_min, gamma_max) : p.gamma[0];
        return p;
    }
    void apply(sample& s, const params_type& p, const pixel_region& where = {}) const {
        detail::edit_colour(s, [&](image_view<float> v) { fn::gamma_contrast(v, p.gamma, where); });
    }
};

/// Brightness (luma) Y ← m·Y + a with m ~ U[multiply_min, multiply_max] and
/// a ~ U[add_min, add_max], chroma kept (DRAEM: imgaug MultiplyAndAddToBrightness(mul=(0.8,
/// 1.2), add=(−30, 30)) in its YCrCb mode; a is in [0, 1] units, so ±30/255).
struct multiply_add_brightness {
    static constexpr std::string_view name = "multiply_add_brightness";
    float multiply_min = 0.8f;
    float multiply_max = 1.2f;
    float add_min = -30.0f / 255.0f;
    float add_max = 30.0f / 255.0f;

    struct params_type {
        float multiply = 1.0f, add = 0.0f;
        template <class F>
        void visit_fields(F&& f) const {
            f("multiply", multiply);
            f("add", add);
        }
    };
    void validate() const {
        detail::settings::check_range(name, "multiply_min", multiply_min, "multiply_max", multiply_max, 0.0f, 100.0f);
        detail::settings::check_range(name, "add_min", add_min, "add_max", add_max, -1.0f, 1.0f);
    }
    params_type sample_params(rng_stream& rng, const sample&) const {
        validate();
        params_type p;
        p.multiply = rng.uniform(multiply_min, multiply_max);
        p.add = rng.uniform(add_min, add_max);
        return p;
    }
    void apply(sample& s, const params_type& p, const pixel_region& where = {}) const {
        detail::edit_colour(s, [&](image_view<float> v) { fn::multiply_add_brightness(v, p.multiply, p.add, where); });
    }
};

/// PIL's sharpness enhancement with factor ~ U[factor_min, factor_max]: 0 smooths, 1 keeps,
/// 2 sharpens (DRAEM: imgaug pillike.EnhanceSharpness, factor range [0, 2]).
using sharpness = detail::factor_op<detail::sharpness_op>;

/// Turns the hue by h ~ U[hue_min, hue_max] of a full circle and adds s ~ U[saturation_min,
/// saturation_max] to the HSV saturation (DRAEM: imgaug AddToHueAndSaturation((−50, 50),
/// per_channel=True), i.e. ±50/255 each, drawn independently). Grey images are unchanged.
struct hue_saturation {
    static constexpr std::string_view name = "hue_saturation";
    float hue_min = -50.0f / 255.0f;
    float hue_max = 50.0f / 255.0f;
    float saturation_min = -50.0f / 255.0f;
    float saturation_max = 50.0f / 255.0f;

    struct params_type {
        float hue = 0.0f, saturation = 0.0f;
        template <class F>
        void visit_fields(F&& f) const {
            f("hue", hue);
            f("saturation", saturation);
        }
    };
    void validate() const {
        detail::settings::check_range(name, "hue_min", hue_min, "hue_max", hue_max, -1.0f, 1.0f);
        detail::settings::check_range(name, "saturation_min", saturation_min, "saturation_max", saturation_max, -1.0f, 1.0f);
    }
    params_type sample_params(rng_stream& rng, const sample&) const {
        validate();
        params_type p;
        p.hue = rng.uniform(hue_min, hue_max);
        p.saturation = rng.uniform(saturation_min, saturation_max);
        return p;
    }
    void apply(sample& s, const params_type& p, const pixel_region& where = {}) const {
        detail::edit_colour(s, [&](image_view<float> v) { fn::shift_hue_saturation(v, p.hue, p.saturation, where); });
    }
};

/// With probability `probability`, inverts every value >= t, t ~ U[threshold_min,
/// threshold_max] (DRAEM: imgaug Solarize(0.5, threshold=(32, 128)), so 32/255 to 128/255).
struct solarize {
    static constexpr std::string_view name = "solarize";
    float probability = 0.5f;
    float threshold_min = 32.0f / 255.0f;
    float threshold_max = 128.0f / 255.0f;

    struct params_type {
        bool applied = false;
        float threshold = 1.0f;
        template <class F>
        void visit_fields(F&& f) const {
            f("applied", applied);
            f("threshold", threshold);
        }
    };
    void validate() const {
        detail::settings::check_value(name, "probability", probability, 0.0f, 1.0f);
        detail::settings::check_range(name, "threshold_min", threshold_min, "threshold_max", threshold_max, 0.0f, 1.0f);
    }
    params_type sample_params(rng_stream& rng, const sample&) const {
        validate();
        params_type p;
        p.applied = rng.bernoulli(probability);
        p.threshold = rng.uniform(threshold_min, threshold_max);
        return p;
    }
    void apply(sample& s, const params_type& p, const pixel_region& where = {}) const {
        if (p.applied) detail::edit_colour(s, [&](image_view<float> v) { fn::solarize(v, p.threshold, where); });
    }
};

/// Keeps the top b ~ Ui[bits_min, bits_max] bits of each 8-bit level (DRAEM: imgaug
/// pillike.Posterize, 1 to 8 bits; anomalib uses 4).
struct posterize {
    static constexpr std::string_view name = "posterize";
    int bits_min = 1;
    int bits_max = 8;

    struct params_type {
        int bits = 8;
        template <class F>
        void visit_fields(F&& f) const { f("bits", bits); }
    };
    void validate() const {
        if (!(1 <= bits_min && bits_min <= bits_max && bits_max <= 8))
            detail::settings::fail(name, "bits_min = " + std::to_string(bits_min) + " and bits_max = " + std::to_string(bits_max) +
                                             " must satisfy 1 <= bits_min <= bits_max <= 8");
    }
    params_type sample_params(rng_stream& rng, const sample&) const {
        validate();
        return {int(rng.integer(bits_min, bits_max))};
    }
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

/// PIL's autocontrast, ignoring c ~ U[cutoff_min, cutoff_max] percent of the pixels at each
/// end of every channel's histogram (DRAEM: imgaug pillike.Autocontrast, cutoff (0, 20);
/// GLASS: torchvision RandomAutocontrast, cutoff 0: set both to 0).
struct autocontrast {
    static constexpr std::string_view name = "autocontrast";
    float cutoff_min = 0.0f;  ///< percent
    float cutoff_max = 20.0f;

    struct params_type {
        float cutoff = 0.0f;
        template <class F>
        void visit_fields(F&& f) const { f("cutoff", cutoff); }
    };
    void validate() const { detail::settings::check_range(name, "cutoff_min", cutoff_min, "cutoff_max", cutoff_max, 0.0f, 49.0f); }
    params_type sample_params(rng_stream& rng, const sample&) const {
        validate();
        return {rng.uniform(cutoff_min, cutoff_max)};
    }
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

/// Blends with the mean grey level, factor ~ U[factor_min, factor_max] (GLASS: torchvision
/// ColorJitter(contrast=[0.8, 1.2])).
using contrast = detail::factor_op<detail::contrast_op>;

/// v ← v·factor, factor ~ U[factor_min, factor_max] (GLASS: torchvision ColorJitter(brightness=[0.8, 1.2])).
using brightness = detail::factor_op<detail::brightness_op>;

/// Saturation blend with the grey image by s ~ U[saturation_min, saturation_max], then a hue
/// turn by h ~ U[hue_min, hue_max] of a circle (GLASS: torchvision ColorJitter(saturation=
/// [0.8, 1.2], hue=[−0.2, 0.2]); torchvision draws the order of the two, ias applies
/// saturation first).
struct saturation_hue {
    static constexpr std::string_view name = "saturation_hue";
    float saturation_min = 0.8f;
    float saturation_max = 1.2f;
    float hue_min = -0.2f;
    float hue_max = 0.2f;

    struct params_type {
        float saturation = 1.0f, hue = 0.0f;
        template <class F>
        void visit_fields(F&& f) const {
            f("saturation", saturation);
            f("hue", hue);
        }
    };
    void validate() const {
        detail::settings::check_range(name, "saturation_min", saturation_min, "saturation_max", saturation_max, 0.0f, 100.0f);
        detail::settings::check_range(name, "hue_min", hue_min, "hue_max", hue_max, -0.5f, 0.5f);
    }
    params_type sample_params(rng_stream& rng, const sample&) const {
        validate();
        params_type p;
        p.saturation = rng.uniform(saturation_min, saturation_max);
        p.hue = rng.uniform(hue_min, hue_max);
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
