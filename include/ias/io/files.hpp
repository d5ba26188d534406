// SPDX-License-Identifier: MIT
// File helpers shared by the readers: lower-case extensions, which files are images, reading a whole file within a size limit.
#pragma once

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace ias::detail {

/// The extension of `path` in lower case, with its dot (".png"; "" when there is none).
inline std::string lower_extension(const std::filesystem::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return ext;
}

/// Whether a lower-case extension is one of the image formats ias reads: .png, .jpg, .jpeg,
/// .bmp, .tga.
inline bool is_image_extension(std::string_view lower) noexcept {
    return lower == ".png" || lower == ".jpg" || lower == ".jpeg" || lower == ".bmp" || lower == ".tga";
}

/// The bytes of the file at `path`. On a directory, a file that cannot be opened or read, or
/// one larger than `max_bytes`, calls `fail(why)`, which must throw; `kind` names what the file
/// should have been ("an image file") in the directory message.
template <class Fail>
std::vector<std::uint8_t> read_whole_file(const std::filesystem::path& path, std::uint64_t max_bytes, std::string_view kind, Fail&& fail) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) fail("is a directory, not " + std::string(kind));
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(std::string("cannot open: ") + std::strerror(errno));
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size < 0) fail("cannot determine the file size");
    if (std::uint64_t(size) > max_bytes)
        fail("the file has " + std::to_string(size) + " bytes, more than the limit of " + std::to_string(max_bytes));
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    in.seekg(0);
    if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size)) fail("read error");
    return bytes;
}

}  // namespace ias::detail
