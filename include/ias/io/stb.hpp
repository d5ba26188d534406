// SPDX-License-Identifier: MIT
// Image files through stb: load PNG, JPEG, BMP and TGA (8-bit, and 16-bit PNG as float); save them durably and atomically.
//
// This header never compiles stb itself. Link Debian's libstb (pkg-config `stb`), or define
// IAS_STB_IMPLEMENTATION before including it in exactly one translation unit of your own.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <new>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "../core/image.hpp"
#include "files.hpp"
#include "load_limits.hpp"

#ifdef IAS_STB_IMPLEMENTATION
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_TGA
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wcast-qual"
#endif
#endif
#include <stb_image.h>
#include <stb_image_write.h>
#if defined(IAS_STB_IMPLEMENTATION) && defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace ias {

/// The file formats ias reads and writes.
enum class image_format { png, jpeg, bmp, tga };

/// How to load an image file.
struct load_settings {
    /// 0 keeps the file's channels (gray+alpha becomes RGBA, since ias uses 1, 3 or 4);
    /// 1, 3 or 4 converts to that many.
    int channels = 0;
    load_limits limits{};
};

/// How to save an image file.
struct save_settings {
    int jpeg_quality = 95;  ///< 1..100
};

namespace detail {

inline const char* format_name(image_format f) noexcept {
    switch (f) {
        case image_format::png: return "PNG";
        case image_format::jpeg: return "JPEG";
        case image_format::bmp: return "BMP";
        case image_format::tga: return "TGA";
    }
    return "?";
}

inline bool starts_with(std::span<const std::uint8_t> bytes, std::string_view magic) noexcept {
    return bytes.size() >= magic.size() && std::memcmp(bytes.data(), magic.data(), magic.size()) == 0;
}

/// The name of a recognised format that ias does not read, or nullptr.
inline const char* unsupported_format(std::span<const std::uint8_t> b) noexcept {
    if (starts_with(b, "GIF8")) return "GIF";
    if (starts_with(b, "8BPS")) return "PSD";
    if (starts_with(b, std::string_view("II*\0", 4)) || starts_with(b, std::string_view("MM\0*", 4))) return "TIFF";
    if (starts_with(b, "RIFF") && b.size() >= 12 && std::memcmp(b.data() + 8, "WEBP", 4) == 0) return "WebP";
    if (starts_with(b, "#?")) return "Radiance HDR";
    if (starts_with(b, "qoif")) return "QOI";
    if (starts_with(b, "\x53\x80\xF6\x34")) return "Softimage PIC";
    if (b.size() >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7') return "PNM";
    if (starts_with(b, std::string_view("\0\0\0\x0CjP  ", 8))) return "JPEG 2000";
    return nullptr;
}

inline std::uint32_t read_le(std::span<const std::uint8_t> b, std::size_t at, int n) noexcept {
    std::uint32_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | b[at + std::size_t(i)];
    return v;
}

/// True when the first 18 bytes are a plausible TGA header (TGA has no signature). Data
/// that is no known format must pass this before stb sees it, since stb would otherwise try
/// every decoder it has on it.
inline bool plausible_tga_header(std::span<const std::uint8_t> b) noexcept {
    if (b.size() < 18 || b[1] > 1) return false;
    const std::uint8_t type = b[2], bits = b[16];
    const bool mapped = type == 1 || type == 9;
    if (!mapped && type != 2 && type != 3 && type != 10 && type != 11) return false;
    if (mapped != (b[1] == 1)) return false;
    if (mapped) {
        const std::uint8_t entry_bits = b[7];
        if (entry_bits != 15 && entry_bits != 16 && entry_bits != 24 && entry_bits != 32) return false;
        if (bits != 8 && bits != 16) return false;
    } else if (bits != 8 && bits != 15 && bits != 16 && bits != 24 && bits != 32) {
        return false;
    }
    return read_le(b, 12, 2) > 0 && read_le(b, 14, 2) > 0;
}

/// Walks the chunks of a PNG file: each must fit in the file, and the IEND chunk must be
/// reached. stb sizes its buffer for the compressed data by the chunk lengths a file claims,
/// so a forged length would otherwise make it allocate gigabytes.
inline std::string png_problem(std::span<const std::uint8_t> b) {
    for (std::size_t at = 8; at + 8 <= b.size();) {
        const std::uint64_t length = std::uint64_t(b[at]) << 24 | std::uint64_t(b[at + 1]) << 16 |
                                     std::uint64_t(b[at + 2]) << 8 | b[at + 3];
        if (at + 12 + length > b.size()) return "a chunk runs past the end of the file";
        if (std::memcmp(b.data() + at + 4, "IEND", 4) == 0) return {};
        at += 12 + std::size_t(length);
    }
    return "no IEND chunk";
}

/// Walks the segments of a JPEG file: every segment must fit in the file, every Huffman
/// table must define at most 256 codes (more overflows a table inside stb's decoder, which
/// does not check), every scan must use only Huffman tables defined before it (stb decodes
/// with an undefined table's uninitialised memory and indexes out of bounds), and the
/// end-of-image marker must be reached.
inline std::string jpeg_problem(std::span<const std::uint8_t> b) {
    std::size_t at = 2;  // after the start-of-image marker
    bool defined[2][4] = {};  // [DC 0 / AC 1][table id]
    bool progressive = false;
    while (at + 1 < b.size()) {
        if (b[at] != 0xFF) return "bytes outside any segment";
        const std::uint8_t marker = b[at + 1];
        if (marker == 0xFF) {  // fill byte
            ++at;
            continue;
        }
        if (marker == 0xD9) return {};  // end of image
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
            at += 2;
            continue;
        }
        if (at + 4 > b.size()) break;
        const std::size_t length = std::size_t(b[at + 2]) << 8 | b[at + 3];
        const std::size_t end = at + 2 + length;
        if (length < 2 || end > b.size()) return "a segment runs past the end of the file";
        if (marker == 0xC4) {  // define Huffman tables
            for (std::size_t t = at + 4; t < end;) {
                if (t + 17 > end) return "a Huffman table runs past its segment";
                std::size_t codes = 0;
                for (std::size_t i = 1; i <= 16; ++i) codes += b[t + i];
                if (codes > 256) return "a Huffman table defines " + std::to_string(codes) + " codes, more than 256";
                if ((b[t] >> 4) <= 1 && (b[t] & 15) <= 3) defined[b[t] >> 4][b[t] & 15] = true;
                t += 17 + codes;
                if (t > end) return "a Huffman table runs past its segment";
            }
        }
        if (marker == 0xC2) progressive = true;
        if (marker == 0xDA && length >= 3) {  // start of scan: its components' Huffman tables
            const std::size_t components = b[at + 4];
            if (at + 5 + 2 * components >= end) return "a scan header runs past its segment";
            const bool dc_scan = b[at + 5 + 2 * components] == 0;  // spectral selection starts at 0
            for (std::size_t c = 0; c < components; ++c) {
                const std::uint8_t tables = b[at + 6 + 2 * c];
                const bool dc_used = !progressive || dc_scan, ac_used = !progressive || !dc_scan;
                if ((dc_used && ((tables >> 4) > 3 || !defined[0][tables >> 4])) ||
                    (ac_used && ((tables & 15) > 3 || !defined[1][tables & 15])))
                    return "a scan uses a Huffman table that no earlier segment defines";
            }
        }
        at = end;
        if (marker == 0xDA) {  // start of scan: entropy-coded data up to the next real marker
            while (at + 1 < b.size() && !(b[at] == 0xFF && b[at + 1] != 0 && (b[at + 1] < 0xD0 || b[at + 1] > 0xD7)))
                ++at;
        }
    }
    return "no end-of-image marker";
}

/// Why the file is shorter than its header promises, or structurally unsafe to decode; an
/// empty string when it looks sound. stb pads a short JPEG, BMP or TGA with zeros instead of
/// failing, which would give a silently wrong image.
inline std::string structural_problem(std::span<const std::uint8_t> b, image_format f) {
    if (f == image_format::png) return png_problem(b);
    if (f == image_format::jpeg) return jpeg_problem(b);
    if (f == image_format::bmp && b.size() >= 34) {
        const std::uint32_t offset = read_le(b, 10, 4);
        const std::uint32_t header = read_le(b, 14, 4);
        const std::uint32_t compression = header >= 40 ? read_le(b, 30, 4) : 0;
        if (compression == 0 || compression == 3) {  // uncompressed rows
            const std::uint64_t width = header >= 40 ? read_le(b, 18, 4) : read_le(b, 18, 2);
            const auto raw_height = std::int32_t(header >= 40 ? read_le(b, 22, 4) : read_le(b, 20, 2));
            const std::uint64_t height = std::uint64_t(raw_height < 0 ? -std::int64_t(raw_height) : raw_height);
            const std::uint64_t bpp = header >= 40 ? read_le(b, 28, 2) : read_le(b, 24, 2);
            const std::uint64_t row = (bpp * (width & 0xFFFFFFFFu) + 31) / 32 * 4;
            if (std::uint64_t(offset) + row * height > b.size()) return "pixel data shorter than the header says";
        }
    } else if (f == image_format::tga && b.size() >= 18) {
        const std::uint32_t type = b[2];
        const std::uint64_t map_bytes = b[1] ? std::uint64_t(read_le(b, 5, 2)) * ((b[7] + 7u) / 8u) : 0;
        const std::uint64_t pixels = std::uint64_t(read_le(b, 12, 2)) * read_le(b, 14, 2);
        const std::uint64_t pixel_bytes = (b[16] + 7u) / 8u;
        std::uint64_t at = 18u + b[0] + map_bytes;
        if (type >= 1 && type <= 3) {  // uncompressed colour-mapped, true-colour, grey
            if (at + pixels * pixel_bytes > b.size()) return "pixel data shorter than the header says";
        } else if (type >= 9 && type <= 11) {  // run-length encoded: walk the packets
            for (std::uint64_t count = 0; count < pixels;) {
                if (at >= b.size()) return "run-length data ends before the last pixel";
                const std::uint8_t packet = b[at++];
                const std::uint64_t run = (packet & 0x7Fu) + 1u;
                at += packet & 0x80u ? pixel_bytes : run * pixel_bytes;
                count += run;
            }
            if (at > b.size()) return "run-length data ends before the last pixel";
        }
    }
    return {};
}

[[noreturn]] inline void fail(std::string_view name, const std::string& why) {
    throw error("ias: '" + std::string(name) + "': " + why);
}

struct stbi_deleter {
    void operator()(void* p) const noexcept { stbi_image_free(p); }
};

/// Throws std::bad_alloc when stb failed for want of memory: running out of memory is never
/// the file's fault, so it must not be reported as a corrupt file.
inline void rethrow_out_of_memory() {
    if (const char* reason = stbi_failure_reason(); reason && std::strcmp(reason, "outofmem") == 0) throw std::bad_alloc();
}

}  // namespace detail

/// Decodes an image held in memory; `name` is used in error messages.
///
/// PNG (8 and 16 bit), JPEG (baseline and progressive), BMP and TGA. 8-bit data gives uint8
/// pixels; 16-bit PNG gives float pixels in [0, 1] (v / 65535). Throws ias::error naming the
/// file for empty, truncated, corrupt, oversized (see `load_limits`: the size and pixel count are
/// checked from the header, before decoding) or unsupported data, std::bad_alloc when memory
/// runs out, and std::invalid_argument for a bad `options.channels`.
inline any_image decode_image(std::span<const std::uint8_t> bytes, std::string_view name,
                              const load_settings& options = {}) {
    if (options.channels != 0 && options.channels != 1 && options.channels != 3 && options.channels != 4)
        throw std::invalid_argument("ias::load_settings::channels must be 0, 1, 3 or 4, got " +
                                    std::to_string(options.channels));
    if (bytes.empty()) detail::fail(name, "the file is empty");
    if (bytes.size() > options.limits.max_bytes)
        detail::fail(name, "the file has " + std::to_string(bytes.size()) + " bytes, more than the limit of " +
                               std::to_string(options.limits.max_bytes));
    if (bytes.size() > std::size_t(std::numeric_limits<int>::max()))
        detail::fail(name, "the file is larger than 2 GiB, which stb cannot read");

    image_format format = image_format::tga;  // TGA has no signature: it is what remains
    if (detail::starts_with(bytes, "\x89PNG\r\n\x1a\n")) format = image_format::png;
    else if (detail::starts_with(bytes, "\xFF\xD8\xFF")) format = image_format::jpeg;
    else if (detail::starts_with(bytes, "BM")) format = image_format::bmp;
    else if (const char* other = detail::unsupported_format(bytes))
        detail::fail(name, std::string("unsupported format ") + other + "; ias reads PNG, JPEG, BMP and TGA");
    else if (!detail::plausible_tga_header(bytes))
        detail::fail(name, "not an image ias can read; ias reads PNG, JPEG, BMP and TGA");

    // Before stb sees any byte: even reading the header can go wrong on a hostile JPEG.
    if (const std::string why = detail::structural_problem(bytes, format); !why.empty())
        detail::fail(name, std::string("truncated or corrupt ") + detail::format_name(format) + ": " + why);

    const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
    const int length = int(bytes.size());
    int width = 0, height = 0, stored_channels = 0;
    if (!stbi_info_from_memory(data, length, &width, &height, &stored_channels))
        detail::fail(name, std::string("corrupt or truncated ") + detail::format_name(format) +
                               " (stb: " + stbi_failure_reason() + ")");
    const bool sixteen_bit = format == image_format::png && stbi_is_16_bit_from_memory(data, length);
    const int channels = options.channels != 0 ? options.channels : (stored_channels == 2 ? 4 : stored_channels);
    if (width <= 0 || height <= 0 || stored_channels < 1 || stored_channels > 4)
        detail::fail(name, "the header gives an invalid size or channel count");
    if (width > options.limits.max_width || height > options.limits.max_height)
        detail::fail(name, std::to_string(width) + "x" + std::to_string(height) + " exceeds the limit of " +
                               std::to_string(options.limits.max_width) + "x" +
                               std::to_string(options.limits.max_height));
    if (std::uint64_t(width) * std::uint64_t(height) > options.limits.max_pixels)
        detail::fail(name, std::to_string(width) + "x" + std::to_string(height) + " is " +
                               std::to_string(std::uint64_t(width) * std::uint64_t(height)) + " pixels, more than the limit of " +
                               std::to_string(options.limits.max_pixels) + " (load_limits::max_pixels; the ias tool's --max-pixels)");
    const std::uint64_t decoded = std::uint64_t(width) * std::uint64_t(height) * std::uint64_t(channels) *
                                  (sixteen_bit ? sizeof(float) : 1u);
    if (decoded > options.limits.max_bytes)
        detail::fail(name, "decoding needs " + std::to_string(decoded) + " bytes, more than the limit of " +
                               std::to_string(options.limits.max_bytes));

    int w = 0, h = 0, file_channels = 0;
    if (sixteen_bit) {
        std::unique_ptr<stbi_us, detail::stbi_deleter> pixels(
            stbi_load_16_from_memory(data, length, &w, &h, &file_channels, channels));
        if (!pixels) detail::rethrow_out_of_memory();
        if (!pixels || w != width || h != height)
            detail::fail(name, std::string("corrupt or truncated PNG (stb: ") + stbi_failure_reason() + ")");
        image<float> out(w, h, channels);
        std::transform(pixels.get(), pixels.get() + out.size(), out.data(),
                       [](stbi_us v) { return float(v) / 65535.0f; });
        return out;
    }
    std::unique_ptr<stbi_uc, detail::stbi_deleter> pixels(
        stbi_load_from_memory(data, length, &w, &h, &file_channels, channels));
    if (!pixels) detail::rethrow_out_of_memory();
    if (!pixels || w != width || h != height)
        detail::fail(name, std::string("corrupt or truncated ") + detail::format_name(format) +
                               " (stb: " + stbi_failure_reason() + ")");
    image<std::uint8_t> out(w, h, channels);
    std::copy_n(pixels.get(), out.size(), out.data());
    return out;
}

/// Loads an image file; see `decode_image` for formats, pixel types and errors. A missing or
/// unreadable file, or a directory, throws ias::error naming the path and the reason.
inline any_image load_image(const std::filesystem::path& path, const load_settings& options = {}) {
    const std::string name = path.string();
    const std::vector<std::uint8_t> bytes =
        detail::read_whole_file(path, options.limits.max_bytes, "an image file", [&](const std::string& why) { detail::fail(name, why); });
    return decode_image(bytes, name, options);
}

/// The format that the extension of `path` names (case-insensitive .png, .jpg, .jpeg, .bmp,
/// .tga); throws std::invalid_argument for any other.
inline image_format format_from_extension(const std::filesystem::path& path) {
    const std::string ext = detail::lower_extension(path);
    if (ext == ".png") return image_format::png;
    if (ext == ".jpg" || ext == ".jpeg") return image_format::jpeg;
    if (ext == ".bmp") return image_format::bmp;
    if (ext == ".tga") return image_format::tga;
    throw std::invalid_argument("ias::save_image: '" + path.string() + "' has the extension '" + ext +
                                "'; use .png, .jpg, .jpeg, .bmp or .tga");
}

/// Encodes 8-bit pixels (1, 3 or 4 channels, any strides) into file bytes.
inline std::vector<std::uint8_t> encode_image(image_view<const std::uint8_t> view, image_format format,
                                              const save_settings& options = {}) {
    if (view.empty()) throw std::invalid_argument("ias::encode_image: the image is empty");
    if (view.channels() != 1 && view.channels() != 3 && view.channels() != 4)
        throw std::invalid_argument("ias::encode_image: channels must be 1, 3 or 4, got " +
                                    std::to_string(view.channels()));
    if (options.jpeg_quality < 1 || options.jpeg_quality > 100)
        throw std::invalid_argument("ias::save_settings::jpeg_quality must lie in [1, 100], got " +
                                    std::to_string(options.jpeg_quality));
    image<std::uint8_t> packed;
    if (!view.is_contiguous()) {
        packed.assign(view);
        view = packed.view();
    }
    std::vector<std::uint8_t> bytes;
    auto append = [](void* context, void* data, int size) {
        auto* out = static_cast<std::vector<std::uint8_t>*>(context);
        const auto* p = static_cast<const std::uint8_t*>(data);
        out->insert(out->end(), p, p + size);
    };
    const int w = view.width(), h = view.height(), c = view.channels();
    int ok = 0;
    switch (format) {
        case image_format::png: ok = stbi_write_png_to_func(append, &bytes, w, h, c, view.data(), w * c); break;
        case image_format::jpeg:
            ok = stbi_write_jpg_to_func(append, &bytes, w, h, c, view.data(), options.jpeg_quality);
            break;
        case image_format::bmp: ok = stbi_write_bmp_to_func(append, &bytes, w, h, c, view.data()); break;
        case image_format::tga: ok = stbi_write_tga_to_func(append, &bytes, w, h, c, view.data()); break;
    }
    if (!ok) throw error(std::string("ias::encode_image: stb could not encode the ") + detail::format_name(format));
    return bytes;
}

/// Saves 8-bit pixels; the format follows the extension (see `format_from_extension`).
inline void save_image(const std::filesystem::path& path, image_view<const std::uint8_t> view,
                       const save_settings& options = {}) {
    const auto bytes = encode_image(view, format_from_extension(path), options);
    write_file_atomically(path, bytes);
}

/// Saves float pixels as 8 bits (clamped to [0, 1], times 255, rounded): stb writes no
/// 16-bit or float files.
inline void save_image(const std::filesystem::path& path, image_view<const float> view,
                       const save_settings& options = {}) {
    image<std::uint8_t> bytes(view.width(), view.height(), view.channels());
    convert_pixels(view, bytes.view());
    save_image(path, bytes.view(), options);
}

/// Saves an image of either pixel type.
inline void save_image(const std::filesystem::path& path, const any_image& im, const save_settings& options = {}) {
    im.visit([&](auto view) { save_image(path, view, options); });
}

}  // namespace ias
