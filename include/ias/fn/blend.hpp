// SPDX-License-Identifier: MIT
// The opacity blend of the DRAEM family, I ← I + o·M·(T − I), and the alpha paste of a patch.
#pragma once

#include <algorithm>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "../core/image_view.hpp"
#include "../core/pixel_region.hpp"

namespace ias::fn {

namespace detail {
/// blend_through_mask's loop, with C channels (0: the image's, at run time).
template <int C, class T>
void blend_spans(image_view<T> image, image_view<const float> source, image_view<const float> mask, float opacity,
                 const pixel_region& where) {
    const int channels = C > 0 ? C : image.channels();
    where.for_each_span(image.width(), image.height(), [&](int y, int x0, int x1) {
        // Pointers local to the span, so that they are not reloaded after every store.
        T* __restrict pixels = image.data();
        const float* __restrict src = source.data();
        const float* __restrict m = mask.data();
        const std::size_t row = std::size_t(y) * std::size_t(image.width());
        for (std::size_t i = row + std::size_t(x0); i < row + std::size_t(x1); ++i) {
            const float w = opacity * m[i];
            for (int c = 0; c < channels; ++c) {
                const std::size_t k = i * std::size_t(channels) + std::size_t(c);
                if constexpr (std::is_same_v<T, float>) {
                    // A select between two values computed beforehand, which vectorises; a
                    // weight of 0 keeps the pixel bit for bit.
                    const float blended = pixels[k] + w * (src[k] - pixels[k]);
                    pixels[k] = w != 0.0f ? blended : pixels[k];
                } else if (w != 0.0f) {
                    const float value = float(pixels[k]) + w * (src[k] * 255.0f - float(pixels[k]));
                    pixels[k] = T(std::clamp(value, 0.0f, 255.0f) + 0.5f);
                }
            }
        }
    });
}
}  // namespace detail

/// image ← image + opacity·mask·(source − image), per pixel and channel (DRAEM, MemSeg,
/// RealNet, GLASS; METHODS §2.2–2.4, §2.13). `source` is float in [0, 1] with the image's
/// shape; `mask` has one channel. Pixels where opacity·mask is 0 keep their exact bytes;
/// uint8 results are rounded to nearest. Only pixels in `where` are visited: it must hold
/// every pixel where the mask is positive (the default, every pixel, always does), and
/// `source` need only be right there. All three must be packed (pixels adjacent, rows
/// without padding), as a sample's planes are. Throws std::invalid_argument otherwise.
template <class T>
void blend_through_mask(image_view<T> image, image_view<const float> source, image_view<const float> mask, float opacity,
                        const pixel_region& where = {}) {
    const int channels = image.channels();
    if (!same_extent(image, source) || !same_extent(image, mask) || source.channels() != channels || mask.channels() != 1 ||
        !image.is_contiguous() || !source.is_contiguous() || !mask.is_contiguous())
        throw std::invalid_argument("ias::fn::blend_through_mask: the image (" + std::to_string(image.width()) + "x" +
                                    std::to_string(image.height()) + "x" + std::to_string(channels) + "), source (" +
                                    std::to_string(source.width()) + "x" + std::to_string(source.height()) + "x" +
                                    std::to_string(source.channels()) + ") and mask (" + std::to_string(mask.width()) + "x" +
                                    std::to_string(mask.height()) + "x" + std::to_string(mask.channels()) +
                                    ") must be packed, of one size, with the source's channels the image's and one mask channel");
    switch (channels) {
        case 1: return detail::blend_spans<1>(image, source, mask, opacity, where);
        case 3: return detail::blend_spans<3>(image, source, mask, opacity, where);
        default: return detail::blend_spans<0>(image, source, mask, opacity, where);
    }
}

/// Pastes `patch` (float in [0, 1], the image's channel count) through `alpha` (one channel,
/// the patch's size, values in [0, 1]) with its top-left corner at pixel (x, y) of `image`:
/// I ← I + α·(P − I), the hard paste of CutPaste where α is 1 and a soft edge where it is
/// fractional. Parts outside the image are clipped; pixels where α is 0 keep their exact
/// bytes; uint8 results are rounded to nearest. Views may have any strides. Throws
/// std::invalid_argument when the shapes do not fit together.
template <class T>
void paste(image_view<T> image, image_view<const float> patch, image_view<const float> alpha, int x, int y) {
    if (!same_extent(patch, alpha) || alpha.channels() != 1 || patch.channels() != image.channels())
        throw std::invalid_argument("ias::fn::paste: the patch (" + std::to_string(patch.width()) + "x" + std::to_string(patch.height()) +
                                    "x" + std::to_string(patch.channels()) + ") and its alpha (" + std::to_string(alpha.width()) +
                                    "x" + std::to_string(alpha.height()) + "x" + std::to_string(alpha.channels()) +
                                    ") must have one size, the alpha one channel and the patch the image's " +
                                    std::to_string(image.channels()));
    const int i0 = std::max(0, -x), i1 = std::min(patch.width(), image.width() - x);
    const int j0 = std::max(0, -y), j1 = std::min(patch.height(), image.height() - y);
    for (int j = j0; j < j1; ++j)
        for (int i = i0; i < i1; ++i) {
            const float a = alpha(i, j);
            if (a == 0.0f) continue;
            for (int c = 0; c < image.channels(); ++c) {
                T& pixel = image(x + i, y + j, c);
                if constexpr (std::is_same_v<T, float>) {
                    pixel = a == 1.0f ? patch(i, j, c) : pixel + a * (patch(i, j, c) - pixel);  // a hard paste copies exactly
                } else {
                    const float value = float(pixel) + a * (patch(i, j, c) * 255.0f - float(pixel));
                    pixel = T(std::clamp(value, 0.0f, 255.0f) + 0.5f);
                }
            }
        }
}

}  // namespace ias::fn
