// SPDX-License-Identifier: MIT
// texture_blend: paint a texture into the sample through its mask, I + o·M·(T − I).
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>

#include "../core/any_transform.hpp"
#include "../core/pixel_region.hpp"
#include "../core/run_on_region.hpp"
#include "../core/concepts.hpp"
#include "../core/configured.hpp"
#include "../fn/blend.hpp"
#include "../textures/texture_source.hpp"

namespace ias {

/// How an opacity is drawn from its range [min, max].
enum class opacity_law {
    uniform,  ///< U[min, max] (DRAEM, MemSeg, RealNet, DeSTSeg)
    normal,   ///< N(mean, stddev²) clipped to [min, max] (GLASS: 1 − β with β ~ N(0.5, 0.1²) in [0.2, 0.8])
};

// The opacity settings shared by the blends: `texture_opacity`, a range<float> [min, max],
// and the law of the draw (`texture_opacity_law`, with `texture_opacity_mean` and
// `texture_opacity_stddev` for the normal law). The opacity is the texture's weight, named for
// what it is because the papers parametrise it differently (METHODS §2.2–2.4, §6): DRAEM draws
// β ~ U[0, 0.8) and uses 1 − β, so o ∈ (0.2, 1] (the defaults); anomalib's `blend_factor` is o
// itself, U[0.2, 1] (its DRAEM model passes (0.1, 1)); MemSeg's δ ~ U[0.15, 1] and RealNet's f
// are o; GLASS's 1 − β is N(0.5, 0.1²) clipped to [0.2, 0.8]; anomalib's validation
// synthesiser uses o ∈ [0.01, 0.2].

namespace detail {
/// The opacity of a blend with settings S (which have the four `texture_opacity` fields).
template <class S>
float draw_opacity(const S& s, rng_stream& rng) {
    if (s.texture_opacity_law == opacity_law::normal)
        return std::clamp(s.texture_opacity_mean + s.texture_opacity_stddev * rng.normal(), s.texture_opacity.min, s.texture_opacity.max);
    return rng.uniform(s.texture_opacity.min, s.texture_opacity.max);
}

/// `d` with the four `texture_opacity` fields of S.
template <class S>
description<S> with_opacity_fields(description<S> d) {
    return std::move(d)
        .field("texture_opacity", &S::texture_opacity, 0, 1, "the texture's weight o in the blend I + o*M*(T - I), drawn in [min, max]")
        .field("texture_opacity_law", &S::texture_opacity_law, {{"uniform", opacity_law::uniform}, {"normal", opacity_law::normal}},
               "o is U[min, max] (DRAEM) or N(mean, stddev^2) clipped to [min, max] (GLASS)")
        .field("texture_opacity_mean", &S::texture_opacity_mean, -1000, 1000, "mean of the normal law (a finite number, at most 1000 away from 0)")
        .field("texture_opacity_stddev", &S::texture_opacity_stddev, 0, 1000, "standard deviation of the normal law, at most 1000");
}

/// Blends `source` into the sample through its mask, checking the mask's size first; `where`
/// must hold the mask's positive pixels.
inline void blend_into(sample& s, const image<float>& source, std::string_view transform, float opacity, const pixel_region& where) {
    if (s.mask.width() != s.image.width() || s.mask.height() != s.image.height())
        throw error("ias::" + std::string(transform) + ": the mask is " + std::to_string(s.mask.width()) + "x" + std::to_string(s.mask.height()) +
                                      " but the image is " + std::to_string(s.image.width()) + "x" + std::to_string(s.image.height()));
    s.image.visit([&](auto v) { fn::blend_through_mask(v, source.view(), s.mask.view(), opacity, where); });
}
}  // namespace detail

/// The settings of `texture_blend`.
struct texture_blend_settings {
    std::shared_ptr<const texture_source> source{};  ///< null: procedural textures
    range<float> texture_opacity{0.2f, 1.0f};
    opacity_law texture_opacity_law = opacity_law::uniform;
    float texture_opacity_mean = 0.5f;    ///< with opacity_law::normal
    float texture_opacity_stddev = 0.1f;  ///< with opacity_law::normal
    dynamic_pipeline texture_ops{};

    static const description<texture_blend_settings>& describe() {
        static const auto d = detail::with_opacity_fields(description<texture_blend_settings>());
        return d;
    }
};

/// Blends a texture into the sample where `sample.mask` is set: I ← I + o·M·(T − I), per
/// pixel and channel, with T a texture of the sample's size from `source` and the opacity o
/// drawn in `texture_opacity` by `texture_opacity_law` (see above for each paper's β).
///
/// Before blending, `texture_ops` (e.g. DRAEM's `some_of(3, ...)` texture augmentations,
/// `recipes::draem_texture_ops()`) run on a sample that holds the texture. The texture and
/// its operations draw from a stream recorded in the parameters, so a trace replays them
/// exactly. Only the part of the texture under the mask is made (`run_on_region`): the
/// texture source and region-aware operations compute just that, and the result is the
/// same as making the whole texture. Pixels where the mask is 0 keep their exact bytes; uint8 results are rounded. The
/// mask and label are left as they are: the mask transform before this one decides them.
/// `source` may be null: procedural textures with default settings are used.
struct texture_blend : configured<texture_blend, texture_blend_settings> {
    static constexpr std::string_view name = "texture_blend";
    using configured::configured;

    struct params_type {
        float opacity = 1.0f;
        rng_stream texture_stream{};  ///< draws the texture and its operations
        template <class F>
        void visit_fields(F&& f) const { f("texture_opacity", opacity); }
    };

    params_type sample_params(rng_stream& rng, const sample&) const {
        params_type p;
        p.opacity = detail::draw_opacity(settings(), rng);
        p.texture_stream = rng.fork(0);
        return p;
    }

    void apply(sample& s, const params_type& p) const {
        if (s.image.empty() || s.mask.empty()) return;
        thread_local pixel_region painted;  // where the mask is positive
        if (!painted.assign_positive(s.mask.data(), s.mask.width(), s.mask.height())) return;  // nothing to paint
        // The texture, in a per-thread sample, so that texture_ops can work on it like on any image.
        // Its pixels outside the mask are never read, so a buffer of the right shape is reused as it is.
        thread_local sample texture;
        auto& t = texture.image.ensure_size<float>(s.image.width(), s.image.height(), s.image.channels());
        rng_stream stream = p.texture_stream, ops_stream = p.texture_stream.fork(1);
        run_on_region(texture_ops, texture, ops_stream, painted, [&](const pixel_region& needed) {
            (source ? *source : default_source()).fill_region(stream, t.view(), needed);
        });
        detail::blend_into(s, t, name, p.opacity, painted);
    }


private:
    static const texture_source& default_source() {
        static const procedural_texture_source procedural{};
        return procedural;
    }
};


}  // namespace ias
