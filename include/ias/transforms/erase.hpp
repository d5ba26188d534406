// SPDX-License-Identifier: MIT
// erase: CutOut's and random erasing's hole, the pixels under the mask replaced by a constant, noise or the mean colour.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "../core/concepts.hpp"
#include "../core/configured.hpp"
#include "float_pixels.hpp"

namespace ias {

/// What `erase` puts into the hole.
enum class erase_fill {
    constant,  ///< `value` in every channel (CutOut and torchvision RandomErasing: 0)
    noise,     ///< uniform noise in [0, 1] per pixel and channel (RandomErasing's value="random")
    mean,      ///< the image's mean colour (a common variant)
};

/// The settings of `erase`.
struct erase_settings {
    erase_fill fill = erase_fill::constant;
    float value = 0.0f;  ///< in [0, 1], with fill = constant

    static const description<erase_settings>& describe() {
        using S = erase_settings;
        static const auto d =
            description<S>()
                .field("fill", &S::fill, {{"constant", erase_fill::constant}, {"noise", erase_fill::noise}, {"mean", erase_fill::mean}},
                       "what the hole holds: value, uniform noise in [0, 1], or the image's mean colour")
                .field("value", &S::value, 0, 1, "the hole's value in every channel, with fill = constant");
        return d;
    }
};

/// Replaces the pixels where `sample.mask` > 0.5 (METHODS §2.9): CutOut (DeVries and
/// Taylor 2017; ASBench's CutOut sets the hole to 0) and random erasing (Zhong et al. 2020;
/// torchvision RandomErasing) after a `rectangle_mask`; inpainting methods (RIAD, SMAI) after
/// a grid or superpixel mask. The mask and label are left as the mask stage set them; the
/// other pixels keep their exact bytes. uint8 and float, 1, 3 or 4 channels (alpha included).
struct erase : configured<erase, erase_settings> {
    static constexpr std::string_view name = "erase";
    using configured::configured;

    struct params_type {
        rng_stream noise{};  ///< draws the noise fill
        template <class F>
        void visit_fields(F&&) const {}
    };

    params_type sample_params(rng_stream& rng, const sample&) const { return {rng.fork(0)}; }

    void apply(sample& s, const params_type& p) const {
        if (s.image.empty() || s.mask.width() != s.image.width() || s.mask.height() != s.image.height()) return;
        detail::edit_as_float(s, [&](image<float>& pixels) {
            const int C = pixels.channels();
            std::array<double, 4> sums{};  // images have at most 4 channels
            if (fill == erase_fill::mean)
                for (std::size_t i = 0; i < pixels.size(); ++i) sums[i % std::size_t(C)] += double(pixels.data()[i]);
            const double count = double(pixels.width()) * double(pixels.height());
            rng_stream noise = p.noise;
            for (int y = 0; y < pixels.height(); ++y)
                for (int x = 0; x < pixels.width(); ++x) {
                    if (!(s.mask(x, y) > 0.5f)) continue;
                    for (int c = 0; c < C; ++c)
                        pixels(x, y, c) = fill == erase_fill::constant ? value
                                          : fill == erase_fill::noise  ? noise.uniform()
                                                                       : float(sums[std::size_t(c)] / count);
                }
        });
    }

};

}  // namespace ias
