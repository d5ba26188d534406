// SPDX-License-Identifier: MIT
// texture_blend: paint a texture into the sample through its mask, I + o·M·(T − I).
#pragma once

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "../core/any_transform.hpp"
#include "../core/concepts.hpp"
#include "../textures/texture_source.hpp"

namespace ias {

/// Blends a texture into the sample where `sample.mask` is set:
/// I ← I + o·M·(T − I), per pixel and channel, with T a texture of the sample's size from
/// `source` and the opacity o ~ U[texture_opacity_min, texture_opacity_max].
///
/// The opacity is the texture's weight, named for what it is because the papers parametrise
/// it differently (METHODS §2.2–2.4, §6): DRAEM draws β ~ U[0, 0.8) and uses 1 − β, so
/// o ∈ (0.2, 1] (the defaults); anomalib's `blend_factor` is o itself, U[0.2, 1] (its DRAEM
/// model passes (0.1, 1)); MemSeg's δ ~ U[0.15, 1] and RealNet's f are o; anomalib's
/// validation synthesiser uses o ∈ [0.01, 0.2].
///
/// Before blending, `texture_ops` (e.g. DRAEM's `some_of(3, ...)` texture augmentations) run
/// on a sample that holds the texture. The texture and its operations draw from a stream
/// recorded in the parameters, so a trace replays them exactly. Pixels where the mask is 0
/// keep their exact bytes; uint8 results are rounded. The mask and label are left as they
/// are: the mask transform before this one decides them. `source` may be null: procedural
/// textures with default settings are used.
struct texture_blend {
    static constexpr std::string_view name = "texture_blend";

    std::shared_ptr<const texture_source> source{};  ///< null: procedural textures
    float texture_opacity_min = 0.2f;
    float texture_opacity_max = 1.0f;
    dynamic_pipeline texture_ops{};

    struct params_type {
        float opacity = 1.0f;
        rng_stream texture_stream{};  ///< draws the texture and its operations
        template <class F>
        void visit_fields(F&& f) const { f("texture_opacity", opacity); }
    };

    /// Throws std::invalid_argument unless 0 <= texture_opacity_min <= texture_opacity_max <= 1.
    void validate() const {
        if (!(texture_opacity_min >= 0.0f && texture_opacity_min <= texture_opacity_max && texture_opacity_max <= 1.0f))
            throw std::invalid_argument("ias::texture_blend: texture opacities must satisfy 0 <= texture_opacity_min <= "
                                        "texture_opacity_max <= 1, got [" + std::to_string(texture_opacity_min) + ", " +
                                        std::to_string(texture_opacity_max) + "]");
    }

    params_type sample_params(rng_stream& rng, const sample&) const {
        validate();
        params_type p;
        p.opacity = texture_opacity_min < texture_opacity_max ? rng.uniform(texture_opacity_min, texture_opacity_max)
                                                              : texture_opacity_min;
        p.texture_stream = rng.fork(0);
        return p;
    }

    void apply(sample& s, const params_type& p) const {
        if (s.mask.empty() || s.image.empty()) return;
        if (s.mask.width() != s.image.width() || s.mask.height() != s.image.height())
            throw error("ias::texture_blend: the mask is " + std::to_string(s.mask.width()) + "x" + std::to_string(s.mask.height()) +
                        " but the image is " + std::to_string(s.image.width()) + "x" + std::to_string(s.image.height()));
        // The texture, in a per-thread sample, so that texture_ops can work on it like on any image.
        thread_local sample texture;
        auto& t = texture.image.emplace<float>(s.image.width(), s.image.height(), s.image.channels());
        rng_stream stream = p.texture_stream;
        (source ? *source : default_source()).fill(stream, t.view());
        if (!texture_ops.empty()) {
            texture.ensure_mask();
            rng_stream ops_stream = p.texture_stream.fork(1);
            texture_ops(texture, ops_stream);
        }
        const float* tex = t.data();
        const float* m = s.mask.data();
        const float o = p.opacity;
        const int channels = s.image.channels();
        s.image.visit([&]<class T>(image_view<T> v) {
            T* pixels = v.data();  // a sample's image is contiguous
            const std::size_t n = std::size_t(v.width()) * std::size_t(v.height());
            for (std::size_t i = 0; i < n; ++i) {
                const float w = o * m[i];
                if (w == 0.0f) continue;  // untouched, bit for bit
                for (int c = 0; c < channels; ++c) {
                    const std::size_t k = i * std::size_t(channels) + std::size_t(c);
                    if constexpr (std::is_same_v<T, float>) {
                        pixels[k] += w * (tex[k] - pixels[k]);
                    } else {
                        const float value = float(pixels[k]) + w * (tex[k] * 255.0f - float(pixels[k]));
                        pixels[k] = T(std::clamp(value, 0.0f, 255.0f) + 0.5f);
                    }
                }
            }
        });
    }

    void operator()(sample& s, rng_stream& rng) const { apply(s, sample_params(rng, s)); }

private:
    static const texture_source& default_source() {
        static const procedural_texture_source procedural{};
        return procedural;
    }
};

}  // namespace ias
