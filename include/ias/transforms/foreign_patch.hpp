// SPDX-License-Identifier: MIT
// fpi and pii: a square of a foreign normal image interpolated in (FPI) or Poisson-interpolated (PII), with continuous labels.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string_view>

#include "../core/concepts.hpp"
#include "../core/configured.hpp"
#include "../core/image.hpp"
#include "../fn/poisson.hpp"
#include "../textures/image_pool.hpp"
#include "float_pixels.hpp"

namespace ias {

/// The square and the interpolation factor FPI and PII share (METHODS §2.6 step 2–3): the
/// centre uniform within the central `core_fraction` of each axis, the half-width
/// Ui[round(half.min·D), round(half.max·D)) with D the image height, clipped to the image;
/// α ~ U(alpha.min, alpha.max); the foreign image from the pool (see `nsa`). Described, and
/// included as `square_*` parameters by `fpi` and `pii`.
struct foreign_square {
    float core_fraction = 0.8f;
    range<float> half{0.05f, 0.2f};     ///< half-width, fraction of the image height
    range<float> alpha{0.05f, 0.95f};  ///< the interpolation factor

    static const description<foreign_square>& describe() {
        using S = foreign_square;
        static const auto d =
            description<S>()
                .field("core_fraction", &S::core_fraction, 0, 1, "the square's centre lies in this central share of each axis")
                .field("half", &S::half, 0, 1, "half-width of the square, fraction of the image height")
                .field("alpha", &S::alpha, 0, 1, "the interpolation factor alpha is uniform in this range");
        return d;
    }

    struct params_type {
        std::int64_t foreign = -1;
        int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  ///< the square, pixels x0 <= x < x1
        float alpha = 1.0f;
        template <class F>
        void visit_fields(F&& f) const {
            f("foreign", foreign);
            f("box", std::array<int, 4>{x0, y0, x1, y1});
            f("alpha", alpha);
        }
    };

    params_type draw(rng_stream& rng, const sample& s, const image_pool* pool) const {
        params_type p;
        const int W = s.image.width(), H = s.image.height();
        if (W < 1 || H < 1) return p;
        if (pool) p.foreign = detail::draw_foreign_index(rng, *pool, s.source_index);
        auto centre = [&](int size) {
            const int lo = int(std::lround((1.0f - core_fraction) / 2.0f * float(size)));
            const int hi = std::max(lo, int(std::lround((1.0f + core_fraction) / 2.0f * float(size))) - 1);
            return int(rng.integer(lo, hi));
        };
        const int lo = int(std::lround(half.min * float(H))), hi = std::max(lo, int(std::lround(half.max * float(H))) - 1);
        const int h = int(rng.integer(lo, hi));
        const int cx = centre(W), cy = centre(H);
        p.x0 = std::clamp(cx - h, 0, W), p.x1 = std::clamp(cx + h, 0, W);
        p.y0 = std::clamp(cy - h, 0, H), p.y1 = std::clamp(cy + h, 0, H);
        p.alpha = rng.uniform(alpha.min, alpha.max);
        return p;
    }
};

namespace detail::foreign_patch {
/// The foreign image of `p` at the sample's size, made only inside the square (a per-thread buffer).
inline const image<float>& load_square(const image_pool* pool, const foreign_square::params_type& p, const sample& s,
                                       std::string_view transform) {
    thread_local image<float> foreign;
    thread_local pixel_region where;
    where.clear(s.image.width(), s.image.height());
    for (int y = p.y0; y < p.y1; ++y) where.add_span(y, p.x0, p.x1);
    load_foreign(pool, p.foreign, s, foreign, transform, where);
    return foreign;
}

/// Sets the mask to `value` where pixel (x, y) of the square differs between `a` and `b` in
/// any channel by more than `tolerance`, 0 elsewhere; the label to whether any is set.
inline void label_differences(sample& s, image_view<const float> a, image_view<const float> b, const foreign_square::params_type& p,
                              float value, float tolerance) {
    s.mask.resize(s.image.width(), s.image.height(), 1, 0.0f);
    bool any = false;
    for (int y = p.y0; y < p.y1; ++y)
        for (int x = p.x0; x < p.x1; ++x) {
            bool differs = false;
            for (int c = 0; c < a.channels(); ++c) differs = differs || std::abs(a(x, y, c) - b(x, y, c)) > tolerance;
            if (differs) s.mask(x, y) = value, any = true;
        }
    s.label = any && value > 0.0f ? 1 : 0;
}
}  // namespace detail::foreign_patch

/// The settings of `fpi`.
struct fpi_settings {
    std::shared_ptr<const image_pool> pool{};  ///< foreign images; null: the sample itself (nothing changes)
    foreign_square square{};
    float tolerance = 0.0f;

    static const description<fpi_settings>& describe() {
        using S = fpi_settings;
        static const auto d = description<S>()
                                  .include("square_", &S::square)
                                  .field("tolerance", &S::tolerance, 0, 1, "a pixel is labelled where the images differ by more than this");
        return d;
    }
};

/// Foreign Patch Interpolation (Tan, Hou, Batten, Kainz; METHODS §2.6): inside a square,
/// x' = α·x + (1 − α)·x_f with x_f a foreign normal image at the same place; the label is
/// the foreign share 1 − α wherever x and x_f differ (by more than `tolerance` in any
/// channel), a continuous target for BCE. Pixels outside the square keep their exact bytes.
/// uint8 and float, 1, 3 or 4 channels.
struct fpi : configured<fpi, fpi_settings> {
    static constexpr std::string_view name = "fpi";
    using configured::configured;

    using params_type = foreign_square::params_type;

    params_type sample_params(rng_stream& rng, const sample& s) const {
        return square.draw(rng, s, pool.get());
    }

    void apply(sample& s, const params_type& p) const {
        if (s.image.empty()) return;
        const image<float>& foreign = detail::foreign_patch::load_square(pool.get(), p, s, name);
        detail::edit_as_float(s, [&](image<float>& pixels) {
            detail::foreign_patch::label_differences(s, std::as_const(pixels).view(), std::as_const(foreign).view(), p, 1.0f - p.alpha,
                                                     tolerance);
            for (int y = p.y0; y < p.y1; ++y)
                for (int x = p.x0; x < p.x1; ++x)
                    for (int c = 0; c < pixels.channels(); ++c) pixels(x, y, c) = p.alpha * pixels(x, y, c) + (1.0f - p.alpha) * foreign(x, y, c);
        });
    }

};

/// The settings of `pii`.
struct pii_settings {
    std::shared_ptr<const image_pool> pool{};  ///< foreign images; null: the sample itself
    foreign_square square{};
    float tolerance = 0.0f;
    fn::poisson_settings poisson{};

    static const description<pii_settings>& describe() {
        using S = pii_settings;
        static const auto d = description<S>()
                                  .include("square_", &S::square)
                                  .field("tolerance", &S::tolerance, 0, 1, "a pixel is labelled where the result differs by more than this");
        return d;
    }
};

/// Poisson Image Interpolation (Tan, Hou, Batten, Kainz; IPMI 2021; METHODS §2.7): FPI's
/// square and α, but the square is solved as a Poisson problem whose guidance is PII's
/// α-weighted mixed gradients, (1−α)·g if (1−α)|g| > α|g_f| else α·g_f per neighbour pair
/// (`fn::poisson_blend` with `weighted_mixed`), with the image around the square as the
/// boundary; the result is clipped to the image's own minimum and maximum, and the label is α
/// wherever the result differs from the original (by more than `tolerance` in any channel).
/// The square's outer ring stays fixed, as PII zeroes its mask's border. uint8 and float.
struct pii : configured<pii, pii_settings> {
    static constexpr std::string_view name = "pii";
    using configured::configured;

    using params_type = foreign_square::params_type;

    params_type sample_params(rng_stream& rng, const sample& s) const {
        return square.draw(rng, s, pool.get());
    }

    void apply(sample& s, const params_type& p) const {
        if (s.image.empty() || p.x1 - p.x0 < 3 || p.y1 - p.y0 < 3) {
            s.ensure_mask();
            return;
        }
        thread_local image<float> before, alpha;
        thread_local fn::poisson_scratch scratch;
        const int w = p.x1 - p.x0, h = p.y1 - p.y0;
        const image<float>& foreign = detail::foreign_patch::load_square(pool.get(), p, s, name);
        alpha.resize(w, h, 1, p.alpha);
        detail::edit_as_float(s, [&](image<float>& pixels) {
            float lo = 1.0f, hi = 0.0f;  // the original's range, to clip to
            for (std::size_t i = 0; i < pixels.size(); ++i) lo = std::min(lo, pixels.data()[i]), hi = std::max(hi, pixels.data()[i]);
            before.assign(std::as_const(pixels).view());
            const auto target = pixels.view().crop(p.x0, p.y0, w, h);
            fn::poisson_blend(target, std::as_const(foreign).view().crop(p.x0, p.y0, w, h), std::as_const(alpha).view(),
                              fn::poisson_guidance::weighted_mixed, scratch, poisson, std::as_const(alpha).view());
            for (int y = 1; y < h - 1; ++y)
                for (int x = 1; x < w - 1; ++x)
                    for (int c = 0; c < pixels.channels(); ++c) target(x, y, c) = std::clamp(target(x, y, c), lo, hi);
            detail::foreign_patch::label_differences(s, std::as_const(before).view(), std::as_const(pixels).view(), p, p.alpha, tolerance);
        });
    }

};

}  // namespace ias
