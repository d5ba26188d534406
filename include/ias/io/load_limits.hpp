// SPDX-License-Identifier: MIT
// load_limits: the bounds every file reader checks against a header before it allocates.
//
// Its own header so that the readers without stb (io/npy.hpp, io/pfm.hpp) share it with io/stb.hpp.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ias {

/// Limits checked against a file's header before any pixel is decoded, so a hostile file (a
/// "decompression bomb": a few hundred kilobytes of PNG that inflate to gigabytes) cannot make
/// ias allocate without bound. `max_bytes` bounds both the file size and the decoded pixel
/// buffer; `max_pixels` bounds width x height (100 megapixels by default, a 10000 x 10000
/// image: far more than any training image, and 300 MB as 8-bit RGB).
struct load_limits {
    int max_width = 1 << 15;
    int max_height = 1 << 15;
    std::uint64_t max_pixels = 100'000'000;
    std::size_t max_bytes = std::size_t{1} << 30;
};

}  // namespace ias
