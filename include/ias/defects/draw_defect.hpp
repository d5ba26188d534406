// SPDX-License-Identifier: MIT
// draw_defect: one procedural defect of any kind, placed, sampled and rendered from its defect_spec.
//
// The rule of defects/: one file per kind of defect holds its `<kind>_params` (everything its
// look depends on), `sample_<kind>(spec, site, width, height, rng)`, the only place where that
// kind draws random numbers, and `render_<kind>(pixels, mask, params, ...)`, which draws no random
// number: the same params give the same pixels (a crack's `walk` is a stream stored in its params
// and replayed, not drawn from). placement.hpp samples the site every kind shares. Sampler and
// renderer stay in one file because they share the params and the kind's geometry (a sampler's
// ranges are the sizes its renderer draws); transforms/procedural_defects.hpp is the stage that
// calls them, and the split between sampling and drawing is by function, not by file.
#pragma once

#include "../core/image.hpp"
#include "../core/rng.hpp"
#include "chip.hpp"
#include "crack.hpp"
#include "defect_spec.hpp"
#include "dent.hpp"
#include "fray.hpp"
#include "particle.hpp"
#include "placement.hpp"
#include "pore.hpp"
#include "scratch.hpp"
#include "stain.hpp"

namespace ias {

/// Draws one defect of `spec` into `pixels` (float [0, 1], 1, 3 or 4 channels) and raises
/// `mask` (one channel, the image's size) to its soft coverage: `place_defect` chooses the site
/// (on `foreground`, which may be empty), `sample_<kind>` the shape, `render_<kind>` the pixels.
/// Chips and fray take material from, or wear, the foreground's edge; the other kinds ignore the
/// foreground once placed. Everything random comes from `rng`, in that order. Throws
/// std::invalid_argument for a spec that fails `validate()` or a mask or foreground of another shape.
inline void draw_defect(const defect_spec& spec, image<float>& pixels, image<float>& mask, const image<float>& foreground,
                        rng_stream& rng) {
    spec.validate();
    const int w = pixels.width(), h = pixels.height();
    const defect_site site = place_defect(spec, foreground, w, h, rng);
    switch (spec.kind) {
        case defect_type::scratch: render_scratch(pixels, mask, sample_scratch(spec, site, w, h, rng)); return;
        case defect_type::crack: render_crack(pixels, mask, sample_crack(spec, site, w, h, rng)); return;
        case defect_type::pore: render_pore(pixels, mask, sample_pore(spec, site, w, h, rng)); return;
        case defect_type::stain: render_stain(pixels, mask, sample_stain(spec, site, w, h, rng)); return;
        case defect_type::dent: render_dent(pixels, mask, sample_dent(spec, site, w, h, rng)); return;
        case defect_type::chip: render_chip(pixels, mask, sample_chip(spec, site, w, h, rng), foreground); return;
        case defect_type::fray: render_fray(pixels, mask, sample_fray(spec, site, w, h, rng), foreground); return;
        case defect_type::particle: render_particle(pixels, mask, sample_particle(spec, site, w, h, rng)); return;
    }
}

}  // namespace ias
