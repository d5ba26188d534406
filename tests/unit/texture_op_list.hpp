// SPDX-License-Identifier: MIT
// Every texture operation, for tests that check a property of each.
#pragma once

#include <ias/transforms/colour_ops.hpp>
#include <ias/transforms/geometry_ops.hpp>

namespace ias_test {

/// Calls `f` with every colour transform, set up so that each changes the image.
template <class F>
void for_each_colour_op(F&& f) {
    f(ias::gamma_contrast{});
    f(ias::multiply_add_brightness{});
    f(ias::sharpness{});
    f(ias::hue_saturation{});
    f(ias::solarize({.probability = 1.0f}));
    f(ias::posterize{});
    f(ias::invert{});
    f(ias::autocontrast{});
    f(ias::equalize{});
    f(ias::contrast{});
    f(ias::brightness{});
    f(ias::saturation_hue{});
    f(ias::grayscale{});
}

/// Calls `f` with every geometric transform.
template <class F>
void for_each_geometry_op(F&& f) {
    f(ias::rotate{});
    f(ias::flip_horizontal{});
    f(ias::flip_vertical{});
}

}  // namespace ias_test
