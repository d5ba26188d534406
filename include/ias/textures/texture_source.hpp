// SPDX-License-Identifier: MIT
// texture_source: where anomaly textures come from (an image bank, procedural patterns, your own).
#pragma once

#include <vector>

#include "../core/image_view.hpp"
#include "../core/pixel_region.hpp"
#include "../core/rng.hpp"
#include "../fn/procedural_texture.hpp"
#include "procedural_textures.hpp"

namespace ias {

/// A source of anomaly textures. `fill` writes a texture of `out`'s size and channel count
/// (float in [0, 1]) drawn from `rng`. Implementations are immutable and may be called from
/// many threads at once; the texture must be a pure function of the stream and the size, so
/// that samples stay reproducible. `texture_bank` (files) and `procedural_texture_source`
/// implement it; so can a source of your own (e.g. a generative model's outputs).
class texture_source {
public:
    virtual ~texture_source() = default;
    virtual void fill(rng_stream& rng, image_view<float> out) const = 0;
    /// The same texture as `fill`, but only the pixels `where` need to be written: the
    /// texture blends ask for the part their mask will read. By default the whole texture.
    virtual void fill_region(rng_stream& rng, image_view<float> out, const pixel_region& where) const {
        static_cast<void>(where);
        fill(rng, out);
    }
};

/// Procedural textures (`procedural_textures`) as a `texture_source`: the default source of
/// the texture blends, so that synthesis needs no texture dataset.
class procedural_texture_source final : public texture_source {
public:
    /// Throws std::invalid_argument for unusable settings.
    explicit procedural_texture_source(procedural_textures settings = {}) : settings_(settings) { settings_.validate(); }

    void fill(rng_stream& rng, image_view<float> out) const override {
        const auto p = settings_.draw(rng, out.width(), out.height());
        thread_local std::vector<float> scratch;  // per-thread noise gradients
        fn::procedural_texture(out, p, scratch);
    }
    [[nodiscard]] const procedural_textures& settings() const noexcept { return settings_; }

private:
    procedural_textures settings_;
};

}  // namespace ias
