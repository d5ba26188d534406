// SPDX-License-Identifier: MIT
// image_pool: the normal images the two-image methods (NSA, FPI, PII, REB's cut fill) take their foreign source from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "../core/image.hpp"
#include "../core/pixel_region.hpp"
#include "../core/rng.hpp"
#include "../core/sample.hpp"

namespace ias {

/// A set of normal images, indexed 0 .. size() − 1, that a two-image method draws its
/// foreign source from (METHODS §2.5–2.7: "a different training image of the same class").
/// `fill` writes image `index` resized to `out`'s size and channel count (float in [0, 1]),
/// at least at the pixels `where`. Implementations are immutable and may be called from many
/// threads at once. `texture_bank` is one (load the training folder, or `from_images`).
class image_pool {
public:
    virtual ~image_pool() = default;
    [[nodiscard]] virtual std::size_t size() const noexcept = 0;
    virtual void fill(std::size_t index, image_view<float> out, const pixel_region& where) const = 0;
};

namespace detail {

/// The pool index of a sample's foreign image, uniform over the pool's images other than the
/// sample's own (`sample.source_index`, when it is one of them); 0 for a pool of one image.
inline std::int64_t draw_foreign_index(rng_stream& rng, const image_pool& pool, std::int64_t own) noexcept {
    const auto n = std::int64_t(pool.size());
    if (n <= 1) return 0;
    if (own < 0 || own >= n) return rng.integer(0, n - 1);
    const std::int64_t j = rng.integer(0, n - 2);
    return j >= own ? j + 1 : j;
}

/// Writes the foreign image into `out` (float, resized to the sample's size and channels) at
/// the pixels `where`: pool image `index`, or the sample's own image when `pool` is null.
/// Throws ias::error when the pool is empty or the index is outside it.
inline void load_foreign(const image_pool* pool, std::int64_t index, const sample& s, image<float>& out, std::string_view transform,
                         const pixel_region& where = {}) {
    out.ensure_size(s.image.width(), s.image.height(), s.image.channels());
    if (!pool) {
        s.image.visit([&](auto pixels) { copy_as_float(pixels, out.view(), where); });
        return;
    }
    if (index < 0 || std::uint64_t(index) >= pool->size())
        throw error("ias::" + std::string(transform) + ": foreign image " + std::to_string(index) + " is outside the pool of " +
                    std::to_string(pool->size()) + " images");
    pool->fill(std::size_t(index), out.view(), where);
}

}  // namespace detail
}  // namespace ias
