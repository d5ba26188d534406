// SPDX-License-Identifier: MIT
// Score maps and ground-truth masks on disk: loading either by extension, stem matching, evaluation of two folders.
//
// The file formats are io/npy.hpp and io/pfm.hpp; PNG goes through io/stb.hpp, so link Debian's libstb (pkg-config `stb`) or define
// IAS_STB_IMPLEMENTATION in one translation unit of your own, as for io/stb.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "../core/error.hpp"
#include "../core/image.hpp"
#include "../io/file_listing.hpp"
#include "../io/files.hpp"
#include "../io/npy.hpp"
#include "../io/pfm.hpp"
#include "../io/stb.hpp"
#include "metrics.hpp"

namespace ias::eval {

namespace detail {

[[noreturn]] inline void file_error(const std::filesystem::path& path, const std::string& why) {
    ias::detail::map_file_error("ias::eval", path, why);
}

}  // namespace detail

/// Loads a one-channel score map as float32, chosen by the (case-insensitive) extension:
/// `.npy` as `load_npy` reads it, `.pfm` as `load_pfm` reads it, and `.png`: greyscale, 8-bit
/// (values / 255) or 16-bit (values / 65535), through io/stb.hpp.
///
/// Every element must be finite. Throws ias::error naming the file and what is wrong (bad
/// magic, truncated or over-long data, unsupported version, dtype or shape, Fortran order,
/// colour, an element that is NaN or infinite, by row and column) and what is allowed, and
/// for a file or map beyond `limits`. Its errors start "ias::eval:", whichever format.
inline image<float> load_score_map(const std::filesystem::path& path, const load_limits& limits = {}) {
    const std::string ext = ias::detail::lower_extension(path);
    if (ext == ".png") {
        const any_image loaded = load_image(path, {.channels = 0, .limits = limits});
        if (loaded.channels() != 1)
            detail::file_error(path, "the PNG has " + std::to_string(loaded.channels()) +
                                         " channels; a PNG score map must be greyscale (8 or 16 bit, no alpha)");
        if (loaded.holds<float>()) return loaded.get<float>();  // 16-bit: io/stb.hpp gives v / 65535
        const auto& bytes = loaded.get<std::uint8_t>();
        image<float> out(bytes.width(), bytes.height(), 1);
        // v / 255 correctly rounded (not v * (1/255), which is off by an ulp for some v).
        for (std::size_t i = 0; i < bytes.size(); ++i) out.data()[i] = float(bytes.data()[i]) / 255.0f;
        return out;
    }
    if (ext != ".npy" && ext != ".pfm")
        detail::file_error(path, "the extension '" + ext + "' is not a score map format; use .npy, .pfm or .png");
    return ias::detail::load_float_map("ias::eval", path, limits, "a score map file",
                                       ext == ".npy" ? ias::detail::decode_npy : ias::detail::decode_pfm);
}

/// Loads a ground-truth mask (`.png`, 8 or 16 bit) as 0 (normal) or 255 (anomalous) bytes, one
/// channel: a pixel is anomalous when any of its colour channels is nonzero (alpha is ignored),
/// so greyscale MVTec masks and coloured masks both work. Throws ias::error naming the file
/// when it cannot be read (see `load_image`).
inline image<std::uint8_t> load_mask(const std::filesystem::path& path, const load_limits& limits = {}) {
    const any_image loaded = load_image(path, {.channels = 0, .limits = limits});
    image<std::uint8_t> out(loaded.width(), loaded.height(), 1);
    loaded.visit([&]<class T>(image_view<const T> v) {
        const int colours = v.channels() == 4 ? 3 : v.channels();
        for (int y = 0; y < v.height(); ++y)
            for (int x = 0; x < v.width(); ++x) {
                bool anomalous = false;
                for (int c = 0; c < colours; ++c) anomalous = anomalous || v(x, y, c) != T(0);
                out(x, y) = anomalous ? 255 : 0;
            }
    });
    return out;
}


/// A score map and its ground-truth mask, matched by stem.
struct score_pair {
    std::filesystem::path map;   ///< the score map file
    std::filesystem::path mask;  ///< the mask file; empty for a normal image (no mask file)
    std::string stem;            ///< the matching key: the map's path under the scores folder, without extension
};

namespace detail {

inline bool is_score_map_extension(const std::string& ext) { return ext == ".npy" || ext == ".pfm" || ext == ".png"; }

/// The path of `file` under `root` without its extension, with '/' separators.
inline std::string relative_stem(const std::filesystem::path& file, const std::filesystem::path& root) {
    std::filesystem::path rel = file.lexically_relative(root);
    rel.replace_extension();
    return rel.generic_string();
}

/// The files under `root` that `wanted` accepts (recursively, as `list_files` lists them),
/// leaving out the folder `skip` when it lies inside `root`. Throws ias::error naming
/// `root` when it is not a readable folder.
inline std::vector<std::filesystem::path> files_under(const std::filesystem::path& root, const char* what,
                                                      const std::filesystem::path& skip, bool (*wanted)(const std::filesystem::path&)) {
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec))
        file_error(root, std::string("the ") + what + " folder does not exist or is not a folder");
    auto listing = list_files(root, {.wanted = wanted, .skip = skip}, ec);
    if (ec) file_error(root, std::string("cannot list the ") + what + " folder: " + ec.message());
    return std::move(listing.files);
}

}  // namespace detail

/// Pairs the score maps under `scores_dir` with the masks under `ground_truth_dir`.
///
/// Score maps are the `.npy`, `.pfm` and `.png` files anywhere under `scores_dir`; masks are
/// the `.png` files anywhere under `ground_truth_dir` (extensions are case-insensitive). The
/// key of a file is its path under its folder without the extension, with '/' separators:
/// in flat folders that is the file stem ("000"); in MVTec AD's layout it keeps the defect
/// folder ("crack/000"), since every defect type numbers its images from 000. A mask matches
/// the score map of its own key, or, when its stem ends in "_mask" (MVTec's
/// `ground_truth/crack/000_mask.png`), of the key without that suffix. A score map without a
/// mask is a normal image (`mask` is empty).
///
/// Returns the pairs sorted by key. Throws ias::error naming the files when a mask matches
/// no score map, when two score maps have the same key (e.g. `000.npy` and `000.png`), when
/// two masks match the same score map, when a folder is missing or unreadable, or when
/// there is no score map at all; std::invalid_argument when both folders are the same (a
/// folder nested in the other is skipped while listing the other).
inline std::vector<score_pair> match_by_stem(const std::filesystem::path& scores_dir,
                                             const std::filesystem::path& ground_truth_dir) {
    namespace fs = std::filesystem;
    std::error_code ec_scores, ec_truth;
    const fs::path scores_canonical = fs::weakly_canonical(scores_dir, ec_scores);
    const fs::path truth_canonical = fs::weakly_canonical(ground_truth_dir, ec_truth);
    if (!ec_scores && !ec_truth && scores_canonical == truth_canonical)
        throw std::invalid_argument("ias::eval::match_by_stem: the scores folder '" + scores_dir.string() +
                                    "' and the ground-truth folder '" + ground_truth_dir.string() +
                                    "' are the same; they must be different folders");
    std::map<std::string, score_pair> pairs;
    const auto is_score_map = [](const fs::path& p) { return detail::is_score_map_extension(ias::detail::lower_extension(p)); };
    for (const fs::path& file : detail::files_under(scores_dir, "scores", ground_truth_dir, is_score_map)) {
        const std::string key = detail::relative_stem(file, scores_dir);
        const auto [it, inserted] = pairs.try_emplace(key, score_pair{file, {}, key});
        if (!inserted)
            throw error("ias::eval::match_by_stem: the score maps '" + it->second.map.string() + "' and '" +
                        file.string() + "' have the same stem '" + key + "'; keep one score map per image");
    }
    if (pairs.empty())
        detail::file_error(scores_dir, "no score maps (.npy, .pfm or .png files) in this folder or below it");
    const auto is_png = [](const fs::path& p) { return ias::detail::lower_extension(p) == ".png"; };
    for (const fs::path& file : detail::files_under(ground_truth_dir, "ground-truth", scores_dir, is_png)) {
        std::string key = detail::relative_stem(file, ground_truth_dir);
        auto it = pairs.find(key);
        static constexpr std::string_view suffix = "_mask";
        if (it == pairs.end() && key.size() > suffix.size() && key.ends_with(suffix)) {
            key.resize(key.size() - suffix.size());
            it = pairs.find(key);
        }
        if (it == pairs.end())
            throw error("ias::eval::match_by_stem: the mask '" + file.string() + "' has no score map: expected '" +
                        key + ".npy', '.pfm' or '.png' under '" + scores_dir.string() +
                        "' (maps and masks are matched by their path under their folders, without the "
                        "extension and a trailing '_mask')");
        if (!it->second.mask.empty())
            throw error("ias::eval::match_by_stem: the masks '" + it->second.mask.string() + "' and '" +
                        file.string() + "' both match the score map '" + it->second.map.string() +
                        "'; keep one mask per image");
        it->second.mask = file;
    }
    std::vector<score_pair> out;
    out.reserve(pairs.size());
    for (auto& [key, pair] : pairs) out.push_back(std::move(pair));
    return out;
}

/// Loads every score map under `scores_dir` and its mask under `ground_truth_dir` (paired by
/// `match_by_stem`; no mask = normal image), checks that each map has its mask's size, and
/// returns `evaluate` of them. Throws ias::error naming both files and their sizes when they
/// differ, and every error of `match_by_stem`, `load_score_map`, `load_mask` and `evaluate`.
/// Memory: every map (4 bytes per pixel) and mask (1 byte) is held at once, plus the sort
/// buffers of `evaluate`.
inline metrics_report evaluate_directories(const std::filesystem::path& scores_dir,
                                           const std::filesystem::path& ground_truth_dir) {
    const auto pairs = match_by_stem(scores_dir, ground_truth_dir);
    std::vector<image<float>> maps;
    std::vector<image<std::uint8_t>> masks;
    maps.reserve(pairs.size());
    masks.reserve(pairs.size());
    for (const auto& pair : pairs) {
        maps.push_back(load_score_map(pair.map));
        const auto& map = maps.back();
        if (pair.mask.empty()) {
            masks.emplace_back(map.width(), map.height(), 1, std::uint8_t{0});
            continue;
        }
        masks.push_back(load_mask(pair.mask));
        const auto& mask = masks.back();
        if (mask.width() != map.width() || mask.height() != map.height())
            throw error("ias::eval::evaluate_directories: the score map '" + pair.map.string() + "' is " +
                        std::to_string(map.width()) + "x" + std::to_string(map.height()) + " but its mask '" +
                        pair.mask.string() + "' is " + std::to_string(mask.width()) + "x" +
                        std::to_string(mask.height()) + "; they must have the same size");
    }
    return evaluate(std::span<const image<float>>(maps), std::span<const image<std::uint8_t>>(masks));
}

}  // namespace ias::eval
