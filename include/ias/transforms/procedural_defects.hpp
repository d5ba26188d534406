// SPDX-License-Identifier: MIT
// procedural_defects: the pipeline stage that draws physical defects (scratches, cracks, pores, ...) from defect_specs or a prompt.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/concepts.hpp"
#include "../core/configured.hpp"
#include "../defects/draw_defect.hpp"
#include "../defects/prompt.hpp"
#include "float_pixels.hpp"

namespace ias {

/// The most specs one `procedural_defects` holds (a prompt names a few; the limit keeps the
/// per-sample parameters a fixed-size value).
inline constexpr std::size_t max_defect_specs = 16;

/// The settings of `procedural_defects`.
struct procedural_defects_settings {
    std::vector<defect_spec> specs{};
    bool binary_mask = false;
    float mask_threshold = 0.5f;  ///< with binary_mask, in (0, 1]

    static const description<procedural_defects_settings>& describe() {
        using S = procedural_defects_settings;
        static const auto d =
            description<S>()
                .field("binary_mask", &S::binary_mask, {{"false", false}, {"true", true}},
                       "false: each renderer's coverage in [0, 1]; true: 1 where the coverage reaches mask_threshold")
                .field("mask_threshold", &S::mask_threshold, 0, 1, "with binary_mask: the coverage that counts as anomalous; above 0")
                .rule("mask_threshold must be above 0", [](const S& s) { return s.mask_threshold > 0.0f; })
                .rule("specs must hold at least one defect_spec (or use from_prompt)", [](const S& s) { return !s.specs.empty(); })
                .rule("specs must hold at most 16 defect_specs (max_defect_specs)",
                      [](const S& s) { return s.specs.size() <= max_defect_specs; })
                .rule("every spec must pass defect_spec::validate()", [](const S& s) {
                    for (const defect_spec& spec : s.specs) {
                        try {
                            spec.validate();
                        } catch (const std::invalid_argument&) {
                            return false;
                        }
                    }
                    return true;
                });
        return d;
    }
};

/// Procedural physical defects, model-free and controllable: hand-crafted synthesis that can
/// be asked for a kind, as vision-language methods can, without their models (METHODS §6 asks
/// for procedural scratches and stains that work with no external images). For each spec j, a count n_j ~ U{count.min … count.max}, then n_j
/// defects of its kind, each placed, shaped and rendered by `draw_defect` from its own stream
/// (defect k of spec j from fork(64·j + k), so one defect's draws never move another's).
///
/// - Locations follow the spec. With a sample foreground, `anywhere` means anywhere on the
///   object, and everything a defect would change outside the foreground (> 0.5) is undone:
///   the object is damaged, never the background (`sample.foreground`'s contract).
/// - Mask: each renderer's soft coverage, combined by maximum, in [0, 1]; `binary_mask` makes
///   it 1 where the coverage is >= `mask_threshold` and 0 elsewhere. The result is merged into
///   `sample.mask` by maximum, so an earlier stage's mask stays.
/// - Label: 1 when the new mask has a positive pixel (an earlier label >= 1 is kept); then
///   `sample.defect_kind` is the kinds of the specs that drew a defect, in spec order, without
///   repeats, joined by '+' ("stain+pore"). A sample whose draws leave no positive mask (all
///   counts 0, or every defect off the object) keeps its image bytes, mask, label and kind.
///
/// With a soft mask the mask is positive exactly where the pixels changed (before clamping to
/// [0, 1] and, on uint8 images, rounding); with `binary_mask` faint fringes below the threshold
/// change the pixels but count as normal, as in every binary-masked method.
///
/// Pixel types: uint8 (edited as float / 255 and rounded back) and float in [0, 1]; 1, 3 or 4
/// channels (a fourth channel is treated as colour by the shading kinds). Deterministic in
/// (seed, epoch, index, input); `ias::replay` gives the same bytes. No allocation per sample
/// once the per-thread buffers have their size.
struct procedural_defects : configured<procedural_defects, procedural_defects_settings> {
    static constexpr std::string_view name = "procedural_defects";
    using configured::configured;

    /// The stage for a prompt ("two long thin dark scratches near the top edge and a small
    /// pore"); throws ias::error naming the unknown word and listing the vocabulary.
    [[nodiscard]] static procedural_defects from_prompt(std::string_view prompt) {
        return procedural_defects({.specs = parse_defect_prompt(prompt)});
    }

    struct params_type {
        int spec_count = 0;                            ///< specs.size() when drawn
        std::array<int, max_defect_specs> counts{};    ///< defects of each spec
        rng_stream defects{};                          ///< defect k of spec j draws from defects.fork(64·j + k)
        template <class F>
        void visit_fields(F&& f) const {
            f("counts", std::span<const int>(counts.data(), std::size_t(spec_count)));
        }
    };

    params_type sample_params(rng_stream& rng, const sample&) const {
        params_type p;
        p.spec_count = int(specs.size());
        for (std::size_t j = 0; j < specs.size(); ++j) p.counts[j] = int(rng.integer(specs[j].count.min, specs[j].count.max));
        p.defects = rng.fork(0);
        return p;
    }

    void apply(sample& s, const params_type& p) const {
        if (s.image.empty()) return;
        s.ensure_mask();
        const int w = s.image.width(), h = s.image.height();
        const image<float>& fg = s.foreground;
        detail::placement::expect_foreground("procedural_defects", fg, w, h);
        const int n = std::min(p.spec_count, int(specs.size()));
        // The new coverage, and (when some change may have to be undone) the pixels before.
        thread_local image<float> layer, before;
        layer.resize(w, h, 1, 0.0f);  // every element 0
        const bool may_undo = !fg.empty() || binary_mask;
        bool drew = false;
        detail::edit_as_float(s, [&](image<float>& pixels) {
            if (may_undo) before.assign(std::as_const(pixels).view());
            for (int j = 0; j < n; ++j) {
                defect_spec spec = specs[std::size_t(j)];
                if (!fg.empty() && spec.location == defect_location::anywhere) spec.location = defect_location::foreground;
                for (int k = 0; k < p.counts[std::size_t(j)]; ++k) {
                    rng_stream rng = p.defects.fork(std::uint32_t(64 * j + k));
                    draw_defect(spec, pixels, layer, fg, rng);
                }
            }
            float* cover = layer.data();
            if (!fg.empty())  // the object is damaged, never the background
                for (int y = 0; y < h; ++y)
                    for (int x = 0; x < w; ++x)
                        if (!(fg(x, y) > 0.5f) && layer(x, y) > 0.0f) {
                            for (int c = 0; c < pixels.channels(); ++c) pixels(x, y, c) = before(x, y, c);
                            layer(x, y) = 0.0f;
                        }
            if (binary_mask)
                for (std::size_t i = 0; i < layer.size(); ++i) cover[i] = cover[i] >= mask_threshold ? 1.0f : 0.0f;
            drew = any_positive(layer);
            if (!drew && may_undo) pixels.assign(std::as_const(before).view());
        });
        if (!drew) return;
        float* m = s.mask.data();
        for (std::size_t i = 0; i < layer.size(); ++i) m[i] = std::max(m[i], layer.data()[i]);
        s.label = std::max(s.label, 1);
        s.defect_kind.clear();
        for (int j = 0; j < n; ++j) {
            const std::string_view kind = to_string(specs[std::size_t(j)].kind);
            if (p.counts[std::size_t(j)] == 0 || listed(s.defect_kind, kind)) continue;
            if (!s.defect_kind.empty()) s.defect_kind += '+';
            s.defect_kind += kind;
        }
    }


private:
    /// Whether `kinds` ("stain+pore") names `kind`.
    static bool listed(std::string_view kinds, std::string_view kind) noexcept {
        for (std::size_t start = 0; start <= kinds.size();) {
            const std::size_t end = std::min(kinds.find('+', start), kinds.size());
            if (kinds.substr(start, end - start) == kind) return true;
            start = end + 1;
        }
        return false;
    }
};

}  // namespace ias
