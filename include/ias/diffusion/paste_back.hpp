// SPDX-License-Identifier: MIT
// paste_back: restores the original pixels outside the (dilated, feathered) generation mask of a diffusion result.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "../core/image.hpp"
#include "../core/image_view.hpp"
#include "../fn/filters.hpp"
#include "../fn/morphology.hpp"

namespace ias::diffusion {

/// How `paste_back` turns the generation mask into the weight of the generated pixels.
struct paste_back_settings {
    /// Radius in pixels of a disk dilation of the mask before pasting (0 = none), so that the
    /// generated region keeps a margin: blended sampling harmonises the defect with its
    /// surroundings, and a tight paste would cut that transition off. The disk has diameter
    /// 2·dilation + 1 (`fn::structuring_element`), i.e. offsets with dx² + dy² <= r² + r.
    /// In [0, (fn::max_structuring_element_size − 1)/2].
    int dilation = 0;
    /// Standard deviation in pixels of the Gaussian feathering of the dilated mask (0 = a hard
    /// edge; `fn::gaussian_feather`). Finite, >= 0.
    float feather_sigma = 0.0f;
};

/// Reusable buffers of `paste_back`: the weight map and the morphology scratch. They only grow,
/// so a caller that keeps one per thread stops allocating once warm.
struct paste_back_scratch {
    image<float> weight, scratch;
};

/// Pastes `original` back over a diffusion `result` outside the generation mask (METHODS §3.3:
/// AnomalyDiffusion does not, and its background drifts, issue #44; §8.9/§8.10 list the
/// paste-back among the shared post-processing).
///
/// The weight of the generated pixels is w = clamp(feather(dilate(mask)), 0, 1) with the
/// options' disk dilation and Gaussian feathering. Then, per pixel and channel:
/// w == 0 → `original` (its exact bytes); w == 1 → `result` unchanged (exact);
/// otherwise result·w + original·(1 − w), rounded to nearest for `uint8_t`.
///
/// Pixel types: `uint8_t` and `float` (`result` and `original` of one type). Shapes: `result`
/// and `original` have one size and channel count; `mask` has one channel and that size (values
/// in [0, 1], no NaN); any strides. `original` is taken as `image_view<const T>` but not deduced
/// from, so a mutable view converts. Throws std::invalid_argument naming the shapes, or the
/// option out of range. Deterministic.
template <pixel T>
void paste_back(image_view<T> result, std::type_identity_t<image_view<const T>> original, image_view<const float> mask,
                const paste_back_settings& options, paste_back_scratch& scratch) {
    const auto extent = [](int w, int h, int c) {
        return std::to_string(w) + "x" + std::to_string(h) + "x" + std::to_string(c);
    };
    if (!same_extent(result, original) || result.channels() != original.channels())
        throw std::invalid_argument("ias::diffusion::paste_back: result is " +
                                    extent(result.width(), result.height(), result.channels()) + " but original is " +
                                    extent(original.width(), original.height(), original.channels()) +
                                    "; they must have the same size and channels");
    if (!same_extent(mask, result) || mask.channels() != 1)
        throw std::invalid_argument("ias::diffusion::paste_back: mask is " +
                                    extent(mask.width(), mask.height(), mask.channels()) + "; for a result of " +
                                    extent(result.width(), result.height(), result.channels()) + " it must be " +
                                    extent(result.width(), result.height(), 1));
    constexpr int max_dilation = (fn::max_structuring_element_size - 1) / 2;
    if (options.dilation < 0 || options.dilation > max_dilation)
        throw std::invalid_argument("ias::diffusion::paste_back: dilation is " + std::to_string(options.dilation) +
                                    "; it must be in [0, " + std::to_string(max_dilation) + "]");
    if (!(options.feather_sigma >= 0.0f) || !std::isfinite(options.feather_sigma))
        throw std::invalid_argument("ias::diffusion::paste_back: feather_sigma is " + std::to_string(options.feather_sigma) +
                                    "; it must be finite and >= 0");
    if (result.empty()) return;

    const int w = result.width(), h = result.height(), c = result.channels();
    scratch.weight.ensure_size(w, h, 1);
    const image_view<float> weight = scratch.weight.view();
    if (options.dilation > 0)
        fn::dilate(mask, weight, {fn::kernel_shape::disk, 2 * options.dilation + 1}, scratch.scratch);
    else
        convert_pixels(mask, weight);
    if (options.feather_sigma > 0.0f) fn::gaussian_feather(weight, weight, options.feather_sigma, scratch.scratch);

    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const float wv = weight(x, y);
            if (wv >= 1.0f) continue;  // the clamp to 1: the generated pixel stays
            if (!(wv > 0.0f)) {        // the clamp to 0: the original pixel, exactly
                for (int k = 0; k < c; ++k) result(x, y, k) = original(x, y, k);
                continue;
            }
            for (int k = 0; k < c; ++k) {
                const float v = float(result(x, y, k)) * wv + float(original(x, y, k)) * (1.0f - wv);
                if constexpr (std::is_same_v<T, std::uint8_t>)
                    result(x, y, k) = std::uint8_t(std::clamp(v, 0.0f, 255.0f) + 0.5f);
                else
                    result(x, y, k) = v;
            }
        }
}

/// `paste_back` with buffers of its own: convenient, but it allocates on every call.
template <pixel T>
void paste_back(image_view<T> result, std::type_identity_t<image_view<const T>> original, image_view<const float> mask,
                const paste_back_settings& options = {}) {
    paste_back_scratch scratch;
    paste_back(result, original, mask, options, scratch);
}

}  // namespace ias::diffusion
