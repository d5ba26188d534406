// SPDX-License-Identifier: MIT
// The transforms' described settings: every value a description allows builds a transform that
// gives valid samples; what it does not allow is refused when the transform is built.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include <ias/ias.hpp>

#include "test_transforms.hpp"

namespace {

using Catch::Contains;

/// Settings of T drawn from its description (the rules redraw), `trials` times: each must
/// build T, and T must turn a sample with a mask into a valid sample, uint8 and float.
template <class T>
void check_random_settings(int trials) {
    using S = typename T::settings_type;
    const auto& description = S::describe();
    // Large values that cost time, not insight: chaos-game points, Perlin lattices, redraws.
    const auto cap = [](const std::string& name) {
        return name == "iterations" ? 20000.0 : name == "scale_exponents" ? 6.0 : name == "max_redraws" ? 5.0 : -1.0;
    };
    ias::rng_stream rng(2026, 12);
    for (int trial = 0; trial < trials; ++trial) {
        S settings{};
        for (int attempt = 0;; ++attempt) {
            REQUIRE(attempt < 100);
            settings = S{};
            for (const auto& field : description.fields())
                if (!(field.type == ias::field_type::text && field.choices.empty()))
                    description.assign(settings, field.name, ias_test::random_value(field, rng, cap));
            try {
                (void)T(settings);
                break;
            } catch (const std::invalid_argument& e) {
                REQUIRE_THAT(e.what(), Contains("break a rule"));  // only a rule may refuse a draw
            }
        }
        CAPTURE(T::name, description.texts(settings));
        const T t(settings);
        for (const bool floating : {false, true}) {
            ias::sample s(floating ? ias::any_image(ias_test::random_image<float>(40, 32, 3, std::uint64_t(trial)))
                                   : ias::any_image(ias_test::random_image<std::uint8_t>(40, 32, 3, std::uint64_t(trial))));
            ias::rng_stream stream(std::uint64_t(trial), 1);
            ias::run(ias::ellipse_mask{}, s, stream);  // a mask for the blends to use
            REQUIRE_NOTHROW(ias::run(t, s, stream));
            REQUIRE_NOTHROW(s.validate());
            CHECK(s.image.width() == 40);
            CHECK(s.image.height() == 32);
        }
    }
}

}  // namespace

TEMPLATE_TEST_CASE("transform settings: every value the description allows builds and gives valid samples", "[settings]",
                   ias::perlin_mask, ias::rectangle_mask, ias::scar_mask, ias::ellipse_mask, ias::stroke_mask, ias::bezier_blob_mask,
                   ias::bezier_scar_mask, ias::bezier_clump_mask, ias::fractal_mask, ias::grid_mask, ias::patch_window_mask,
                   ias::cutpaste, ias::cutpaste_scar, ias::cutpaste_3way, ias::fpi, ias::pii, ias::nsa, ias::gaussian_blur,
                   ias::gaussian_noise, ias::rotate_content, ias::elastic_deform, ias::rotate, ias::gamma_contrast,
                   ias::multiply_add_brightness, ias::hue_saturation, ias::solarize, ias::posterize, ias::autocontrast,
                   ias::saturation_hue, ias::contrast, ias::brightness, ias::sharpness, ias::colour_jitter, ias::erase,
                   ias::superpixel_mask, ias::texture_blend, ias::structure_blend, ias::defect_maker, ias::fractal_paste) {
    check_random_settings<TestType>(12);
}

TEST_CASE("transform settings: a value out of range is refused when the transform is built, naming it", "[settings]") {
    CHECK_THROWS_WITH(ias::gaussian_blur({.sigma = {3.0f, 1.0f}}),
                      Contains("ias::gaussian_blur: parameter 'sigma' is [3, 1]; it must be [min, max] with 0 <= min <= max <= 1000"));
    CHECK_THROWS_WITH(ias::rotate({.angle = {0.0f, 400.0f}}), Contains("ias::rotate: parameter 'angle' is [0, 400]"));
    CHECK_THROWS_WITH(ias::perlin_mask({.threshold = 3.0f}), Contains("ias::perlin_mask: parameter 'threshold' is 3; it must lie in [-2, 2]"));
    // Built once, the settings stay as they were given: sampling checks nothing again.
    const ias::gaussian_blur blur({.sigma = {0.5f, 0.5f}});
    CHECK(blur.settings().sigma == ias::range<float>{0.5f, 0.5f});
}
