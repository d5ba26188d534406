// SPDX-License-Identifier: MIT
// diffusion_inpaint: a host diffusion model synthesises the region an earlier mask stage chose.
#pragma once

#include <algorithm>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "../core/concepts.hpp"
#include "../core/configured.hpp"
#include "../diffusion/masks.hpp"
#include "../diffusion/paste_back.hpp"
#include "../diffusion/sampler.hpp"
#include "float_pixels.hpp"
#include "settings.hpp"

namespace ias {

/// The host's autoencoder for latent diffusion (Stable Diffusion's VAE: stride 8, 4 channels,
/// latents scaled by 0.18215 inside `encode`). `encode` maps an image in [−1, 1] (HWC) to a
/// 1 × H/stride × W/stride × channels latent; `decode` maps it back.
struct latent_codec {
    int stride = 8;
    int channels = 4;
    std::function<void(image_view<const float> image, diffusion::tensor_view latent)> encode;
    std::function<void(diffusion::const_tensor_view latent, image_view<float> image)> decode;
};

/// The settings of `diffusion_inpaint`.
struct diffusion_inpaint_settings {
    std::shared_ptr<const diffusion::sampler> sampler{};
    /// The guidance branches (guidance_branch); empty: one branch with no conditioning.
    std::vector<diffusion::guidance_branch> guidance{};
    std::shared_ptr<const latent_codec> codec{};
    diffusion::mask_pooling latent_mask = diffusion::mask_pooling::max;
    bool keep_known = true;
    diffusion::paste_back_settings paste_back{};
    range<float> opacity{1.0f, 1.0f};
    std::string defect_kind = "diffusion";

    static const description<diffusion_inpaint_settings>& describe() {
        using S = diffusion_inpaint_settings;
        static const auto d =
            description<S>()
                .field("latent_mask", &S::latent_mask, {{"area", diffusion::mask_pooling::area}, {"max", diffusion::mask_pooling::max}},
                       "with a codec: how the mask is pooled to the latent grid, block mean or block maximum")
                .field("keep_known", &S::keep_known, {{"true", true}, {"false", false}},
                       "the unmasked region is the noised input at every step (blended diffusion), else pasted through the mask")
                .field("opacity", &S::opacity, 0, 1, "opacity of the result U[min, max]")
                .field("defect_kind", &S::defect_kind, std::vector<std::string>{}, "the sample's defect_kind")
                .rule("sampler is empty; it must hold a diffusion::sampler", [](const S& s) { return bool(s.sampler); })
                .rule("the sampler must pass diffusion::sampler::validate()",
                      [](const S& s) {
                          if (!s.sampler) return true;  // the rule above
                          try {
                              s.sampler->validate();
                              return true;
                          } catch (const std::exception&) {
                              return false;
                          }
                      })
                .rule("codec, when given, must have stride >= 1, channels >= 1, and both encode and decode", [](const S& s) {
                    return !s.codec || (s.codec->stride >= 1 && s.codec->channels >= 1 && s.codec->encode && s.codec->decode);
                });
        return d;
    }
};

/// Synthesises the masked region of a sample with a host diffusion model (METHODS §3.3–3.4),
/// the second stage of a mask-first pipeline: `pipeline(perlin_mask({...}), diffusion_inpaint({...}))`
/// with any ias mask stage, or a host mask model in front (AnomalyDiffusion's stage 1).
///
/// - `keep_known` (Blended Diffusion, Blended Latent Diffusion, RePaint, AnomalyDiffusion,
///   AdaBLDM): the unmasked region is the noised input at every step, so the model fills the
///   hole in context. Off, the model generates a whole image that is then pasted through the
///   mask: RealNet's SDAS with `variance_inflation` (§2.4, §3.4). The sampler's `strength`
///   below 1 starts from the noised input (SDEdit).
/// - With a `codec` the sampler works on latents and the mask is pooled to the latent grid;
///   the image must then be a multiple of the stride in both directions.
/// - After decoding, the region outside the (dilated, feathered) mask gets its original pixels
///   back (`paste_back`; AnomalyDiffusion skips this and its backgrounds drift, its issue #44),
///   and the result is blended in with opacity o ~ U[opacity.min, opacity.max]:
///   I ← I + o·(G − I). Pixels the paste-back keeps are the input's exact bytes.
/// - Pixels are mapped to the model's [−1, 1] and back. The mask, label 1 and `defect_kind`
///   are set; a sample without a positive mask pixel is left unchanged and normal.
///
/// The sampler, its model and the codec are shared and read-only, so one transform serves
/// many threads; the noise comes from the sample's stream (replayable from the trace).
struct diffusion_inpaint : configured<diffusion_inpaint, diffusion_inpaint_settings> {
    static constexpr std::string_view name = "diffusion_inpaint";
    using configured::configured;

    struct params_type {
        rng_stream noise{};  ///< the sampler's stream
        float opacity = 1.0f;
        template <class F>
        void visit_fields(F&& f) const { f("opacity", opacity); }
    };

    params_type sample_params(rng_stream& rng, const sample&) const {
        return {rng.fork(0), rng.uniform(opacity.min, opacity.max)};
    }

    void apply(sample& s, const params_type& p) const {
        if (s.image.empty() || s.mask.width() != s.image.width() || s.mask.height() != s.image.height() || !any_positive(s.mask))
            return;
        struct buffers {
            diffusion::tensor pixels, known, x, mask;
            diffusion::sampler_scratch sampler;
            diffusion::paste_back_scratch paste;
            image<float> original;
        };
        thread_local buffers b;
        detail::edit_as_float(s, [&](image<float>& image) {
            const int w = image.width(), h = image.height(), c = image.channels();
            b.original.assign(std::as_const(image).view());
            // The model's range: [0, 1] → [−1, 1].
            b.pixels.reshape({1, h, w, c});
            for (std::size_t i = 0; i < image.size(); ++i) b.pixels.data()[i] = 2.0f * image.data()[i] - 1.0f;
            if (codec) {
                if (w % codec->stride != 0 || h % codec->stride != 0)
                    detail::settings::fail(name, "the image is " + std::to_string(w) + "x" + std::to_string(h) +
                                                     "; with a latent codec both sides must be multiples of its stride " +
                                                     std::to_string(codec->stride));
                const diffusion::tensor_shape latent{1, h / codec->stride, w / codec->stride, codec->channels};
                b.known.reshape(latent);
                codec->encode(b.pixels.view().image(0), b.known);
                b.mask.reshape(latent.with_channels(1));
                diffusion::downsample_mask(s.mask.view(), b.mask.view().image(0), latent_mask);
            } else {
                b.known.assign(b.pixels);
                b.mask.reshape({1, h, w, 1});
                std::copy_n(s.mask.data(), s.mask.size(), b.mask.data());
            }
            b.x.assign(b.known);  // SDEdit's start; overwritten by noise at strength 1
            const diffusion::guidance_branch unconditional{};
            const auto branches = guidance.empty() ? std::span<const diffusion::guidance_branch>(&unconditional, 1)
                                                   : std::span<const diffusion::guidance_branch>(guidance);
            const diffusion::blended_region region{b.known, b.mask};
            sampler->run(b.x, std::span(&p.noise, 1), branches, b.sampler, keep_known ? &region : nullptr);
            if (codec) {
                codec->decode(b.x, b.pixels.view().image(0));
            } else {
                b.pixels.assign(b.x);
            }
            // Back to [0, 1], the untouched region restored, then the opacity blend.
            for (std::size_t i = 0; i < image.size(); ++i)
                image.data()[i] = std::clamp(0.5f * (b.pixels.data()[i] + 1.0f), 0.0f, 1.0f);
            diffusion::paste_back(image.view(), std::as_const(b.original).view(), std::as_const(s.mask).view(), paste_back,
                                  b.paste);
            if (p.opacity < 1.0f)
                for (std::size_t i = 0; i < image.size(); ++i) {
                    const float o = b.original.data()[i];
                    image.data()[i] = o + p.opacity * (image.data()[i] - o);
                }
        });
        s.label = 1;
        s.defect_kind = defect_kind;
    }

};

}  // namespace ias
