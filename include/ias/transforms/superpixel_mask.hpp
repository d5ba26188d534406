// SPDX-License-Identifier: MIT
// superpixel_mask: a random subset of the image's SLIC superpixels, SMAI's inpainting mask.
#pragma once

#include <numeric>
#include <string_view>
#include <vector>

#include "../core/concepts.hpp"
#include "../core/configured.hpp"
#include "../fn/superpixels.hpp"

namespace ias {

/// The settings of `superpixel_mask`.
struct superpixel_mask_settings {
    fn::slic_settings slic{};
    range<float> fraction{0.05f, 0.25f};
    bool restrict_to_foreground = true;

    static const description<superpixel_mask_settings>& describe() {
        using S = superpixel_mask_settings;
        static const auto d = description<S>()
                                  .field("fraction", &S::fraction, 0, 1, "share of the superpixels masked, U[min, max], at least one")
                                  .field("restrict_to_foreground", &S::restrict_to_foreground, {{"true", true}, {"false", false}},
                                         "clip the mask to the sample's foreground when it has one");
        return d;
    }
};

/// Sets `sample.mask` to a random share of the sample's SLIC superpixels and the label to 1
/// when any is chosen (SMAI, Li et al., BMVC 2020; METHODS §8.6.1). The share is uniform in
/// [fraction.min, fraction.max] of the superpixels, at least one; the SMAI parameters are
/// not published in full ([recall] in METHODS), so the defaults are a documented guess.
/// The segmentation depends only on the image, so the same image always gives the same
/// superpixels; which are masked depends on (seed, index). With `restrict_to_foreground`,
/// a foreground mask clips the result.
struct superpixel_mask : configured<superpixel_mask, superpixel_mask_settings> {
    static constexpr std::string_view name = "superpixel_mask";
    using configured::configured;

    struct params_type {
        float fraction = 0.0f;
        std::uint64_t seed = 0;  ///< orders the superpixels; the first ceil(fraction·n) are masked
        template <class F>
        void visit_fields(F&& f) const { f("fraction", fraction); }
    };

    params_type sample_params(rng_stream& rng, const sample&) const {
        params_type p;
        p.fraction = fraction.min < fraction.max ? rng.uniform(fraction.min, fraction.max) : fraction.min;
        p.seed = rng.next_u64();
        return p;
    }

    void apply(sample& s, const params_type& p) const {
        const int w = s.image.width(), h = s.image.height();
        auto& state = scratch();
        state.labels.resize(std::size_t(w) * std::size_t(h));
        const int n = s.image.visit([&](auto view) {
            return fn::slic(image_view<const typename decltype(view)::value_type>(view), std::span<std::int32_t>(state.labels), slic,
                            state.slic);
        });
        // Choose ceil(fraction·n) superpixels (at least one) by a seeded shuffle.
        state.order.resize(std::size_t(n));
        std::iota(state.order.begin(), state.order.end(), 0);
        rng_stream order(p.seed, 0);
        order.shuffle(std::span<std::int32_t>(state.order));
        const auto chosen = std::size_t(std::clamp(int(std::ceil(p.fraction * float(n))), n > 0 ? 1 : 0, n));
        state.selected.assign(std::size_t(n), 0);
        for (std::size_t i = 0; i < chosen; ++i) state.selected[std::size_t(state.order[i])] = 1;

        s.mask.resize(w, h, 1);
        for (std::size_t i = 0; i < state.labels.size(); ++i)
            s.mask.data()[i] = state.selected[std::size_t(state.labels[i])] ? 1.0f : 0.0f;
        s.label = (restrict_to_foreground ? clip_to_foreground(s.mask, s.foreground) : any_positive(s.mask)) ? 1 : 0;
    }


private:
    struct buffers {
        fn::slic_scratch slic;
        std::vector<std::int32_t> labels, order;
        std::vector<std::uint8_t> selected;
    };
    static buffers& scratch() {
        thread_local buffers b;
        return b;
    }
};

}  // namespace ias
