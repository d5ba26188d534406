// SPDX-License-Identifier: MIT
// Contact sheets: images side by side in a grid of tiles, for eyes (ias preview, ias_downstream's previews).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "../core/image.hpp"
#include "../fn/resize.hpp"
#include "../generate.hpp"
#include "../io/stb.hpp"
#include "job.hpp"

namespace ias::dataset {

/// A grid of `columns` x `rows` square tiles of `tile` pixels, RGB, black where nothing is put.
class contact_sheet {
public:
    contact_sheet(int columns, int rows, int tile) : tile_(tile), sheet_(columns * tile, rows * tile, 3, 0) {}

    /// Scales `im` (any pixel type, 1 or 3 channels) bilinearly into tile (column, row), its
    /// values times `gain`, with `overlay` (a mask of any size) tinting it red where positive.
    void put(int column, int row, const any_image& im, const ias::image<float>* overlay = nullptr, float gain = 1.0f) {
        assign_as_float(as_float_, im);
        small_.resize(tile_, tile_, as_float_.channels());
        fn::resize_bilinear(std::as_const(as_float_).view(), small_.view(), scratch_);
        if (overlay) {
            mask_small_.resize(tile_, tile_, 1);
            fn::resize_bilinear(overlay->view(), mask_small_.view(), scratch_);
        }
        for (int y = 0; y < tile_; ++y)
            for (int x = 0; x < tile_; ++x)
                for (int c = 0; c < 3; ++c) {
                    float v = gain * small_(x, y, std::min(c, small_.channels() - 1));
                    if (overlay) v += 0.6f * std::min(1.0f, mask_small_(x, y)) * ((c == 0 ? 1.0f : 0.0f) - v);
                    sheet_(column * tile_ + x, row * tile_ + y, c) = std::uint8_t(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f));
                }
    }

    [[nodiscard]] const ias::image<std::uint8_t>& image() const noexcept { return sheet_; }

private:
    int tile_;
    ias::image<std::uint8_t> sheet_;
    ias::image<float> as_float_, small_, mask_small_;
    fn::resize_scratch scratch_;
};

/// Throws std::invalid_argument, before any work, unless `out` can take a preview sheet: a
/// non-empty path with an image extension (.png, .jpg, .bmp, .tga), not a folder, and not
/// an existing file unless `force`.
inline void check_sheet_path(const std::filesystem::path& out, bool force) {
    if (out.empty()) throw std::invalid_argument("--out is empty; name the sheet to write, such as sheet.png");
    try {
        (void)ias::format_from_extension(out);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string("--out: ") + e.what());
    }
    std::error_code ec;
    if (std::filesystem::is_directory(out, ec))
        throw std::invalid_argument("--out '" + out.string() + "' is a folder; name the sheet to write, such as sheet.png");
    if (std::filesystem::exists(out, ec) && !force)
        throw std::invalid_argument("--out '" + out.string() + "' exists; pass --force to overwrite it");
}


/// The sheet of `ias preview`: for samples 0 .. n-1 of `j` with `seed` (epoch 0), one row
/// each: the input, the synthetic sample, and the sample with its mask in red. Every input of
/// the job must be usable.
inline ias::image<std::uint8_t> preview_sheet(const job& j, std::uint64_t n, std::uint64_t seed, int tile = 160) {
    contact_sheet sheet(3, int(n), tile);
    std::mutex sheet_mutex;
    generate(
        j.transform, [&](std::uint64_t i, sample& s) { j.inputs.fill(i, s); }, 0, n, 0,
        [&](std::uint64_t i, const sample& s) {
            const std::lock_guard lock(sheet_mutex);
            sheet.put(0, int(i), j.inputs.input_of(i).image);
            sheet.put(1, int(i), s.image);
            sheet.put(2, int(i), s.image, &s.mask);
        },
        {.seed = seed});
    return sheet.image();
}

}  // namespace ias::dataset
