// SPDX-License-Identifier: MIT
// generated_patch: the GAN hook; a host generator paints defect pixels for a region, ias composites them (alpha or Poisson).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/bulk_random.hpp"
#include "../core/concepts.hpp"
#include "../core/configured.hpp"
#include "../core/image.hpp"
#include "../detail/nested_scratch.hpp"
#include "../diffusion/conditioning.hpp"
#include "../fn/blend.hpp"
#include "../fn/poisson.hpp"

namespace ias {

/// What a `patch_generator` is given. Every view is valid only during the call.
struct generator_input {
    /// The latent, `generated_patch::latent_size` standard normal deviates drawn from the
    /// sample's stream: the same (seed, epoch, index) gives the same z on any thread.
    std::span<const float> z;
    /// The sample's image as float in [0, 1] (8-bit pixels / 255), HWC, packed.
    image_view<const float> image;
    /// The sample's mask (one channel, the image's size): the region a previous mask stage
    /// chose; all zero when no mask stage ran.
    image_view<const float> mask;
    /// The transform's conditioning bundle, untouched (a class id, a prompt embedding, ...).
    const diffusion::conditioning& conditioning;
};

/// Where a `patch_generator` writes.
struct generator_output {
    /// The defect pixels, float in [0, 1], with the image's width, height and channels. On
    /// entry it holds a copy of `generator_input::image`, so a generator may write only where
    /// it paints (a translation GAN's G(I) starts from I). Finite values are required; values
    /// outside [0, 1] are clamped.
    image<float>& patch;
    /// Optional soft spatial map in [0, 1], one channel of the image's size (Defect-GAN's
    /// spatial distribution map, AttenCGAN's attention, DFMGAN's generated mask). Empty on
    /// entry; left empty, the sample's mask is the compositing region.
    image<float>& alpha;
};

/// A host generator: a GAN (StyleGAN with a defect branch as DFMGAN, translation GANs as
/// Defect-GAN, AttenCGAN, MDGAN), a diffusion pipeline, or any callable. It is called once per
/// sample, possibly from several threads at once, and must not keep the views it is given.
using patch_generator = std::function<void(const generator_input&, generator_output&)>;

/// How `generated_patch` puts the generated pixels into the image.
enum class patch_composite {
    /// I ← I + o·A·(P − I) per pixel and channel (`fn::blend_through_mask`): the soft layer
    /// I' = A⊙F + (1−A)⊙I of Defect-GAN and AttenCGAN at o = 1 (METHODS §8.9).
    alpha,
    /// A Poisson blend of P into I where A > 0.5 (`fn::poisson_blend`, Pérez et al. 2003), the
    /// seamless fusion of the fabric multistage GAN (METHODS §8.9, NSA's blend in §2.5).
    poisson,
};

/// The settings of `generated_patch`.
struct generated_patch_settings {
    std::shared_ptr<const patch_generator> generator{};
    int latent_size = 512;  ///< length of z, >= 1 (StyleGAN's 512)
    diffusion::conditioning conditioning{};
    patch_composite composite = patch_composite::alpha;
    /// With `poisson`: source gradients (seamless clone, OpenCV NORMAL_CLONE, NSA's default
    /// "Shift") or mixed gradients ("Shift-M"). PII's weighted rule is not offered here.
    fn::poisson_guidance guidance = fn::poisson_guidance::source;
    fn::poisson_settings poisson{};
    range<float> opacity{1.0f, 1.0f};  ///< o ~ U[min, max] within [0, 1]
    /// With a generator alpha: mask values below this become 0 (see 5. above); in [0, 1].
    float label_threshold = 0.5f;
    std::string defect_kind = "generated";

    static const description<generated_patch_settings>& describe() {
        using S = generated_patch_settings;
        static const auto d =
            description<S>()
                .field("latent_size", &S::latent_size, 1, 2147483647, "length of the latent z (StyleGAN: 512)")
                .field("composite", &S::composite, {{"alpha", patch_composite::alpha}, {"poisson", patch_composite::poisson}},
                       "how the generated pixels are put into the image: an alpha blend or a Poisson blend")
                .field("guidance", &S::guidance, {{"source", fn::poisson_guidance::source}, {"mixed", fn::poisson_guidance::mixed}},
                       "with poisson: the source's gradients (seamless clone) or the larger of source and target gradient")
                .field("opacity", &S::opacity, 0, 1, "opacity of the composite U[min, max]")
                .field("label_threshold", &S::label_threshold, 0, 1, "with a generator alpha: mask values below it become 0")
                .field("defect_kind", &S::defect_kind, std::vector<std::string>{}, "the sample's defect_kind when it is labelled")
                .rule("generator must be a callable (not null, not an empty std::function)",
                      [](const S& s) { return s.generator && *s.generator; })
                .rule("poisson.residual_tolerance must be finite and > 0",
                      [](const S& s) { return s.poisson.residual_tolerance > 0.0f && std::isfinite(s.poisson.residual_tolerance); })
                .rule("poisson.max_iterations must be >= 1", [](const S& s) { return s.poisson.max_iterations >= 1; });
        return d;
    }
};

/// Generated defect pixels composited into the region a previous stage chose (METHODS §8.9:
/// "compositing (alpha, soft-layer, Poisson) of a host-generated patch"): mask first, then
/// `generator`, then the composite.
///
/// 1. z ← `latent_size` N(0, 1) deviates of the stage's stream (`fill_normal` on
///    `params_type::latent`), so a trace replays the same z.
/// 2. The generator is called once with z, the image as float, the mask and `conditioning`.
///    Its output is checked before the sample is touched: a patch of another shape or with a
///    NaN or Inf, or an alpha of another shape or with values outside [0, 1], throws
///    ias::error saying what was returned and what is expected.
/// 3. The region A is the generator's alpha when it returned one (limited to the sample's
///    foreground when there is one), else the sample's mask.
/// 4. Composite with opacity o ~ U[opacity.min, opacity.max]: `alpha` blends through A;
///    `poisson` solves with `guidance` where A > 0.5 inside the bounding box of that region,
///    clamps the result to [0, 1] and mixes I + o·(result − I). The Poisson blend keeps the
///    outer ring of its box fixed (the Dirichlet boundary), so pixels on the image's border
///    are never changed by it.
/// 5. Mask and label, one rule: with a generator alpha, `sample.mask` becomes the alpha where
///    it is >= `label_threshold` and 0 elsewhere (a faint fringe below the threshold is
///    composited but counts as normal, as Defect-GAN's map threshold → label); without one,
///    the mask stays. Either way `sample.label` = 1 iff the mask has a positive value, so the
///    label is consistent with the mask; `sample.defect_kind` becomes `defect_kind` when
///    labelled and is cleared when a generator alpha leaves nothing labelled.
///
/// An empty region, no alpha from the generator and no positive mask (no mask stage ran, or
/// it chose nothing), leaves the sample exactly as it was (image, mask, label, kind): still
/// normal. Pixels where o·A is 0 (alpha), or outside A > 0.5 (poisson), keep their exact bytes.
///
/// Pixel types: uint8 (blended in 8 bits by `fn::blend_through_mask`; the Poisson path edits a
/// float copy and rounds the changed box back) and float; 1, 3 or 4 channels. Deterministic in
/// (seed, epoch, index, input) when the generator is a pure function of its input. Allocates
/// nothing per sample once the per-thread buffers have their size (the generator aside).
struct generated_patch : configured<generated_patch, generated_patch_settings> {
    static constexpr std::string_view name = "generated_patch";
    using configured::configured;

    struct params_type {
        rng_stream latent{};  ///< z is `fill_normal(latent, 0, z)`
        float opacity = 1.0f;
        template <class F>
        void visit_fields(F&& f) const {
            f("opacity", opacity);
        }
    };

    params_type sample_params(rng_stream& rng, const sample&) const {
        params_type p;
        p.opacity = rng.uniform(opacity.min, opacity.max);
        p.latent = rng.fork(0);
        return p;
    }

    void apply(sample& s, const params_type& p) const;
};

namespace detail::generated {

/// The per-thread buffers of one `generated_patch` call.
struct buffers {
    std::vector<float> z;
    image<float> pixels, zero_mask, patch, alpha, region, before;
    fn::poisson_scratch poisson;
};

inline std::string shape(int width, int height, int channels) {
    return std::to_string(width) + "x" + std::to_string(height) + "x" + std::to_string(channels);
}

/// Checks what the generator wrote (shape and values), clamping the patch into [0, 1].
inline void check_output(image<float>& patch, const image<float>& alpha, int width, int height, int channels) {
    if (patch.width() != width || patch.height() != height || patch.channels() != channels || patch.empty())
        throw error("ias::generated_patch: the generator returned a patch of " + shape(patch.width(), patch.height(), patch.channels()) +
                    ", but it must be " + shape(width, height, channels) + " (the image's width, height and channels)");
    constexpr float largest = std::numeric_limits<float>::max();
    float* v = patch.data();
    std::uint32_t non_finite = 0;  // an integer OR, which vectorises; only a failure pays for locating it
    for (std::size_t i = 0; i < patch.size(); ++i) non_finite |= std::uint32_t(!(std::abs(v[i]) <= largest));
    if (non_finite != 0) {
        std::size_t i = 0;
        while (std::abs(v[i]) <= largest) ++i;
        throw error("ias::generated_patch: the generator's patch has a non-finite value (NaN or Inf) at element " + std::to_string(i) +
                    "; patch values must be finite, in [0, 1]");
    }
    for (std::size_t i = 0; i < patch.size(); ++i) v[i] = std::clamp(v[i], 0.0f, 1.0f);
    if (alpha.empty()) return;
    if (alpha.width() != width || alpha.height() != height || alpha.channels() != 1)
        throw error("ias::generated_patch: the generator returned an alpha of " + shape(alpha.width(), alpha.height(), alpha.channels()) +
                    ", but it must be empty or " + shape(width, height, 1) + " (one channel of the image's size)");
    const float* a = alpha.data();
    std::uint32_t outside = 0;
    for (std::size_t i = 0; i < alpha.size(); ++i) outside |= std::uint32_t(!(a[i] >= 0.0f && a[i] <= 1.0f));
    if (outside != 0) {
        std::size_t i = 0;
        while (a[i] >= 0.0f && a[i] <= 1.0f) ++i;
        throw error("ias::generated_patch: the generator's alpha has value " + std::to_string(a[i]) + " at element " + std::to_string(i) +
                    "; alpha values must lie in [0, 1]");
    }
}

/// The Poisson composite of `patch` into `pixels` where `region` > 0.5 (see generated_patch,
/// step 4). Returns the box it changed as {x0, y0, width, height} (width 0: nothing).
inline std::array<int, 4> poisson_composite(image<float>& pixels, const image<float>& patch, const image<float>& region, float opacity,
                                            fn::poisson_guidance guidance, const fn::poisson_settings& options, buffers& b) {
    const int W = pixels.width(), H = pixels.height(), C = pixels.channels();
    int x0 = W, y0 = H, x1 = -1, y1 = -1;
    for (int y = 0; y < H; ++y) {
        const float* r = region.view().row(y);
        for (int x = 0; x < W; ++x)
            if (r[x] > 0.5f) x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
    if (x1 < 0) return {0, 0, 0, 0};
    // The box plus a ring of one pixel: the ring is the solve's fixed boundary.
    x0 = std::max(x0 - 1, 0), y0 = std::max(y0 - 1, 0), x1 = std::min(x1 + 2, W), y1 = std::min(y1 + 2, H);
    const int w = x1 - x0, h = y1 - y0;
    if (w < 3 || h < 3) return {0, 0, 0, 0};
    b.region.ensure_size(w, h, 1);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const bool ring = x == 0 || y == 0 || x == w - 1 || y == h - 1;  // never unknown, as fn::poisson_blend promises
            b.region(x, y) = !ring && region(x0 + x, y0 + y) > 0.5f ? 1.0f : 0.0f;
        }
    const auto target = pixels.view().crop(x0, y0, w, h);
    if (opacity < 1.0f) b.before.assign(image_view<const float>(target));
    fn::poisson_blend(target, patch.view().crop(x0, y0, w, h), std::as_const(b.region).view(), guidance, b.poisson, options);
    // Poisson solutions may overshoot [0, 1] (as OpenCV saturates 8 bits); then the opacity.
    for (int y = 1; y < h - 1; ++y)
        for (int x = 1; x < w - 1; ++x) {
            if (!(b.region(x, y) > 0.0f)) continue;
            for (int c = 0; c < C; ++c) {
                float& v = target(x, y, c);
                v = std::clamp(v, 0.0f, 1.0f);
                if (opacity < 1.0f) v = b.before(x, y, c) + opacity * (v - b.before(x, y, c));
            }
        }
    return {x0, y0, w, h};
}

}  // namespace detail::generated

inline void generated_patch::apply(sample& s, const params_type& p) const {
    if (s.image.empty()) return;
    const int W = s.image.width(), H = s.image.height(), C = s.image.channels();
    const bool has_mask = !s.mask.empty();
    if (has_mask && (s.mask.width() != W || s.mask.height() != H || s.mask.channels() != 1))
        throw error("ias::generated_patch: the sample's mask is " + detail::generated::shape(s.mask.width(), s.mask.height(), s.mask.channels()) +
                    ", but it must be one channel of the image's size " + std::to_string(W) + "x" + std::to_string(H));
    ias::detail::nested_scratch<detail::generated::buffers> scope;  // a generator may run ias stages, even this one
    auto& b = scope.get();

    detail::resize_grown(b.z, std::size_t(latent_size));
    fill_normal(p.latent, 0, std::span<float>(b.z));
    const image<float>* pixels = &b.pixels;  // the image as float: itself, or a float copy of 8-bit pixels
    if (s.image.holds<float>())
        pixels = &std::as_const(s.image).get<float>();
    else
        assign_as_float(b.pixels, s.image);
    if (!has_mask) b.zero_mask.resize(W, H, 1, 0.0f);
    b.patch.assign(pixels->view());
    b.alpha.clear();
    {
        const generator_input in{std::span<const float>(b.z), pixels->view(), std::as_const(has_mask ? s.mask : b.zero_mask).view(),
                                 conditioning};
        generator_output out{b.patch, b.alpha};
        (*generator)(in, out);
    }
    detail::generated::check_output(b.patch, b.alpha, W, H, C);

    // The region; nothing of the sample has changed so far, so every error above leaves it intact.
    const bool has_alpha = !b.alpha.empty();
    if (has_alpha) {
        clip_to_foreground(b.alpha, s.foreground);  // throws for a foreground of the wrong shape
    } else if (!has_mask || !any_positive(s.mask)) {
        return;  // an empty region: the sample stays as it was, normal
    }
    const image<float>& region = has_alpha ? b.alpha : s.mask;

    if (composite == patch_composite::alpha) {
        s.image.visit([&](auto v) { fn::blend_through_mask(v, std::as_const(b.patch).view(), region.view(), p.opacity); });
    } else if (s.image.holds<float>()) {
        detail::generated::poisson_composite(s.image.get<float>(), b.patch, region, p.opacity, guidance, poisson, b);
    } else {
        const auto box = detail::generated::poisson_composite(b.pixels, b.patch, region, p.opacity, guidance, poisson, b);
        if (box[2] > 0)  // back to 8 bits; the unchanged pixels of the box round back to their bytes
            convert_pixels(std::as_const(b.pixels).view().crop(box[0], box[1], box[2], box[3]),
                           s.image.get<std::uint8_t>().view().crop(box[0], box[1], box[2], box[3]));
    }

    if (has_alpha) {
        s.mask.ensure_size(W, H, 1);
        float* m = s.mask.data();
        const float* a = b.alpha.data();
        for (std::size_t i = 0; i < s.mask.size(); ++i) m[i] = a[i] >= label_threshold ? a[i] : 0.0f;
    }
    s.label = any_positive(s.mask) ? 1 : 0;
    if (s.label != 0)
        s.defect_kind = defect_kind;
    else
        s.defect_kind.clear();
}

}  // namespace ias
