// SPDX-License-Identifier: MIT
// pixel_region: the part of an image an operation must compute, as runs of 8-pixel chunks per row.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace ias {

/// A set of pixels of a `width` × `height` image: where an intermediate image will be read,
/// so that the operations producing it may compute only there (`run_on_region`). DRAEM's
/// texture is read through a Perlin mask that covers about 5% of the image; its three texture
/// operations and the resize before them need only that part.
///
/// A default-constructed region is every pixel of any image. A bounded region is kept as a
/// bitmap of 8-pixel chunks per row, so it may hold a few more pixels than were added: a
/// region says which pixels must be right, never which must stay untouched.
class pixel_region {
public:
    static constexpr int chunk = 8;  ///< pixels per chunk of a row

    /// Every pixel.
    pixel_region() = default;

    [[nodiscard]] bool everywhere() const noexcept { return everywhere_; }
    /// The image size of a bounded region (0 when everywhere).
    [[nodiscard]] int width() const noexcept { return everywhere_ ? 0 : width_; }
    [[nodiscard]] int height() const noexcept { return everywhere_ ? 0 : height_; }
    /// Makes this the empty region of a `width` × `height` image (no allocation once sized).
    void clear(int width, int height) {
        everywhere_ = false;
        width_ = width;
        height_ = height;
        chunks_per_row_ = (width + chunk - 1) / chunk;
        chunks_.assign(std::size_t(chunks_per_row_) * std::size_t(std::max(height, 0)), 0);
    }
    /// Makes this every pixel again.
    void set_everywhere() noexcept { everywhere_ = true; }

    /// Adds pixels [x_begin, x_end) of row y, clipped to the image. Bounded regions only.
    void add_span(int y, int x_begin, int x_end) noexcept {
        x_begin = std::max(x_begin, 0);
        x_end = std::min(x_end, width_);
        if (unsigned(y) >= unsigned(height_) || x_begin >= x_end) return;
        std::uint8_t* row = chunks_.data() + std::size_t(y) * std::size_t(chunks_per_row_);
        for (int c = x_begin / chunk; c <= (x_end - 1) / chunk; ++c) row[c] = 1;
    }

    /// Makes this the pixels where `mask` (one value per pixel, `width` × `height`, packed)
    /// is positive; returns whether there are any.
    bool assign_positive(const float* mask, int width, int height) {
        clear(width, height);
        std::uint8_t any = 0;
        for (int y = 0; y < height; ++y) {
            const float* row = mask + std::ptrdiff_t(y) * width;
            std::uint8_t* out = chunks_.data() + std::size_t(y) * std::size_t(chunks_per_row_);
            const int whole = width / chunk;
            for (int c = 0; c < whole; ++c) {
                std::uint8_t positive = 0;  // an integer OR over the chunk, which vectorises
                for (int i = 0; i < chunk; ++i) positive |= std::uint8_t(row[c * chunk + i] > 0.0f);
                out[c] = positive;
                any |= positive;
            }
            if (whole < chunks_per_row_) {
                std::uint8_t positive = 0;
                for (int x = whole * chunk; x < width; ++x) positive |= std::uint8_t(row[x] > 0.0f);
                out[whole] = positive;
                any |= positive;
            }
        }
        return any != 0;
    }

    /// Adds the pixels next to the region's (8-neighbourhood): what a 3×3 filter reads.
    void dilate() {
        if (everywhere_) return;
        scratch().assign(chunks_.begin(), chunks_.end());
        const std::uint8_t* before = scratch().data();
        const auto n = std::size_t(chunks_per_row_);
        for (int y = 0; y < height_; ++y) {
            std::uint8_t* out = chunks_.data() + std::size_t(y) * n;
            for (std::size_t c = 0; c < n; ++c) {
                std::uint8_t v = 0;
                for (int dy = -1; dy <= 1; ++dy) {
                    if (y + dy < 0 || y + dy >= height_) continue;
                    const std::uint8_t* row = before + std::size_t(y + dy) * n;
                    v |= row[c] | (c > 0 ? row[c - 1] : 0) | (c + 1 < n ? row[c + 1] : 0);
                }
                out[c] = v;
            }
        }
    }

    /// Mirrors the region left to right (x → width − 1 − x) or top to bottom.
    void mirror(bool horizontal) {
        if (everywhere_) return;
        scratch().assign(chunks_.begin(), chunks_.end());
        const std::uint8_t* before = scratch().data();
        std::fill(chunks_.begin(), chunks_.end(), std::uint8_t(0));
        const auto n = std::size_t(chunks_per_row_);
        for (int y = 0; y < height_; ++y)
            for (std::size_t c = 0; c < n; ++c) {
                if (!before[std::size_t(y) * n + c]) continue;
                if (!horizontal) {
                    chunks_[std::size_t(height_ - 1 - y) * n + c] = 1;
                    continue;
                }
                const int x0 = int(c) * chunk, x1 = std::min(x0 + chunk, width_);
                add_span(y, width_ - x1, width_ - x0);
            }
    }

    /// Calls `f(y, x_begin, x_end)` for each maximal run of the region's pixels in a row of a
    /// `width` × `height` image (the region's own size unless it is everywhere), top to bottom.
    template <class F>
    void for_each_span(int width, int height, F&& f) const {
        if (everywhere_) {
            for (int y = 0; y < height; ++y) f(y, 0, width);
            return;
        }
        const auto n = std::size_t(chunks_per_row_);
        for (int y = 0; y < std::min(height, height_); ++y) {
            const std::uint8_t* row = chunks_.data() + std::size_t(y) * n;
            std::size_t c = 0;
            while (c < n) {
                if (c + 8 <= n) {  // skip empty chunks eight at a time
                    std::uint64_t eight = 0;
                    std::memcpy(&eight, row + c, 8);
                    if (eight == 0) {
                        c += 8;
                        continue;
                    }
                }
                if (!row[c]) {
                    ++c;
                    continue;
                }
                const std::size_t begin = c;
                while (c < n && row[c]) ++c;
                f(y, int(begin) * chunk, std::min(int(c) * chunk, std::min(width, width_)));
            }
        }
    }

    /// Number of pixels in the region of a `width` × `height` image.
    [[nodiscard]] std::size_t pixel_count(int width, int height) const {
        std::size_t n = 0;
        for_each_span(width, height, [&](int, int x0, int x1) { n += std::size_t(x1 - x0); });
        return n;
    }

private:
    static std::vector<std::uint8_t>& scratch() {
        thread_local std::vector<std::uint8_t> buffer;  // the bitmap before an in-place change
        return buffer;
    }

    bool everywhere_ = true;
    int width_ = 0;
    int height_ = 0;
    int chunks_per_row_ = 0;
    std::vector<std::uint8_t> chunks_;  ///< one byte per chunk, 1 = in the region
};

}  // namespace ias
