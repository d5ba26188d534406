// SPDX-License-Identifier: MIT
// perlin_mask: the thresholded Perlin-noise anomaly region of DRAEM and its descendants.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string_view>
#include <vector>

#include "../core/concepts.hpp"
#include "../core/configured.hpp"
#include "../fn/mask_algebra.hpp"
#include "../fn/perlin_noise.hpp"

namespace ias {

/// Which side of the threshold is anomalous.
enum class threshold_mode {
    above,            ///< noise > t (DRAEM, GLASS, MemSeg)
    magnitude_above,  ///< |noise| > t (3DSR)
};

/// What to do when a drawn mask comes out empty (likely at coarse scales, METHODS §2.1).
enum class empty_mask_policy {
    keep,    ///< keep it and label the sample normal, as DRAEM does
    redraw,  ///< draw new parameters until the mask is not empty, as GLASS does (at most max_redraws times)
};

/// The settings of `perlin_mask`.
struct perlin_mask_settings {
    range<int> scale_exponents{0, 5};  ///< lattice cells per axis are 2^e, e uniform in the range
    range<float> rotation{-90.0f, 90.0f};  ///< degrees
    float threshold = 0.5f;
    threshold_mode mode = threshold_mode::above;
    empty_mask_policy empty_policy = empty_mask_policy::keep;
    int max_redraws = 100;  ///< with `redraw`: give up (and keep the empty mask) after this many
    int octaves = 1;        ///< 1 = plain Perlin noise as every published method uses; more = fractal
    float persistence = 0.5f;
    float lacunarity = 2.0f;
    float first_only_weight = 1.0f;  ///< weights of the two-mask combinations (GLASS: 1, 1, 1)
    float union_weight = 0.0f;
    float intersection_weight = 0.0f;
    bool restrict_to_foreground = true;

    static const description<perlin_mask_settings>& describe() {
        using S = perlin_mask_settings;
        static const auto d =
            description<S>()
                .field("scale_exponents", &S::scale_exponents, 0, 12, "Perlin lattice: 2^e cells per axis, e uniform in the range")
                .field("rotation", &S::rotation, -360, 360, "the noise is rotated by U[min, max) degrees")
                .field("threshold", &S::threshold, -2, 2, "noise (or its magnitude) above it is anomalous")
                .field("mode", &S::mode, {{"above", threshold_mode::above}, {"magnitude_above", threshold_mode::magnitude_above}},
                       "which side of the threshold is anomalous: noise > t (DRAEM) or |noise| > t (3DSR)")
                .field("empty_policy", &S::empty_policy, {{"keep", empty_mask_policy::keep}, {"redraw", empty_mask_policy::redraw}},
                       "an empty mask is kept and labelled normal (DRAEM) or redrawn (GLASS)")
                .field("max_redraws", &S::max_redraws, 0, 1000000, "with redraw: keep the empty mask after this many draws")
                .field("octaves", &S::octaves, 1, 16, "1 = plain Perlin noise, as every published method; more = fractal")
                .field("persistence", &S::persistence, 0.001, 4, "amplitude factor from one octave to the next")
                .field("lacunarity", &S::lacunarity, 1, 8, "frequency factor from one octave to the next")
                .field("first_only_weight", &S::first_only_weight, 0, 1000, "weight of one mask alone (GLASS: 1)")
                .field("union_weight", &S::union_weight, 0, 1000, "weight of the union of two masks (GLASS: 1)")
                .field("intersection_weight", &S::intersection_weight, 0, 1000, "weight of the intersection of two masks (GLASS: 1)")
                .field("restrict_to_foreground", &S::restrict_to_foreground, {{"true", true}, {"false", false}},
                       "clip the mask to the sample's foreground when it has one")
                .rule("at least one combination weight must be positive",
                      [](const S& s) { return s.first_only_weight + s.union_weight + s.intersection_weight > 0.0f; })
                .rule("the last octave has at most 65536 cells per axis", [](const S& s) {
                    return float(1 << s.scale_exponents.max) * std::pow(s.lacunarity, float(s.octaves - 1)) <= 65536.0f;
                });
        return d;
    }
};

/// Sets `sample.mask` to a binary Perlin-noise region and `sample.label` to whether it is
/// non-empty (METHODS §2.1). The defaults are DRAEM's (`data_loader.py` with `perlin.py`):
/// lattice scales 2^ex × 2^ey cells with ex, ey uniform in {0..5} (torch.randint(0, 6): 64
/// is never drawn), rotation uniform in [-90°, 90°) with fill 0, threshold noise > 0.5,
/// empty masks kept. With the default DRAEM settings at 256×256, about 4.8% of the image is
/// covered on average and about 5% of masks are empty (measured in `perlin_mask_test`).
///
/// GLASS's LAS draws two such masks and keeps their union, their intersection or the first
/// alone, with probability 1/3 each, and redraws until non-empty: set the three weights to
/// 1 and `empty_policy = redraw`. With `restrict_to_foreground`, a sample's foreground mask
/// (when it has one) clips the region. Works on any image size, pixel type and channel
/// count (only the image's size is read).
struct perlin_mask : configured<perlin_mask, perlin_mask_settings> {
    static constexpr std::string_view name = "perlin_mask";
    using configured::configured;

    /// One Perlin field: its lattice, rotation and gradient seed.
    struct field {
        int exponent_x = 0, exponent_y = 0;
        float rotation = 0.0f;  ///< degrees
        std::uint64_t seed = 0;
    };
    struct params_type {
        std::array<field, 2> fields{};
        int combination = 0;  ///< 0 first only, 1 union, 2 intersection
        int attempts = 1;     ///< draws until accepted (redraw policy)
        template <class F>
        void visit_fields(F&& f) const {
            f("scale_exponents", std::array<int, 2>{fields[0].exponent_x, fields[0].exponent_y});
            f("rotation", fields[0].rotation);
            f("combination", combination);
            if (combination != 0) {
                f("second_scale_exponents", std::array<int, 2>{fields[1].exponent_x, fields[1].exponent_y});
                f("second_rotation", fields[1].rotation);
            }
            f("attempts", attempts);
        }
    };

    params_type sample_params(rng_stream& rng, const sample& s) const {
        params_type p = draw(rng);
        if (empty_policy == empty_mask_policy::redraw) {
            ias::image<float>& trial = scratch_mask();
            while (!render(trial, s, p) && p.attempts <= max_redraws) {
                const int attempts = p.attempts;
                p = draw(rng);
                p.attempts = attempts + 1;
            }
        }
        return p;
    }

    void apply(sample& s, const params_type& p) const { s.label = render(s.mask, s, p) ? 1 : 0; }

    /// `apply(s, sample_params(rng, s))` with the same bytes, rendering each mask once.
    void operator()(sample& s, rng_stream& rng) const {
        params_type p = draw(rng);
        bool anomalous = render(s.mask, s, p);
        while (!anomalous && empty_policy == empty_mask_policy::redraw && p.attempts <= max_redraws) {
            const int attempts = p.attempts;
            p = draw(rng);
            p.attempts = attempts + 1;
            anomalous = render(s.mask, s, p);
        }
        s.label = anomalous ? 1 : 0;
    }

private:
    params_type draw(rng_stream& rng) const {
        params_type p;
        if (union_weight > 0.0f || intersection_weight > 0.0f) {
            const std::array<float, 3> w{first_only_weight, union_weight, intersection_weight};
            p.combination = int(rng.choice(w));
        }
        for (int f = 0; f < (p.combination == 0 ? 1 : 2); ++f) {
            field& d = p.fields[std::size_t(f)];
            d.exponent_y = int(rng.integer(scale_exponents.min, scale_exponents.max));
            d.exponent_x = int(rng.integer(scale_exponents.min, scale_exponents.max));
            d.rotation = rng.uniform(rotation.min, rotation.max);
            d.seed = rng.next_u64();
        }
        return p;
    }

    fn::perlin_noise_params noise_params(const field& d) const {
        return {.cells_x = float(1 << d.exponent_x), .cells_y = float(1 << d.exponent_y),
                .rotation = d.rotation * float(std::numbers::pi / 180.0), .fill = 0.0f, .seed = d.seed,
                .octaves = octaves, .persistence = persistence, .lacunarity = lacunarity};
    }

    /// Thresholded noise of field `d` into `out` (sized like the image); returns whether any pixel is set.
    bool render_field(ias::image<float>& out, const sample& s, const field& d) const {
        out.ensure_size(s.image.width(), s.image.height(), 1);
        const auto np = noise_params(d);
        std::vector<float>& gradients = scratch_gradients();
        if (gradients.size() < fn::perlin_scratch_size(np)) gradients.resize(fn::perlin_scratch_size(np));
        fn::perlin_noise(out.view(), np, gradients);
        float* m = out.data();
        const std::size_t n = out.size();
        const float t = threshold;
        // Threshold in place while OR-ing the bits of the results (1.0f has bits, 0.0f none):
        // the form g++ -O3 vectorises.
        std::uint32_t any = 0;
        auto mark = [&](std::size_t i, bool hit) {
            const float v = hit ? 1.0f : 0.0f;
            m[i] = v;
            any |= std::bit_cast<std::uint32_t>(v);
        };
        if (mode == threshold_mode::above)
            for (std::size_t i = 0; i < n; ++i) mark(i, m[i] > t);
        else
            for (std::size_t i = 0; i < n; ++i) mark(i, std::abs(m[i]) > t);
        return any != 0;
    }

    /// The combined, foreground-restricted mask of `p` into `out`; returns whether it is non-empty.
    bool render(ias::image<float>& out, const sample& s, const params_type& p) const {
        const bool any_first = render_field(out, s, p.fields[0]);
        const bool clip = restrict_to_foreground && s.has_foreground();
        if (p.combination == 0 && !clip) return any_first;
        if (p.combination != 0) {
            ias::image<float>& second = scratch_second();
            render_field(second, s, p.fields[1]);
            if (p.combination == 1) fn::mask_union(out.view(), second.view(), out.view());
            else fn::mask_intersection(out.view(), second.view(), out.view());
        }
        return clip ? clip_to_foreground(out, s.foreground) : any_positive(out);
    }

    // Per-thread scratch, grown once: the transform itself stays immutable and shareable.
    static std::vector<float>& scratch_gradients() {
        thread_local std::vector<float> buffer;
        return buffer;
    }
    static ias::image<float>& scratch_second() {
        thread_local ias::image<float> buffer;
        return buffer;
    }
    static ias::image<float>& scratch_mask() {
        thread_local ias::image<float> buffer;
        return buffer;
    }
};

}  // namespace ias
