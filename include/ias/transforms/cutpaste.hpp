// SPDX-License-Identifier: MIT
// CutPaste (Li et al., CVPR 2021): a box or a thin rotated scar of the image, colour-jittered, pasted elsewhere in it.
#pragma once

#include <algorithm>
#include <cmath>
#include <string_view>

#include "../core/concepts.hpp"
#include "../core/image.hpp"
#include "../fn/blend.hpp"
#include "colour_jitter.hpp"
#include "settings.hpp"
#include "shape_masks.hpp"

namespace ias {

/// How CutPaste draws the aspect ratio r (width / height) of its box (METHODS §2.8).
enum class cutpaste_aspect {
    coin,         ///< the paper and NSA: a fair coin between U(aspect_min, 1) and U(1, aspect_max)
    log_uniform,  ///< Runinho's pytorch-cutpaste: log-uniform over [aspect_min, aspect_max]
};

namespace detail::cutpaste {

/// The box of the image at (x, y) of size w × h as a float patch, colour-jittered.
inline void cut(const sample& s, int x, int y, int w, int h, const colour_jitter::params_type& jitter, image<float>& patch) {
    patch.ensure_size(w, h, s.image.channels());
    s.image.visit([&](auto v) { convert_pixels(v.crop(x, y, w, h), patch.view()); });
    colour_jitter::apply_to(patch.view(), jitter);
}

/// Pastes `patch` through `alpha` at (x, y), sets the mask to the alpha (the footprint) and
/// the label to 1 when it is non-empty.
inline void paste(sample& s, const image<float>& patch, const image<float>& alpha, int x, int y) {
    s.image.visit([&](auto v) { fn::paste(v, patch.view(), alpha.view(), x, y); });
    s.mask.resize(s.image.width(), s.image.height(), 1, 0.0f);
    for (int j = std::max(0, -y); j < std::min(alpha.height(), s.mask.height() - y); ++j)
        for (int i = std::max(0, -x); i < std::min(alpha.width(), s.mask.width() - x); ++i) s.mask(x + i, y + j) = alpha(i, j);
    s.label = any_positive(s.mask) ? 1 : 0;
}

}  // namespace detail::cutpaste

/// CutPaste (Li, Sohn, Yoon, Pfister; CVPR 2021; METHODS §2.8): a box of area U[area_min,
/// area_max]·W·H and aspect ratio r (`aspect_sampling`), w = round(√(area·r)), h =
/// round(√(area/r)), cut from a uniform place in the image, colour-jittered (`jitter`,
/// torchvision ColorJitter 0.1 each as in pytorch-cutpaste; zero ranges switch it off) and
/// pasted at an independent uniform place in the same image, both boxes wholly inside.
/// `sample.mask` is the paste footprint and `sample.label` 1: CutPaste trains an image
/// classifier, the footprint is for localisation and inspection. uint8 and float, 1, 3 or 4
/// channels; pixels outside the footprint keep their exact bytes.
struct cutpaste {
    static constexpr std::string_view name = "cutpaste";

    float area_min = 0.02f;  ///< fraction of W·H
    float area_max = 0.15f;
    float aspect_min = 0.3f;
    float aspect_max = 3.3f;
    cutpaste_aspect aspect_sampling = cutpaste_aspect::coin;
    colour_jitter jitter{};

    struct params_type {
        int source_x = 0, source_y = 0, width = 0, height = 0, x = 0, y = 0;
        colour_jitter::params_type jitter{};
        template <class F>
        void visit_fields(F&& f) const {
            f("source", std::array<int, 4>{source_x, source_y, width, height});
            f("destination", std::array<int, 2>{x, y});
            jitter.visit_fields(f);
        }
    };

    /// Throws std::invalid_argument naming the first field out of range.
    void validate() const {
        detail::settings::check_range(name, "area_min", area_min, "area_max", area_max, 0.0f, 1.0f);
        detail::settings::check_range(name, "aspect_min", aspect_min, "aspect_max", aspect_max, 1e-3f, 1e3f);
        if (!(aspect_min <= 1.0f && aspect_max >= 1.0f))
            detail::settings::fail(name, "aspect_min = " + std::to_string(aspect_min) + " and aspect_max = " + std::to_string(aspect_max) +
                                             " must enclose 1");
    }

    /// The aspect ratio by `aspect_sampling`.
    [[nodiscard]] float draw_aspect(rng_stream& rng) const {
        if (aspect_sampling == cutpaste_aspect::log_uniform) return detail::shape_masks::log_uniform(rng, aspect_min, aspect_max);
        return rng.bernoulli(0.5) ? rng.uniform(aspect_min, 1.0f) : rng.uniform(1.0f, aspect_max);
    }

    params_type sample_params(rng_stream& rng, const sample& s) const {
        validate();
        params_type p;
        const int W = s.image.width(), H = s.image.height();
        if (W < 1 || H < 1) return p;
        const float area = rng.uniform(area_min, area_max) * float(W) * float(H);
        const float aspect = draw_aspect(rng);
        p.width = std::clamp(int(std::lround(std::sqrt(area * aspect))), 1, W);
        p.height = std::clamp(int(std::lround(std::sqrt(area / aspect))), 1, H);
        p.source_x = int(rng.integer(0, W - p.width));
        p.source_y = int(rng.integer(0, H - p.height));
        p.x = int(rng.integer(0, W - p.width));
        p.y = int(rng.integer(0, H - p.height));
        p.jitter = jitter.sample_params(rng, s);
        return p;
    }

    void apply(sample& s, const params_type& p) const {
        if (p.width < 1 || p.height < 1 || p.source_x + p.width > s.image.width() || p.source_y + p.height > s.image.height()) return;
        thread_local image<float> patch, alpha;
        detail::cutpaste::cut(s, p.source_x, p.source_y, p.width, p.height, p.jitter, patch);
        alpha.resize(p.width, p.height, 1, 1.0f);
        detail::cutpaste::paste(s, patch, alpha, p.x, p.y);
    }

};

/// CutPaste-scar (METHODS §2.8): a thin box of width U[2, 16] and length U[10, 25] pixels at
/// 256×256 (scaled by min(W, H)/256), cut from a uniform place, colour-jittered, rotated by
/// U[−45°, 45°] with the canvas expanded, and pasted through the rotated alpha at a uniform
/// place where the rotated box fits. The rotation is bilinear (PIL's `rotate(expand=True)`
/// with BILINEAR on an RGBA patch): the alpha is the bilinear interpolation of the box's
/// indicator, so the scar's edge is soft, and `sample.mask` is that alpha, `sample.label` 1.
struct cutpaste_scar {
    static constexpr std::string_view name = "cutpaste_scar";

    float width_min = 2.0f;  ///< pixels at reference_size
    float width_max = 16.0f;
    float length_min = 10.0f;
    float length_max = 25.0f;
    float angle_min = -45.0f;  ///< degrees
    float angle_max = 45.0f;
    float reference_size = 256.0f;  ///< 0: sizes in pixels whatever the image size
    colour_jitter jitter{};

    struct params_type {
        int source_x = 0, source_y = 0, width = 0, length = 0;  ///< the unrotated box
        float angle = 0.0f;                                     ///< degrees
        int x = 0, y = 0;                                       ///< top-left of the rotated box's canvas
        colour_jitter::params_type jitter{};
        template <class F>
        void visit_fields(F&& f) const {
            f("source", std::array<int, 4>{source_x, source_y, width, length});
            f("angle", angle);
            f("destination", std::array<int, 2>{x, y});
            jitter.visit_fields(f);
        }
    };

    void validate() const {
        detail::settings::check_range(name, "width_min", width_min, "width_max", width_max, 0.0f, 1e6f);
        detail::settings::check_range(name, "length_min", length_min, "length_max", length_max, 0.0f, 1e6f);
        detail::settings::check_range(name, "angle_min", angle_min, "angle_max", angle_max, -360.0f, 360.0f);
        detail::shape_masks::check_reference(name, reference_size);
    }

    /// The canvas of the rotated box: its width and height in pixels.
    static std::array<int, 2> canvas(int width, int length, float angle) noexcept {
        const float c = std::abs(std::cos(angle * detail::shape_masks::degrees)), s = std::abs(std::sin(angle * detail::shape_masks::degrees));
        return {int(std::ceil(c * float(width) + s * float(length))), int(std::ceil(s * float(width) + c * float(length)))};
    }

    params_type sample_params(rng_stream& rng, const sample& s) const {
        validate();
        params_type p;
        const int W = s.image.width(), H = s.image.height();
        if (W < 1 || H < 1) return p;
        const float scale = detail::shape_masks::scale_of(s, reference_size);
        p.width = std::clamp(int(std::lround(rng.uniform(width_min, width_max) * scale)), 1, W);
        p.length = std::clamp(int(std::lround(rng.uniform(length_min, length_max) * scale)), 1, H);
        p.source_x = int(rng.integer(0, W - p.width));
        p.source_y = int(rng.integer(0, H - p.length));
        p.angle = rng.uniform(angle_min, angle_max);
        const auto [cw, ch] = canvas(p.width, p.length, p.angle);
        p.x = int(rng.integer(0, std::max(0, W - cw)));
        p.y = int(rng.integer(0, std::max(0, H - ch)));
        p.jitter = jitter.sample_params(rng, s);
        return p;
    }

    void apply(sample& s, const params_type& p) const {
        if (p.width < 1 || p.length < 1 || p.source_x + p.width > s.image.width() || p.source_y + p.length > s.image.height()) return;
        thread_local image<float> patch, rotated, alpha;
        detail::cutpaste::cut(s, p.source_x, p.source_y, p.width, p.length, p.jitter, patch);
        const auto [cw, ch] = canvas(p.width, p.length, p.angle);
        const int C = patch.channels();
        rotated.resize(cw, ch, C, 0.0f);
        alpha.resize(cw, ch, 1, 0.0f);
        // Each canvas pixel samples the patch at its turned-back position (u, v) in patch
        // pixel coordinates (centres 0 .. w − 1): colour by bilinear interpolation with the
        // edge clamped, alpha by the box indicator's, which ramps to 0 one pixel outside.
        const float radians = p.angle * detail::shape_masks::degrees, c = std::cos(radians), sn = std::sin(radians);
        const float pcx = float(p.width - 1) / 2.0f, pcy = float(p.length - 1) / 2.0f;
        const float ccx = float(cw - 1) / 2.0f, ccy = float(ch - 1) / 2.0f;
        for (int y = 0; y < ch; ++y)
            for (int x = 0; x < cw; ++x) {
                const float dx = float(x) - ccx, dy = float(y) - ccy;
                const float u = pcx + c * dx + sn * dy, v = pcy - sn * dx + c * dy;
                const float a = std::clamp(std::min(u + 1.0f, float(p.width) - u), 0.0f, 1.0f) *
                                std::clamp(std::min(v + 1.0f, float(p.length) - v), 0.0f, 1.0f);
                if (a <= 0.0f) continue;
                alpha(x, y) = a;
                const float uc = std::clamp(u, 0.0f, float(p.width - 1)), vc = std::clamp(v, 0.0f, float(p.length - 1));
                const int u0 = int(uc), v0 = int(vc), u1 = std::min(u0 + 1, p.width - 1), v1 = std::min(v0 + 1, p.length - 1);
                const float fu = uc - float(u0), fv = vc - float(v0);
                for (int k = 0; k < C; ++k) {
                    const float top = patch(u0, v0, k) + fu * (patch(u1, v0, k) - patch(u0, v0, k));
                    const float bottom = patch(u0, v1, k) + fu * (patch(u1, v1, k) - patch(u0, v1, k));
                    rotated(x, y, k) = top + fv * (bottom - top);
                }
            }
        detail::cutpaste::paste(s, rotated, alpha, p.x, p.y);
    }

};

/// CutPaste 3-way (METHODS §2.8): each sample becomes one of three views, the original
/// (class 0), a CutPaste (class 1) or a scar (class 2), drawn uniformly (or fixed by `view`);
/// `sample.label` is the class and `sample.mask` the footprint (empty for the original).
/// The paper makes all three views of every image in a batch: call with view 0, 1 and 2.
struct cutpaste_3way {
    static constexpr std::string_view name = "cutpaste_3way";

    cutpaste normal{};
    cutpaste_scar scar{};
    int view = -1;  ///< −1: uniform per sample; 0, 1, 2: that view

    struct params_type {
        int view = 0;
        cutpaste::params_type normal{};
        cutpaste_scar::params_type scar{};
        template <class F>
        void visit_fields(F&& f) const {
            f("view", view);
            if (view == 1) normal.visit_fields(f);
            if (view == 2) scar.visit_fields(f);
        }
    };

    void validate() const {
        if (view < -1 || view > 2) detail::settings::fail(name, "view is " + std::to_string(view) + "; it must be -1 (random), 0, 1 or 2");
        normal.validate();
        scar.validate();
    }

    params_type sample_params(rng_stream& rng, const sample& s) const {
        validate();
        params_type p;
        p.view = view >= 0 ? view : int(rng.integer(0, 2));
        if (p.view == 1) p.normal = normal.sample_params(rng, s);
        if (p.view == 2) p.scar = scar.sample_params(rng, s);
        return p;
    }

    void apply(sample& s, const params_type& p) const {
        s.mask.resize(s.image.width(), s.image.height(), 1, 0.0f);
        if (p.view == 1) normal.apply(s, p.normal);
        if (p.view == 2) scar.apply(s, p.scar);
        s.label = p.view;
    }

};

}  // namespace ias
