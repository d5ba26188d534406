// SPDX-License-Identifier: MIT
// The texture augmentation sets of DRAEM (3 of 10, imgaug) and GLASS (3 of 9, torchvision).
#pragma once

#include "../core/compose.hpp"
#include "../transforms/colour_ops.hpp"
#include "../transforms/geometry_ops.hpp"

namespace ias::recipes {

/// DRAEM's texture augmentation (METHODS §2.2; `data_loader.py`): `count` distinct operations
/// of these ten, in random order: gamma contrast, brightness multiply-and-add, sharpness,
/// hue and saturation, solarize, posterize, invert, autocontrast, equalize, rotation ±45°.
/// MemSeg and RealNet use the same set.
inline auto draem_texture_ops(int count = 3) {
    return some_of(count, gamma_contrast{}, multiply_add_brightness{}, sharpness{}, hue_saturation{}, solarize{},
                   posterize{}, invert{}, autocontrast{}, equalize{}, rotate{});
}

/// GLASS's texture augmentation (METHODS §2.13; `datasets/mvtec.py` with rand_aug): `count`
/// distinct operations of these nine, in random order: contrast, brightness, saturation with
/// hue, horizontal flip, vertical flip, greyscale, autocontrast, equalize, rotation ±45°.
inline auto glass_texture_ops(int count = 3) {
    return some_of(count, contrast{}, brightness{}, saturation_hue{}, flip_horizontal{}, flip_vertical{}, grayscale{},
                   autocontrast({.cutoff = {0.0f, 0.0f}}), equalize{}, rotate{});
}

}  // namespace ias::recipes
