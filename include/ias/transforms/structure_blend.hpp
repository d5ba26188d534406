// SPDX-License-Identifier: MIT
// structure_blend: MemSeg's structure anomaly source, the image itself augmented and cut into shuffled tiles.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../core/any_transform.hpp"
#include "../core/concepts.hpp"
#include "../core/image.hpp"
#include "texture_blend.hpp"

namespace ias {

/// MemSeg's structure source (METHODS §2.3; TooTouch/MemSeg `dataset.py`): the sample's own
/// image, changed by `structure_ops` (MemSeg: DRAEM's 3 of 10, `recipes::draem_texture_ops()`),
/// cut into a `grid_size` × `grid_size` grid of tiles (MemSeg: 8 × 8; its paper says 4 × 8,
/// its code uses 8 × 8), the tiles shuffled and reassembled, then blended through the mask as
/// `texture_blend` does: I ← I + o·M·(S − I) with o drawn from `texture_opacity` (MemSeg's
/// δ ~ U[0.15, 1]). Tiles are ⌊W/grid⌋ × ⌊H/grid⌋ pixels; when the size is not a multiple of
/// the grid, the strips at the right and bottom keep their place. Pixels where the mask is 0
/// keep their exact bytes. Works on any pixel type, channel count and size.
struct structure_blend {
    static constexpr std::string_view name = "structure_blend";
    static constexpr int max_grid_size = 16;

    int grid_size = 8;
    opacity_range texture_opacity{.min = 0.15f, .max = 1.0f};
    dynamic_pipeline structure_ops{};

    struct params_type {
        float opacity = 1.0f;
        int tiles = 0;  ///< grid_size², the used length of `order`
        std::array<std::uint16_t, max_grid_size * max_grid_size> order{};  ///< tile k is taken from tile order[k]
        rng_stream ops_stream{};
        template <class F>
        void visit_fields(F&& f) const {
            f("texture_opacity", opacity);
            f("tile_order", std::vector<int>(order.begin(), order.begin() + tiles));
        }
    };

    /// Throws std::invalid_argument naming the field out of range.
    void validate() const {
        if (grid_size < 1 || grid_size > max_grid_size)
            detail::settings::fail(name, "grid_size is " + std::to_string(grid_size) + "; it must lie in [1, " +
                                             std::to_string(max_grid_size) + "]");
        texture_opacity.validate(name);
    }

    params_type sample_params(rng_stream& rng, const sample&) const {
        validate();
        params_type p;
        p.opacity = texture_opacity.draw(rng);
        p.tiles = grid_size * grid_size;
        for (int k = 0; k < p.tiles; ++k) p.order[std::size_t(k)] = std::uint16_t(k);
        rng.shuffle(std::span(p.order.data(), std::size_t(p.tiles)));
        p.ops_stream = rng.fork(0);
        return p;
    }

    void apply(sample& s, const params_type& p) const {
        if (s.image.empty() || !any_positive(s.mask)) return;  // nothing to paint
        const int grid = isqrt(p.tiles);
        if (grid * grid != p.tiles || grid < 1)
            throw error("ias::structure_blend: the parameters have " + std::to_string(p.tiles) + " tiles, not a square grid");
        thread_local sample structure;
        thread_local image<float> shuffled;
        auto& augmented = structure.image.emplace<float>(s.image.width(), s.image.height(), s.image.channels());
        assign_as_float(augmented, s.image);
        if (!structure_ops.empty()) {
            structure.ensure_mask();
            rng_stream ops_stream = p.ops_stream;
            structure_ops(structure, ops_stream);
        }
        shuffled.assign(image_view<const float>(augmented.view()));
        const int tw = s.image.width() / grid, th = s.image.height() / grid;
        if (tw > 0 && th > 0)
            for (int k = 0; k < p.tiles; ++k) {
                const int from = p.order[std::size_t(k)];
                if (from >= p.tiles)
                    throw error("ias::structure_blend: the tile order names tile " + std::to_string(from) + " of " +
                                std::to_string(p.tiles));
                const auto src = augmented.view().crop((from % grid) * tw, (from / grid) * th, tw, th);
                const auto dst = shuffled.view().crop((k % grid) * tw, (k / grid) * th, tw, th);
                for (int y = 0; y < th; ++y) std::copy_n(src.row(y), std::size_t(tw) * std::size_t(src.channels()), dst.row(y));
            }
        detail::blend_into(s, shuffled, name, p.opacity, pixel_region{});
    }

    void operator()(sample& s, rng_stream& rng) const { apply(s, sample_params(rng, s)); }

private:
    static int isqrt(int n) {
        int r = 0;
        while ((r + 1) * (r + 1) <= n) ++r;
        return r;
    }
};

}  // namespace ias
