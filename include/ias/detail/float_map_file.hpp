// SPDX-License-Identifier: MIT
// Internals of the float-map readers (io/npy.hpp, io/pfm.hpp): errors naming the file, byte order, size checks, finite elements.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "../core/error.hpp"
#include "../core/image.hpp"
#include "../io/files.hpp"
#include "../io/load_limits.hpp"

namespace ias::detail {

/// Throws ias::error "`who`: '`path`': `why`". `who` is the public function the caller serves
/// (`ias::load_npy`, or `ias::eval` for `load_score_map`), so one decoder reports for both.
[[noreturn]] inline void map_file_error(std::string_view who, const std::filesystem::path& path, const std::string& why) {
    throw error(std::string(who) + ": '" + path.string() + "': " + why);
}

/// The unsigned integer of `n` bytes at `at`, little endian (`big` = false) or big endian.
inline std::uint64_t read_uint(std::span<const std::uint8_t> b, std::size_t at, int n, bool big) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | b[at + std::size_t(big ? i : n - 1 - i)];
    return v;
}

/// Checks a map's size against `limits`; names the file.
inline void check_map_size(std::string_view who, const std::filesystem::path& path, std::uint64_t width, std::uint64_t height,
                           const load_limits& limits) {
    if (width == 0 || height == 0)
        map_file_error(who, path, "the score map is " + std::to_string(width) + "x" + std::to_string(height) +
                             "; it must have at least one pixel");
    if (width > std::uint64_t(limits.max_width) || height > std::uint64_t(limits.max_height))
        map_file_error(who, path, "the score map is " + std::to_string(width) + "x" + std::to_string(height) +
                             ", more than the limit of " + std::to_string(limits.max_width) + "x" +
                             std::to_string(limits.max_height));
    if (width * height > limits.max_pixels)
        map_file_error(who, path, "the score map is " + std::to_string(width) + "x" + std::to_string(height) + ", " +
                             std::to_string(width * height) + " pixels, more than the limit of " +
                             std::to_string(limits.max_pixels) + " (load_limits::max_pixels)");
    if (width > limits.max_bytes / sizeof(float) / height)  // width * height * 4 > max_bytes, without overflow
        map_file_error(who, path, "the " + std::to_string(width) + "x" + std::to_string(height) +
                             " score map needs more than the limit of " + std::to_string(limits.max_bytes) +
                             " bytes");
}

/// Stores a decoded element, rejecting NaN, infinities and doubles outside the float range.
inline void store_finite(std::string_view who, const std::filesystem::path& path, image<float>& out, int x, int y, double value) {
    const auto at = [&] {
        return "element [" + std::to_string(y) + ", " + std::to_string(x) + "] (row " + std::to_string(y) +
               ", column " + std::to_string(x) + ")";
    };
    if (std::isnan(value)) map_file_error(who, path, at() + " is NaN; score maps must hold finite numbers");
    if (std::isinf(value)) map_file_error(who, path, at() + " is infinite; score maps must hold finite numbers");
    const auto f = float(value);
    if (std::isinf(f))
        map_file_error(who, path, at() + " is " + std::to_string(value) +
                             ", outside the float32 range; score maps must hold finite float32 numbers");
    out(x, y) = f;
}

/// Reads the whole file at `path` (at most `limits.max_bytes`; `kind` names it in errors) and
/// returns `decode(who, path, bytes, limits)`: the one body of `load_npy` and `load_pfm`.
template <class Decode>
image<float> load_float_map(std::string_view who, const std::filesystem::path& path, const load_limits& limits,
                            std::string_view kind, Decode decode) {
    const auto bytes =
        read_whole_file(path, limits.max_bytes, kind, [&](const std::string& why) { map_file_error(who, path, why); });
    return decode(who, path, bytes, limits);
}

}  // namespace ias::detail
