// SPDX-License-Identifier: MIT
// Geometric augmentations as transforms: rotation about the centre and flips, of image and masks together.
#pragma once

#include <array>
#include <numbers>
#include <string_view>
#include <utility>

#include "../core/concepts.hpp"
#include "../core/configured.hpp"
#include "../core/image.hpp"
#include "../core/pixel_region.hpp"
#include "../fn/warp.hpp"
#include "float_pixels.hpp"

namespace ias {

// These move every plane of the sample together: the image, the mask and the foreground
// (when present), so annotations stay on the pixels they describe; the label is then
// recomputed from the mask. They are region-aware (`run_on_region`): `where` and
// `input_region` concern the image; masks are always moved whole.

namespace detail {
/// Calls `warp(plane, is_image)` on the image (as floats, `edit_as_float`), the mask unless it
/// is all zero (it would stay so) and the foreground, then sets the label from the mask.
template <class F>
void warp_planes(sample& s, F&& warp) {
    if (s.image.empty()) return;
    edit_as_float(s, [&](image<float>& pixels) { warp(pixels, true); });
    if (any_positive(s.mask)) {
        warp(s.mask, false);
        s.label = any_positive(s.mask) ? 1 : 0;
    }
    if (!s.foreground.empty()) warp(s.foreground, false);
}
}  // namespace detail

/// The settings of `rotate`.
struct rotate_settings {
    range<float> angle{-45.0f, 45.0f};  ///< degrees
    float fill = 0.0f;  ///< image value outside the source, in [0, 1]

    static const description<rotate_settings>& describe() {
        using S = rotate_settings;
        static const auto d = description<S>()
                                  .field("angle", &S::angle, -360, 360, "the sample turns by U[min, max] degrees, counter-clockwise")
                                  .field("fill", &S::fill, 0, 1, "image value where the turned image does not reach (0 in masks)");
        return d;
    }
};

/// Rotates the sample by an angle ~ U[angle.min, angle.max] degrees (counter-clockwise on
/// screen) about its centre, bilinear, with `fill` where the rotated image does not reach
/// (0 in masks). DRAEM rotates its texture by ±45° (imgaug Affine) and, with probability 0.3,
/// the normal image by ±90° (use `sometimes(0.3, rotate({.angle = {-90, 90}}))`); GLASS's
/// RandomAffine rotates by ±45°; DeSTSeg fills with grey 114/255.
struct rotate : configured<rotate, rotate_settings> {
    static constexpr std::string_view name = "rotate";
    using configured::configured;

    struct params_type {
        float angle = 0.0f;  ///< degrees
        template <class F>
        void visit_fields(F&& f) const { f("angle", angle); }
    };
    params_type sample_params(rng_stream& rng, const sample&) const { return {rng.uniform(angle.min, angle.max)}; }
    void apply(sample& s, const params_type& p, const pixel_region& where = {}) const {
        detail::warp_planes(s, [&](image<float>& plane, bool is_image) {
            // Rotate into a per-thread buffer, then trade buffers: no copy, and no allocation
            // once warm (images and masks keep buffers of their own sizes).
            thread_local std::array<image<float>, 2> buffers;
            image<float>& rotated = buffers[is_image ? 0 : 1];
            rotated.ensure_size(plane.width(), plane.height(), plane.channels());
            if (is_image)
                fn::rotate(std::as_const(plane).view(), rotated.view(), radians(p), fill, where);
            else
                fn::rotate(std::as_const(plane).view(), rotated.view(), radians(p), 0.0f);
            std::swap(plane, rotated);
        });
    }
    /// The source pixels of `region` (the bilinear taps of the turned-back pixels).
    void input_region(const params_type& p, pixel_region& region) const {
        thread_local pixel_region wanted;
        wanted = region;
        fn::rotation_source_region(wanted, region.width(), region.height(), radians(p), region);
    }

private:
    static float radians(const params_type& p) noexcept { return p.angle * (std::numbers::pi_v<float> / 180.0f); }
};

/// Mirrors the sample left to right (GLASS: torchvision RandomHorizontalFlip(p=1)).
struct flip_horizontal : draws_nothing {
    static constexpr std::string_view name = "flip_horizontal";
    void apply(sample& s, no_params, const pixel_region& = {}) const {  // flips all: the cost is a copy
        detail::warp_planes(s, [](image<float>& plane, bool) { fn::flip_horizontal(plane.view()); });
    }
    void input_region(no_params, pixel_region& region) const { region.mirror(true); }
};

/// Mirrors the sample top to bottom (GLASS: torchvision RandomVerticalFlip(p=1)).
struct flip_vertical : draws_nothing {
    static constexpr std::string_view name = "flip_vertical";
    void apply(sample& s, no_params, const pixel_region& = {}) const {
        detail::warp_planes(s, [](image<float>& plane, bool) { fn::flip_vertical(plane.view()); });
    }
    void input_region(no_params, pixel_region& region) const { region.mirror(false); }
};

}  // namespace ias
