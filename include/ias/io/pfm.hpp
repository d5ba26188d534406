// SPDX-License-Identifier: MIT
// Portable Float Map (.pfm) files of one-channel float maps: a reader of greyscale "Pf" files in either byte order.
#pragma once

#include <bit>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include "../core/image.hpp"
#include "../detail/float_map_file.hpp"
#include "load_limits.hpp"

namespace ias {

namespace detail {

/// Portable Float Map: "Pf" (greyscale), width, height, scale (negative: little endian), each
/// separated by whitespace, one whitespace byte, then float32 rows from the bottom row up.
inline image<float> decode_pfm(std::string_view who, const std::filesystem::path& path, std::span<const std::uint8_t> b,
                               const load_limits& limits) {
    const auto is_space = [](std::uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    if (b.size() < 2 || b[0] != 'P' || (b[1] != 'f' && b[1] != 'F'))
        map_file_error(who, path, "not a Portable Float Map: it does not start with 'Pf'");
    if (b[1] == 'F')
        map_file_error(who, path, "a colour PFM ('PF', 3 channels); score maps must be greyscale PFM ('Pf')");
    std::size_t at = 2;
    // The three header fields; the header is short, so look at no more than 256 bytes.
    std::string fields[3];
    for (auto& field : fields) {
        const std::size_t start = at;
        while (at < b.size() && is_space(b[at])) ++at;
        if (at == start) map_file_error(who, path, "malformed PFM header: fields must be separated by whitespace");
        while (at < b.size() && !is_space(b[at]) && at < 256) field += char(b[at++]);
        if (field.empty() || at >= b.size() || at >= 256)
            map_file_error(who, path, "truncated or malformed PFM header: expected 'Pf', width, height and scale");
    }
    ++at;  // the single whitespace byte that ends the header
    std::uint64_t dims[2] = {0, 0};
    for (int i = 0; i < 2; ++i) {
        const auto [ptr, ec] = std::from_chars(fields[i].data(), fields[i].data() + fields[i].size(), dims[i]);
        if (ec != std::errc() || ptr != fields[i].data() + fields[i].size())
            map_file_error(who, path, "malformed PFM header: the " + std::string(i == 0 ? "width" : "height") + " '" +
                                 fields[i] + "' is not a non-negative integer");
    }
    double scale = 0.0;
    const auto [ptr, ec] = std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), scale);
    if (ec != std::errc() || ptr != fields[2].data() + fields[2].size() || !std::isfinite(scale) || scale == 0.0)
        map_file_error(who, path, "malformed PFM header: the scale '" + fields[2] +
                             "' must be a nonzero number (negative: little endian, positive: big endian)");
    const bool big_endian = scale > 0.0;
    const std::uint64_t width = dims[0], height = dims[1];
    check_map_size(who, path, width, height, limits);
    const std::uint64_t needed = width * height * 4;
    const std::uint64_t available = b.size() - at;
    if (available != needed)
        map_file_error(who, path, std::string(available < needed ? "truncated PFM" : "malformed PFM") + ": " +
                             std::to_string(width) + "x" + std::to_string(height) + " needs " +
                             std::to_string(needed) + " data bytes but the file has " + std::to_string(available));
    image<float> out(int(width), int(height), 1);
    for (int row = 0; row < int(height); ++row) {  // stored bottom row first
        const int y = int(height) - 1 - row;
        for (int x = 0; x < int(width); ++x, at += 4)
            store_finite(who, path, out, x, y, double(std::bit_cast<float>(std::uint32_t(read_uint(b, at, 4, big_endian)))));
    }
    return out;
}

}  // namespace detail

/// Loads a greyscale Portable Float Map ("Pf") as a one-channel float map. A negative scale
/// means little endian, a positive one big endian; the scale's magnitude is ignored. Rows are
/// stored bottom to top and are flipped, so (0, 0) is the top-left pixel. Colour PFM ("PF") is
/// rejected, and so is an element that is not finite. Throws ias::error naming the file and
/// what is wrong, and for a file or map beyond `limits`.
inline image<float> load_pfm(const std::filesystem::path& path, const load_limits& limits = {}) {
    return detail::load_float_map("ias::load_pfm", path, limits, "a .pfm file", detail::decode_pfm);
}

}  // namespace ias
