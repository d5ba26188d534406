// SPDX-License-Identifier: MIT
// structure_blend: MemSeg's structure anomaly source, the image itself augmented and cut into shuffled tiles.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/any_transform.hpp"
#include "../core/concepts.hpp"
#include "../core/configured.hpp"
#include "../core/image.hpp"
#include "../core/pixel_region.hpp"
#include "../core/run_on_region.hpp"
#include "texture_blend.hpp"

namespace ias {

/// The settings of `structure_blend`.
struct structure_blend_settings {
    static constexpr int max_grid_size = 16;

    int grid_size = 8;
    range<float> texture_opacity{0.15f, 1.0f};
    opacity_law texture_opacity_law = opacity_law::uniform;
    float texture_opacity_mean = 0.5f;    ///< with opacity_law::normal
    float texture_opacity_stddev = 0.1f;  ///< with opacity_law::normal
    dynamic_pipeline structure_ops{};

    static const description<structure_blend_settings>& describe() {
        using S = structure_blend_settings;
        static const auto d = detail::with_opacity_fields(
            description<S>().field("grid_size", &S::grid_size, 1, max_grid_size, "the image is cut into grid_size x grid_size shuffled tiles"));
        return d;
    }
};

/// MemSeg's structure source (METHODS §2.3; TooTouch/MemSeg `dataset.py`): the sample's own
/// image, changed by `structure_ops` (MemSeg: DRAEM's 3 of 10, `recipes::draem_texture_ops()`),
/// cut into a `grid_size` × `grid_size` grid of tiles (MemSeg: 8 × 8; its paper says 4 × 8,
/// its code uses 8 × 8), the tiles shuffled and reassembled, then blended through the mask as
/// `texture_blend` does: I ← I + o·M·(S − I) with o drawn in `texture_opacity` (MemSeg's
/// δ ~ U[0.15, 1]). Tiles are ⌊W/grid⌋ × ⌊H/grid⌋ pixels; when the size is not a multiple of
/// the grid, the strips at the right and bottom keep their place. Pixels where the mask is 0
/// keep their exact bytes. Works on any pixel type, channel count and size.
struct structure_blend : configured<structure_blend, structure_blend_settings> {
    static constexpr std::string_view name = "structure_blend";
    using structure_blend_settings::max_grid_size;
    using configured::configured;

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

    params_type sample_params(rng_stream& rng, const sample&) const {
        params_type p;
        p.opacity = detail::draw_opacity(settings(), rng);
        p.tiles = grid_size * grid_size;
        for (int k = 0; k < p.tiles; ++k) p.order[std::size_t(k)] = std::uint16_t(k);
        rng.shuffle(std::span(p.order.data(), std::size_t(p.tiles)));
        p.ops_stream = rng.fork(0);
        return p;
    }

    void apply(sample& s, const params_type& p) const {
        if (s.image.empty() || s.mask.empty()) return;
        thread_local pixel_region painted, needed;  // the mask's pixels, and the tiles they come from
        if (!painted.assign_positive(s.mask.data(), s.mask.width(), s.mask.height())) return;  // nothing to paint
        const int grid = isqrt(p.tiles);
        if (grid * grid != p.tiles || grid < 1)
            throw error("ias::structure_blend: the parameters have " + std::to_string(p.tiles) + " tiles, not a square grid");
        for (int k = 0; k < p.tiles; ++k)
            if (p.order[std::size_t(k)] >= p.tiles)
                throw error("ias::structure_blend: the tile order names tile " + std::to_string(p.order[std::size_t(k)]) +
                            " of " + std::to_string(p.tiles));
        const int w = s.image.width(), h = s.image.height(), c = s.image.channels();
        const tiling tiles{w / grid, h / grid, grid, p.order.data()};

        // Only the tiles' pixels that land under the mask are augmented and shuffled; the
        // rest of these per-thread buffers is never read, so they are reused as they are.
        thread_local sample structure;
        thread_local image<float> shuffled;
        auto& augmented = structure.image.ensure_size<float>(w, h, c);
        shuffled.ensure_size(w, h, c);
        needed.clear(w, h);
        painted.for_each_span(w, h, [&](int y, int x0, int x1) {
            tiles.for_each_piece(y, x0, x1, [&](int, int n, int from_x, int from_y) { needed.add_span(from_y, from_x, from_x + n); });
        });
        rng_stream ops_stream = p.ops_stream;
        run_on_region(structure_ops, structure, ops_stream, needed, [&](const pixel_region& read) {
            std::as_const(s.image).visit([&](auto original) { copy_as_float(original, augmented.view(), read); });
        });
        painted.for_each_span(w, h, [&](int y, int x0, int x1) {
            tiles.for_each_piece(y, x0, x1, [&](int x, int n, int from_x, int from_y) {
                std::copy_n(augmented.view().row(from_y) + from_x * c, std::size_t(n) * std::size_t(c), shuffled.view().row(y) + x * c);
            });
        });
        detail::blend_into(s, shuffled, name, p.opacity, painted);
    }


private:
    /// Where the pixels of the shuffled image come from: tile k (in reading order) of the grid
    /// is tile order[k] of the augmented image; the strips right of and below the grid stay.
    struct tiling {
        int tile_width, tile_height, grid;
        const std::uint16_t* order;
        /// Calls `f(x, n, from_x, from_y)` for the pieces of pixels [x0, x1) of row y that
        /// stay inside one tile: n pixels from x come from n pixels from (from_x, from_y).
        template <class F>
        void for_each_piece(int y, int x0, int x1, F&& f) const {
            const int ty = tile_height > 0 ? y / tile_height : grid;
            for (int x = x0; x < x1;) {
                const int tx = tile_width > 0 ? x / tile_width : grid;
                if (tx >= grid || ty >= grid) return f(x, x1 - x, x, y);  // a strip outside the grid: in place
                const int end = std::min(x1, (tx + 1) * tile_width);
                const int from = order[ty * grid + tx];
                f(x, end - x, x + (from % grid - tx) * tile_width, y + (from / grid - ty) * tile_height);
                x = end;
            }
        }
    };

    static int isqrt(int n) {
        int r = 0;
        while ((r + 1) * (r + 1) <= n) ++r;
        return r;
    }
};

}  // namespace ias
