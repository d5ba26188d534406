// SPDX-License-Identifier: MIT
// Folders of images with ground-truth masks, in the layouts real defect datasets come in:
// an ias dataset, an MVTec AD category, and images beside their masks (magnetic tiles).
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "../core/error.hpp"
#include "../io/files.hpp"
#include "inputs.hpp"

namespace ias::dataset {

/// An image file and the file of its ground-truth mask (nonzero = anomalous).
struct masked_image {
    std::filesystem::path image, mask;
};

namespace detail {
/// Whether `file` is the mask of an image beside it: a .png with a .jpg, .jpeg or .bmp of the same stem.
inline bool is_mask_beside_image(const std::filesystem::path& file) {
    if (ias::detail::lower_extension(file) != ".png") return false;
    std::error_code ec;
    for (const char* ext : {".jpg", ".jpeg", ".bmp"})
        if (std::filesystem::exists(std::filesystem::path(file).replace_extension(ext), ec)) return true;
    return false;
}
}  // namespace detail

/// The images of `dir` as `find_inputs` finds them (recursive, sorted; an MVTec AD category
/// means its train/good), as full paths, without the masks of the magnetic-tile layout (a
/// .png beside an image of the same stem). Throws ias::error when none is left.
inline std::vector<std::filesystem::path> find_images(const std::filesystem::path& dir) {
    const input_set inputs = find_inputs(dir);
    std::vector<std::filesystem::path> files;
    for (const auto& relative : inputs.relative)
        if (auto f = inputs.root / relative; !detail::is_mask_beside_image(f)) files.push_back(std::move(f));
    if (files.empty()) throw error("ias::dataset::find_images: '" + dir.string() + "' holds masks but no image");
    return files;
}

/// The defect images of `dir` with their masks, sorted by image path, in whichever layout
/// `dir` has:
/// - an ias dataset: `images/X.png` with `masks/X.png`;
/// - an MVTec AD category (`test/<kind>/X.png` with `ground_truth/<kind>/X_mask.png`, every
///   kind but `good`), or one of its `test/<kind>` folders;
/// - anything else: images `X.jpg` (or .jpeg, .bmp) beside their masks `X.png`, as the
///   magnetic-tile dataset has them.
/// Throws ias::error naming the image whose mask does not exist.
inline std::vector<masked_image> find_masked_images(const std::filesystem::path& dir) {
    namespace fs = std::filesystem;
    std::vector<masked_image> out;
    std::error_code ec;
    const fs::path truth_of_kind = dir.parent_path().parent_path() / "ground_truth";
    if (fs::is_directory(dir / "images", ec) && fs::is_directory(dir / "masks", ec)) {
        for (auto& f : find_images(dir / "images")) out.push_back({f, dir / "masks" / f.filename()});
    } else if (fs::is_directory(dir / "test", ec) || fs::is_directory(truth_of_kind, ec)) {
        std::vector<fs::path> kinds;
        if (fs::is_directory(dir / "test", ec)) {
            for (const auto& e : fs::directory_iterator(dir / "test"))
                if (e.is_directory() && e.path().filename() != "good") kinds.push_back(e.path());
        } else {
            kinds.push_back(dir);
        }
        for (const auto& kind : kinds) {
            const fs::path truth = kind.parent_path().parent_path() / "ground_truth" / kind.filename();
            for (auto& f : find_images(kind)) out.push_back({f, truth / (f.stem().string() + "_mask.png")});
        }
    } else {
        for (auto& f : find_images(dir)) out.push_back({f, fs::path(f).replace_extension(".png")});
    }
    for (const auto& m : out)
        if (!fs::exists(m.mask, ec))
            throw error("ias::dataset::find_masked_images: no mask '" + m.mask.string() + "' for the defect image '" + m.image.string() + "'");
    std::sort(out.begin(), out.end(), [](const masked_image& a, const masked_image& b) { return a.image < b.image; });
    return out;
}

}  // namespace ias::dataset
